//! Our own closed-loop load generator, one connection, for the `-c 1` latency cases:
//! sends one request, waits for the whole reply, records the round trip in nanoseconds in
//! an HdrHistogram (3 significant digits, like redis-benchmark's, but at ns rather than
//! µs resolution and with every bucket kept, not ~30 printed points). Requests are the
//! ones redis-benchmark sends: `SET key:<12-digit random> xxx` / `GET key:<...>` with keys
//! drawn from 0..1000000 (`-r 1000000`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::dist::Dist;
use crate::procs::{self, Server};
use crate::rb::RbTest;
use crate::Res;

/// Length of the first complete RESP2 reply in `buf` (simple, error, integer or bulk),
/// or None when more bytes are needed.
fn reply_len(buf: &[u8]) -> Option<usize> {
    let eol = buf.windows(2).position(|w| w == b"\r\n")?;
    if buf[0] != b'$' {
        return Some(eol + 2);
    }
    let n: i64 = std::str::from_utf8(&buf[1..eol]).ok()?.parse().ok()?;
    let total = if n < 0 {
        eol + 2
    } else {
        eol + 2 + n as usize + 2
    };
    (buf.len() >= total).then_some(total)
}

fn request(command: &str, k: u64) -> Vec<u8> {
    let key = format!("key:{k:012}");
    let mut args = vec![command.to_uppercase(), key];
    if command == "set" {
        args.push("xxx".into());
    }
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in &args {
        v.extend(format!("${}\r\n{a}\r\n", a.len()).bytes());
    }
    v
}

/// Runs `n` requests of `command` ("set" or "get") on one connection; the result has the
/// same shape as a redis-benchmark test's.
pub fn run(server: &Server, command: &str, n: u64) -> Res<RbTest> {
    let make = |k: u64| request(command, k % 1_000_000);
    closed_loop(server, &command.to_uppercase(), 1, n, &make, &reply_len)
}

/// A transfer between two of 1000 accounts (random, so mostly on two shards), as one
/// pipelined write: `MULTI`, `INCRBY a -1`, `INCRBY b 1`, `EXEC`.
fn transfer(k: u64) -> Vec<u8> {
    let (a, b) = (k % 1000, (k / 1000) % 1000);
    let mut v = Vec::new();
    for args in [
        vec!["MULTI".to_string()],
        vec!["INCRBY".into(), format!("acct:{a}"), "-1".into()],
        vec!["INCRBY".into(), format!("acct:{b}"), "1".into()],
        vec!["EXEC".into()],
    ] {
        v.extend(format!("*{}\r\n", args.len()).bytes());
        for a in &args {
            v.extend(format!("${}\r\n{a}\r\n", a.len()).bytes());
        }
    }
    v
}

/// The four replies of [`transfer`]: `+OK`, two `+QUEUED`, `*2` and two integers, six
/// lines in all (an error anywhere is one line in place of its reply).
fn transfer_reply_len(buf: &[u8]) -> Option<usize> {
    let mut lines = 0;
    let mut i = 0;
    while lines < 6 {
        let eol = buf[i..].windows(2).position(|w| w == b"\r\n")?;
        if buf[i] == b'-' || buf[i] == b'*' && buf[i + 1] == b'-' {
            // EXECABORT or a nil EXEC: the reply ends here.
            return Some(i + eol + 2);
        }
        i += eol + 2;
        lines += 1;
    }
    Some(i)
}

/// `n` MULTI/EXEC transfers over `conns` connections, one thread each.
pub fn run_transfers(server: &Server, conns: u64, n: u64) -> Res<RbTest> {
    closed_loop(
        server,
        "MULTI/EXEC",
        conns,
        n,
        &transfer,
        &transfer_reply_len,
    )
}

/// What one connection's loop measured.
type Measured = Res<(Histogram<u64>, Vec<String>)>;

/// Closed loop over `conns` connections, `n` requests in all: each sends `make(random)`,
/// waits until `reply_len` says the whole reply is in, and records the round trip.
fn closed_loop(
    server: &Server,
    name: &str,
    conns: u64,
    n: u64,
    make: &(dyn Fn(u64) -> Vec<u8> + Sync),
    reply_len: &(dyn Fn(&[u8]) -> Option<usize> + Sync),
) -> Res<RbTest> {
    let pid = server.pid();
    procs::reset_peak_rss(pid);
    let cpu0 = procs::cpu_us(pid)?;
    let start = Instant::now();
    let per_conn = n / conns.max(1);
    let results: Vec<Measured> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..conns.max(1))
            .map(|i| scope.spawn(move || one_connection(server, i, per_conn, make, reply_len)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("load thread panicked".into()))
            })
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
        .map_err(|x| format!("histogram: {x}"))?;
    let mut errors = Vec::new();
    for r in results {
        let (h, e) = r?;
        hist.add(&h).map_err(|x| format!("histogram: {x}"))?;
        errors.extend(e);
    }
    let n = per_conn * conns.max(1);
    let cpu = procs::cpu_us(pid)?.saturating_sub(cpu0);
    let peak = procs::peak_rss_bytes(pid)?;
    let ms = |ns: u64| ns as f64 / 1e6;
    // Every distinct recorded bucket, as cumulative points.
    let mut points = Vec::new();
    let mut cum = 0;
    for v in hist.iter_recorded() {
        cum += v.count_since_last_iteration();
        points.push((ms(hist.highest_equivalent(v.value_iterated_to())), cum));
    }
    let summary = [
        hist.mean() / 1e6,
        ms(hist.min()),
        ms(hist.value_at_quantile(0.5)),
        ms(hist.value_at_quantile(0.95)),
        ms(hist.value_at_quantile(0.99)),
        ms(hist.max()),
    ];
    Ok(RbTest {
        name: name.to_string(),
        requests: n,
        rps: n as f64 / secs,
        summary,
        dist: Dist::from_points(points, n, summary[0], summary[5]),
        errors,
        server_cpu_us: cpu,
        server_peak_rss: peak,
    })
}

fn one_connection(
    server: &Server,
    index: u64,
    n: u64,
    make: &(dyn Fn(u64) -> Vec<u8> + Sync),
    reply_len: &(dyn Fn(&[u8]) -> Option<usize> + Sync),
) -> Measured {
    let e = |e: std::io::Error| format!("load generator on {}: {e}", server.name);
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).map_err(e)?;
    s.set_nodelay(true).map_err(e)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(e)?;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
        .map_err(|x| format!("histogram: {x}"))?;
    let mut rng: u64 = 0x2545_F491_4F6C_DD1D ^ (index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut buf = vec![0u8; 4096];
    let mut errors = Vec::new();
    for _ in 0..n {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let req = make(rng);
        let t = Instant::now();
        s.write_all(&req).map_err(e)?;
        let mut have = 0;
        let len = loop {
            if let Some(len) = reply_len(&buf[..have]) {
                break len;
            }
            if have == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let got = s.read(&mut buf[have..]).map_err(e)?;
            if got == 0 {
                return Err(format!("{} closed the connection", server.name));
            }
            have += got;
        };
        let took = t.elapsed().as_nanos() as u64;
        hist.saturating_record(took.max(1));
        if let Some(at) = buf[..len].iter().position(|&b| b == b'-') {
            if errors.is_empty() && (at == 0 || buf[at - 1] == b'\n') {
                let line_end = buf[at..len]
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .map_or(len, |p| at + p);
                errors.push(String::from_utf8_lossy(&buf[at + 1..line_end]).into_owned());
            }
        }
        if have != len {
            return Err(format!(
                "{}: more than one reply to one request",
                server.name
            ));
        }
    }
    Ok((hist, errors))
}
