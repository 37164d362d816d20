//! The policy file parser (RFC 8461 §3.2), with a strict and a default entry point
//! over one grammar.
//!
//! > ```notrust
//! > sts-policy-record      = sts-policy-field *WSP
//! >                          *(sts-policy-term sts-policy-field *WSP)
//! >                          [sts-policy-term]
//! > sts-policy-field-delim = ":" *WSP
//! > sts-policy-term        = LF / CRLF
//! > sts-policy-ext-name    = (sts-policy-alphanum)
//! >                          *31(sts-policy-alphanum / "_" / "-" / ".")
//! > sts-policy-ext-value   = sts-policy-vchar
//! >                          [*(%x20 / sts-policy-vchar) sts-policy-vchar]
//! > sts-policy-vchar       = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4
//! > ```
//!
//! The default mode accepts a documented set of safe deviations and reports each
//! as a [`Warning`]: a UTF-8 byte order mark, blank lines, whitespace before a key,
//! a trailing dot on an `mx` value, and a `max_age` above 31557600 (clamped). The
//! strict mode refuses them. Everything else is an error in both modes, including
//! a known key with a value outside its grammar (`mode: Enforce`): the ABNF would
//! let such a line pass as an ignored extension and silently drop the field.

use std::collections::HashMap;
use std::fmt;

use crate::chars::{class, classes_of, CR, CTL, NAME};
use crate::extension::{is_valid_name, Extension};
use crate::pattern::{MxPattern, PatternError};
use crate::policy::{Mode, Policy, MAX_MAX_AGE, POLICY_VERSION};

/// The default limit on a policy body: 64 KiB, as RFC 8461 §3.3 suggests.
pub const DEFAULT_MAX_POLICY_SIZE: usize = 64 * 1024;

/// At most this many errors are collected from one policy; parsing stops there.
pub const MAX_ERRORS: usize = 100;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to parse a policy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Refuse every deviation from the ABNF (for linters and domain owners)
    /// instead of accepting the safe ones with a warning (for senders).
    pub strict: bool,
    /// The largest input accepted, in bytes.
    pub max_size: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            strict: false,
            max_size: DEFAULT_MAX_POLICY_SIZE,
        }
    }
}

impl ParseOptions {
    /// The strict options: every deviation is an error.
    pub fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }
}

/// A place in a policy file: 1-based line, and 1-based column counted in
/// characters (a byte order mark is not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A known field of a policy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `version`
    Version,
    /// `mode`
    Mode,
    /// `max_age`
    MaxAge,
    /// `mx`
    Mx,
}

