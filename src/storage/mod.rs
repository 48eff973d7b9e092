//! The per-shard keyspace: databases of entries with optional expiry.
//!
//! Only the shard's own executor thread touches its `Keyspace`; nothing here is shared
//! or locked. Expiry is lazy (a read of an expired key deletes it) plus an active walk
//! ([`Db::active_expire_step`]) the shard runs on a timer; on a replica neither deletes
//! ([`Expiry`]). Every deletion by expiry is recorded in [`Db::expired_log`] and drained
//! by the shard after each command: the replication log records each as a `DEL` before
//! the command's own record (`commands::propagate`). [`Db::changes`] tells whether a
//! command changed anything.

pub mod entry;
pub mod hash;
pub mod list;
pub mod pack;
pub mod rng;
pub mod set;
pub mod snapshot_hook;
pub mod table;
pub mod value;
pub mod varint;
pub mod watch;
pub mod zset;

pub use entry::{Entry, NewValue, ValueRef};
pub use table::{EntryMut, ItemMut, Keyed, Table, POS_END};
pub use value::{EncodingLimits, Object};

use ahash::RandomState;

/// How the databases treat a key whose time has passed (Redis's `expireIfNeeded`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expiry {
    /// A master: an expired key found is deleted (and the deletion logged as `DEL`).
    #[default]
    Delete,
    /// A replica serving a read: an expired key is hidden but stays, until its
    /// master's `DEL` removes it (a replica never expires keys by itself).
    Hide,
    /// A replica running a write: expired keys are live. The master alone decides when
    /// a key is gone, so its commands must find what it found (a clock a little ahead
    /// of the master's must not turn its `INCR` into a new key).
    Keep,
}

/// All databases of one shard, and the counters INFO reports for them.
pub struct Keyspace {
    pub dbs: Vec<Db>,
    /// The mode every database of `dbs` is in.
    expiry: Expiry,
    seeds: [u64; 4],
    /// Lookups that found / did not find their key (INFO `keyspace_hits` / `_misses`).
    pub hits: u64,
    pub misses: u64,
    rng: rng::Rng,
    /// Collection encoding thresholds, from the config.
    pub limits: EncodingLimits,
}

impl Keyspace {
    pub fn new(databases: usize, seed: u64) -> Self {
        let seeds = [
            seed,
            seed ^ 0x5851_F42D_4C95_7F2D,
            seed.rotate_left(21),
            !seed,
        ];
        let hasher = RandomState::with_seeds(seeds[0], seeds[1], seeds[2], seeds[3]);
        Keyspace {
            dbs: (0..databases).map(|_| Db::new(hasher.clone())).collect(),
            seeds,
            hits: 0,
            misses: 0,
            rng: rng::Rng::new(seed),
            limits: EncodingLimits::default(),
            expiry: Expiry::Delete,
        }
    }

    /// Puts every database in `mode`; one comparison when it already is.
    #[inline]
    pub fn set_expiry(&mut self, mode: Expiry) {
        if self.expiry != mode {
            self.expiry = mode;
            for db in &mut self.dbs {
                db.expiry = mode;
            }
        }
    }

    /// The hasher every table of this shard uses.
    pub fn hasher(&self) -> RandomState {
        let s = self.seeds;
        RandomState::with_seeds(s[0], s[1], s[2], s[3])
    }

