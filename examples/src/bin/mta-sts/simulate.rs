//! `mta-sts simulate`: replays a scenario through the policy cache machine.

use mta_sts_policy::{
    lookup, recheck_before_permanent_failure, refresh, CacheConfig, CacheEntry, FetchError, FetchResponse, NeedFetch,
    Outcome, RecheckDecision, Step, StoreAction,
};
use serde_json::{json, Value};

enum Kind {
    Lookup,
    Refresh,
    Recheck,
}

enum Txt {
    Records(Vec<String>),
    NxDomain,
    Temporary,
}

enum Fetch {
    Response {
        status: u16,
        content_type: Option<String>,
        body: String,
    },
    Error(FetchError),
}

struct ScenarioStep {
    at: u64,
    kind: Kind,
    txt: Option<Txt>,
    fetch: Option<Fetch>,
}

fn parse_txt(v: &Value) -> Result<Txt, String> {
    match v {
        Value::String(s) if s == "nxdomain" => Ok(Txt::NxDomain),
        Value::Array(items) => items
            .iter()
            .map(|r| r.as_str().map(str::to_owned).ok_or("txt records must be strings"))
            .collect::<Result<Vec<_>, _>>()
            .map(Txt::Records)
            .map_err(str::to_owned),
        Value::Object(o) if o.get("error").and_then(Value::as_str) == Some("temporary") => Ok(Txt::Temporary),
        _ => Err("txt must be a list of records, \"nxdomain\" or {\"error\":\"temporary\"}".to_owned()),
    }
}

fn parse_fetch(v: &Value) -> Result<Fetch, String> {
    let o = v.as_object().ok_or("fetch must be an object")?;
    if let Some(err) = o.get("error") {
        return match err.as_str() {
            Some("timeout") => Ok(Fetch::Error(FetchError::Timeout)),
            Some("connect") => Ok(Fetch::Error(FetchError::Connect(
                "connection refused (simulated)".into(),
            ))),
            Some("certificate") => Ok(Fetch::Error(FetchError::Certificate(
                "invalid certificate (simulated)".into(),
            ))),
            _ => Err("fetch error must be \"timeout\", \"connect\" or \"certificate\"".to_owned()),
        };
    }
    let status = o
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("fetch needs a numeric status (or an error)")?;
    let content_type = match o.get("content_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("content_type must be a string".to_owned()),
    };
    let body = match o.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("body must be a string".to_owned()),
    };
    Ok(Fetch::Response {
        status,
        content_type,
        body,
    })
}

fn parse_step(v: &Value) -> Result<ScenarioStep, String> {
    let o = v.as_object().ok_or("a step must be an object")?;
    let at = o
        .get("at")
        .and_then(Value::as_u64)
        .ok_or("\"at\" must be a non-negative integer")?;
    let kind = match o.get("kind").map(|k| k.as_str()) {
        None | Some(Some("lookup")) => Kind::Lookup,
        Some(Some("refresh")) => Kind::Refresh,
        Some(Some("before-permanent-failure")) => Kind::Recheck,
        _ => return Err("kind must be \"lookup\", \"refresh\" or \"before-permanent-failure\"".to_owned()),
    };
    let txt = o.get("txt").map(parse_txt).transpose()?;
    if txt.is_none() && !matches!(kind, Kind::Refresh) {
        return Err("this kind of step needs \"txt\"".to_owned());
    }
    let fetch = o.get("fetch").map(parse_fetch).transpose()?;
    Ok(ScenarioStep { at, kind, txt, fetch })
}

fn answer_fetch(f: NeedFetch, fetch: Option<&Fetch>) -> Result<Outcome, String> {
    match fetch {
        None => Err("the machine asked to fetch the policy, but the step has no \"fetch\"".to_owned()),
        Some(Fetch::Error(e)) => Ok(f.error(e.clone())),
        Some(Fetch::Response {
            status,
            content_type,
            body,
        }) => Ok(f.response(FetchResponse {
            status: *status,
            content_type: content_type.as_deref(),
            body: body.as_bytes(),
        })),
    }
}

/// A scenario that could not be run to its end.
pub struct SimulateError {
    /// The lines of the steps that ran before the error.
    pub lines: Vec<String>,
    /// The step and the reason.
    pub message: String,
}

