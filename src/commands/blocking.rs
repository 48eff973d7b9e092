//! Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
//!
//! Each parses its arguments in Redis 7.0's order (so the same bad input gets the same
//! error), then hands [`crate::server::blocking::pop_or_block`] its keys and, per key, the
//! non-blocking command that pops from it (`LPOP k`, `LPOP k count`, `ZPOPMIN k`, `LMOVE s
//! d LEFT RIGHT` ...), run through the command table on the key's owner shard. The pop's
//! reply is reshaped into the blocking command's (`[key, value]`, `[key, member, score]`,
//! `[key, [values]]`); LMOVE's already is. They are coordinator commands,
//! so they are barriers of the connection's batch: commands pipelined after one wait for
//! it, as in Redis.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::propagate::Ops;
use super::{args, errors, flag::*, CommandSpec, KeyRange, Run};
use crate::server::blocking::{self, KeyState, Outcome, PopRequest, Unblock, Want};
use crate::server::client::Client;
use crate::server::slot::key_shard;
use crate::server::txn;

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// Keys 1..=-2 (the timeout last).
const KEYS_BEFORE_TIMEOUT: KeyRange = KeyRange {
    first: 1,
    last: -2,
    step: 1,
};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "blpop",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING,
        keys: KEYS_BEFORE_TIMEOUT,
        run: Run::Coord(blpop),
    },
    CommandSpec {
        name: "brpop",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING,
        keys: KEYS_BEFORE_TIMEOUT,
        run: Run::Coord(brpop),
    },
    CommandSpec {
        name: "brpoplpush",
        arity: 4,
        flags: WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        keys: KeyRange::FIRST_TWO,
        run: Run::Coord(brpoplpush),
    },
    CommandSpec {
        name: "blmove",
        arity: 6,
        flags: WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        keys: KeyRange::FIRST_TWO,
        run: Run::Coord(blmove),
    },
    // Keys after numkeys: `movablekeys`, legacy key range 0 0 0 as Redis reports it.
    CommandSpec {
        name: "blmpop",
        arity: -5,
        flags: WRITE | BLOCKING | MOVABLEKEYS,
        keys: KeyRange::NONE,
        run: Run::Coord(blmpop),
    },
    CommandSpec {
        name: "bzpopmin",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING | FAST,
        keys: KEYS_BEFORE_TIMEOUT,
        run: Run::Coord(bzpopmin),
    },
    CommandSpec {
        name: "bzpopmax",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING | FAST,
        keys: KEYS_BEFORE_TIMEOUT,
        run: Run::Coord(bzpopmax),
    },
    CommandSpec {
        name: "bzmpop",
        arity: -5,
        flags: WRITE | BLOCKING | MOVABLEKEYS,
        keys: KeyRange::NONE,
        run: Run::Coord(bzmpop),
    },
];

const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";
const NUMKEYS: &str = "ERR numkeys should be greater than 0";
const COUNT: &str = "ERR count should be greater than 0";

/// Whether the client may block. Inside EXEC Redis never blocks
/// (`CLIENT_DENY_BLOCKING`): return false there, and every command here behaves as its
/// non-blocking pop (a null reply when there is nothing to pop).
fn may_block(c: &Client) -> bool {
    !c.multi.executing()
}

/// 2^63: the first double a C long long cannot hold.
const LLONG_MAX_AS_F64: f64 = 9_223_372_036_854_775_808.0;

/// Redis's `getTimeoutFromObjectOrReply` in seconds: a long double, times 1000, rounded
/// up to whole milliseconds; 0 waits forever. `None`: forever.
pub fn parse_timeout(arg: &[u8]) -> Result<Option<Instant>, &'static str> {
    let secs = args::float(arg)
        .or_else(|| hex_float(arg))
        .ok_or(TIMEOUT_NOT_FLOAT)?;
    let ms = (secs * 1000.0).ceil();
    // C's conversion of an out-of-range value to long long gives LLONG_MIN: Redis then
    // reports a huge (or infinite) timeout as negative.
    if !(0.0..LLONG_MAX_AS_F64).contains(&ms) {
        return Err(TIMEOUT_NEGATIVE);
    }
    if ms == 0.0 {
        return Ok(None);
    }
    Ok(Instant::now().checked_add(Duration::from_millis(ms as u64)))
}

