//! The cache machine against a reference model over random event sequences
//! (times, TXT answers, fetch outcomes, refreshes and rechecks), checking the five
//! invariants listed in `model/mod.rs`. 10 000 cases by default; set
//! `PROPTEST_CASES` for more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod model;

use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn machine_agrees_with_model_and_keeps_invariants(events in prop::collection::vec(any::<[u8; 6]>(), 1..40)) {
        if let Err(e) = model::run(&events) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// Hand-picked sequences the random search might take long to hit.
#[test]
fn known_sequences() {
    // dt index, kind, txt, fetch, mode, max_age (see model::decode).
    let seqs: &[&[[u8; 6]]] = &[
        // fetch enforce under a1; id change to b2 fails; retry inside backoff; after backoff.
        &[
            [0, 0, 0, 0, 0, 4],
            [3, 0, 6, 2, 0, 0],
            [1, 0, 6, 0, 0, 0],
            [4, 0, 6, 0, 1, 4],
        ],
        // fetch with max_age 0, then lookups at the same second.
        &[[0, 0, 0, 0, 0, 0], [0, 0, 0, 2, 0, 0], [0, 0, 0, 0, 0, 0]],
        // refresh failures until expiry.
        &[
            [0, 0, 0, 0, 1, 3],
            [7, 3, 0, 2, 0, 0],
            [7, 3, 0, 3, 0, 0],
            [9, 0, 3, 0, 0, 0],
        ],
        // opt out with mode none, then recheck.
        &[
            [0, 0, 0, 0, 0, 4],
            [1, 0, 6, 1, 2, 4],
            [1, 2, 6, 0, 0, 0],
            [1, 2, 12, 0, 0, 4],
        ],
    ];
    for seq in seqs {
        model::run(seq).unwrap();
    }
}
