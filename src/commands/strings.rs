//! String commands (`t_string.c`): GET, SET and friends.

use bytes::Bytes;

use super::flag::*;
use super::{args, errors, Combine, CommandSpec, ExecCtx, KeyRange, Run};
use crate::storage::{Entry, NewValue, ValueRef};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(get),
    },
    CommandSpec {
        name: "set",
        arity: -3,
        flags: WRITE | DENYOOM,
        keys: KeyRange::ONE,
        run: Run::Shard(set),
    },
    CommandSpec {
        name: "mget",
        arity: -2,
        flags: READONLY | FAST,
        keys: KeyRange::ALL,
        run: Run::Split(mget, Combine::ArrayInKeyOrder),
    },
    CommandSpec {
        name: "mset",
        arity: -3,
        flags: WRITE | DENYOOM,
        keys: KeyRange {
            first: 1,
            last: -1,
            step: 2,
        },
        run: Run::Split(mset, Combine::AllOk),
    },
];

fn get(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let db = &mut ctx.ks.dbs[ctx.db];
    match db.get(&a[1], now) {
        None => {
            ctx.ks.misses += 1;
            ctx.out.null();
        }
        Some(e) => match e.value() {
            ValueRef::Str(s) => {
                ctx.out.bulk(s);
                ctx.ks.hits += 1;
            }
            ValueRef::Obj(_) => match e.as_str() {
                Some(s) => {
                    ctx.out.bulk(s);
                    ctx.ks.hits += 1;
                }
                None => ctx.out.error(errors::WRONGTYPE),
            },
        },
    }
}

/// SET's parsed options.
#[derive(Debug, Default, PartialEq)]
pub struct SetArgs {
    pub nx: bool,
    pub xx: bool,
    pub get: bool,
    pub keepttl: bool,
    /// Absolute expiry in ms, after EX/PX/EXAT/PXAT conversion.
    pub expire_at_ms: Option<u64>,
}

/// Parses SET's options (after key and value) as Redis 7.0's `parseExtendedStringArgumentsOrReply`.
pub fn parse_set_args(opts: &[Bytes], now_ms: u64, cmd: &str) -> Result<SetArgs, String> {
    let mut s = SetArgs::default();
    let mut expire_seen = false;
    let mut i = 0;
    while i < opts.len() {
        let o = &opts[i];
        let next = opts.get(i + 1);
        if args::eq(o, "nx") && !s.xx {
            s.nx = true;
        } else if args::eq(o, "xx") && !s.nx {
            s.xx = true;
        } else if args::eq(o, "get") {
            s.get = true;
        } else if args::eq(o, "keepttl") && !expire_seen {
            s.keepttl = true;
        } else if (args::eq(o, "ex")
            || args::eq(o, "px")
            || args::eq(o, "exat")
            || args::eq(o, "pxat"))
            && !s.keepttl
            && !expire_seen
            && next.is_some()
        {
            let n = next
                .and_then(|v| args::int(v))
                .ok_or_else(|| errors::NOT_INTEGER.to_string())?;
            let invalid = || format!("ERR invalid expire time in '{cmd}' command");
            if n <= 0 {
                return Err(invalid());
            }
            let at = if args::eq(o, "ex") {
                (n as u64)
                    .checked_mul(1000)
                    .and_then(|ms| ms.checked_add(now_ms))
            } else if args::eq(o, "px") {
                (n as u64).checked_add(now_ms)
            } else if args::eq(o, "exat") {
                (n as u64).checked_mul(1000)
            } else {
                Some(n as u64)
            };
            let at = at.filter(|&v| v <= i64::MAX as u64).ok_or_else(invalid)?;
            s.expire_at_ms = Some(at);
            expire_seen = true;
            i += 1;
        } else {
            return Err(errors::SYNTAX.into());
        }
        i += 1;
    }
    Ok(s)
}

fn set(ctx: &mut ExecCtx, a: &[Bytes]) {
    let opts = match parse_set_args(&a[3..], ctx.now_ms, "set") {
        Ok(o) => o,
        Err(e) => return ctx.out.error(&e),
    };
    let now = ctx.now_ms;
    let db = &mut ctx.ks.dbs[ctx.db];
    let existing = db.get(&a[1], now);
    let (exists, old_ttl) = match existing {
        Some(e) => {
            if opts.get && e.as_str().is_none() {
                return ctx.out.error(errors::WRONGTYPE);
            }
            if opts.get {
                let v = e.as_str().unwrap_or_default();
                ctx.out.bulk(v);
            }
            (true, e.expire_at_ms())
        }
        None => {
            if opts.get {
                ctx.out.null();
            }
            (false, None)
        }
    };
    if (opts.nx && exists) || (opts.xx && !exists) {
        if !opts.get {
            ctx.out.null();
        }
        return;
    }
    let ttl = if opts.keepttl {
        old_ttl
    } else {
        opts.expire_at_ms
    };
    db.insert(Entry::new(&a[1], NewValue::Str(&a[2]), ttl));
    if !opts.get {
        ctx.out.ok();
    }
}

fn mget(ctx: &mut ExecCtx, a: &[Bytes]) {
    ctx.out.array(a.len() - 1);
    let now = ctx.now_ms;
    for key in &a[1..] {
        let db = &mut ctx.ks.dbs[ctx.db];
        match db.get(key, now).and_then(|e| e.as_str()) {
            Some(s) => {
                ctx.out.bulk(s);
                ctx.ks.hits += 1;
            }
            None => {
                ctx.out.null();
                ctx.ks.misses += 1;
            }
        }
    }
}

fn mset(ctx: &mut ExecCtx, a: &[Bytes]) {
    if a.len().is_multiple_of(2) {
        return ctx.out.error(&errors::arity("mset"));
    }
    let db = &mut ctx.ks.dbs[ctx.db];
    for pair in a[1..].chunks(2) {
        db.insert(Entry::new(&pair[0], NewValue::Str(&pair[1]), None));
    }
    ctx.out.ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(words: &[&str]) -> Result<SetArgs, String> {
        let v: Vec<Bytes> = words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        parse_set_args(&v, 1000, "set")
    }

    #[test]
    fn set_options_like_redis() {
        assert_eq!(opts(&["EX", "10"]).unwrap().expire_at_ms, Some(11_000));
        assert_eq!(opts(&["px", "5", "nx"]).unwrap().expire_at_ms, Some(1005));
        assert_eq!(opts(&["NX", "XX"]).unwrap_err(), errors::SYNTAX);
        assert_eq!(opts(&["EX", "1", "PX", "1"]).unwrap_err(), errors::SYNTAX);
        assert_eq!(opts(&["KEEPTTL", "EX", "1"]).unwrap_err(), errors::SYNTAX);
        assert_eq!(
            opts(&["EX", "0"]).unwrap_err(),
            "ERR invalid expire time in 'set' command"
        );
        assert_eq!(opts(&["EX", "x"]).unwrap_err(), errors::NOT_INTEGER);
        assert_eq!(opts(&["EX"]).unwrap_err(), errors::SYNTAX);
        assert!(opts(&["GET", "KEEPTTL"]).unwrap().keepttl);
    }
}
