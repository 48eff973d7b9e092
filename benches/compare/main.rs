//! The benchmark kit: shardis against redis-server, side by side.
//!
//!     cargo bench --bench compare                      # every scenario, 3 rounds
//!     BENCH_QUICK=1 cargo bench --bench compare        # smoke run: 1 round, small counts
//!     cargo bench --bench compare -- setget,memory     # some scenarios
//!
//! Environment: `BENCH_SCENARIOS` (comma-separated; default all: setget, latency, suite,
//! memory, types-memory), `BENCH_ROUNDS` (default 3, quick 1), `BENCH_SHARDS` (shardis
//! `--shards`, default 2), `BENCH_POPULATE` (keys for the memory scenario, default
//! 1000000, quick 200000), `BENCH_TYPES_N` (elements of each big collection in
//! types-memory, default 1000000, quick 100000), `BENCH_TYPES_SMALL` (its 10-field
//! hashes, default 100000, quick 10000), `BENCH_QUICK=1`, `BENCH_SHARDIS` (a shardis binary to
//! run instead of this build: a before/after table is two runs' ratios). Needs `redis-server` and
//! `redis-benchmark` (7.0).
//!
//! How: `cargo bench` builds the release shardis; each scenario starts shardis and a
//! redis-server with the same settings (loopback, free ports, no persistence) and runs its
//! cases with redis then shardis inside every round, so drifts of this shared machine hit
//! both alike. Per run: throughput and the client-side latency distribution from
//! redis-benchmark's full report, server CPU per request (on-CPU time of all its threads from /proc), peak
//! RSS (VmHWM, reset before each run). Output in `bench-report/`: `report.md` (medians and
//! min–max over rounds, shardis/redis ratios), `<scenario>/<case>.<server>.r<round>.hgrm`
//! percentile distributions, `<scenario>/<case>.png` latency-by-percentile charts. Every
//! process started here is stopped when the runner ends, also on error and Ctrl-C
//! (see `procs`).

mod client;
mod dist;
mod loadgen;
mod plot;
mod procs;
mod rb;
mod results;
mod scenarios;

use std::path::Path;
use std::process::Command;

use results::{slug, Results, SERVERS};
use scenarios::{Kit, Scenario};

pub type Res<T> = Result<T, String>;

pub struct Settings {
    pub rounds: usize,
    pub shards: usize,
    pub n_p1: u64,
    pub n_p16: u64,
    pub n_lat: u64,
    pub n_suite: u64,
    pub populate: u64,
    pub types_n: u64,
    pub types_small: u64,
    pub quick: bool,
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn settings() -> Settings {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let q = |full: u64, small: u64| if quick { small } else { full };
    Settings {
        rounds: env_num("BENCH_ROUNDS", q(3, 1)).max(1) as usize,
        shards: env_num("BENCH_SHARDS", 2).max(1) as usize,
        n_p1: q(200_000, 20_000),
        n_p16: q(2_000_000, 200_000),
        n_lat: q(20_000, 5_000),
        n_suite: q(200_000, 10_000),
        populate: env_num("BENCH_POPULATE", q(1_000_000, 200_000)).max(1),
        types_n: env_num("BENCH_TYPES_N", q(1_000_000, 100_000)).max(1),
        types_small: env_num("BENCH_TYPES_SMALL", q(100_000, 10_000)).max(1),
        quick,
    }
}

/// Scenario names from the arguments (`cargo bench` adds `--bench`) or BENCH_SCENARIOS.
fn selected(all: &[Box<dyn Scenario>]) -> Res<Vec<&dyn Scenario>> {
    let from_args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let list = if from_args.is_empty() {
        std::env::var("BENCH_SCENARIOS").unwrap_or_default()
    } else {
        from_args.join(",")
    };
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(all.iter().map(|s| s.as_ref()).collect());
    }
    names
        .iter()
        .map(|n| {
            all.iter()
                .find(|s| s.name() == *n)
                .map(|s| s.as_ref())
                .ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(|s| s.name()).collect();
                    format!("unknown scenario {n:?}; known: {}", known.join(", "))
                })
        })
        .collect()
}

