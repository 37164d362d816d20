//! Conformance tests for the `_smtp._tls` record (RFC 8460 §3) and the report
//! schema (§4.3, §4.4), one per requirement, named after its section.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use tls_rpt_schema::*;

fn err(record: &str) -> RecordErrorKind {
    TlsRptRecord::parse(record).unwrap_err().kind
}

#[test]
fn rfc8460_3_example_mailto() {
    let r = TlsRptRecord::parse("v=TLSRPTv1;rua=mailto:reports@example.com").unwrap();
    assert_eq!(
        r.rua,
        [ReportUri::Mailto {
            uri: "mailto:reports@example.com".into(),
            address: "reports@example.com".into()
        }]
    );
}

#[test]
fn rfc8460_3_example_https() {
    let r = TlsRptRecord::parse("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt").unwrap();
    assert_eq!(
        r.rua,
        [ReportUri::Https {
            uri: "https://reporting.example.com/v1/tlsrpt".into(),
            host: "reporting.example.com".into()
        }]
    );
}

#[test]
fn rfc8460_3_version_first_and_exact() {
    assert_eq!(
        err("rua=mailto:a@b.example; v=TLSRPTv1"),
        RecordErrorKind::NotTlsRptRecord
    );
    assert_eq!(
        err("v=tlsrptv1; rua=mailto:a@b.example"),
        RecordErrorKind::NotTlsRptRecord
    );
    assert_eq!(
        err("v=TLSRPTv10; rua=mailto:a@b.example"),
        RecordErrorKind::NotTlsRptRecord
    );
}

#[test]
fn rfc8460_3_rua_is_required() {
    assert_eq!(err("v=TLSRPTv1"), RecordErrorKind::MissingRua);
    assert_eq!(err("v=TLSRPTv1; x=1"), RecordErrorKind::MissingRua);
}

#[test]
fn rfc8460_3_rua_comma_list_with_optional_whitespace() {
    let r =
        TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@x.example,mailto:b@x.example , \thttps://r.example/p").unwrap();
    let uris: Vec<&str> = r.rua.iter().map(ReportUri::as_str).collect();
    assert_eq!(
        uris,
        ["mailto:a@x.example", "mailto:b@x.example", "https://r.example/p"]
    );
}

#[test]
fn rfc8460_3_only_mailto_and_https_are_supported() {
    let r = TlsRptRecord::parse("v=TLSRPTv1; rua=http://r.example/x,mailto:a@x.example").unwrap();
    assert_eq!(r.rua.len(), 1);
    assert_eq!(
        r.warnings,
        [RecordWarning::UnsupportedScheme {
            column: 17,
            uri: "http://r.example/x".into()
        }]
    );
    assert_eq!(err("v=TLSRPTv1; rua=http://r.example/x"), RecordErrorKind::NoUsableUri);
}

#[test]
fn rfc8460_3_uri_schemes_are_case_insensitive() {
    let r = TlsRptRecord::parse("v=TLSRPTv1; rua=MAILTO:a@x.example,HTTPS://R.Example/x").unwrap();
    assert_eq!(r.rua.len(), 2);
}

#[test]
fn rfc8460_3_mailto_needs_an_addr_spec() {
    for bad in [
        "mailto:",
        "mailto:nobody",
        "mailto:@x.example",
        "mailto:a@",
        "mailto:a@bad_host",
    ] {
        assert!(
            matches!(err(&format!("v=TLSRPTv1; rua={bad}")), RecordErrorKind::InvalidUri(_)),
            "{bad}"
        );
    }
    // Percent-encoding and RFC 6068 parameters are fine.
    let r = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:tls%2Drpt@x.example?subject=hi").unwrap();
    assert!(matches!(&r.rua[0], ReportUri::Mailto { address, .. } if address == "tls-rpt@x.example"));
}

#[test]
fn rfc8460_3_https_needs_a_host() {
    for bad in [
        "https:",
        "https://",
        "https:///path",
        "https://:443/",
        "https://host:port/",
        "https:x.example",
    ] {
        assert!(
            matches!(err(&format!("v=TLSRPTv1; rua={bad}")), RecordErrorKind::InvalidUri(_)),
            "{bad}"
        );
    }
    for good in [
        "https://r.example",
        "https://r.example:8443/x?y=z",
        "https://[2001:db8::1]:443/x",
    ] {
        assert!(TlsRptRecord::parse(format!("v=TLSRPTv1; rua={good}")).is_ok(), "{good}");
    }
}

#[test]
fn rfc8460_3_commas_exclamation_semicolons_must_be_encoded() {
    // An unencoded "!" is not part of a URI here.
    assert!(matches!(
        err("v=TLSRPTv1; rua=mailto:a!b@x.example"),
        RecordErrorKind::InvalidUri(_)
    ));
    // A ";" ends the rua field.
    let r = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@x.example; ext=1").unwrap();
    assert_eq!(r.extensions, [("ext".to_owned(), "1".to_owned())]);
}

