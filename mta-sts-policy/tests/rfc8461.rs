//! Conformance tests: one per requirement of RFC 8461 §3.1, §3.2, §3.3 (the checks
//! on a fetch response) and §4.1, named after its section.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use mta_sts_policy::*;

const RFC_POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";

fn policy(text: &str) -> Policy {
    Policy::parse(text.as_bytes()).unwrap().policy
}

fn policy_err(text: &str) -> PolicyErrorKind {
    Policy::parse(text.as_bytes()).unwrap_err().0.remove(0).kind
}

fn record_err(text: &str) -> RecordErrorKind {
    StsRecord::parse(text).unwrap_err().kind
}

// ---- §3.1 MTA-STS TXT records ----

#[test]
fn rfc8461_3_1_example_record_parses() {
    let record = StsRecord::parse("v=STSv1; id=20160831085700Z;").unwrap();
    assert_eq!(record.id().as_str(), "20160831085700Z");
}

#[test]
fn rfc8461_3_1_version_is_required_and_first() {
    assert_eq!(record_err("id=1; v=STSv1"), RecordErrorKind::NotStsRecord);
    assert_eq!(record_err(""), RecordErrorKind::NotStsRecord);
    assert_eq!(record_err(" v=STSv1; id=1"), RecordErrorKind::NotStsRecord);
}

#[test]
fn rfc8461_3_1_version_is_case_sensitive() {
    assert_eq!(record_err("v=stsv1; id=1"), RecordErrorKind::NotStsRecord);
    assert_eq!(record_err("V=STSv1; id=1"), RecordErrorKind::NotStsRecord);
}

#[test]
fn rfc8461_3_1_only_stsv1_is_supported() {
    assert_eq!(record_err("v=STSv2; id=1"), RecordErrorKind::NotStsRecord);
    assert_eq!(record_err("v=STSv10; id=1"), RecordErrorKind::NotStsRecord);
}

#[test]
fn rfc8461_3_1_id_is_required() {
    assert_eq!(record_err("v=STSv1"), RecordErrorKind::MissingId);
    assert_eq!(record_err("v=STSv1;"), RecordErrorKind::MissingId);
    assert_eq!(record_err("v=STSv1; foo=bar"), RecordErrorKind::MissingId);
}

#[test]
fn rfc8461_3_1_id_is_1_to_32_letters_or_digits() {
    assert!(StsRecord::parse(format!("v=STSv1; id={}", "a".repeat(32))).is_ok());
    assert_eq!(
        record_err(&format!("v=STSv1; id={}", "a".repeat(33))),
        RecordErrorKind::InvalidId
    );
    assert_eq!(record_err("v=STSv1; id=abc_def"), RecordErrorKind::InvalidId);
    assert_eq!(record_err("v=STSv1; id=2016-08-31"), RecordErrorKind::InvalidId);
    assert_eq!(record_err("v=STSv1; id="), RecordErrorKind::EmptyValue);
}

#[test]
fn rfc8461_3_1_id_field_name_is_case_sensitive() {
    // "ID=1" is a well-formed extension, so the record lacks its id.
    assert_eq!(record_err("v=STSv1; ID=1"), RecordErrorKind::MissingId);
}

#[test]
fn rfc8461_3_1_field_delimiter_allows_wsp_around_semicolon() {
    let r = StsRecord::parse("v=STSv1 \t;\t id=1 ; ext=x\t;").unwrap();
    assert_eq!(r.id().as_str(), "1");
    assert_eq!(r.extensions()[0].name(), "ext");
}

#[test]
fn rfc8461_3_1_one_trailing_delimiter_is_allowed() {
    assert!(StsRecord::parse("v=STSv1; id=1;").is_ok());
    assert!(StsRecord::parse("v=STSv1; id=1; ").is_ok());
    assert_eq!(record_err("v=STSv1; id=1;;"), RecordErrorKind::InvalidFieldName);
}

#[test]
fn rfc8461_3_1_other_fields_are_order_independent() {
    let r = StsRecord::parse("v=STSv1; a=1; id=xyz; b=2").unwrap();
    assert_eq!(r.id().as_str(), "xyz");
    assert_eq!(r.extensions().len(), 2);
}

#[test]
fn rfc8461_3_1_unknown_fields_are_ignored() {
    let r = StsRecord::parse("v=STSv1; id=1; x-future.ext_1=some!value").unwrap();
    assert_eq!(r.extensions()[0].name(), "x-future.ext_1");
    assert_eq!(r.extensions()[0].value(), "some!value");
}

