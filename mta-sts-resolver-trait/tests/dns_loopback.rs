//! The hickory resolver and the sans-IO wire helpers against a DNS server on
//! loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::manual_async_fn
)]

mod support;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::Ordering;
use std::time::Duration;

use mta_sts_resolver_trait::wire::{read_txt_response, tcp_frame, txt_query, WireAnswer};
use mta_sts_resolver_trait::TxtAnswer;
use support::dns_server::DnsServer;

/// One query over UDP with the wire helpers, and over TCP when truncated.
fn ask(server: &DnsServer, name: &str, id: u16) -> (TxtAnswer, bool) {
    let query = txt_query(name, id).unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    udp.send_to(&query, server.addr).unwrap();
    let mut buf = [0u8; 4096];
    let n = udp.recv(&mut buf).unwrap();
    match read_txt_response(&buf[..n], id, name).unwrap() {
        WireAnswer::Answer(answer) => (answer, false),
        WireAnswer::RetryOverTcp => {
            let mut tcp = TcpStream::connect(server.addr).unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            tcp.write_all(&tcp_frame(&query).unwrap()).unwrap();
            let mut len = [0u8; 2];
            tcp.read_exact(&mut len).unwrap();
            let mut response = vec![0u8; usize::from(u16::from_be_bytes(len))];
            tcp.read_exact(&mut response).unwrap();
            match read_txt_response(&response, id, name).unwrap() {
                WireAnswer::Answer(answer) => (answer, true),
                WireAnswer::RetryOverTcp => panic!("truncated over TCP"),
            }
        }
    }
}

fn one(record: &str) -> TxtAnswer {
    TxtAnswer::records([record])
}

#[test]
fn the_wire_helpers_read_every_answer_kind_from_a_real_server() {
    let server = DnsServer::start();
    let cases: &[(&str, TxtAnswer)] = &[
        ("_mta-sts.valid.test", one("v=STSv1; id=20240101")),
        ("_mta-sts.split.test", one("v=STSv1; id=split1")),
        ("_mta-sts.alias.test", one("v=STSv1; id=20240101")),
        (
            "_mta-sts.two.test",
            TxtAnswer::records(["v=STSv1; id=one", "some-verification=abc"]),
        ),
        ("_mta-sts.nodata.test", TxtAnswer::NoRecord),
        ("_mta-sts.nowhere.test", TxtAnswer::NoRecord),
    ];
    for (i, (name, expected)) in cases.iter().enumerate() {
        let (answer, over_tcp) = ask(&server, name, 100 + i as u16);
        assert_eq!(&answer, expected, "{name}");
        assert!(!over_tcp);
    }
    for name in ["_mta-sts.fail.test", "_mta-sts.refused.test"] {
        let (answer, _) = ask(&server, name, 7);
        assert!(matches!(answer, TxtAnswer::TemporaryFailure(_)), "{name}: {answer:?}");
    }
}

#[test]
fn a_truncated_udp_answer_is_asked_again_over_tcp() {
    let server = DnsServer::start();
    let (answer, over_tcp) = ask(&server, "_mta-sts.big.test", 9);
    assert!(over_tcp);
    let TxtAnswer::Records(records) = answer else { panic!() };
    assert_eq!(records.len(), 13);
    assert_eq!(records[0], b"v=STSv1; id=bigone");
    assert_eq!(server.tcp_queries.load(Ordering::SeqCst), 1);
}

#[test]
fn a_response_to_another_id_or_question_is_refused() {
    let server = DnsServer::start();
    let query = txt_query("_mta-sts.valid.test", 1).unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    udp.send_to(&query, server.addr).unwrap();
    let mut buf = [0u8; 4096];
    let n = udp.recv(&mut buf).unwrap();
    let response = &buf[..n];
    assert!(read_txt_response(response, 2, "_mta-sts.valid.test")
        .unwrap_err()
        .to_string()
        .contains("does not match"));
    assert!(read_txt_response(response, 1, "_mta-sts.other.test")
        .unwrap_err()
        .to_string()
        .contains("another question"));
    // The query itself is not a response.
    assert!(read_txt_response(&query, 1, "_mta-sts.valid.test").is_err());
}

