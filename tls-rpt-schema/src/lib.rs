//! SMTP TLS Reporting (RFC 8460), sans-IO.
//!
//! - The `_smtp._tls` TXT record: [`TlsRptRecord::parse`] for one record and
//!   [`TlsRptRecord::discover`] for a whole DNS answer (RFC 8460 §3), with each
//!   `rua` URI checked (`mailto:` with an address, `https:` with a host; other
//!   schemes skipped with a warning).
//! - The report model of RFC 8460 §4.4 ([`Report`] and its parts), every field,
//!   result and policy types as enums that keep unknown values.
//! - Reading: [`read_report`] takes JSON, gzip, zip or a whole e-mail message
//!   and tells which from the bytes. The default mode accepts what real senders
//!   emit (date-times without a zone, `mx-host` as a string, `null` contact,
//!   draft-era keys, counts that do not add up ...) and returns each deviation
//!   as a [`Deviation`] naming its JSON path; [`ReadOptions::strict`] refuses
//!   them. Input size, inflation and nesting are bounded.
//! - Writing: `Serialize` of a [`Report`] (and [`Report::to_json`]) is canonical
//!   RFC 8460 JSON in the RFC's field order, empty optional fields left out; it
//!   reads back equal.
//!
//! - Aggregation: an [`Aggregator`] counts session results per report domain,
//!   UTC day and policy, merges with others (commutative, associative), and
//!   closes a day into reports; [`report_file_name`], [`gzip_report`] and
//!   [`schedule`] prepare their delivery, and [`report_email`] writes the
//!   e-mail form (DKIM signing stays with the host's MTA).
//!
//! ```
//! use tls_rpt_schema::{read_report, ReadOptions, TlsRptRecord};
//!
//! let record = TlsRptRecord::discover(["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"]).unwrap();
//! assert_eq!(record.rua[0].as_str(), "mailto:tlsrpt@example.com");
//!
//! let json = br#"{"organization-name":"Example","date-range":{"start-datetime":"2024-01-01T00:00:00",
//!   "end-datetime":"2024-01-01T23:59:59Z"},"contact-info":null,"report-id":"r1",
//!   "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1"],"mx-host":"mx.example.com"},
//!   "summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}"#;
//! let read = read_report(json, &ReadOptions::default()).unwrap();
//! for w in &read.warnings {
//!     println!("{w}"); // e.g. "policies[0].policy.mx-host: a string where a list of strings is required"
//! }
//! assert_eq!(read.warnings.len(), 5);
//! assert!(read_report(json, &ReadOptions::strict()).is_err());
//! ```
#![forbid(unsafe_code)]

mod aggregate;
mod email;
mod input;
mod model;
mod read;
mod record;

pub use aggregate::{
    gzip_report, report_file_name, schedule, utc_day, Aggregator, AggregatorConfig, AggregatorState, FailureKey,
    PolicyCountsData, PolicyHandle, ReporterConfig, Schedule, SessionPolicy, StateEntry, FOLDED_REASON,
};
pub use email::{report_email, EmailEnvelope, EmailError};
pub use input::{read_report, EmailInfo, ReadError, ReadOptions, ReadReport, SourceKind};
pub use model::{
    format_datetime, AppliedPolicy, DateRange, FailureDetails, PolicyResult, PolicyType, Report, ResultType, Summary,
};
pub use read::{Deviation, DeviationKind, JsonError};
pub use record::{
    is_tlsrpt_record, DiscoveryError, RecordError, RecordErrorKind, RecordWarning, ReportUri, TlsRptRecord,
    TLSRPT_VERSION,
};

/// The media type of a gzip-compressed report (RFC 8460 §6.4).
pub const MEDIA_TYPE_GZIP: &str = "application/tlsrpt+gzip";
/// The media type of a plain JSON report (RFC 8460 §6.5).
pub const MEDIA_TYPE_JSON: &str = "application/tlsrpt+json";
