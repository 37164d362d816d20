//! An [`HttpsFetcher`] on hyper (HTTP/1.1) and rustls (ring).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;

use futures_util::future::{select, Either};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, ACCEPT, CACHE_CONTROL, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::SetupError;
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
        match tokio::time::timeout(request.timeout, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(HttpsError::Timeout),
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
        let tcp = match self.overrides.get(host) {
            Some(addr) => TcpStream::connect(addr).await,
            None => TcpStream::connect((host, 443)).await,
        }
        .map_err(|e| HttpsError::Connect(format!("{host}: {e}")))?;
        // Latency matters more than packet count for one small request.
        let _ = tcp.set_nodelay(true);
        let tls = self
            .tls
            .connect(request.host.server_name(), tcp)
            .await
            .map_err(tls_error)?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| HttpsError::Connect(format!("HTTP: {e}")))?;
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
        let exchange = async move {
            let response = sender
                .send_request(get)
                .await
                .map_err(|e| HttpsError::Connect(format!("HTTP: {e}")))?;
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
    runtime: tokio::runtime::Runtime,
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
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Self {
            inner: fetcher,
            runtime,
        })
    }
}

impl BlockingHttpsFetcher for BlockingRustlsFetcher {
    fn get(&self, request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(HttpsError::Connect(
                "BlockingRustlsFetcher called inside an async runtime; use RustlsFetcher".into(),
            ));
        }
        self.runtime.block_on(self.inner.fetch(request))
    }
}
