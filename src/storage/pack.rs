//! A compact sequence of byte strings in one allocation: the role of Redis's listpack.
//!
//! Small lists, hashes and sorted sets (and every node of a big list) live in a `Pack`:
//! one heap block behind one thin pointer, an 8-byte header then the elements back to back,
//! each as a LEB128 length and its bytes:
//!
//! ```text
//!   Pack: ptr ──> | count u32 | bytes u32 | len0 | bytes0 | len1 | bytes1 | ... |
//! ```
//!
//! Why this shape (memory is what packs are for):
//! - **8 bytes in the owner.** A `Vec` would cost 24 bytes plus the count wherever a pack
//!   lives (an object, a list node); the header costs 8, in the block. An empty pack holds
//!   no block (a null pointer), and pointer values are 8-aligned, so a pack fits in a
//!   tagged pointer next to a boxed alternative (see [`PackOr`]).
//! - **No backlen.** Listpack repeats each element's length after it so it can step back
//!   in O(1); that is a byte per element (6% of a 14-byte list element). Only lists walk
//!   backwards, and they cache the offsets of their tail node instead (see `list.rs`);
//!   [`Pack::prev`] here rescans from the front.
//! - **No slack of its own.** The block is header + content rounded up to the allocator's
//!   size class (see [`block_size`]): many small hashes carry nothing the allocator would
//!   not round up anyway, and a list node filled by RPUSH reallocates once per class.
//!
//! Positions are byte offsets into the content (an element starts at its length byte), so
//! a walk is a scan like a listpack's, with no per-element pointer. The content is at most
//! `u32::MAX` bytes (Redis caps a listpack at 1 GiB and gives bigger list elements a node
//! of their own; one element over 4 GiB is refused with a panic of the command).

use std::alloc::{alloc, dealloc, handle_alloc_error, realloc, Layout};
use std::marker::PhantomData;
use std::ptr::NonNull;

use super::varint;

/// Header bytes: element count and content length, both u32.
const HEADER: usize = 8;
/// Block alignment: keeps the low pointer bits free for [`PackOr`]'s tag.
const ALIGN: usize = 8;

#[repr(transparent)]
#[derive(Default)]
pub struct Pack(Option<NonNull<u8>>);

// SAFETY: a Pack exclusively owns its block; moving it moves that ownership.
unsafe impl Send for Pack {}
unsafe impl Sync for Pack {}

/// Blocks above this size are allocated exactly (huge elements, raised listpack limits).
const CLASS_MAX: usize = 1 << 16;

/// The block size for `bytes` of header and content: rounded up to the allocator's own
/// size classes (multiples of 16 up to 128 bytes, then four classes per power of two, as
/// mimalloc's bins), so the rounding wastes nothing the allocator would not, and a pack
/// that grows or shrinks within its class (RPUSH, RPOP on a list node) does not call
/// `realloc` at all. Crossing a class is a `realloc` that mimalloc still does in place
/// while the block's real size allows, so pushing and popping at a class edge is cheap.
#[inline]
fn block_size(bytes: usize) -> usize {
    if bytes <= 128 {
        (bytes + 15) & !15
    } else if bytes <= CLASS_MAX {
        // Steps are powers of two: round with a mask, not a division (this runs on
        // every push and pop).
        let step = bytes.next_power_of_two() / 8;
        (bytes + step - 1) & !(step - 1)
    } else {
        bytes
    }
}

fn layout(content: usize) -> Layout {
    Layout::from_size_align(block_size(HEADER + content), ALIGN).expect("pack size fits a layout")
}

/// Reads one LEB128 length at `at`; returns it and the bytes it took. One byte for
/// elements under 128 bytes, the common case, without a loop.
#[inline(always)]
fn len_at(data: &[u8], at: usize) -> (usize, usize) {
    let b = data[at];
    if b < 0x80 {
        (b as usize, 1)
    } else {
        varint::get(&data[at..])
    }
}

impl Pack {
    pub fn new() -> Self {
        Pack(None)
    }

