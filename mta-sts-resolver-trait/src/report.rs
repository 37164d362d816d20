//! TLS-RPT glue: from an engine's outcome and the per-MX results of a delivery to
//! the session records [`tls_rpt_schema::Aggregator`] counts, and the
//! `_smtp._tls` record lookup.
//!
//! A delivery attempt to one domain goes like this:
//!
//! ```
//! use mta_sts_policy::{session_verdict, CertificateStatus, MxSession};
//! use mta_sts_resolver_trait::report::{record_sessions, session_records, MxResult};
//! # use mta_sts_resolver_trait::*;
//! # use std::future::Future;
//! # struct Dns;
//! # impl DnsResolver for Dns {
//! #     fn lookup_txt(&self, _n: &str) -> impl Future<Output = TxtAnswer> + Send { async { TxtAnswer::records(["v=STSv1; id=1"]) } }
//! # }
//! # struct Web;
//! # impl HttpsFetcher for Web {
//! #     fn get(&self, _r: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
//! #         async { Ok(HttpsResponse { status: 200, content_type: Some("text/plain".into()),
//! #             body: b"version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n".to_vec() }) }
//! #     }
//! # }
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let engine = Engine::new(Dns, Web, MemoryStore::default());
//! let now = 1_700_000_000;
//! let lookup = engine.policy("example.com", now).await;
//!
//! // The MTA connects to the MX and its TLS stack judges the certificate.
//! let session = MxSession { host: "mx.example.com", starttls: true, certificate: Some(CertificateStatus::Expired) };
//! let verdict = session_verdict(lookup.policy(), &session);
//! assert!(verdict.may_deliver()); // mode testing: deliver, and report
//!
//! let mut aggregator = tls_rpt_schema::Aggregator::default();
//! let records = session_records(&lookup, &[MxResult::new("mx.example.com", verdict)]);
//! record_sessions(&mut aggregator, &records, now as i64);
//! let state = aggregator.state();
//! assert_eq!(state.entries.len(), 1);
//! # });
//! ```

use std::net::IpAddr;

use mta_sts_policy::{normalize_domain, DomainError, Outcome, Verdict, REASON_MX_MISMATCH};
use tls_rpt_schema::{Aggregator, DiscoveryError, FailureKey, PolicyType, ResultType, SessionPolicy, TlsRptRecord};

use crate::dns::{BlockingDnsResolver, DnsResolver, TxtAnswer};
use crate::engine::Lookup;

/// The RFC 8460 result type of an MTA-STS result type.
pub fn result_type(t: mta_sts_policy::ResultType) -> ResultType {
    use mta_sts_policy::ResultType as S;
    match t {
        S::StarttlsNotSupported => ResultType::StarttlsNotSupported,
        S::CertificateHostMismatch => ResultType::CertificateHostMismatch,
        S::CertificateExpired => ResultType::CertificateExpired,
        S::CertificateNotTrusted => ResultType::CertificateNotTrusted,
        S::ValidationFailure => ResultType::ValidationFailure,
        S::StsPolicyFetchError => ResultType::StsPolicyFetchError,
        S::StsPolicyInvalid => ResultType::StsPolicyInvalid,
        S::StsWebpkiInvalid => ResultType::StsWebpkiInvalid,
    }
}

/// The policy a session ran under, as a TLS-RPT report names it.
///
/// With an MTA-STS policy in force (`enforce` or `testing`): type `sts`, the
/// policy's lines exactly as fetched, the policy domain and the `mx` patterns.
/// Otherwise (no record, a failed fetch with nothing cached, `mode: none`):
/// `no-policy-found` for the domain.
pub fn session_policy(domain: &str, outcome: &Outcome) -> SessionPolicy {
    match outcome.cached_policy() {
        Some(cached) => SessionPolicy {
            policy_type: PolicyType::Sts,
            policy_string: cached.policy_strings().into_iter().map(str::to_owned).collect(),
            policy_domain: domain.to_owned(),
            mx_host: cached.policy.mx().iter().map(|p| p.to_string()).collect(),
        },
        None => SessionPolicy {
            policy_type: PolicyType::NoPolicyFound,
            policy_string: Vec::new(),
            policy_domain: domain.to_owned(),
            mx_host: Vec::new(),
        },
    }
}

/// What happened with one candidate MX of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MxResult<'a> {
    /// The MX host name.
    pub host: &'a str,
    /// The verdict of [`mta_sts_policy::session_verdict`] (or
    /// [`mta_sts_policy::mx_verdict`] for an MX skipped before connecting).
    pub verdict: Verdict,
    /// The sending MTA's address.
    pub sending_mta_ip: Option<IpAddr>,
    /// The MX's address.
    pub receiving_ip: Option<IpAddr>,
    /// The name the MX gave in its EHLO.
    pub receiving_mx_helo: Option<&'a str>,
    /// A failure reason code; when `None`, an MX that matches no pattern gets
    /// [`REASON_MX_MISMATCH`].
    pub failure_reason_code: Option<&'a str>,
}

