//! Keyspace commands (`db.c`, `expire.c`, `object.c`): DEL, EXISTS, TYPE, EXPIRE, SCAN
//! and friends.
//!
//! This file holds the family's table, the per-key commands and the helpers the others
//! share; [`expire`] has the TTL commands, [`scan`] the commands that walk every shard
//! (KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL) and [`rename`] the ones that move
//! values between keys or databases (RENAME, COPY, MOVE), across shards too.

mod expire;
mod rename;
mod scan;

use bytes::Bytes;

use super::flag::*;
use super::{errors, Combine, CommandSpec, ExecCtx, KeyRange, Run};
use crate::protocol::parse_i64_strict;
use crate::storage::{Entry, NewValue, Object, ValueRef};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "del",
        arity: -2,
        flags: WRITE,
        keys: KeyRange::ALL,
        run: Run::Split(del, Combine::SumIntegers),
    },
    CommandSpec {
        name: "unlink",
        arity: -2,
        flags: WRITE | FAST,
        keys: KeyRange::ALL,
        run: Run::Split(del, Combine::SumIntegers),
    },
    CommandSpec {
        name: "exists",
        arity: -2,
        flags: READONLY | FAST,
        keys: KeyRange::ALL,
        run: Run::Split(exists, Combine::SumIntegers),
    },
    CommandSpec {
        name: "touch",
        arity: -2,
        flags: READONLY | FAST,
        keys: KeyRange::ALL,
        run: Run::Split(exists, Combine::SumIntegers),
    },
    CommandSpec {
        name: "type",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(type_cmd),
    },
    CommandSpec {
        name: "expire",
        arity: -3,
        flags: WRITE | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::expire),
    },
    CommandSpec {
        name: "pexpire",
        arity: -3,
        flags: WRITE | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::pexpire),
    },
    CommandSpec {
        name: "expireat",
        arity: -3,
        flags: WRITE | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::expireat),
    },
    CommandSpec {
        name: "pexpireat",
        arity: -3,
        flags: WRITE | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::pexpireat),
    },
    CommandSpec {
        name: "ttl",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::ttl),
    },
    CommandSpec {
        name: "pttl",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::pttl),
    },
    CommandSpec {
        name: "expiretime",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::expiretime),
    },
    CommandSpec {
        name: "pexpiretime",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::pexpiretime),
    },
    CommandSpec {
        name: "persist",
        arity: 2,
        flags: WRITE | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(expire::persist),
    },
    CommandSpec {
        name: "keys",
        arity: 2,
        flags: READONLY,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::keys),
    },
    CommandSpec {
        name: "scan",
        arity: -2,
        flags: READONLY,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::scan),
    },
    CommandSpec {
        name: "randomkey",
        arity: 1,
        flags: READONLY,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::randomkey),
    },
    CommandSpec {
        name: "dbsize",
        arity: 1,
        flags: READONLY | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::dbsize),
    },
    CommandSpec {
        name: "flushdb",
        arity: -1,
        flags: WRITE,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::flushdb),
    },
    CommandSpec {
        name: "swapdb",
        arity: 3,
        flags: WRITE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::swapdb),
    },
    CommandSpec {
        name: "flushall",
        arity: -1,
        flags: WRITE,
        keys: KeyRange::NONE,
        run: Run::Coord(scan::flushall),
    },
    CommandSpec {
        name: "rename",
        arity: 3,
        flags: WRITE,
        keys: KeyRange::FIRST_TWO,
        run: Run::ShardOr(rename::rename, rename::rename_across),
    },
    CommandSpec {
        name: "renamenx",
        arity: 3,
        flags: WRITE | FAST,
        keys: KeyRange::FIRST_TWO,
        run: Run::ShardOr(rename::renamenx, rename::renamenx_across),
    },
    CommandSpec {
        name: "copy",
        arity: -3,
        flags: WRITE | DENYOOM,
        keys: KeyRange::FIRST_TWO,
        run: Run::ShardOr(rename::copy, rename::copy_across),
    },
    CommandSpec {
        name: "move",
        arity: 3,
        flags: WRITE | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(rename::move_cmd),
    },
    CommandSpec {
        // A container command in Redis 7.0 (COMMAND shows no keys for it); the key of its
        // subcommands is argument 2, which is what routing needs.
        name: "object",
        arity: -2,
        flags: 0,
        keys: KeyRange {
            first: 2,
            last: 2,
            step: 1,
        },
        run: Run::Shard(object),
    },
];

