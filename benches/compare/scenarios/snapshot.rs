//! BGSAVE of `BENCH_POPULATE` small keys (`DEBUG POPULATE`) on idle servers: wall time
//! from BGSAVE until INFO says it is done (polled every 5 ms), and the peak memory meanwhile
//! over the memory before it (Redis: the parent's RSS plus its forked child's private
//! dirty pages; shardis: its RSS).

use std::time::{Duration, Instant};

use super::{Kit, Scenario};
use crate::client::Client;
use crate::procs;
use crate::results::{Results, Sample};
use crate::{Res, Settings};

pub struct Snapshot;

/// Private dirty bytes of `pid`'s children (Redis's fork), 0 when it has none.
pub(super) fn children_private_dirty(pid: u32) -> u64 {
    let list =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    list.split_whitespace()
        .filter_map(|c| std::fs::read_to_string(format!("/proc/{c}/smaps_rollup")).ok())
        .filter_map(|s| {
            let line = s.lines().find(|l| l.starts_with("Private_Dirty:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .sum()
}

fn info_field(c: &mut Client, field: &str) -> Res<String> {
    let text = c.cmd(&["INFO", "persistence"])?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
        .ok_or_else(|| format!("no {field} in INFO"))
}

impl Scenario for Snapshot {
    fn name(&self) -> &'static str {
        "snapshot"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "BGSAVE of `DEBUG POPULATE {}` on idle servers: wall time and peak memory",
            s.populate
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let n = kit.settings.populate;
        let label = format!("BGSAVE of {n} keys, idle");
        let servers = kit.start_pair()?;
        for p in &servers {
            let mut c = Client::connect(p.port)?;
            let r = c.cmd(&["DEBUG", "POPULATE", &n.to_string()])?;
            if r != "+OK" {
                return Err(format!("{}: DEBUG POPULATE answered {r}", p.name));
            }
        }
        for round in 0..kit.settings.rounds {
            for p in &servers {
                let pid = p.pid();
                let mut c = Client::connect(p.port)?;
                let before = procs::rss_bytes(pid)?;
                let t0 = Instant::now();
                let r = c.cmd(&["BGSAVE"])?;
                if !r.starts_with("+Background saving started") {
                    return Err(format!("{}: BGSAVE answered {r}", p.name));
                }
                let mut peak = before;
                loop {
                    let now = procs::rss_bytes(pid)? + children_private_dirty(pid);
                    peak = peak.max(now);
                    if info_field(&mut c, "rdb_bgsave_in_progress")? == "0" {
                        break;
                    }
                    if t0.elapsed() > Duration::from_secs(600) {
                        return Err(format!("{}: BGSAVE did not finish", p.name));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                let secs = t0.elapsed().as_secs_f64();
                let status = info_field(&mut c, "rdb_last_bgsave_status")?;
                eprintln!(
                    "[snapshot round {}] {:<7} BGSAVE {secs:.3} s  peak/before {:.3}  status {status}",
                    round + 1,
                    p.name,
                    peak as f64 / before as f64
                );
                out.add(
                    self.name(),
                    &label,
                    p.name,
                    Sample {
                        metrics: vec![
                            ("BGSAVE s", secs),
                            ("peak/before memory", peak as f64 / before as f64),
                        ],
                        dist: None,
                        note: (status != "ok").then(|| format!("bgsave status {status}")),
                    },
                );
            }
        }
        Ok(())
    }
}
