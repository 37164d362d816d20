//! Tests of the behaviour DESIGN.md fixes where the RFC leaves room: one test per
//! bullet of its sections on TXT records, policy files, MX matching and policy fetch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use mta_sts_policy::*;

const BASE: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";

fn lenient(text: &[u8]) -> Result<ParsedPolicy, PolicyErrors> {
    Policy::parse(text)
}

fn strict(text: &[u8]) -> Result<ParsedPolicy, PolicyErrors> {
    Policy::parse_strict(text)
}

/// Asserts a deviation: accepted with exactly `warning` by default, refused with
/// `error` at the same position in strict mode.
fn deviation(text: &[u8], warning: WarningKind, error: PolicyErrorKind, at: (usize, usize)) -> Policy {
    let parsed = lenient(text).unwrap();
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert_eq!(parsed.warnings[0].kind, warning);
    assert_eq!(
        (parsed.warnings[0].position.line, parsed.warnings[0].position.column),
        at
    );
    let errors = strict(text).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].kind, error);
    assert_eq!((errors.0[0].position.line, errors.0[0].position.column), at);
    parsed.policy
}

/// Asserts an error in both modes, at the given position.
fn refused(text: &[u8], kind: PolicyErrorKind, at: (usize, usize)) {
    for (mode, result) in [("default", lenient(text)), ("strict", strict(text))] {
        let errors = result.unwrap_err();
        let first = &errors.0[0];
        assert_eq!(first.kind, kind, "{mode}: {errors}");
        assert_eq!((first.position.line, first.position.column), at, "{mode}: {errors}");
    }
}

// ---- TXT records ----

#[test]
fn design_txt_version_followed_by_delimiter_or_end() {
    assert!(is_sts_record(b"v=STSv1"));
    assert!(is_sts_record(b"v=STSv1;id=1"));
    assert!(is_sts_record(b"v=STSv1 ; id=1"));
    assert!(!is_sts_record(b"v=STSv1x; id=1"));
    assert!(!is_sts_record(b"v=STSv1 id=1"));
    // Begins with the version but is invalid: it counts as the one record, and is invalid.
    assert!(matches!(
        StsRecord::discover(["v=STSv1"]),
        Err(DiscoveryError::Invalid(_))
    ));
}

#[test]
fn design_txt_discovery_error_says_which_case() {
    assert_eq!(
        StsRecord::discover(["x"]).unwrap_err().to_string(),
        "no record begins with \"v=STSv1\""
    );
    assert_eq!(
        StsRecord::discover(["v=STSv1; id=1", "v=STSv1; id=2"])
            .unwrap_err()
            .to_string(),
        "2 records begin with \"v=STSv1\"; exactly one is required"
    );
    assert_eq!(
        StsRecord::discover(["v=STSv1; id=1-2"]).unwrap_err().to_string(),
        "invalid record: column 13: the id must be 1 to 32 ASCII letters or digits"
    );
}

#[test]
fn design_txt_unknown_fields_ignored_once_they_fit_the_grammar() {
    assert!(StsRecord::parse("v=STSv1; id=1; future=yes").is_ok());
    assert!(StsRecord::parse("v=STSv1; id=1; future=").is_err());
    assert!(StsRecord::parse("v=STSv1; id=1; fu ture=yes").is_err());
}

// ---- Policy files: the accepted deviations ----

#[test]
fn design_policy_blank_lines() {
    deviation(
        b"version: STSv1\n\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n",
        WarningKind::BlankLine,
        PolicyErrorKind::BlankLine,
        (2, 1),
    );
    // A line of only whitespace is blank too, and so is an extra line end at the end.
    deviation(
        b"version: STSv1\n \t\r\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n",
        WarningKind::BlankLine,
        PolicyErrorKind::BlankLine,
        (2, 1),
    );
    deviation(
        format!("{BASE}\n").as_bytes(),
        WarningKind::BlankLine,
        PolicyErrorKind::BlankLine,
        (5, 1),
    );
}

#[test]
fn design_policy_whitespace_before_key() {
    deviation(
        b"version: STSv1\n  mode: enforce\nmx: mail.example.com\nmax_age: 86400\n",
        WarningKind::LeadingWhitespace,
        PolicyErrorKind::LeadingWhitespace,
        (2, 1),
    );
}

#[test]
fn design_policy_utf8_bom() {
    let text = format!("\u{feff}{BASE}");
    deviation(text.as_bytes(), WarningKind::Bom, PolicyErrorKind::Bom, (1, 1));
}

