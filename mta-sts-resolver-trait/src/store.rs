//! The cache store trait, and a bounded in-memory store.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use mta_sts_policy::{CacheConfig, CacheEntry, UnixTime};

/// A store operation failed (the backing database is down, a value did not
/// deserialise). The engines carry on without the store and hand the error back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cache store: {0}")]
pub struct StoreError(pub String);

/// Which entries [`CacheStore::due`] should list.
#[derive(Clone, Copy, Debug)]
pub struct DueQuery<'a> {
    /// The current time.
    pub now: UnixTime,
    /// The cache configuration (its refresh interval and retry delay).
    pub config: &'a CacheConfig,
    /// Refreshes are spread over this many seconds past the interval; each
    /// domain gets a fixed share from a hash of its name (see [`DueQuery::jitter`]).
    pub max_jitter: u64,
    /// List at most this many.
    pub limit: usize,
}

impl DueQuery<'_> {
    /// The jitter of `domain`: a stable value in `0..=max_jitter` (FNV-1a of the
    /// name), so every node of a cluster agrees on when a domain is due.
    pub fn jitter(&self, domain: &str) -> u64 {
        if self.max_jitter == 0 {
            return 0;
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in domain.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h % self.max_jitter.saturating_add(1)
    }

    /// Whether `entry` is due for a proactive refresh.
    pub fn is_due(&self, entry: &CacheEntry) -> bool {
        entry.is_refresh_due(self.now, self.config, self.jitter(&entry.domain))
    }
}

