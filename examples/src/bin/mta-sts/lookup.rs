//! `mta-sts lookup`: the live policy of a domain, through the engine with the
//! hickory resolver and the rustls fetcher.

use std::net::SocketAddr;
use std::time::Duration;

use mta_sts_policy::NoPolicyReason;
use mta_sts_resolver_trait::adapters::hickory_resolver::config::ResolverOpts;
use mta_sts_resolver_trait::adapters::{HickoryResolver, RustlsFetcher};
use mta_sts_resolver_trait::{Engine, EngineConfig, Lookup, MemoryStore};
use serde_json::json;

use crate::{print, Failure};

fn why(lookup: &Lookup) -> String {
    match lookup.no_policy_reason() {
        Some(NoPolicyReason::InvalidDomain) => "not a valid domain name".into(),
        Some(NoPolicyReason::NoRecord(e)) => format!("no usable _mta-sts record: {e}"),
        Some(NoPolicyReason::TxtTemporaryFailure) => "the _mta-sts TXT lookup failed temporarily".into(),
        Some(NoPolicyReason::FetchFailed(t)) => format!("the policy fetch failed ({t})"),
        Some(NoPolicyReason::Backoff { .. }) => "the policy fetch is held off".into(),
        Some(NoPolicyReason::ModeNone) => "the policy is mode none".into(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

pub fn cmd_lookup(domain: &str, nameservers: &[SocketAddr], timeout: u64, as_json: bool) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(lookup(
        domain,
        nameservers,
        Duration::from_secs(timeout.max(1)),
        as_json,
    ))
}

async fn lookup(domain: &str, nameservers: &[SocketAddr], timeout: Duration, as_json: bool) -> Result<(), Failure> {
    let resolver = if nameservers.is_empty() {
        HickoryResolver::from_system_conf()
    } else {
        let mut options = ResolverOpts::default();
        options.timeout = timeout;
        options.attempts = 1;
        HickoryResolver::with_name_servers_and_options(nameservers, options)
    }
    .map_err(|e| Failure::Io(format!("DNS resolver: {e}")))?;
    let fetcher = RustlsFetcher::new().map_err(|e| Failure::Io(e.to_string()))?;
    let config = EngineConfig {
        dns_timeout: timeout,
        fetch_timeout: timeout,
        ..EngineConfig::default()
    };
    let engine = Engine::with_config(resolver, fetcher, MemoryStore::new(1), config);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let lookup = engine.policy(domain, now).await;
    let rpt = engine.tls_rpt_record(lookup.domain()).await;

    let reports: Vec<_> = lookup
        .outcome()
        .reports()
        .iter()
        .map(|r| (r.result_type.as_str(), r.reason.as_str()))
        .collect();
    if as_json {
        let policy = lookup.cached_policy().map(|c| {
            json!({
                "mode": c.policy.mode().to_string(),
                "id": c.id.as_str(),
                "max_age": c.policy.max_age(),
                "mx": c.policy.mx().iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            })
        });
        let tls_rpt = match &rpt {
            Ok(r) => json!({ "rua": r.rua.iter().map(|u| u.to_string()).collect::<Vec<_>>() }),
            Err(e) => json!({ "error": e.to_string() }),
        };
        let out = json!({
            "domain": lookup.domain(),
            "policy": policy,
            "no_policy": lookup.policy().is_none().then(|| why(&lookup)),
            "reports": reports.iter().map(|(t, r)| json!({"result_type": t, "reason": r})).collect::<Vec<_>>(),
            "tls_rpt": tls_rpt,
        });
        print(&format!("{out}\n"))?;
    } else {
        let mut text = format!("domain: {}\n", lookup.domain());
        match lookup.cached_policy() {
            Some(c) => {
                text.push_str(&format!(
                    "policy: {} (id {}, max_age {} s)\n",
                    c.policy.mode(),
                    c.id,
                    c.policy.max_age()
                ));
                for p in c.policy.mx() {
                    text.push_str(&format!("mx: {p}\n"));
                }
            }
            None => text.push_str(&format!("no policy: {}\n", why(&lookup))),
        }
        for (t, r) in &reports {
            text.push_str(&format!("report: {t}: {r}\n"));
        }
        match &rpt {
            Ok(r) => {
                for u in &r.rua {
                    text.push_str(&format!("tls-rpt: {u}\n"));
                }
            }
            Err(e) => text.push_str(&format!("tls-rpt: none ({e})\n")),
        }
        print(&text)?;
    }
    if lookup.policy().is_some() {
        Ok(())
    } else {
        Err(Failure::Invalid(Vec::new()))
    }
}
