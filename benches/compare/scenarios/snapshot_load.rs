//! Issue 6's BGSAVE under load: `BENCH_POPULATE` keys of 1 KiB values (`DEBUG POPULATE n
//! key 1024`), a steady paced SET load over those keys (1 KiB values) from a few
//! connections, then BGSAVE. Per server and round (fresh servers, redis then shardis,
//! each stopped after its round): peak memory over the steady memory before BGSAVE
//! (shardis: RSS; Redis: parent RSS + the fork child's private dirty pages, sampled every
//! 10 ms), the longest gap between two replies on one load connection (the write stall)
//! before and during the snapshot, the server's own longest hold of writes (Redis: its
//! fork; shardis: the cut and the walk's longest step between client turns), and the SET
//! throughput during / before.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Kit, Scenario};
use crate::client::Client;
use crate::procs::{self, Server};
use crate::results::{Results, Sample};
use crate::{Res, Settings};

pub struct SnapshotLoad;

/// Load connections, SETs pipelined per batch, and the pacing of batches: 2 × 4 SETs every
/// 250 µs = 32k SET/s (32 MB/s of values), well under either server's capacity.
const CONNS: usize = 2;
const BATCH: usize = 4;
const TICK: Duration = Duration::from_micros(250);
const VALUE_BYTES: usize = 1024;
/// Load before BGSAVE (the "before" window is its second half).
const WARM: Duration = Duration::from_secs(4);

/// One load connection: paced batches of SETs on random keys; returns the completion time
/// of every batch (since `t0`).
fn load(port: u16, n: u64, seed: u64, stop: Arc<AtomicBool>, t0: Instant) -> Res<Vec<Duration>> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let value = vec![b'v'; VALUE_BYTES];
    let mut x = seed | 1;
    let (mut buf, mut reply) = (Vec::new(), [0u8; 5 * BATCH]);
    let mut done = Vec::with_capacity(1 << 16);
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        buf.clear();
        for _ in 0..BATCH {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = format!("key:{}", x % n);
            buf.extend(
                format!(
                    "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${VALUE_BYTES}\r\n",
                    key.len()
                )
                .bytes(),
            );
            buf.extend_from_slice(&value);
            buf.extend_from_slice(b"\r\n");
        }
        s.write_all(&buf).map_err(|e| e.to_string())?;
        s.read_exact(&mut reply).map_err(|e| e.to_string())?;
        if &reply[..5] != b"+OK\r\n" {
            return Err(format!(
                "SET answered {:?}",
                String::from_utf8_lossy(&reply)
            ));
        }
        done.push(t0.elapsed());
        next += TICK;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now; // behind: no burst to catch up
        }
    }
    Ok(done)
}

/// SETs per second and the longest gap between consecutive replies (ms) over `[from, to)`.
fn window(per_conn: &[Vec<Duration>], from: Duration, to: Duration) -> (f64, f64) {
    let mut count = 0usize;
    let mut gap = Duration::ZERO;
    for times in per_conn {
        let mut prev: Option<Duration> = None;
        for &t in times.iter().filter(|&&t| t >= from && t < to) {
            count += 1;
            if let Some(p) = prev {
                gap = gap.max(t - p);
            }
            prev = Some(t);
        }
    }
    let secs = (to - from).as_secs_f64().max(1e-9);
    ((count * BATCH) as f64 / secs, gap.as_secs_f64() * 1e3)
}

fn bgsave_in_progress(c: &mut Client) -> Res<bool> {
    let text = c.cmd(&["INFO", "persistence"])?;
    Ok(text.lines().any(|l| l.trim() == "rdb_bgsave_in_progress:1"))
}

use super::snapshot::children_private_dirty;

/// The server's own account of the longest time the snapshot kept writes waiting (ms),
/// wall-clock and the server's own CPU work in it: Redis's `latest_fork_usec` for both
/// (its main thread is busy in `fork` copying page tables), shardis's
/// `shardis_snapshot_longest_hold_usec` and `..._cpu_usec` (the cut, and the longest
/// interval between two moments a walking shard let its clients run; the wall-clock one
/// includes the kernel running other threads meanwhile). Free of the client side's
/// scheduling noise, which the reply-gap stall includes.
fn server_hold_ms(c: &mut Client) -> Res<(f64, f64)> {
    let mut text = c.cmd(&["INFO", "stats"])?;
    text.push_str(&c.cmd(&["INFO", "persistence"])?);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name)?.parse::<f64>().ok())
    };
    let ms = |names: [&str; 2]| {
        field(names[0])
            .or_else(|| field(names[1]))
            .map(|us| us / 1000.0)
            .ok_or_else(|| "no hold/fork time in INFO".to_string())
    };
    Ok((
        ms(["shardis_snapshot_longest_hold_usec:", "latest_fork_usec:"])?,
        ms([
            "shardis_snapshot_longest_hold_cpu_usec:",
            "latest_fork_usec:",
        ])?,
    ))
}

