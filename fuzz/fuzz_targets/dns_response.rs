//! Arbitrary bytes as the DNS response to a TXT query: the reader must return
//! an answer or a typed error, never panic or loop, and a record answer is
//! never empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mta_sts_resolver_trait::wire::{read_txt_response, txt_query, WireAnswer};
use mta_sts_resolver_trait::TxtAnswer;

const NAMES: [&str; 3] = ["_mta-sts.example.com", "_smtp._tls.example.org", "a.b"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, response)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    // The id the response carries, when it has one, so the deeper checks run.
    let id = match response {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    };
    if let Ok(WireAnswer::Answer(TxtAnswer::Records(records))) = read_txt_response(response, id, name) {
        assert!(!records.is_empty());
    }
    // A query for the name is never taken for its own answer.
    if let Ok(query) = txt_query(name, id) {
        assert!(read_txt_response(&query, id, name).is_err());
    }
});
