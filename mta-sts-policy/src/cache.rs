//! The policy cache state machine (RFC 8461 §3.3, §5.1, §10.2), sans-IO.
//!
//! Three entry points drive one machine, each a chain of typed steps:
//!
//! - [`lookup`]: what policy applies to a domain now. It asks for the `_mta-sts`
//!   TXT answer ([`Step::ResolveTxt`]), perhaps for the policy fetch
//!   ([`Step::Fetch`]), and ends with an [`Outcome`].
//! - [`refresh`]: the proactive refetch of a cached policy (once a day by
//!   default; [`CacheEntry::refresh_due_at`] says when), regardless of the TXT
//!   record.
//! - [`recheck_before_permanent_failure`]: the step an MTA must take before it
//!   permanently fails a message under `enforce` (RFC 8461 §5).
//!
//! Time is always an argument (seconds since the Unix epoch); the machine never
//! reads a clock. Its rule is that it never loses a valid policy: an unexpired
//! `enforce` or `testing` policy ends only by expiry or by a successfully fetched
//! valid policy (which may be `mode: none`, the way a domain opts out). A failed
//! fetch holds off further fetches of the same id for
//! [`CacheConfig::fetch_backoff`] seconds.
//!
//! ```
//! use mta_sts_policy::{lookup, CacheConfig, FetchResponse, Mode, Step, StoreAction};
//!
//! let config = CacheConfig::default();
//! let Step::ResolveTxt(txt) = lookup(None, "example.com", 1_000, &config) else { unreachable!() };
//! assert_eq!(txt.txt_name(), "_mta-sts.example.com");
//! let Step::Fetch(fetch) = txt.records(["v=STSv1; id=20240101"]) else { unreachable!() };
//! assert_eq!(fetch.url(), "https://mta-sts.example.com/.well-known/mta-sts.txt");
//! let body = b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
//! let outcome = fetch.response(FetchResponse { status: 200, content_type: Some("text/plain"), body });
//! assert_eq!(outcome.policy().map(|p| p.mode()), Some(Mode::Enforce));
//! assert_eq!(outcome.store(), StoreAction::Put);
//! let entry = outcome.into_entry().unwrap(); // the host stores it
//!
//! // Later: same id, unexpired: the cached policy applies, nothing to store.
//! let Step::ResolveTxt(txt) = lookup(Some(entry), "example.com", 2_000, &config) else { unreachable!() };
//! let Step::Done(outcome) = txt.records(["v=STSv1; id=20240101"]) else { unreachable!() };
//! assert!(outcome.policy().is_some());
//! assert_eq!(outcome.store(), StoreAction::Unchanged);
//! ```

use serde::{Deserialize, Serialize};

use crate::apply::ResultType;
use crate::domain::normalize_domain;
use crate::fetch::{check_response, FetchError, FetchResponse, FetchRules, PolicyHost};
use crate::policy::{Mode, Policy};
use crate::record::{single_sts_record, DiscoveryError, PolicyId, StsRecord};

/// The format version of [`CacheEntry`]; bumped when the stored shape changes.
pub const ENTRY_FORMAT: u32 = 1;

/// At most this many ids are held off at once; while that many are, no new id is
/// fetched either, so a TXT record flapping between many ids cannot multiply the
/// fetches.
pub const MAX_BACKOFFS: usize = 8;

/// Seconds since the Unix epoch.
pub type UnixTime = u64;

/// How the machine behaves where the RFC leaves room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// After a failed fetch, no new fetch for the same id for this many seconds
    /// (RFC 8461 §3.3: five minutes or longer). Default 300.
    pub fetch_backoff: u64,
    /// A cached policy is refetched this often, whatever the TXT record says
    /// (RFC 8461 §3.3 suggests daily). Default 86400.
    pub refresh_interval: u64,
    /// After a failed refresh, the next one is due this many seconds later.
    /// Default 3600.
    pub refresh_retry: u64,
    /// Failed refreshes of a policy that is not `none` raise an alert from this
    /// many in a row on (RFC 8461 §3.3: alert when refresh attempts fail).
    /// Default 1: every failure alerts.
    pub alert_after_failures: u32,
    /// The rules fetched responses are checked against.
    pub fetch_rules: FetchRules,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            fetch_backoff: 300,
            refresh_interval: 86_400,
            refresh_retry: 3_600,
            alert_after_failures: 1,
            fetch_rules: FetchRules::default(),
        }
    }
}

