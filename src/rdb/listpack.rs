//! Redis's listpack byte image (`listpack.c`), written and read.
//!
//! ```text
//!   | total bytes u32 LE | count u16 LE (65535 = unknown) | entry* | 0xFF |
//!   entry = encoding [+ data] + backlen (encoding+data length, 1-5 bytes, read leftwards)
//! ```
//!
//! Encodings: `0xxxxxxx` uint7, `10xxxxxx` string of up to 63 bytes, `110xxxxx yyyyyyyy`
//! int13, `1110xxxx yyyyyyyy` string of up to 4095 bytes, `0xF0` + u32 LE string length,
//! `0xF1..0xF4` int16/24/32/64 LE. A string that is a canonical decimal integer
//! (`lpStringToInt64`) is written as the smallest integer encoding, as Redis does, so the
//! image is byte for byte what Redis would hold.

use super::RdbError;
use crate::protocol::parse_i64_strict;

/// One element as a listpack (or ziplist) holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl Item<'_> {
    /// Calls `f` with the element's bytes (an integer in decimal).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Item::Str(s) => f(s),
            Item::Int(v) => f(itoa::Buffer::new().format(v).as_bytes()),
        }
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }
}

const HEADER: usize = 6;
const EOF: u8 = 0xFF;
/// The count field's "too many to count" value.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// Builds a listpack image element by element.
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        ListpackWriter::new()
    }
}

impl ListpackWriter {
    pub fn new() -> Self {
        ListpackWriter {
            buf: vec![0; HEADER],
            count: 0,
        }
    }

    /// Bytes the image would have if finished now.
    pub fn byte_len(&self) -> usize {
        self.buf.len() + 1
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Appends a string element, as an integer when it is a canonical one (`lpAppend`).
    pub fn push(&mut self, s: &[u8]) {
        match parse_i64_strict(s) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
    }

    /// Appends an integer element in its smallest encoding (`lpEncodeIntegerGetType`).
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u16) & 0x1FFF;
            self.buf
                .extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
        } else if (i16::MIN as i64..=i16::MAX as i64).contains(&v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.end_entry(start);
    }

    /// Appends bytes as a string element, whatever they look like.
    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let n = s.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf
                .extend_from_slice(&[0xE0 | (n >> 8) as u8, n as u8]);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.end_entry(start);
    }

    fn end_entry(&mut self, start: usize) {
        let l = (self.buf.len() - start) as u64;
        put_backlen(&mut self.buf, l);
        self.count += 1;
    }

    /// The finished image.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = if self.count < COUNT_UNKNOWN as usize {
            self.count as u16
        } else {
            COUNT_UNKNOWN
        };
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// `lpEncodeBacklen`: the entry length in 7-bit groups, most significant first, every
/// byte after the first flagged with 0x80, so it reads right to left.
fn put_backlen(buf: &mut Vec<u8>, l: u64) {
    let n = backlen_size(l);
    for i in (0..n).rev() {
        let group = ((l >> (7 * i)) & 127) as u8;
        buf.push(if i == n - 1 { group } else { group | 128 });
    }
}

/// Whether `b` is exactly [`put_backlen`]'s bytes for `l` (no allocation: checked per
/// entry of every listpack read).
fn backlen_is(b: &[u8], l: u64) -> bool {
    let n = b.len();
    b.iter().enumerate().all(|(k, &byte)| {
        let i = n - 1 - k;
        let group = ((l >> (7 * i)) & 127) as u8;
        byte == if k == 0 { group } else { group | 128 }
    })
}

fn backlen_size(l: u64) -> usize {
    match l {
        0..=127 => 1,
        128..16383 => 2,
        16383..2097151 => 3,
        2097151..268435455 => 4,
        _ => 5,
    }
}

