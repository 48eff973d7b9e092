//! ZRANDMEMBER and ZSCAN: the sorted-set commands that sample or walk a set.

use crate::commands::scan_args::{parse_cursor, parse_opts};
use bytes::Bytes;

use super::zset::{pair, read};
use super::{args, errors, ExecCtx};
use crate::protocol::{format_double, Reply};
use crate::storage::POS_END;

pub fn zrandmember(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len() < 3 {
        let r = ctx.ks.random();
        let z = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
            Err(()) => return,
            Ok(None) => return ctx.out.null(),
            Ok(Some(z)) => z,
        };
        let (m, _) = z.get((r % z.len() as u64) as usize).expect("non-empty set");
        return ctx.out.bulk(m);
    }
    let l = match args::int(&a[2]) {
        None => return ctx.out.error(errors::NOT_INTEGER),
        Some(i64::MIN) => return ctx.out.error(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
        Some(l) => l,
    };
    if a.len() > 4 || (a.len() == 4 && !args::eq(&a[3], "withscores")) {
        return ctx.out.error(errors::SYNTAX);
    }
    let withscores = a.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return ctx.out.error("ERR value is out of range");
    }
    let mut rng = ctx.ks.random();
    let z = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.array(0),
        Ok(Some(z)) => z,
    };
    let count = l.unsigned_abs();
    if count == 0 {
        return ctx.out.array(0);
    }
    let nested = withscores && ctx.out.resp3;
    let size = z.len() as u64;
    let out = &mut ctx.out;
    let header = |out: &mut Reply, n: u64| {
        out.array(if withscores && !out.resp3 { 2 * n } else { n } as usize)
    };
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let emit = |out: &mut Reply, m: &[u8], s: f64| {
        if withscores {
            pair(out, m, s, nested)
        } else {
            out.bulk(m)
        }
    };
    if l < 0 || count == 1 {
        // With repetition (or a single pick): independent samples, in random order.
        header(out, count);
        for _ in 0..count {
            let (m, s) = z.get((next() % size) as usize).expect("rank in range");
            emit(out, m, s);
        }
    } else if count >= size {
        // The whole set, greatest first (Redis's set-operation iterator walks backwards).
        header(out, size);
        z.visit(0, true, |m, s| {
            emit(out, m, s);
            true
        });
    } else {
        // Distinct picks. Many of the set: a partial Fisher-Yates shuffle of all ranks;
        // few (Redis's CASE 4 threshold): random ranks until enough distinct ones.
        let ranks: Vec<u64> = if count * 3 > size {
            let mut all: Vec<u64> = (0..size).collect();
            for i in 0..count as usize {
                let j = i + (next() % (size - i as u64)) as usize;
                all.swap(i, j);
            }
            all.truncate(count as usize);
            all
        } else {
            let mut seen = ahash::AHashSet::with_capacity(count as usize);
            let mut picked = Vec::with_capacity(count as usize);
            while (picked.len() as u64) < count {
                let r = next() % size;
                if seen.insert(r) {
                    picked.push(r);
                }
            }
            picked
        };
        header(out, count);
        for &r in &ranks {
            let (m, s) = z.get(r as usize).expect("rank in range");
            emit(out, m, s);
        }
    }
}

pub fn zscan(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(cursor) = parse_cursor(&a[2]) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let z = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(None) => {
            ctx.out.array(2);
            ctx.out.bulk(b"0");
            return ctx.out.array(0);
        }
        Ok(Some(z)) => z,
    };
    let (count, pattern) = match parse_opts(a, 3, false) {
        Ok(o) => (o.count, o.pattern),
        Err(e) => return ctx.out.error(e),
    };
    let mut found: Vec<(&[u8], f64)> = Vec::new();
    let mut pos = if cursor >= POS_END { POS_END } else { cursor };
    if z.is_compact() {
        z.visit(0, false, |m, s| {
            found.push((m, s));
            true
        });
        pos = POS_END;
    } else {
        // Like Redis, COUNT bounds the reply's elements (two per member) and the walk
        // gives up after about 10x COUNT steps.
        let mut steps = 0;
        while pos < POS_END && found.len() * 2 < count && steps < count.saturating_mul(10) {
            pos = z.scan(pos, |m, s| found.push((m, s)));
            steps += 1;
        }
    }
    if let Some(p) = pattern {
        found.retain(|(m, _)| super::glob::matches(&p, m, false));
    }
    let out = &mut ctx.out;
    out.array(2);
    out.bulk(
        if pos >= POS_END {
            "0".to_string()
        } else {
            pos.to_string()
        }
        .as_bytes(),
    );
    out.array(found.len() * 2);
    for (m, s) in found {
        out.bulk(m);
        out.bulk(format_double(s).as_bytes());
    }
}
