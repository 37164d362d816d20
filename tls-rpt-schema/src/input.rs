//! Reading a report from whatever carried it: JSON, gzip-compressed JSON, a zip
//! archive, or the e-mail message it came in. The kind is told from the bytes.
//! Input size, inflated size and JSON nesting are bounded.

use std::fmt;
use std::io::Read;

use mail_parser::MimeHeaders;

use crate::model::Report;
use crate::read::{nesting_exceeds, read_json, Deviation, DeviationKind, JsonError};

/// Limits and mode for reading a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Refuse every deviation from RFC 8460 instead of accepting the known ones
    /// with a warning.
    pub strict: bool,
    /// The largest input accepted, in bytes (16 MiB by default).
    pub max_input: usize,
    /// The most bytes gzip or zip may inflate to (32 MiB by default); inflation
    /// stops there, so a bomb costs no more memory than this.
    pub max_inflated: usize,
    /// The deepest nesting of JSON arrays and objects (32 by default; a report
    /// needs 5).
    pub max_depth: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            strict: false,
            max_input: 16 * 1024 * 1024,
            max_inflated: 32 * 1024 * 1024,
            max_depth: 32,
        }
    }
}

impl ReadOptions {
    /// The default limits, strict.
    pub fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }
}

/// What the report came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Plain JSON.
    Json,
    /// Gzip-compressed JSON.
    Gzip,
    /// A zip archive holding the JSON.
    Zip,
    /// An e-mail message with the report attached.
    Email,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Json => "json",
            SourceKind::Gzip => "gzip",
            SourceKind::Zip => "zip",
            SourceKind::Email => "email",
        })
    }
}

/// What the e-mail that carried a report said about it (RFC 8460 §5.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailInfo {
    /// `Subject`, unfolded.
    pub subject: Option<String>,
    /// `TLS-Report-Domain`.
    pub report_domain: Option<String>,
    /// `TLS-Report-Submitter`.
    pub submitter: Option<String>,
    /// The attachment's media type, as `type/subtype`.
    pub content_type: Option<String>,
    /// The attachment's file name.
    pub file_name: Option<String>,
}

/// A report read, with the deviations that were accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadReport {
    /// The report.
    pub report: Report,
    /// Deviations accepted (empty in strict mode).
    pub warnings: Vec<Deviation>,
    /// What it came in.
    pub source: SourceKind,
    /// For e-mail, what the message said.
    pub email: Option<EmailInfo>,
}

/// Why no report could be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The input is larger than [`ReadOptions::max_input`].
    #[error("input larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Inflating passed [`ReadOptions::max_inflated`]; it was stopped there.
    #[error("compressed report inflates past the limit of {limit} bytes")]
    InflatedTooLarge {
        /// The limit.
        limit: usize,
    },
    /// JSON nested deeper than [`ReadOptions::max_depth`].
    #[error("JSON nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The gzip data is corrupt.
    #[error("invalid gzip data: {0}")]
    Gzip(String),
    /// The zip archive is corrupt or uses an unsupported method.
    #[error("invalid or unsupported zip archive: {0}")]
    Zip(String),
    /// An e-mail message that carries no TLS-RPT report.
    #[error("no TLS-RPT report found in the e-mail message")]
    NoReport,
    /// Neither JSON, gzip, zip nor an e-mail message.
    #[error("not a TLS-RPT report: neither JSON, gzip, zip nor an e-mail message")]
    UnknownFormat,
    /// The JSON is not a valid report (or, in strict mode, deviates).
    #[error("{0}")]
    Json(JsonError),
}

const GZIP_MAGIC: &[u8] = b"\x1f\x8b";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Whether the bytes begin with an RFC 5322 header block that has at least one
/// header every mail message carries (a "key: value" text is not enough).
fn looks_like_email(bytes: &[u8]) -> bool {
    const MESSAGE_HEADERS: [&[u8]; 8] = [
        b"from:",
        b"to:",
        b"subject:",
        b"date:",
        b"mime-version:",
        b"content-type:",
        b"received:",
        b"return-path:",
    ];
    let mut lines = bytes.split(|&b| b == b'\n');
    if lines.clone().next().is_some_and(|l| l.starts_with(b"From ")) {
        return true;
    }
    for line in lines.by_ref().take(1000) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            continue; // a folded continuation
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        let name = line.get(..=colon).unwrap_or_default();
        if !name.iter().take(colon).all(|&b| b.is_ascii_graphic()) {
            return false;
        }
        if MESSAGE_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            return true;
        }
    }
    false
}

