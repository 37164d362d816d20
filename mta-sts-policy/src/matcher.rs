//! A compiled set of `mx` patterns, for matching many candidate hosts.

use std::collections::HashSet;

use crate::pattern::{wildcard_suffix, with_normal_host, MxPattern};

type NameSet = HashSet<Box<[u8]>, foldhash::fast::RandomState>;

/// The `mx` patterns of a policy, compiled for matching (RFC 8461 §4.1).
///
/// Exact names and wildcard suffixes live in two hash sets, so a match costs two
/// hash lookups whatever the number of patterns. Matching an ASCII host allocates
/// nothing: it is lowered into a stack buffer. A host with non-ASCII labels is
/// converted to A-labels first (that path allocates). A host that is an IP
/// literal never matches.
///
/// ```
/// use mta_sts_policy::{MxMatcher, MxPattern};
/// let matcher = MxMatcher::new(&[
///     MxPattern::new("mail.example.com").unwrap(),
///     MxPattern::new("*.example.net").unwrap(),
/// ]);
/// assert!(matcher.matches("MAIL.example.com."));
/// assert!(matcher.matches("mx1.example.net"));
/// assert!(!matcher.matches("example.net"));
/// ```
#[derive(Clone, Debug)]
pub struct MxMatcher {
    exact: NameSet,
    wildcard: NameSet,
}

impl MxMatcher {
    /// Compiles a list of patterns.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a MxPattern>) -> Self {
        let mut exact = NameSet::default();
        let mut wildcard = NameSet::default();
        for pattern in patterns {
            let set = if pattern.is_wildcard() {
                &mut wildcard
            } else {
                &mut exact
            };
            set.insert(Box::from(pattern.domain().as_bytes()));
        }
        Self { exact, wildcard }
    }

    /// Whether `host` (an MX host name, as the MX record gave it) matches one of
    /// the patterns.
    pub fn matches(&self, host: &str) -> bool {
        with_normal_host(host, |host| {
            self.exact.contains(host) || wildcard_suffix(host).is_some_and(|suffix| self.wildcard.contains(suffix))
        })
        .unwrap_or(false)
    }

    /// The number of distinct patterns.
    pub fn len(&self) -> usize {
        self.exact.len() + self.wildcard.len()
    }

    /// Whether there are no patterns (nothing matches).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_patterns() {
        let patterns: Vec<MxPattern> = ["a.example", "*.b.example", "b.example"]
            .iter()
            .map(|p| MxPattern::new(p).unwrap())
            .collect();
        let m = MxMatcher::new(&patterns);
        assert_eq!(m.len(), 3);
        for host in [
            "a.example",
            "A.EXAMPLE.",
            "x.b.example",
            "b.example",
            "x.a.example",
            "y.x.b.example",
            "",
            ".",
            "1.2.3.4",
        ] {
            let expected = patterns.iter().any(|p| p.matches(host));
            assert_eq!(m.matches(host), expected, "{host}");
        }
    }

    #[test]
    fn empty_matches_nothing() {
        let m = MxMatcher::new(&[]);
        assert!(m.is_empty());
        assert!(!m.matches("example.com"));
    }
}
