//! Expiry commands (`expire.c`): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL,
//! EXPIRETIME, PEXPIRETIME, PERSIST.
//!
//! Times are Redis's: absolute unix milliseconds, computed in signed 64-bit arithmetic with
//! the same overflow checks, so the same arguments fail the same way. A time at or before
//! now deletes the key (Redis's `checkAlreadyExpired`), except on a replica, which keeps
//! the key until the master's DEL arrives.

use bytes::Bytes;

use super::super::{args, errors, ExecCtx};

/// EXPIRE's NX/XX/GT/LT options.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Cond {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses the options after the time, in Redis's order of checks.
fn parse_cond(opts: &[Bytes]) -> Result<Cond, String> {
    let mut c = Cond::default();
    for o in opts {
        if args::eq(o, "nx") {
            c.nx = true;
        } else if args::eq(o, "xx") {
            c.xx = true;
        } else if args::eq(o, "gt") {
            c.gt = true;
        } else if args::eq(o, "lt") {
            c.lt = true;
        } else {
            return Err(format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(o)
            ));
        }
    }
    if c.nx && (c.xx || c.gt || c.lt) {
        return Err("ERR NX and XX, GT or LT options at the same time are not compatible".into());
    }
    if c.gt && c.lt {
        return Err("ERR GT and LT options at the same time are not compatible".into());
    }
    Ok(c)
}

/// The absolute expiry in ms for `n` in `unit_ms` (1000 or 1) from `base_ms` (now, or 0
/// for the *AT forms), or None when Redis reports the time as invalid (overflow).
fn absolute_ms(n: i64, unit_ms: i64, base_ms: i64) -> Option<i64> {
    let ms = n.checked_mul(unit_ms)?;
    if ms > i64::MAX - base_ms {
        return None;
    }
    Some(ms + base_ms)
}

fn expire_generic(ctx: &mut ExecCtx, a: &[Bytes], unit_ms: i64, relative: bool, name: &str) {
    let cond = match parse_cond(&a[3..]) {
        Ok(c) => c,
        Err(e) => return ctx.out.error(&e),
    };
    let Some(n) = args::int(&a[2]) else {
        return ctx.out.error(errors::NOT_INTEGER);
    };
    let now = ctx.now_ms;
    let base = if relative { now as i64 } else { 0 };
    let Some(when) = absolute_ms(n, unit_ms, base) else {
        return ctx
            .out
            .error(&format!("ERR invalid expire time in '{name}' command"));
    };
    let db = ctx.db();
    let delete_expired = db.expiry == crate::storage::Expiry::Delete;
    let Some(mut e) = db.get_mut(&a[1], now) else {
        return ctx.out.int(0);
    };
    // No TTL counts as infinite: GT never beats it, LT always does.
    let current = e.expire_at_ms().map(|t| t as i64);
    let refused = (cond.nx && current.is_some())
        || (cond.xx && current.is_none())
        || (cond.gt && current.is_none_or(|c| when <= c))
        || (cond.lt && current.is_some_and(|c| when >= c));
    if refused {
        drop(e);
        ctx.unchanged();
        return ctx.out.int(0);
    }
    if when <= now as i64 && delete_expired {
        drop(e);
        ctx.db().remove(&a[1], now);
        // Replicated as the deletion it is.
        ctx.rewrite(&[&b"DEL"[..], &a[1]]);
    } else {
        e.set_expire(Some(when.max(0) as u64));
        drop(e);
        // Replicated as PEXPIREAT with the absolute time, the options kept (expire.c:
        // only the name and the time are rewritten).
        let mut n = itoa::Buffer::new();
        let mut rec: Vec<&[u8]> = a.iter().map(|w| &w[..]).collect();
        rec[0] = b"PEXPIREAT";
        rec[2] = n.format(when).as_bytes();
        ctx.rewrite(&rec);
    }
    ctx.out.int(1);
}

pub(super) fn expire(ctx: &mut ExecCtx, a: &[Bytes]) {
    expire_generic(ctx, a, 1000, true, "expire");
}

pub(super) fn pexpire(ctx: &mut ExecCtx, a: &[Bytes]) {
    expire_generic(ctx, a, 1, true, "pexpire");
}

pub(super) fn expireat(ctx: &mut ExecCtx, a: &[Bytes]) {
    expire_generic(ctx, a, 1000, false, "expireat");
}

pub(super) fn pexpireat(ctx: &mut ExecCtx, a: &[Bytes]) {
    expire_generic(ctx, a, 1, false, "pexpireat");
}

/// TTL and friends: -2 without the key, -1 without a TTL, else the remaining (or absolute)
/// time, seconds rounded to the nearest as Redis does.
fn ttl_generic(ctx: &mut ExecCtx, a: &[Bytes], in_ms: bool, absolute: bool) {
    let now = ctx.now_ms;
    let Some(at) = super::read_lookup(ctx, &a[1]).map(|e| e.expire_at_ms()) else {
        return ctx.out.int(-2);
    };
    let Some(at) = at else {
        return ctx.out.int(-1);
    };
    let t = if absolute {
        at as i64
    } else {
        (at as i64 - now as i64).max(0)
    };
    // Rounded in 128 bits: Redis's `(ttl+500)/1000` does not wrap near i64::MAX.
    ctx.out.int(if in_ms {
        t
    } else {
        ((t as i128 + 500) / 1000) as i64
    });
}

pub(super) fn ttl(ctx: &mut ExecCtx, a: &[Bytes]) {
    ttl_generic(ctx, a, false, false);
}

