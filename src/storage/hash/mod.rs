//! Hashes (`t_hash.c`): field/value pairs in two encodings, as Redis 7.0 keeps them.
//!
//! - `listpack`: a [`Pack`] holding `field, value, field, value, ...` in insertion order
//!   (an update keeps the pair's place, a delete closes the gap), so HGETALL, HKEYS and
//!   HSCAN list a small hash in exactly Redis's order. The hash is one word (the pack's
//!   pointer) inside the key's entry block, so a small hash is two allocations: the entry
//!   block and the pack.
//! - `hashtable`: a [`Table`] of [`Pair`] blocks (one allocation per pair, 8 bytes per
//!   slot). Its segment positions are the HSCAN cursors.
//!
//! A hash converts to `hashtable` when it would hold more than `hash-max-listpack-entries`
//! pairs or a field or value longer than `hash-max-listpack-value` bytes (Redis's
//! `hashTypeTryConversion` before a write, and `hashTypeSet`'s own checks), and never
//! converts back.

mod pair;

use ahash::RandomState;

pub use pair::Pair;

use super::pack::{self, Either, Pack, PackOr};
use super::table::{Table, POS_END};
use super::value::EncodingLimits;

/// Redis refuses to grow a listpack past 1 GiB (`LISTPACK_MAX_SAFETY_SIZE`); a write that
/// could cross it converts the hash first (`lpSafeToAdd`).
const PACK_SAFETY_BYTES: usize = 1 << 30;

/// One word: the listpack or the boxed table (see [`PackOr`]), so an `Object` holding a
/// hash is 16 bytes.
#[derive(Default)]
pub struct Hash {
    repr: PackOr<Table<Pair>>,
}

/// Finds `field` in a listpack hash: the offsets of the field and of its value.
fn pack_find(p: &Pack, field: &[u8]) -> Option<(usize, usize)> {
    let (mut at, end) = (0, p.end());
    while at < end {
        let (f, value_at) = p.get(at);
        if f == field {
            return Some((at, value_at));
        }
        at = p.get(value_at).1;
    }
    None
}

impl Hash {
    pub fn new() -> Self {
        Hash::default()
    }

    pub fn len(&self) -> usize {
        match self.repr.get() {
            Either::Pack(p) => p.len() / 2,
            Either::Other(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding_name(&self) -> &'static str {
        match self.repr.get() {
            Either::Pack(_) => "listpack",
            Either::Other(_) => "hashtable",
        }
    }

    pub fn is_listpack(&self) -> bool {
        self.repr.is_pack()
    }

    /// Heap bytes held, for MEMORY USAGE. A table's pairs are sampled (the first 64
    /// scaled to the whole), as Redis's MEMORY USAGE samples big collections.
    pub fn heap_bytes(&self) -> usize {
        match self.repr.get() {
            Either::Pack(p) => p.heap_bytes(),
            Either::Other(t) => {
                const SAMPLE: usize = 64;
                let (mut n, mut bytes) = (0, 0);
                for p in t.iter().take(SAMPLE) {
                    n += 1;
                    bytes += p.block_bytes();
                }
                let pairs = (bytes * t.len()).checked_div(n).unwrap_or(0);
                std::mem::size_of::<Table<Pair>>() + t.overhead_bytes() + pairs
            }
        }
    }

    /// Visits every (field, value) pair, in [`Hash::iter`]'s order (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        for (k, v) in self.iter() {
            f(k, v)
        }
    }

