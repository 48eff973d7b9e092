//! DEBUG (`debug.c`): DIGEST, DIGEST-VALUE, OBJECT, POPULATE, SLEEP, SET-ACTIVE-EXPIRE, HELP.
//!
//! DEBUG DIGEST is Redis's order-independent dataset hash, so a shardis dataset can be
//! compared with a real Redis holding the same data (tests, and later a Redis replica of
//! a shardis master). Redis computes, with `xor(x, p)`: `x ^= SHA1(p)` and `mix(x, p)`:
//! `x = SHA1(x ^ SHA1(p))`:
//!
//! ```text
//!   final = 0
//!   for each db j that has keys (in db order):
//!       mix(final, htonl(j))
//!       for each key k of db j:  d = 0; mix(d, k); value_digest(d, v); xor(final, d)
//! ```
//!
//! Within a db the key terms only XOR into `final`, so the db's contribution is
//! `X_j = XOR over its keys of SHA1(d_k)`, and `final_j = mix(final_{j-1}, j) ^ X_j`.
//! XOR is associative and commutative, so each shard computes its partial `X_j` (and
//! whether it has keys in db j) for every db, the coordinator XORs the partials of all
//! shards per db and then applies the per-db mixes in db order: exactly Redis's value.
//! Redis walks the raw dict, so logically expired keys that are still stored count too;
//! so do they here.

use bytes::Bytes;
use sha1::{Digest as _, Sha1};

use super::flag::*;
use super::{args, errors, CommandSpec, KeyRange, Run};
use crate::server::client::Client;
use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::slot::key_shard;
use crate::storage::{Db, Entry, NewValue, Object, ValueRef};

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "debug",
    arity: -2,
    flags: ADMIN | NOSCRIPT | LOADING | STALE,
    keys: KeyRange::NONE,
    run: Run::Coord(debug),
}];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// A 20-byte SHA1-sized digest, as Redis's `unsigned char digest[20]`.
pub type Digest = [u8; 20];

/// Redis's object type codes (`server.h` `OBJ_*`), which the digest mixes in; not the RDB
/// type bytes.
pub mod obj_type {
    pub const STRING: u32 = 0;
    pub const LIST: u32 = 1;
    pub const SET: u32 = 2;
    pub const ZSET: u32 = 3;
    pub const HASH: u32 = 4;
}

fn sha1(data: &[u8]) -> Digest {
    Sha1::digest(data).into()
}

/// Redis's `xorDigest`: `d ^= SHA1(data)`. Order independent, for unordered elements.
pub fn xor_digest(d: &mut Digest, data: &[u8]) {
    for (x, h) in d.iter_mut().zip(sha1(data)) {
        *x ^= h;
    }
}

/// Redis's `mixDigest`: `d = SHA1(d ^ SHA1(data))`. Order dependent.
pub fn mix_digest(d: &mut Digest, data: &[u8]) {
    xor_digest(d, data);
    *d = sha1(d);
}

fn hex(d: &Digest) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Redis's `xorObjectDigest`: mixes the type code and the value into `d`, then the
/// `!!expire!!` marker if the key has a TTL.
pub fn value_digest(d: &mut Digest, entry: &Entry) {
    match entry.value() {
        ValueRef::Str(s) => {
            mix_digest(d, &obj_type::STRING.to_be_bytes());
            mix_digest(d, s);
        }
        ValueRef::Obj(o) => object_digest(d, o),
    }
    if entry.expire_at_ms().is_some() {
        xor_digest(d, b"!!expire!!");
    }
}

