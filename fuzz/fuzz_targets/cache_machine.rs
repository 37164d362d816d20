//! Fuzzes the policy cache machine over arbitrary event sequences, against the
//! reference model the property test uses, asserting the same five invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../mta-sts-policy/tests/model/mod.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    let events: Vec<[u8; 6]> = data
        .chunks_exact(6)
        .take(256)
        .map(|c| [c[0], c[1], c[2], c[3], c[4], c[5]])
        .collect();
    if let Err(e) = model::run(&events) {
        panic!("{e}");
    }
});
