//! A [`DnsResolver`] on hickory-resolver.

use std::future::Future;
use std::net::SocketAddr;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;

use super::{BlockingRuntime, SetupError};
use crate::dns::{BlockingDnsResolver, DnsResolver, TxtAnswer};

/// A [`DnsResolver`] on hickory-resolver's tokio resolver. It follows CNAMEs,
/// caches by TTL, and retries over TCP when a UDP answer is truncated. Must be
/// used inside a tokio runtime.
#[derive(Clone)]
pub struct HickoryResolver {
    inner: TokioResolver,
}

impl std::fmt::Debug for HickoryResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HickoryResolver").finish_non_exhaustive()
    }
}

impl HickoryResolver {
    /// A resolver configured from the system (`/etc/resolv.conf` on Unix).
    pub fn from_system_conf() -> Result<Self, NetError> {
        Ok(Self {
            inner: TokioResolver::builder_tokio()?.build()?,
        })
    }

    /// A resolver asking these name servers (UDP, then TCP for truncated
    /// answers), with hickory's default options.
    pub fn with_name_servers(servers: &[SocketAddr]) -> Result<Self, NetError> {
        Self::with_name_servers_and_options(servers, ResolverOpts::default())
    }

    /// A resolver asking these name servers with `options` (timeouts, attempts,
    /// cache size).
    pub fn with_name_servers_and_options(servers: &[SocketAddr], options: ResolverOpts) -> Result<Self, NetError> {
        let name_servers = servers
            .iter()
            .map(|s| {
                let mut ns = NameServerConfig::udp_and_tcp(s.ip());
                for c in &mut ns.connections {
                    c.port = s.port();
                }
                ns
            })
            .collect();
        let config = ResolverConfig::from_parts(None, Vec::new(), name_servers);
        let inner = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()?;
        Ok(Self { inner })
    }

    /// Wraps a resolver built by the host.
    pub fn from_resolver(inner: TokioResolver) -> Self {
        Self { inner }
    }

    /// The hickory resolver.
    pub fn resolver(&self) -> &TokioResolver {
        &self.inner
    }

    async fn lookup(&self, name: &str) -> TxtAnswer {
        // A trailing dot: the name is absolute, no search domains apply.
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.inner.txt_lookup(fqdn.as_str()).await {
            Ok(lookup) => {
                let records: Vec<Vec<u8>> = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::TXT(txt) => Some(txt.txt_data.iter().flat_map(|s| s.iter().copied()).collect()),
                        _ => None,
                    })
                    .collect();
                if records.is_empty() {
                    TxtAnswer::NoRecord
                } else {
                    TxtAnswer::Records(records)
                }
            }
            Err(e) => classify(&e),
        }
    }
}

fn classify(e: &NetError) -> TxtAnswer {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(no))
            if matches!(no.response_code, ResponseCode::NoError | ResponseCode::NXDomain) =>
        {
            TxtAnswer::NoRecord
        }
        other => TxtAnswer::TemporaryFailure(other.to_string()),
    }
}

impl DnsResolver for HickoryResolver {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = TxtAnswer> + Send {
        self.lookup(name)
    }
}

/// The blocking twin of [`HickoryResolver`]: it owns a single-threaded tokio
/// runtime and blocks on it. Call it from plain threads; called from inside an
/// async runtime it answers a temporary failure instead of blocking that
/// runtime.
pub struct BlockingHickoryResolver {
    inner: HickoryResolver,
    runtime: BlockingRuntime,
}

impl std::fmt::Debug for BlockingHickoryResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingHickoryResolver").finish_non_exhaustive()
    }
}

impl BlockingHickoryResolver {
    /// A resolver configured from the system.
    pub fn from_system_conf() -> Result<Self, SetupError> {
        let runtime = BlockingRuntime::new()?;
        let inner = {
            let _guard = runtime.0.enter();
            HickoryResolver::from_system_conf()?
        };
        Ok(Self { inner, runtime })
    }

    /// A resolver asking these name servers.
    pub fn with_name_servers(servers: &[SocketAddr]) -> Result<Self, SetupError> {
        let runtime = BlockingRuntime::new()?;
        let inner = {
            let _guard = runtime.0.enter();
            HickoryResolver::with_name_servers(servers)?
        };
        Ok(Self { inner, runtime })
    }
}

impl BlockingDnsResolver for BlockingHickoryResolver {
    fn lookup_txt(&self, name: &str) -> TxtAnswer {
        self.runtime.block_on(self.inner.lookup(name)).unwrap_or_else(|| {
            TxtAnswer::TemporaryFailure(
                "BlockingHickoryResolver called inside an async runtime; use HickoryResolver".into(),
            )
        })
    }
}
