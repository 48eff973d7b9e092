//! Sorted-set commands over several keys: ZUNION, ZINTER, ZDIFF (and their STORE forms),
//! ZINTERCARD, ZMPOP, and ZRANGESTORE across shards.
//!
//! ZMPOP and the ZUNION family name their keys after `numkeys` (Redis's movablekeys), so
//! the table runs them here, at the coordinator: when every key is on one shard the shard
//! function runs there (one message, atomic); otherwise the coordinator copies the sources
//! from their owners ([`gather::fetch`], one message per shard), computes, and stores at the
//! destination's owner ([`gather::store`]). ZMPOP across shards tries the keys in order,
//! one message each, until one pops. The cross-shard paths run under the dispatcher's
//! [`crate::server::txn`] locks on every key: nothing else writes them meanwhile.
//!
//! Sources may be sorted sets or sets (every set member scores 1), as in `t_zset.c`.

use std::borrow::Cow;

use ahash::{AHashMap, AHashSet};
use bytes::{Bytes, BytesMut};

use super::propagate::Prop;
use super::zset::{pair, parse_mpop, pop_from, PopFrom, PopShape};
use super::zset_range::parse_score;
use super::zset_range::{parse_rangestore, rangestore_pairs, rangestore_set};
use super::{args, errors, gather, typed, CoordFn, ExecCtx, ShardFn};
use crate::protocol::Reply;
use crate::server::client::Client;
use crate::server::shard::unix_ms;
use crate::server::slot::key_shard;
use crate::storage::set::Set;
use crate::storage::zset::ZSet;
use crate::storage::{Keyspace, Object, ValueRef};

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// One source: a sorted set, a set's members, or nothing.
pub(super) enum Input<'a> {
    Missing,
    Z(Cow<'a, ZSet>),
    Set(AHashSet<Vec<u8>>),
}

impl Input<'_> {
    fn len(&self) -> usize {
        match self {
            Input::Missing => 0,
            Input::Z(z) => z.len(),
            Input::Set(s) => s.len(),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Input::Missing => {}
            Input::Z(z) => z.for_each(f),
            Input::Set(s) => s.iter().for_each(|m| f(m, 1.0)),
        }
    }

    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Input::Missing => None,
            Input::Z(z) => z.score(m),
            Input::Set(s) => s.contains(m).then_some(1.0),
        }
    }
}

fn set_members(s: &Set) -> AHashSet<Vec<u8>> {
    let mut all = AHashSet::with_capacity(s.len());
    s.for_each(|m| {
        all.insert(m.to_vec());
    });
    all
}

/// The copy of a source the coordinator takes from its shard ([`gather::fetch`]).
fn pick_source(o: &Object) -> Option<Input<'static>> {
    match o {
        Object::ZSet(z) => Some(Input::Z(Cow::Owned(z.clone()))),
        Object::Set(s) => Some(Input::Set(set_members(s))),
        _ => None,
    }
}

