//! Policy fetching (RFC 8461 §3.3), checked sans-IO on what the host's HTTPS
//! client returned, and the names a host hands to rustls (§7.1).

use std::fmt;

use rustls_pki_types::{DnsName, ServerName};

use crate::domain::{normalize_domain, DomainError, DomainErrorKind};
use crate::parse::{ParseOptions, ParsedPolicy, PolicyErrors, DEFAULT_MAX_POLICY_SIZE};
use crate::policy::Policy;

/// The well-known path of the policy (RFC 8461 §3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// The label prepended to the policy domain to name the policy host.
pub const POLICY_HOST_LABEL: &str = "mta-sts";

/// The timeout RFC 8461 §3.3 suggests for the policy fetch, in seconds.
pub const SUGGESTED_FETCH_TIMEOUT_SECS: u64 = 60;

/// The policy host of a policy domain: `mta-sts.<domain>`, in A-labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyHost {
    domain: String,
    host: String,
    server_name: ServerName<'static>,
}

impl PolicyHost {
    /// The policy host of `domain` (U-labels converted, case lowered, one
    /// trailing dot removed).
    ///
    /// ```
    /// use mta_sts_policy::PolicyHost;
    /// let host = PolicyHost::for_domain("Bücher.example").unwrap();
    /// assert_eq!(host.host(), "mta-sts.xn--bcher-kva.example");
    /// assert_eq!(host.url(), "https://mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt");
    /// ```
    pub fn for_domain(domain: &str) -> Result<Self, DomainError> {
        let domain = normalize_domain(domain)?;
        let host = format!("{POLICY_HOST_LABEL}.{domain}");
        if host.len() > crate::domain::MAX_DOMAIN_LEN {
            return Err(DomainError {
                input: domain,
                kind: DomainErrorKind::TooLong { len: host.len() },
            });
        }
        let server_name = dns_server_name(&host)?;
        Ok(Self {
            domain,
            host,
            server_name,
        })
    }

    /// The policy domain, normalised.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The policy host name, `mta-sts.<domain>`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The policy URL, `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
    pub fn url(&self) -> String {
        url_of_host(&self.host)
    }

    /// The policy host as a rustls server name: the SNI and the DNS-ID the
    /// certificate must be valid for (RFC 8461 §3.3, §7.1).
    pub fn server_name(&self) -> ServerName<'static> {
        self.server_name.clone()
    }
}

impl fmt::Display for PolicyHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)
    }
}

/// The policy URL of a policy host name.
fn url_of_host(host: &str) -> String {
    format!("https://{host}{POLICY_PATH}")
}

/// The policy URL of an already normalised policy domain.
pub(crate) fn url_of_normalized_domain(domain: &str) -> String {
    url_of_host(&format!("{POLICY_HOST_LABEL}.{domain}"))
}

/// The policy URL of a domain. Shorthand for [`PolicyHost::for_domain`] and
/// [`PolicyHost::url`].
pub fn policy_url(domain: &str) -> Result<String, DomainError> {
    PolicyHost::for_domain(domain).map(|h| h.url())
}

/// An MX host as a rustls server name, for SNI and certificate validation of the
/// SMTP connection (RFC 8461 §4.2, §7.1). U-labels are converted, case lowered,
/// one trailing dot removed; an IP literal is refused.
///
/// ```
/// use mta_sts_policy::mx_server_name;
/// assert_eq!(mx_server_name("MX1.Example.com.").unwrap().to_str(), "mx1.example.com");
/// assert!(mx_server_name("192.0.2.25").is_err());
/// ```
pub fn mx_server_name(host: &str) -> Result<ServerName<'static>, DomainError> {
    dns_server_name(&normalize_domain(host)?)
}

fn dns_server_name(name: &str) -> Result<ServerName<'static>, DomainError> {
    DnsName::try_from(name.to_owned())
        .map(ServerName::DnsName)
        .map_err(|_| DomainError {
            input: name.to_owned(),
            kind: DomainErrorKind::NotDnsName,
        })
}

