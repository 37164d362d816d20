//! The `mta-sts` CLI as scripts use it: exit codes, stdout and stderr formats.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mta-sts"))
}

fn data(name: &str) -> String {
    let mut p = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    p.push("data");
    p.push(name);
    p.to_string_lossy().into_owned()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The CLI may stop reading early (oversized input): a broken pipe is fine.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn policy_json_is_the_documented_object() {
    let o = run(&["policy", "--json", &data("mta-sts.txt")]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "{\"version\":\"STSv1\",\"mode\":\"enforce\",\"max_age\":604800,\"mx\":[\"mail.example.com\",\"*.example.net\",\"backupmx.example.com\"],\"extensions\":[],\"warnings\":[]}\n"
    );
}

#[test]
fn policy_json_normalises_mx_and_lists_warnings_and_extensions() {
    let input = b"version: STSv1\nmode: testing\nmx: MX.Example.COM.\nmx: *.xn--bcher-kva.example\nmax_age: 86400\nkey: value\n";
    let o = run_stdin(&["policy", "--json", "-"], input);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["mx"],
        serde_json::json!(["mx.example.com", "*.xn--bcher-kva.example"])
    );
    assert_eq!(v["extensions"], serde_json::json!([["key", "value"]]));
    assert_eq!(
        v["warnings"],
        serde_json::json!(["line 3, column 5: trailing dot removed from mx pattern \"MX.Example.COM.\""])
    );
}

#[test]
fn policy_summary_without_json() {
    let o = run(&["policy", &data("lenient.txt")]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("mode:    testing"), "{out}");
    assert!(out.contains("mx:      mx1.example.com"), "{out}");
    assert!(out.contains("6 warning(s)"), "{out}");
}

