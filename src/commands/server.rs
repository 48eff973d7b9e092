//! Server commands: SHUTDOWN, TIME, INFO, CONFIG, DEBUG, COMMAND.

use bytes::Bytes;

use super::flag::*;
use super::{CommandSpec, KeyRange, Run};
use crate::server::client::Client;
use crate::server::Shutdown;

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "shutdown",
    arity: -1,
    flags: ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
    keys: KeyRange::NONE,
    run: Run::Coord(shutdown),
}];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

fn shutdown(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        c.shard.global.request_shutdown(Shutdown::Command);
        // Redis closes the connection without a reply when the shutdown goes ahead.
        c.close_after_reply = true;
    })
}
