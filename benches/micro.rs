//! In-process micro-benchmarks, no sockets: RESP parsing of raw request bytes, command
//! dispatch (table lookup + the shard function on a keyspace), the keyspace's get/insert
//! over 1M keys, and reply encoding. Prints ns per operation.
//!
//!     cargo bench --bench micro               # all, a few seconds
//!     cargo bench --bench micro -- dispatch   # names containing "dispatch"
//!
//! Each benchmark runs batches of its operation until `BENCH_MICRO_MS` (default 300 ms)
//! have passed after a short warm-up, and reports the best batch's time per operation
//! (the least disturbed by the other work on this shared machine) and the mean.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use shardis::commands::{self, ExecCtx, Run};
use shardis::protocol::{parse_request, Reply, Request};
use shardis::storage::{Db, Entry, Keyspace, NewValue};

const MAX_BULK: usize = 512 * 1024 * 1024;
const KEYS: u64 = 1_000_000;

fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend(format!("${}\r\n", a.len()).bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

fn key(i: u64) -> Vec<u8> {
    format!("key:{i}").into_bytes()
}

/// A cheap well-spread sequence over 0..KEYS (an odd multiplier mod 2^20, skipping values
/// past KEYS), so lookups do not walk the table in insertion order.
fn spread(i: u64) -> u64 {
    (i.wrapping_mul(0x9E37_79B1) >> 7) % KEYS
}

struct Bench {
    filter: Vec<String>,
    budget: Duration,
}

impl Bench {
    /// Times `op(i)` (one operation each, `i` counts up) and prints ns/op. `per_call`
    /// operations happen per call (e.g. 16 pipelined requests).
    fn run(&self, name: &str, per_call: u64, mut op: impl FnMut(u64)) {
        if !self.filter.is_empty() && !self.filter.iter().any(|f| name.contains(f.as_str())) {
            return;
        }
        const BATCH: u64 = 1000;
        let mut i = 0u64;
        let warm = Instant::now();
        while warm.elapsed() < self.budget / 10 {
            for _ in 0..BATCH {
                op(i);
                i += 1;
            }
        }
        let (mut best, mut total, mut calls) = (f64::MAX, Duration::ZERO, 0u64);
        while total < self.budget {
            let t = Instant::now();
            for _ in 0..BATCH {
                op(i);
                i += 1;
            }
            let el = t.elapsed();
            total += el;
            calls += BATCH;
            best = best.min(el.as_nanos() as f64 / (BATCH * per_call) as f64);
        }
        let mean = total.as_nanos() as f64 / (calls * per_call) as f64;
        println!(
            "{name:<40} {best:>9.1} ns/op  (mean {mean:.1}, {} ops)",
            calls * per_call
        );
    }
}

fn parse_all(buf: &[u8]) -> usize {
    let mut at = 0;
    let mut n = 0;
    while let Ok(Some((req, used))) = parse_request(&buf[at..], MAX_BULK) {
        black_box(&req);
        at += used;
        n += 1;
    }
    n
}

fn parse_benches(b: &Bench) {
    let get = resp(&[b"GET", b"key:000042"]);
    let set = resp(&[b"SET", b"key:000042", b"xxx"]);
    let set_big = resp(&[b"SET", b"key:000042", &[b'x'; 1024]]);
    let mut pipe = Vec::new();
    for i in 0..16 {
        pipe.extend(resp(&[b"GET", &key(i)]));
    }
    b.run("parse GET", 1, |_| {
        black_box(parse_request(black_box(&get), MAX_BULK).ok());
    });
    b.run("parse SET (3-byte value)", 1, |_| {
        black_box(parse_request(black_box(&set), MAX_BULK).ok());
    });
    b.run("parse SET (1 KiB value)", 1, |_| {
        black_box(parse_request(black_box(&set_big), MAX_BULK).ok());
    });
    b.run("parse 16 pipelined GETs (per request)", 16, |_| {
        assert_eq!(parse_all(black_box(&pipe)), 16);
    });
}

/// Arguments of a request as the connection hands them to commands: slices of one frozen
/// read buffer.
fn request_args(raw: &[u8]) -> Vec<Bytes> {
    let buf = Bytes::copy_from_slice(raw);
    match parse_request(&buf, MAX_BULK) {
        Ok(Some((Request::Multibulk(ranges), _))) => {
            ranges.into_iter().map(|r| buf.slice(r)).collect()
        }
        other => panic!("not a multibulk request: {other:?}"),
    }
}

fn filled_keyspace() -> Keyspace {
    use std::io::Write;
    let mut ks = Keyspace::new(1, 7);
    // Reused buffers: the time is the table's, not the formatting's.
    let (mut k, mut v) = (Vec::with_capacity(32), Vec::with_capacity(32));
    for i in 0..KEYS {
        k.clear();
        v.clear();
        let _ = write!(k, "key:{i}");
        let _ = write!(v, "value:{i}");
        ks.dbs[0].insert(Entry::new(&k, NewValue::Str(&v), None));
    }
    ks
}

fn dispatch_benches(b: &Bench, ks: &mut Keyspace) {
    let mut out = BytesMut::with_capacity(4096);
    let gets: Vec<Vec<Bytes>> = (0..4096)
        .map(|i| request_args(&resp(&[b"GET", &key(spread(i))])))
        .collect();
    let sets: Vec<Vec<Bytes>> = (0..4096)
        .map(|i| request_args(&resp(&[b"SET", &key(spread(i)), b"xxx"])))
        .collect();
    for (name, reqs) in [
        ("dispatch GET (hit, 1M keys)", &gets),
        ("dispatch SET (overwrite, 1M keys)", &sets),
    ] {
        let mut prop = shardis::commands::propagate::Prop::default();
        b.run(name, 1, |i| {
            prop.reset();
            let args = &reqs[(i % 4096) as usize];
            let spec = commands::lookup(&args[0]).expect("known command");
            let Run::Shard(f) = spec.run else {
                panic!("{} is not a shard command", spec.name)
            };
            out.clear();
            let mut ctx = ExecCtx {
                ks: &mut *ks,
                db: 0,
                now_ms: 1,
                out: Reply::new(&mut out, false),
                prop: &mut prop,
            };
            f(&mut ctx, args);
            black_box(&out);
        });
    }
    b.run("commands::lookup (\"get\")", 1, |_| {
        black_box(commands::lookup(black_box(b"get")));
    });
}

fn keyspace_benches(b: &Bench) -> Keyspace {
    // Filling is measured once, not in the loop: inserts grow the table.
    let t = Instant::now();
    let ks = filled_keyspace();
    let fill = t.elapsed();
    if b.filter.is_empty()
        || b.filter
            .iter()
            .any(|f| "keyspace insert (new keys, growing)".contains(f.as_str()))
    {
        println!(
            "{:<40} {:>9.1} ns/op  (one fill of {KEYS} keys)",
            "keyspace insert (new keys, growing)",
            fill.as_nanos() as f64 / KEYS as f64
        );
    }
    let mut ks = ks;
    let keys: Vec<Vec<u8>> = (0..65536).map(|i| key(spread(i))).collect();
    let missing: Vec<Vec<u8>> = (0..65536)
        .map(|i| format!("nokey:{i}").into_bytes())
        .collect();
    let db: &mut Db = &mut ks.dbs[0];
    b.run("keyspace get (hit, 1M keys)", 1, |i| {
        black_box(db.get(&keys[(i % 65536) as usize], 1).is_some());
    });
    b.run("keyspace get (miss, 1M keys)", 1, |i| {
        black_box(db.get(&missing[(i % 65536) as usize], 1).is_none());
    });
    b.run("keyspace insert (replace, 1M keys)", 1, |i| {
        let k = &keys[(i % 65536) as usize];
        black_box(db.insert(Entry::new(k, NewValue::Str(b"xxx"), None)));
    });
    ks
}

fn reply_benches(b: &Bench) {
    let mut out = BytesMut::with_capacity(64 * 1024);
    let value = [b'x'; 64];
    b.run("reply +OK", 1, |_| {
        out.clear();
        Reply::new(&mut out, false).ok();
        black_box(&mut out);
    });
    b.run("reply bulk (64 bytes)", 1, |_| {
        out.clear();
        Reply::new(&mut out, false).bulk(black_box(&value));
        black_box(&mut out);
    });
    b.run("reply integer", 1, |i| {
        out.clear();
        Reply::new(&mut out, false).int(black_box(i as i64));
        black_box(&mut out);
    });
    b.run("reply array of 10 bulks", 1, |_| {
        out.clear();
        let mut r = Reply::new(&mut out, false);
        r.array(10);
        for _ in 0..10 {
            r.bulk(black_box(&value[..8]));
        }
        black_box(&mut out);
    });
    b.run("reply null (RESP3)", 1, |_| {
        out.clear();
        Reply::new(&mut out, true).null();
        black_box(&mut out);
    });
}

/// The cost of recording one call in the per-shard metrics (timer, slot lookup, counters,
/// and the histogram when `latency-tracking` is on).
fn metrics_benches(b: &Bench) {
    let metrics = shardis::metrics::Metrics::default();
    let get = commands::lookup(b"get").expect("get");
    let args = request_args(&resp(&[b"get", b"key"]));
    for tracking in [false, true] {
        let cfg = shardis::config::Config {
            latency_tracking: tracking,
            ..Default::default()
        };
        let name = format!("record a call (latency-tracking {tracking})");
        b.run(&name, 1, |_| {
            let at = Instant::now();
            let ns = at.elapsed().as_nanos() as u64;
            black_box(metrics.record(&cfg, get, &args, ns, b"$1\r\nv\r\n", None));
        });
    }
}

/// Appending to the replication log (every write does it): a 40-byte record, from one
/// thread; with a db change (a SELECT) each time; and while a second thread appends too
/// (the head word's cache line then moves between cores on every append).
fn repl_log_benches(b: &Bench) {
    use shardis::replication::log::ReplLog;
    use std::sync::atomic::{AtomicBool, Ordering};
    let record = resp(&[b"SET", b"key:01", b"value:001"]);
    assert_eq!(record.len(), 40);
    let log = ReplLog::new(1 << 20, 2);
    b.run("repl log append 40 B (1 thread)", 1, |_| {
        black_box(log.append(0, Some(0), &record));
    });
    b.run("repl log append 40 B + SELECT (1 thread)", 1, |i| {
        black_box(log.append(0, Some((i & 1) as usize), &record));
    });
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..64 {
                    black_box(log.append(1, Some(0), &record));
                }
            }
        });
        b.run("repl log append 40 B (2 threads)", 1, |_| {
            black_box(log.append(0, Some(0), &record));
        });
        stop.store(true, Ordering::Relaxed);
    });
}