/// A policy as cached: the policy, its exact text, the id it was fetched under,
/// and when it was fetched and expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPolicy {
    /// The policy.
    pub policy: Policy,
    /// The body exactly as fetched (TLS-RPT reports its lines as `policy-string`).
    pub text: String,
    /// The TXT id it was fetched under.
    pub id: PolicyId,
    /// When it was fetched.
    pub fetched_at: UnixTime,
    /// `fetched_at + max_age`: from this time on it is expired and never applied.
    pub expires_at: UnixTime,
}

impl CachedPolicy {
    /// Whether the policy is still valid at `now` (`now < expires_at`).
    pub fn is_valid_at(&self, now: UnixTime) -> bool {
        now < self.expires_at
    }

    /// The policy text as a list of lines, without line ends: the RFC 8460
    /// `policy-string` of an `sts` policy.
    pub fn policy_strings(&self) -> Vec<&str> {
        let text = self.text.strip_prefix('\u{feff}').unwrap_or(&self.text);
        text.lines().filter(|l| !l.trim().is_empty()).collect()
    }
}

/// The hold-off after a failed fetch of one id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    /// The id whose fetch failed.
    pub id: PolicyId,
    /// When the last fetch failed.
    pub failed_at: UnixTime,
    /// No fetch for this id before this time.
    pub retry_at: UnixTime,
    /// Failed fetches of this id in a row.
    pub failures: u32,
}

/// The state of proactive refresh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshState {
    /// Failed refreshes in a row since the last successful fetch.
    pub failures: u32,
    /// When the last refresh failed.
    pub last_failure: Option<UnixTime>,
}

/// What a host stores per policy domain: plain serde data, with a format version
/// so entries written by an older release can be recognised.
///
/// Reading one back checks it: the format is known, the domain is normalised,
/// and the remembered TXT record parses to the remembered id. A corrupted or
/// tampered entry is refused rather than trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CacheEntryData")]
pub struct CacheEntry {
    /// [`ENTRY_FORMAT`] at the time of writing.
    pub format: u32,
    /// The policy domain, normalised (A-labels, lower case).
    pub domain: String,
    /// The cached policy, if one was fetched. Shared: it moves through every step
    /// of a lookup as a pointer, and a store that hands out copies of the entry
    /// copies a reference count, not the policy and its matcher.
    pub policy: Option<std::sync::Arc<CachedPolicy>>,
    /// The id of the last valid TXT record seen.
    pub last_seen_id: Option<PolicyId>,
    /// That record's text: an identical record has the same id and needs no
    /// parsing (the common case on every delivery).
    #[serde(default)]
    pub last_record: Option<String>,
    /// The hold-offs after failed fetches, one per id (at most [`MAX_BACKOFFS`]).
    #[serde(default)]
    pub backoffs: Vec<Backoff>,
    /// Proactive refresh state.
    #[serde(default)]
    pub refresh: RefreshState,
}

/// The stored shape of [`CacheEntry`], before its checks.
#[derive(Deserialize)]
struct CacheEntryData {
    format: u32,
    domain: String,
    policy: Option<std::sync::Arc<CachedPolicy>>,
    last_seen_id: Option<PolicyId>,
    #[serde(default)]
    last_record: Option<String>,
    #[serde(default)]
    backoffs: Vec<Backoff>,
    #[serde(default)]
    refresh: RefreshState,
}

impl TryFrom<CacheEntryData> for CacheEntry {
    type Error = String;

    fn try_from(d: CacheEntryData) -> Result<Self, String> {
        if d.format != ENTRY_FORMAT {
            return Err(format!("unknown cache entry format {}", d.format));
        }
        if normalize_domain(&d.domain).as_deref() != Ok(d.domain.as_str()) {
            return Err(format!("cache entry domain {:?} is not a normalised domain", d.domain));
        }
        if let Some(record) = &d.last_record {
            let id = StsRecord::parse(record).map(|r| r.id()).ok();
            if id.is_none() || id != d.last_seen_id {
                return Err("cache entry's last record does not match its last seen id".to_owned());
            }
        }
        if d.backoffs.len() > MAX_BACKOFFS {
            return Err(format!("cache entry holds more than {MAX_BACKOFFS} backoffs"));
        }
        Ok(Self {
            format: d.format,
            domain: d.domain,
            policy: d.policy,
            last_seen_id: d.last_seen_id,
            last_record: d.last_record,
            backoffs: d.backoffs,
            refresh: d.refresh,
        })
    }
}