fn inflate(reader: impl Read, limit: usize, err: fn(String) -> ReadError) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut out).map_err(|e| err(e.to_string()))?;
    if out.len() > limit {
        return Err(ReadError::InflatedTooLarge { limit });
    }
    Ok(out)
}

fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, ReadError> {
    inflate(flate2::read::MultiGzDecoder::new(bytes), limit, ReadError::Gzip)
}

fn le16(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at + 2)?;
    Some(usize::from(u16::from_le_bytes([*s.first()?, *s.get(1)?])))
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at + 4)?;
    usize::try_from(u32::from_le_bytes([*s.first()?, *s.get(1)?, *s.get(2)?, *s.get(3)?])).ok()
}

/// The first member of a zip archive (stored or deflated).
fn unzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, ReadError> {
    let bad = |m: &str| ReadError::Zip(m.to_owned());
    let flags = le16(bytes, 6).ok_or_else(|| bad("truncated header"))?;
    let method = le16(bytes, 8).ok_or_else(|| bad("truncated header"))?;
    let compressed = le32(bytes, 18).ok_or_else(|| bad("truncated header"))?;
    let name_len = le16(bytes, 26).ok_or_else(|| bad("truncated header"))?;
    let extra_len = le16(bytes, 28).ok_or_else(|| bad("truncated header"))?;
    let start = 30 + name_len + extra_len;
    let rest = bytes.get(start..).ok_or_else(|| bad("truncated member"))?;
    let sized = flags & 0x08 == 0;
    let data = if sized {
        rest.get(..compressed).ok_or_else(|| bad("truncated member"))?
    } else {
        rest
    };
    match method {
        0 if sized => {
            if data.len() > limit {
                return Err(ReadError::InflatedTooLarge { limit });
            }
            Ok(data.to_vec())
        }
        8 => inflate(flate2::read::DeflateDecoder::new(data), limit, ReadError::Zip),
        0 => Err(bad("stored member of unknown size")),
        m => Err(ReadError::Zip(format!("compression method {m}"))),
    }
}

fn from_json(json: &[u8], options: &ReadOptions) -> Result<(Report, Vec<Deviation>), ReadError> {
    if nesting_exceeds(json, options.max_depth) {
        return Err(ReadError::TooDeep {
            limit: options.max_depth,
        });
    }
    let json = json.strip_prefix(b"\xef\xbb\xbf").unwrap_or(json);
    read_json(json, options.strict).map_err(ReadError::Json)
}

/// Decodes report bytes that are not an e-mail: JSON, gzip or zip.
fn decode_payload(bytes: &[u8], options: &ReadOptions) -> Result<(Vec<u8>, SourceKind), ReadError> {
    if bytes.starts_with(GZIP_MAGIC) {
        Ok((gunzip(bytes, options.max_inflated)?, SourceKind::Gzip))
    } else if bytes.starts_with(ZIP_MAGIC) {
        Ok((unzip(bytes, options.max_inflated)?, SourceKind::Zip))
    } else if looks_like_json(bytes) {
        Ok((bytes.to_vec(), SourceKind::Json))
    } else {
        Err(ReadError::UnknownFormat)
    }
}

