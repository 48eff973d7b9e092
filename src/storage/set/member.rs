//! One member of a `hashtable`-encoded set, in the 8 bytes of a table slot.
//!
//! ```text
//!   inline (members of up to 7 bytes):   [ (len << 1) | 1 ][ up to 7 bytes of member ]
//!   heap   (longer members):              a pointer (2-aligned, low bit 0) to one block
//!                                         [ len: LEB128 ][ member bytes ]
//! ```
//!
//! Short members (small numbers, short tags) cost no allocation at all; a longer one is a
//! single block of its length plus one or two bytes, where Redis spends a 24-byte
//! `dictEntry` plus an sds header per member. The low bit of the first byte tells the two
//! forms apart: heap blocks are allocated 2-aligned, so a pointer's low bit is 0 (the
//! first byte of the word is its low byte on the little-endian targets shardis runs on).

use std::alloc::{alloc, dealloc, Layout};

use crate::storage::table::Keyed;
use crate::storage::varint;

#[cfg(not(target_endian = "little"))]
compile_error!("Member's inline form assumes a little-endian target");

const INLINE_MAX: usize = 7;
const BLOCK_ALIGN: usize = 2;

#[repr(C)]
union Word {
    inline: [u8; 8],
    ptr: *mut u8,
}

pub struct Member(Word);

// SAFETY: a Member exclusively owns its heap block (if any); nothing else points to it.
unsafe impl Send for Member {}

impl Member {
    pub fn new(m: &[u8]) -> Member {
        if m.len() <= INLINE_MAX {
            let mut inline = [0u8; 8];
            inline[0] = ((m.len() as u8) << 1) | 1;
            inline[1..1 + m.len()].copy_from_slice(m);
            return Member(Word { inline });
        }
        let head = varint::len(m.len());
        let layout = Self::layout(head + m.len());
        // SAFETY: the layout is non-empty; we write exactly head + len bytes into it.
        unsafe {
            let p = alloc(layout);
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            let block = std::slice::from_raw_parts_mut(p, head + m.len());
            varint::put(&mut block[..head], m.len());
            block[head..].copy_from_slice(m);
            Member(Word { ptr: p })
        }
    }

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, BLOCK_ALIGN).expect("member size fits a layout")
    }

    #[inline]
    fn is_inline(&self) -> bool {
        // SAFETY: every bit pattern of the word is a valid [u8; 8].
        unsafe { self.0.inline[0] & 1 == 1 }
    }

    #[inline]
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the tag bit says which field was written; a heap block starts with the
        // varint length of the bytes that follow it.
        unsafe {
            if self.is_inline() {
                let len = (self.0.inline[0] >> 1) as usize;
                &self.0.inline[1..1 + len]
            } else {
                let (len, bytes) = crate::storage::varint::get_raw(self.0.ptr);
                std::slice::from_raw_parts(bytes, len)
            }
        }
    }

    /// Heap bytes this member owns (0 when inline).
    pub fn heap_bytes(&self) -> usize {
        if self.is_inline() {
            0
        } else {
            let n = self.bytes().len();
            varint::len(n) + n
        }
    }
}

impl Keyed for Member {
    #[inline]
    fn key(&self) -> &[u8] {
        self.bytes()
    }
}

impl Clone for Member {
    fn clone(&self) -> Self {
        Member::new(self.bytes())
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if !self.is_inline() {
            let size = self.heap_bytes();
            // SAFETY: the block was allocated in `new` with this very layout.
            unsafe { dealloc(self.0.ptr, Self::layout(size)) }
        }
    }
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_members() {
        assert_eq!(std::mem::size_of::<Member>(), 8);
        for s in [&b""[..], b"a", b"1234567", b"12345678", &[0xff; 300]] {
            let m = Member::new(s);
            assert_eq!(m.bytes(), s);
            assert_eq!(m.clone().bytes(), s);
            assert_eq!(m.heap_bytes() == 0, s.len() <= 7);
        }
    }
}
