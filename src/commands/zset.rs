//! The sorted-set family (`t_zset.c`): the command table and the
//! single-member commands (ZADD, ZINCRBY, ZREM, ZSCORE, ZRANK, pops). Ranges and score
//! parsing live in [`super::zset_range`], ZRANDMEMBER/ZSCAN in [`super::zset_scan`],
//! multi-key operations in [`super::zset_multi`].
//!
//! ZMPOP and the ZUNION/ZINTER/ZDIFF family take their keys after a `numkeys` argument
//! (Redis's "movablekeys"), which the fixed key ranges of the table cannot describe, so
//! they run at the coordinator ([`super::zset_multi`]), which finds the keys and runs the
//! shard function on their shard when they are together.

use super::spec;
use bytes::Bytes;

use super::flag::*;
use super::typed::{self, WrongType};
use super::zset_range::parse_score;
use super::{args, errors, zset_multi as multi, zset_range as range, zset_scan as scan};
use super::{CommandSpec, ExecCtx, KeyRange, Run};
use crate::protocol::Reply;
use crate::storage::zset::ZSet;
use crate::storage::{EncodingLimits, Keyspace};

const ONE: KeyRange = KeyRange::ONE;
const NONE: KeyRange = KeyRange::NONE;
const RF: u32 = READONLY | FAST;
const WF: u32 = WRITE | FAST;
const WDF: u32 = WRITE | DENYOOM | FAST;
const MOV: u32 = MOVABLEKEYS;

pub static COMMANDS: &[CommandSpec] = &[
    spec("zadd", -4, WDF, ONE, Run::Shard(zadd)),
    spec("zincrby", 4, WDF, ONE, Run::Shard(zincrby)),
    spec("zrem", -3, WF, ONE, Run::Shard(zrem)),
    spec("zcard", 2, RF, ONE, Run::Shard(zcard)),
    spec("zscore", 3, RF, ONE, Run::Shard(zscore)),
    spec("zmscore", -3, RF, ONE, Run::Shard(zmscore)),
    spec("zrank", 3, RF, ONE, Run::Shard(zrank)),
    spec("zrevrank", 3, RF, ONE, Run::Shard(zrevrank)),
    spec("zpopmin", -2, WF, ONE, Run::Shard(zpopmin)),
    spec("zpopmax", -2, WF, ONE, Run::Shard(zpopmax)),
    spec("zmpop", -4, WRITE | MOV, NONE, Run::Coord(multi::ZMPOP)),
    spec(
        "zrandmember",
        -2,
        READONLY,
        ONE,
        Run::Shard(scan::zrandmember),
    ),
    spec("zscan", -3, READONLY, ONE, Run::Shard(scan::zscan)),
    spec("zrange", -4, READONLY, ONE, Run::Shard(range::zrange)),
    spec(
        "zrangestore",
        -5,
        WRITE | DENYOOM,
        KeyRange::FIRST_TWO,
        Run::ShardOr(range::zrangestore, multi::ZRANGESTORE_ACROSS),
    ),
    spec("zrevrange", -4, READONLY, ONE, Run::Shard(range::zrevrange)),
    spec(
        "zrangebyscore",
        -4,
        READONLY,
        ONE,
        Run::Shard(range::zrangebyscore),
    ),
    spec(
        "zrevrangebyscore",
        -4,
        READONLY,
        ONE,
        Run::Shard(range::zrevrangebyscore),
    ),
    spec(
        "zrangebylex",
        -4,
        READONLY,
        ONE,
        Run::Shard(range::zrangebylex),
    ),
    spec(
        "zrevrangebylex",
        -4,
        READONLY,
        ONE,
        Run::Shard(range::zrevrangebylex),
    ),
    spec("zcount", 4, RF, ONE, Run::Shard(range::zcount)),
    spec("zlexcount", 4, RF, ONE, Run::Shard(range::zlexcount)),
    spec(
        "zremrangebyrank",
        4,
        WRITE,
        ONE,
        Run::Shard(range::zremrangebyrank),
    ),
    spec(
        "zremrangebyscore",
        4,
        WRITE,
        ONE,
        Run::Shard(range::zremrangebyscore),
    ),
    spec(
        "zremrangebylex",
        4,
        WRITE,
        ONE,
        Run::Shard(range::zremrangebylex),
    ),
    spec(
        "zunion",
        -3,
        READONLY | MOV,
        NONE,
        Run::Coord(multi::ZUNION),
    ),
    spec(
        "zinter",
        -3,
        READONLY | MOV,
        NONE,
        Run::Coord(multi::ZINTER),
    ),
    spec("zdiff", -3, READONLY | MOV, NONE, Run::Coord(multi::ZDIFF)),
    spec(
        "zintercard",
        -3,
        READONLY | MOV,
        NONE,
        Run::Coord(multi::ZINTERCARD),
    ),
    spec(
        "zunionstore",
        -4,
        WRITE | DENYOOM | MOV,
        ONE,
        Run::Coord(multi::ZUNIONSTORE),
    ),
    spec(
        "zinterstore",
        -4,
        WRITE | DENYOOM | MOV,
        ONE,
        Run::Coord(multi::ZINTERSTORE),
    ),
    spec(
        "zdiffstore",
        -4,
        WRITE | DENYOOM | MOV,
        ONE,
        Run::Coord(multi::ZDIFFSTORE),
    ),
];

