//! Every report of the shared corpus (`../shared/corpus/tlsrpt/`, real reports
//! from large senders and the e-mails that carried them) reads in the default
//! mode; the message in `not-a-report/` is refused. The corpus lives outside
//! the repository: without it this test says so and passes, unless
//! `REQUIRE_CORPUS=1` (CI sets it) makes its absence a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

use tls_rpt_schema::*;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/tlsrpt");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("REQUIRE_CORPUS").is_none(),
        "REQUIRE_CORPUS is set but {} is missing",
        dir.display()
    );
    eprintln!("corpus not found at {}: skipped", dir.display());
    None
}

fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "eml" | "gz" | "zip")
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_corpus_report_reads_in_the_default_mode() {
    let Some(root) = corpus() else { return };
    let mut read = 0;
    let mut deviating = 0;
    for sub in ["real", "synthetic"] {
        for path in files(&root.join(sub)) {
            let bytes = std::fs::read(&path).unwrap();
            let r = read_report(&bytes, &ReadOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            read += 1;
            // Each deviation names where it is.
            for w in &r.warnings {
                assert!(!w.path.is_empty(), "{}: {w}", path.display());
            }
            // Strict mode names the same deviations.
            match read_report(&bytes, &ReadOptions::strict()) {
                Ok(strict) => assert!(r.warnings.is_empty() && strict.report == r.report),
                Err(ReadError::Json(JsonError::Deviations(d))) => {
                    deviating += 1;
                    assert!(!d.is_empty());
                    assert_eq!(d, r.warnings, "{}", path.display());
                }
                Err(e) => panic!("{}: strict failed without naming deviations: {e}", path.display()),
            }
            // Canonical JSON reads back equal.
            let json = r.report.to_json().unwrap();
            let back = read_report(json.as_bytes(), &ReadOptions::default()).unwrap();
            assert_eq!(back.report, r.report, "{}", path.display());
        }
    }
    assert!(read >= 40, "only {read} corpus files");
    assert!(deviating > 0);
}

#[test]
fn e_mail_and_extracted_json_agree() {
    let Some(root) = corpus() else { return };
    let mut pairs = 0;
    for path in files(&root.join("real")) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".eml") else {
            continue;
        };
        let extracted = root.join("real").join(format!("{stem}.extracted.json"));
        if !extracted.exists() {
            continue;
        }
        let from_mail = read_report(&std::fs::read(&path).unwrap(), &ReadOptions::default()).unwrap();
        let from_json = read_report(&std::fs::read(&extracted).unwrap(), &ReadOptions::default()).unwrap();
        assert_eq!(from_mail.source, SourceKind::Email);
        assert_eq!(from_mail.report, from_json.report, "{name}");
        pairs += 1;
    }
    assert!(pairs >= 5);
}

#[test]
fn the_message_without_a_report_is_refused() {
    let Some(root) = corpus() else { return };
    let paths = files(&root.join("not-a-report"));
    assert!(!paths.is_empty());
    for path in paths {
        let err = read_report(&std::fs::read(&path).unwrap(), &ReadOptions::default()).unwrap_err();
        assert_eq!(err, ReadError::NoReport, "{}", path.display());
    }
}
