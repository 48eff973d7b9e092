//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, SHUTDOWN, TIME, INFO, CONFIG, DEBUG, COMMAND.

use bytes::Bytes;

use super::flag::*;
use super::{args, errors, CommandSpec, KeyRange, Run};
use crate::server::client::Client;
use crate::server::Shutdown;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "dbsize",
        arity: 1,
        flags: READONLY | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(dbsize),
    },
    CommandSpec {
        name: "flushall",
        arity: -1,
        flags: WRITE,
        keys: KeyRange::NONE,
        run: Run::Coord(flushall),
    },
    CommandSpec {
        name: "shutdown",
        arity: -1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(shutdown),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

fn dbsize(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let db = c.db;
        let sizes = c
            .shard
            .fanout(move |s| s.keyspace.borrow().dbs[db].len())
            .await;
        c.reply().int(sizes.iter().sum::<usize>() as i64);
    })
}

fn flushall(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let is_async = match a.get(1) {
            None => false,
            Some(m) if a.len() == 2 && args::eq(m, "async") => true,
            Some(m) if a.len() == 2 && args::eq(m, "sync") => false,
            _ => return c.reply().error(errors::SYNTAX),
        };
        c.shard
            .fanout(move |s| {
                let mut ks = s.keyspace.borrow_mut();
                let hasher = ks.hasher();
                let old: Vec<_> = ks.dbs.iter_mut().map(|d| d.clear(hasher.clone())).collect();
                if is_async {
                    std::thread::spawn(move || drop(old));
                }
            })
            .await;
        c.reply().ok();
    })
}

fn shutdown(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        c.shard.global.request_shutdown(Shutdown::Command);
        // Redis closes the connection without a reply when the shutdown goes ahead.
        c.close_after_reply = true;
    })
}
