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

use crate::commands::scan_args::{parse_cursor, parse_opts};
use crate::storage::rng::Rng;
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
    let mut rng = Rng::new(ctx.ks.random());
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
                let (f, v) = h.random_pair(rng.next_u64()).expect("hash is not empty");
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
        let (f, v) = h.random_pair(rng.next_u64()).expect("hash is not empty");
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
    let (count, pattern) = match parse_opts(a, 3, false) {
        Ok(o) => (o.count, o.pattern),
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
            if pattern.as_ref().is_none_or(|p| glob::matches(p, f, false)) {
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
