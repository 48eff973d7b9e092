//! Sets (`t_set.c`), in Redis 7.0's two encodings:
//!
//! - `intset` ([`IntSet`]): sorted integers, while every member is an integer in its
//!   canonical decimal form (what Redis's `isSdsRepresentableAsLongLong` accepts: "12",
//!   "-5"; not "012", "+1", " 1") and there are at most `set-max-intset-entries` members.
//! - `hashtable`: a [`Table`] of [`Member`]s, 8 bytes per slot.
//!
//! A set converts from intset to hashtable when a non-integer member is added or it
//! grows past the limit (`setTypeAdd`), and never back. Iteration order: ascending for an
//! intset, unspecified for a hashtable (as Redis's dict order).

mod intset;
mod member;

use ahash::RandomState;

pub use intset::IntSet;
pub use member::Member;

use super::table::Table;
use crate::protocol::parse_i64_strict;

/// Redis caps the intset limit at 2^30 members ("due to intset internals").
const INTSET_HARD_LIMIT: usize = 1 << 30;

/// One member as a set yields it: an intset's integer or a hashtable's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Elem<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// Calls `f` with the member's bytes (an integer formatted in decimal).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Int(v) => f(itoa::Buffer::new().format(v).as_bytes()),
            Elem::Str(s) => f(s),
        }
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }
}

/// The hashtable encoding with the member bytes it owns (kept up to date so MEMORY
/// USAGE is O(1)).
struct Big {
    table: Table<Member>,
    member_heap_bytes: usize,
}

enum Repr {
    Ints(IntSet),
    Table(Box<Big>),
}

/// Boxed, so an `Object` holding a set is 16 bytes.
pub struct Set {
    repr: Box<Repr>,
}

impl Default for Set {
    /// An empty intset, as Redis's `createIntsetObject`: the first non-integer member
    /// converts it (`setTypeCreate` gives the same encodings).
    fn default() -> Self {
        Set {
            repr: Box::new(Repr::Ints(IntSet::default())),
        }
    }
}

/// Whether `m` is an integer member an intset can hold.
#[inline]
pub fn as_int(m: &[u8]) -> Option<i64> {
    parse_i64_strict(m)
}

impl Set {
    pub fn new() -> Set {
        Set::default()
    }

    pub fn len(&self) -> usize {
        match &*self.repr {
            Repr::Ints(s) => s.len(),
            Repr::Table(b) => b.table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_intset(&self) -> bool {
        matches!(*self.repr, Repr::Ints(_))
    }

    pub fn encoding_name(&self) -> &'static str {
        match *self.repr {
            Repr::Ints(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }

    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Repr>()
            + match &*self.repr {
                Repr::Ints(s) => s.heap_bytes(),
                Repr::Table(b) => {
                    std::mem::size_of::<Big>() + b.table.overhead_bytes() + b.member_heap_bytes
                }
            }
    }

    /// Visits every member (DEBUG DIGEST, RDB): ascending for an intset.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for e in self.iter() {
            e.with_bytes(&mut f);
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        match &*self.repr {
            Repr::Ints(s) => Iter::Ints(s, 0),
            Repr::Table(b) => Iter::Table(Box::new(b.table.iter())),
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match &*self.repr {
            Repr::Ints(s) => as_int(m).is_some_and(|v| s.contains(v)),
            Repr::Table(b) => b.table.get(m).is_some(),
        }
    }

    /// Membership of a member yielded by another set (no parsing for intset pairs).
    pub fn contains_elem(&self, e: Elem) -> bool {
        match (&*self.repr, e) {
            (Repr::Ints(s), Elem::Int(v)) => s.contains(v),
            _ => e.with_bytes(|m| self.contains(m)),
        }
    }

    /// Adds `m` (Redis's `setTypeAdd`): converts to a hashtable when `m` is not an
    /// integer or the intset grows past `max_intset`. Returns whether it was added.
    pub fn add(&mut self, m: &[u8], max_intset: usize) -> bool {
        match &mut *self.repr {
            Repr::Ints(s) => match as_int(m) {
                Some(v) => self.add_int(v, max_intset),
                None => {
                    let _ = s;
                    self.convert();
                    self.add(m, max_intset)
                }
            },
            Repr::Table(b) => {
                if b.table.get(m).is_some() {
                    return false;
                }
                let member = Member::new(m);
                b.member_heap_bytes += member.heap_bytes();
                b.table.insert(member);
                true
            }
        }
    }

    /// Adds a member yielded by another set.
    pub fn add_elem(&mut self, e: Elem, max_intset: usize) -> bool {
        match (&*self.repr, e) {
            (Repr::Ints(_), Elem::Int(v)) => self.add_int(v, max_intset),
            _ => e.with_bytes(|m| self.add(m, max_intset)),
        }
    }

    fn add_int(&mut self, v: i64, max_intset: usize) -> bool {
        match &mut *self.repr {
            Repr::Ints(s) => {
                if !s.insert(v) {
                    return false;
                }
                if s.len() > max_intset.min(INTSET_HARD_LIMIT) {
                    self.convert();
                }
                true
            }
            Repr::Table(_) => self.add(itoa::Buffer::new().format(v).as_bytes(), max_intset),
        }
    }

    /// Intset to hashtable (`setTypeConvert`).
    fn convert(&mut self) {
        let Repr::Ints(s) = &*self.repr else {
            return;
        };
        let mut big = Big {
            table: Table::new(RandomState::new()),
            member_heap_bytes: 0,
        };
        let mut buf = itoa::Buffer::new();
        for v in s.iter() {
            let m = Member::new(buf.format(v).as_bytes());
            big.member_heap_bytes += m.heap_bytes();
            big.table.insert(m);
        }
        *self.repr = Repr::Table(Box::new(big));
    }

    /// Removes `m`; returns whether it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut *self.repr {
            Repr::Ints(s) => as_int(m).is_some_and(|v| s.remove(v)),
            Repr::Table(b) => match b.table.remove(m) {
                Some(gone) => {
                    b.member_heap_bytes -= gone.heap_bytes();
                    true
                }
                None => false,
            },
        }
    }