impl CacheEntry {
    fn empty(domain: String) -> Self {
        Self {
            format: ENTRY_FORMAT,
            domain,
            policy: None,
            last_seen_id: None,
            last_record: None,
            backoffs: Vec::new(),
            refresh: RefreshState::default(),
        }
    }

    /// The cached policy if it is valid at `now`.
    #[inline]
    pub fn valid_policy(&self, now: UnixTime) -> Option<&CachedPolicy> {
        self.policy.as_deref().filter(|p| p.is_valid_at(now))
    }

    /// When the next proactive refresh is due, or `None` when there is no valid
    /// policy to refresh at `now`. `jitter` (seconds, chosen by the host, for
    /// example at random or from a hash of the domain) spreads refreshes out.
    pub fn refresh_due_at(&self, now: UnixTime, config: &CacheConfig, jitter: u64) -> Option<UnixTime> {
        let cached = self.valid_policy(now)?;
        let due = match self.refresh.last_failure {
            Some(failed) if self.refresh.failures > 0 => failed.saturating_add(config.refresh_retry),
            _ => cached
                .fetched_at
                .saturating_add(config.refresh_interval)
                .saturating_add(jitter),
        };
        Some(due)
    }

    /// Whether a proactive refresh is due at `now`.
    pub fn is_refresh_due(&self, now: UnixTime, config: &CacheConfig, jitter: u64) -> bool {
        self.refresh_due_at(now, config, jitter).is_some_and(|due| now >= due)
    }

    /// Whether the entry holds nothing worth keeping at `now`: no valid policy
    /// and no hold-off in force.
    #[inline]
    pub fn is_empty_at(&self, now: UnixTime) -> bool {
        self.valid_policy(now).is_none() && !self.backoffs.iter().any(|b| now < b.retry_at)
    }

    /// The hold-off in force at `now` for a fetch of `id`, if any: the one of that
    /// id, or, while [`MAX_BACKOFFS`] ids are held off, the earliest to end.
    pub fn backoff_for(&self, id: PolicyId, now: UnixTime) -> Option<&Backoff> {
        let active = || self.backoffs.iter().filter(move |b| now < b.retry_at);
        active().find(|b| b.id == id).or_else(|| {
            if active().count() >= MAX_BACKOFFS {
                active().min_by_key(|b| b.retry_at)
            } else {
                None
            }
        })
    }
}

/// What the host should do with its stored entry after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreAction {
    /// Nothing changed; no write needed.
    Unchanged,
    /// Store [`Outcome::entry`] (replacing what was there).
    Put,
    /// Delete the stored entry.
    Delete,
}

/// Why no policy applies.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoPolicyReason {
    /// The domain name is not valid.
    InvalidDomain,
    /// No usable TXT record (none, several, or an invalid one) and nothing cached.
    NoRecord(DiscoveryError),
    /// The TXT lookup failed temporarily and nothing is cached.
    TxtTemporaryFailure,
    /// The fetch failed and nothing valid is cached.
    FetchFailed(ResultType),
    /// A fetch of this id failed recently; the next is allowed at `retry_at`.
    Backoff {
        /// When the next fetch is allowed.
        retry_at: UnixTime,
    },
    /// The policy in force is `mode: none`.
    ModeNone,
}

/// A policy-fetch failure to report through TLS-RPT (RFC 8461 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchReport {
    /// The RFC 8460 result type.
    pub result_type: ResultType,
    /// What happened, for the `failure-reason-code`.
    pub reason: String,
    /// The policy id whose fetch failed.
    pub id: PolicyId,
}