    /// A fast pseudo-random number (xorshift64*), for sampling and RANDOMKEY.
    pub fn random(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Total keys in all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

/// One database (`SELECT n`) on one shard.
pub struct Db {
    table: Table,
    /// Where the active expiry walk continues.
    expire_cursor: u64,
    /// Keys deleted by expiry since the shard last drained this list.
    pub expired_log: Vec<Box<[u8]>>,
    /// Keys deleted by expiry, ever (INFO `expired_keys`).
    pub expired_total: u64,
    /// Bumped by every mutation point below (`insert`, a live `remove` or `get_mut`,
    /// `clear`, `swap_data`; never by expiry): a write command that did not move it
    /// changed nothing, and is not propagated (Redis's `server.dirty`; see
    /// `commands::propagate`).
    pub changes: u64,
    /// What an expired key found is: deleted, hidden or live (set through
    /// [`Keyspace::set_expiry`]).
    pub expiry: Expiry,
    /// Keys that blocked clients wait for in this db (maintained by the shard's waiter
    /// registry, `server::blocking`), and those of them that became a list or sorted set
    /// since the shard last looked: Redis's `signalKeyAsReady` on `dbAdd`.
    watched: ahash::AHashSet<Box<[u8]>>,
    ready: Vec<Box<[u8]>>,
    /// WATCH's registry for this db: the mutation points below touch it.
    pub watch: watch::WatchRegistry,
    /// The copy-on-write state of a running snapshot ([`snapshot_hook`]): every mutation
    /// point below calls its hook first, one `Option` check when none runs.
    pub snapshot: Option<Box<snapshot_hook::Cow>>,
}

impl Db {
    pub fn new(hasher: RandomState) -> Self {
        Db {
            table: Table::new(hasher),
            expire_cursor: 0,
            expired_log: Vec::new(),
            expired_total: 0,
            changes: 0,
            expiry: Expiry::Delete,
            watched: Default::default(),
            ready: Vec::new(),
            watch: Default::default(),
            snapshot: None,
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn volatile_len(&self) -> usize {
        self.table.volatile_len()
    }

    /// Whether `e` counts as gone: its time has passed, and this is not a replica's
    /// write (which sees every key its master still has).
    #[inline]
    pub fn is_gone(&self, e: &Entry, now_ms: u64) -> bool {
        self.expiry != Expiry::Keep && e.is_expired(now_ms)
    }

    fn drop_expired(&mut self, key: &[u8]) {
        self.snapshot_before_change(key, false);
        if let Some(e) = self.table.remove(key) {
            if !self.watch.is_empty() {
                self.watch.touch_deleted(key);
            }
            self.expired_log.push(e.key().into());
            self.expired_total += 1;
        }
    }

    /// The live entry for `key`; an expired one is deleted (or hidden on a replica).
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        let found: *const Entry = self.table.get(key)?;
        // SAFETY: `found` points into `self.table`, which is not modified between the
        // lookup and either use below: the expired branch stops using it before it mutates
        // the table, and the live branch returns it under the `&mut self` borrow this call
        // holds. (A plain reference here is the borrow checker's known conditional-return
        // limitation; the pointer saves the second hash lookup on every read hit.)
        if self.is_gone(unsafe { &*found }, now_ms) {
            if self.expiry == Expiry::Delete {
                self.drop_expired(key);
            }
            return None;
        }
        Some(unsafe { &*found })
    }

    /// Like [`Db::get`], mutable.
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64) -> Option<EntryMut<'_>> {
        let expired = self.is_gone(self.table.get(key)?, now_ms);
        if expired {
            if self.expiry == Expiry::Delete {
                self.drop_expired(key);
            }
            return None;
        }
        self.snapshot_before_change(key, false);
        self.changes += 1;
        if !self.watch.is_empty() {
            // WATCH: a command asking for the live entry mutably is about to write it.
            self.watch.touch(key);
        }
        self.table.get_mut(key)
    }

    /// Whether a live entry exists, without touching it.
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.get(key, now_ms).is_some()
    }

    /// Inserts or replaces; returns the previous entry (expired or not).
    pub fn insert(&mut self, entry: Entry) -> Option<Entry> {
        if !self.watched.is_empty() {
            // Readiness hook for blocked clients: one emptiness check when nobody waits.
            self.signal_if_watched(&entry);
        }
        self.snapshot_before_change(entry.key(), true);
        self.changes += 1;
        if !self.watch.is_empty() {
            self.watch.touch(entry.key());
        }
        self.table.insert(entry)
    }

    /// [`Db::insert`] for a write that did not look the key up first (SET, MSET): a
    /// replaced entry that had expired counts as an expiry (logged, so it goes out as
    /// `DEL` before the write, as Redis's `lookupKeyWrite` in `setKey` does). Returns the
    /// previous live entry.
    pub fn insert_at(&mut self, entry: Entry, now_ms: u64) -> Option<Entry> {
        let old = self.insert(entry)?;
        if self.is_gone(&old, now_ms) {
            if self.expiry == Expiry::Delete {
                self.expired_log.push(old.key().into());
                self.expired_total += 1;
            }
            return None;
        }
        Some(old)
    }

    /// Queues `entry`'s key as ready when blocked clients wait for it and it holds a type
    /// a blocking pop serves (every list or sorted set is created through `insert`, and an
    /// empty one is never kept, so a created one has data once its command ends).
    fn signal_if_watched(&mut self, entry: &Entry) {
        let servable = matches!(
            entry.value(),
            ValueRef::Obj(Object::List(_)) | ValueRef::Obj(Object::ZSet(_))
        );
        let key = entry.key();
        if servable && self.watched.contains(key) && !self.ready.iter().any(|k| &k[..] == key) {
            self.ready.push(key.into());
        }
    }

