//! Policy application (RFC 8461 §4, §5, §8.4): what to do with one candidate MX,
//! given the policy in force and what the host saw of the MX.
//!
//! Take the candidates in MX priority order. Before connecting, check the name
//! ([`mx_verdict`]); after the TLS handshake (or its absence), check the session
//! ([`session_verdict`]). Under `enforce` a failure is [`Verdict::Skip`]: go on to
//! the next candidate, and if none is left, treat the delivery as a *transient*
//! failure, never a permanent one, and re-check the policy before giving up
//! ([`crate::recheck_before_permanent_failure`]). Under `testing` the failure is
//! [`Verdict::DeliverAndReport`]. Under `none`, or without a policy, nothing
//! changes.

use std::fmt;

use crate::fetch::StsFailureType;
use crate::policy::{Mode, Policy};

/// The RFC 8460 §4.3 result types an MTA-STS sender reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResultType {
    /// `starttls-not-supported`: the MX did not offer STARTTLS.
    StarttlsNotSupported,
    /// `certificate-host-mismatch`: the certificate is not valid for the MX name.
    CertificateHostMismatch,
    /// `certificate-expired`: the certificate has expired.
    CertificateExpired,
    /// `certificate-not-trusted`: the chain does not lead to a trusted root, or
    /// is otherwise broken.
    CertificateNotTrusted,
    /// `validation-failure`: any other failure, among them an MX that matches no
    /// `mx` pattern of the policy.
    ValidationFailure,
    /// `sts-policy-fetch-error`: the policy could not be fetched.
    StsPolicyFetchError,
    /// `sts-policy-invalid`: the fetched policy is not valid.
    StsPolicyInvalid,
    /// `sts-webpki-invalid`: the policy host's certificate did not validate.
    StsWebpkiInvalid,
}

impl ResultType {
    /// The result type as RFC 8460 writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultType::StarttlsNotSupported => "starttls-not-supported",
            ResultType::CertificateHostMismatch => "certificate-host-mismatch",
            ResultType::CertificateExpired => "certificate-expired",
            ResultType::CertificateNotTrusted => "certificate-not-trusted",
            ResultType::ValidationFailure => "validation-failure",
            ResultType::StsPolicyFetchError => "sts-policy-fetch-error",
            ResultType::StsPolicyInvalid => "sts-policy-invalid",
            ResultType::StsWebpkiInvalid => "sts-webpki-invalid",
        }
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<StsFailureType> for ResultType {
    fn from(t: StsFailureType) -> Self {
        match t {
            StsFailureType::PolicyFetchError => ResultType::StsPolicyFetchError,
            StsFailureType::PolicyInvalid => ResultType::StsPolicyInvalid,
            StsFailureType::WebpkiInvalid => ResultType::StsWebpkiInvalid,
        }
    }
}

/// The failure-reason-code this crate gives an MX that matches no pattern.
pub const REASON_MX_MISMATCH: &str = "mx-not-in-policy";

/// What the host's TLS stack concluded about the MX certificate, checked against
/// the MX host name with the rules of RFC 8461 §4.2 (PKIX, DNS-ID, not expired).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    /// Valid for the MX host name, trusted and not expired.
    Valid,
    /// Expired (or not yet valid).
    Expired,
    /// Does not chain to a trusted root, or the chain is broken.
    Untrusted,
    /// Valid, but not for the MX host name.
    NameMismatch,
    /// Any other failure (revoked, bad signature, handshake failure ...).
    Other,
}

/// What the host saw of one candidate MX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MxSession<'a> {
    /// The MX host name, as the MX record gave it.
    pub host: &'a str,
    /// Whether the server offered STARTTLS.
    pub starttls: bool,
    /// The certificate result; `None` when no TLS handshake took place.
    pub certificate: Option<CertificateStatus>,
}

/// What to do with a candidate MX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver; nothing to report.
    Deliver,
    /// Deliver, and report the failure (mode `testing`).
    DeliverAndReport(ResultType),
    /// Do not deliver to this MX; try the next one. If none is left the delivery
    /// failed *transiently* (mode `enforce`): retry later, and re-check the policy
    /// before ever failing the message permanently.
    Skip(ResultType),
}

impl Verdict {
    /// The result type to report, if any.
    pub fn result_type(self) -> Option<ResultType> {
        match self {
            Verdict::Deliver => None,
            Verdict::DeliverAndReport(t) | Verdict::Skip(t) => Some(t),
        }
    }

    /// Whether the message may go to this MX.
    pub fn may_deliver(self) -> bool {
        !matches!(self, Verdict::Skip(_))
    }
}

fn on_failure(policy: Option<&Policy>, failure: ResultType) -> Verdict {
    match policy.map(Policy::mode) {
        Some(Mode::Enforce) => Verdict::Skip(failure),
        Some(Mode::Testing) => Verdict::DeliverAndReport(failure),
        Some(Mode::None) | None => Verdict::Deliver,
    }
}

/// The check made before connecting: does the MX name match the policy?
/// (RFC 8461 §4.1.) A mismatch is a `validation-failure` with the reason
/// [`REASON_MX_MISMATCH`].
///
/// ```
/// use mta_sts_policy::{mx_verdict, Policy, ResultType, Verdict};
/// let policy = Policy::parse(b"version: STSv1\nmode: enforce\nmx: *.example.net\nmax_age: 86400\n").unwrap().policy;
/// assert_eq!(mx_verdict(Some(&policy), "mx1.example.net"), Verdict::Deliver);
/// assert_eq!(mx_verdict(Some(&policy), "mx.evil.example"), Verdict::Skip(ResultType::ValidationFailure));
/// assert_eq!(mx_verdict(None, "mx.evil.example"), Verdict::Deliver);
/// ```
pub fn mx_verdict(policy: Option<&Policy>, host: &str) -> Verdict {
    match policy {
        Some(p) if p.mode() != Mode::None && !p.matches_mx(host) => on_failure(policy, ResultType::ValidationFailure),
        _ => Verdict::Deliver,
    }
}

/// The verdict for a whole session with one MX: the name check of
/// [`mx_verdict`], then STARTTLS, then the certificate.
///
/// ```
/// use mta_sts_policy::{session_verdict, CertificateStatus, MxSession, Policy, ResultType, Verdict};
/// let policy = Policy::parse(b"version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n").unwrap().policy;
/// let session = MxSession { host: "mx.example.com", starttls: true, certificate: Some(CertificateStatus::Expired) };
/// assert_eq!(session_verdict(Some(&policy), &session), Verdict::DeliverAndReport(ResultType::CertificateExpired));
/// ```
pub fn session_verdict(policy: Option<&Policy>, session: &MxSession<'_>) -> Verdict {
    let name = mx_verdict(policy, session.host);
    if name != Verdict::Deliver {
        return name;
    }
    let failure = if !session.starttls {
        Some(ResultType::StarttlsNotSupported)
    } else {
        match session.certificate {
            Some(CertificateStatus::Valid) => None,
            Some(CertificateStatus::Expired) => Some(ResultType::CertificateExpired),
            Some(CertificateStatus::Untrusted) => Some(ResultType::CertificateNotTrusted),
            Some(CertificateStatus::NameMismatch) => Some(ResultType::CertificateHostMismatch),
            Some(CertificateStatus::Other) | None => Some(ResultType::ValidationFailure),
        }
    };
    match failure {
        Some(f) => on_failure(policy, f),
        None => Verdict::Deliver,
    }
}
