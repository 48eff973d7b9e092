//! The replica side (issue 8): how long a fresh replica takes to full-sync from an idle
//! master (REPLICAOF until `master_link_status:up` and `master_sync_in_progress:0`,
//! polled every 10 ms), for `BENCH_POPULATE` small keys and for as many 1 KiB values
//! (`DEBUG POPULATE n key 1024`), both masters with `repl-diskless-sync-delay 0`:
//!
//! - "from a redis master": a redis-server replica against a shardis replica of the same
//!   real redis-server master;
//! - "from its own kind": redis-server → redis-server against shardis → shardis (the
//!   issue's goal: ≤ 0.5× Redis).
//!
//! Every replica is a fresh process, stopped after its sync.

use super::replication::{full_sync, ok, start_replica};
use super::Kit;
use crate::client::Client;
use crate::procs::{self, Server};
use crate::results::{Results, Sample};
use crate::Res;

pub struct ReplicaSync;

const NAME: &str = "replica-sync";

/// Empties `master` and fills it with `n` keys of `size`-byte values.
fn populate(master: &Server, n: u64, size: usize) -> Res<()> {
    let mut c = Client::connect(master.port)?;
    ok("FLUSHALL", c.cmd(&["FLUSHALL"])?)?;
    ok(
        "DEBUG POPULATE",
        c.cmd(&[
            "DEBUG",
            "POPULATE",
            &n.to_string(),
            "key",
            &size.to_string(),
        ])?,
    )
}

fn shardis_replica(kit: &Kit) -> Res<Server> {
    let shards = kit.settings.shards.to_string();
    procs::start("shardis", &kit.shardis, &["--shards", &shards])
}

impl super::Scenario for ReplicaSync {
    fn name(&self) -> &'static str {
        NAME
    }

    fn about(&self, s: &crate::Settings) -> String {
        format!(
            "full sync of a fresh replica from an idle master (`repl-diskless-sync-delay 0`), \
             REPLICAOF until link up and sync done, for `DEBUG POPULATE {n}` (small values) \
             and `DEBUG POPULATE {n} key 1024`: a redis replica and a shardis replica of the \
             same redis master, and redis → redis against shardis → shardis",
            n = s.populate
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let s = &kit.settings;
        let n = s.populate;
        let [redis, shardis] = kit.start_pair_with(&["--repl-diskless-sync-delay", "0"])?;
        for round in 0..s.rounds {
            for (size, what) in [(3, "small values"), (1024, "1 KiB values")] {
                populate(&redis, n, size)?;
                populate(&shardis, n, size)?;
                // redis ← redis (recorded in both cases), shardis ← redis, shardis ←
                // shardis: interleaved within the round.
                let runs: [(&Server, bool, &[&str]); 3] = [
                    (&redis, false, &["from a redis master", "from its own kind"]),
                    (&redis, true, &["from a redis master"]),
                    (&shardis, true, &["from its own kind"]),
                ];
                for (master, replica_is_shardis, cases) in runs {
                    let replica = if replica_is_shardis {
                        shardis_replica(kit)?
                    } else {
                        start_replica()?
                    };
                    let secs = full_sync(master, &replica)?;
                    let kind = if replica_is_shardis {
                        "shardis"
                    } else {
                        "redis"
                    };
                    eprintln!(
                        "[{NAME} round {}] {n} keys, {what}: {kind} replica of {} {secs:.3} s",
                        round + 1,
                        master.name
                    );
                    for case in cases {
                        out.add(
                            NAME,
                            &format!("{n} keys, {what}, {case}"),
                            kind,
                            Sample {
                                metrics: vec![("sync s", secs)],
                                dist: None,
                                note: None,
                            },
                        );
                    }
                    drop(replica);
                }
            }
        }
        Ok(())
    }
}