/// The sources of a command on this shard, borrowed where they are sorted sets. Stops
/// at the first key of another type, as Redis does.
fn gather<'a>(
    ks: &'a mut Keyspace,
    db: usize,
    keys: &[Bytes],
    now: u64,
) -> Result<Vec<Input<'a>>, typed::WrongType> {
    for key in keys {
        let kind = match ks.dbs[db].get(key, now).map(|e| e.value()) {
            None => None,
            Some(ValueRef::Obj(Object::ZSet(_) | Object::Set(_))) => Some(true),
            Some(_) => Some(false),
        };
        match kind {
            None => ks.misses += 1,
            Some(ok) => {
                ks.hits += 1;
                if !ok {
                    return Err(typed::WrongType);
                }
            }
        }
    }
    let d = &ks.dbs[db];
    Ok(keys
        .iter()
        .map(|k| {
            match d
                .table()
                .get(k)
                .filter(|e| !d.is_gone(e, now))
                .map(|e| e.value())
            {
                Some(ValueRef::Obj(Object::ZSet(z))) => Input::Z(Cow::Borrowed(z)),
                Some(ValueRef::Obj(Object::Set(s))) => Input::Set(set_members(s)),
                _ => Input::Missing,
            }
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Union,
    Inter,
    Diff,
    InterCard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agg {
    Sum,
    Min,
    Max,
}

/// `zunionInterAggregate`: a SUM of +inf and -inf is 0; MIN/MAX keep the target when the
/// comparison is false (NaN).
fn aggregate(target: &mut f64, v: f64, agg: Agg) {
    match agg {
        Agg::Sum => {
            *target += v;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Agg::Min => {
            if v < *target {
                *target = v
            }
        }
        Agg::Max => {
            if v > *target {
                *target = v
            }
        }
    }
}

/// A parsed ZUNION-family request (everything but the sources' values).
#[derive(Debug, Clone)]
pub(super) struct SetOp {
    op: Op,
    dst: Option<Bytes>,
    name: &'static str,
    numkeys_at: usize,
}

impl SetOp {
    /// Step 1 (`numkeys`, before any lookup): the source keys.
    fn keys(&self, a: &[Bytes]) -> Result<Vec<Bytes>, String> {
        let n = args::int(&a[self.numkeys_at]).ok_or(errors::NOT_INTEGER)?;
        if n < 1 {
            return Err(format!(
                "ERR at least 1 input key is needed for '{}' command",
                self.name
            ));
        }
        if n as u64 > (a.len() - self.numkeys_at - 1) as u64 {
            return Err(errors::SYNTAX.into());
        }
        Ok(a[self.numkeys_at + 1..self.numkeys_at + 1 + n as usize].to_vec())
    }
}

#[derive(Debug, Clone)]
struct Opts {
    weights: Vec<f64>,
    agg: Agg,
    withscores: bool,
    limit: usize,
}

/// Step 3 (after the lookups): the options after the keys.
fn parse_opts(sop: &SetOp, a: &[Bytes], nkeys: usize) -> Result<Opts, &'static str> {
    let mut o = Opts {
        weights: vec![1.0; nkeys],
        agg: Agg::Sum,
        withscores: false,
        limit: 0,
    };
    let scoring = matches!(sop.op, Op::Union | Op::Inter);
    let mut j = sop.numkeys_at + 1 + nkeys;
    while j < a.len() {
        let left = a.len() - j;
        if scoring && left > nkeys && args::eq(&a[j], "weights") {
            for w in o.weights.iter_mut() {
                j += 1;
                *w = parse_score(&a[j]).ok_or("ERR weight value is not a float")?;
            }
            j += 1;
        } else if scoring && left >= 2 && args::eq(&a[j], "aggregate") {
            let v = &a[j + 1];
            o.agg = if args::eq(v, "sum") {
                Agg::Sum
            } else if args::eq(v, "min") {
                Agg::Min
            } else if args::eq(v, "max") {
                Agg::Max
            } else {
                return Err(errors::SYNTAX);
            };
            j += 2;
        } else if sop.op != Op::InterCard && sop.dst.is_none() && args::eq(&a[j], "withscores") {
            o.withscores = true;
            j += 1;
        } else if sop.op == Op::InterCard && left >= 2 && args::eq(&a[j], "limit") {
            match args::int(&a[j + 1]) {
                Some(n) if n >= 0 => o.limit = n as usize,
                _ => return Err("ERR LIMIT can't be negative"),
            }
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok(o)
}

/// What a set operation produced.
enum Outcome {
    Pairs(Vec<(Vec<u8>, f64)>),
    Card(usize),
}

fn compute(op: Op, srcs: &[Input], o: &Opts) -> Outcome {
    // Union and intersection walk the sources smallest first (a stable sort, as glibc's
    // qsort is a merge sort for these sizes).
    let mut order: Vec<usize> = (0..srcs.len()).collect();
    if op != Op::Diff {
        order.sort_by_key(|&i| srcs[i].len());
    }
    let mut out = Vec::new();
    match op {
        Op::Inter | Op::InterCard => {
            let first = order[0];
            if srcs[first].len() == 0 {
                return if op == Op::InterCard {
                    Outcome::Card(0)
                } else {
                    Outcome::Pairs(out)
                };
            }
            let mut card = 0;
            let mut stop = false;
            srcs[first].for_each(|m, s| {
                if stop {
                    return;
                }
                let mut score = o.weights[first] * s;
                if score.is_nan() {
                    score = 0.0;
                }
                for &j in &order[1..] {
                    match srcs[j].score(m) {
                        Some(v) => aggregate(&mut score, v * o.weights[j], o.agg),
                        None => return,
                    }
                }
                if op == Op::InterCard {
                    card += 1;
                    stop = o.limit != 0 && card >= o.limit;
                } else {
                    out.push((m.to_vec(), score));
                }
            });
            if op == Op::InterCard {
                return Outcome::Card(card);
            }
        }
        Op::Union => {
            let mut acc: AHashMap<Vec<u8>, f64> = AHashMap::new();
            for &i in &order {
                srcs[i].for_each(|m, s| {
                    let mut score = o.weights[i] * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, o.agg),
                        None => {
                            acc.insert(m.to_vec(), score);
                        }
                    }
                });
            }
            out = acc.into_iter().collect();
        }
        Op::Diff => {
            srcs[0].for_each(|m, s| {
                if srcs[1..].iter().all(|x| x.score(m).is_none()) {
                    out.push((m.to_vec(), s));
                }
            });
        }
    }
    Outcome::Pairs(out)
}

type Pairs = Vec<(Vec<u8>, f64)>;

/// Writes the reply, handing the result to `store` when the command stores it.
fn finish(out: &mut Reply, sop: &SetOp, o: &Opts, result: Outcome, store: impl FnOnce(Pairs)) {
    match result {
        Outcome::Card(n) => out.int(n as i64),
        Outcome::Pairs(pairs) if sop.dst.is_some() => {
            out.int(pairs.len() as i64);
            store(pairs);
        }
        Outcome::Pairs(mut pairs) => {
            pairs.sort_by(|a, b| {
                a.1.partial_cmp(&b.1)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then_with(|| a.0.cmp(&b.0))
            });
            let nested = o.withscores && out.resp3;
            out.array(if o.withscores && !out.resp3 {
                2 * pairs.len()
            } else {
                pairs.len()
            });
            for (m, s) in &pairs {
                if o.withscores {
                    pair(out, m, *s, nested)
                } else {
                    out.bulk(m)
                }
            }
        }
    }
}

fn setop_shard(ctx: &mut ExecCtx, a: &[Bytes], sop: SetOp) {
    let keys = match sop.keys(a) {
        Ok(k) => k,
        Err(e) => return ctx.out.error(&e),
    };
    let now = ctx.now_ms;
    let limits = ctx.ks.limits;
    let result = {
        let srcs = match gather(ctx.ks, ctx.db, &keys, now) {
            Ok(s) => s,
            Err(typed::WrongType) => return ctx.out.error(errors::WRONGTYPE),
        };
        let o = match parse_opts(&sop, a, keys.len()) {
            Ok(o) => o,
            Err(e) => return ctx.out.error(e),
        };
        (compute(sop.op, &srcs, &o), o)
    };
    let (result, o) = result;
    let mut stored = None;
    finish(&mut ctx.out, &sop, &o, result, |p| stored = Some(p));
    if let (Some(pairs), Some(dst)) = (stored, &sop.dst) {
        let n = pairs.len();
        typed::store(ctx.db(), dst, now, ZSet::from_pairs(pairs, &limits), n);
    }
}

const fn setop(op: Op, name: &'static str, store: bool) -> SetOp {
    SetOp {
        op,
        dst: None,
        name,
        numkeys_at: if store { 2 } else { 1 },
    }
}

fn setop_of(a: &[Bytes], base: SetOp) -> SetOp {
    let dst = (base.numkeys_at == 2).then(|| a[1].clone());
    SetOp { dst, ..base }
}

macro_rules! setop_commands {
    ($($shard:ident, $coord:ident, $CONST:ident, $op:expr, $name:literal, $store:literal;)*) => {
        $(
            /// The shard function (every key on this shard).
            pub fn $shard(ctx: &mut ExecCtx, a: &[Bytes]) {
                setop_shard(ctx, a, setop_of(a, setop($op, $name, $store)))
            }
            fn $coord(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
                Box::pin(setop_coord(c, a, setop($op, $name, $store), $shard))
            }
            pub const $CONST: CoordFn = $coord;
        )*
    };
}

setop_commands! {
    zunion, zunion_coord, ZUNION, Op::Union, "zunion", false;
    zinter, zinter_coord, ZINTER, Op::Inter, "zinter", false;
    zdiff, zdiff_coord, ZDIFF, Op::Diff, "zdiff", false;
    zintercard, zintercard_coord, ZINTERCARD, Op::InterCard, "zintercard", false;
    zunionstore, zunionstore_coord, ZUNIONSTORE, Op::Union, "zunionstore", true;
    zinterstore, zinterstore_coord, ZINTERSTORE, Op::Inter, "zinterstore", true;
    zdiffstore, zdiffstore_coord, ZDIFFSTORE, Op::Diff, "zdiffstore", true;
}

/// Runs a shard function on `shard` with this connection's db and protocol, and writes
/// its reply.
async fn exec_on(c: &mut Client, shard: usize, f: ShardFn, a: Vec<Bytes>) {
    let (db, resp3) = (c.db, c.resp3);
    let (bytes, changed) = c
        .shard
        .run_on(shard, move |s| {
            let mut buf = BytesMut::new();
            let mut ks = s.keyspace.borrow_mut();
            ks.limits = s.config().encoding;
            let mut prop = Default::default();
            let mut ctx = ExecCtx {
                ks: &mut ks,
                db,
                now_ms: unix_ms(),
                out: Reply::new(&mut buf, resp3),
                prop: &mut prop,
            };
            let before = ctx.ks.dbs[db].changes;
            f(&mut ctx, &a);
            let changed = ks.dbs[db].changes != before;
            drop(ks);
            log_rewritten(s, db, &prop);
            (buf, changed)
        })
        .await;
    // A STORE run whole on one shard that changed nothing is not propagated.
    c.multi.unchanged = !changed;
    c.reply().raw(&bytes);
}

/// Logs the record a shard function run outside the dispatcher rewrote itself to
/// (ZMPOP's ZPOPMIN/ZPOPMAX key count), on its shard, while the coordinator holds the
/// keys' locks. The dispatcher does not log ZMPOP; the STORE commands (not rewritten) it
/// logs verbatim.
fn log_rewritten(s: &crate::server::shard::ShardCtx, db: usize, prop: &Prop) {
    if prop.is_rewritten() {
        let mut ops = crate::commands::propagate::Ops::default();
        prop.push_own(&mut ops, db, &[b""]);
        s.append_ops(&ops);
    }
}

/// The shard owning all of `keys`, if one does.
fn common_shard(c: &Client, keys: &[Bytes]) -> Option<usize> {
    let n = c.shard.nshards;
    let first = keys.first().map_or(c.shard.id, |k| key_shard(k, n));
    keys.iter()
        .all(|k| key_shard(k, n) == first)
        .then_some(first)
}

async fn setop_coord(c: &mut Client, a: Vec<Bytes>, base: SetOp, f: ShardFn) {
    let sop = setop_of(&a, base);
    let mut keys = match sop.keys(&a) {
        Ok(k) => k,
        // The shard function reports the error.
        Err(_) => return exec_on(c, c.shard.id, f, a).await,
    };
    let sources = keys.clone();
    keys.extend(sop.dst.iter().cloned());
    if let Some(shard) = common_shard(c, &keys) {
        return exec_on(c, shard, f, a).await;
    }
    let fetched = match gather::fetch(&c.shard, c.db, &sources, pick_source).await {
        Ok(f) => f,
        Err(typed::WrongType) => return c.reply().error(errors::WRONGTYPE),
    };
    let o = match parse_opts(&sop, &a, sources.len()) {
        Ok(o) => o,
        Err(e) => return c.reply().error(e),
    };
    let srcs: Vec<Input> = fetched
        .into_iter()
        .map(|f| f.unwrap_or(Input::Missing))
        .collect();
    let result = compute(sop.op, &srcs, &o);
    let mut stored = None;
    finish(&mut c.reply(), &sop, &o, result, |p| stored = Some(p));
    if let (Some(pairs), Some(dst)) = (stored, sop.dst.clone()) {
        store_at(c, dst, pairs).await;
    }
}

/// Stores computed pairs at `dst` on its shard (deleting it when there are none), in the
/// encoding their size calls for (`zsetConvertToListpackIfNeeded`).
async fn store_at(c: &mut Client, dst: Bytes, pairs: Pairs) {
    let n = pairs.len();
    let z = ZSet::from_pairs(pairs, &gather::limits(&c.shard));
    c.multi.unchanged = !gather::store(&c.shard, c.db, dst, z, n).await;
}

pub const ZRANGESTORE_ACROSS: CoordFn = zrangestore_coord;

fn zrangestore_coord(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let q = match parse_rangestore(&a) {
            Ok(q) => q,
            Err(e) => return c.reply().error(e),
        };
        let (db, src, query) = (c.db, a[2].clone(), q.clone());
        // The range is taken on the source's shard; only the selected pairs travel.
        let got = c
            .shard
            .run_on(key_shard(&src, c.shard.nshards), move |s| {
                let mut ks = s.keyspace.borrow_mut();
                match typed::read::<ZSet>(&mut ks, db, &src, unix_ms()) {
                    Ok(Some(z)) => Ok(Some(rangestore_pairs(z, &query))),
                    Ok(None) => Ok(None),
                    Err(_) => Err(()),
                }
            })
            .await;
        let pairs = match got {
            Err(()) => return c.reply().error(errors::WRONGTYPE),
            Ok(p) => p.unwrap_or_default(),
        };
        let n = pairs.len();
        let z = rangestore_set(pairs, &q, &gather::limits(&c.shard));
        c.multi.unchanged = !gather::store(&c.shard, c.db, a[1].clone(), z, n).await;
        c.reply().int(n as i64);
    })
}

pub const ZMPOP: CoordFn = zmpop_coord;

fn zmpop_coord(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let p = match parse_mpop(&a, 1) {
            Ok(p) => p,
            Err(e) => return c.reply().error(e),
        };
        if let Some(shard) = common_shard(c, &p.keys) {
            return exec_on(c, shard, super::zset::zmpop, a).await;
        }
        let (db, resp3, n) = (c.db, c.resp3, c.shard.nshards);
        for key in p.keys {
            let (greatest, count) = (p.greatest, p.count);
            let (outcome, bytes) = c
                .shard
                .run_on(key_shard(&key, n), move |s| {
                    let mut buf = BytesMut::new();
                    let mut ks = s.keyspace.borrow_mut();
                    let mut prop = Default::default();
                    let mut ctx = ExecCtx {
                        ks: &mut ks,
                        db,
                        now_ms: unix_ms(),
                        out: Reply::new(&mut buf, resp3),
                        prop: &mut prop,
                    };
                    let outcome =
                        pop_from(&mut ctx, &key, greatest, count, PopShape::NestedWithKey);
                    drop(ks);
                    log_rewritten(s, db, &prop);
                    (outcome, buf)
                })
                .await;
            match outcome {
                PopFrom::Missing => continue,
                PopFrom::WrongType => return c.reply().error(errors::WRONGTYPE),
                PopFrom::Popped => return c.reply().raw(&bytes),
            }
        }
        c.reply().null_array();
    })
}
