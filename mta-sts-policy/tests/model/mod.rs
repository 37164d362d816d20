//! A small reference model of the policy cache, and a driver that runs the real
//! machine beside it over a sequence of events, checking that both agree and
//! that the invariants hold:
//!
//! (a) an unexpired `enforce` or `testing` policy is never dropped or replaced
//!     except by a successfully fetched, valid policy;
//! (b) an expired policy is never applied;
//! (c) at most one fetch per id per backoff period;
//! (d) a `mode: none` policy is never applied as if it were enforce or testing;
//! (e) the entry to store always round-trips through serde.
//!
//! Shared by the property test (`tests/cache_model.rs`) and the fuzz target
//! (`fuzz/fuzz_targets/cache_machine.rs`). Each event is six bytes, so both can
//! feed it from their own randomness.

use std::collections::HashMap;

use mta_sts_policy::{
    lookup, recheck_before_permanent_failure, refresh, CacheConfig, CacheEntry, FetchError, FetchResponse, Mode,
    Outcome, Step, StoreAction,
};

const DOMAIN: &str = "example.com";

/// One event: `[dt, kind, txt, fetch, mode, max_age]`.
pub type Event = [u8; 6];

const DTS: [u64; 12] = [
    0, 1, 59, 299, 300, 301, 3_599, 3_600, 86_399, 86_400, 604_800, 31_557_600,
];
const MAX_AGES: [u64; 6] = [0, 1, 300, 3_600, 86_400, 604_800];
const IDS: [&str; 3] = ["a1", "b2", "c3"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ModelPolicy {
    mode: Mode,
    id: &'static str,
    expires_at: u64,
}

#[derive(Debug, Default)]
struct Model {
    cached: Option<ModelPolicy>,
    /// Hold-off end per id (only three ids exist, far below MAX_BACKOFFS).
    backoff: HashMap<&'static str, u64>,
}

#[derive(Clone, Copy, Debug)]
enum Txt {
    Id(&'static str),
    None,
    TempFail,
    Invalid,
}

#[derive(Clone, Copy, Debug)]
enum Fetch {
    Ok(Mode, u64),
    Timeout,
    Certificate,
    NotFound,
    Garbage,
}

impl Fetch {
    fn succeeds(self) -> bool {
        matches!(self, Fetch::Ok(..))
    }
}

fn decode(e: &Event) -> (u64, u8, Txt, Fetch) {
    let [dt, kind, txt, fetch, mode, max_age] = *e;
    let dt = DTS[usize::from(dt) % DTS.len()] + u64::from(dt / 12 % 4);
    let txt = match txt % 6 {
        0..=2 => Txt::Id(IDS[usize::from(txt / 6) % IDS.len()]),
        3 => Txt::None,
        4 => Txt::TempFail,
        _ => Txt::Invalid,
    };
    let mode = match mode % 3 {
        0 => Mode::Enforce,
        1 => Mode::Testing,
        _ => Mode::None,
    };
    let fetch = match fetch % 6 {
        0 | 1 => Fetch::Ok(mode, MAX_AGES[usize::from(max_age) % MAX_AGES.len()]),
        2 => Fetch::Timeout,
        3 => Fetch::Certificate,
        4 => Fetch::NotFound,
        _ => Fetch::Garbage,
    };
    (dt, kind % 4, txt, fetch)
}

fn body(mode: Mode, max_age: u64) -> String {
    let mx = if mode == Mode::None { "" } else { "mx: mx.example.com\n" };
    format!("version: STSv1\nmode: {mode}\n{mx}max_age: {max_age}\n")
}

fn answer_fetch(f: mta_sts_policy::NeedFetch, fetch: Fetch) -> Outcome {
    match fetch {
        Fetch::Ok(mode, max_age) => {
            let text = body(mode, max_age);
            f.response(FetchResponse {
                status: 200,
                content_type: Some("text/plain; charset=utf-8"),
                body: text.as_bytes(),
            })
        }
        Fetch::Timeout => f.error(FetchError::Timeout),
        Fetch::Certificate => f.error(FetchError::Certificate("unknown issuer".into())),
        Fetch::NotFound => f.response(FetchResponse {
            status: 404,
            content_type: Some("text/html"),
            body: b"not found",
        }),
        Fetch::Garbage => f.response(FetchResponse {
            status: 200,
            content_type: Some("text/plain"),
            body: b"version: STSv1\nmode: sometimes\n",
        }),
    }
}

impl Model {
    fn valid(&self, now: u64) -> Option<ModelPolicy> {
        self.cached.filter(|c| now < c.expires_at)
    }

    /// What the model applies: (mode, id) of an enforce/testing policy, or None.
    fn applied(p: Option<ModelPolicy>) -> Option<(Mode, &'static str)> {
        p.filter(|p| p.mode != Mode::None).map(|p| (p.mode, p.id))
    }

    /// Returns (applied, fetched).
    fn lookup(&mut self, now: u64, txt: Txt, fetch: Fetch, backoff: u64) -> (Option<(Mode, &'static str)>, bool) {
        if self.valid(now).is_none() {
            self.cached = None;
        }
        let Txt::Id(id) = txt else {
            return (Self::applied(self.valid(now)), false);
        };
        if self.valid(now).is_some_and(|c| c.id == id) {
            return (Self::applied(self.valid(now)), false);
        }
        if self.backoff.get(id).is_some_and(|&retry| now < retry) {
            return (Self::applied(self.valid(now)), false);
        }
        match fetch {
            Fetch::Ok(mode, max_age) => {
                let p = ModelPolicy {
                    mode,
                    id,
                    expires_at: now + max_age,
                };
                self.cached = Some(p);
                self.backoff.remove(id);
                (Self::applied(Some(p)), true)
            }
            _ => {
                self.backoff.insert(id, now + backoff);
                (Self::applied(self.valid(now)), true)
            }
        }
    }

    fn refresh(&mut self, now: u64, fetch: Fetch) -> (Option<(Mode, &'static str)>, bool) {
        let Some(current) = self.valid(now) else {
            return (None, false);
        };
        if let Fetch::Ok(mode, max_age) = fetch {
            let p = ModelPolicy {
                mode,
                id: current.id,
                expires_at: now + max_age,
            };
            self.cached = Some(p);
            self.backoff.remove(current.id);
            return (Self::applied(Some(p)), true);
        }
        (Self::applied(Some(current)), true)
    }
}

/// Runs the events through the machine and the model; `Err` describes the first
/// disagreement or broken invariant.
pub fn run(events: &[Event]) -> Result<(), String> {
    let config = CacheConfig::default();
    let mut store: Option<CacheEntry> = None;
    let mut model = Model::default();
    let mut now = 0u64;
    let mut last_failed_fetch: HashMap<String, u64> = HashMap::new();
    for (step, e) in events.iter().enumerate() {
        let (dt, kind, txt, fetch) = decode(e);
        now += dt;
        let before = store.clone();
        let before_valid = before
            .as_ref()
            .and_then(|e| e.valid_policy(now))
            .filter(|c| c.policy.mode() != Mode::None)
            .cloned();
        let ctx = |what: &str| format!("step {step} at {now} ({kind}, {txt:?}, {fetch:?}): {what}");

        let (outcome, fetched_id) = if kind == 3 {
            // Proactive refresh.
            match store.clone().and_then(|e| refresh(e, now, &config)) {
                Some(f) => {
                    let id = f.id().as_str().to_owned();
                    (Some(answer_fetch(f, fetch)), Some((id, false)))
                }
                None => (None, None),
            }
        } else {
            let start = if kind == 2 {
                recheck_before_permanent_failure(store.clone(), DOMAIN, now, &config)
            } else {
                lookup(store.clone(), DOMAIN, now, &config)
            };
            let Step::ResolveTxt(need) = start else {
                return Err(ctx("did not ask for TXT"));
            };
            let step = match txt {
                Txt::Id(id) => need.records(["v=spf1 -all".to_owned(), format!("v=STSv1; id={id}")]),
                Txt::None => need.no_record(),
                Txt::TempFail => need.temporary_failure(),
                Txt::Invalid => need.records(["v=STSv1; id=bad id"]),
            };
            match step {
                Step::Done(o) => (Some(o), None),
                Step::Fetch(f) => {
                    let id = f.id().as_str().to_owned();
                    (Some(answer_fetch(f, fetch)), Some((id, true)))
                }
                Step::ResolveTxt(_) => return Err(ctx("asked for TXT twice")),
            }
        };

        let (expected, expected_fetch) = if kind == 3 {
            model.refresh(now, fetch)
        } else {
            model.lookup(now, txt, fetch, config.fetch_backoff)
        };

        let Some(outcome) = outcome else {
            if expected_fetch {
                return Err(ctx("the model refreshed, the machine had nothing to refresh"));
            }
            continue;
        };

        // Agreement with the model.
        let applied = outcome
            .cached_policy()
            .map(|c| (c.policy.mode(), c.id.as_str().to_owned()));
        let expected_applied = expected.map(|(m, id)| (m, id.to_owned()));
        if applied != expected_applied {
            return Err(ctx(&format!("applied {applied:?}, model {expected_applied:?}")));
        }
        if outcome.fetched() != expected_fetch {
            return Err(ctx(&format!("fetched {}, model {expected_fetch}", outcome.fetched())));
        }

        // (b) never an expired policy, unless fetched in this very step.
        if let Some(c) = outcome.cached_policy() {
            if !(c.is_valid_at(now) || (outcome.fetched() && c.fetched_at == now)) {
                return Err(ctx("applied an expired policy"));
            }
            // (d) a none policy is never applied.
            if c.policy.mode() == Mode::None || outcome.policy().is_some_and(|p| p.mode() == Mode::None) {
                return Err(ctx("applied a mode none policy"));
            }
        }

        // (c) at most one fetch per id per backoff period (lookups and rechecks).
        if let Some((id, true)) = &fetched_id {
            if let Some(&t) = last_failed_fetch.get(id) {
                if now < t + config.fetch_backoff {
                    return Err(ctx(&format!("fetched id {id} again {}s after a failure", now - t)));
                }
            }
            let succeeded = fetch.succeeds();
            if succeeded {
                last_failed_fetch.remove(id);
            } else {
                last_failed_fetch.insert(id.clone(), now);
            }
        }

        let did_fetch = outcome.fetched();
        // Apply the store action.
        match outcome.store() {
            StoreAction::Unchanged => {}
            StoreAction::Delete => store = None,
            StoreAction::Put => {
                let entry = outcome.into_entry().ok_or_else(|| ctx("Put without an entry"))?;
                // (e) serde round trip.
                let json = serde_json::to_string(&entry).map_err(|e| ctx(&e.to_string()))?;
                let back: CacheEntry = serde_json::from_str(&json).map_err(|e| ctx(&e.to_string()))?;
                if back != entry {
                    return Err(ctx("entry changed through serde"));
                }
                store = Some(back);
            }
        }

        // (a) an unexpired enforce/testing policy survives unless replaced by a fetch.
        if let Some(prev) = before_valid {
            let after = store.as_ref().and_then(|e| e.policy.as_deref());
            let kept = after == Some(&prev);
            // A successful fetch replaces it; one of max_age 0 leaves nothing to store.
            let zero_age = matches!(fetch, Fetch::Ok(_, 0));
            let replaced_by_fetch = did_fetch
                && fetch.succeeds()
                && (after.is_some_and(|a| a.fetched_at == now) || (after.is_none() && zero_age));
            if !(kept || replaced_by_fetch) {
                return Err(ctx(&format!("valid policy {} lost: now {after:?}", prev.id)));
            }
        }
    }
    Ok(())
}
