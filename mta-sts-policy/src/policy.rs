//! The MTA-STS policy (RFC 8461 §3.2): the model, building one in code, and its
//! canonical text.

use std::fmt;

use crate::extension::{is_valid_name, Extension};
use crate::matcher::MxMatcher;
use crate::pattern::MxPattern;

/// The only policy version RFC 8461 defines.
pub const POLICY_VERSION: &str = "STSv1";

/// The largest `max_age` RFC 8461 §3.2 allows: 31557600 seconds (one year).
pub const MAX_MAX_AGE: u64 = 31_557_600;

/// The `mode` of a policy (RFC 8461 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Do not deliver to an MX that fails validation.
    Enforce,
    /// Deliver, and report failures (TLS-RPT).
    Testing,
    /// Treat the domain as having no active policy (how a domain opts out).
    None,
}

impl Mode {
    /// The mode as the policy file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }

    /// Parses the exact (case-sensitive) value of a `mode` field.
    pub fn from_value(value: &str) -> Option<Self> {
        match value {
            "enforce" => Some(Mode::Enforce),
            "testing" => Some(Mode::Testing),
            "none" => Some(Mode::None),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A valid MTA-STS policy.
///
/// Every value of this type is valid: it comes from the parser
/// ([`Policy::parse`], [`Policy::parse_strict`]) or from [`PolicyBuilder`]. Its
/// [`Display`](fmt::Display) is the canonical policy text (CRLF line ends), which
/// parses back to an equal value.
///
/// ```
/// use mta_sts_policy::{Mode, Policy};
/// let policy = Policy::builder(Mode::Enforce, 604800)
///     .mx("mail.example.com").unwrap()
///     .mx("*.example.net").unwrap()
///     .build().unwrap();
/// let text = policy.to_string();
/// assert_eq!(text, "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n");
/// assert_eq!(Policy::parse_strict(text.as_bytes()).unwrap().policy, policy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    pub(crate) mode: Mode,
    pub(crate) max_age: u64,
    pub(crate) mx: Vec<MxPattern>,
    pub(crate) extensions: Vec<Extension>,
}

impl Policy {
    /// Starts building a policy in code.
    pub fn builder(mode: Mode, max_age: u64) -> PolicyBuilder {
        PolicyBuilder {
            mode,
            max_age,
            mx: Vec::new(),
            extensions: Vec::new(),
        }
    }

    /// The policy version: always `STSv1`.
    pub fn version(&self) -> &'static str {
        POLICY_VERSION
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// `max_age` in seconds, at most [`MAX_MAX_AGE`].
    pub fn max_age(&self) -> u64 {
        self.max_age
    }

    /// The `mx` patterns, in policy order.
    pub fn mx(&self) -> &[MxPattern] {
        &self.mx
    }

    /// Unknown fields, in order of first appearance.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// Whether `host` matches one of the `mx` patterns (RFC 8461 §4.1). For many
    /// hosts against the same policy, compile it once with [`Policy::matcher`].
    pub fn matches_mx(&self, host: &str) -> bool {
        crate::pattern::with_normal_host(host, |host| self.mx.iter().any(|p| p.matches_normal(host))).unwrap_or(false)
    }

    /// The compiled matcher of this policy's `mx` patterns.
    pub fn matcher(&self) -> MxMatcher {
        MxMatcher::new(&self.mx)
    }
}

impl fmt::Display for Policy {
    /// The canonical text: `version`, `mode`, each `mx`, `max_age`, then the
    /// extensions, one per line, each line ended by CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "version: {POLICY_VERSION}\r\nmode: {}\r\n", self.mode)?;
        for mx in &self.mx {
            write!(f, "mx: {mx}\r\n")?;
        }
        write!(f, "max_age: {}\r\n", self.max_age)?;
        for ext in &self.extensions {
            write!(f, "{}: {}\r\n", ext.name(), ext.value())?;
        }
        Ok(())
    }
}

/// Why [`PolicyBuilder`] refused to build a policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An `mx` pattern is invalid.
    #[error("invalid mx pattern {pattern:?}: {error}")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// Why.
        error: crate::pattern::PatternError,
    },
    /// `max_age` is above 31557600.
    #[error("max_age {0} is above the maximum of 31557600")]
    MaxAgeTooLarge(u64),
    /// The mode is `enforce` or `testing` and there is no `mx` pattern.
    #[error("a policy in mode {0} needs at least one mx pattern")]
    MissingMx(Mode),
    /// An extension name is not valid, or is one of the RFC's own keys.
    #[error("invalid extension name {0:?}")]
    ExtensionName(String),
    /// An extension value is empty, has leading or trailing spaces, or a control character.
    #[error("invalid value for extension {0:?}")]
    ExtensionValue(String),
    /// The same extension name was given twice.
    #[error("extension {0:?} given twice")]
    DuplicateExtension(String),
}

