//! One key and its value in a single heap block, behind one thin pointer.
//!
//! The keyspace table stores 8 bytes per slot, so the per-key cost is this block plus the
//! table's share (DESIGN.md asks for <= 60 B of RSS per small key). Block layout:
//!
//! ```text
//! +-----+-------------------+--------------+-----------+---------------------------------+
//! | tag | expire_at_ms u64? | key_len var? | key bytes | value: inline string            |
//! | u8  | (only if TAG_TTL) | (LEB128, if  |           |   (val_len var + bytes)         |
//! |     |                   |  not in tag) |           | or padding to 8 + an Object     |
//! +-----+-------------------+--------------+-----------+---------------------------------+
//! ```
//!
//! The tag's top 5 bits hold `key_len + 1` for keys of up to 30 bytes (0 = a varint length
//! follows): a typical small key/value pair (`key:123456` / `value:123456`) then takes 24
//! bytes, exactly an allocator size class. String blocks are byte aligned, object blocks
//! 8-aligned.
//!
//! Strings written by SET live inline (Redis's embstr); a string grown by APPEND/SETRANGE
//! moves to an [`Object`] so repeated appends are amortized O(1) (Redis's raw sds). Every
//! other type lives in an `Object`, stored in the block itself (16 bytes: every variant is
//! one pointer), not behind a second allocation: a small hash is this block plus its
//! listpack, as a Redis key is a dict entry, a robj and a listpack. The block's size is
//! always derivable from its header, which is how `Drop` rebuilds the allocation layout.

use std::alloc::{alloc, dealloc, Layout};
use std::ptr::NonNull;

use super::value::Object;
use super::varint;

const TAG_KIND_MASK: u8 = 0b0000_0011;
const KIND_INLINE_STR: u8 = 0;
const KIND_OBJECT: u8 = 1;
/// An inline string Redis keeps as written (embstr), never as an integer, even when it
/// reads as one: INCRBYFLOAT's result (`createStringObjectFromLongDouble`).
const KIND_INLINE_AS_IS: u8 = 2;
const TAG_TTL: u8 = 0b0000_0100;
const TAG_KEY_LEN_SHIFT: u32 = 3;
/// Longest key whose length fits in the tag.
const TAG_KEY_LEN_MAX: usize = 30;

/// Bytes of the object stored in an object entry's block.
const OBJECT_BYTES: usize = std::mem::size_of::<Object>();

/// Where the object goes in a block whose header and key take `head` bytes: the next
/// 8-aligned offset.
#[inline]
fn object_offset(head: usize) -> usize {
    head.next_multiple_of(std::mem::align_of::<Object>())
}

/// The allocation layout of a block of `total` bytes holding a value of `kind`.
#[inline]
fn block_layout(total: usize, kind: u8) -> Layout {
    let align = if kind == KIND_OBJECT {
        std::mem::align_of::<Object>()
    } else {
        1
    };
    Layout::from_size_align(total, align).expect("entry size fits a layout")
}

