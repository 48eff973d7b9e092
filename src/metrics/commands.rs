//! LATENCY and SLOWLOG in the command table (Redis 7.0's arity; the containers have no
//! flags of their own, their subcommands are `admin noscript loading stale`).

use super::{latency, slowlog};
use crate::commands::{CommandSpec, KeyRange, Run};

pub type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "latency",
        arity: -2,
        flags: 0,
        keys: KeyRange::NONE,
        run: Run::Coord(latency::latency),
    },
    CommandSpec {
        name: "slowlog",
        arity: -2,
        flags: 0,
        keys: KeyRange::NONE,
        run: Run::Coord(slowlog::slowlog),
    },
];
