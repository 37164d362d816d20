//! The `_smtp._tls` TXT record (RFC 8460 §3).
//!
//! > ```notrust
//! > tlsrpt-record     = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! > field-delim       = *WSP ";" *WSP
//! > tlsrpt-field      = tlsrpt-rua / tlsrpt-extension
//! > tlsrpt-version    = %s"v=TLSRPTv1"
//! > tlsrpt-rua        = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! > tlsrpt-uri        = URI   ; commas, "!" and ";" MUST be encoded
//! > tlsrpt-extension  = tlsrpt-ext-name "=" tlsrpt-ext-value
//! > tlsrpt-ext-name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! > tlsrpt-ext-value  = 1*(%x21-3A / %x3C / %x3E-7E)
//! > ```

use std::fmt;

use thiserror::Error;

/// The version field every `_smtp._tls` record begins with.
pub const TLSRPT_VERSION: &str = "v=TLSRPTv1";

/// A place reports go to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReportUri {
    /// `mailto:` — send the report by e-mail.
    Mailto {
        /// The URI as written.
        uri: String,
        /// The address (percent-decoded, without `?` parameters).
        address: String,
    },
    /// `https:` — POST the report.
    Https {
        /// The URI as written.
        uri: String,
        /// The host part.
        host: String,
    },
}

impl ReportUri {
    /// The URI as written in the record.
    pub fn as_str(&self) -> &str {
        match self {
            ReportUri::Mailto { uri, .. } | ReportUri::Https { uri, .. } => uri,
        }
    }
}

impl fmt::Display for ReportUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `_smtp._tls` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsRptRecord {
    /// The usable `rua` URIs, in record order.
    pub rua: Vec<ReportUri>,
    /// Unknown fields, in order of first appearance.
    pub extensions: Vec<(String, String)>,
    /// What was accepted but is worth telling: URIs of other schemes that were
    /// skipped, duplicated fields.
    pub warnings: Vec<RecordWarning>,
}

/// Something in a record that was skipped.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordWarning {
    /// A URI whose scheme is neither `mailto` nor `https`.
    #[error("column {column}: URI {uri:?} skipped: only mailto: and https: are supported")]
    UnsupportedScheme {
        /// 1-based column of the URI.
        column: usize,
        /// The URI.
        uri: String,
    },
    /// A field given again; the first is used.
    #[error("column {column}: duplicate field {name}, ignored")]
    Duplicate {
        /// 1-based column of the duplicate.
        column: usize,
        /// Its name.
        name: String,
    },
}

/// What is wrong with a record.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The record does not begin with `v=TLSRPTv1` followed by `;` or its end.
    #[error("the record does not begin with \"v=TLSRPTv1\"")]
    NotTlsRptRecord,
    /// A `;` was expected between fields.
    #[error("expected ';' between fields")]
    ExpectedDelimiter,
    /// A field name does not fit the grammar.
    #[error("invalid field name")]
    InvalidFieldName,
    /// A field name is not followed by `=`.
    #[error("expected '=' after the field name")]
    ExpectedEquals,
    /// A field value is empty or has a character the grammar does not allow.
    #[error("invalid field value")]
    InvalidValue,
    /// A `rua` URI that is not a URI, or a `mailto:` without an address, or an
    /// `https:` without a host.
    #[error("invalid URI {0:?}")]
    InvalidUri(String),
    /// No `rua` field.
    #[error("the record has no rua field")]
    MissingRua,
    /// `rua` holds no `mailto:` or `https:` URI.
    #[error("rua has no mailto: or https: URI")]
    NoUsableUri,
}

/// A record that is not a valid `_smtp._tls` record.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("column {column}: {kind}")]
pub struct RecordError {
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub kind: RecordErrorKind,
}

/// Why no usable record was found in a DNS answer.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// No record begins with `v=TLSRPTv1`: the domain does not implement TLS-RPT.
    #[error("no record begins with \"v=TLSRPTv1\"")]
    NoRecord,
    /// More than one does.
    #[error("{count} records begin with \"v=TLSRPTv1\"; exactly one is required")]
    MultipleRecords {
        /// How many.
        count: usize,
    },
    /// The one that does is invalid.
    #[error("invalid record: {0}")]
    Invalid(RecordError),
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Length of `*WSP ";" *WSP` at the start of `s`, if it is there.
fn delimiter_len(s: &[u8]) -> Option<usize> {
    let lead = s.iter().take_while(|&&b| is_wsp(b)).count();
    if s.get(lead) != Some(&b';') {
        return None;
    }
    let trail = s
        .get(lead + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| is_wsp(b))
        .count();
    Some(lead + 1 + trail)
}

