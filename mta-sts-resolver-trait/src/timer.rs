//! Timers for the async engine's timeouts.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};

/// Sleeps, on whatever runtime the host uses. The async engine races each DNS
/// and HTTPS exchange against a sleep of its timeout.
///
/// With the `tokio` feature (on by default), [`TokioTimer`] is ready. For
/// another runtime, wrap its sleep:
///
/// ```
/// use std::future::Future;
/// use std::time::Duration;
/// use mta_sts_resolver_trait::Timer;
///
/// /// A timer that never fires: no timeouts at all.
/// struct NoTimeouts;
///
/// impl Timer for NoTimeouts {
///     fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> + Send {
///         std::future::pending()
///     }
/// }
/// ```
pub trait Timer: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

/// tokio's timer. Engines using it must run inside a tokio runtime with the
/// time driver enabled (`#[tokio::main]` does that).
#[cfg(feature = "tokio")]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

#[cfg(feature = "tokio")]
impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// A timer that never fires, for the blocking engine, whose exchanges are over
/// before they are first polled.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Never;

impl Timer for Never {
    fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> + Send {
        std::future::pending()
    }
}

/// `future`'s output, or `None` when `timer` fired first.
pub(crate) async fn within<T: Timer, F: Future>(timer: &T, duration: Duration, future: F) -> Option<F::Output> {
    let future = pin!(future);
    let sleep = pin!(timer.sleep(duration));
    match select(future, sleep).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(((), _)) => None,
    }
}