/// `strtold` also reads hexadecimal (`0x1A`, `0x1.8`), which Rust's parser does not.
fn hex_float(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    let (neg, s) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for ch in int.chars() {
        v = v * 16.0 + ch.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for ch in frac.chars() {
        v += ch.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(if neg { -v } else { v })
}

/// LEFT or RIGHT (`getListPositionFromObjectOrReply`).
fn list_side(arg: &[u8]) -> Result<&'static str, &'static str> {
    if args::eq(arg, "left") {
        Ok("LEFT")
    } else if args::eq(arg, "right") {
        Ok("RIGHT")
    } else {
        Err(errors::SYNTAX)
    }
}

fn blpop(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(key_value_pop(c, a, "LPOP"))
}

fn brpop(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(key_value_pop(c, a, "RPOP"))
}

fn bzpopmin(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(key_value_pop(c, a, "ZPOPMIN"))
}

fn bzpopmax(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(key_value_pop(c, a, "ZPOPMAX"))
}

/// BLPOP/BRPOP/BZPOPMIN/BZPOPMAX key [key ...] timeout: the pop's reply with the key in
/// front (`[key, value]`, `[key, member, score]`).
async fn key_value_pop(c: &mut Client, a: Vec<Bytes>, pop: &'static str) {
    let deadline = match parse_timeout(&a[a.len() - 1]) {
        Ok(d) => d,
        Err(e) => return c.reply().error(e),
    };
    let want = if pop.starts_with('Z') {
        Want::ZSet
    } else {
        Want::List
    };
    let keys = a[1..a.len() - 1].to_vec();
    let req = PopRequest {
        want,
        keys: keys.clone(),
        cmd_for: Box::new(move |k| vec![Bytes::from_static(pop.as_bytes()), k.clone()]),
        deadline,
        may_block: may_block(c),
        hold: None,
        capture_as_flag: false,
    };
    let outcome = blocking::pop_or_block(c, req).await;
    if let Outcome::Popped(s) = &outcome {
        if s.reply.first() != Some(&b'-') {
            let mut r = c.reply();
            if want == Want::List {
                // LPOP's bulk value -> [key, value].
                r.array(2);
                r.bulk(&keys[s.index]);
                r.raw(&s.reply);
            } else {
                // ZPOPMIN's [member, score] -> [key, member, score].
                let header = s
                    .reply
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                r.array(3);
                r.bulk(&keys[s.index]);
                r.raw(&s.reply[header..]);
            }
            return;
        }
    }
    finish(c, outcome, false);
}

/// Replies an outcome whose reply needs no reshaping. `null_bulk`: BLMOVE's nil when it
/// may not block.
fn finish(c: &mut Client, outcome: Outcome, null_bulk: bool) {
    let mut r = c.reply();
    match outcome {
        Outcome::Popped(s) => r.raw(&s.reply),
        Outcome::WrongType => r.error(errors::WRONGTYPE),
        Outcome::Empty if null_bulk => r.null(),
        Outcome::Empty | Outcome::Unblocked(Unblock::Timeout) => r.null_array(),
        Outcome::Unblocked(Unblock::Error) => r.error(UNBLOCKED),
        // The connection closes; nothing to say.
        Outcome::Gone => {}
    }
}

fn blmpop(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(multi_pop(c, a, Want::List))
}

fn bzmpop(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(multi_pop(c, a, Want::ZSet))
}

/// BLMPOP/BZMPOP timeout numkeys key [key ...] <LEFT|RIGHT>|<MIN|MAX> [COUNT count]: pops
/// up to count elements from the first key with data; `[key, [...]]` as LMPOP/ZMPOP.
async fn multi_pop(c: &mut Client, a: Vec<Bytes>, want: Want) {
    // Redis's order: numkeys, the side, COUNT, then the timeout.
    let numkeys = match args::int(&a[2]) {
        Some(n) if n >= 1 => n as usize,
        _ => return c.reply().error(NUMKEYS),
    };
    let side_at = match numkeys.checked_add(3) {
        Some(i) if i < a.len() => i,
        _ => return c.reply().error(errors::SYNTAX),
    };
    let side = if want == Want::List {
        match list_side(&a[side_at]) {
            Ok(s) => s,
            Err(e) => return c.reply().error(e),
        }
    } else if args::eq(&a[side_at], "min") {
        "MIN"
    } else if args::eq(&a[side_at], "max") {
        "MAX"
    } else {
        return c.reply().error(errors::SYNTAX);
    };
    let mut count: Option<Bytes> = None;
    let mut j = side_at + 1;
    while j < a.len() {
        if count.is_none() && args::eq(&a[j], "count") && j + 1 < a.len() {
            match args::int(&a[j + 1]) {
                Some(n) if n >= 1 => count = Some(a[j + 1].clone()),
                _ => return c.reply().error(COUNT),
            }
            j += 2;
        } else {
            return c.reply().error(errors::SYNTAX);
        }
    }
    let deadline = match parse_timeout(&a[1]) {
        Ok(d) => d,
        Err(e) => return c.reply().error(e),
    };
    let count = count.unwrap_or_else(|| Bytes::from_static(b"1"));
    // LMPOP/ZMPOP run at the coordinator (their keys are movable); the count forms of
    // LPOP/RPOP/ZPOPMIN/ZPOPMAX pop the same elements on the key's shard.
    let pop: &'static [u8] = match side {
        "LEFT" => b"LPOP",
        "RIGHT" => b"RPOP",
        "MIN" => b"ZPOPMIN",
        _ => b"ZPOPMAX",
    };
    let keys = a[3..side_at].to_vec();
    let req = PopRequest {
        want,
        keys: keys.clone(),
        cmd_for: Box::new(move |k| vec![Bytes::from_static(pop), k.clone(), count.clone()]),
        deadline,
        may_block: may_block(c),
        hold: None,
        capture_as_flag: false,
    };
    let outcome = blocking::pop_or_block(c, req).await;
    match &outcome {
        Outcome::Popped(s) if s.reply.first() == Some(&b'*') => {
            let resp3 = c.resp3;
            let mut r = c.reply();
            r.array(2);
            r.bulk(&keys[s.index]);
            if want == Want::ZSet && !resp3 {
                // RESP2's flat [member, score, ...] -> [[member, score], ...] as ZMPOP.
                nest_pairs(&s.reply, &mut r);
            } else {
                r.raw(&s.reply);
            }
        }
        _ => finish(c, outcome, false),
    }
}

/// Rewrites a flat array reply of 2n values as an array of n pairs.
fn nest_pairs(flat: &[u8], r: &mut crate::protocol::Reply) {
    use crate::protocol::parse::value_len;
    let Some(nl) = flat.iter().position(|&b| b == b'\n') else {
        return r.raw(flat);
    };
    let n: usize = std::str::from_utf8(&flat[1..nl.saturating_sub(1)])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let mut items = Vec::with_capacity(n);
    let mut pos = nl + 1;
    while items.len() < n {
        let Some(len) = value_len(&flat[pos..]) else {
            break;
        };
        items.push(&flat[pos..pos + len]);
        pos += len;
    }
    r.array(items.len() / 2);
    for pair in items.chunks_exact(2) {
        r.array(2);
        r.raw(pair[0]);
        r.raw(pair[1]);
    }
}

fn blmove(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let from = match list_side(&a[3]) {
            Ok(s) => s,
            Err(e) => return c.reply().error(e),
        };
        let to = match list_side(&a[4]) {
            Ok(s) => s,
            Err(e) => return c.reply().error(e),
        };
        let src = a[1].clone();
        let dst = a[2].clone();
        // Propagated as LMOVE with the client's spelling of the sides.
        let same_shard = vec![
            Bytes::from_static(b"LMOVE"),
            src.clone(),
            dst.clone(),
            a[3].clone(),
            a[4].clone(),
        ];
        move_pop(c, src, dst, (from, to), same_shard, &a[5]).await
    })
}