/// Whether a record begins with `v=TLSRPTv1` followed by a delimiter or its end.
pub fn is_tlsrpt_record(record: &[u8]) -> bool {
    match record.strip_prefix(TLSRPT_VERSION.as_bytes()) {
        Some(rest) => rest.is_empty() || delimiter_len(rest).is_some(),
        None => false,
    }
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn is_ext_value_char(b: u8) -> bool {
    matches!(b, 0x21..=0x3a | 0x3c | 0x3e..=0x7e)
}

/// RFC 3986 characters a URI may hold, less `,` `!` `;` which RFC 8460 requires
/// to be percent-encoded inside `rua`.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
                | b'@'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b'='
                | b'%'
        )
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A domain in a URI: non-empty labels of letters, digits and hyphens, or an
/// IP literal in brackets.
fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Classifies one URI: `Ok(Some(_))` usable, `Ok(None)` another scheme, `Err` invalid.
fn classify_uri(uri: &str) -> Result<Option<ReportUri>, ()> {
    let (scheme, rest) = uri.split_once(':').ok_or(())?;
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(());
    }
    if scheme.eq_ignore_ascii_case("mailto") {
        let addr = rest.split('?').next().unwrap_or("");
        let addr = percent_decode(addr).ok_or(())?;
        let (local, domain) = addr.rsplit_once('@').ok_or(())?;
        if local.is_empty() || !is_host(domain) {
            return Err(());
        }
        return Ok(Some(ReportUri::Mailto {
            uri: uri.to_owned(),
            address: addr,
        }));
    }
    if scheme.eq_ignore_ascii_case("https") {
        let authority = rest.strip_prefix("//").ok_or(())?;
        let authority = authority.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match host_port.strip_prefix('[') {
            Some(inner) => {
                let end = inner.find(']').ok_or(())?;
                let host = host_port.get(..end + 2).ok_or(())?;
                (host, inner.get(end + 1..).unwrap_or(""))
            }
            None => match host_port.find(':') {
                Some(i) => (host_port.get(..i).ok_or(())?, host_port.get(i..).unwrap_or("")),
                None => (host_port, ""),
            },
        };
        if let Some(digits) = port.strip_prefix(':') {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
        } else if !port.is_empty() {
            return Err(());
        }
        if !is_host(host) {
            return Err(());
        }
        return Ok(Some(ReportUri::Https {
            uri: uri.to_owned(),
            host: host.to_ascii_lowercase(),
        }));
    }
    Ok(None)
}

impl TlsRptRecord {
    /// Parses one record (its strings already concatenated).
    ///
    /// ```
    /// use tls_rpt_schema::TlsRptRecord;
    /// let r = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:reports@example.com, https://r.example.com/v1").unwrap();
    /// assert_eq!(r.rua.len(), 2);
    /// ```
    pub fn parse(record: impl AsRef<[u8]>) -> Result<Self, RecordError> {
        parse(record.as_ref())
    }

    /// Finds the usable record in a whole DNS answer: records not beginning with
    /// `v=TLSRPTv1` are discarded, exactly one must remain, and it must be valid.
    pub fn discover<I>(answer: I) -> Result<Self, DiscoveryError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut found = None;
        let mut count = 0usize;
        for record in answer {
            if is_tlsrpt_record(record.as_ref()) {
                count += 1;
                if found.is_none() {
                    found = Some(record);
                }
            }
        }
        match (count, found) {
            (1, Some(r)) => Self::parse(r).map_err(DiscoveryError::Invalid),
            (0, _) | (_, None) => Err(DiscoveryError::NoRecord),
            (count, Some(_)) => Err(DiscoveryError::MultipleRecords { count }),
        }
    }
}

