//! Shared inputs for the criterion benchmarks of the MTA-STS / TLS-RPT crates.
//!
//! Run them with `cargo bench -p mta-sts-benches`.
#![forbid(unsafe_code)]
