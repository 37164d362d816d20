//! The engines: what policy applies to a domain now, through the host's DNS
//! resolver, HTTPS fetcher and cache store.

use std::collections::HashMap;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_util::future::{FutureExt, Shared};
use futures_util::stream::{self, StreamExt};
use mta_sts_policy::{
    lookup, normalize_domain, recheck_before_permanent_failure, refresh, CacheConfig, CachedPolicy, FetchError,
    NeedFetch, NoPolicyReason, Outcome, Policy, Step, StoreAction, UnixTime,
};

use crate::dns::{BlockingDnsResolver, DnsResolver, TxtAnswer};
use crate::https::{BlockingHttpsFetcher, FetchRequest, HttpsError, HttpsFetcher, HttpsResponse};
use crate::lock;
use crate::store::{BlockingCacheStore, CacheStore, DueQuery, StoreError};
use crate::timer::{within, Never, Timer};

/// How the engines behave around the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// The cache machine's configuration (hold-offs, refresh interval, fetch rules).
    pub cache: CacheConfig,
    /// A TXT lookup that takes longer counts as a temporary failure. Default 30 s.
    pub dns_timeout: Duration,
    /// A policy fetch that takes longer counts as a timeout
    /// (`sts-policy-fetch-error`). Default 60 s.
    pub fetch_timeout: Duration,
    /// Proactive refreshes are spread over this many seconds past the refresh
    /// interval, by a hash of the domain ([`DueQuery::jitter`]). Default 3600.
    pub refresh_jitter: u64,
    /// One refresh pass handles at most this many domains. Default 1000.
    pub refresh_batch: usize,
    /// The async engine refreshes this many domains at once. Default 8.
    pub refresh_concurrency: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            cache: CacheConfig::default(),
            dns_timeout: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(60),
            refresh_jitter: 3_600,
            refresh_batch: 1_000,
            refresh_concurrency: 8,
        }
    }
}

/// The answer of an engine: the machine's [`Outcome`] (already written to the
/// store), and what went wrong with the store, if anything.
#[derive(Clone, Debug)]
pub struct Lookup {
    domain: String,
    outcome: Outcome,
    store_error: Option<StoreError>,
    coalesced: bool,
}

impl Lookup {
    /// The policy domain, normalised (A-labels, lower case, no trailing dot), or
    /// as given when it is not a valid domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The machine's outcome: the policy, the reports, the alerts.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The outcome, by value.
    pub fn into_outcome(self) -> Outcome {
        self.outcome
    }

    /// The policy to apply, or `None` (see [`Lookup::no_policy_reason`]).
    pub fn policy(&self) -> Option<&Policy> {
        self.outcome.policy()
    }

    /// The cached policy applied, with its id and exact text.
    pub fn cached_policy(&self) -> Option<&CachedPolicy> {
        self.outcome.cached_policy()
    }

    /// Why no policy applies, when none does.
    pub fn no_policy_reason(&self) -> Option<&NoPolicyReason> {
        self.outcome.no_policy_reason()
    }

    /// A store read or write that failed. On a failed read the lookup went on as
    /// if nothing were cached; on a failed write the outcome is still right for
    /// now, but the next lookup will not remember it.
    pub fn store_error(&self) -> Option<&StoreError> {
        self.store_error.as_ref()
    }