pub(super) const NAN_RESULT: &str = "ERR resulting score is not a number (NaN)";

/// A `getPositiveLongFromObjectOrReply` argument.
fn positive(arg: &[u8]) -> Result<i64, &'static str> {
    match args::int(arg) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(errors::MUST_BE_POSITIVE),
    }
}

/// Writes `member, score` as a flat pair, or as a two-element array when `nested`
/// (RESP3 WITHSCORES).
pub(super) fn pair(out: &mut Reply, member: &[u8], score: f64, nested: bool) {
    if nested {
        out.array(2);
    }
    out.bulk(member);
    out.double(score);
}

/// Looks a sorted set up for reading, replying WRONGTYPE; `Ok(None)` when missing.
/// Call as `read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, key)` so the set and the
/// output are borrowed separately.
pub(super) fn read<'a>(
    ks: &'a mut Keyspace,
    db: usize,
    now_ms: u64,
    out: &mut Reply,
    key: &[u8],
) -> Result<Option<&'a ZSet>, ()> {
    match typed::read::<ZSet>(ks, db, key, now_ms) {
        Err(WrongType) => {
            out.error(errors::WRONGTYPE);
            Err(())
        }
        Ok(z) => Ok(z),
    }
}

const NX: u8 = 1;
const XX: u8 = 2;
const GT: u8 = 4;
const LT: u8 = 8;
const INCR: u8 = 16;

#[derive(Default)]
struct AddOutcome {
    added: bool,
    updated: bool,
    processed: bool,
    score: f64,
}

/// `zsetAdd`: one member under ZADD's flags. `Err` when INCR made NaN.
fn zset_add(
    z: &mut ZSet,
    member: &[u8],
    mut score: f64,
    flags: u8,
    limits: &EncodingLimits,
) -> Result<AddOutcome, ()> {
    let mut out = AddOutcome::default();
    match z.score(member) {
        Some(cur) => {
            if flags & NX != 0 {
                return Ok(out);
            }
            if flags & INCR != 0 {
                score += cur;
                if score.is_nan() {
                    return Err(());
                }
            }
            if (flags & LT != 0 && score >= cur) || (flags & GT != 0 && score <= cur) {
                return Ok(out);
            }
            out.processed = true;
            out.score = score;
            if score != cur {
                z.set_score(member, score);
                out.updated = true;
            }
        }
        None => {
            if flags & XX != 0 {
                return Ok(out);
            }
            z.insert(member, score, limits);
            out.added = true;
            out.processed = true;
            out.score = score;
        }
    }
    Ok(out)
}

