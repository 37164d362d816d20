//! The engines against counting fakes: coalescing, timeouts, the store, refresh
//! and the recheck.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::manual_async_fn
)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use mta_sts_policy::{CacheEntry, Mode, NoPolicyReason, RecheckDecision, ResultType, StoreAction, UnixTime};
use mta_sts_resolver_trait::{
    BlockingCacheStore, BlockingDnsResolver, BlockingEngine, BlockingHttpsFetcher, CacheStore, DnsResolver, DueQuery,
    Engine, EngineConfig, FetchRequest, HttpsError, HttpsFetcher, HttpsResponse, MemoryStore, StoreError, TxtAnswer,
};
use tokio::sync::Semaphore;

const NOW: UnixTime = 1_700_000_000;
const ENFORCE: &str = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 604800\n";
const TESTING: &str = "version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 604800\n";

/// A DNS fake: a table of answers, a call counter, and an optional gate the
/// lookups wait at until the test opens it.
#[derive(Default)]
struct Dns {
    answers: Mutex<HashMap<String, TxtAnswer>>,
    calls: AtomicUsize,
    gate: Option<Arc<Semaphore>>,
    hang: bool,
}

impl Dns {
    fn with(name: &str, answer: TxtAnswer) -> Self {
        let dns = Dns::default();
        dns.set(name, answer);
        dns
    }
    fn set(&self, name: &str, answer: TxtAnswer) {
        self.answers.lock().unwrap().insert(name.to_owned(), answer);
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn answer(&self, name: &str) -> TxtAnswer {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .unwrap_or(TxtAnswer::NoRecord)
    }
}

impl DnsResolver for Dns {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send {
        let answer = self.answer(name);
        let gate = self.gate.clone();
        let hang = self.hang;
        async move {
            if let Some(gate) = gate {
                drop(gate.acquire().await.unwrap());
            }
            if hang {
                std::future::pending::<()>().await;
            }
            answer
        }
    }
}

impl BlockingDnsResolver for Dns {
    fn lookup_txt(&self, name: &str) -> TxtAnswer {
        self.answer(name)
    }
}

/// An HTTPS fake: one response (or error) per URL, a call counter, the last
/// request seen, and an optional delay.
#[derive(Default)]
struct Web {
    responses: Mutex<HashMap<String, Result<HttpsResponse, HttpsError>>>,
    calls: AtomicUsize,
    seen: Mutex<Vec<(String, String, usize, Duration)>>,
    delay: Option<Duration>,
    hang: bool,
}

fn ok(body: &str) -> Result<HttpsResponse, HttpsError> {
    Ok(HttpsResponse {
        status: 200,
        content_type: Some("text/plain; charset=utf-8".into()),
        body: body.as_bytes().to_vec(),
    })
}

impl Web {
    fn with(domain: &str, response: Result<HttpsResponse, HttpsError>) -> Self {
        let web = Web::default();
        web.set(domain, response);
        web
    }
    fn set(&self, domain: &str, response: Result<HttpsResponse, HttpsError>) {
        let url = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
        self.responses.lock().unwrap().insert(url, response);
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn answer(&self, r: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen
            .lock()
            .unwrap()
            .push((r.url.to_owned(), r.host.host().to_owned(), r.max_body, r.timeout));
        self.responses
            .lock()
            .unwrap()
            .get(r.url)
            .cloned()
            .unwrap_or(Err(HttpsError::Connect("no such host".into())))
    }
}

impl HttpsFetcher for Web {
    fn get(&self, r: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
        let answer = self.answer(r);
        let delay = self.delay;
        let hang = self.hang;
        async move {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            if hang {
                std::future::pending::<()>().await;
            }
            answer
        }
    }
}

impl BlockingHttpsFetcher for Web {
    fn get(&self, r: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        if let Some(d) = self.delay {
            std::thread::sleep(d);
        }
        self.answer(r)
    }
}

fn sts(id: &str) -> TxtAnswer {
    TxtAnswer::records([format!("v=STSv1; id={id}")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_lookups_of_one_uncached_domain_make_one_txt_lookup_and_one_fetch() {
    let gate = Arc::new(Semaphore::new(0));
    let dns = Dns {
        gate: Some(gate.clone()),
        ..Dns::with("_mta-sts.example.com", sts("one"))
    };
    let web = Web::with("example.com", ok(ENFORCE));
    let engine = Engine::new(Arc::new(dns), Arc::new(web), MemoryStore::default());

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.policy("example.com", NOW).await })
        })
        .collect();
    // Every task reaches the engine while the one TXT lookup waits at the gate.
    tokio::time::sleep(Duration::from_millis(200)).await;
    gate.add_permits(1);

