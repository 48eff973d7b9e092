//! The command table and the two ways a command runs.
//!
//! Command metadata is data: one [`CommandSpec`] per command (name, arity, flags, key
//! positions, how it runs) that dispatch, `COMMAND`, and later ACL and replication all
//! read. A command runs either
//! - **on a shard** ([`ShardFn`]): synchronously, on the shard that owns its keys (or the
//!   connection's own shard when it has none), with an [`ExecCtx`] that reaches only that
//!   shard's keyspace. Almost all traffic is this; it never touches another core's data.
//! - **at the coordinator** ([`CoordFn`]): asynchronously, on the connection's shard, with
//!   the connection's state; it may message other shards (fan-out commands such as DBSIZE,
//!   connection commands such as SELECT and CLIENT, cross-shard RENAME).
//!
//! Handlers write their reply straight into the output buffer through [`Reply`]; errors are
//! Redis's exact strings, most from [`errors`].

pub mod blocking;
pub mod client;
pub mod command_docs;
pub mod command_docs_types;
pub mod command_info;
pub mod config_cmd;
pub mod connection;
pub mod debug;
pub mod dump;
pub mod errors;
pub mod gather;
pub mod glob;
pub mod hash;
pub mod hash_random;
pub mod info;
pub mod keys;
pub mod list;
pub mod list_ops;
pub mod long_double;
pub mod multi;
pub mod persistence;
pub mod propagate;
pub mod replicaof;
pub mod replication;
pub mod role;
pub mod scan_args;
pub mod server;
pub mod set;
pub mod set_multi;
pub mod strings;
pub mod strings_lcs;
pub mod strings_num;
pub mod typed;
pub mod zset;
pub mod zset_multi;
pub mod zset_range;
pub mod zset_scan;

use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use bytes::Bytes;

use crate::protocol::Reply;
use crate::server::client::Client;
use crate::storage::{Db, Keyspace};

/// Command flags, as COMMAND reports them.
pub mod flag {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const ALLOW_BUSY: u32 = 1 << 15;
    pub const MOVABLEKEYS: u32 = 1 << 16;
    pub const NO_ASYNC_LOADING: u32 = 1 << 17;

    /// Names in COMMAND's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
        (MOVABLEKEYS, "movablekeys"),
    ];
}

/// Where a command's keys are among its arguments (Redis's legacy first/last/step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRange {
    pub first: i32,
    /// Negative counts from the end (-1 = the last argument).
    pub last: i32,
    pub step: i32,
}

impl KeyRange {
    pub const NONE: KeyRange = KeyRange {
        first: 0,
        last: 0,
        step: 0,
    };
    pub const ONE: KeyRange = KeyRange {
        first: 1,
        last: 1,
        step: 1,
    };
    pub const ALL: KeyRange = KeyRange {
        first: 1,
        last: -1,
        step: 1,
    };
    /// The first two arguments (source and destination: RENAME, LMOVE, SMOVE, LCS...).
    pub const FIRST_TWO: KeyRange = KeyRange {
        first: 1,
        last: 2,
        step: 1,
    };

    /// Indexes of the key arguments in `argc` arguments.
    pub fn positions(&self, argc: usize) -> impl Iterator<Item = usize> {
        let (first, step) = (self.first.max(0) as usize, self.step.max(1) as usize);
        let last = if self.last < 0 {
            argc as i64 + self.last as i64
        } else {
            self.last as i64
        };
        let end = if self.first == 0 {
            0
        } else {
            (last + 1).max(0) as usize
        };
        (first..end.min(argc)).step_by(step)
    }
}

/// A command body that runs on one shard.
pub type ShardFn = fn(&mut ExecCtx, &[Bytes]);

/// A command body that runs at the coordinator with the connection.
pub type CoordFn = for<'a> fn(&'a mut Client, Vec<Bytes>) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// How per-shard parts of a split multi-key command combine into one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// Each part replies one integer; the reply is their sum (DEL, EXISTS, TOUCH, UNLINK).
    SumIntegers,
    /// Each part replies an array with one element per key; the reply is one array in the
    /// original key order (MGET).
    ArrayInKeyOrder,
    /// Each part replies +OK; so does the whole (MSET).
    AllOk,
}

#[derive(Clone, Copy)]
pub enum Run {
    /// On the shard that owns the keys; keyless commands on the connection's shard.
    Shard(ShardFn),
    /// Like `Shard` when all keys are on one shard; otherwise one part per shard, combined.
    Split(ShardFn, Combine),
    /// Like `Shard` when all keys are on one shard; otherwise the coordinator function.
    ShardOr(ShardFn, CoordFn),
    /// At the coordinator.
    Coord(CoordFn),
}

pub struct CommandSpec {
    /// Lower case.
    pub name: &'static str,
    /// Redis's arity: N means exactly N arguments (with the name), -N at least N.
    pub arity: i32,
    pub flags: u32,
    pub keys: KeyRange,
    pub run: Run,
}

/// A table entry, for the families' `static` tables.
pub const fn spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeyRange,
    run: Run,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        run,
    }
}

