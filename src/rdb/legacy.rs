//! Byte images older Redis versions wrote, read only: the ziplist (`ziplist.c`, RDB
//! before 7.0: ZIPLIST lists, hashes and sorted sets, QUICKLIST nodes) and the zipmap
//! (`zipmap.c`, hashes before 2.6).
//!
//! ```text
//!   ziplist: | zlbytes u32 LE | zltail u32 LE | zllen u16 LE | entry* | 0xFF |
//!     entry = prevlen (1 byte < 254, or 0xFE + u32 LE) + encoding + data
//!     encoding: 00pppppp string (6-bit len), 01pppppp qqqqqqqq (14-bit BE len),
//!               10______ + u32 BE len, 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24,
//!               0xFE int8, 0xF1..0xFD the integers 0..12 (LE throughout)
//!   zipmap:  | zmlen u8 | (len key len value free-u8 value free-bytes)* | 0xFF |
//!     len = 1 byte < 254, or 0xFE + u32 LE
//! ```

use super::listpack::Item;
use super::RdbError;

/// Reads a ziplist image found at file offset `at`, calling `f` for every element; returns
/// the element count. Checks sizes, prevlens, the tail offset, the count and the end.
pub fn parse_ziplist(
    blob: &[u8],
    at: usize,
    mut f: impl FnMut(Item<'_>) -> Result<(), RdbError>,
) -> Result<usize, RdbError> {
    let bad = |o: usize, what| RdbError::corrupt(at + o, what);
    const HEADER: usize = 10;
    if blob.len() < HEADER + 1 {
        return Err(bad(0, "ziplist shorter than its header"));
    }
    let u32_at = |o: usize| u32::from_le_bytes([blob[o], blob[o + 1], blob[o + 2], blob[o + 3]]);
    if u32_at(0) as usize != blob.len() {
        return Err(bad(0, "ziplist size does not match its header"));
    }
    let tail = u32_at(4) as usize;
    let declared = u16::from_le_bytes([blob[8], blob[9]]);
    let end = blob.len() - 1;
    if blob[end] != 0xFF {
        return Err(bad(end, "ziplist without terminator"));
    }
    let (mut p, mut prev_len, mut last, mut count) = (HEADER, 0usize, HEADER, 0usize);
    while p < end {
        let b = &blob[..end];
        let (prevlen, pl_size) = match b[p] {
            0xFE => {
                let d = b
                    .get(p + 1..p + 5)
                    .ok_or_else(|| bad(p, "ziplist prevlen"))?;
                (u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize, 5)
            }
            0xFF => return Err(bad(p, "ziplist end inside the entries")),
            n => (n as usize, 1),
        };
        if prevlen != prev_len {
            return Err(bad(p, "ziplist prevlen does not match"));
        }
        let e = p + pl_size;
        let (item, size) = zl_entry(b, e).ok_or_else(|| bad(e, "bad ziplist entry"))?;
        f(item)?;
        count += 1;
        last = p;
        prev_len = pl_size + size;
        p = e + size;
    }
    if count > 0 && tail != last || count == 0 && tail != HEADER {
        return Err(bad(4, "ziplist tail offset does not match"));
    }
    if declared != u16::MAX && declared as usize != count {
        return Err(bad(8, "ziplist count does not match its entries"));
    }
    Ok(count)
}

/// The ziplist element whose encoding byte is at `e`, and the size of encoding + data.
fn zl_entry(b: &[u8], e: usize) -> Option<(Item<'_>, usize)> {
    let enc = *b.get(e)?;
    let data = |skip: usize, n: usize| b.get(e + skip..(e + skip).checked_add(n)?);
    let int = |n: usize| -> Option<i64> {
        let d = data(1, n)?;
        let mut buf = [0u8; 8];
        buf[8 - n..].copy_from_slice(d);
        // Sign-extend from n bytes: place them high, shift back.
        Some(i64::from_le_bytes(buf) >> (8 * (8 - n)))
    };
    match enc >> 6 {
        0 => {
            let n = (enc & 0x3F) as usize;
            return Some((Item::Str(data(1, n)?), 1 + n));
        }
        1 => {
            let n = (((enc & 0x3F) as usize) << 8) | *b.get(e + 1)? as usize;
            return Some((Item::Str(data(2, n)?), 2 + n));
        }
        2 => {
            let l = data(1, 4)?;
            let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
            return Some((Item::Str(data(5, n)?), 5 + n));
        }
        _ => {}
    }
    match enc {
        0xC0 => Some((Item::Int(int(2)?), 3)),
        0xD0 => Some((Item::Int(int(4)?), 5)),
        0xE0 => Some((Item::Int(int(8)?), 9)),
        0xF0 => Some((Item::Int(int(3)?), 4)),
        0xFE => Some((Item::Int(int(1)?), 2)),
        0xF1..=0xFD => Some((Item::Int((enc & 0x0F) as i64 - 1), 1)),
        _ => None,
    }
}

/// Reads a zipmap image found at file offset `at`, calling `f` for every (field, value).
pub fn parse_zipmap(
    blob: &[u8],
    at: usize,
    mut f: impl FnMut(&[u8], &[u8]) -> Result<(), RdbError>,
) -> Result<usize, RdbError> {
    let bad = |o: usize, what| RdbError::corrupt(at + o, what);
    let Some(&declared) = blob.first() else {
        return Err(bad(0, "empty zipmap"));
    };
    let len_at = |p: usize| -> Option<(usize, usize)> {
        match *blob.get(p)? {
            0xFE => {
                let d = blob.get(p + 1..p + 5)?;
                Some((u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize, 5))
            }
            0xFF => None,
            n => Some((n as usize, 1)),
        }
    };
    let take = |p: usize, n: usize| blob.get(p..p.checked_add(n)?);
    let (mut p, mut count) = (1usize, 0usize);
    loop {
        match blob.get(p) {
            None => return Err(bad(p, "zipmap without terminator")),
            Some(0xFF) => break,
            Some(_) => {}
        }
        let (klen, s) = len_at(p).ok_or_else(|| bad(p, "zipmap key length"))?;
        let key = take(p + s, klen).ok_or_else(|| bad(p, "zipmap key past the end"))?;
        p += s + klen;
        let (vlen, s) = len_at(p).ok_or_else(|| bad(p, "zipmap value length"))?;
        let free = *blob.get(p + s).ok_or_else(|| bad(p, "zipmap free byte"))? as usize;
        let value = take(p + s + 1, vlen).ok_or_else(|| bad(p, "zipmap value past the end"))?;
        p += s + 1 + vlen + free;
        f(key, value)?;
        count += 1;
    }
    if p + 1 != blob.len() {
        return Err(bad(p, "bytes after the zipmap end"));
    }
    if declared < 254 && declared as usize != count {
        return Err(bad(0, "zipmap count does not match its entries"));
    }
    Ok(count)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ziplist image of `items` (tests only: fixtures for the reader).
    pub fn ziplist(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let (mut prev, mut tail) = (0usize, 10usize);
        for it in items {
            let start = body.len();
            tail = 10 + start;
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(0xFE);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            match crate::protocol::parse_i64_strict(it) {
                Some(v @ 0..=12) => body.push(0xF1 + v as u8),
                Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
                Some(v) if i16::try_from(v).is_ok() => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    body.push(0xD0);
                    body.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                None if it.len() < 64 => {
                    body.push(it.len() as u8);
                    body.extend_from_slice(it);
                }
                None if it.len() < 16384 => {
                    body.extend_from_slice(&[0x40 | (it.len() >> 8) as u8, it.len() as u8]);
                    body.extend_from_slice(it);
                }
                None => {
                    body.push(0x80);
                    body.extend_from_slice(&(it.len() as u32).to_be_bytes());
                    body.extend_from_slice(it);
                }
            }
            prev = body.len() - start;
        }
        let mut out = Vec::new();
        out.extend_from_slice(&((body.len() + 11) as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(items.len() as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(0xFF);
        out
    }

    /// A zipmap image of `pairs` (tests only).
    pub fn zipmap(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut out = vec![pairs.len().min(254) as u8];
        let len = |out: &mut Vec<u8>, n: usize| {
            if n < 254 {
                out.push(n as u8);
            } else {
                out.push(0xFE);
                out.extend_from_slice(&(n as u32).to_le_bytes());
            }
        };
        for (k, v) in pairs {
            len(&mut out, k.len());
            out.extend_from_slice(k);
            len(&mut out, v.len());
            out.push(2); // two free bytes after the value
            out.extend_from_slice(v);
            out.extend_from_slice(b"..");
        }
        out.push(0xFF);
        out
    }

    fn zl_items(blob: &[u8]) -> Result<Vec<Vec<u8>>, RdbError> {
        let mut v = Vec::new();
        parse_ziplist(blob, 0, |i| {
            v.push(i.to_vec());
            Ok(())
        })?;
        Ok(v)
    }

    #[test]
    fn ziplist_round_trip() {
        let big = vec![b'b'; 300];
        let huge = vec![b'h'; 20000];
        let items: Vec<&[u8]> = vec![
            b"a",
            b"0",
            b"12",
            b"13",
            b"-1",
            b"-128",
            b"300",
            b"-40000",
            b"8388607",
            b"2147483647",
            b"9223372036854775807",
            &big,
            b"x",
            &huge,
            b"y",
        ];
        let blob = ziplist(&items);
        let want: Vec<Vec<u8>> = items.iter().map(|i| i.to_vec()).collect();
        assert_eq!(zl_items(&blob).unwrap(), want);
        for cut in 0..blob.len().min(400) {
            assert!(zl_items(&blob[..cut]).is_err(), "cut {cut}");
        }
        for i in 0..blob.len().min(400) {
            let mut b = blob.clone();
            b[i] ^= 0x41;
            let _ = zl_items(&b);
        }
    }

    #[test]
    fn empty_ziplist() {
        assert_eq!(zl_items(&ziplist(&[])).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn zipmap_round_trip() {
        let long = vec![b'v'; 300];
        let blob = zipmap(&[(b"f", b"1"), (b"long", &long)]);
        let mut got = Vec::new();
        parse_zipmap(&blob, 0, |k, v| {
            got.push((k.to_vec(), v.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            got,
            vec![(b"f".to_vec(), b"1".to_vec()), (b"long".to_vec(), long)]
        );
        for cut in 0..blob.len() {
            assert!(parse_zipmap(&blob[..cut], 0, |_, _| Ok(())).is_err());
        }
    }
}
