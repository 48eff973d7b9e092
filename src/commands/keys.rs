//! Keyspace commands (`db.c`, `expire.c`): DEL, EXISTS, TYPE, EXPIRE, SCAN and friends.

use bytes::Bytes;

use super::flag::*;
use super::{Combine, CommandSpec, ExecCtx, KeyRange, Run};
use crate::storage::ValueRef;

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
        name: "type",
        arity: 2,
        flags: READONLY | FAST,
        keys: KeyRange::ONE,
        run: Run::Shard(type_cmd),
    },
];

fn del(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let db = ctx.db();
    let removed = a[1..]
        .iter()
        .filter(|k| db.remove(k, now).is_some())
        .count();
    ctx.out.int(removed as i64);
}

fn exists(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let db = ctx.db();
    let n = a[1..].iter().filter(|k| db.contains(k, now)).count();
    ctx.out.int(n as i64);
}

fn type_cmd(ctx: &mut ExecCtx, a: &[Bytes]) {
    let now = ctx.now_ms;
    let name = match ctx.db().get(&a[1], now).map(|e| e.value()) {
        None => "none",
        Some(ValueRef::Str(_)) => "string",
        Some(ValueRef::Obj(o)) => o.type_name(),
    };
    ctx.out.simple(name);
}
