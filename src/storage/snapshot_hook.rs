//! The copy-on-write side of a point-in-time snapshot, for one database's table.
//!
//! While a snapshot runs, each [`Db`] being saved carries a [`Cow`]: the walk's cursor
//! over its table, the keys handled ahead of the walk, and the fragment being filled.
//!
//! ```text
//!   positions  0 ───────────── cursor ────────────────────────────── POS_END
//!              visited by the walk │ not visited yet: the table here still holds
//!              (writes: no work)   │ the cut's values, except the keys in `ahead`
//! ```
//!
//! - **The walk** ([`Cow::step`]) visits the segment starting at the cursor and
//!   serializes its entries, except the keys in `ahead` at those positions, which it
//!   forgets. Segments split but never move a range across the cursor (see
//!   [`super::table`]), so every key present for the whole walk is visited exactly once.
//! - **A write** (every mutation point of [`Db`] calls [`Db::snapshot_before_change`]
//!   first) to a key at a position the walk has not reached and not already in `ahead`
//!   serializes the entry's current value, which is still the cut's, into the fragment
//!   and adds the key to `ahead`. A key absent then (created after the cut) is added to
//!   `ahead` too, so the walk skips it. That is one entry serialized per write at most,
//!   and only once per key.
//! - **Deletion by expiry** goes through the same check (lazy expiry before it removes,
//!   the active cycle with the removed entries).
//! - **FLUSHDB/FLUSHALL** ([`Db::clear`]) keep the old table in the `Cow` (`frozen`):
//!   the walk finishes it with its `ahead` set intact, nothing can change it any more,
//!   and the new table belongs to no snapshot, so writes to it cost nothing. No copy, no
//!   stall; the frozen table is freed when its walk ends.
//! - **SWAPDB** ([`Db::swap_data`]) moves the `Cow` along with the table: it describes a
//!   table's relation to the cut, and `Cow::db` keeps the database number the table had
//!   at the cut, which is where its entries go. The walk finds a `Cow` by that number,
//!   wherever it is now. No stall, and no second walk.
//!
//! The snapshot holds what the tables held at the cut, including entries already
//! expired but not deleted yet, as Redis's `rdbSave` does (a loading master drops them).
//!
//! Extra memory while a snapshot runs: the in-flight fragments and the `ahead` keys (one
//! key copy per key written ahead of the walk, freed as the walk passes them).
//!
//! What the walk and the writes serialize goes into `buf`, the database's in-flight
//! fragment; the shard's walker ships it when it is big enough ([`FRAGMENT_BYTES`]).
//! A write never waits for the shipping: it only appends.
//!
//! Replacing a whole [`Db`] (loading a dataset) drops its `Cow`: the walker notices
//! and fails the snapshot; a loader should abort a running snapshot first.

use std::collections::BTreeSet;
use std::ops::Bound;

use ahash::RandomState;

use super::{Db, Entry, Object, Table, ValueRef, POS_END};

/// Appends the serialized form of one entry (key, value, expiry) to a buffer. The RDB
/// codec provides the real one; the snapshot engine never looks inside the bytes.
pub type EncodeEntry = fn(&mut Vec<u8>, &Entry);

/// A database's fragment is shipped once it holds this many bytes.
pub const FRAGMENT_BYTES: usize = 64 * 1024;

/// A walk step stops inside a segment once it has serialized this many bytes.
pub const STEP_BYTES: usize = 32 * 1024;

/// About how many bytes an entry serializes to, without serializing it: exact enough
/// for strings; a collection counts as an eighth of a step, so a segment with several
/// is walked in position order and can stop between them.
fn size_hint(e: &Entry) -> usize {
    e.key().len()
        + match e.value() {
            ValueRef::Str(s) => s.len(),
            ValueRef::Obj(Object::Str(s)) => s.len(),
            ValueRef::Obj(_) => STEP_BYTES / 8,
        }
}

