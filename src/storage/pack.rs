//! A compact sequence of byte strings in one buffer: the role of Redis's listpack.
//!
//! Small lists, hashes and sorted sets (and every node of a big list) live in a `Pack`:
//! one allocation, elements back to back, each as a LEB128 length and its bytes:
//!
//! ```text
//!   buf: | len0 | bytes0 | len1 | bytes1 | ... |      len: u32 = number of elements
//! ```
//!
//! Positions are byte offsets into `buf` (an element starts at its length byte), so a walk
//! is a forward scan like a listpack's, with no per-element pointer. There is no back-link
//! (listpack's backlen byte): backward walks re-scan from the front, which is cheap because
//! a pack is bounded by the encoding thresholds (128 entries, or an 8 KiB list node).
//!
//! Small packs grow by exactly what they need, as a listpack's realloc does, so 100k small
//! hashes carry no slack; past [`EXACT_GROWTH_BYTES`] growth is amortized so a list node
//! filled by RPUSH does not copy itself on every push.

use super::varint;

/// Packs up to this size reallocate exactly; bigger ones grow geometrically.
const EXACT_GROWTH_BYTES: usize = 512;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pack {
    buf: Vec<u8>,
    len: u32,
}

impl Pack {
    pub fn new() -> Self {
        Pack::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Encoded size in bytes (what the list node size limit measures).
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// Heap bytes held, for MEMORY USAGE.
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity()
    }

    /// The offset one past the last element: where `push_back` writes.
    pub fn end(&self) -> usize {
        self.buf.len()
    }

    /// The element at `offset` and the offset of the next one.
    ///
    /// Panics if `offset` is not the start of an element of this pack.
    pub fn get(&self, offset: usize) -> (&[u8], usize) {
        let (n, at) = varint::get(&self.buf[offset..]);
        let start = offset + at;
        (&self.buf[start..start + n], start + n)
    }

    /// Offset of the element with index `index` (0-based from the front).
    pub fn offset_of(&self, index: usize) -> Option<usize> {
        if index >= self.len() {
            return None;
        }
        let mut at = 0;
        for _ in 0..index {
            at = self.get(at).1;
        }
        Some(at)
    }

    /// Elements from the front.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            pack: self,
            at: 0,
            left: self.len(),
        }
    }

    /// Elements from the front with their offsets.
    pub fn iter_offsets(&self) -> impl Iterator<Item = (usize, &[u8])> + '_ {
        let mut at = 0;
        (0..self.len()).map(move |_| {
            let here = at;
            let (item, next) = self.get(at);
            at = next;
            (here, item)
        })
    }

    fn reserve(&mut self, extra: usize) {
        if self.buf.len() + extra <= EXACT_GROWTH_BYTES {
            self.buf.reserve_exact(extra);
        } else {
            self.buf.reserve(extra);
        }
    }

    /// Inserts `item` so that it starts at `offset` (an element start or `end()`).
    pub fn insert(&mut self, offset: usize, item: &[u8]) {
        let mut head = [0u8; varint::MAX_LEN];
        let h = varint::put(&mut head, item.len());
        self.reserve(h + item.len());
        self.buf
            .splice(offset..offset, head[..h].iter().chain(item).copied());
        self.len += 1;
    }

    pub fn push_back(&mut self, item: &[u8]) {
        let end = self.end();
        self.insert(end, item);
    }

    pub fn push_front(&mut self, item: &[u8]) {
        self.insert(0, item);
    }

    /// Removes `count` elements starting at `offset`; returns how many were removed.
    pub fn remove(&mut self, offset: usize, count: usize) -> usize {
        let mut end = offset;
        let mut removed = 0;
        while removed < count && end < self.buf.len() {
            end = self.get(end).1;
            removed += 1;
        }
        self.buf.drain(offset..end);
        self.len -= removed as u32;
        if self.buf.capacity() > EXACT_GROWTH_BYTES && self.buf.len() < self.buf.capacity() / 4 {
            self.buf.shrink_to(self.buf.len() * 2);
        }
        removed
    }

    /// Replaces the element at `offset` with `item`.
    pub fn replace(&mut self, offset: usize, item: &[u8]) {
        let (_, next) = self.get(offset);
        let mut head = [0u8; varint::MAX_LEN];
        let h = varint::put(&mut head, item.len());
        self.buf
            .splice(offset..next, head[..h].iter().chain(item).copied());
    }

    /// Splits off the elements from `offset` on into a new pack.
    pub fn split_off(&mut self, offset: usize) -> Pack {
        let tail = self.buf.split_off(offset);
        let mut moved_len = 0u32;
        let mut at = 0;
        while at < tail.len() {
            let (n, used) = varint::get(&tail[at..]);
            at += used + n;
            moved_len += 1;
        }
        self.len -= moved_len;
        self.buf.shrink_to_fit();
        Pack {
            buf: tail,
            len: moved_len,
        }
    }

    /// Appends all of `other`'s elements.
    pub fn append(&mut self, other: &Pack) {
        self.reserve(other.buf.len());
        self.buf.extend_from_slice(&other.buf);
        self.len += other.len;
    }
}

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Elements of a pack, front to back.
pub struct Iter<'a> {
    pack: &'a Pack,
    at: usize,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let (item, next) = self.pack.get(self.at);
        self.at = next;
        self.left -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> FromIterator<&'a [u8]> for Pack {
    fn from_iter<I: IntoIterator<Item = &'a [u8]>>(items: I) -> Self {
        let mut p = Pack::new();
        for item in items {
            p.push_back(item);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(p: &Pack) -> Vec<Vec<u8>> {
        p.iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn push_insert_remove_replace() {
        let mut p = Pack::new();
        p.push_back(b"b");
        p.push_front(b"a");
        p.push_back(&[b'x'; 200]);
        assert_eq!(p.len(), 3);
        assert_eq!(p.byte_len(), 2 + 2 + 202);
        let second = p.offset_of(1).unwrap();
        assert_eq!(p.get(second).0, b"b");
        p.insert(second, b"");
        assert_eq!(
            items(&p),
            vec![b"a".to_vec(), vec![], b"b".to_vec(), vec![b'x'; 200]]
        );
        p.replace(p.offset_of(3).unwrap(), b"short");
        p.replace(0, &[b'y'; 130]);
        assert_eq!(p.get(p.offset_of(3).unwrap()).0, b"short");
        assert_eq!(p.remove(p.offset_of(1).unwrap(), 2), 2);
        assert_eq!(items(&p), vec![vec![b'y'; 130], b"short".to_vec()]);
        assert_eq!(p.remove(0, 10), 2);
        assert!(p.is_empty() && p.byte_len() == 0);
        assert_eq!(p.offset_of(0), None);
    }

    #[test]
    fn split_and_append() {
        let mut p: Pack = [&b"1"[..], b"22", b"333", b"4444"].into_iter().collect();
        let tail = p.split_off(p.offset_of(2).unwrap());
        assert_eq!((p.len(), tail.len()), (2, 2));
        assert_eq!(items(&tail), vec![b"333".to_vec(), b"4444".to_vec()]);
        p.append(&tail);
        assert_eq!(p.len(), 4);
        assert_eq!(
            p.iter_offsets().map(|(o, _)| o).collect::<Vec<_>>(),
            vec![0, 2, 5, 9]
        );
    }
}
