//! Property tests: canonical policy text round-trips, and the compiled matcher
//! agrees with a plain reference matcher on random hosts and patterns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use mta_sts_policy::{Mode, MxMatcher, MxPattern, Policy, MAX_MAX_AGE};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]",
        "[a-z0-9][a-z0-9-]{0,6}[a-z0-9]",
        Just("mx".to_owned()),
        Just("mail".to_owned()),
        Just("xn--bcher-kva".to_owned()),
    ]
}

/// A domain of 1 to 4 labels ending in a letter label (so never numeric).
fn domain() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 0..3), "[a-z]{2,4}").prop_map(|(mut labels, tld)| {
        labels.push(tld);
        labels.join(".")
    })
}

fn pattern() -> impl Strategy<Value = String> {
    (any::<bool>(), domain()).prop_map(|(wild, d)| if wild { format!("*.{d}") } else { d })
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Enforce), Just(Mode::Testing), Just(Mode::None)]
}

fn ext_value() -> impl Strategy<Value = String> {
    "[!-~]([ !-~ü€]{0,10}[!-~])?"
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        mode(),
        0..=MAX_MAX_AGE,
        prop::collection::vec(pattern(), 1..6),
        prop::collection::btree_map("x[a-z0-9_.-]{0,8}", ext_value(), 0..3),
    )
        .prop_map(|(mode, max_age, mx, exts)| {
            let mut b = Policy::builder(mode, max_age);
            for p in &mx {
                b = b.mx(p).unwrap();
            }
            for (k, v) in &exts {
                b = b.extension(k, v).unwrap();
            }
            b.build().unwrap()
        })
}

/// RFC 8461 §4.1 written label by label, the slow and obvious way.
fn reference_match(patterns: &[String], host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let host_labels: Vec<&str> = host.split('.').collect();
    if host.is_empty()
        || host_labels
            .last()
            .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    patterns.iter().any(|p| {
        let p = p.strip_suffix('.').unwrap_or(p).to_ascii_lowercase();
        let p_labels: Vec<&str> = p.split('.').collect();
        if p_labels.len() != host_labels.len() {
            return false;
        }
        p_labels.iter().zip(&host_labels).enumerate().all(
            |(i, (pl, hl))| {
                if i == 0 && *pl == "*" {
                    !hl.is_empty()
                } else {
                    pl == hl
                }
            },
        )
    })
}

/// Hosts near the patterns: the pattern's domain with a label added, removed or
/// changed, case flipped, a trailing dot.
fn host_near(patterns: Vec<String>) -> impl Strategy<Value = (Vec<String>, String)> {
    let n = patterns.len();
    (
        Just(patterns),
        0..n.max(1),
        0..6usize,
        label(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(patterns, i, edit, l, upper, dot)| {
            let base = patterns.get(i).cloned().unwrap_or_default();
            let domain = base.strip_prefix("*.").unwrap_or(&base).to_owned();
            let mut host = match edit {
                0 => format!("{l}.{domain}"),
                1 => domain.clone(),
                2 => format!("{l}.{l}.{domain}"),
                3 => domain.split_once('.').map(|(_, r)| r.to_owned()).unwrap_or_default(),
                4 => format!("{l}{domain}"),
                _ => format!("{l}.example"),
            };
            if upper {
                host = host.to_ascii_uppercase();
            }
            if dot {
                host.push('.');
            }
            (patterns, host)
        })
}

proptest! {
    #[test]
    fn canonical_text_round_trips(policy in policy()) {
        let text = policy.to_string();
        let parsed = Policy::parse_strict(text.as_bytes()).unwrap();
        prop_assert!(parsed.warnings.is_empty());
        prop_assert_eq!(&parsed.policy, &policy);
        prop_assert_eq!(parsed.policy.to_string(), text.clone());
        // LF line ends parse to the same policy.
        let lf = text.replace("\r\n", "\n");
        prop_assert_eq!(Policy::parse_strict(lf.as_bytes()).unwrap().policy, policy);
    }

    #[test]
    fn matcher_agrees_with_reference(
        (patterns, host) in prop::collection::vec(pattern(), 1..8).prop_flat_map(host_near)
    ) {
        let compiled: Vec<MxPattern> = patterns.iter().map(|p| MxPattern::new(p).unwrap()).collect();
        let matcher = MxMatcher::new(&compiled);
        let expected = reference_match(&patterns, &host);
        prop_assert_eq!(matcher.matches(&host), expected, "host {:?} patterns {:?}", host, patterns);
        prop_assert_eq!(compiled.iter().any(|p| p.matches(&host)), expected);
    }

    #[test]
    fn matcher_agrees_on_arbitrary_hosts(
        patterns in prop::collection::vec(pattern(), 1..5),
        host in "[a-zA-Z0-9.*-]{0,30}",
    ) {
        let compiled: Vec<MxPattern> = patterns.iter().map(|p| MxPattern::new(p).unwrap()).collect();
        prop_assert_eq!(MxMatcher::new(&compiled).matches(&host), reference_match(&patterns, &host));
    }

    #[test]
    fn parser_never_panics_and_accepted_input_round_trips(
        lines in prop::collection::vec(
            prop_oneof![
                Just("version: STSv1".to_owned()),
                mode().prop_map(|m| format!("mode: {m}")),
                (0u64..99_999_999_999).prop_map(|n| format!("max_age: {n}")),
                pattern().prop_map(|p| format!("mx: {p}")),
                "[ -~]{0,20}",
                Just(String::new()),
                Just(" mx: A.Example.".to_owned()),
            ],
            0..10,
        ),
        crlf in any::<bool>(),
    ) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        if let Ok(parsed) = Policy::parse(text.as_bytes()) {
            let again = Policy::parse_strict(parsed.policy.to_string().as_bytes()).unwrap();
            prop_assert_eq!(again.policy, parsed.policy);
        }
    }
}
