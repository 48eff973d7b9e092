//! Server introspection against a real Redis: COMMAND (INFO, DOCS, LIST, GETKEYS, HELP),
//! INFO sections and fields, TIME, LASTSAVE, MEMORY; and redis-cli driving shardis.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{redis_binary, Diff, Server, Value};

/// Commands shardis runs whose COMMAND INFO / DOCS differ from Redis's on purpose.
const OWN_INFO: &[&str] = &[];

/// Redis lists subcommands in its dict's (seeded hash) order: sort them by name so
/// replies compare. Element 9 of an INFO entry is its subcommands array; a DOCS map
/// (flat in RESP2) has a `subcommands` value that is itself a flat map.
fn sort_info_subs(v: Value) -> Value {
    match v {
        Value::Array(mut e) if e.len() == 10 => {
            if let Value::Array(subs) = &mut e[9] {
                subs.sort_by_key(|s| s.items()[0].as_str());
            }
            Value::Array(e)
        }
        other => other,
    }
}

fn sort_flat_map(v: &Value) -> Vec<(String, Value)> {
    let items = v.items();
    let mut pairs: Vec<(String, Value)> = items
        .chunks(2)
        .map(|p| (p[0].as_str(), sort_docs(&p[1])))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

fn sort_docs(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.len() % 2 == 0 => {
            let mut out = Vec::new();
            for p in items.chunks(2) {
                out.push(p[0].clone());
                if p[0] == Value::bulk("subcommands") {
                    let sorted = sort_flat_map(&p[1]);
                    out.push(Value::Array(
                        sorted
                            .into_iter()
                            .flat_map(|(k, v)| [Value::bulk(&k), v])
                            .collect(),
                    ));
                } else {
                    out.push(p[1].clone());
                }
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

#[test]
fn command_info_and_docs_equal_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let (ours, theirs) = d.both(&["COMMAND", "COUNT"]);
        assert!(ours.as_int() > 0 && theirs.as_int() > 0);
        // Every command shardis runs reports exactly Redis's metadata.
        let mut names: Vec<String> = d
            .ours
            .cmd(&["COMMAND", "LIST"])
            .items()
            .iter()
            .map(|v| v.as_str())
            .collect();
        names.sort();
        names.retain(|n| !OWN_INFO.contains(&n.as_str()));
        for name in &names {
            let name = name.as_str();
            let (a, b) = d.both(&["COMMAND", "INFO", name]);
            let (a, b) = (a.items(), b.items());
            assert_eq!(a.len(), 1);
            assert_eq!(
                sort_info_subs(a[0].clone()),
                sort_info_subs(b[0].clone()),
                "COMMAND INFO {name}"
            );
            let (a, b) = d.both(&["COMMAND", "DOCS", name]);
            assert_eq!(sort_flat_map(&a), sort_flat_map(&b), "COMMAND DOCS {name}");
        }
        // Several names, upper case, unknown names and subcommand names.
        d.check(&[
            "COMMAND",
            "INFO",
            "GET",
            "nope",
            "Set",
            "command|count",
            "memory|usage",
        ]);
        d.check(&["COMMAND", "DOCS", "nope", "get", "MSET", "memory|usage"]);
        d.check(&["COMMAND", "DOCS", "nope"]);
        // COMMAND with no arguments: one well-formed entry per command.
        let all = d.ours.cmd(&["COMMAND"]).items();
        assert_eq!(all.len() as i64, d.ours.cmd(&["COMMAND", "COUNT"]).as_int());
        for e in &all {
            assert_eq!(e.items().len(), 10, "{e:?}");
        }
        let docs = d.ours.cmd(&["COMMAND", "DOCS"]).items();
        assert_eq!(docs.len(), 2 * all.len());
    }
}

#[test]
fn command_subcommands_and_errors_equal_redis() {
    let mut d = Diff::new(2);
    d.script(
        "COMMAND HELP
         COMMAND help
         COMMAND NOPE
         COMMAND COUNT extra
         COMMAND HELP extra
         COMMAND GETKEYS
         COMMAND GETKEYSANDFLAGS
         COMMAND LIST FILTERBY
         COMMAND LIST FILTERBY nope x
         COMMAND LIST FILTERBY PATTERN
         COMMAND LIST extra
         COMMAND LIST FILTERBY MODULE nope
         COMMAND LIST FILTERBY ACLCAT nosuchcategory",
    );
    for pattern in ["command*", "MEMORY|*", "m?et", "*get*"] {
        let (a, b) = d.both(&["COMMAND", "LIST", "FILTERBY", "PATTERN", pattern]);
        let ours: BTreeSet<String> = a.items().iter().map(Value::as_str).collect();
        let theirs: BTreeSet<String> = b.items().iter().map(Value::as_str).collect();
        if pattern == "*get*" {
            // Redis has more commands; every one of ours it has too.
            assert!(ours.is_subset(&theirs), "{ours:?} vs {theirs:?}");
            assert!(ours.contains("get") && ours.contains("command|getkeys"));
        } else {
            assert_eq!(ours, theirs, "pattern {pattern}");
        }
    }
    let (a, b) = d.both(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"]);
    let ours: BTreeSet<String> = a.items().iter().map(Value::as_str).collect();
    let theirs: BTreeSet<String> = b.items().iter().map(Value::as_str).collect();
    assert!(ours.contains("mset") && ours.is_subset(&theirs));
    let all = d.ours.cmd(&["COMMAND", "LIST"]).items();
    assert!(all.contains(&Value::bulk("command|docs")));
}

#[test]
fn command_getkeys_equal_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "COMMAND GETKEYS GET k
             COMMAND GETKEYS set k v EX 10
             COMMAND GETKEYS MGET a b c
             COMMAND GETKEYS MSET a 1 b 2 c 3
             COMMAND GETKEYS DEL a b
             COMMAND GETKEYS MEMORY USAGE k
             COMMAND GETKEYS MEMORY USAGE k SAMPLES 5
             COMMAND GETKEYSANDFLAGS SET k v
             COMMAND GETKEYSANDFLAGS SET k v EX 1 get
             COMMAND GETKEYSANDFLAGS SET k get
             COMMAND GETKEYSANDFLAGS MSET a 1 b 2
             COMMAND GETKEYSANDFLAGS DEL a b
             COMMAND GETKEYSANDFLAGS GET k
             COMMAND GETKEYS nope k
             COMMAND GETKEYS PING
             COMMAND GETKEYS GET
             COMMAND GETKEYS GET a b
             COMMAND GETKEYS MSET a
             COMMAND GETKEYS MEMORY
             COMMAND GETKEYS MEMORY nope k
             COMMAND GETKEYS MEMORY HELP
             COMMAND GETKEYS COMMAND INFO get
             COMMAND GETKEYS LMPOP 2 a b LEFT
             COMMAND GETKEYS LMPOP 0 a LEFT
             COMMAND GETKEYS LMPOP x a LEFT
             COMMAND GETKEYS LMPOP 3 a b LEFT
             COMMAND GETKEYSANDFLAGS LMOVE a b LEFT RIGHT
             COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1
             COMMAND GETKEYS SINTERSTORE d a b
             COMMAND GETKEYS HSET h f v
             COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2
             COMMAND GETKEYS ZINTER 3 a b
             COMMAND GETKEYS ZMPOP 2 a b MIN COUNT 2
             COMMAND GETKEYSANDFLAGS ZRANGESTORE d s 0 -1",
        );
    }
}