#[test]
fn rfc8460_3_extensions_ignored_once_they_fit_the_grammar() {
    let r = TlsRptRecord::parse("v=TLSRPTv1; x-new.field_1=anything!; rua=mailto:a@x.example").unwrap();
    assert_eq!(r.rua.len(), 1);
    assert_eq!(
        err("v=TLSRPTv1; rua=mailto:a@x.example; bad field=1"),
        RecordErrorKind::ExpectedEquals
    );
    assert_eq!(
        err("v=TLSRPTv1; rua=mailto:a@x.example; x="),
        RecordErrorKind::InvalidValue
    );
    assert_eq!(
        err("v=TLSRPTv1; rua=mailto:a@x.example; _x=1"),
        RecordErrorKind::InvalidFieldName
    );
}

#[test]
fn rfc8460_3_duplicates_first_wins() {
    let r = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:first@x.example; rua=mailto:second@x.example").unwrap();
    assert_eq!(r.rua[0].as_str(), "mailto:first@x.example");
    assert_eq!(r.rua.len(), 1);
    assert!(matches!(&r.warnings[0], RecordWarning::Duplicate { name, .. } if name == "rua"));
}

#[test]
fn rfc8460_3_trailing_delimiter_allowed() {
    assert!(TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@x.example;").is_ok());
    assert!(TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@x.example ; ").is_ok());
    assert_eq!(
        err("v=TLSRPTv1; rua=mailto:a@x.example;;"),
        RecordErrorKind::InvalidFieldName
    );
}

#[test]
fn rfc8460_3_discovery_discards_other_records() {
    let r = TlsRptRecord::discover(["v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@x.example"]).unwrap();
    assert_eq!(r.rua.len(), 1);
}

#[test]
fn rfc8460_3_discovery_needs_exactly_one() {
    assert_eq!(TlsRptRecord::discover(["v=spf1 -all"]), Err(DiscoveryError::NoRecord));
    assert_eq!(
        TlsRptRecord::discover([
            "v=TLSRPTv1; rua=mailto:a@x.example",
            "v=TLSRPTv1; rua=mailto:b@x.example"
        ]),
        Err(DiscoveryError::MultipleRecords { count: 2 })
    );
    assert!(matches!(
        TlsRptRecord::discover(["v=TLSRPTv1; rua=ftp://x"]),
        Err(DiscoveryError::Invalid(_))
    ));
}

#[test]
fn rfc8460_3_multi_string_records_concatenated_without_spaces() {
    let joined = ["v=TLSRPTv1; rua=mailto:", "reports@example.com"].concat();
    assert_eq!(
        TlsRptRecord::discover([joined]).unwrap().rua[0].as_str(),
        "mailto:reports@example.com"
    );
}

#[test]
fn rfc8460_4_3_all_eleven_result_types() {
    let names: Vec<&str> = ResultType::ALL.iter().map(ResultType::as_str).collect();
    assert_eq!(
        names,
        [
            "starttls-not-supported",
            "certificate-host-mismatch",
            "certificate-expired",
            "certificate-not-trusted",
            "validation-failure",
            "tlsa-invalid",
            "dnssec-invalid",
            "dane-required",
            "sts-policy-fetch-error",
            "sts-policy-invalid",
            "sts-webpki-invalid",
        ]
    );
}

#[test]
fn rfc8460_4_4_canonical_field_order_and_omissions() {
    let read = read_report(
        &serde_json::to_vec(&common::base_report()).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    let json = read.report.to_json().unwrap();
    let keys = [
        "\"organization-name\"",
        "\"date-range\"",
        "\"start-datetime\"",
        "\"end-datetime\"",
        "\"contact-info\"",
        "\"report-id\"",
        "\"policies\"",
        "\"policy\"",
        "\"policy-type\"",
        "\"policy-string\"",
        "\"policy-domain\"",
        "\"mx-host\"",
        "\"summary\"",
        "\"total-successful-session-count\"",
        "\"total-failure-session-count\"",
        "\"failure-details\"",
        "\"result-type\"",
        "\"sending-mta-ip\"",
        "\"receiving-mx-hostname\"",
        "\"receiving-mx-helo\"",
        "\"receiving-ip\"",
        "\"failed-session-count\"",
        "\"additional-information\"",
        "\"failure-reason-code\"",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| json.find(k).unwrap_or_else(|| panic!("{k} missing")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    // Empty optional parts are left out.
    let mut r = read.report;
    r.contact_info = None;
    r.policies[0].failure_details.clear();
    r.policies[0].policy.mx_host = None;
    let json = r.to_json().unwrap();
    for k in ["contact-info", "failure-details", "mx-host"] {
        assert!(!json.contains(k), "{json}");
    }
}

#[test]
fn rfc8460_4_4_ip_addresses_are_parsed() {
    let read = read_report(
        &serde_json::to_vec(&common::base_report()).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    let f = &read.report.policies[0].failure_details[0];
    assert!(f.sending_mta_ip.unwrap().is_ipv4());
    assert!(f.receiving_ip.unwrap().is_ipv6());
}
