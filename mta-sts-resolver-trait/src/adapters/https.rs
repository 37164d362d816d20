//! An [`HttpsFetcher`] on hyper (HTTP/1.1) and rustls (ring).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;

use futures_util::future::{select, Either};
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ACCEPT, CACHE_CONTROL, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::{BlockingRuntime, SetupError};
use crate::https::{BlockingHttpsFetcher, FetchRequest, HttpsError, HttpsFetcher, HttpsResponse};

/// The `User-Agent` sent unless another is set.
const DEFAULT_USER_AGENT: &str = concat!("mta-sts-resolver-trait/", env!("CARGO_PKG_VERSION"));

/// Builds a [`RustlsFetcher`].
#[derive(Debug, Clone, Default)]
pub struct RustlsFetcherBuilder {
    roots: Option<RootCertStore>,
    overrides: HashMap<String, SocketAddr>,
    user_agent: Option<String>,
}

impl RustlsFetcherBuilder {
    /// Trust these roots instead of the WebPKI roots of `webpki-roots`.
    pub fn root_store(mut self, roots: RootCertStore) -> Self {
        self.roots = Some(roots);
        self
    }

    /// Connect to `addr` for `host` instead of resolving it (the SNI and the
    /// certificate check still use `host`). For tests, and for hosts that resolve
    /// through their own DNS.
    pub fn resolve(mut self, host: &str, addr: SocketAddr) -> Self {
        self.overrides.insert(host.to_ascii_lowercase(), addr);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The fetcher.
    pub fn build(self) -> Result<RustlsFetcher, SetupError> {
        let roots = self
            .roots
            .unwrap_or_else(|| RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()));
        let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let user_agent = HeaderValue::from_str(self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
            .unwrap_or_else(|_| HeaderValue::from_static(DEFAULT_USER_AGENT));
        Ok(RustlsFetcher {
            tls: TlsConnector::from(Arc::new(config)),
            overrides: self.overrides,
            user_agent,
        })
    }
}

/// An [`HttpsFetcher`] on hyper's HTTP/1.1 client and rustls.
///
/// One connection per fetch, closed after it. It sends the policy host as SNI
/// and checks the certificate against it (WebPKI rules, through rustls); it
/// never follows a redirect (a 3xx is returned as it is) and keeps no HTTP
/// cache (and asks for none, with `Cache-Control: no-cache`). A body announced
/// or read past the limit is [`HttpsError::BodyTooLarge`]; the body of a status
/// other than 200 is not read. The whole exchange is bounded by
/// [`FetchRequest::timeout`]. Must be used inside a tokio runtime.
#[derive(Clone)]
pub struct RustlsFetcher {
    tls: TlsConnector,
    overrides: HashMap<String, SocketAddr>,
    user_agent: HeaderValue,
}

impl std::fmt::Debug for RustlsFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustlsFetcher")
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

impl RustlsFetcher {
    /// A fetcher trusting the WebPKI roots of `webpki-roots`.
    pub fn new() -> Result<Self, SetupError> {
        Self::builder().build()
    }

    /// A builder, to set roots, address overrides or the user agent.
    pub fn builder() -> RustlsFetcherBuilder {
        RustlsFetcherBuilder::default()
    }

    async fn fetch(&self, request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        bounded(request.timeout, self.exchange(request)).await
    }

