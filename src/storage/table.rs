//! The keyspace table of one database on one shard: extendible hashing over small
//! open-addressing segments.
//!
//! ```text
//!   hash(key) = h (64 bits)
//!   top `global_depth` bits of h ──> dir[i] ──> segment (a hashbrown table of <= 112 entries)
//!                                               local depth d: every key in it shares
//!                                               the top d bits of its hash
//! ```
//!
//! Why this shape:
//! - **No global rehash.** A full segment splits in two by the next hash bit (and the
//!   directory doubles when needed), so growth costs at most one segment's worth of moves
//!   per insert: no latency spike and no 2x memory moment as with a doubling table.
//! - **A cursor that survives growth.** A segment owns a contiguous range of the hash space.
//!   SCAN, active expiry and (later) the snapshot walk visit whole segments in hash order
//!   and return the end of the segment's range as the cursor. Splits only cut a range in
//!   two, so a range already visited never moves ahead of the cursor and an unvisited one
//!   never moves behind it: every key present for the whole walk is seen exactly once.
//! - **Memory.** Slots hold one 8-byte thin pointer ([`Entry`]) plus hashbrown's control
//!   byte, at 44-88% load.
//!
//! Positions in the hash space are 32-bit (`POS_END` = 2^32), which caps the depth at 32;
//! past that a segment simply grows instead of splitting.

use ahash::RandomState;
use hashbrown::HashTable;

use super::entry::Entry;

/// What a table holds: items found by a byte-string key. The keyspace holds [`Entry`]s;
/// hash, set and sorted-set encodings hold their own element blocks.
pub trait Keyed {
    fn key(&self) -> &[u8];
    /// Whether the item has a TTL (only keyspace entries do); the table counts them so the
    /// expiry walk can skip segments without any.
    fn has_ttl(&self) -> bool {
        false
    }
}

impl Keyed for Entry {
    #[inline]
    fn key(&self) -> &[u8] {
        Entry::key(self)
    }
    #[inline]
    fn has_ttl(&self) -> bool {
        self.expire_at_ms().is_some()
    }
}

/// One past the last position of the hash space that cursors walk.
pub const POS_END: u64 = 1 << 32;
const POS_BITS: u32 = 32;
/// A segment splits when an insert finds it this full (hashbrown's capacity of 128 buckets).
const SPLIT_AT: usize = 112;

struct Segment<E> {
    entries: HashTable<E>,
    depth: u32,
    /// Entries with a TTL; lets the expiry walk skip segments without any.
    volatile: u32,
}

impl<E> Segment<E> {
    fn new(depth: u32) -> Self {
        Segment {
            entries: HashTable::new(),
            depth,
            volatile: 0,
        }
    }

    /// Start and end of this segment's range of positions, given any position inside it.
    fn range(&self, pos: u64) -> (u64, u64) {
        let width = 1u64 << (POS_BITS - self.depth);
        let start = pos & !(width - 1);
        (start, start + width)
    }
}

/// Mixes the hash for hashbrown: its slot index comes from the low bits and its tag from
/// the top 7; the top bits are shared by every key of a segment (they chose the segment),
/// so hashbrown gets a multiplied hash whose top bits depend on all bits.
#[inline]
fn inner(h: u64) -> u64 {
    h.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A mutable borrow of one item. On drop it updates the TTL counters if the item gained
/// or lost a TTL, so callers may change TTLs freely.
pub struct ItemMut<'a, E: Keyed> {
    entry: &'a mut E,
    segment_volatile: &'a mut u32,
    table_volatile: &'a mut usize,
    had_ttl: bool,
}

/// A mutable borrow of one keyspace entry.
pub type EntryMut<'a> = ItemMut<'a, Entry>;

impl<E: Keyed> std::ops::Deref for ItemMut<'_, E> {
    type Target = E;
    fn deref(&self) -> &E {
        self.entry
    }
}

impl<E: Keyed> std::ops::DerefMut for ItemMut<'_, E> {
    fn deref_mut(&mut self) -> &mut E {
        self.entry
    }
}

impl<E: Keyed> Drop for ItemMut<'_, E> {
    fn drop(&mut self) {
        let has_ttl = self.entry.has_ttl();
        if has_ttl != self.had_ttl {
            if has_ttl {
                *self.segment_volatile += 1;
                *self.table_volatile += 1;
            } else {
                *self.segment_volatile -= 1;
                *self.table_volatile -= 1;
            }
        }
    }
}

