//! Randomized differential test: long random command sequences over a small key set (see
//! `support::gen`), the same sequence to shardis and to a real redis-server, every reply
//! compared (exactly, or as `gen::Cmp` says for unordered and random replies), DEBUG
//! DIGEST compared every [`DIGEST_EVERY`] commands and at the end. Runs with 1 and 2
//! shards, RESP2 and RESP3, default and tiny encoding limits (so conversions to the full
//! encodings happen often).
//!
//! Reproducing: a failure prints the seed, the configuration and the last commands; rerun
//! with `SHARDIS_SEED=<seed> cargo test --release --test integration random_diff`.
//! `SHARDIS_FUZZ_OPS` changes the number of commands per configuration (default 3000).
//! Triage: `SHARDIS_FUZZ_FAMILIES=lists,zsets` draws from those families only,
//! `SHARDIS_FUZZ_SKIP=ZPOPMIN,ZMPOP` leaves commands out (a known difference hiding the
//! next ones), `SHARDIS_FUZZ_KEEP_GOING=1` reports every differing reply,
//! `SHARDIS_FUZZ_HISTORY=n` shows the last n commands, `SHARDIS_FUZZ_STATS=1` counts
//! replies and errors per command.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::gen::{self, CmdGen, Cmp, Family, Gen};
use crate::support::{Conn, Diff, Value};

/// The families the test draws from: every family whose commands the shardis under test
/// knows (COMMAND INFO), so a family joins the test when its commands land. A family
/// with only some of its commands is left out whole, and said so on stderr.
const ALL: &[&Family] = &[
    &gen::STRINGS,
    &gen::KEYSPACE,
    &gen::LISTS,
    &gen::HASHES,
    &gen::SETS,
    &gen::ZSETS,
    &gen::BLOCKING,
];

