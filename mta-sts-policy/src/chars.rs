//! A character-class table for the hot loops of the parsers: one load per byte
//! instead of a chain of comparisons.

/// A control character other than TAB, LF and CR, or DEL.
pub(crate) const CTL: u8 = 1;
/// CR.
pub(crate) const CR: u8 = 2;
/// `ALPHA / DIGIT / "_" / "-" / "."`: extension-name characters.
pub(crate) const NAME: u8 = 4;
/// A lower-case letter, a digit or `-`: domain characters that need no change.
pub(crate) const LDH: u8 = 8;
/// An upper-case letter.
pub(crate) const UPPER: u8 = 16;
/// A digit.
pub(crate) const DIGIT: u8 = 32;
/// `%x21-3A / %x3C / %x3E-7E`: a TXT-record field value character.
pub(crate) const VALUE: u8 = 64;
/// `ALPHA / DIGIT`.
pub(crate) const ALNUM: u8 = 128;

const fn build() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0usize;
    while i < 256 {
        let b = i as u8;
        let mut c = 0u8;
        if (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0x7f {
            c |= CTL;
        }
        if b == b'\r' {
            c |= CR;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' {
            c |= NAME;
        }
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' {
            c |= LDH;
        }
        if b.is_ascii_uppercase() {
            c |= UPPER;
        }
        if b.is_ascii_digit() {
            c |= DIGIT;
        }
        if (b >= 0x21 && b <= 0x3a) || b == 0x3c || (b >= 0x3e && b <= 0x7e) {
            c |= VALUE;
        }
        if b.is_ascii_alphanumeric() {
            c |= ALNUM;
        }
        // `i` is below 256, the table's length.
        #[allow(clippy::indexing_slicing)]
        {
            table[i] = c;
        }
        i += 1;
    }
    table
}

static TABLE: [u8; 256] = build();

/// The classes of byte `b`.
#[inline]
pub(crate) fn class(b: u8) -> u8 {
    TABLE.get(usize::from(b)).copied().unwrap_or(0)
}

/// The union of the classes of all bytes: one branch-free pass.
#[inline]
pub(crate) fn classes_of(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |acc, &b| acc | class(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(class(b'\t'), 0);
        assert_eq!(class(0), CTL);
        assert_eq!(class(0x7f), CTL);
        assert_eq!(class(b'\r'), CR);
        assert_eq!(class(b'a'), NAME | LDH | VALUE | ALNUM);
        assert_eq!(class(b'Z'), NAME | UPPER | VALUE | ALNUM);
        assert_eq!(class(b'7'), NAME | LDH | DIGIT | VALUE | ALNUM);
        assert_eq!(class(b'-'), NAME | LDH | VALUE);
        assert_eq!(class(b'.'), NAME | VALUE);
        assert_eq!(class(b'_'), NAME | VALUE);
        assert_eq!(class(b'='), 0);
        assert_eq!(class(b';'), 0);
        assert_eq!(class(b' '), 0);
        assert_eq!(class(b'!'), VALUE);
        assert_eq!(class(0xc3), 0);
        assert_eq!(classes_of(b"ab\r"), NAME | LDH | CR | VALUE | ALNUM);
    }
}
