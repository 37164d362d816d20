//! Fuzzes both policy-file entry points: no panic, strict implies default, and a
//! parsed policy serialises to canonical text that parses back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mta_sts_policy::{Policy, WarningKind};

fuzz_target!(|data: &[u8]| {
    let lenient = Policy::parse(data);
    let strict = Policy::parse_strict(data);
    if let Ok(strict) = &strict {
        // Strict mode refuses every deviation; only duplicates (which the grammar
        // allows and the RFC says to ignore) remain warnings.
        assert!(strict.warnings.iter().all(|w| matches!(w.kind, WarningKind::Duplicate { .. })));
        let lenient = lenient.as_ref().expect("strict accepted what the default refused");
        assert_eq!(lenient.policy, strict.policy);
        assert_eq!(lenient.warnings, strict.warnings);
    }
    match &lenient {
        Ok(parsed) => {
            let text = parsed.policy.to_string();
            let again = Policy::parse_strict(text.as_bytes()).expect("canonical text must parse strictly");
            assert_eq!(again.policy, parsed.policy);
            assert!(again.warnings.is_empty());
            assert_eq!(again.policy.to_string(), text);
        }
        Err(errors) => {
            assert!(!errors.errors().is_empty());
            for e in errors.errors() {
                assert!(e.position.line >= 1 && e.position.column >= 1);
            }
        }
    }
});
