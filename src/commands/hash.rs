//! Hash commands (`t_hash.c`): HSET, HSETNX, HMSET, HGET, HMGET, HDEL, HLEN, HEXISTS,
//! HSTRLEN, HGETALL, HKEYS, HVALS, HINCRBY, HINCRBYFLOAT. HRANDFIELD and HSCAN are in
//! [`super::hash_random`].
//!
//! Every command has one key and runs on the shard that owns it. Checks happen in
//! Redis's order (argument parse, then key lookup and type, then the value), so the same
//! bad request gets the same error. A command that empties a hash deletes its key.

use bytes::Bytes;

use super::flag::*;
use super::hash_random::{hrandfield, hscan};
use super::long_double::LongDouble;
use super::typed::{self, WrongType};
use super::{args, errors, CommandSpec, ExecCtx, KeyRange, Run};
use crate::storage::hash::Hash;

const NOT_INTEGER_VALUE: &str = "ERR hash value is not an integer";
const NOT_FLOAT_VALUE: &str = "ERR hash value is not a float";
const NAN_OR_INFINITY: &str = "ERR value is NaN or Infinity";
const FLOAT_OUT_OF_RANGE: &str = "ERR increment would produce NaN or Infinity";

const fn spec(name: &'static str, arity: i32, flags: u32, run: super::ShardFn) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeyRange::ONE,
        run: Run::Shard(run),
    }
}

/// Flag sets of this family, as COMMAND reports them.
const WDF: u32 = WRITE | DENYOOM | FAST;
const RF: u32 = READONLY | FAST;

pub static COMMANDS: &[CommandSpec] = &[
    spec("hset", -4, WDF, hset),
    spec("hmset", -4, WDF, hmset),
    spec("hsetnx", 4, WDF, hsetnx),
    spec("hget", 3, RF, hget),
    spec("hmget", -3, RF, hmget),
    spec("hdel", -3, WRITE | FAST, hdel),
    spec("hlen", 2, RF, hlen),
    spec("hexists", 3, RF, hexists),
    spec("hstrlen", 3, RF, hstrlen),
    spec("hgetall", 2, READONLY, hgetall),
    spec("hkeys", 2, READONLY, hkeys),
    spec("hvals", 2, READONLY, hvals),
    spec("hincrby", 4, WDF, hincrby),
    spec("hincrbyfloat", 4, WDF, hincrbyfloat),
    spec("hrandfield", -2, READONLY, hrandfield),
    spec("hscan", -3, READONLY, hscan),
];

/// HSET and HMSET: the pairs, after `hashTypeTryConversion` over all of them.
fn set_pairs(ctx: &mut ExecCtx, a: &[Bytes], name: &str) -> Option<i64> {
    if a.len() % 2 == 1 {
        ctx.out.error(&errors::arity(name));
        return None;
    }
    let limits = ctx.ks.limits;
    let db = &mut ctx.ks.dbs[ctx.db];
    let mut h = match typed::write_or_create(db, &a[1], ctx.now_ms, Hash::new) {
        Ok(h) => h,
        Err(WrongType) => {
            ctx.out.error(errors::WRONGTYPE);
            return None;
        }
    };
    h.prepare_for_lengths(a[2..].iter().map(|x| x.len()), &limits);
    let mut created = 0;
    for pair in a[2..].chunks_exact(2) {
        created += h.set(&pair[0], &pair[1], &limits) as i64;
    }
    Some(created)
}

fn hset(ctx: &mut ExecCtx, a: &[Bytes]) {
    if let Some(created) = set_pairs(ctx, a, "hset") {
        ctx.out.int(created);
    }
}

fn hmset(ctx: &mut ExecCtx, a: &[Bytes]) {
    if set_pairs(ctx, a, "hmset").is_some() {
        ctx.out.ok();
    }
}

fn hsetnx(ctx: &mut ExecCtx, a: &[Bytes]) {
    let limits = ctx.ks.limits;
    let db = &mut ctx.ks.dbs[ctx.db];
    let mut h = match typed::write_or_create(db, &a[1], ctx.now_ms, Hash::new) {
        Ok(h) => h,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    if h.contains(&a[2]) {
        return ctx.out.int(0);
    }
    h.prepare_for_lengths([a[2].len(), a[3].len()], &limits);
    h.set(&a[2], &a[3], &limits);
    ctx.out.int(1);
}

/// Looks the hash up for reading: `Err(())` after replying WRONGTYPE.
fn read<'a>(ctx: &'a mut ExecCtx, key: &[u8]) -> Result<Option<&'a Hash>, ()> {
    match typed::read::<Hash>(ctx.ks, ctx.db, key, ctx.now_ms) {
        Ok(h) => Ok(h),
        Err(WrongType) => {
            ctx.out.error(errors::WRONGTYPE);
            Err(())
        }
    }
}

fn hget(ctx: &mut ExecCtx, a: &[Bytes]) {
    match typed::read::<Hash>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
        Ok(h) => match h.and_then(|h| h.get(&a[2])) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        },
    }
}

