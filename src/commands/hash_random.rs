//! HRANDFIELD and HSCAN: the hash commands whose replies depend on chance or on a cursor.
//!
//! HRANDFIELD follows `hrandfieldWithCountCommand`'s cases: a negative count samples with
//! repetition; a count at least the hash's size returns the whole hash in its iteration
//! order (byte-equal to Redis for listpack hashes); a smaller positive count returns
//! distinct fields, chosen by elimination when the count is close to the size (or the
//! hash is small) and by sampling otherwise. With WITHVALUES, RESP3 nests each pair in an
//! array of two, RESP2 flattens them.
//!
//! HSCAN returns a listpack hash whole with cursor 0, like Redis; a hashtable is walked
//! one table segment at a time, the cursor being the segment position (a segment range
//! only ever splits, so a field present for the whole walk is returned exactly once).

use std::collections::HashSet;

use bytes::Bytes;

use super::typed::{self, WrongType};
use super::{args, errors, glob, ExecCtx};
use crate::protocol::Reply;
use crate::storage::hash::Hash;
use crate::storage::POS_END;

const COUNT_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
const OUT_OF_RANGE: &str = "ERR value is out of range";
/// Redis's HRANDFIELD streams a huge negative count into the client's output buffer until
/// memory runs out; here a reply estimated past this size is refused instead.
const MAX_RANDOM_REPLY_BYTES: u64 = 1 << 30;

/// xorshift64*, seeded from the keyspace's generator: the picks of one call.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub(super) fn hrandfield(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len() < 3 {
        let r = ctx.ks.random();
        return match typed::read::<Hash>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
            Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
            Ok(None) => ctx.out.null(),
            Ok(Some(h)) => match h.random_pair(r) {
                Some((f, _)) => ctx.out.bulk(f),
                None => ctx.out.null(),
            },
        };
    }
    let l = match args::int(&a[2]) {
        None => return ctx.out.error(errors::NOT_INTEGER),
        Some(i64::MIN) => return ctx.out.error(COUNT_RANGE),
        Some(l) => l,
    };
    if a.len() > 4 || (a.len() == 4 && !args::eq(&a[3], "withvalues")) {
        return ctx.out.error(errors::SYNTAX);
    }
    let withvalues = a.len() == 4;
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return ctx.out.error(OUT_OF_RANGE);
    }
    let mut rng = Rng(ctx.ks.random() | 1);
    let h = match typed::read::<Hash>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.array(0),
        Ok(Some(h)) => h,
    };
    let out = &mut ctx.out;
    let count = l.unsigned_abs();
    if count == 0 {
        return out.array(0);
    }
    let resp3 = out.resp3;
    let reply_len = |n: usize| if withvalues && !resp3 { n * 2 } else { n };
    let put = |out: &mut Reply, f: &[u8], v: &[u8]| {
        if withvalues && resp3 {
            out.array(2);
        }
        out.bulk(f);
        if withvalues {
            out.bulk(v);
        }
    };
    let size = h.len();
    if l < 0 || count == 1 {
        // With repetition: every pick samples the whole hash.
        if count.saturating_mul(estimated_pick_bytes(h, withvalues)) > MAX_RANDOM_REPLY_BYTES {
            return out.error(OUT_OF_RANGE);
        }
        let count = count as usize;
        out.array(reply_len(count));
        if h.is_listpack() {
            let pairs: Vec<(&[u8], &[u8])> = h.iter().collect();
            for _ in 0..count {
                let (f, v) = pairs[rng.below(pairs.len())];
                put(out, f, v);
            }
        } else {
            for _ in 0..count {
                let (f, v) = h.random_pair(rng.next()).expect("hash is not empty");
                put(out, f, v);
            }
        }
        return;
    }
    if count >= size as u64 {
        out.array(reply_len(size));
        for (f, v) in h.iter() {
            put(out, f, v);
        }
        return;
    }
    let count = count as usize;
    out.array(reply_len(count));
    if h.is_listpack() || count * 3 > size {
        // Pick `count` distinct positions (a partial shuffle) and reply in the hash's
        // order, as Redis's listpack sampling does.
        let pairs: Vec<(&[u8], &[u8])> = h.iter().collect();
        let mut idx: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = i + rng.below(size - i);
            idx.swap(i, j);
        }
        let chosen = &mut idx[..count];
        chosen.sort_unstable();
        for &i in chosen.iter() {
            put(out, pairs[i].0, pairs[i].1);
        }
        return;
    }
    // A big hash and a small count: random picks until `count` distinct fields. The
    // table's picks reach every pair, so this ends; a bounded number of tries and then a
    // walk keeps it bounded whatever the luck.
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(count);
    let mut tries = 0usize;
    while seen.len() < count && tries < count.saturating_mul(64) {
        tries += 1;
        let (f, v) = h.random_pair(rng.next()).expect("hash is not empty");
        if seen.insert(f) {
            put(out, f, v);
        }
    }
    for (f, v) in h.iter() {
        if seen.len() >= count {
            break;
        }
        if seen.insert(f) {
            put(out, f, v);
        }
    }
}