/// Section headers of an INFO reply, in order, and the field names of each.
fn parse_info(v: &Value) -> Vec<(String, Vec<String>)> {
    let text = v.as_str();
    assert!(text.is_empty() || text.ends_with("\r\n"), "{text:?}");
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        if let Some(h) = line.strip_prefix("# ") {
            out.push((h.to_string(), Vec::new()));
        } else {
            let (k, _) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("line {line:?}"));
            out.last_mut()
                .expect("field before any header")
                .1
                .push(k.to_string());
        }
    }
    out
}

fn headers(info: &[(String, Vec<String>)]) -> Vec<String> {
    info.iter().map(|(h, _)| h.clone()).collect()
}

#[test]
fn info_sections_and_fields_cover_redis() {
    let mut d = Diff::new(2);
    // Sections whose fields shardis reports; the stats-per-command ones stay empty.
    let implemented = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Cluster",
        "Keyspace",
    ];
    for args in [
        vec!["INFO"],
        vec!["INFO", "default"],
        vec!["INFO", "all"],
        vec!["INFO", "everything"],
        vec!["INFO", "KEYSPACE", "server"],
        vec!["INFO", "cpu", "replication", "memory"],
        vec!["INFO", "commandstats"],
        vec!["INFO", "errorstats", "modules"],
    ] {
        let (a, b) = d.both(&args);
        let (ours, theirs) = (parse_info(&a), parse_info(&b));
        assert_eq!(headers(&ours), headers(&theirs), "{args:?}");
        for ((h, fields), (_, redis_fields)) in ours.iter().zip(&theirs) {
            if !implemented.contains(&h.as_str()) {
                continue;
            }
            for f in redis_fields {
                assert!(fields.contains(f), "INFO {h}: shardis lacks {f}");
            }
            // Shared fields keep Redis's order.
            let shared: Vec<_> = fields.iter().filter(|f| redis_fields.contains(f)).collect();
            let theirs_shared: Vec<_> = redis_fields.iter().collect();
            assert_eq!(shared, theirs_shared, "order of INFO {h}");
        }
    }
    // An unknown section is an empty string on both.
    d.check(&["INFO", "nope"]);
    let text = d.ours.cmd(&["INFO", "server"]).as_str();
    assert!(text.contains("redis_version:7.0.15\r\n"));
    assert!(text.contains("shards:2\r\n"));
    let text = d.ours.cmd(&["INFO", "replication"]).as_str();
    let replid = text
        .lines()
        .find_map(|l| l.strip_prefix("master_replid:"))
        .expect("master_replid");
    assert_eq!(replid.len(), 40);
    assert!(replid.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(text.contains("master_replid2:0000000000000000000000000000000000000000\r\n"));
}