fn brpoplpush(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let (src, dst) = (a[1].clone(), a[2].clone());
        let same_shard = vec![Bytes::from_static(b"RPOPLPUSH"), src.clone(), dst.clone()];
        move_pop(c, src, dst, ("RIGHT", "LEFT"), same_shard, &a[3]).await
    })
}

/// BLMOVE / BRPOPLPUSH. Source and destination on one shard: `same_shard` there (LMOVE
/// or RPOPLPUSH: atomic, it checks the destination's type before popping, as Redis, and
/// it is what Redis propagates). On different shards: pop at
/// the source, push at the destination from here; a destination of the wrong type gets the
/// element pushed back where it came from (what Redis does when it serves a blocked BLMOVE
/// whose destination changed type). Atomic across shards: the command's locks cover both
/// keys; one that blocked has its source key locked by the shard that serves it, in the
/// same step as the pop, until the push.
async fn move_pop(
    c: &mut Client,
    src: Bytes,
    dst: Bytes,
    (from, to): (&'static str, &'static str),
    same_shard: Vec<Bytes>,
    timeout: &[u8],
) {
    let deadline = match parse_timeout(timeout) {
        Ok(d) => d,
        Err(e) => return c.reply().error(e),
    };
    let n = c.shard.nshards;
    let (src_shard, dst_shard) = (key_shard(&src, n), key_shard(&dst, n));
    let may_block = may_block(c);
    if src_shard == dst_shard {
        let req = PopRequest {
            want: Want::List,
            keys: vec![src],
            cmd_for: Box::new(move |_| same_shard.clone()),
            deadline,
            may_block,
            hold: None,
            capture_as_flag: false,
        };
        let outcome = blocking::pop_or_block(c, req).await;
        return finish(c, outcome, true);
    }
    // Redis checks the destination only when the source has something to move.
    let db = c.db;
    let state_of = |key: Bytes| {
        move |s: &crate::server::shard::ShardCtx| {
            let now = crate::server::shard::unix_ms();
            blocking::key_state(&mut s.keyspace.borrow_mut(), db, &key, Want::List, now)
        }
    };
    let src_state = c.shard.run_on(src_shard, state_of(src.clone())).await;
    if src_state == KeyState::Data {
        let dst_state = c.shard.run_on(dst_shard, state_of(dst.clone())).await;
        if dst_state == KeyState::WrongType {
            return c.reply().error(errors::WRONGTYPE);
        }
    }
    let pop: &'static str = if from == "LEFT" { "LPOP" } else { "RPOP" };
    let push = |side: &str| Bytes::from_static(if side == "LEFT" { b"LPUSH" } else { b"RPUSH" });
    let resp3 = c.resp3;
    // An immediate move is logged as one record, as Redis propagates it (`same_shard`:
    // LMOVE or RPOPLPUSH), with the DELs of keys found expired: the pop and the push
    // return theirs ([`blocking::run_command_captured`]) instead of logging themselves.
    let mut popped = None;
    let value = loop {
        if c.tx.is_none() {
            // A later round: the locks the dispatcher took for the first one, again.
            let keys = [(db, src.clone()), (db, dst.clone())];
            let parts = txn::key_parts(keys, n, txn::Mode::Exclusive);
            c.tx = Some(txn::acquire(&c.shard, parts).await);
        }
        // If it blocks, the source shard that serves it locks the source key for `hold`
        // in the same step as the pop, so the element is never seen in neither list.
        let hold = c.shard.txn.new_tx(c.shard.id);
        let req = PopRequest {
            want: Want::List,
            keys: vec![src.clone()],
            cmd_for: Box::new(move |k| vec![Bytes::from_static(pop.as_bytes()), k.clone()]),
            deadline,
            may_block,
            hold: Some(hold),
            capture_as_flag: true,
        };
        let mut outcome = blocking::pop_or_block(c, req).await;
        if let Outcome::Popped(s) = &mut outcome {
            // Set when popped at once (the served pop of a blocked client is logged by
            // its shard).
            popped = s.repl.take();
        }
        let value = match &outcome {
            Outcome::Popped(s) => match bulk_payload(&s.reply) {
                Some(v) => v,
                None => return finish(c, outcome, true),
            },
            _ => return finish(c, outcome, true),
        };
        if c.tx.is_some() {
            // Popped at once, under the command's locks.
            break value;
        }
        // It blocked (giving up its locks) and was served: the source is locked for
        // `hold`. The destination's lock is added; when it is busy and comes first in
        // shard order, waiting for it could deadlock: the element goes back where it
        // was and the move starts over under locks taken in order.
        let mut held = txn::Held::adopt(hold, src_shard);
        let mut set = txn::LockSet::default();
        set.key(db as u16, dst.clone(), txn::Mode::Exclusive);
        if txn::lock_also(&c.shard, &mut held, dst_shard, set).await {
            c.tx = Some(held);
            break value;
        }
        let back = vec![push(from), src.clone(), value];
        c.shard
            .run_on(src_shard, move |s| {
                blocking::run_command(s, db, resp3, &back, false)
            })
            .await;
        txn::release(&c.shard, held).await;
    };
    let cmd = vec![push(to), dst, value.clone()];
    // Inside EXEC the push's record joins the transaction's, after the pop's.
    let capture = if popped.is_some() {
        Some(true)
    } else {
        c.multi.unit.is_some().then_some(false)
    };
    let (pushed, repl) = c
        .shard
        .run_on(dst_shard, move |s| {
            blocking::run_command_captured(s, db, resp3, &cmd, capture)
        })
        .await;
    let mut record = Ops::default();
    if let Some(pop) = &popped {
        for r in [Some(pop), repl.as_ref()].into_iter().flatten() {
            for key in &r.expired {
                record.push(db, &[&b"DEL"[..], key]);
            }
        }
        if pushed.first() != Some(&b'-') {
            record.push(db, &same_shard);
        }
    } else {
        c.join_unit(repl);
    }
    if pushed.first() == Some(&b'-') {
        let back = vec![push(from), src, value];
        let (_, repl) = c
            .shard
            .run_on(src_shard, move |s| {
                blocking::run_command_captured(s, db, resp3, &back, capture)
            })
            .await;
        if popped.is_none() {
            c.join_unit(repl);
        }
        log_move(c, &record);
        return c.reply().raw(&pushed);
    }
    log_move(c, &record);
    c.reply().bulk(&value);
}