pub struct Table<E: Keyed = Entry> {
    hasher: RandomState,
    dir: Vec<u32>,
    segments: Vec<Segment<E>>,
    global_depth: u32,
    len: usize,
    volatile: usize,
}

impl<E: Keyed> Table<E> {
    pub fn new(hasher: RandomState) -> Self {
        Table {
            hasher,
            dir: vec![0],
            segments: vec![Segment::new(0)],
            global_depth: 0,
            len: 0,
            volatile: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of entries with a TTL.
    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The position of `key` in the hash space (whether or not it is present): the one
    /// [`Table::scan_segment`] cursors compare with. A key at a position below a walk's
    /// cursor was visited (if present then); one at or above it was not yet.
    #[inline]
    pub fn position_of(&self, key: &[u8]) -> u64 {
        self.hash(key) >> (64 - POS_BITS)
    }

    #[inline]
    fn segment_of(&self, h: u64) -> usize {
        if self.global_depth == 0 {
            0
        } else {
            self.dir[(h >> (64 - self.global_depth)) as usize] as usize
        }
    }

    #[inline]
    fn segment_at(&self, pos: u64) -> usize {
        if self.global_depth == 0 {
            0
        } else {
            self.dir[(pos >> (POS_BITS - self.global_depth)) as usize] as usize
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&E> {
        let h = self.hash(key);
        self.segments[self.segment_of(h)]
            .entries
            .find(inner(h), |e| e.key() == key)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<ItemMut<'_, E>> {
        let h = self.hash(key);
        let si = self.segment_of(h);
        let seg = &mut self.segments[si];
        let entry = seg.entries.find_mut(inner(h), |e| e.key() == key)?;
        let had_ttl = entry.has_ttl();
        Some(ItemMut {
            entry,
            segment_volatile: &mut seg.volatile,
            table_volatile: &mut self.volatile,
            had_ttl,
        })
    }

    /// Inserts `entry`, replacing (and returning) an entry with the same key.
    pub fn insert(&mut self, entry: E) -> Option<E> {
        let h = self.hash(entry.key());
        let ttl = entry.has_ttl() as u32;
        let mut si = self.segment_of(h);
        if let Some(slot) = self.segments[si]
            .entries
            .find_mut(inner(h), |e| e.key() == entry.key())
        {
            let old_ttl = slot.has_ttl() as u32;
            let old = std::mem::replace(slot, entry);
            let seg = &mut self.segments[si];
            seg.volatile = seg.volatile + ttl - old_ttl;
            self.volatile = self.volatile + ttl as usize - old_ttl as usize;
            return Some(old);
        }
        while self.segments[si].entries.len() >= SPLIT_AT && self.segments[si].depth < POS_BITS {
            self.split(si, h);
            si = self.segment_of(h);
        }
        let hasher = &self.hasher;
        let seg = &mut self.segments[si];
        seg.entries
            .insert_unique(inner(h), entry, |e| inner(hasher.hash_one(e.key())));
        seg.volatile += ttl;
        self.volatile += ttl as usize;
        self.len += 1;
        None
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let h = self.hash(key);
        let si = self.segment_of(h);
        let seg = &mut self.segments[si];
        let found = seg.entries.find_entry(inner(h), |e| e.key() == key).ok()?;
        let (entry, _) = found.remove();
        if entry.has_ttl() {
            seg.volatile -= 1;
            self.volatile -= 1;
        }
        if seg.entries.is_empty() {
            // Give an emptied segment's slots back; splits never merge, so this is what
            // keeps a drained table small.
            seg.entries.shrink_to(0, |_| 0);
        }
        self.len -= 1;
        Some(entry)
    }

    /// Splits segment `si`, which holds the hash `h`, by the next hash bit.
    fn split(&mut self, si: usize, h: u64) {
        let depth = self.segments[si].depth;
        if depth == self.global_depth {
            // Double the directory: index i at depth g+1 is index i/2 at depth g.
            let doubled: Vec<u32> = (0..self.dir.len() * 2).map(|i| self.dir[i / 2]).collect();
            self.dir = doubled;
            self.global_depth += 1;
        }
        let bit = 63 - depth;
        let hasher = &self.hasher;
        // Both halves are rebuilt as fresh tables sized for a full segment: extracting in
        // place would leave tombstones that make the kept half grow to twice the buckets
        // at the next inserts while it never holds more than SPLIT_AT entries.
        let mut stay = Segment::new(depth + 1);
        let mut moved = Segment::new(depth + 1);
        stay.entries.reserve(SPLIT_AT, |_| 0);
        moved.entries.reserve(SPLIT_AT, |_| 0);
        let old = std::mem::replace(&mut self.segments[si], Segment::new(depth + 1));
        for e in old.entries {
            let eh = hasher.hash_one(e.key());
            let half = if (eh >> bit) & 1 == 1 {
                &mut moved
            } else {
                &mut stay
            };
            half.volatile += e.has_ttl() as u32;
            half.entries
                .insert_unique(inner(eh), e, |x| inner(hasher.hash_one(x.key())));
        }
        self.segments[si] = stay;
        let new_index = self.segments.len() as u32;
        self.segments.push(moved);
        // The directory slots of the old range whose next bit is 1 now point to the new one.
        let g = self.global_depth;
        let prefix = if depth == 0 { 0 } else { h >> (64 - depth) };
        let span = 1usize << (g - depth);
        let start = (prefix as usize) << (g - depth);
        for slot in &mut self.dir[start + span / 2..start + span] {
            *slot = new_index;
        }
    }

    /// The entries of the segment holding position `pos`, and the segment's range of
    /// positions: where it starts and where the next one starts (`POS_END` after the
    /// last one).
    pub fn segment_at_pos(&self, pos: u64) -> (&HashTable<E>, std::ops::Range<u64>) {
        let pos = pos.min(POS_END - 1);
        let seg = &self.segments[self.segment_at(pos)];
        let (start, end) = seg.range(pos);
        (&seg.entries, start..end)
    }

    /// Visits every entry of the segment holding position `pos` and returns the position
    /// where the next segment starts (`POS_END` after the last one).
    pub fn scan_segment(&self, pos: u64, mut visit: impl FnMut(&E)) -> u64 {
        let (entries, range) = self.segment_at_pos(pos);
        for e in entries.iter() {
            visit(e);
        }
        range.end
    }

    /// A pseudo-random entry, chosen with the random number `r`.
    pub fn random_entry(&self, mut r: u64) -> Option<&E> {
        if self.len == 0 {
            return None;
        }
        for _ in 0..32 {
            let seg = &self.segments[self.dir[(r as usize) % self.dir.len()] as usize];
            r = r.rotate_left(17).wrapping_mul(0x2545_F491_4F6C_DD1D);
            if !seg.entries.is_empty() {
                return seg.entries.iter().nth((r as usize) % seg.entries.len());
            }
        }
        self.segments.iter().find_map(|s| s.entries.iter().next())
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.segments.iter().flat_map(|s| s.entries.iter())
    }

    /// Approximate heap bytes of the table structure itself (not the entries).
    pub fn overhead_bytes(&self) -> usize {
        self.dir.len() * 4
            + self
                .segments
                .iter()
                .map(|s| {
                    std::mem::size_of::<Segment<E>>()
                        + s.entries.capacity() * 8 / 7 * (std::mem::size_of::<E>() + 1)
                })
                .sum::<usize>()
    }
}

impl Table<Entry> {
    /// Removes the expired entries of segments starting at `pos`, checking at most about
    /// `max_checked` entries that have a TTL, except those `spare` keeps (keys a
    /// transaction holds). Removed entries go to `on_expired`. Returns the next position
    /// (wrapping to 0 at the end), entries checked, entries expired.
    pub fn expire_from(
        &mut self,
        mut pos: u64,
        now_ms: u64,
        max_checked: usize,
        spare: impl Fn(&[u8]) -> bool,
        mut on_expired: impl FnMut(Entry),
    ) -> (u64, usize, usize) {
        let (mut checked, mut expired) = (0, 0);
        let mut segments_seen = 0;
        while checked < max_checked && self.volatile > 0 && segments_seen < self.segments.len() {
            let si = self.segment_at(pos);
            let seg = &mut self.segments[si];
            let (_, end) = seg.range(pos);
            segments_seen += 1;
            if seg.volatile > 0 {
                checked += seg.volatile as usize;
                let mut gone = 0;
                for e in seg
                    .entries
                    .extract_if(|e| e.is_expired(now_ms) && !spare(e.key()))
                {
                    gone += 1;
                    on_expired(e);
                }
                seg.volatile -= gone;
                if seg.entries.is_empty() {
                    seg.entries.shrink_to(0, |_| 0);
                }
                self.volatile -= gone as usize;
                self.len -= gone as usize;
                expired += gone as usize;
            }
            pos = if end >= POS_END { 0 } else { end };
        }
        (pos, checked, expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::entry::NewValue;

    fn table() -> Table {
        Table::new(RandomState::with_seeds(1, 2, 3, 4))
    }

    fn put(t: &mut Table, k: &str, ttl: Option<u64>) {
        t.insert(Entry::new(k.as_bytes(), NewValue::Str(b"v"), ttl));
    }

    #[test]
    fn grows_by_splitting_and_finds_everything() {
        let mut t = table();
        for i in 0..20_000 {
            put(&mut t, &format!("key:{i}"), None);
        }
        assert_eq!(t.len(), 20_000);
        assert!(t.global_depth > 5);
        for i in 0..20_000 {
            assert!(t.get(format!("key:{i}").as_bytes()).is_some());
        }
        for i in 0..10_000 {
            assert!(t.remove(format!("key:{i}").as_bytes()).is_some());
        }
        assert_eq!(t.len(), 10_000);
        assert!(t.get(b"key:5").is_none() && t.get(b"key:15000").is_some());
    }

    #[test]
    fn scan_sees_each_key_once_while_the_table_grows() {
        let mut t = table();
        for i in 0..1000 {
            put(&mut t, &format!("old:{i}"), None);
        }
        let mut seen = std::collections::HashMap::new();
        let mut pos = 0;
        let mut round = 0;
        loop {
            pos = t.scan_segment(pos, |e| *seen.entry(e.key().to_vec()).or_insert(0) += 1);
            // Grow the table between steps, as clients would between SCAN calls.
            for j in 0..200 {
                put(&mut t, &format!("new:{round}:{j}"), None);
            }
            round += 1;
            if pos >= POS_END {
                break;
            }
        }
        for i in 0..1000 {
            assert_eq!(seen.get(format!("old:{i}").as_bytes()), Some(&1), "old:{i}");
        }
        assert!(seen.values().all(|&n| n == 1));
    }

    #[test]
    fn positions_fall_in_the_segment_ranges_scan_returns() {
        let mut t = table();
        for i in 0..5000 {
            put(&mut t, &format!("k{i}"), None);
        }
        let mut pos = 0;
        let mut seen = 0;
        while pos < POS_END {
            let start = pos;
            let mut keys = Vec::new();
            pos = t.scan_segment(pos, |e| keys.push(e.key().to_vec()));
            for k in keys {
                let p = t.position_of(&k);
                assert!(start <= p && p < pos, "{p} outside [{start}, {pos})");
                seen += 1;
            }
        }
        assert_eq!(seen, 5000);
    }

    #[test]
    fn ttl_counters_follow_every_change() {
        let mut t = table();
        for i in 0..500 {
            put(
                &mut t,
                &format!("k{i}"),
                if i % 2 == 0 { Some(100) } else { None },
            );
        }
        assert_eq!(t.volatile_len(), 250);
        t.get_mut(b"k1").unwrap().set_expire(Some(50));
        t.get_mut(b"k0").unwrap().set_expire(None);
        assert_eq!(t.volatile_len(), 250);
        put(&mut t, "k2", None);
        assert_eq!(t.volatile_len(), 249);
        let mut gone = 0;
        let mut pos = 0;
        loop {
            let (next, _, n) = t.expire_from(pos, 1000, 10_000, |_| false, |_| {});
            gone += n;
            if next == 0 || t.volatile_len() == 0 {
                break;
            }
            pos = next;
        }
        assert_eq!(gone, 249);
        assert_eq!((t.volatile_len(), t.len()), (0, 251));
        let recount: usize = t.segments.iter().map(|s| s.volatile as usize).sum();
        assert_eq!(recount, 0);
    }

    #[test]
    fn random_entry_finds_keys() {
        let mut t = table();
        assert!(t.random_entry(7).is_none());
        for i in 0..300 {
            put(&mut t, &format!("k{i}"), None);
        }
        for r in 0..50 {
            assert!(t.random_entry(r * 7919).is_some());
        }
    }
}
