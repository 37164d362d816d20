//! Fuzzes the report reader on JSON, and on the same bytes gzipped: no panic,
//! bounded work, and a report that reads writes canonical JSON that reads back
//! equal.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use tls_rpt_schema::{read_report, ReadError, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions {
        max_input: 1 << 20,
        max_inflated: 1 << 20,
        ..ReadOptions::default()
    };
    let lenient = read_report(data, &options);
    let strict = read_report(data, &ReadOptions { strict: true, ..options });
    if let Ok(s) = &strict {
        let l = lenient.as_ref().expect("strict accepted what the default refused");
        assert_eq!(s.report, l.report);
        assert!(s.warnings.is_empty());
    }
    if let Ok(read) = &lenient {
        if let Ok(json) = read.report.to_json() {
            let back = read_report(json.as_bytes(), &options).expect("canonical JSON must read back");
            assert_eq!(back.report, read.report);
        }
    }
    // The same bytes through gzip give the same answer.
    if data.first() == Some(&b'{') {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        let gz = read_report(&e.finish().unwrap(), &options);
        match (&lenient, &gz) {
            (Ok(a), Ok(b)) => assert_eq!(a.report, b.report),
            (Err(_), Err(_)) => {}
            (Err(ReadError::TooLarge { .. }), Ok(_)) => {}
            (a, b) => panic!("json {a:?} vs gzip {b:?}"),
        }
    }
});
