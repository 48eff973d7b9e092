//! String commands (`t_string.c`): GET, SET and its variants, GETEX, GETDEL, MGET, MSET,
//! MSETNX, APPEND, STRLEN, GETRANGE, SETRANGE. The counters (INCR family) are in
//! [`super::strings_num`], LCS in [`super::strings_lcs`].
//!
//! Every command here runs on the shard that owns its key, except MGET/MSET (split per
//! shard) and MSETNX (all-or-nothing, so a coordinator step when its keys span shards).

use super::spec;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::flag::*;
use super::strings_num as num;
use super::{args, errors, strings_lcs, Combine, CommandSpec, ExecCtx, KeyRange};
use super::{CoordFn, Run};
use crate::server::client::Client;
use crate::server::shard::unix_ms;
use crate::server::slot::key_shard;
use crate::storage::{Entry, Keyspace, NewValue, Object, ValueRef};

/// `proto-max-bulk-len`'s default: APPEND and SETRANGE refuse to grow a string past it.
/// (Shard commands do not see the live config yet.)
pub const MAX_STRING_BYTES: u64 = 512 << 20;

const PAIRS: KeyRange = KeyRange {
    first: 1,
    last: -1,
    step: 2,
};

/// Flag sets of this family.
const RF: u32 = READONLY | FAST;
const WD: u32 = WRITE | DENYOOM;
const WDF: u32 = WRITE | DENYOOM | FAST;
const ONE: KeyRange = KeyRange::ONE;

pub static COMMANDS: &[CommandSpec] = &[
    spec("get", 2, RF, ONE, Run::Shard(get)),
    spec("set", -3, WD, ONE, Run::Shard(set)),
    spec("setnx", 3, WDF, ONE, Run::Shard(setnx)),
    spec("setex", 4, WD, ONE, Run::Shard(setex)),
    spec("psetex", 4, WD, ONE, Run::Shard(psetex)),
    spec("getset", 3, WDF, ONE, Run::Shard(getset)),
    spec("getdel", 2, WRITE | FAST, ONE, Run::Shard(getdel)),
    spec("getex", -2, WRITE | FAST, ONE, Run::Shard(getex)),
    spec(
        "mget",
        -2,
        RF,
        KeyRange::ALL,
        Run::Split(mget, Combine::ArrayInKeyOrder),
    ),
    spec("mset", -3, WD, PAIRS, Run::Split(mset, Combine::AllOk)),
    spec("msetnx", -3, WD, PAIRS, Run::ShardOr(msetnx, MSETNX_ACROSS)),
    spec("append", 3, WDF, ONE, Run::Shard(append)),
    spec("strlen", 2, RF, ONE, Run::Shard(strlen)),
    spec("getrange", 4, READONLY, ONE, Run::Shard(getrange)),
    spec("substr", 4, READONLY, ONE, Run::Shard(getrange)),
    spec("setrange", 4, WD, ONE, Run::Shard(setrange)),
    spec("incr", 2, WDF, ONE, Run::Shard(num::incr)),
    spec("decr", 2, WDF, ONE, Run::Shard(num::decr)),
    spec("incrby", 3, WDF, ONE, Run::Shard(num::incrby)),
    spec("decrby", 3, WDF, ONE, Run::Shard(num::decrby)),
    spec("incrbyfloat", 3, WDF, ONE, Run::Shard(num::incrbyfloat)),
    spec(
        "lcs",
        -3,
        READONLY,
        KeyRange::FIRST_TWO,
        Run::ShardOr(strings_lcs::lcs, strings_lcs::LCS_ACROSS),
    ),
];

/// What a string read finds: Redis's `lookupKeyRead` followed by `checkType`.
pub enum Found<'a> {
    Missing,
    Str(&'a [u8]),
    WrongType,
}

