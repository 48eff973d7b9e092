//! One field/value pair of a `hashtable`-encoded hash: a single heap block behind a thin
//! pointer, so a table slot costs 8 bytes and a pair one allocation (Redis spends a
//! 24-byte `dictEntry` plus two sds strings).
//!
//! ```text
//! +-------------------+-------------+-------------------+-------------+
//! | field_len LEB128  | field bytes | value_len LEB128  | value bytes |
//! +-------------------+-------------+-------------------+-------------+
//! ```
//!
//! The block is byte aligned and its size follows from the two lengths, which is how
//! `Drop` rebuilds the allocation layout. `field:123456` / `value:123456` takes 26 bytes.

use std::alloc::{alloc, dealloc, Layout};
use std::ptr::NonNull;

use crate::storage::varint;
use crate::storage::Keyed;

pub struct Pair(NonNull<u8>);

// SAFETY: a Pair exclusively owns its block (no shared interior); moving it to another
// thread moves that ownership.
unsafe impl Send for Pair {}

impl Pair {
    pub fn new(field: &[u8], value: &[u8]) -> Pair {
        let mut fh = [0u8; varint::MAX_LEN];
        let mut vh = [0u8; varint::MAX_LEN];
        let fl = varint::put(&mut fh, field.len());
        let vl = varint::put(&mut vh, value.len());
        let total = fl + field.len() + vl + value.len();
        let layout = Layout::from_size_align(total, 1).expect("pair size fits a layout");
        // SAFETY: `total` >= 2 (two length bytes), so the layout is non-zero; the four
        // copies below write exactly `total` bytes, back to back, from the start.
        unsafe {
            let Some(base) = NonNull::new(alloc(layout)) else {
                std::alloc::handle_alloc_error(layout)
            };
            let mut p = base.as_ptr();
            for part in [&fh[..fl], field, &vh[..vl], value] {
                std::ptr::copy_nonoverlapping(part.as_ptr(), p, part.len());
                p = p.add(part.len());
            }
            Pair(base)
        }
    }

    /// Field, value and the block's total size.
    #[inline]
    fn parts(&self) -> (&[u8], &[u8], usize) {
        // SAFETY: the block was written by `new` and lives as long as `self`: both lengths
        // and both byte runs are inside it.
        unsafe {
            let base = self.0.as_ptr() as *const u8;
            let (fl, fp) = varint::get_raw(base);
            let (vl, vp) = varint::get_raw(fp.add(fl));
            let total = vp.add(vl).offset_from(base) as usize;
            (
                std::slice::from_raw_parts(fp, fl),
                std::slice::from_raw_parts(vp, vl),
                total,
            )
        }
    }

    #[inline]
    pub fn field(&self) -> &[u8] {
        // SAFETY: as in `parts`; only the field's length is read.
        unsafe {
            let (fl, fp) = varint::get_raw(self.0.as_ptr());
            std::slice::from_raw_parts(fp, fl)
        }
    }

    #[inline]
    pub fn value(&self) -> &[u8] {
        self.parts().1
    }

    /// Bytes of the block, for MEMORY USAGE.
    pub fn block_bytes(&self) -> usize {
        self.parts().2
    }

    /// Replaces the value (a new block: the field moves along).
    pub fn set_value(&mut self, value: &[u8]) {
        *self = Pair::new(self.field(), value);
    }
}

impl Keyed for Pair {
    #[inline]
    fn key(&self) -> &[u8] {
        self.field()
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let total = self.parts().2;
        // SAFETY: the block was allocated in `new` with exactly `total` bytes, align 1.
        unsafe { dealloc(self.0.as_ptr(), Layout::from_size_align_unchecked(total, 1)) }
    }
}

impl Clone for Pair {
    fn clone(&self) -> Pair {
        let (f, v, _) = self.parts();
        Pair::new(f, v)
    }
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (field, value, _) = self.parts();
        write!(
            f,
            "{:?}={:?}",
            String::from_utf8_lossy(field),
            String::from_utf8_lossy(value)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_sizes() {
        let big = vec![b'x'; 300];
        for (f, v) in [
            (&b""[..], &b""[..]),
            (b"field:123456", b"value:123456"),
            (&big[..], b"v"),
            (b"f", &big[..]),
        ] {
            let mut p = Pair::new(f, v);
            assert_eq!((p.field(), p.value(), p.key()), (f, v, f));
            p.set_value(b"other");
            assert_eq!((p.field(), p.value()), (f, &b"other"[..]));
            let c = p.clone();
            assert_eq!((c.field(), c.value()), (f, &b"other"[..]));
        }
        assert_eq!(
            Pair::new(b"field:123456", b"value:123456").block_bytes(),
            26
        );
        assert_eq!(Pair::new(&big, &big).block_bytes(), 2 + 300 + 2 + 300);
        assert_eq!(std::mem::size_of::<Pair>(), 8);
        assert_eq!(std::mem::size_of::<Option<Pair>>(), 8);
    }
}
