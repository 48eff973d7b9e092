//! One shard's intent locks: which transactions hold which keys (or whole databases) of
//! this shard, and who waits for them, in arrival order.
//!
//! Pure bookkeeping, generic over the `grant` token a waiter leaves behind (the shard
//! turns it into a wake-up or a reply): no I/O, no shard state, unit-tested below.
//!
//! Rules:
//! - A request is a whole [`LockSet`] of one transaction on this shard: it is granted all
//!   at once or not at all, so a transaction never holds part of a shard while waiting
//!   for the rest of it.
//! - Shared locks share with shared locks; an exclusive lock shares with nothing. A
//!   whole-database lock is exclusive and conflicts with every key lock of that database.
//! - First come, first served: a request is granted only if it conflicts neither with the
//!   locks held nor with any request queued before it. A stream of readers therefore
//!   cannot starve a writer queued behind them, and a waiter is granted as soon as
//!   everything ahead of it that conflicts with it has been released.

use std::collections::VecDeque;

use ahash::AHashMap;
use bytes::Bytes;

/// A transaction's identity: unique per process (the issuing shard in the high bits).
pub type TxId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Shared,
    Exclusive,
}

/// What one transaction locks on one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockSet {
    /// Whole databases, exclusively (FLUSHDB, FLUSHALL, SWAPDB, keyless commands in EXEC).
    pub dbs: Vec<u16>,
    /// Keys, sorted and unique by (db, key); a key wanted in both modes is exclusive.
    pub keys: Vec<(u16, Bytes, Mode)>,
}

impl LockSet {
    /// Adds a key; call [`LockSet::normalize`] after the last one.
    pub fn key(&mut self, db: u16, key: Bytes, mode: Mode) {
        self.keys.push((db, key, mode));
    }