    /// Whether this caller joined a lookup already in flight instead of starting
    /// its own.
    pub fn coalesced(&self) -> bool {
        self.coalesced
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Purpose {
    Lookup,
    Recheck,
    Refresh,
}

/// The resolver, fetcher, store and timer, and the driving of the machine
/// through them; shared by both engines.
struct Core<R, F, S, T> {
    resolver: R,
    fetcher: F,
    store: S,
    timer: T,
    config: EngineConfig,
}

impl<R: DnsResolver, F: HttpsFetcher, S: CacheStore, T: Timer> Core<R, F, S, T> {
    fn due_query(&self, now: UnixTime) -> DueQuery<'_> {
        DueQuery {
            now,
            config: &self.config.cache,
            max_jitter: self.config.refresh_jitter,
            limit: self.config.refresh_batch,
        }
    }

    async fn read(&self, domain: &str) -> (Option<mta_sts_policy::CacheEntry>, Option<StoreError>) {
        match self.store.get(domain).await {
            Ok(entry) => (entry, None),
            Err(e) => (None, Some(e)),
        }
    }

    /// One whole exchange for a normalised domain: read the store, drive the
    /// machine, write the store. `None` only for a refresh that is not (or no
    /// longer) due.
    async fn run(&self, domain: &str, now: UnixTime, purpose: Purpose) -> Option<Lookup> {
        match purpose {
            Purpose::Lookup => Some(self.run_lookup(domain, now, false).await),
            Purpose::Recheck => Some(self.run_lookup(domain, now, true).await),
            Purpose::Refresh => {
                let (entry, store_error) = self.read(domain).await;
                let entry = entry.filter(|e| self.due_query(now).is_due(e))?;
                let need = refresh(entry, now, &self.config.cache)?;
                Some(self.finish(domain, now, Step::Fetch(need), store_error).await)
            }
        }
    }

    /// The first step of a lookup, or of the recheck before a permanent failure.
    fn start(&self, entry: Option<mta_sts_policy::CacheEntry>, domain: &str, now: UnixTime, recheck: bool) -> Step<'_> {
        let cfg = &self.config.cache;
        if recheck {
            recheck_before_permanent_failure(entry, domain, now, cfg)
        } else {
            lookup(entry, domain, now, cfg)
        }
    }

    async fn run_lookup(&self, domain: &str, now: UnixTime, recheck: bool) -> Lookup {
        let (entry, store_error) = self.read(domain).await;
        let step = self.start(entry, domain, now, recheck);
        self.finish(domain, now, step, store_error).await
    }

    async fn finish(&self, domain: &str, now: UnixTime, step: Step<'_>, store_error: Option<StoreError>) -> Lookup {
        let mut store_error = store_error;
        let outcome = self.drive(step).await;
        let written = match outcome.store() {
            StoreAction::Unchanged => Ok(()),
            StoreAction::Put => self.store.put(outcome.entry(), now).await,
            StoreAction::Delete => self.store.delete(domain).await,
        };
        if let Err(e) = written {
            store_error.get_or_insert(e);
        }
        Lookup {
            domain: domain.to_owned(),
            outcome,
            store_error,
            coalesced: false,
        }
    }

    /// A lookup of a name that is not a valid domain: the machine says so
    /// without I/O, and nothing is stored.
    async fn invalid(&self, domain: &str, now: UnixTime, recheck: bool) -> Lookup {
        let step = self.start(None, domain, now, recheck);
        Lookup {
            domain: domain.to_owned(),
            outcome: self.drive(step).await,
            store_error: None,
            coalesced: false,
        }
    }

    async fn drive(&self, mut step: Step<'_>) -> Outcome {
        loop {
            step = match step {
                Step::Done(outcome) => return outcome,
                Step::Fetch(need) => return self.fetch(need).await,
                Step::ResolveTxt(need) => {
                    let name = need.txt_name();
                    match within(&self.timer, self.config.dns_timeout, self.resolver.lookup_txt(&name)).await {
                        Some(TxtAnswer::Records(records)) => need.records(records),
                        Some(TxtAnswer::NoRecord) => need.no_record(),
                        Some(TxtAnswer::TemporaryFailure(_)) | None => need.temporary_failure(),
                    }
                }
            }
        }
    }

    async fn fetch(&self, need: NeedFetch<'_>) -> Outcome {
        let host = match need.policy_host() {
            Ok(host) => host,
            Err(e) => return need.error(FetchError::Connect(e.to_string())),
        };
        let url = need.url();
        let request = FetchRequest {
            host: &host,
            url: &url,
            max_body: need.rules().max_body,
            timeout: self.config.fetch_timeout,
        };
        match within(&self.timer, self.config.fetch_timeout, self.fetcher.get(&request)).await {
            None => need.error(FetchError::Timeout),
            Some(Err(e)) => need.error(e.into()),
            Some(Ok(response)) => need.response(response.as_fetch_response()),
        }
    }
}

