//! Property test: any report written as canonical JSON (plain or gzip) reads
//! back equal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::net::IpAddr;

use proptest::prelude::*;
use time::{Duration, OffsetDateTime, UtcOffset};
use tls_rpt_schema::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.@-]{1,20}",
        "\\PC{0,12}",
        Just("line \"quoted\" \\ back\nslash".to_owned())
    ]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    any::<IpAddr>()
}

fn result_type() -> impl Strategy<Value = ResultType> {
    prop_oneof![
        (0..ResultType::ALL.len()).prop_map(|i| ResultType::ALL[i].clone()),
        "[a-z]{1,8}-[a-z]{1,8}".prop_map(|s| ResultType::from_wire(&s)),
    ]
}

fn policy_type() -> impl Strategy<Value = PolicyType> {
    prop_oneof![
        Just(PolicyType::Sts),
        Just(PolicyType::Tlsa),
        Just(PolicyType::NoPolicyFound),
        "[a-z]{1,6}".prop_map(|s| PolicyType::from_wire(&s))
    ]
}

fn failure() -> impl Strategy<Value = FailureDetails> {
    (
        result_type(),
        prop::option::of(ip()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(ip()),
        any::<u64>(),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(
            |(result_type, sending_mta_ip, host, helo, receiving_ip, n, info, code)| FailureDetails {
                result_type,
                sending_mta_ip,
                receiving_mx_hostname: host,
                receiving_mx_helo: helo,
                receiving_ip,
                failed_session_count: n,
                additional_information: info,
                failure_reason_code: code,
            },
        )
}

fn policy() -> impl Strategy<Value = PolicyResult> {
    (
        policy_type(),
        prop::option::of(prop::collection::vec(text(), 0..4)),
        prop::option::of(text()),
        prop::option::of(prop::collection::vec(text(), 0..3)),
        prop::option::of(any::<u64>()),
        prop::option::of(any::<u64>()),
        prop::collection::vec(failure(), 0..3),
    )
        .prop_map(
            |(policy_type, policy_string, policy_domain, mx_host, ok, failed, failure_details)| PolicyResult {
                policy: AppliedPolicy {
                    policy_type,
                    policy_string,
                    policy_domain,
                    mx_host,
                },
                summary: Summary {
                    total_successful_session_count: ok,
                    total_failure_session_count: failed,
                },
                failure_details,
            },
        )
}

fn report() -> impl Strategy<Value = Report> {
    (
        text(),
        0i64..253_402_000_000,
        -720i32..840,
        1i64..100 * 86_400,
        prop::option::of(text()),
        text(),
        prop::collection::vec(policy(), 0..4),
    )
        .prop_map(|(org, start, offset_min, len, contact, id, policies)| {
            let offset = UtcOffset::from_whole_seconds(offset_min * 60).unwrap();
            let start = OffsetDateTime::from_unix_timestamp(start).unwrap().to_offset(offset);
            let end = start + Duration::seconds(len);
            Report {
                organization_name: org,
                date_range: DateRange { start, end },
                contact_info: contact,
                report_id: id,
                policies,
            }
        })
        .prop_filter("year within RFC 3339", |r| {
            r.date_range.end.year() <= 9999 && r.date_range.start.year() >= 0
        })
}

proptest! {
    #[test]
    fn canonical_json_reads_back_equal(r in report()) {
        let json = r.to_json().unwrap();
        let read = read_report(json.as_bytes(), &ReadOptions::default()).unwrap();
        prop_assert_eq!(&read.report, &r);
        // Writing again gives the same bytes.
        prop_assert_eq!(read.report.to_json().unwrap(), json.clone());
        // And through gzip.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(json.as_bytes()).unwrap();
        let read = read_report(&e.finish().unwrap(), &ReadOptions::default()).unwrap();
        prop_assert_eq!(read.source, SourceKind::Gzip);
        prop_assert_eq!(read.report, r);
    }
}
