//! The `_mta-sts` TXT record (RFC 8461 §3.1).
//!
//! > ```notrust
//! > sts-text-record = sts-version 1*(sts-field-delim sts-field)
//! >                   [sts-field-delim]
//! > sts-field       = sts-id / sts-extension
//! > sts-field-delim = *WSP ";" *WSP
//! > sts-version     = %s"v=STSv1"
//! > sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//! > sts-extension   = sts-ext-name "=" sts-ext-value
//! > sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! > sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
//! > ```

use std::fmt;

use thiserror::Error;

use crate::chars::{class, ALNUM, NAME, VALUE};
use crate::extension::{Extension, MAX_NAME_LEN};

/// The version field every `_mta-sts` record begins with.
pub const STS_RECORD_VERSION: &str = "v=STSv1";

/// The longest policy id (RFC 8461 §3.1: `1*32(ALPHA / DIGIT)`).
pub const MAX_ID_LEN: usize = 32;

/// The `id` of an `_mta-sts` record: 1 to 32 ASCII letters or digits.
///
/// Stored inline, so comparing the id of a fresh record with a cached one never
/// allocates. Ids are compared exactly (they are opaque, RFC 8461 §3.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId {
    bytes: [u8; MAX_ID_LEN],
    len: u8,
}

impl PolicyId {
    /// Makes an id from its text; `None` unless it is 1 to 32 ASCII letters or digits.
    ///
    /// ```
    /// use mta_sts_policy::PolicyId;
    /// assert_eq!(PolicyId::new("20160831085700Z").unwrap().as_str(), "20160831085700Z");
    /// assert!(PolicyId::new("a-b").is_none());
    /// ```
    pub fn new(text: &str) -> Option<Self> {
        Self::from_bytes(text.as_bytes())
    }

    fn from_bytes(text: &[u8]) -> Option<Self> {
        if text.is_empty() || text.len() > MAX_ID_LEN || !text.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut bytes = [0u8; MAX_ID_LEN];
        bytes.get_mut(..text.len())?.copy_from_slice(text);
        Some(Self {
            bytes,
            len: u8::try_from(text.len()).ok()?,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        let used = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        std::str::from_utf8(used).unwrap_or_default()
    }
}

impl fmt::Debug for PolicyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PolicyId({:?})", self.as_str())
    }
}

impl fmt::Display for PolicyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `_mta-sts` TXT record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsRecord {
    id: PolicyId,
    extensions: Vec<Extension>,
}

/// What is wrong with a TXT record.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The record does not begin with `v=STSv1` followed by `;` or its end.
    #[error("the record does not begin with \"v=STSv1\"")]
    NotStsRecord,
    /// A `;` was expected between fields.
    #[error("expected ';' between fields")]
    ExpectedDelimiter,
    /// A field name does not fit `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
    #[error("invalid field name")]
    InvalidFieldName,
    /// A field name is longer than 32 characters.
    #[error("field name longer than 32 characters")]
    FieldNameTooLong,
    /// A field name is not followed by `=`.
    #[error("expected '=' after the field name")]
    ExpectedEquals,
    /// A field has an empty value.
    #[error("empty field value")]
    EmptyValue,
    /// A character that may not appear in a field value (space, `=`, a control
    /// character, or anything that is not US-ASCII).
    #[error("character {0:?} is not allowed here")]
    InvalidChar(char),
    /// The `id` value is not 1 to 32 ASCII letters or digits.
    #[error("the id must be 1 to 32 ASCII letters or digits")]
    InvalidId,
    /// The record has no `id` field.
    #[error("the record has no id field")]
    MissingId,
}

/// A TXT record that is not a valid `_mta-sts` record: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("column {column}: {kind}")]
pub struct RecordError {
    /// 1-based column (byte offset + 1) in the record where the problem is.
    pub column: usize,
    /// What is wrong.
    pub kind: RecordErrorKind,
}

