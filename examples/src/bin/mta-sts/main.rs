//! `mta-sts`: check MTA-STS policies, TXT records and MX hosts from the command line.
//!
//! Exit status: 0 when the input is valid, 1 when it is not (the reasons go to
//! stderr), 2 for usage and I/O errors.

// Doc comments here are clap help text, written for the terminal, not rustdoc.
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mta_sts_policy::{ParseOptions, Policy, PolicyErrors, StsRecord, DEFAULT_MAX_POLICY_SIZE};
use serde_json::json;

mod lookup;
mod simulate;

/// Check MTA-STS (RFC 8461) policies, `_mta-sts` TXT records and MX hosts.
///
/// Exit status: 0 valid, 1 invalid (reasons on stderr), 2 usage or I/O error.
#[derive(Parser, Debug)]
#[command(name = "mta-sts", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and validate a policy file (the body of
    /// https://mta-sts.DOMAIN/.well-known/mta-sts.txt).
    ///
    /// Valid: exit 0 and a summary, or with --json one object:
    /// {"version":"STSv1","mode":"enforce","max_age":604800,"mx":["mail.example.com"],
    /// "extensions":[["key","value"]],"warnings":["line 3, column 5: ..."]}.
    /// mx values are in policy order, normalised (lower case, A-labels, no trailing dot).
    /// Invalid: exit 1, and stderr has one line per error, "line L, column C: message".
    /// Files over 64 KiB are refused without being read whole.
    Policy {
        /// Refuse every deviation from the RFC 8461 grammar (for domain owners and
        /// linters) instead of accepting the safe ones with a warning (as senders do).
        #[arg(long)]
        strict: bool,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
        /// The policy file; "-" reads standard input.
        file: String,
    },
    /// Find the usable record in an `_mta-sts` TXT answer and validate it.
    ///
    /// Each argument is one TXT record of the answer, its strings already joined.
    /// Records that do not begin with "v=STSv1" are discarded; exactly one must remain.
    /// Usable: exit 0, and with --json {"id":"...","extensions":[["k","v"]]}.
    /// Otherwise exit 1, and stderr says why (no record, several records, or the
    /// syntax error and its column).
    Record {
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
        /// The TXT records of the answer (put "--" before them if one starts with "-").
        #[arg(required = true)]
        records: Vec<String>,
    },
    /// Check MX hosts against the mx patterns of a policy file (RFC 8461 §4.1).
    ///
    /// Prints one line per host, in order: "HOST<TAB>match" or "HOST<TAB>no-match",
    /// and exits 0. Exits 1 when the policy is invalid.
    Match {
        /// The policy file; "-" reads standard input.
        policy_file: String,
        /// The MX host names to check.
        #[arg(required = true)]
        hosts: Vec<String>,
    },
    /// Replay a scripted sequence of DNS answers and fetch results through the
    /// real policy cache machine, printing one JSON line per step.
    ///
    /// Scenario: {"domain":"example.com","steps":[STEP...]}. A step:
    /// "at": seconds from the start (never decreasing);
    /// "kind": "lookup" (default), "refresh" or "before-permanent-failure";
    /// "txt": a list of TXT records, "nxdomain", or {"error":"temporary"}
    /// (required for lookup and before-permanent-failure);
    /// "fetch": {"status":200,"content_type":"text/plain","body":"..."} or
    /// {"error":"timeout"|"connect"|"certificate"}, used only if the machine asks
    /// to fetch.
    ///
    /// Output per step:
    /// {"at":9000,"policy":{"mode":"enforce","id":"1","expires_at":86400}|null,
    /// "fetched":true,"reports":["sts-policy-fetch-error"],"alerts":[]};
    /// before-permanent-failure steps add "decision":"retry"|"transient", and
    /// each alert is {"failures":N,"expires_in":SECONDS,"result_type":"..."}.
    /// The cache entry carries over from step to step as a host's store keeps it.
    /// An invalid scenario exits 1 with the step and the reason.
    Simulate {
        /// The scenario file; "-" reads standard input.
        scenario: String,
    },
    /// Find the usable record in an `_smtp._tls` TXT answer and validate it.
    ///
    /// Each argument is one TXT record of the answer. Usable: exit 0, and with
    /// --json {"rua":["mailto:reports@example.com","https://r.example.com/x"],"warnings":[]}
    /// (warnings name rua URIs of other schemes, which are skipped, and duplicate
    /// fields). Otherwise exit 1, and stderr says why.
    TlsrptRecord {
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
        /// The TXT records of the answer (put "--" before them if one starts with "-").
        #[arg(required = true)]
        records: Vec<String>,
    },
    /// Read TLS-RPT reports: JSON, gzip-compressed JSON, zip, or the e-mail
    /// message that carried one (the kind is told from the bytes).
    ///
    /// Without --json, a summary per file: organisation, date range, report id,
    /// and per policy its type, domain, session counts and failures by result
    /// type. With --json, one line of canonical RFC 8460 JSON per file.
    /// Deviations from RFC 8460 that real senders make are accepted and printed
    /// to stderr as "FILE: PATH: message"; --strict refuses them.
    /// Exit 0 when every file was read, 1 when any could not be (the others are
    /// still printed), 2 for usage errors.
    /// Aggregate session records into daily TLS-RPT reports.
    ///
    /// SESSIONS.jsonl holds one JSON object per line:
    /// {"time":UNIX_SECONDS,"report_domain":"example.org",
    ///  "policy":{"policy_type":"sts","policy_string":["version: STSv1","mode: enforce",...],
    ///            "policy_domain":"example.org","mx_host":["*.example.org"]},
    ///  "failure":{"result_type":"certificate-expired","sending_mta_ip":"192.0.2.1",
    ///             "receiving_mx_hostname":"mx.example.org","receiving_mx_helo":null,
    ///             "receiving_ip":null,"additional_information":null,"failure_reason_code":null}}
    /// with "failure" left out (or null) for a successful session; policy_type is
    /// "sts", "tlsa" or "no-policy-found". Every UTC day seen gives one report per
    /// report domain, written into DIR as SUBMITTER!DOMAIN!BEGIN!END!ID.json.gz
    /// (and .eml with --email, ready for DKIM signing; its To is left to the MTA),
    /// printing one line per file. A malformed line is reported on stderr with its
    /// line number and skipped; the exit status is then 1, though every report is
    /// still written.
    Aggregate {
        /// organization-name of the reports.
        #[arg(long)]
        org: String,
        /// contact-info of the reports (also the From of e-mails).
        #[arg(long)]
        contact: String,
        /// The submitter domain (file names, TLS-Report-Submitter).
        #[arg(long)]
        submitter: String,
        /// Also write each report as an e-mail message (.eml).
        #[arg(long)]
        email: bool,
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: String,
        /// The session records, one JSON object per line ("-" reads stdin).
        sessions: String,
    },
    /// Look a domain's policy up live: the _mta-sts TXT record over DNS, the
    /// policy over HTTPS (WebPKI roots, no redirects), and the _smtp._tls record.
    ///
    /// Prints the policy (mode, id, max_age, mx patterns), or why none applies,
    /// each fetch failure as "report: RESULT-TYPE: reason", and the TLS-RPT
    /// addresses. With --json, one object:
    /// {"domain":"...","policy":{"mode":"enforce","id":"...","max_age":86400,"mx":[...]}|null,
    /// "no_policy":"..."|null,"reports":[{"result_type":"...","reason":"..."}],
    /// "tls_rpt":{"rua":[...]}|{"error":"..."}}.
    /// Exit 0 when an enforce or testing policy applies, 1 when none does.
    Lookup {
        /// Ask this name server (IP:PORT; repeatable) instead of the system's.
        #[arg(long = "nameserver")]
        nameservers: Vec<std::net::SocketAddr>,
        /// Seconds each DNS lookup and the fetch may take.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The policy domain (the part of the address after the @).
        domain: String,
    },
    Report {
        /// Refuse every deviation from RFC 8460.
        #[arg(long)]
        strict: bool,
        /// Print canonical JSON, one line per file.
        #[arg(long)]
        json: bool,
        /// The report files ("-" reads standard input).
        #[arg(required = true)]
        files: Vec<String>,
    },
}

