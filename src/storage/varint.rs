//! LEB128 lengths, as the entry header and [`Pack`](super::pack::Pack) store them: 7 bits
//! a byte, low bits first, the top bit set on every byte but the last.

/// Longest encoding of a `usize`.
pub const MAX_LEN: usize = 10;

/// Bytes `n` takes.
pub fn len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Writes `n` at the start of `out` (which needs `len(n)` bytes); returns the bytes used.
pub fn put(out: &mut [u8], mut n: usize) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        out[i] = (n as u8) | 0x80;
        n >>= 7;
        i += 1;
    }
    out[i] = n as u8;
    i + 1
}

/// Reads a number at the start of `buf`; returns it and the bytes it took.
///
/// Panics if `buf` does not start with a complete encoding (packs only hold their own).
pub fn get(buf: &[u8]) -> (usize, usize) {
    let mut n = 0usize;
    for (i, &b) in buf.iter().enumerate() {
        n |= ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return (n, i + 1);
        }
    }
    panic!("truncated varint");
}

/// Writes `n` at `p`; returns the pointer past it. For the one-allocation blocks (entries,
/// hash pairs, set members) that are built and read through raw pointers.
///
/// # Safety
/// `p` must have room for `len(n)` bytes.
pub unsafe fn put_raw(mut p: *mut u8, mut n: usize) -> *mut u8 {
    while n >= 0x80 {
        *p = (n as u8) | 0x80;
        p = p.add(1);
        n >>= 7;
    }
    *p = n as u8;
    p.add(1)
}

/// Reads a number at `p`; returns it and the pointer past it.
///
/// # Safety
/// `p` must point at a complete encoding inside a live allocation.
pub unsafe fn get_raw(mut p: *const u8) -> (usize, *const u8) {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = *p;
        p = p.add(1);
        n |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            return (n, p);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for n in [0, 1, 127, 128, 300, 16383, 16384, usize::MAX] {
            let mut b = [0u8; MAX_LEN];
            let used = put(&mut b, n);
            assert_eq!(used, len(n));
            assert_eq!(get(&b), (n, used));
            let mut r = [0u8; MAX_LEN];
            // SAFETY: r has MAX_LEN bytes, enough for any usize.
            unsafe {
                let end = put_raw(r.as_mut_ptr(), n);
                assert_eq!(end.offset_from(r.as_ptr()) as usize, used);
                assert_eq!(get_raw(r.as_ptr()), (n, r.as_ptr().add(used)));
            }
        }
    }
}