impl Field {
    /// The key as the policy file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Version => "version",
            Field::Mode => "mode",
            Field::MaxAge => "max_age",
            Field::Mx => "mx",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a policy file. The variant is the stable kind a program
/// matches on; the message is for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The input is larger than the limit; it was not read further.
    #[error("the policy is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The bytes are not valid UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A CR not followed by LF.
    #[error("a CR not followed by LF; lines must end with LF or CRLF")]
    BareCr,
    /// A control character other than a tab.
    #[error("control character U+{:04X} is not allowed", u32::from(*.0))]
    ControlChar(char),
    /// A UTF-8 byte order mark (strict mode).
    #[error("a byte order mark is not allowed")]
    Bom,
    /// A blank line (strict mode).
    #[error("blank line")]
    BlankLine,
    /// Whitespace before a key (strict mode).
    #[error("whitespace before the key")]
    LeadingWhitespace,
    /// A line without `:`.
    #[error("expected \"key: value\", found no ':'")]
    MissingColon,
    /// A key that does not fit `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
    #[error("invalid key{}", if *.whitespace_before_colon { " (whitespace before ':')" } else { "" })]
    InvalidKey {
        /// The key is followed by whitespace and then `:`.
        whitespace_before_colon: bool,
    },
    /// A key with no value.
    #[error("{key} has no value")]
    EmptyValue {
        /// The key.
        key: String,
    },
    /// `version` is not exactly `STSv1`.
    #[error("version must be \"STSv1\", found {0:?}")]
    InvalidVersion(String),
    /// `mode` is not exactly `enforce`, `testing` or `none` (values are case-sensitive).
    #[error("mode must be \"enforce\", \"testing\" or \"none\", found {0:?}")]
    InvalidMode(String),
    /// `max_age` is not 1 to 10 digits.
    #[error("max_age must be 1 to 10 digits, found {0:?}")]
    InvalidMaxAge(String),
    /// `max_age` is above 31557600 (strict mode).
    #[error("max_age {0} is above the maximum of 31557600")]
    MaxAgeTooLarge(u64),
    /// An `mx` value that is not `["*."] Domain`.
    #[error("invalid mx pattern {value:?}: {error}")]
    InvalidMx {
        /// The value as written.
        value: String,
        /// Why it is invalid.
        error: PatternError,
    },
    /// An `mx` value with a trailing dot (strict mode).
    #[error("mx pattern {0:?} has a trailing dot")]
    MxTrailingDot(String),
    /// An extension value with a character the grammar does not allow (a tab).
    #[error("invalid value for {name}")]
    InvalidExtensionValue {
        /// The extension's key.
        name: String,
    },
    /// A required field is missing.
    #[error("missing required field {field}{}", hint.as_deref().map(|h| format!(" (found {h:?}: keys are case-sensitive)")).unwrap_or_default())]
    MissingField {
        /// The field.
        field: Field,
        /// A key that differs from the field only in case, if there was one.
        hint: Option<String>,
    },
    /// No `mx` field, and the mode is not `none`.
    #[error("mode {0} requires at least one mx field")]
    MissingMx(Mode),
}

/// One error in a policy file: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {kind}")]
pub struct PolicyError {
    /// Where the problem is.
    pub position: Position,
    /// What it is.
    pub kind: PolicyErrorKind,
}

/// All the errors found in a policy file (at least one, at most [`MAX_ERRORS`]),
/// in order of position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl PolicyErrors {
    /// The errors.
    pub fn errors(&self) -> &[PolicyError] {
        &self.0
    }

    /// The first error.
    pub fn first(&self) -> Option<&PolicyError> {
        self.0.first()
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for e in &self.0 {
            write!(f, "{sep}{e}")?;
            sep = "; ";
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}

/// A deviation the default mode accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WarningKind {
    /// A UTF-8 byte order mark was skipped.
    #[error("byte order mark skipped")]
    Bom,
    /// A blank line was skipped.
    #[error("blank line skipped")]
    BlankLine,
    /// Whitespace before a key was skipped.
    #[error("whitespace before the key skipped")]
    LeadingWhitespace,
    /// A trailing dot on an `mx` value was removed.
    #[error("trailing dot removed from mx pattern {0:?}")]
    MxTrailingDot(String),
    /// `max_age` above 31557600 was clamped to 31557600.
    #[error("max_age {0} clamped to 31557600")]
    MaxAgeClamped(u64),
    /// A field other than `mx` appeared again; the first one is used.
    #[error("duplicate {name}, first given on line {first_line}, ignored")]
    Duplicate {
        /// The key.
        name: String,
        /// The line where it was first given.
        first_line: usize,
    },
}

/// A warning: where, and what was accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {kind}")]
pub struct Warning {
    /// Where the deviation is.
    pub position: Position,
    /// What it is.
    pub kind: WarningKind,
}

/// A parsed policy and the warnings of the deviations that were accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPolicy {
    /// The policy.
    pub policy: Policy,
    /// The accepted deviations, in order of position (empty in strict mode).
    pub warnings: Vec<Warning>,
}