pub(super) fn pttl(ctx: &mut ExecCtx, a: &[Bytes]) {
    ttl_generic(ctx, a, true, false);
}

pub(super) fn expiretime(ctx: &mut ExecCtx, a: &[Bytes]) {
    ttl_generic(ctx, a, false, true);
}

pub(super) fn pexpiretime(ctx: &mut ExecCtx, a: &[Bytes]) {
    ttl_generic(ctx, a, true, true);
}

pub(super) fn persist(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let removed = match ctx.db().get_mut(&a[1], now) {
        Some(mut e) if e.expire_at_ms().is_some() => {
            e.set_expire(None);
            1
        }
        _ => 0,
    };
    if removed == 0 {
        ctx.unchanged();
    }
    ctx.out.int(removed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::ShardFn;
    use crate::protocol::Reply;
    use crate::storage::{Entry, Keyspace, NewValue};
    use bytes::BytesMut;

    fn opts(words: &[&str]) -> Vec<Bytes> {
        words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    #[test]
    fn conditions_parse_like_redis() {
        assert_eq!(
            parse_cond(&opts(&["nx"])),
            Ok(Cond {
                nx: true,
                ..Cond::default()
            })
        );
        assert!(parse_cond(&opts(&["GT", "xx"])).is_ok());
        assert!(parse_cond(&opts(&["nx", "xx"]))
            .unwrap_err()
            .starts_with("ERR NX and XX"));
        assert!(parse_cond(&opts(&["gt", "lt"]))
            .unwrap_err()
            .starts_with("ERR GT and LT"));
        assert_eq!(
            parse_cond(&opts(&["bad", "nx", "xx"])),
            Err("ERR Unsupported option bad".into())
        );
    }

    /// Runs a shard command in process at time `now` and returns its RESP reply.
    fn run(ks: &mut Keyspace, f: ShardFn, words: &[&str], now_ms: u64) -> String {
        let mut buf = BytesMut::new();
        let mut ctx = ExecCtx {
            ks,
            db: 0,
            now_ms,
            out: Reply::new(&mut buf, false),
            prop: &mut Default::default(),
        };
        f(&mut ctx, &opts(words));
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn expire_sets_refuses_and_deletes() {
        let mut ks = Keyspace::new(1, 1);
        ks.dbs[0].insert(Entry::new(b"k", NewValue::Str(b"v"), None));
        let now = 1_000_000;
        assert_eq!(run(&mut ks, ttl, &["ttl", "k"], now), ":-1\r\n");
        assert_eq!(
            run(&mut ks, expire, &["expire", "k", "10", "xx"], now),
            ":0\r\n"
        );
        assert_eq!(
            run(&mut ks, expire, &["expire", "k", "10", "gt"], now),
            ":0\r\n"
        );
        assert_eq!(
            run(&mut ks, expire, &["expire", "k", "10", "lt"], now),
            ":1\r\n"
        );
        assert_eq!(run(&mut ks, pttl, &["pttl", "k"], now + 1), ":9999\r\n");
        // Seconds round to the nearest: 9.5 s left reads as 10, 9.499 s as 9.
        assert_eq!(run(&mut ks, ttl, &["ttl", "k"], now + 500), ":10\r\n");
        assert_eq!(run(&mut ks, ttl, &["ttl", "k"], now + 501), ":9\r\n");
        assert_eq!(
            run(&mut ks, pexpiretime, &["pexpiretime", "k"], now),
            ":1010000\r\n"
        );
        assert_eq!(
            run(&mut ks, expiretime, &["expiretime", "k"], now),
            ":1010\r\n"
        );
        assert_eq!(
            run(&mut ks, pexpire, &["pexpire", "k", "5", "nx"], now),
            ":0\r\n"
        );
        // Alive during its expiry millisecond, gone after.
        assert_eq!(run(&mut ks, pttl, &["pttl", "k"], now + 10_000), ":0\r\n");
        assert_eq!(run(&mut ks, pttl, &["pttl", "k"], now + 10_001), ":-2\r\n");
        ks.dbs[0].insert(Entry::new(b"k", NewValue::Str(b"v"), None));
        assert_eq!(
            run(&mut ks, pexpireat, &["pexpireat", "k", "1000000"], now),
            ":1\r\n"
        );
        assert_eq!(
            ks.dbs[0].len(),
            0,
            "an expiry at or before now deletes the key"
        );
        ks.dbs[0].insert(Entry::new(b"k", NewValue::Str(b"v"), Some(now + 5)));
        assert_eq!(run(&mut ks, persist, &["persist", "k"], now), ":1\r\n");
        assert_eq!(run(&mut ks, persist, &["persist", "k"], now), ":0\r\n");
        assert_eq!(ks.dbs[0].volatile_len(), 0);
        assert_eq!(
            run(
                &mut ks,
                expire,
                &["expire", "k", "9223372036854775807"],
                now
            ),
            "-ERR invalid expire time in 'expire' command\r\n"
        );
    }

    #[test]
    fn overflow_is_detected() {
        assert_eq!(absolute_ms(10, 1000, 5), Some(10_005));
        assert_eq!(absolute_ms(-10, 1000, 0), Some(-10_000));
        assert_eq!(absolute_ms(i64::MAX / 1000 + 1, 1000, 0), None);
        assert_eq!(absolute_ms(i64::MAX, 1, 1), None);
        assert_eq!(absolute_ms(i64::MAX, 1, 0), Some(i64::MAX));
        assert_eq!(absolute_ms(i64::MIN, 1, 5), Some(i64::MIN + 5));
    }
}
