//! TLS-RPT glue: engine outcomes and MX results into aggregated reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::manual_async_fn
)]

use std::net::IpAddr;

use mta_sts_policy::{mx_verdict, session_verdict, CertificateStatus, MxSession, Verdict, REASON_MX_MISMATCH};
use mta_sts_resolver_trait::report::{
    lookup_tls_rpt_blocking, record_sessions, session_records, tls_rpt_from_answer, MxResult, RecordLookupError,
};
use mta_sts_resolver_trait::{
    BlockingDnsResolver, BlockingEngine, BlockingHttpsFetcher, FetchRequest, HttpsError, HttpsResponse, MemoryStore,
    TxtAnswer,
};
use tls_rpt_schema::{Aggregator, PolicyType, ReporterConfig, ResultType};

const NOW: u64 = 1_700_000_000;
const BODY: &str =
    "version: STSv1\r\nmode: testing\r\n\r\nmx: mx1.example.com\r\nmx: *.backup.example.com\r\nmax_age: 86400\r\n";

struct Dns;
impl BlockingDnsResolver for Dns {
    fn lookup_txt(&self, name: &str) -> TxtAnswer {
        match name {
            "_mta-sts.example.com" | "_mta-sts.broken.example" => TxtAnswer::records(["v=STSv1; id=1"]),
            "_smtp._tls.example.com" => {
                TxtAnswer::records(["v=TLSRPTv1;rua=mailto:rpt@example.com,https://rpt.example.com/x"])
            }
            "_smtp._tls.flaky.example" => TxtAnswer::TemporaryFailure("SERVFAIL".into()),
            _ => TxtAnswer::NoRecord,
        }
    }
}

struct Web;
impl BlockingHttpsFetcher for Web {
    fn get(&self, r: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        if r.host.domain() == "example.com" {
            Ok(HttpsResponse {
                status: 200,
                content_type: Some("text/plain".into()),
                body: BODY.as_bytes().to_vec(),
            })
        } else {
            Err(HttpsError::Certificate("expired".into()))
        }
    }
}

fn engine() -> BlockingEngine<Dns, Web, MemoryStore> {
    BlockingEngine::new(Dns, Web, MemoryStore::default())
}

#[test]
fn the_session_policy_carries_the_exact_lines_and_patterns() {
    let lookup = engine().policy("example.com", NOW);
    let good = MxSession {
        host: "mx1.example.com",
        starttls: true,
        certificate: Some(CertificateStatus::Valid),
    };
    let records = session_records(
        &lookup,
        &[MxResult::new(good.host, session_verdict(lookup.policy(), &good))],
    );
    assert_eq!(records.len(), 1);
    let p = &records[0].policy;
    assert_eq!(p.policy_type, PolicyType::Sts);
    assert_eq!(p.policy_domain, "example.com");
    assert_eq!(
        p.policy_string,
        [
            "version: STSv1",
            "mode: testing",
            "mx: mx1.example.com",
            "mx: *.backup.example.com",
            "max_age: 86400"
        ]
    );
    assert_eq!(p.mx_host, ["mx1.example.com", "*.backup.example.com"]);
    assert!(records[0].failure.is_none());
}

#[test]
fn failures_carry_the_mx_its_addresses_and_a_reason() {
    let lookup = engine().policy("example.com", NOW);
    let policy = lookup.policy();
    let expired = MxSession {
        host: "a.backup.example.com",
        starttls: true,
        certificate: Some(CertificateStatus::Expired),
    };
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    let mut with_ips = MxResult::new(expired.host, session_verdict(policy, &expired));
    with_ips.receiving_ip = Some(ip);
    with_ips.sending_mta_ip = Some("198.51.100.7".parse().unwrap());
    with_ips.receiving_mx_helo = Some("a.backup");
    let stray = MxResult::new("MX.Elsewhere.example.", mx_verdict(policy, "mx.elsewhere.example"));
    let records = session_records(&lookup, &[with_ips, stray]);
    let f0 = records[0].failure.as_ref().unwrap();
    assert_eq!(f0.result_type, ResultType::CertificateExpired);
    assert_eq!(f0.receiving_ip, Some(ip));
    assert_eq!(f0.receiving_mx_helo.as_deref(), Some("a.backup"));
    let f1 = records[1].failure.as_ref().unwrap();
    assert_eq!(f1.result_type, ResultType::ValidationFailure);
    assert_eq!(f1.receiving_mx_hostname.as_deref(), Some("mx.elsewhere.example"));
    assert_eq!(f1.failure_reason_code.as_deref(), Some(REASON_MX_MISMATCH));
}

#[test]
fn a_failed_fetch_is_counted_under_no_policy_found() {
    let lookup = engine().policy("broken.example", NOW);
    assert!(lookup.policy().is_none());
    let records = session_records(&lookup, &[MxResult::new("mx.broken.example", Verdict::Deliver)]);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].policy.policy_type, PolicyType::NoPolicyFound);
    let f = records[0].failure.as_ref().unwrap();
    assert_eq!(f.result_type, ResultType::StsWebpkiInvalid);
    assert!(f.failure_reason_code.as_deref().unwrap().contains("expired"));
    assert!(records[1].failure.is_none());
}

#[test]
fn recorded_sessions_come_out_as_a_daily_report() {
    let e = engine();
    let lookup = e.policy("example.com", NOW);
    let ok = MxResult::new("mx1.example.com", Verdict::Deliver);
    let bad = MxResult::new(
        "x.backup.example.com",
        Verdict::DeliverAndReport(mta_sts_policy::ResultType::StarttlsNotSupported),
    );
    let mut agg = Aggregator::default();
    for _ in 0..3 {
        record_sessions(&mut agg, &session_records(&lookup, &[ok]), NOW as i64);
    }
    record_sessions(&mut agg, &session_records(&lookup, &[bad]), NOW as i64);
    let day = tls_rpt_schema::utc_day(NOW as i64);
    let reporter = ReporterConfig {
        organization_name: "Sender".into(),
        contact_info: "tlsrpt@sender.example".into(),
        submitter: "sender.example".into(),
        only_with_failures: false,
    };
    let reports = agg.close_day(day, &reporter);
    assert_eq!(reports.len(), 1);
    let (domain, report) = &reports[0];
    assert_eq!(domain, "example.com");
    let p = &report.policies[0];
    assert_eq!(p.summary.total_successful_session_count, Some(3));
    assert_eq!(p.summary.total_failure_session_count, Some(1));
    assert_eq!(p.policy.policy_string.as_ref().map(Vec::len), Some(5));
    assert_eq!(p.failure_details[0].result_type, ResultType::StarttlsNotSupported);
}

#[test]
fn the_tls_rpt_record_lookup_names_each_failure() {
    let record = lookup_tls_rpt_blocking(&Dns, "Example.com.").unwrap();
    assert_eq!(record.rua.len(), 2);
    assert!(matches!(
        lookup_tls_rpt_blocking(&Dns, "flaky.example"),
        Err(RecordLookupError::Temporary(_))
    ));
    assert!(matches!(
        lookup_tls_rpt_blocking(&Dns, "none.example"),
        Err(RecordLookupError::Discovery(tls_rpt_schema::DiscoveryError::NoRecord))
    ));
    assert!(matches!(
        lookup_tls_rpt_blocking(&Dns, "bad name"),
        Err(RecordLookupError::InvalidDomain(_))
    ));
    assert!(matches!(
        tls_rpt_from_answer(TxtAnswer::records(["v=TLSRPTv1; rua=a", "v=TLSRPTv1; rua=b"])),
        Err(RecordLookupError::Discovery(_))
    ));
}