/// A failure that ends the command: exit 1 (invalid input) or 2 (I/O).
enum Failure {
    Invalid(Vec<String>),
    Io(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy { strict, json, file } => cmd_policy(&file, strict, json),
        Command::Record { json, records } => cmd_record(&records, json),
        Command::Match { policy_file, hosts } => cmd_match(&policy_file, &hosts),
        Command::Simulate { scenario } => cmd_simulate(&scenario),
        Command::TlsrptRecord { json, records } => cmd_tlsrpt_record(&records, json),
        Command::Report { strict, json, files } => cmd_report(&files, strict, json),
        Command::Lookup {
            nameservers,
            timeout,
            json,
            domain,
        } => lookup::cmd_lookup(&domain, &nameservers, timeout, json),
        Command::Aggregate {
            org,
            contact,
            submitter,
            email,
            out,
            sessions,
        } => cmd_aggregate(&org, &contact, &submitter, email, &out, &sessions),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(lines)) => {
            let mut err = std::io::stderr().lock();
            for line in lines {
                let _ = writeln!(err, "{line}");
            }
            ExitCode::from(1)
        }
        Err(Failure::Io(message)) => {
            let _ = writeln!(std::io::stderr(), "mta-sts: {message}");
            ExitCode::from(2)
        }
    }
}