#[test]
fn rfc8461_3_1_extension_name_grammar() {
    assert_eq!(record_err("v=STSv1; id=1; -x=1"), RecordErrorKind::InvalidFieldName);
    assert_eq!(
        record_err(&format!("v=STSv1; id=1; {}=1", "n".repeat(33))),
        RecordErrorKind::FieldNameTooLong
    );
    assert!(StsRecord::parse(format!("v=STSv1; id=1; {}=1", "n".repeat(32))).is_ok());
    assert_eq!(record_err("v=STSv1; id=1; x"), RecordErrorKind::ExpectedEquals);
}

#[test]
fn rfc8461_3_1_extension_value_excludes_space_equals_semicolon_ctl() {
    assert_eq!(record_err("v=STSv1; id=1; x=a=b"), RecordErrorKind::InvalidChar('='));
    assert_eq!(record_err("v=STSv1; id=1; x=a b"), RecordErrorKind::ExpectedDelimiter);
    assert_eq!(
        record_err("v=STSv1; id=1; x=a\u{1}"),
        RecordErrorKind::InvalidChar('\u{1}')
    );
    assert_eq!(record_err("v=STSv1; id=1; x=\u{7f}"), RecordErrorKind::EmptyValue);
}

#[test]
fn rfc8461_3_1_records_must_be_us_ascii() {
    assert_eq!(
        record_err("v=STSv1; id=1; x=caf\u{e9}"),
        RecordErrorKind::InvalidChar('\u{e9}')
    );
    let err = StsRecord::parse(b"v=STSv1; id=1; x=\xff").unwrap_err();
    assert_eq!(err.column, 18);
}

#[test]
fn rfc8461_3_1_records_not_beginning_with_version_are_discarded() {
    let answer = [
        "v=spf1 include:_spf.example.com -all",
        "v=STSv1; id=1",
        "some-verification=token",
    ];
    assert_eq!(StsRecord::discover(answer).unwrap().id().as_str(), "1");
}

#[test]
fn rfc8461_3_1_no_record_means_no_policy() {
    assert_eq!(StsRecord::discover(Vec::<&str>::new()), Err(DiscoveryError::NoRecord));
    assert_eq!(StsRecord::discover(["v=spf1 -all"]), Err(DiscoveryError::NoRecord));
}

#[test]
fn rfc8461_3_1_more_than_one_record_means_no_policy() {
    assert_eq!(
        StsRecord::discover(["v=STSv1; id=1", "v=STSv1; id=2", "v=STSv1; id=3"]),
        Err(DiscoveryError::MultipleRecords { count: 3 })
    );
    // Even two identical records are more than one.
    assert_eq!(
        StsRecord::discover(["v=STSv1; id=1", "v=STSv1; id=1"]),
        Err(DiscoveryError::MultipleRecords { count: 2 })
    );
}

#[test]
fn rfc8461_3_1_the_remaining_record_must_be_valid() {
    assert_eq!(
        StsRecord::discover(["v=spf1 -all", "v=STSv1; id=no-dashes"]),
        Err(DiscoveryError::Invalid(RecordError {
            column: 13,
            kind: RecordErrorKind::InvalidId
        }))
    );
}

#[test]
fn rfc8461_3_1_multi_string_records_are_concatenated_without_spaces() {
    // The resolver hands over "v=STSv1; id=" "20160831" "085700Z" as one record;
    // joined without spaces it is valid, joined with spaces it would not be.
    let strings = ["v=STSv1; id=", "20160831", "085700Z;"];
    let joined: Vec<u8> = strings.concat().into_bytes();
    assert_eq!(StsRecord::discover([joined]).unwrap().id().as_str(), "20160831085700Z");
    assert!(StsRecord::parse(strings.join(" ")).is_err());
}

#[test]
fn rfc8461_3_2_duplicate_non_repeated_field_first_wins_in_record() {
    let r = StsRecord::parse("v=STSv1; id=first; id=second; x=1; x=2").unwrap();
    assert_eq!(r.id().as_str(), "first");
    assert_eq!(r.extensions().len(), 1);
    assert_eq!(r.extensions()[0].value(), "1");
    // A later duplicate must still be well-formed.
    assert_eq!(record_err("v=STSv1; id=first; id=bad-id"), RecordErrorKind::InvalidId);
}

