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
        }
    }
}