/// The RFC 8460 result type a policy-fetch failure is reported under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StsFailureType {
    /// `sts-policy-fetch-error`: the policy could not be fetched.
    PolicyFetchError,
    /// `sts-policy-invalid`: a policy was fetched but is not valid.
    PolicyInvalid,
    /// `sts-webpki-invalid`: the policy host's certificate did not validate.
    WebpkiInvalid,
}

impl StsFailureType {
    /// The result type as RFC 8460 §4.3.2.2 writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StsFailureType::PolicyFetchError => "sts-policy-fetch-error",
            StsFailureType::PolicyInvalid => "sts-policy-invalid",
            StsFailureType::WebpkiInvalid => "sts-webpki-invalid",
        }
    }
}

impl fmt::Display for StsFailureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a policy fetch did not give a policy: both what the host's HTTPS client
/// reports (certificate, timeout, connection) and what [`check_response`] finds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The policy host's certificate did not validate for the policy host name.
    #[error("certificate of the policy host did not validate: {0}")]
    Certificate(String),
    /// The fetch did not complete in time.
    #[error("the policy fetch timed out")]
    Timeout,
    /// The connection could not be made or broke (DNS, TCP, TLS other than the
    /// certificate, HTTP protocol errors).
    #[error("the policy host could not be reached: {0}")]
    Connect(String),
    /// A redirect, which must not be followed.
    #[error("HTTP {0} redirect; redirects must not be followed")]
    Redirect(u16),
    /// Any status other than 200 or a redirect.
    #[error("HTTP status {0}; only 200 gives a policy")]
    Status(u16),
    /// The media type is not `text/plain`.
    #[error("media type {}, not text/plain", .0.as_deref().map(|t| format!("{t:?}")).unwrap_or_else(|| "missing".into()))]
    MediaType(Option<String>),
    /// The body is larger than the limit.
    #[error("the policy body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not a valid policy.
    #[error("invalid policy: {0}")]
    InvalidPolicy(PolicyErrors),
}

impl FetchError {
    /// The RFC 8460 result type this failure is reported under.
    pub fn failure_type(&self) -> StsFailureType {
        match self {
            FetchError::Certificate(_) => StsFailureType::WebpkiInvalid,
            FetchError::InvalidPolicy(_) => StsFailureType::PolicyInvalid,
            FetchError::Timeout
            | FetchError::Connect(_)
            | FetchError::Redirect(_)
            | FetchError::Status(_)
            | FetchError::MediaType(_)
            | FetchError::BodyTooLarge { .. } => StsFailureType::PolicyFetchError,
        }
    }
}

/// The rules a fetched response is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchRules {
    /// Require the media type `text/plain` (RFC 8461 §3.2 SHOULD; on by default).
    pub require_text_plain: bool,
    /// The largest body accepted, in bytes (64 KiB by default).
    pub max_body: usize,
    /// Parse the body strictly instead of with the sender's tolerances.
    pub strict: bool,
}

impl Default for FetchRules {
    fn default() -> Self {
        Self {
            require_text_plain: true,
            max_body: DEFAULT_MAX_POLICY_SIZE,
            strict: false,
        }
    }
}

/// What the host's HTTPS client got back from the policy URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchResponse<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if there was one.
    pub content_type: Option<&'a str>,
    /// The body, read up to the limit.
    pub body: &'a [u8],
}

/// Whether a `Content-Type` value is `text/plain`: type and subtype compared
/// without regard to case, parameters ignored.
///
/// ```
/// use mta_sts_policy::is_text_plain;
/// assert!(is_text_plain("Text/Plain; charset=utf-8"));
/// assert!(!is_text_plain("text/html"));
/// ```
pub fn is_text_plain(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("");
    essence.trim().eq_ignore_ascii_case("text/plain")
}

