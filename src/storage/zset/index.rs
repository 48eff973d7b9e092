//! The ordered index of a big sorted set: a counted B+tree of small `Copy` handles.
//!
//! ```text
//!   Inner: [ Child{node, count, last} ... ]   count = items below, last = greatest item below
//!   Leaf:  [ item item item ... ]             at most CAP items, in order
//! ```
//!
//! Items live only in leaves; an inner node keeps, per child, how many items lie below it
//! (rank in O(log n): add the counts of the children passed on the way down) and the
//! child's greatest item (the separator a search compares against). The order is given by
//! the caller's `less` (the sorted set compares `(score, member)` through its handles), so
//! the tree itself stores 8 bytes per item plus slack: leaves are filled to 50-100%, and
//! an insert at the very end or start of a full leaf starts a new leaf instead of halving
//! it, so ascending inserts leave full leaves behind.
//!
//! Deletes merge a child that fell under a quarter full into a neighbor when both fit in
//! one node; every leaf stays at the same depth (the tree grows and shrinks at the root).

const CAP: usize = 64;
const MIN: usize = CAP / 4;

#[derive(Debug)]
enum Node<T> {
    Leaf(Vec<T>),
    Inner(Vec<Child<T>>),
}

#[derive(Debug)]
struct Child<T> {
    node: Node<T>,
    count: usize,
    last: T,
}

#[derive(Debug)]
pub struct Index<T> {
    root: Node<T>,
    len: usize,
}

impl<T: Copy + PartialEq> Default for Index<T> {
    fn default() -> Self {
        Index::new()
    }
}

impl<T: Copy + PartialEq> Node<T> {
    fn width(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Inner(k) => k.len(),
        }
    }

    /// The greatest item below (the node is not empty).
    fn last(&self) -> T {
        match self {
            Node::Leaf(v) => *v.last().expect("non-empty leaf"),
            Node::Inner(k) => k.last().expect("non-empty inner node").last,
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Node::Leaf(v) => v.capacity() * std::mem::size_of::<T>(),
            Node::Inner(k) => {
                k.capacity() * std::mem::size_of::<Child<T>>()
                    + k.iter().map(|c| c.node.bytes()).sum::<usize>()
            }
        }
    }
}

fn child<T: Copy + PartialEq>(node: Node<T>, count: usize) -> Child<T> {
    let last = node.last();
    Child { node, count, last }
}