fn keyspace_line(v: &Value, db: usize) -> Option<String> {
    v.as_str()
        .split("\r\n")
        .find(|l| l.starts_with(&format!("db{db}:")))
        .map(str::to_string)
}

#[test]
fn info_keyspace_and_stats_count_every_shard() {
    let mut d = Diff::new(3);
    for i in 0..40 {
        d.check(&["SET", &format!("k{i}"), "v"]);
    }
    for i in 0..7 {
        d.check(&["SET", &format!("t{i}"), "v", "EX", "1000"]);
    }
    d.check(&["SELECT", "3"]);
    d.check(&["SET", "x", "y"]);
    let (a, b) = d.both(&["INFO", "keyspace"]);
    let strip = |l: String| l.rsplit_once(",avg_ttl=").expect("avg_ttl").0.to_string();
    assert_eq!(
        keyspace_line(&a, 0),
        Some("db0:keys=47,expires=7,avg_ttl=0".into())
    );
    assert_eq!(
        keyspace_line(&a, 0).map(strip),
        keyspace_line(&b, 0).map(strip)
    );
    assert_eq!(keyspace_line(&a, 3), keyspace_line(&b, 3));
    assert_eq!(
        keyspace_line(&a, 3),
        Some("db3:keys=1,expires=0,avg_ttl=0".into())
    );
    let stats = d.ours.cmd(&["INFO", "stats"]).as_str();
    let field = |name: &str| -> i64 {
        stats
            .split("\r\n")
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name}"))
            .parse()
            .unwrap()
    };
    assert!(field("total_commands_processed") >= 48);
    assert!(field("total_connections_received") >= 1);
    assert_eq!(field("rejected_connections"), 0);
    let clients = d.ours.cmd(&["INFO", "clients"]).as_str();
    assert!(clients.contains("connected_clients:"));
}

#[test]
fn time_lastsave_memory_equal_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let (a, b) = d.both(&["TIME"]);
        for v in [a, b] {
            let items = v.items();
            assert_eq!(items.len(), 2);
            assert!(matches!(items[0], Value::Bulk(_)) && matches!(items[1], Value::Bulk(_)));
            assert!(items[0].as_int() > 1_600_000_000);
            assert!((0..1_000_000).contains(&items[1].as_int()));
        }
        let (a, b) = d.both(&["LASTSAVE"]);
        assert!(matches!(a, Value::Int(_)) && matches!(b, Value::Int(_)));
        d.script(
            "TIME extra
             LASTSAVE extra
             SET k hello
             MEMORY USAGE nokey
             MEMORY USAGE nokey SAMPLES 0
             MEMORY USAGE k SAMPLES
             MEMORY USAGE k SAMPLES x
             MEMORY USAGE k SAMPLES -1
             MEMORY USAGE k FOO 1
             MEMORY USAGE
             MEMORY
             MEMORY FOO
             MEMORY HELP
             MEMORY HELP extra
             MEMORY PURGE",
        );
        for key in ["k", "a-longer-key-on-some-shard"] {
            d.check(&["SET", key, &"v".repeat(100)]);
            let n = d
                .ours
                .cmd(&["MEMORY", "USAGE", key, "SAMPLES", "5"])
                .as_int();
            assert!(n > 100 && n < 1000, "{n}");
        }
    }
}