/// Builds a [`Policy`] in code, checking each part (for domain owners who
/// generate their policy file). Made by [`Policy::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct PolicyBuilder {
    mode: Mode,
    max_age: u64,
    mx: Vec<MxPattern>,
    extensions: Vec<Extension>,
}

impl PolicyBuilder {
    /// Adds an `mx` pattern written with A-labels (see [`MxPattern::new`]).
    pub fn mx(mut self, pattern: &str) -> Result<Self, BuildError> {
        let parsed = MxPattern::new(pattern).map_err(|error| BuildError::Pattern {
            pattern: pattern.to_owned(),
            error,
        })?;
        self.mx.push(parsed);
        Ok(self)
    }

    /// Adds an already parsed `mx` pattern.
    pub fn mx_pattern(mut self, pattern: MxPattern) -> Self {
        self.mx.push(pattern);
        self
    }

    /// Adds an extension field.
    pub fn extension(mut self, name: &str, value: &str) -> Result<Self, BuildError> {
        if !is_valid_name(name.as_bytes()) || matches!(name, "version" | "mode" | "max_age" | "mx") {
            return Err(BuildError::ExtensionName(name.to_owned()));
        }
        if !crate::parse::is_valid_ext_value(value) {
            return Err(BuildError::ExtensionValue(name.to_owned()));
        }
        if self.extensions.iter().any(|e| e.name() == name) {
            return Err(BuildError::DuplicateExtension(name.to_owned()));
        }
        self.extensions
            .push(Extension::new_unchecked(name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// Checks the whole and returns the policy.
    pub fn build(self) -> Result<Policy, BuildError> {
        if self.max_age > MAX_MAX_AGE {
            return Err(BuildError::MaxAgeTooLarge(self.max_age));
        }
        if self.mx.is_empty() && self.mode != Mode::None {
            return Err(BuildError::MissingMx(self.mode));
        }
        Ok(Policy {
            mode: self.mode,
            max_age: self.max_age,
            mx: self.mx,
            extensions: self.extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_checks() {
        assert_eq!(
            Policy::builder(Mode::Enforce, 1).build(),
            Err(BuildError::MissingMx(Mode::Enforce))
        );
        assert!(Policy::builder(Mode::None, 1).build().is_ok());
        assert_eq!(
            Policy::builder(Mode::None, MAX_MAX_AGE + 1).build(),
            Err(BuildError::MaxAgeTooLarge(MAX_MAX_AGE + 1))
        );
        let b = Policy::builder(Mode::None, 1);
        assert!(b.clone().extension("mode", "x").is_err());
        assert!(b.clone().extension("_x", "x").is_err());
        assert!(b.clone().extension("x", " y").is_err());
        assert!(b.clone().extension("x", "").is_err());
        assert!(b.clone().extension("x", "a\tb").is_err());
        assert!(b.clone().extension("x", "a b ü").is_ok());
        assert!(b.clone().extension("x", "1").unwrap().extension("x", "2").is_err());
        assert!(b.mx("a..b").is_err());
    }

    #[test]
    fn serialises_extensions_last() {
        let p = Policy::builder(Mode::Testing, 86400)
            .mx("mx.example.com")
            .unwrap()
            .extension("foo", "bar baz")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            p.to_string(),
            "version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 86400\r\nfoo: bar baz\r\n"
        );
    }
}