/// Reads at most `limit + 1` bytes, so the parser can tell an oversized input
/// without it ever being held whole.
fn read_limited(path: &str, limit: usize) -> Result<Vec<u8>, Failure> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut buf = Vec::new();
    let result = if path == "-" {
        std::io::stdin().lock().take(cap).read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(cap).read_to_end(&mut buf))
    };
    result.map_err(|e| Failure::Io(format!("{path}: {e}")))?;
    Ok(buf)
}

fn error_lines(errors: &PolicyErrors) -> Vec<String> {
    errors.errors().iter().map(ToString::to_string).collect()
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("stdout: {e}")))
}

fn load_policy(path: &str, strict: bool) -> Result<mta_sts_policy::ParsedPolicy, Failure> {
    let options = ParseOptions {
        strict,
        max_size: DEFAULT_MAX_POLICY_SIZE,
    };
    let input = read_limited(path, options.max_size)?;
    Policy::parse_with(&input, &options).map_err(|e| Failure::Invalid(error_lines(&e)))
}

fn cmd_policy(path: &str, strict: bool, as_json: bool) -> Result<(), Failure> {
    let parsed = load_policy(path, strict)?;
    let policy = &parsed.policy;
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    if as_json {
        let value = json!({
            "version": policy.version(),
            "mode": policy.mode().as_str(),
            "max_age": policy.max_age(),
            "mx": policy.mx().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "extensions": policy.extensions().iter().map(|e| [e.name(), e.value()]).collect::<Vec<_>>(),
            "warnings": warnings,
        });
        return print(&format!("{value}\n"));
    }
    let mut text = format!(
        "valid MTA-STS policy ({})\n  version: {}\n  mode:    {}\n  max_age: {} ({})\n",
        if strict { "strict" } else { "sender rules" },
        policy.version(),
        policy.mode(),
        policy.max_age(),
        human_duration(policy.max_age()),
    );
    for mx in policy.mx() {
        text.push_str(&format!("  mx:      {mx}\n"));
    }
    for ext in policy.extensions() {
        text.push_str(&format!("  {}: {} (extension, ignored)\n", ext.name(), ext.value()));
    }
    if !warnings.is_empty() {
        text.push_str(&format!("{} warning(s):\n", warnings.len()));
        for w in &warnings {
            text.push_str(&format!("  {w}\n"));
        }
    }
    print(&text)
}

fn human_duration(secs: u64) -> String {
    match secs {
        0 => "no caching".to_owned(),
        s if s % 86_400 == 0 => format!("{} day(s)", s / 86_400),
        s if s % 3_600 == 0 => format!("{} hour(s)", s / 3_600),
        s => format!("{s} second(s)"),
    }
}

