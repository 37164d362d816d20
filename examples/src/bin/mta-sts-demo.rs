//! `mta-sts-demo`: a sending MTA delivering mail to eight domains over three
//! simulated days, against built-in DNS and HTTPS fixtures (no network).
//!
//! Every delivery asks the async engine of `mta-sts-resolver-trait` for the
//! domain's policy, judges each MX with the policy, and counts the sessions for
//! TLS-RPT. It prints one table row per delivery (and per proactive refresh),
//! and at the end of each day writes that day's TLS-RPT reports, as canonical
//! JSON, for the domains that publish an `_smtp._tls` record.
//!
//! Usage: `mta-sts-demo [REPORT-FOLDER]` (default `target/mta-sts-demo-reports`).

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mta_sts_policy::{
    session_verdict, CertificateStatus, Mode, MxSession, NoPolicyReason, RecheckDecision, UnixTime, Verdict,
};
use mta_sts_resolver_trait::report::{record_sessions, session_records, MxResult};
use mta_sts_resolver_trait::{
    DnsResolver, Engine, EngineConfig, FetchRequest, HttpsError, HttpsFetcher, HttpsResponse, Lookup, MemoryStore,
    TxtAnswer,
};
use tls_rpt_schema::{report_file_name, utc_day, Aggregator, ReporterConfig};

/// 2026-11-28T00:00:00Z, the first simulated day.
const START: UnixTime = 1_795_824_000;
const DAY: UnixTime = 86_400;
const DAYS: u64 = 3;
/// Two delivery rounds a day, at 09:00 and 15:00 UTC.
const ROUNDS: [UnixTime; 2] = [9 * 3600, 15 * 3600];

/// The built-in internet: TXT records and policy responses, changed from day to
/// day, with counters of what the engine asked.
#[derive(Default)]
struct World {
    txt: Mutex<HashMap<String, TxtAnswer>>,
    web: Mutex<HashMap<String, Result<HttpsResponse, HttpsError>>>,
    txt_lookups: AtomicUsize,
    fetches: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl World {
    fn txt(&self, name: &str, record: &str) {
        lock(&self.txt).insert(name.to_owned(), TxtAnswer::records([record]));
    }

    fn policy(&self, domain: &str, body: &str) {
        let response = HttpsResponse {
            status: 200,
            content_type: Some("text/plain".into()),
            body: body.as_bytes().to_vec(),
        };
        self.web(domain, Ok(response));
    }

    fn web(&self, domain: &str, result: Result<HttpsResponse, HttpsError>) {
        lock(&self.web).insert(format!("https://mta-sts.{domain}/.well-known/mta-sts.txt"), result);
    }
}

struct Dns(Arc<World>);
struct Web(Arc<World>);

impl DnsResolver for Dns {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send {
        self.0.txt_lookups.fetch_add(1, Ordering::Relaxed);
        let answer = lock(&self.0.txt).get(name).cloned().unwrap_or(TxtAnswer::NoRecord);
        std::future::ready(answer)
    }
}

impl HttpsFetcher for Web {
    fn get(&self, request: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
        self.0.fetches.fetch_add(1, Ordering::Relaxed);
        let answer = lock(&self.0.web)
            .get(request.url)
            .cloned()
            .unwrap_or_else(|| Err(HttpsError::Connect(format!("{}: no such host", request.host))));
        std::future::ready(answer)
    }
}

/// A recipient domain: its MX hosts in priority order.
struct Domain {
    name: &'static str,
    mx: &'static [&'static str],
    what: &'static str,
}

const DOMAINS: &[Domain] = &[
    Domain {
        name: "enforce.example",
        mx: &["mx1.enforce.example", "mx2.enforce.example"],
        what: "enforce, valid certificates",
    },
    Domain {
        name: "testing.example",
        mx: &["mx.testing.example"],
        what: "testing, the MX certificate has expired",
    },
    Domain {
        name: "none.example",
        mx: &["mx.none.example"],
        what: "mode none: the domain opted out",
    },
    Domain {
        name: "nopolicy.example",
        mx: &["mx.nopolicy.example"],
        what: "no _mta-sts record at all",
    },
    Domain {
        name: "invalid.example",
        mx: &["mx.invalid.example"],
        what: "the policy file does not parse",
    },
    Domain {
        name: "badcert.example",
        mx: &["mx.badcert.example"],
        what: "the policy host's certificate does not validate",
    },
    Domain {
        name: "rotate.example",
        mx: &["mx.rotate.example"],
        what: "day 2: a new id whose fetch fails; day 3: the fetch works",
    },
    Domain {
        name: "mismatch.example",
        mx: &["mx.legacy.example"],
        what: "enforce, but the MX is not in the policy",
    },
];

/// What the MTA's TLS stack sees at each MX.
fn tls_at(host: &str) -> (bool, Option<CertificateStatus>) {
    match host {
        "mx.testing.example" => (true, Some(CertificateStatus::Expired)),
        "mx.nopolicy.example" => (false, None),
        _ => (true, Some(CertificateStatus::Valid)),
    }
}