/// The type code and value part for values held in an [`Object`]. Each new type adds its
/// arm here with Redis's rule (lists: mix each element in order; sets: xor each member;
/// hashes: xor of `mix(mix(0, field), value)`; zsets: xor of `mix(mix(0, member),
/// "%.17g" score)`), using the [`obj_type`] codes.
fn object_digest(d: &mut Digest, o: &Object) {
    let code = match o {
        Object::Str(_) => obj_type::STRING,
        Object::List(_) => obj_type::LIST,
        Object::Set(_) => obj_type::SET,
        Object::ZSet(_) => obj_type::ZSET,
        Object::Hash(_) => obj_type::HASH,
    };
    mix_digest(d, &code.to_be_bytes());
    match o {
        Object::Str(s) => mix_digest(d, s),
        Object::List(l) => l.for_each(|e| mix_digest(d, e)),
        Object::Set(s) => s.for_each(|m| xor_digest(d, m)),
        Object::Hash(h) => h.for_each(|f, v| {
            let mut pair = [0u8; 20];
            mix_digest(&mut pair, f);
            mix_digest(&mut pair, v);
            xor_digest(d, &pair);
        }),
        Object::ZSet(z) => z.for_each(|m, score| {
            let mut pair = [0u8; 20];
            mix_digest(&mut pair, m);
            mix_digest(&mut pair, crate::protocol::format_double(score).as_bytes());
            xor_digest(d, &pair);
        }),
    }
}

/// One key's term in the dataset digest, before the final SHA1: `mix(0, key)` then the
/// value.
fn key_digest(entry: &Entry) -> Digest {
    let mut d = [0u8; 20];
    mix_digest(&mut d, entry.key());
    value_digest(&mut d, entry);
    d
}

/// A shard's part of one db's digest: whether the db has keys here, and the XOR over them
/// of `SHA1(key_digest)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbPartial {
    pub has_keys: bool,
    pub xor: Digest,
}

/// The partial digest of one db of one shard (every stored key, expired or not).
pub fn db_partial(db: &Db) -> DbPartial {
    let mut p = DbPartial {
        has_keys: !db.is_empty(),
        xor: [0; 20],
    };
    for e in db.table().iter() {
        xor_digest(&mut p.xor, &key_digest(e));
    }
    p
}

/// Combines per-shard, per-db partials (`parts[shard][db]`) into Redis's dataset digest.
pub fn combine_partials(parts: &[Vec<DbPartial>]) -> Digest {
    let dbs = parts.iter().map(Vec::len).max().unwrap_or(0);
    let mut fin = [0u8; 20];
    for j in 0..dbs {
        let mut db = DbPartial::default();
        for p in parts.iter().filter_map(|s| s.get(j)) {
            db.has_keys |= p.has_keys;
            for (x, y) in db.xor.iter_mut().zip(p.xor) {
                *x ^= y;
            }
        }
        if !db.has_keys {
            continue;
        }
        mix_digest(&mut fin, &(j as u32).to_be_bytes());
        for (x, y) in fin.iter_mut().zip(db.xor) {
            *x ^= y;
        }
    }
    fin
}

const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
];

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: `None` for anything else.
fn reload_options(words: &[Bytes]) -> Option<crate::server::persist::ReloadOptions> {
    let mut o = crate::server::persist::ReloadOptions {
        save: true,
        flush: true,
    };
    for w in words {
        match w.to_ascii_lowercase().as_slice() {
            b"merge" => {}
            b"noflush" => o.flush = false,
            b"nosave" => o.save = false,
            _ => return None,
        }
    }
    Some(o)
}