    #[inline]
    fn header(&self) -> (usize, usize) {
        match self.0 {
            // SAFETY: a block starts with the two u32s, 8-aligned.
            Some(p) => unsafe {
                let h = p.as_ptr() as *const u32;
                (*h as usize, *h.add(1) as usize)
            },
            None => (0, 0),
        }
    }

    /// The content bytes (elements back to back).
    #[inline]
    fn data(&self) -> &[u8] {
        match self.0 {
            // SAFETY: the block holds `len` content bytes after the header.
            Some(p) => unsafe {
                let len = *(p.as_ptr() as *const u32).add(1) as usize;
                std::slice::from_raw_parts(p.as_ptr().add(HEADER), len)
            },
            None => &[],
        }
    }

    #[inline]
    fn data_mut(&mut self) -> &mut [u8] {
        let len = self.end();
        match self.0 {
            // SAFETY: as in `data`, with exclusive access.
            Some(p) => unsafe { std::slice::from_raw_parts_mut(p.as_ptr().add(HEADER), len) },
            None => &mut [],
        }
    }

    /// Resizes the content to `len` bytes (keeping the first `min(old, len)`), with the
    /// element count `count`. Zero bytes frees the block.
    #[inline]
    fn resize(&mut self, len: usize, count: usize) {
        if let Some(p) = self.0 {
            let old = self.end();
            if len != 0 && block_size(HEADER + len) == block_size(HEADER + old) {
                // Same size class: the block stays; only the header changes.
                debug_assert!(len <= u32::MAX as usize && count <= u32::MAX as usize);
                // SAFETY: the block has a header.
                unsafe {
                    let h = p.as_ptr() as *mut u32;
                    *h = count as u32;
                    *h.add(1) = len as u32;
                }
                return;
            }
        }
        self.reallocate(len, count);
    }