/// Checks the `Content-Length` a server announced before reading the body, so an
/// oversized policy is refused without being read.
pub fn check_content_length(content_length: Option<u64>, rules: &FetchRules) -> Result<(), FetchError> {
    match content_length {
        Some(len) if len > rules.max_body as u64 => Err(FetchError::BodyTooLarge { limit: rules.max_body }),
        _ => Ok(()),
    }
}

/// Checks a fetch response (RFC 8461 §3.3) and parses its body: status 200 only
/// (a 3xx is an error: fetchers must not follow redirects), media type
/// `text/plain` when the rules require it, the body limit, then the policy.
///
/// ```
/// use mta_sts_policy::{check_response, FetchError, FetchResponse, FetchRules};
/// let body = b"version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n";
/// let ok = FetchResponse { status: 200, content_type: Some("text/plain"), body };
/// assert!(check_response(&ok, &FetchRules::default()).is_ok());
/// let moved = FetchResponse { status: 301, ..ok };
/// assert_eq!(check_response(&moved, &FetchRules::default()), Err(FetchError::Redirect(301)));
/// ```
pub fn check_response(response: &FetchResponse<'_>, rules: &FetchRules) -> Result<ParsedPolicy, FetchError> {
    match response.status {
        200 => {}
        300..=399 => return Err(FetchError::Redirect(response.status)),
        other => return Err(FetchError::Status(other)),
    }
    if rules.require_text_plain && !response.content_type.is_some_and(is_text_plain) {
        return Err(FetchError::MediaType(response.content_type.map(str::to_owned)));
    }
    if response.body.len() > rules.max_body {
        return Err(FetchError::BodyTooLarge { limit: rules.max_body });
    }
    let options = ParseOptions {
        strict: rules.strict,
        max_size: rules.max_body,
    };
    Policy::parse_with(response.body, &options).map_err(FetchError::InvalidPolicy)
}

/// Collects a response body chunk by chunk and refuses it as soon as it passes the
/// limit, so an oversized body is never held whole.
///
/// ```
/// use mta_sts_policy::{BodyCollector, FetchError};
/// let mut body = BodyCollector::new(8);
/// body.push(b"12345").unwrap();
/// assert_eq!(body.push(b"6789"), Err(FetchError::BodyTooLarge { limit: 8 }));
/// ```
#[derive(Clone, Debug)]
pub struct BodyCollector {
    buf: Vec<u8>,
    limit: usize,
}

impl BodyCollector {
    /// A collector that accepts at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self { buf: Vec::new(), limit }
    }

    /// How many more bytes are accepted; a reader can ask for at most this many
    /// plus one (to tell "exactly at the limit" from "over it").
    pub fn remaining(&self) -> usize {
        self.limit - self.buf.len().min(self.limit)
    }

    /// Adds a chunk; an error once the total passes the limit (the chunk is then
    /// not kept).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FetchError> {
        if chunk.len() > self.remaining() {
            return Err(FetchError::BodyTooLarge { limit: self.limit });
        }
        self.buf.extend_from_slice(chunk);
        Ok(())
    }

    /// The body collected so far.
    pub fn body(&self) -> &[u8] {
        &self.buf
    }

    /// The body.
    pub fn into_body(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories() {
        assert_eq!(
            FetchError::Certificate("x".into()).failure_type().as_str(),
            "sts-webpki-invalid"
        );
        assert_eq!(FetchError::Timeout.failure_type().as_str(), "sts-policy-fetch-error");
        assert_eq!(
            FetchError::InvalidPolicy(PolicyErrors(vec![])).failure_type().as_str(),
            "sts-policy-invalid"
        );
    }

    #[test]
    fn server_names() {
        let host = PolicyHost::for_domain("example.com.").unwrap();
        assert_eq!(host.server_name().to_str(), "mta-sts.example.com");
        assert!(PolicyHost::for_domain("").is_err());
        assert!(PolicyHost::for_domain(&format!(
            "{}.com",
            "a".repeat(60) + "." + &"b".repeat(60) + "." + &"c".repeat(60) + "." + &"d".repeat(60)
        ))
        .is_err());
    }
}
