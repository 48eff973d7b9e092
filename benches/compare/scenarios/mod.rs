//! The scenarios. Each is a module with a type implementing [`Scenario`], registered in
//! [`all`]; a new one (snapshot, full sync, replica, ...) is a new module and one line
//! there. A scenario starts the servers it needs through [`Kit`] (fresh ones if it must),
//! runs every round with redis then shardis, and adds one [`Sample`] per case, server and
//! round to the results.

mod atomic;
mod latency;
mod memory;
mod replica_sync;
mod replication;
mod setget;
mod snapshot;
mod snapshot_load;
mod suite;
mod types_memory;

use std::path::PathBuf;
use std::time::Duration;

use crate::loadgen;
use crate::procs::{self, Server};
use crate::rb::{self, RbTest};
use crate::results::{Results, Sample, SERVERS};
use crate::{Res, Settings};

pub trait Scenario {
    /// The name used in `BENCH_SCENARIOS` and in the report.
    fn name(&self) -> &'static str;
    /// One line for the report: what runs and how.
    fn about(&self, s: &Settings) -> String;
    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()>;
    /// Markdown the scenario adds after the ratio table (e.g. cross-checks).
    fn notes(&self, _results: &Results) -> String {
        String::new()
    }
}

pub fn all() -> Vec<Box<dyn Scenario>> {
    vec![
        Box::new(setget::SetGet),
        Box::new(latency::Latency),
        Box::new(suite::Suite),
        Box::new(memory::Memory),
        Box::new(types_memory::TypesMemory),
        Box::new(atomic::Atomic),
        Box::new(snapshot::Snapshot),
        Box::new(snapshot_load::SnapshotLoad),
        Box::new(replication::Replication),
        Box::new(replica_sync::ReplicaSync),
    ]
}

/// What scenarios share: settings and how to start the two servers.
pub struct Kit {
    pub settings: Settings,
    pub shardis: PathBuf,
}

impl Kit {
    /// A fresh redis-server and shardis (`--shards N`), in [`SERVERS`] order.
    pub fn start_pair(&self) -> Res<[Server; 2]> {
        self.start_pair_with(&[])
    }

    /// Like [`Kit::start_pair`], with more options for both servers (e.g. a snapshot or
    /// replication scenario's settings).
    pub fn start_pair_with(&self, extra: &[&str]) -> Res<[Server; 2]> {
        let redis_server = procs::tool("redis-server");
        let redis = procs::start("redis", std::path::Path::new(&redis_server), extra)?;
        let shards = self.settings.shards.to_string();
        let mut shardis_args = vec!["--shards", shards.as_str()];
        shardis_args.extend_from_slice(extra);
        let shardis = procs::start("shardis", &self.shardis, &shardis_args)?;
        Ok([redis, shardis])
    }

    /// How long one redis-benchmark run may take before it counts as stuck.
    pub fn rb_limit(&self) -> Duration {
        Duration::from_secs(1800)
    }
}

/// What produces the load of a case.
pub enum Driver {
    /// redis-benchmark with these arguments (after `-p <port>`).
    Rb(Vec<String>),
    /// Our own one-connection load generator ([`crate::loadgen`]): command, requests.
    Own(&'static str, u64),
    /// Our MULTI/EXEC transfer generator: connections, transactions.
    Transfers(u64, u64),
}

/// One invocation; `label` names its case (with several redis-benchmark tests in one
/// invocation, each test's name is appended).
pub struct RbCase {
    pub label: String,
    pub driver: Driver,
}

pub fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The metrics of one redis-benchmark test.
pub fn rb_sample(t: &RbTest) -> Sample {
    let d = &t.dist;
    Sample {
        metrics: vec![
            ("rps", t.rps),
            ("p50 ms", d.quantile(0.5)),
            ("p99 ms", d.quantile(0.99)),
            ("p99.9 ms", d.quantile(0.999)),
            ("max ms", t.summary[5]),
            (
                "CPU µs/req",
                t.server_cpu_us as f64 / t.requests.max(1) as f64,
            ),
            ("peak RSS MB", t.server_peak_rss as f64 / 1_048_576.0),
        ],
        dist: Some(t.dist.clone()),
        note: (!t.errors.is_empty()).then(|| format!("error replies: {}", t.errors[0])),
    }
}

/// Adds redis-benchmark's (or the load generator's) tests of one run to the results and
/// prints a progress line for each.
pub fn record(
    scenario: &'static str,
    round: usize,
    label: &str,
    server: &Server,
    tests: &[RbTest],
    out: &mut Results,
) {
    for t in tests {
        let label = if tests.len() == 1 && !label.is_empty() {
            label.to_string()
        } else {
            format!("{label}{}", t.name)
        };
        let s = rb_sample(t);
        eprintln!(
            "[{scenario} round {}] {label:<34} {:<7} {:>9.0} rps  p50 {:.3}  p99 {:.3}  p99.9 {:.3} ms  {:.2} µs CPU/req",
            round + 1,
            server.name,
            t.rps,
            s.metrics[1].1,
            s.metrics[2].1,
            s.metrics[3].1,
            s.metrics[5].1,
        );
        out.add(scenario, &label, server.name, s);
    }
}

/// Runs the cases on one pair of servers for every round (redis, then shardis, per case)
/// and records each test.
pub fn run_rb_cases(
    kit: &Kit,
    scenario: &'static str,
    cases: &[RbCase],
    out: &mut Results,
) -> Res<()> {
    let servers = kit.start_pair()?;
    for round in 0..kit.settings.rounds {
        for case in cases {
            for server in &servers {
                let tests = match &case.driver {
                    Driver::Rb(args) => rb::run(server, args, kit.rb_limit())?,
                    Driver::Own(command, n) => vec![loadgen::run(server, command, *n)?],
                    Driver::Transfers(conns, n) => {
                        vec![loadgen::run_transfers(server, *conns, *n)?]
                    }
                };
                record(scenario, round, &case.label, server, &tests, out);
            }
        }
    }
    debug_assert_eq!(servers.len(), SERVERS.len());
    Ok(())
}
