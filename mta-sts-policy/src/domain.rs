//! Domain names as RFC 5321 §4.1.2 writes them, and their conversion to A-labels.
//!
//! > ```notrust
//! > Domain     = sub-domain *("." sub-domain)
//! > sub-domain = Let-dig [Ldh-str]
//! > Let-dig    = ALPHA / DIGIT
//! > Ldh-str    = *( ALPHA / DIGIT / "-" ) Let-dig
//! > ```
//!
//! On top of the grammar, RFC 1035 limits a label to 63 octets and a name to 253
//! (without the root dot). A name whose last label is all digits is not a host name
//! (no top-level domain is numeric, RFC 3696 §2): that is how IPv4 literals and
//! their odd spellings (`1.2.3`, `010.1.1.1`) are told apart from names.

use thiserror::Error;

use crate::chars::{class, DIGIT, LDH, UPPER};

/// The longest domain name, in octets, without a trailing dot.
pub const MAX_DOMAIN_LEN: usize = 253;
/// The longest label, in octets.
pub const MAX_LABEL_LEN: usize = 63;

/// Why a string is not a valid domain name.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DomainErrorKind {
    /// The name is empty.
    #[error("the name is empty")]
    Empty,
    /// The name is longer than 253 octets.
    #[error("the name is {len} octets long; at most 253 are allowed")]
    TooLong {
        /// Its length in octets.
        len: usize,
    },
    /// Two dots in a row, or a dot at the start.
    #[error("empty label at offset {offset}")]
    EmptyLabel {
        /// Byte offset of the empty label.
        offset: usize,
    },
    /// A label longer than 63 octets.
    #[error("label at offset {offset} is {len} octets long; at most 63 are allowed")]
    LabelTooLong {
        /// Byte offset of the label.
        offset: usize,
        /// Its length.
        len: usize,
    },
    /// A character that is not a letter, digit, hyphen or dot.
    #[error("character {ch:?} at offset {offset} is not allowed in a domain name")]
    InvalidChar {
        /// Byte offset of the character.
        offset: usize,
        /// The character.
        ch: char,
    },
    /// A label that begins or ends with a hyphen.
    #[error("label at offset {offset} begins or ends with '-'")]
    HyphenAtEdge {
        /// Byte offset of the label.
        offset: usize,
    },
    /// The last label is all digits: an IP address literal, not a host name.
    #[error("an IP address is not a domain name")]
    IpLiteral,
    /// A label is not ASCII (a U-label). The RFC requires A-labels.
    #[error("non-ASCII label: MTA-STS requires A-labels{}", suggestion.as_deref().map(|s| format!(" (write {s})")).unwrap_or_default())]
    ULabel {
        /// The name converted to A-labels, when it converts.
        suggestion: Option<String>,
    },
    /// A label starting with `xn--` that is not valid Punycode.
    #[error("label at offset {offset} is not a valid A-label")]
    InvalidALabel {
        /// Byte offset of the label.
        offset: usize,
    },
    /// The name is not accepted as a DNS name for TLS (rustls `DnsName`).
    #[error("the name is not a valid DNS name for TLS")]
    NotDnsName,
    /// IDNA conversion of a name with non-ASCII labels failed.
    #[error("the name cannot be converted to A-labels")]
    Idna,
}

/// A string that is not a valid domain name, and why.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid domain name {input:?}: {kind}")]
pub struct DomainError {
    /// The name as given.
    pub input: String,
    /// What is wrong with it.
    pub kind: DomainErrorKind,
}

/// Checks an ASCII name against the RFC 5321 `Domain` grammar and the length limits.
///
/// The name must not carry a trailing dot; upper case is allowed.
pub(crate) fn check_ascii_domain(name: &[u8]) -> Result<(), DomainErrorKind> {
    check_ascii_domain_case(name).map(|_| ())
}

/// [`check_ascii_domain`], also telling whether the name has upper-case letters.
pub(crate) fn check_ascii_domain_case(name: &[u8]) -> Result<bool, DomainErrorKind> {
    if name.is_empty() {
        return Err(DomainErrorKind::Empty);
    }
    if name.len() > MAX_DOMAIN_LEN {
        return Err(DomainErrorKind::TooLong { len: name.len() });
    }
    // One pass: characters checked as they come, each label when it ends.
    let mut start = 0usize;
    let mut digits_only = true;
    let mut upper = false;
    for (i, &b) in name.iter().enumerate() {
        let c = class(b);
        if c & DIGIT != 0 {
        } else if c & LDH != 0 {
            digits_only = false;
        } else if b == b'.' {
            check_label(name, start, i)?;
            start = i + 1;
            digits_only = true;
        } else if c & UPPER != 0 {
            digits_only = false;
            upper = true;
        } else {
            return Err(DomainErrorKind::InvalidChar {
                offset: i,
                ch: char::from(b),
            });
        }
    }
    check_label(name, start, name.len())?;
    if digits_only {
        return Err(DomainErrorKind::IpLiteral);
    }
    Ok(upper)
}

