//! shardis against redis-server, side by side: throughput, latency, server CPU per request
//! and memory per key.
//!
//!     cargo bench --bench compare                  # full: 3 rounds, ~a few minutes
//!     BENCH_QUICK=1 cargo bench --bench compare    # quick: 1 round, a tenth of the requests
//!
//! Environment: `BENCH_ROUNDS` (default 3, quick 1), `BENCH_SHARDS` (default 2),
//! `BENCH_POPULATE` (keys for the memory test, default 1000000, quick 200000).
//! Needs `redis-server` and `redis-benchmark` (7.0) on PATH or in /usr/bin.
//!
//! How: the release `shardis` (cargo bench builds it; built with `cargo build --release`
//! if missing) and a `redis-server` with persistence off run on free loopback ports.
//! `redis-benchmark -t set|get -c 50 -r 1000000 --csv` runs at `-P 1` and `-P 16`, then
//! `-c 1 -t get` for latency, alternating redis and shardis within each round so drifts of
//! the machine hit both alike. Server CPU comes from utime+stime in /proc/<pid>/stat
//! around each run. Memory: fresh servers, `DEBUG POPULATE` (pipelined SETs of the same
//! keys and values when DEBUG is not available), VmRSS delta per key. The markdown table
//! is printed and written to `bench-report/report.md`. Every process started here is
//! stopped when the runner ends, also on error (guards stop them on drop and unwinding).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Res<T> = Result<T, String>;

/// A server process, stopped (SIGKILL) and reaped when dropped.
struct Proc {
    name: &'static str,
    child: Child,
    port: u16,
    _dir: ScratchDir,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary directory removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> Res<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn tool(name: &str) -> String {
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = format!("{dir}/{name}");
        if Path::new(&p).exists() {
            return p;
        }
    }
    name.to_string()
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release shardis binary: the one cargo bench built, else target/release/shardis,
/// built there if missing.
fn shardis_binary() -> Res<PathBuf> {
    if let Some(p) = option_env!("CARGO_BIN_EXE_shardis") {
        if Path::new(p).exists() {
            return Ok(PathBuf::from(p));
        }
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir().join("target"));
    let bin = target.join("release").join("shardis");
    if !bin.exists() {
        eprintln!("building {} ...", bin.display());
        let st = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "--bin", "shardis"])
            .current_dir(manifest_dir())
            .status()
            .map_err(|e| format!("cargo build: {e}"))?;
        if !st.success() || !bin.exists() {
            return Err(format!("cargo build --release failed: {st}"));
        }
    }
    Ok(bin)
}

fn start(name: &'static str, program: &Path, args: &[&str]) -> Res<Proc> {
    let port = free_port()?;
    let dir = std::env::temp_dir().join(format!(
        "shardis-bench-{name}-{port}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let dir = ScratchDir(dir);
    let log = dir.0.join("server.log");
    let child = Command::new(program)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--enable-debug-command", "yes"])
        .args(["--dir", dir.0.to_str().unwrap_or(".")])
        .args(["--logfile", log.to_str().unwrap_or("")])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start {name} ({}): {e}", program.display()))?;
    let mut p = Proc {
        name,
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(st)) = p.child.try_wait() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{name} exited at start-up ({st}): {log}"));
        }
        if let Ok(mut c) = Client::connect(port) {
            if c.cmd(&["PING"]).map(|r| r == "+PONG").unwrap_or(false) {
                return Ok(p);
            }
        }
        if Instant::now() > deadline {
            return Err(format!("{name} did not answer on port {port}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_pair(shards: usize) -> Res<(Proc, Proc)> {
    let redis = start("redis", Path::new(&tool("redis-server")), &[])?;
    let shardis = start(
        "shardis",
        &shardis_binary()?,
        &["--shards", &shards.to_string()],
    )?;
    Ok((redis, shardis))
}

/// A minimal RESP client: commands out, one reply line (bulk bodies appended) back.
struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Res<Client> {
        let s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(600)))
            .map_err(|e| e.to_string())?;
        Ok(Client {
            r: BufReader::new(s.try_clone().map_err(|e| e.to_string())?),
            w: s,
        })
    }

    fn encode(args: &[&str], out: &mut Vec<u8>) {
        out.extend(format!("*{}\r\n", args.len()).bytes());
        for a in args {
            out.extend(format!("${}\r\n{a}\r\n", a.len()).bytes());
        }
    }

    fn cmd(&mut self, args: &[&str]) -> Res<String> {
        let mut buf = Vec::new();
        Self::encode(args, &mut buf);
        self.w.write_all(&buf).map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.r.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end().to_string();
        if let Some(n) = line.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
            let mut body = vec![0; n + 2];
            self.r.read_exact(&mut body).map_err(|e| e.to_string())?;
            return Ok(String::from_utf8_lossy(&body[..n]).into_owned());
        }
        Ok(line)
    }
}