/// First line of a command's output, or "?".
fn version(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(procs::manifest_dir())
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Writes the `.hgrm` files and charts of every case with latency distributions; returns
/// the markdown list of what was written.
fn write_files(results: &Results, dir: &Path) -> Res<String> {
    let mut md = String::new();
    for c in &results.cases {
        if c.samples.iter().flatten().all(|s| s.dist.is_none()) {
            continue;
        }
        let sub = dir.join(c.scenario);
        std::fs::create_dir_all(&sub).map_err(|e| e.to_string())?;
        let base = slug(&c.label);
        for (si, samples) in c.samples.iter().enumerate() {
            for (round, s) in samples.iter().enumerate() {
                if let Some(d) = &s.dist {
                    let name = format!("{base}.{}.r{}.hgrm", SERVERS[si], round + 1);
                    let source = format!(
                        "{} {} on {}, round {}: redis-benchmark latency report, ms",
                        c.scenario,
                        c.label,
                        SERVERS[si],
                        round + 1
                    );
                    std::fs::write(sub.join(&name), d.to_hgrm(&source))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        let png = format!("{base}.png");
        let title = format!("{}: {} — latency by percentile", c.scenario, c.label);
        plot::percentiles(c, &title, &sub.join(&png))?;
        md.push_str(&format!(
            "- {} {}: `{}/{png}`, `{}/{base}.<server>.r<round>.hgrm`\n",
            c.scenario, c.label, c.scenario, c.scenario
        ));
    }
    Ok(md)
}

fn run() -> Res<()> {
    procs::install_signal_handlers();
    procs::remove_stale_scratch_dirs();
    let all = scenarios::all();
    let chosen = selected(&all)?;
    let kit = Kit {
        settings: settings(),
        shardis: procs::shardis_binary()?,
    };
    let s = &kit.settings;
    let dir = procs::manifest_dir().join("bench-report");
    for sc in &chosen {
        // Old distributions and charts of a scenario that runs again would mislead.
        let _ = std::fs::remove_dir_all(dir.join(sc.name()));
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    let mut results = Results::default();
    for sc in &chosen {
        eprintln!("== {}: {}", sc.name(), sc.about(s));
        sc.run(&kit, &mut results)?;
    }

    let mut md = String::from("# shardis vs redis-server\n\n");
    md.push_str(&format!(
        "{} round(s){}, shardis `--shards {}` ({}), {}, {}, {} cores. Each cell: median \
         (min–max) over rounds; ↑ higher is better, ↓ lower is better. Latencies are \
         client-side (redis-benchmark), CPU µs/req is the server's on-CPU time (all threads) per request, \
         peak RSS is the server's VmHWM during the run.\n\n",
        s.rounds,
        if s.quick { " (BENCH_QUICK)" } else { "" },
        s.shards,
        version("git", &["describe", "--always", "--dirty"]),
        version(&procs::tool("redis-server"), &["--version"]),
        version(&procs::tool("redis-benchmark"), &["--version"]),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    ));
    md.push_str("Scenarios:\n\n");
    for sc in &chosen {
        md.push_str(&format!("- `{}`: {}\n", sc.name(), sc.about(s)));
    }
    md.push('\n');
    md.push_str(&results::ratio_tables(&results));
    for sc in &chosen {
        md.push_str(&sc.notes(&results));
    }
    md.push_str("\n## All values\n\n");
    md.push_str(&results::detail_table(&results));
    let files = write_files(&results, &dir)?;
    if !files.is_empty() {
        md.push_str(
            "\nLatency distributions (HdrHistogram `.hgrm`) and charts, in `bench-report/`:\n\n",
        );
        md.push_str(&files);
    }
    println!("{md}");
    std::fs::write(dir.join("report.md"), &md).map_err(|e| e.to_string())?;
    eprintln!("written to {}", dir.join("report.md").display());
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}