/// The future a coordinator command returns.
type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// A read lookup as Redis's `lookupKeyRead`: an expired key is deleted, and the keyspace
/// hit/miss counters of INFO move.
fn read_lookup<'a>(ctx: &'a mut ExecCtx, key: &[u8]) -> Option<&'a Entry> {
    let ks = &mut *ctx.ks;
    // Disjoint field borrows: the entry borrows `dbs` while the counters move.
    let e = ks.dbs[ctx.db].get(key, ctx.now_ms);
    if e.is_some() {
        ks.hits += 1;
    } else {
        ks.misses += 1;
    }
    e
}

/// A copy of `e` under `key`, value duplicated, TTL kept (COPY).
fn dup_entry(e: &Entry, key: &[u8]) -> Entry {
    let value = match e.value() {
        ValueRef::Str(_) => e.inline_value(),
        ValueRef::Obj(o) => NewValue::Obj(Box::new(o.clone())),
    };
    Entry::new(key, value, e.expire_at_ms())
}

/// `e` moved under `key`, TTL kept (RENAME). An object value moves without being copied:
/// it is swapped out for an empty one, which the old block then frees.
fn rekey(mut e: Entry, key: &[u8]) -> Entry {
    let at = e.expire_at_ms();
    if let Some(obj) = e.object_mut() {
        let taken = std::mem::replace(obj, Object::Str(Box::default()));
        return Entry::new(key, NewValue::Obj(Box::new(taken)), at);
    }
    dup_entry(&e, key)
}

/// Parses a database index as `getIntFromObjectOrReply` then `selectDb` do.
fn parse_db(arg: &[u8], databases: usize) -> Result<usize, &'static str> {
    let n = parse_i64_strict(arg).ok_or(errors::NOT_INTEGER)?;
    if i32::try_from(n).is_err() {
        return Err(NOT_INT32);
    }
    usize::try_from(n)
        .ok()
        .filter(|&n| n < databases)
        .ok_or(errors::INVALID_DB)
}

/// `getIntFromObjectOrReply`'s error for an integer outside C's `int`.
const NOT_INT32: &str = "ERR value is out of range, value must between -2147483648 and 2147483647";

const SAME_OBJECT: &str = "ERR source and destination objects are the same";

fn del(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let db = ctx.db();
    let removed = a[1..]
        .iter()
        .filter(|k| db.remove(k, now).is_some())
        .count();
    ctx.out.int(removed as i64);
}

/// EXISTS and TOUCH: both count the live keys among the arguments (a repeated key counts
/// each time). There is no access clock to touch yet.
fn exists(ctx: &mut ExecCtx, a: &[Bytes]) {
    let n = a[1..]
        .iter()
        .filter(|k| read_lookup(ctx, k).is_some())
        .count();
    ctx.out.int(n as i64);
}

fn type_cmd(ctx: &mut ExecCtx, a: &[Bytes]) {
    let name = match read_lookup(ctx, &a[1]).map(|e| e.value()) {
        None => "none",
        Some(ValueRef::Str(_)) => "string",
        Some(ValueRef::Obj(o)) => o.type_name(),
    };
    ctx.out.simple(name);
}

/// Redis's string encodings: "int" for a canonical integer (`string2l`, at most 20 chars),
/// "embstr" up to 44 bytes, "raw" beyond. A string grown in place is an `Object::Str`,
/// which reports "raw" like Redis's appended sds.
fn string_encoding(s: &[u8], int_ok: bool) -> &'static str {
    if int_ok && s.len() <= 20 && parse_i64_strict(s).is_some() {
        "int"
    } else if s.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

