//! List commands (`t_list.c`) that push and pop: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP,
//! LMPOP, LMOVE, RPOPLPUSH. The rest (LLEN, LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM,
//! LPOS) is in [`super::list_ops`].
//!
//! Every key is created through `Db::insert` (`typed::write_or_create`), where blocked
//! pops will hook, and every list a command empties is deleted.
//!
//! LMOVE/RPOPLPUSH with the two keys on different shards, and LMPOP (whose keys COMMAND
//! does not list: `numkeys` says where they are), run at the coordinator: it asks each
//! shard in turn with `run_on`, under the dispatcher's [`crate::server::txn`] locks on
//! every key, so no other client's command runs between the steps.

use super::spec;
use bytes::Bytes;

use super::flag::*;
use super::typed::{self, WrongType};
use super::{args, errors, CommandSpec, ExecCtx, KeyRange, Run};
use crate::server::client::Client;
use crate::server::shard::unix_ms;
use crate::server::slot::key_shard;
use crate::storage::list::{End, Fill, List};
use crate::storage::Db;

const NUMKEYS: &str = "ERR numkeys should be greater than 0";
const COUNT: &str = "ERR count should be greater than 0";

const ONE: KeyRange = KeyRange::ONE;
const WDF: u32 = WRITE | DENYOOM | FAST;
const WD: u32 = WRITE | DENYOOM;

use super::list_ops as ops;

pub static COMMANDS: &[CommandSpec] = &[
    spec("lpush", -3, WDF, ONE, Run::Shard(lpush)),
    spec("rpush", -3, WDF, ONE, Run::Shard(rpush)),
    spec("lpushx", -3, WDF, ONE, Run::Shard(lpushx)),
    spec("rpushx", -3, WDF, ONE, Run::Shard(rpushx)),
    spec("lpop", -2, WRITE | FAST, ONE, Run::Shard(lpop)),
    spec("rpop", -2, WRITE | FAST, ONE, Run::Shard(rpop)),
    // Redis reports no key range for LMPOP (its keys follow `numkeys`): routing cannot
    // find them, so it always runs at the coordinator, which can.
    spec(
        "lmpop",
        -4,
        WRITE | MOVABLEKEYS,
        KeyRange::NONE,
        Run::Coord(lmpop_coord),
    ),
    spec(
        "lmove",
        5,
        WD,
        KeyRange::FIRST_TWO,
        Run::ShardOr(lmove, lmove_coord),
    ),
    spec(
        "rpoplpush",
        3,
        WD,
        KeyRange::FIRST_TWO,
        Run::ShardOr(rpoplpush, lmove_coord),
    ),
    spec("llen", 2, READONLY | FAST, ONE, Run::Shard(ops::llen)),
    spec("lrange", 4, READONLY, ONE, Run::Shard(ops::lrange)),
    spec("lindex", 3, READONLY, ONE, Run::Shard(ops::lindex)),
    spec("lset", 4, WD, ONE, Run::Shard(ops::lset)),
    spec("linsert", 5, WD, ONE, Run::Shard(ops::linsert)),
    spec("lrem", 4, WRITE, ONE, Run::Shard(ops::lrem)),
    spec("ltrim", 4, WRITE, ONE, Run::Shard(ops::ltrim)),
    spec("lpos", -3, READONLY, ONE, Run::Shard(ops::lpos)),
];

/// The node limits for lists of this shard (`list-max-listpack-size`).
pub fn fill(ctx: &ExecCtx) -> Fill {
    Fill::new(ctx.ks.limits.list_max_listpack_size)
}

/// Parses LEFT / RIGHT (Redis's `getListPositionFromObjectOrReply`).
pub fn parse_end(arg: &[u8]) -> Option<End> {
    if args::eq(arg, "left") {
        Some(End::Head)
    } else if args::eq(arg, "right") {
        Some(End::Tail)
    } else {
        None
    }
}

fn push_generic(ctx: &mut ExecCtx, a: &[Bytes], end: End, only_existing: bool) {
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let db = &mut ctx.ks.dbs[ctx.db];
    let found = if only_existing {
        match typed::write::<List>(db, &a[1], now) {
            Ok(Some(l)) => Ok(l),
            Ok(None) => return ctx.out.int(0),
            Err(e) => Err(e),
        }
    } else {
        typed::write_or_create(db, &a[1], now, List::default)
    };
    let Ok(mut list) = found else {
        return ctx.out.error(errors::WRONGTYPE);
    };
    for item in &a[2..] {
        list.push(end, item, fill);
    }
    let len = list.len();
    drop(list);
    ctx.out.int(len as i64);
}

pub fn lpush(ctx: &mut ExecCtx, a: &[Bytes]) {
    push_generic(ctx, a, End::Head, false);
}