impl CommandSpec {
    pub fn is_write(&self) -> bool {
        self.flags & flag::WRITE != 0
    }

    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandSpec")
            .field("name", &self.name)
            .finish()
    }
}

/// Every family's table.
fn families() -> impl Iterator<Item = &'static CommandSpec> {
    strings::COMMANDS
        .iter()
        .chain(keys::COMMANDS)
        .chain(hash::COMMANDS)
        .chain(list::COMMANDS)
        .chain(blocking::COMMANDS)
        .chain(set::COMMANDS)
        .chain(zset::COMMANDS)
        .chain(connection::COMMANDS)
        .chain(server::COMMANDS)
        .chain(debug::COMMANDS)
        .chain(dump::COMMANDS)
        .chain(command_info::COMMANDS)
        .chain(info::COMMANDS)
        .chain(client::COMMANDS)
        .chain(config_cmd::COMMANDS)
        .chain(crate::metrics::commands::COMMANDS)
        .chain(multi::COMMANDS)
        .chain(persistence::COMMANDS)
        .chain(replicaof::COMMANDS)
        .chain(role::COMMANDS)
        .chain(replication::COMMANDS)
}

static TABLE: LazyLock<ahash::AHashMap<&'static str, &'static CommandSpec>> =
    LazyLock::new(|| families().map(|c| (c.name, c)).collect());

/// All commands, for COMMAND.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    families()
}

/// Finds a command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut lower = [0u8; 32];
    if name.len() > lower.len() {
        return None;
    }
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(&lower[..name.len()]).ok()?;
    TABLE.get(lower).copied()
}

/// Everything a shard-side command may touch: this shard's keyspace, the selected db, the
/// time of the request, the output buffer, and what it propagates to the replication log
/// ([`propagate`]).
pub struct ExecCtx<'a> {
    pub ks: &'a mut Keyspace,
    pub db: usize,
    pub now_ms: u64,
    pub out: Reply<'a>,
    pub prop: &'a mut propagate::Prop,
}

impl ExecCtx<'_> {
    pub fn db(&mut self) -> &mut Db {
        &mut self.ks.dbs[self.db]
    }

    /// This write changed nothing: it is not propagated ([`propagate::Prop::unchanged`]).
    pub fn unchanged(&mut self) {
        self.prop.unchanged();
    }

    /// Propagates `args` instead of the command ([`propagate::Prop::rewrite`]).
    pub fn rewrite<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.prop.rewrite(args);
    }

    /// Propagates `args` too, in the selected db ([`propagate::Prop::also`]).
    pub fn also<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.prop.also(self.db, args);
    }
}

/// Builds an argument vector from words, for unit tests of command code.
#[cfg(test)]
pub(crate) fn words(w: &[&str]) -> Vec<Bytes> {
    w.iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

/// Helpers shared by command parsers.
pub mod args {
    use crate::protocol::parse_i64_strict;

    /// Parses an integer argument as Redis's `getLongLongFromObject` does: strict decimal,
    /// no spaces, in range.
    pub fn int(arg: &[u8]) -> Option<i64> {
        parse_i64_strict(arg)
    }

    /// Parses a float argument like Redis's `getLongDoubleFromObject`/`strtold`: no
    /// spaces, no trailing garbage, not NaN.
    pub fn float(arg: &[u8]) -> Option<f64> {
        let s = std::str::from_utf8(arg).ok()?;
        if s.is_empty() || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
            return None;
        }
        let lower = s.to_ascii_lowercase();
        let v = match lower.trim_start_matches(['+', '-']) {
            "inf" | "infinity" => {
                if lower.starts_with('-') {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            _ => {
                // Rust accepts forms C does not ("1_0" is rejected anyway); reject "nan".
                if lower.contains("nan") {
                    return None;
                }
                s.parse::<f64>().ok()?
            }
        };
        Some(v)
    }

    pub fn eq(arg: &[u8], word: &str) -> bool {
        arg.eq_ignore_ascii_case(word.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_positions() {
        assert_eq!(KeyRange::ONE.positions(2).collect::<Vec<_>>(), vec![1]);
        assert_eq!(
            KeyRange::ALL.positions(4).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        let mset = KeyRange {
            first: 1,
            last: -1,
            step: 2,
        };
        assert_eq!(mset.positions(5).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(KeyRange::NONE.positions(3).count(), 0);
        assert_eq!(
            KeyRange::FIRST_TWO.positions(3).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }

    #[test]
    fn table_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for c in all() {
            assert!(names.insert(c.name), "duplicate {}", c.name);
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(c.arity != 0, "{}", c.name);
            assert!(
                (c.flags & flag::WRITE == 0) || (c.flags & flag::READONLY == 0),
                "{}",
                c.name
            );
        }
        assert!(lookup(b"GeT").is_some());
        assert!(lookup(b"nope").is_none());
    }

    #[test]
    fn float_args() {
        assert_eq!(args::float(b"1.5"), Some(1.5));
        assert_eq!(args::float(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(args::float(b"+inf"), Some(f64::INFINITY));
        assert_eq!(args::float(b"nan"), None);
        assert_eq!(args::float(b" 1"), None);
        assert_eq!(args::float(b"1x"), None);
        assert_eq!(args::float(b""), None);
    }
}