    /// Starts (`true`) or stops watching `key` for blocked clients.
    pub fn set_watched(&mut self, key: &[u8], on: bool) {
        if on {
            if !self.watched.contains(key) {
                self.watched.insert(key.into());
            }
        } else {
            self.watched.remove(key);
            self.ready.retain(|k| &k[..] != key);
        }
    }

    /// Whether a watched key became ready since [`Db::take_ready`] last ran.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The keys that became ready, in the order they did.
    pub fn take_ready(&mut self) -> Vec<Box<[u8]>> {
        std::mem::take(&mut self.ready)
    }

    /// SWAPDB: exchanges the data of two databases (and the expiry walk's place in it).
    /// Blocked clients stay with the database number, as in Redis: call
    /// [`Db::rescan_ready`] on both afterwards.
    pub fn swap_data(&mut self, other: &mut Db) {
        self.changes += 1;
        other.changes += 1;
        Db::touch_swapped(self, other);
        Db::touch_swapped(other, self);
        std::mem::swap(&mut self.table, &mut other.table);
        std::mem::swap(&mut self.expire_cursor, &mut other.expire_cursor);
        // A snapshot's state belongs to the table (see `snapshot_hook`).
        std::mem::swap(&mut self.snapshot, &mut other.snapshot);
    }

    /// SWAPDB's touch of `a`'s watched keys (Redis's `touchAllWatchedKeysInDb(a, b)`):
    /// a key that exists in `a` is deleted by the swap, one that exists only in `b` is
    /// created by it.
    fn touch_swapped(a: &mut Db, b: &Db) {
        if a.watch.is_empty() {
            return;
        }
        let changed: Vec<(Box<[u8]>, bool)> = a
            .watch
            .keys()
            .filter_map(|k| {
                let here = a.table.get(k).is_some();
                (here || b.table.get(k).is_some()).then(|| (k.into(), here))
            })
            .collect();
        for (k, deleted) in changed {
            if deleted {
                a.watch.touch_deleted(&k);
            } else {
                a.watch.touch(&k);
            }
        }
    }

    /// Queues as ready every key blocked clients wait for that now holds a list or a
    /// sorted set (Redis's `scanDatabaseForReadyKeys`).
    pub fn rescan_ready(&mut self) {
        let mut found: Vec<Box<[u8]>> = Vec::new();
        for key in &self.watched {
            let servable = self.table.get(key).is_some_and(|e| {
                matches!(
                    e.value(),
                    ValueRef::Obj(Object::List(_)) | ValueRef::Obj(Object::ZSet(_))
                )
            });
            if servable && !self.ready.contains(key) {
                found.push(key.clone());
            }
        }
        self.ready.extend(found);
    }

    /// Puts back a ready key whose serving had to wait (its key was locked).
    pub fn requeue_ready(&mut self, key: Box<[u8]>) {
        if self.watched.contains(&key[..]) && !self.ready.contains(&key) {
            self.ready.push(key);
        }
    }

    /// Removes a live entry; an expired one counts as absent (and is dropped).
    pub fn remove(&mut self, key: &[u8], now_ms: u64) -> Option<Entry> {
        self.snapshot_before_change(key, false);
        let e = self.table.remove(key)?;
        if !self.watch.is_empty() {
            // Deleted, by this command or (when expired) as an expiry: the same touch.
            self.watch.touch_deleted(key);
        }
        if self.is_gone(&e, now_ms) {
            self.expired_log.push(e.key().into());
            self.expired_total += 1;
            return None;
        }
        self.changes += 1;
        Some(e)
    }

    /// Deletes every entry. Returns the old table so the caller can free it elsewhere
    /// (FLUSHALL ASYNC drops it on another thread).
    pub fn clear(&mut self, hasher: RandomState) -> Table {
        if !self.watch.is_empty() {
            // Redis's touchAllWatchedKeysInDb: watched keys that exist (even stale) are
            // deleted by the flush.
            let existing: Vec<Box<[u8]>> = self
                .watch
                .keys()
                .filter(|k| self.table.get(k).is_some())
                .map(Into::into)
                .collect();
            for k in existing {
                self.watch.touch_deleted(&k);
            }
        }
        self.expire_cursor = 0;
        if !self.table.is_empty() {
            self.changes += 1;
        }
        let old = std::mem::replace(&mut self.table, Table::new(hasher.clone()));
        self.snapshot_keep(old, hasher)
    }