// ---- §3.2 MTA-STS policies ----

#[test]
fn rfc8461_3_2_example_policy_parses() {
    let p = Policy::parse_strict(RFC_POLICY.as_bytes()).unwrap();
    assert!(p.warnings.is_empty());
    let p = p.policy;
    assert_eq!(p.version(), "STSv1");
    assert_eq!(p.mode(), Mode::Enforce);
    assert_eq!(p.max_age(), 604800);
    let mx: Vec<&str> = p.mx().iter().map(MxPattern::as_str).collect();
    assert_eq!(mx, ["mail.example.com", "*.example.net", "backupmx.example.com"]);
}

#[test]
fn rfc8461_3_2_version_must_be_stsv1() {
    assert_eq!(
        policy_err("version: STSv2\nmode: none\nmax_age: 1\n"),
        PolicyErrorKind::InvalidVersion("STSv2".into())
    );
    assert_eq!(
        policy_err("version: stsv1\nmode: none\nmax_age: 1\n"),
        PolicyErrorKind::InvalidVersion("stsv1".into())
    );
}

#[test]
fn rfc8461_3_2_mode_is_enforce_testing_or_none() {
    for (text, mode) in [
        ("enforce", Mode::Enforce),
        ("testing", Mode::Testing),
        ("none", Mode::None),
    ] {
        let p = policy(&format!("version: STSv1\nmode: {text}\nmx: a.example\nmax_age: 1\n"));
        assert_eq!(p.mode(), mode);
    }
    assert_eq!(
        policy_err("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n"),
        PolicyErrorKind::InvalidMode("Enforce".into())
    );
    assert_eq!(
        policy_err("version: STSv1\nmode: report\nmx: a.example\nmax_age: 1\n"),
        PolicyErrorKind::InvalidMode("report".into())
    );
}

#[test]
fn rfc8461_3_2_max_age_is_digits() {
    assert_eq!(policy("version: STSv1\nmode: none\nmax_age: 0\n").max_age(), 0);
    assert_eq!(
        policy("version: STSv1\nmode: none\nmax_age: 0086400\n").max_age(),
        86400
    );
    for bad in ["-1", "1.5", "1e6", "86400s", "12345678901", "+1"] {
        assert_eq!(
            policy_err(&format!("version: STSv1\nmode: none\nmax_age: {bad}\n")),
            PolicyErrorKind::InvalidMaxAge(bad.into()),
            "{bad}"
        );
    }
}

#[test]
fn rfc8461_3_2_max_age_maximum_is_31557600() {
    assert_eq!(
        policy("version: STSv1\nmode: none\nmax_age: 31557600\n").max_age(),
        MAX_MAX_AGE
    );
    let strict = Policy::parse_strict(b"version: STSv1\nmode: none\nmax_age: 31557601\n").unwrap_err();
    assert_eq!(strict.0[0].kind, PolicyErrorKind::MaxAgeTooLarge(31557601));
}

#[test]
fn rfc8461_3_2_mx_required_unless_mode_none() {
    assert_eq!(
        policy_err("version: STSv1\nmode: enforce\nmax_age: 1\n"),
        PolicyErrorKind::MissingMx(Mode::Enforce)
    );
    assert_eq!(
        policy_err("version: STSv1\nmode: testing\nmax_age: 1\n"),
        PolicyErrorKind::MissingMx(Mode::Testing)
    );
    assert!(policy("version: STSv1\nmode: none\nmax_age: 1\n").mx().is_empty());
}

#[test]
fn rfc8461_3_2_version_mode_max_age_are_required() {
    for (text, field) in [
        ("mode: none\nmax_age: 1\n", Field::Version),
        ("version: STSv1\nmax_age: 1\n", Field::Mode),
        ("version: STSv1\nmode: none\n", Field::MaxAge),
    ] {
        assert_eq!(
            policy_err(text),
            PolicyErrorKind::MissingField { field, hint: None },
            "{text}"
        );
    }
}

#[test]
fn rfc8461_3_2_each_mx_has_its_own_line() {
    // Two patterns on one line are one invalid pattern, not two.
    assert!(matches!(
        policy_err("version: STSv1\nmode: enforce\nmx: a.example, b.example\nmax_age: 1\n"),
        PolicyErrorKind::InvalidMx { .. }
    ));
    let p = policy("version: STSv1\nmode: enforce\nmx: a.example\nmx: b.example\nmax_age: 1\n");
    assert_eq!(p.mx().len(), 2);
}

