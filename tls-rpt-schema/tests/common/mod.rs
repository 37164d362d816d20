//! Fixtures shared by the tests: a clean report, and the containers it travels in.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;

use serde_json::{json, Value};

/// A report that follows RFC 8460 to the letter (one full UTC day, every field).
pub fn base_report() -> Value {
    json!({
        "organization-name": "Example Mail Inc.",
        "date-range": {"start-datetime": "2026-03-01T00:00:00Z", "end-datetime": "2026-03-02T00:00:00Z"},
        "contact-info": "tlsrpt@mail.example",
        "report-id": "2026.03.01-example.org@mail.example",
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: testing", "mx: *.mail.example.org", "max_age: 86400"],
                "policy-domain": "example.org",
                "mx-host": ["*.mail.example.org"]
            },
            "summary": {"total-successful-session-count": 120, "total-failure-session-count": 3},
            "failure-details": [{
                "result-type": "certificate-expired",
                "sending-mta-ip": "192.0.2.10",
                "receiving-mx-hostname": "mx1.mail.example.org",
                "receiving-mx-helo": "mx1.mail.example.org",
                "receiving-ip": "2001:db8::25",
                "failed-session-count": 3,
                "additional-information": "https://mail.example/tlsrpt/info",
                "failure-reason-code": "certificate has expired"
            }]
        }]
    })
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zip_with(name: &str, method: u16, payload: &[u8], original: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(original);
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x03\x04");
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&method.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]); // time, date
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&(original.len() as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(payload);
    out
}

pub fn zip_stored(name: &str, data: &[u8]) -> Vec<u8> {
    zip_with(name, 0, data, data)
}

pub fn zip_deflated(name: &str, data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    zip_with(name, 8, &e.finish().unwrap(), data)
}

pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    let mut wrapped = String::new();
    for (i, c) in out.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            wrapped.push_str("\r\n");
        }
        wrapped.push(c);
    }
    wrapped
}

/// A TLS-RPT e-mail (RFC 8460 §5.3) with the given attachment.
pub fn email(content_type: &str, file_name: Option<&str>, body: &[u8], fold_subject: bool) -> Vec<u8> {
    let subject = if fold_subject {
        "Report Domain: example.org\r\n Submitter: mail.example\r\n Report-ID: <2026.03.01-example.org@mail.example>"
    } else {
        "Report Domain: example.org Submitter: mail.example Report-ID: <2026.03.01-example.org@mail.example>"
    };
    let name = file_name.map(|n| format!("; name=\"{n}\"")).unwrap_or_default();
    let disposition = file_name
        .map(|n| format!("Content-Disposition: attachment; filename=\"{n}\"\r\n"))
        .unwrap_or_default();
    let mut m = String::new();
    m.push_str("From: TLS reporting <noreply-tlsrpt@mail.example>\r\n");
    m.push_str("To: tlsrpt@example.org\r\n");
    m.push_str(&format!("Subject: {subject}\r\n"));
    m.push_str("Date: Mon, 02 Mar 2026 04:12:00 +0000\r\n");
    m.push_str("Message-ID: <r1@mail.example>\r\n");
    m.push_str("TLS-Report-Domain: example.org\r\n");
    m.push_str("TLS-Report-Submitter: mail.example\r\n");
    m.push_str("MIME-Version: 1.0\r\n");
    m.push_str("Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b0undary\"\r\n\r\n");
    m.push_str("--b0undary\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nThis is an aggregate TLS report from mail.example.\r\n\r\n");
    m.push_str(&format!(
        "--b0undary\r\nContent-Type: {content_type}{name}\r\n{disposition}Content-Transfer-Encoding: base64\r\n\r\n"
    ));
    m.push_str(&base64(body));
    m.push_str("\r\n--b0undary--\r\n");
    m.into_bytes()
}