type SharedLookup = Shared<Pin<Box<dyn Future<Output = Option<Lookup>> + Send>>>;
type InFlight = Arc<Mutex<HashMap<(Purpose, String), SharedLookup, foldhash::fast::RandomState>>>;

/// The async engine. Cheap to clone (the clones share everything), `Send` and
/// `Sync`: keep one per process and call it from any task.
///
/// Concurrent calls for the same domain (and the same purpose) are coalesced:
/// the first starts the exchange, the others wait for its result, so 100
/// messages to one uncached domain cost one TXT lookup and one fetch. If every
/// caller of an exchange is cancelled, the next caller resumes it. A caller that
/// joins gets the result computed at the first caller's `now`.
///
/// A lookup and a refresh of the same domain running at the same moment are
/// not coalesced with each other; each writes the store when it ends, so the
/// later write wins (both are valid states of the entry).
///
/// ```
/// use mta_sts_resolver_trait::{Engine, MemoryStore, TxtAnswer, DnsResolver, HttpsFetcher,
///     FetchRequest, HttpsResponse, HttpsError};
/// use std::future::Future;
///
/// struct Dns;
/// impl DnsResolver for Dns {
///     fn lookup_txt(&self, _name: &str) -> impl Future<Output = TxtAnswer> + Send {
///         async { TxtAnswer::records(["v=STSv1; id=20240101"]) }
///     }
/// }
/// struct Web;
/// impl HttpsFetcher for Web {
///     fn get(&self, _r: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
///         async {
///             Ok(HttpsResponse {
///                 status: 200,
///                 content_type: Some("text/plain".into()),
///                 body: b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n".to_vec(),
///             })
///         }
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let engine = Engine::new(Dns, Web, MemoryStore::default());
/// let now = 1_700_000_000;
/// let lookup = engine.policy("example.com", now).await;
/// assert!(lookup.policy().unwrap().matches_mx("mx.example.com"));
/// # });
/// ```
pub struct Engine<R, F, S, T> {
    core: Arc<Core<R, F, S, T>>,
    in_flight: InFlight,
}

impl<R, F, S, T> Clone for Engine<R, F, S, T> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
            in_flight: Arc::clone(&self.in_flight),
        }
    }
}

impl<R, F, S, T> std::fmt::Debug for Engine<R, F, S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.core.config)
            .field("in_flight", &lock(&self.in_flight).len())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "tokio")]
impl<R, F, S> Engine<R, F, S, crate::timer::TokioTimer>
where
    R: DnsResolver + 'static,
    F: HttpsFetcher + 'static,
    S: CacheStore + 'static,
{
    /// An engine with the default configuration, timing out on tokio's timer.
    pub fn new(resolver: R, fetcher: F, store: S) -> Self {
        Self::with_timer(
            resolver,
            fetcher,
            store,
            crate::timer::TokioTimer,
            EngineConfig::default(),
        )
    }

    /// An engine with `config`, timing out on tokio's timer.
    pub fn with_config(resolver: R, fetcher: F, store: S, config: EngineConfig) -> Self {
        Self::with_timer(resolver, fetcher, store, crate::timer::TokioTimer, config)
    }
}