    /// A pseudo-random member chosen with the random number `r`.
    pub fn random(&self, r: u64) -> Option<Elem<'_>> {
        match &*self.repr {
            Repr::Ints(s) if s.is_empty() => None,
            Repr::Ints(s) => Some(Elem::Int(s.get((r % s.len() as u64) as usize))),
            Repr::Table(b) => b.table.random_entry(r).map(|m| Elem::Str(m.bytes())),
        }
    }

    /// Removes and returns a pseudo-random member.
    pub fn pop_random(&mut self, r: u64) -> Option<Vec<u8>> {
        match &mut *self.repr {
            Repr::Ints(s) if s.is_empty() => None,
            Repr::Ints(s) => {
                let v = s.remove_at((r % s.len() as u64) as usize);
                Some(itoa::Buffer::new().format(v).as_bytes().to_vec())
            }
            Repr::Table(_) => {
                let m = self.random(r)?.to_vec();
                self.remove(&m);
                Some(m)
            }
        }
    }

    /// One step of SSCAN over a hashtable: visits the members of the table segment at
    /// `pos` and returns the next position (`POS_END` when done). An intset is visited
    /// whole in one step, as Redis does for every compact encoding.
    pub fn scan(&self, pos: u64, mut visit: impl FnMut(Elem<'_>)) -> u64 {
        match &*self.repr {
            Repr::Ints(s) => {
                s.iter().for_each(|v| visit(Elem::Int(v)));
                super::POS_END
            }
            Repr::Table(b) => b.table.scan_segment(pos, |m| visit(Elem::Str(m.bytes()))),
        }
    }
}

/// Members of a set: ascending integers for an intset, table order for a hashtable.
pub enum Iter<'a> {
    Ints(&'a IntSet, usize),
    Table(Box<dyn Iterator<Item = &'a Member> + 'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        match self {
            Iter::Ints(s, i) => {
                if *i >= s.len() {
                    return None;
                }
                *i += 1;
                Some(Elem::Int(s.get(*i - 1)))
            }
            Iter::Table(it) => it.next().map(|m| Elem::Str(m.bytes())),
        }
    }
}

impl Clone for Set {
    /// Keeps the encoding (Redis's `setTypeDup`, for COPY).
    fn clone(&self) -> Self {
        match &*self.repr {
            Repr::Ints(s) => Set {
                repr: Box::new(Repr::Ints(s.clone())),
            },
            Repr::Table(b) => {
                let mut table = Table::new(RandomState::new());
                for m in b.table.iter() {
                    table.insert(m.clone());
                }
                Set {
                    repr: Box::new(Repr::Table(Box::new(Big {
                        table,
                        member_heap_bytes: b.member_heap_bytes,
                    }))),
                }
            }
        }
    }
}