/// Looks `key` up for reading, counting a keyspace hit or miss as Redis does.
pub fn lookup_read<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8], now_ms: u64) -> Found<'a> {
    match ks.dbs[db].get(key, now_ms) {
        None => {
            ks.misses += 1;
            Found::Missing
        }
        Some(e) => {
            ks.hits += 1;
            match e.as_str() {
                Some(s) => Found::Str(s),
                None => Found::WrongType,
            }
        }
    }
}

/// Redis's `getGenericCommand`: replies the value, nil, or WRONGTYPE. Returns false on
/// WRONGTYPE (the caller stops there).
fn reply_get(ctx: &mut ExecCtx, key: &[u8]) -> bool {
    match lookup_read(ctx.ks, ctx.db, key, ctx.now_ms) {
        Found::Missing => ctx.out.null(),
        Found::Str(s) => ctx.out.bulk(s),
        Found::WrongType => {
            ctx.out.error(errors::WRONGTYPE);
            return false;
        }
    }
    true
}

/// The string's bytes, made growable in place: an inline string moves into an
/// `Object::Str` (keeping its TTL), so later APPEND/SETRANGE calls are amortized.
/// The entry must hold a string.
pub fn grown_str(e: &mut Entry) -> &mut Vec<u8> {
    if matches!(e.value(), ValueRef::Str(_)) {
        let v = e.as_str().unwrap_or_default().to_vec();
        let ttl = e.expire_at_ms();
        e.replace(NewValue::Obj(Box::new(Object::Str(Box::new(v)))), ttl);
    }
    match e.object_mut() {
        Some(Object::Str(v)) => v,
        _ => unreachable!("grown_str on a non-string entry"),
    }
}

fn get(ctx: &mut ExecCtx, a: &[Bytes]) {
    reply_get(ctx, &a[1]);
}

/// How an expiry argument is given (EX, PX, EXAT, PXAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireUnit {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// The options SET and GETEX share (`parseExtendedStringArgumentsOrReply`), parsed.
/// The expiry's number is kept raw: Redis validates it only after the whole option list
/// parsed (a syntax error later in the list wins), and GETEX only once the key exists.
#[derive(Debug, Default, PartialEq)]
pub struct ExtArgs<'a> {
    pub nx: bool,
    pub xx: bool,
    pub get: bool,
    pub keepttl: bool,
    pub persist: bool,
    pub expire: Option<(ExpireUnit, &'a [u8])>,
}

/// Which command's option set [`parse_ext_args`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtFor {
    Set,
    GetEx,
}