fn cmd_record(records: &[String], as_json: bool) -> Result<(), Failure> {
    let record = StsRecord::discover(records).map_err(|e| Failure::Invalid(vec![e.to_string()]))?;
    if as_json {
        let value = json!({
            "id": record.id().as_str(),
            "extensions": record.extensions().iter().map(|e| [e.name(), e.value()]).collect::<Vec<_>>(),
        });
        return print(&format!("{value}\n"));
    }
    let mut text = format!("valid _mta-sts record\n  id: {}\n", record.id());
    for ext in record.extensions() {
        text.push_str(&format!("  {}={} (extension, ignored)\n", ext.name(), ext.value()));
    }
    print(&text)
}

fn cmd_match(path: &str, hosts: &[String]) -> Result<(), Failure> {
    let parsed = load_policy(path, false)?;
    let matcher = parsed.policy.matcher();
    let mut text = String::new();
    for host in hosts {
        let verdict = if matcher.matches(host) { "match" } else { "no-match" };
        text.push_str(&format!("{host}\t{verdict}\n"));
    }
    print(&text)
}

/// The largest scenario file read.
const MAX_SCENARIO_SIZE: usize = 16 * 1024 * 1024;

fn cmd_simulate(path: &str) -> Result<(), Failure> {
    let input = read_limited(path, MAX_SCENARIO_SIZE)?;
    if input.len() > MAX_SCENARIO_SIZE {
        return Err(Failure::Invalid(vec![format!(
            "{path}: scenario larger than {MAX_SCENARIO_SIZE} bytes"
        )]));
    }
    let (lines, error) = match simulate::run(&input) {
        Ok(lines) => (lines, None),
        Err(e) => (e.lines, Some(e.message)),
    };
    let mut text = String::new();
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    print(&text)?;
    match error {
        Some(message) => Err(Failure::Invalid(vec![message])),
        None => Ok(()),
    }
}

fn cmd_tlsrpt_record(records: &[String], as_json: bool) -> Result<(), Failure> {
    let record = tls_rpt_schema::TlsRptRecord::discover(records).map_err(|e| Failure::Invalid(vec![e.to_string()]))?;
    let warnings: Vec<String> = record.warnings.iter().map(ToString::to_string).collect();
    if as_json {
        let value = json!({
            "rua": record.rua.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
            "warnings": warnings,
        });
        return print(&format!("{value}\n"));
    }
    let mut text = String::from("valid _smtp._tls record\n");
    for uri in &record.rua {
        let kind = match uri {
            tls_rpt_schema::ReportUri::Mailto { .. } => "e-mail",
            tls_rpt_schema::ReportUri::Https { .. } => "HTTPS POST",
        };
        text.push_str(&format!("  rua: {uri} ({kind})\n"));
    }
    for w in &warnings {
        text.push_str(&format!("  warning: {w}\n"));
    }
    print(&text)
}

fn report_summary(path: &str, read: &tls_rpt_schema::ReadReport) -> String {
    let r = &read.report;
    let mut text = format!(
        "{path} ({})\n  organization: {}\n  date range:   {} to {}\n  report id:    {}\n",
        read.source,
        r.organization_name,
        tls_rpt_schema::format_datetime(&r.date_range.start),
        tls_rpt_schema::format_datetime(&r.date_range.end),
        r.report_id,
    );
    if let Some(c) = &r.contact_info {
        text.push_str(&format!("  contact:      {c}\n"));
    }
    let count = |n: Option<u64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
    for p in &r.policies {
        text.push_str(&format!(
            "  policy {} for {}: {} successful, {} failed sessions\n",
            p.policy.policy_type,
            p.policy.policy_domain.as_deref().unwrap_or("(no domain)"),
            count(p.summary.total_successful_session_count),
            count(p.summary.total_failure_session_count),
        ));
        let mut by_type: Vec<(String, u64)> = Vec::new();
        for f in &p.failure_details {
            match by_type.iter_mut().find(|(t, _)| t == f.result_type.as_str()) {
                Some((_, n)) => *n = n.saturating_add(f.failed_session_count),
                None => by_type.push((f.result_type.as_str().to_owned(), f.failed_session_count)),
            }
        }
        for (t, n) in by_type {
            text.push_str(&format!("    {t}: {n}\n"));
        }
    }
    text
}

