//! SMTP TLS Reporting (RFC 8460), sans-IO.
//!
//! This crate will hold the `_smtp._tls` TXT record parser, the RFC 8460 §4.4
//! report model (reading as real senders write it, and canonical writing), the
//! aggregation of session results into daily reports, and the delivery formats
//! (file name, gzip, e-mail, HTTPS media types).
//!
//! It is not built yet: this release only reserves the crate in the workspace.
#![forbid(unsafe_code)]

/// The version tag every `_smtp._tls` TXT record begins with (RFC 8460 §3).
pub const RECORD_VERSION: &str = "v=TLSRPTv1";
