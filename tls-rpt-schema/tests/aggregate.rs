//! Aggregation into daily reports: counting, the failure-detail cap, merging
//! (commutative and associative, a property test), state round trips, closing a
//! day, and the delivery helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use tls_rpt_schema::*;

const DAY0: i64 = 20_513; // 2026-03-01
const T0: i64 = DAY0 * 86_400;

fn sts(domain: &str) -> SessionPolicy {
    SessionPolicy {
        policy_type: PolicyType::Sts,
        policy_string: vec![
            "version: STSv1".into(),
            "mode: enforce".into(),
            format!("mx: *.{domain}"),
            "max_age: 86400".into(),
        ],
        policy_domain: domain.into(),
        mx_host: vec![format!("*.{domain}")],
    }
}

fn failure(t: ResultType, mx: &str) -> FailureKey {
    FailureKey {
        result_type: t,
        sending_mta_ip: Some("192.0.2.1".parse().unwrap()),
        receiving_mx_hostname: Some(mx.into()),
        receiving_mx_helo: None,
        receiving_ip: None,
        additional_information: None,
        failure_reason_code: None,
    }
}

fn reporter() -> ReporterConfig {
    ReporterConfig {
        organization_name: "Example Mail Inc.".into(),
        contact_info: "tlsrpt@mail.example".into(),
        submitter: "mail.example".into(),
        only_with_failures: false,
    }
}

#[test]
fn counts_per_domain_day_and_policy() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let h = a.policy("example.org", &sts("example.org"));
    assert_eq!(a.policy("example.org", &sts("example.org")), h);
    for i in 0..5 {
        a.record_success(h, T0 + i);
    }
    a.record_failure(h, T0 + 10, &failure(ResultType::CertificateExpired, "mx1.example.org"));
    a.record_failure(h, T0 + 11, &failure(ResultType::CertificateExpired, "mx1.example.org"));
    a.record_failure(
        h,
        T0 + 12,
        &failure(ResultType::StarttlsNotSupported, "mx2.example.org"),
    );
    a.record_success(h, T0 + 86_400); // the next day
    let reports = a.close_day(DAY0, &reporter());
    assert_eq!(reports.len(), 1);
    let (domain, r) = &reports[0];
    assert_eq!(domain, "example.org");
    assert_eq!(format_datetime(&r.date_range.start), "2026-03-01T00:00:00Z");
    assert_eq!(format_datetime(&r.date_range.end), "2026-03-02T00:00:00Z");
    assert_eq!(r.organization_name, "Example Mail Inc.");
    let p = &r.policies[0];
    assert_eq!(p.summary.total_successful_session_count, Some(5));
    assert_eq!(p.summary.total_failure_session_count, Some(3));
    assert_eq!(p.failure_details.len(), 2);
    let expired = p
        .failure_details
        .iter()
        .find(|f| f.result_type == ResultType::CertificateExpired)
        .unwrap();
    assert_eq!(expired.failed_session_count, 2);
    assert_eq!(expired.receiving_mx_hostname.as_deref(), Some("mx1.example.org"));
    // The day is gone; the next is still there.
    assert!(a.close_day(DAY0, &reporter()).is_empty());
    assert_eq!(a.close_day(DAY0 + 1, &reporter()).len(), 1);
}

#[test]
fn the_report_reads_back_strictly_and_equal() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let h = a.policy("example.org", &sts("example.org"));
    a.record_success(h, T0);
    a.record_failure(h, T0, &failure(ResultType::StsWebpkiInvalid, "mx.example.org"));
    let (domain, report) = a.close_day(DAY0, &reporter()).remove(0);
    let read = read_report(report.to_json().unwrap().as_bytes(), &ReadOptions::strict()).unwrap();
    assert_eq!(read.report, report);
    let gz = gzip_report(&report).unwrap();
    let read = read_report(&gz, &ReadOptions::strict()).unwrap();
    assert_eq!(read.source, SourceKind::Gzip);
    assert_eq!(read.report, report);
    assert_eq!(domain, "example.org");
}

#[test]
fn report_ids_are_stable_and_distinct() {
    let build = |extra: bool| {
        let mut a = Aggregator::new(AggregatorConfig::default());
        let h = a.policy("example.org", &sts("example.org"));
        a.record_success(h, T0);
        if extra {
            a.record_success(h, T0);
        }
        a.close_day(DAY0, &reporter()).remove(0).1.report_id
    };
    assert_eq!(build(false), build(false));
    assert_ne!(build(false), build(true));
    assert!(build(false).starts_with("2026-03-01_example.org_"));
    assert!(build(false).ends_with("@mail.example"));
}