#[test]
fn policy_strict_refuses_deviations_one_line_per_error() {
    let o = run(&["policy", "--strict", &data("lenient.txt")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 5, "{err}");
    for line in &lines {
        let (pos, _) = line.split_once(": ").unwrap();
        let (l, c) = pos.split_once(", ").unwrap();
        assert!(l.strip_prefix("line ").unwrap().parse::<usize>().is_ok(), "{line}");
        assert!(c.strip_prefix("column ").unwrap().parse::<usize>().is_ok(), "{line}");
    }
    assert_eq!(lines[0], "line 1, column 1: a byte order mark is not allowed");
}

#[test]
fn policy_invalid_exits_1_with_positions() {
    let o = run(&["policy", "--json", &data("invalid.txt")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(
        stderr(&o),
        "line 2, column 7: mode must be \"enforce\", \"testing\" or \"none\", found \"Enforce\"\n\
         line 3, column 5: invalid mx pattern \"mail.*.example.com\": '*' may only be the whole first label, as in \"*.example.com\"\n\
         line 4, column 10: max_age must be 1 to 10 digits, found \"12345678901\"\n"
    );
}

#[test]
fn policy_over_64_kib_is_refused() {
    let mut input = b"version: STSv1\nmode: none\nmax_age: 1\n".to_vec();
    input.resize(8 * 1024 * 1024, b'#');
    let o = run_stdin(&["policy", "-"], &input);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("larger than the limit of 65536 bytes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn policy_io_error_exits_2() {
    let o = run(&["policy", "/nonexistent/policy.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("mta-sts: /nonexistent/policy.txt:"));
}

#[test]
fn record_json() {
    let o = run(&["record", "--json", "v=spf1 -all", "v=STSv1; id=20160831085700Z; ext=1"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "{\"id\":\"20160831085700Z\",\"extensions\":[[\"ext\",\"1\"]]}\n"
    );
}

#[test]
fn record_failures_say_why() {
    let o = run(&["record", "v=spf1 -all"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no record"));
    let o = run(&["record", "v=STSv1; id=1", "v=STSv1; id=2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("2 records"));
    let o = run(&["record", "--", "v=STSv1; id=a_b"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("column 13"), "{}", stderr(&o));
}

#[test]
fn match_prints_one_line_per_host() {
    let o = run(&[
        "match",
        &data("mta-sts.txt"),
        "MAIL.example.com.",
        "mx9.example.net",
        "a.b.example.net",
        "192.0.2.1",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "MAIL.example.com.\tmatch\nmx9.example.net\tmatch\na.b.example.net\tno-match\n192.0.2.1\tno-match\n"
    );
}

#[test]
fn match_with_invalid_policy_exits_1() {
    let o = run(&["match", &data("invalid.txt"), "mx.example.com"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2_and_help_documents_commands() {
    assert_eq!(run(&["match"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = stdout(&help);
    for cmd in ["policy", "record", "match"] {
        assert!(text.contains(cmd), "{text}");
    }
    let help = stdout(&run(&["help", "policy"]));
    assert!(help.contains("line L, column C"), "{help}");
}

#[test]
fn simulate_prints_one_line_per_step() {
    let o = run(&["simulate", &data("scenario.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines[0],
        r#"{"at":0,"policy":{"mode":"enforce","id":"1","expires_at":86400},"fetched":true,"reports":[],"alerts":[]}"#
    );
    // DNS trouble keeps the cached policy.
    assert!(lines[1].contains(r#""policy":{"mode":"enforce","id":"1""#));
    assert!(lines[2].contains(r#""policy":{"mode":"enforce","id":"1""#));
    assert_eq!(
        lines[3],
        r#"{"at":9000,"policy":{"mode":"enforce","id":"1","expires_at":86400},"fetched":true,"reports":["sts-policy-fetch-error"],"alerts":[]}"#
    );
    // Inside the backoff: no second fetch.
    assert!(lines[4].contains(r#""fetched":false"#));
    // Past expiry: nothing left to refresh or apply.
    assert_eq!(
        lines[5],
        r#"{"at":90000,"policy":null,"fetched":false,"reports":[],"alerts":[]}"#
    );
}

const ENFORCE_BODY: &str = r#"{"status":200,"content_type":"text/plain","body":"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n"}"#;

#[test]
fn simulate_refresh_alerts_and_recheck_decides() {
    let scenario = format!(
        r#"{{"domain":"example.com","steps":[
            {{"at":0,"txt":["v=STSv1; id=1"],"fetch":{ENFORCE_BODY}}},
            {{"at":86400,"kind":"refresh","fetch":{{"error":"certificate"}}}},
            {{"at":100,"kind":"refresh","fetch":{{"error":"certificate"}}}}
        ]}}"#
    );
    let o = run_stdin(&["simulate", "-"], scenario.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("step 3"), "{}", stderr(&o));

    let scenario = format!(
        r#"{{"domain":"example.com","steps":[
            {{"at":0,"txt":["v=STSv1; id=1"],"fetch":{ENFORCE_BODY}}},
            {{"at":82800,"kind":"refresh","fetch":{{"error":"certificate"}}}},
            {{"at":83000,"kind":"before-permanent-failure","txt":["v=STSv1; id=1"]}},
            {{"at":83100,"kind":"before-permanent-failure","txt":["v=STSv1; id=2"],"fetch":{ENFORCE_BODY}}}
        ]}}"#
    );
    let o = run_stdin(&["simulate", "-"], scenario.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[1]["reports"], serde_json::json!(["sts-webpki-invalid"]));
    assert_eq!(
        lines[1]["alerts"],
        serde_json::json!([{"failures":1,"expires_in":3600,"result_type":"sts-webpki-invalid"}])
    );
    assert_eq!(lines[2]["decision"], "transient");
    assert_eq!(lines[3]["decision"], "retry");
    assert_eq!(lines[3]["policy"]["id"], "2");
    assert!(lines[0].get("decision").is_none());
}

#[test]
fn simulate_invalid_scenarios_exit_1_with_step_and_reason() {
    for (scenario, message) in [
        ("not json", "invalid scenario JSON"),
        (r#"{"steps":[]}"#, "\"domain\""),
        (
            r#"{"domain":"example.com","steps":[{"at":0}]}"#,
            "step 1: this kind of step needs \"txt\"",
        ),
        (
            r#"{"domain":"example.com","steps":[{"at":0,"txt":5}]}"#,
            "step 1: txt must be",
        ),
        (
            r#"{"domain":"example.com","steps":[{"at":0,"kind":"sometimes","txt":[]}]}"#,
            "step 1: kind must be",
        ),
        (
            r#"{"domain":"example.com","steps":[{"at":0,"txt":[]},{"at":5,"txt":["v=STSv1; id=1"]}]}"#,
            "step 2: the machine asked to fetch",
        ),
        (
            r#"{"domain":"example.com","steps":[{"at":0,"txt":[],"fetch":{"error":"dns"}}]}"#,
            "step 1: fetch error must be",
        ),
    ] {
        let o = run_stdin(&["simulate", "-"], scenario.as_bytes());
        assert_eq!(o.status.code(), Some(1), "{scenario}");
        assert!(stderr(&o).contains(message), "{scenario}: {}", stderr(&o));
    }
    // The steps before a runtime error are still printed.
    let o = run_stdin(
        &["simulate", "-"],
        br#"{"domain":"example.com","steps":[{"at":0,"txt":[]},{"at":5,"txt":["v=STSv1; id=1"]}]}"#,
    );
    assert_eq!(stdout(&o).lines().count(), 1);
}

#[test]
fn tlsrpt_record_json() {
    let o = run(&[
        "tlsrpt-record",
        "--json",
        "v=spf1 -all",
        "v=TLSRPTv1; rua=mailto:reports@example.com,https://r.example.com/x",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "{\"rua\":[\"mailto:reports@example.com\",\"https://r.example.com/x\"],\"warnings\":[]}\n"
    );
    let o = run(&[
        "tlsrpt-record",
        "--json",
        "--",
        "v=TLSRPTv1; rua=ftp://x.example/,mailto:a@x.example",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["rua"], serde_json::json!(["mailto:a@x.example"]));
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn tlsrpt_record_failures_say_why() {
    for (records, why) in [
        (vec!["v=spf1 -all"], "no record"),
        (
            vec![
                "v=TLSRPTv1; rua=mailto:a@x.example",
                "v=TLSRPTv1; rua=mailto:b@x.example",
            ],
            "2 records",
        ),
        (vec!["v=TLSRPTv1"], "no rua"),
        (vec!["v=TLSRPTv1; rua=ftp://x.example/"], "no mailto: or https:"),
    ] {
        let mut args = vec!["tlsrpt-record"];
        args.extend(records);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
    }
}

#[test]
fn report_summary_and_json() {
    let o = run(&["report", &data("report.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "organization: Example Mail Inc.",
        "date range:   2026-03-01T00:00:00Z to 2026-03-02T00:00:00Z",
        "report id:    2026.03.01-example.org@mail.example",
        "policy sts for example.org: 120 successful, 5 failed sessions",
        "certificate-expired: 3",
        "starttls-not-supported: 2",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert!(o.stderr.is_empty());
    let o = run(&["report", "--json", &data("report.json"), &data("report.json")]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], lines[1]);
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["policies"][0]["failure-details"][1]["failed-session-count"], 2);
}

#[test]
fn report_warnings_go_to_stderr_and_strict_refuses() {
    let path = data("report-quirky.json");
    let o = run(&["report", &path]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    for line in err.lines() {
        assert!(line.starts_with(&format!("{path}: ")), "{line}");
    }
    assert!(err.contains(": contact-info: required field missing or null"), "{err}");
    assert!(
        err.contains(": policies[0].policy.mx-host: a string where a list of strings is required"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 5, "{err}");
    let o = run(&["report", "--strict", &path]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
}

#[test]
fn report_reads_gzip_from_stdin_and_keeps_going_after_a_bad_file() {
    let json = std::fs::read(data("report.json")).unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&json).unwrap();
    let o = run_stdin(&["report", "-"], &e.finish().unwrap());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("- (gzip)\n"));
    let o = run(&["report", &data("mta-sts.txt"), &data("report.json")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("organization: Example Mail Inc."));
    assert!(
        stderr(&o).contains("mta-sts.txt: not a TLS-RPT report: neither JSON, gzip, zip nor an e-mail message"),
        "{}",
        stderr(&o)
    );
    assert_eq!(run(&["report"]).status.code(), Some(2));
}

#[test]
fn aggregate_writes_daily_reports_and_skips_bad_lines() {
    let dir = std::env::temp_dir().join(format!("mta-sts-aggregate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let policy = r#"{"policy_type":"sts","policy_string":["version: STSv1","mode: enforce","mx: *.example.org","max_age: 86400"],"policy_domain":"example.org","mx_host":["*.example.org"]}"#;
    let failure = r#"{"result_type":"certificate-expired","sending_mta_ip":"192.0.2.1","receiving_mx_hostname":"mx.example.org","receiving_mx_helo":null,"receiving_ip":null,"additional_information":null,"failure_reason_code":"expired"}"#;
    let t0 = 20_513 * 86_400;
    let sessions = format!(
        "{{\"time\":{t0},\"report_domain\":\"example.org\",\"policy\":{policy}}}\n\
         {{\"time\":{},\"report_domain\":\"example.org\",\"policy\":{policy},\"failure\":{failure}}}\n\
         this is not json\n\
         \n\
         {{\"time\":{},\"report_domain\":\"example.org\",\"policy\":{policy}}}\n",
        t0 + 60,
        t0 + 86_400
    );
    let o = run_stdin(
        &[
            "aggregate",
            "--org",
            "Example Mail Inc.",
            "--contact",
            "tlsrpt@mail.example",
            "--submitter",
            "mail.example",
            "--email",
            "--out",
            dir.to_str().unwrap(),
            "-",
        ],
        sessions.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("-: line 3:"), "{}", stderr(&o));
    let out = stdout(&o);
    let files: Vec<&str> = out.lines().collect();
    assert_eq!(files.len(), 4, "{out}"); // two days, .json.gz and .eml each
    assert!(files[0].contains(&format!("mail.example!example.org!{t0}!{}!", t0 + 86_400)));
    assert!(files[0].ends_with(".json.gz") && files[1].ends_with(".eml"));
    // Both forms read back to the same report, strictly.
    let gz = run(&["report", "--strict", "--json", files[0]]);
    let eml = run(&["report", "--strict", "--json", files[1]]);
    assert_eq!(gz.status.code(), Some(0), "{}", stderr(&gz));
    assert_eq!(stdout(&gz), stdout(&eml));
    let v: serde_json::Value = serde_json::from_str(stdout(&gz).trim()).unwrap();
    assert_eq!(v["policies"][0]["summary"]["total-successful-session-count"], 1);
    assert_eq!(v["policies"][0]["summary"]["total-failure-session-count"], 1);
    assert_eq!(v["organization-name"], "Example Mail Inc.");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lookup_says_why_no_policy_applies_when_dns_fails() {
    // Nothing answers on the discard port: the lookup times out as a temporary
    // DNS failure, and with no policy the exit status is 1.
    let out = run(&[
        "lookup",
        "--nameserver",
        "127.0.0.1:9",
        "--timeout",
        "1",
        "--json",
        "example.com",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["domain"], "example.com");
    assert!(v["policy"].is_null());
    assert!(v["no_policy"].as_str().unwrap().contains("temporarily"), "{v}");
    assert!(v["tls_rpt"]["error"].is_string(), "{v}");
}

#[test]
fn lookup_refuses_an_invalid_domain_without_asking_dns() {
    let out = run(&[
        "lookup",
        "--nameserver",
        "127.0.0.1:9",
        "--timeout",
        "1",
        "not a domain",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("no policy: not a valid domain name"), "{text}");
}
