//! Real-world tolerance: one fixture per quirk real senders show (written for
//! these tests, not copied from anyone's reports). Each reads in the default
//! mode with the deviation named by its JSON path, and is refused in strict mode.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use serde_json::json;
use tls_rpt_schema::*;

/// Reads `doc` both ways: the default succeeds with exactly `expected` (path and
/// kind), strict fails naming the same deviations.
fn quirk(doc: &serde_json::Value, expected: &[(&str, DeviationKind)]) -> Report {
    let bytes = serde_json::to_vec(doc).unwrap();
    let read = read_report(&bytes, &ReadOptions::default()).unwrap();
    let got: Vec<(String, DeviationKind)> = read.warnings.iter().map(|d| (d.path.clone(), d.kind.clone())).collect();
    let want: Vec<(String, DeviationKind)> = expected.iter().map(|(p, k)| ((*p).to_owned(), k.clone())).collect();
    assert_eq!(got, want);
    match read_report(&bytes, &ReadOptions::strict()) {
        Err(ReadError::Json(JsonError::Deviations(d))) => {
            assert_eq!(d, read.warnings);
        }
        other => panic!("strict mode accepted a deviation: {other:?}"),
    }
    // Canonical writing reads back to the same report.
    let again = read_report(read.report.to_json().unwrap().as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(again.report, read.report);
    read.report
}

#[test]
fn clean_report_has_no_deviation() {
    let bytes = serde_json::to_vec(&base_report()).unwrap();
    let read = read_report(&bytes, &ReadOptions::strict()).unwrap();
    assert!(read.warnings.is_empty());
    let r = read.report;
    assert_eq!(r.organization_name, "Example Mail Inc.");
    assert_eq!(r.contact_info.as_deref(), Some("tlsrpt@mail.example"));
    assert_eq!(r.policies.len(), 1);
    let p = &r.policies[0];
    assert_eq!(p.policy.policy_type, PolicyType::Sts);
    assert_eq!(
        p.policy.mx_host.as_deref(),
        Some(&["*.mail.example.org".to_owned()][..])
    );
    assert_eq!(p.summary.total_failure_session_count, Some(3));
    let f = &p.failure_details[0];
    assert_eq!(f.result_type, ResultType::CertificateExpired);
    assert_eq!(f.sending_mta_ip, Some("192.0.2.10".parse().unwrap()));
    assert_eq!(f.receiving_ip, Some("2001:db8::25".parse().unwrap()));
}

#[test]
fn quirk_datetime_without_time_zone() {
    let mut doc = base_report();
    doc["date-range"]["start-datetime"] = json!("2026-03-01T00:00:00");
    doc["date-range"]["end-datetime"] = json!("2026-03-02T00:00:00");
    let r = quirk(
        &doc,
        &[
            ("date-range.start-datetime", DeviationKind::NoTimeZone),
            ("date-range.end-datetime", DeviationKind::NoTimeZone),
        ],
    );
    assert_eq!(format_datetime(&r.date_range.start), "2026-03-01T00:00:00Z");
}

#[test]
fn quirk_end_at_23_59_59() {
    let mut doc = base_report();
    doc["date-range"]["end-datetime"] = json!("2026-03-01T23:59:59Z");
    let r = quirk(&doc, &[("date-range", DeviationKind::NotFullUtcDay)]);
    // Kept as given: not "corrected" to midnight.
    assert_eq!(format_datetime(&r.date_range.end), "2026-03-01T23:59:59Z");
}

#[test]
fn quirk_mx_host_as_string_or_missing() {
    let mut doc = base_report();
    doc["policies"][0]["policy"]["mx-host"] = json!("mx.mail.example.org");
    let r = quirk(&doc, &[("policies[0].policy.mx-host", DeviationKind::StringNotList)]);
    assert_eq!(
        r.policies[0].policy.mx_host,
        Some(vec!["mx.mail.example.org".to_owned()])
    );

    let mut doc = base_report();
    doc["policies"][0]["policy"].as_object_mut().unwrap().remove("mx-host");
    let r = quirk_none(&doc);
    assert_eq!(r.policies[0].policy.mx_host, None);
}

/// A document that must read cleanly even in strict mode.
fn quirk_none(doc: &serde_json::Value) -> Report {
    let bytes = serde_json::to_vec(doc).unwrap();
    let read = read_report(&bytes, &ReadOptions::strict()).unwrap();
    assert!(read.warnings.is_empty());
    read.report
}

#[test]
fn quirk_policy_string_missing() {
    let mut doc = base_report();
    doc["policies"][0]["policy"]
        .as_object_mut()
        .unwrap()
        .remove("policy-string");
    let r = quirk(&doc, &[("policies[0].policy.policy-string", DeviationKind::Missing)]);
    assert_eq!(r.policies[0].policy.policy_string, None);
}

#[test]
fn quirk_policy_string_holding_json_encoded_tlsa_list() {
    let mut doc = base_report();
    doc["policies"][0]["policy"]["policy-type"] = json!("tlsa");
    doc["policies"][0]["policy"]["policy-string"] = json!([r#"["3 1 1 AB12CD","3 1 1 EF34AB"]"#]);
    let r = quirk(
        &doc,
        &[("policies[0].policy.policy-string", DeviationKind::JsonEncodedList)],
    );
    // Kept exactly as sent.
    assert_eq!(
        r.policies[0].policy.policy_string,
        Some(vec![r#"["3 1 1 AB12CD","3 1 1 EF34AB"]"#.to_owned()])
    );
}

#[test]
fn quirk_policy_domain_missing() {
    let mut doc = base_report();
    doc["policies"][0]["policy"]
        .as_object_mut()
        .unwrap()
        .remove("policy-domain");
    let r = quirk(&doc, &[("policies[0].policy.policy-domain", DeviationKind::Missing)]);
    assert_eq!(r.policies[0].policy.policy_domain, None);
}

#[test]
fn quirk_contact_info_null() {
    let mut doc = base_report();
    doc["contact-info"] = serde_json::Value::Null;
    let r = quirk(&doc, &[("contact-info", DeviationKind::Missing)]);
    assert_eq!(r.contact_info, None);
}

#[test]
fn quirk_failure_details_with_only_type_and_count() {
    let mut doc = base_report();
    doc["policies"][0]["failure-details"] =
        json!([{"result-type": "sts-policy-fetch-error", "failed-session-count": 3}]);
    let r = quirk_none(&doc);
    let f = &r.policies[0].failure_details[0];
    assert_eq!(f.result_type, ResultType::StsPolicyFetchError);
    assert_eq!(
        (f.sending_mta_ip, f.receiving_ip, &f.receiving_mx_hostname),
        (None, None, &None)
    );
}

#[test]
fn quirk_ips_as_empty_strings() {
    let mut doc = base_report();
    doc["policies"][0]["failure-details"][0]["sending-mta-ip"] = json!("");
    doc["policies"][0]["failure-details"][0]["receiving-ip"] = json!("");
    let r = quirk(
        &doc,
        &[
            ("policies[0].failure-details[0].sending-mta-ip", DeviationKind::EmptyIp),
            ("policies[0].failure-details[0].receiving-ip", DeviationKind::EmptyIp),
        ],
    );
    assert_eq!(r.policies[0].failure_details[0].sending_mta_ip, None);
}

#[test]
fn quirk_ip_that_is_not_an_ip() {
    let mut doc = base_report();
    doc["policies"][0]["failure-details"][0]["receiving-ip"] = json!("x.x.x.x");
    quirk(
        &doc,
        &[(
            "policies[0].failure-details[0].receiving-ip",
            DeviationKind::InvalidIp("x.x.x.x".into()),
        )],
    );
}

#[test]
fn quirk_counts_that_do_not_add_up() {
    let mut doc = base_report();
    doc["policies"][0]["summary"]["total-failure-session-count"] = json!(1);
    let r = quirk(
        &doc,
        &[(
            "policies[0].failure-details",
            DeviationKind::CountsDisagree { details: 3, total: 1 },
        )],
    );
    // Both numbers kept as sent.
    assert_eq!(r.policies[0].summary.total_failure_session_count, Some(1));
    assert_eq!(r.policies[0].failure_details[0].failed_session_count, 3);
}

#[test]
fn quirk_summary_count_missing() {
    let mut doc = base_report();
    doc["policies"][0]["summary"]
        .as_object_mut()
        .unwrap()
        .remove("total-failure-session-count");
    let r = quirk(
        &doc,
        &[(
            "policies[0].summary.total-failure-session-count",
            DeviationKind::Missing,
        )],
    );
    assert_eq!(r.policies[0].summary.total_failure_session_count, None);
}

#[test]
fn quirk_draft_era_keys() {
    let mut doc = base_report();
    let f = doc["policies"][0]["failure-details"][0].as_object_mut().unwrap();
    let code = f.remove("failure-reason-code").unwrap();
    f.insert("failure-error-code".into(), code);
    let info = f.remove("additional-information").unwrap();
    f.insert("additional-info-uri".into(), info);
    let r = quirk(
        &doc,
        &[
            (
                "policies[0].failure-details[0].additional-info-uri",
                DeviationKind::DraftKey {
                    now: "additional-information",
                },
            ),
            (
                "policies[0].failure-details[0].failure-error-code",
                DeviationKind::DraftKey {
                    now: "failure-reason-code",
                },
            ),
        ],
    );
    let f = &r.policies[0].failure_details[0];
    assert_eq!(f.failure_reason_code.as_deref(), Some("certificate has expired"));
    assert_eq!(
        f.additional_information.as_deref(),
        Some("https://mail.example/tlsrpt/info")
    );
}

#[test]
fn unknown_result_types_are_kept_without_complaint() {
    let mut doc = base_report();
    doc["policies"][0]["failure-details"][0]["result-type"] = json!("quantum-decoherence");
    let r = quirk_none(&doc);
    assert_eq!(
        r.policies[0].failure_details[0].result_type,
        ResultType::Other("quantum-decoherence".into())
    );
}

#[test]
fn unknown_policy_type_is_kept_and_named() {
    let mut doc = base_report();
    doc["policies"][0]["policy"]["policy-type"] = json!("future");
    let r = quirk(
        &doc,
        &[(
            "policies[0].policy.policy-type",
            DeviationKind::UnknownPolicyType("future".into()),
        )],
    );
    assert_eq!(r.policies[0].policy.policy_type, PolicyType::Other("future".into()));
}

#[test]
fn unknown_fields_are_ignored() {
    let mut doc = base_report();
    doc["x-vendor"] = json!({"deep": [1, 2, {"x": null}]});
    doc["policies"][0]["policy"]["x-extra"] = json!(true);
    quirk_none(&doc);
}

#[test]
fn errors_name_the_json_path() {
    let mut doc = base_report();
    doc["policies"][0]["summary"]["total-successful-session-count"] = json!("many");
    let err = read_report(&serde_json::to_vec(&doc).unwrap(), &ReadOptions::default()).unwrap_err();
    match err {
        ReadError::Json(JsonError::Syntax { path, .. }) => {
            assert_eq!(path, "policies[0].summary.total-successful-session-count");
        }
        other => panic!("{other:?}"),
    }
    let mut doc = base_report();
    doc["date-range"]["start-datetime"] = json!("yesterday");
    let err = read_report(&serde_json::to_vec(&doc).unwrap(), &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with("date-range.start-datetime: "), "{err}");
    let mut doc = base_report();
    doc.as_object_mut().unwrap().remove("report-id");
    let err = read_report(&serde_json::to_vec(&doc).unwrap(), &ReadOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "report-id: missing");
}

// ---- the containers ----

#[test]
fn gzip_is_detected_from_bytes() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    let read = read_report(&gzip(&json), &ReadOptions::default()).unwrap();
    assert_eq!(read.source, SourceKind::Gzip);
}

#[test]
fn zip_is_detected_from_bytes() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    for archive in [zip_stored("report.json", &json), zip_deflated("report.json", &json)] {
        let read = read_report(&archive, &ReadOptions::default()).unwrap();
        assert_eq!(read.source, SourceKind::Zip);
    }
}

#[test]
fn email_with_tlsrpt_gzip_attachment() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    let msg = email(
        "application/tlsrpt+gzip",
        Some("mail.example!example.org!1772323200!1772409600.json.gz"),
        &gzip(&json),
        false,
    );
    let read = read_report(&msg, &ReadOptions::strict()).unwrap();
    assert_eq!(read.source, SourceKind::Email);
    assert!(read.warnings.is_empty());
    let info = read.email.unwrap();
    assert_eq!(info.report_domain.as_deref(), Some("example.org"));
    assert_eq!(info.submitter.as_deref(), Some("mail.example"));
    assert_eq!(info.content_type.as_deref(), Some("application/tlsrpt+gzip"));
    assert!(info
        .subject
        .unwrap()
        .contains("Report-ID: <2026.03.01-example.org@mail.example>"));
}

#[test]
fn email_with_tlsrpt_json_attachment() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    let msg = email("application/tlsrpt+json", None, &json, false);
    assert!(read_report(&msg, &ReadOptions::strict()).unwrap().warnings.is_empty());
}

#[test]
fn quirk_attachment_typed_plain_tlsrpt() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    let msg = email("application/tlsrpt", Some("report.json.gz"), &gzip(&json), false);
    let read = read_report(&msg, &ReadOptions::default()).unwrap();
    assert!(matches!(&read.warnings[0].kind, DeviationKind::AttachmentNotTlsrpt(w) if w == "typed application/tlsrpt"));
    assert!(read_report(&msg, &ReadOptions::strict()).is_err());
}

