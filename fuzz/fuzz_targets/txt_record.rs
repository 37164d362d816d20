//! Fuzzes the `_mta-sts` TXT record parser and answer discovery.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mta_sts_policy::{is_sts_record, DiscoveryError, StsRecord};

fuzz_target!(|data: &[u8]| {
    let parsed = StsRecord::parse(data);
    if let Ok(record) = &parsed {
        // A valid record always begins with the version and has a well-formed id.
        assert!(is_sts_record(data));
        let id = record.id();
        assert!(!id.as_str().is_empty() && id.as_str().len() <= 32);
        assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
        // Re-serialising the fields gives a record that parses to the same value.
        let mut text = format!("v=STSv1; id={id}");
        for ext in record.extensions() {
            text.push_str(&format!("; {}={}", ext.name(), ext.value()));
        }
        assert_eq!(StsRecord::parse(&text).as_ref(), Ok(record));
    }
    if let Err(err) = &parsed {
        assert!(err.column >= 1 && err.column <= data.len() + 1);
    }
    // Split the input into several records on NUL bytes and discover.
    let records: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let count = records.iter().filter(|r| is_sts_record(r)).count();
    match StsRecord::discover(&records) {
        Ok(_) => assert_eq!(count, 1),
        Err(DiscoveryError::NoRecord) => assert_eq!(count, 0),
        Err(DiscoveryError::MultipleRecords { count: n }) => assert_eq!(n, count),
        Err(_) => assert_eq!(count, 1),
    }
});
