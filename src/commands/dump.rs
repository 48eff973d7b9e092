//! DUMP and RESTORE (`cluster.c`): a value serialized as Redis 7.0 serializes it
//! (type byte, value in RDB encoding, RDB version u16 LE, CRC-64 u64 LE), so payloads
//! move both ways between shardis and Redis. The codec is [`crate::rdb`].
//!
//! IDLETIME and FREQ are parsed and checked as Redis does; shardis keeps no LRU/LFU
//! clock yet, so their values are not stored.

use bytes::Bytes;

use super::flag::*;
use super::{args, errors, spec, CommandSpec, ExecCtx, KeyRange, Run};
use crate::rdb::reader::{restore_payload, PayloadError};
use crate::rdb::writer::{dump_payload, WriteOptions};

pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
pub const BAD_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
pub const BAD_DATA: &str = "ERR Bad data format";
const BAD_TTL: &str = "ERR Invalid TTL value, must be >= 0";
const BAD_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
const BAD_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";

pub static COMMANDS: &[CommandSpec] = &[
    spec("dump", 2, READONLY, KeyRange::ONE, Run::Shard(dump)),
    spec(
        "restore",
        -4,
        WRITE | DENYOOM,
        KeyRange::ONE,
        Run::Shard(restore),
    ),
];

/// The options values are written with (`rdbcompression yes`, the list node size).
fn write_options(ctx: &ExecCtx) -> WriteOptions {
    WriteOptions {
        compress: true,
        list_max_listpack_size: ctx.ks.limits.list_max_listpack_size,
    }
}

fn dump(ctx: &mut ExecCtx, a: &[Bytes]) {
    let opts = write_options(ctx);
    let ks = &mut *ctx.ks;
    // A read lookup (`lookupKeyRead`): expired keys go, hits and misses count.
    let payload = ks.dbs[ctx.db]
        .get(&a[1], ctx.now_ms)
        .map(|e| dump_payload(e.value(), &opts));
    match payload {
        Some(p) => {
            ks.hits += 1;
            ctx.out.bulk(&p);
        }
        None => {
            ks.misses += 1;
            ctx.out.null();
        }
    }
}

/// RESTORE's options after the payload.
struct Options {
    replace: bool,
    absttl: bool,
}

/// `restoreCommand`'s option loop: REPLACE, ABSTTL, IDLETIME s, FREQ f (IDLETIME and
/// FREQ exclude each other: the second one is a syntax error).
fn parse_options(a: &[Bytes]) -> Result<Options, &'static str> {
    let mut o = Options {
        replace: false,
        absttl: false,
    };
    let (mut idle, mut freq) = (false, false);
    let mut j = 4;
    while j < a.len() {
        let more = j + 1 < a.len();
        if args::eq(&a[j], "replace") {
            o.replace = true;
        } else if args::eq(&a[j], "absttl") {
            o.absttl = true;
        } else if args::eq(&a[j], "idletime") && more && !freq {
            let v = args::int(&a[j + 1]).ok_or(errors::NOT_INTEGER)?;
            if v < 0 {
                return Err(BAD_IDLETIME);
            }
            idle = true;
            j += 1;
        } else if args::eq(&a[j], "freq") && more && !idle {
            let v = args::int(&a[j + 1]).ok_or(errors::NOT_INTEGER)?;
            if !(0..=255).contains(&v) {
                return Err(BAD_FREQ);
            }
            freq = true;
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]. Checks in
/// Redis's order: options, an existing key, the TTL, the payload's footer, its value.
fn restore(ctx: &mut ExecCtx, a: &[Bytes]) {
    let o = match parse_options(a) {
        Ok(o) => o,
        Err(e) => return ctx.out.error(e),
    };
    let (key, now) = (&a[1], ctx.now_ms);
    if !o.replace && ctx.db().contains(key, now) {
        return ctx.out.error(BUSYKEY);
    }
    let ttl = match args::int(&a[2]) {
        None => return ctx.out.error(errors::NOT_INTEGER),
        Some(t) if t < 0 => return ctx.out.error(BAD_TTL),
        Some(t) => t as u64,
    };
    let limits = ctx.ks.limits;
    let value = match restore_payload(&a[3], &limits) {
        Ok(v) => v,
        Err(PayloadError::VersionOrChecksum) => return ctx.out.error(BAD_PAYLOAD),
        Err(PayloadError::BadData(_)) => return ctx.out.error(BAD_DATA),
    };
    let db = ctx.db();
    if o.replace {
        db.remove(key, now);
    }
    let db = ctx.db();
    let expire_at = match ttl {
        0 => None,
        t if o.absttl => Some(t),
        t => Some(t.saturating_add(now)),
    };
    // A TTL already in the past: the key is not created (an old one is gone with REPLACE).
    if expire_at.is_some_and(|at| at <= now) {
        // Replicated as the deletion of the replaced key, if there was one.
        ctx.rewrite(&[&b"DEL"[..], key]);
        return ctx.out.ok();
    }
    db.insert(value.into_entry(key, expire_at));
    if let (Some(at), false) = (expire_at, o.absttl) {
        // A relative TTL is replicated as the absolute time (cluster.c: `ABSTTL`).
        let mut n = itoa::Buffer::new();
        let mut rec: Vec<&[u8]> = a.iter().map(|w| &w[..]).collect();
        rec[2] = n.format(at).as_bytes();
        rec.push(b"ABSTTL");
        ctx.rewrite(&rec);
    }
    ctx.out.ok();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    #[test]
    fn option_errors_as_redis() {
        let p = |w: &[&str]| parse_options(&words(w)).map(|o| (o.replace, o.absttl));
        assert_eq!(p(&["restore", "k", "0", "x"]), Ok((false, false)));
        assert_eq!(
            p(&["restore", "k", "0", "x", "REPLACE", "absttl"]),
            Ok((true, true))
        );
        assert_eq!(
            p(&["restore", "k", "0", "x", "idletime", "5"]),
            Ok((false, false))
        );
        assert_eq!(
            p(&["restore", "k", "0", "x", "idletime"]),
            Err(errors::SYNTAX)
        );
        assert_eq!(
            p(&["restore", "k", "0", "x", "idletime", "-1"]),
            Err(BAD_IDLETIME)
        );
        assert_eq!(
            p(&["restore", "k", "0", "x", "idletime", "z"]),
            Err(errors::NOT_INTEGER)
        );
        assert_eq!(p(&["restore", "k", "0", "x", "freq", "256"]), Err(BAD_FREQ));
        assert_eq!(
            p(&["restore", "k", "0", "x", "freq", "1", "idletime", "1"]),
            Err(errors::SYNTAX)
        );
        assert_eq!(p(&["restore", "k", "0", "x", "nope"]), Err(errors::SYNTAX));
    }
}