impl Policy {
    /// Parses a policy file the way a sender should: the safe deviations are
    /// accepted, each with a [`Warning`].
    ///
    /// ```
    /// use mta_sts_policy::{Mode, Policy};
    /// let parsed = Policy::parse(b"version: STSv1\nmode: enforce\nmx: MAIL.example.com.\nmax_age: 604800\n").unwrap();
    /// assert_eq!(parsed.policy.mode(), Mode::Enforce);
    /// assert_eq!(parsed.policy.mx()[0].as_str(), "mail.example.com");
    /// assert_eq!(parsed.warnings.len(), 1); // the trailing dot
    /// ```
    pub fn parse(input: &[u8]) -> Result<ParsedPolicy, PolicyErrors> {
        Self::parse_with(input, &ParseOptions::default())
    }

    /// Parses a policy file strictly: every deviation from the ABNF is an error.
    pub fn parse_strict(input: &[u8]) -> Result<ParsedPolicy, PolicyErrors> {
        Self::parse_with(input, &ParseOptions::strict())
    }

    /// Parses a policy file with the given options.
    pub fn parse_with(input: &[u8], options: &ParseOptions) -> Result<ParsedPolicy, PolicyErrors> {
        parse_policy(input, options)
    }
}

/// `sts-policy-ext-value`: non-empty, no leading or trailing space, and only
/// `%x20`, `%x21-7E` and non-ASCII characters.
pub(crate) fn is_valid_ext_value(value: &str) -> bool {
    let vchar = |c: char| c > ' ' && c != '\x7f';
    match (value.chars().next(), value.chars().next_back()) {
        (Some(first), Some(last)) => vchar(first) && vchar(last) && value.chars().all(|c| c == ' ' || vchar(c)),
        _ => false,
    }
}

fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Column (1-based, in characters) of byte `offset` of a line.
fn column_of(line: &str, offset: usize) -> usize {
    line.get(..offset).map_or(offset, |prefix| prefix.chars().count()) + 1
}

struct Parser<'a> {
    options: ParseOptions,
    version: Option<usize>,
    mode: Option<(Mode, usize)>,
    max_age: Option<(u64, usize)>,
    mx: Vec<MxPattern>,
    extensions: Vec<Extension>,
    extension_lines: HashMap<&'a str, usize, foldhash::fast::RandomState>,
    case_hints: Vec<&'a str>,
    /// Known fields given only on lines with errors: reported there, not as missing.
    rejected: Vec<Field>,
    errors: Vec<PolicyError>,
    warnings: Vec<Warning>,
}