impl<R, F, S, T> Engine<R, F, S, T>
where
    R: DnsResolver + 'static,
    F: HttpsFetcher + 'static,
    S: CacheStore + 'static,
    T: Timer + 'static,
{
    /// An engine timing out on `timer`, for runtimes other than tokio.
    pub fn with_timer(resolver: R, fetcher: F, store: S, timer: T, config: EngineConfig) -> Self {
        Self {
            core: Arc::new(Core {
                resolver,
                fetcher,
                store,
                timer,
                config,
            }),
            in_flight: Arc::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.core.config
    }

    /// The resolver.
    pub fn resolver(&self) -> &R {
        &self.core.resolver
    }

    /// The fetcher.
    pub fn fetcher(&self) -> &F {
        &self.core.fetcher
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.core.store
    }

    /// The policy that applies to `domain` at `now` (seconds since the epoch):
    /// the TXT record is looked up, the policy fetched when the id is new, and
    /// the store read and written.
    pub async fn policy(&self, domain: &str, now: UnixTime) -> Lookup {
        self.lookup_or_recheck(domain, now, false).await
    }

    /// The check an MTA must make before failing a message permanently under
    /// `enforce` (RFC 8461 §5): the TXT id is looked up again and a new policy
    /// fetched if it changed. [`Outcome::decision`] says what to do.
    pub async fn recheck_before_permanent_failure(&self, domain: &str, now: UnixTime) -> Lookup {
        self.lookup_or_recheck(domain, now, true).await
    }

    async fn lookup_or_recheck(&self, domain: &str, now: UnixTime, recheck: bool) -> Lookup {
        let Ok(key) = normalize_domain(domain) else {
            return self.core.invalid(domain, now, recheck).await;
        };
        let purpose = if recheck { Purpose::Recheck } else { Purpose::Lookup };
        match self.exchange(key.clone(), now, purpose).await {
            Some(lookup) => lookup,
            // Lookups and rechecks always give a result; this only runs if
            // that ever changes.
            None => self.core.run_lookup(&key, now, recheck).await,
        }
    }

    /// Refreshes every entry the store lists as due (RFC 8461 §3.3: refetch
    /// periodically, so a policy does not expire while in use), a few at a time.
    /// Alerts for failing refreshes are in each outcome. Run it every few
    /// minutes; the batch size bounds one pass.
    pub async fn refresh_due(&self, now: UnixTime) -> Result<Vec<Lookup>, StoreError> {
        let due = self.core.store.due(&self.core.due_query(now)).await?;
        let concurrency = self.core.config.refresh_concurrency.max(1);
        let done: Vec<Option<Lookup>> = stream::iter(due)
            .map(|domain| async move { self.exchange(domain, now, Purpose::Refresh).await })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut done: Vec<Lookup> = done.into_iter().flatten().collect();
        done.sort_by(|a, b| a.domain.cmp(&b.domain));
        Ok(done)
    }

    /// The TLS-RPT record of `domain` (`_smtp._tls.<domain>`), through the
    /// engine's resolver and DNS timeout.
    pub async fn tls_rpt_record(
        &self,
        domain: &str,
    ) -> Result<tls_rpt_schema::TlsRptRecord, crate::report::RecordLookupError> {
        let lookup = crate::report::lookup_tls_rpt(&self.core.resolver, domain);
        within(&self.core.timer, self.core.config.dns_timeout, lookup)
            .await
            .unwrap_or_else(|| Err(crate::report::RecordLookupError::Temporary("timed out".into())))
    }

    /// Runs an exchange, joining one in flight for the same domain and purpose.
    async fn exchange(&self, key: String, now: UnixTime, purpose: Purpose) -> Option<Lookup> {
        let (shared, joined) = {
            let mut map = lock(&self.in_flight);
            let slot = (purpose, key);
            if let Some(shared) = map.get(&slot) {
                (shared.clone(), true)
            } else {
                let core = Arc::clone(&self.core);
                let in_flight = Arc::clone(&self.in_flight);
                let slot_key = slot.clone();
                let fut: Pin<Box<dyn Future<Output = Option<Lookup>> + Send>> = Box::pin(async move {
                    let result = core.run(&slot_key.1, now, slot_key.0).await;
                    lock(&in_flight).remove(&slot_key);
                    result
                });
                let shared = fut.shared();
                map.insert(slot, shared.clone());
                (shared, false)
            }
        };
        let mut result = shared.await;
        if let Some(lookup) = result.as_mut() {
            lookup.coalesced = joined;
        }
        result
    }
}

/// A blocking implementation seen as an async one whose futures are ready at
/// once.
struct Blocking<T>(T);

impl<R: BlockingDnsResolver> DnsResolver for Blocking<R> {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send {
        std::future::ready(self.0.lookup_txt(name))
    }
}

impl<F: BlockingHttpsFetcher> HttpsFetcher for Blocking<F> {
    fn get(&self, request: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
        std::future::ready(self.0.get(request))
    }
}

impl<S: BlockingCacheStore> CacheStore for Blocking<S> {
    fn get(&self, domain: &str) -> impl Future<Output = Result<Option<mta_sts_policy::CacheEntry>, StoreError>> + Send {
        std::future::ready(self.0.get(domain))
    }
    fn put(
        &self,
        entry: &mta_sts_policy::CacheEntry,
        now: UnixTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(self.0.put(entry, now))
    }
    fn delete(&self, domain: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(self.0.delete(domain))
    }
    fn due(&self, query: &DueQuery<'_>) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        std::future::ready(self.0.due(query))
    }
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future on this thread. The blocking engine's futures are made of
/// ready futures, so the first poll finishes them; parking covers the rest.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

#[derive(Default)]
enum FlightState {
    #[default]
    Running,
    Done(Option<Box<Lookup>>),
    Abandoned,
}

#[derive(Default)]
struct Flight {
    state: Mutex<FlightState>,
    done: Condvar,
}

type BlockingInFlight = Mutex<HashMap<(Purpose, String), Arc<Flight>, foldhash::fast::RandomState>>;

/// Ends a flight however its leader leaves: with the result, or (when the
/// leader's code panicked) as abandoned, so waiters start over.
struct Leader<'a> {
    in_flight: &'a BlockingInFlight,
    slot: &'a (Purpose, String),
    flight: &'a Flight,
    result: Option<Option<Lookup>>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        lock(self.in_flight).remove(self.slot);
        let state = match self.result.take() {
            Some(result) => FlightState::Done(result.map(Box::new)),
            None => FlightState::Abandoned,
        };
        *lock(&self.flight.state) = state;
        self.flight.done.notify_all();
    }
}