    let mut joined = 0;
    for task in tasks {
        let lookup = task.await.unwrap();
        assert_eq!(lookup.policy().unwrap().mode(), Mode::Enforce);
        assert!(lookup.policy().unwrap().matches_mx("mx.example.com"));
        joined += usize::from(lookup.coalesced());
    }
    assert_eq!(engine.resolver().calls(), 1, "TXT lookups");
    assert_eq!(engine.fetcher().calls(), 1, "fetches");
    assert_eq!(joined, 99, "all but the first joined the exchange in flight");
    assert_eq!(engine.store().len(), 1);
}

#[tokio::test]
async fn lookups_of_different_domains_are_not_coalesced() {
    let dns = Dns::default();
    let web = Web::default();
    for d in ["a.example", "b.example"] {
        dns.set(&format!("_mta-sts.{d}"), sts("x"));
        web.set(d, ok(ENFORCE));
    }
    let engine = Engine::new(dns, web, MemoryStore::default());
    let (a, b) = tokio::join!(engine.policy("a.example", NOW), engine.policy("b.example", NOW));
    assert!(a.policy().is_some() && b.policy().is_some());
    assert_eq!(engine.fetcher().calls(), 2);
    assert!(!a.coalesced() && !b.coalesced());
}

#[tokio::test]
async fn a_cached_policy_costs_a_txt_lookup_and_no_fetch() {
    let engine = Engine::new(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", ok(ENFORCE)),
        MemoryStore::default(),
    );
    let first = engine.policy("Example.COM.", NOW).await;
    assert_eq!(first.domain(), "example.com");
    assert!(first.outcome().fetched());
    let second = engine.policy("example.com", NOW + 60).await;
    assert!(!second.outcome().fetched());
    assert_eq!(second.outcome().store(), StoreAction::Unchanged);
    assert_eq!(second.policy(), first.policy());
    assert_eq!((engine.resolver().calls(), engine.fetcher().calls()), (2, 1));
    // The request asked for the policy URL, with the policy host as the name
    // to verify, the body limit and the default 60 s timeout.
    let seen = engine.fetcher().seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [(
            "https://mta-sts.example.com/.well-known/mta-sts.txt".to_owned(),
            "mta-sts.example.com".to_owned(),
            65_536,
            Duration::from_secs(60)
        )]
    );
}

fn quick() -> EngineConfig {
    EngineConfig {
        dns_timeout: Duration::from_millis(100),
        fetch_timeout: Duration::from_millis(100),
        ..EngineConfig::default()
    }
}

#[tokio::test]
async fn a_fetch_that_hangs_times_out_as_a_fetch_error() {
    let web = Web {
        hang: true,
        ..Web::with("example.com", ok(ENFORCE))
    };
    let engine = Engine::with_config(
        Dns::with("_mta-sts.example.com", sts("one")),
        web,
        MemoryStore::default(),
        quick(),
    );
    let lookup = engine.policy("example.com", NOW).await;
    assert!(lookup.policy().is_none());
    assert_eq!(
        lookup.no_policy_reason(),
        Some(&NoPolicyReason::FetchFailed(ResultType::StsPolicyFetchError))
    );
    let report = &lookup.outcome().reports()[0];
    assert_eq!(report.result_type, ResultType::StsPolicyFetchError);
    assert!(report.reason.contains("timed out"), "{}", report.reason);
    // The failure holds further fetches of that id off.
    let again = engine.policy("example.com", NOW + 10).await;
    assert!(matches!(again.no_policy_reason(), Some(NoPolicyReason::Backoff { .. })));
    assert_eq!(engine.fetcher().calls(), 1);
}