/// One database table's copy-on-write state during a snapshot.
pub struct Cow {
    /// The database number this table had at the cut: its entries go there.
    pub db: usize,
    /// Positions below it were visited by the walk.
    cursor: u64,
    /// Keys at positions >= `cursor` the walk must skip: serialized ahead of it, or
    /// created after the cut. Ordered by position so the walk takes a segment's share
    /// from the front (an empty boxed slice as bound allocates nothing).
    ahead: BTreeSet<(u64, Box<[u8]>)>,
    /// The table at the cut, taken out of the database by a FLUSH: walked instead of the
    /// database's table, which then belongs to no snapshot.
    frozen: Option<Table>,
    /// The in-flight fragment: entries serialized and not shipped yet.
    buf: Vec<u8>,
    /// Entries in `buf`.
    buf_keys: u64,
    encode: EncodeEntry,
}

impl Cow {
    pub fn new(db: usize, encode: EncodeEntry) -> Self {
        Cow {
            db,
            cursor: 0,
            ahead: BTreeSet::new(),
            frozen: None,
            buf: Vec::new(),
            buf_keys: 0,
            encode,
        }
    }

    /// Whether the walk has visited every position.
    pub fn is_done(&self) -> bool {
        self.cursor >= POS_END
    }

    /// Bytes waiting in the in-flight fragment.
    pub fn pending_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Keys handled ahead of the walk and not reached by it yet.
    pub fn ahead_len(&self) -> usize {
        self.ahead.len()
    }

    /// Takes the in-flight fragment and the number of entries in it.
    pub fn take_fragment(&mut self) -> (Vec<u8>, u64) {
        let keys = std::mem::take(&mut self.buf_keys);
        (std::mem::take(&mut self.buf), keys)
    }

    fn encode_one(&mut self, e: &Entry) {
        (self.encode)(&mut self.buf, e);
        self.buf_keys += 1;
    }

    /// Before `key` changes in `table` (the live table of this `Cow`'s database):
    /// serializes its cut value if the walk has not reached it yet. `creating`: the
    /// change may create the key (an absent key must then be skipped by the walk).
    fn before_change(&mut self, table: &Table, key: &[u8], creating: bool) {
        if self.frozen.is_some() {
            return;
        }
        let pos = table.position_of(key);
        if pos < self.cursor || is_ahead(&self.ahead, pos, key) {
            return;
        }
        match table.get(key) {
            Some(e) => self.encode_one(e),
            None if creating => {}
            None => return,
        }
        self.ahead.insert((pos, key.into()));
    }

    /// After `e` left `table` (active expiry): serializes it if the walk has not reached
    /// it yet.
    fn removed(&mut self, table: &Table, e: &Entry) {
        if self.frozen.is_some() {
            return;
        }
        let pos = table.position_of(e.key());
        if pos < self.cursor || is_ahead(&self.ahead, pos, e.key()) {
            return;
        }
        self.encode_one(e);
        self.ahead.insert((pos, e.key().into()));
    }

    /// One step of the walk: serializes what the table at the cut (`live`, unless a
    /// FLUSH froze it) holds from the cursor to the end of the cursor's segment, or, when
    /// that is more than [`STEP_BYTES`], only its entries up to some position (in
    /// position order), so that no step keeps the shard's clients waiting for long: a
    /// segment of 1 KiB values took ~350 µs in one step. Returns whether the walk is done.
    pub fn step(&mut self, live: &Table) -> bool {
        if self.is_done() {
            return true;
        }
        let Cow {
            cursor,
            ahead,
            frozen,
            buf,
            buf_keys,
            encode,
            ..
        } = self;
        let table = frozen.as_ref().unwrap_or(live);
        let (entries, range) = table.segment_at_pos(*cursor);
        let seg_end = range.end;
        let skip = |e: &Entry| -> bool {
            !ahead.is_empty() && is_ahead(ahead, table.position_of(e.key()), e.key())
        };
        // The cursor is at a segment's start unless the previous step stopped inside it.
        let whole =
            *cursor == range.start && entries.iter().map(size_hint).sum::<usize>() <= STEP_BYTES;
        let end = if whole {
            for e in entries.iter() {
                if !skip(e) {
                    encode(buf, e);
                    *buf_keys += 1;
                }
            }
            seg_end
        } else {
            let mut todo: Vec<(u64, &Entry)> = entries
                .iter()
                .map(|e| (table.position_of(e.key()), e))
                .filter(|(p, _)| *p >= *cursor)
                .collect();
            todo.sort_unstable_by_key(|(p, _)| *p);
            let start = buf.len();
            let mut end = seg_end;
            for (i, (pos, e)) in todo.iter().enumerate() {
                // Stop only between two positions: entries sharing one go together.
                if buf.len() - start >= STEP_BYTES && todo[i - 1].0 != *pos {
                    end = *pos;
                    break;
                }
                if !skip(e) {
                    encode(buf, e);
                    *buf_keys += 1;
                }
            }
            end
        };
        // Every key of `ahead` below the new cursor was in the part just walked (ranges
        // only split, so positions never cross the cursor): forget them.
        while ahead.first().is_some_and(|(p, _)| *p < end) {
            ahead.pop_first();
        }
        *cursor = end;
        if self.is_done() {
            // Whatever is left ahead was deleted again before the walk came: forget it,
            // and free a frozen table (off the shard's thread when it is big, as FLUSH
            // ASYNC would have).
            self.ahead.clear();
            if let Some(t) = self.frozen.take() {
                free(t);
            }
        }
        self.is_done()
    }

