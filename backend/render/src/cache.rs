//! A cache of rendered images: least recently used entries go first once the total size passes
//! a byte budget, and every entry expires after its own time to live (the panel's refresh
//! interval), so a dashboard embedded in a wiki or polled by a bot is rendered once per
//! refresh, not once per request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Image;

/// Counters of a [`RenderCache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Images held.
    pub entries: usize,
    /// Their total size in bytes.
    pub bytes: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that found nothing (or an expired image).
    pub misses: u64,
    /// Images dropped to stay within the byte budget.
    pub evictions: u64,
}

#[derive(Debug)]
struct Entry {
    image: Image,
    expires: Instant,
    used: u64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Last use tick -> key, oldest first.
    recency: BTreeMap<u64, String>,
    tick: u64,
    stats: CacheStats,
}

/// An LRU cache of images by key, bounded by bytes, with a time to live per entry.
#[derive(Debug)]
pub struct RenderCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl RenderCache {
    /// A cache holding at most `max_bytes` of images (an image larger than that is never
    /// kept).
    pub fn new(max_bytes: usize) -> Self {
        RenderCache {
            max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The image under `key` if it is still fresh.
    pub fn get(&self, key: &str) -> Option<Image> {
        self.get_at(key, Instant::now())
    }

    /// [`get`](Self::get) as of `now`.
    pub fn get_at(&self, key: &str, now: Instant) -> Option<Image> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let fresh = match inner.entries.get(key) {
            Some(e) => e.expires > now,
            None => {
                inner.stats.misses += 1;
                return None;
            }
        };
        if !fresh {
            if let Some(e) = inner.entries.remove(key) {
                inner.recency.remove(&e.used);
                inner.stats.bytes -= e.image.bytes.len();
                inner.stats.entries -= 1;
            }
            inner.stats.misses += 1;
            return None;
        }
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(key)?;
        inner.recency.remove(&entry.used);
        entry.used = tick;
        inner.recency.insert(tick, key.to_owned());
        inner.stats.hits += 1;
        Some(entry.image.clone())
    }

    /// Keeps `image` under `key` for `ttl`, dropping the least recently used images while the
    /// total is over budget.
    pub fn insert(&self, key: String, image: Image, ttl: Duration) {
        self.insert_at(key, image, ttl, Instant::now());
    }

    /// [`insert`](Self::insert) as of `now`.
    pub fn insert_at(&self, key: String, image: Image, ttl: Duration, now: Instant) {
        let size = image.bytes.len();
        if size > self.max_bytes || ttl.is_zero() {
            return;
        }
        let mut inner = self.lock();
        let inner = &mut *inner;
        if let Some(old) = inner.entries.remove(&key) {
            inner.recency.remove(&old.used);
            inner.stats.bytes -= old.image.bytes.len();
            inner.stats.entries -= 1;
        }
        while inner.stats.bytes + size > self.max_bytes {
            let Some((_, oldest)) = inner.recency.pop_first() else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.stats.bytes -= e.image.bytes.len();
                inner.stats.entries -= 1;
                inner.stats.evictions += 1;
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.recency.insert(tick, key.clone());
        inner.entries.insert(
            key,
            Entry {
                image,
                expires: now + ttl,
                used: tick,
            },
        );
        inner.stats.bytes += size;
        inner.stats.entries += 1;
    }

    /// The counters now.
    pub fn stats(&self) -> CacheStats {
        self.lock().stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(len: usize) -> Image {
        Image {
            content_type: "image/png",
            bytes: vec![7; len],
        }
    }

    #[test]
    fn hits_expiry_and_byte_budget() {
        let cache = RenderCache::new(100);
        let t0 = Instant::now();
        let ttl = Duration::from_secs(10);
        assert_eq!(cache.get_at("a", t0), None);
        cache.insert_at("a".into(), image(40), ttl, t0);
        cache.insert_at("b".into(), image(40), ttl, t0);
        assert_eq!(cache.get_at("a", t0).map(|i| i.bytes.len()), Some(40));
        // "b" is now the least recently used: a third image evicts it.
        cache.insert_at("c".into(), image(40), ttl, t0);
        assert!(cache.get_at("b", t0).is_none());
        assert!(cache.get_at("a", t0).is_some());
        let s = cache.stats();
        assert_eq!((s.entries, s.bytes, s.evictions), (2, 80, 1));
        // Expired entries are misses and free their bytes.
        assert!(cache.get_at("a", t0 + ttl).is_none());
        assert_eq!(cache.stats().bytes, 40);
        // Too large to keep, and replacing a key keeps one copy.
        cache.insert_at("huge".into(), image(101), ttl, t0);
        assert!(cache.get_at("huge", t0).is_none());
        cache.insert_at("c".into(), image(10), ttl, t0);
        assert_eq!(cache.stats().bytes, 10);
        let s = cache.stats();
        assert_eq!((s.hits, s.misses), (2, 4));
    }
}
