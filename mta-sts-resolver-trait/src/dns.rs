//! The DNS resolver trait: TXT lookups.

use std::future::Future;

/// What a TXT lookup gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxtAnswer {
    /// The TXT records of the name, each with its character-strings joined
    /// without separators (RFC 8461 §3.1, RFC 8460 §3). The bytes are kept as
    /// sent; the parsers refuse what is not valid.
    Records(Vec<Vec<u8>>),
    /// The name does not exist (NXDOMAIN) or has no TXT records (NODATA).
    NoRecord,
    /// The lookup failed and may succeed later (SERVFAIL, REFUSED, a timeout,
    /// no reachable server). The text says what happened, for logs.
    TemporaryFailure(String),
}

impl TxtAnswer {
    /// An answer of records given as strings (convenient in tests and fixtures).
    pub fn records<I, S>(records: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        TxtAnswer::Records(records.into_iter().map(|r| r.as_ref().to_vec()).collect())
    }
}

/// Looks up TXT records, asynchronously.
///
/// The resolver follows CNAME chains itself (RFC 8461 §3.1 asks for it) and may
/// cache by TTL: the engines look the `_mta-sts` record up on every policy
/// lookup and rely on that cache. The future must be `Send`, so an engine can
/// run on a multi-threaded runtime.
///
/// An implementation over a fixed table:
///
/// ```
/// use std::collections::HashMap;
/// use std::future::Future;
/// use mta_sts_resolver_trait::{DnsResolver, TxtAnswer};
///
/// struct Table(HashMap<String, TxtAnswer>);
///
/// impl DnsResolver for Table {
///     fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send {
///         let answer = self.0.get(name).cloned().unwrap_or(TxtAnswer::NoRecord);
///         async move { answer }
///     }
/// }
/// ```
pub trait DnsResolver: Send + Sync {
    /// The TXT records of `name` (a domain name in A-labels, without a trailing dot).
    fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send;
}

/// Looks up TXT records, blocking the calling thread: the twin of [`DnsResolver`]
/// for MTAs without an async runtime. The same rules apply.
///
/// ```
/// use mta_sts_resolver_trait::{BlockingDnsResolver, TxtAnswer};
///
/// struct Nothing;
///
/// impl BlockingDnsResolver for Nothing {
///     fn lookup_txt(&self, _name: &str) -> TxtAnswer {
///         TxtAnswer::NoRecord
///     }
/// }
/// ```
pub trait BlockingDnsResolver: Send + Sync {
    /// The TXT records of `name`.
    fn lookup_txt(&self, name: &str) -> TxtAnswer;
}

impl<T: DnsResolver + ?Sized> DnsResolver for std::sync::Arc<T> {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send {
        (**self).lookup_txt(name)
    }
}

impl<T: BlockingDnsResolver + ?Sized> BlockingDnsResolver for std::sync::Arc<T> {
    fn lookup_txt(&self, name: &str) -> TxtAnswer {
        (**self).lookup_txt(name)
    }
}
