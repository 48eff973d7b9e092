//! WATCH's per-db registry: which clients watch which keys of this db on this shard.
//!
//! A client's watches live on the shards that own its keys (registered and dropped by one
//! message per shard, `server::multi`). Every write that changes a key passes through the
//! [`super::Db`] mutation points (`get_mut` finding a live entry, `insert`, `remove`
//! finding one, deletion by expiry, `clear`), which call [`WatchRegistry::touch`] or
//! [`WatchRegistry::touch_deleted`] when the registry is not empty: one `is_empty()`
//! check when nobody watches. Touching marks the watchers' shared dirty flag (Redis's
//! `CLIENT_DIRTY_CAS`), which the client reads at EXEC.
//!
//! Redis 7.0's stale-key rule (`watchedKey.expired`): a key that was already logically
//! expired (still stored) when WATCHed is flagged; its deletion by expiry or by a flush is
//! no logical change and only clears the flag, and EXEC's "expired since WATCH" check
//! ([`WatchRegistry::stale`]) skips it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ahash::AHashMap;

/// One client's watch of one key.
#[derive(Debug)]
pub struct Watcher {
    pub client: u64,
    pub dirty: Arc<AtomicBool>,
    /// The key was stored but logically expired when watched.
    pub expired: bool,
}

/// Watched keys of one db, with their watchers.
#[derive(Debug, Default)]
pub struct WatchRegistry {
    keys: AHashMap<Box<[u8]>, Vec<Watcher>>,
}

impl WatchRegistry {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of watched keys (`watching_clients`-style introspection and tests).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Adds `client`'s watch of `key` (a second watch of the same key is a no-op, as in
    /// Redis's `watchForKey`).
    pub fn add(&mut self, key: &[u8], client: u64, dirty: &Arc<AtomicBool>, expired: bool) {
        let watchers = match self.keys.get_mut(key) {
            Some(w) => w,
            None => self.keys.entry(key.into()).or_default(),
        };
        if watchers.iter().any(|w| w.client == client) {
            return;
        }
        watchers.push(Watcher {
            client,
            dirty: dirty.clone(),
            expired,
        });
    }

    /// Drops `client`'s watch of `key`; the key leaves the registry with its last watcher.
    pub fn remove(&mut self, key: &[u8], client: u64) {
        if let Some(watchers) = self.keys.get_mut(key) {
            watchers.retain(|w| w.client != client);
            if watchers.is_empty() {
                self.keys.remove(key);
            }
        }
    }

    /// `key` was written and exists afterwards: every watcher is dirty. (A watcher of a
    /// stale key cannot see a write without a deletion first, which cleared its flag: any
    /// write replaces the stale entry, and Redis deletes it before writing.)
    pub fn touch(&mut self, key: &[u8]) {
        if let Some(watchers) = self.keys.get_mut(key) {
            for w in watchers.iter_mut() {
                w.expired = false;
                w.dirty.store(true, Ordering::Release);
            }
        }
    }

    /// `key` was deleted (by a command, by expiry or by a flush): watchers that watched
    /// it live are dirty; those that watched it stale see no logical change and forget
    /// that it was stale (a deleted key is not flagged expired).
    pub fn touch_deleted(&mut self, key: &[u8]) {
        if let Some(watchers) = self.keys.get_mut(key) {
            for w in watchers.iter_mut() {
                if w.expired {
                    w.expired = false;
                } else {
                    w.dirty.store(true, Ordering::Release);
                }
            }
        }
    }

    /// Whether `client` watched `key` while it was stale (`None`: not watching it).
    pub fn stale(&self, key: &[u8], client: u64) -> Option<bool> {
        self.keys
            .get(key)?
            .iter()
            .find(|w| w.client == client)
            .map(|w| w.expired)
    }

