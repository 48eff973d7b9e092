//! Server commands: SHUTDOWN, TIME, LASTSAVE, MEMORY (INFO, COMMAND, CONFIG and DEBUG
//! have their own files).

use bytes::Bytes;

use super::command_info::{help, subcommand};
use super::flag::*;
use super::{args, errors, CommandSpec, ExecCtx, KeyRange, Run};
use crate::server::client::Client;
use crate::server::Shutdown;
use crate::server::{log, persist};
use std::sync::atomic::Ordering;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "shutdown",
        arity: -1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(shutdown),
    },
    CommandSpec {
        name: "time",
        arity: 1,
        flags: LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Shard(time),
    },
    CommandSpec {
        name: "lastsave",
        arity: 1,
        flags: LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(lastsave),
    },
    CommandSpec {
        name: "memory",
        arity: -2,
        flags: 0,
        keys: KeyRange::NONE,
        run: Run::Coord(memory),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (`shutdownCommand`, `prepareForShutdown`):
/// saves when save points exist (or SAVE) unless NOSAVE; a failed save keeps the server
/// up with an error unless FORCE. NOW and ABORT concern waiting for replicas, which
/// shardis never does: NOW changes nothing and ABORT finds no shutdown in progress.
fn shutdown(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let (mut nosave, mut save, mut force, mut abort, mut other) =
            (false, false, false, false, false);
        for w in &a[1..] {
            if args::eq(w, "nosave") {
                nosave = true;
            } else if args::eq(w, "save") {
                save = true;
            } else if args::eq(w, "now") {
                other = true;
            } else if args::eq(w, "force") {
                force = true;
            } else if args::eq(w, "abort") {
                abort = true;
            } else {
                return c.reply().error(errors::SYNTAX);
            }
        }
        if (abort && (nosave || save || force || other)) || (nosave && save) {
            return c.reply().error(errors::SYNTAX);
        }
        if abort {
            return c.reply().error("ERR No shutdown in progress.");
        }
        log::warning("User requested shutdown...");
        let points = !c.shard.config().save.is_empty();
        // Never while loading: that would overwrite the file with part of it.
        let loading = c.shard.global.persist.loading.load(Ordering::Acquire);
        if ((points && !nosave) || save) && !loading {
            log::notice("Saving the final RDB snapshot before exiting.");
            if persist::save_final(&c.shard).await.is_err() {
                if force {
                    log::warning("Error trying to save the DB. Exit anyway.");
                } else {
                    log::warning("Error trying to save the DB, can't exit.");
                    return c
                        .reply()
                        .error("ERR Errors trying to SHUTDOWN. Check logs.");
                }
            }
        }
        c.shard.global.request_shutdown(Shutdown::Command);
        // Redis closes the connection without a reply when the shutdown goes ahead.
        c.close_after_reply = true;
    })
}

/// TIME: unix seconds and microseconds, as two bulk strings.
fn time(ctx: &mut ExecCtx, _a: &[Bytes]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk_int(now.as_secs() as i64);
    ctx.out.bulk_int(now.subsec_micros() as i64);
}

fn lastsave(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let t = c.shard.global.lastsave_unix.load(Ordering::Relaxed);
        c.reply().int(t as i64);
    })
}

const MEMORY_HELP: &[&str] = &[
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
];

/// What MEMORY DOCTOR says about an instance with too little data to judge (Redis's
/// wording for a small instance; shardis has no detector).
const DOCTOR_EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";

fn memory(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let Some(sub) = subcommand(&mut c.reply(), "memory", &a) else {
            return;
        };
        match sub.as_str() {
            "usage" => memory_usage(c, a).await,
            "help" => help(&mut c.reply(), "memory", MEMORY_HELP),
            "doctor" => c.reply().verbatim(DOCTOR_EMPTY.as_bytes()),
            "malloc-stats" => c
                .reply()
                .verbatim(b"Stats not supported for the current allocator"),
            "purge" => c.reply().ok(),
            "stats" => memory_stats(c).await,
            _ => c
                .reply()
                .error(&errors::unknown_subcommand("memory", &a[1])),
        }
    })
}