/// Checks the label `name[start..end]`, whose characters are already known to
/// be letters, digits or hyphens.
fn check_label(name: &[u8], start: usize, end: usize) -> Result<(), DomainErrorKind> {
    let label = name.get(start..end).unwrap_or_default();
    let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
        return Err(DomainErrorKind::EmptyLabel { offset: start });
    };
    if label.len() > MAX_LABEL_LEN {
        return Err(DomainErrorKind::LabelTooLong {
            offset: start,
            len: label.len(),
        });
    }
    if first == b'-' || last == b'-' {
        return Err(DomainErrorKind::HyphenAtEdge { offset: start });
    }
    if label.len() >= 4 && label.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--")) {
        let text = std::str::from_utf8(label).map_err(|_| DomainErrorKind::Idna)?;
        let (_, result) = idna::domain_to_unicode(text);
        if result.is_err() {
            return Err(DomainErrorKind::InvalidALabel { offset: start });
        }
    }
    Ok(())
}

/// Normalises a domain name for MTA-STS: one trailing dot removed, U-labels
/// converted to A-labels (UTS #46, as `idna` does it), lower case, and the result
/// checked against the `Domain` grammar.
///
/// ```
/// use mta_sts_policy::normalize_domain;
/// assert_eq!(normalize_domain("Example.COM.").unwrap(), "example.com");
/// assert_eq!(normalize_domain("bücher.example").unwrap(), "xn--bcher-kva.example");
/// assert!(normalize_domain("192.0.2.1").is_err());
/// ```
pub fn normalize_domain(name: &str) -> Result<String, DomainError> {
    let err = |kind| DomainError {
        input: name.to_owned(),
        kind,
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    let ascii = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed).map_err(|_| err(DomainErrorKind::Idna))?
    };
    check_ascii_domain(ascii.as_bytes()).map_err(err)?;
    Ok(ascii)
}

/// The A-label form of a name with non-ASCII labels, used to suggest a fix.
pub(crate) fn suggest_a_labels(name: &str) -> Option<String> {
    let ascii = idna::domain_to_ascii(name).ok()?;
    check_ascii_domain(ascii.as_bytes()).ok()?;
    Some(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["a", "example.com", "MX1.Example.COM", "a-b.c0", "xn--bcher-kva.example"] {
            assert_eq!(check_ascii_domain(name.as_bytes()), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_bad_names() {
        let cases: &[(&str, DomainErrorKind)] = &[
            ("", DomainErrorKind::Empty),
            (".a", DomainErrorKind::EmptyLabel { offset: 0 }),
            ("a..b", DomainErrorKind::EmptyLabel { offset: 2 }),
            ("a.", DomainErrorKind::EmptyLabel { offset: 2 }),
            ("-a.b", DomainErrorKind::HyphenAtEdge { offset: 0 }),
            ("a-.b", DomainErrorKind::HyphenAtEdge { offset: 0 }),
            ("a_b.c", DomainErrorKind::InvalidChar { offset: 1, ch: '_' }),
            ("1.2.3.4", DomainErrorKind::IpLiteral),
            ("1.2.3", DomainErrorKind::IpLiteral),
            ("xn--zz-.example", DomainErrorKind::HyphenAtEdge { offset: 0 }),
        ];
        for (name, kind) in cases {
            assert_eq!(check_ascii_domain(name.as_bytes()).as_ref(), Err(kind), "{name}");
        }
        let long_label = "a".repeat(64);
        assert_eq!(
            check_ascii_domain(long_label.as_bytes()),
            Err(DomainErrorKind::LabelTooLong { offset: 0, len: 64 })
        );
        let long_name = ["a"; 127].join(".");
        assert_eq!(long_name.len(), 253);
        assert_eq!(check_ascii_domain(long_name.as_bytes()), Ok(()));
        let too_long = format!("{long_name}.bc");
        assert_eq!(
            check_ascii_domain(too_long.as_bytes()),
            Err(DomainErrorKind::TooLong { len: 256 })
        );
    }

    #[test]
    fn refuses_invalid_punycode() {
        assert!(matches!(
            check_ascii_domain(b"xn--a.example"),
            Err(DomainErrorKind::InvalidALabel { offset: 0 })
        ));
    }

    #[test]
    fn normalises() {
        assert_eq!(normalize_domain("EXAMPLE.com.").as_deref(), Ok("example.com"));
        assert_eq!(
            normalize_domain("Bücher.Example").as_deref(),
            Ok("xn--bcher-kva.example")
        );
        assert!(normalize_domain("example.com..").is_err());
        assert!(normalize_domain("[192.0.2.1]").is_err());
    }
}