    #[inline(never)]
    fn reallocate(&mut self, len: usize, count: usize) {
        let old = self.end();
        assert!(
            len <= u32::MAX as usize && count <= u32::MAX as usize,
            "pack over 4 GiB"
        );
        // SAFETY: the block (if any) was allocated with `layout(old)`; the new layout has
        // the same alignment and a non-zero size.
        unsafe {
            let block = match self.0 {
                None if len == 0 => return,
                None => alloc(layout(len)),
                Some(p) if len == 0 => {
                    dealloc(p.as_ptr(), layout(old));
                    self.0 = None;
                    return;
                }
                Some(p) => realloc(p.as_ptr(), layout(old), layout(len).size()),
            };
            let Some(block) = NonNull::new(block) else {
                handle_alloc_error(layout(len))
            };
            let h = block.as_ptr() as *mut u32;
            *h = count as u32;
            *h.add(1) = len as u32;
            self.0 = Some(block);
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.header().0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Size of the block in bytes (header and content; 0 when empty): what the list node
    /// size limit measures, as Redis measures a listpack's total bytes.
    pub fn byte_len(&self) -> usize {
        match self.0 {
            Some(_) => HEADER + self.end(),
            None => 0,
        }
    }

    /// Heap bytes held, for MEMORY USAGE.
    pub fn heap_bytes(&self) -> usize {
        match self.0 {
            Some(_) => layout(self.end()).size(),
            None => 0,
        }
    }

    /// The offset one past the last element: where `push_back` writes.
    #[inline]
    pub fn end(&self) -> usize {
        self.header().1
    }

    /// The element at `offset` and the offset of the next one.
    ///
    /// Panics if `offset` is not the start of an element of this pack.
    #[inline]
    pub fn get(&self, offset: usize) -> (&[u8], usize) {
        let data = self.data();
        let (n, used) = len_at(data, offset);
        let start = offset + used;
        (&data[start..start + n], start + n)
    }

    /// The offset of the element after the one at `offset`.
    #[inline]
    pub fn next(&self, offset: usize) -> usize {
        let (n, used) = len_at(self.data(), offset);
        offset + used + n
    }

    /// The offset of the element before the one at `offset` (an element start or `end()`),
    /// or `None` at the front. A scan from the front: packs keep no backward lengths
    /// (lists cache their tail's offsets instead; see [`Pack::offsets`]).
    pub fn prev(&self, offset: usize) -> Option<usize> {
        if offset == 0 {
            return None;
        }
        let mut at = 0;
        loop {
            let next = self.next(at);
            if next >= offset {
                return Some(at);
            }
            at = next;
        }
    }

    /// The offset of the last element (a scan, as [`Pack::prev`]).
    pub fn last_offset(&self) -> Option<usize> {
        self.prev(self.end())
    }

    /// Appends the offset of every element, front to back, to `out`.
    pub fn offsets(&self, out: &mut Vec<u32>) {
        let data = self.data();
        out.reserve(self.len());
        let mut at = 0;
        while at < data.len() {
            out.push(at as u32);
            let (n, used) = len_at(data, at);
            at += used + n;
        }
    }

    /// Offset of the element with index `index` (0-based from the front).
    pub fn offset_of(&self, index: usize) -> Option<usize> {
        if index >= self.len() {
            return None;
        }
        let mut at = 0;
        for _ in 0..index {
            at = self.next(at);
        }
        Some(at)
    }

    /// Elements from the front.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            data: self.data(),
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

    /// Kept for callers that size list nodes: blocks grow by size class (see
    /// [`block_size`]), so there is nothing to reserve.
    pub fn reserve_within(&mut self, _extra: usize, _max_bytes: usize) {}

    /// Kept for callers: the block never has spare capacity.
    pub fn shrink_to_fit(&mut self) {}

    /// Bytes an element of `n` bytes takes in a pack.
    pub fn encoded_len(n: usize) -> usize {
        n + varint::len(n)
    }

    /// Makes a gap of `gap` bytes at `offset` for `added` new elements; returns the content.
    #[inline]
    fn open_gap(&mut self, offset: usize, gap: usize, added: usize) -> &mut [u8] {
        let (count, old) = self.header();
        self.resize(old + gap, count + added);
        let data = self.data_mut();
        if offset < old {
            data.copy_within(offset..old, offset + gap);
        }
        data
    }

    /// Inserts `item` so that it starts at `offset` (an element start or `end()`).
    #[inline]
    pub fn insert(&mut self, offset: usize, item: &[u8]) {
        let n = item.len();
        let h = varint::len(n);
        let data = self.open_gap(offset, h + n, 1);
        if h == 1 {
            data[offset] = n as u8;
        } else {
            varint::put(&mut data[offset..], n);
        }
        data[offset + h..offset + h + n].copy_from_slice(item);
    }

    #[inline]
    pub fn push_back(&mut self, item: &[u8]) {
        let end = self.end();
        self.insert(end, item);
    }

    pub fn push_front(&mut self, item: &[u8]) {
        self.insert(0, item);
    }

    /// Removes `count` elements starting at `offset`; returns how many were removed.
    pub fn remove(&mut self, offset: usize, count: usize) -> usize {
        let (total, old) = self.header();
        let mut end = offset;
        let mut removed = 0;
        while removed < count && end < old {
            end = self.next(end);
            removed += 1;
        }
        if end < old {
            self.data_mut().copy_within(end..old, offset);
        }
        self.resize(old - (end - offset), total - removed);
        removed
    }

    /// Replaces the element at `offset` with `item`.
    pub fn replace(&mut self, offset: usize, item: &[u8]) {
        let (count, old) = self.header();
        let next = self.next(offset);
        let mut head = [0u8; varint::MAX_LEN];
        let h = varint::put(&mut head, item.len());
        let (was, now) = (next - offset, h + item.len());
        if now > was {
            self.resize(old + now - was, count);
            self.data_mut().copy_within(next..old, offset + now);
        } else if now < was {
            self.data_mut().copy_within(next..old, offset + now);
            self.resize(old - (was - now), count);
        }
        let data = self.data_mut();
        data[offset..offset + h].copy_from_slice(&head[..h]);
        data[offset + h..offset + now].copy_from_slice(item);
    }

    /// Splits off the elements from `offset` on into a new pack.
    pub fn split_off(&mut self, offset: usize) -> Pack {
        let (count, old) = self.header();
        let mut tail = Pack::new();
        let tail_bytes = &self.data()[offset..];
        let mut moved = 0;
        let mut at = 0;
        while at < tail_bytes.len() {
            let (n, used) = len_at(tail_bytes, at);
            at += used + n;
            moved += 1;
        }
        tail.resize(old - offset, moved);
        tail.data_mut().copy_from_slice(&self.data()[offset..]);
        self.resize(offset, count - moved);
        tail
    }

    /// Appends all of `other`'s elements.
    pub fn append(&mut self, other: &Pack) {
        let (count, old) = self.header();
        let (more, bytes) = other.header();
        self.resize(old + bytes, count + more);
        self.data_mut()[old..].copy_from_slice(other.data());
    }
}

impl Drop for Pack {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            // SAFETY: the block was allocated with `layout(end)`.
            unsafe { dealloc(p.as_ptr(), layout(self.end())) }
        }
    }
}