/// An alert for administrators: refreshing a policy that is not `none` keeps
/// failing (RFC 8461 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshAlert {
    /// Failed refreshes in a row.
    pub failures: u32,
    /// Seconds left before the cached policy expires.
    pub expires_in: u64,
    /// The result type of the last failure.
    pub result_type: ResultType,
    /// What happened.
    pub reason: String,
}

/// The answer of [`recheck_before_permanent_failure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecheckDecision {
    /// A new policy was fetched: retry the delivery under it.
    RetryWithNewPolicy,
    /// No new policy: keep treating the failure as transient (RFC 5321
    /// §4.5.4.1 retry rules apply).
    KeepTransient,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Lookup,
    Refresh,
    Recheck,
}

/// The end of a step chain.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The entry as it stands after the step (possibly empty).
    entry: CacheEntry,
    store: StoreAction,
    no_policy: Option<NoPolicyReason>,
    fetched: bool,
    reports: Vec<FetchReport>,
    alerts: Vec<RefreshAlert>,
    next_fetch_at: Option<UnixTime>,
    decision: Option<RecheckDecision>,
}

impl Outcome {
    /// The policy to apply, or `None` (see [`Outcome::no_policy_reason`]).
    #[inline]
    pub fn policy(&self) -> Option<&Policy> {
        self.cached_policy().map(|c| &c.policy)
    }

    /// The cached policy applied, with its id, text and expiry.
    #[inline]
    pub fn cached_policy(&self) -> Option<&CachedPolicy> {
        match self.no_policy {
            Some(_) => None,
            None => self.entry.policy.as_deref(),
        }
    }

    /// Why no policy applies, when none does.
    pub fn no_policy_reason(&self) -> Option<&NoPolicyReason> {
        self.no_policy.as_ref()
    }

    /// What to do with the stored entry.
    #[inline]
    pub fn store(&self) -> StoreAction {
        self.store
    }

    /// The entry as it now stands, whatever [`Outcome::store`] says (an entry to
    /// be deleted is shown as it was left).
    pub fn entry(&self) -> &CacheEntry {
        &self.entry
    }

    /// The entry to store: `Some` exactly when [`Outcome::store`] is
    /// [`StoreAction::Put`].
    pub fn into_entry(self) -> Option<CacheEntry> {
        (self.store == StoreAction::Put).then_some(self.entry)
    }

    /// The entry as the step left it, whatever [`Outcome::store`] says. A host
    /// that keeps entries in memory can move an entry out of its map, run the
    /// lookup, and put this back on [`StoreAction::Unchanged`], with no clone
    /// on the hot path. On [`StoreAction::Delete`] it holds nothing worth keeping.
    #[inline]
    pub fn take_entry(self) -> CacheEntry {
        self.entry
    }

    /// Whether the machine asked for a fetch.
    pub fn fetched(&self) -> bool {
        self.fetched
    }

    /// Fetch failures to report through TLS-RPT.
    pub fn reports(&self) -> &[FetchReport] {
        &self.reports
    }

    /// Alerts for administrators.
    pub fn alerts(&self) -> &[RefreshAlert] {
        &self.alerts
    }

    /// When a fetch held off by the backoff is next allowed.
    pub fn next_fetch_at(&self) -> Option<UnixTime> {
        self.next_fetch_at
    }

    /// The decision of [`recheck_before_permanent_failure`] (`None` for the
    /// other entry points).
    pub fn decision(&self) -> Option<RecheckDecision> {
        self.decision
    }
}

/// The next thing the machine needs. It borrows the [`CacheConfig`] it was
/// started with.
#[derive(Debug)]
pub enum Step<'c> {
    /// Look up the `_mta-sts` TXT records.
    ResolveTxt(NeedTxt<'c>),
    /// Fetch the policy.
    Fetch(NeedFetch<'c>),
    /// Finished.
    Done(Outcome),
}

#[derive(Debug)]
struct Machine<'c> {
    purpose: Purpose,
    entry: CacheEntry,
    existed: bool,
    dirty: bool,
    now: UnixTime,
    config: &'c CacheConfig,
    fetched: bool,
    fresh: bool,
    reports: Vec<FetchReport>,
    alerts: Vec<RefreshAlert>,
    next_fetch_at: Option<UnixTime>,
}