impl<'a> Parser<'a> {
    fn error(&mut self, line: usize, column: usize, kind: PolicyErrorKind) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(PolicyError {
                position: Position { line, column },
                kind,
            });
        }
    }

    /// A deviation: an error in strict mode, a warning otherwise.
    fn deviation(&mut self, line: usize, column: usize, error: PolicyErrorKind, warning: WarningKind) {
        if self.options.strict {
            self.error(line, column, error);
        } else {
            self.warnings.push(Warning {
                position: Position { line, column },
                kind: warning,
            });
        }
    }

    fn duplicate(&mut self, line: usize, name: &str, first_line: usize) {
        self.warnings.push(Warning {
            position: Position { line, column: 1 },
            kind: WarningKind::Duplicate {
                name: name.to_owned(),
                first_line,
            },
        });
    }

    /// One line, without its line end; `checked` is the same line as text when
    /// the whole input is already known to be valid UTF-8.
    fn line(&mut self, n: usize, raw: &'a [u8], checked: Option<&'a str>, scan: u8) {
        let bad = if scan & CTL != 0 || (scan & CR != 0 && raw.contains(&b'\r')) {
            raw.iter().position(|&b| class(b) & (CTL | CR) != 0)
        } else {
            None
        };
        if let Some(i) = bad {
            let prefix = raw.get(..i).unwrap_or_default();
            match std::str::from_utf8(prefix) {
                Err(e) => self.utf8_error(n, raw, e.valid_up_to()),
                Ok(text) => {
                    let column = text.chars().count() + 1;
                    let kind = match raw.get(i) {
                        Some(b'\r') => PolicyErrorKind::BareCr,
                        Some(&b) => PolicyErrorKind::ControlChar(char::from(b)),
                        None => PolicyErrorKind::InvalidUtf8,
                    };
                    self.error(n, column, kind);
                }
            }
            return;
        }
        let text = match checked {
            Some(text) => text,
            None => match std::str::from_utf8(raw) {
                Ok(text) => text,
                Err(e) => return self.utf8_error(n, raw, e.valid_up_to()),
            },
        };
        let bytes = text.as_bytes();
        let key_offset = bytes.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        if key_offset == bytes.len() {
            return self.deviation(n, 1, PolicyErrorKind::BlankLine, WarningKind::BlankLine);
        }
        if key_offset > 0 {
            self.deviation(n, 1, PolicyErrorKind::LeadingWhitespace, WarningKind::LeadingWhitespace);
        }
        let body = text.get(key_offset..).unwrap_or_default();
        let key_len = body.bytes().take_while(|&b| class(b) & NAME != 0).count();
        let key = body.get(..key_len).unwrap_or_default();
        let after_key = body.get(key_len..).unwrap_or_default();
        let Some(after_colon) = after_key.strip_prefix(':') else {
            let kind = match after_key.find(':') {
                None => PolicyErrorKind::MissingColon,
                Some(_) => PolicyErrorKind::InvalidKey {
                    whitespace_before_colon: !key.is_empty() && after_key.trim_start_matches(is_wsp).starts_with(':'),
                },
            };
            let column = match kind {
                PolicyErrorKind::MissingColon => column_of(text, key_offset),
                _ => column_of(text, key_offset + key.len()),
            };
            return self.error(n, column, kind);
        };
        if !is_valid_name(key.as_bytes()) {
            let kind = PolicyErrorKind::InvalidKey {
                whitespace_before_colon: false,
            };
            return self.error(n, column_of(text, key_offset), kind);
        }
        let value_start = after_colon.trim_start_matches(is_wsp);
        let value_offset = text.len() - value_start.len();
        let value = value_start.trim_end_matches(is_wsp);
        // Counting characters is only worth it when something is reported.
        let value_column = if text.is_ascii() {
            value_offset + 1
        } else {
            column_of(text, value_offset)
        };
        if value.is_empty() {
            if let Some(field) = [Field::Version, Field::Mode, Field::MaxAge, Field::Mx]
                .into_iter()
                .find(|f| f.as_str() == key)
            {
                self.rejected.push(field);
            }
            return self.error(n, value_column, PolicyErrorKind::EmptyValue { key: key.to_owned() });
        }
        match key {
            "version" => {
                if value != POLICY_VERSION {
                    self.rejected.push(Field::Version);
                    return self.error(n, value_column, PolicyErrorKind::InvalidVersion(value.to_owned()));
                }
                match self.version {
                    Some(first) => self.duplicate(n, key, first),
                    None => self.version = Some(n),
                }
            }
            "mode" => {
                let Some(mode) = Mode::from_value(value) else {
                    self.rejected.push(Field::Mode);
                    return self.error(n, value_column, PolicyErrorKind::InvalidMode(value.to_owned()));
                };
                match self.mode {
                    Some((_, first)) => self.duplicate(n, key, first),
                    None => self.mode = Some((mode, n)),
                }
            }
            "max_age" => {
                let digits_ok = (1..=10).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
                let Some(parsed) = digits_ok.then(|| value.parse::<u64>().ok()).flatten() else {
                    self.rejected.push(Field::MaxAge);
                    return self.error(n, value_column, PolicyErrorKind::InvalidMaxAge(value.to_owned()));
                };
                let clamped = if parsed > MAX_MAX_AGE {
                    self.deviation(
                        n,
                        value_column,
                        PolicyErrorKind::MaxAgeTooLarge(parsed),
                        WarningKind::MaxAgeClamped(parsed),
                    );
                    MAX_MAX_AGE
                } else {
                    parsed
                };
                match self.max_age {
                    Some((_, first)) => self.duplicate(n, key, first),
                    None => self.max_age = Some((clamped, n)),
                }
            }
            "mx" => {
                let pattern = match value.strip_suffix('.') {
                    Some(stripped) if !stripped.ends_with('.') => {
                        self.deviation(
                            n,
                            value_column,
                            PolicyErrorKind::MxTrailingDot(value.to_owned()),
                            WarningKind::MxTrailingDot(value.to_owned()),
                        );
                        stripped
                    }
                    _ => value,
                };
                match MxPattern::parse_normal(pattern) {
                    Ok(pattern) => self.mx.push(pattern),
                    Err(error) => {
                        self.rejected.push(Field::Mx);
                        self.error(
                            n,
                            value_column,
                            PolicyErrorKind::InvalidMx {
                                value: value.to_owned(),
                                error,
                            },
                        );
                    }
                }
            }
            _ => {
                if !is_valid_ext_value(value) {
                    return self.error(
                        n,
                        value_column,
                        PolicyErrorKind::InvalidExtensionValue { name: key.to_owned() },
                    );
                }
                if let Some(&first) = self.extension_lines.get(key) {
                    return self.duplicate(n, key, first);
                }
                if ["version", "mode", "max_age", "mx"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(key))
                {
                    self.case_hints.push(key);
                }
                self.extension_lines.insert(key, n);
                self.extensions
                    .push(Extension::new_unchecked(key.to_owned(), value.to_owned()));
            }
        }
    }

    fn utf8_error(&mut self, n: usize, raw: &[u8], valid_up_to: usize) {
        let valid = raw.get(..valid_up_to).unwrap_or_default();
        let column = std::str::from_utf8(valid).map_or(1, |t| t.chars().count() + 1);
        self.error(n, column, PolicyErrorKind::InvalidUtf8);
    }

    fn missing(&mut self, end: Position, field: Field) {
        if self.rejected.contains(&field) {
            return;
        }
        let hint = self
            .case_hints
            .iter()
            .find(|k| k.eq_ignore_ascii_case(field.as_str()))
            .map(|k| (*k).to_owned());
        self.error(end.line, end.column, PolicyErrorKind::MissingField { field, hint });
    }
}

