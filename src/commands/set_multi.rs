//! The multi-key set commands: SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD and
//! SMOVE (`t_set.c`).
//!
//! Each runs as one shard command when all its keys live on one shard, and otherwise at
//! the coordinator, which computes the result from what the owner shards send and
//! replies it or writes it at the destination's shard ([`gather::store`]). A union needs
//! every member: [`gather::fetch`] copies the source sets (one message per owner shard).
//! An intersection or a difference copies only one set (the smallest, the first) and lets
//! the shards of the other keys filter its members ([`inter_across`], [`diff_across`]).
//! Both paths build results the same way, so they give the same replies and encodings.
//! The cross-shard path runs under the dispatcher's [`crate::server::txn`] locks on every
//! key, so no other client's command runs between its steps.
//!
//! Encodings follow Redis: a result set starts as an empty intset and members are added
//! one by one (`createIntsetObject` + `setTypeAdd`), so it is an intset exactly when
//! Redis's would be. For SDIFF this depends on which of Redis's two algorithms runs
//! (adding the whole first set and then removing can pass the intset limit on the way),
//! so the choice is reproduced exactly.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::gather;
use super::set::reply_set;
use super::typed::{self, WrongType};
use super::{args, errors, ExecCtx};
use crate::protocol::Reply;
use crate::server::client::Client;
use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::slot::key_shard;
use crate::storage::set::{Elem, Set};
use crate::storage::{Keyspace, Object, ValueRef};

type Fut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The sets at `keys` on this shard (None for a missing key), looked up as Redis's
/// `lookupKeyRead` in argument order: counting hits and misses, stopping at the first
/// key of another type.
fn lookup<'a>(
    ks: &'a mut Keyspace,
    db: usize,
    keys: &[Bytes],
    now_ms: u64,
) -> Result<Vec<Option<&'a Set>>, WrongType> {
    for k in keys {
        typed::read::<Set>(ks, db, k, now_ms)?;
    }
    // Expired keys were deleted by the lookups above: the raw table now has only live ones.
    let table = ks.dbs[db].table();
    Ok(keys
        .iter()
        .map(|k| {
            table.get(k).and_then(|e| match e.value() {
                ValueRef::Obj(Object::Set(s)) => Some(s),
                _ => None,
            })
        })
        .collect())
}

/// SDIFF's "the first key appears again": the result is empty (Redis compares the
/// looked-up objects, i.e. the same key).
fn first_repeats(keys: &[Bytes], sets: &[Option<&Set>]) -> bool {
    sets.first().is_some_and(Option::is_some) && keys[1..].contains(&keys[0])
}

/// Calls `f` with each member common to all `sets`, walking the smallest one, until `f`
/// returns false. Nothing when a key is missing.
fn for_each_common<'a>(sets: &[Option<&'a Set>], mut f: impl FnMut(Elem<'a>) -> bool) {
    let Some(mut sets) = sets.iter().copied().collect::<Option<Vec<&Set>>>() else {
        return;
    };
    sets.sort_by_key(|s| s.len());
    let (first, rest) = sets.split_first().expect("at least one key");
    for e in first.iter() {
        if rest
            .iter()
            .all(|s| std::ptr::eq(*s, *first) || s.contains_elem(e))
            && !f(e)
        {
            return;
        }
    }
}

/// SUNION/SDIFF (and the stored SINTER) as a new set built like Redis's `dstset`.
fn build(op: Op, sets: &[Option<&Set>], first_repeats: bool, max_intset: usize) -> Set {
    let mut out = Set::new();
    match op {
        Op::Inter => for_each_common(sets, |e| {
            out.add_elem(e, max_intset);
            true
        }),
        Op::Union => {
            for s in sets.iter().flatten() {
                for e in s.iter() {
                    out.add_elem(e, max_intset);
                }
            }
        }
        Op::Diff => {
            let Some(first) = sets[0] else {
                return out;
            };
            if first_repeats {
                return out;
            }
            let present: Vec<&Set> = sets.iter().flatten().copied().collect();
            // Redis's choice: algorithm 1 (probe the others for each member of the first
            // set) unless adding everything and removing is less work.
            let algo_one_work = present.len() * first.len() / 2;
            let algo_two_work: usize = present.iter().map(|s| s.len()).sum();
            if algo_one_work <= algo_two_work {
                let mut others: Vec<&Set> = sets[1..].iter().flatten().copied().collect();
                // Largest first: duplicates are likelier found early.
                others.sort_by_key(|s| std::cmp::Reverse(s.len()));
                for e in first.iter() {
                    if !others.iter().any(|s| s.contains_elem(e)) {
                        out.add_elem(e, max_intset);
                    }
                }
            } else {
                for e in first.iter() {
                    out.add_elem(e, max_intset);
                }
                for s in &present[1..] {
                    if out.is_empty() {
                        break;
                    }
                    for e in s.iter() {
                        e.with_bytes(|m| out.remove(m));
                    }
                }
            }
        }
    }
    out
}