impl PartialEq for Set {
    /// Same encoding and same members.
    fn eq(&self, other: &Self) -> bool {
        self.is_intset() == other.is_intset()
            && self.len() == other.len()
            && self.iter().all(|e| other.contains_elem(e))
    }
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = f.debug_list();
        for e in self.iter() {
            e.with_bytes(|m| l.entry(&String::from_utf8_lossy(m)));
        }
        l.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word() {
        // Boxed: an Object holding a set is 16 bytes.
        assert_eq!(std::mem::size_of::<Set>(), 8);
        assert!(Set::new().heap_bytes() >= std::mem::size_of::<Repr>());
    }

    fn members(s: &Set) -> Vec<Vec<u8>> {
        let mut v: Vec<_> = s.iter().map(Elem::to_vec).collect();
        v.sort();
        v
    }

    #[test]
    fn small_and_sized() {
        assert!(std::mem::size_of::<Set>() <= 40);
    }

    #[test]
    fn intset_until_a_string_or_the_limit() {
        let mut s = Set::new();
        assert!(s.add(b"3", 4) && s.add(b"-1", 4) && !s.add(b"3", 4));
        assert_eq!(s.encoding_name(), "intset");
        assert_eq!(
            s.iter().map(Elem::to_vec).collect::<Vec<_>>(),
            vec![b"-1".to_vec(), b"3".to_vec()]
        );
        // Non-canonical integers are strings.
        for m in ["01", "+1", " 1", "-0", "1.0"] {
            assert!(!s.contains(m.as_bytes()));
            assert!(!s.remove(m.as_bytes()));
        }
        let mut t = s.clone();
        assert!(t.add(b"01", 4));
        assert_eq!(t.encoding_name(), "hashtable");
        assert!(t.contains(b"01") && t.contains(b"3") && !t.contains(b"1"));
        for v in 4..6 {
            s.add(v.to_string().as_bytes(), 4);
        }
        assert_eq!(s.encoding_name(), "intset");
        s.add(b"9", 4);
        assert_eq!((s.encoding_name(), s.len()), ("hashtable", 5));
        assert!(s.contains_elem(Elem::Int(9)));
        assert_eq!(members(&s).len(), 5);
    }

    #[test]
    fn zero_limit_converts_at_once() {
        let mut s = Set::new();
        s.add(b"1", 0);
        assert_eq!(s.encoding_name(), "hashtable");
    }

    #[test]
    fn remove_pop_random_and_equality() {
        let mut s = Set::new();
        for i in 0..1000 {
            s.add(format!("m{i}").as_bytes(), 512);
        }
        assert!(s.heap_bytes() > 0);
        let mut copy = s.clone();
        assert_eq!(s, copy);
        assert!(copy.remove(b"m5") && !copy.remove(b"m5"));
        assert_ne!(s, copy);
        let mut popped = std::collections::HashSet::new();
        for r in 0..999u64 {
            let m = copy.pop_random(r.wrapping_mul(0x9E37_79B9)).unwrap();
            assert!(s.contains(&m) && popped.insert(m));
        }
        assert!(copy.is_empty() && copy.pop_random(1).is_none() && copy.random(1).is_none());
        let mut ints = Set::new();
        ints.add(b"7", 512);
        assert_eq!(ints.random(12345), Some(Elem::Int(7)));
        assert_eq!(ints.pop_random(3), Some(b"7".to_vec()));
    }

    #[test]
    fn scan_visits_every_member_once() {
        let mut s = Set::new();
        for i in 0..5000 {
            s.add(format!("member:{i}").as_bytes(), 512);
        }
        let mut seen = std::collections::HashSet::new();
        let mut pos = 0;
        while pos < crate::storage::POS_END {
            pos = s.scan(pos, |e| assert!(seen.insert(e.to_vec())));
        }
        assert_eq!(seen.len(), 5000);
        let mut i = Set::new();
        i.add(b"1", 512);
        let mut n = 0;
        assert_eq!(i.scan(0, |_| n += 1), crate::storage::POS_END);
        assert_eq!(n, 1);
    }
}