    /// One step of Redis's active expiry cycle: look at about `sample` keys with a TTL,
    /// delete the expired ones. Returns (checked, expired).
    /// Keys for which `spare` says so stay (a transaction holds them).
    pub fn active_expire_step(
        &mut self,
        now_ms: u64,
        sample: usize,
        spare: impl Fn(&[u8]) -> bool,
    ) -> (usize, usize) {
        if self.table.volatile_len() == 0 || self.expiry != Expiry::Delete {
            return (0, 0);
        }
        let log = &mut self.expired_log;
        let watch = &mut self.watch;
        let (keep, mut gone) = (self.snapshot.is_some(), Vec::new());
        let (next, checked, expired) =
            self.table
                .expire_from(self.expire_cursor, now_ms, sample, spare, |e| {
                    if !watch.is_empty() {
                        watch.touch_deleted(e.key());
                    }
                    log.push(e.key().into());
                    if keep {
                        gone.push(e);
                    }
                });
        self.snapshot_removed(&gone);
        self.expire_cursor = next;
        self.expired_total += expired as u64;
        (checked, expired)
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Changes made through it bypass the snapshot hooks: not during a snapshot.
    pub fn table_mut(&mut self) -> &mut Table {
        &mut self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        Db::new(RandomState::with_seeds(9, 8, 7, 6))
    }

    #[test]
    fn insert_of_a_watched_list_signals_readiness_once() {
        let mut d = db();
        d.insert(Entry::new(b"w", NewValue::Str(b"x"), None));
        d.set_watched(b"w", true);
        d.set_watched(b"l", true);
        d.insert(Entry::new(b"w", NewValue::Str(b"y"), None));
        assert!(!d.has_ready(), "a string never serves a blocked pop");
        let list = || NewValue::Obj(Box::new(Object::List(Default::default())));
        d.insert(Entry::new(b"other", list(), None));
        assert!(!d.has_ready(), "not watched");
        d.insert(Entry::new(b"l", list(), None));
        d.insert(Entry::new(b"l", list(), None));
        assert_eq!(d.take_ready(), vec![Box::from(&b"l"[..])]);
        d.insert(Entry::new(b"l", list(), None));
        d.set_watched(b"l", false);
        assert!(!d.has_ready(), "unwatching drops a pending signal");
    }

    #[test]
    fn lazy_expiry_deletes_on_read_and_logs() {
        let mut d = db();
        d.insert(Entry::new(b"a", NewValue::Str(b"1"), Some(100)));
        assert!(
            d.get(b"a", 100).is_some(),
            "alive during its expiry millisecond"
        );
        assert!(d.get(b"a", 101).is_none());
        assert_eq!(d.len(), 0);
        assert_eq!(d.expired_log, vec![Box::from(&b"a"[..])]);
        assert_eq!(d.expired_total, 1);
    }

    #[test]
    fn replica_hides_but_keeps_expired_keys() {
        let mut d = db();
        d.expiry = Expiry::Hide;
        d.insert(Entry::new(b"a", NewValue::Str(b"1"), Some(100)));
        assert!(d.get(b"a", 200).is_none());
        assert!(d.get_mut(b"a", 200).is_none());
        assert_eq!(d.len(), 1);
        assert_eq!(d.active_expire_step(200, 100, |_| false), (0, 0));
        assert!(d.expired_log.is_empty());
        // The master's writes find the key it still has.
        d.expiry = Expiry::Keep;
        assert!(d.get(b"a", 200).is_some());
        assert!(d.get_mut(b"a", 200).is_some());
        let old = d.insert_at(Entry::new(b"a", NewValue::Str(b"2"), Some(100)), 200);
        assert!(old.is_some(), "replaced a live key");
        assert!(d.remove(b"a", 200).is_some());
        assert!(d.expired_log.is_empty());
    }

    #[test]
    fn active_expiry_frees_without_reads() {
        let mut d = db();
        for i in 0..5000 {
            let ttl = if i % 5 == 0 {
                Some(10)
            } else {
                Some(1_000_000)
            };
            d.insert(Entry::new(
                format!("k{i}").as_bytes(),
                NewValue::Str(b"v"),
                ttl,
            ));
        }
        let mut expired = 0;
        for _ in 0..1000 {
            expired += d.active_expire_step(20, 20, |_| false).1;
        }
        assert_eq!(expired, 1000);
        assert_eq!(d.len(), 4000);
    }
}
