//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, QUIT, RESET, CLIENT.

use bytes::Bytes;

use super::flag::*;
use super::{args, errors, CommandSpec, ExecCtx, KeyRange, Run};
use crate::server::client::Client;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ping",
        arity: -1,
        flags: FAST | STALE,
        keys: KeyRange::NONE,
        run: Run::Shard(ping),
    },
    CommandSpec {
        name: "echo",
        arity: 2,
        flags: FAST,
        keys: KeyRange::NONE,
        run: Run::Shard(echo),
    },
    CommandSpec {
        name: "select",
        arity: 2,
        flags: LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(select),
    },
    CommandSpec {
        name: "quit",
        arity: -1,
        flags: NO_AUTH | ALLOW_BUSY | LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(quit),
    },
];

fn ping(ctx: &mut ExecCtx, a: &[Bytes]) {
    match a.len() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(&a[1]),
        _ => ctx.out.error(&errors::arity("ping")),
    }
}

fn echo(ctx: &mut ExecCtx, a: &[Bytes]) {
    ctx.out.bulk(&a[1]);
}

fn select(
    c: &mut Client,
    a: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    Box::pin(async move {
        let dbs = c.shard.config().databases;
        match args::int(&a[1]) {
            None => c.reply().error(errors::NOT_INTEGER),
            Some(n) if n < 0 || n as usize >= dbs => c.reply().error(errors::INVALID_DB),
            Some(n) => {
                c.db = n as usize;
                c.handle.info.borrow_mut().db = c.db;
                c.reply().ok();
            }
        }
    })
}

fn quit(
    c: &mut Client,
    _a: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    Box::pin(async move {
        c.reply().ok();
        c.close_after_reply = true;
    })
}