    /// Every pair: insertion order for a listpack, table order for a hashtable.
    pub fn iter(&self) -> Iter<'_> {
        match self.repr.get() {
            Either::Pack(p) => Iter::Pack(p.iter()),
            Either::Other(t) => Iter::Table(Box::new(t.iter())),
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self.repr.get() {
            Either::Pack(p) => pack_find(p, field).map(|(_, v)| p.get(v).0),
            Either::Other(t) => t.get(field).map(Pair::value),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match self.repr.get() {
            Either::Pack(p) => pack_find(p, field).is_some(),
            Either::Other(t) => t.get(field).is_some(),
        }
    }

    /// Redis's `hashTypeTryConversion`: before writing arguments of these lengths, a
    /// listpack hash converts if one of them is longer than `hash-max-listpack-value`
    /// or their sum could push the listpack past its safety size.
    pub fn prepare_for_lengths(
        &mut self,
        lens: impl IntoIterator<Item = usize>,
        limits: &EncodingLimits,
    ) {
        let Either::Pack(p) = self.repr.get() else {
            return;
        };
        let mut sum = 0usize;
        for len in lens {
            if len > limits.hash_max_listpack_value {
                return self.convert();
            }
            sum = sum.saturating_add(len);
        }
        if p.byte_len().saturating_add(sum) > PACK_SAFETY_BYTES {
            self.convert();
        }
    }

    /// Redis's `hashTypeSet`: sets `field` to `value`; true when the field is new. A
    /// listpack converts first if the field or value is too long (the HINCRBY* path), and
    /// after the write if it now holds too many pairs.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: &EncodingLimits) -> bool {
        if self.is_listpack()
            && (field.len() > limits.hash_max_listpack_value
                || value.len() > limits.hash_max_listpack_value)
        {
            self.convert();
        }
        match self.repr.get_mut() {
            Either::Pack(p) => {
                let created = match pack_find(p, field) {
                    Some((_, value_at)) => {
                        p.replace(value_at, value);
                        false
                    }
                    None => {
                        p.push_back(field);
                        p.push_back(value);
                        true
                    }
                };
                if p.len() / 2 > limits.hash_max_listpack_entries {
                    self.convert();
                }
                created
            }
            Either::Other(t) => {
                if let Some(mut pair) = t.get_mut(field) {
                    pair.set_value(value);
                    return false;
                }
                t.insert(Pair::new(field, value));
                true
            }
        }
    }

    /// Removes `field`; true when it was there. The caller deletes an emptied hash.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self.repr.get_mut() {
            Either::Pack(p) => match pack_find(p, field) {
                Some((at, _)) => {
                    p.remove(at, 2);
                    true
                }
                None => false,
            },
            Either::Other(t) => t.remove(field).is_some(),
        }
    }

    /// Converts a listpack hash to a hashtable (`hashTypeConvertListpack`); never back.
    fn convert(&mut self) {
        let Either::Pack(p) = self.repr.get() else {
            return;
        };
        let mut t = Table::new(RandomState::new());
        let mut it = p.iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            t.insert(Pair::new(f, v));
        }
        self.repr = PackOr::other(Box::new(t));
    }

    /// A pseudo-random pair chosen with the random number `r` (None when empty). A
    /// hashtable's pick is close to uniform (segments hold 56 to 112 pairs).
    pub fn random_pair(&self, r: u64) -> Option<(&[u8], &[u8])> {
        match self.repr.get() {
            Either::Pack(p) => {
                let n = p.len() / 2;
                if n == 0 {
                    return None;
                }
                let at = p.offset_of((r % n as u64) as usize * 2)?;
                let (f, v) = p.get(at);
                Some((f, p.get(v).0))
            }
            Either::Other(t) => t.random_entry(r).map(|e| (e.field(), e.value())),
        }
    }

    /// One step of HSCAN from position `pos`: visits the pairs of one table segment and
    /// returns the next position (`POS_END` when done). A listpack visits everything in
    /// one step, as Redis returns a small hash whole with cursor 0.
    pub fn scan_step(&self, pos: u64, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        match self.repr.get() {
            Either::Pack(_) => {
                for (f, v) in self.iter() {
                    visit(f, v);
                }
                POS_END
            }
            Either::Other(t) => {
                if pos >= POS_END {
                    return POS_END;
                }
                t.scan_segment(pos, |e| visit(e.field(), e.value()))
            }
        }
    }
}

/// A hash's pairs (see [`Hash::iter`]).
pub enum Iter<'a> {
    Pack(pack::Iter<'a>),
    Table(Box<dyn Iterator<Item = &'a Pair> + 'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Pack(it) => Some((it.next()?, it.next()?)),
            Iter::Table(it) => it.next().map(|p| (p.field(), p.value())),
        }
    }
}

impl Clone for Hash {
    fn clone(&self) -> Self {
        let repr = match self.repr.get() {
            Either::Pack(p) => PackOr::pack(p.clone()),
            Either::Other(t) => {
                let mut copy = Table::new(RandomState::new());
                for pair in t.iter() {
                    copy.insert(pair.clone());
                }
                PackOr::other(Box::new(copy))
            }
        };
        Hash { repr }
    }
}

