//! The demo as README's first command runs it: the table, and the reports it
//! writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Command;

use tls_rpt_schema::{read_report, PolicyType, ReadOptions, ResultType};

fn row<'a>(out: &'a str, time: &str, domain: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(time) && l.contains(&format!(" {domain} ")) && !l.contains("  -  "))
        .unwrap_or_else(|| panic!("no row for {domain} at {time}:\n{out}"))
}

#[test]
fn the_demo_prints_the_decisions_and_writes_the_days_reports() {
    let dir = std::env::temp_dir().join(format!("mta-sts-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_mta-sts-demo"))
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = String::from_utf8(out.stdout).unwrap();

    let day1 = "2026-11-28 09:00";
    let expect = [
        (
            "enforce.example",
            "enforce id=2026e1 (fetched)",
            "delivered, TLS verified",
            "success",
        ),
        (
            "testing.example",
            "testing id=2026t1",
            "delivered, certificate-expired",
            "certificate-expired",
        ),
        ("none.example", "none (fetched)", "delivered, TLS", "success"),
        ("nopolicy.example", "no record", "delivered, no TLS", "success"),
        ("invalid.example", "fetch failed", "delivered", "sts-policy-invalid"),
        ("badcert.example", "fetch failed", "delivered", "sts-webpki-invalid"),
        (
            "rotate.example",
            "enforce id=2026r1",
            "delivered, TLS verified",
            "success",
        ),
        (
            "mismatch.example",
            "enforce id=2026m1",
            "deferred (transient), rechecked",
            "validation-failure",
        ),
    ];
    for (domain, policy, decision, report) in expect {
        let r = row(&out, day1, domain);
        assert!(r.contains(policy) && r.contains(decision) && r.ends_with(report), "{r}");
    }
    // Day 2: a new id whose fetch fails keeps the cached policy, and reports.
    let r = row(&out, "2026-11-29 09:00", "rotate.example");
    assert!(
        r.contains("enforce id=2026r1 (cached)") && r.ends_with("sts-policy-fetch-error"),
        "{r}"
    );
    // Day 3: the new policy arrives.
    let r = row(&out, "2026-11-30 09:00", "rotate.example");
    assert!(
        r.contains("enforce id=2026r2 (fetched)") && r.ends_with("success"),
        "{r}"
    );
    // The daily refresh pass, with its alert for the failing refresh.
    assert!(out.contains("refresh failed: alert"), "{out}");

    // Seven domains publish a TLS-RPT record, over three days.
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 21, "{files:?}");
    assert!(!files.iter().any(|p| p.to_string_lossy().contains("nopolicy.example")));
    let mismatch_day1 = files
        .iter()
        .find(|p| p.to_string_lossy().contains("!mismatch.example!1795824000!"))
        .unwrap();
    let read = read_report(&std::fs::read(mismatch_day1).unwrap(), &ReadOptions::strict()).unwrap();
    let policy = &read.report.policies[0];
    assert_eq!(policy.policy.policy_type, PolicyType::Sts);
    assert_eq!(policy.summary.total_failure_session_count, Some(2));
    assert_eq!(policy.failure_details[0].result_type, ResultType::ValidationFailure);
    assert_eq!(
        policy.failure_details[0].failure_reason_code.as_deref(),
        Some("mx-not-in-policy")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
