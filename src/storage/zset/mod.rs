//! Sorted sets (`t_zset.c`): member/score pairs in (score, member) order.
//!
//! Two encodings, named as Redis names them:
//! - `listpack`: one [`Pack`] of `member, score` elements, pairs in order; a score is its
//!   8 raw bytes (`f64` little-endian, exact; -0 is stored as 0, as Redis's text form reads
//!   back). Every operation is a
//!   linear walk, bounded by `zset-max-listpack-entries`.
//! - `skiplist`: [`big::Big`], a member table plus a counted B+tree over one block per
//!   member (O(1) score lookup, O(log n) rank and range bounds).
//!
//! A set converts to `skiplist` when an insert would take it past
//! `zset-max-listpack-entries` or adds a member longer than `zset-max-listpack-value`, and
//! never back (Redis 7.0). Sets built whole (STORE commands) pick the encoding by size, as
//! `zsetConvertToListpackIfNeeded` does.
//!
//! Ranks count from the lowest (score, member); "reverse" visits count from the greatest.

mod big;
mod index;

use super::pack::{Either, Pack, PackOr};
use super::value::EncodingLimits;
use super::POS_END;
use big::Big;

/// One word: the listpack or the boxed skiplist (see [`PackOr`]), so an `Object` holding
/// a sorted set is 16 bytes.
#[derive(Clone, Default)]
pub struct ZSet(PackOr<Big>);

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut a = Vec::with_capacity(self.len());
        self.for_each(|m, s| a.push((m.to_vec(), s.to_bits())));
        let mut i = 0;
        let mut same = true;
        other.for_each(|m, s| {
            same &= a
                .get(i)
                .is_some_and(|(am, asc)| am == m && *asc == s.to_bits());
            i += 1;
        });
        same
    }
}

impl std::fmt::Debug for ZSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = f.debug_list();
        self.for_each(|m, s| {
            l.entry(&(String::from_utf8_lossy(m), s));
        });
        l.finish()
    }
}

fn score_of(bytes: &[u8]) -> f64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8]);
    f64::from_le_bytes(b)
}

/// Whether (s1, m1) sorts before (s2, m2).
#[inline]
pub fn pair_less(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

/// The pairs of a listpack-encoded set: (offset of the member element, member, score).
fn pack_pairs(p: &Pack) -> impl Iterator<Item = (usize, &[u8], f64)> + '_ {
    let mut at = 0;
    (0..p.len() / 2).map(move |_| {
        let here = at;
        let (m, next) = p.get(at);
        let (s, next) = p.get(next);
        at = next;
        (here, m, score_of(s))
    })
}

/// A score as a listpack holds it: Redis writes scores there as text, where -0 reads
/// back as 0.
fn packed(score: f64) -> [u8; 8] {
    (if score == 0.0 { 0.0f64 } else { score }).to_le_bytes()
}

fn pack_insert(p: &mut Pack, member: &[u8], score: f64) {
    let at = pack_pairs(p)
        .find(|&(_, m, s)| pair_less(score, member, s, m))
        .map(|(o, _, _)| o)
        .unwrap_or(p.end());
    p.insert(at, &packed(score));
    p.insert(at, member);
}

impl ZSet {
    /// An empty `skiplist`-encoded set.
    pub fn skiplist() -> ZSet {
        ZSet(PackOr::other(Box::default()))
    }

    /// The empty set ZADD creates for a new key whose first member is `first_member_len`
    /// bytes long (`zaddGenericCommand`).
    pub fn for_new_key(limits: &EncodingLimits, first_member_len: usize) -> ZSet {
        if limits.zset_max_listpack_entries == 0
            || first_member_len > limits.zset_max_listpack_value
        {
            ZSet::skiplist()
        } else {
            ZSet::default()
        }
    }

