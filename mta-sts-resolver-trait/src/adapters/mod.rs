//! Ready-made implementations of the traits, each behind a cargo feature.
//!
//! - `hickory`: [`HickoryResolver`] and [`BlockingHickoryResolver`], on
//!   hickory-resolver.
//! - `https`: [`RustlsFetcher`] and [`BlockingRustlsFetcher`], on hyper and rustls
//!   (ring), with the WebPKI roots of the `webpki-roots` crate unless given others.

#[cfg(feature = "hickory")]
mod hickory;
#[cfg(feature = "hickory")]
pub use hickory::{BlockingHickoryResolver, HickoryResolver};

#[cfg(feature = "https")]
mod https;
#[cfg(feature = "https")]
pub use https::{BlockingRustlsFetcher, RustlsFetcher, RustlsFetcherBuilder};