/// The fixtures as they stand on day `day` (0-based).
fn set_day(world: &World, day: u64) {
    if day == 0 {
        let enforce =
            "version: STSv1\nmode: enforce\nmx: mx1.enforce.example\nmx: mx2.enforce.example\nmax_age: 604800\n";
        let testing = "version: STSv1\nmode: testing\nmx: *.testing.example\nmax_age: 604800\n";
        world.txt("_mta-sts.enforce.example", "v=STSv1; id=2026e1");
        world.policy("enforce.example", enforce);
        world.txt("_mta-sts.testing.example", "v=STSv1; id=2026t1");
        world.policy("testing.example", testing);
        world.txt("_mta-sts.none.example", "v=STSv1; id=2026n1");
        world.policy("none.example", "version: STSv1\nmode: none\nmax_age: 86400\n");
        world.txt("_mta-sts.invalid.example", "v=STSv1; id=2026i1");
        world.policy(
            "invalid.example",
            "version: STSv1\nmode: Enforce\nmx: mx.invalid.example\nmax_age: 86400\n",
        );
        world.txt("_mta-sts.badcert.example", "v=STSv1; id=2026b1");
        world.web(
            "badcert.example",
            Err(HttpsError::Certificate("certificate expired on 2026-10-01".into())),
        );
        world.txt("_mta-sts.rotate.example", "v=STSv1; id=2026r1");
        world.policy(
            "rotate.example",
            "version: STSv1\nmode: enforce\nmx: mx.rotate.example\nmax_age: 604800\n",
        );
        world.txt("_mta-sts.mismatch.example", "v=STSv1; id=2026m1");
        world.policy(
            "mismatch.example",
            "version: STSv1\nmode: enforce\nmx: mx.mismatch.example\nmax_age: 604800\n",
        );
        for d in DOMAINS.iter().filter(|d| d.name != "nopolicy.example") {
            world.txt(
                &format!("_smtp._tls.{}", d.name),
                &format!("v=TLSRPTv1; rua=mailto:tlsrpt@{}", d.name),
            );
        }
    }
    if day == 1 {
        world.txt("_mta-sts.rotate.example", "v=STSv1; id=2026r2");
        let unavailable = HttpsResponse {
            status: 503,
            content_type: Some("text/html".into()),
            body: Vec::new(),
        };
        world.web("rotate.example", Ok(unavailable));
    }
    if day == 2 {
        world.policy(
            "rotate.example",
            "version: STSv1\nmode: enforce\nmx: mx.rotate.example\nmx: mx2.rotate.example\nmax_age: 604800\n",
        );
    }
}