impl Clone for Pack {
    fn clone(&self) -> Pack {
        let mut p = Pack::new();
        p.resize(self.end(), self.len());
        p.data_mut().copy_from_slice(self.data());
        p
    }
}

impl PartialEq for Pack {
    fn eq(&self, other: &Self) -> bool {
        self.data() == other.data()
    }
}

impl Eq for Pack {}

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Elements of a pack, front to back.
pub struct Iter<'a> {
    data: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let (n, used) = len_at(self.data, self.at);
        let start = self.at + used;
        self.at = start + n;
        self.left -= 1;
        Some(&self.data[start..start + n])
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

/// A [`Pack`] or a boxed `B` in one 8-byte word: the two encodings of a small-or-big
/// collection (a listpack hash or its table, a listpack sorted set or its skiplist), so
/// the collection type is pointer-sized and an [`Object`](super::value::Object) is 16
/// bytes. The low bit tells them apart: pack blocks (and null, the empty pack) are
/// 8-aligned, a boxed `B` is stored with its low bit set (`B` is at least 2-aligned).
#[repr(transparent)]
pub struct PackOr<B> {
    ptr: *mut u8,
    _owns: PhantomData<Box<B>>,
}

// SAFETY: PackOr owns either a Pack or a Box<B>; both are Send/Sync when B is.
unsafe impl<B: Send> Send for PackOr<B> {}
unsafe impl<B: Sync> Sync for PackOr<B> {}

/// A borrowed view of a [`PackOr`].
pub enum Either<P, B> {
    Pack(P),
    Other(B),
}

impl<B> PackOr<B> {
    const TAG: usize = 1;

    pub fn pack(p: Pack) -> Self {
        let ptr = p.0.map_or(std::ptr::null_mut(), NonNull::as_ptr);
        std::mem::forget(p);
        debug_assert_eq!(ptr.addr() & Self::TAG, 0);
        PackOr {
            ptr,
            _owns: PhantomData,
        }
    }

    pub fn other(b: Box<B>) -> Self {
        const { assert!(std::mem::align_of::<B>() >= 2) };
        PackOr {
            ptr: Box::into_raw(b).cast::<u8>().map_addr(|a| a | Self::TAG),
            _owns: PhantomData,
        }
    }

    #[inline]
    pub fn is_pack(&self) -> bool {
        self.ptr.addr() & Self::TAG == 0
    }

    /// The Box<B>'s pointer (when tagged).
    #[inline]
    fn boxed(&self) -> *mut B {
        self.ptr.map_addr(|a| a & !Self::TAG).cast::<B>()
    }

    #[inline]
    pub fn get(&self) -> Either<&Pack, &B> {
        if self.is_pack() {
            // SAFETY: untagged bits are a Pack's pointer (or null): Pack is a transparent
            // Option<NonNull<u8>>, the same word.
            Either::Pack(unsafe { &*(self as *const Self as *const Pack) })
        } else {
            // SAFETY: tagged bits are a Box<B>'s pointer with the tag bit set.
            Either::Other(unsafe { &*(self.boxed()) })
        }
    }

