//! Set commands (`t_set.c`): the single-key ones here (SADD, SREM, SCARD, SISMEMBER,
//! SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SSCAN) and the family's table; the multi-key
//! ones (SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD, SMOVE) in [`set_multi`],
//! across shards too.
//!
//! [`set_multi`]: super::set_multi

use super::spec;
use crate::commands::scan_args::{parse_cursor, parse_opts};
use crate::storage::rng::Rng;
use std::collections::HashSet;

use bytes::Bytes;

use super::flag::*;
use super::set_multi;
use super::typed::{self, WrongType};
use super::{args, errors, glob, CommandSpec, ExecCtx, KeyRange, Run};
use crate::protocol::Reply;
use crate::storage::set::{Elem, Set};
use crate::storage::POS_END;

const ONE: KeyRange = KeyRange::ONE;

pub static COMMANDS: &[CommandSpec] = &[
    spec("sadd", -3, WRITE | DENYOOM | FAST, ONE, Run::Shard(sadd)),
    spec("srem", -3, WRITE | FAST, ONE, Run::Shard(srem)),
    spec("scard", 2, READONLY | FAST, ONE, Run::Shard(scard)),
    spec("sismember", 3, READONLY | FAST, ONE, Run::Shard(sismember)),
    spec(
        "smismember",
        -3,
        READONLY | FAST,
        ONE,
        Run::Shard(smismember),
    ),
    spec("smembers", 2, READONLY, ONE, Run::Shard(smembers)),
    spec("spop", -2, WRITE | FAST, ONE, Run::Shard(spop)),
    spec("srandmember", -2, READONLY, ONE, Run::Shard(srandmember)),
    spec("sscan", -3, READONLY, ONE, Run::Shard(sscan)),
    spec(
        "smove",
        4,
        WRITE | FAST,
        KeyRange::FIRST_TWO,
        Run::ShardOr(set_multi::smove, set_multi::smove_across),
    ),
    spec(
        "sinter",
        -2,
        READONLY,
        KeyRange::ALL,
        Run::ShardOr(set_multi::sinter, set_multi::sinter_across),
    ),
    spec(
        "sunion",
        -2,
        READONLY,
        KeyRange::ALL,
        Run::ShardOr(set_multi::sunion, set_multi::sunion_across),
    ),
    spec(
        "sdiff",
        -2,
        READONLY,
        KeyRange::ALL,
        Run::ShardOr(set_multi::sdiff, set_multi::sdiff_across),
    ),
    spec(
        "sinterstore",
        -3,
        WRITE | DENYOOM,
        KeyRange::ALL,
        Run::ShardOr(set_multi::sinterstore, set_multi::sinterstore_across),
    ),
    spec(
        "sunionstore",
        -3,
        WRITE | DENYOOM,
        KeyRange::ALL,
        Run::ShardOr(set_multi::sunionstore, set_multi::sunionstore_across),
    ),
    spec(
        "sdiffstore",
        -3,
        WRITE | DENYOOM,
        KeyRange::ALL,
        Run::ShardOr(set_multi::sdiffstore, set_multi::sdiffstore_across),
    ),
    // The keys follow a count (Redis reports 0 0 0 and "movablekeys"): the coordinator
    // finds them and runs on their shard when they are together.
    spec(
        "sintercard",
        -3,
        READONLY | MOVABLEKEYS,
        KeyRange::NONE,
        Run::Coord(set_multi::sintercard),
    ),
];

/// `getRangeLongFromObjectOrReply` without a message, for SRANDMEMBER's count.
const RANDMEMBER_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/// Writes `members` as a set reply (`~` in RESP3).
pub(crate) fn reply_set<'a>(out: &mut Reply, len: usize, members: impl Iterator<Item = Elem<'a>>) {
    out.set(len);
    for e in members {
        reply_elem(out, e);
    }
}

#[inline]
pub(crate) fn reply_elem(out: &mut Reply, e: Elem) {
    match e {
        Elem::Int(v) => out.bulk_int(v),
        Elem::Str(s) => out.bulk(s),
    }
}

