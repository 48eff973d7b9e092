//! Replication (issue 7), each master (redis-server, shardis) followed by a real
//! redis-server replica, both masters with `repl-diskless-sync-delay 0`:
//!
//! - full sync of `BENCH_POPULATE` small keys (`DEBUG POPULATE`) to a fresh replica on an
//!   idle master: wall time from `REPLICAOF` until the replica's INFO says
//!   `master_link_status:up` and `master_sync_in_progress:0` (polled every 10 ms);
//! - SET throughput `-c 50 -P 16 -r 1000000` with that replica connected and online, then
//!   without a replica (the replica stopped and gone from the master's INFO);
//! - the master's SET latency under load (4 closed-loop connections overwriting the
//!   populated keys): p99 during 2 s before a full sync, and p99 during a full sync to a
//!   fresh replica.
//!
//! A master that does not serve PSYNC yet (shardis before the replication core) is
//! skipped, and the notes say so.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::{args, record, Kit, Scenario};
use crate::client::Client;
use crate::procs::{self, Server};
use crate::rb;
use crate::results::{fmt_num, stats, Results, Sample};
use crate::{Res, Settings};

pub struct Replication;

/// Set when a master was skipped because it does not serve PSYNC.
static SKIPPED: AtomicBool = AtomicBool::new(false);

const NAME: &str = "replication";
/// Result groups: the report's ratio table of a group takes its columns from the group's
/// first case, so cases with different metrics go to different groups.
const SYNC: &str = "replication-sync";
const SET: &str = "replication-set";
const LATENCY: &str = "replication-latency";
const LOAD_CONNS: usize = 4;
const BEFORE: Duration = Duration::from_secs(2);
const SYNC_LIMIT: Duration = Duration::from_secs(300);

/// Phases of the latency load: before the sync, during it, stop.
const PHASE_BEFORE: u8 = 0;
const PHASE_DURING: u8 = 1;
const PHASE_STOP: u8 = 2;

/// Whether the server knows PSYNC (`COMMAND DOCS psync` is `*0` for unknown commands;
/// the rest of a known command's reply is left unread on this throwaway connection).
fn serves_psync(server: &Server) -> Res<bool> {
    let mut c = Client::connect(server.port)?;
    Ok(c.cmd(&["COMMAND", "DOCS", "psync"])? != "*0")
}

fn info_field(c: &mut Client, section: &str, field: &str) -> Res<String> {
    // INFO is a bulk string: `cmd` returns its body.
    let text = c.cmd(&["INFO", section])?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_default())
}

pub(super) fn ok(what: &str, reply: String) -> Res<()> {
    if reply.starts_with("+OK") {
        Ok(())
    } else {
        Err(format!("{what} answered {reply}"))
    }
}

/// Empties `master` and fills it with `n` keys.
pub(super) fn populate(master: &Server, n: u64) -> Res<()> {
    let mut c = Client::connect(master.port)?;
    ok("FLUSHALL", c.cmd(&["FLUSHALL"])?)?;
    ok(
        "DEBUG POPULATE",
        c.cmd(&["DEBUG", "POPULATE", &n.to_string()])?,
    )
}

/// A fresh redis-server to be a replica (not following anyone yet).
pub(super) fn start_replica() -> Res<Server> {
    let redis = procs::tool("redis-server");
    procs::start("replica", std::path::Path::new(&redis), &[])
}