fn zadd_generic(ctx: &mut ExecCtx, a: &[Bytes], mut flags: u8) {
    let mut ch = false;
    let mut idx = 2;
    while idx < a.len() {
        let o = &a[idx];
        if args::eq(o, "nx") {
            flags |= NX;
        } else if args::eq(o, "xx") {
            flags |= XX;
        } else if args::eq(o, "ch") {
            ch = true;
        } else if args::eq(o, "incr") {
            flags |= INCR;
        } else if args::eq(o, "gt") {
            flags |= GT;
        } else if args::eq(o, "lt") {
            flags |= LT;
        } else {
            break;
        }
        idx += 1;
    }
    let elements = a.len() - idx;
    if elements % 2 == 1 || elements == 0 {
        return ctx.out.error(errors::SYNTAX);
    }
    let has = |f: u8| flags & f != 0;
    if has(NX) && has(XX) {
        return ctx
            .out
            .error("ERR XX and NX options at the same time are not compatible");
    }
    if (has(GT) && has(NX)) || (has(LT) && has(NX)) || (has(GT) && has(LT)) {
        return ctx
            .out
            .error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if has(INCR) && elements > 2 {
        return ctx
            .out
            .error("ERR INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(elements / 2);
    for j in (idx..a.len()).step_by(2) {
        match parse_score(&a[j]) {
            Some(s) => scores.push(s),
            None => return ctx.out.error(errors::NOT_FLOAT),
        }
    }
    let limits = ctx.ks.limits;
    let (key, now) = (&a[1], ctx.now_ms);
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0);
    let mut last_score = 0.0;
    let exists = match typed::write::<ZSet>(&mut ctx.ks.dbs[ctx.db], key, now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(found) => found.is_some(),
    };
    if exists || !has(XX) {
        let first_len = a[idx + 1].len();
        let mut z = match typed::write_or_create(&mut ctx.ks.dbs[ctx.db], key, now, || {
            ZSet::for_new_key(&limits, first_len)
        }) {
            Ok(z) => z,
            Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        };
        for (j, &score) in scores.iter().enumerate() {
            let member = &a[idx + 1 + 2 * j];
            match zset_add(&mut z, member, score, flags, &limits) {
                Err(()) => {
                    drop(z);
                    return ctx.out.error(NAN_RESULT);
                }
                Ok(o) => {
                    added += o.added as i64;
                    updated += o.updated as i64;
                    processed += o.processed as i64;
                    if o.processed {
                        last_score = o.score;
                    }
                }
            }
        }
    }
    if added + updated == 0 {
        // Redis's dirty is `added + updated`: an identical score changes nothing.
        ctx.unchanged();
    }
    if has(INCR) {
        if processed > 0 {
            ctx.out.double(last_score);
        } else {
            ctx.out.null();
        }
    } else {
        ctx.out.int(if ch { added + updated } else { added });
    }
}

pub fn zadd(ctx: &mut ExecCtx, a: &[Bytes]) {
    zadd_generic(ctx, a, 0)
}

pub fn zincrby(ctx: &mut ExecCtx, a: &[Bytes]) {
    zadd_generic(ctx, a, INCR)
}

pub fn zrem(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let mut z = match typed::write::<ZSet>(&mut ctx.ks.dbs[ctx.db], &a[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(z)) => z,
    };
    let mut deleted = 0;
    for m in &a[2..] {
        deleted += z.remove(m).is_some() as i64;
        if z.is_empty() {
            break;
        }
    }
    let empty = z.is_empty();
    drop(z);
    if empty {
        typed::delete(ctx.db(), &a[1], now);
    }
    ctx.out.int(deleted);
}

pub fn zcard(ctx: &mut ExecCtx, a: &[Bytes]) {
    let n = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(z) => z.map_or(0, ZSet::len),
    };
    ctx.out.int(n as i64);
}

pub fn zscore(ctx: &mut ExecCtx, a: &[Bytes]) {
    let s = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(z) => z.and_then(|z| z.score(&a[2])),
    };
    match s {
        Some(s) => ctx.out.double(s),
        None => ctx.out.null(),
    }
}

pub fn zmscore(ctx: &mut ExecCtx, a: &[Bytes]) {
    let z = match typed::read::<ZSet>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(z) => z,
    };
    ctx.out.array(a.len() - 2);
    for m in &a[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    }
}

fn zrank_generic(ctx: &mut ExecCtx, a: &[Bytes], reverse: bool) {
    let r = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(z) => z.and_then(|z| {
            z.rank(&a[2])
                .map(|r| if reverse { z.len() - 1 - r } else { r })
        }),
    };
    match r {
        Some(r) => ctx.out.int(r as i64),
        None => ctx.out.null(),
    }
}

pub fn zrank(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrank_generic(ctx, a, false)
}

pub fn zrevrank(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrank_generic(ctx, a, true)
}

/// How popped pairs are laid out (`genericZpopCommand`'s emitkey / use_nested_array).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopShape {
    /// ZPOPMIN/ZPOPMAX in RESP2 or without COUNT: `[m, s, m, s...]`.
    Flat,
    /// ZPOPMIN/ZPOPMAX with COUNT in RESP3: `[[m, s], ...]`.
    Nested,
    /// BZPOPMIN/BZPOPMAX: `[key, m, s, ...]`.
    FlatWithKey,
    /// ZMPOP/BZMPOP: `[key, [[m, s], ...]]`.
    NestedWithKey,
}

/// What one key offered a pop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopFrom {
    Missing,
    WrongType,
    /// The reply was written.
    Popped,
}