/// OBJECT REFCOUNT: Redis shares the integers 0..9999 (`OBJ_SHARED_INTEGERS`) and reports
/// them with `OBJ_SHARED_REFCOUNT`; every other value has one reference.
fn refcount(v: ValueRef, int_ok: bool) -> i64 {
    match v {
        ValueRef::Str(s) if string_encoding(s, int_ok) == "int" => match parse_i64_strict(s) {
            Some(0..=9999) => i32::MAX as i64,
            _ => 1,
        },
        _ => 1,
    }
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

const NO_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

fn object(ctx: &mut ExecCtx, a: &[Bytes]) {
    let sub = a[1].to_ascii_lowercase();
    let want = match sub.as_slice() {
        b"help" => 2,
        b"encoding" | b"freq" | b"idletime" | b"refcount" => 3,
        _ => return ctx.out.error(&errors::unknown_subcommand("object", &a[1])),
    };
    if a.len() != want {
        let name = format!("object|{}", String::from_utf8_lossy(&sub));
        return ctx.out.error(&errors::arity(&name));
    }
    if sub == b"help" {
        ctx.out.array(OBJECT_HELP.len());
        for line in OBJECT_HELP {
            ctx.out.simple(line);
        }
        return;
    }
    let Some(e) = read_lookup(ctx, &a[2]) else {
        return ctx.out.null();
    };
    match sub.as_slice() {
        b"encoding" => {
            let name = match e.value() {
                ValueRef::Str(s) => string_encoding(s, e.int_encodable()),
                ValueRef::Obj(o) => o.encoding_name(),
            };
            ctx.out.bulk(name.as_bytes());
        }
        b"refcount" => {
            let n = refcount(e.value(), e.int_encodable());
            ctx.out.int(n);
        }
        // shardis has no maxmemory-policy yet, so the policy is always Redis's default
        // (noeviction): not LFU, hence FREQ's error.
        b"freq" => ctx.out.error(NO_LFU),
        // No per-key access clock is kept yet (the LRU field of Redis's robj), so the idle
        // time reads as 0, which is what Redis reports for a key used in the last second.
        _ => ctx.out.int(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_encodings_match_redis() {
        assert_eq!(string_encoding(b"123", true), "int");
        assert_eq!(string_encoding(b"-9223372036854775808", true), "int");
        assert_eq!(string_encoding(b"9223372036854775808", true), "embstr");
        assert_eq!(string_encoding(b"0123", true), "embstr");
        assert_eq!(string_encoding(b"+1", true), "embstr");
        assert_eq!(string_encoding(b"", true), "embstr");
        assert_eq!(string_encoding(&[b'x'; 44], true), "embstr");
        assert_eq!(string_encoding(&[b'x'; 45], true), "raw");
    }

    #[test]
    fn shared_integers_report_max_refcount() {
        assert_eq!(refcount(ValueRef::Str(b"0"), true), i32::MAX as i64);
        assert_eq!(refcount(ValueRef::Str(b"9999"), true), i32::MAX as i64);
        assert_eq!(refcount(ValueRef::Str(b"10000"), true), 1);
        assert_eq!(refcount(ValueRef::Str(b"-1"), true), 1);
        assert_eq!(refcount(ValueRef::Str(b"abc"), true), 1);
    }

    #[test]
    fn db_indexes_parse_like_select() {
        assert_eq!(parse_db(b"3", 16), Ok(3));
        assert_eq!(parse_db(b"16", 16), Err(errors::INVALID_DB));
        assert_eq!(parse_db(b"-1", 16), Err(errors::INVALID_DB));
        assert_eq!(parse_db(b"x", 16), Err(errors::NOT_INTEGER));
        assert_eq!(parse_db(b"4294967296", 16), Err(NOT_INT32));
    }

    #[test]
    fn rekey_keeps_value_and_ttl() {
        let e = Entry::new(
            b"a",
            NewValue::Obj(Box::new(Object::Str(Box::new(b"grown".to_vec())))),
            Some(7),
        );
        let d = dup_entry(&e, b"c");
        let b = rekey(e, b"b");
        assert_eq!(
            (b.key(), b.as_str(), b.expire_at_ms()),
            (&b"b"[..], Some(&b"grown"[..]), Some(7))
        );
        assert_eq!((d.key(), d.as_str()), (&b"c"[..], Some(&b"grown"[..])));
        let s = rekey(Entry::new(b"a", NewValue::Str(b"v"), None), b"z");
        assert_eq!(
            (s.key(), s.as_str(), s.expire_at_ms()),
            (&b"z"[..], Some(&b"v"[..]), None)
        );
    }
}
