//! SAVE and BGSAVE (the file handling and the save machinery: `server::persist`;
//! LASTSAVE and SHUTDOWN live in `server.rs`, DEBUG RELOAD in `debug.rs`).

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::command_docs::Doc;
use super::flag::*;
use super::{args, errors, CommandSpec, KeyRange, Run};
use crate::server::client::Client;
use crate::server::persist::{self, BgsaveRefused};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "save",
        arity: 1,
        flags: ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        keys: KeyRange::NONE,
        run: Run::Coord(save),
    },
    CommandSpec {
        name: "bgsave",
        arity: -1,
        flags: ADMIN | NOSCRIPT | NO_ASYNC_LOADING,
        keys: KeyRange::NONE,
        run: Run::Coord(bgsave),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

pub const BGSAVE_IN_PROGRESS: &str = "ERR Background save already in progress";

/// SAVE: writes the file before replying (`saveCommand`): `-ERR` alone when it fails.
fn save(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        match persist::save(&c.shard).await {
            Ok(()) => c.reply().ok(),
            Err(None) => c.reply().error(BGSAVE_IN_PROGRESS),
            Err(Some(_)) => c.reply().error("ERR"),
        }
    })
}

/// BGSAVE [SCHEDULE] (`bgsaveCommand`). With no other kind of child process in shardis,
/// SCHEDULE changes nothing: while a save runs Redis answers with the error too.
fn bgsave(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        match a.len() {
            1 => {}
            2 if args::eq(&a[1], "schedule") => {}
            _ => return c.reply().error(errors::SYNTAX),
        }
        let status = &c.shard.global.persist;
        if c.multi.executing() && !status.bgsave_in_progress.load(Ordering::Acquire) {
            // Inside EXEC Redis only schedules it (`server.in_exec`); the cron starts it.
            status.bgsave_scheduled.store(true, Ordering::Release);
            return c.reply().simple("Background saving scheduled");
        }
        match persist::start_bgsave(&c.shard) {
            Ok(()) => c.reply().simple("Background saving started"),
            Err(BgsaveRefused::InProgress) => c.reply().error(BGSAVE_IN_PROGRESS),
        }
    })
}

/// Redis 7.0.15's COMMAND INFO / COMMAND DOCS data for these commands (notation: see
/// `command_docs.rs`).
pub static DOCS: &[Doc] = &[
    Doc {
        name: "save",
        info: r#"["save" 1 ~[+admin +noscript +no_async_loading +no_multi] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Synchronously save the dataset to disk" "since" "1.0.0" "group" "server" "complexity" "O(N) where N is the total number of keys in all databases"}"#,
    },
    Doc {
        name: "bgsave",
        info: r#"["bgsave" -1 ~[+admin +noscript +no_async_loading] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Asynchronously save the dataset to disk" "since" "1.0.0" "group" "server" "complexity" "O(1)" "history" ~[["3.2.2" "Added the `SCHEDULE` option."]] "arguments" [{"name" "schedule" "type" "pure-token" "token" "SCHEDULE" "since" "3.2.2" "flags" ~[+optional]}]}"#,
    },
];