/// The blocking engine, for MTAs that run one thread per delivery. It drives the
/// same machine as [`Engine`] through [`BlockingDnsResolver`],
/// [`BlockingHttpsFetcher`] and [`BlockingCacheStore`], and coalesces the same
/// way: concurrent calls for one domain from several threads make one exchange,
/// the others wait for it. Timeouts are the implementations' business (each
/// fetch gets [`FetchRequest::timeout`]).
///
/// ```
/// use mta_sts_resolver_trait::{BlockingEngine, BlockingDnsResolver, BlockingHttpsFetcher,
///     FetchRequest, HttpsResponse, HttpsError, MemoryStore, TxtAnswer};
///
/// struct Dns;
/// impl BlockingDnsResolver for Dns {
///     fn lookup_txt(&self, _name: &str) -> TxtAnswer {
///         TxtAnswer::NoRecord
///     }
/// }
/// struct Web;
/// impl BlockingHttpsFetcher for Web {
///     fn get(&self, _r: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
///         Err(HttpsError::Timeout)
///     }
/// }
///
/// let engine = BlockingEngine::new(Dns, Web, MemoryStore::default());
/// let lookup = engine.policy("example.org", 1_700_000_000);
/// assert!(lookup.policy().is_none());
/// ```
pub struct BlockingEngine<R, F, S> {
    core: Core<Blocking<R>, Blocking<F>, Blocking<S>, Never>,
    in_flight: BlockingInFlight,
}

impl<R, F, S> std::fmt::Debug for BlockingEngine<R, F, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingEngine")
            .field("config", &self.core.config)
            .field("in_flight", &lock(&self.in_flight).len())
            .finish_non_exhaustive()
    }
}