/// The machine waits for the TXT answer of [`NeedTxt::txt_name`].
#[derive(Debug)]
pub struct NeedTxt<'c> {
    m: Machine<'c>,
}

/// The machine waits for the result of fetching [`NeedFetch::url`].
#[derive(Debug)]
pub struct NeedFetch<'c> {
    m: Machine<'c>,
    id: PolicyId,
}

/// Starts a lookup of the policy that applies to `domain` at `now`. `entry` is
/// what the host's store holds for the domain (its domain is used when given).
#[inline]
pub fn lookup<'c>(entry: Option<CacheEntry>, domain: &str, now: UnixTime, config: &'c CacheConfig) -> Step<'c> {
    start(entry, domain, now, config, Purpose::Lookup)
}

/// Starts the check that must precede a permanent failure under `enforce`
/// (RFC 8461 §5, §5.1 step 3): the TXT id is looked up again and, if it changed,
/// the new policy fetched. The outcome's [`Outcome::decision`] says whether to
/// retry under a new policy or keep treating the failure as transient.
pub fn recheck_before_permanent_failure<'c>(
    entry: Option<CacheEntry>,
    domain: &str,
    now: UnixTime,
    config: &'c CacheConfig,
) -> Step<'c> {
    start(entry, domain, now, config, Purpose::Recheck)
}

/// Starts a proactive refresh: the cached policy is refetched whatever the TXT
/// record says; a valid result replaces it and resets its expiry. `None` when
/// there is no valid policy to refresh. Check [`CacheEntry::is_refresh_due`]
/// first: this does not.
pub fn refresh(entry: CacheEntry, now: UnixTime, config: &CacheConfig) -> Option<NeedFetch<'_>> {
    let id = entry.valid_policy(now)?.id;
    Some(NeedFetch {
        m: Machine::new(entry, true, now, config, Purpose::Refresh),
        id,
    })
}

#[inline]
fn start<'c>(
    entry: Option<CacheEntry>,
    domain: &str,
    now: UnixTime,
    config: &'c CacheConfig,
    purpose: Purpose,
) -> Step<'c> {
    let (entry, existed) = match entry {
        Some(entry) => (entry, true),
        None => match normalize_domain(domain) {
            Ok(domain) => (CacheEntry::empty(domain), false),
            Err(_) => {
                return Step::Done(Outcome {
                    entry: CacheEntry::empty(domain.to_owned()),
                    store: StoreAction::Unchanged,
                    no_policy: Some(NoPolicyReason::InvalidDomain),
                    fetched: false,
                    reports: Vec::new(),
                    alerts: Vec::new(),
                    next_fetch_at: None,
                    decision: (purpose == Purpose::Recheck).then_some(RecheckDecision::KeepTransient),
                })
            }
        },
    };
    let mut m = Machine::new(entry, existed, now, config, purpose);
    if m.entry.policy.as_ref().is_some_and(|p| !p.is_valid_at(now)) {
        // Expired: never applied again; only a fresh fetch brings a policy back.
        m.entry.policy = None;
        m.entry.refresh = RefreshState::default();
        m.dirty = true;
    }
    Step::ResolveTxt(NeedTxt { m })
}

impl<'c> Machine<'c> {
    #[inline]
    fn new(entry: CacheEntry, existed: bool, now: UnixTime, config: &'c CacheConfig, purpose: Purpose) -> Self {
        Self {
            purpose,
            entry,
            existed,
            dirty: false,
            now,
            config,
            fetched: false,
            fresh: false,
            reports: Vec::new(),
            alerts: Vec::new(),
            next_fetch_at: None,
        }
    }

