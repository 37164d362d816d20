//! The policy cache state machine and policy application: one test per bullet of
//! DESIGN.md's sections on them, plus the RFC 8461 §3.3, §5 and §5.1 rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use mta_sts_policy::*;

const DOMAIN: &str = "example.com";
const ENFORCE: &[u8] = b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";
const TESTING: &[u8] = b"version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n";
const NONE: &[u8] = b"version: STSv1\nmode: none\nmax_age: 86400\n";

#[derive(Clone, Copy)]
enum Txt {
    Id(&'static str),
    Missing,
    TempFail,
    Invalid,
}

#[derive(Clone)]
enum Fetch {
    Body(&'static [u8]),
    Error(FetchError),
    Status(u16),
}

/// Runs a lookup (or recheck) through to its outcome, answering TXT with `txt`
/// and the fetch (if asked for) with `fetch`.
fn drive(purpose: &str, entry: Option<CacheEntry>, now: u64, txt: Txt, fetch: Option<Fetch>) -> Outcome {
    let config = CacheConfig::default();
    let step = match purpose {
        "lookup" => lookup(entry, DOMAIN, now, &config),
        _ => recheck_before_permanent_failure(entry, DOMAIN, now, &config),
    };
    let Step::ResolveTxt(need) = step else {
        panic!("expected a TXT step")
    };
    assert_eq!(need.txt_name(), "_mta-sts.example.com");
    let step = match txt {
        Txt::Id(id) => need.records([format!("v=STSv1; id={id}")]),
        Txt::Missing => need.no_record(),
        Txt::TempFail => need.temporary_failure(),
        Txt::Invalid => need.records(["v=STSv1; id=not valid"]),
    };
    match step {
        Step::Done(outcome) => {
            assert!(!outcome.fetched());
            outcome
        }
        Step::Fetch(f) => {
            assert_eq!(f.url(), "https://mta-sts.example.com/.well-known/mta-sts.txt");
            let out = match fetch.expect("the machine asked for a fetch the test did not expect") {
                Fetch::Body(body) => f.response(FetchResponse {
                    status: 200,
                    content_type: Some("text/plain"),
                    body,
                }),
                Fetch::Status(status) => f.response(FetchResponse {
                    status,
                    content_type: Some("text/plain"),
                    body: b"",
                }),
                Fetch::Error(e) => f.error(e),
            };
            assert!(out.fetched());
            out
        }
        Step::ResolveTxt(_) => panic!("asked for TXT twice"),
    }
}

fn fetched(body: &'static [u8], id: &'static str, now: u64) -> CacheEntry {
    let out = drive("lookup", None, now, Txt::Id(id), Some(Fetch::Body(body)));
    assert_eq!(out.store(), StoreAction::Put);
    out.into_entry().unwrap()
}

fn mode_of(out: &Outcome) -> Option<Mode> {
    out.policy().map(Policy::mode)
}

#[test]
fn design_cache_entry_holds_policy_text_id_times() {
    let e = fetched(ENFORCE, "1", 1000);
    let c = e.policy.as_ref().unwrap();
    assert_eq!(c.policy.mode(), Mode::Enforce);
    assert_eq!(c.text.as_bytes(), ENFORCE);
    assert_eq!(c.id.as_str(), "1");
    assert_eq!(c.fetched_at, 1000);
    assert_eq!(c.expires_at, 1000 + 86400);
    assert_eq!(e.last_seen_id.unwrap().as_str(), "1");
    assert_eq!(e.format, ENTRY_FORMAT);
    assert_eq!(e.domain, "example.com");
    assert_eq!(
        c.policy_strings(),
        [
            "version: STSv1",
            "mode: enforce",
            "mx: mx.example.com",
            "max_age: 86400"
        ]
    );
}

#[test]
fn design_cache_unexpired_and_same_id_applies_cached() {
    let e = fetched(ENFORCE, "1", 1000);
    let out = drive("lookup", Some(e.clone()), 50_000, Txt::Id("1"), None);
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    assert_eq!(out.store(), StoreAction::Unchanged);
    assert!(out.reports().is_empty());
    assert_eq!(out.entry(), &e);
}

#[test]
fn design_cache_id_changed_fetch_success_replaces() {
    let e = fetched(ENFORCE, "1", 1000);
    let out = drive("lookup", Some(e), 2000, Txt::Id("2"), Some(Fetch::Body(TESTING)));
    assert_eq!(mode_of(&out), Some(Mode::Testing));
    assert_eq!(out.store(), StoreAction::Put);
    let c = out.cached_policy().unwrap();
    assert_eq!((c.id.as_str(), c.fetched_at, c.expires_at), ("2", 2000, 2000 + 86400));
}

#[test]
fn design_cache_id_changed_fetch_failure_keeps_cached_and_reports() {
    let e = fetched(ENFORCE, "1", 1000);
    for (fetch, result_type) in [
        (Fetch::Error(FetchError::Timeout), ResultType::StsPolicyFetchError),
        (
            Fetch::Error(FetchError::Certificate("expired".into())),
            ResultType::StsWebpkiInvalid,
        ),
        (Fetch::Body(b"<html>"), ResultType::StsPolicyInvalid),
        (Fetch::Status(404), ResultType::StsPolicyFetchError),
    ] {
        let out = drive("lookup", Some(e.clone()), 2000, Txt::Id("2"), Some(fetch));
        assert_eq!(mode_of(&out), Some(Mode::Enforce));
        assert_eq!(out.cached_policy().unwrap().id.as_str(), "1");
        assert_eq!(out.reports().len(), 1);
        assert_eq!(out.reports()[0].result_type, result_type);
        assert_eq!(out.reports()[0].id.as_str(), "2");
        assert_eq!(out.store(), StoreAction::Put); // the backoff is recorded
    }
}

#[test]
fn design_cache_txt_failure_vanished_or_invalid_keeps_cached() {
    let e = fetched(TESTING, "1", 1000);
    for txt in [Txt::TempFail, Txt::Missing, Txt::Invalid] {
        let out = drive("lookup", Some(e.clone()), 5000, txt, None);
        assert_eq!(mode_of(&out), Some(Mode::Testing));
        assert!(out.reports().is_empty());
        assert_ne!(out.store(), StoreAction::Delete);
    }
    // Several records: also no usable record, also keeps the cached policy.
    let config = CacheConfig::default();
    let Step::ResolveTxt(need) = lookup(Some(e), DOMAIN, 5000, &config) else {
        panic!()
    };
    let Step::Done(out) = need.records(["v=STSv1; id=1", "v=STSv1; id=2"]) else {
        panic!()
    };
    assert_eq!(mode_of(&out), Some(Mode::Testing));
}

#[test]
fn design_cache_nothing_cached_means_no_policy_and_report_only_with_valid_txt() {
    let out = drive("lookup", None, 0, Txt::Missing, None);
    assert!(out.policy().is_none());
    assert!(matches!(
        out.no_policy_reason(),
        Some(NoPolicyReason::NoRecord(DiscoveryError::NoRecord))
    ));
    assert!(out.reports().is_empty());
    assert_eq!(out.store(), StoreAction::Unchanged);

    let out = drive("lookup", None, 0, Txt::TempFail, None);
    assert_eq!(out.no_policy_reason(), Some(&NoPolicyReason::TxtTemporaryFailure));
    assert!(out.reports().is_empty());

    let out = drive(
        "lookup",
        None,
        0,
        Txt::Id("1"),
        Some(Fetch::Error(FetchError::Connect("refused".into()))),
    );
    assert!(out.policy().is_none());
    assert_eq!(
        out.no_policy_reason(),
        Some(&NoPolicyReason::FetchFailed(ResultType::StsPolicyFetchError))
    );
    assert_eq!(out.reports().len(), 1);
    // The backoff is worth storing even without a policy.
    assert_eq!(out.store(), StoreAction::Put);
}

#[test]
fn design_cache_mode_none_replaces_and_applies_nothing() {
    let e = fetched(ENFORCE, "1", 1000);
    let out = drive("lookup", Some(e), 2000, Txt::Id("2"), Some(Fetch::Body(NONE)));
    assert!(out.policy().is_none());
    assert_eq!(out.no_policy_reason(), Some(&NoPolicyReason::ModeNone));
    assert_eq!(out.store(), StoreAction::Put);
    let e = out.into_entry().unwrap();
    assert_eq!(e.policy.as_ref().unwrap().policy.mode(), Mode::None);
    // And stays so on later lookups with the same id.
    let out = drive("lookup", Some(e), 3000, Txt::Id("2"), None);
    assert_eq!(out.no_policy_reason(), Some(&NoPolicyReason::ModeNone));
}

#[test]
fn design_cache_only_fetch_or_expiry_ends_enforce() {
    let e = fetched(ENFORCE, "1", 1000);
    // Every kind of DNS trouble just before expiry: still enforce.
    for txt in [Txt::TempFail, Txt::Missing, Txt::Invalid] {
        let out = drive("lookup", Some(e.clone()), 1000 + 86399, txt, None);
        assert_eq!(mode_of(&out), Some(Mode::Enforce));
    }
    // At expiry: gone, and the entry is deleted.
    let out = drive("lookup", Some(e.clone()), 1000 + 86400, Txt::TempFail, None);
    assert!(out.policy().is_none());
    assert_eq!(out.store(), StoreAction::Delete);
    // Expired with the same id: a fresh fetch is required, not the old policy.
    let out = drive(
        "lookup",
        Some(e),
        1000 + 86400,
        Txt::Id("1"),
        Some(Fetch::Error(FetchError::Timeout)),
    );
    assert!(out.policy().is_none());
    assert_eq!(out.reports().len(), 1);
}

#[test]
fn design_cache_backoff_after_failed_fetch() {
    let out = drive(
        "lookup",
        None,
        1000,
        Txt::Id("1"),
        Some(Fetch::Error(FetchError::Timeout)),
    );
    assert_eq!(out.next_fetch_at(), Some(1300));
    let e = out.into_entry().unwrap();
    // Within five minutes: no fetch, and the outcome says when one is allowed.
    let out = drive("lookup", Some(e.clone()), 1299, Txt::Id("1"), None);
    assert_eq!(
        out.no_policy_reason(),
        Some(&NoPolicyReason::Backoff { retry_at: 1300 })
    );
    assert_eq!(out.next_fetch_at(), Some(1300));
    assert!(out.reports().is_empty());
    // A different id is not held off.
    let out = drive(
        "lookup",
        Some(e.clone()),
        1001,
        Txt::Id("2"),
        Some(Fetch::Body(ENFORCE)),
    );
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    // After five minutes: fetch again; a second failure counts.
    let out = drive(
        "lookup",
        Some(e),
        1300,
        Txt::Id("1"),
        Some(Fetch::Error(FetchError::Timeout)),
    );
    assert_eq!(out.entry().backoffs.len(), 1);
    assert_eq!(out.entry().backoffs[0].failures, 2);
}

#[test]
fn design_cache_backoff_is_per_id() {
    // a fails, b succeeds, the record flips back to a: a stays held off.
    let out = drive("lookup", None, 0, Txt::Id("a"), Some(Fetch::Error(FetchError::Timeout)));
    let out = drive("lookup", out.into_entry(), 1, Txt::Id("b"), Some(Fetch::Body(ENFORCE)));
    assert_eq!(out.cached_policy().unwrap().id.as_str(), "b");
    let out = drive("lookup", out.into_entry(), 2, Txt::Id("a"), None);
    assert_eq!(mode_of(&out), Some(Mode::Enforce)); // still b's policy
    assert_eq!(out.next_fetch_at(), Some(300));
}

#[test]
fn design_cache_backoff_list_is_bounded() {
    // Many ids failing in a row: once MAX_BACKOFFS are held off, new ids wait too.
    let mut entry = None;
    for i in 0..MAX_BACKOFFS {
        let id: &'static str = Box::leak(format!("id{i}").into_boxed_str());
        let out = drive(
            "lookup",
            entry,
            i as u64,
            Txt::Id(id),
            Some(Fetch::Error(FetchError::Timeout)),
        );
        entry = out.into_entry();
    }
    assert_eq!(entry.as_ref().unwrap().backoffs.len(), MAX_BACKOFFS);
    let out = drive("lookup", entry, 10, Txt::Id("another"), None);
    assert_eq!(out.next_fetch_at(), Some(300));
}

#[test]
fn design_cache_backoff_is_configurable() {
    let config = CacheConfig {
        fetch_backoff: 3600,
        ..CacheConfig::default()
    };
    let Step::ResolveTxt(t) = lookup(None, DOMAIN, 0, &config) else {
        panic!()
    };
    let Step::Fetch(f) = t.records(["v=STSv1; id=1"]) else {
        panic!()
    };
    let out = f.error(FetchError::Timeout);
    assert_eq!(out.next_fetch_at(), Some(3600));
    let Step::ResolveTxt(t) = lookup(out.into_entry(), DOMAIN, 3599, &config) else {
        panic!()
    };
    assert!(matches!(t.records(["v=STSv1; id=1"]), Step::Done(_)));
}

#[test]
fn design_cache_backoff_keeps_cached_policy() {
    let e = fetched(ENFORCE, "1", 0);
    let out = drive(
        "lookup",
        Some(e),
        100,
        Txt::Id("2"),
        Some(Fetch::Error(FetchError::Timeout)),
    );
    let out = drive("lookup", out.into_entry(), 200, Txt::Id("2"), None);
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    assert_eq!(out.cached_policy().unwrap().id.as_str(), "1");
}

#[test]
fn design_refresh_due_daily_with_jitter() {
    let config = CacheConfig::default();
    let e = fetched(ENFORCE, "1", 1000);
    assert_eq!(e.refresh_due_at(1000, &config, 0), Some(1000 + 86400));
    assert_eq!(e.refresh_due_at(1000, &config, 600), Some(1000 + 87000));
    assert!(!e.is_refresh_due(1000 + 86399, &config, 0));
    // With max_age = 1 day the policy expires at the moment it would be due: a
    // shorter interval is the host's choice.
    let short = CacheConfig {
        refresh_interval: 43_200,
        ..config
    };
    assert!(e.is_refresh_due(1000 + 43_200, &short, 0));
    assert_eq!(e.refresh_due_at(1000 + 86400, &config, 0), None); // expired: nothing to refresh
}

#[test]
fn design_refresh_refetches_regardless_of_txt_and_resets_expiry() {
    let config = CacheConfig::default();
    let e = fetched(ENFORCE, "1", 1000);
    let f = refresh(e, 50_000, &config).unwrap();
    assert_eq!(f.id().as_str(), "1");
    let out = f.response(FetchResponse {
        status: 200,
        content_type: Some("text/plain"),
        body: TESTING,
    });
    assert!(out.fetched());
    assert_eq!(out.store(), StoreAction::Put);
    let c = out.cached_policy().unwrap();
    assert_eq!(c.policy.mode(), Mode::Testing);
    assert_eq!((c.fetched_at, c.expires_at), (50_000, 50_000 + 86400));
}

#[test]
fn design_refresh_failures_alert_unless_mode_none() {
    let config = CacheConfig::default();
    let e = fetched(ENFORCE, "1", 0);
    let out = refresh(e, 86_400 - 3600, &config).unwrap().error(FetchError::Timeout);
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    assert_eq!(out.alerts().len(), 1);
    assert_eq!(out.alerts()[0].expires_in, 3600);
    assert_eq!(out.alerts()[0].failures, 1);
    assert_eq!(out.reports().len(), 1);
    let e = out.into_entry().unwrap();
    // The next refresh is due after the retry interval.
    assert_eq!(e.refresh_due_at(86_400 - 3600, &config, 0), Some(86_400));
    let out = refresh(e, 86_400 - 1800, &config)
        .unwrap()
        .error(FetchError::Connect("reset".into()));
    assert_eq!(out.alerts()[0].failures, 2);
    assert_eq!(out.alerts()[0].expires_in, 1800);

    // Mode none: no alert, no report.
    let e = fetched(NONE, "1", 0);
    let out = refresh(e, 100, &config).unwrap().error(FetchError::Timeout);
    assert!(out.alerts().is_empty() && out.reports().is_empty());

    // A threshold above one: the first failure does not alert.
    let patient = CacheConfig {
        alert_after_failures: 2,
        ..config
    };
    let e = fetched(TESTING, "1", 0);
    let out = refresh(e, 100, &patient).unwrap().error(FetchError::Timeout);
    assert!(out.alerts().is_empty());
    let out = refresh(out.into_entry().unwrap(), 4000, &patient)
        .unwrap()
        .error(FetchError::Timeout);
    assert_eq!(out.alerts().len(), 1);
}

#[test]
fn design_refresh_success_clears_failures() {
    let config = CacheConfig::default();
    let e = fetched(ENFORCE, "1", 0);
    let e = refresh(e, 100, &config)
        .unwrap()
        .error(FetchError::Timeout)
        .into_entry()
        .unwrap();
    assert_eq!(e.refresh.failures, 1);
    let out = refresh(e, 4000, &config).unwrap().response(FetchResponse {
        status: 200,
        content_type: Some("text/plain"),
        body: ENFORCE,
    });
    let e = out.into_entry().unwrap();
    assert_eq!(e.refresh.failures, 0);
    assert_eq!(e.refresh_due_at(4000, &config, 0), Some(4000 + 86400));
}

#[test]
fn design_recheck_before_permanent_failure() {
    let e = fetched(ENFORCE, "1", 0);
    // Same id: keep treating the failure as transient.
    let out = drive("recheck", Some(e.clone()), 100, Txt::Id("1"), None);
    assert_eq!(out.decision(), Some(RecheckDecision::KeepTransient));
    // DNS trouble: transient too.
    let out = drive("recheck", Some(e.clone()), 100, Txt::TempFail, None);
    assert_eq!(out.decision(), Some(RecheckDecision::KeepTransient));
    // New id, fetched: retry under the new policy.
    let out = drive(
        "recheck",
        Some(e.clone()),
        100,
        Txt::Id("2"),
        Some(Fetch::Body(TESTING)),
    );
    assert_eq!(out.decision(), Some(RecheckDecision::RetryWithNewPolicy));
    assert_eq!(mode_of(&out), Some(Mode::Testing));
    // New id, fetch failed: transient, the old policy still applies.
    let out = drive(
        "recheck",
        Some(e),
        100,
        Txt::Id("2"),
        Some(Fetch::Error(FetchError::Timeout)),
    );
    assert_eq!(out.decision(), Some(RecheckDecision::KeepTransient));
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    // Plain lookups carry no decision.
    assert_eq!(drive("lookup", None, 0, Txt::Missing, None).decision(), None);
}

#[test]
fn design_cache_entries_are_serde_data() {
    let out = drive("lookup", None, 1000, Txt::Id("abc"), Some(Fetch::Body(ENFORCE)));
    let e = out.into_entry().unwrap();
    let json = serde_json::to_string(&e).unwrap();
    let back: CacheEntry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    // A tampered entry is refused, not trusted.
    let bad = json.replace("mx.example.com", "mx.*.example.com");
    assert!(serde_json::from_str::<CacheEntry>(&bad).is_err());
    let bad = json.replace("\"abc\"", "\"a-b\"");
    assert!(serde_json::from_str::<CacheEntry>(&bad).is_err());
    // The remembered record must parse to the remembered id.
    let bad = json.replace("v=STSv1; id=abc", "v=STSv1; id=xyz");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<CacheEntry>(&bad).is_err());
    let bad = json.replace("\"format\":1", "\"format\":99");
    assert!(serde_json::from_str::<CacheEntry>(&bad).is_err());
    let bad = json.replace("\"example.com\"", "\"Example.COM\"");
    assert!(serde_json::from_str::<CacheEntry>(&bad).is_err());
}

#[test]
fn design_cache_identical_record_needs_no_parse_but_a_changed_one_is_read() {
    let e = fetched(ENFORCE, "1", 0);
    assert_eq!(e.last_record.as_deref(), Some("v=STSv1; id=1"));
    // Same id, different spelling: parsed, and remembered.
    let config = CacheConfig::default();
    let Step::ResolveTxt(t) = lookup(Some(e), DOMAIN, 10, &config) else {
        panic!()
    };
    let Step::Done(out) = t.records(["v=STSv1;id=1;"]) else {
        panic!()
    };
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    assert_eq!(out.store(), StoreAction::Put);
    assert_eq!(out.entry().last_record.as_deref(), Some("v=STSv1;id=1;"));
}

#[test]
fn rfc8461_3_3_max_age_zero_applies_once_and_is_not_cached() {
    let out = drive(
        "lookup",
        None,
        1000,
        Txt::Id("1"),
        Some(Fetch::Body(
            b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 0\n",
        )),
    );
    assert_eq!(mode_of(&out), Some(Mode::Enforce));
    assert_eq!(out.store(), StoreAction::Unchanged);
}

#[test]
fn rfc8461_3_4_invalid_domain_has_no_policy() {
    let Step::Done(out) = lookup(None, "exa mple.com", 0, &CacheConfig::default()) else {
        panic!()
    };
    assert_eq!(out.no_policy_reason(), Some(&NoPolicyReason::InvalidDomain));
}

// ---- Policy application ----

fn policy(body: &[u8]) -> Policy {
    Policy::parse(body).unwrap().policy
}

fn session(host: &str, starttls: bool, certificate: Option<CertificateStatus>) -> MxSession<'_> {
    MxSession {
        host,
        starttls,
        certificate,
    }
}