    #[inline]
    pub fn get_mut(&mut self) -> Either<&mut Pack, &mut B> {
        if self.is_pack() {
            // SAFETY: as in `get`; a Pack changed through this reference stays a pack
            // pointer (8-aligned or null), so the tag keeps meaning "pack".
            Either::Pack(unsafe { &mut *(self as *mut Self as *mut Pack) })
        } else {
            // SAFETY: as in `get`, with exclusive access.
            Either::Other(unsafe { &mut *(self.boxed()) })
        }
    }
}

impl<B: Clone> Clone for PackOr<B> {
    fn clone(&self) -> Self {
        match self.get() {
            Either::Pack(p) => PackOr::pack(p.clone()),
            Either::Other(b) => PackOr::other(Box::new(b.clone())),
        }
    }
}

impl<B> Default for PackOr<B> {
    fn default() -> Self {
        PackOr::pack(Pack::new())
    }
}

impl<B> Drop for PackOr<B> {
    fn drop(&mut self) {
        if self.is_pack() {
            // SAFETY: the bits are an owned Pack's; rebuild it to drop it.
            drop(unsafe { std::ptr::read(self as *const Self as *const Pack) });
        } else {
            // SAFETY: the bits are an owned Box<B>'s, tagged.
            drop(unsafe { Box::from_raw(self.boxed()) });
        }
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
        assert_eq!(p.byte_len(), HEADER + 2 + 2 + 202);
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
        p.replace(p.offset_of(1).unwrap(), b"same");
        p.replace(p.offset_of(1).unwrap(), b"");
        assert_eq!(p.remove(p.offset_of(1).unwrap(), 2), 2);
        assert_eq!(items(&p), vec![vec![b'y'; 130], b"short".to_vec()]);
        assert_eq!(p.remove(0, 10), 2);
        assert!(p.is_empty() && p.byte_len() == 0 && p.end() == 0);
        assert_eq!(p.offset_of(0), None);
        assert_eq!(p, Pack::new());
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
        let c = p.clone();
        assert_eq!((c.len(), items(&c)), (4, items(&p)));
        let all = p.split_off(0);
        assert!(p.is_empty() && all.len() == 4);
        let none = p.split_off(0);
        assert!(none.is_empty());
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
        let mut all = Vec::new();
        p.offsets(&mut all);
        assert_eq!(all.iter().map(|&o| o as usize).collect::<Vec<_>>(), offsets);
        assert_eq!(Pack::new().last_offset(), None);
    }

    #[test]
    fn size_classes() {
        let classes: Vec<usize> = [1, 16, 17, 128, 129, 160, 161, 180, 256, 257, 8183, 8193]
            .iter()
            .map(|&b| block_size(b))
            .collect();
        assert_eq!(
            classes,
            [16, 16, 32, 128, 160, 160, 192, 192, 256, 320, 8192, 10240]
        );
        assert_eq!(block_size(CLASS_MAX + 1), CLASS_MAX + 1);
        // A pack grows through its classes and frees its block when emptied.
        let mut p = Pack::new();
        for i in 0..2000 {
            p.push_back(format!("element:{i}").as_bytes());
            assert!(p.heap_bytes() >= p.byte_len() && p.heap_bytes() == block_size(p.byte_len()));
        }
        while !p.is_empty() {
            let last = p.last_offset().unwrap();
            p.remove(last, 1);
        }
        assert_eq!((p.heap_bytes(), p.byte_len()), (0, 0));
    }

    #[test]
    fn thin_and_tagged() {
        assert_eq!(std::mem::size_of::<Pack>(), 8);
        assert_eq!(std::mem::size_of::<PackOr<Vec<u8>>>(), 8);
        let mut a: PackOr<Vec<u8>> = PackOr::default();
        assert!(matches!(a.get(), Either::Pack(p) if p.is_empty()));
        if let Either::Pack(p) = a.get_mut() {
            p.push_back(b"x");
        }
        let b = a.clone();
        assert!(matches!(b.get(), Either::Pack(p) if p.len() == 1));
        a = PackOr::other(Box::new(b"big".to_vec()));
        if let Either::Other(v) = a.get_mut() {
            v.push(b'!');
        }
        assert!(matches!(a.clone().get(), Either::Other(v) if v == b"big!"));
        assert!(!a.is_pack() && b.is_pack());
    }
}
