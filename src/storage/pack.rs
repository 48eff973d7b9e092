//! A compact sequence of byte strings in one buffer: the role of Redis's listpack.
//!
//! Small lists, hashes and sorted sets (and every node of a big list) live in a `Pack`:
//! one allocation, elements back to back, each as a LEB128 length, its bytes, and the
//! length again written backwards (listpack's backlen):
//!
//! ```text
//!   buf: | len0 | bytes0 | nel0 | len1 | bytes1 | nel1 | ... |   len: u32 = elements
//! ```
//!
//! Positions are byte offsets into `buf` (an element starts at its length byte), so a walk
//! is a scan like a listpack's, with no per-element pointer. The trailing copy (`nel`: the
//! LEB128 bytes in reverse order, so the byte next to the following element holds the low
//! bits and a set top bit means "more bytes to the left") lets [`Pack::prev`] step back one
//! element in O(1): RPOP and backward walks do not re-scan the pack from the front. It
//! costs one byte for elements under 128 bytes, as listpack's backlen does.
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
        (&self.buf[start..start + n], start + n + at)
    }

    /// The offset of the element before the one at `offset` (an element start or `end()`),
    /// or `None` at the front.
    pub fn prev(&self, offset: usize) -> Option<usize> {
        if offset == 0 {
            return None;
        }
        let (n, used) = get_backwards(&self.buf[..offset]);
        Some(offset - 2 * used - n)
    }

    /// The offset of the last element.
    pub fn last_offset(&self) -> Option<usize> {
        self.prev(self.end())
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

    /// Makes room for `extra` more bytes without growing the capacity past `max_bytes`
    /// unless the content itself needs it (a list node bounded by `list-max-listpack-size`
    /// then ends in an allocation of exactly the node limit, not twice it).
    pub fn reserve_within(&mut self, extra: usize, max_bytes: usize) {
        let need = self.buf.len() + extra;
        if need <= self.buf.capacity() {
            return;
        }
        let target = if need <= EXACT_GROWTH_BYTES {
            need
        } else {
            (self.buf.capacity() * 2).min(max_bytes).max(need)
        };
        self.buf.reserve_exact(target - self.buf.len());
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// Bytes an element of `n` bytes takes in a pack.
    pub fn encoded_len(n: usize) -> usize {
        n + 2 * varint::len(n)
    }

    /// Inserts `item` so that it starts at `offset` (an element start or `end()`).
    pub fn insert(&mut self, offset: usize, item: &[u8]) {
        let mut head = [0u8; varint::MAX_LEN];
        let h = varint::put(&mut head, item.len());
        let mut tail = head;
        tail[..h].reverse();
        self.reserve(2 * h + item.len());
        if offset == self.buf.len() {
            self.buf.extend_from_slice(&head[..h]);
            self.buf.extend_from_slice(item);
            self.buf.extend_from_slice(&tail[..h]);
        } else {
            let bytes = head[..h].iter().chain(item).chain(&tail[..h]).copied();
            self.buf.splice(offset..offset, bytes);
        }
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
        let mut tail = head;
        tail[..h].reverse();
        let bytes = head[..h].iter().chain(item).chain(&tail[..h]).copied();
        self.buf.splice(offset..next, bytes);
    }

    /// Splits off the elements from `offset` on into a new pack.
    pub fn split_off(&mut self, offset: usize) -> Pack {
        let tail = self.buf.split_off(offset);
        let mut moved_len = 0u32;
        let mut at = 0;
        while at < tail.len() {
            let (n, used) = varint::get(&tail[at..]);
            at += 2 * used + n;
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

/// Reads the backwards length that ends at the end of `buf`; returns it and the bytes it
/// took.
fn get_backwards(buf: &[u8]) -> (usize, usize) {
    let mut n = 0usize;
    for (i, &b) in buf.iter().rev().enumerate() {
        n |= ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return (n, i + 1);
        }
    }
    panic!("truncated backwards length");
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
        assert_eq!(p.byte_len(), 3 + 3 + 204);
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
            vec![0, 3, 7, 12]
        );
    }

    #[test]
    fn backward_steps() {
        let sizes = [0usize, 1, 127, 128, 300, 16384, 5];
        let items: Vec<Vec<u8>> = sizes.iter().map(|&n| vec![b'z'; n]).collect();
        let p: Pack = items.iter().map(Vec::as_slice).collect();
        let offsets: Vec<usize> = p.iter_offsets().map(|(o, _)| o).collect();
        let mut back = Vec::new();
        let mut at = p.last_offset();
        while let Some(o) = at {
            back.push(o);
            assert_eq!(p.get(o).0.len(), sizes[sizes.len() - back.len()]);
            at = p.prev(o);
        }
        back.reverse();
        assert_eq!(back, offsets);
        assert_eq!(Pack::new().last_offset(), None);
        let mut q = Pack::new();
        q.reserve_within(600, 8192);
        assert!(q.heap_bytes() >= 600);
    }
}
