//! An HTTPS server on loopback with a CA made at start-up. It answers by the SNI
//! name the client sent, each name one scenario.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub const POLICY: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mx.valid.test\r\nmx: *.mail.valid.test\r\nmax_age: 604800\r\n";

/// The policy hosts the server knows; all resolve to the server.
pub const HOSTS: &[&str] = &[
    "mta-sts.valid.test",
    "mta-sts.chunked.test",
    "mta-sts.redirect.test",
    "mta-sts.missing.test",
    "mta-sts.html.test",
    "mta-sts.big.test",
    "mta-sts.chunked-big.test",
    "mta-sts.slow.test",
    "mta-sts.expired.test",
    "mta-sts.wrongname.test",
    "mta-sts.untrusted.test",
    "reports.valid.test",
    "reports.down.test",
];

/// A request as the server saw it: the SNI name it came under, its head and body.
pub type Seen = (String, String, Vec<u8>);

pub struct HttpsServer {
    pub addr: SocketAddr,
    /// The roots a client must trust: the test CA.
    pub roots: RootCertStore,
    /// Every request received.
    pub requests: Arc<Mutex<Vec<Seen>>>,
}

fn make_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(names: &[&str], issuer: &CertifiedIssuer<'_, KeyPair>, expired: bool) -> Arc<CertifiedKey> {
    let mut params = CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    let chain = vec![cert.der().clone(), issuer.der().clone()];
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing = rustls::crypto::ring::sign::any_supported_type(&key_der).unwrap();
    Arc::new(CertifiedKey::new(chain, signing))
}

#[derive(Debug)]
struct BySni {
    certs: HashMap<String, Arc<CertifiedKey>>,
    default: Arc<CertifiedKey>,
}

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name().unwrap_or_default();
        Some(self.certs.get(name).cloned().unwrap_or_else(|| self.default.clone()))
    }
}

fn response(sni: &str) -> Option<Vec<u8>> {
    let plain = |status: &str, ctype: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    Some(match sni {
        "mta-sts.valid.test" | "mta-sts.expired.test" | "mta-sts.wrongname.test" | "mta-sts.untrusted.test" => {
            plain("200 OK", "text/plain; charset=utf-8", POLICY)
        }
        "mta-sts.chunked.test" => {
            let (a, b) = POLICY.split_at(20);
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                a.len(),
                b.len()
            )
            .into_bytes()
        }
        "reports.valid.test" => plain("201 Created", "text/plain", ""),
        "reports.down.test" => plain("503 Service Unavailable", "text/plain", "later"),
        "mta-sts.redirect.test" => b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://mta-sts.valid.test/.well-known/mta-sts.txt\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        "mta-sts.missing.test" => plain("404 Not Found", "text/plain", "not here"),
        "mta-sts.html.test" => plain("200 OK", "text/html", POLICY),
        "mta-sts.big.test" => plain("200 OK", "text/plain", &"x".repeat(100_000)),
        "mta-sts.chunked-big.test" => {
            let mut r = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
            let chunk = "y".repeat(16_384);
            for _ in 0..8 {
                r.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
            }
            r.extend_from_slice(b"0\r\n\r\n");
            r
        }
        // Accept, then never answer.
        "mta-sts.slow.test" => return None,
        _ => plain("421 Misdirected Request", "text/plain", ""),
    })
}

impl HttpsServer {
    pub fn start() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca = make_ca("mta-sts test CA");
        let other_ca = make_ca("someone else's CA");
        let mut certs = HashMap::new();
        for host in HOSTS {
            let key = match *host {
                "mta-sts.expired.test" => leaf(&[host], &ca, true),
                "mta-sts.wrongname.test" => leaf(&["mta-sts.other.test"], &ca, false),
                "mta-sts.untrusted.test" => leaf(&[host], &other_ca, false),
                _ => leaf(&[host], &ca, false),
            };
            certs.insert((*host).to_owned(), key);
        }
        let default = leaf(&["default.test"], &ca, false);
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(BySni { certs, default }));
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(ca.der().to_vec())).unwrap();

        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let seen = Arc::clone(&seen);
                    tokio::spawn(async move {
                        // A failed handshake (the client refused the certificate) ends here.
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let sni = tls.get_ref().1.server_name().unwrap_or_default().to_owned();
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                        let mut body = head.split_off(end);
                        let head = String::from_utf8_lossy(&head).into_owned();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let l = l.to_ascii_lowercase();
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        while body.len() < length {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => body.extend_from_slice(&buf[..n]),
                            }
                        }
                        seen.lock().unwrap().push((sni.clone(), head, body));
                        match response(&sni) {
                            Some(bytes) => {
                                let _ = tls.write_all(&bytes).await;
                                let _ = tls.shutdown().await;
                            }
                            None => {
                                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                            }
                        }
                    });
                }
            });
        });
        let addr = rx.recv().unwrap();
        HttpsServer { addr, roots, requests }
    }
}
