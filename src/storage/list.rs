//! Lists (`t_list.c`, `quicklist.c`): a deque of [`Pack`] nodes, each bounded by
//! `list-max-listpack-size`. Redis 7.0 encodes every list as a quicklist (OBJECT
//! ENCODING says `quicklist` even for one element), and so does this.
//!
//! ```text
//!   nodes: VecDeque<Pack>   [ a b c d ] [ e f g ] [ h i j k l ]     len = 12
//!                             node 0      node 1    node 2
//! ```
//!
//! - A node's element count is stored inline in the deque (`Pack::len`), so finding index
//!   `i` walks node counts from the nearer end, then elements inside one node (forward
//!   from its front or backward from its end, whichever is nearer; packs step back in
//!   O(1) through their backlen bytes).
//! - Pushes go into the end node while it stays within the limit ([`Fill`]), else into a
//!   new node: O(1) amortized, no allocation per element. A node's buffer grows at most to
//!   the byte limit, so a full 8 KiB node holds one 8 KiB allocation.
//! - Inserts and replacements that push a node past the limit split it in two; removals
//!   drop emptied nodes and merge a node with a neighbour when both fit in one.
//!
//! The fill is passed to every growing operation (commands read it from the keyspace's
//! encoding limits), so a CONFIG SET applies to later pushes of existing lists too. Node
//! boundaries are invisible to commands.

use std::collections::VecDeque;

use super::pack::Pack;

/// Redis's node size classes for `list-max-listpack-size` -1..-5.
const SIZE_CLASSES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// With a count limit (positive fill) a node still stays under this many bytes
/// (quicklist's `SIZE_SAFETY_LIMIT`).
const SAFETY_LIMIT_BYTES: usize = 8192;

/// Redis caps a positive fill at this count.
const MAX_FILL_COUNT: usize = 1 << 15;

/// A node's limits, from `list-max-listpack-size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    max_bytes: usize,
    max_count: usize,
}

impl Fill {
    /// Negative: a byte limit (-1 = 4 KiB .. -5 = 64 KiB, lower values as -5); zero or
    /// positive: at most that many elements (and the safety byte limit).
    pub fn new(list_max_listpack_size: i64) -> Fill {
        if list_max_listpack_size < 0 {
            let class = (list_max_listpack_size.unsigned_abs() - 1).min(4) as usize;
            Fill {
                max_bytes: SIZE_CLASSES[class],
                max_count: usize::MAX,
            }
        } else {
            Fill {
                max_bytes: SAFETY_LIMIT_BYTES,
                max_count: (list_max_listpack_size as usize).min(MAX_FILL_COUNT),
            }
        }
    }

    /// Whether `node` may take one more element of `item_len` bytes.
    fn allows(&self, node: &Pack, item_len: usize) -> bool {
        node.len() < self.max_count
            && node.byte_len() + Pack::encoded_len(item_len) <= self.max_bytes
    }

    /// Whether `node` holds more than the limit and can be split (two elements or more).
    fn exceeded(&self, node: &Pack) -> bool {
        node.len() > 1 && (node.len() > self.max_count || node.byte_len() > self.max_bytes)
    }

    /// Whether two nodes fit in one.
    fn fits_together(&self, a: &Pack, b: &Pack) -> bool {
        a.len() + b.len() <= self.max_count.max(1) && a.byte_len() + b.byte_len() <= self.max_bytes
    }
}

impl Default for Fill {
    fn default() -> Self {
        Fill::new(-2)
    }
}

/// Where one element is: node index and byte offset in that node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    node: usize,
    offset: usize,
}

/// A list: one pointer to its [`Quicklist`], so an `Object` stays 16 bytes. Methods are
/// the quicklist's (through `Deref`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct List(Box<Quicklist>);

impl std::ops::Deref for List {
    type Target = Quicklist;
    fn deref(&self) -> &Quicklist {
        &self.0
    }
}