/// Reply bytes one random pick may take, from a sample of the hash (bulk headers
/// included), for the size guard of negative counts.
fn estimated_pick_bytes(h: &Hash, withvalues: bool) -> u64 {
    const SAMPLE: usize = 16;
    let (mut n, mut bytes) = (0u64, 0u64);
    for (f, v) in h.iter().take(SAMPLE) {
        n += 1;
        bytes += f.len() as u64 + 16 + if withvalues { v.len() as u64 + 16 } else { 0 };
    }
    bytes / n.max(1) + 1
}

/// Parses a cursor like Redis's `parseScanCursorOrReply` (`strtoul`): optional sign,
/// decimal digits and nothing else; "" is 0 and "-n" wraps around.
fn parse_cursor(s: &[u8]) -> Option<u64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return s.is_empty().then_some(0);
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// HSCAN's options (`scanGenericCommand` for a key: COUNT and MATCH, no TYPE).
fn parse_options(a: &[Bytes]) -> Result<(usize, Option<&[u8]>), &'static str> {
    let (mut count, mut pattern) = (10usize, None);
    let mut i = 3;
    while i < a.len() {
        let has_value = i + 1 < a.len();
        if args::eq(&a[i], "count") && has_value {
            let n = args::int(&a[i + 1]).ok_or(errors::NOT_INTEGER)?;
            if n < 1 {
                return Err(errors::SYNTAX);
            }
            count = n as usize;
        } else if args::eq(&a[i], "match") && has_value {
            pattern = Some(&a[i + 1][..]).filter(|p| *p != b"*");
        } else {
            return Err(errors::SYNTAX);
        }
        i += 2;
    }
    Ok((count, pattern))
}

pub(super) fn hscan(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(cursor) = parse_cursor(&a[2]) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let h = match typed::read::<Hash>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(h) => h,
    };
    let out = &mut ctx.out;
    let Some(h) = h else {
        out.array(2);
        out.bulk(b"0");
        return out.array(0);
    };
    // Options are parsed after the lookup, as Redis does.
    let (count, pattern) = match parse_options(a) {
        Ok(o) => o,
        Err(e) => return out.error(e),
    };
    // Copies: a table segment lends its pairs only for the visit.
    let mut found: Vec<(Bytes, Bytes)> = Vec::new();
    let mut pos = if h.is_listpack() { 0 } else { cursor };
    let (mut steps, mut visited) = (0usize, 0usize);
    // COUNT counts the pairs visited before MATCH filters them, as in Redis; like its
    // `maxiterations`, at most about ten steps per wanted pair.
    while pos < POS_END && visited < count && steps < count.saturating_mul(10) {
        pos = h.scan_step(pos, |f, v| {
            visited += 1;
            if pattern.is_none_or(|p| glob::matches(p, f, false)) {
                found.push((Bytes::copy_from_slice(f), Bytes::copy_from_slice(v)));
            }
        });
        steps += 1;
    }
    out.array(2);
    let next = if pos >= POS_END { 0 } else { pos };
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(found.len() * 2);
    for (f, v) in found {
        out.bulk(&f);
        out.bulk(&v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    #[test]
    fn cursors_and_options() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1x"), None);
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        let a = words(&["hscan", "k", "0", "COUNT", "5", "match", "f*"]);
        assert_eq!(parse_options(&a), Ok((5, Some(&b"f*"[..]))));
        let a = words(&["hscan", "k", "0", "match", "*"]);
        assert_eq!(parse_options(&a), Ok((10, None)));
        for bad in [&["count", "0"][..], &["type", "hash"], &["match"]] {
            let mut a = words(&["hscan", "k", "0"]);
            a.extend(words(bad));
            assert_eq!(parse_options(&a), Err(errors::SYNTAX), "{bad:?}");
        }
        let a = words(&["hscan", "k", "0", "count", "x"]);
        assert_eq!(parse_options(&a), Err(errors::NOT_INTEGER));
    }
}
