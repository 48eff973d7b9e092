//! Counters on string values (`t_string.c` `incrDecrCommand`, `incrbyfloatCommand`):
//! INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT. A missing key counts as 0; the result keeps
//! the key's TTL, as Redis's `dbOverwrite` does.

use bytes::Bytes;

use super::long_double::LongDouble;
use super::{args, errors, ExecCtx};
use crate::storage::{Entry, NewValue};

const DECREMENT_OVERFLOW: &str = "ERR decrement would overflow";
const FLOAT_OUT_OF_RANGE: &str = "ERR increment would produce NaN or Infinity";

/// Stores `value` as the key's new string value, keeping its TTL (or creating the key).
fn store(ctx: &mut ExecCtx, key: &[u8], value: NewValue) {
    let now = ctx.now_ms;
    let db = ctx.db();
    if let Some(mut e) = db.get_mut(key, now) {
        let ttl = e.expire_at_ms();
        e.replace(value, ttl);
        return;
    }
    db.insert(Entry::new(key, value, None));
}

/// The current value as Redis reads it for a counter: `Ok(None)` when the key is missing,
/// `Err(reply)` for a wrong type; the parse is up to the caller.
fn current<'a>(ctx: &'a mut ExecCtx, key: &[u8]) -> Result<Option<&'a [u8]>, &'static str> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(e) => e.as_str().map(Some).ok_or(errors::WRONGTYPE),
    }
}

fn incr_by(ctx: &mut ExecCtx, key: &[u8], delta: i64) {
    let old = match current(ctx, key) {
        Err(e) => return ctx.out.error(e),
        Ok(None) => 0,
        Ok(Some(s)) => match args::int(s) {
            Some(v) => v,
            None => return ctx.out.error(errors::NOT_INTEGER),
        },
    };
    let Some(new) = old.checked_add(delta) else {
        return ctx.out.error(errors::OVERFLOW);
    };
    let mut buf = itoa::Buffer::new();
    store(ctx, key, NewValue::Str(buf.format(new).as_bytes()));
    ctx.out.int(new);
}

pub fn incr(ctx: &mut ExecCtx, a: &[Bytes]) {
    incr_by(ctx, &a[1], 1);
}

pub fn decr(ctx: &mut ExecCtx, a: &[Bytes]) {
    incr_by(ctx, &a[1], -1);
}

pub fn incrby(ctx: &mut ExecCtx, a: &[Bytes]) {
    match args::int(&a[2]) {
        Some(d) => incr_by(ctx, &a[1], d),
        None => ctx.out.error(errors::NOT_INTEGER),
    }
}

pub fn decrby(ctx: &mut ExecCtx, a: &[Bytes]) {
    match args::int(&a[2]) {
        // Negating i64::MIN would overflow before the addition is even tried.
        Some(i64::MIN) => ctx.out.error(DECREMENT_OVERFLOW),
        Some(d) => incr_by(ctx, &a[1], -d),
        None => ctx.out.error(errors::NOT_INTEGER),
    }
}

/// INCRBYFLOAT: both operands parsed as `long double`, summed and printed exactly as
/// Redis does on x86-64 (see [`LongDouble`]); the type is checked first, then the stored
/// value, then the increment.
pub fn incrbyfloat(ctx: &mut ExecCtx, a: &[Bytes]) {
    let old = match current(ctx, &a[1]) {
        Err(e) => return ctx.out.error(e),
        Ok(None) => LongDouble::ZERO,
        Ok(Some(s)) => match LongDouble::parse(s) {
            Some(v) => v,
            None => return ctx.out.error(errors::NOT_FLOAT),
        },
    };
    let Some(incr) = LongDouble::parse(&a[2]) else {
        return ctx.out.error(errors::NOT_FLOAT);
    };
    let sum = match old.checked_add(incr) {
        Some(v) if !v.is_infinite() => v,
        _ => return ctx.out.error(FLOAT_OUT_OF_RANGE),
    };
    let text = sum.to_human_string();
    store(ctx, &a[1], NewValue::StrAsIs(text.as_bytes()));
    ctx.out.bulk(text.as_bytes());
    // Replicated as the value it produced, so float formatting never diverges.
    ctx.rewrite(&[&b"SET"[..], &a[1], text.as_bytes(), b"KEEPTTL"]);
}