fn parse(input: &[u8]) -> Result<TlsRptRecord, RecordError> {
    let col = |rest: &[u8]| input.len() - rest.len() + 1;
    let err = |rest: &[u8], kind| RecordError {
        column: col(rest),
        kind,
    };
    if !is_tlsrpt_record(input) {
        return Err(err(input, RecordErrorKind::NotTlsRptRecord));
    }
    let mut rest = input.get(TLSRPT_VERSION.len()..).unwrap_or_default();
    let mut rua: Option<Vec<ReportUri>> = None;
    let mut extensions: Vec<(String, String)> = Vec::new();
    let mut warnings = Vec::new();
    let mut rua_column = 0;
    while !rest.is_empty() {
        let Some(d) = delimiter_len(rest) else {
            return Err(err(rest, RecordErrorKind::ExpectedDelimiter));
        };
        rest = rest.get(d..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        let name_len = rest.iter().take_while(|&&b| is_name_char(b)).count();
        let name = rest.get(..name_len).unwrap_or_default();
        if name.is_empty() || name_len > 32 || !name.first().is_some_and(u8::is_ascii_alphanumeric) {
            return Err(err(rest, RecordErrorKind::InvalidFieldName));
        }
        let field_start = rest;
        let Some(value) = rest.get(name_len..).and_then(|r| r.strip_prefix(b"=")) else {
            return Err(err(
                rest.get(name_len..).unwrap_or_default(),
                RecordErrorKind::ExpectedEquals,
            ));
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if name == "rua" {
            let (uris, after) = parse_rua(input, value, &mut warnings)?;
            if rua.is_some() {
                warnings.push(RecordWarning::Duplicate {
                    column: col(field_start),
                    name,
                });
            } else {
                rua = Some(uris);
                rua_column = col(value);
            }
            rest = after;
        } else {
            let len = value.iter().take_while(|&&b| is_ext_value_char(b)).count();
            let after = value.get(len..).unwrap_or_default();
            if len == 0 || after.first().is_some_and(|&b| !is_wsp(b) && b != b';') {
                return Err(err(after, RecordErrorKind::InvalidValue));
            }
            if extensions.iter().any(|(n, _)| *n == name) {
                warnings.push(RecordWarning::Duplicate {
                    column: col(field_start),
                    name,
                });
            } else {
                let v = String::from_utf8_lossy(value.get(..len).unwrap_or_default()).into_owned();
                extensions.push((name, v));
            }
            rest = after;
        }
    }
    match rua {
        None => Err(RecordError {
            column: input.len() + 1,
            kind: RecordErrorKind::MissingRua,
        }),
        Some(uris) if uris.is_empty() => Err(RecordError {
            column: rua_column,
            kind: RecordErrorKind::NoUsableUri,
        }),
        Some(rua) => Ok(TlsRptRecord {
            rua,
            extensions,
            warnings,
        }),
    }
}

/// Parses `tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)`; returns the usable URIs and
/// what follows the list.
fn parse_rua<'a>(
    input: &[u8],
    mut rest: &'a [u8],
    warnings: &mut Vec<RecordWarning>,
) -> Result<(Vec<ReportUri>, &'a [u8]), RecordError> {
    let col = |rest: &[u8]| input.len() - rest.len() + 1;
    let mut uris = Vec::new();
    loop {
        let len = rest.iter().take_while(|&&b| is_uri_char(b)).count();
        let raw = rest.get(..len).unwrap_or_default();
        let after = rest.get(len..).unwrap_or_default();
        if after.first().is_some_and(|&b| !is_wsp(b) && b != b';' && b != b',') {
            return Err(RecordError {
                column: col(after),
                kind: RecordErrorKind::InvalidUri(String::from_utf8_lossy(raw).into_owned()),
            });
        }
        let text = String::from_utf8_lossy(raw).into_owned();
        match classify_uri(&text) {
            Ok(Some(uri)) => uris.push(uri),
            Ok(None) => warnings.push(RecordWarning::UnsupportedScheme {
                column: col(rest),
                uri: text,
            }),
            Err(()) => {
                return Err(RecordError {
                    column: col(rest),
                    kind: RecordErrorKind::InvalidUri(text),
                })
            }
        }
        // *WSP "," *WSP continues the list; anything else ends it.
        let lead = after.iter().take_while(|&&b| is_wsp(b)).count();
        match after.get(lead) {
            Some(b',') => {
                let next = after.get(lead + 1..).unwrap_or_default();
                let trail = next.iter().take_while(|&&b| is_wsp(b)).count();
                rest = next.get(trail..).unwrap_or_default();
            }
            _ => return Ok((uris, after)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        let r = TlsRptRecord::parse("v=TLSRPTv1;rua=mailto:reports@example.com").unwrap();
        assert_eq!(
            r.rua,
            vec![ReportUri::Mailto {
                uri: "mailto:reports@example.com".into(),
                address: "reports@example.com".into()
            }]
        );
        let r = TlsRptRecord::parse("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt").unwrap();
        assert!(matches!(&r.rua[0], ReportUri::Https { host, .. } if host == "reporting.example.com"));
    }

    #[test]
    fn uri_lists() {
        let r = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@x.example , https://h.example:8443/p ,ftp://x.example/")
            .unwrap();
        assert_eq!(r.rua.len(), 2);
        assert!(matches!(&r.rua[1], ReportUri::Https { host, .. } if host == "h.example"));
        assert!(matches!(r.warnings[0], RecordWarning::UnsupportedScheme { .. }));
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1; rua=ftp://x.example/")
                .unwrap_err()
                .kind,
            RecordErrorKind::NoUsableUri
        );
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:@x").unwrap_err().kind,
            RecordErrorKind::InvalidUri("mailto:@x".into())
        );
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1; rua=https:///x").unwrap_err().kind,
            RecordErrorKind::InvalidUri("https:///x".into())
        );
        assert!(TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a%40b@x.example").is_ok());
        assert!(TlsRptRecord::parse("v=TLSRPTv1; rua=https://[2001:db8::1]/r").is_ok());
    }
}