/// Sends REPLICAOF to `replica` and waits until its link to `master` is up and the sync
/// done; returns the seconds it took.
pub(super) fn full_sync(master: &Server, replica: &Server) -> Res<f64> {
    let mut c = Client::connect(replica.port)?;
    let t0 = Instant::now();
    ok(
        "REPLICAOF",
        c.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()])?,
    )?;
    loop {
        if info_field(&mut c, "replication", "master_link_status")? == "up"
            && info_field(&mut c, "replication", "master_sync_in_progress")? == "0"
        {
            return Ok(t0.elapsed().as_secs_f64());
        }
        if t0.elapsed() > SYNC_LIMIT {
            return Err(format!("{}: full sync did not finish", master.name));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `master` lists no replica.
fn replicas_gone(master: &Server) -> Res<()> {
    let mut c = Client::connect(master.port)?;
    let t0 = Instant::now();
    while info_field(&mut c, "replication", "connected_slaves")? != "0" {
        if t0.elapsed() > Duration::from_secs(60) {
            return Err(format!("{}: the stopped replica stays listed", master.name));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// One closed-loop connection: `SET key:<random below n> xxx`, each round trip recorded
/// in the histogram of the phase it started in, until the phase says stop.
fn load_connection(port: u16, index: usize, n: u64, phase: &AtomicU8) -> Res<[Histogram<u64>; 2]> {
    let e = |e: std::io::Error| format!("latency load: {e}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(e)?;
    s.set_nodelay(true).map_err(e)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(e)?;
    let new = || Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3);
    let mut hist = [
        new().map_err(|x| x.to_string())?,
        new().map_err(|x| x.to_string())?,
    ];
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0x2545_F491);
    let mut buf = [0u8; 64];
    loop {
        let p = phase.load(Ordering::Acquire);
        if p == PHASE_STOP {
            return Ok(hist);
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let key = format!("key:{}", rng % n.max(1));
        let req = format!(
            "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$3\r\nxxx\r\n",
            key.len()
        );
        let t = Instant::now();
        s.write_all(req.as_bytes()).map_err(e)?;
        let mut have = 0;
        // The reply is `+OK\r\n` (or one error line).
        while have < 2 || &buf[have - 2..have] != b"\r\n" {
            let got = s.read(&mut buf[have..]).map_err(e)?;
            if got == 0 {
                return Err("the master closed the load connection".into());
            }
            have += got;
        }
        if buf[0] != b'+' {
            return Err(format!(
                "SET answered {}",
                String::from_utf8_lossy(&buf[..have])
            ));
        }
        hist[p as usize].saturating_record(t.elapsed().as_nanos() as u64);
    }
}

/// SET latency before and during a full sync of `master` (populated with `n` keys) to a
/// fresh replica: (p99 before, p99 during, max during) in ms, and the sync's seconds.
fn latency_around_sync(master: &Server, n: u64) -> Res<([f64; 3], f64)> {
    let replica = start_replica()?;
    let phase = AtomicU8::new(PHASE_BEFORE);
    let (loads, sync) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..LOAD_CONNS)
            .map(|i| {
                let phase = &phase;
                scope.spawn(move || load_connection(master.port, i, n, phase))
            })
            .collect();
        std::thread::sleep(BEFORE);
        phase.store(PHASE_DURING, Ordering::Release);
        let sync = full_sync(master, &replica);
        phase.store(PHASE_STOP, Ordering::Release);
        let loads: Vec<_> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("load thread panicked".into()))
            })
            .collect();
        (loads, sync)
    });
    let secs = sync?;
    let mut before = Histogram::<u64>::new(3).map_err(|x| x.to_string())?;
    let mut during = before.clone();
    for l in loads {
        let [b, d] = l?;
        before.add(&b).map_err(|x| x.to_string())?;
        during.add(&d).map_err(|x| x.to_string())?;
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    Ok((
        [
            ms(before.value_at_quantile(0.99)),
            ms(during.value_at_quantile(0.99)),
            ms(during.max()),
        ],
        secs,
    ))
}

fn set_p16(s: &Settings) -> Vec<String> {
    args(&[
        "-t",
        "set",
        "-c",
        "50",
        "-P",
        "16",
        "-r",
        "1000000",
        "-n",
        &s.n_p16.to_string(),
    ])
}