/// Keeps cache entries by policy domain, asynchronously. Entries are plain serde
/// data ([`CacheEntry`]), so a store can be a file, SQLite or Redis, shared by the
/// nodes of a cluster. Keys are the normalised domain, [`CacheEntry::domain`].
///
/// An implementation over a mutex-guarded map (the crate's [`MemoryStore`] is a
/// bounded one):
///
/// ```
/// use std::collections::HashMap;
/// use std::future::{ready, Future};
/// use std::sync::Mutex;
/// use mta_sts_policy::{CacheEntry, UnixTime};
/// use mta_sts_resolver_trait::{CacheStore, DueQuery, StoreError};
///
/// #[derive(Default)]
/// struct MapStore(Mutex<HashMap<String, CacheEntry>>);
///
/// impl MapStore {
///     fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, CacheEntry>>, StoreError> {
///         self.0.lock().map_err(|_| StoreError("poisoned".into()))
///     }
/// }
///
/// impl CacheStore for MapStore {
///     fn get(&self, domain: &str) -> impl Future<Output = Result<Option<CacheEntry>, StoreError>> + Send {
///         ready(self.map().map(|m| m.get(domain).cloned()))
///     }
///     fn put(&self, entry: &CacheEntry, _now: UnixTime) -> impl Future<Output = Result<(), StoreError>> + Send {
///         ready(self.map().map(|mut m| {
///             m.insert(entry.domain.clone(), entry.clone());
///         }))
///     }
///     fn delete(&self, domain: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
///         ready(self.map().map(|mut m| {
///             m.remove(domain);
///         }))
///     }
///     fn due(&self, query: &DueQuery<'_>) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
///         ready(self.map().map(|m| {
///             m.values().filter(|e| query.is_due(e)).take(query.limit).map(|e| e.domain.clone()).collect()
///         }))
///     }
/// }
/// ```
pub trait CacheStore: Send + Sync {
    /// The entry of `domain`, if there is one.
    fn get(&self, domain: &str) -> impl Future<Output = Result<Option<CacheEntry>, StoreError>> + Send;
    /// Stores `entry` under [`CacheEntry::domain`], replacing what was there.
    /// `now` lets a bounded store tell expired entries from live ones.
    fn put(&self, entry: &CacheEntry, now: UnixTime) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes the entry of `domain` (no error when there is none).
    fn delete(&self, domain: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The domains whose entries are due for a proactive refresh
    /// ([`DueQuery::is_due`]), at most [`DueQuery::limit`] of them.
    fn due(&self, query: &DueQuery<'_>) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}

/// Keeps cache entries by policy domain, blocking the calling thread: the twin
/// of [`CacheStore`].
///
/// An implementation keeping one JSON file per domain in a folder (entries are
/// serde data; a store must refuse what does not deserialise, and
/// [`CacheEntry`]'s own checks refuse a tampered entry):
///
/// ```
/// use std::path::PathBuf;
/// use mta_sts_policy::{CacheEntry, UnixTime};
/// use mta_sts_resolver_trait::{BlockingCacheStore, DueQuery, StoreError};
///
/// struct Folder(PathBuf);
///
/// fn err(e: impl std::fmt::Display) -> StoreError {
///     StoreError(e.to_string())
/// }
///
/// impl BlockingCacheStore for Folder {
///     fn get(&self, domain: &str) -> Result<Option<CacheEntry>, StoreError> {
///         match std::fs::read(self.0.join(domain)) {
///             Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(err),
///             Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
///             Err(e) => Err(err(e)),
///         }
///     }
///     fn put(&self, entry: &CacheEntry, _now: UnixTime) -> Result<(), StoreError> {
///         let json = serde_json::to_vec(entry).map_err(err)?;
///         std::fs::write(self.0.join(&entry.domain), json).map_err(err)
///     }
///     fn delete(&self, domain: &str) -> Result<(), StoreError> {
///         match std::fs::remove_file(self.0.join(domain)) {
///             Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
///             _ => Ok(()),
///         }
///     }
///     fn due(&self, query: &DueQuery<'_>) -> Result<Vec<String>, StoreError> {
///         let mut due = Vec::new();
///         for file in std::fs::read_dir(&self.0).map_err(err)? {
///             let name = file.map_err(err)?.file_name().to_string_lossy().into_owned();
///             if let Some(entry) = self.get(&name)? {
///                 if query.is_due(&entry) && due.len() < query.limit {
///                     due.push(entry.domain);
///                 }
///             }
///         }
///         Ok(due)
///     }
/// }
/// ```
pub trait BlockingCacheStore: Send + Sync {
    /// The entry of `domain`, if there is one.
    fn get(&self, domain: &str) -> Result<Option<CacheEntry>, StoreError>;
    /// Stores `entry` under [`CacheEntry::domain`].
    fn put(&self, entry: &CacheEntry, now: UnixTime) -> Result<(), StoreError>;
    /// Removes the entry of `domain`.
    fn delete(&self, domain: &str) -> Result<(), StoreError>;
    /// The domains whose entries are due for a proactive refresh.
    fn due(&self, query: &DueQuery<'_>) -> Result<Vec<String>, StoreError>;
}

impl<T: CacheStore + ?Sized> CacheStore for std::sync::Arc<T> {
    fn get(&self, domain: &str) -> impl Future<Output = Result<Option<CacheEntry>, StoreError>> + Send {
        (**self).get(domain)
    }
    fn put(&self, entry: &CacheEntry, now: UnixTime) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).put(entry, now)
    }
    fn delete(&self, domain: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).delete(domain)
    }
    fn due(&self, query: &DueQuery<'_>) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        (**self).due(query)
    }
}

impl<T: BlockingCacheStore + ?Sized> BlockingCacheStore for std::sync::Arc<T> {
    fn get(&self, domain: &str) -> Result<Option<CacheEntry>, StoreError> {
        (**self).get(domain)
    }
    fn put(&self, entry: &CacheEntry, now: UnixTime) -> Result<(), StoreError> {
        (**self).put(entry, now)
    }
    fn delete(&self, domain: &str) -> Result<(), StoreError> {
        (**self).delete(domain)
    }
    fn due(&self, query: &DueQuery<'_>) -> Result<Vec<String>, StoreError> {
        (**self).due(query)
    }
}

#[derive(Debug)]
struct Slot {
    entry: CacheEntry,
    used: u64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Slot, foldhash::fast::RandomState>,
    clock: u64,
}

/// A bounded in-memory [`CacheStore`] (and [`BlockingCacheStore`]).
///
/// When it is full, a new domain evicts, in this order: an entry that holds
/// nothing worth keeping (no valid policy, no hold-off in force), then an entry
/// whose policy has expired, then the least recently used one. Every operation
/// takes one mutex; [`MemoryStore::due`] scans all entries.
#[derive(Debug)]
pub struct MemoryStore {
    capacity: usize,
    entries: Mutex<Entries>,
}

impl MemoryStore {
    /// A store holding at most `capacity` domains (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::new(Entries::default()),
        }
    }

    /// The most domains it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many domains it holds now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the entry of `domain`, without touching its recency.
    pub fn peek(&self, domain: &str) -> Option<CacheEntry> {
        self.lock().map.get(domain).map(|s| s.entry.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        crate::lock(&self.entries)
    }

    fn get_now(&self, domain: &str) -> Option<CacheEntry> {
        let mut g = self.lock();
        g.clock = g.clock.wrapping_add(1);
        let clock = g.clock;
        g.map.get_mut(domain).map(|s| {
            s.used = clock;
            s.entry.clone()
        })
    }

    fn put_now(&self, entry: &CacheEntry, now: UnixTime) {
        let mut g = self.lock();
        g.clock = g.clock.wrapping_add(1);
        let used = g.clock;
        if let Some(slot) = g.map.get_mut(&entry.domain) {
            slot.entry = entry.clone();
            slot.used = used;
            return;
        }
        if g.map.len() >= self.capacity {
            if let Some(victim) = Self::victim(&g.map, now) {
                g.map.remove(&victim);
            }
        }
        g.map.insert(
            entry.domain.clone(),
            Slot {
                entry: entry.clone(),
                used,
            },
        );
    }

    fn victim(map: &HashMap<String, Slot, foldhash::fast::RandomState>, now: UnixTime) -> Option<String> {
        // Rank: 0 = nothing worth keeping, 1 = policy expired, 2 = live; then
        // the least recently used within a rank.
        map.iter()
            .min_by_key(|(_, s)| {
                let rank = if s.entry.is_empty_at(now) {
                    0u8
                } else if s.entry.valid_policy(now).is_none() {
                    1
                } else {
                    2
                };
                (rank, s.used)
            })
            .map(|(k, _)| k.clone())
    }

    fn delete_now(&self, domain: &str) {
        self.lock().map.remove(domain);
    }

    fn due_now(&self, query: &DueQuery<'_>) -> Vec<String> {
        let g = self.lock();
        let mut due: Vec<String> = g
            .map
            .values()
            .filter(|s| query.is_due(&s.entry))
            .map(|s| s.entry.domain.clone())
            .collect();
        due.sort_unstable();
        due.truncate(query.limit);
        due
    }
}