/// The methods callers name by path (`List::len`); the rest come through `Deref`.
impl List {
    pub fn len(&self) -> usize {
        self.0.len
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    pub fn encoding_name(&self) -> &'static str {
        self.0.encoding_name()
    }

    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Quicklist>() + self.0.heap_bytes()
    }
}

impl std::ops::DerefMut for List {
    fn deref_mut(&mut self) -> &mut Quicklist {
        &mut self.0
    }
}

/// Tail nodes with at most this many elements are scanned to find their last element;
/// bigger ones cache their offsets (see [`Quicklist::tail`]).
const SCAN_TAIL_MAX: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct Quicklist {
    nodes: VecDeque<Pack>,
    len: usize,
    /// Offsets of the last node's elements, front to back, when not empty: packs keep no
    /// backward lengths, so RPOP on a big node pops its offset from here (built in one
    /// scan of the node, then O(1) per pop). Empty means "not known"; every change to
    /// the last node other than a push or pop at the tail empties it. Boxed and built
    /// only on a tail pop, so lists that are never popped from the tail pay 8 bytes.
    #[allow(clippy::box_collection)] // 8 bytes in every list instead of a Vec's 24
    tail: Option<Box<Vec<u32>>>,
}

/// Equal when the elements are: node boundaries depend on history and the fill.
impl PartialEq for Quicklist {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

impl Quicklist {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn encoding_name(&self) -> &'static str {
        "quicklist"
    }

    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Pack>()
            + self.nodes.iter().map(Pack::heap_bytes).sum::<usize>()
            + self.tail.as_ref().map_or(0, |t| 24 + 4 * t.capacity())
    }

    /// Number of nodes (tests and DEBUG).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Visits the elements from head to tail (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.iter().for_each(&mut f)
    }

    /// Elements from head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.range(0, self.len)
    }

    /// `count` elements from index `start` on (both already within the list).
    pub fn range(&self, start: usize, count: usize) -> Iter<'_> {
        let count = count.min(self.len.saturating_sub(start));
        let pos = if count == 0 {
            Pos { node: 0, offset: 0 }
        } else {
            self.locate(start)
        };
        Iter {
            list: self,
            pos,
            left: count,
        }
    }

    /// Elements from tail to head: each node's offsets are gathered in one scan, then
    /// visited backwards (packs keep no backward lengths).
    pub fn iter_rev(&self) -> RevIter<'_> {
        RevIter {
            list: self,
            node: self.nodes.len(),
            offsets: Vec::new(),
            left: self.len,
        }
    }

    /// Pushes `item` at one end.
    pub fn push(&mut self, end: End, item: &[u8], fill: Fill) {
        let single = self.nodes.len() == 1;
        let node = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        match node {
            Some(node) if fill.allows(node, item.len()) => match end {
                End::Head => {
                    node.push_front(item);
                    if single {
                        self.forget_tail();
                    }
                }
                End::Tail => {
                    let at = node.end() as u32;
                    node.push_back(item);
                    if let Some(t) = self.tail.as_mut().filter(|t| !t.is_empty()) {
                        t.push(at);
                    }
                }
            },
            _ => {
                let mut fresh = Pack::new();
                fresh.push_back(item);
                match end {
                    End::Head => self.nodes.push_front(fresh),
                    End::Tail => {
                        self.nodes.push_back(fresh);
                        self.forget_tail();
                    }
                }
            }
        }
        self.len += 1;
    }

    /// Removes the element at one end and hands it to `f`.
    pub fn pop<R>(&mut self, end: End, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let single = self.nodes.len() == 1;
        let (node, offset) = match end {
            End::Head => (self.nodes.front_mut()?, 0),
            End::Tail => {
                let node = self.nodes.back_mut()?;
                let offset = if node.len() > SCAN_TAIL_MAX {
                    let t = self.tail.get_or_insert_with(Box::default);
                    if t.is_empty() {
                        node.offsets(t);
                    }
                    t.pop().expect("a cached offset per element") as usize
                } else {
                    if let Some(t) = &mut self.tail {
                        t.clear();
                    }
                    node.last_offset()?
                };
                (node, offset)
            }
        };
        let r = f(node.get(offset).0);
        node.remove(offset, 1);
        let emptied = node.is_empty();
        if emptied {
            match end {
                End::Head => self.nodes.pop_front(),
                End::Tail => self.nodes.pop_back(),
            };
        }
        if (end == End::Head && single) || emptied {
            self.forget_tail();
        }
        self.len -= 1;
        Some(r)
    }

    /// The element at `index` (0 = head), if within the list.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len {
            return None;
        }
        let p = self.locate(index);
        Some(self.nodes[p.node].get(p.offset).0)
    }

    /// Replaces the element at `index`; false when out of range.
    pub fn set(&mut self, index: usize, item: &[u8], fill: Fill) -> bool {
        self.forget_tail();
        if index >= self.len {
            return false;
        }
        let p = self.locate(index);
        self.nodes[p.node].replace(p.offset, item);
        self.split_if_exceeded(p.node, fill);
        true
    }

    /// Inserts `item` before or after the first element equal to `pivot`; false when
    /// there is none.
    pub fn insert_at_pivot(&mut self, pivot: &[u8], item: &[u8], after: bool, fill: Fill) -> bool {
        self.forget_tail();
        let mut found = None;
        'nodes: for (i, node) in self.nodes.iter().enumerate() {
            let mut at = 0;
            while at < node.end() {
                let (e, next) = node.get(at);
                if e == pivot {
                    found = Some((i, if after { next } else { at }));
                    break 'nodes;
                }
                at = next;
            }
        }
        let Some((node, offset)) = found else {
            return false;
        };
        self.nodes[node].insert(offset, item);
        self.len += 1;
        self.split_if_exceeded(node, fill);
        true
    }

    /// Removes elements equal to `item`: up to `count` from the head (`count > 0`), up to
    /// `-count` from the tail (`count < 0`), or all (`count == 0`). Returns how many.
    pub fn remove_matching(&mut self, item: &[u8], count: i64, fill: Fill) -> usize {
        self.forget_tail();
        let mut left = if count == 0 {
            usize::MAX
        } else {
            count.unsigned_abs() as usize
        };
        let mut removed = 0;
        let from_tail = count < 0;
        let mut touched = Vec::new();
        let mut offsets = Vec::new();
        let n = self.nodes.len();
        for k in 0..n {
            if left == 0 {
                break;
            }
            let i = if from_tail { n - 1 - k } else { k };
            let node = &mut self.nodes[i];
            let before = node.len();
            if from_tail {
                // Removing at `at` leaves the bytes before it alone, so the offsets of
                // the elements before it still hold.
                offsets.clear();
                node.offsets(&mut offsets);
                for &at in offsets.iter().rev() {
                    if left == 0 {
                        break;
                    }
                    if node.get(at as usize).0 == item {
                        node.remove(at as usize, 1);
                        left -= 1;
                    }
                }
            } else {
                let mut at = 0;
                while at < node.end() && left > 0 {
                    let (e, next) = node.get(at);
                    if e == item {
                        node.remove(at, 1);
                        left -= 1;
                    } else {
                        at = next;
                    }
                }
            }
            if node.len() != before {
                removed += before - node.len();
                touched.push(i);
            }
        }
        self.len -= removed;
        touched.sort_unstable();
        match touched.first() {
            // A few nodes: fix each (removing a deque slot shifts its shorter side).
            Some(_) if touched.len() <= 16 => {
                for &i in touched.iter().rev() {
                    self.tidy(i, fill);
                }
            }
            // Many (LREM 0 over a list of one-element nodes): one pass from the first.
            Some(&first) => self.compact_from(first, fill),
            None => {}
        }
        removed
    }

    /// Drops empty nodes and merges neighbours that fit in one, from node `first` on, in
    /// one pass over the deque.
    fn compact_from(&mut self, first: usize, fill: Fill) {
        let mut kept = first;
        for r in first..self.nodes.len() {
            if self.nodes[r].is_empty() {
                continue;
            }
            let merge = kept > 0 && fill.fits_together(&self.nodes[kept - 1], &self.nodes[r]);
            if merge {
                let node = std::mem::take(&mut self.nodes[r]);
                self.nodes[kept - 1].append(&node);
            } else {
                self.nodes.swap(kept, r);
                kept += 1;
            }
        }
        self.nodes.truncate(kept);
    }

    /// Removes `count` elements from index `start` on (clamped to the list): a partial
    /// first node, whole nodes in one drain (no per-node shifting of the deque), a
    /// partial last node.
    pub fn remove_range(&mut self, start: usize, count: usize, fill: Fill) {
        self.forget_tail();
        let mut count = count.min(self.len.saturating_sub(start));
        if count == 0 {
            return;
        }
        let p = self.locate(start);
        self.len -= count;
        let mut i = p.node;
        if p.offset > 0 {
            count -= self.nodes[i].remove(p.offset, count);
            i += 1;
        }
        let mut j = i;
        while j < self.nodes.len() && self.nodes[j].len() <= count {
            count -= self.nodes[j].len();
            j += 1;
        }
        self.nodes.drain(i..j);
        if count > 0 {
            self.nodes[i].remove(0, count);
        }
        // What is left on both sides of the cut may fit in one node now.
        self.tidy(i, fill);
        if i > 0 {
            self.tidy(i - 1, fill);
        }
    }

    /// Keeps only the elements with indexes `start..=stop` (already within the list).
    pub fn trim(&mut self, start: usize, stop: usize, fill: Fill) {
        self.forget_tail();
        if start > stop || start >= self.len {
            self.nodes.clear();
            self.len = 0;
            return;
        }
        let stop = stop.min(self.len - 1);
        self.remove_range(stop + 1, self.len - stop - 1, fill);
        self.remove_range(0, start, fill);
    }

    /// Drops the tail node's cached offsets (its elements moved).
    fn forget_tail(&mut self) {
        if let Some(t) = &mut self.tail {
            t.clear();
        }
    }

    /// Where element `index` (< len) is: walks node counts from the nearer end, then the
    /// node from its front (or takes the offset from the tail cache when it has it).
    fn locate(&self, index: usize) -> Pos {
        debug_assert!(index < self.len);
        let (node, within) = if index < self.len / 2 {
            let mut left = index;
            let mut i = 0;
            while left >= self.nodes[i].len() {
                left -= self.nodes[i].len();
                i += 1;
            }
            (i, left)
        } else {
            let mut from_end = self.len - 1 - index;
            let mut i = self.nodes.len() - 1;
            while from_end >= self.nodes[i].len() {
                from_end -= self.nodes[i].len();
                i -= 1;
            }
            (i, self.nodes[i].len() - 1 - from_end)
        };
        let cached = match &self.tail {
            Some(t) if node + 1 == self.nodes.len() && !t.is_empty() => Some(t[within] as usize),
            _ => None,
        };
        let offset = cached.unwrap_or_else(|| {
            self.nodes[node]
                .offset_of(within)
                .expect("index within node")
        });
        Pos { node, offset }
    }

    /// Splits node `i` in halves while it is over the limit (after an insert or a
    /// replacement made it grow).
    fn split_if_exceeded(&mut self, i: usize, fill: Fill) {
        if !fill.exceeded(&self.nodes[i]) {
            return;
        }
        let node = &mut self.nodes[i];
        // Split by count when over the count, else at the first element past half the
        // bytes; both halves keep at least one element.
        let mut at = 0;
        let mut k = 0;
        let half_count = node.len() / 2;
        let half_bytes = node.byte_len() / 2;
        let by_count = node.len() > fill.max_count;
        loop {
            let next = node.get(at).1;
            k += 1;
            at = next;
            let done = if by_count {
                k >= half_count
            } else {
                at >= half_bytes
            };
            if done || k + 1 >= node.len() {
                break;
            }
        }
        let tail = node.split_off(at);
        self.nodes.insert(i + 1, tail);
        self.split_if_exceeded(i + 1, fill);
        self.split_if_exceeded(i, fill);
    }

    /// After removals from node `i`: drops it when empty, else merges it with a neighbour
    /// when the two fit in one node.
    fn tidy(&mut self, i: usize, fill: Fill) {
        if i >= self.nodes.len() {
            return;
        }
        if self.nodes[i].is_empty() {
            self.nodes.remove(i);
            return;
        }
        if i + 1 < self.nodes.len() && fill.fits_together(&self.nodes[i], &self.nodes[i + 1]) {
            let next = self.nodes.remove(i + 1).expect("checked");
            self.nodes[i].append(&next);
        }
        if i > 0 && fill.fits_together(&self.nodes[i - 1], &self.nodes[i]) {
            let this = self.nodes.remove(i).expect("checked");
            self.nodes[i - 1].append(&this);
        }
    }
}

