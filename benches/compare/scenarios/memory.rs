//! Memory per key: fresh servers, `DEBUG POPULATE N` (keys `key:j`, values `value:j`),
//! RSS after minus RSS before, over N. Fresh servers every round, so neither earlier
//! benchmark keys nor allocator state count.

use std::time::Instant;

use super::{Kit, Scenario};
use crate::client::Client;
use crate::procs;
use crate::results::{Results, Sample};
use crate::{Res, Settings};

pub struct Memory;

impl Scenario for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "RSS delta of `DEBUG POPULATE {}` on fresh servers",
            s.populate
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        let n = kit.settings.populate;
        let label = format!("DEBUG POPULATE {n}");
        for round in 0..kit.settings.rounds {
            let servers = kit.start_pair()?;
            for p in &servers {
                let pid = p.pid();
                let before = procs::rss_bytes(pid)?;
                let mut c = Client::connect(p.port)?;
                let t0 = Instant::now();
                let r = c.cmd(&["DEBUG", "POPULATE", &n.to_string()])?;
                let secs = t0.elapsed().as_secs_f64();
                if r != "+OK" {
                    return Err(format!("{}: DEBUG POPULATE answered {r}", p.name));
                }
                let keys = c.cmd(&["DBSIZE"])?;
                if keys != format!(":{n}") {
                    return Err(format!("{}: DBSIZE {keys} after populating {n}", p.name));
                }
                let after = procs::rss_bytes(pid)?;
                let peak = procs::peak_rss_bytes(pid)?;
                let per_key = after.saturating_sub(before) as f64 / n as f64;
                eprintln!(
                    "[memory round {}] {:<7} {per_key:.1} B/key  RSS {:.1} -> {:.1} MB  populate {secs:.2} s",
                    round + 1,
                    p.name,
                    before as f64 / 1_048_576.0,
                    after as f64 / 1_048_576.0,
                );
                let sample = Sample {
                    metrics: vec![
                        ("bytes/key", per_key),
                        ("RSS after MB", after as f64 / 1_048_576.0),
                        ("peak RSS MB", peak as f64 / 1_048_576.0),
                        ("populate s", secs),
                    ],
                    dist: None,
                    note: None,
                };
                out.add(self.name(), &label, p.name, sample);
            }
        }
        Ok(())
    }
}