/// Why no usable `_mta-sts` record was found in a DNS answer (RFC 8461 §3.1).
///
/// In every case the sender must treat the domain as having no available policy
/// for this lookup; a cached policy is not removed because of it (§5.1).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// No record in the answer begins with `v=STSv1`.
    #[error("no record begins with \"v=STSv1\"")]
    NoRecord,
    /// More than one record begins with `v=STSv1`.
    #[error("{count} records begin with \"v=STSv1\"; exactly one is required")]
    MultipleRecords {
        /// How many did.
        count: usize,
    },
    /// The one record that begins with `v=STSv1` is not valid.
    #[error("invalid record: {0}")]
    Invalid(RecordError),
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `sts-field-delim = *WSP ";" *WSP` starting at `i`: the index after it.
fn delimiter_end(input: &[u8], mut i: usize) -> Option<usize> {
    while input.get(i).copied().is_some_and(is_wsp) {
        i += 1;
    }
    if input.get(i) != Some(&b';') {
        return None;
    }
    i += 1;
    while input.get(i).copied().is_some_and(is_wsp) {
        i += 1;
    }
    Some(i)
}

/// Whether a record begins with `v=STSv1` followed by a delimiter or its end:
/// the test RFC 8461 §3.1 uses to discard unrelated TXT records.
pub fn is_sts_record(record: &[u8]) -> bool {
    let v = STS_RECORD_VERSION.len();
    record.starts_with(STS_RECORD_VERSION.as_bytes()) && (record.len() == v || delimiter_end(record, v).is_some())
}

/// The one record of an answer that begins with `v=STSv1` (RFC 8461 §3.1), not
/// yet parsed; an error when there is none or more than one.
pub(crate) fn single_sts_record<I>(answer: I) -> Result<I::Item, DiscoveryError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut found: Option<I::Item> = None;
    let mut count = 0usize;
    for record in answer {
        if is_sts_record(record.as_ref()) {
            count += 1;
            if found.is_none() {
                found = Some(record);
            }
        }
    }
    match (count, found) {
        (1, Some(record)) => Ok(record),
        (0, _) | (_, None) => Err(DiscoveryError::NoRecord),
        (count, Some(_)) => Err(DiscoveryError::MultipleRecords { count }),
    }
}

impl StsRecord {
    /// Parses one TXT record (its strings already concatenated, RFC 8461 §3.1).
    ///
    /// ```
    /// use mta_sts_policy::StsRecord;
    /// let record = StsRecord::parse("v=STSv1; id=20160831085700Z;").unwrap();
    /// assert_eq!(record.id().as_str(), "20160831085700Z");
    /// ```
    pub fn parse(record: impl AsRef<[u8]>) -> Result<Self, RecordError> {
        parse_record(record.as_ref())
    }

    /// Finds the usable record in a whole DNS answer: records that do not begin
    /// with `v=STSv1` are discarded; exactly one must remain, and it must be valid.
    /// Each item is one record with its strings already concatenated.
    ///
    /// ```
    /// use mta_sts_policy::{DiscoveryError, StsRecord};
    /// let answer = ["google-site-verification=abc", "v=STSv1; id=1"];
    /// assert_eq!(StsRecord::discover(answer).unwrap().id().as_str(), "1");
    /// assert_eq!(StsRecord::discover(["v=spf1 -all"]), Err(DiscoveryError::NoRecord));
    /// ```
    pub fn discover<I>(answer: I) -> Result<Self, DiscoveryError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        Self::parse(single_sts_record(answer)?).map_err(DiscoveryError::Invalid)
    }

    /// The policy id.
    pub fn id(&self) -> PolicyId {
        self.id
    }

    /// Unknown fields, in order of first appearance (later duplicates dropped).
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }
}

/// The character that begins `bytes`, U+FFFD when they are not UTF-8 there.
fn first_char(bytes: &[u8]) -> char {
    let end = bytes.len().min(4);
    let head = bytes.get(..end).unwrap_or_default();
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or_default(),
    };
    text.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// How many bytes from `start` on are all of class `mask`.
fn span(input: &[u8], start: usize, mask: u8) -> usize {
    input
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| class(b) & mask != 0)
        .count()
}

