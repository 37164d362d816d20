//! Host-facing traits and engines for MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).
//!
//! A mail transfer agent implements (or picks) three things and asks one engine
//! "what policy applies to this domain now?":
//!
//! - a [`DnsResolver`] for TXT lookups,
//! - an [`HttpsFetcher`] for the policy GET (no redirects, no HTTP caching, the
//!   policy host as SNI),
//! - a [`CacheStore`] for the cache entries ([`MemoryStore`] is a bounded one).
//!
//! [`Engine`] drives the sans-IO cache machine of [`mta_sts_policy`] through
//! them, coalesces concurrent lookups of a domain and bounds every exchange
//! with a timeout; [`BlockingEngine`] does the same for threads without an
//! async runtime. [`report`] turns an engine's outcome and the per-MX results of
//! a delivery into the session records [`tls_rpt_schema::Aggregator`] counts,
//! and [`wire`] reads and writes DNS messages for hosts that own their sockets.
//!
//! Adapters behind cargo features: `hickory` (a [`DnsResolver`] on
//! hickory-resolver) and `https` (an [`HttpsFetcher`] on hyper and rustls), each
//! with a blocking twin.
//!
//! All times are seconds since the Unix epoch, passed in by the caller, so a
//! host (or a test) owns the clock.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod dns;
mod engine;
mod https;
pub mod report;
mod store;
mod timer;
pub mod wire;

pub mod adapters;

pub use dns::{BlockingDnsResolver, DnsResolver, TxtAnswer};
pub use engine::{BlockingEngine, Engine, EngineConfig, Lookup};
pub use https::{BlockingHttpsFetcher, FetchRequest, HttpsError, HttpsFetcher, HttpsResponse};
pub use store::{BlockingCacheStore, CacheStore, DueQuery, MemoryStore, StoreError};
pub use timer::Timer;
#[cfg(feature = "tokio")]
pub use timer::TokioTimer;

pub use mta_sts_policy;
pub use tls_rpt_schema;

/// Locks `m`, ignoring poison: every critical section in this crate is a
/// single map or slot update, so a panic elsewhere leaves the data consistent.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