#[test]
fn design_apply_enforce_skips_transiently() {
    let p = policy(ENFORCE);
    let cases = [
        (
            session("mx.evil.example", true, Some(CertificateStatus::Valid)),
            ResultType::ValidationFailure,
        ),
        (session("mx.example.com", false, None), ResultType::StarttlsNotSupported),
        (
            session("mx.example.com", true, Some(CertificateStatus::Expired)),
            ResultType::CertificateExpired,
        ),
        (
            session("mx.example.com", true, Some(CertificateStatus::Untrusted)),
            ResultType::CertificateNotTrusted,
        ),
        (
            session("mx.example.com", true, Some(CertificateStatus::NameMismatch)),
            ResultType::CertificateHostMismatch,
        ),
        (
            session("mx.example.com", true, Some(CertificateStatus::Other)),
            ResultType::ValidationFailure,
        ),
    ];
    for (s, t) in cases {
        let v = session_verdict(Some(&p), &s);
        assert_eq!(v, Verdict::Skip(t), "{s:?}");
        assert!(!v.may_deliver());
        assert_eq!(v.result_type(), Some(t));
    }
    assert_eq!(
        session_verdict(
            Some(&p),
            &session("MX.example.com.", true, Some(CertificateStatus::Valid))
        ),
        Verdict::Deliver
    );
}