#[cfg(feature = "hickory")]
mod hickory {
    use super::*;
    use mta_sts_policy::{NoPolicyReason, StsRecord};
    use mta_sts_resolver_trait::adapters::{BlockingHickoryResolver, HickoryResolver};
    use mta_sts_resolver_trait::{BlockingDnsResolver, DnsResolver};

    #[tokio::test]
    async fn the_hickory_resolver_gives_each_answer_kind() {
        let server = DnsServer::start();
        let r = HickoryResolver::with_name_servers(&[server.addr]).unwrap();
        assert_eq!(r.lookup_txt("_mta-sts.valid.test").await, one("v=STSv1; id=20240101"));
        assert_eq!(r.lookup_txt("_mta-sts.split.test").await, one("v=STSv1; id=split1"));
        assert_eq!(r.lookup_txt("_mta-sts.alias.test").await, one("v=STSv1; id=20240101"));
        assert_eq!(r.lookup_txt("_mta-sts.nodata.test").await, TxtAnswer::NoRecord);
        assert_eq!(r.lookup_txt("_mta-sts.nowhere.test").await, TxtAnswer::NoRecord);
        let failed = r.lookup_txt("_mta-sts.fail.test").await;
        assert!(matches!(failed, TxtAnswer::TemporaryFailure(_)), "{failed:?}");
        // Truncated over UDP: hickory asks again over TCP.
        let TxtAnswer::Records(big) = r.lookup_txt("_mta-sts.big.test").await else {
            panic!()
        };
        assert_eq!(big.len(), 13);
        assert!(server.tcp_queries.load(Ordering::SeqCst) >= 1);
        // The answer feeds the record parser directly.
        let TxtAnswer::Records(records) = r.lookup_txt("_mta-sts.two.test").await else {
            panic!()
        };
        assert_eq!(StsRecord::discover(records).unwrap().id().as_str(), "one");
    }

    #[tokio::test]
    async fn the_engine_over_hickory_looks_up_records_and_tls_rpt() {
        let server = DnsServer::start();
        let r = HickoryResolver::with_name_servers(&[server.addr]).unwrap();
        struct NoWeb;
        impl mta_sts_resolver_trait::HttpsFetcher for NoWeb {
            fn get(
                &self,
                _r: &mta_sts_resolver_trait::FetchRequest<'_>,
            ) -> impl std::future::Future<
                Output = Result<mta_sts_resolver_trait::HttpsResponse, mta_sts_resolver_trait::HttpsError>,
            > + Send {
                async { Err(mta_sts_resolver_trait::HttpsError::Connect("offline".into())) }
            }
        }
        let engine = mta_sts_resolver_trait::Engine::new(r, NoWeb, mta_sts_resolver_trait::MemoryStore::default());
        let none = engine.policy("nowhere.test", 1_700_000_000).await;
        assert!(matches!(none.no_policy_reason(), Some(NoPolicyReason::NoRecord(_))));
        let fetched = engine.policy("valid.test", 1_700_000_000).await;
        assert_eq!(
            fetched.outcome().reports().len(),
            1,
            "the TXT was found, the fetch failed"
        );
        let rpt = engine.tls_rpt_record("valid.test").await.unwrap();
        assert_eq!(rpt.rua.len(), 1);
    }

    #[test]
    fn the_blocking_twin_resolves_from_a_plain_thread() {
        let server = DnsServer::start();
        let r = BlockingHickoryResolver::with_name_servers(&[server.addr]).unwrap();
        assert_eq!(r.lookup_txt("_mta-sts.valid.test"), one("v=STSv1; id=20240101"));
        assert_eq!(r.lookup_txt("_mta-sts.nowhere.test"), TxtAnswer::NoRecord);
    }
}