impl Scenario for Replication {
    fn name(&self) -> &'static str {
        NAME
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "a real redis-server replica of each master (`repl-diskless-sync-delay 0`): full \
             sync of `DEBUG POPULATE {}` (REPLICAOF until link up and sync done, polled \
             every 10 ms); SET `-c 50 -P 16 -r 1000000 -n {}` with that replica online and \
             without a replica; SET p99 of {LOAD_CONNS} closed-loop connections during {} s \
             before and during a full sync",
            s.populate,
            s.n_p16,
            BEFORE.as_secs()
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let s = &kit.settings;
        let n = s.populate;
        let servers = kit.start_pair_with(&["--repl-diskless-sync-delay", "0"])?;
        for round in 0..s.rounds {
            for master in &servers {
                if !serves_psync(master)? {
                    SKIPPED.store(true, Ordering::Relaxed);
                    eprintln!("[{NAME}] {} does not serve PSYNC: skipped", master.name);
                    continue;
                }
                // Full sync, idle master; the replica then stays for the SET run.
                populate(master, n)?;
                let replica = start_replica()?;
                let secs = full_sync(master, &replica)?;
                eprintln!(
                    "[{NAME} round {}] {:<7} full sync of {n} keys {secs:.3} s",
                    round + 1,
                    master.name
                );
                out.add(
                    SYNC,
                    &format!("full sync of {n} keys, idle master"),
                    master.name,
                    Sample {
                        metrics: vec![("sync s", secs)],
                        dist: None,
                        note: None,
                    },
                );
                let tests = rb::run(master, &set_p16(s), kit.rb_limit())?;
                record(
                    SET,
                    round,
                    "SET -c 50 -P 16, 1 replica online",
                    master,
                    &tests,
                    out,
                );
                drop(replica);
                replicas_gone(master)?;
                let tests = rb::run(master, &set_p16(s), kit.rb_limit())?;
                record(
                    SET,
                    round,
                    "SET -c 50 -P 16, no replica",
                    master,
                    &tests,
                    out,
                );

                // Latency under load around a full sync.
                populate(master, n)?;
                let ([before, during, max], secs) = latency_around_sync(master, n)?;
                eprintln!(
                    "[{NAME} round {}] {:<7} SET p99 before {before:.3} ms, during sync \
                     {during:.3} ms (max {max:.3}), sync under load {secs:.3} s",
                    round + 1,
                    master.name
                );
                out.add(
                    LATENCY,
                    &format!("SET x{LOAD_CONNS} conns around a full sync of {n} keys"),
                    master.name,
                    Sample {
                        metrics: vec![
                            ("p99 before ms", before),
                            ("p99 during ms", during),
                            ("p99 during/before", during / before.max(1e-9)),
                            ("max during ms", max),
                            ("sync under load s", secs),
                        ],
                        dist: None,
                        note: None,
                    },
                );
                replicas_gone(master)?;
            }
        }
        Ok(())
    }

    fn notes(&self, results: &Results) -> String {
        if !SKIPPED.load(Ordering::Relaxed) {
            return String::new();
        }
        // The report's tables leave out cases only one server ran: list redis's here.
        let mut md = String::from(
            "\n### replication\n\nshardis does not serve PSYNC in this build: redis-server's \
             figures alone (median over rounds).\n\n| case | metric | redis |\n|---|---|---|\n",
        );
        for c in results
            .cases
            .iter()
            .filter(|c| c.scenario.starts_with(NAME))
        {
            let Some(first) = c.samples[0].first() else {
                continue;
            };
            for (mi, (metric, _)) in first.metrics.iter().enumerate() {
                let v: Vec<f64> = c.samples[0]
                    .iter()
                    .filter_map(|s| s.metrics.get(mi).map(|m| m.1))
                    .collect();
                md.push_str(&format!(
                    "| {} | {metric} | {} |\n",
                    c.label,
                    fmt_num(stats(&v).0)
                ));
            }
        }
        md
    }
}
