//! Fuzzes the `_smtp._tls` record parser and answer discovery.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_rpt_schema::{is_tlsrpt_record, DiscoveryError, ReportUri, TlsRptRecord};

fuzz_target!(|data: &[u8]| {
    match TlsRptRecord::parse(data) {
        Ok(record) => {
            assert!(is_tlsrpt_record(data));
            assert!(!record.rua.is_empty());
            for uri in &record.rua {
                match uri {
                    ReportUri::Mailto { uri, address } => {
                        assert!(uri.to_ascii_lowercase().starts_with("mailto:"));
                        assert!(address.contains('@'));
                    }
                    ReportUri::Https { uri, host } => {
                        assert!(uri.to_ascii_lowercase().starts_with("https://"));
                        assert!(!host.is_empty());
                    }
                }
            }
            // The usable URIs, written back as a record, parse to the same URIs.
            let list: Vec<&str> = record.rua.iter().map(ReportUri::as_str).collect();
            let again = TlsRptRecord::parse(format!("v=TLSRPTv1; rua={}", list.join(","))).expect("rewritten record");
            assert_eq!(again.rua, record.rua);
        }
        Err(e) => assert!(e.column >= 1 && e.column <= data.len() + 1),
    }
    let records: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let count = records.iter().filter(|r| is_tlsrpt_record(r)).count();
    match TlsRptRecord::discover(&records) {
        Ok(_) => assert_eq!(count, 1),
        Err(DiscoveryError::NoRecord) => assert_eq!(count, 0),
        Err(DiscoveryError::MultipleRecords { count: n }) => assert_eq!(n, count),
        Err(_) => assert_eq!(count, 1),
    }
});