fn sadd(ctx: &mut ExecCtx, a: &[Bytes]) {
    let (max, now) = (ctx.ks.limits.set_max_intset_entries, ctx.now_ms);
    let mut set = match typed::write_or_create(&mut ctx.ks.dbs[ctx.db], &a[1], now, Set::new) {
        Ok(s) => s,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let added = a[2..].iter().filter(|m| set.add(m, max)).count();
    drop(set);
    ctx.out.int(added as i64);
}

fn srem(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let mut set = match typed::write::<Set>(&mut ctx.ks.dbs[ctx.db], &a[1], now) {
        Ok(Some(s)) => s,
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let mut removed = 0;
    for m in &a[2..] {
        if set.remove(m) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    let empty = set.is_empty();
    drop(set);
    if empty {
        typed::delete(ctx.db(), &a[1], now);
    }
    ctx.out.int(removed);
}

fn scard(ctx: &mut ExecCtx, a: &[Bytes]) {
    match typed::read::<Set>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Ok(s) => ctx.out.int(s.map_or(0, Set::len) as i64),
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
    }
}

fn sismember(ctx: &mut ExecCtx, a: &[Bytes]) {
    match typed::read::<Set>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Ok(s) => ctx.out.int(s.is_some_and(|s| s.contains(&a[2])) as i64),
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
    }
}

fn smismember(ctx: &mut ExecCtx, a: &[Bytes]) {
    let set = match typed::read::<Set>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Ok(s) => s,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    ctx.out.array(a.len() - 2);
    for m in &a[2..] {
        ctx.out.int(set.is_some_and(|s| s.contains(m)) as i64);
    }
}

/// SMEMBERS is SINTER of one key in Redis 7.0: a set reply, empty for a missing key.
fn smembers(ctx: &mut ExecCtx, a: &[Bytes]) {
    match typed::read::<Set>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Ok(None) => ctx.out.set(0),
        Ok(Some(s)) => reply_set(&mut ctx.out, s.len(), s.iter()),
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
    }
}

/// Above this ratio of popped to remaining members SPOP builds the remaining set anew
/// instead of popping one by one (`SPOP_MOVE_STRATEGY_MUL`). It matters beyond speed: the
/// new set starts as an intset, so its encoding can differ from the old one's.
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

fn spop(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len() > 3 {
        return ctx.out.error(errors::SYNTAX);
    }
    let count = match a.get(2) {
        None => None,
        Some(c) => match args::int(c) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return ctx.out.error(errors::MUST_BE_POSITIVE),
        },
    };
    let (now, max) = (ctx.now_ms, ctx.ks.limits.set_max_intset_entries);
    let mut rng = Rng::new(ctx.ks.random());
    let db = ctx.db;
    // (An empty set is never stored; were one there, it would read as missing.)
    let mut set = match typed::write::<Set>(&mut ctx.ks.dbs[db], &a[1], now) {
        Ok(Some(s)) if !s.is_empty() => s,
        Ok(_) if count.is_some() => return ctx.out.set(0),
        Ok(_) => return ctx.out.null(),
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let (out, prop) = (&mut ctx.out, &mut *ctx.prop);
    let size = set.len();
    // Replicated as what was removed (t_set.c): SREM of the member, SREM per member
    // (several: one MULTI ... EXEC record), DEL of a set taken whole.
    let key = &a[1][..];
    let mut srem = |m: &[u8]| prop.also(db, &[&b"SREM"[..], key, m]);
    match count {
        None => {
            let m = set.pop_random(rng.next_u64()).expect("not empty");
            out.bulk(&m);
            srem(&m);
        }
        Some(0) => {
            ctx.prop.unchanged();
            return out.set(0);
        }
        Some(n) if n >= size => {
            // The whole set (Redis replies it through SUNION of the one key).
            reply_set(out, size, set.iter());
            drop(set);
            ctx.prop.rewrite(&[&b"DEL"[..], key]);
            return typed::delete(&mut ctx.ks.dbs[db], &a[1], now);
        }
        Some(n) if (size - n) * SPOP_MOVE_STRATEGY_MUL > n => {
            out.set(n);
            for _ in 0..n {
                let m = set.pop_random(rng.next_u64()).expect("n < size");
                out.bulk(&m);
                srem(&m);
            }
        }
        Some(n) => {
            // Few members stay: move them to a new set (which starts as an intset, as
            // Redis's `setTypeCreate`), reply the rest and keep the new set.
            let mut kept = Set::new();
            for _ in 0..size - n {
                let m = set.pop_random(rng.next_u64()).expect("n < size");
                kept.add(&m, max);
            }
            reply_set(out, n, set.iter());
            for e in set.iter() {
                match e {
                    crate::storage::set::Elem::Int(v) => {
                        srem(itoa::Buffer::new().format(v).as_bytes())
                    }
                    crate::storage::set::Elem::Str(s) => srem(s),
                }
            }
            *set = kept;
        }
    }
    ctx.prop.suppress();
    let empty = set.is_empty();
    drop(set);
    if empty {
        typed::delete(&mut ctx.ks.dbs[db], &a[1], now);
    }
}