/// Reads a report from JSON, gzip, zip or an e-mail message, telling which from
/// the bytes.
///
/// ```
/// use tls_rpt_schema::{read_report, ReadOptions, SourceKind};
/// let json = br#"{"organization-name":"Example","date-range":{"start-datetime":"2024-01-01T00:00:00Z",
///   "end-datetime":"2024-01-02T00:00:00Z"},"contact-info":"tlsrpt@example.net","report-id":"1",
///   "policies":[{"policy":{"policy-type":"no-policy-found","policy-domain":"example.com"},
///   "summary":{"total-successful-session-count":3,"total-failure-session-count":0}}]}"#;
/// let read = read_report(json, &ReadOptions::default()).unwrap();
/// assert_eq!(read.source, SourceKind::Json);
/// assert_eq!(read.report.policies[0].summary.total_successful_session_count, Some(3));
/// assert!(read.warnings.is_empty());
/// ```
pub fn read_report(bytes: &[u8], options: &ReadOptions) -> Result<ReadReport, ReadError> {
    if bytes.len() > options.max_input {
        return Err(ReadError::TooLarge {
            limit: options.max_input,
        });
    }
    if bytes.starts_with(GZIP_MAGIC) || bytes.starts_with(ZIP_MAGIC) || looks_like_json(bytes) {
        let (json, source) = decode_payload(bytes, options)?;
        let (report, warnings) = from_json(&json, options)?;
        return Ok(ReadReport {
            report,
            warnings,
            source,
            email: None,
        });
    }
    if looks_like_email(bytes) {
        return read_email(bytes, options);
    }
    Err(ReadError::UnknownFormat)
}

/// How much an attachment looks like a report: higher is likelier; 0 is not one.
fn attachment_rank(ctype: &str, file_name: Option<&str>) -> u8 {
    let name = file_name.unwrap_or("").to_ascii_lowercase();
    match ctype {
        "application/tlsrpt+gzip" | "application/tlsrpt+json" => 4,
        "application/tlsrpt" => 3,
        _ if name.ends_with(".json.gz")
            || name.ends_with(".json")
            || name.ends_with(".zip")
            || name.ends_with(".gz") =>
        {
            2
        }
        "application/gzip"
        | "application/x-gzip"
        | "application/json"
        | "application/zip"
        | "application/x-zip-compressed" => 1,
        _ => 0,
    }
}

fn read_email(bytes: &[u8], options: &ReadOptions) -> Result<ReadReport, ReadError> {
    let message = mail_parser::MessageParser::default()
        .parse(bytes)
        .ok_or(ReadError::NoReport)?;
    let header_text = |name: &str| {
        message
            .header(name)
            .and_then(|h| h.as_text())
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let mut info = EmailInfo {
        subject: message
            .subject()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
        report_domain: header_text("TLS-Report-Domain"),
        submitter: header_text("TLS-Report-Submitter"),
        content_type: None,
        file_name: None,
    };
    let mut candidates: Vec<(u8, usize)> = Vec::new();
    for (i, part) in message.parts.iter().enumerate() {
        if matches!(
            part.body,
            mail_parser::PartType::Multipart(_) | mail_parser::PartType::Message(_)
        ) {
            continue;
        }
        let ctype = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_ascii_lowercase())
            .unwrap_or_default();
        let rank = attachment_rank(&ctype, part.attachment_name());
        if rank > 0 {
            candidates.push((rank, i));
        }
    }
    candidates.sort_by_key(|&(rank, i)| (std::cmp::Reverse(rank), i));
    let mut first_error = None;
    for &(rank, i) in &candidates {
        let Some(part) = message.parts.get(i) else { continue };
        let contents = part.contents();
        let (json, _) = match decode_payload(contents, options) {
            Ok(decoded) => decoded,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        let lenient = ReadOptions {
            strict: false,
            ..*options
        };
        match from_json(&json, &lenient) {
            Ok((report, mut warnings)) => {
                let ctype = part
                    .content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_ascii_lowercase());
                if rank < 4 {
                    let what = match (&ctype, part.attachment_name()) {
                        (Some(t), _) if rank == 3 => format!("typed {t}"),
                        (_, Some(name)) => format!("named {name}"),
                        (Some(t), None) => format!("typed {t}"),
                        (None, None) => "untyped".to_owned(),
                    };
                    let deviation = Deviation {
                        path: "(e-mail attachment)".to_owned(),
                        kind: DeviationKind::AttachmentNotTlsrpt(what),
                    };
                    warnings.insert(0, deviation);
                }
                if options.strict && !warnings.is_empty() {
                    return Err(ReadError::Json(JsonError::Deviations(warnings)));
                }
                info.content_type = ctype;
                info.file_name = part.attachment_name().map(str::to_owned);
                return Ok(ReadReport {
                    report,
                    warnings,
                    source: SourceKind::Email,
                    email: Some(info),
                });
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(ReadError::NoReport))
}
