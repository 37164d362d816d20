//! Shared inputs for the criterion benchmarks of the MTA-STS / TLS-RPT crates.
//!
//! Run them with `cargo bench -p mta-sts-benches`.
#![forbid(unsafe_code)]

use mta_sts_policy::{Mode, Policy};

/// The example policy of RFC 8461 §3.2, with CRLF line ends.
pub const RFC_POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";

/// The example TXT record of RFC 8461 §3.1.
pub const RFC_RECORD: &str = "v=STSv1; id=20160831085700Z;";

/// A policy of `n` patterns: even ones exact (`mxI.example.com`), odd ones
/// wildcards (`*.dI.example.net`), so pattern 0 is exact and pattern 1 a wildcard.
pub fn policy_with_patterns(n: usize) -> Result<Policy, mta_sts_policy::BuildError> {
    let mut builder = Policy::builder(Mode::Enforce, 604_800);
    for i in 0..n {
        builder = if i % 2 == 0 {
            builder.mx(&format!("mx{i}.example.com"))?
        } else {
            builder.mx(&format!("*.d{i}.example.net"))?
        };
    }
    builder.build()
}

/// A report of `policies` policies with `failures` failure details each, as
/// canonical JSON (the shape and field sizes of large senders' reports).
pub fn report_json(policies: usize, failures: usize) -> Result<String, serde_json::Error> {
    use tls_rpt_schema::*;
    let start = time::OffsetDateTime::from_unix_timestamp(1_772_323_200).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let report = Report {
        organization_name: "Example Mail Inc.".to_owned(),
        date_range: DateRange {
            start,
            end: start + time::Duration::DAY,
        },
        contact_info: Some("tlsrpt@mail.example".to_owned()),
        report_id: "2026.03.01-bench@mail.example".to_owned(),
        policies: (0..policies)
            .map(|p| PolicyResult {
                policy: AppliedPolicy {
                    policy_type: PolicyType::Sts,
                    policy_string: Some(vec![
                        "version: STSv1".to_owned(),
                        "mode: enforce".to_owned(),
                        format!("mx: *.d{p}.example.net"),
                        "max_age: 604800".to_owned(),
                    ]),
                    policy_domain: Some(format!("d{p}.example.net")),
                    mx_host: Some(vec![format!("*.d{p}.example.net")]),
                },
                summary: Summary {
                    total_successful_session_count: Some(1000 + p as u64),
                    total_failure_session_count: Some(failures as u64),
                },
                failure_details: (0..failures)
                    .map(|f| FailureDetails {
                        result_type: ResultType::ALL
                            .iter()
                            .cycle()
                            .nth(f)
                            .cloned()
                            .unwrap_or(ResultType::ValidationFailure),
                        sending_mta_ip: Some(std::net::IpAddr::from([192, 0, 2, (f % 250) as u8])),
                        receiving_mx_hostname: Some(format!("mx{f}.d{p}.example.net")),
                        receiving_mx_helo: Some(format!("mx{f}.d{p}.example.net")),
                        receiving_ip: Some(std::net::IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, p as u16, f as u16])),
                        failed_session_count: 1,
                        additional_information: None,
                        failure_reason_code: Some("X509_V_ERR_CERT_HAS_EXPIRED".to_owned()),
                    })
                    .collect(),
            })
            .collect(),
    };
    report.to_json()
}