const DIGEST_EVERY: usize = 100;
/// Commands shown on a failure (`SHARDIS_FUZZ_HISTORY` for more).
fn history_len() -> usize {
    std::env::var("SHARDIS_FUZZ_HISTORY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}
/// Share of commands (percent) whose argument list is cut short (arity and syntax errors).
const MUTATE_PERCENT: u64 = 2;

struct Config {
    name: &'static str,
    shards: usize,
    resp3: bool,
    /// Tiny listpack/intset limits: every collection converts after a few elements.
    small_limits: bool,
}

fn base_seed() -> u64 {
    match std::env::var("SHARDIS_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .expect("SHARDIS_SEED must be an unsigned integer"),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    }
}

fn ops() -> usize {
    std::env::var("SHARDIS_FUZZ_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn show(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(' ') || a.len() > 20 {
                format!("{a:?}")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A reply for people: bulk strings as text.
fn fmt(v: &Value) -> String {
    let list = |items: &[Value]| items.iter().map(fmt).collect::<Vec<_>>().join(", ");
    match v {
        Value::Bulk(b) => format!("{:?}", String::from_utf8_lossy(b)),
        Value::Array(items) => format!("[{}]", list(items)),
        Value::Set(items) => format!("~[{}]", list(items)),
        Value::Push(items) => format!(">[{}]", list(items)),
        Value::Map(m) => {
            let kv: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", fmt(k), fmt(v)))
                .collect();
            format!("{{{}}}", kv.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// Sort key of a value: its debug text (total, deterministic).
fn sort_key(v: &Value) -> String {
    format!("{v:?}")
}

/// The elements of an aggregate as a multiset: sorted, pairs kept together with `pairs`.
fn unordered(v: &Value, pairs: bool) -> Value {
    let sort_pairs = |items: &[Value]| -> Vec<Value> {
        if !pairs {
            let mut s = items.to_vec();
            s.sort_by_key(sort_key);
            return s;
        }
        let mut p: Vec<&[Value]> = items.chunks(2).collect();
        p.sort_by_key(|c| format!("{c:?}"));
        p.concat()
    };
    match v {
        Value::Array(items) => Value::Array(sort_pairs(items)),
        Value::Set(items) => Value::Set(sort_pairs(items)),
        Value::Map(m) => {
            let mut m = m.clone();
            m.sort_by_key(|(k, v)| format!("{k:?}{v:?}"));
            Value::Map(m)
        }
        other => other.clone(),
    }
}

/// A value with the contents of strings and doubles blanked: what a random pick's reply
/// must share between the servers.
fn shape(v: &Value) -> Value {
    match v {
        Value::Bulk(_) => Value::Bulk(Vec::new()),
        Value::Double(_) => Value::Double(String::new()),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::Set(items) => Value::Set(items.iter().map(shape).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (shape(k), shape(v))).collect()),
        other => other.clone(),
    }
}

/// Iterates a SCAN-family command to cursor 0 (bounded) and returns the elements seen as
/// a sorted, deduplicated array, or the first error.
fn scan_all(c: &mut Conn, args: &[String], cursor_at: usize, pairs: bool) -> Value {
    let mut args: Vec<String> = args.to_vec();
    let mut seen: Vec<Vec<Value>> = Vec::new();
    for _ in 0..10_000 {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let reply = c.cmd(&refs);
        let Value::Array(parts) = &reply else {
            return reply;
        };
        let [cursor, items] = &parts[..] else {
            return reply;
        };
        let items = items.items();
        if pairs {
            seen.extend(items.chunks(2).map(<[Value]>::to_vec));
        } else {
            seen.extend(items.into_iter().map(|v| vec![v]));
        }
        let next = cursor.as_str();
        if next == "0" {
            seen.sort_by_key(|e| format!("{e:?}"));
            seen.dedup();
            return Value::Array(seen.concat());
        }
        args[cursor_at] = next;
    }
    panic!("{args:?} did not finish in 10000 calls");
}

struct Run<'a> {
    cfg: &'a Config,
    seed: u64,
    d: Diff,
    history: VecDeque<String>,
    history_len: usize,
    /// `SHARDIS_FUZZ_KEEP_GOING=1` (triage): report reply differences and go on; the
    /// test still fails at the end. Later differences may follow from earlier ones.
    keep_going: bool,
    differences: usize,
    /// Per command: replies that were errors, and all (`SHARDIS_FUZZ_STATS=1` prints
    /// them: a generator whose commands mostly fail tests little).
    stats: std::collections::BTreeMap<&'static str, (usize, usize)>,
}

impl Run<'_> {
    fn fail(&self, what: &str) -> ! {
        let mut msg = format!(
            "random_diff {}: {what}\nseed {} (rerun: SHARDIS_SEED={} cargo test --release \
             --test integration random_diff)\nlast commands, oldest first:\n",
            self.cfg.name, self.seed, self.seed
        );
        for h in &self.history {
            msg.push_str(&format!("  {h}\n"));
        }
        panic!("{msg}");
    }

    fn send(&mut self, args: &[String]) -> (Value, Value) {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        (self.d.ours.cmd(&refs), self.d.theirs.cmd(&refs))
    }

    /// Sends one generated command to both servers and compares the replies.
    fn step(&mut self, n: usize, g: &CmdGen, args: &[String]) {
        self.history.push_back(format!("#{n} {}", show(args)));
        if self.history.len() > self.history_len {
            self.history.pop_front();
        }
        let (a, b) = match g.cmp {
            Cmp::ScanAll { cursor_at, pairs } => (
                scan_all(&mut self.d.ours, args, cursor_at, pairs),
                scan_all(&mut self.d.theirs, args, cursor_at, pairs),
            ),
            _ => self.send(args),
        };
        let st = self.stats.entry(g.name).or_default();
        st.0 += usize::from(b.is_error());
        st.1 += 1;
        if a == b {
            return;
        }
        let same = match g.cmp {
            Cmp::Exact | Cmp::ScanAll { .. } => false,
            Cmp::Sorted => unordered(&a, false) == unordered(&b, false),
            Cmp::UnorderedIfHashtable { pairs } => {
                let enc = self.d.theirs.cmd(&["OBJECT", "ENCODING", &args[1]]);
                enc == Value::bulk("hashtable") && unordered(&a, pairs) == unordered(&b, pairs)
            }
            Cmp::Shape => shape(&a) == shape(&b),
            Cmp::Near(tol) => match (&a, &b) {
                (Value::Int(x), Value::Int(y)) => *x >= 0 && *y >= 0 && (x - y).abs() <= tol,
                _ => false,
            },
        };
        if !same && self.keep_going {
            self.differences += 1;
            eprintln!(
                "random_diff {} seed {}: #{n} {}\n  shardis: {}\n  redis:   {}",
                self.cfg.name,
                self.seed,
                show(args),
                fmt(&a),
                fmt(&b)
            );
        } else if !same {
            self.fail(&format!(
                "reply differs for {}\n  shardis: {}\n  redis:   {}",
                show(args),
                fmt(&a),
                fmt(&b)
            ));
        }
    }

    /// A key's type and contents on both servers, for a digest difference.
    fn dump(&mut self, key: &str) -> String {
        let (t, _) = self.send(&["TYPE", key].map(String::from));
        let read: Vec<&str> = match t.as_str().as_str() {
            "string" => vec!["GET", key],
            "list" => vec!["LRANGE", key, "0", "-1"],
            "hash" => vec!["HGETALL", key],
            "set" => vec!["SMEMBERS", key],
            "zset" => vec!["ZRANGE", key, "0", "-1", "WITHSCORES"],
            _ => vec!["TYPE", key],
        };
        let read: Vec<String> = read.iter().map(|s| s.to_string()).collect();
        let (a, b) = self.send(&read);
        format!(
            "{}\n    shardis: {}\n    redis:   {}",
            show(&read),
            fmt(&a),
            fmt(&b)
        )
    }

    /// DEBUG DIGEST on both; on a difference, names the keys whose values differ.
    fn check_digest(&mut self, when: &str) {
        let dig = ["DEBUG", "DIGEST"].map(String::from);
        let (a, b) = self.send(&dig);
        if a == b {
            return;
        }
        let mut differing = Vec::new();
        for db in ["0", "1"] {
            let _ = self.send(&["SELECT", db].map(String::from));
            for k in gen::all_keys() {
                let args = ["DEBUG", "DIGEST-VALUE", &k].map(String::from);
                let (x, y) = self.send(&args);
                if x != y {
                    differing.push(format!("db {db} {k}: {}", self.dump(&k)));
                }
            }
        }
        let _ = self.send(&["SELECT", "0"].map(String::from));
        self.fail(&format!(
            "DEBUG DIGEST differs {when}: shardis {a:?}, redis {b:?}; keys whose values differ:\n  {}",
            differing.join("\n  ")
        ));
    }
}

/// A comma-separated list from the environment, upper-cased; empty when unset.
fn env_list(name: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(|w| w.trim().to_uppercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The families of [`ALL`] whose every command shardis knows (and, with
/// `SHARDIS_FUZZ_FAMILIES`, that are listed there).
fn enabled(c: &mut Conn) -> Vec<&'static Family> {
    let only = env_list("SHARDIS_FUZZ_FAMILIES");
    let mut on = Vec::new();
    for fam in ALL {
        if !only.is_empty() && !only.contains(&fam.name.to_uppercase()) {
            continue;
        }
        let missing: Vec<&str> = fam
            .cmds
            .iter()
            .map(|g| g.name.split(' ').next().unwrap())
            .filter(|name| {
                let info = c.cmd(&["COMMAND", "INFO", name]);
                !matches!(&info, Value::Array(v) if matches!(v.first(), Some(Value::Array(_))))
            })
            .collect();
        if missing.is_empty() {
            on.push(*fam);
        } else {
            eprintln!(
                "random_diff: family {} left out, shardis lacks {missing:?}",
                fam.name
            );
        }
    }
    on
}

/// The source key of a lex-range command (ZRANGEBYLEX, ZLEXCOUNT, ZRANGE .. BYLEX ...),
/// if `args` is one.
fn lex_source(args: &[String]) -> Option<&str> {
    let name = args[0].to_uppercase();
    let bylex = args.iter().any(|a| a.eq_ignore_ascii_case("BYLEX"));
    let at = match name.as_str() {
        "ZRANGEBYLEX" | "ZREVRANGEBYLEX" | "ZLEXCOUNT" | "ZREMRANGEBYLEX" => 1,
        "ZRANGE" if bylex => 1,
        "ZRANGESTORE" if bylex => 2,
        _ => return None,
    };
    args.get(at).map(String::as_str)
}

/// True when a lex-range command would run on a sorted set with more than one score:
/// undefined in Redis (its skiplist search then depends on random node levels), so the
/// test does not send it. Asks Redis for the scores.
fn lex_undefined(c: &mut Conn, args: &[String]) -> bool {
    let Some(key) = lex_source(args) else {
        return false;
    };
    let Value::Array(items) = c.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"]) else {
        return false;
    };
    // RESP2: member, score, member, score...; RESP3: [member, score] pairs.
    let scores: Vec<String> = match items.first() {
        Some(Value::Array(_)) => items.iter().map(|p| p.items()[1].as_str()).collect(),
        _ => items.iter().skip(1).step_by(2).map(Value::as_str).collect(),
    };
    scores.iter().any(|s| *s != scores[0])
}

/// Draws a family by its share, then a command of it by weight.
fn draw<'f>(g: &mut Gen, families: &[&'f Family]) -> &'f CmdGen {
    let shares: u64 = families.iter().map(|f| f.share as u64).sum();
    let mut x = g.rng.below(shares);
    let mut fam = families[0];
    for f in families {
        if x < f.share as u64 {
            fam = f;
            break;
        }
        x -= f.share as u64;
    }
    g.prefixes = fam.prefixes;
    let total: u64 = fam.cmds.iter().map(|c| c.weight as u64).sum();
    let mut x = g.rng.below(total);
    for c in fam.cmds {
        if x < c.weight as u64 {
            return c;
        }
        x -= c.weight as u64;
    }
    unreachable!()
}

fn run(cfg: &Config, seed_offset: u64) {
    let seed = base_seed().wrapping_add(seed_offset);
    let mut g = Gen::new(seed, now_s());
    let mut r = Run {
        cfg,
        seed: seed.wrapping_sub(seed_offset),
        d: Diff::new(cfg.shards),
        history: VecDeque::new(),
        history_len: history_len(),
        keep_going: std::env::var("SHARDIS_FUZZ_KEEP_GOING").is_ok_and(|v| v == "1"),
        differences: 0,
        stats: Default::default(),
    };
    // The final digest is compared here, with the seed in the message.
    r.d.digest_at_end = false;
    if cfg.resp3 {
        r.d.both(&["HELLO", "3"]);
    }
    if cfg.small_limits {
        for (opt, v) in [
            ("hash-max-listpack-entries", "4"),
            ("hash-max-listpack-value", "8"),
            ("zset-max-listpack-entries", "4"),
            ("zset-max-listpack-value", "8"),
            ("set-max-intset-entries", "4"),
            ("list-max-listpack-size", "4"),
        ] {
            r.d.check(&["CONFIG", "SET", opt, v]);
        }
    }
    let families = enabled(&mut r.d.ours);
    let skip = env_list("SHARDIS_FUZZ_SKIP");
    for n in 0..ops() {
        let c = draw(&mut g, &families);
        if skip.iter().any(|s| s == c.name) {
            // Still drawn, so the rest of the sequence stays the seed's.
            let _ = (c.make)(&mut g);
            continue;
        }
        let mut args = (c.make)(&mut g);
        if c.mutate && g.chance(MUTATE_PERCENT) && args.len() > 1 {
            let keep = 1 + g.rng.below(args.len() as u64 - 1) as usize;
            args.truncate(keep);
        }
        if lex_undefined(&mut r.d.theirs, &args) {
            continue;
        }
        r.step(n, c, &args);
        if n % DIGEST_EVERY == DIGEST_EVERY - 1 && !r.keep_going {
            r.check_digest(&format!("after command #{n}"));
        }
    }
    r.check_digest("at the end");
    if std::env::var("SHARDIS_FUZZ_STATS").is_ok_and(|v| v == "1") {
        for (name, (errors, all)) in &r.stats {
            eprintln!(
                "random_diff {}: {name:<18} {all:>5} sent, {errors:>5} errors",
                cfg.name
            );
        }
    }
    if r.differences > 0 {
        r.fail(&format!("{} replies differed", r.differences));
    }
}

#[test]
fn random_one_shard_resp2() {
    run(
        &Config {
            name: "1 shard, RESP2, default limits",
            shards: 1,
            resp3: false,
            small_limits: false,
        },
        0,
    );
}

#[test]
fn random_two_shards_resp2_small_limits() {
    run(
        &Config {
            name: "2 shards, RESP2, small limits",
            shards: 2,
            resp3: false,
            small_limits: true,
        },
        1,
    );
}

#[test]
fn random_one_shard_resp3_small_limits() {
    run(
        &Config {
            name: "1 shard, RESP3, small limits",
            shards: 1,
            resp3: true,
            small_limits: true,
        },
        2,
    );
}

#[test]
fn random_two_shards_resp3() {
    run(
        &Config {
            name: "2 shards, RESP3, default limits",
            shards: 2,
            resp3: true,
            small_limits: false,
        },
        3,
    );
}

/// Every generator, also of the families shardis lacks, draws commands without
/// panicking, names its command first and only cuts arguments when allowed.
#[test]
fn random_generators_draw() {
    let mut g = Gen::new(base_seed(), now_s());
    for fam in ALL {
        for _ in 0..2000 {
            let c = draw(&mut g, &[fam]);
            let args = (c.make)(&mut g);
            let first = c.name.split(' ').next().unwrap();
            assert_eq!(args[0], first, "{} generator", fam.name);
        }
    }
}