impl<'a> MxResult<'a> {
    /// A result with only the host and the verdict.
    pub fn new(host: &'a str, verdict: Verdict) -> Self {
        Self {
            host,
            verdict,
            sending_mta_ip: None,
            receiving_ip: None,
            receiving_mx_helo: None,
            failure_reason_code: None,
        }
    }
}

/// One session to count: the policy it ran under, and its failure if it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The policy.
    pub policy: SessionPolicy,
    /// `None` for a successful session.
    pub failure: Option<FailureKey>,
}

/// The session records of one delivery attempt: one failure per policy-fetch
/// failure the lookup reports (`sts-policy-fetch-error`, `sts-policy-invalid`,
/// `sts-webpki-invalid`, with the reason), then one record per MX tried, a
/// success when the verdict has nothing to report.
pub fn session_records(lookup: &Lookup, mx: &[MxResult<'_>]) -> Vec<SessionRecord> {
    let outcome = lookup.outcome();
    let policy = session_policy(lookup.domain(), outcome);
    let mut records = Vec::with_capacity(outcome.reports().len() + mx.len());
    for report in outcome.reports() {
        records.push(SessionRecord {
            policy: policy.clone(),
            failure: Some(FailureKey {
                result_type: result_type(report.result_type),
                sending_mta_ip: None,
                receiving_mx_hostname: None,
                receiving_mx_helo: None,
                receiving_ip: None,
                additional_information: None,
                failure_reason_code: Some(report.reason.clone()),
            }),
        });
    }
    for m in mx {
        let failure = m.verdict.result_type().map(|t| {
            let mismatch = t == mta_sts_policy::ResultType::ValidationFailure
                && outcome.policy().is_some_and(|p| !p.matches_mx(m.host));
            let reason = m
                .failure_reason_code
                .map(str::to_owned)
                .or_else(|| mismatch.then(|| REASON_MX_MISMATCH.to_owned()));
            FailureKey {
                result_type: result_type(t),
                sending_mta_ip: m.sending_mta_ip,
                receiving_mx_hostname: Some(m.host.trim_end_matches('.').to_ascii_lowercase()),
                receiving_mx_helo: m.receiving_mx_helo.map(str::to_owned),
                receiving_ip: m.receiving_ip,
                additional_information: None,
                failure_reason_code: reason,
            }
        });
        records.push(SessionRecord {
            policy: policy.clone(),
            failure,
        });
    }
    records
}

/// Counts `records` in `aggregator` at `unix_time`, under each record's policy
/// domain.
pub fn record_sessions(aggregator: &mut Aggregator, records: &[SessionRecord], unix_time: i64) {
    for r in records {
        let handle = aggregator.policy(&r.policy.policy_domain, &r.policy);
        match &r.failure {
            None => aggregator.record_success(handle, unix_time),
            Some(f) => aggregator.record_failure(handle, unix_time, f),
        }
    }
}

/// Why no TLS-RPT record could be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordLookupError {
    /// The domain is not a valid domain name.
    #[error(transparent)]
    InvalidDomain(#[from] DomainError),
    /// The DNS lookup failed temporarily; try again later.
    #[error("TXT lookup of the TLS-RPT record failed: {0}")]
    Temporary(String),
    /// No usable record: none (the domain does not want reports), several, or an
    /// invalid one.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
}

/// The name of the TLS-RPT record of `domain`: `_smtp._tls.<domain>`.
pub fn tls_rpt_name(domain: &str) -> Result<String, RecordLookupError> {
    Ok(format!("_smtp._tls.{}", normalize_domain(domain)?))
}

/// The TLS-RPT record in a TXT answer, by the discovery rule of RFC 8460 §3.
pub fn tls_rpt_from_answer(answer: TxtAnswer) -> Result<TlsRptRecord, RecordLookupError> {
    match answer {
        TxtAnswer::Records(records) => Ok(TlsRptRecord::discover(records)?),
        TxtAnswer::NoRecord => Err(RecordLookupError::Discovery(DiscoveryError::NoRecord)),
        TxtAnswer::TemporaryFailure(why) => Err(RecordLookupError::Temporary(why)),
    }
}

/// Looks up the TLS-RPT record of `domain` through `resolver` (with no timeout
/// of its own; [`crate::Engine::tls_rpt_record`] has one).
pub async fn lookup_tls_rpt<R: DnsResolver + ?Sized>(
    resolver: &R,
    domain: &str,
) -> Result<TlsRptRecord, RecordLookupError> {
    let name = tls_rpt_name(domain)?;
    tls_rpt_from_answer(resolver.lookup_txt(&name).await)
}

/// Looks up the TLS-RPT record of `domain` through a blocking resolver.
pub fn lookup_tls_rpt_blocking<R: BlockingDnsResolver + ?Sized>(
    resolver: &R,
    domain: &str,
) -> Result<TlsRptRecord, RecordLookupError> {
    let name = tls_rpt_name(domain)?;
    tls_rpt_from_answer(resolver.lookup_txt(&name))
}
