//! Fuzzes MX matching: the compiled matcher, each pattern's own `matches` and a
//! plain reference implementation of RFC 8461 §4.1 must agree, and nothing panics.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mta_sts_policy::{MxMatcher, MxPattern};

#[derive(Arbitrary, Debug)]
struct Input {
    patterns: Vec<String>,
    hosts: Vec<String>,
}

/// The rule written the slow, obvious way, for ASCII hosts.
fn reference(pattern: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host.len() > 253 || host.starts_with('[') || host.contains(':') {
        return false;
    }
    let last = host.rsplit('.').next().unwrap_or("");
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            let labels: Vec<&str> = host.split('.').collect();
            labels.len() >= 2 && !labels[0].is_empty() && labels[1..].join(".") == suffix
        }
        None => host == pattern,
    }
}

fuzz_target!(|input: Input| {
    let patterns: Vec<MxPattern> = input.patterns.iter().filter_map(|p| MxPattern::new(p).ok()).collect();
    for p in &patterns {
        // Normalised: lower case, ASCII, no trailing dot, round-trips.
        assert!(p.as_str().is_ascii());
        assert_eq!(p.as_str(), p.as_str().to_ascii_lowercase());
        assert!(!p.as_str().ends_with('.'));
        assert_eq!(MxPattern::new(p.as_str()).as_ref(), Ok(p));
    }
    let matcher = MxMatcher::new(&patterns);
    for host in &input.hosts {
        let compiled = matcher.matches(host);
        let each = patterns.iter().any(|p| p.matches(host));
        assert_eq!(compiled, each, "host {host:?}");
        if host.is_ascii() {
            let expected = patterns.iter().any(|p| reference(p.as_str(), host));
            assert_eq!(compiled, expected, "host {host:?}");
        }
    }
});