    /// Ends this state before its walk did (an aborted snapshot): frees a frozen table
    /// without stalling the shard.
    pub fn dispose(mut self) {
        if let Some(t) = self.frozen.take() {
            free(t);
        }
    }
}

/// Frees a table no one uses any more, on a helper thread when it is big (as FLUSH
/// ASYNC does), so the shard does not stall on it.
fn free(t: Table) {
    if t.len() > 10_000 {
        std::thread::spawn(move || drop(t));
    }
}

/// Whether `key`, at position `pos`, is in `ahead`.
fn is_ahead(ahead: &BTreeSet<(u64, Box<[u8]>)>, pos: u64, key: &[u8]) -> bool {
    let lo = Bound::Included((pos, Box::<[u8]>::default()));
    let hi = Bound::Excluded((pos + 1, Box::<[u8]>::default()));
    ahead.range((lo, hi)).any(|(_, k)| &k[..] == key)
}

impl Db {
    /// The snapshot hook of every mutation point: one `Option` check when no snapshot
    /// runs. `creating`: the change may create `key`.
    #[inline]
    pub(super) fn snapshot_before_change(&mut self, key: &[u8], creating: bool) {
        if let Some(cow) = self.snapshot.as_deref_mut() {
            cow.before_change(&self.table, key, creating);
        }
    }

    /// The hook for entries the active expiry cycle removed.
    pub(super) fn snapshot_removed(&mut self, gone: &[Entry]) {
        if let Some(cow) = self.snapshot.as_deref_mut() {
            for e in gone {
                cow.removed(&self.table, e);
            }
        }
    }

    /// FLUSH during a snapshot: the walk keeps `old` (the table at the cut) if it still
    /// needs it; returns what the caller may free.
    pub(super) fn snapshot_keep(&mut self, old: Table, hasher: RandomState) -> Table {
        match self.snapshot.as_deref_mut() {
            Some(cow) if cow.frozen.is_none() && !cow.is_done() => {
                cow.frozen = Some(old);
                Table::new(hasher)
            }
            _ => old,
        }
    }