#[tokio::test]
async fn a_dns_lookup_that_hangs_is_a_temporary_failure() {
    let dns = Dns {
        hang: true,
        ..Dns::with("_mta-sts.example.com", sts("one"))
    };
    let engine = Engine::with_config(dns, Web::default(), MemoryStore::default(), quick());
    let lookup = engine.policy("example.com", NOW).await;
    assert_eq!(lookup.no_policy_reason(), Some(&NoPolicyReason::TxtTemporaryFailure));
    assert_eq!(engine.fetcher().calls(), 0);
}

#[tokio::test]
async fn a_certificate_failure_is_reported_as_webpki_invalid() {
    let engine = Engine::new(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", Err(HttpsError::Certificate("expired".into()))),
        MemoryStore::default(),
    );
    let lookup = engine.policy("example.com", NOW).await;
    assert_eq!(lookup.outcome().reports()[0].result_type, ResultType::StsWebpkiInvalid);
}

#[tokio::test]
async fn an_invalid_domain_needs_no_io() {
    let engine = Engine::new(Dns::default(), Web::default(), MemoryStore::default());
    let lookup = engine.policy("not a domain", NOW).await;
    assert_eq!(lookup.no_policy_reason(), Some(&NoPolicyReason::InvalidDomain));
    assert_eq!(engine.resolver().calls(), 0);
    assert!(engine.store().is_empty());
}

#[tokio::test]
async fn an_id_change_with_a_failed_fetch_keeps_the_cached_policy() {
    let engine = Engine::new(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", ok(ENFORCE)),
        MemoryStore::default(),
    );
    engine.policy("example.com", NOW).await;
    engine.resolver().set("_mta-sts.example.com", sts("two"));
    engine.fetcher().set(
        "example.com",
        Ok(HttpsResponse {
            status: 500,
            content_type: None,
            body: Vec::new(),
        }),
    );
    let lookup = engine.policy("example.com", NOW + 3600).await;
    assert_eq!(lookup.cached_policy().unwrap().id.as_str(), "one");
    assert_eq!(
        lookup.outcome().reports()[0].result_type,
        ResultType::StsPolicyFetchError
    );
}

/// A store that fails every operation.
struct Broken;

impl CacheStore for Broken {
    fn get(&self, _d: &str) -> impl Future<Output = Result<Option<CacheEntry>, StoreError>> + Send {
        std::future::ready(Err(StoreError("down".into())))
    }
    fn put(&self, _e: &CacheEntry, _n: UnixTime) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(Err(StoreError("down".into())))
    }
    fn delete(&self, _d: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(Err(StoreError("down".into())))
    }
    fn due(&self, _q: &DueQuery<'_>) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        std::future::ready(Err(StoreError("down".into())))
    }
}

#[tokio::test]
async fn a_failing_store_does_not_stop_the_lookup() {
    let engine = Engine::new(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", ok(ENFORCE)),
        Broken,
    );
    let lookup = engine.policy("example.com", NOW).await;
    assert!(lookup.policy().is_some());
    assert_eq!(lookup.store_error(), Some(&StoreError("down".into())));
    assert_eq!(engine.refresh_due(NOW).await.unwrap_err(), StoreError("down".into()));
}