/// MEMORY USAGE key [SAMPLES n]: the entry's heap block (key, TTL, value; the value
/// object's estimate for collections, which is exact rather than sampled, so SAMPLES only
/// validates) plus its share of the table's overhead. Like Redis it looks the key up
/// without expiring it or counting a hit.
async fn memory_usage(c: &mut Client, a: Vec<Bytes>) {
    let mut j = 3;
    while j < a.len() {
        if args::eq(&a[j], "samples") && j + 1 < a.len() {
            match args::int(&a[j + 1]) {
                None => return c.reply().error(errors::NOT_INTEGER),
                Some(n) if n < 0 => return c.reply().error(errors::SYNTAX),
                Some(_) => j += 2,
            }
        } else {
            return c.reply().error(errors::SYNTAX);
        }
    }
    let db = c.db;
    let key = a[2].clone();
    let shard = crate::server::slot::key_shard(&key, c.shard.nshards);
    let bytes = c
        .shard
        .run_on(shard, move |s| {
            let ks = s.keyspace.borrow();
            let table = ks.dbs[db].table();
            let share = table.overhead_bytes() / table.len().max(1);
            table.get(&key).map(|e| e.heap_bytes() + share)
        })
        .await;
    match bytes {
        Some(n) => c.reply().int(n as i64),
        None => c.reply().null(),
    }
}

/// MEMORY STATS: Redis's fields, from the same estimate as INFO's `used_memory` (the
/// resident set) and each database's key count and table overhead, summed over shards.
async fn memory_stats(c: &mut Client) {
    let per_shard = c
        .shard
        .fanout(|s| {
            let ks = s.keyspace.borrow();
            ks.dbs
                .iter()
                .map(|d| (d.len(), d.table().overhead_bytes()))
                .collect::<Vec<_>>()
        })
        .await;
    let mut dbs = vec![(0usize, 0usize); per_shard.first().map_or(0, Vec::len)];
    for shard in &per_shard {
        for (acc, (keys, overhead)) in dbs.iter_mut().zip(shard) {
            acc.0 += keys;
            acc.1 += overhead;
        }
    }
    let used = super::info::rss_bytes();
    let peak = super::info::peak_memory(used);
    let overhead: usize = dbs.iter().map(|d| d.1).sum();
    let keys: usize = dbs.iter().map(|d| d.0).sum();
    let dataset = (used as usize).saturating_sub(overhead);
    let nonempty: Vec<_> = dbs.iter().enumerate().filter(|(_, d)| d.0 > 0).collect();
    let mut r = c.reply();
    r.map(27 + nonempty.len());
    let int = |r: &mut crate::protocol::Reply, k: &str, v: usize| {
        r.bulk(k.as_bytes());
        r.int(v as i64);
    };
    int(&mut r, "peak.allocated", peak as usize);
    int(&mut r, "total.allocated", used as usize);
    int(&mut r, "startup.allocated", 0);
    for k in [
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(&mut r, k, 0);
    }
    for (i, (_, overhead)) in &nonempty {
        r.bulk(format!("db.{i}").as_bytes());
        r.map(3);
        int(&mut r, "overhead.hashtable.main", *overhead);
        int(&mut r, "overhead.hashtable.expires", 0);
        int(&mut r, "overhead.hashtable.slot-to-keys", 0);
    }
    int(&mut r, "overhead.total", overhead);
    int(&mut r, "keys.count", keys);
    int(
        &mut r,
        "keys.bytes-per-key",
        (used as usize).checked_div(keys).unwrap_or(0),
    );
    int(&mut r, "dataset.bytes", dataset);
    let pct = |part: usize, whole: u64| part as f64 * 100.0 / whole.max(1) as f64;
    r.bulk(b"dataset.percentage");
    r.double(pct(dataset, used));
    r.bulk(b"peak.percentage");
    r.double(pct(used as usize, peak));
    int(&mut r, "allocator.allocated", used as usize);
    int(&mut r, "allocator.active", used as usize);
    int(&mut r, "allocator.resident", used as usize);
    for (ratio, bytes) in [
        (
            "allocator-fragmentation.ratio",
            "allocator-fragmentation.bytes",
        ),
        ("allocator-rss.ratio", "allocator-rss.bytes"),
        ("rss-overhead.ratio", "rss-overhead.bytes"),
        ("fragmentation", "fragmentation.bytes"),
    ] {
        r.bulk(ratio.as_bytes());
        r.double(1.0);
        int(&mut r, bytes, 0);
    }
}