/// Writes the reply of SINTER/SUNION/SDIFF: a set (`~` in RESP3).
fn reply_op(out: &mut Reply, op: Op, sets: &[Option<&Set>], first_repeats: bool, max: usize) {
    if op == Op::Inter {
        let mut common = Vec::new();
        for_each_common(sets, |e| {
            common.push(e);
            true
        });
        return reply_set(out, common.len(), common.into_iter());
    }
    let r = build(op, sets, first_repeats, max);
    reply_set(out, r.len(), r.iter());
}

/// SINTERCARD's count, stopping at `limit` (0: no limit).
fn card(sets: &[Option<&Set>], limit: usize) -> usize {
    let mut n = 0;
    for_each_common(sets, |_| {
        n += 1;
        limit == 0 || n < limit
    });
    n
}

/// The shard form of all six commands.
fn run_op(ctx: &mut ExecCtx, a: &[Bytes], op: Op, store: bool) {
    let keys = if store { &a[2..] } else { &a[1..] };
    let (db, now, max) = (ctx.db, ctx.now_ms, ctx.ks.limits.set_max_intset_entries);
    let sets = match lookup(ctx.ks, db, keys, now) {
        Ok(s) => s,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let repeats = first_repeats(keys, &sets);
    if !store {
        return reply_op(&mut ctx.out, op, &sets, repeats, max);
    }
    let result = build(op, &sets, repeats, max);
    let n = result.len();
    typed::store(&mut ctx.ks.dbs[db], &a[1], now, result, n);
    ctx.out.int(n as i64);
}

/// The coordinator form: compute the result here from what the owner shards send,
/// reply it or store it at the destination's shard.
async fn run_op_across(c: &mut Client, a: Vec<Bytes>, op: Op, store: bool) {
    let shard = c.shard.clone();
    let db = c.db;
    let keys = if store { &a[2..] } else { &a[1..] };
    let max = gather::limits(&shard).set_max_intset_entries;
    let result = match op {
        Op::Inter => {
            let common = match inter_across(&shard, db, keys, 0).await {
                Ok(c) => c,
                Err(WrongType) => return c.reply().error(errors::WRONGTYPE),
            };
            if !store {
                let mut out = c.reply();
                out.set(common.len());
                return common.iter().for_each(|m| out.bulk(m));
            }
            let mut result = Set::new();
            for m in &common {
                result.add(m, max);
            }
            result
        }
        Op::Diff => match diff_across(&shard, db, keys, max).await {
            Ok(r) => r,
            Err(WrongType) => return c.reply().error(errors::WRONGTYPE),
        },
        Op::Union => {
            // Every member of every set is in the result: copy them all.
            let owned = match gather::fetch(&shard, db, keys, gather::copy_of::<Set>).await {
                Ok(s) => s,
                Err(WrongType) => return c.reply().error(errors::WRONGTYPE),
            };
            let sets: Vec<Option<&Set>> = owned.iter().map(Option::as_ref).collect();
            build(op, &sets, false, max)
        }
    };
    if !store {
        return reply_set(&mut c.reply(), result.len(), result.iter());
    }
    let n = result.len();
    c.multi.unchanged = !gather::store(&shard, db, a[1].clone(), result, n).await;
    c.reply().int(n as i64);
}

/// Which candidates a filtering shard keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Members of every one of its sets (a missing key keeps nothing): intersections.
    InAll,
    /// Members of none of its sets (a missing key is an empty set): differences.
    InNone,
}