/// Parses SET's (NX XX GET KEEPTTL EX PX EXAT PXAT) or GETEX's (PERSIST EX PX EXAT PXAT)
/// options with Redis 7.0's rules: each expiry form excludes the *other* forms (repeating
/// the same one is allowed, the last wins), KEEPTTL and PERSIST exclude every expiry, NX
/// and XX exclude each other, and an expiry word with nothing after it is a syntax error.
pub fn parse_ext_args(opts: &[Bytes], which: ExtFor) -> Result<ExtArgs<'_>, &'static str> {
    let set = which == ExtFor::Set;
    let mut s = ExtArgs::default();
    let mut i = 0;
    while i < opts.len() {
        let o = &opts[i][..];
        let next = opts.get(i + 1);
        let unit = s.expire.map(|(u, _)| u);
        let expire_ok = |u: ExpireUnit| {
            !s.keepttl && !s.persist && unit.is_none_or(|have| have == u) && next.is_some()
        };
        let word_unit = if args::eq(o, "ex") {
            Some(ExpireUnit::Ex)
        } else if args::eq(o, "px") {
            Some(ExpireUnit::Px)
        } else if args::eq(o, "exat") {
            Some(ExpireUnit::ExAt)
        } else if args::eq(o, "pxat") {
            Some(ExpireUnit::PxAt)
        } else {
            None
        };
        if set && args::eq(o, "nx") && !s.xx {
            s.nx = true;
        } else if set && args::eq(o, "xx") && !s.nx {
            s.xx = true;
        } else if set && args::eq(o, "get") {
            s.get = true;
        } else if set && args::eq(o, "keepttl") && unit.is_none() && !s.persist {
            s.keepttl = true;
        } else if !set && args::eq(o, "persist") && unit.is_none() && !s.keepttl {
            s.persist = true;
        } else if let Some(u) = word_unit.filter(|&u| expire_ok(u)) {
            s.expire = next.map(|n| (u, &n[..]));
            i += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        i += 1;
    }
    Ok(s)
}

/// Converts an expiry argument to an absolute unix time in ms, with Redis's checks
/// (`getExpireMillisecondsOrReply`): an integer, positive, and no overflow.
pub fn expire_at_ms(unit: ExpireUnit, arg: &[u8], now_ms: u64, cmd: &str) -> Result<u64, String> {
    let n = args::int(arg).ok_or_else(|| errors::NOT_INTEGER.to_string())?;
    let invalid = || format!("ERR invalid expire time in '{cmd}' command");
    let seconds = matches!(unit, ExpireUnit::Ex | ExpireUnit::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { n * 1000 } else { n };
    let at = match unit {
        ExpireUnit::Ex | ExpireUnit::Px => ms.checked_add(now_ms as i64),
        ExpireUnit::ExAt | ExpireUnit::PxAt => Some(ms),
    };
    at.map(|v| v as u64).ok_or_else(invalid)
}

/// What SET-like commands reply when they set / when NX or XX stopped them.
#[derive(Clone, Copy)]
enum SetReplies {
    /// +OK / nil (SET, SETEX, PSETEX).
    OkNil,
    /// :1 / :0 (SETNX).
    OneZero,
}

/// Redis's `setGenericCommand`.
fn set_generic(
    ctx: &mut ExecCtx,
    (key, value): (&[u8], &[u8]),
    o: &ExtArgs,
    cmd: &str,
    replies: SetReplies,
) {
    let at = match o.expire {
        Some((unit, arg)) => match expire_at_ms(unit, arg, ctx.now_ms, cmd) {
            Ok(at) => Some(at),
            Err(e) => return ctx.out.error(&e),
        },
        None => None,
    };
    if let Some(at) = at {
        // A relative or absolute expiry goes out as `SET key value PXAT ms` (when the
        // key is set at all: the record is only sent if the command changed something).
        let mut n = itoa::Buffer::new();
        ctx.rewrite(&[&b"SET"[..], key, value, b"PXAT", n.format(at).as_bytes()]);
    }
    // The common case touches the table once: replace whatever is there.
    if !o.nx && !o.xx && !o.get && !o.keepttl {
        let now = ctx.now_ms;
        ctx.db()
            .insert_at(Entry::new(key, NewValue::Str(value), at), now);
        return ctx.out.ok();
    }
    if o.get && !reply_get(ctx, key) {
        return;
    }
    let now = ctx.now_ms;
    let old = ctx.db().get(key, now).map(|e| e.expire_at_ms());
    if (o.nx && old.is_some()) || (o.xx && old.is_none()) {
        if !o.get {
            match replies {
                SetReplies::OkNil => ctx.out.null(),
                SetReplies::OneZero => ctx.out.int(0),
            }
        }
        return;
    }
    let ttl = if o.keepttl { old.flatten() } else { at };
    ctx.db().insert(Entry::new(key, NewValue::Str(value), ttl));
    if !o.get {
        match replies {
            SetReplies::OkNil => ctx.out.ok(),
            SetReplies::OneZero => ctx.out.int(1),
        }
    }
}

fn set(ctx: &mut ExecCtx, a: &[Bytes]) {
    match parse_ext_args(&a[3..], ExtFor::Set) {
        Ok(o) => {
            if o.get && o.expire.is_none() {
                // Replicated without its GET words (with an expiry it is rewritten whole).
                let kept: Vec<&[u8]> = a
                    .iter()
                    .enumerate()
                    .filter(|(i, w)| *i < 3 || !args::eq(w, "get"))
                    .map(|(_, w)| &w[..])
                    .collect();
                ctx.rewrite(&kept);
            }
            set_generic(ctx, (&a[1], &a[2]), &o, "set", SetReplies::OkNil)
        }
        Err(e) => ctx.out.error(e),
    }
}

fn setnx(ctx: &mut ExecCtx, a: &[Bytes]) {
    let o = ExtArgs {
        nx: true,
        ..Default::default()
    };
    set_generic(ctx, (&a[1], &a[2]), &o, "setnx", SetReplies::OneZero);
}

/// SETEX / PSETEX: `key ttl value`.
fn set_with_ttl(ctx: &mut ExecCtx, a: &[Bytes], unit: ExpireUnit, cmd: &str) {
    let o = ExtArgs {
        expire: Some((unit, &a[2][..])),
        ..Default::default()
    };
    set_generic(ctx, (&a[1], &a[3]), &o, cmd, SetReplies::OkNil);
}

fn setex(ctx: &mut ExecCtx, a: &[Bytes]) {
    set_with_ttl(ctx, a, ExpireUnit::Ex, "setex");
}

fn psetex(ctx: &mut ExecCtx, a: &[Bytes]) {
    set_with_ttl(ctx, a, ExpireUnit::Px, "psetex");
}

fn getset(ctx: &mut ExecCtx, a: &[Bytes]) {
    if reply_get(ctx, &a[1]) {
        ctx.db()
            .insert(Entry::new(&a[1], NewValue::Str(&a[2]), None));
        ctx.rewrite(&[&b"SET"[..], &a[1], &a[2]]);
    }
}

fn getdel(ctx: &mut ExecCtx, a: &[Bytes]) {
    if reply_get(ctx, &a[1]) {
        let now = ctx.now_ms;
        ctx.db().remove(&a[1], now);
        ctx.rewrite(&[&b"DEL"[..], &a[1]]);
    }
}

fn getex(ctx: &mut ExecCtx, a: &[Bytes]) {
    let o = match parse_ext_args(&a[2..], ExtFor::GetEx) {
        Ok(o) => o,
        Err(e) => return ctx.out.error(e),
    };
    let now = ctx.now_ms;
    let ExecCtx { ks, db, out, .. } = ctx;
    let value = match lookup_read(ks, *db, &a[1], now) {
        Found::Missing => return out.null(),
        Found::WrongType => return out.error(errors::WRONGTYPE),
        Found::Str(s) => s,
    };
    let at = match o.expire {
        Some((unit, arg)) => match expire_at_ms(unit, arg, now, "getex") {
            Ok(at) => Some(at),
            Err(e) => return out.error(&e),
        },
        None => None,
    };
    out.bulk(value);
    let db = &mut ks.dbs[*db];
    let absolute = matches!(o.expire, Some((ExpireUnit::ExAt | ExpireUnit::PxAt, _)));
    // Never propagated as itself: DEL, PEXPIREAT or PERSIST (t_string.c getexCommand).
    let key = &a[1][..];
    match at {
        // An absolute time already past deletes the key (Redis's checkAlreadyExpired).
        Some(at) if absolute && at <= now => {
            db.remove(key, now);
            ctx.prop.rewrite(&[&b"DEL"[..], key]);
        }
        Some(at) => {
            if let Some(mut e) = db.get_mut(key, now) {
                e.set_expire(Some(at));
            }
            let mut n = itoa::Buffer::new();
            ctx.prop
                .rewrite(&[&b"PEXPIREAT"[..], key, n.format(at).as_bytes()]);
        }
        None if o.persist => {
            let had_ttl = db.get(key, now).is_some_and(|e| e.expire_at_ms().is_some());
            if had_ttl {
                if let Some(mut e) = db.get_mut(key, now) {
                    e.set_expire(None);
                }
                ctx.prop.rewrite(&[&b"PERSIST"[..], key]);
            }
        }
        None => {}
    }
}

fn mget(ctx: &mut ExecCtx, a: &[Bytes]) {
    ctx.out.array(a.len() - 1);
    let ExecCtx {
        ks,
        db,
        now_ms,
        out,
        ..
    } = ctx;
    for key in &a[1..] {
        // MGET answers nil, not WRONGTYPE, for a key of another type.
        match lookup_read(ks, *db, key, *now_ms) {
            Found::Str(s) => out.bulk(s),
            Found::Missing | Found::WrongType => out.null(),
        }
    }
}

fn mset(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len().is_multiple_of(2) {
        return ctx.out.error(&errors::arity("mset"));
    }
    let now = ctx.now_ms;
    let db = ctx.db();
    for pair in a[1..].chunks(2) {
        db.insert_at(Entry::new(&pair[0], NewValue::Str(&pair[1]), None), now);
    }
    ctx.out.ok();
}

/// MSETNX with every key on this shard: set all or nothing.
fn msetnx(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len().is_multiple_of(2) {
        return ctx.out.error(&errors::arity("msetnx"));
    }
    let now = ctx.now_ms;
    let db = ctx.db();
    if a[1..].chunks(2).any(|p| db.contains(&p[0], now)) {
        return ctx.out.int(0);
    }
    for pair in a[1..].chunks(2) {
        db.insert(Entry::new(&pair[0], NewValue::Str(&pair[1]), None));
    }
    ctx.out.int(1);
}

const MSETNX_ACROSS: CoordFn = msetnx_coord;

fn msetnx_coord(c: &mut Client, a: Vec<Bytes>) -> Pin<Box<dyn Future<Output = ()> + '_>> {
    Box::pin(msetnx_across_shards(c, a))
}

/// MSETNX whose keys span shards: ask every involved shard whether any of its keys
/// exists, then, if none does, set each shard's pairs.
///
/// Atomic: the dispatcher holds exclusive [`crate::server::txn`] locks on every key across
/// both phases, so no key appears between the check and the set, and no reader sees some
/// keys set before the others.
async fn msetnx_across_shards(c: &mut Client, a: Vec<Bytes>) {
    if a.len().is_multiple_of(2) {
        return c.reply().error(&errors::arity("msetnx"));
    }
    let n = c.shard.nshards;
    let mut per_shard: Vec<Vec<Bytes>> = vec![Vec::new(); n];
    for pair in a[1..].chunks(2) {
        per_shard[key_shard(&pair[0], n)].extend(pair.iter().cloned());
    }
    let db = c.db;
    for (shard, pairs) in per_shard.iter().enumerate() {
        if pairs.is_empty() {
            continue;
        }
        let keys: Vec<Bytes> = pairs.iter().step_by(2).cloned().collect();
        let exists = c
            .shard
            .run_on(shard, move |s| {
                let now = unix_ms();
                let mut ks = s.keyspace.borrow_mut();
                keys.iter().any(|k| ks.dbs[db].contains(k, now))
            })
            .await;
        if exists {
            return c.reply().int(0);
        }
    }
    for (shard, pairs) in per_shard.into_iter().enumerate() {
        if pairs.is_empty() {
            continue;
        }
        c.shard
            .run_on(shard, move |s| {
                let mut ks = s.keyspace.borrow_mut();
                for pair in pairs.chunks(2) {
                    ks.dbs[db].insert(Entry::new(&pair[0], NewValue::Str(&pair[1]), None));
                }
            })
            .await;
    }
    c.reply().int(1);
}

/// Checks Redis's `checkStringLength`: the string may not grow past the bulk limit.
fn check_length(ctx: &mut ExecCtx, size: u64, append: u64) -> bool {
    match size.checked_add(append) {
        Some(total) if total <= MAX_STRING_BYTES => true,
        _ => {
            ctx.out.error(errors::STRING_TOO_LONG);
            false
        }
    }
}

fn append(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let old_len = match ctx.db().get(&a[1], now) {
        None => {
            ctx.db()
                .insert(Entry::new(&a[1], NewValue::Str(&a[2]), None));
            return ctx.out.int(a[2].len() as i64);
        }
        Some(e) => match e.as_str() {
            None => return ctx.out.error(errors::WRONGTYPE),
            Some(s) => s.len() as u64,
        },
    };
    if !check_length(ctx, old_len, a[2].len() as u64) {
        return;
    }
    let len = match ctx.db().get_mut(&a[1], now) {
        Some(mut e) => {
            let s = grown_str(&mut e);
            s.extend_from_slice(&a[2]);
            s.len()
        }
        None => return,
    };
    ctx.out.int(len as i64);
}

fn strlen(ctx: &mut ExecCtx, a: &[Bytes]) {
    match lookup_read(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Found::Missing => ctx.out.int(0),
        Found::Str(s) => ctx.out.int(s.len() as i64),
        Found::WrongType => ctx.out.error(errors::WRONGTYPE),
    }
}

/// GETRANGE's byte range of a `len`-byte string, Redis's rules: negative indexes count
/// from the end, both ends are clamped, an empty range is `None`.
pub fn byte_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if (start < 0 && end < 0 && start > end) || len == 0 {
        return None;
    }
    let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i };
    let (start, end) = (clamp(start), clamp(end).min(len - 1));
    (start <= end).then_some((start as usize, end as usize))
}

