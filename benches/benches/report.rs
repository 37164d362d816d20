//! Reading TLS-RPT reports into the typed model, beside parsing the same bytes
//! into `serde_json::Value` (the reference: the typed read should be no slower).
//!
//! `cargo bench -p mta-sts-benches --bench report`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mta_sts_benches::report_json;
use tls_rpt_schema::{read_report, ReadOptions};

fn reading(c: &mut Criterion) {
    let options = ReadOptions::default();
    for (name, policies, failures) in [("small_1_policy", 1, 1), ("large_1000_policies_10_failures", 1000, 10)] {
        let json = report_json(policies, failures).unwrap();
        let mut group = c.benchmark_group(format!("report/{name}"));
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_function("typed_read", |b| {
            b.iter(|| read_report(black_box(json.as_bytes()), &options).unwrap())
        });
        group.bench_function("serde_json_value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(json.as_bytes())).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, reading);
criterion_main!(benches);