/// Step 1 of the cross-shard intersection and difference: every owner shard type-checks
/// its keys and reports their sizes (None: missing), counting hits and misses as Redis's
/// lookups do.
async fn sizes_across(
    shard: &ShardCtx,
    db: usize,
    keys: &[Bytes],
) -> Result<Vec<Option<usize>>, WrongType> {
    let size_of: gather::Pick<usize> = |o| match o {
        Object::Set(s) => Some(s.len()),
        _ => None,
    };
    gather::fetch(shard, db, keys, size_of).await
}

/// Step 2: the members of the set at `key`, copied from its shard in its order (Redis
/// walks this set too, so replies come in Redis's order: ascending for an intset). Not
/// counted as a lookup (step 1 counted it).
async fn members_across(shard: &ShardCtx, db: usize, key: Bytes) -> Vec<Vec<u8>> {
    shard
        .run_on(key_shard(&key, shard.nshards), move |s: &ShardCtx| {
            let mut ks = s.keyspace.borrow_mut();
            match ks.dbs[db].get(&key, unix_ms()).map(|e| e.value()) {
                Some(ValueRef::Obj(Object::Set(set))) => set.iter().map(Elem::to_vec).collect(),
                _ => Vec::new(),
            }
        })
        .await
}

/// Step 3: the shards owning `keys` filter `candidates` (one message per shard, all in
/// flight at once); returns which candidates every shard kept.
async fn filter_across(
    shard: &ShardCtx,
    db: usize,
    candidates: &std::sync::Arc<Vec<Vec<u8>>>,
    keys: &[Bytes],
    keep: Keep,
) -> Vec<bool> {
    let mut parts: Vec<(usize, Vec<Bytes>)> = Vec::new();
    for k in keys {
        let owner = key_shard(k, shard.nshards);
        match parts.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, ks)) => ks.push(k.clone()),
            None => parts.push((owner, vec![k.clone()])),
        }
    }
    let calls = parts.into_iter().map(|(owner, mine)| {
        let candidates = candidates.clone();
        shard.run_on(owner, move |s: &ShardCtx| {
            let now = unix_ms();
            let mut ks = s.keyspace.borrow_mut();
            let d = &mut ks.dbs[db];
            let mut kept = vec![true; candidates.len()];
            for k in &mine {
                let Some(ValueRef::Obj(Object::Set(set))) = d.get(k, now).map(|e| e.value()) else {
                    if keep == Keep::InAll {
                        return vec![false; candidates.len()];
                    }
                    continue;
                };
                for (m, kept) in candidates.iter().zip(kept.iter_mut()) {
                    *kept = *kept && (set.contains(m) == (keep == Keep::InAll));
                }
            }
            kept
        })
    });
    let masks = gather::join_all(calls.collect()).await;
    (0..candidates.len())
        .map(|i| masks.iter().all(|m| m[i]))
        .collect()
}

/// The members common to the sets at `keys` (at most `limit` of them, 0: all), across
/// shards, copying only the smallest set: sizes, then the smallest set's members, then
/// the shards of the other keys filter them (under the command's locks: no set changes
/// between the steps).
async fn inter_across(
    shard: &ShardCtx,
    db: usize,
    keys: &[Bytes],
    limit: usize,
) -> Result<Vec<Vec<u8>>, WrongType> {
    let sizes = sizes_across(shard, db, keys).await?;
    let Some(sizes) = sizes.into_iter().collect::<Option<Vec<usize>>>() else {
        return Ok(Vec::new());
    };
    let smallest = (0..keys.len()).min_by_key(|&i| sizes[i]).expect("a key");
    let candidates = members_across(shard, db, keys[smallest].clone()).await;
    // A repeat of the smallest key keeps everything.
    let others: Vec<Bytes> = keys
        .iter()
        .filter(|k| **k != keys[smallest])
        .cloned()
        .collect();
    let candidates = std::sync::Arc::new(candidates);
    let kept = filter_across(shard, db, &candidates, &others, Keep::InAll).await;
    let limit = if limit == 0 { usize::MAX } else { limit };
    Ok(candidates
        .iter()
        .zip(kept)
        .filter(|(_, k)| *k)
        .map(|(m, _)| m.clone())
        .take(limit)
        .collect())
}