/// Logs a cross-shard move's record (joins it to the running EXEC's), while the
/// command's locks on both keys are held.
fn log_move(c: &mut Client, record: &Ops) {
    if c.multi.unit.is_some() {
        c.join_ops(record);
    } else {
        c.shard.append_ops(record);
    }
}

/// The data of a RESP bulk string reply (`$n\r\n...\r\n`).
fn bulk_payload(reply: &[u8]) -> Option<Bytes> {
    let rest = reply.strip_prefix(b"$")?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let len: usize = std::str::from_utf8(&rest[..nl.checked_sub(1)?])
        .ok()?
        .parse()
        .ok()?;
    let start = nl + 1;
    rest.get(start..start + len).map(Bytes::copy_from_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_as_redis_parses_them() {
        assert_eq!(parse_timeout(b"0"), Ok(None));
        assert_eq!(parse_timeout(b"-0"), Ok(None));
        assert_eq!(parse_timeout(b"-0.0001"), Ok(None), "ceil(-0.1 ms) is 0");
        assert!(
            parse_timeout(b"0.0001").unwrap().is_some(),
            "rounds up to 1 ms"
        );
        assert!(parse_timeout(b"0x10").unwrap().is_some());
        assert_eq!(parse_timeout(b"-1"), Err(TIMEOUT_NEGATIVE));
        assert_eq!(parse_timeout(b"inf"), Err(TIMEOUT_NEGATIVE));
        assert_eq!(parse_timeout(b"1e20"), Err(TIMEOUT_NEGATIVE));
        assert_eq!(parse_timeout(b"nan"), Err(TIMEOUT_NOT_FLOAT));
        assert_eq!(parse_timeout(b"abc"), Err(TIMEOUT_NOT_FLOAT));
        assert_eq!(parse_timeout(b""), Err(TIMEOUT_NOT_FLOAT));
        assert_eq!(hex_float(b"0x1.8"), Some(1.5));
        assert_eq!(hex_float(b"-0X10"), Some(-16.0));
        assert_eq!(hex_float(b"0x"), None);
    }

    #[test]
    fn bulk_payloads() {
        assert_eq!(bulk_payload(b"$3\r\nabc\r\n").as_deref(), Some(&b"abc"[..]));
        assert_eq!(bulk_payload(b"$0\r\n\r\n").as_deref(), Some(&b""[..]));
        assert_eq!(bulk_payload(b"$-1\r\n"), None);
        assert_eq!(bulk_payload(b"-ERR x\r\n"), None);
    }
}