/// A borrowed view of an entry's value.
pub enum ValueRef<'a> {
    Str(&'a [u8]),
    Obj(&'a Object),
}

/// What a new entry holds.
pub enum NewValue<'a> {
    Str(&'a [u8]),
    /// A string OBJECT ENCODING never reports as "int" (see `KIND_INLINE_AS_IS`).
    StrAsIs(&'a [u8]),
    Obj(Box<Object>),
}

/// An owned key/value block. Sent between threads only as a whole (it owns its memory and
/// its object), never shared.
pub struct Entry(NonNull<u8>);

// SAFETY: an Entry exclusively owns its block and the Object it points to; moving it to
// another thread moves that ownership. Object is Send.
unsafe impl Send for Entry {}

struct Parts {
    tag: u8,
    key: (*const u8, usize),
    /// Inline string (ptr, len) or the object pointer's location.
    value_at: *const u8,
    value_len: usize,
    total: usize,
}

impl Entry {
    /// Builds a block for `key` with `value` and an optional absolute expiry.
    pub fn new(key: &[u8], value: NewValue<'_>, expire_at_ms: Option<u64>) -> Entry {
        match value {
            NewValue::Str(s) => Entry::build(key, KIND_INLINE_STR, s, None, expire_at_ms),
            NewValue::StrAsIs(s) => Entry::build(key, KIND_INLINE_AS_IS, s, None, expire_at_ms),
            NewValue::Obj(obj) => Entry::build(key, KIND_OBJECT, b"", Some(*obj), expire_at_ms),
        }
    }

    fn build(
        key: &[u8],
        kind: u8,
        s: &[u8],
        obj: Option<Object>,
        expire_at_ms: Option<u64>,
    ) -> Entry {
        let ttl_bytes = if expire_at_ms.is_some() { 8 } else { 0 };
        let short_key = key.len() <= TAG_KEY_LEN_MAX;
        let key_len_bytes = if short_key { 0 } else { varint::len(key.len()) };
        let head = 1 + ttl_bytes + key_len_bytes + key.len();
        let total = match obj {
            Some(_) => object_offset(head) + OBJECT_BYTES,
            None => head + varint::len(s.len()) + s.len(),
        };
        let layout = block_layout(total, kind);
        // SAFETY: layout has non-zero size; every write below stays inside `total` bytes,
        // which is exactly the sum of the pieces written (plus the object's padding); the
        // object goes to an 8-aligned offset of an 8-aligned block.
        unsafe {
            let base = alloc(layout);
            let Some(base) = NonNull::new(base) else {
                std::alloc::handle_alloc_error(layout)
            };
            let mut p = base.as_ptr();
            let key_len_code = if short_key {
                (key.len() as u8 + 1) << TAG_KEY_LEN_SHIFT
            } else {
                0
            };
            *p = kind | key_len_code | if expire_at_ms.is_some() { TAG_TTL } else { 0 };
            p = p.add(1);
            if let Some(at) = expire_at_ms {
                std::ptr::copy_nonoverlapping(at.to_le_bytes().as_ptr(), p, 8);
                p = p.add(8);
            }
            if !short_key {
                p = varint::put_raw(p, key.len());
            }
            std::ptr::copy_nonoverlapping(key.as_ptr(), p, key.len());
            p = p.add(key.len());
            match obj {
                Some(obj) => {
                    std::ptr::write(base.as_ptr().add(object_offset(head)) as *mut Object, obj)
                }
                None => {
                    p = varint::put_raw(p, s.len());
                    std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
                }
            }
            Entry(base)
        }
    }

    fn parts(&self) -> Parts {
        // SAFETY: the block was written by `new` and is owned by self, so every header
        // field is present and in bounds.
        unsafe {
            let base = self.0.as_ptr() as *const u8;
            let tag = *base;
            let mut p = base.add(1);
            if tag & TAG_TTL != 0 {
                p = p.add(8);
            }
            let code = (tag >> TAG_KEY_LEN_SHIFT) as usize;
            let (klen, kp) = if code != 0 {
                (code - 1, p)
            } else {
                varint::get_raw(p)
            };
            p = kp.add(klen);
            let (value_at, value_len, end) = if tag & TAG_KIND_MASK == KIND_OBJECT {
                let at = base.add(object_offset(p.offset_from(base) as usize));
                (at, OBJECT_BYTES, at.add(OBJECT_BYTES))
            } else {
                let (vlen, vp) = varint::get_raw(p);
                (vp, vlen, vp.add(vlen))
            };
            Parts {
                tag,
                key: (kp, klen),
                value_at,
                value_len,
                total: end.offset_from(base) as usize,
            }
        }
    }

    pub fn key(&self) -> &[u8] {
        let p = self.parts();
        // SAFETY: the key bytes live inside the block for as long as self.
        unsafe { std::slice::from_raw_parts(p.key.0, p.key.1) }
    }

    pub fn expire_at_ms(&self) -> Option<u64> {
        // Fast path: the TTL sits right after the tag.
        // SAFETY: tag is the first byte; the TTL (if flagged) the next 8.
        unsafe {
            let base = self.0.as_ptr() as *const u8;
            if *base & TAG_TTL == 0 {
                return None;
            }
            let mut b = [0u8; 8];
            std::ptr::copy_nonoverlapping(base.add(1), b.as_mut_ptr(), 8);
            Some(u64::from_le_bytes(b))
        }
    }

    /// True when the entry's TTL has passed. Redis 7.0's `keyIsExpired` uses `now > when`,
    /// so a key is still alive during its expiry millisecond.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        matches!(self.expire_at_ms(), Some(at) if now_ms > at)
    }

    fn object_ptr(&self) -> Option<*mut Object> {
        let p = self.parts();
        if p.tag & TAG_KIND_MASK != KIND_OBJECT {
            return None;
        }
        Some(p.value_at as *mut Object)
    }

    pub fn value(&self) -> ValueRef<'_> {
        if let Some(obj) = self.object_ptr() {
            // SAFETY: the object is owned by this entry and lives as long as it does.
            return ValueRef::Obj(unsafe { &*obj });
        }
        let p = self.parts();
        // SAFETY: inline string bytes live inside the block.
        ValueRef::Str(unsafe { std::slice::from_raw_parts(p.value_at, p.value_len) })
    }

    /// The value as a string, whether inline or a grown string object.
    pub fn as_str(&self) -> Option<&[u8]> {
        match self.value() {
            ValueRef::Str(s) => Some(s),
            ValueRef::Obj(Object::Str(s)) => Some(s),
            #[allow(unreachable_patterns)]
            ValueRef::Obj(_) => None,
        }
    }

    /// Whether OBJECT ENCODING may call this string "int" (Redis's `tryObjectEncoding`
    /// ran on it): every string but INCRBYFLOAT's results and grown strings.
    pub fn int_encodable(&self) -> bool {
        self.parts().tag & TAG_KIND_MASK == KIND_INLINE_STR
    }

    /// An inline string value as it would be written again (same kind), for rebuilding
    /// or copying the entry. Object entries give an empty string.
    pub fn inline_value(&self) -> NewValue<'_> {
        let s = match self.value() {
            ValueRef::Str(s) => s,
            ValueRef::Obj(_) => b"",
        };
        if self.parts().tag & TAG_KIND_MASK == KIND_INLINE_AS_IS {
            NewValue::StrAsIs(s)
        } else {
            NewValue::Str(s)
        }
    }

    /// Mutable access to the object, for entries that hold one.
    pub fn object_mut(&mut self) -> Option<&mut Object> {
        // SAFETY: &mut self gives exclusive access to the owned object.
        self.object_ptr().map(|p| unsafe { &mut *p })
    }

    /// Replaces the value, keeping the key and the TTL unless `expire_at_ms` says otherwise.
    pub fn replace(&mut self, value: NewValue<'_>, expire_at_ms: Option<u64>) {
        let fresh = Entry::new(self.key(), value, expire_at_ms);
        *self = fresh;
    }

    /// Sets or clears the TTL, keeping key and value.
    pub fn set_expire(&mut self, expire_at_ms: Option<u64>) {
        if self.expire_at_ms() == expire_at_ms {
            return;
        }
        if let (Some(_), Some(at)) = (self.expire_at_ms(), expire_at_ms) {
            // Same layout: overwrite the 8 bytes in place.
            // SAFETY: the TTL field exists (flag set) right after the tag.
            unsafe {
                std::ptr::copy_nonoverlapping(at.to_le_bytes().as_ptr(), self.0.as_ptr().add(1), 8)
            };
            return;
        }
        let fresh = match self.take_object() {
            Some(obj) => Entry::build(self.key(), KIND_OBJECT, b"", Some(obj), expire_at_ms),
            None => Entry::new(self.key(), self.inline_value(), expire_at_ms),
        };
        *self = fresh;
    }

    /// Moves the object out, leaving this entry holding an empty inline string. Used when
    /// rebuilding the block around the same object.
    fn take_object(&mut self) -> Option<Object> {
        let ptr = self.object_ptr()?;
        let key = self.key().to_vec();
        let expire = self.expire_at_ms();
        // SAFETY: we own the object; after reading it out we overwrite self with a block
        // that does not hold it, and free the old block's memory directly (not through
        // Drop, which would drop the object a second time).
        unsafe {
            let obj = std::ptr::read(ptr);
            let old = std::mem::replace(self, Entry::new(&key, NewValue::Str(b""), expire));
            old.free_block_only();
            Some(obj)
        }
    }

    /// Frees the block memory without touching the object it may point to.
    ///
    /// # Safety
    /// The object (if any) must have been moved out already.
    unsafe fn free_block_only(self) {
        let p = self.parts();
        dealloc(
            self.0.as_ptr(),
            block_layout(p.total, p.tag & TAG_KIND_MASK),
        );
        std::mem::forget(self);
    }

    /// Bytes this entry occupies on the heap (block plus object estimate), for MEMORY USAGE.
    pub fn heap_bytes(&self) -> usize {
        let block = self.parts().total;
        match self.value() {
            ValueRef::Str(_) => block,
            // The object's own 16 bytes are part of the block.
            ValueRef::Obj(o) => block + o.heap_bytes() - OBJECT_BYTES,
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let parts = self.parts();
        // SAFETY: the object (if any) was written into the block by `build` and is owned
        // solely by it; the block was allocated with `block_layout(total, kind)`.
        unsafe {
            if let Some(obj) = self.object_ptr() {
                std::ptr::drop_in_place(obj);
            }
            dealloc(
                self.0.as_ptr(),
                block_layout(parts.total, parts.tag & TAG_KIND_MASK),
            );
        }
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("key", &String::from_utf8_lossy(self.key()))
            .field("expire_at_ms", &self.expire_at_ms())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_string_round_trip() {
        let (k30, k31, k300) = (vec![b'k'; 30], vec![b'k'; 31], vec![b'k'; 300]);
        for key in [&b""[..], b"a", &k30, &k31, &k300] {
            for ttl in [None, Some(1234u64)] {
                let e = Entry::new(key, NewValue::Str(b"value:1"), ttl);
                assert_eq!(e.key(), key);
                assert_eq!(e.expire_at_ms(), ttl);
                assert_eq!(e.as_str(), Some(&b"value:1"[..]));
            }
        }
    }

    #[test]
    fn ttl_changes_keep_key_and_value() {
        let mut e = Entry::new(b"key", NewValue::Str(b"v"), None);
        e.set_expire(Some(10));
        assert_eq!(
            (e.key(), e.as_str(), e.expire_at_ms()),
            (&b"key"[..], Some(&b"v"[..]), Some(10))
        );
        e.set_expire(Some(20));
        assert_eq!(e.expire_at_ms(), Some(20));
        assert!(e.is_expired(21) && !e.is_expired(20));
        e.set_expire(None);
        assert_eq!(
            (e.key(), e.as_str(), e.expire_at_ms()),
            (&b"key"[..], Some(&b"v"[..]), None)
        );
    }

    #[test]
    fn object_values_survive_ttl_rebuilds() {
        let mut e = Entry::new(
            b"key",
            NewValue::Obj(Box::new(Object::Str(Box::new(b"grown".to_vec())))),
            None,
        );
        e.set_expire(Some(5));
        e.set_expire(None);
        if let Some(Object::Str(s)) = e.object_mut() {
            s.extend_from_slice(b"!");
        }
        assert_eq!(e.as_str(), Some(&b"grown!"[..]));
        e.replace(NewValue::Str(b"small"), Some(7));
        assert_eq!(
            (e.as_str(), e.expire_at_ms()),
            (Some(&b"small"[..]), Some(7))
        );
    }

    #[test]
    fn objects_live_in_the_block() {
        use crate::storage::hash::Hash;
        let limits = crate::storage::EncodingLimits::default();
        let mut h = Hash::new();
        h.set(b"f", b"v", &limits);
        let mut e = Entry::new(
            b"hash:12345",
            NewValue::Obj(Box::new(Object::Hash(h))),
            None,
        );
        // tag + 10-byte key, padded to 16, then the 16-byte object: one 32-byte block.
        assert_eq!(e.parts().total, 32);
        for ttl in [Some(9u64), Some(10), None] {
            e.set_expire(ttl);
            assert_eq!(e.expire_at_ms(), ttl);
            let Some(Object::Hash(h)) = e.object_mut() else {
                panic!("hash kept")
            };
            h.set(b"g", b"w", &limits);
        }
        match e.value() {
            ValueRef::Obj(Object::Hash(h)) => {
                assert_eq!((h.get(b"f"), h.len()), (Some(&b"v"[..]), 2))
            }
            _ => panic!("hash kept"),
        }
        assert!(e.heap_bytes() >= 32);
        for key in [&b""[..], &[b'k'; 7], &[b'k'; 200]] {
            let e = Entry::new(
                key,
                NewValue::Obj(Box::new(Object::List(Default::default()))),
                Some(1),
            );
            assert_eq!((e.key(), e.expire_at_ms()), (key, Some(1)));
            assert!(matches!(e.value(), ValueRef::Obj(Object::List(l)) if l.is_empty()));
        }
    }

    #[test]
    fn small_entry_is_compact() {
        let e = Entry::new(b"key:123456", NewValue::Str(b"value:123456"), None);
        assert_eq!(e.parts().total, 24);
        let long_key = vec![b'k'; 31];
        let e = Entry::new(&long_key, NewValue::Str(b"v"), Some(1));
        assert_eq!(
            (e.key(), e.as_str(), e.parts().total),
            (&long_key[..], Some(&b"v"[..]), 1 + 8 + 1 + 31 + 2)
        );
    }
}