/// SDIFF across shards, copying only the first set: sizes, the first set's members, then
/// the shards of the other keys drop the ones they hold. The result is built as Redis's
/// chosen algorithm builds it (the choice shows in the encoding), from the sizes.
async fn diff_across(
    shard: &ShardCtx,
    db: usize,
    keys: &[Bytes],
    max_intset: usize,
) -> Result<Set, WrongType> {
    let sizes = sizes_across(shard, db, keys).await?;
    let mut out = Set::new();
    let Some(first_len) = sizes[0] else {
        return Ok(out);
    };
    if keys[1..].contains(&keys[0]) {
        return Ok(out);
    }
    let candidates = std::sync::Arc::new(members_across(shard, db, keys[0].clone()).await);
    let kept = filter_across(shard, db, &candidates, &keys[1..], Keep::InNone).await;
    let present = sizes.iter().flatten();
    let algo_one_work = present.clone().count() * first_len / 2;
    let algo_two_work: usize = present.sum();
    if algo_one_work <= algo_two_work {
        for (m, k) in candidates.iter().zip(&kept) {
            if *k {
                out.add(m, max_intset);
            }
        }
    } else {
        // Algorithm 2: add the whole first set, then remove what the others hold.
        for m in candidates.iter() {
            out.add(m, max_intset);
        }
        for (m, k) in candidates.iter().zip(&kept) {
            if !*k {
                out.remove(m);
            }
        }
    }
    Ok(out)
}

pub(super) fn sinter(ctx: &mut ExecCtx, a: &[Bytes]) {
    run_op(ctx, a, Op::Inter, false)
}
pub(super) fn sunion(ctx: &mut ExecCtx, a: &[Bytes]) {
    run_op(ctx, a, Op::Union, false)
}
pub(super) fn sdiff(ctx: &mut ExecCtx, a: &[Bytes]) {
    run_op(ctx, a, Op::Diff, false)
}
pub(super) fn sinterstore(ctx: &mut ExecCtx, a: &[Bytes]) {
    run_op(ctx, a, Op::Inter, true)
}
pub(super) fn sunionstore(ctx: &mut ExecCtx, a: &[Bytes]) {
    run_op(ctx, a, Op::Union, true)
}
pub(super) fn sdiffstore(ctx: &mut ExecCtx, a: &[Bytes]) {
    run_op(ctx, a, Op::Diff, true)
}
pub(super) fn sinter_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(run_op_across(c, a, Op::Inter, false))
}
pub(super) fn sunion_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(run_op_across(c, a, Op::Union, false))
}
pub(super) fn sdiff_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(run_op_across(c, a, Op::Diff, false))
}
pub(super) fn sinterstore_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(run_op_across(c, a, Op::Inter, true))
}
pub(super) fn sunionstore_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(run_op_across(c, a, Op::Union, true))
}
pub(super) fn sdiffstore_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(run_op_across(c, a, Op::Diff, true))
}

const NUMKEYS: &str = "ERR numkeys should be greater than 0";
const TOO_MANY_KEYS: &str = "ERR Number of keys can't be greater than number of args";
const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