/// RDB string encoding of a `DEBUG POPULATE n key 1024` value (LZF-compressible) and of a
/// 1 KiB incompressible one, and their decoding.
fn rdb_benches(b: &Bench) {
    use shardis::rdb::writer::put_string;
    let mut value = b"value:123456".to_vec();
    value.resize(1024, 0);
    let mut noise = Vec::with_capacity(1024);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while noise.len() < 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    let mut out = Vec::with_capacity(2048);
    b.run("rdb string 1 KiB populate value, LZF", 1, |_| {
        out.clear();
        put_string(&mut out, black_box(&value), true);
        black_box(out.len());
    });
    b.run("rdb string 1 KiB incompressible, LZF tried", 1, |_| {
        out.clear();
        put_string(&mut out, black_box(&noise), true);
        black_box(out.len());
    });
    let mut compressed = Vec::new();
    assert!(shardis::rdb::lzf::compress(&value, &mut compressed, 1000));
    let mut back = vec![0u8; 1024];
    b.run("rdb string 1 KiB populate value, LZF decode", 1, |_| {
        let n = shardis::rdb::lzf::decompress(black_box(&compressed), &mut back);
        black_box((n.ok(), back[1000]));
    });
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let ms = std::env::var("BENCH_MICRO_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let b = Bench {
        filter,
        budget: Duration::from_millis(ms),
    };
    parse_benches(&b);
    reply_benches(&b);
    metrics_benches(&b);
    repl_log_benches(&b);
    rdb_benches(&b);
    let mut ks = keyspace_benches(&b);
    dispatch_benches(&b, &mut ks);
}