pub fn rpush(ctx: &mut ExecCtx, a: &[Bytes]) {
    push_generic(ctx, a, End::Tail, false);
}

pub fn lpushx(ctx: &mut ExecCtx, a: &[Bytes]) {
    push_generic(ctx, a, End::Head, true);
}

pub fn rpushx(ctx: &mut ExecCtx, a: &[Bytes]) {
    push_generic(ctx, a, End::Tail, true);
}

/// Pops up to `count` elements from one end of the list at `key`, handing each to `each`,
/// and deletes the key when the list is left empty. `Ok(0)` when the key is missing.
pub fn pop_from(
    db: &mut Db,
    key: &[u8],
    now_ms: u64,
    end: End,
    count: usize,
    mut each: impl FnMut(&[u8]),
) -> Result<usize, WrongType> {
    let Some(mut list) = typed::write::<List>(db, key, now_ms)? else {
        return Ok(0);
    };
    let n = count.min(list.len());
    for _ in 0..n {
        list.pop(end, &mut each);
    }
    let emptied = list.is_empty();
    drop(list);
    if emptied {
        typed::delete(db, key, now_ms);
    }
    Ok(n)
}

fn pop_generic(ctx: &mut ExecCtx, a: &[Bytes], end: End) {
    if a.len() > 3 {
        return ctx.out.error(&errors::arity(if end == End::Head {
            "lpop"
        } else {
            "rpop"
        }));
    }
    let count = match a.get(2) {
        None => None,
        Some(arg) => match args::int(arg) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return ctx.out.error(errors::MUST_BE_POSITIVE),
        },
    };
    pop_reply(ctx, &a[1], end, count);
}

/// LPOP/RPOP's lookup and reply: a bulk string without a count, an array with one (a nil
/// array for a missing key, an empty one for a count of 0).
pub fn pop_reply(ctx: &mut ExecCtx, key: &[u8], end: End, count: Option<usize>) {
    let now = ctx.now_ms;
    let db = &mut ctx.ks.dbs[ctx.db];
    let out = &mut ctx.out;
    // One lookup: the hot path of a queue.
    let mut list = match typed::write::<List>(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) if count.is_some() => return out.null_array(),
        Ok(None) => return out.null(),
        Ok(Some(l)) => l,
    };
    let n = count.unwrap_or(1).min(list.len());
    if count.is_some() {
        out.array(n);
    }
    for _ in 0..n {
        list.pop(end, |e| out.bulk(e));
    }
    let emptied = list.is_empty();
    drop(list);
    if emptied {
        typed::delete(db, key, now);
    }
}

pub fn lpop(ctx: &mut ExecCtx, a: &[Bytes]) {
    pop_generic(ctx, a, End::Head);
}

pub fn rpop(ctx: &mut ExecCtx, a: &[Bytes]) {
    pop_generic(ctx, a, End::Tail);
}

/// LMPOP's (and BLMPOP's) arguments after the command name: `numkeys key... LEFT|RIGHT
/// [COUNT n]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpopArgs {
    /// Indexes of the keys in the argument vector.
    pub keys: std::ops::Range<usize>,
    pub end: End,
    pub count: usize,
}