fn hmget(ctx: &mut ExecCtx, a: &[Bytes]) {
    // A missing key is an empty hash: one null per field.
    let h = match typed::read::<Hash>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(h) => h,
    };
    ctx.out.array(a.len() - 2);
    for f in &a[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
}

fn hdel(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let db = &mut ctx.ks.dbs[ctx.db];
    let mut deleted = 0;
    let emptied = match typed::write::<Hash>(db, &a[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => false,
        Ok(Some(mut h)) => {
            for f in &a[2..] {
                if h.remove(f) {
                    deleted += 1;
                    if h.is_empty() {
                        break;
                    }
                }
            }
            h.is_empty()
        }
    };
    if emptied {
        typed::delete(db, &a[1], now);
    }
    ctx.out.int(deleted);
}

fn hlen(ctx: &mut ExecCtx, a: &[Bytes]) {
    if let Ok(h) = read(ctx, &a[1]) {
        let n = h.map_or(0, Hash::len);
        ctx.out.int(n as i64);
    }
}

fn hexists(ctx: &mut ExecCtx, a: &[Bytes]) {
    if let Ok(h) = read(ctx, &a[1]) {
        let found = h.is_some_and(|h| h.contains(&a[2]));
        ctx.out.int(found as i64);
    }
}

fn hstrlen(ctx: &mut ExecCtx, a: &[Bytes]) {
    if let Ok(h) = read(ctx, &a[1]) {
        let n = h.and_then(|h| h.get(&a[2])).map_or(0, <[u8]>::len);
        ctx.out.int(n as i64);
    }
}

/// HGETALL (a map in RESP3), HKEYS, HVALS: the hash in its iteration order.
fn get_all(ctx: &mut ExecCtx, a: &[Bytes], keys: bool, values: bool) {
    let h = match typed::read::<Hash>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(h) => h,
    };
    let n = h.map_or(0, Hash::len);
    if keys && values {
        ctx.out.map(n);
    } else {
        ctx.out.array(n);
    }
    for (f, v) in h.into_iter().flat_map(Hash::iter) {
        if keys {
            ctx.out.bulk(f);
        }
        if values {
            ctx.out.bulk(v);
        }
    }
}

fn hgetall(ctx: &mut ExecCtx, a: &[Bytes]) {
    get_all(ctx, a, true, true)
}

fn hkeys(ctx: &mut ExecCtx, a: &[Bytes]) {
    get_all(ctx, a, true, false)
}

fn hvals(ctx: &mut ExecCtx, a: &[Bytes]) {
    get_all(ctx, a, false, true)
}

fn hincrby(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(incr) = args::int(&a[3]) else {
        return ctx.out.error(errors::NOT_INTEGER);
    };
    let limits = ctx.ks.limits;
    let db = &mut ctx.ks.dbs[ctx.db];
    // Creating the key before the checks is safe: a missing key has no value to reject
    // and 0 + incr cannot overflow, so no empty hash is ever left behind.
    let mut h = match typed::write_or_create(db, &a[1], ctx.now_ms, Hash::new) {
        Ok(h) => h,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let old = match h.get(&a[2]) {
        None => 0,
        Some(s) => match args::int(s) {
            Some(v) => v,
            None => return ctx.out.error(NOT_INTEGER_VALUE),
        },
    };
    let Some(new) = old.checked_add(incr) else {
        return ctx.out.error(errors::OVERFLOW);
    };
    let mut buf = itoa::Buffer::new();
    h.set(&a[2], buf.format(new).as_bytes(), &limits);
    ctx.out.int(new);
}

/// HINCRBYFLOAT: `long double` arithmetic and formatting exactly as INCRBYFLOAT's (see
/// [`LongDouble`]); the stored text may be long enough to convert the hash.
fn hincrbyfloat(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(incr) = LongDouble::parse(&a[3]) else {
        return ctx.out.error(errors::NOT_FLOAT);
    };
    if incr.is_infinite() {
        return ctx.out.error(NAN_OR_INFINITY);
    }
    let limits = ctx.ks.limits;
    let db = &mut ctx.ks.dbs[ctx.db];
    // As in HINCRBY: a finite increment of a missing value cannot fail after creation.
    let mut h = match typed::write_or_create(db, &a[1], ctx.now_ms, Hash::new) {
        Ok(h) => h,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let old = match h.get(&a[2]) {
        None => LongDouble::ZERO,
        Some(s) => match LongDouble::parse(s) {
            Some(v) => v,
            None => return ctx.out.error(NOT_FLOAT_VALUE),
        },
    };
    let sum = match old.checked_add(incr) {
        Some(v) if !v.is_infinite() => v,
        _ => return ctx.out.error(FLOAT_OUT_OF_RANGE),
    };
    let text = sum.to_human_string();
    h.set(&a[2], text.as_bytes(), &limits);
    drop(h);
    ctx.out.bulk(text.as_bytes());
    // Replicated as the value it produced (t_hash.c: HSET key field value).
    ctx.rewrite(&[&b"HSET"[..], &a[1], &a[2], text.as_bytes()]);
}