#[test]
fn design_policy_mx_trailing_dot() {
    let p = deviation(
        b"version: STSv1\nmode: enforce\nmx: mail.example.com.\nmax_age: 86400\n",
        WarningKind::MxTrailingDot("mail.example.com.".into()),
        PolicyErrorKind::MxTrailingDot("mail.example.com.".into()),
        (3, 5),
    );
    assert_eq!(p.mx()[0].as_str(), "mail.example.com");
    // Two trailing dots are not a trailing dot but an empty label: refused.
    assert!(matches!(
        lenient(b"version: STSv1\nmode: enforce\nmx: mail.example.com..\nmax_age: 1\n")
            .unwrap_err()
            .0[0]
            .kind,
        PolicyErrorKind::InvalidMx { .. }
    ));
}

#[test]
fn design_policy_max_age_clamped() {
    let p = deviation(
        b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 9999999999\n",
        WarningKind::MaxAgeClamped(9_999_999_999),
        PolicyErrorKind::MaxAgeTooLarge(9_999_999_999),
        (4, 10),
    );
    assert_eq!(p.max_age(), MAX_MAX_AGE);
}

#[test]
fn design_policy_upper_case_mx_lowered_silently() {
    let parsed = strict(b"version: STSv1\nmode: enforce\nmx: *.MAIL.Example.COM\nmax_age: 86400\n").unwrap();
    assert!(parsed.warnings.is_empty());
    assert_eq!(parsed.policy.mx()[0].as_str(), "*.mail.example.com");
}

#[test]
fn design_policy_strict_reports_every_deviation() {
    let text = "\u{feff}version: STSv1\n\n mode: enforce\nmx: a.example.\nmax_age: 99999999\n";
    let errors = strict(text.as_bytes()).unwrap_err();
    let kinds: Vec<_> = errors.0.iter().map(|e| (e.position.line, e.kind.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (1, PolicyErrorKind::Bom),
            (2, PolicyErrorKind::BlankLine),
            (3, PolicyErrorKind::LeadingWhitespace),
            (4, PolicyErrorKind::MxTrailingDot("a.example.".into())),
            (5, PolicyErrorKind::MaxAgeTooLarge(99_999_999)),
        ]
    );
    assert_eq!(lenient(text.as_bytes()).unwrap().warnings.len(), 5);
}

// ---- Policy files: errors in both modes ----

#[test]
fn design_policy_line_without_colon() {
    refused(
        b"version: STSv1\nmode enforce\nmx: mail.example.com\nmax_age: 86400\n",
        PolicyErrorKind::MissingColon,
        (2, 1),
    );
}

#[test]
fn design_policy_known_key_with_value_outside_its_grammar() {
    refused(
        b"version: STSv1\nmode: Enforce\nmx: mail.example.com\nmax_age: 86400\n",
        PolicyErrorKind::InvalidMode("Enforce".into()),
        (2, 7),
    );
    refused(
        b"version: STSv2\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n",
        PolicyErrorKind::InvalidVersion("STSv2".into()),
        (1, 10),
    );
}

#[test]
fn design_policy_max_age_one_to_ten_digits_into_u64() {
    // Ten digits overflow u32 but are valid (and clamped by default).
    assert_eq!(
        lenient(b"version: STSv1\nmode: none\nmax_age: 4294967296\n")
            .unwrap()
            .policy
            .max_age(),
        MAX_MAX_AGE
    );
    refused(
        b"version: STSv1\nmode: none\nmax_age: 12345678901\n",
        PolicyErrorKind::InvalidMaxAge("12345678901".into()),
        (3, 10),
    );
    refused(
        b"version: STSv1\nmode: none\nmax_age: 1 day\n",
        PolicyErrorKind::InvalidMaxAge("1 day".into()),
        (3, 10),
    );
}

#[test]
fn design_policy_missing_required_fields() {
    refused(
        b"version: STSv1\nmx: mail.example.com\nmax_age: 86400\n",
        PolicyErrorKind::MissingField {
            field: Field::Mode,
            hint: None,
        },
        (4, 1),
    );
    refused(
        b"version: STSv1\nmode: testing\nmax_age: 86400",
        PolicyErrorKind::MissingMx(Mode::Testing),
        (3, 15),
    );
}

#[test]
fn design_policy_mx_must_be_a_domain_with_optional_wildcard() {
    for (mx, error) in [
        ("192.0.2.1", PatternError::Domain(DomainErrorKind::IpLiteral)),
        ("*.192.0.2", PatternError::Domain(DomainErrorKind::IpLiteral)),
        ("mail.*.example.com", PatternError::MisplacedWildcard),
        ("*", PatternError::MisplacedWildcard),
        (
            "mail.bücher.example",
            PatternError::Domain(DomainErrorKind::ULabel {
                suggestion: Some("mail.xn--bcher-kva.example".into()),
            }),
        ),
    ] {
        refused(
            format!("version: STSv1\nmode: enforce\nmx: {mx}\nmax_age: 86400\n").as_bytes(),
            PolicyErrorKind::InvalidMx {
                value: mx.into(),
                error,
            },
            (3, 5),
        );
    }
}