#[tokio::test]
async fn refresh_due_refetches_once_a_day_and_takes_the_new_policy() {
    let config = EngineConfig {
        refresh_jitter: 0,
        ..EngineConfig::default()
    };
    let engine = Engine::with_config(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", ok(ENFORCE)),
        MemoryStore::default(),
        config,
    );
    engine.policy("example.com", NOW).await;
    assert!(engine.refresh_due(NOW + 3600).await.unwrap().is_empty());
    engine.fetcher().set("example.com", ok(TESTING));
    let refreshed = engine.refresh_due(NOW + 86_400).await.unwrap();
    assert_eq!(refreshed.len(), 1);
    assert_eq!(refreshed[0].policy().unwrap().mode(), Mode::Testing);
    assert_eq!(engine.fetcher().calls(), 2);
    assert_eq!(engine.resolver().calls(), 1, "a refresh skips DNS");
    let stored = engine.store().peek("example.com").unwrap();
    assert_eq!(stored.policy.unwrap().fetched_at, NOW + 86_400);
    // A failing refresh alerts and keeps the policy.
    engine.fetcher().set("example.com", Err(HttpsError::Timeout));
    let failed = engine.refresh_due(NOW + 2 * 86_400).await.unwrap();
    assert_eq!(failed[0].outcome().alerts().len(), 1);
    assert_eq!(failed[0].policy().unwrap().mode(), Mode::Testing);
}

#[tokio::test]
async fn the_recheck_finds_a_new_policy_before_a_permanent_failure() {
    let engine = Engine::new(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", ok(ENFORCE)),
        MemoryStore::default(),
    );
    engine.policy("example.com", NOW).await;
    let same = engine.recheck_before_permanent_failure("example.com", NOW + 60).await;
    assert_eq!(same.outcome().decision(), Some(RecheckDecision::KeepTransient));
    engine.resolver().set("_mta-sts.example.com", sts("two"));
    engine.fetcher().set("example.com", ok(TESTING));
    let new = engine.recheck_before_permanent_failure("example.com", NOW + 120).await;
    assert_eq!(new.outcome().decision(), Some(RecheckDecision::RetryWithNewPolicy));
    assert_eq!(new.policy().unwrap().mode(), Mode::Testing);
}

#[tokio::test]
async fn a_cancelled_first_caller_does_not_strand_the_others() {
    let gate = Arc::new(Semaphore::new(0));
    let dns = Dns {
        gate: Some(gate.clone()),
        ..Dns::with("_mta-sts.example.com", sts("one"))
    };
    let engine = Engine::new(
        Arc::new(dns),
        Arc::new(Web::with("example.com", ok(ENFORCE))),
        MemoryStore::default(),
    );
    let first = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.policy("example.com", NOW).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.policy("example.com", NOW).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    first.abort();
    gate.add_permits(1);
    let lookup = second.await.unwrap();
    assert!(lookup.policy().is_some());
    assert_eq!(engine.resolver().calls(), 1);
}

#[tokio::test]
async fn the_tls_rpt_record_is_looked_up_through_the_same_resolver() {
    let dns = Dns::with(
        "_smtp._tls.example.com",
        TxtAnswer::records(["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"]),
    );
    let engine = Engine::new(dns, Web::default(), MemoryStore::default());
    let record = engine.tls_rpt_record("EXAMPLE.com").await.unwrap();
    assert_eq!(record.rua.len(), 1);
    let missing = engine.tls_rpt_record("example.org").await.unwrap_err();
    assert!(missing.to_string().contains("no record"), "{missing}");
}

#[test]
fn concurrent_blocking_lookups_from_many_threads_make_one_exchange() {
    let web = Web {
        delay: Some(Duration::from_millis(300)),
        ..Web::with("example.com", ok(ENFORCE))
    };
    let engine = Arc::new(BlockingEngine::new(
        Dns::with("_mta-sts.example.com", sts("one")),
        web,
        MemoryStore::default(),
    ));
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                engine.policy("example.com", NOW)
            })
        })
        .collect();
    let lookups: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(lookups.iter().all(|l| l.policy().is_some()));
    assert_eq!(engine.fetcher().calls(), 1);
    assert_eq!(engine.resolver().calls(), 1);
    assert_eq!(lookups.iter().filter(|l| l.coalesced()).count(), 15);
}

