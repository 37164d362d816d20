//! MTA-STS (RFC 8461) for mail transfer agents, sans-IO.
//!
//! This crate holds the protocol logic of SMTP MTA Strict Transport Security and
//! nothing else: it never opens a socket or reads a clock. What it offers:
//!
//! - the `_mta-sts` TXT record: [`StsRecord::parse`] for one record and
//!   [`StsRecord::discover`] for a whole DNS answer (RFC 8461 §3.1);
//! - the policy file: [`Policy::parse`] for senders (safe deviations accepted, each
//!   with a [`Warning`]), [`Policy::parse_strict`] for linters and domain owners,
//!   errors with line, column and a stable [`PolicyErrorKind`], canonical text via
//!   `Display`, and [`Policy::builder`] to make one in code (§3.2);
//! - MX matching: [`MxPattern`] and the compiled [`MxMatcher`], allocation-free on
//!   ASCII hosts, constant cost in the number of patterns (§4.1);
//! - policy fetching: [`PolicyHost`] (the URL and the rustls server name),
//!   [`check_response`] for what the host's HTTPS client got, [`BodyCollector`] for
//!   a bounded body, and [`FetchError::failure_type`] for the TLS-RPT result
//!   type of a failure (§3.3);
//! - [`mx_server_name`]: an MX host as a `rustls_pki_types::ServerName`.
//!
//! - the policy cache state machine: [`lookup`], [`refresh`] and
//!   [`recheck_before_permanent_failure`], driven step by step with the results
//!   of the host's DNS and HTTPS calls, never losing a valid policy (§3.3, §5.1);
//!   [`CacheEntry`] is plain serde data for the host's store;
//! - policy application: [`mx_verdict`] before connecting and [`session_verdict`]
//!   after the handshake, each with the RFC 8460 [`ResultType`] to report (§4, §5).
//!
//! The DNS and HTTPS traits and the engines that drive these machines live in
//! `mta-sts-resolver-trait`.
//!
//! # Example
//!
//! ```
//! use mta_sts_policy::{check_response, FetchResponse, FetchRules, Mode, PolicyHost, StsRecord};
//!
//! // 1. The TXT answer of _mta-sts.example.com.
//! let record = StsRecord::discover(["v=spf1 -all", "v=STSv1; id=20160831085700Z;"]).unwrap();
//! assert_eq!(record.id().as_str(), "20160831085700Z");
//!
//! // 2. Fetch the policy (the host does the HTTPS GET, without following redirects).
//! let host = PolicyHost::for_domain("example.com").unwrap();
//! assert_eq!(host.url(), "https://mta-sts.example.com/.well-known/mta-sts.txt");
//! let body = b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";
//! let response = FetchResponse { status: 200, content_type: Some("text/plain"), body };
//! let policy = check_response(&response, &FetchRules::default()).unwrap().policy;
//! assert_eq!(policy.mode(), Mode::Enforce);
//!
//! // 3. Check candidate MX hosts before connecting.
//! let matcher = policy.matcher();
//! assert!(matcher.matches("mx1.example.net."));
//! assert!(!matcher.matches("mail.attacker.example"));
//! ```
#![forbid(unsafe_code)]

mod apply;
mod cache;
mod chars;
mod domain;
mod extension;
mod fetch;
mod matcher;
mod parse;
mod pattern;
mod policy;
mod record;
mod serde_impls;

pub use apply::{mx_verdict, session_verdict, CertificateStatus, MxSession, ResultType, Verdict, REASON_MX_MISMATCH};
pub use cache::{
    lookup, recheck_before_permanent_failure, refresh, Backoff, CacheConfig, CacheEntry, CachedPolicy, FetchReport,
    NeedFetch, NeedTxt, NoPolicyReason, Outcome, RecheckDecision, RefreshAlert, RefreshState, Step, StoreAction,
    UnixTime, ENTRY_FORMAT, MAX_BACKOFFS,
};
pub use domain::{normalize_domain, DomainError, DomainErrorKind, MAX_DOMAIN_LEN, MAX_LABEL_LEN};
pub use extension::Extension;
pub use fetch::{
    check_content_length, check_response, is_text_plain, mx_server_name, policy_url, BodyCollector, FetchError,
    FetchResponse, FetchRules, PolicyHost, StsFailureType, POLICY_HOST_LABEL, POLICY_PATH,
    SUGGESTED_FETCH_TIMEOUT_SECS,
};
pub use matcher::MxMatcher;
pub use parse::{
    Field, ParseOptions, ParsedPolicy, PolicyError, PolicyErrorKind, PolicyErrors, Position, Warning, WarningKind,
    DEFAULT_MAX_POLICY_SIZE, MAX_ERRORS,
};
pub use pattern::{MxPattern, PatternError};
pub use policy::{BuildError, Mode, Policy, PolicyBuilder, MAX_MAX_AGE, POLICY_VERSION};
pub use record::{
    is_sts_record, DiscoveryError, PolicyId, RecordError, RecordErrorKind, StsRecord, MAX_ID_LEN, STS_RECORD_VERSION,
};

/// Re-export of the `rustls-pki-types` crate, whose `ServerName` this crate hands out.
pub use rustls_pki_types;
