//! The policy cache machine: a cache hit (unexpired entry, TXT id unchanged), a
//! miss that fetches and parses the policy, and the MX checks of policy application.
//!
//! `cargo bench -p mta-sts-benches --bench cache`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mta_sts_benches::RFC_POLICY;
use mta_sts_policy::{
    lookup, session_verdict, CacheConfig, CacheEntry, CertificateStatus, FetchResponse, MxSession, Outcome, Step,
};

const ANSWER: [&str; 2] = ["v=spf1 include:_spf.example.com ~all", "v=STSv1; id=20160831085700Z;"];

fn fetch_entry(config: &CacheConfig) -> CacheEntry {
    let Step::ResolveTxt(t) = lookup(None, "example.com", 0, config) else {
        panic!()
    };
    let Step::Fetch(f) = t.records(ANSWER) else { panic!() };
    f.response(FetchResponse {
        status: 200,
        content_type: Some("text/plain"),
        body: RFC_POLICY.as_bytes(),
    })
    .into_entry()
    .unwrap()
}

fn hit(entry: CacheEntry, config: &CacheConfig) -> Outcome {
    let Step::ResolveTxt(t) = lookup(Some(entry), "example.com", 3600, config) else {
        panic!()
    };
    let Step::Done(out) = t.records(black_box(ANSWER)) else {
        panic!()
    };
    out
}

fn cache(c: &mut Criterion) {
    let config = CacheConfig::default();
    let entry = fetch_entry(&config);
    let mut group = c.benchmark_group("cache");
    // An in-memory host moves the entry in and takes it back (no clone).
    let mut slot = Some(entry.clone());
    group.bench_function("hit", |b| {
        b.iter(|| {
            let out = hit(slot.take().unwrap(), &config);
            let applied = out.policy().is_some();
            slot = Some(out.take_entry());
            applied
        })
    });
    // A host whose store hands out copies pays for the clone too.
    group.bench_function("hit_from_cloned_entry", |b| {
        b.iter_batched(|| entry.clone(), |e| hit(e, &config), BatchSize::SmallInput)
    });
    group.bench_function("miss_fetch_and_parse", |b| b.iter(|| fetch_entry(black_box(&config))));
    let policy = entry.policy.as_ref().unwrap().policy.clone();
    let session = MxSession {
        host: "mx1.example.net.",
        starttls: true,
        certificate: Some(CertificateStatus::Valid),
    };
    group.bench_function("session_verdict", |b| {
        b.iter(|| session_verdict(Some(&policy), black_box(&session)))
    });
    group.finish();
}

criterion_group!(benches, cache);
criterion_main!(benches);