/// Above this ratio of set size to requested members SRANDMEMBER samples at random;
/// below it, it copies the set and removes random members (`SRANDMEMBER_SUB_STRATEGY_MUL`).
const SRANDMEMBER_SUB_STRATEGY_MUL: usize = 3;

fn srandmember(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len() > 3 {
        return ctx.out.error(errors::SYNTAX);
    }
    // A negative count allows repeats.
    let count = match a.get(2) {
        None => None,
        Some(c) => match args::int(c) {
            None => return ctx.out.error(errors::NOT_INTEGER),
            Some(i64::MIN) => return ctx.out.error(RANDMEMBER_RANGE),
            Some(n) => Some((n.unsigned_abs() as usize, n >= 0)),
        },
    };
    let mut rng = Rng::new(ctx.ks.random());
    let set = match typed::read::<Set>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Ok(Some(s)) if !s.is_empty() => s,
        Ok(_) if count.is_some() => return ctx.out.array(0),
        Ok(_) => return ctx.out.null(),
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let out = &mut ctx.out;
    let size = set.len();
    let Some((n, unique)) = count else {
        let e = set.random(rng.next_u64()).expect("not empty");
        return reply_elem(out, e);
    };
    if n == 0 {
        return out.array(0);
    }
    if !unique || n == 1 {
        // The reply is written as it is drawn: the count is not bounded by the set.
        out.array(n);
        for _ in 0..n {
            reply_elem(out, set.random(rng.next_u64()).expect("not empty"));
        }
        return;
    }
    if n >= size {
        out.array(size);
        return set.iter().for_each(|e| reply_elem(out, e));
    }
    let picked: Vec<Elem> = if n * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        let mut all: Vec<Elem> = set.iter().collect();
        while all.len() > n {
            let i = rng.below(all.len());
            all.swap_remove(i);
        }
        all
    } else {
        let mut seen = HashSet::with_capacity(n);
        let mut picked = Vec::with_capacity(n);
        while picked.len() < n {
            let e = set.random(rng.next_u64()).expect("not empty");
            if seen.insert(e) {
                picked.push(e);
            }
        }
        picked
    };
    out.array(picked.len());
    picked.into_iter().for_each(|e| reply_elem(out, e));
}

/// SSCAN: an intset is returned whole with cursor 0 (as Redis does for compact
/// encodings); a hashtable is walked by table segments, the cursor being the position
/// where the next segment starts (see `Table::scan_segment`: members present for the
/// whole walk are returned exactly once, however the table grows).
fn sscan(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(cursor) = parse_cursor(&a[2]) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let set = match typed::read::<Set>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.out.array(2);
            ctx.out.bulk(b"0");
            return ctx.out.array(0);
        }
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let (count, pattern) = match parse_opts(a, 3, false) {
        Ok(o) => (o.count, o.pattern),
        Err(e) => return ctx.out.error(e),
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut pos = if set.is_intset() { 0 } else { cursor };
    // Like Redis's `maxiterations`: a sparse table cannot make one call walk it all.
    let mut steps = count.saturating_mul(10);
    while pos < POS_END && found.len() < count && steps > 0 {
        pos = set.scan(pos, |e| found.push(e.to_vec()));
        steps -= 1;
    }
    if let Some(p) = pattern {
        found.retain(|m| glob::matches(&p, m, false));
    }
    let out = &mut ctx.out;
    out.array(2);
    out.bulk_int(if pos >= POS_END { 0 } else { pos as i64 });
    out.array(found.len());
    found.iter().for_each(|m| out.bulk(m));
}