#[test]
fn memory_stats_fields_and_resp3_shapes_equal_redis() {
    let mut d = Diff::new(2);
    d.check(&["SET", "k", "v"]);
    d.check(&["SET", "other", "v"]);
    let keys = |v: Value| -> Vec<String> { v.items().chunks(2).map(|p| p[0].as_str()).collect() };
    let (a, b) = d.both(&["MEMORY", "STATS"]);
    assert_eq!(keys(a.clone()), keys(b));
    let field = |name: &str| {
        let items = a.items();
        let i = items.iter().position(|v| v.as_str() == name).unwrap();
        items[i + 1].clone()
    };
    assert_eq!(field("keys.count"), Value::Int(2));
    d.check(&["MEMORY", "STATS", "extra"]);
    let (a, b) = d.both(&["MEMORY", "DOCTOR"]);
    assert!(matches!(a, Value::Bulk(_)) && matches!(b, Value::Bulk(_)));

    // RESP3 (once HELLO exists): sets, maps, verbatim INFO, null for unknown names.
    if d.ours.cmd(&["HELLO", "3"]).is_error() {
        return;
    }
    d.theirs.cmd(&["HELLO", "3"]);
    d.script(
        "COMMAND INFO get set nope memory|usage
         COMMAND DOCS get mset
         COMMAND GETKEYSANDFLAGS SET k v
         MEMORY USAGE nokey
         COMMAND LIST FILTERBY PATTERN command|c*",
    );
    // Redis has more commands than shardis; the reply type is what must match.
    let (a, b) = d.both(&["COMMAND", "COUNT"]);
    assert!(matches!(a, Value::Int(_)) && matches!(b, Value::Int(_)));
    let (a, b) = d.both(&["INFO", "server"]);
    assert!(matches!(a, Value::Verbatim(..)) && matches!(b, Value::Verbatim(..)));
    let (a, b) = d.both(&["MEMORY", "STATS"]);
    assert!(matches!(a, Value::Map(_)) && matches!(b, Value::Map(_)));
}

fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new(redis_binary("redis-cli"))
        .args(["-p", &port.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_reads_info_and_docs() {
    let s = Server::shardis(2, &[]);
    let mut c = s.conn();
    for i in 0..10 {
        c.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    let info = redis_cli(s.port, &["info", "server"]);
    assert!(info.contains("redis_version:7.0.15"), "{info}");
    let docs = redis_cli(s.port, &["command", "docs", "get"]);
    assert!(docs.contains("Get the value of a key"), "{docs}");
    let count = redis_cli(s.port, &["command", "count"]);
    assert!(count.trim().parse::<i64>().unwrap() > 0);

    // `--stat` polls INFO and prints a line per interval: it must parse ours.
    let mut child = Command::new(redis_binary("redis-cli"))
        .args(["-p", &s.port.to_string(), "--stat", "-i", "0.1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-cli --stat");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().take(4) {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while lines.len() < 3 {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) => lines.push(l),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    assert!(lines.len() >= 3, "--stat printed {lines:?}");
    // The first data line starts with the key count, then used memory.
    let data: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(data.first(), Some(&"10"), "{lines:?}");
}

#[test]
fn total_commands_processed_counts_like_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        // A split MSET counts once, a rejected call (arity) not at all.
        d.script(
            "SET a 1
             MSET a 1 b 2 c 3 d 4 e 5
             MGET a b c d e
             GET
             DBSIZE",
        );
        let count = |c: &mut crate::support::Conn| {
            let info = c.cmd(&["INFO", "stats"]).as_str();
            info.lines()
                .find_map(|l| l.strip_prefix("total_commands_processed:"))
                .map(|v| v.trim().to_string())
        };
        let (ours, theirs) = (count(&mut d.ours), count(&mut d.theirs));
        assert_eq!(ours, theirs, "{shards} shards");
    }
}