    /// A set of `pairs` (distinct members, any order), in the encoding its size calls for.
    pub fn from_pairs(mut pairs: Vec<(Vec<u8>, f64)>, limits: &EncodingLimits) -> ZSet {
        pairs.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        });
        let fits = pairs.len() <= limits.zset_max_listpack_entries
            && pairs
                .iter()
                .all(|(m, _)| m.len() <= limits.zset_max_listpack_value);
        if fits {
            let mut p = Pack::new();
            for (m, s) in &pairs {
                p.push_back(m);
                p.push_back(&packed(*s));
            }
            ZSet(PackOr::pack(p))
        } else {
            let mut b = Box::<Big>::default();
            for (m, s) in &pairs {
                b.insert(m, *s);
            }
            ZSet(PackOr::other(b))
        }
    }

    pub fn len(&self) -> usize {
        match self.0.get() {
            Either::Pack(p) => p.len() / 2,
            Either::Other(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding_name(&self) -> &'static str {
        match self.0.get() {
            Either::Pack(_) => "listpack",
            Either::Other(_) => "skiplist",
        }
    }

    pub fn heap_bytes(&self) -> usize {
        match self.0.get() {
            Either::Pack(p) => p.heap_bytes(),
            Either::Other(b) => b.heap_bytes(),
        }
    }

    /// Visits every (member, score) in rank order (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self.0.get() {
            Either::Pack(p) => pack_pairs(p).for_each(|(_, m, s)| f(m, s)),
            Either::Other(b) => b.for_each(f),
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self.0.get() {
            Either::Pack(p) => pack_pairs(p)
                .find(|&(_, m, _)| m == member)
                .map(|(_, _, s)| s),
            Either::Other(b) => b.score(member),
        }
    }

    fn convert(&mut self) {
        if let Either::Pack(p) = self.0.get() {
            let mut b = Box::<Big>::default();
            for (_, m, s) in pack_pairs(p) {
                b.insert(m, s);
            }
            self.0 = PackOr::other(b);
        }
    }

    /// Adds a member that is not present, converting to `skiplist` first when the
    /// listpack would grow past the limits (`zsetAdd`).
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &EncodingLimits) {
        if let Either::Pack(p) = self.0.get() {
            if p.len() / 2 + 1 > limits.zset_max_listpack_entries
                || member.len() > limits.zset_max_listpack_value
            {
                self.convert();
            }
        }
        match self.0.get_mut() {
            Either::Pack(p) => pack_insert(p, member, score),
            Either::Other(b) => b.insert(member, score),
        }
    }

    /// Sets a present member's score.
    pub fn set_score(&mut self, member: &[u8], score: f64) {
        match self.0.get_mut() {
            Either::Pack(p) => {
                let found = pack_pairs(p).find(|&(_, m, _)| m == member).map(|f| f.0);
                if let Some(o) = found {
                    p.remove(o, 2);
                    pack_insert(p, member, score);
                }
            }
            Either::Other(b) => b.set_score(member, score),
        }
    }

    /// Removes a member; returns its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self.0.get_mut() {
            Either::Pack(p) => {
                let (o, s) = pack_pairs(p)
                    .find(|&(_, m, _)| m == member)
                    .map(|(o, _, s)| (o, s))?;
                p.remove(o, 2);
                Some(s)
            }
            Either::Other(b) => b.remove(member),
        }
    }

    /// The member's rank from the lowest.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self.0.get() {
            Either::Pack(p) => pack_pairs(p).position(|(_, m, _)| m == member),
            Either::Other(b) => b.rank(member),
        }
    }

    /// How many pairs, from the lowest, satisfy `pred` (true on a prefix of the order):
    /// the rank where a score or lex bound falls.
    pub fn count_while(&self, pred: impl Fn(&[u8], f64) -> bool) -> usize {
        match self.0.get() {
            Either::Pack(p) => pack_pairs(p).take_while(|&(_, m, s)| pred(m, s)).count(),
            Either::Other(b) => b.count_while(pred),
        }
    }

    /// Visits pairs from rank `skip` (counted from the greatest when `reverse`, going
    /// down) while `f` returns true.
    pub fn visit<'a>(
        &'a self,
        skip: usize,
        reverse: bool,
        mut f: impl FnMut(&'a [u8], f64) -> bool,
    ) {
        match self.0.get() {
            Either::Pack(p) => {
                if reverse {
                    let all: Vec<(&[u8], f64)> = pack_pairs(p).map(|(_, m, s)| (m, s)).collect();
                    for &(m, s) in all.iter().rev().skip(skip) {
                        if !f(m, s) {
                            return;
                        }
                    }
                } else {
                    for (_, m, s) in pack_pairs(p).skip(skip) {
                        if !f(m, s) {
                            return;
                        }
                    }
                }
            }
            Either::Other(b) => b.visit(skip, reverse, f),
        }
    }

    /// The pair at rank `rank` from the lowest.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match self.0.get() {
            Either::Pack(p) => pack_pairs(p).nth(rank).map(|(_, m, s)| (m, s)),
            Either::Other(b) => b.get(rank),
        }
    }

    /// Removes ranks `start..end` (from the lowest); returns how many went.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match self.0.get_mut() {
            Either::Pack(p) => {
                let o = p.offset_of(2 * start).expect("rank in range");
                p.remove(o, 2 * (end - start)) / 2
            }
            Either::Other(b) => b.remove_ranks(start, end),
        }
    }

    /// Removes and returns the lowest (or greatest) pair.
    pub fn pop(&mut self, greatest: bool) -> Option<(Vec<u8>, f64)> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let (m, s) = self.get(if greatest { n - 1 } else { 0 })?;
        let m = m.to_vec();
        self.remove(&m);
        Some((m, s))
    }

    /// One ZSCAN step from table position `pos`: a listpack is returned whole; a
    /// `skiplist` one table segment at a time. Returns the next position (`POS_END` when
    /// done).
    pub fn scan<'a>(&'a self, pos: u64, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        match self.0.get() {
            Either::Pack(_) => {
                self.visit(0, false, |m, s| {
                    f(m, s);
                    true
                });
                POS_END
            }
            Either::Other(b) => b.scan_segment(pos, &mut f),
        }
    }

    /// Whether the set is `listpack`-encoded (ZSCAN returns those whole).
    pub fn is_compact(&self) -> bool {
        self.0.is_pack()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word() {
        // The listpack's pointer or the boxed skiplist, tagged (an Object is 16 bytes).
        assert_eq!(std::mem::size_of::<ZSet>(), 8);
        let limits = EncodingLimits::default();
        let mut z = ZSet::default();
        z.insert(b"a", 1.0, &limits);
        let copy = z.clone();
        assert_eq!((copy.len(), copy.encoding_name()), (1, "listpack"));
        assert!(ZSet::skiplist().heap_bytes() > 0);
    }
    use std::collections::BTreeMap;

    fn limits(entries: usize, value: usize) -> EncodingLimits {
        EncodingLimits {
            zset_max_listpack_entries: entries,
            zset_max_listpack_value: value,
            ..EncodingLimits::default()
        }
    }

    fn pairs(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
        let mut v = Vec::new();
        z.for_each(|m, s| v.push((m.to_vec(), s)));
        v
    }

    /// Model: (score bits ordered, member) -> (); scores here are small integers.
    fn model_pairs(m: &BTreeMap<Vec<u8>, i64>) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(i64, Vec<u8>)> = m.iter().map(|(k, s)| (*s, k.clone())).collect();
        v.sort();
        v.into_iter().map(|(s, k)| (k, s as f64)).collect()
    }

    #[test]
    fn both_encodings_follow_a_model() {
        for lim in [limits(128, 64), limits(0, 64), limits(16, 64)] {
            let mut z = ZSet::for_new_key(&lim, 1);
            let mut model: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
            let mut r: u64 = 99;
            for i in 0..4000 {
                r ^= r << 13;
                r ^= r >> 7;
                r ^= r << 17;
                let m = format!("m{}", r % 300).into_bytes();
                let s = (r >> 20) as i64 % 50;
                match r % 4 {
                    0 | 1 => {
                        if model.contains_key(&m) {
                            z.set_score(&m, s as f64);
                        } else {
                            z.insert(&m, s as f64, &lim);
                        }
                        model.insert(m, s);
                    }
                    2 => assert_eq!(z.remove(&m).map(|s| s as i64), model.remove(&m)),
                    _ => {
                        let want = model_pairs(&model);
                        assert_eq!(z.rank(&m), want.iter().position(|(k, _)| *k == m));
                        assert_eq!(z.score(&m), model.get(&m).map(|&s| s as f64));
                    }
                }
                if i % 500 == 0 {
                    let want = model_pairs(&model);
                    assert_eq!(pairs(&z), want);
                    assert_eq!(
                        z.count_while(|_, s| s < 25.0),
                        want.iter().filter(|p| p.1 < 25.0).count()
                    );
                    let mut rev = Vec::new();
                    z.visit(3, true, |m, s| {
                        rev.push((m.to_vec(), s));
                        rev.len() < 10
                    });
                    let w: Vec<_> = want.iter().rev().skip(3).take(10).cloned().collect();
                    assert_eq!(rev, w);
                }
            }
            let want = model_pairs(&model);
            assert_eq!(pairs(&z.clone()), want);
            let n = z.len();
            assert_eq!(z.remove_ranks(1, 4), 3.min(n.saturating_sub(1)));
        }
    }

    #[test]
    fn converts_at_the_limits() {
        let lim = limits(3, 5);
        let mut z = ZSet::for_new_key(&lim, 2);
        assert_eq!(z.encoding_name(), "listpack");
        for (i, m) in ["a", "b", "c"].iter().enumerate() {
            z.insert(m.as_bytes(), i as f64, &lim);
        }
        assert_eq!(z.encoding_name(), "listpack");
        z.insert(b"d", 0.5, &lim);
        assert_eq!(z.encoding_name(), "skiplist");
        assert_eq!(
            pairs(&z).iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            vec![b"a".to_vec(), b"d".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        let mut y = ZSet::default();
        y.insert(b"toolong", 1.0, &lim);
        assert_eq!(y.encoding_name(), "skiplist");
        assert_eq!(ZSet::for_new_key(&lim, 6).encoding_name(), "skiplist");
        let built = ZSet::from_pairs(vec![(b"x".to_vec(), 2.0), (b"y".to_vec(), -0.0)], &lim);
        assert_eq!(built.encoding_name(), "listpack");
        // A listpack reads -0 back as 0 (Redis stores the text); a skiplist keeps it.
        assert_eq!(
            built.get(0).map(|(m, s)| (m.to_vec(), s.to_bits())),
            Some((b"y".to_vec(), 0.0f64.to_bits()))
        );
        let big = ZSet::from_pairs(
            vec![(b"y".to_vec(), -0.0), (b"x".to_vec(), 2.0)],
            &limits(0, 0),
        );
        assert_eq!(
            big.get(0).map(|(_, s)| s.to_bits()),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(
            built,
            ZSet::from_pairs(
                vec![(b"y".to_vec(), 0.0), (b"x".to_vec(), 2.0)],
                &limits(0, 0)
            )
        );
    }

    #[test]
    fn pops_and_scans() {
        let lim = limits(0, 0);
        let mut z = ZSet::for_new_key(&lim, 1);
        for i in 0..1000 {
            z.insert(format!("m{i}").as_bytes(), (i % 7) as f64, &lim);
        }
        let mut seen = 0;
        let mut pos = 0;
        loop {
            pos = z.scan(pos, |_, _| seen += 1);
            if pos >= POS_END {
                break;
            }
        }
        assert_eq!(seen, 1000);
        let (m, s) = z.pop(false).unwrap();
        assert_eq!((m, s), (b"m0".to_vec(), 0.0));
        let (m, s) = z.pop(true).unwrap();
        assert_eq!((m, s), (b"m993".to_vec(), 6.0));
        assert_eq!(z.len(), 998);
    }
}
