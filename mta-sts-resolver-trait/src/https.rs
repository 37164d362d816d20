//! The HTTPS fetcher trait: one GET of the policy URL.

use std::future::Future;
use std::time::Duration;

use mta_sts_policy::{FetchError, FetchResponse, PolicyHost};

/// One policy fetch to make.
#[derive(Clone, Debug)]
pub struct FetchRequest<'a> {
    /// The policy host: its name goes in the `Host` header, and its
    /// [`PolicyHost::server_name`] is the SNI and the name the certificate must
    /// be valid for.
    pub host: &'a PolicyHost,
    /// The URL to GET, `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
    pub url: &'a str,
    /// Read at most this many bytes of body; a longer body is
    /// [`HttpsError::BodyTooLarge`].
    pub max_body: usize,
    /// The whole exchange (connect, handshake, request, body) should finish in
    /// this time. The async engine enforces it as well; a blocking fetcher must
    /// enforce it itself.
    pub timeout: Duration,
}

/// What the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsResponse {
    /// The HTTP status. A 3xx is returned as it is, never followed.
    pub status: u16,
    /// The `Content-Type` header, if there was one.
    pub content_type: Option<String>,
    /// The body, at most [`FetchRequest::max_body`] bytes.
    pub body: Vec<u8>,
}

impl HttpsResponse {
    /// The response as the policy checks of [`mta_sts_policy`] take it.
    pub fn as_fetch_response(&self) -> FetchResponse<'_> {
        FetchResponse {
            status: self.status,
            content_type: self.content_type.as_deref(),
            body: &self.body,
        }
    }
}

/// Why a fetch gave no response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpsError {
    /// The policy host's certificate did not validate (untrusted, expired, not
    /// valid for the policy host name). TLS-RPT reports it as `sts-webpki-invalid`.
    #[error("certificate of the policy host did not validate: {0}")]
    Certificate(String),
    /// The TLS handshake failed for another reason (no common protocol version
    /// or cipher suite, an alert from the server).
    #[error("TLS handshake with the policy host failed: {0}")]
    Tls(String),
    /// The exchange did not finish in time.
    #[error("the policy fetch timed out")]
    Timeout,
    /// The host could not be resolved or reached, the connection broke, or the
    /// server did not speak HTTP.
    #[error("the policy host could not be reached: {0}")]
    Connect(String),
    /// The body is longer than [`FetchRequest::max_body`].
    #[error("the policy body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl From<HttpsError> for FetchError {
    fn from(e: HttpsError) -> Self {
        match e {
            HttpsError::Certificate(m) => FetchError::Certificate(m),
            HttpsError::Tls(m) => FetchError::Connect(format!("TLS handshake failed: {m}")),
            HttpsError::Timeout => FetchError::Timeout,
            HttpsError::Connect(m) => FetchError::Connect(m),
            HttpsError::BodyTooLarge { limit } => FetchError::BodyTooLarge { limit },
        }
    }
}

/// Fetches a policy over HTTPS, asynchronously.
///
/// Implementations must:
/// - send [`FetchRequest::host`]'s name as SNI and validate the certificate
///   against it with the WebPKI rules (RFC 8461 §3.3);
/// - **not follow redirects**: a 3xx goes back as the response it is;
/// - **not use HTTP caching**: no cache, no conditional requests;
/// - read no more than [`FetchRequest::max_body`] bytes of body.
///
/// The crate's `https` feature has one ready: `RustlsFetcher`. An
/// implementation that serves one fixed body:
///
/// ```
/// use std::future::Future;
/// use mta_sts_resolver_trait::{FetchRequest, HttpsError, HttpsFetcher, HttpsResponse};
///
/// struct Fixed(&'static str);
///
/// impl HttpsFetcher for Fixed {
///     fn get(&self, request: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
///         let body = self.0.as_bytes().to_vec();
///         let limit = request.max_body;
///         async move {
///             if body.len() > limit {
///                 return Err(HttpsError::BodyTooLarge { limit });
///             }
///             Ok(HttpsResponse { status: 200, content_type: Some("text/plain".into()), body })
///         }
///     }
/// }
/// ```
pub trait HttpsFetcher: Send + Sync {
    /// GETs [`FetchRequest::url`].
    fn get(&self, request: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send;
}

/// Fetches a policy over HTTPS, blocking the calling thread: the twin of
/// [`HttpsFetcher`], with the same rules, and it must itself keep to
/// [`FetchRequest::timeout`].
///
/// ```
/// use mta_sts_resolver_trait::{BlockingHttpsFetcher, FetchRequest, HttpsError, HttpsResponse};
///
/// struct Offline;
///
/// impl BlockingHttpsFetcher for Offline {
///     fn get(&self, _request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
///         Err(HttpsError::Connect("offline".into()))
///     }
/// }
/// ```
pub trait BlockingHttpsFetcher: Send + Sync {
    /// GETs [`FetchRequest::url`].
    fn get(&self, request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError>;
}

impl<T: HttpsFetcher + ?Sized> HttpsFetcher for std::sync::Arc<T> {
    fn get(&self, request: &FetchRequest<'_>) -> impl Future<Output = Result<HttpsResponse, HttpsError>> + Send {
        (**self).get(request)
    }
}

impl<T: BlockingHttpsFetcher + ?Sized> BlockingHttpsFetcher for std::sync::Arc<T> {
    fn get(&self, request: &FetchRequest<'_>) -> Result<HttpsResponse, HttpsError> {
        (**self).get(request)
    }
}
