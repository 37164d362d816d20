//! MX patterns (`sts-policy-mx-value = ["*."] Domain`, RFC 8461 §3.2) and the
//! matching rule of §4.1.

use std::fmt;

use crate::domain::{check_ascii_domain_case, suggest_a_labels, DomainErrorKind, MAX_DOMAIN_LEN};

/// One `mx` pattern of a policy: a host name, or `*.` and a domain.
///
/// Always normalised: lower case, A-labels, no trailing dot. Build one with
/// [`MxPattern::new`] (A-labels required, as in a policy file) or
/// [`MxPattern::from_unicode`] (U-labels converted).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MxPattern {
    /// The normalised text, `*.` included for a wildcard.
    text: Box<str>,
}

/// Why a string is not a valid `mx` pattern.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// A `*` that is not the whole first label (`*.example.com`).
    #[error("'*' may only be the whole first label, as in \"*.example.com\"")]
    MisplacedWildcard,
    /// The pattern (after `*.`) is not a valid domain name.
    #[error(transparent)]
    Domain(DomainErrorKind),
}

impl MxPattern {
    /// Parses a pattern written with A-labels, as a policy file must hold it.
    /// Upper case is lowered and one trailing dot removed.
    ///
    /// ```
    /// use mta_sts_policy::MxPattern;
    /// let p = MxPattern::new("*.Example.NET").unwrap();
    /// assert_eq!(p.as_str(), "*.example.net");
    /// assert!(p.is_wildcard());
    /// assert!(MxPattern::new("mail.*.example.net").is_err());
    /// assert!(MxPattern::new("192.0.2.25").is_err());
    /// ```
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
        Self::parse_normal(pattern)
    }

    /// Like [`MxPattern::new`], but converts U-labels to A-labels first, for domain
    /// owners who write their names in Unicode.
    ///
    /// ```
    /// use mta_sts_policy::MxPattern;
    /// assert_eq!(MxPattern::from_unicode("*.bücher.example").unwrap().as_str(), "*.xn--bcher-kva.example");
    /// ```
    pub fn from_unicode(pattern: &str) -> Result<Self, PatternError> {
        let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
        if pattern.is_ascii() {
            return Self::parse_normal(pattern);
        }
        let (wild, domain) = match pattern.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let ascii = idna::domain_to_ascii(domain).map_err(|_| PatternError::Domain(DomainErrorKind::Idna))?;
        if wild {
            Self::parse_normal(&format!("*.{ascii}"))
        } else {
            Self::parse_normal(&ascii)
        }
    }

    /// Parses a pattern that has no trailing dot.
    pub(crate) fn parse_normal(pattern: &str) -> Result<Self, PatternError> {
        let domain = pattern.strip_prefix("*.").unwrap_or(pattern);
        // One pass over the name; a '*' or a non-ASCII byte shows up as an
        // invalid character and is explained below.
        match check_ascii_domain_case(domain.as_bytes()) {
            Ok(false) => Ok(Self {
                text: Box::from(pattern),
            }),
            Ok(true) => Ok(Self {
                text: pattern.to_ascii_lowercase().into_boxed_str(),
            }),
            Err(_) if domain.contains('*') => Err(PatternError::MisplacedWildcard),
            Err(_) if !domain.is_ascii() => {
                Err(PatternError::Domain(DomainErrorKind::ULabel {
                    suggestion: suggest_a_labels(domain).map(|a| {
                        if pattern.starts_with("*.") {
                            format!("*.{a}")
                        } else {
                            a
                        }
                    }),
                }))
            }
            Err(e) => Err(PatternError::Domain(e)),
        }
    }

    /// The normalised pattern, `*.` included for a wildcard.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern is a wildcard (`*.example.com`).
    pub fn is_wildcard(&self) -> bool {
        self.text.starts_with("*.")
    }

    /// The domain part: the whole name, or what follows `*.`.
    pub fn domain(&self) -> &str {
        self.text.strip_prefix("*.").unwrap_or(&self.text)
    }

    /// Whether `host` matches this pattern (RFC 8461 §4.1). See
    /// [`MxMatcher`](crate::MxMatcher) for matching against many patterns at once;
    /// both apply the same rule.
    ///
    /// ```
    /// use mta_sts_policy::MxPattern;
    /// let p = MxPattern::new("*.example.com").unwrap();
    /// assert!(p.matches("Mail.Example.com."));
    /// assert!(!p.matches("example.com"));
    /// assert!(!p.matches("foo.bar.example.com"));
    /// ```
    pub fn matches(&self, host: &str) -> bool {
        with_normal_host(host, |host| self.matches_normal(host)).unwrap_or(false)
    }

    /// Matches a host already normalised by [`with_normal_host`].
    pub(crate) fn matches_normal(&self, host: &[u8]) -> bool {
        if self.is_wildcard() {
            wildcard_suffix(host) == Some(self.domain().as_bytes())
        } else {
            host == self.domain().as_bytes()
        }
    }
}

