//! The e-mail form of a report (RFC 8460 §5.3): a complete RFC 5322 message,
//! `multipart/report; report-type="tlsrpt"`, with a short text part and the gzip
//! report attached under its RFC 8460 §5.1 file name.
//!
//! DKIM signing stays with the host's MTA: RFC 8460 §3 requires a valid DKIM
//! signature by the reporting domain (without `l=`), and §5.3 asks that it cover
//! `TLS-Report-Domain` and `TLS-Report-Submitter` as well as the usual `From`,
//! `To`, `Subject`, `Date` and `Message-ID`.

use crate::aggregate::{gzip_report, report_file_name};
use crate::model::Report;

/// Who the message is from and to, and when it is dated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailEnvelope {
    /// The `From` address (the reporting domain's).
    pub from: String,
    /// The `To` address (the `mailto:` of the `rua`).
    pub to: String,
    /// The submitter domain (`TLS-Report-Submitter`; RFC 8460 wants it to match
    /// the domain of the report's `contact-info`).
    pub submitter: String,
    /// The `Date`, as a Unix time.
    pub date: i64,
}

/// Why a message could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// A header value holds a control character (CR, LF ...): header injection.
    #[error("{field} holds a control character")]
    ControlCharacter {
        /// The field.
        field: &'static str,
    },
    /// The report could not be serialised or compressed.
    #[error("cannot write the report: {0}")]
    Report(#[from] std::io::Error),
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 (RFC 2045), in lines of 76 characters ended by CRLF.
fn base64_lines(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 4);
    let mut line = 0usize;
    for chunk in data.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        for i in 0..4usize {
            let c = if i <= chunk.len() {
                let idx = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap_or(0);
                BASE64.get(idx).copied().map_or('A', char::from)
            } else {
                '='
            };
            out.push(c);
        }
        line += 4;
        if line == 76 {
            out.push_str("\r\n");
            line = 0;
        }
    }
    if line > 0 {
        out.push_str("\r\n");
    }
    out
}

fn check(field: &'static str, value: &str) -> Result<(), EmailError> {
    if value.chars().any(char::is_control) {
        return Err(EmailError::ControlCharacter { field });
    }
    Ok(())
}

/// The RFC 5322 date of a Unix time, in UTC.
fn rfc5322_date(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] +0000"
    );
    t.format(&format).unwrap_or_default()
}

/// The report as a complete e-mail message, ready for the host's MTA to sign
/// with DKIM and send.
pub fn report_email(report: &Report, report_domain: &str, envelope: &EmailEnvelope) -> Result<Vec<u8>, EmailError> {
    check("report domain", report_domain)?;
    check("from", &envelope.from)?;
    check("to", &envelope.to)?;
    check("submitter", &envelope.submitter)?;
    check("report id", &report.report_id)?;
    let gz = gzip_report(report)?;
    let file_name = report_file_name(&envelope.submitter, report_domain, report, true);
    let boundary = format!(
        "tlsrpt-{:016x}",
        crate::aggregate::stable_hash(report.report_id.as_bytes())
    );
    let subject = format!(
        "Report Domain: {report_domain}\r\n Submitter: {}\r\n Report-ID: <{}>",
        envelope.submitter, report.report_id
    );
    let mut m = String::new();
    m.push_str(&format!("From: {}\r\n", envelope.from));
    m.push_str(&format!("To: {}\r\n", envelope.to));
    m.push_str(&format!("Date: {}\r\n", rfc5322_date(envelope.date)));
    m.push_str(&format!("Message-ID: <{}>\r\n", report.report_id));
    m.push_str(&format!("Subject: {subject}\r\n"));
    m.push_str(&format!("TLS-Report-Domain: {report_domain}\r\n"));
    m.push_str(&format!("TLS-Report-Submitter: {}\r\n", envelope.submitter));
    m.push_str("MIME-Version: 1.0\r\n");
    m.push_str(&format!(
        "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n boundary=\"{boundary}\"\r\n\r\n"
    ));
    m.push_str("This is a multipart message in MIME format.\r\n\r\n");
    m.push_str(&format!("--{boundary}\r\n"));
    m.push_str("Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
    m.push_str(&format!(
        "This is an aggregate TLS report from {} for {report_domain}\r\n(SMTP TLS Reporting, RFC 8460).\r\n\r\n",
        envelope.submitter
    ));
    m.push_str(&format!("--{boundary}\r\n"));
    m.push_str(&format!(
        "Content-Type: application/tlsrpt+gzip; name=\"{file_name}\"\r\n"
    ));
    m.push_str("Content-Transfer-Encoding: base64\r\n");
    m.push_str(&format!(
        "Content-Disposition: attachment; filename=\"{file_name}\"\r\n\r\n"
    ));
    m.push_str(&base64_lines(&gz));
    m.push_str(&format!("\r\n--{boundary}--\r\n"));
    Ok(m.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64_lines(b""), "");
        assert_eq!(base64_lines(b"f"), "Zg==\r\n");
        assert_eq!(base64_lines(b"fo"), "Zm8=\r\n");
        assert_eq!(base64_lines(b"foo"), "Zm9v\r\n");
        assert_eq!(base64_lines(b"foobar"), "Zm9vYmFy\r\n");
        let long = base64_lines(&[0u8; 60]);
        assert_eq!(long.lines().next().map(str::len), Some(76));
    }

    #[test]
    fn dates() {
        assert_eq!(rfc5322_date(1_772_409_600), "Mon, 02 Mar 2026 00:00:00 +0000");
    }
}