    /// Connects to `host:port` (or its override), shakes hands with
    /// `server_name` as SNI, sends `request` and hands the response to `read`,
    /// driving the connection until `read` is done.
    async fn round_trip<B, T, F, Fut>(
        &self,
        host: &str,
        port: u16,
        server_name: ServerName<'static>,
        request: Request<B>,
        read: F,
    ) -> Result<T, HttpsError>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        F: FnOnce(Response<Incoming>) -> Fut,
        Fut: Future<Output = Result<T, HttpsError>>,
    {
        let tcp = match self.overrides.get(host) {
            Some(addr) => TcpStream::connect(addr).await,
            None => TcpStream::connect((host, port)).await,
        }
        .map_err(|e| HttpsError::Connect(format!("{host}: {e}")))?;
        // Latency matters more than packet count for one small request.
        let _ = tcp.set_nodelay(true);
        let tls = self.tls.connect(server_name, tcp).await.map_err(tls_error)?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| HttpsError::Connect(format!("HTTP: {e}")))?;
        let exchange = async move {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| HttpsError::Connect(format!("HTTP: {e}")))?;
            read(response).await
        };
        // The connection must be driven while the exchange runs; when it ends
        // first, what it read is already in the body channel.
        let exchange = pin!(exchange);
        let connection = pin!(connection);
        match select(exchange, connection).await {
            Either::Left((result, _)) => result,
            Either::Right((_, exchange)) => exchange.await,
        }
    }

    async fn exchange(&self, request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        let host = request.host.host();
        let path = request
            .url
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_prefix(host))
            .filter(|path| path.starts_with('/'))
            .ok_or_else(|| HttpsError::Connect(format!("URL {} is not on the policy host {host}", request.url)))?;
        let get = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(HOST, host)
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, "text/plain")
            .header(CACHE_CONTROL, "no-cache")
            .header(CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .map_err(|e| HttpsError::Connect(format!("HTTP request: {e}")))?;
        let max_body = request.max_body;
        self.round_trip(host, 443, request.host.server_name(), get, |response| async move {
            let status = response.status();
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            if status != StatusCode::OK {
                return Ok(HttpsResponse {
                    status: status.as_u16(),
                    content_type,
                    body: Vec::new(),
                });
            }
            let announced = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if announced.is_some_and(|n| n > max_body as u64) {
                return Err(HttpsError::BodyTooLarge { limit: max_body });
            }
            let mut body = response.into_body();
            let mut bytes = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| HttpsError::Connect(format!("HTTP body: {e}")))?;
                if let Some(data) = frame.data_ref() {
                    if bytes.len().saturating_add(data.len()) > max_body {
                        return Err(HttpsError::BodyTooLarge { limit: max_body });
                    }
                    bytes.extend_from_slice(data);
                }
            }
            Ok(HttpsResponse {
                status: status.as_u16(),
                content_type,
                body: bytes,
            })
        })
        .await
    }

    /// Submits a TLS-RPT report by HTTPS POST to a `rua` URI (RFC 8460 §5.4)
    /// and returns the status: a 2xx (typically 200 or 201) means delivered,
    /// anything else may be retried later. `media_type` is
    /// `application/tlsrpt+gzip` for a gzipped report
    /// (`tls_rpt_schema::MEDIA_TYPE_GZIP`), `application/tlsrpt+json` otherwise.
    /// Redirects are not followed and the certificate is validated (the RFC lets
    /// submitters ignore certificate errors; this does not).
    pub async fn post_report(
        &self,
        uri: &str,
        media_type: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<u16, HttpsError> {
        let target = ReportTarget::parse(uri)?;
        let post = Request::builder()
            .method(Method::POST)
            .uri(target.path.as_str())
            .header(HOST, target.authority.as_str())
            .header(USER_AGENT, self.user_agent.clone())
            .header(CONTENT_TYPE, media_type)
            .header(CONTENT_LENGTH, body.len())
            .header(CONNECTION, "close")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| HttpsError::Connect(format!("HTTP request: {e}")))?;
        let exchange = self.round_trip(
            &target.host,
            target.port,
            target.server_name,
            post,
            |response| async move { Ok(response.status().as_u16()) },
        );
        bounded(timeout, exchange).await
    }
}

/// `exchange`'s result, or [`HttpsError::Timeout`] once `timeout` has passed.
async fn bounded<T>(timeout: Duration, exchange: impl Future<Output = Result<T, HttpsError>>) -> Result<T, HttpsError> {
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(HttpsError::Timeout))
}

/// Where an `https:` report URI points.
struct ReportTarget {
    host: String,
    port: u16,
    authority: String,
    path: String,
    server_name: ServerName<'static>,
}