/// Reads a listpack image found at file offset `at`, calling `f` for every element in
/// order; returns the element count. Checks the header's size and count, every entry's
/// bounds and backlen, and the terminator (Redis's deep `lpValidateIntegrity`).
pub fn parse(
    blob: &[u8],
    at: usize,
    mut f: impl FnMut(Item<'_>) -> Result<(), RdbError>,
) -> Result<usize, RdbError> {
    let bad = |o: usize, what| RdbError::corrupt(at + o, what);
    if blob.len() < HEADER + 1 {
        return Err(bad(0, "listpack shorter than its header"));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if total != blob.len() {
        return Err(bad(0, "listpack size does not match its header"));
    }
    let declared = u16::from_le_bytes([blob[4], blob[5]]);
    let end = blob.len() - 1;
    if blob[end] != EOF {
        return Err(bad(end, "listpack without terminator"));
    }
    let mut p = HEADER;
    let mut count = 0usize;
    while p < end {
        let (item, len) = entry(&blob[..end], p).ok_or_else(|| bad(p, "bad listpack entry"))?;
        let n = backlen_size(len as u64);
        let back_at = p + len;
        if back_at + n > end {
            return Err(bad(p, "listpack entry past the end"));
        }
        if !backlen_is(&blob[back_at..back_at + n], len as u64) {
            return Err(bad(back_at, "bad listpack backlen"));
        }
        f(item)?;
        count += 1;
        p = back_at + n;
    }
    if declared != COUNT_UNKNOWN && declared as usize != count {
        return Err(bad(4, "listpack count does not match its entries"));
    }
    Ok(count)
}

/// The element at `p` and the length of its encoding and data (without backlen), or
/// None if it does not fit in `b` or is not a valid encoding.
fn entry(b: &[u8], p: usize) -> Option<(Item<'_>, usize)> {
    let e = *b.get(p)?;
    let bytes = |n: usize| b.get(p + 1..p + 1 + n);
    let string = |skip: usize, n: usize| -> Option<(Item<'_>, usize)> {
        let s = b.get(p + skip..(p + skip).checked_add(n)?)?;
        Some((Item::Str(s), skip + n))
    };
    if e & 0x80 == 0 {
        return Some((Item::Int(e as i64), 1));
    }
    if e & 0xC0 == 0x80 {
        return string(1, (e & 0x3F) as usize);
    }
    if e & 0xE0 == 0xC0 {
        let lo = *bytes(1)?.first()?;
        let u = (((e & 0x1F) as u16) << 8) | lo as u16;
        let v = if u >= 1 << 12 {
            u as i64 - (1 << 13)
        } else {
            u as i64
        };
        return Some((Item::Int(v), 2));
    }
    if e & 0xF0 == 0xE0 {
        let lo = *bytes(1)?.first()?;
        return string(2, (((e & 0x0F) as usize) << 8) | lo as usize);
    }
    match e {
        0xF0 => {
            let n = bytes(4)?;
            string(5, u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize)
        }
        0xF1 => {
            let d = bytes(2)?;
            Some((Item::Int(i16::from_le_bytes([d[0], d[1]]) as i64), 3))
        }
        0xF2 => {
            let d = bytes(3)?;
            // Sign-extend from 24 bits.
            let v = i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8;
            Some((Item::Int(v as i64), 4))
        }
        0xF3 => {
            let d = bytes(4)?;
            Some((
                Item::Int(i32::from_le_bytes([d[0], d[1], d[2], d[3]]) as i64),
                5,
            ))
        }
        0xF4 => {
            let d: [u8; 8] = bytes(8)?.try_into().ok()?;
            Some((Item::Int(i64::from_le_bytes(d)), 9))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(items: &[&[u8]]) -> Vec<u8> {
        let mut w = ListpackWriter::new();
        items.iter().for_each(|i| w.push(i));
        w.finish()
    }

    fn items(blob: &[u8]) -> Result<Vec<Vec<u8>>, RdbError> {
        let mut v = Vec::new();
        parse(blob, 0, |i| {
            v.push(i.to_vec());
            Ok(())
        })?;
        Ok(v)
    }

    #[test]
    fn matches_redis_bytes() {
        // HSET h f1 v1 n 300000 on Redis 7.0.15, DUMP's listpack.
        let redis =
            b"\x17\x00\x00\x00\x04\x00\x82f1\x03\x82v1\x03\x81n\x02\xf2\xe0\x93\x04\x04\xff";
        assert_eq!(image(&[b"f1", b"v1", b"n", b"300000"]), redis);
        // RPUSH l a 1 -5000.
        let redis = b"\x10\x00\x00\x00\x03\x00\x81a\x02\x01\x01\xf1x\xec\x03\xff";
        assert_eq!(image(&[b"a", b"1", b"-5000"]), redis);
    }

    #[test]
    fn round_trips_every_encoding() {
        let long64 = vec![b'x'; 64];
        let long4096 = vec![b'y'; 4096];
        let long20000 = vec![b'z'; 20000];
        let vals: Vec<Vec<u8>> = [
            "0",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-4097",
            "32767",
            "-32768",
            "32768",
            "8388607",
            "-8388608",
            "8388608",
            "2147483647",
            "-2147483648",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "-0",
            "01",
            "+1",
            "",
            "a",
            "1.5",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([long64, long4096, long20000])
        .collect();
        let refs: Vec<&[u8]> = vals.iter().map(|v| &v[..]).collect();
        let blob = image(&refs);
        assert_eq!(items(&blob).unwrap(), vals);
    }

    #[test]
    fn many_elements_count_unknown() {
        let mut w = ListpackWriter::new();
        for i in 0..70000 {
            w.push_int(i);
        }
        let blob = w.finish();
        assert_eq!(&blob[4..6], &[0xFF, 0xFF]);
        assert_eq!(parse(&blob, 0, |_| Ok(())).unwrap(), 70000);
    }

    #[test]
    fn every_truncation_and_flip_is_an_error_or_valid() {
        let blob = image(&[b"hello", b"12", b"-300", &[b'q'; 200]]);
        for cut in 0..blob.len() {
            assert!(items(&blob[..cut]).is_err(), "cut {cut}");
        }
        for i in 0..blob.len() {
            for bit in 0..8 {
                let mut b = blob.clone();
                b[i] ^= 1 << bit;
                let _ = items(&b);
            }
        }
        let mut b = blob.clone();
        b[4] = 9; // wrong count
        assert!(items(&b).is_err());
    }
}