#[test]
fn rfc8461_3_2_mx_is_a_domain_or_wildcard_domain() {
    let p = policy("version: STSv1\nmode: enforce\nmx: *.example.net\nmx: mx.example.com\nmax_age: 1\n");
    assert!(p.mx()[0].is_wildcard());
    assert!(!p.mx()[1].is_wildcard());
    for bad in [
        "mx.*.example.com",
        "*",
        "*.",
        "mx_1.example.com",
        "-mx.example.com",
        "[192.0.2.1]",
        "192.0.2.1",
    ] {
        assert!(
            matches!(
                policy_err(&format!("version: STSv1\nmode: enforce\nmx: {bad}\nmax_age: 1\n")),
                PolicyErrorKind::InvalidMx { .. }
            ),
            "{bad}"
        );
    }
}

#[test]
fn rfc8461_3_2_mx_must_be_a_labels() {
    let err = policy_err("version: STSv1\nmode: enforce\nmx: *.bücher.example\nmax_age: 1\n");
    assert_eq!(
        err,
        PolicyErrorKind::InvalidMx {
            value: "*.bücher.example".into(),
            error: PatternError::Domain(DomainErrorKind::ULabel {
                suggestion: Some("*.xn--bcher-kva.example".into())
            }),
        }
    );
    let p = policy("version: STSv1\nmode: enforce\nmx: *.xn--bcher-kva.example\nmax_age: 1\n");
    assert_eq!(p.mx()[0].as_str(), "*.xn--bcher-kva.example");
}

#[test]
fn rfc8461_3_2_lines_end_with_lf_or_crlf() {
    let mixed = "version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\nmax_age: 86400";
    assert_eq!(Policy::parse_strict(mixed.as_bytes()).unwrap().policy.max_age(), 86400);
    let bare_cr = "version: STSv1\rmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
    assert_eq!(policy_err(bare_cr), PolicyErrorKind::BareCr);
}

#[test]
fn rfc8461_3_2_whitespace_after_colon_and_at_end_of_line() {
    let p = Policy::parse_strict(b"version:STSv1\nmode:\t enforce \t\nmx:  a.example\nmax_age:1\n").unwrap();
    assert!(p.warnings.is_empty());
    assert_eq!(p.policy.mode(), Mode::Enforce);
}

#[test]
fn rfc8461_3_2_unknown_fields_are_ignored() {
    let p = policy("version: STSv1\nmode: none\nmax_age: 1\nx-note: hello wörld!\n");
    assert_eq!(p.extensions()[0].name(), "x-note");
    assert_eq!(p.extensions()[0].value(), "hello wörld!");
}

#[test]
fn rfc8461_3_2_extension_value_grammar() {
    // Internal spaces are allowed; tabs and other controls inside are not.
    assert!(Policy::parse_strict(b"version: STSv1\nmode: none\nmax_age: 1\nk: a b  c\n").is_ok());
    assert_eq!(
        policy_err("version: STSv1\nmode: none\nmax_age: 1\nk: a\tb\n"),
        PolicyErrorKind::InvalidExtensionValue { name: "k".into() }
    );
    assert_eq!(
        policy_err("version: STSv1\nmode: none\nmax_age: 1\nk:\n"),
        PolicyErrorKind::EmptyValue { key: "k".into() }
    );
}

#[test]
fn rfc8461_3_2_extension_name_grammar() {
    assert!(
        policy("version: STSv1\nmode: none\nmax_age: 1\na.b_c-d: 1\n")
            .extensions()
            .len()
            == 1
    );
    assert_eq!(
        policy_err("version: STSv1\nmode: none\nmax_age: 1\n_k: 1\n"),
        PolicyErrorKind::InvalidKey {
            whitespace_before_colon: false
        }
    );
    assert_eq!(
        policy_err(&format!(
            "version: STSv1\nmode: none\nmax_age: 1\n{}: 1\n",
            "k".repeat(33)
        )),
        PolicyErrorKind::InvalidKey {
            whitespace_before_colon: false
        }
    );
}