fn cmd_report(files: &[String], strict: bool, as_json: bool) -> Result<(), Failure> {
    let options = if strict {
        tls_rpt_schema::ReadOptions::strict()
    } else {
        tls_rpt_schema::ReadOptions::default()
    };
    let mut failed = Vec::new();
    for path in files {
        let bytes = read_limited(path, options.max_input)?;
        match tls_rpt_schema::read_report(&bytes, &options) {
            Ok(read) => {
                let mut err = std::io::stderr().lock();
                for w in &read.warnings {
                    let _ = writeln!(err, "{path}: {w}");
                }
                drop(err);
                let out = if as_json {
                    let json = read
                        .report
                        .to_json()
                        .map_err(|e| Failure::Io(format!("{path}: cannot write the report: {e}")))?;
                    format!("{json}\n")
                } else {
                    report_summary(path, &read)
                };
                print(&out)?;
            }
            Err(e) => failed.push(format!("{path}: {e}")),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Invalid(failed))
    }
}

#[derive(serde::Deserialize)]
struct SessionLine {
    time: i64,
    report_domain: String,
    policy: tls_rpt_schema::SessionPolicy,
    #[serde(default)]
    failure: Option<tls_rpt_schema::FailureKey>,
}

/// The largest sessions file read.
const MAX_SESSIONS_SIZE: usize = 1 << 30;

fn cmd_aggregate(
    org: &str,
    contact: &str,
    submitter: &str,
    email: bool,
    out: &str,
    sessions: &str,
) -> Result<(), Failure> {
    use tls_rpt_schema::{report_email, report_file_name, Aggregator, AggregatorConfig, EmailEnvelope, ReporterConfig};
    let input = read_limited(sessions, MAX_SESSIONS_SIZE)?;
    let mut aggregator = Aggregator::new(AggregatorConfig::default());
    let mut bad = Vec::new();
    let mut days = std::collections::BTreeSet::new();
    for (i, line) in input.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<SessionLine>(line) {
            Ok(s) => {
                let h = aggregator.policy(&s.report_domain, &s.policy);
                match &s.failure {
                    Some(f) => aggregator.record_failure(h, s.time, f),
                    None => aggregator.record_success(h, s.time),
                }
                days.insert(tls_rpt_schema::utc_day(s.time));
            }
            Err(e) => bad.push(format!("{sessions}: line {}: {e}", i + 1)),
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Failure::Io(format!("{out}: {e}")))?;
    let reporter = ReporterConfig {
        organization_name: org.to_owned(),
        contact_info: contact.to_owned(),
        submitter: submitter.to_owned(),
        only_with_failures: false,
    };
    let mut listing = String::new();
    for day in days {
        for (domain, report) in aggregator.close_day(day, &reporter) {
            let name = report_file_name(submitter, &domain, &report, true);
            let path = std::path::Path::new(out).join(&name);
            let gz = tls_rpt_schema::gzip_report(&report).map_err(|e| Failure::Io(format!("{name}: {e}")))?;
            std::fs::write(&path, gz).map_err(|e| Failure::Io(format!("{}: {e}", path.display())))?;
            listing.push_str(&format!("{}\n", path.display()));
            if email {
                let envelope = EmailEnvelope {
                    from: contact.to_owned(),
                    to: "undisclosed-recipients:;".to_owned(),
                    submitter: submitter.to_owned(),
                    date: tls_rpt_schema::schedule(day, 0).send_at,
                };
                let msg = report_email(&report, &domain, &envelope)
                    .map_err(|e| Failure::Invalid(vec![format!("{domain}: {e}")]))?;
                let eml = path.with_extension("").with_extension("eml");
                std::fs::write(&eml, msg).map_err(|e| Failure::Io(format!("{}: {e}", eml.display())))?;
                listing.push_str(&format!("{}\n", eml.display()));
            }
        }
    }
    print(&listing)?;
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failure::Invalid(bad))
    }
}