    #[inline]
    fn finish(mut self, no_policy_if_uncached: Option<NoPolicyReason>, decision: RecheckDecision) -> Outcome {
        let now = self.now;
        // A policy applies while valid; one fetched in this very step applies to
        // this delivery even with max_age 0 (it is live, not cached).
        let fresh = self.fresh;
        let applicable = self.entry.policy.as_deref().filter(|p| fresh || p.is_valid_at(now));
        let no_policy = match applicable {
            Some(c) if c.policy.mode() == Mode::None => Some(NoPolicyReason::ModeNone),
            Some(_) => None,
            None => Some(no_policy_if_uncached.unwrap_or(NoPolicyReason::TxtTemporaryFailure)),
        };
        let before = self.entry.backoffs.len();
        self.entry.backoffs.retain(|b| now < b.retry_at);
        if self.entry.backoffs.len() != before {
            self.dirty = true;
        }
        let store = if self.entry.is_empty_at(now) {
            if self.existed {
                StoreAction::Delete
            } else {
                StoreAction::Unchanged
            }
        } else if self.dirty || !self.existed {
            StoreAction::Put
        } else {
            StoreAction::Unchanged
        };
        Outcome {
            entry: self.entry,
            store,
            no_policy,
            fetched: self.fetched,
            reports: self.reports,
            alerts: self.alerts,
            next_fetch_at: self.next_fetch_at,
            decision: (self.purpose == Purpose::Recheck).then_some(decision),
        }
    }
}

impl<'c> NeedTxt<'c> {
    /// The policy domain.
    pub fn domain(&self) -> &str {
        &self.m.entry.domain
    }

    /// The name to look up: `_mta-sts.<domain>`. CNAMEs must be followed (§3.1).
    pub fn txt_name(&self) -> String {
        let domain = &self.m.entry.domain;
        let mut name = String::with_capacity(domain.len() + 9);
        name.push_str("_mta-sts.");
        name.push_str(domain);
        name
    }

    /// The TXT records of the answer, each with its strings concatenated.
    pub fn records<I>(mut self, records: I) -> Step<'c>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        // The discovery rule of RFC 8461 §3.1, with one shortcut: a record
        // identical to the last valid one seen has that one's id.
        let record = match single_sts_record(records) {
            Ok(record) => record,
            Err(e) => return self.no_usable_record(e),
        };
        let bytes = record.as_ref();
        if let (Some(id), Some(last)) = (self.m.entry.last_seen_id, self.m.entry.last_record.as_deref()) {
            if last.as_bytes() == bytes {
                return self.valid_record(id);
            }
        }
        match StsRecord::parse(bytes) {
            Ok(parsed) => {
                self.m.entry.last_record = std::str::from_utf8(bytes).ok().map(str::to_owned);
                self.m.dirty = true;
                self.valid_record(parsed.id())
            }
            Err(e) => self.no_usable_record(DiscoveryError::Invalid(e)),
        }
    }

    #[inline]
    fn no_usable_record(self, e: DiscoveryError) -> Step<'c> {
        Step::Done(
            self.m
                .finish(Some(NoPolicyReason::NoRecord(e)), RecheckDecision::KeepTransient),
        )
    }

    /// The name does not exist (NXDOMAIN) or has no TXT records (NODATA).
    pub fn no_record(self) -> Step<'c> {
        Step::Done(self.m.finish(
            Some(NoPolicyReason::NoRecord(DiscoveryError::NoRecord)),
            RecheckDecision::KeepTransient,
        ))
    }

    /// The lookup failed temporarily (SERVFAIL, timeout).
    pub fn temporary_failure(self) -> Step<'c> {
        Step::Done(self.m.finish(
            Some(NoPolicyReason::TxtTemporaryFailure),
            RecheckDecision::KeepTransient,
        ))
    }

    #[inline]
    fn valid_record(mut self, id: PolicyId) -> Step<'c> {
        let m = &mut self.m;
        if m.entry.last_seen_id != Some(id) {
            m.entry.last_seen_id = Some(id);
            m.dirty = true;
        }
        if m.entry.valid_policy(m.now).is_some_and(|c| c.id == id) {
            return Step::Done(self.m.finish(None, RecheckDecision::KeepTransient));
        }
        if let Some(b) = m.entry.backoff_for(id, m.now).copied() {
            m.next_fetch_at = Some(b.retry_at);
            let reason = NoPolicyReason::Backoff { retry_at: b.retry_at };
            return Step::Done(self.m.finish(Some(reason), RecheckDecision::KeepTransient));
        }
        Step::Fetch(NeedFetch { m: self.m, id })
    }
}

impl<'c> NeedFetch<'c> {
    /// The policy domain.
    pub fn domain(&self) -> &str {
        &self.m.entry.domain
    }

    /// The TXT id the fetch is for.
    pub fn id(&self) -> PolicyId {
        self.id
    }