impl ReportTarget {
    fn parse(uri: &str) -> Result<Self, HttpsError> {
        let bad = |why: &str| HttpsError::Connect(format!("report URI {uri:?}: {why}"));
        let rest = uri
            .get(..8)
            .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
            .and_then(|_| uri.get(8..))
            .ok_or_else(|| bad("not an https: URI"))?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err(bad("user information is not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            let port = match after {
                "" => 443,
                p => p
                    .strip_prefix(':')
                    .and_then(|p| p.parse::<u16>().ok())
                    .ok_or_else(|| bad("invalid port"))?,
            };
            (h, port)
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("invalid port"))?),
                None => (authority, 443),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let server_name = ServerName::try_from(host.to_owned()).map_err(|_| bad("invalid host name"))?;
        let tail = tail.split('#').next().unwrap_or("");
        let path = if tail.is_empty() || tail.starts_with('?') {
            format!("/{tail}")
        } else {
            tail.to_owned()
        };
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
            authority: authority.to_owned(),
            path,
            server_name,
        })
    }
}

/// Sorts a handshake failure: a certificate rustls refused, another TLS
/// failure, or the connection breaking.
fn tls_error(e: std::io::Error) -> HttpsError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(why)) => HttpsError::Certificate(format!("{why:?}")),
        Some(other) => HttpsError::Tls(other.to_string()),
        None => HttpsError::Connect(format!("TLS handshake: {e}")),
    }
}

impl HttpsFetcher for RustlsFetcher {
    fn get(&self, request: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
        self.fetch(request)
    }
}

/// The blocking twin of [`RustlsFetcher`]: it owns a single-threaded tokio
/// runtime and blocks on it. Called from inside an async runtime it fails with
/// [`HttpsError::Connect`] instead of blocking that runtime.
pub struct BlockingRustlsFetcher {
    inner: RustlsFetcher,
    runtime: BlockingRuntime,
}

impl std::fmt::Debug for BlockingRustlsFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingRustlsFetcher")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl BlockingRustlsFetcher {
    /// A fetcher trusting the WebPKI roots of `webpki-roots`.
    pub fn new() -> Result<Self, SetupError> {
        Self::from_fetcher(RustlsFetcher::new()?)
    }

    /// The blocking twin of `fetcher` (made with [`RustlsFetcher::builder`]).
    pub fn from_fetcher(fetcher: RustlsFetcher) -> Result<Self, SetupError> {
        Ok(Self {
            inner: fetcher,
            runtime: BlockingRuntime::new()?,
        })
    }
}

impl BlockingHttpsFetcher for BlockingRustlsFetcher {
    fn get(&self, request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        self.runtime.block_on(self.inner.fetch(request)).unwrap_or_else(|| {
            Err(HttpsError::Connect(
                "BlockingRustlsFetcher called inside an async runtime; use RustlsFetcher".into(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ReportTarget;

    #[test]
    fn report_uris_are_split_into_host_port_and_path() {
        let t = ReportTarget::parse("https://Reports.Example.com/tlsrpt?k=1#frag").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("reports.example.com", 443, "/tlsrpt?k=1")
        );
        assert_eq!(t.authority, "Reports.Example.com");
        let t = ReportTarget::parse("HTTPS://r.example:8443").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("r.example", 8443, "/"));
        let t = ReportTarget::parse("https://[2001:db8::1]:444/x").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("2001:db8::1", 444, "/x"));
        let t = ReportTarget::parse("https://192.0.2.7?q").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("192.0.2.7", 443, "/?q"));
        for bad in [
            "http://r.example/",
            "https://",
            "https://user@r.example/",
            "https://r.example:99999/",
            "https://r.example:/",
            "https://[::1/",
            "https://bad_name!/",
            "mailto:a@b",
            "",
        ] {
            assert!(ReportTarget::parse(bad).is_err(), "{bad}");
        }
    }
}