fn clock(t: UnixTime) -> String {
    let day = t / DAY;
    let secs = t % DAY;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = day as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

fn policy_column(lookup: &Lookup) -> String {
    let outcome = lookup.outcome();
    let fresh = outcome.fetched() && outcome.reports().is_empty() && outcome.alerts().is_empty();
    let source = if fresh { "fetched" } else { "cached" };
    match (lookup.cached_policy(), lookup.no_policy_reason()) {
        (Some(c), _) => format!("{} id={} ({source})", c.policy.mode(), c.id),
        (None, Some(NoPolicyReason::ModeNone)) => format!("none ({source})"),
        (None, Some(NoPolicyReason::NoRecord(_))) => "no record".into(),
        (None, Some(NoPolicyReason::FetchFailed(_))) => "fetch failed".into(),
        (None, Some(NoPolicyReason::Backoff { .. })) => "fetch held off".into(),
        (None, Some(NoPolicyReason::TxtTemporaryFailure)) => "DNS failure".into(),
        (None, _) => "none".into(),
    }
}

struct Row {
    time: String,
    domain: String,
    mx: String,
    policy: String,
    decision: String,
    tlsrpt: String,
}

fn print_row(r: &Row) {
    println!(
        "{:<16}  {:<16}  {:<19}  {:<28}  {:<38}  {}",
        r.time, r.domain, r.mx, r.policy, r.decision, r.tlsrpt
    );
}

type DemoEngine = Engine<Dns, Web, MemoryStore, mta_sts_resolver_trait::TokioTimer>;

/// Delivers one message to `domain` at `now`, as an MTA would, and counts the
/// sessions in `agg`.
async fn deliver(engine: &DemoEngine, agg: &mut Aggregator, domain: &Domain, now: UnixTime) -> Row {
    let lookup = engine.policy(domain.name, now).await;
    let policy = lookup.policy();
    let mut results = Vec::new();
    let mut delivered = None;
    for &host in domain.mx {
        let (starttls, certificate) = tls_at(host);
        let session = MxSession {
            host,
            starttls,
            certificate: if starttls { certificate } else { None },
        };
        let verdict = session_verdict(policy, &session);
        results.push(MxResult::new(host, verdict));
        if verdict.may_deliver() {
            delivered = Some((host, starttls, verdict));
            break;
        }
    }
    let records = session_records(&lookup, &results);
    record_sessions(agg, &records, now as i64);

    let decision = match delivered {
        Some((_, false, _)) => "delivered, no TLS".to_owned(),
        Some((_, true, Verdict::DeliverAndReport(t))) => format!("delivered, {t} reported"),
        Some(_) if policy.is_some_and(|p| p.mode() == Mode::Enforce) => "delivered, TLS verified".to_owned(),
        Some(_) => "delivered, TLS".to_owned(),
        None => {
            // Every MX was skipped under enforce: before the message could ever
            // fail permanently, the policy must be checked again (RFC 8461 §5).
            let recheck = engine.recheck_before_permanent_failure(domain.name, now).await;
            match recheck.outcome().decision() {
                Some(RecheckDecision::RetryWithNewPolicy) => "deferred; new policy: retry".to_owned(),
                _ => "deferred (transient), rechecked".to_owned(),
            }
        }
    };
    let mut reported: Vec<String> = records
        .iter()
        .filter_map(|r| r.failure.as_ref())
        .map(|f| f.result_type.to_string())
        .collect();
    reported.dedup();
    Row {
        time: clock(now),
        domain: domain.name.to_owned(),
        mx: results.last().map(|r| r.host.to_owned()).unwrap_or_default(),
        policy: policy_column(&lookup),
        decision,
        tlsrpt: if reported.is_empty() {
            "success".to_owned()
        } else {
            reported.join(", ")
        },
    }
}

async fn run(folder: PathBuf) -> Result<(), String> {
    let world = Arc::new(World::default());
    let config = EngineConfig {
        refresh_jitter: 0,
        ..EngineConfig::default()
    };
    let engine = Engine::with_config(
        Dns(Arc::clone(&world)),
        Web(Arc::clone(&world)),
        MemoryStore::new(1_000),
        config,
    );
    let reporter = ReporterConfig {
        organization_name: "Demo Sender".into(),
        contact_info: "mailto:postmaster@sender.example".into(),
        submitter: "sender.example".into(),
        only_with_failures: false,
    };
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;

    println!(
        "A sending MTA delivers to eight domains over {DAYS} simulated days (built-in DNS and HTTPS, no network):"
    );
    for d in DOMAINS {
        println!("  {:<17} {}", d.name, d.what);
    }
    println!();
    print_row(&Row {
        time: "TIME (UTC)".into(),
        domain: "DOMAIN".into(),
        mx: "MX".into(),
        policy: "POLICY".into(),
        decision: "DECISION".into(),
        tlsrpt: "TLS-RPT".into(),
    });

    let mut written = Vec::new();
    let mut agg = Aggregator::default();
    for day in 0..DAYS {
        set_day(&world, day);
        let midnight = START + day * DAY;
        if day > 0 {
            println!();
        }
        for (round, offset) in ROUNDS.iter().enumerate() {
            let now = midnight + offset;
            if round == 0 {
                // The MTA's periodic refresh pass (RFC 8461 §3.3).
                let refreshed = engine.refresh_due(now).await.map_err(|e| e.to_string())?;
                for r in refreshed {
                    let outcome = r.outcome();
                    let decision = match outcome.alerts().first() {
                        Some(a) => format!("refresh failed: alert ({} left)", hours(a.expires_in)),
                        None => "refreshed".to_owned(),
                    };
                    print_row(&Row {
                        time: clock(now),
                        domain: r.domain().to_owned(),
                        mx: "-".into(),
                        policy: policy_column(&r),
                        decision,
                        tlsrpt: "-".into(),
                    });
                }
            }
            for d in DOMAINS {
                print_row(&deliver(&engine, &mut agg, d, now).await);
            }
        }
        // The day is over: its reports go to every domain that asks for them.
        let reports = agg.close_day(utc_day(midnight as i64), &reporter);
        for (domain, report) in reports {
            let Ok(record) = engine.tls_rpt_record(&domain).await else {
                continue;
            };
            let json = report.to_json().map_err(|e| e.to_string())?;
            let name = report_file_name(&reporter.submitter, &domain, &report, false);
            let path = folder.join(&name);
            std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
            let rua = record.rua.first().map(|u| u.to_string()).unwrap_or_default();
            written.push((name, rua));
        }
    }

    println!();
    println!(
        "The engine made {} TXT lookups and {} policy fetches for {} deliveries.",
        world.txt_lookups.load(Ordering::Relaxed),
        world.fetches.load(Ordering::Relaxed),
        DOMAINS.len() as u64 * DAYS * ROUNDS.len() as u64
    );
    let shown = std::fs::canonicalize(&folder).unwrap_or(folder);
    println!("{} TLS-RPT reports written to {}:", written.len(), shown.display());
    for (name, rua) in &written {
        println!("  {name}  (for {rua})");
    }
    Ok(())
}

fn hours(seconds: u64) -> String {
    format!("{}d {}h", seconds / DAY, seconds % DAY / 3600)
}

fn main() -> ExitCode {
    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/mta-sts-demo-reports"));
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mta-sts-demo: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(folder)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mta-sts-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
