//! The RFC 8460 §4.4 report, every field, with the RFC's names on the wire.
//!
//! Absent data stays absent: fields a sender may leave out (or that real senders
//! do leave out) are `Option`s, never filled with an invented value. Serialising
//! gives canonical JSON: the RFC's field order, `None` and empty lists left out.

use std::fmt;
use std::net::IpAddr;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A TLS-RPT aggregate report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `organization-name`: who produced the report.
    pub organization_name: String,
    /// `date-range`: the period covered.
    pub date_range: DateRange,
    /// `contact-info`: an address for questions about the report (real senders
    /// sometimes send `null`).
    pub contact_info: Option<String>,
    /// `report-id`: unique per report.
    pub report_id: String,
    /// `policies`: one entry per applied policy.
    pub policies: Vec<PolicyResult>,
}

/// `date-range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// `start-datetime`.
    pub start: OffsetDateTime,
    /// `end-datetime`.
    pub end: OffsetDateTime,
}

/// One element of `policies`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyResult {
    /// `policy`: which policy was applied.
    pub policy: AppliedPolicy,
    /// `summary`: session counts.
    pub summary: Summary,
    /// `failure-details`: the failures, grouped.
    pub failure_details: Vec<FailureDetails>,
}

/// `policy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedPolicy {
    /// `policy-type`.
    pub policy_type: PolicyType,
    /// `policy-string`: the policy as a list of strings (the lines of an MTA-STS
    /// policy, or TLSA records).
    pub policy_string: Option<Vec<String>>,
    /// `policy-domain`.
    pub policy_domain: Option<String>,
    /// `mx-host`: the MX patterns of an MTA-STS policy.
    pub mx_host: Option<Vec<String>>,
}

/// `summary`. Both counts are required by the RFC; a sender that leaves one out
/// gets `None` here, not an invented zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// `total-successful-session-count`.
    pub total_successful_session_count: Option<u64>,
    /// `total-failure-session-count`.
    pub total_failure_session_count: Option<u64>,
}

/// One element of `failure-details`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureDetails {
    /// `result-type`.
    pub result_type: ResultType,
    /// `sending-mta-ip`.
    pub sending_mta_ip: Option<IpAddr>,
    /// `receiving-mx-hostname`.
    pub receiving_mx_hostname: Option<String>,
    /// `receiving-mx-helo`.
    pub receiving_mx_helo: Option<String>,
    /// `receiving-ip`.
    pub receiving_ip: Option<IpAddr>,
    /// `failed-session-count`.
    pub failed_session_count: u64,
    /// `additional-information`: a URI with more about the failure.
    pub additional_information: Option<String>,
    /// `failure-reason-code`: free text.
    pub failure_reason_code: Option<String>,
}

/// `policy-type` (RFC 8460 §4.4). Unknown values are kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyType {
    /// `tlsa`: DANE.
    Tlsa,
    /// `sts`: MTA-STS.
    Sts,
    /// `no-policy-found`.
    NoPolicyFound,
    /// Any other value, as written.
    Other(String),
}

impl PolicyType {
    /// The value as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            PolicyType::Tlsa => "tlsa",
            PolicyType::Sts => "sts",
            PolicyType::NoPolicyFound => "no-policy-found",
            PolicyType::Other(s) => s,
        }
    }

    /// Parses a wire value (exact match; anything else is kept as `Other`).
    pub fn from_wire(s: &str) -> Self {
        match s {
            "tlsa" => PolicyType::Tlsa,
            "sts" => PolicyType::Sts,
            "no-policy-found" => PolicyType::NoPolicyFound,
            other => PolicyType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `result-type` (RFC 8460 §4.3): all eleven of the RFC, and unknown values kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResultType {
    /// `starttls-not-supported`
    StarttlsNotSupported,
    /// `certificate-host-mismatch`
    CertificateHostMismatch,
    /// `certificate-expired`
    CertificateExpired,
    /// `certificate-not-trusted`
    CertificateNotTrusted,
    /// `validation-failure`
    ValidationFailure,
    /// `tlsa-invalid`
    TlsaInvalid,
    /// `dnssec-invalid`
    DnssecInvalid,
    /// `dane-required`
    DaneRequired,
    /// `sts-policy-fetch-error`
    StsPolicyFetchError,
    /// `sts-policy-invalid`
    StsPolicyInvalid,
    /// `sts-webpki-invalid`
    StsWebpkiInvalid,
    /// Any other value, as written (the registry grows, RFC 8460 §6.6).
    Other(String),
}

impl ResultType {
    /// Every result type RFC 8460 defines.
    pub const ALL: [ResultType; 11] = [
        ResultType::StarttlsNotSupported,
        ResultType::CertificateHostMismatch,
        ResultType::CertificateExpired,
        ResultType::CertificateNotTrusted,
        ResultType::ValidationFailure,
        ResultType::TlsaInvalid,
        ResultType::DnssecInvalid,
        ResultType::DaneRequired,
        ResultType::StsPolicyFetchError,
        ResultType::StsPolicyInvalid,
        ResultType::StsWebpkiInvalid,
    ];

    /// The value as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ResultType::StarttlsNotSupported => "starttls-not-supported",
            ResultType::CertificateHostMismatch => "certificate-host-mismatch",
            ResultType::CertificateExpired => "certificate-expired",
            ResultType::CertificateNotTrusted => "certificate-not-trusted",
            ResultType::ValidationFailure => "validation-failure",
            ResultType::TlsaInvalid => "tlsa-invalid",
            ResultType::DnssecInvalid => "dnssec-invalid",
            ResultType::DaneRequired => "dane-required",
            ResultType::StsPolicyFetchError => "sts-policy-fetch-error",
            ResultType::StsPolicyInvalid => "sts-policy-invalid",
            ResultType::StsWebpkiInvalid => "sts-webpki-invalid",
            ResultType::Other(s) => s,
        }
    }

    /// Parses a wire value (exact match; anything else is kept as `Other`).
    pub fn from_wire(s: &str) -> Self {
        Self::ALL
            .iter()
            .find(|t| t.as_str() == s)
            .cloned()
            .unwrap_or_else(|| ResultType::Other(s.to_owned()))
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An RFC 3339 date-time as this crate writes it.
pub fn format_datetime(t: &OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

struct DateTime<'a>(&'a OffsetDateTime);

impl Serialize for DateTime<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self
            .0
            .format(&Rfc3339)
            .map_err(|e| serde::ser::Error::custom(format!("date-time cannot be written as RFC 3339: {e}")))?;
        s.serialize_str(&text)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Report", 5)?;
        st.serialize_field("organization-name", &self.organization_name)?;
        st.serialize_field("date-range", &self.date_range)?;
        match &self.contact_info {
            Some(c) => st.serialize_field("contact-info", c)?,
            None => st.skip_field("contact-info")?,
        }
        st.serialize_field("report-id", &self.report_id)?;
        st.serialize_field("policies", &self.policies)?;
        st.end()
    }
}