#[test]
fn the_blocking_engine_refreshes_and_rechecks() {
    let config = EngineConfig {
        refresh_jitter: 0,
        ..EngineConfig::default()
    };
    let engine = BlockingEngine::with_config(
        Dns::with("_mta-sts.example.com", sts("one")),
        Web::with("example.com", ok(ENFORCE)),
        MemoryStore::default(),
        config,
    );
    assert!(engine.policy("example.com", NOW).policy().is_some());
    let refreshed = engine.refresh_due(NOW + 86_400).unwrap();
    assert_eq!(refreshed.len(), 1);
    assert_eq!(engine.fetcher().calls(), 2);
    let recheck = engine.recheck_before_permanent_failure("example.com", NOW + 86_401);
    assert_eq!(recheck.outcome().decision(), Some(RecheckDecision::KeepTransient));
}

fn entry_of(engine: &BlockingEngine<Dns, Web, MemoryStore>, domain: &str, now: UnixTime) -> CacheEntry {
    engine.resolver().set(&format!("_mta-sts.{domain}"), sts("one"));
    engine.fetcher().set(domain, ok(ENFORCE));
    engine.policy(domain, now).into_outcome().take_entry()
}

#[test]
fn the_memory_store_evicts_expired_entries_first_then_the_least_recently_used() {
    let maker = BlockingEngine::new(Dns::default(), Web::default(), MemoryStore::new(100));
    let old = entry_of(&maker, "old.example", NOW - 700_000); // expired at NOW
    let a = entry_of(&maker, "a.example", NOW);
    let b = entry_of(&maker, "b.example", NOW);
    let c = entry_of(&maker, "c.example", NOW);

    let store = MemoryStore::new(3);
    for e in [&a, &old, &b] {
        BlockingCacheStore::put(&store, e, NOW).unwrap();
    }
    BlockingCacheStore::put(&store, &c, NOW).unwrap();
    assert_eq!(store.len(), 3);
    assert!(store.peek("old.example").is_none(), "the expired entry goes first");

    // `a` is the least recently used; reading it makes `b` so.
    BlockingCacheStore::get(&store, "a.example").unwrap();
    let d = entry_of(&maker, "d.example", NOW);
    BlockingCacheStore::put(&store, &d, NOW).unwrap();
    assert!(store.peek("b.example").is_none());
    assert!(store.peek("a.example").is_some() && store.peek("d.example").is_some());

    // Replacing an entry evicts nothing.
    BlockingCacheStore::put(&store, &d, NOW + 1).unwrap();
    assert_eq!(store.len(), 3);
    BlockingCacheStore::delete(&store, "d.example").unwrap();
    assert_eq!(store.len(), 2);
}

#[test]
fn due_lists_only_entries_past_their_refresh_time_with_a_stable_jitter() {
    let maker = BlockingEngine::new(Dns::default(), Web::default(), MemoryStore::new(100));
    let store = MemoryStore::new(10);
    for d in ["a.example", "b.example"] {
        BlockingCacheStore::put(&store, &entry_of(&maker, d, NOW), NOW).unwrap();
    }
    let config = mta_sts_policy::CacheConfig::default();
    let q = |now, max_jitter, limit| DueQuery {
        now,
        config: &config,
        max_jitter,
        limit,
    };
    assert!(BlockingCacheStore::due(&store, &q(NOW + 86_399, 0, 10))
        .unwrap()
        .is_empty());
    assert_eq!(
        BlockingCacheStore::due(&store, &q(NOW + 86_400, 0, 10)).unwrap(),
        ["a.example", "b.example"]
    );
    assert_eq!(
        BlockingCacheStore::due(&store, &q(NOW + 86_400, 0, 1)).unwrap(),
        ["a.example"]
    );
    let query = q(NOW, 3_600, 10);
    let j = query.jitter("a.example");
    assert!(j <= 3_600);
    assert_eq!(j, query.jitter("a.example"));
    assert!(
        BlockingCacheStore::due(&store, &q(NOW + 86_400 + 3_600, 3_600, 10))
            .unwrap()
            .len()
            == 2
    );
}
