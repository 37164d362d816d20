//! MX matching against policies of 1 to 1000 patterns, and parsing of a policy
//! file and a TXT record.
//!
//! `cargo bench -p mta-sts-benches --bench matcher`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mta_sts_benches::{policy_with_patterns, RFC_POLICY, RFC_RECORD};
use mta_sts_policy::{Policy, StsRecord};

const SIZES: [usize; 5] = [1, 3, 10, 100, 1000];

fn matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("match");
    for n in SIZES {
        let policy = policy_with_patterns(n).unwrap();
        let matcher = policy.matcher();
        // Pattern 0 is exact, pattern 1 (when there is one) a wildcard.
        let wildcard_host = if n > 1 {
            "mail.d1.example.net"
        } else {
            "mail.d1.nowhere.example"
        };
        let cases: [(&str, &str); 6] = [
            ("exact_hit", "mx0.example.com"),
            ("exact_miss", "mx0.example.org"),
            ("wildcard_hit", wildcard_host),
            ("wildcard_miss", "a.b.d1.example.net"),
            ("mixed_case_trailing_dot", "MX0.Example.COM."),
            ("u_label", "mx0.bücher.example"),
        ];
        for (name, host) in cases {
            group.bench_with_input(BenchmarkId::new(name, n), &host, |b, host| {
                b.iter(|| matcher.matches(black_box(host)))
            });
        }
    }
    group.finish();
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.bench_function("policy_rfc_example", |b| {
        b.iter(|| Policy::parse(black_box(RFC_POLICY.as_bytes())))
    });
    group.bench_function("policy_rfc_example_strict", |b| {
        b.iter(|| Policy::parse_strict(black_box(RFC_POLICY.as_bytes())))
    });
    group.bench_function("txt_record_rfc_example", |b| {
        b.iter(|| StsRecord::parse(black_box(RFC_RECORD)))
    });
    let answer = [
        "v=spf1 include:_spf.example.com ~all",
        "google-site-verification=abcdefghijkl",
        RFC_RECORD,
    ];
    group.bench_function("txt_discover_3_records", |b| {
        b.iter(|| StsRecord::discover(black_box(answer)))
    });
    let policy = Policy::parse(RFC_POLICY.as_bytes()).unwrap().policy;
    group.bench_function("policy_serialise", |b| b.iter(|| black_box(&policy).to_string()));
    group.bench_function("compile_matcher_3", |b| b.iter(|| black_box(&policy).matcher()));
    group.finish();
}

criterion_group!(benches, matching, parsing);
criterion_main!(benches);
