//! Runs `redis-benchmark` against one server and reads its full (not `-q`, not `--csv`)
//! report: per test the request count, throughput, latency summary, the "Latency by
//! percentile distribution" and "Cumulative distribution of latencies" points. A run that
//! got an error reply fails: redis-benchmark 7.0 exits at the first one ([`server_error`]).
//!
//! Server CPU and peak RSS are taken per test: redis-benchmark flushes a test's
//! `====== NAME ======` header the moment the test ends, so the thread reading its stdout
//! samples /proc at each header. The CPU between two headers is the second test's (plus
//! the next test's connection set-up, a few hundred requests' worth at most).

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::dist::Dist;
use crate::procs::{self, Guard, Server};
use crate::Res;

const STDBUF: &str = "/usr/bin/stdbuf";

/// One redis-benchmark test's results on one server.
#[derive(Debug, Clone)]
pub struct RbTest {
    pub name: String,
    pub requests: u64,
    pub rps: f64,
    /// avg, min, p50, p95, p99, max (ms), redis-benchmark's summary line.
    pub summary: [f64; 6],
    pub dist: Dist,
    /// "Error from server" lines (7.0 exits at the first error reply, so a failed run).
    pub errors: Vec<String>,
    pub server_cpu_us: u64,
    /// VmHWM at the end of the test (reset before it when the kernel allows).
    pub server_peak_rss: u64,
}

#[derive(Default)]
struct Boundary {
    cpu_us: u64,
    peak_rss: u64,
}

/// Runs `redis-benchmark -p <port> <args>` (bounded by `limit`) and returns its tests.
pub fn run(server: &Server, args: &[String], limit: Duration) -> Res<Vec<RbTest>> {
    let pid = server.pid();
    procs::reset_peak_rss(pid);
    let cpu0 = procs::cpu_us(pid)?;
    // redis-benchmark's stdout is a pipe, so fully buffered: a test's header would reach
    // us only with the next progress line's flush (every 250 ms) or at exit, and the CPU
    // of two short tests would blur. Line buffering (coreutils' stdbuf) delivers each
    // header as it is printed.
    let rb = procs::tool("redis-benchmark");
    let mut cmd = if std::path::Path::new(STDBUF).exists() {
        let mut c = Command::new(STDBUF);
        c.args(["-oL", &rb]);
        c
    } else {
        Command::new(&rb)
    };
    let mut child = Guard::spawn(
        cmd.args(["-p", &server.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
        "redis-benchmark",
    )?;
    let mut stdout = child.0.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.0.stderr.take().ok_or("no stderr")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut bounds = Vec::new();
        let mut line = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                if b != b'\r' && b != b'\n' {
                    line.push(b);
                    continue;
                }
                let l = String::from_utf8_lossy(&line).into_owned();
                if l.trim_start().starts_with("====== ") {
                    bounds.push(Boundary {
                        cpu_us: procs::cpu_us(pid).unwrap_or(0),
                        peak_rss: procs::peak_rss_bytes(pid).unwrap_or(0),
                    });
                    procs::reset_peak_rss(pid);
                }
                // Progress lines ("SET: rps=...") are rewritten in place with '\r'.
                if !l.contains(": rps=") {
                    text.push_str(l.trim());
                    text.push('\n');
                }
                line.clear();
            }
        }
        let _ = tx.send((text, bounds));
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (text, bounds) = rx
        .recv_timeout(limit)
        .map_err(|_| format!("redis-benchmark {args:?} took longer than {limit:?}"))?;
    let status = child.0.wait().map_err(|e| e.to_string())?;
    let errtext = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "redis-benchmark {args:?} failed ({status}): {errtext}{text}"
        ));
    }
    let mut tests = parse(&text)?;
    if tests.len() != bounds.len() {
        return Err(format!(
            "redis-benchmark output: {} tests, {} headers",
            tests.len(),
            bounds.len()
        ));
    }
    let mut prev = cpu0;
    for (t, b) in tests.iter_mut().zip(&bounds) {
        t.server_cpu_us = b.cpu_us.saturating_sub(prev);
        t.server_peak_rss = b.peak_rss;
        prev = b.cpu_us;
    }
    Ok(tests)
}

/// The error reply that made redis-benchmark exit (7.0 stops at the first one), if that
/// is why a run failed.
pub fn server_error(run_error: &str) -> Option<&str> {
    let (_, rest) = run_error.split_once("Error from server: ")?;
    let line = rest.lines().next().unwrap_or("").trim();
    Some(
        line.split(", with args beginning with")
            .next()
            .unwrap_or(line),
    )
}

fn nums(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// `50.000% <= 0.367 milliseconds (cumulative count 52018)` -> (0.367, 52018).
fn point(l: &str) -> Option<(f64, u64)> {
    let (_, rest) = l.split_once("% <= ")?;
    let (v, rest) = rest.split_once(" milliseconds (cumulative count ")?;
    Some((v.parse().ok()?, rest.trim_end_matches(')').parse().ok()?))
}

/// Parses redis-benchmark 7.0's full report (progress lines already removed).
pub fn parse(text: &str) -> Res<Vec<RbTest>> {
    let mut tests: Vec<RbTest> = Vec::new();
    let mut pending_errors = Vec::new();
    let mut points = Vec::new();
    let mut summary_next = false;
    let finish = |t: &mut RbTest, points: &mut Vec<(f64, u64)>| {
        t.dist = Dist::from_points(
            std::mem::take(points),
            t.requests,
            t.summary[0],
            t.summary[5],
        );
    };
    for l in text.lines() {
        if let Some(e) = l.strip_prefix("Error from server: ") {
            pending_errors.push(e.to_string());
        } else if let Some(name) = l
            .strip_prefix("====== ")
            .and_then(|r| r.strip_suffix(" ======"))
        {
            if let Some(t) = tests.last_mut() {
                finish(t, &mut points);
            }
            tests.push(RbTest {
                name: name.to_string(),
                requests: 0,
                rps: 0.0,
                summary: [0.0; 6],
                dist: Dist::default(),
                errors: std::mem::take(&mut pending_errors),
                server_cpu_us: 0,
                server_peak_rss: 0,
            });
        } else if let Some(t) = tests.last_mut() {
            if let Some(n) = l
                .strip_suffix(" seconds")
                .and_then(|_| l.split_once(" requests completed"))
            {
                t.requests = n.0.trim().parse().unwrap_or(0);
            } else if let Some(p) = point(l) {
                points.push(p);
            } else if let Some(r) = l.strip_prefix("throughput summary: ") {
                t.rps = nums(r).first().copied().unwrap_or(0.0);
            } else if l.starts_with("avg") && l.contains("p99") {
                summary_next = true;
            } else if summary_next {
                summary_next = false;
                let v = nums(l);
                if v.len() == 6 {
                    t.summary.copy_from_slice(&v);
                }
            }
        }
    }
    if let Some(t) = tests.last_mut() {
        finish(t, &mut points);
    }
    if let Some(t) = tests
        .iter()
        .find(|t| t.requests == 0 || t.dist.points.is_empty())
    {
        return Err(format!(
            "could not read redis-benchmark's report of {}: {text}",
            t.name
        ));
    }
    Ok(tests)
}