/// Same encoding and the same pairs (a listpack's order counts: it is visible).
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        match (self.repr.get(), other.repr.get()) {
            (Either::Pack(a), Either::Pack(b)) => a == b,
            (Either::Other(a), Either::Other(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|p| b.get(p.field()).is_some_and(|q| q.value() == p.value()))
            }
            _ => false,
        }
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(k, v)| (String::from_utf8_lossy(k), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(entries: usize, value: usize) -> EncodingLimits {
        EncodingLimits {
            hash_max_listpack_entries: entries,
            hash_max_listpack_value: value,
            ..EncodingLimits::default()
        }
    }

    fn pairs(h: &Hash) -> Vec<(String, String)> {
        h.iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into(),
                    String::from_utf8_lossy(v).into(),
                )
            })
            .collect()
    }

    #[test]
    fn small_and_compact() {
        assert_eq!(std::mem::size_of::<Hash>(), 8);
    }

    #[test]
    fn listpack_keeps_insertion_order() {
        let l = limits(128, 64);
        let mut h = Hash::new();
        assert!(h.set(b"a", b"1", &l));
        assert!(h.set(b"b", b"2", &l));
        assert!(h.set(b"c", b"3", &l));
        assert!(!h.set(b"a", b"updated", &l));
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        assert!(h.set(b"b", b"again", &l));
        assert_eq!(
            pairs(&h),
            [("a", "updated"), ("c", "3"), ("b", "again")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(h.get(b"c"), Some(&b"3"[..]));
        assert_eq!(h.get(b"3"), None, "values are not fields");
        assert!(h.contains(b"a") && !h.contains(b"zz"));
        assert_eq!((h.len(), h.encoding_name()), (3, "listpack"));
    }

    #[test]
    fn converts_at_the_thresholds_and_never_back() {
        let l = limits(4, 8);
        let mut h = Hash::new();
        for i in 0..4 {
            h.set(format!("f{i}").as_bytes(), b"v", &l);
        }
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"f4", b"v", &l);
        assert_eq!((h.encoding_name(), h.len()), ("hashtable", 5));
        for i in 0..5 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        h.set(b"x", b"y", &l);
        assert_eq!(h.encoding_name(), "hashtable");

        let mut h = Hash::new();
        h.set(b"f", b"12345678", &l);
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"f", b"123456789", &l);
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.get(b"f"), Some(&b"123456789"[..]));

        let mut h = Hash::new();
        h.set(b"f", b"v", &l);
        h.prepare_for_lengths([1, 8], &l);
        assert!(h.is_listpack());
        h.prepare_for_lengths([9, 1], &l);
        assert!(!h.is_listpack());
        assert_eq!(h.get(b"f"), Some(&b"v"[..]));
    }

    #[test]
    fn hashtable_operations_and_scan() {
        let l = limits(0, 64);
        let mut h = Hash::new();
        for i in 0..5000 {
            assert!(h.set(format!("f{i}").as_bytes(), format!("v{i}").as_bytes(), &l));
        }
        assert!(!h.set(b"f7", b"seven", &l));
        assert_eq!((h.len(), h.get(b"f7")), (5000, Some(&b"seven"[..])));
        let mut seen = std::collections::HashSet::new();
        let mut pos = 0;
        let mut steps = 0;
        while pos < POS_END {
            pos = h.scan_step(pos, |f, _| assert!(seen.insert(f.to_vec())));
            steps += 1;
        }
        assert!(steps > 1);
        assert_eq!(seen.len(), 5000);
        for i in 0..4999 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        assert_eq!(pairs(&h), [("f4999".to_string(), "v4999".to_string())]);
        assert_eq!(h.random_pair(12345), Some((&b"f4999"[..], &b"v4999"[..])));
    }

    #[test]
    fn clone_eq_and_random() {
        let l = limits(3, 64);
        let mut a = Hash::new();
        assert_eq!(a.random_pair(1), None);
        a.set(b"x", b"1", &l);
        a.set(b"y", b"2", &l);
        let mut b = a.clone();
        assert_eq!(a, b);
        b.set(b"y", b"3", &l);
        assert_ne!(a, b);
        for i in 0..10 {
            a.set(format!("k{i}").as_bytes(), b"v", &l);
        }
        let c = a.clone();
        assert_eq!((c.encoding_name(), &c), ("hashtable", &a));
        for r in 0..100 {
            let (f, v) = a.random_pair(r * 7919).unwrap();
            assert_eq!(a.get(f), Some(v));
        }
        let mut n = 0;
        a.for_each(|_, _| n += 1);
        assert_eq!(n, 12);
        assert!(a.heap_bytes() > 12 * 4);
    }
}