/// Parses LMPOP's arguments with `numkeys` at `a[numkeys_at]` (1 for LMPOP, 2 for
/// BLMPOP), with Redis's errors in its order.
pub fn parse_mpop(a: &[Bytes], numkeys_at: usize) -> Result<MpopArgs, &'static str> {
    let numkeys = match args::int(&a[numkeys_at]) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(NUMKEYS),
    };
    let end_at = match (numkeys_at + 1).checked_add(numkeys) {
        Some(i) if i < a.len() => i,
        _ => return Err(errors::SYNTAX),
    };
    let end = parse_end(&a[end_at]).ok_or(errors::SYNTAX)?;
    let mut count = None;
    let mut j = end_at + 1;
    while j < a.len() {
        if count.is_none() && args::eq(&a[j], "count") && j + 1 < a.len() {
            match args::int(&a[j + 1]) {
                Some(n) if n > 0 => count = Some(n as usize),
                _ => return Err(COUNT),
            }
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok(MpopArgs {
        keys: numkeys_at + 1..end_at,
        end,
        count: count.unwrap_or(1),
    })
}

/// LMPOP with every key on this shard (BLMPOP's wake-up path may call it too).
pub fn lmpop(ctx: &mut ExecCtx, a: &[Bytes]) {
    match parse_mpop(a, 1) {
        Ok(p) => mpop_reply(ctx, &a[p.keys], p.end, p.count),
        Err(e) => ctx.out.error(e),
    }
}

/// Pops from the first non-empty list of `keys` and replies `[key, [elements]]`, or a nil
/// array when every key is missing.
pub fn mpop_reply(ctx: &mut ExecCtx, keys: &[Bytes], end: End, count: usize) {
    let now = ctx.now_ms;
    let db = &mut ctx.ks.dbs[ctx.db];
    let out = &mut ctx.out;
    for key in keys {
        let len = match typed::peek::<List>(db, key, now) {
            Err(WrongType) => return out.error(errors::WRONGTYPE),
            Ok(None) => continue,
            Ok(Some(l)) => l.len(),
        };
        out.array(2);
        out.bulk(key);
        out.array(count.min(len));
        let _ = pop_from(db, key, now, end, count, |e| out.bulk(e));
        // Replicated as LPOP/RPOP key count, the count of what was popped (t_list.c).
        let mut c = itoa::Buffer::new();
        let name: &[u8] = if end == End::Head { b"LPOP" } else { b"RPOP" };
        ctx.prop
            .rewrite(&[name, key, c.format(count.min(len)).as_bytes()]);
        return;
    }
    out.null_array()
}

/// What one shard answers for a run of LMPOP's keys.
enum Mpopped {
    AllMissing,
    WrongType,
    Popped(Bytes, Vec<Vec<u8>>),
}

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

fn lmpop_coord(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let p = match parse_mpop(&a, 1) {
            Ok(p) => p,
            Err(e) => return c.reply().error(e),
        };
        let (db, n) = (c.db, c.shard.nshards);
        let keys = &a[p.keys];
        let (end, count) = (p.end, p.count);
        // Keys in argument order; a run of consecutive keys on one shard is one message.
        let mut i = 0;
        while i < keys.len() {
            let owner = key_shard(&keys[i], n);
            let run = keys[i..]
                .iter()
                .take_while(|k| key_shard(k, n) == owner)
                .count();
            let group: Vec<Bytes> = keys[i..i + run].to_vec();
            i += run;
            let answer = c
                .shard
                .run_on(owner, move |s| {
                    let mut ks = s.keyspace.borrow_mut();
                    let now = unix_ms();
                    let d = &mut ks.dbs[db];
                    for key in group {
                        let mut items = Vec::new();
                        match pop_from(d, &key, now, end, count, |e| items.push(e.to_vec())) {
                            Err(WrongType) => return Mpopped::WrongType,
                            Ok(0) => continue,
                            Ok(n) => {
                                // Logged here, as LPOP/RPOP key count (t_list.c), while
                                // the coordinator holds the key's lock; the dispatcher
                                // does not log LMPOP itself.
                                let mut c = itoa::Buffer::new();
                                let name: &[u8] = if end == End::Head { b"LPOP" } else { b"RPOP" };
                                s.log_record(db, &[name, &key, c.format(n).as_bytes()]);
                                return Mpopped::Popped(key, items);
                            }
                        }
                    }
                    Mpopped::AllMissing
                })
                .await;
            let mut out = c.reply();
            match answer {
                Mpopped::AllMissing => continue,
                Mpopped::WrongType => return out.error(errors::WRONGTYPE),
                Mpopped::Popped(key, items) => {
                    out.array(2);
                    out.bulk(&key);
                    out.array(items.len());
                    return items.iter().for_each(|e| out.bulk(e));
                }
            }
        }
        c.reply().null_array();
    })
}

/// LMOVE's LEFT/RIGHT pair; RPOPLPUSH is RIGHT LEFT.
fn move_ends(a: &[Bytes]) -> Result<(End, End), &'static str> {
    if a.len() < 5 {
        return Ok((End::Tail, End::Head));
    }
    let from = parse_end(&a[3]).ok_or(errors::SYNTAX)?;
    let to = parse_end(&a[4]).ok_or(errors::SYNTAX)?;
    Ok((from, to))
}

pub fn lmove(ctx: &mut ExecCtx, a: &[Bytes]) {
    match move_ends(a) {
        Ok((from, to)) => move_reply(ctx, &a[1], &a[2], from, to),
        Err(e) => ctx.out.error(e),
    }
}

pub fn rpoplpush(ctx: &mut ExecCtx, a: &[Bytes]) {
    move_reply(ctx, &a[1], &a[2], End::Tail, End::Head);
}

/// LMOVE with both keys on this shard: the source is looked up first (missing: nil), then
/// the destination's type, then one element moves.
pub fn move_reply(ctx: &mut ExecCtx, src: &[u8], dst: &[u8], from: End, to: End) {
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let db = &mut ctx.ks.dbs[ctx.db];
    let out = &mut ctx.out;
    match typed::write::<List>(db, src, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.null(),
        Ok(Some(mut list)) if src == dst => {
            // A rotation: the key stays (and keeps its TTL) even with one element.
            let Some(v) = list.pop(from, <[u8]>::to_vec) else {
                return out.null();
            };
            list.push(to, &v, fill);
            return out.bulk(&v);
        }
        Ok(Some(_)) => {}
    }
    if typed::peek::<List>(db, dst, now).is_err() {
        return out.error(errors::WRONGTYPE);
    }
    let mut value = Vec::new();
    let _ = pop_from(db, src, now, from, 1, |e| value = e.to_vec());
    match typed::write_or_create(db, dst, now, List::default) {
        Ok(mut list) => list.push(to, &value, fill),
        Err(WrongType) => return out.error(errors::WRONGTYPE),
    }
    out.bulk(&value)
}