impl Serialize for DateRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("DateRange", 2)?;
        st.serialize_field("start-datetime", &DateTime(&self.start))?;
        st.serialize_field("end-datetime", &DateTime(&self.end))?;
        st.end()
    }
}

impl Serialize for PolicyResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("PolicyResult", 3)?;
        st.serialize_field("policy", &self.policy)?;
        st.serialize_field("summary", &self.summary)?;
        if self.failure_details.is_empty() {
            st.skip_field("failure-details")?;
        } else {
            st.serialize_field("failure-details", &self.failure_details)?;
        }
        st.end()
    }
}

impl Serialize for AppliedPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AppliedPolicy", 4)?;
        st.serialize_field("policy-type", self.policy_type.as_str())?;
        match &self.policy_string {
            Some(v) => st.serialize_field("policy-string", v)?,
            None => st.skip_field("policy-string")?,
        }
        match &self.policy_domain {
            Some(v) => st.serialize_field("policy-domain", v)?,
            None => st.skip_field("policy-domain")?,
        }
        match &self.mx_host {
            Some(v) => st.serialize_field("mx-host", v)?,
            None => st.skip_field("mx-host")?,
        }
        st.end()
    }
}

impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Summary", 2)?;
        match &self.total_successful_session_count {
            Some(n) => st.serialize_field("total-successful-session-count", n)?,
            None => st.skip_field("total-successful-session-count")?,
        }
        match &self.total_failure_session_count {
            Some(n) => st.serialize_field("total-failure-session-count", n)?,
            None => st.skip_field("total-failure-session-count")?,
        }
        st.end()
    }
}

impl Serialize for FailureDetails {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn opt<S: SerializeStruct, T: Serialize>(st: &mut S, key: &'static str, v: &Option<T>) -> Result<(), S::Error> {
            match v {
                Some(v) => st.serialize_field(key, v),
                None => st.skip_field(key),
            }
        }
        let mut st = s.serialize_struct("FailureDetails", 8)?;
        st.serialize_field("result-type", self.result_type.as_str())?;
        opt(&mut st, "sending-mta-ip", &self.sending_mta_ip)?;
        opt(&mut st, "receiving-mx-hostname", &self.receiving_mx_hostname)?;
        opt(&mut st, "receiving-mx-helo", &self.receiving_mx_helo)?;
        opt(&mut st, "receiving-ip", &self.receiving_ip)?;
        st.serialize_field("failed-session-count", &self.failed_session_count)?;
        opt(&mut st, "additional-information", &self.additional_information)?;
        opt(&mut st, "failure-reason-code", &self.failure_reason_code)?;
        st.end()
    }
}

impl Report {
    /// The canonical JSON text of the report (compact). Fails only for a
    /// date-time RFC 3339 cannot write (a year outside 0000-9999).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// The canonical JSON, pretty-printed.
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        for t in ResultType::ALL {
            assert_eq!(ResultType::from_wire(t.as_str()), t);
        }
        assert_eq!(
            ResultType::from_wire("new-thing"),
            ResultType::Other("new-thing".into())
        );
        assert_eq!(PolicyType::from_wire("sts"), PolicyType::Sts);
        assert_eq!(PolicyType::from_wire("STS"), PolicyType::Other("STS".into()));
    }
}