struct Round {
    server_hold_ms: f64,
    server_hold_cpu_ms: f64,
    peak_over_steady: f64,
    stall_before_ms: f64,
    stall_during_ms: f64,
    tput_before: f64,
    tput_during: f64,
    bgsave_s: f64,
}

fn one_round(p: &Server, n: u64) -> Res<Round> {
    let mut c = Client::connect(p.port)?;
    let r = c.cmd(&[
        "DEBUG",
        "POPULATE",
        &n.to_string(),
        "key",
        &VALUE_BYTES.to_string(),
    ])?;
    if r != "+OK" {
        return Err(format!("{}: DEBUG POPULATE answered {r}", p.name));
    }
    let pid = p.pid();
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let threads: Vec<_> = (0..CONNS)
        .map(|i| {
            let (port, stop) = (p.port, stop.clone());
            std::thread::spawn(move || load(port, n, 0x9E37_79B9 * (i as u64 + 1), stop, t0))
        })
        .collect();
    std::thread::sleep(WARM);
    let steady = procs::rss_bytes(pid)?;
    let started = t0.elapsed();
    let r = c.cmd(&["BGSAVE"])?;
    if !r.starts_with("+Background saving started") {
        stop.store(true, Ordering::Relaxed);
        return Err(format!("{}: BGSAVE answered {r}", p.name));
    }
    let mut peak = steady;
    loop {
        peak = peak.max(procs::rss_bytes(pid)? + children_private_dirty(pid));
        if !bgsave_in_progress(&mut c)? {
            break;
        }
        if t0.elapsed() > started + Duration::from_secs(600) {
            stop.store(true, Ordering::Relaxed);
            return Err(format!("{}: BGSAVE did not finish", p.name));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let ended = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (server_hold_ms, server_hold_cpu_ms) = server_hold_ms(&mut c)?;
    let mut per_conn = Vec::new();
    for t in threads {
        per_conn.push(t.join().map_err(|_| "load thread panicked".to_string())??);
    }
    let (tput_before, stall_before_ms) = window(&per_conn, started - WARM / 2, started);
    let (tput_during, stall_during_ms) = window(&per_conn, started, ended);
    Ok(Round {
        server_hold_ms,
        server_hold_cpu_ms,
        peak_over_steady: peak as f64 / steady as f64,
        stall_before_ms,
        stall_during_ms,
        tput_before,
        tput_during,
        bgsave_s: (ended - started).as_secs_f64(),
    })
}

impl Scenario for SnapshotLoad {
    fn name(&self) -> &'static str {
        "snapshot_load"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "BGSAVE of `DEBUG POPULATE {} key 1024` under a paced SET load ({CONNS} conns × \
             {BATCH} SETs of 1 KiB every {} µs): peak/steady memory (goal ≤ 1.1), longest \
             write stall (goal ≤ 1 ms), throughput during/before (goal ≥ 0.6)",
            s.populate,
            TICK.as_micros()
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let n = kit.settings.populate;
        let label = format!("BGSAVE of {n} × 1 KiB under SET load");
        let redis_server = procs::tool("redis-server");
        let shards = kit.settings.shards.to_string();
        for round in 0..kit.settings.rounds {
            for name in ["redis", "shardis"] {
                // A fresh server per round, stopped (dropped) right after it.
                let p = if name == "redis" {
                    procs::start("redis", std::path::Path::new(&redis_server), &[])?
                } else {
                    procs::start("shardis", &kit.shardis, &["--shards", shards.as_str()])?
                };
                let r = one_round(&p, n)?;
                drop(p);
                eprintln!(
                    "[snapshot_load round {}] {name:<7} BGSAVE {:.2} s  peak/steady {:.3}  \
                     stall before {:.2} ms during {:.2} ms (server hold {:.3} ms, cpu {:.3} ms)  SET/s \
                     before {:.0} during {:.0} ({:.2})",
                    round + 1,
                    r.bgsave_s,
                    r.peak_over_steady,
                    r.stall_before_ms,
                    r.stall_during_ms,
                    r.server_hold_ms,
                    r.server_hold_cpu_ms,
                    r.tput_before,
                    r.tput_during,
                    r.tput_during / r.tput_before
                );
                out.add(
                    self.name(),
                    &label,
                    if name == "redis" { "redis" } else { "shardis" },
                    Sample {
                        metrics: vec![
                            ("peak/steady memory", r.peak_over_steady),
                            ("stall during ms", r.stall_during_ms),
                            ("server hold ms", r.server_hold_ms),
                            ("server hold cpu ms", r.server_hold_cpu_ms),
                            ("stall before ms", r.stall_before_ms),
                            ("rps during/before", r.tput_during / r.tput_before),
                            ("BGSAVE s", r.bgsave_s),
                        ],
                        dist: None,
                        note: None,
                    },
                );
            }
        }
        Ok(())
    }
}