#[test]
fn policies_in_a_fixed_order_and_domains_apart() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let b = a.policy("b.example", &sts("b.example"));
    let x = a.policy("a.example", &sts("z.example"));
    let y = a.policy("a.example", &sts("m.example"));
    for h in [b, x, y] {
        a.record_success(h, T0);
    }
    let reports = a.close_day(DAY0, &reporter());
    let domains: Vec<&str> = reports.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(domains, ["a.example", "b.example"]);
    let pd: Vec<&str> = reports[0]
        .1
        .policies
        .iter()
        .map(|p| p.policy.policy_domain.as_deref().unwrap())
        .collect();
    assert_eq!(pd, ["m.example", "z.example"]);
}

#[test]
fn only_domains_with_failures_when_asked() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let ok = a.policy("ok.example", &sts("ok.example"));
    let bad = a.policy("bad.example", &sts("bad.example"));
    a.record_success(ok, T0);
    a.record_failure(bad, T0, &failure(ResultType::ValidationFailure, "mx.bad.example"));
    let only = ReporterConfig {
        only_with_failures: true,
        ..reporter()
    };
    let reports = a.close_day(DAY0, &only);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].0, "bad.example");
}

#[test]
fn the_cap_folds_excess_details() {
    let mut a = Aggregator::new(AggregatorConfig { max_failure_details: 3 });
    let h = a.policy("example.org", &sts("example.org"));
    for i in 0..10 {
        a.record_failure(
            h,
            T0,
            &failure(ResultType::CertificateNotTrusted, &format!("mx{i:02}.example.org")),
        );
    }
    a.record_failure(h, T0, &failure(ResultType::StarttlsNotSupported, "mx99.example.org"));
    let r = a.close_day(DAY0, &reporter()).remove(0).1;
    let p = &r.policies[0];
    assert_eq!(p.summary.total_failure_session_count, Some(11));
    // Three kept, the rest folded per result type; the counts still add up.
    let kept: Vec<_> = p
        .failure_details
        .iter()
        .filter(|f| f.failure_reason_code.as_deref() != Some(FOLDED_REASON))
        .collect();
    assert_eq!(kept.len(), 3);
    let total: u64 = p.failure_details.iter().map(|f| f.failed_session_count).sum();
    assert_eq!(total, 11);
    assert!(read_report(r.to_json().unwrap().as_bytes(), &ReadOptions::strict()).is_ok());
}

#[test]
fn counts_saturate() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let h = a.policy("example.org", &sts("example.org"));
    a.record_success(h, T0);
    let mut state = a.state();
    state.entries[0].counts.successful = u64::MAX;
    let mut big = Aggregator::from_state(&state);
    big.merge(&a);
    assert_eq!(big.state().entries[0].counts.successful, u64::MAX);
}

#[test]
fn state_survives_serde() {
    let mut a = Aggregator::new(AggregatorConfig { max_failure_details: 2 });
    let h = a.policy("example.org", &sts("example.org"));
    a.record_success(h, T0);
    for i in 0..5 {
        a.record_failure(h, T0, &failure(ResultType::DaneRequired, &format!("mx{i}.example.org")));
    }
    let json = serde_json::to_string(&a.state()).unwrap();
    let back: AggregatorState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a.state());
    assert_eq!(Aggregator::from_state(&back).state(), a.state());
}

#[test]
fn delivery_file_name_and_schedule() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let h = a.policy("example.org", &sts("example.org"));
    a.record_success(h, T0);
    let (domain, r) = a.close_day(DAY0, &reporter()).remove(0);
    let name = report_file_name("mail.example", &domain, &r, true);
    let unique = r.report_id.split('@').next().unwrap();
    assert_eq!(
        name,
        format!("mail.example!example.org!{T0}!{}!{unique}.json.gz", T0 + 86_400)
    );
    assert!(report_file_name("mail.example", &domain, &r, false).ends_with(".json"));
    assert_eq!(
        schedule(DAY0, 600),
        Schedule {
            send_at: T0 + 86_400 + 600,
            give_up_at: T0 + 2 * 86_400 + 600
        }
    );
    // The delay is at most four hours.
    assert_eq!(schedule(DAY0, 99_999).send_at, T0 + 86_400 + 4 * 3600);
    assert_eq!(utc_day(T0 - 1), DAY0 - 1);
    assert_eq!(utc_day(-1), -1);
}