#[test]
fn quirk_attachment_named_only_by_file_name() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    for (name, body) in [
        ("report.json.gz", gzip(&json)),
        ("report.zip", zip_deflated("r.json", &json)),
    ] {
        let msg = email("application/octet-stream", Some(name), &body, false);
        let read = read_report(&msg, &ReadOptions::default()).unwrap();
        assert!(
            matches!(&read.warnings[0].kind, DeviationKind::AttachmentNotTlsrpt(w) if w == &format!("named {name}")),
            "{:?}",
            read.warnings
        );
        assert!(read_report(&msg, &ReadOptions::strict()).is_err());
    }
}

#[test]
fn quirk_subject_folded_over_several_lines() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    let msg = email("application/tlsrpt+gzip", Some("r.json.gz"), &gzip(&json), true);
    let read = read_report(&msg, &ReadOptions::default()).unwrap();
    assert_eq!(
        read.email.unwrap().subject.as_deref(),
        Some("Report Domain: example.org Submitter: mail.example Report-ID: <2026.03.01-example.org@mail.example>")
    );
}

#[test]
fn email_without_a_report_is_refused() {
    let msg = b"From: someone@example.org\r\nTo: tlsrpt@example.org\r\nSubject: hello\r\nContent-Type: text/plain\r\n\r\nNo report here.\r\n";
    assert_eq!(read_report(msg, &ReadOptions::default()), Err(ReadError::NoReport));
    assert_eq!(
        ReadError::NoReport.to_string(),
        "no TLS-RPT report found in the e-mail message"
    );
}

#[test]
fn unknown_bytes_are_refused() {
    assert_eq!(
        read_report(b"\x00\x01binary", &ReadOptions::default()),
        Err(ReadError::UnknownFormat)
    );
    assert_eq!(read_report(b"", &ReadOptions::default()), Err(ReadError::UnknownFormat));
}

#[test]
fn key_value_text_is_not_taken_for_an_e_mail() {
    let policy = b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
    assert_eq!(
        read_report(policy, &ReadOptions::default()),
        Err(ReadError::UnknownFormat)
    );
}