/// LMOVE/RPOPLPUSH with the keys on two shards: check the destination's type, pop at the
/// source (which also answers for a missing source or a wrong type there), push at the
/// destination. Should the destination have changed type in between, the element goes
/// back where it came from.
fn lmove_coord(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let (from, to) = match move_ends(&a) {
            Ok(ends) => ends,
            Err(e) => return c.reply().error(e),
        };
        let (db, n) = (c.db, c.shard.nshards);
        let (src, dst) = (a[1].clone(), a[2].clone());
        let (src_shard, dst_shard) = (key_shard(&src, n), key_shard(&dst, n));
        let dst2 = dst.clone();
        let dst_is_list = c
            .shard
            .run_on(dst_shard, move |s| {
                let mut ks = s.keyspace.borrow_mut();
                typed::peek::<List>(&mut ks.dbs[db], &dst2, unix_ms()).is_ok()
            })
            .await;
        let src2 = src.clone();
        let popped = c
            .shard
            .run_on(src_shard, move |s| {
                let mut ks = s.keyspace.borrow_mut();
                let (db, now) = (&mut ks.dbs[db], unix_ms());
                match typed::peek::<List>(db, &src2, now) {
                    Err(WrongType) => return Err(WrongType),
                    Ok(None) => return Ok(None),
                    Ok(Some(_)) if !dst_is_list => return Err(WrongType),
                    Ok(Some(_)) => {}
                }
                let mut value = Vec::new();
                pop_from(db, &src2, now, from, 1, |e| value = e.to_vec())?;
                Ok(Some(value))
            })
            .await;
        let value = match popped {
            Err(WrongType) => return c.reply().error(errors::WRONGTYPE),
            Ok(None) => return c.reply().null(),
            Ok(Some(v)) => v,
        };
        let pushed = c
            .shard
            .run_on(dst_shard, move |s| {
                let fill = Fill::new(s.config().encoding.list_max_listpack_size);
                let mut ks = s.keyspace.borrow_mut();
                let db = &mut ks.dbs[db];
                let result = match typed::write_or_create(db, &dst, unix_ms(), List::default) {
                    Ok(mut list) => {
                        list.push(to, &value, fill);
                        Ok(value)
                    }
                    Err(WrongType) => Err(value),
                };
                result
            })
            .await;
        match pushed {
            Ok(value) => c.reply().bulk(&value),
            Err(value) => {
                c.shard
                    .run_on(src_shard, move |s| {
                        let fill = Fill::new(s.config().encoding.list_max_listpack_size);
                        let mut ks = s.keyspace.borrow_mut();
                        let db = &mut ks.dbs[db];
                        let back = typed::write_or_create(db, &src, unix_ms(), List::default);
                        if let Ok(mut list) = back {
                            list.push(from, &value, fill);
                        }
                    })
                    .await;
                c.reply().error(errors::WRONGTYPE)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    #[test]
    fn mpop_arguments() {
        let p = parse_mpop(&words(&["lmpop", "2", "a", "b", "right", "count", "3"]), 1);
        assert_eq!(
            p,
            Ok(MpopArgs {
                keys: 2..4,
                end: End::Tail,
                count: 3
            })
        );
        let blmpop = parse_mpop(&words(&["blmpop", "0", "1", "a", "LEFT"]), 2).unwrap();
        assert_eq!(
            (blmpop.keys, blmpop.end, blmpop.count),
            (3..4, End::Head, 1)
        );
        let err = |w: &[&str]| parse_mpop(&words(w), 1).unwrap_err();
        assert_eq!(err(&["lmpop", "0", "a", "left"]), NUMKEYS);
        assert_eq!(err(&["lmpop", "x", "a", "left"]), NUMKEYS);
        assert_eq!(
            err(&["lmpop", "9223372036854775807", "a", "left"]),
            errors::SYNTAX
        );
        assert_eq!(err(&["lmpop", "2", "a", "left"]), errors::SYNTAX);
        assert_eq!(err(&["lmpop", "1", "a", "up"]), errors::SYNTAX);
        assert_eq!(err(&["lmpop", "1", "a", "left", "count", "0"]), COUNT);
        assert_eq!(err(&["lmpop", "1", "a", "left", "count"]), errors::SYNTAX);
        assert_eq!(
            err(&["lmpop", "1", "a", "left", "count", "1", "count", "1"]),
            errors::SYNTAX
        );
    }
}