#[test]
fn rfc8461_3_2_duplicate_non_repeated_fields_first_wins() {
    let parsed = Policy::parse(
        b"version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmax_age: 10\nmax_age: 20\nk: 1\nk: 2\n",
    )
    .unwrap();
    assert_eq!(parsed.policy.mode(), Mode::Testing);
    assert_eq!(parsed.policy.max_age(), 10);
    assert_eq!(parsed.policy.extensions().len(), 1);
    assert_eq!(parsed.policy.extensions()[0].value(), "1");
    let dups = parsed
        .warnings
        .iter()
        .filter(|w| matches!(w.kind, WarningKind::Duplicate { .. }))
        .count();
    assert_eq!(dups, 3);
}

#[test]
fn rfc8461_3_2_mx_may_repeat() {
    let p = policy("version: STSv1\nmode: enforce\nmx: a.example\nmx: b.example\nmx: *.c.example\nmax_age: 1\n");
    assert_eq!(p.mx().len(), 3);
}

#[test]
fn rfc8461_3_2_keys_are_case_sensitive() {
    assert_eq!(
        policy_err("version: STSv1\nMode: enforce\nmx: a.example\nmax_age: 1\n"),
        PolicyErrorKind::MissingField {
            field: Field::Mode,
            hint: Some("Mode".into())
        }
    );
}

// ---- §3.3 HTTPS policy fetching: the checks on the response ----

fn response(status: u16, content_type: Option<&'static str>, body: &'static [u8]) -> FetchResponse<'static> {
    FetchResponse {
        status,
        content_type,
        body,
    }
}

#[test]
fn rfc8461_3_3_policy_url_is_well_known_path_on_policy_host() {
    assert_eq!(
        policy_url("example.com").unwrap(),
        "https://mta-sts.example.com/.well-known/mta-sts.txt"
    );
    let host = PolicyHost::for_domain("example.com").unwrap();
    assert_eq!(host.host(), "mta-sts.example.com");
}

#[test]
fn rfc8461_3_3_policy_host_name_is_the_certificate_dns_id() {
    let host = PolicyHost::for_domain("Example.COM.").unwrap();
    assert_eq!(host.server_name().to_str(), "mta-sts.example.com");
}

#[test]
fn rfc8461_3_3_only_status_200_is_a_policy() {
    let rules = FetchRules::default();
    let body = RFC_POLICY.as_bytes();
    assert!(check_response(&response(200, Some("text/plain"), body), &rules).is_ok());
    for status in [201, 204, 404, 500, 503] {
        assert_eq!(
            check_response(&response(status, Some("text/plain"), body), &rules),
            Err(FetchError::Status(status))
        );
    }
}

#[test]
fn rfc8461_3_3_redirects_are_not_followed() {
    let rules = FetchRules::default();
    for status in [301, 302, 303, 307, 308] {
        let err = check_response(&response(status, Some("text/plain"), b""), &rules).unwrap_err();
        assert_eq!(err, FetchError::Redirect(status));
        assert_eq!(err.failure_type(), StsFailureType::PolicyFetchError);
    }
}

#[test]
fn rfc8461_3_3_media_type_must_be_text_plain() {
    let body = RFC_POLICY.as_bytes();
    let rules = FetchRules::default();
    for ok in [
        "text/plain",
        "text/plain; charset=utf-8",
        "TEXT/PLAIN;charset=us-ascii",
        " text/plain ; format=flowed",
    ] {
        assert!(check_response(&response(200, Some(ok), body), &rules).is_ok(), "{ok}");
    }
    for bad in [
        Some("text/html"),
        Some("application/octet-stream"),
        Some("text/plainx"),
        None,
    ] {
        assert_eq!(
            check_response(&response(200, bad, body), &rules),
            Err(FetchError::MediaType(bad.map(str::to_owned)))
        );
    }
    // The check can be turned off.
    let lax = FetchRules {
        require_text_plain: false,
        ..rules
    };
    assert!(check_response(&response(200, Some("text/html"), body), &lax).is_ok());
}

#[test]
fn rfc8461_3_3_body_size_is_limited() {
    let rules = FetchRules {
        max_body: 64,
        ..FetchRules::default()
    };
    let body = RFC_POLICY.as_bytes();
    assert_eq!(
        check_response(&response(200, Some("text/plain"), body), &rules),
        Err(FetchError::BodyTooLarge { limit: 64 })
    );
    assert_eq!(
        check_content_length(Some(65), &rules),
        Err(FetchError::BodyTooLarge { limit: 64 })
    );
    assert_eq!(check_content_length(Some(64), &rules), Ok(()));
    assert_eq!(FetchRules::default().max_body, 65536);
}

