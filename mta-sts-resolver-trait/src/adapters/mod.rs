//! Ready-made implementations of the traits, each behind a cargo feature.
//!
//! - `hickory`: [`HickoryResolver`] and [`BlockingHickoryResolver`], on
//!   hickory-resolver.
//! - `https`: [`RustlsFetcher`] and [`BlockingRustlsFetcher`], on hyper and rustls
//!   (ring), with the WebPKI roots of the `webpki-roots` crate unless given others.
//!
//! The blocking twins own a single-threaded tokio runtime and block on it.

#[cfg(feature = "hickory")]
mod hickory;
#[cfg(feature = "hickory")]
pub use hickory::{BlockingHickoryResolver, HickoryResolver};
/// hickory-resolver, for its configuration types.
#[cfg(feature = "hickory")]
pub use hickory_resolver;

#[cfg(feature = "https")]
mod https;
#[cfg(feature = "https")]
pub use https::{BlockingRustlsFetcher, RustlsFetcher, RustlsFetcherBuilder};
/// rustls, for its root store and certificate types.
#[cfg(feature = "https")]
pub use rustls;

/// Why an adapter could not be made.
#[cfg(any(feature = "hickory", feature = "https"))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A blocking twin's runtime could not be started.
    #[error("could not start the adapter's runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// The resolver could not be configured.
    #[cfg(feature = "hickory")]
    #[error("could not configure the resolver: {0}")]
    Resolver(#[from] hickory_resolver::net::NetError),
    /// The TLS configuration could not be made.
    #[cfg(feature = "https")]
    #[error("could not configure TLS: {0}")]
    Tls(#[from] rustls::Error),
}

/// The single-threaded tokio runtime a blocking twin owns.
#[cfg(any(feature = "hickory", feature = "https"))]
struct BlockingRuntime(tokio::runtime::Runtime);

#[cfg(any(feature = "hickory", feature = "https"))]
impl BlockingRuntime {
    fn new() -> std::io::Result<Self> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(Self)
    }

    /// Runs `future` to its end, or `None` when called from inside an async
    /// runtime, which blocking there would stall (tokio would panic).
    fn block_on<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return None;
        }
        Some(self.0.block_on(future))
    }
}