#[test]
fn design_policy_bare_cr_and_control_characters() {
    refused(
        b"version: STSv1\nmode: enforce\rmx: mail.example.com\nmax_age: 86400\n",
        PolicyErrorKind::BareCr,
        (2, 14),
    );
    refused(
        b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\nk: a\x00b\n",
        PolicyErrorKind::ControlChar('\0'),
        (5, 5),
    );
    refused(
        b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\nk: a\x7fb\n",
        PolicyErrorKind::ControlChar('\x7f'),
        (5, 5),
    );
}

#[test]
fn design_policy_invalid_utf8() {
    refused(
        b"version: STSv1\nmode: none\nmax_age: 1\nnote: caf\xc3\n",
        PolicyErrorKind::InvalidUtf8,
        (4, 10),
    );
}

#[test]
fn design_policy_over_64_kib_refused() {
    let mut text = BASE.to_owned();
    while text.len() <= DEFAULT_MAX_POLICY_SIZE {
        text.push_str("mx: filler.example.com\n");
    }
    let errors = lenient(text.as_bytes()).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].kind, PolicyErrorKind::TooLarge { limit: 65536 });
    // Exactly at the limit is fine.
    text.truncate(DEFAULT_MAX_POLICY_SIZE);
    let cut = text.rfind('\n').unwrap() + 1;
    text.truncate(cut);
    assert!(lenient(text.as_bytes()).is_ok());
}

#[test]
fn design_policy_duplicates_first_wins_with_warning() {
    let parsed = lenient(b"version: STSv1\nversion: STSv1\nmode: none\nmax_age: 5\n").unwrap();
    assert_eq!(
        parsed.warnings[0].kind,
        WarningKind::Duplicate {
            name: "version".into(),
            first_line: 1
        }
    );
    // Duplicates are warnings in strict mode too: the RFC says to ignore them.
    assert_eq!(
        strict(b"version: STSv1\nversion: STSv1\nmode: none\nmax_age: 5\n")
            .unwrap()
            .warnings
            .len(),
        1
    );
}

#[test]
fn design_policy_later_duplicate_must_be_well_formed() {
    refused(
        b"version: STSv1\nmode: none\nmode: sometimes\nmax_age: 1\n",
        PolicyErrorKind::InvalidMode("sometimes".into()),
        (3, 7),
    );
    refused(
        b"version: STSv1\nmode: none\nmax_age: 1\nmax_age: soon\n",
        PolicyErrorKind::InvalidMaxAge("soon".into()),
        (4, 10),
    );
}

#[test]
fn design_policy_line_ends_mixed_and_last_line_unterminated() {
    let parsed = strict(b"version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\nmax_age: 86400").unwrap();
    assert!(parsed.warnings.is_empty());
    assert_eq!(parsed.policy.max_age(), 86400);
}

#[test]
fn design_policy_canonical_serialisation_round_trips() {
    let parsed =
        lenient(b"\xef\xbb\xbfversion:STSv1\n\n  mode:\ttesting  \nmx: *.EXAMPLE.net.\nmax_age: 999999999\nx: y z\n")
            .unwrap();
    let text = parsed.policy.to_string();
    assert_eq!(
        text,
        "version: STSv1\r\nmode: testing\r\nmx: *.example.net\r\nmax_age: 31557600\r\nx: y z\r\n"
    );
    let again = strict(text.as_bytes()).unwrap();
    assert!(again.warnings.is_empty());
    assert_eq!(again.policy, parsed.policy);
}

#[test]
fn design_policy_errors_carry_line_column_and_stable_kind() {
    let errors = lenient(b"version: STSv1\nmode: enforce\nmx: a..b\nmax_age: 1\n").unwrap_err();
    let e = &errors.0[0];
    assert_eq!(e.position, Position { line: 3, column: 5 });
    assert!(matches!(
        e.kind,
        PolicyErrorKind::InvalidMx {
            error: PatternError::Domain(DomainErrorKind::EmptyLabel { .. }),
            ..
        }
    ));
    assert!(e
        .to_string()
        .starts_with("line 3, column 5: invalid mx pattern \"a..b\""));
}

#[test]
fn design_policy_builder_makes_valid_policies() {
    let p = Policy::builder(Mode::Enforce, 604800)
        .mx("mail.example.com")
        .unwrap()
        .mx_pattern(MxPattern::from_unicode("*.bücher.example").unwrap())
        .extension("contact", "postmaster@example.com")
        .unwrap()
        .build()
        .unwrap();
    let parsed = strict(p.to_string().as_bytes()).unwrap();
    assert_eq!(parsed.policy, p);
    assert_eq!(parsed.policy.mx()[1].as_str(), "*.xn--bcher-kva.example");
}

// ---- MX matching ----