impl<R, F, S> BlockingEngine<R, F, S>
where
    R: BlockingDnsResolver,
    F: BlockingHttpsFetcher,
    S: BlockingCacheStore,
{
    /// An engine with the default configuration.
    pub fn new(resolver: R, fetcher: F, store: S) -> Self {
        Self::with_config(resolver, fetcher, store, EngineConfig::default())
    }

    /// An engine with `config`.
    pub fn with_config(resolver: R, fetcher: F, store: S, config: EngineConfig) -> Self {
        Self {
            core: Core {
                resolver: Blocking(resolver),
                fetcher: Blocking(fetcher),
                store: Blocking(store),
                timer: Never,
                config,
            },
            in_flight: Mutex::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.core.config
    }

    /// The resolver.
    pub fn resolver(&self) -> &R {
        &self.core.resolver.0
    }

    /// The fetcher.
    pub fn fetcher(&self) -> &F {
        &self.core.fetcher.0
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.core.store.0
    }

    /// The policy that applies to `domain` at `now`; see [`Engine::policy`].
    pub fn policy(&self, domain: &str, now: UnixTime) -> Lookup {
        self.lookup_or_recheck(domain, now, false)
    }

    /// The check before a permanent failure; see
    /// [`Engine::recheck_before_permanent_failure`].
    pub fn recheck_before_permanent_failure(&self, domain: &str, now: UnixTime) -> Lookup {
        self.lookup_or_recheck(domain, now, true)
    }

    /// Refreshes every entry the store lists as due, one after another; see
    /// [`Engine::refresh_due`].
    pub fn refresh_due(&self, now: UnixTime) -> Result<Vec<Lookup>, StoreError> {
        let due = self.core.store.0.due(&self.core.due_query(now))?;
        let mut done: Vec<Lookup> = due
            .into_iter()
            .filter_map(|domain| self.exchange(domain, now, Purpose::Refresh))
            .collect();
        done.sort_by(|a, b| a.domain.cmp(&b.domain));
        Ok(done)
    }

    /// The TLS-RPT record of `domain` (`_smtp._tls.<domain>`).
    pub fn tls_rpt_record(
        &self,
        domain: &str,
    ) -> Result<tls_rpt_schema::TlsRptRecord, crate::report::RecordLookupError> {
        crate::report::lookup_tls_rpt_blocking(&self.core.resolver.0, domain)
    }

    fn lookup_or_recheck(&self, domain: &str, now: UnixTime, recheck: bool) -> Lookup {
        let Ok(key) = normalize_domain(domain) else {
            return block_on(self.core.invalid(domain, now, recheck));
        };
        let purpose = if recheck { Purpose::Recheck } else { Purpose::Lookup };
        match self.exchange(key.clone(), now, purpose) {
            Some(lookup) => lookup,
            None => block_on(self.core.run_lookup(&key, now, recheck)),
        }
    }

    fn exchange(&self, key: String, now: UnixTime, purpose: Purpose) -> Option<Lookup> {
        let slot = (purpose, key);
        loop {
            let (flight, leads) = {
                let mut map = lock(&self.in_flight);
                match map.get(&slot) {
                    Some(flight) => (Arc::clone(flight), false),
                    None => {
                        let flight = Arc::new(Flight::default());
                        map.insert(slot.clone(), Arc::clone(&flight));
                        (flight, true)
                    }
                }
            };
            if leads {
                let mut leader = Leader {
                    in_flight: &self.in_flight,
                    slot: &slot,
                    flight: &flight,
                    result: None,
                };
                let result = block_on(self.core.run(&slot.1, now, purpose));
                leader.result = Some(result.clone());
                drop(leader);
                return result;
            }
            let mut state = lock(&flight.state);
            loop {
                match &*state {
                    FlightState::Running => {
                        state = flight.done.wait(state).unwrap_or_else(|e| e.into_inner());
                    }
                    FlightState::Done(result) => {
                        let mut result = result.as_deref().cloned();
                        if let Some(lookup) = result.as_mut() {
                            lookup.coalesced = true;
                        }
                        return result;
                    }
                    FlightState::Abandoned => break,
                }
            }
        }
    }
}