    /// The policy host (URL and rustls server name).
    pub fn policy_host(&self) -> Result<PolicyHost, crate::DomainError> {
        PolicyHost::for_domain(&self.m.entry.domain)
    }

    /// The URL to GET, without following redirects and without HTTP caching.
    pub fn url(&self) -> String {
        crate::fetch::url_of_normalized_domain(&self.m.entry.domain)
    }

    /// The rules the response will be checked against (the body limit to read to).
    pub fn rules(&self) -> &FetchRules {
        &self.m.config.fetch_rules
    }

    /// The fetch gave a response.
    pub fn response(self, response: FetchResponse<'_>) -> Outcome {
        let checked = check_response(&response, &self.m.config.fetch_rules)
            .map(|parsed| (parsed.policy, String::from_utf8_lossy(response.body).into_owned()));
        self.finish(checked)
    }

    /// The fetch failed before a response (certificate, timeout, connection,
    /// a body over the limit).
    pub fn error(self, error: FetchError) -> Outcome {
        self.finish(Err(error))
    }

    /// Either of the above.
    pub fn result(self, result: Result<FetchResponse<'_>, FetchError>) -> Outcome {
        match result {
            Ok(response) => self.response(response),
            Err(error) => self.error(error),
        }
    }

    fn finish(self, result: Result<(Policy, String), FetchError>) -> Outcome {
        let NeedFetch { mut m, id } = self;
        let now = m.now;
        m.fetched = true;
        m.dirty = true;
        match result {
            Ok((policy, text)) => {
                let expires_at = now.saturating_add(policy.max_age());
                m.entry.policy = Some(std::sync::Arc::new(CachedPolicy {
                    policy,
                    text,
                    id,
                    fetched_at: now,
                    expires_at,
                }));
                m.entry.backoffs.retain(|b| b.id != id);
                m.entry.refresh = RefreshState::default();
                m.fresh = true;
                m.finish(None, RecheckDecision::RetryWithNewPolicy)
            }
            Err(error) => {
                let result_type = ResultType::from(error.failure_type());
                let reason = error.to_string();
                let cached_mode = m.entry.valid_policy(now).map(|c| c.policy.mode());
                if m.purpose == Purpose::Refresh {
                    m.entry.refresh.failures = m.entry.refresh.failures.saturating_add(1);
                    m.entry.refresh.last_failure = Some(now);
                    if cached_mode.is_some_and(|mode| mode != Mode::None) {
                        m.reports.push(FetchReport {
                            result_type,
                            reason: reason.clone(),
                            id,
                        });
                        if m.entry.refresh.failures >= m.config.alert_after_failures {
                            let expires_in = m.entry.valid_policy(now).map_or(0, |c| c.expires_at - now);
                            m.alerts.push(RefreshAlert {
                                failures: m.entry.refresh.failures,
                                expires_in,
                                result_type,
                                reason,
                            });
                        }
                    }
                } else {
                    let failures = m
                        .entry
                        .backoffs
                        .iter()
                        .find(|b| b.id == id)
                        .map_or(1, |b| b.failures.saturating_add(1));
                    let retry_at = now.saturating_add(m.config.fetch_backoff);
                    m.entry.backoffs.retain(|b| b.id != id && now < b.retry_at);
                    if m.entry.backoffs.len() >= MAX_BACKOFFS {
                        // Cannot happen (fetches stop while the list is full), but
                        // keep the bound even for a tampered entry.
                        m.entry.backoffs.sort_by_key(|b| std::cmp::Reverse(b.retry_at));
                        m.entry.backoffs.truncate(MAX_BACKOFFS - 1);
                    }
                    m.entry.backoffs.push(Backoff {
                        id,
                        failed_at: now,
                        retry_at,
                        failures,
                    });
                    m.next_fetch_at = Some(retry_at);
                    // A valid TXT record was present: the failure is reportable
                    // (RFC 8461 §6), whether or not a policy is cached.
                    m.reports.push(FetchReport {
                        result_type,
                        reason,
                        id,
                    });
                }
                m.finish(
                    Some(NoPolicyReason::FetchFailed(result_type)),
                    RecheckDecision::KeepTransient,
                )
            }
        }
    }
}
