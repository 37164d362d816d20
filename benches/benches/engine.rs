//! The async engine on a cache hit: what it adds to the bare machine (a store
//! read, the in-flight map, the timer race, the result's copy), with fakes
//! whose answers are ready at once. Also the blocking engine, and the DNS wire
//! reader.
//!
//! `cargo bench -p mta-sts-benches --bench engine`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::manual_async_fn,
    missing_docs
)]

use std::future::Future;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mta_sts_benches::RFC_POLICY;
use mta_sts_resolver_trait::wire::{read_txt_response, test_response, txt_query};
use mta_sts_resolver_trait::{
    BlockingDnsResolver, BlockingEngine, BlockingHttpsFetcher, DnsResolver, Engine, FetchRequest, HttpsError,
    HttpsFetcher, HttpsResponse, MemoryStore, TxtAnswer,
};

const RECORD: &str = "v=STSv1; id=20160831085700Z;";

struct Dns;
impl DnsResolver for Dns {
    fn lookup_txt(&self, _name: &str) -> impl Future<Output = TxtAnswer> + Send {
        std::future::ready(TxtAnswer::records([RECORD]))
    }
}
impl BlockingDnsResolver for Dns {
    fn lookup_txt(&self, _name: &str) -> TxtAnswer {
        TxtAnswer::records([RECORD])
    }
}

struct Web;
fn policy() -> Result<HttpsResponse, HttpsError> {
    Ok(HttpsResponse {
        status: 200,
        content_type: Some("text/plain".into()),
        body: RFC_POLICY.as_bytes().to_vec(),
    })
}
impl HttpsFetcher for Web {
    fn get(&self, _r: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
        std::future::ready(policy())
    }
}
impl BlockingHttpsFetcher for Web {
    fn get(&self, _r: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        policy()
    }
}

fn engine(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let engine = Engine::new(Dns, Web, MemoryStore::default());
    rt.block_on(engine.policy("example.com", 0));
    c.bench_function("engine/async_cache_hit", |b| {
        b.iter(|| {
            let lookup = rt.block_on(engine.policy(black_box("example.com"), 3600));
            assert!(lookup.policy().is_some());
        })
    });
    let blocking = BlockingEngine::new(Dns, Web, MemoryStore::default());
    blocking.policy("example.com", 0);
    c.bench_function("engine/blocking_cache_hit", |b| {
        b.iter(|| {
            let lookup = blocking.policy(black_box("example.com"), 3600);
            assert!(lookup.policy().is_some());
        })
    });
    let store = blocking.store();
    c.bench_function("engine/memory_store_get", |b| {
        b.iter(|| mta_sts_resolver_trait::BlockingCacheStore::get(store, black_box("example.com")).unwrap())
    });
    let query = txt_query("_mta-sts.example.com", 7).unwrap();
    let response = test_response(&query, &[&["v=spf1 -all"], &[RECORD]]).unwrap();
    c.bench_function("wire/read_txt_response", |b| {
        b.iter(|| read_txt_response(black_box(&response), 7, "_mta-sts.example.com").unwrap())
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