    /// Sorts and merges repeated keys and databases (the strongest mode wins).
    pub fn normalize(&mut self) {
        // Exclusive sorts after Shared: keep the last of each run of equal keys.
        self.keys.sort();
        let mut merged: Vec<(u16, Bytes, Mode)> = Vec::with_capacity(self.keys.len());
        for k in self.keys.drain(..) {
            match merged.last_mut() {
                Some(last) if last.0 == k.0 && last.1 == k.1 => last.2 = last.2.max(k.2),
                _ => merged.push(k),
            }
        }
        self.keys = merged;
        self.dbs.sort_unstable();
        self.dbs.dedup();
    }

    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty() && self.keys.is_empty()
    }

    /// Whether two sets cannot be held at the same time.
    fn conflicts(&self, other: &LockSet) -> bool {
        let db_hit = |dbs: &[u16], set: &LockSet| {
            dbs.iter()
                .any(|d| set.dbs.contains(d) || set.keys.iter().any(|k| k.0 == *d))
        };
        if db_hit(&self.dbs, other) || db_hit(&other.dbs, self) {
            return true;
        }
        // Both key lists are sorted: merge-walk them.
        let (mut i, mut j) = (0, 0);
        while i < self.keys.len() && j < other.keys.len() {
            let (a, b) = (&self.keys[i], &other.keys[j]);
            match (a.0, &a.1).cmp(&(b.0, &b.1)) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if a.2 == Mode::Exclusive || b.2 == Mode::Exclusive {
                        return true;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        false
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct KeyHold {
    shared: u32,
    exclusive: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct DbHold {
    /// Key locks held in this database.
    keys: u32,
    exclusive: bool,
}

struct Waiter<G> {
    tx: TxId,
    set: LockSet,
    grant: G,
}

/// The lock table of one shard.
pub struct Locks<G> {
    keys: AHashMap<(u16, Bytes), KeyHold>,
    dbs: AHashMap<u16, DbHold>,
    held: AHashMap<TxId, LockSet>,
    queue: VecDeque<Waiter<G>>,
}

impl<G> Default for Locks<G> {
    fn default() -> Self {
        Locks {
            keys: AHashMap::new(),
            dbs: AHashMap::new(),
            held: AHashMap::new(),
            queue: VecDeque::new(),
        }
    }
}

impl<G> Locks<G> {
    /// Nothing held, nobody waiting: commands need not look at their keys.
    pub fn is_idle(&self) -> bool {
        self.held.is_empty() && self.queue.is_empty()
    }

    /// Whether `tx` holds locks here.
    pub fn holds(&self, tx: TxId) -> bool {
        self.held.contains_key(&tx)
    }

    /// Whether `set` could not be granted right now (held locks or earlier waiters).
    pub fn must_wait(&self, set: &LockSet) -> bool {
        self.conflicts_held(set) || self.queue.iter().any(|w| w.set.conflicts(set))
    }

    /// Whether any lock is held or wanted on this key (blocked clients are not served
    /// on such a key until it is released).
    pub fn is_key_busy(&self, db: u16, key: &[u8]) -> bool {
        if self.is_idle() {
            return false;
        }
        let probe = LockSet {
            dbs: Vec::new(),
            keys: vec![(db, Bytes::copy_from_slice(key), Mode::Exclusive)],
        };
        self.must_wait(&probe)
    }

    /// Grants `set` to `tx` now (`Some`: the token handed back) or queues it (`None`: the
    /// token is returned by a later [`Locks::release`]). A transaction asks at most once
    /// per shard.
    pub fn acquire(&mut self, tx: TxId, set: LockSet, grant: G) -> Option<G> {
        if self.must_wait(&set) {
            self.queue.push_back(Waiter { tx, set, grant });
            return None;
        }
        self.take(tx, set);
        Some(grant)
    }

    /// Releases what `tx` holds here (nothing if it holds nothing) and grants, in queue
    /// order, every waiter that no longer conflicts with the held locks or with a waiter
    /// still ahead of it. Returns the granted waiters' tokens, in that order.
    pub fn release(&mut self, tx: TxId) -> Vec<(TxId, G)> {
        let Some(set) = self.held.remove(&tx) else {
            return Vec::new();
        };
        for (db, key, mode) in set.keys {
            let k = (db, key);
            if let Some(hold) = self.keys.get_mut(&k) {
                match mode {
                    Mode::Shared => hold.shared -= 1,
                    Mode::Exclusive => hold.exclusive = false,
                }
                if hold.shared == 0 && !hold.exclusive {
                    self.keys.remove(&k);
                }
            }
            if let Some(d) = self.dbs.get_mut(&db) {
                d.keys -= 1;
            }
        }
        for db in set.dbs {
            self.dbs.entry(db).or_default().exclusive = false;
        }
        self.dbs.retain(|_, d| d.keys > 0 || d.exclusive);
        let mut granted = Vec::new();
        let mut i = 0;
        while i < self.queue.len() {
            let w = &self.queue[i];
            let blocked = self.conflicts_held(&w.set)
                || self
                    .queue
                    .iter()
                    .take(i)
                    .any(|ahead| ahead.set.conflicts(&w.set));
            if blocked {
                i += 1;
                continue;
            }
            let w = self.queue.remove(i).expect("index in range");
            self.take(w.tx, w.set);
            granted.push((w.tx, w.grant));
        }
        granted
    }

    fn conflicts_held(&self, set: &LockSet) -> bool {
        for db in &set.dbs {
            if self.dbs.contains_key(db) {
                return true;
            }
        }
        for (db, key, mode) in &set.keys {
            if self.dbs.get(db).is_some_and(|d| d.exclusive) {
                return true;
            }
            if let Some(h) = self.keys.get(&(*db, key.clone())) {
                if h.exclusive || (*mode == Mode::Exclusive && h.shared > 0) {
                    return true;
                }
            }
        }
        false
    }

    fn take(&mut self, tx: TxId, set: LockSet) {
        for (db, key, mode) in &set.keys {
            let hold = self.keys.entry((*db, key.clone())).or_default();
            match mode {
                Mode::Shared => hold.shared += 1,
                Mode::Exclusive => hold.exclusive = true,
            }
            self.dbs.entry(*db).or_default().keys += 1;
        }
        for db in &set.dbs {
            self.dbs.entry(*db).or_default().exclusive = true;
        }
        self.held.insert(tx, set);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[(&str, Mode)]) -> LockSet {
        let mut s = LockSet::default();
        for (k, m) in keys {
            s.key(0, Bytes::copy_from_slice(k.as_bytes()), *m);
        }
        s.normalize();
        s
    }

    use Mode::{Exclusive as X, Shared as S};

    #[test]
    fn shared_locks_share_and_exclusive_waits() {
        let mut l: Locks<u32> = Locks::default();
        assert!(l.is_idle());
        assert_eq!(l.acquire(1, set(&[("a", S)]), 1), Some(1));
        assert_eq!(l.acquire(2, set(&[("a", S), ("b", X)]), 2), Some(2));
        assert_eq!(l.acquire(3, set(&[("a", X)]), 3), None);
        assert!(l.is_key_busy(0, b"a"));
        assert!(!l.is_key_busy(0, b"c"));
        assert!(l.release(1).is_empty());
        assert_eq!(l.release(2), vec![(3, 3)]);
        assert!(l.holds(3));
        assert!(l.release(3).is_empty());
        assert!(l.is_idle());
        assert!(l.keys.is_empty() && l.dbs.is_empty());
    }

    #[test]
    fn first_come_first_served() {
        let mut l: Locks<u32> = Locks::default();
        l.acquire(1, set(&[("a", S)]), 1).unwrap();
        // A writer waits for the reader...
        assert_eq!(l.acquire(2, set(&[("a", X)]), 2), None);
        // ...and a later reader may not overtake it.
        assert_eq!(l.acquire(3, set(&[("a", S)]), 3), None);
        // An unrelated key is granted at once.
        assert_eq!(l.acquire(4, set(&[("z", X)]), 4), Some(4));
        assert_eq!(l.release(1), vec![(2, 2)]);
        assert_eq!(l.release(2), vec![(3, 3)]);
    }

    #[test]
    fn whole_sets_are_granted_together() {
        let mut l: Locks<u32> = Locks::default();
        l.acquire(1, set(&[("b", X)]), 1).unwrap();
        // Needs a and b: gets neither while b is held, so a stays free for others.
        assert_eq!(l.acquire(2, set(&[("a", X), ("b", X)]), 2), None);
        assert!(!l.conflicts_held(&set(&[("a", X)])));
        assert_eq!(l.release(1), vec![(2, 2)]);
        assert!(l.conflicts_held(&set(&[("a", S)])));
    }

    #[test]
    fn database_locks_conflict_with_their_keys() {
        let mut l: Locks<u32> = Locks::default();
        l.acquire(1, set(&[("a", S)]), 1).unwrap();
        let flush = LockSet {
            dbs: vec![0],
            keys: Vec::new(),
        };
        let other_db = LockSet {
            dbs: vec![1],
            keys: Vec::new(),
        };
        assert_eq!(l.acquire(2, flush, 2), None);
        assert_eq!(l.acquire(3, other_db, 3), Some(3));
        assert_eq!(l.acquire(4, set(&[("q", S)]), 4), None);
        assert_eq!(l.release(1), vec![(2, 2)]);
        assert_eq!(l.release(2), vec![(4, 4)]);
    }

    #[test]
    fn normalize_keeps_the_strongest_mode() {
        let s = set(&[("a", S), ("b", S), ("a", X), ("b", S)]);
        assert_eq!(s.keys.len(), 2);
        assert_eq!(s.keys[0].2, X);
        assert_eq!(s.keys[1].2, S);
    }
}