fn position_of_offset(input: &[u8], offset: usize) -> Position {
    let before = input.get(..offset).unwrap_or(input);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    Position {
        line,
        column: offset - line_start + 1,
    }
}

fn parse_policy(input: &[u8], options: &ParseOptions) -> Result<ParsedPolicy, PolicyErrors> {
    if input.len() > options.max_size {
        return Err(PolicyErrors(vec![PolicyError {
            position: position_of_offset(input, options.max_size),
            kind: PolicyErrorKind::TooLarge {
                limit: options.max_size,
            },
        }]));
    }
    let mut p = Parser {
        options: *options,
        version: None,
        mode: None,
        max_age: None,
        mx: Vec::new(),
        extensions: Vec::new(),
        extension_lines: HashMap::default(),
        case_hints: Vec::new(),
        rejected: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut rest = input;
    if let Some(after) = input.strip_prefix(UTF8_BOM) {
        p.deviation(1, 1, PolicyErrorKind::Bom, WarningKind::Bom);
        rest = after;
    }
    // Validating the whole input at once is much cheaper than line by line; only
    // when it fails are lines validated one by one, to say where.
    let whole = std::str::from_utf8(rest).ok();
    // One branch-free pass says whether any line needs its control characters
    // (or a bare CR) looked for.
    let scan = classes_of(rest) & (CTL | CR);
    let mut offset = 0usize;
    let mut n = 0usize;
    let mut end = Position { line: 1, column: 1 };
    while !rest.is_empty() && p.errors.len() < MAX_ERRORS {
        n += 1;
        let (line, next, ended) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (
                rest.get(..i).unwrap_or_default(),
                rest.get(i + 1..).unwrap_or_default(),
                true,
            ),
            None => (rest, &[][..], false),
        };
        let line = if ended {
            line.strip_suffix(b"\r").unwrap_or(line)
        } else {
            line
        };
        // Line ends are ASCII, so the slice boundaries are character boundaries.
        let checked = whole.and_then(|w| w.get(offset..offset + line.len()));
        offset += rest.len() - next.len();
        p.line(n, line, checked, scan);
        end = if ended {
            Position { line: n + 1, column: 1 }
        } else {
            Position {
                line: n,
                column: String::from_utf8_lossy(line).chars().count() + 1,
            }
        };
        rest = next;
    }
    if p.version.is_none() {
        p.missing(end, Field::Version);
    }
    if p.mode.is_none() {
        p.missing(end, Field::Mode);
    }
    if p.max_age.is_none() {
        p.missing(end, Field::MaxAge);
    }
    if let Some((mode, _)) = p.mode {
        if mode != Mode::None && p.mx.is_empty() && !p.rejected.contains(&Field::Mx) {
            p.error(end.line, end.column, PolicyErrorKind::MissingMx(mode));
        }
    }
    match (p.errors.is_empty(), p.mode, p.max_age) {
        (true, Some((mode, _)), Some((max_age, _))) => Ok(ParsedPolicy {
            policy: Policy {
                mode,
                max_age,
                mx: p.mx,
                extensions: p.extensions,
            },
            warnings: p.warnings,
        }),
        _ => Err(PolicyErrors(p.errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_EXAMPLE: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";

    fn err_kinds(input: &str, strict: bool) -> Vec<(usize, usize, PolicyErrorKind)> {
        let options = if strict {
            ParseOptions::strict()
        } else {
            ParseOptions::default()
        };
        Policy::parse_with(input.as_bytes(), &options)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.position.line, e.position.column, e.kind))
            .collect()
    }

    #[test]
    fn rfc_example() {
        let parsed = Policy::parse_strict(RFC_EXAMPLE.as_bytes()).unwrap();
        assert!(parsed.warnings.is_empty());
        assert_eq!(parsed.policy.to_string(), RFC_EXAMPLE);
    }

    #[test]
    fn key_errors_have_positions() {
        assert_eq!(
            err_kinds("version: STSv1\nmode : enforce\nmax_age: 1\nmx: a.b\n", false),
            vec![
                (
                    2,
                    5,
                    PolicyErrorKind::InvalidKey {
                        whitespace_before_colon: true
                    }
                ),
                (
                    5,
                    1,
                    PolicyErrorKind::MissingField {
                        field: Field::Mode,
                        hint: None
                    }
                ),
            ]
        );
        assert_eq!(
            err_kinds("version: STSv1\nmode enforce", false).first().cloned(),
            Some((2, 1, PolicyErrorKind::MissingColon))
        );
    }

    #[test]
    fn case_hint() {
        let errs = err_kinds("version: STSv1\nMode: enforce\nmax_age: 1\nmx: a.b", false);
        assert_eq!(
            errs,
            vec![(
                4,
                8,
                PolicyErrorKind::MissingField {
                    field: Field::Mode,
                    hint: Some("Mode".into())
                }
            )]
        );
    }

    #[test]
    fn columns_count_characters() {
        let errs = err_kinds("version: STSv1\nmode: none\nmax_age: 1\nnäme: x\tdone\n", false);
        assert_eq!(
            errs,
            vec![(
                4,
                2,
                PolicyErrorKind::InvalidKey {
                    whitespace_before_colon: false
                }
            )]
        );
        let errs = err_kinds("version: STSv1\nmode: none\nmax_age: 1\nnote: ü\tx\n", false);
        assert_eq!(
            errs,
            vec![(4, 7, PolicyErrorKind::InvalidExtensionValue { name: "note".into() })]
        );
    }

    #[test]
    fn error_count_is_capped() {
        let input = "x\n".repeat(1000);
        let errs = Policy::parse(input.as_bytes()).unwrap_err();
        assert_eq!(errs.0.len(), MAX_ERRORS);
    }
}
