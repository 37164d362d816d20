//! A DNS server on loopback (UDP and TCP on one port) answering TXT queries from
//! a fixed zone.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{CNAME, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

pub struct DnsServer {
    pub addr: SocketAddr,
    pub udp_queries: Arc<AtomicUsize>,
    pub tcp_queries: Arc<AtomicUsize>,
}

fn name(s: &str) -> Name {
    let mut n = Name::from_ascii(s).unwrap();
    n.set_fqdn(true);
    n
}

fn txt(owner: &str, strings: &[&str]) -> Record {
    Record::from_rdata(
        name(owner),
        300,
        RData::TXT(TXT::new(strings.iter().map(|s| (*s).to_owned()).collect())),
    )
}

/// The zone: what each name answers.
fn answer(qname: &str, tcp: bool) -> (ResponseCode, Vec<Record>, bool) {
    let q = qname.trim_end_matches('.').to_ascii_lowercase();
    match q.as_str() {
        "_mta-sts.valid.test" => (ResponseCode::NoError, vec![txt(&q, &["v=STSv1; id=20240101"])], false),
        "_mta-sts.split.test" => (ResponseCode::NoError, vec![txt(&q, &["v=STSv1; ", "id=split1"])], false),
        "_mta-sts.alias.test" => (
            ResponseCode::NoError,
            vec![
                Record::from_rdata(name(&q), 300, RData::CNAME(CNAME(name("_mta-sts.hop.test")))),
                Record::from_rdata(
                    name("_mta-sts.hop.test"),
                    300,
                    RData::CNAME(CNAME(name("_mta-sts.valid.test"))),
                ),
                txt("_mta-sts.valid.test", &["v=STSv1; id=20240101"]),
            ],
            false,
        ),
        "_mta-sts.two.test" => (
            ResponseCode::NoError,
            vec![txt(&q, &["v=STSv1; id=one"]), txt(&q, &["some-verification=abc"])],
            false,
        ),
        "_mta-sts.nodata.test" => (ResponseCode::NoError, Vec::new(), false),
        "_mta-sts.fail.test" => (ResponseCode::ServFail, Vec::new(), false),
        "_mta-sts.refused.test" => (ResponseCode::Refused, Vec::new(), false),
        "_smtp._tls.valid.test" => (
            ResponseCode::NoError,
            vec![txt(&q, &["v=TLSRPTv1; rua=mailto:tlsrpt@valid.test"])],
            false,
        ),
        // Too large for UDP: truncated there, whole over TCP.
        "_mta-sts.big.test" => {
            let mut records = vec![txt(&q, &["v=STSv1; id=bigone"])];
            let filler = "x".repeat(250);
            for _ in 0..12 {
                records.push(txt(&q, &[filler.as_str()]));
            }
            (ResponseCode::NoError, records, !tcp)
        }
        _ => (ResponseCode::NXDomain, Vec::new(), false),
    }
}

fn respond(query: &[u8], tcp: bool) -> Option<Vec<u8>> {
    let q = Message::from_vec(query).ok()?;
    if q.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut r = Message::response(q.metadata.id, OpCode::Query);
    r.metadata.recursion_desired = q.metadata.recursion_desired;
    r.metadata.recursion_available = true;
    r.metadata.authoritative = true;
    if let Some(question) = q.queries.first() {
        r.add_query(question.clone());
        let (code, records, truncate) = if question.query_type() == RecordType::TXT {
            answer(&question.name().to_ascii(), tcp)
        } else {
            (ResponseCode::NoError, Vec::new(), false)
        };
        r.metadata.response_code = code;
        if truncate {
            r.metadata.truncation = true;
        } else {
            r.add_answers(records);
        }
    }
    r.to_vec().ok()
}

fn serve_tcp(mut stream: TcpStream, count: &AtomicUsize) {
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return;
        }
        let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if stream.read_exact(&mut query).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::SeqCst);
        let Some(response) = respond(&query, true) else { return };
        let mut framed = (response.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&response);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}

impl DnsServer {
    pub fn start() -> Self {
        // UDP and TCP on the same port: try ports until both bind.
        let (udp, tcp) = loop {
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = udp.local_addr().unwrap().port();
            if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
                break (udp, tcp);
            }
        };
        let addr = udp.local_addr().unwrap();
        let udp_queries = Arc::new(AtomicUsize::new(0));
        let tcp_queries = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&udp_queries);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok((n, peer)) = udp.recv_from(&mut buf) {
                count.fetch_add(1, Ordering::SeqCst);
                if let Some(response) = respond(&buf[..n], false) {
                    let _ = udp.send_to(&response, peer);
                }
            }
        });
        let count = Arc::clone(&tcp_queries);
        std::thread::spawn(move || {
            for stream in tcp.incoming().flatten() {
                let count = Arc::clone(&count);
                std::thread::spawn(move || serve_tcp(stream, &count));
            }
        });
        DnsServer {
            addr,
            udp_queries,
            tcp_queries,
        }
    }
}