#[test]
fn design_mx_patterns_normalised_at_parse() {
    let p = MxPattern::new("*.Xn--Bcher-Kva.EXAMPLE.").unwrap();
    assert_eq!(p.as_str(), "*.xn--bcher-kva.example");
    assert_eq!(p.domain(), "xn--bcher-kva.example");
}

#[test]
fn design_mx_host_normalisation() {
    let m = MxMatcher::new(&[MxPattern::new("mx.xn--bcher-kva.example").unwrap()]);
    assert!(m.matches("MX.XN--BCHER-KVA.EXAMPLE."));
    assert!(m.matches("mx.BÜCHER.example."));
    assert!(!m.matches("mx.xn--bcher-kva.example.."));
}

#[test]
fn design_mx_wildcard_exactly_one_label() {
    let m = MxMatcher::new(&[MxPattern::new("*.example.com").unwrap()]);
    assert!(m.matches("a.example.com"));
    for host in [
        "example.com",
        "a.b.example.com",
        ".example.com",
        "xexample.com",
        "a.example.com.evil",
    ] {
        assert!(!m.matches(host), "{host}");
    }
}

#[test]
fn design_mx_ip_literal_never_matches() {
    let m = MxMatcher::new(&[
        MxPattern::new("*.2.3.x4").unwrap(),
        MxPattern::new("*.0.2.example").unwrap(),
    ]);
    assert!(m.matches("1.2.3.x4"));
    for host in ["1.2.3.4", "192.0.2.1", "[192.0.2.1]", "::ffff:192.0.2.1", "[IPv6:::1]"] {
        assert!(!m.matches(host), "{host}");
    }
}

#[test]
fn design_mx_matcher_dedups_and_ignores_order() {
    let a = MxMatcher::new(&[
        MxPattern::new("a.example").unwrap(),
        MxPattern::new("*.b.example").unwrap(),
    ]);
    let b = MxMatcher::new(&[
        MxPattern::new("*.b.example").unwrap(),
        MxPattern::new("A.example").unwrap(),
        MxPattern::new("a.example").unwrap(),
    ]);
    assert_eq!(a.len(), 2);
    assert_eq!(b.len(), 2);
    for host in ["a.example", "x.b.example", "b.example"] {
        assert_eq!(a.matches(host), b.matches(host));
    }
}

// ---- Policy fetch ----

#[test]
fn design_fetch_url_in_a_labels() {
    assert_eq!(
        policy_url("Bücher.Example.").unwrap(),
        "https://mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt"
    );
    assert!(policy_url("192.0.2.1").is_err());
    assert!(policy_url("exa mple.com").is_err());
}

#[test]
fn design_fetch_media_type_parameters_ignored_and_rule_can_be_off() {
    assert!(is_text_plain("text/plain;charset=\"iso-8859-1\""));
    assert!(!is_text_plain("text/plain-ish"));
    let rules = FetchRules {
        require_text_plain: false,
        ..FetchRules::default()
    };
    let r = FetchResponse {
        status: 200,
        content_type: None,
        body: BASE.as_bytes(),
    };
    assert!(check_response(&r, &rules).is_ok());
    assert!(check_response(&r, &FetchRules::default()).is_err());
}

#[test]
fn design_fetch_body_refused_without_reading_it_whole() {
    // An endless body, fed in 4 KiB chunks: the collector stops at the limit.
    let mut collector = BodyCollector::new(DEFAULT_MAX_POLICY_SIZE);
    let chunk = [b'x'; 4096];
    let mut fed = 0usize;
    let err = loop {
        match collector.push(&chunk) {
            Ok(()) => fed += chunk.len(),
            Err(e) => break e,
        }
        assert!(fed <= DEFAULT_MAX_POLICY_SIZE, "read past the limit");
    };
    assert_eq!(err, FetchError::BodyTooLarge { limit: 65536 });
    assert_eq!(collector.body().len(), DEFAULT_MAX_POLICY_SIZE);
    assert_eq!(collector.remaining(), 0);
}

#[test]
fn design_fetch_certificate_failure_kept_apart() {
    let types: Vec<StsFailureType> = [
        FetchError::Certificate("unknown issuer".into()),
        FetchError::Timeout,
        FetchError::Connect("refused".into()),
        FetchError::Redirect(302),
        FetchError::Status(404),
        FetchError::MediaType(Some("text/html".into())),
        FetchError::BodyTooLarge { limit: 1 },
        FetchError::InvalidPolicy(lenient(b"x").unwrap_err()),
    ]
    .iter()
    .map(FetchError::failure_type)
    .collect();
    use StsFailureType::*;
    assert_eq!(
        types,
        [
            WebpkiInvalid,
            PolicyFetchError,
            PolicyFetchError,
            PolicyFetchError,
            PolicyFetchError,
            PolicyFetchError,
            PolicyFetchError,
            PolicyInvalid
        ]
    );
}
