//! Host-facing traits for MTA-STS and TLS-RPT.
//!
//! This crate will hold the DNS resolver, HTTPS fetcher and cache store traits
//! that a mail transfer agent implements, the async and blocking engines that
//! drive the sans-IO state machines of [`mta_sts_policy`] through them, sans-IO
//! DNS wire helpers, and optional ready-made adapters behind cargo features.
//!
//! It is not built yet: for now it re-exports the two RFC crates so that a host
//! can depend on this one crate.
#![forbid(unsafe_code)]

pub use mta_sts_policy;
pub use tls_rpt_schema;
