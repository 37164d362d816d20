//! Shared inputs for the criterion benchmarks of the MTA-STS / TLS-RPT crates.
//!
//! Run them with `cargo bench -p mta-sts-benches`.
#![forbid(unsafe_code)]

use mta_sts_policy::{Mode, Policy};

/// The example policy of RFC 8461 §3.2, with CRLF line ends.
pub const RFC_POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";

/// The example TXT record of RFC 8461 §3.1.
pub const RFC_RECORD: &str = "v=STSv1; id=20160831085700Z;";

/// A policy of `n` patterns: even ones exact (`mxI.example.com`), odd ones
/// wildcards (`*.dI.example.net`), so pattern 0 is exact and pattern 1 a wildcard.
pub fn policy_with_patterns(n: usize) -> Result<Policy, mta_sts_policy::BuildError> {
    let mut builder = Policy::builder(Mode::Enforce, 604_800);
    for i in 0..n {
        builder = if i % 2 == 0 {
            builder.mx(&format!("mx{i}.example.com"))?
        } else {
            builder.mx(&format!("*.d{i}.example.net"))?
        };
    }
    builder.build()
}
