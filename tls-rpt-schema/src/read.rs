//! Reading reports as real senders write them.
//!
//! The JSON is deserialised straight into loosely typed "raw" structs (no
//! intermediate `serde_json::Value`), then checked field by field against
//! RFC 8460. In the default mode each deviation real senders are known to make
//! becomes a [`Deviation`] warning naming its JSON path; in strict mode every
//! deviation is an error.

use std::fmt;
use std::net::IpAddr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::model::{AppliedPolicy, DateRange, FailureDetails, PolicyResult, PolicyType, Report, ResultType, Summary};

/// A way a report departs from RFC 8460, as real senders do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviationKind {
    /// A field the RFC requires is missing (or `null`).
    Missing,
    /// A date-time without a time zone offset; read as UTC.
    NoTimeZone,
    /// The range is not one full UTC day, 00:00 to the next 00:00
    /// (`end-datetime` at 23:59:59Z, say).
    NotFullUtcDay,
    /// A single string where the RFC wants a list of strings.
    StringNotList,
    /// `policy-string` is one string holding a JSON-encoded list.
    JsonEncodedList,
    /// An IP address field that is an empty string; left out.
    EmptyIp,
    /// An IP address field that is not an IP address; left out.
    InvalidIp(String),
    /// The failure counts of `failure-details` do not add up to
    /// `total-failure-session-count`.
    CountsDisagree {
        /// The sum of `failed-session-count`.
        details: u64,
        /// `total-failure-session-count`.
        total: u64,
    },
    /// A key from a draft of RFC 8460; read as its final name.
    DraftKey {
        /// The final name.
        now: &'static str,
    },
    /// A `policy-type` the RFC does not define; kept as written.
    UnknownPolicyType(String),
    /// The e-mail attachment is not typed `application/tlsrpt+gzip` or
    /// `application/tlsrpt+json`; it was recognised by its type or name.
    AttachmentNotTlsrpt(String),
}

impl fmt::Display for DeviationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviationKind::Missing => f.write_str("required field missing or null"),
            DeviationKind::NoTimeZone => f.write_str("date-time without a time zone, read as UTC"),
            DeviationKind::NotFullUtcDay => f.write_str("date range is not one full UTC day (00:00 to 24:00)"),
            DeviationKind::StringNotList => f.write_str("a string where a list of strings is required"),
            DeviationKind::JsonEncodedList => f.write_str("one string holding a JSON-encoded list"),
            DeviationKind::EmptyIp => f.write_str("empty IP address, left out"),
            DeviationKind::InvalidIp(v) => write!(f, "{v:?} is not an IP address, left out"),
            DeviationKind::CountsDisagree { details, total } => write!(
                f,
                "failed-session-count adds up to {details}, but total-failure-session-count is {total}"
            ),
            DeviationKind::DraftKey { now } => write!(f, "draft-era key, read as {now:?}"),
            DeviationKind::UnknownPolicyType(t) => write!(f, "unknown policy-type {t:?}, kept"),
            DeviationKind::AttachmentNotTlsrpt(what) => {
                write!(f, "report attachment {what}, not application/tlsrpt+gzip or +json")
            }
        }
    }
}

/// A deviation and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// The JSON path, as `policies[0].failure-details[2].receiving-ip`.
    pub path: String,
    /// What it is.
    pub kind: DeviationKind,
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// Why the JSON of a report could not be read as a report.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Not JSON, or a value of the wrong type (the path says where).
    #[error("{path}: {message}")]
    Syntax {
        /// Where, as a JSON path (`.` for the top).
        path: String,
        /// What serde_json said.
        message: String,
    },
    /// A value that cannot be used: a date-time that does not parse, a missing
    /// field without which there is no report.
    #[error("{path}: {message}")]
    Invalid {
        /// Where.
        path: String,
        /// What.
        message: String,
    },
    /// Strict mode: the deviations found.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Deviations(Vec<Deviation>),
}

// ---- the raw, loosely typed shape ----