/// utime+stime of a process, in microseconds.
fn cpu_us(pid: u32) -> Res<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the command name (which may contain spaces) start at state (field 3);
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').ok_or("bad stat")? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().map_err(|e| e.to_string())?
        + f[12].parse::<u64>().map_err(|e| e.to_string())?;
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(ticks * 1_000_000 / hz)
}

fn rss_bytes(pid: u32) -> Res<u64> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or("no VmRSS")?;
    Ok(kb * 1024)
}

/// Runs redis-benchmark (bounded), returns its stdout.
fn redis_benchmark(args: &[String]) -> Res<String> {
    let mut child = Command::new(tool("redis-benchmark"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("redis-benchmark: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(900);
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("redis-benchmark {args:?} timed out"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader.join().map_err(|_| "reader thread")?;
    if !status.success() {
        return Err(format!("redis-benchmark {args:?} failed ({status}): {out}"));
    }
    Ok(out)
}

/// One measurement of one test on one server.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rps: f64,
    p50: f64,
    p99: f64,
    cpu_us_per_req: f64,
}

/// Parses the `"GET","123.4",...` line of redis-benchmark --csv (7.0 columns: test, rps,
/// avg, min, p50, p95, p99, max).
fn parse_csv(out: &str, test: &str) -> Res<(f64, f64, f64)> {
    let want = format!("\"{}\"", test.to_ascii_uppercase());
    let line = out
        .lines()
        .find(|l| l.starts_with(&want))
        .ok_or_else(|| format!("no {test} line in: {out}"))?;
    let f: Vec<f64> = line
        .split(',')
        .skip(1)
        .map(|v| v.trim_matches('"').parse::<f64>().unwrap_or(f64::NAN))
        .collect();
    if f.len() < 6 {
        return Err(format!("short csv line: {line}"));
    }
    Ok((f[0], f[3], f[5]))
}

fn measure(p: &Proc, test: &str, clients: u32, pipeline: u32, n: u64) -> Res<Sample> {
    let args: Vec<String> = [
        "-p",
        &p.port.to_string(),
        "-t",
        test,
        "-c",
        &clients.to_string(),
        "-P",
        &pipeline.to_string(),
        "-r",
        "1000000",
        "-n",
        &n.to_string(),
        "--csv",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let before = cpu_us(p.child.id())?;
    let out = redis_benchmark(&args)?;
    let after = cpu_us(p.child.id())?;
    let (rps, p50, p99) = parse_csv(&out, test)?;
    Ok(Sample {
        rps,
        p50,
        p99,
        cpu_us_per_req: (after - before) as f64 / n as f64,
    })
}

/// Median, min and max.
fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let mid = if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    };
    (mid, s[0], s[s.len() - 1])
}

fn fmt_num(x: f64) -> String {
    if x >= 1000.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

fn cell(v: &[f64]) -> String {
    let (m, lo, hi) = stats(v);
    if v.len() == 1 {
        fmt_num(m)
    } else {
        format!("{} ({}–{})", fmt_num(m), fmt_num(lo), fmt_num(hi))
    }
}

/// Fills a server with `count` keys `key:N` = `value:N` (what DEBUG POPULATE writes);
/// pipelined SETs when DEBUG POPULATE is not available. Returns how it was done.
fn populate(p: &Proc, count: u64) -> Res<&'static str> {
    let mut c = Client::connect(p.port)?;
    let r = c.cmd(&["DEBUG", "POPULATE", &count.to_string()])?;
    if r == "+OK" {
        return Ok("DEBUG POPULATE");
    }
    const BATCH: u64 = 10_000;
    let mut i = 0;
    while i < count {
        let end = (i + BATCH).min(count);
        let mut buf = Vec::new();
        for k in i..end {
            let (key, value) = (format!("key:{k}"), format!("value:{k}"));
            Client::encode(&["SET", &key, &value], &mut buf);
        }
        c.w.write_all(&buf).map_err(|e| e.to_string())?;
        let mut replies = vec![0u8; 5 * (end - i) as usize];
        c.r.read_exact(&mut replies).map_err(|e| e.to_string())?;
        if replies.chunks(5).any(|r| r != b"+OK\r\n") {
            return Err(format!("{}: SET failed while populating", p.name));
        }
        i = end;
    }
    Ok("pipelined SET (no DEBUG POPULATE)")
}

struct Settings {
    rounds: usize,
    shards: usize,
    n_p1: u64,
    n_p16: u64,
    n_lat: u64,
    populate: u64,
    quick: bool,
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn settings() -> Settings {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v != "0");
    let div = if quick { 10 } else { 1 };
    Settings {
        rounds: env_num("BENCH_ROUNDS", if quick { 1 } else { 3 }).max(1) as usize,
        shards: env_num("BENCH_SHARDS", 2).max(1) as usize,
        n_p1: 200_000 / div,
        n_p16: 2_000_000 / div,
        n_lat: 20_000 / div,
        populate: env_num("BENCH_POPULATE", if quick { 200_000 } else { 1_000_000 }).max(1),
        quick,
    }
}

/// (label, test, clients, pipeline, requests)
type Case = (String, &'static str, u32, u32, u64);

fn run() -> Res<String> {
    let s = settings();
    let cases: Vec<Case> = vec![
        ("SET -c 50 -P 1".into(), "set", 50, 1, s.n_p1),
        ("GET -c 50 -P 1".into(), "get", 50, 1, s.n_p1),
        ("SET -c 50 -P 16".into(), "set", 50, 16, s.n_p16),
        ("GET -c 50 -P 16".into(), "get", 50, 16, s.n_p16),
        ("GET -c 1 (latency)".into(), "get", 1, 1, s.n_lat),
    ];
    let (redis, shardis) = start_pair(s.shards)?;
    // results[case][server] = samples
    let mut results: BTreeMap<(usize, &str), Vec<Sample>> = BTreeMap::new();
    for round in 0..s.rounds {
        for (ci, (label, test, clients, pipeline, n)) in cases.iter().enumerate() {
            for p in [&redis, &shardis] {
                let sample = measure(p, test, *clients, *pipeline, *n)?;
                eprintln!(
                    "round {} {label:<20} {:<8} {:>10.0} rps  p50 {:.3} ms  p99 {:.3} ms  {:.2} µs CPU/req",
                    round + 1,
                    p.name,
                    sample.rps,
                    sample.p50,
                    sample.p99,
                    sample.cpu_us_per_req
                );
                results.entry((ci, p.name)).or_default().push(sample);
            }
        }
    }
    drop((redis, shardis));

    let mut md = String::new();
    md.push_str("## shardis vs redis-server\n\n");
    md.push_str(&format!(
        "{} round(s){}, shardis --shards {}, {} cores, redis-benchmark -r 1000000 --csv; \
         median (min–max) over rounds.\n\n",
        s.rounds,
        if s.quick { " (BENCH_QUICK)" } else { "" },
        s.shards,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    ));
    md.push_str("| test | n | metric | redis | shardis | shardis/redis |\n");
    md.push_str("|---|---|---|---|---|---|\n");
    type Pick = fn(&Sample) -> f64;
    let metrics: [(&str, Pick); 4] = [
        ("rps", |x| x.rps),
        ("p50 ms", |x| x.p50),
        ("p99 ms", |x| x.p99),
        ("CPU µs/req", |x| x.cpu_us_per_req),
    ];
    for (ci, (label, _, _, _, n)) in cases.iter().enumerate() {
        for (metric, pick) in metrics {
            let r: Vec<f64> = results[&(ci, "redis")].iter().map(pick).collect();
            let o: Vec<f64> = results[&(ci, "shardis")].iter().map(pick).collect();
            let ratio = stats(&o).0 / stats(&r).0;
            md.push_str(&format!(
                "| {label} | {n} | {metric} | {} | {} | {ratio:.2} |\n",
                cell(&r),
                cell(&o)
            ));
        }
    }

    // Memory on fresh servers, so earlier benchmark keys and allocator state do not count.
    let (redis, shardis) = start_pair(s.shards)?;
    md.push_str(&format!(
        "\n### Memory: {} keys `key:N` = `value:N`\n\n",
        s.populate
    ));
    md.push_str("| server | how | keys | RSS before | RSS after | bytes/key |\n");
    md.push_str("|---|---|---|---|---|---|\n");
    let mut per_key = Vec::new();
    for p in [&redis, &shardis] {
        let before = rss_bytes(p.child.id())?;
        let how = populate(p, s.populate)?;
        let keys = Client::connect(p.port)?.cmd(&["DBSIZE"])?;
        let after = rss_bytes(p.child.id())?;
        let bpk = after.saturating_sub(before) as f64 / s.populate as f64;
        per_key.push(bpk);
        md.push_str(&format!(
            "| {} | {how} | {} | {} | {} | {bpk:.1} |\n",
            p.name,
            keys.trim_start_matches(':'),
            before,
            after
        ));
    }
    md.push_str(&format!(
        "\nshardis/redis bytes per key: {:.2}\n",
        per_key[1] / per_key[0]
    ));
    drop((redis, shardis));
    Ok(md)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    match run() {
        Ok(md) => {
            println!("{md}");
            let dir = manifest_dir().join("bench-report");
            let written = std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(dir.join("report.md"), &md));
            match written {
                Ok(()) => eprintln!("written to {}", dir.join("report.md").display()),
                Err(e) => eprintln!("could not write the report: {e}"),
            }
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}