// ---- merge: commutative and associative, cap included ----

#[derive(Clone, Debug)]
enum Event {
    Ok(u8, u8),
    Fail(u8, u8, u8),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec(
        prop_oneof![
            (0u8..3, 0u8..2).prop_map(|(p, d)| Event::Ok(p, d)),
            (0u8..3, 0u8..2, 0u8..8).prop_map(|(p, d, k)| Event::Fail(p, d, k)),
        ],
        0..30,
    )
}

fn aggregate(evs: &[Event], cap: usize) -> Aggregator {
    let mut a = Aggregator::new(AggregatorConfig {
        max_failure_details: cap,
    });
    let domains = ["a.example", "b.example", "c.example"];
    for e in evs {
        match *e {
            Event::Ok(p, d) => {
                let h = a.policy(domains[p as usize], &sts(domains[p as usize]));
                a.record_success(h, T0 + i64::from(d) * 86_400);
            }
            Event::Fail(p, d, k) => {
                let h = a.policy(domains[p as usize], &sts(domains[p as usize]));
                let t = ResultType::ALL[usize::from(k % 3)].clone();
                a.record_failure(h, T0 + i64::from(d) * 86_400, &failure(t, &format!("mx{k}.example")));
            }
        }
    }
    a
}

proptest! {
    #[test]
    fn merge_is_commutative_and_associative(x in events(), y in events(), z in events(), cap in 1usize..4) {
        let (a, b, c) = (aggregate(&x, cap), aggregate(&y, cap), aggregate(&z, cap));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        prop_assert_eq!(ab.state(), ba.state());
        let mut ab_c = ab.clone();
        ab_c.merge(&c);
        let mut bc = b.clone();
        bc.merge(&c);
        let mut a_bc = a.clone();
        a_bc.merge(&bc);
        prop_assert_eq!(ab_c.state(), a_bc.state());
        // Merging equals counting everything in one aggregator.
        let all: Vec<Event> = x.iter().chain(&y).chain(&z).cloned().collect();
        prop_assert_eq!(ab_c.state(), aggregate(&all, cap).state());
    }
}

#[test]
fn the_e_mail_reads_back_equal() {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let h = a.policy("example.org", &sts("example.org"));
    a.record_success(h, T0);
    a.record_failure(h, T0, &failure(ResultType::CertificateHostMismatch, "mx.example.org"));
    let (domain, report) = a.close_day(DAY0, &reporter()).remove(0);
    let envelope = EmailEnvelope {
        from: "TLS reports <noreply-tlsrpt@mail.example>".into(),
        to: "tlsrpt@example.org".into(),
        submitter: "mail.example".into(),
        date: T0 + 86_400 + 600,
    };
    let msg = report_email(&report, &domain, &envelope).unwrap();
    let read = read_report(&msg, &ReadOptions::strict()).unwrap();
    assert_eq!(read.source, SourceKind::Email);
    assert_eq!(read.report, report);
    let info = read.email.unwrap();
    assert_eq!(info.report_domain.as_deref(), Some("example.org"));
    assert_eq!(info.submitter.as_deref(), Some("mail.example"));
    assert_eq!(info.content_type.as_deref(), Some("application/tlsrpt+gzip"));
    assert_eq!(
        info.file_name,
        Some(report_file_name("mail.example", &domain, &report, true))
    );
    assert_eq!(
        info.subject,
        Some(format!(
            "Report Domain: example.org Submitter: mail.example Report-ID: <{}>",
            report.report_id
        ))
    );
    let text = String::from_utf8(msg).unwrap();
    assert!(text.contains("Content-Type: multipart/report; report-type=\"tlsrpt\";"));
    assert!(text.contains("Date: Mon, 02 Mar 2026 00:10:00 +0000\r\n"));
    // Header injection is refused.
    let bad = EmailEnvelope {
        to: "a@example.org\r\nBcc: x@evil.example".into(),
        ..envelope
    };
    assert!(matches!(
        report_email(&report, &domain, &bad),
        Err(EmailError::ControlCharacter { field: "to" })
    ));
}
