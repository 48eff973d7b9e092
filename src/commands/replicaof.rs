//! REPLICAOF / SLAVEOF (Redis 7.0's `replicaofCommand`): follow a master, or stop
//! following one. The link itself runs on shard 0 ([`crate::replication::replica`]).

use bytes::Bytes;

use super::flag::*;
use super::{args, CommandSpec, KeyRange, Run};
use crate::replication::replica::{self, MasterAddr};
use crate::server::client::Client;
use crate::server::log;

const FLAGS: u32 = ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "replicaof",
        arity: 3,
        flags: FLAGS,
        keys: KeyRange::NONE,
        run: Run::Coord(replicaof),
    },
    CommandSpec {
        name: "slaveof",
        arity: 3,
        flags: FLAGS,
        keys: KeyRange::NONE,
        run: Run::Coord(replicaof),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

fn replicaof(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let g = c.shard.global.clone();
        if args::eq(&a[1], "no") && args::eq(&a[2], "one") {
            if replica::promote(&g) {
                log::notice(&format!(
                    "MASTER MODE enabled (user request from 'id={} addr={} laddr={}')",
                    c.id, c.peer, c.local
                ));
            }
            c.reply().ok();
            return;
        }
        // Redis: getRangeLongFromObjectOrReply(0, 65535, "Invalid master port").
        let Some(port) = args::int(&a[2]).and_then(|p| u16::try_from(p).ok()) else {
            c.reply().error("ERR Invalid master port");
            return;
        };
        let host = String::from_utf8_lossy(&a[1]).into_owned();
        let master = MasterAddr { host, port };
        if !replica::follow(&g, master.clone()) {
            log::notice("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
            c.reply().simple("OK Already connected to specified master");
            return;
        }
        log::notice(&format!(
            "REPLICAOF {}:{} enabled (user request from 'id={} addr={} laddr={}')",
            master.host, master.port, c.id, c.peer, c.local
        ));
        c.reply().ok();
    })
}