impl<T: Copy + PartialEq> Index<T> {
    pub fn new() -> Self {
        Index {
            root: Node::Leaf(Vec::new()),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    #[allow(dead_code)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes of the nodes.
    pub fn heap_bytes(&self) -> usize {
        self.root.bytes()
    }

    /// Inserts `x`, which must not be present (no item may compare equal to it).
    pub fn insert(&mut self, x: T, less: &impl Fn(T, T) -> bool) {
        if let Some(right) = insert_rec(&mut self.root, x, less) {
            let left = std::mem::replace(&mut self.root, Node::Leaf(Vec::new()));
            let left_count = self.len + 1 - right.count;
            let mut kids = Vec::with_capacity(4);
            kids.push(child(left, left_count));
            kids.push(right);
            self.root = Node::Inner(kids);
        }
        self.len += 1;
    }

    /// Removes the item equal to `x` (found by `less`, confirmed by `==`). Returns whether
    /// it was there.
    pub fn remove(&mut self, x: T, less: &impl Fn(T, T) -> bool) -> bool {
        if !remove_rec(&mut self.root, x, less) {
            return false;
        }
        self.len -= 1;
        loop {
            match &mut self.root {
                Node::Inner(k) if k.len() == 1 => {
                    let only = k.pop().expect("one child");
                    self.root = only.node;
                }
                Node::Inner(k) if k.is_empty() => self.root = Node::Leaf(Vec::new()),
                _ => break,
            }
        }
        true
    }

    /// The rank (0-based) of the item equal to `x`.
    pub fn rank(&self, x: T, less: &impl Fn(T, T) -> bool) -> Option<usize> {
        let mut node = &self.root;
        let mut acc = 0;
        loop {
            match node {
                Node::Leaf(v) => {
                    let pos = v.partition_point(|&e| less(e, x));
                    return (pos < v.len() && v[pos] == x).then_some(acc + pos);
                }
                Node::Inner(k) => {
                    let i = k.partition_point(|c| less(c.last, x));
                    if i == k.len() {
                        return None;
                    }
                    acc += k[..i].iter().map(|c| c.count).sum::<usize>();
                    node = &k[i].node;
                }
            }
        }
    }

    /// The item of rank `rank`.
    pub fn get(&self, mut rank: usize) -> Option<T> {
        if rank >= self.len {
            return None;
        }
        let mut node = &self.root;
        loop {
            match node {
                Node::Leaf(v) => return v.get(rank).copied(),
                Node::Inner(k) => {
                    let mut next = None;
                    for c in k {
                        if rank < c.count {
                            next = Some(&c.node);
                            break;
                        }
                        rank -= c.count;
                    }
                    node = next?;
                }
            }
        }
    }

    /// How many items, from the first, satisfy `pred` (which must hold for a prefix of
    /// the order and fail after it): the rank where a range bound falls.
    pub fn count_while(&self, pred: &impl Fn(T) -> bool) -> usize {
        let mut node = &self.root;
        let mut acc = 0;
        loop {
            match node {
                Node::Leaf(v) => return acc + v.partition_point(|&e| pred(e)),
                Node::Inner(k) => {
                    let i = k.partition_point(|c| pred(c.last));
                    acc += k[..i].iter().map(|c| c.count).sum::<usize>();
                    match k.get(i) {
                        Some(c) => node = &c.node,
                        None => return acc,
                    }
                }
            }
        }
    }

    /// Visits items from rank `skip` on (counted from the greatest when `reverse`, going
    /// down) while `f` returns true.
    pub fn visit(&self, skip: usize, reverse: bool, f: &mut impl FnMut(T) -> bool) {
        visit_rec(&self.root, skip, reverse, f);
    }
}

fn insert_rec<T: Copy + PartialEq>(
    node: &mut Node<T>,
    x: T,
    less: &impl Fn(T, T) -> bool,
) -> Option<Child<T>> {
    match node {
        Node::Leaf(v) => {
            let pos = v.partition_point(|&e| less(e, x));
            if v.len() < CAP {
                v.insert(pos, x);
                return None;
            }
            // Full: split before inserting so no leaf ever reallocates past CAP.
            let mut right = Vec::with_capacity(CAP);
            if pos == CAP {
                right.push(x);
            } else if pos == 0 {
                right = std::mem::replace(v, Vec::with_capacity(CAP));
                v.push(x);
            } else {
                right.extend(v.drain(CAP / 2..));
                if pos <= CAP / 2 {
                    v.insert(pos, x);
                } else {
                    right.insert(pos - CAP / 2, x);
                }
            }
            let n = right.len();
            Some(child(Node::Leaf(right), n))
        }
        Node::Inner(kids) => {
            let i = kids
                .partition_point(|c| less(c.last, x))
                .min(kids.len() - 1);
            let split = insert_rec(&mut kids[i].node, x, less);
            kids[i].count += 1;
            if let Some(right) = split {
                kids[i].count -= right.count;
                kids.insert(i + 1, right);
            }
            kids[i].last = kids[i].node.last();
            if kids.len() > CAP {
                let right: Vec<Child<T>> = kids.split_off(kids.len() / 2);
                let n = right.iter().map(|c| c.count).sum();
                return Some(child(Node::Inner(right), n));
            }
            None
        }
    }
}

fn remove_rec<T: Copy + PartialEq>(node: &mut Node<T>, x: T, less: &impl Fn(T, T) -> bool) -> bool {
    match node {
        Node::Leaf(v) => {
            let pos = v.partition_point(|&e| less(e, x));
            if pos < v.len() && v[pos] == x {
                v.remove(pos);
                true
            } else {
                false
            }
        }
        Node::Inner(kids) => {
            let i = kids.partition_point(|c| less(c.last, x));
            if i == kids.len() || !remove_rec(&mut kids[i].node, x, less) {
                return false;
            }
            kids[i].count -= 1;
            let width = kids[i].node.width();
            if width == 0 {
                kids.remove(i);
                return true;
            }
            kids[i].last = kids[i].node.last();
            if width < MIN && kids.len() > 1 {
                let (a, b) = if i + 1 < kids.len() {
                    (i, i + 1)
                } else {
                    (i - 1, i)
                };
                if kids[a].node.width() + kids[b].node.width() <= CAP {
                    let gone = kids.remove(b);
                    let keep = &mut kids[a];
                    match (&mut keep.node, gone.node) {
                        (Node::Leaf(l), Node::Leaf(r)) => l.extend(r),
                        (Node::Inner(l), Node::Inner(r)) => l.extend(r),
                        _ => unreachable!("leaves all at one depth"),
                    }
                    keep.count += gone.count;
                    keep.last = gone.last;
                }
            }
            true
        }
    }
}

fn visit_rec<T: Copy>(
    node: &Node<T>,
    mut skip: usize,
    reverse: bool,
    f: &mut impl FnMut(T) -> bool,
) -> bool {
    match node {
        Node::Leaf(v) => {
            if skip >= v.len() {
                return true;
            }
            if reverse {
                v[..v.len() - skip].iter().rev().all(|&e| f(e))
            } else {
                v[skip..].iter().all(|&e| f(e))
            }
        }
        Node::Inner(kids) => {
            let mut go = |c: &Child<T>| {
                if skip >= c.count {
                    skip -= c.count;
                    return true;
                }
                let more = visit_rec(&c.node, skip, reverse, f);
                skip = 0;
                more
            };
            if reverse {
                kids.iter().rev().all(&mut go)
            } else {
                kids.iter().all(&mut go)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn lt(a: u32, b: u32) -> bool {
        a < b
    }

    fn check(ix: &Index<u32>, model: &BTreeSet<u32>) {
        assert_eq!(ix.len(), model.len());
        let mut all = Vec::new();
        ix.visit(0, false, &mut |x| {
            all.push(x);
            true
        });
        assert_eq!(all, model.iter().copied().collect::<Vec<_>>());
        check_counts(&ix.root);
    }

    fn check_counts(n: &Node<u32>) -> usize {
        match n {
            Node::Leaf(v) => {
                assert!(v.len() <= CAP);
                v.len()
            }
            Node::Inner(k) => {
                assert!(!k.is_empty() && k.len() <= CAP);
                k.iter()
                    .map(|c| {
                        assert_eq!(check_counts(&c.node), c.count);
                        assert_eq!(c.node.last(), c.last);
                        c.count
                    })
                    .sum()
            }
        }
    }

    #[test]
    fn randomized_against_a_btreeset() {
        let mut ix = Index::new();
        let mut model = BTreeSet::new();
        let mut r: u64 = 0x1234_5678;
        let mut next = || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        for round in 0..60_000u32 {
            let x = (next() % 5000) as u32;
            let op = next() % 10;
            if op < 6 {
                if model.insert(x) {
                    ix.insert(x, &lt);
                }
            } else {
                assert_eq!(ix.remove(x, &lt), model.remove(&x));
            }
            if round % 997 == 0 {
                check(&ix, &model);
                let sorted: Vec<u32> = model.iter().copied().collect();
                for probe in [0u32, 1, 17, 2500, 4999, 5000] {
                    let want_rank = sorted.binary_search(&probe).ok();
                    assert_eq!(ix.rank(probe, &lt), want_rank);
                    assert_eq!(
                        ix.count_while(&|e| e < probe),
                        sorted.partition_point(|&e| e < probe)
                    );
                }
                for rank in [
                    0,
                    1,
                    sorted.len() / 2,
                    sorted.len().saturating_sub(1),
                    sorted.len(),
                ] {
                    assert_eq!(ix.get(rank), sorted.get(rank).copied());
                    let mut fwd = Vec::new();
                    ix.visit(rank, false, &mut |e| {
                        fwd.push(e);
                        fwd.len() < 70
                    });
                    let want: Vec<u32> = sorted.iter().skip(rank).take(70).copied().collect();
                    assert_eq!(fwd, want);
                    let mut rev = Vec::new();
                    ix.visit(rank, true, &mut |e| {
                        rev.push(e);
                        rev.len() < 70
                    });
                    let want: Vec<u32> = sorted.iter().rev().skip(rank).take(70).copied().collect();
                    assert_eq!(rev, want);
                }
            }
        }
        check(&ix, &model);
        for x in model.clone() {
            assert!(ix.remove(x, &lt));
        }
        assert!(ix.is_empty());
        assert!(matches!(ix.root, Node::Leaf(ref v) if v.is_empty()));
    }

    #[test]
    fn ascending_inserts_fill_leaves() {
        let mut ix = Index::new();
        for x in 0..100_000u32 {
            ix.insert(x, &lt);
        }
        // Full leaves: about 8 bytes per item plus the inner nodes.
        assert!(ix.heap_bytes() < 100_000 * 10, "{}", ix.heap_bytes());
        let mut model: BTreeSet<u32> = (0..100_000).collect();
        for x in (0..100_000u32).step_by(3) {
            ix.remove(x, &lt);
            model.remove(&x);
        }
        check(&ix, &model);
    }
}