    /// The watched keys (FLUSHDB/FLUSHALL touch those that exist).
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.keys.keys().map(|k| &k[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Db, Entry, NewValue};

    fn flag() -> Arc<AtomicBool> {
        Arc::new(AtomicBool::new(false))
    }

    fn is(f: &Arc<AtomicBool>) -> bool {
        f.load(Ordering::Acquire)
    }

    fn db() -> Db {
        Db::new(ahash::RandomState::with_seeds(1, 2, 3, 4))
    }

    #[test]
    fn add_is_idempotent_and_remove_drops_empty_keys() {
        let mut r = WatchRegistry::default();
        let f = flag();
        r.add(b"k", 1, &f, false);
        r.add(b"k", 1, &f, true);
        assert_eq!(r.stale(b"k", 1), Some(false), "the first watch wins");
        r.add(b"k", 2, &f, false);
        r.remove(b"k", 1);
        assert_eq!(r.stale(b"k", 1), None);
        assert_eq!(r.len(), 1);
        r.remove(b"k", 2);
        assert!(r.is_empty());
        r.remove(b"nope", 2);
    }

    #[test]
    fn touch_marks_every_watcher_of_that_key_only() {
        let mut r = WatchRegistry::default();
        let (a, b, c) = (flag(), flag(), flag());
        r.add(b"k", 1, &a, false);
        r.add(b"k", 2, &b, false);
        r.add(b"other", 3, &c, false);
        r.touch(b"k");
        assert!(is(&a) && is(&b) && !is(&c));
        r.touch(b"unwatched");
        assert!(!is(&c));
    }

    #[test]
    fn deleting_a_stale_key_is_no_change_for_who_watched_it_stale() {
        let mut r = WatchRegistry::default();
        let (stale, live) = (flag(), flag());
        r.add(b"k", 1, &stale, true);
        r.add(b"k", 2, &live, false);
        r.touch_deleted(b"k");
        assert!(!is(&stale));
        assert!(is(&live));
        assert_eq!(r.stale(b"k", 1), Some(false), "the flag is cleared");
        // A later write is a change for everyone.
        r.touch(b"k");
        assert!(is(&stale));
    }

    #[test]
    fn db_mutation_points_touch_watched_keys() {
        let mut d = db();
        let f = flag();
        d.insert(Entry::new(b"a", NewValue::Str(b"1"), None));
        d.watch.add(b"a", 1, &f, false);
        assert!(d.get(b"a", 0).is_some());
        assert!(d.get_mut(b"missing", 0).is_none());
        assert!(!is(&f), "reads and misses touch nothing");
        assert!(d.get_mut(b"a", 0).is_some());
        assert!(is(&f), "get_mut finding the key");

        for touch in [
            |d: &mut Db| drop(d.insert(Entry::new(b"a", NewValue::Str(b"2"), None))),
            |d: &mut Db| drop(d.remove(b"a", 0)),
        ] {
            let f = flag();
            d.insert(Entry::new(b"a", NewValue::Str(b"1"), None));
            d.watch.add(b"a", 7, &f, false);
            touch(&mut d);
            assert!(is(&f));
            d.watch.remove(b"a", 7);
        }
        let f = flag();
        d.watch.add(b"gone", 8, &f, false);
        assert!(d.remove(b"gone", 0).is_none());
        assert!(!is(&f), "removing a missing key is no change");
    }

    #[test]
    fn expiry_and_clear_touch_live_watches_only() {
        let mut d = db();
        let (lazy, active, flushed, absent) = (flag(), flag(), flag(), flag());
        d.insert(Entry::new(b"l", NewValue::Str(b"1"), Some(100)));
        d.insert(Entry::new(b"x", NewValue::Str(b"1"), Some(100)));
        d.watch.add(b"l", 1, &lazy, false);
        d.watch.add(b"x", 2, &active, false);
        assert!(d.get(b"l", 200).is_none());
        assert!(is(&lazy), "lazy expiry deletes a key watched live");
        d.active_expire_step(200, 100, |_| false);
        assert!(is(&active), "so does the active cycle");

        d.insert(Entry::new(b"f", NewValue::Str(b"1"), None));
        d.insert(Entry::new(b"s", NewValue::Str(b"1"), Some(100)));
        let stale = flag();
        d.watch.add(b"f", 3, &flushed, false);
        d.watch.add(b"s", 4, &stale, true);
        d.watch.add(b"nokey", 5, &absent, false);
        d.clear(ahash::RandomState::with_seeds(1, 2, 3, 4));
        assert!(is(&flushed));
        assert!(!is(&stale), "a stale key flushed is no change");
        assert!(!is(&absent), "a missing key flushed is no change");
    }
}