fn debug(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if !c.debug_allowed() {
            return c.reply().error(errors::DEBUG_NOT_ALLOWED);
        }
        let sub = a[1].to_ascii_lowercase();
        match (sub.as_slice(), a.len()) {
            (b"help", 2) => {
                let mut r = c.reply();
                r.array(HELP.len());
                for line in HELP {
                    r.simple(line);
                }
            }
            (b"digest", 2) => digest(c).await,
            // Inside EXEC the transaction may hold key locks the reload's whole-keyspace
            // locks would wait for: refused rather than deadlocked.
            (b"reload", _) if c.multi.executing() => c
                .reply()
                .error("ERR DEBUG RELOAD inside MULTI is not supported"),
            (b"reload", _) => match reload_options(&a[2..]) {
                None => c
                    .reply()
                    .error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."),
                Some(opts) => match crate::server::persist::debug_reload(&c.shard, opts).await {
                    Ok(()) => c.reply().ok(),
                    Err(e) => c.reply().error(&e),
                },
            },
            (b"digest-value", _) => digest_value(c, &a[2..]).await,
            (b"object", 3) => object(c, a[2].clone()).await,
            (b"populate", 3..=5) => populate(c, &a).await,
            (b"sleep", 3) => {
                let secs = strtod_prefix(&a[2]);
                let micros = (secs * 1e6) as i64;
                if micros > 0 {
                    // Redis's DEBUG SLEEP stops the whole server. Here it blocks this
                    // connection's shard (its executor thread, with everything that shard
                    // serves) rather than yielding, which is the closest faithful
                    // equivalent; other shards keep running.
                    std::thread::sleep(std::time::Duration::from_micros(micros as u64));
                }
                c.reply().ok();
            }
            (b"set-active-expire", 3) => {
                // Redis uses atoi(): anything not starting with a non-zero number is 0.
                let on = atoi(&a[2]) != 0;
                c.shard
                    .global
                    .active_expire
                    .store(on, std::sync::atomic::Ordering::Relaxed);
                c.reply().ok();
            }
            _ => {
                let shown = String::from_utf8_lossy(&a[1][..a[1].len().min(128)]).into_owned();
                c.reply().error(&format!(
                    "ERR unknown subcommand or wrong number of arguments for '{shown}'. Try {} HELP.",
                    String::from_utf8_lossy(&a[0]).to_ascii_uppercase()
                ));
            }
        }
    })
}

async fn digest(c: &mut Client) {
    let parts = c
        .shard
        .fanout(|s| {
            let ks = s.keyspace.borrow();
            ks.dbs.iter().map(db_partial).collect::<Vec<_>>()
        })
        .await;
    let d = combine_partials(&parts);
    c.reply().simple(&hex(&d));
}

/// DEBUG DIGEST-VALUE: per key, `value_digest` from zero (no key mixed in, no final SHA1);
/// zeros for a missing key. Like Redis it reads the raw table, so a logically expired key
/// still has its digest.
async fn digest_value(c: &mut Client, keys: &[Bytes]) {
    let nshards = c.shard.nshards;
    let db = c.db;
    let mut digests = vec![[0u8; 20]; keys.len()];
    let mut by_shard: Vec<Vec<(usize, Bytes)>> = vec![Vec::new(); nshards];
    for (i, k) in keys.iter().enumerate() {
        by_shard[key_shard(k, nshards)].push((i, k.clone()));
    }
    for (shard, mine) in by_shard.into_iter().enumerate() {
        if mine.is_empty() {
            continue;
        }
        let found = c
            .shard
            .run_on(shard, move |s: &ShardCtx| {
                let ks = s.keyspace.borrow();
                let table = ks.dbs[db].table();
                mine.into_iter()
                    .map(|(i, k)| {
                        let mut d = [0u8; 20];
                        if let Some(e) = table.get(&k) {
                            value_digest(&mut d, e);
                        }
                        (i, d)
                    })
                    .collect::<Vec<_>>()
            })
            .await;
        for (i, d) in found {
            digests[i] = d;
        }
    }
    let mut r = c.reply();
    r.array(digests.len());
    for d in &digests {
        r.simple(&hex(d));
    }
}

/// What DEBUG OBJECT reports about a string value.
struct StrInfo {
    encoding: &'static str,
    refcount: i64,
    serialized_len: usize,
}

/// Redis's `rdbSaveLen` size.
fn rdb_len_bytes(n: usize) -> usize {
    match n {
        0..=63 => 1,
        64..=16383 => 2,
        _ if n as u64 <= u32::MAX as u64 => 5,
        _ => 9,
    }
}

/// Redis's `rdbEncodeInteger` size, or None when the value needs the string form.
fn rdb_int_bytes(v: i64) -> Option<usize> {
    if i8::try_from(v).is_ok() {
        Some(2)
    } else if i16::try_from(v).is_ok() {
        Some(3)
    } else if i32::try_from(v).is_ok() {
        Some(5)
    } else {
        None
    }
}