/// Elements front to back from some position.
pub struct Iter<'a> {
    list: &'a Quicklist,
    pos: Pos,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let node = &self.list.nodes[self.pos.node];
        let (item, next) = node.get(self.pos.offset);
        self.left -= 1;
        if next == node.end() {
            self.pos = Pos {
                node: self.pos.node + 1,
                offset: 0,
            };
        } else {
            self.pos.offset = next;
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Elements back to front from the tail.
pub struct RevIter<'a> {
    list: &'a Quicklist,
    /// The node whose offsets `offsets` holds (nodes.len() before the first).
    node: usize,
    offsets: Vec<u32>,
    left: usize,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        while self.offsets.is_empty() {
            self.node -= 1;
            self.list.nodes[self.node].offsets(&mut self.offsets);
        }
        let at = self.offsets.pop().expect("not empty") as usize;
        self.left -= 1;
        Some(self.list.nodes[self.node].get(at).0)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for RevIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain model of the list next to the quicklist, compared after every step.
    struct Checked {
        list: List,
        model: VecDeque<Vec<u8>>,
        fill: Fill,
    }

    impl Checked {
        fn new(fill: i64) -> Self {
            Checked {
                list: List::default(),
                model: VecDeque::new(),
                fill: Fill::new(fill),
            }
        }

        fn check(&self) {
            let l = &self.list;
            assert_eq!(l.len(), self.model.len());
            assert_eq!(l.nodes.iter().map(Pack::len).sum::<usize>(), l.len());
            assert!(l.nodes.iter().all(|n| !n.is_empty()));
            for n in &l.nodes {
                assert!(
                    !self.fill.exceeded(n),
                    "node over the limit: {} {}",
                    n.len(),
                    n.byte_len()
                );
            }
            assert!(l.iter().eq(self.model.iter().map(Vec::as_slice)));
            assert!(l.iter_rev().eq(self.model.iter().rev().map(Vec::as_slice)));
            for (i, e) in self.model.iter().enumerate() {
                assert_eq!(l.get(i), Some(e.as_slice()), "index {i}");
            }
            assert_eq!(l.get(l.len()), None);
        }
    }

    fn item(i: usize) -> Vec<u8> {
        // Mixed sizes, some over 127 bytes (two-byte lengths), some empty.
        match i % 7 {
            0 => Vec::new(),
            3 => vec![b'a' + (i % 26) as u8; 130 + i % 50],
            _ => format!("e{i}").into_bytes(),
        }
    }

    #[test]
    fn push_pop_both_ends() {
        for fill in [-1, -2, 1, 2, 5, 0] {
            let mut c = Checked::new(fill);
            for i in 0..300 {
                let end = if i % 3 == 0 { End::Head } else { End::Tail };
                c.list.push(end, &item(i), c.fill);
                match end {
                    End::Head => c.model.push_front(item(i)),
                    End::Tail => c.model.push_back(item(i)),
                }
            }
            c.check();
            for i in 0..200 {
                let end = if i % 2 == 0 { End::Head } else { End::Tail };
                let got = c.list.pop(end, <[u8]>::to_vec);
                let want = match end {
                    End::Head => c.model.pop_front(),
                    End::Tail => c.model.pop_back(),
                };
                assert_eq!(got, want);
            }
            c.check();
            while c.list.pop(End::Tail, |_| ()).is_some() {}
            assert!(c.list.is_empty() && c.list.node_count() == 0);
        }
    }

    #[test]
    fn set_insert_remove_trim() {
        for fill in [-1, 2, 3, 100] {
            let mut c = Checked::new(fill);
            for i in 0..400 {
                c.list.push(End::Tail, &item(i % 20), c.fill);
                c.model.push_back(item(i % 20));
            }
            for i in (0..400).step_by(37) {
                let v = vec![b'S'; i % 300];
                assert!(c.list.set(i, &v, c.fill));
                c.model[i] = v;
            }
            assert!(!c.list.set(400, b"x", c.fill));
            c.check();
            for (k, pivot) in [item(5), item(3), item(0)].iter().enumerate() {
                let after = k % 2 == 0;
                assert!(c.list.insert_at_pivot(pivot, b"ins", after, c.fill));
                let at = c.model.iter().position(|e| e == pivot).unwrap();
                c.model.insert(at + after as usize, b"ins".to_vec());
                c.check();
            }
            assert!(!c.list.insert_at_pivot(b"none", b"x", true, c.fill));
            for (v, count) in [
                (item(1), 3i64),
                (item(2), -4),
                (item(3), 0),
                (item(9), -100),
            ] {
                let removed = c.list.remove_matching(&v, count, c.fill);
                let mut want = 0;
                let limit = if count == 0 {
                    usize::MAX
                } else {
                    count.unsigned_abs() as usize
                };
                let idx: Vec<usize> = if count < 0 {
                    (0..c.model.len())
                        .rev()
                        .filter(|&i| c.model[i] == v)
                        .take(limit)
                        .collect()
                } else {
                    (0..c.model.len())
                        .filter(|&i| c.model[i] == v)
                        .take(limit)
                        .collect()
                };
                let mut sorted = idx.clone();
                sorted.sort_unstable();
                for &i in sorted.iter().rev() {
                    c.model.remove(i);
                    want += 1;
                }
                assert_eq!(removed, want);
                c.check();
            }
            let len = c.model.len();
            c.list.trim(10, len - 20, c.fill);
            c.model = c.model.iter().skip(10).take(len - 29).cloned().collect();
            c.check();
            c.list.remove_range(5, 30, c.fill);
            c.model.drain(5..35);
            c.check();
            c.list.trim(5, 2, c.fill);
            assert!(c.list.is_empty() && c.list.node_count() == 0);
        }
    }

    #[test]
    fn many_small_nodes() {
        // One element per node: LREM over many nodes and trims take one pass each.
        let mut c = Checked::new(1);
        for i in 0..3000 {
            c.list.push(End::Tail, &item(i % 4), c.fill);
            c.model.push_back(item(i % 4));
        }
        assert_eq!(c.list.remove_matching(&item(1), 0, c.fill), 750);
        c.model.retain(|e| *e != item(1));
        c.check();
        assert_eq!(c.list.remove_matching(&item(2), -100, c.fill), 100);
        let mut left = 100;
        for k in (0..c.model.len()).rev() {
            if left > 0 && c.model[k] == item(2) {
                c.model.remove(k);
                left -= 1;
            }
        }
        c.check();
        c.list.trim(3, 1500, c.fill);
        c.model = c.model.iter().skip(3).take(1498).cloned().collect();
        c.check();
        assert_eq!(c.list.node_count(), c.list.len());
    }

    #[test]
    fn tail_cache_follows_every_change() {
        // Random operations at both ends and in the middle, checked against the model
        // after each: RPOP and negative indexes read the tail cache, everything else must
        // keep it right or drop it.
        use crate::storage::rng::Rng;
        let mut r = Rng::new(7);
        for fill in [-1, 8, 40] {
            let mut c = Checked::new(fill);
            for step in 0..4000 {
                let v = format!("v{}", r.below(50)).into_bytes();
                match r.below(10) {
                    0..=2 => {
                        c.list.push(End::Tail, &v, c.fill);
                        c.model.push_back(v);
                    }
                    3 => {
                        c.list.push(End::Head, &v, c.fill);
                        c.model.push_front(v);
                    }
                    4..=5 => assert_eq!(c.list.pop(End::Tail, <[u8]>::to_vec), c.model.pop_back()),
                    6 => assert_eq!(c.list.pop(End::Head, <[u8]>::to_vec), c.model.pop_front()),
                    7 if !c.model.is_empty() => {
                        let i = c.model.len() - 1 - r.below(c.model.len().min(5));
                        assert_eq!(c.list.get(i), Some(c.model[i].as_slice()));
                        c.list.set(i, &v, c.fill);
                        c.model[i] = v;
                    }
                    8 if !c.model.is_empty() => {
                        let i = r.below(c.model.len());
                        let pivot = c.model[i].clone();
                        let at = c.model.iter().position(|e| *e == pivot).unwrap();
                        c.list.insert_at_pivot(&pivot, &v, true, c.fill);
                        c.model.insert(at + 1, v);
                    }
                    9 if !c.model.is_empty() => {
                        let removed = c.list.remove_matching(&v, -1, c.fill);
                        if let Some(i) = c.model.iter().rposition(|e| *e == v) {
                            c.model.remove(i);
                        }
                        assert!(removed <= 1);
                    }
                    _ => {}
                }
                if step % 50 == 0 {
                    c.check();
                }
                if let Some(last) = c.model.back() {
                    assert_eq!(c.list.get(c.model.len() - 1), Some(last.as_slice()));
                }
            }
            c.check();
            while let Some(e) = c.list.pop(End::Tail, <[u8]>::to_vec) {
                assert_eq!(Some(e), c.model.pop_back());
            }
            assert!(c.model.is_empty() && c.list.node_count() == 0);
        }
    }

    #[test]
    fn stays_small() {
        // An Object variant: one pointer.
        assert_eq!(std::mem::size_of::<List>(), 8);
    }

    #[test]
    fn range_and_node_bounds() {
        let mut l = List::default();
        let fill = Fill::new(-2);
        for i in 0..20_000 {
            l.push(End::Tail, format!("element:{i}").as_bytes(), fill);
        }
        // 8 KiB nodes, each allocation at most the limit.
        assert!(
            l.node_count() > 20 && l.node_count() < 60,
            "{}",
            l.node_count()
        );
        assert!(l.nodes.iter().all(|n| n.heap_bytes() <= 8192));
        let got: Vec<&[u8]> = l.range(12_345, 3).collect();
        assert_eq!(
            got,
            vec![&b"element:12345"[..], b"element:12346", b"element:12347"]
        );
        assert_eq!(l.range(19_999, 5).count(), 1);
        assert_eq!(l.range(20_000, 5).count(), 0);
        // Big elements get their own node; a count fill of 0 means one element per node.
        let mut big = List::default();
        big.push(End::Tail, &[b'x'; 20_000], fill);
        big.push(End::Tail, b"y", fill);
        big.push(End::Head, &[b'z'; 9000], fill);
        assert_eq!(big.node_count(), 3);
        let mut ones = List::default();
        (0..5).for_each(|_| ones.push(End::Head, b"a", Fill::new(0)));
        assert_eq!(ones.node_count(), 5);
        assert_eq!(ones, {
            let mut other = List::default();
            (0..5).for_each(|_| other.push(End::Tail, b"a", Fill::new(-5)));
            other
        });
    }
}