/// SINTERCARD's arguments: the number of keys and the LIMIT (0: none), checked in
/// Redis's order.
fn parse_sintercard(a: &[Bytes]) -> Result<(usize, usize), &'static str> {
    let numkeys = match args::int(&a[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(NUMKEYS),
    };
    if numkeys > (a.len() - 2) as u64 {
        return Err(TOO_MANY_KEYS);
    }
    let numkeys = numkeys as usize;
    let mut limit = 0;
    let mut i = 2 + numkeys;
    while i < a.len() {
        if args::eq(&a[i], "limit") && i + 1 < a.len() {
            limit = match args::int(&a[i + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(LIMIT_NEGATIVE),
            };
            i += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok((numkeys, limit))
}

/// SINTERCARD runs at the coordinator (its keys follow a count, which routing by key
/// position cannot see): on the keys' shard when they are together, else from copies.
pub(super) fn sintercard(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let (numkeys, limit) = match parse_sintercard(&a) {
            Ok(p) => p,
            Err(e) => return c.reply().error(e),
        };
        let keys: Vec<Bytes> = a[2..2 + numkeys].to_vec();
        let shard = c.shard.clone();
        let db = c.db;
        let n = match gather::one_shard(shard.nshards, &keys) {
            Some(owner) => {
                shard
                    .run_on(owner, move |s: &ShardCtx| {
                        let mut ks = s.keyspace.borrow_mut();
                        lookup(&mut ks, db, &keys, unix_ms()).map(|sets| card(&sets, limit))
                    })
                    .await
            }
            None => inter_across(&shard, db, &keys, limit)
                .await
                .map(|common| common.len()),
        };
        match n {
            Ok(n) => c.reply().int(n as i64),
            Err(WrongType) => c.reply().error(errors::WRONGTYPE),
        }
    })
}

/// SMOVE with both keys on this shard (`smoveCommand`).
pub(super) fn smove(ctx: &mut ExecCtx, a: &[Bytes]) {
    let (src, dst, m) = (&a[1], &a[2], &a[3]);
    let (now, max) = (ctx.now_ms, ctx.ks.limits.set_max_intset_entries);
    let d = ctx.db();
    // Redis answers 0 for a missing source before checking either type.
    match typed::peek::<Set>(d, src, now) {
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(Some(_)) => {}
    }
    if typed::peek::<Set>(d, dst, now).is_err() {
        return ctx.out.error(errors::WRONGTYPE);
    }
    if src == dst {
        let member =
            typed::peek::<Set>(d, src, now).is_ok_and(|s| s.is_some_and(|s| s.contains(m)));
        return ctx.out.int(member as i64);
    }
    if !remove_member(d, src, m, now) {
        return ctx.out.int(0);
    }
    typed::write_or_create(d, dst, now, Set::new)
        .expect("type checked above")
        .add(m, max);
    ctx.out.int(1);
}

/// Removes `m` from the set at `key` (deleting the key when it empties); whether it was
/// there.
fn remove_member(d: &mut crate::storage::Db, key: &[u8], m: &[u8], now: u64) -> bool {
    let Ok(Some(mut set)) = typed::write::<Set>(d, key, now) else {
        return false;
    };
    if !set.remove(m) {
        return false;
    }
    let empty = set.is_empty();
    drop(set);
    if empty {
        typed::delete(d, key, now);
    }
    true
}

/// What SMOVE's source shard did.
enum Taken {
    Zero,
    WrongType,
    Removed,
}

fn is_set(o: &Object) -> bool {
    matches!(o, Object::Set(_))
}

/// SMOVE with the keys on two shards: check the destination's type, then (on the
/// source's shard) check the source and remove the member, then add it at the
/// destination, all under the command's locks on both keys. Should the destination still
/// refuse the member, it goes back to the source and the reply is WRONGTYPE.
pub(super) fn smove_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let shard = c.shard.clone();
        let db = c.db;
        let (src, dst, m) = (a[1].clone(), a[2].clone(), a[3].clone());
        let dst_ok = gather::check_types(&shard, db, std::slice::from_ref(&dst), is_set)
            .await
            .is_ok();
        let (src2, m2) = (src.clone(), m.clone());
        let taken = shard
            .run_on(key_shard(&src, shard.nshards), move |s: &ShardCtx| {
                let now = unix_ms();
                let d = &mut s.keyspace.borrow_mut().dbs[db];
                match typed::peek::<Set>(d, &src2, now).map(|s| s.is_some()) {
                    Ok(false) => Taken::Zero,
                    Err(WrongType) => Taken::WrongType,
                    Ok(true) if !dst_ok => Taken::WrongType,
                    Ok(true) if remove_member(d, &src2, &m2, now) => Taken::Removed,
                    Ok(true) => Taken::Zero,
                }
            })
            .await;
        match taken {
            Taken::Zero => return c.reply().int(0),
            Taken::WrongType => return c.reply().error(errors::WRONGTYPE),
            Taken::Removed => {}
        }
        let m2 = m.clone();
        let added = shard
            .run_on(key_shard(&dst, shard.nshards), move |s: &ShardCtx| {
                let max = s.config().encoding.set_max_intset_entries;
                let mut ks = s.keyspace.borrow_mut();
                let d = &mut ks.dbs[db];
                typed::write_or_create(d, &dst, unix_ms(), Set::new).map(|mut set| {
                    set.add(&m2, max);
                })
            })
            .await;
        if added.is_ok() {
            return c.reply().int(1);
        }
        shard
            .run_on(key_shard(&src, shard.nshards), move |s: &ShardCtx| {
                let max = s.config().encoding.set_max_intset_entries;
                let mut ks = s.keyspace.borrow_mut();
                let d = &mut ks.dbs[db];
                if let Ok(mut set) = typed::write_or_create(d, &src, unix_ms(), Set::new) {
                    set.add(&m, max);
                };
            })
            .await;
        c.reply().error(errors::WRONGTYPE);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    fn set_of(members: &[&str], max: usize) -> Set {
        let mut s = Set::new();
        for m in members {
            s.add(m.as_bytes(), max);
        }
        s
    }

    fn sorted(s: &Set) -> Vec<String> {
        let mut v: Vec<String> = s
            .iter()
            .map(|e| String::from_utf8(e.to_vec()).unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn operations() {
        let a = set_of(&["1", "2", "3", "x"], 512);
        let b = set_of(&["2", "3", "4"], 512);
        let sets = [Some(&a), Some(&b)];
        assert_eq!(sorted(&build(Op::Inter, &sets, false, 512)), ["2", "3"]);
        assert_eq!(
            build(Op::Inter, &sets, false, 512).encoding_name(),
            "intset"
        );
        assert_eq!(sorted(&build(Op::Union, &sets, false, 512)).len(), 5);
        assert_eq!(sorted(&build(Op::Diff, &sets, false, 512)), ["1", "x"]);
        assert_eq!(card(&sets, 0), 2);
        assert_eq!(card(&sets, 1), 1);
        assert_eq!(card(&[Some(&a), None], 0), 0);
        assert!(build(Op::Diff, &[None, Some(&b)], false, 512).is_empty());
        assert!(build(Op::Diff, &sets, true, 512).is_empty());
    }

    #[test]
    fn diff_encoding_follows_redis_algorithm() {
        let all: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let a = set_of(&all, 512);
        let rs: Vec<Set> = all[..12].chunks(3).map(|c| set_of(c, 512)).collect();
        let mut sets = vec![Some(&a)];
        sets.extend(rs.iter().map(Some));
        // Many small sets: algorithm 2 (add all, then remove) passes the limit of 10.
        let r = build(Op::Diff, &sets, false, 10);
        assert_eq!((r.len(), r.encoding_name()), (8, "hashtable"));
        // Two sets: algorithm 1 only adds the 8 survivors.
        let r12 = set_of(&all[..12], 512);
        let r = build(Op::Diff, &[Some(&a), Some(&r12)], false, 10);
        assert_eq!((r.len(), r.encoding_name()), (8, "intset"));
    }

    #[test]
    fn sintercard_args() {
        let p = |w: &[&str]| parse_sintercard(&words(w));
        assert_eq!(p(&["sintercard", "2", "a", "b"]), Ok((2, 0)));
        assert_eq!(p(&["sintercard", "1", "a", "LIMIT", "3"]), Ok((1, 3)));
        assert_eq!(p(&["sintercard", "0", "a"]), Err(NUMKEYS));
        assert_eq!(p(&["sintercard", "x", "a"]), Err(NUMKEYS));
        assert_eq!(p(&["sintercard", "3", "a", "b"]), Err(TOO_MANY_KEYS));
        assert_eq!(
            p(&["sintercard", "1", "a", "limit", "-1"]),
            Err(LIMIT_NEGATIVE)
        );
        assert_eq!(p(&["sintercard", "1", "a", "limit"]), Err(errors::SYNTAX));
        assert_eq!(p(&["sintercard", "1", "a", "b"]), Err(errors::SYNTAX));
    }
}