/// Encoding, refcount and RDB length of a string, as Redis would hold it after SET
/// (`tryObjectEncoding`): integers of up to 20 characters are `int` (0..9999 are shared
/// objects with refcount INT_MAX), up to 44 bytes `embstr`, longer `raw`; a string grown
/// by APPEND/SETRANGE is `raw`. The RDB length ignores LZF compression (Redis compresses
/// strings over 20 bytes when that saves space; shardis has no LZF yet), so it is larger
/// than Redis's for compressible long strings.
fn str_info(s: &[u8], grown: bool) -> StrInfo {
    let as_int = if grown { None } else { args::int(s) };
    if let Some(v) = as_int {
        return StrInfo {
            encoding: "int",
            refcount: if (0..10_000).contains(&v) {
                i32::MAX as i64
            } else {
                1
            },
            serialized_len: rdb_int_bytes(v).unwrap_or(rdb_len_bytes(s.len()) + s.len()),
        };
    }
    // rdbSaveRawString tries the integer form for strings of up to 11 bytes.
    let small_int = if s.len() <= 11 {
        args::int(s).and_then(rdb_int_bytes)
    } else {
        None
    };
    StrInfo {
        encoding: if grown || s.len() > 44 {
            "raw"
        } else {
            "embstr"
        },
        refcount: 1,
        serialized_len: small_int.unwrap_or(rdb_len_bytes(s.len()) + s.len()),
    }
}

/// DEBUG OBJECT: Redis's status line. shardis keeps no per-key access clock, so `lru` is
/// the current LRU clock (unix seconds mod 2^24) and `lru_seconds_idle` 0.
async fn object(c: &mut Client, key: Bytes) {
    let db = c.db;
    let shard = key_shard(&key, c.shard.nshards);
    let line = c
        .shard
        .run_on(shard, move |s: &ShardCtx| {
            let ks = s.keyspace.borrow();
            // Redis reads the raw dict: a logically expired key is still shown.
            let e = ks.dbs[db].table().get(&key)?;
            let info = match e.value() {
                ValueRef::Str(v) if e.int_encodable() => str_info(v, false),
                // INCRBYFLOAT's result: embstr (or raw) even when it reads as an integer.
                ValueRef::Str(v) => StrInfo {
                    encoding: if v.len() > 44 { "raw" } else { "embstr" },
                    ..str_info(v, true)
                },
                ValueRef::Obj(o) => match o {
                    Object::Str(v) => str_info(v, true),
                    // The RDB issue gives collections their real serialized length.
                    other => StrInfo {
                        encoding: other.encoding_name(),
                        refcount: 1,
                        serialized_len: other.heap_bytes(),
                    },
                },
            };
            let lru = (unix_ms() / 1000) & ((1 << 24) - 1);
            Some(format!(
                "Value at:{:p} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
                e as *const Entry, info.refcount, info.encoding, info.serialized_len, lru, 0
            ))
        })
        .await;
    match line {
        Some(l) => c.reply().simple(&l),
        None => c.reply().error(errors::NO_SUCH_KEY),
    }
}

/// Parses a count or size as Redis's `getPositiveLongFromObjectOrReply`.
fn positive(arg: &[u8]) -> Option<u64> {
    args::int(arg).and_then(|n| u64::try_from(n).ok())
}

/// DEBUG POPULATE count [prefix [size]]: keys `prefix:j` (Redis formats into a 128-byte
/// buffer with `%s`, so the prefix stops at a NUL byte and the key at 127 bytes) with
/// values `value:j`, or, with a size, `value:j` cut or zero-padded to that size. Existing
/// live keys are kept. Every shard walks all `j` and creates the keys it owns, in
/// parallel; formatting and hashing a key is far cheaper than the cross-shard message it
/// would otherwise cost.
async fn populate(c: &mut Client, a: &[Bytes]) {
    let Some(count) = positive(&a[2]) else {
        return c.reply().error(errors::MUST_BE_POSITIVE);
    };
    let size = match a.get(4) {
        None => 0,
        Some(s) => match positive(s) {
            Some(n) => n as usize,
            None => return c.reply().error(errors::MUST_BE_POSITIVE),
        },
    };
    let prefix: Bytes = match a.get(3) {
        None => Bytes::from_static(b"key"),
        Some(p) => {
            let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
            p.slice(..end)
        }
    };
    let db = c.db;
    c.shard
        .fanout(move |s| populate_shard(s, db, count, &prefix, size))
        .await;
    c.reply().ok();
}