fn getrange(ctx: &mut ExecCtx, a: &[Bytes]) {
    let (Some(start), Some(end)) = (args::int(&a[2]), args::int(&a[3])) else {
        return ctx.out.error(errors::NOT_INTEGER);
    };
    match lookup_read(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Found::Missing => ctx.out.bulk(b""),
        Found::WrongType => ctx.out.error(errors::WRONGTYPE),
        Found::Str(s) => match byte_range(start, end, s.len()) {
            Some((from, to)) => ctx.out.bulk(&s[from..=to]),
            None => ctx.out.bulk(b""),
        },
    }
}

fn setrange(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(offset) = args::int(&a[2]) else {
        return ctx.out.error(errors::NOT_INTEGER);
    };
    if offset < 0 {
        return ctx.out.error("ERR offset is out of range");
    }
    let (offset, value, now) = (offset as u64, &a[3], ctx.now_ms);
    let old_len = match ctx.db().get(&a[1], now) {
        None => None,
        Some(e) => match e.as_str() {
            None => return ctx.out.error(errors::WRONGTYPE),
            Some(s) => Some(s.len()),
        },
    };
    if value.is_empty() {
        // Setting nothing creates nothing and changes nothing.
        return ctx.out.int(old_len.unwrap_or(0) as i64);
    }
    if !check_length(ctx, offset, value.len() as u64) {
        return;
    }
    let offset = offset as usize;
    if old_len.is_none() {
        let mut s = vec![0u8; offset + value.len()];
        s[offset..].copy_from_slice(value);
        let len = s.len();
        let obj = NewValue::Obj(Box::new(Object::Str(Box::new(s))));
        ctx.db().insert(Entry::new(&a[1], obj, None));
        return ctx.out.int(len as i64);
    }
    let len = match ctx.db().get_mut(&a[1], now) {
        Some(mut e) => {
            let s = grown_str(&mut e);
            if s.len() < offset + value.len() {
                s.resize(offset + value.len(), 0);
            }
            s[offset..offset + value.len()].copy_from_slice(value);
            s.len()
        }
        None => return,
    };
    ctx.out.int(len as i64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    fn set_opts(w: &[&str]) -> Result<(bool, bool, bool, bool, Option<ExpireUnit>), &'static str> {
        let v = words(w);
        parse_ext_args(&v, ExtFor::Set)
            .map(|o| (o.nx, o.xx, o.get, o.keepttl, o.expire.map(|(u, _)| u)))
    }

    #[test]
    fn set_options_like_redis() {
        assert_eq!(
            set_opts(&["EX", "10"]),
            Ok((false, false, false, false, Some(ExpireUnit::Ex)))
        );
        assert_eq!(
            set_opts(&["nx", "get", "pxat", "5"]).unwrap().4,
            Some(ExpireUnit::PxAt)
        );
        assert_eq!(set_opts(&["NX", "XX"]), Err(errors::SYNTAX));
        assert_eq!(set_opts(&["EX", "1", "PX", "1"]), Err(errors::SYNTAX));
        assert!(
            set_opts(&["EX", "1", "EX", "2"]).is_ok(),
            "same unit twice is allowed"
        );
        assert_eq!(set_opts(&["KEEPTTL", "EX", "1"]), Err(errors::SYNTAX));
        assert_eq!(set_opts(&["EX", "1", "KEEPTTL"]), Err(errors::SYNTAX));
        assert_eq!(set_opts(&["EX"]), Err(errors::SYNTAX));
        assert_eq!(set_opts(&["PERSIST"]), Err(errors::SYNTAX));
        assert!(set_opts(&["GET", "KEEPTTL", "GET", "NX", "NX"]).unwrap().3);
        // A bad number is not a syntax error: it is checked after parsing.
        assert!(set_opts(&["EX", "abc"]).is_ok());
    }

    #[test]
    fn getex_options_like_redis() {
        let v = words(&["PERSIST", "PERSIST"]);
        assert!(parse_ext_args(&v, ExtFor::GetEx).unwrap().persist);
        for bad in [
            &["NX"][..],
            &["GET"],
            &["KEEPTTL"],
            &["PERSIST", "EX", "1"],
            &["EX", "1", "PERSIST"],
        ] {
            assert_eq!(
                parse_ext_args(&words(bad), ExtFor::GetEx),
                Err(errors::SYNTAX),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn expiry_conversion() {
        assert_eq!(expire_at_ms(ExpireUnit::Ex, b"10", 1000, "set"), Ok(11_000));
        assert_eq!(expire_at_ms(ExpireUnit::Px, b"5", 1000, "set"), Ok(1005));
        assert_eq!(expire_at_ms(ExpireUnit::ExAt, b"7", 1000, "set"), Ok(7000));
        assert_eq!(expire_at_ms(ExpireUnit::PxAt, b"7", 1000, "set"), Ok(7));
        let invalid = Err("ERR invalid expire time in 'setex' command".to_string());
        assert_eq!(expire_at_ms(ExpireUnit::Ex, b"0", 1, "setex"), invalid);
        assert_eq!(expire_at_ms(ExpireUnit::Ex, b"-1", 1, "setex"), invalid);
        assert_eq!(
            expire_at_ms(ExpireUnit::Ex, b"9223372036854776", 1, "setex"),
            invalid
        );
        assert_eq!(
            expire_at_ms(ExpireUnit::Px, b"9223372036854775807", 1, "setex"),
            invalid
        );
        assert_eq!(
            expire_at_ms(ExpireUnit::Ex, b"1.5", 1, "set"),
            Err(errors::NOT_INTEGER.to_string())
        );
    }

    #[test]
    fn ranges_like_getrange() {
        assert_eq!(byte_range(0, -1, 5), Some((0, 4)));
        assert_eq!(byte_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(byte_range(-1, -3, 5), None);
        assert_eq!(byte_range(-100, 100, 5), Some((0, 4)));
        assert_eq!(byte_range(3, 1, 5), None);
        assert_eq!(byte_range(5, 10, 5), None);
        assert_eq!(byte_range(0, 0, 0), None);
        assert_eq!(byte_range(i64::MIN, i64::MAX, 3), Some((0, 2)));
    }

    #[test]
    fn grown_strings_keep_ttl() {
        let mut e = Entry::new(b"k", NewValue::Str(b"ab"), Some(99));
        grown_str(&mut e).extend_from_slice(b"cd");
        grown_str(&mut e).push(b'e');
        assert_eq!(
            (e.as_str(), e.expire_at_ms()),
            (Some(&b"abcde"[..]), Some(99))
        );
        assert!(matches!(e.value(), ValueRef::Obj(_)));
    }
}