    /// One step of this database's snapshot walk (`None`: no snapshot state here).
    pub fn snapshot_step(&mut self) -> Option<bool> {
        let cow = self.snapshot.as_deref_mut()?;
        Some(cow.step(&self.table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Keyspace, NewValue, Object, ValueRef};
    use std::collections::HashMap;

    /// Test encoding: db-less records `klen key vlen value`, u32 little-endian lengths.
    fn enc(buf: &mut Vec<u8>, e: &Entry) {
        let v: Vec<u8> = match e.value() {
            ValueRef::Str(s) => s.to_vec(),
            ValueRef::Obj(Object::Str(s)) => s.to_vec(),
            ValueRef::Obj(o) => o.type_name().as_bytes().to_vec(),
        };
        for part in [e.key(), &v[..]] {
            buf.extend_from_slice(&(part.len() as u32).to_le_bytes());
            buf.extend_from_slice(part);
        }
    }

    fn decode(mut b: &[u8], out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
        let mut next = || {
            let n = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
            let s = b[4..4 + n].to_vec();
            b = &b[4 + n..];
            (s, b.is_empty())
        };
        loop {
            let (k, _) = next();
            let (v, end) = next();
            out.push((k, v));
            if end {
                break;
            }
        }
    }

    fn put(db: &mut Db, k: &str, v: &str, ttl: Option<u64>) {
        db.insert(Entry::new(k.as_bytes(), NewValue::Str(v.as_bytes()), ttl));
    }

    fn contents(db: &Db) -> HashMap<Vec<u8>, Vec<u8>> {
        let mut out = Vec::new();
        let mut b = Vec::new();
        for e in db.table().iter() {
            b.clear();
            enc(&mut b, e);
            decode(&b, &mut out);
        }
        out.into_iter().collect()
    }

    /// Runs the walk of database 0 to its end, calling `between(step, db)` before every
    /// step; returns the serialized records (with duplicates, if any).
    fn walk(
        ks: &mut Keyspace,
        mut between: impl FnMut(usize, &mut Keyspace),
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut bytes = Vec::new();
        let mut n = 0;
        loop {
            between(n, ks);
            n += 1;
            let i = ks
                .dbs
                .iter()
                .position(|d| d.snapshot.as_ref().is_some_and(|c| c.db == 0))
                .expect("the walk's state is somewhere");
            let done = ks.dbs[i].snapshot_step().unwrap();
            let cow = ks.dbs[i].snapshot.as_deref_mut().unwrap();
            bytes.extend(cow.take_fragment().0);
            if done {
                assert_eq!(cow.ahead_len(), 0);
                ks.dbs[i].snapshot = None;
                break;
            }
        }
        let mut out = Vec::new();
        if !bytes.is_empty() {
            decode(&bytes, &mut out);
        }
        out
    }

    fn exactly(records: Vec<(Vec<u8>, Vec<u8>)>, expected: &HashMap<Vec<u8>, Vec<u8>>) {
        let mut got = HashMap::new();
        for (k, v) in records {
            let dup = got.insert(k.clone(), v);
            assert!(dup.is_none(), "{} twice", String::from_utf8_lossy(&k));
        }
        assert_eq!(got.len(), expected.len());
        for (k, v) in expected {
            assert_eq!(got.get(k), Some(v), "{}", String::from_utf8_lossy(k));
        }
    }

    fn start(ks: &mut Keyspace) -> HashMap<Vec<u8>, Vec<u8>> {
        for (i, d) in ks.dbs.iter_mut().enumerate() {
            d.snapshot = Some(Box::new(Cow::new(i, enc)));
        }
        contents(&ks.dbs[0])
    }

    #[test]
    fn quiet_walk_serializes_everything_once() {
        let mut ks = Keyspace::new(1, 7);
        for i in 0..5000 {
            put(&mut ks.dbs[0], &format!("k{i}"), &format!("v{i}"), None);
        }
        let cut = start(&mut ks);
        exactly(walk(&mut ks, |_, _| {}), &cut);
    }

    #[test]
    fn big_values_are_walked_in_bounded_steps_that_keep_the_cut() {
        let mut ks = Keyspace::new(1, 5);
        let big = |tag: &str| format!("{tag}{}", "x".repeat(1500));
        for i in 0..2000 {
            put(
                &mut ks.dbs[0],
                &format!("k{i}"),
                &big(&format!("v{i}")),
                None,
            );
        }
        let cut = start(&mut ks);
        let now = 1;
        let mut steps = 0;
        let got = walk(&mut ks, |step, ks| {
            steps = step + 1;
            let db = &mut ks.dbs[0];
            for j in 0..3 {
                let i = (step * 131 + j * 47) % 2000;
                match j {
                    0 => put(db, &format!("k{i}"), "changed", None),
                    1 => {
                        db.remove(format!("k{}", (i + 7) % 2000).as_bytes(), now);
                    }
                    _ => put(db, &format!("new{step}"), &big("n"), None),
                }
            }
        });
        exactly(got, &cut);
        // 2000 × 1.5 KiB in steps of at most 32 KiB, not one step per segment.
        assert!(steps > 2000 * 1500 / STEP_BYTES, "{steps} steps");
    }

    #[test]
    fn writes_deletes_and_growth_during_the_walk_keep_the_cut() {
        let mut ks = Keyspace::new(1, 11);
        for i in 0..3000 {
            put(&mut ks.dbs[0], &format!("k{i}"), &format!("v{i}"), None);
        }
        let cut = start(&mut ks);
        let now = 1;
        let got = walk(&mut ks, |step, ks| {
            let db = &mut ks.dbs[0];
            for j in 0..40 {
                let i = (step * 97 + j * 31) % 3000;
                match j % 4 {
                    0 => put(db, &format!("k{i}"), "changed", None),
                    1 => {
                        db.remove(format!("k{i}").as_bytes(), now);
                    }
                    2 => {
                        // In-place change through get_mut.
                        if let Some(mut e) = db.get_mut(format!("k{i}").as_bytes(), now) {
                            e.set_expire(Some(u64::MAX / 2));
                        }
                    }
                    _ => {
                        // Growth: new keys make segments split under the walk; some
                        // are deleted again, some re-created keys were deleted first.
                        put(db, &format!("new{step}:{j}"), "x", None);
                        db.remove(format!("new{}:{j}", step / 2).as_bytes(), now);
                        put(db, &format!("k{}", (i + 1) % 3000), "again", None);
                    }
                }
            }
        });
        exactly(got, &cut);
    }

    #[test]
    fn flushdb_mid_walk_finishes_the_old_table() {
        let mut ks = Keyspace::new(1, 5);
        for i in 0..4000 {
            put(&mut ks.dbs[0], &format!("k{i}"), &format!("v{i}"), None);
        }
        let cut = start(&mut ks);
        let hasher = ks.hasher();
        let got = walk(&mut ks, |step, ks| {
            let db = &mut ks.dbs[0];
            if step < 5 {
                put(db, &format!("k{}", step * 13), "before-flush", None);
            }
            if step == 5 {
                let freed = db.clear(hasher.clone());
                assert_eq!(freed.len(), 0, "the walk keeps the cut's table");
                assert_eq!(db.len(), 0);
            }
            if step > 5 {
                put(db, &format!("k{step}"), "after-flush", None);
                put(db, &format!("post{step}"), "after-flush", None);
            }
            if step == 9 {
                // A second flush frees the post-cut table as usual.
                let freed = db.clear(hasher.clone());
                assert!(!freed.is_empty());
            }
        });
        exactly(got, &cut);
    }

    #[test]
    fn expiry_mid_walk_serializes_the_expiring_entries() {
        let mut ks = Keyspace::new(1, 3);
        for i in 0..3000 {
            let ttl = if i % 3 == 0 { Some(100) } else { None };
            put(&mut ks.dbs[0], &format!("k{i}"), &format!("v{i}"), ttl);
        }
        let cut = start(&mut ks);
        let got = walk(&mut ks, |step, ks| {
            let db = &mut ks.dbs[0];
            if step == 3 {
                // Lazy expiry of one key, then the active cycle takes the rest.
                assert!(db.get(b"k0", 200).is_none());
                while db.active_expire_step(200, 50, |_| false).1 > 0 {}
                assert_eq!(db.volatile_len(), 0);
            }
        });
        exactly(got, &cut);
    }

    #[test]
    fn swapdb_mid_walk_moves_the_state_with_the_table() {
        let mut ks = Keyspace::new(2, 9);
        for i in 0..2000 {
            put(&mut ks.dbs[0], &format!("a{i}"), "0", None);
            put(&mut ks.dbs[1], &format!("b{i}"), "1", None);
        }
        let cut = start(&mut ks);
        let got = walk(&mut ks, |step, ks| {
            if step % 4 == 2 {
                let (head, tail) = ks.dbs.split_at_mut(1);
                head[0].swap_data(&mut tail[0]);
            }
            for d in ks.dbs.iter_mut() {
                put(d, &format!("a{}", step * 7), "w", None);
                d.remove(format!("a{}", step * 11).as_bytes(), 0);
            }
        });
        exactly(got, &cut);
        assert!(
            ks.dbs.iter().any(|d| d.snapshot.is_some()),
            "db 1 not walked"
        );
    }
}
