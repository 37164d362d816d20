//! Extension fields: key/value pairs the RFC does not define, kept but not acted on.

/// An unknown field of a TXT record or a policy file, kept in order of first
/// appearance. RFC 8461 §3.1 and §3.2 require unknown fields to be ignored; they are
/// kept here so that tools can show them and so that a policy serialises back to
/// what it was.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Extension {
    name: String,
    value: String,
}

impl Extension {
    pub(crate) fn new_unchecked(name: String, value: String) -> Self {
        Self { name, value }
    }

    /// The field name, exactly as written (names are case-sensitive).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field value, without surrounding whitespace.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// `ALPHA / DIGIT`: the first character of an extension name.
pub(crate) fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `ALPHA / DIGIT / "_" / "-" / "."`: the other characters of an extension name.
pub(crate) fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The longest extension name: one start character and at most 31 more.
pub(crate) const MAX_NAME_LEN: usize = 32;

/// Checks an extension name against
/// `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
pub(crate) fn is_valid_name(name: &[u8]) -> bool {
    match name.split_first() {
        Some((&first, rest)) => {
            is_name_start(first) && rest.len() < MAX_NAME_LEN && rest.iter().all(|&b| is_name_char(b))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name(b"a"));
        assert!(is_valid_name(b"0a_b-c.d"));
        assert!(is_valid_name("a".repeat(32).as_bytes()));
        assert!(!is_valid_name("a".repeat(33).as_bytes()));
        assert!(!is_valid_name(b""));
        assert!(!is_valid_name(b"_a"));
        assert!(!is_valid_name(b"a b"));
    }
}