#[test]
fn design_apply_testing_delivers_and_reports() {
    let p = policy(TESTING);
    let v = session_verdict(Some(&p), &session("mx.example.com", false, None));
    assert_eq!(v, Verdict::DeliverAndReport(ResultType::StarttlsNotSupported));
    assert!(v.may_deliver());
    assert_eq!(
        mx_verdict(Some(&p), "other.example"),
        Verdict::DeliverAndReport(ResultType::ValidationFailure)
    );
}

#[test]
fn design_apply_none_or_no_policy_changes_nothing() {
    let p = policy(NONE);
    for pol in [Some(&p), None] {
        assert_eq!(
            session_verdict(pol, &session("anything.example", false, None)),
            Verdict::Deliver
        );
        assert_eq!(mx_verdict(pol, "anything.example"), Verdict::Deliver);
    }
}

#[test]
fn design_apply_mx_check_before_connecting() {
    let p = policy(ENFORCE);
    assert_eq!(mx_verdict(Some(&p), "mx.example.com"), Verdict::Deliver);
    assert_eq!(
        mx_verdict(Some(&p), "192.0.2.1"),
        Verdict::Skip(ResultType::ValidationFailure)
    );
}

#[test]
fn rfc8460_result_type_names() {
    let all = [
        (ResultType::StarttlsNotSupported, "starttls-not-supported"),
        (ResultType::CertificateHostMismatch, "certificate-host-mismatch"),
        (ResultType::CertificateExpired, "certificate-expired"),
        (ResultType::CertificateNotTrusted, "certificate-not-trusted"),
        (ResultType::ValidationFailure, "validation-failure"),
        (ResultType::StsPolicyFetchError, "sts-policy-fetch-error"),
        (ResultType::StsPolicyInvalid, "sts-policy-invalid"),
        (ResultType::StsWebpkiInvalid, "sts-webpki-invalid"),
    ];
    for (t, s) in all {
        assert_eq!(t.to_string(), s);
    }
}