fn populate_shard(s: &ShardCtx, db: usize, count: u64, prefix: &[u8], size: usize) {
    const BUF: usize = 127;
    let (me, nshards) = (s.id, s.nshards);
    let mut ks = s.keyspace.borrow_mut();
    let db = &mut ks.dbs[db];
    let now = unix_ms();
    let mut key = Vec::with_capacity(BUF + 1);
    let mut value = Vec::with_capacity(size.max(32));
    let mut num = itoa::Buffer::new();
    for j in 0..count {
        let digits = num.format(j);
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(digits.as_bytes());
        key.truncate(BUF);
        if key_shard(&key, nshards) != me || db.contains(&key, now) {
            continue;
        }
        value.clear();
        value.extend_from_slice(b"value:");
        value.extend_from_slice(digits.as_bytes());
        if size > 0 {
            value.resize(size, 0);
        }
        db.insert(Entry::new(&key, NewValue::Str(&value), None));
    }
    db.expired_log.clear();
}

/// C's `strtod` on the longest numeric prefix (0 when there is none), as DEBUG SLEEP reads
/// its argument.
fn strtod_prefix(arg: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(arg);
    let s = s.trim_start();
    let mut best = 0.0;
    // A sleep needs no more digits than this; it bounds the quadratic scan.
    for end in 1..=s.len().min(64) {
        if !s.is_char_boundary(end) {
            continue;
        }
        if let Ok(v) = s[..end].parse::<f64>() {
            if v.is_finite() {
                best = v;
            }
        }
    }
    best
}

/// C's `atoi`: optional whitespace and sign, then digits; 0 when there are none.
fn atoi(arg: &[u8]) -> i64 {
    let mut it = arg
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .peekable();
    let neg = match it.peek() {
        Some(b'-') => {
            it.next();
            true
        }
        Some(b'+') => {
            it.next();
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    for b in it.take_while(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    if neg {
        -n
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ahash::RandomState;

    fn db_with(keys: &[(&str, &str, Option<u64>)]) -> Db {
        let mut d = Db::new(RandomState::with_seeds(1, 2, 3, 4));
        for (k, v, ttl) in keys {
            d.insert(Entry::new(k.as_bytes(), NewValue::Str(v.as_bytes()), *ttl));
        }
        d
    }

    #[test]
    fn empty_dataset_is_zero() {
        let parts = vec![vec![DbPartial::default(); 16]; 3];
        assert_eq!(hex(&combine_partials(&parts)), "0".repeat(40));
    }

    #[test]
    fn split_over_shards_equals_one_shard() {
        let all = [("a", "1", None), ("b", "hello", Some(5)), ("c", "x", None)];
        let whole = vec![db_partial(&db_with(&all)), db_partial(&db_with(&all[..1]))];
        let s1 = vec![db_partial(&db_with(&all[..2])), db_partial(&db_with(&[]))];
        let s2 = vec![
            db_partial(&db_with(&all[2..])),
            db_partial(&db_with(&all[..1])),
        ];
        assert_eq!(combine_partials(&[whole]), combine_partials(&[s1, s2]));
    }

    #[test]
    fn c_number_parsing() {
        assert_eq!(atoi(b" 12x"), 12);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"-3"), -3);
        assert_eq!(strtod_prefix(b"0.5s"), 0.5);
        assert_eq!(strtod_prefix(b"abc"), 0.0);
    }

    #[test]
    fn string_object_info() {
        let i = str_info(b"123", false);
        assert_eq!(
            (i.encoding, i.refcount, i.serialized_len),
            ("int", 2147483647, 2)
        );
        let i = str_info(b"v", false);
        assert_eq!((i.encoding, i.serialized_len), ("embstr", 2));
        let i = str_info(b"vx", true);
        assert_eq!((i.encoding, i.serialized_len), ("raw", 3));
    }
}
