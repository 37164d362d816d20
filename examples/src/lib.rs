//! Runnable examples and the `mta-sts` command-line tool for the MTA-STS / TLS-RPT
//! crates. See the README for the commands.
#![forbid(unsafe_code)]