fn parse_record(input: &[u8]) -> Result<StsRecord, RecordError> {
    let at = |i: usize, kind| RecordError { column: i + 1, kind };
    let v = STS_RECORD_VERSION.len();
    if !input.starts_with(STS_RECORD_VERSION.as_bytes()) {
        return Err(at(0, RecordErrorKind::NotStsRecord));
    }
    if !is_sts_record(input) {
        return Err(at(v, RecordErrorKind::NotStsRecord));
    }
    let mut id: Option<PolicyId> = None;
    let mut extensions: Vec<Extension> = Vec::new();
    let mut i = v;
    while i < input.len() {
        let Some(next) = delimiter_end(input, i) else {
            let mut j = i;
            while input.get(j).copied().is_some_and(is_wsp) {
                j += 1;
            }
            let kind = match input.get(j) {
                Some(&b) if !b.is_ascii() || b.is_ascii_control() => {
                    RecordErrorKind::InvalidChar(first_char(input.get(j..).unwrap_or_default()))
                }
                _ => RecordErrorKind::ExpectedDelimiter,
            };
            return Err(at(j, kind));
        };
        i = next;
        if i == input.len() {
            break;
        }
        let name_start = i;
        i += span(input, i, NAME);
        if i - name_start > MAX_NAME_LEN {
            return Err(at(name_start, RecordErrorKind::FieldNameTooLong));
        }
        if i == name_start || input.get(name_start).is_none_or(|&b| class(b) & ALNUM == 0) {
            return Err(at(name_start, RecordErrorKind::InvalidFieldName));
        }
        let name = input.get(name_start..i).unwrap_or_default();
        if input.get(i) != Some(&b'=') {
            return Err(at(i, RecordErrorKind::ExpectedEquals));
        }
        i += 1;
        let value_start = i;
        i += span(input, i, VALUE);
        if i == value_start {
            return Err(at(value_start, RecordErrorKind::EmptyValue));
        }
        if let Some(&b) = input.get(i) {
            if !matches!(b, b' ' | b'\t' | b';') {
                return Err(at(
                    i,
                    RecordErrorKind::InvalidChar(first_char(input.get(i..).unwrap_or_default())),
                ));
            }
        }
        let value = input.get(value_start..i).unwrap_or_default();
        if name == b"id" {
            let parsed = PolicyId::from_bytes(value).ok_or_else(|| at(value_start, RecordErrorKind::InvalidId))?;
            id.get_or_insert(parsed);
        } else {
            // Both are ASCII: the grammar above admits nothing else.
            let name = String::from_utf8_lossy(name);
            if !extensions.iter().any(|e| e.name() == name) {
                let value = String::from_utf8_lossy(value).into_owned();
                extensions.push(Extension::new_unchecked(name.into_owned(), value));
            }
        }
    }
    match id {
        Some(id) => Ok(StsRecord { id, extensions }),
        None => Err(at(input.len(), RecordErrorKind::MissingId)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(record: &str) -> RecordErrorKind {
        StsRecord::parse(record).unwrap_err().kind
    }

    #[test]
    fn parses_the_rfc_example() {
        let record = StsRecord::parse("v=STSv1; id=20160831085700Z;").unwrap();
        assert_eq!(record.id().as_str(), "20160831085700Z");
        assert!(record.extensions().is_empty());
    }

    #[test]
    fn delimiters_and_whitespace() {
        for ok in [
            "v=STSv1;id=1",
            "v=STSv1 ;\tid=1",
            "v=STSv1; id=1;",
            "v=STSv1; id=1 ; ",
            "v=STSv1;id=1;x=y",
        ] {
            assert_eq!(StsRecord::parse(ok).unwrap().id().as_str(), "1", "{ok}");
        }
        assert_eq!(kind("v=STSv1; id=1;;"), RecordErrorKind::InvalidFieldName);
        assert_eq!(kind("v=STSv1; id=1 "), RecordErrorKind::ExpectedDelimiter);
        assert_eq!(kind("v=STSv1 id=1"), RecordErrorKind::NotStsRecord);
        assert_eq!(kind("v=STSv1; id=1 x=y"), RecordErrorKind::ExpectedDelimiter);
    }

    #[test]
    fn column_of_errors() {
        let err = StsRecord::parse("v=STSv1; id=a-b").unwrap_err();
        assert_eq!(
            err,
            RecordError {
                column: 13,
                kind: RecordErrorKind::InvalidId
            }
        );
        let err = StsRecord::parse("v=STSv1; id=1; k=v=w").unwrap_err();
        assert_eq!(err.column, 19);
        assert_eq!(err.kind, RecordErrorKind::InvalidChar('='));
    }

    #[test]
    fn non_ascii_is_refused() {
        assert_eq!(kind("v=STSv1; id=1; k=vé"), RecordErrorKind::InvalidChar('é'));
    }
}