/// Runs a scenario: one JSON line per step. The whole scenario is checked before
/// the first step runs; a step that cannot be answered (a fetch asked for that
/// the step does not give) stops the run there.
pub fn run(input: &[u8]) -> Result<Vec<String>, SimulateError> {
    let fail = |lines: Vec<String>, message: String| SimulateError { lines, message };
    let steps = parse_scenario(input).map_err(|m| fail(Vec::new(), m))?;
    let (domain, steps) = (steps.0, steps.1);
    let config = CacheConfig::default();
    let mut store: Option<CacheEntry> = None;
    let mut lines = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        match run_step(step, &domain, &config, &mut store) {
            Ok(line) => lines.push(line),
            Err(e) => return Err(fail(lines, format!("step {n}: {e}"))),
        }
    }
    Ok(lines)
}

fn parse_scenario(input: &[u8]) -> Result<(String, Vec<ScenarioStep>), String> {
    let scenario: Value = serde_json::from_slice(input).map_err(|e| format!("invalid scenario JSON: {e}"))?;
    let domain = scenario
        .get("domain")
        .and_then(Value::as_str)
        .ok_or("the scenario needs a \"domain\" string")?;
    let raw_steps = scenario
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("the scenario needs a \"steps\" list")?;
    let mut steps = Vec::with_capacity(raw_steps.len());
    let mut last_at = 0u64;
    for (i, raw) in raw_steps.iter().enumerate() {
        let n = i + 1;
        let step = parse_step(raw).map_err(|e| format!("step {n}: {e}"))?;
        if step.at < last_at {
            return Err(format!(
                "step {n}: \"at\" {} is before the previous step's {last_at}",
                step.at
            ));
        }
        last_at = step.at;
        steps.push(step);
    }
    Ok((domain.to_owned(), steps))
}

fn run_step(
    step: &ScenarioStep,
    domain: &str,
    config: &CacheConfig,
    store: &mut Option<CacheEntry>,
) -> Result<String, String> {
    let now = step.at;
    let outcome = match step.kind {
        Kind::Refresh => match store.clone().and_then(|e| refresh(e, now, config)) {
            Some(f) => Some(answer_fetch(f, step.fetch.as_ref())?),
            None => None,
        },
        Kind::Lookup | Kind::Recheck => {
            let start = if matches!(step.kind, Kind::Recheck) {
                recheck_before_permanent_failure(store.clone(), domain, now, config)
            } else {
                lookup(store.clone(), domain, now, config)
            };
            let after_txt = match start {
                Step::ResolveTxt(need) => match &step.txt {
                    Some(Txt::Records(r)) => need.records(r),
                    Some(Txt::NxDomain) => need.no_record(),
                    Some(Txt::Temporary) | None => need.temporary_failure(),
                },
                other => other,
            };
            Some(match after_txt {
                Step::Done(o) => o,
                Step::Fetch(f) => answer_fetch(f, step.fetch.as_ref())?,
                Step::ResolveTxt(_) => return Err("the machine asked for TXT twice".to_owned()),
            })
        }
    };
    let line = match &outcome {
        Some(o) => {
            let policy = match o.cached_policy() {
                Some(c) => json!({"mode": c.policy.mode().as_str(), "id": c.id.as_str(), "expires_at": c.expires_at}),
                None => Value::Null,
            };
            let reports: Vec<&str> = o.reports().iter().map(|r| r.result_type.as_str()).collect();
            let alerts: Vec<Value> = o
                .alerts()
                .iter()
                .map(|a| json!({"failures": a.failures, "expires_in": a.expires_in, "result_type": a.result_type.as_str()}))
                .collect();
            match o.decision() {
                Some(d) => {
                    let decision = match d {
                        RecheckDecision::RetryWithNewPolicy => "retry",
                        RecheckDecision::KeepTransient => "transient",
                    };
                    json!({"at": now, "policy": policy, "fetched": o.fetched(), "reports": reports, "alerts": alerts, "decision": decision})
                }
                None => {
                    json!({"at": now, "policy": policy, "fetched": o.fetched(), "reports": reports, "alerts": alerts})
                }
            }
        }
        // A refresh with nothing valid to refresh.
        None => json!({"at": now, "policy": null, "fetched": false, "reports": [], "alerts": []}),
    };
    if let Some(o) = outcome {
        match o.store() {
            StoreAction::Unchanged => {}
            StoreAction::Delete => *store = None,
            StoreAction::Put => *store = o.into_entry(),
        }
    }
    Ok(line.to_string())
}