/// A list of strings, or (a deviation) one string.
#[derive(Debug, Default)]
struct StringList {
    items: Vec<String>,
    was_single: bool,
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
                Ok(StringList {
                    items: vec![v.to_owned()],
                    was_single: true,
                })
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StringList, E> {
                Ok(StringList {
                    items: vec![v],
                    was_single: true,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(s) = seq.next_element::<String>()? {
                    items.push(s);
                }
                Ok(StringList {
                    items,
                    was_single: false,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct RawReport {
    #[serde(rename = "organization-name")]
    organization_name: Option<String>,
    #[serde(rename = "date-range")]
    date_range: Option<RawDateRange>,
    #[serde(rename = "contact-info")]
    contact_info: Option<String>,
    #[serde(rename = "report-id")]
    report_id: Option<String>,
    policies: Option<Vec<RawPolicyResult>>,
}

#[derive(Deserialize)]
struct RawDateRange {
    #[serde(rename = "start-datetime")]
    start: Option<String>,
    #[serde(rename = "end-datetime")]
    end: Option<String>,
}

#[derive(Deserialize)]
struct RawPolicyResult {
    policy: Option<RawPolicy>,
    summary: Option<RawSummary>,
    #[serde(rename = "failure-details")]
    failure_details: Option<Vec<RawFailure>>,
}

#[derive(Deserialize)]
struct RawPolicy {
    #[serde(rename = "policy-type")]
    policy_type: Option<String>,
    #[serde(rename = "policy-string")]
    policy_string: Option<StringList>,
    #[serde(rename = "policy-domain")]
    policy_domain: Option<String>,
    #[serde(rename = "mx-host")]
    mx_host: Option<StringList>,
}

#[derive(Deserialize)]
struct RawSummary {
    #[serde(rename = "total-successful-session-count")]
    successful: Option<u64>,
    #[serde(rename = "total-failure-session-count")]
    failed: Option<u64>,
}

#[derive(Deserialize)]
struct RawFailure {
    #[serde(rename = "result-type")]
    result_type: Option<String>,
    #[serde(rename = "sending-mta-ip")]
    sending_mta_ip: Option<String>,
    #[serde(rename = "receiving-mx-hostname")]
    receiving_mx_hostname: Option<String>,
    #[serde(rename = "receiving-mx-helo")]
    receiving_mx_helo: Option<String>,
    #[serde(rename = "receiving-ip")]
    receiving_ip: Option<String>,
    #[serde(rename = "failed-session-count")]
    failed_session_count: Option<u64>,
    #[serde(rename = "additional-information")]
    additional_information: Option<String>,
    #[serde(rename = "additional-info-uri")]
    additional_info_uri: Option<String>,
    #[serde(rename = "failure-reason-code")]
    failure_reason_code: Option<String>,
    #[serde(rename = "failure-error-code")]
    failure_error_code: Option<String>,
}

// ---- checking and conversion ----

struct Checker {
    deviations: Vec<Deviation>,
}

impl Checker {
    fn note(&mut self, path: impl Into<String>, kind: DeviationKind) {
        // Bounded: a hostile report cannot grow this past its own size, and
        // past this many the rest are of no use to anyone.
        if self.deviations.len() < 1000 {
            self.deviations.push(Deviation {
                path: path.into(),
                kind,
            });
        }
    }
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> JsonError {
    JsonError::Invalid {
        path: path.into(),
        message: message.into(),
    }
}

fn datetime(c: &mut Checker, path: &str, text: Option<String>) -> Result<OffsetDateTime, JsonError> {
    let Some(text) = text else {
        return Err(invalid(path, "missing"));
    };
    if let Ok(t) = OffsetDateTime::parse(&text, &Rfc3339) {
        return Ok(t);
    }
    // Microsoft (2023): "2023-01-25T00:00:00" with no offset.
    let naive = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let naive_frac = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let parsed = PrimitiveDateTime::parse(&text, naive).or_else(|_| PrimitiveDateTime::parse(&text, naive_frac));
    match parsed {
        Ok(t) => {
            c.note(path, DeviationKind::NoTimeZone);
            Ok(t.assume_offset(UtcOffset::UTC))
        }
        Err(_) => Err(invalid(path, format!("{text:?} is not an RFC 3339 date-time"))),
    }
}

fn ip(c: &mut Checker, path: impl FnOnce() -> String, value: Option<String>) -> Option<IpAddr> {
    let v = value?;
    if v.is_empty() {
        c.note(path(), DeviationKind::EmptyIp);
        return None;
    }
    match v.parse::<IpAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            c.note(path(), DeviationKind::InvalidIp(v));
            None
        }
    }
}

fn policy_strings(c: &mut Checker, path: &str, list: StringList) -> Vec<String> {
    if list.was_single {
        let single = list.items.first().map(String::as_str).unwrap_or("");
        if single.trim_start().starts_with('[') && serde_json::from_str::<Vec<String>>(single).is_ok() {
            c.note(path, DeviationKind::JsonEncodedList);
        } else {
            c.note(path, DeviationKind::StringNotList);
        }
    } else if let [single] = list.items.as_slice() {
        // Microsoft: ["[\"2 1 1 ...\",\"2 1 1 ...\"]"].
        if single.starts_with("[\"") && serde_json::from_str::<Vec<String>>(single).is_ok() {
            c.note(path, DeviationKind::JsonEncodedList);
        }
    }
    list.items
}

fn convert(raw: RawReport, c: &mut Checker) -> Result<Report, JsonError> {
    let organization_name = raw
        .organization_name
        .ok_or_else(|| invalid("organization-name", "missing"))?;
    let report_id = raw.report_id.ok_or_else(|| invalid("report-id", "missing"))?;
    let range = raw.date_range.ok_or_else(|| invalid("date-range", "missing"))?;
    let start = datetime(c, "date-range.start-datetime", range.start)?;
    let end = datetime(c, "date-range.end-datetime", range.end)?;
    if end <= start {
        return Err(invalid("date-range", "end-datetime is not after start-datetime"));
    }
    let full_day =
        start.time() == Time::MIDNIGHT && start.offset() == UtcOffset::UTC && end - start == time::Duration::DAY;
    if !full_day {
        c.note("date-range", DeviationKind::NotFullUtcDay);
    }
    if raw.contact_info.is_none() {
        c.note("contact-info", DeviationKind::Missing);
    }
    let raw_policies = raw.policies.ok_or_else(|| invalid("policies", "missing"))?;
    let mut policies = Vec::with_capacity(raw_policies.len());
    for (i, rp) in raw_policies.into_iter().enumerate() {
        let p = format!("policies[{i}]");
        let raw_policy = rp.policy.ok_or_else(|| invalid(format!("{p}.policy"), "missing"))?;
        let policy_type = match raw_policy.policy_type {
            Some(t) => PolicyType::from_wire(&t),
            None => return Err(invalid(format!("{p}.policy.policy-type"), "missing")),
        };
        if let PolicyType::Other(t) = &policy_type {
            c.note(
                format!("{p}.policy.policy-type"),
                DeviationKind::UnknownPolicyType(t.clone()),
            );
        }
        let has_policy = matches!(policy_type, PolicyType::Sts | PolicyType::Tlsa);
        let policy_string = match raw_policy.policy_string {
            Some(list) => Some(policy_strings(c, &format!("{p}.policy.policy-string"), list)),
            None => {
                if has_policy {
                    c.note(format!("{p}.policy.policy-string"), DeviationKind::Missing);
                }
                None
            }
        };
        if raw_policy.policy_domain.is_none() {
            c.note(format!("{p}.policy.policy-domain"), DeviationKind::Missing);
        }
        let mx_host = raw_policy.mx_host.map(|list| {
            if list.was_single {
                c.note(format!("{p}.policy.mx-host"), DeviationKind::StringNotList);
            }
            list.items
        });
        let summary = rp.summary.ok_or_else(|| invalid(format!("{p}.summary"), "missing"))?;
        if summary.successful.is_none() {
            c.note(
                format!("{p}.summary.total-successful-session-count"),
                DeviationKind::Missing,
            );
        }
        if summary.failed.is_none() {
            c.note(
                format!("{p}.summary.total-failure-session-count"),
                DeviationKind::Missing,
            );
        }
        let summary = Summary {
            total_successful_session_count: summary.successful,
            total_failure_session_count: summary.failed,
        };
        let raw_failures = rp.failure_details.unwrap_or_default();
        let mut failure_details = Vec::with_capacity(raw_failures.len());
        let mut sum = 0u64;
        for (j, rf) in raw_failures.into_iter().enumerate() {
            let f = || format!("{p}.failure-details[{j}]");
            let result_type = rf
                .result_type
                .map(|t| ResultType::from_wire(&t))
                .ok_or_else(|| invalid(format!("{}.result-type", f()), "missing"))?;
            let failed_session_count = rf
                .failed_session_count
                .ok_or_else(|| invalid(format!("{}.failed-session-count", f()), "missing"))?;
            sum = sum.saturating_add(failed_session_count);
            let additional_information = match (rf.additional_information, rf.additional_info_uri) {
                (Some(v), _) => Some(v),
                (None, Some(v)) => {
                    c.note(
                        format!("{}.additional-info-uri", f()),
                        DeviationKind::DraftKey {
                            now: "additional-information",
                        },
                    );
                    Some(v)
                }
                (None, None) => None,
            };
            let failure_reason_code = match (rf.failure_reason_code, rf.failure_error_code) {
                (Some(v), _) => Some(v),
                (None, Some(v)) => {
                    c.note(
                        format!("{}.failure-error-code", f()),
                        DeviationKind::DraftKey {
                            now: "failure-reason-code",
                        },
                    );
                    Some(v)
                }
                (None, None) => None,
            };
            failure_details.push(FailureDetails {
                result_type,
                sending_mta_ip: ip(c, || format!("{}.sending-mta-ip", f()), rf.sending_mta_ip),
                receiving_mx_hostname: rf.receiving_mx_hostname,
                receiving_mx_helo: rf.receiving_mx_helo,
                receiving_ip: ip(c, || format!("{}.receiving-ip", f()), rf.receiving_ip),
                failed_session_count,
                additional_information,
                failure_reason_code,
            });
        }
        if let Some(total) = summary.total_failure_session_count {
            if !failure_details.is_empty() && sum != total {
                c.note(
                    format!("{p}.failure-details"),
                    DeviationKind::CountsDisagree { details: sum, total },
                );
            }
        }
        policies.push(PolicyResult {
            policy: AppliedPolicy {
                policy_type,
                policy_string,
                policy_domain: raw_policy.policy_domain,
                mx_host,
            },
            summary,
            failure_details,
        });
    }
    Ok(Report {
        organization_name,
        date_range: DateRange { start, end },
        contact_info: raw.contact_info,
        report_id,
        policies,
    })
}

/// Whether arrays and objects in `json` nest deeper than `limit`. Strings are
/// skipped with a SIMD search for their end (they are most of a report's bytes);
/// escapes are honoured.
pub(crate) fn nesting_exceeds(json: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(&b) = json.get(i) {
        match b {
            b'"' => {
                // Find the closing quote, stepping over escaped characters.
                let mut j = i + 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', json.get(j..).unwrap_or_default()) {
                        Some(k) if json.get(j + k) == Some(&b'\\') => j += k + 2,
                        Some(k) => {
                            j += k;
                            break;
                        }
                        None => return false, // unterminated: the parser will say so
                    }
                }
                i = j;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Reads report JSON; returns the report and its deviations. In strict mode any
/// deviation is an error.
pub(crate) fn read_json(json: &[u8], strict: bool) -> Result<(Report, Vec<Deviation>), JsonError> {
    let raw: RawReport = match serde_json::from_slice(json) {
        Ok(raw) => raw,
        Err(_) => {
            // Read again, slower, only to say where it went wrong.
            let mut de = serde_json::Deserializer::from_slice(json);
            let err = match serde_path_to_error::deserialize::<_, RawReport>(&mut de) {
                Err(e) => e,
                Ok(_) => {
                    return Err(JsonError::Syntax {
                        path: ".".into(),
                        message: "invalid JSON".into(),
                    })
                }
            };
            let path = err.path().to_string();
            return Err(JsonError::Syntax {
                path,
                message: err.into_inner().to_string(),
            });
        }
    };
    let mut c = Checker { deviations: Vec::new() };
    let report = convert(raw, &mut c)?;
    if strict && !c.deviations.is_empty() {
        return Err(JsonError::Deviations(c.deviations));
    }
    Ok((report, c.deviations))
}

#[cfg(test)]
mod tests {
    use super::nesting_exceeds;

    #[test]
    fn nesting() {
        assert!(!nesting_exceeds(br#"{"a":[1,{"b":2}]}"#, 3));
        assert!(nesting_exceeds(br#"{"a":[1,{"b":[2]}]}"#, 3));
        assert!(!nesting_exceeds(br#"{"a":"[[[[[[[[","b":"\"[[[[","c":"\\"}"#, 1));
        assert!(nesting_exceeds(br#"{"a":"\\",[[1]]}"#, 2));
        assert!(!nesting_exceeds(br#"{"a":"unterminated [[[["#, 1));
        assert!(!nesting_exceeds(br#"[][][][][]"#, 1));
    }
}
