//! Aggregating a million session records over 300 report domains, and closing
//! the day. `cargo bench -p mta-sts-benches --bench aggregate`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tls_rpt_schema::*;

const T0: i64 = 20_513 * 86_400;
const DOMAINS: usize = 300;
const RECORDS: usize = 1_000_000;

fn setup() -> (Aggregator, Vec<PolicyHandle>, Vec<FailureKey>) {
    let mut a = Aggregator::new(AggregatorConfig::default());
    let handles: Vec<PolicyHandle> = (0..DOMAINS)
        .map(|d| {
            let domain = format!("d{d}.example");
            let policy = SessionPolicy {
                policy_type: PolicyType::Sts,
                policy_string: vec![
                    "version: STSv1".into(),
                    "mode: enforce".into(),
                    format!("mx: *.{domain}"),
                ],
                policy_domain: domain.clone(),
                mx_host: vec![format!("*.{domain}")],
            };
            a.policy(&domain, &policy)
        })
        .collect();
    let failures: Vec<FailureKey> = (0..8)
        .map(|i| FailureKey {
            result_type: ResultType::CertificateExpired,
            sending_mta_ip: Some(std::net::IpAddr::from([192, 0, 2, i])),
            receiving_mx_hostname: Some(format!("mx{i}.example")),
            receiving_mx_helo: None,
            receiving_ip: None,
            additional_information: None,
            failure_reason_code: None,
        })
        .collect();
    (a, handles, failures)
}

fn aggregation(c: &mut Criterion) {
    let (base, handles, failures) = setup();
    let mut group = c.benchmark_group("aggregate");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.sample_size(10);
    // Known keys: 1 in 50 sessions fails, with one of 8 known details.
    group.bench_function("record_1m_known_keys", |b| {
        b.iter_batched(
            || base.clone(),
            |mut a| {
                for i in 0..RECORDS {
                    let h = handles[i % DOMAINS];
                    let t = T0 + (i % 86_400) as i64;
                    if i % 50 == 0 {
                        a.record_failure(h, t, &failures[i % failures.len()]);
                    } else {
                        a.record_success(h, t);
                    }
                }
                a
            },
            BatchSize::LargeInput,
        )
    });
    let mut filled = base.clone();
    for i in 0..RECORDS {
        filled.record_success(handles[i % DOMAINS], T0 + (i % 86_400) as i64);
    }
    let reporter = ReporterConfig {
        organization_name: "Example Mail Inc.".into(),
        contact_info: "tlsrpt@mail.example".into(),
        submitter: "mail.example".into(),
        only_with_failures: false,
    };
    group.throughput(Throughput::Elements(DOMAINS as u64));
    group.bench_function("close_day_300_domains", |b| {
        b.iter_batched(
            || filled.clone(),
            |mut a| black_box(a.close_day(20_513, &reporter)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, aggregation);
criterion_main!(benches);