impl fmt::Debug for MxPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MxPattern({:?})", self.text)
    }
}

impl fmt::Display for MxPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for MxPattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// For a normalised host `label.rest`, the `rest` a wildcard pattern must equal:
/// the first label must be non-empty, and so must the rest.
pub(crate) fn wildcard_suffix(host: &[u8]) -> Option<&[u8]> {
    let dot = host.iter().position(|&b| b == b'.')?;
    let rest = host.get(dot + 1..)?;
    if dot == 0 || rest.is_empty() {
        None
    } else {
        Some(rest)
    }
}

/// Normalises a candidate MX host for matching and hands it to `f`: one trailing
/// dot removed, ASCII lowered into a stack buffer in one pass (no allocation),
/// non-ASCII converted to A-labels (the only path that allocates). Returns
/// `None` for a host that can never match: empty, too long, an IP literal, or
/// not convertible.
pub(crate) fn with_normal_host<T>(host: &str, f: impl FnOnce(&[u8]) -> T) -> Option<T> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let bytes = host.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_DOMAIN_LEN {
        return non_ascii(host, bytes, f);
    }
    let mut buf = [0u8; MAX_DOMAIN_LEN];
    let mut last_dot = None;
    for (i, (out, &b)) in buf.iter_mut().zip(bytes).enumerate() {
        if b >= 0x80 {
            return non_ascii(host, bytes, f);
        }
        if b == b'.' {
            last_dot = Some(i);
        } else if b == b':' || b == b'[' {
            return None; // an IPv6 or bracketed address literal
        }
        *out = b.to_ascii_lowercase();
    }
    let name = buf.get(..bytes.len())?;
    let last = name.get(last_dot.map_or(0, |d| d + 1)..).unwrap_or_default();
    if !last.is_empty() && last.iter().all(u8::is_ascii_digit) {
        return None; // an IPv4 literal, in any spelling
    }
    Some(f(name))
}

/// The path of [`with_normal_host`] for hosts that are not plain ASCII of a
/// valid length: U-labels are converted; anything else cannot match.
fn non_ascii<T>(host: &str, bytes: &[u8], f: impl FnOnce(&[u8]) -> T) -> Option<T> {
    if bytes.is_ascii() {
        return None; // empty or too long
    }
    let ascii = idna::domain_to_ascii(host).ok()?;
    if ascii.is_empty() || ascii.len() > MAX_DOMAIN_LEN || !ascii.is_ascii() || is_ip_literal(&ascii) {
        return None;
    }
    Some(f(ascii.as_bytes()))
}

/// An address literal in any spelling: `[...]`, anything with `:` (IPv6), or a
/// name whose last label is all digits (IPv4 and its short and octal forms).
pub(crate) fn is_ip_literal(host: &str) -> bool {
    if host.starts_with('[') || host.contains(':') {
        return true;
    }
    let last = host.rsplit('.').next().unwrap_or(host);
    !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_rule() {
        let p = MxPattern::new("*.example.com").unwrap();
        assert!(p.matches("mail.example.com"));
        assert!(p.matches("MAIL.EXAMPLE.COM."));
        for host in [
            "example.com",
            "a.b.example.com",
            ".example.com",
            "xexample.com",
            "mail.example.com..",
            "",
        ] {
            assert!(!p.matches(host), "{host}");
        }
    }

    #[test]
    fn exact_rule() {
        let p = MxPattern::new("mail.example.com").unwrap();
        assert!(p.matches("Mail.Example.Com."));
        assert!(!p.matches("x.mail.example.com"));
        assert!(!p.matches("example.com"));
    }

    #[test]
    fn ip_literals() {
        assert!(matches!(
            MxPattern::new("192.0.2.1"),
            Err(PatternError::Domain(DomainErrorKind::IpLiteral))
        ));
        let p = MxPattern::new("*.0.2.1x").unwrap();
        assert!(p.matches("a.0.2.1x"));
        for host in ["192.0.2.1", "[192.0.2.1]", "::1", "[IPv6:2001:db8::1]"] {
            assert!(is_ip_literal(host), "{host}");
        }
    }

    #[test]
    fn u_labels() {
        let err = MxPattern::new("*.bücher.example").unwrap_err();
        assert_eq!(
            err,
            PatternError::Domain(DomainErrorKind::ULabel {
                suggestion: Some("*.xn--bcher-kva.example".into())
            })
        );
        let p = MxPattern::new("*.xn--bcher-kva.example").unwrap();
        assert!(p.matches("mx.bücher.example"));
        assert!(p.matches("MX.BÜCHER.example."));
    }

    #[test]
    fn misplaced_wildcards() {
        for bad in [
            "*",
            "*.",
            "**.example.com",
            "mx*.example.com",
            "a.*.example.com",
            "*example.com",
            "*.*.example.com",
        ] {
            assert!(MxPattern::new(bad).is_err(), "{bad}");
        }
    }
}