impl Default for MemoryStore {
    /// A store of 10 000 domains.
    fn default() -> Self {
        Self::new(10_000)
    }
}

impl CacheStore for MemoryStore {
    fn get(&self, domain: &str) -> impl Future<Output = Result<Option<CacheEntry>, StoreError>> + Send {
        std::future::ready(Ok(self.get_now(domain)))
    }
    fn put(&self, entry: &CacheEntry, now: UnixTime) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.put_now(entry, now);
        std::future::ready(Ok(()))
    }
    fn delete(&self, domain: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.delete_now(domain);
        std::future::ready(Ok(()))
    }
    fn due(&self, query: &DueQuery<'_>) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        std::future::ready(Ok(self.due_now(query)))
    }
}

impl BlockingCacheStore for MemoryStore {
    fn get(&self, domain: &str) -> Result<Option<CacheEntry>, StoreError> {
        Ok(self.get_now(domain))
    }
    fn put(&self, entry: &CacheEntry, now: UnixTime) -> Result<(), StoreError> {
        self.put_now(entry, now);
        Ok(())
    }
    fn delete(&self, domain: &str) -> Result<(), StoreError> {
        self.delete_now(domain);
        Ok(())
    }
    fn due(&self, query: &DueQuery<'_>) -> Result<Vec<String>, StoreError> {
        Ok(self.due_now(query))
    }
}
