//! Servers the loopback tests start: a small DNS server and an HTTPS server
//! with a test CA. Each runs on its own threads, so async and blocking clients
//! can both use it.
#![allow(dead_code)]

pub mod dns_server;
pub mod https_server;