/// Pops up to `count` (>= 1) pairs from the lowest (or greatest) end of `key` and writes
/// the reply in `shape`; deletes the key when emptied. Writes nothing unless it popped.
pub fn pop_from(
    ctx: &mut ExecCtx,
    key: &[u8],
    greatest: bool,
    count: usize,
    shape: PopShape,
) -> PopFrom {
    let now = ctx.now_ms;
    let mut z = match typed::write::<ZSet>(&mut ctx.ks.dbs[ctx.db], key, now) {
        Err(WrongType) => return PopFrom::WrongType,
        Ok(None) => return PopFrom::Missing,
        Ok(Some(z)) => z,
    };
    let n = count.min(z.len());
    let mut popped = Vec::with_capacity(n);
    for _ in 0..n {
        popped.extend(z.pop(greatest));
    }
    let empty = z.is_empty();
    drop(z);
    if empty {
        typed::delete(ctx.db(), key, now);
    }
    if shape == PopShape::NestedWithKey {
        // ZMPOP (and BZMPOP served at once) replicate as ZPOPMIN/ZPOPMAX key count,
        // with the count of what was popped (t_zset.c genericZpopCommand).
        let mut c = itoa::Buffer::new();
        let name: &[u8] = if greatest { b"ZPOPMAX" } else { b"ZPOPMIN" };
        ctx.prop.rewrite(&[name, key, c.format(n).as_bytes()]);
    }
    let out = &mut ctx.out;
    match shape {
        PopShape::Flat => out.array(2 * n),
        PopShape::Nested => out.array(n),
        PopShape::FlatWithKey => {
            out.array(2 * n + 1);
            out.bulk(key);
        }
        PopShape::NestedWithKey => {
            out.array(2);
            out.bulk(key);
            out.array(n);
        }
    }
    let nested = matches!(shape, PopShape::Nested | PopShape::NestedWithKey);
    for (m, s) in &popped {
        pair(out, m, *s, nested);
    }
    PopFrom::Popped
}

fn zpop_minmax(ctx: &mut ExecCtx, a: &[Bytes], greatest: bool) {
    if a.len() > 3 {
        return ctx.out.error(errors::SYNTAX);
    }
    let count = match a.get(2).map(|c| positive(c)) {
        None => None,
        Some(Ok(n)) => Some(n as usize),
        Some(Err(e)) => return ctx.out.error(e),
    };
    let shape = if ctx.out.resp3 && count.is_some() {
        PopShape::Nested
    } else {
        PopShape::Flat
    };
    let now = ctx.now_ms;
    // Redis answers a count of 0 after the type check, before touching the set.
    if count == Some(0) {
        return match typed::write::<ZSet>(&mut ctx.ks.dbs[ctx.db], &a[1], now) {
            Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
            Ok(_) => ctx.out.array(0),
        };
    }
    match pop_from(ctx, &a[1], greatest, count.unwrap_or(1), shape) {
        PopFrom::Missing => ctx.out.array(0),
        PopFrom::WrongType => ctx.out.error(errors::WRONGTYPE),
        PopFrom::Popped => {}
    }
}

pub fn zpopmin(ctx: &mut ExecCtx, a: &[Bytes]) {
    zpop_minmax(ctx, a, false)
}

pub fn zpopmax(ctx: &mut ExecCtx, a: &[Bytes]) {
    zpop_minmax(ctx, a, true)
}

/// ZMPOP's parsed arguments.
#[derive(Debug, Clone)]
pub struct Mpop {
    pub keys: Vec<Bytes>,
    pub greatest: bool,
    pub count: usize,
}

/// Parses `ZMPOP numkeys key... MIN|MAX [COUNT n]` from `a[numkeys_at]` on (BZMPOP has
/// its timeout first), as `zmpopGenericCommand`.
pub fn parse_mpop(a: &[Bytes], numkeys_at: usize) -> Result<Mpop, &'static str> {
    // getRangeLongFromObjectOrReply with a message: the message for any bad value.
    let numkeys = match args::int(&a[numkeys_at]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err("ERR numkeys should be greater than 0"),
    };
    let where_at = (numkeys_at as u64)
        .saturating_add(numkeys)
        .saturating_add(1);
    if where_at >= a.len() as u64 {
        return Err(errors::SYNTAX);
    }
    let where_at = where_at as usize;
    let greatest = if args::eq(&a[where_at], "min") {
        false
    } else if args::eq(&a[where_at], "max") {
        true
    } else {
        return Err(errors::SYNTAX);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < a.len() {
        if count.is_none() && args::eq(&a[j], "count") && j + 1 < a.len() {
            j += 1;
            match args::int(&a[j]) {
                Some(n) if n >= 1 => count = Some(n as usize),
                _ => return Err("ERR count should be greater than 0"),
            }
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(Mpop {
        keys: a[numkeys_at + 1..where_at].to_vec(),
        greatest,
        count: count.unwrap_or(1),
    })
}

/// ZMPOP with every key on this shard (the coordinator routes here when they are).
pub fn zmpop(ctx: &mut ExecCtx, a: &[Bytes]) {
    let p = match parse_mpop(a, 1) {
        Ok(p) => p,
        Err(e) => return ctx.out.error(e),
    };
    for key in &p.keys {
        match pop_from(ctx, key, p.greatest, p.count, PopShape::NestedWithKey) {
            PopFrom::Missing => continue,
            PopFrom::WrongType => return ctx.out.error(errors::WRONGTYPE),
            PopFrom::Popped => return,
        }
    }
    ctx.out.null_array();
}