#[test]
fn rfc8461_3_3_invalid_body_is_sts_policy_invalid() {
    let err = check_response(
        &response(200, Some("text/plain"), b"<html>oops</html>"),
        &FetchRules::default(),
    )
    .unwrap_err();
    assert!(matches!(err, FetchError::InvalidPolicy(_)));
    assert_eq!(err.failure_type(), StsFailureType::PolicyInvalid);
}

#[test]
fn rfc8461_3_3_certificate_failure_is_sts_webpki_invalid() {
    assert_eq!(
        FetchError::Certificate("expired".into()).failure_type().as_str(),
        "sts-webpki-invalid"
    );
    for other in [FetchError::Timeout, FetchError::Connect("refused".into())] {
        assert_eq!(other.failure_type().as_str(), "sts-policy-fetch-error");
    }
}

#[test]
fn rfc8461_3_3_suggested_timeout_is_one_minute() {
    assert_eq!(SUGGESTED_FETCH_TIMEOUT_SECS, 60);
}

// ---- §4.1 MX host validation ----

fn pattern(p: &str) -> MxPattern {
    MxPattern::new(p).unwrap()
}

#[test]
fn rfc8461_4_1_wildcard_matches_one_left_most_label() {
    assert!(pattern("*.example.com").matches("mail.example.com"));
}

#[test]
fn rfc8461_4_1_wildcard_does_not_match_the_bare_domain() {
    assert!(!pattern("*.example.com").matches("example.com"));
}

#[test]
fn rfc8461_4_1_wildcard_does_not_match_two_labels() {
    assert!(!pattern("*.example.com").matches("foo.bar.example.com"));
}

#[test]
fn rfc8461_4_1_wildcard_needs_a_non_empty_label() {
    assert!(!pattern("*.example.com").matches(".example.com"));
    assert!(!pattern("*.example.com").matches("xexample.com"));
}

#[test]
fn rfc8461_4_1_wildcard_only_as_whole_left_most_label() {
    for bad in ["m*.example.com", "*mail.example.com", "mail.*.com", "*.*.example.com"] {
        assert_eq!(MxPattern::new(bad), Err(PatternError::MisplacedWildcard), "{bad}");
    }
}

#[test]
fn rfc8461_4_1_exact_pattern_matches_only_that_name() {
    let p = pattern("mail.example.com");
    assert!(p.matches("mail.example.com"));
    assert!(!p.matches("a.mail.example.com"));
    assert!(!p.matches("mail.example.co"));
}

#[test]
fn rfc8461_4_1_matching_is_case_insensitive() {
    assert!(pattern("mail.example.com").matches("MAIL.Example.Com"));
    assert!(pattern("*.EXAMPLE.com").matches("Mx.example.COM"));
}

#[test]
fn rfc8461_4_1_host_trailing_dot_is_ignored_once() {
    assert!(pattern("mail.example.com").matches("mail.example.com."));
    assert!(!pattern("mail.example.com").matches("mail.example.com.."));
}

#[test]
fn rfc8461_4_1_idn_hosts_compare_as_a_labels() {
    let p = pattern("mx.xn--bcher-kva.example");
    assert!(p.matches("mx.bücher.example"));
    assert!(p.matches("mx.xn--bcher-kva.example"));
}

#[test]
fn rfc8461_4_1_ip_literal_never_matches() {
    let m = MxMatcher::new(&[pattern("*.0.2.com"), pattern("*.example.com")]);
    for host in ["192.0.2.1", "[192.0.2.1]", "2001:db8::1", "[IPv6:2001:db8::1]"] {
        assert!(!m.matches(host), "{host}");
    }
}

#[test]
fn rfc8461_4_1_any_pattern_may_match() {
    let p = policy(RFC_POLICY);
    let m = p.matcher();
    for host in ["mail.example.com", "mx7.example.net", "backupmx.example.com"] {
        assert!(m.matches(host) && p.matches_mx(host), "{host}");
    }
    assert!(!m.matches("evil.example.org") && !p.matches_mx("evil.example.org"));
}

#[test]
fn rfc8461_4_2_mx_server_name_for_sni() {
    assert_eq!(mx_server_name("MX.Example.com.").unwrap().to_str(), "mx.example.com");
    assert_eq!(
        mx_server_name("mx.bücher.example").unwrap().to_str(),
        "mx.xn--bcher-kva.example"
    );
    assert!(mx_server_name("[192.0.2.1]").is_err());
}
