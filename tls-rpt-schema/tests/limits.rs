//! Input size, inflation and nesting are bounded, and the bounds are configurable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Write;

use common::*;
use tls_rpt_schema::*;

/// 1 GiB of zeros as gzip: one member inflating to 1 MiB, repeated 1024 times
/// (concatenated members are one valid gzip stream). About 1 MiB on disk.
fn gzip_bomb() -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).unwrap();
    let member = e.finish().unwrap();
    member.repeat(1024)
}

#[test]
fn gzip_bomb_is_refused_at_the_limit() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 2 << 20);
    let options = ReadOptions {
        max_inflated: 4 << 20,
        ..ReadOptions::default()
    };
    assert_eq!(
        read_report(&bomb, &options),
        Err(ReadError::InflatedTooLarge { limit: 4 << 20 })
    );
    // With the default limit too.
    assert_eq!(
        read_report(&bomb, &ReadOptions::default()),
        Err(ReadError::InflatedTooLarge { limit: 32 << 20 })
    );
}

#[test]
fn zip_bomb_is_refused_at_the_limit() {
    let zeros = vec![0u8; 8 << 20];
    let archive = zip_deflated("bomb.json", &zeros);
    let options = ReadOptions {
        max_inflated: 1 << 20,
        ..ReadOptions::default()
    };
    assert_eq!(
        read_report(&archive, &options),
        Err(ReadError::InflatedTooLarge { limit: 1 << 20 })
    );
    let stored = zip_stored("big.json", &zeros);
    assert_eq!(
        read_report(&stored, &options),
        Err(ReadError::InflatedTooLarge { limit: 1 << 20 })
    );
}

#[test]
fn a_bomb_in_an_e_mail_is_refused_too() {
    let msg = email(
        "application/tlsrpt+gzip",
        Some("r.json.gz"),
        &gzip(&vec![b' '; 3 << 20]),
        false,
    );
    let options = ReadOptions {
        max_inflated: 1 << 20,
        ..ReadOptions::default()
    };
    assert_eq!(
        read_report(&msg, &options),
        Err(ReadError::InflatedTooLarge { limit: 1 << 20 })
    );
}

#[test]
fn input_size_is_limited() {
    let json = serde_json::to_vec(&base_report()).unwrap();
    let options = ReadOptions {
        max_input: json.len() - 1,
        ..ReadOptions::default()
    };
    assert_eq!(
        read_report(&json, &options),
        Err(ReadError::TooLarge { limit: json.len() - 1 })
    );
    let options = ReadOptions {
        max_input: json.len(),
        ..ReadOptions::default()
    };
    assert!(read_report(&json, &options).is_ok());
}

#[test]
fn nesting_is_limited() {
    let mut doc = base_report();
    let mut deep = serde_json::json!(1);
    for _ in 0..40 {
        deep = serde_json::json!([deep]);
    }
    doc["x-deep"] = deep;
    let json = serde_json::to_vec(&doc).unwrap();
    assert_eq!(
        read_report(&json, &ReadOptions::default()),
        Err(ReadError::TooDeep { limit: 32 })
    );
    let options = ReadOptions {
        max_depth: 64,
        ..ReadOptions::default()
    };
    assert!(read_report(&json, &options).is_ok());
    // Brackets inside strings do not count.
    let mut doc = base_report();
    doc["x-text"] = serde_json::json!("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"");
    assert!(read_report(&serde_json::to_vec(&doc).unwrap(), &ReadOptions::default()).is_ok());
    // A million open brackets: refused quickly, no stack overflow.
    let hostile = "[".repeat(1_000_000);
    let mut text = String::from("{\"x\":");
    text.push_str(&hostile);
    assert_eq!(
        read_report(text.as_bytes(), &ReadOptions::default()),
        Err(ReadError::TooDeep { limit: 32 })
    );
}

#[test]
fn corrupt_containers_are_errors() {
    let mut gz = gzip(&serde_json::to_vec(&base_report()).unwrap());
    let n = gz.len();
    gz.truncate(n / 2);
    assert!(matches!(
        read_report(&gz, &ReadOptions::default()),
        Err(ReadError::Gzip(_))
    ));
    assert!(matches!(
        read_report(b"PK\x03\x04\x00", &ReadOptions::default()),
        Err(ReadError::Zip(_))
    ));
}
