//! Latency histograms, the slow log, the latency monitor and INFO's metric sections,
//! against a real Redis: same commands, same reply shapes and field names (RESP2 and
//! RESP3), with 1 and 2 shards. Durations differ between servers, so values that are
//! times are compared by form, never by size.

use std::collections::BTreeMap;

use crate::support::{Conn, Diff, Value};

/// Redis's histogram bucket bounds in µs: the highest value equivalent to 1024·2^k ns
/// (2 significant digits), divided by 1000.
fn bucket_bounds() -> Vec<i64> {
    (10..31)
        .map(|bits: u32| {
            let level = 1i64 << bits;
            let step = 1i64 << (bits - 7);
            (level + step - 1) / 1000
        })
        .collect()
}

/// Pairs of a map reply (a RESP3 map, or a flat RESP2 array).
fn pairs(v: &Value) -> Vec<(Value, Value)> {
    match v {
        Value::Map(m) => m.clone(),
        Value::Array(a) => a.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect(),
        other => panic!("not a map: {other:?}"),
    }
}

/// A LATENCY HISTOGRAM reply reduced to what must agree between servers: per command,
/// its calls, and the histogram's shape checked (bounds from Redis's list, cumulative
/// counts increasing up to the calls).
fn histogram_summary(v: &Value, resp3: bool) -> BTreeMap<String, i64> {
    assert_eq!(matches!(v, Value::Map(_)), resp3, "{v:?}");
    let bounds = bucket_bounds();
    let mut out = BTreeMap::new();
    for (name, body) in pairs(v) {
        let fields = pairs(&body);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].0, Value::bulk("calls"));
        assert_eq!(fields[1].0, Value::bulk("histogram_usec"));
        let calls = fields[0].1.as_int();
        assert_eq!(matches!(fields[1].1, Value::Map(_)), resp3);
        let mut last = 0;
        for (bound, cumulative) in pairs(&fields[1].1) {
            assert!(bounds.contains(&bound.as_int()), "bound {bound:?}");
            assert!(cumulative.as_int() > last);
            last = cumulative.as_int();
        }
        assert_eq!(last, calls);
        out.insert(name.as_str(), calls);
    }
    out
}

fn traffic(d: &mut Diff) {
    d.script(
        "
        SET a 1
        SET a 2
        SET b x
        GET a
        GET b
        GET nokey
        MSET k1 1 k2 2 k3 3 k4 4
        INCR b
        INCR a
        ",
    );
    for args in [
        &["NOSUCHCMD"][..],
        &["GET"],
        &["CLIENT", "NOPE"],
        &["CONFIG", "GET"],
    ] {
        d.check(args);
    }
}

fn resp3(c: &mut Conn) {
    assert!(!c.cmd(&["HELLO", "3"]).is_error());
}

fn histograms(shards: usize) {
    let mut d = Diff::new(shards);
    traffic(&mut d);
    let ask = [
        "LATENCY",
        "HISTOGRAM",
        "set",
        "GET",
        "mset",
        "incr",
        "nosuch",
        "config|get",
    ];
    let (a, b) = d.both(&ask);
    assert_eq!(histogram_summary(&a, false), histogram_summary(&b, false));
    assert_eq!(
        histogram_summary(&a, false).keys().collect::<Vec<_>>(),
        vec!["get", "incr", "mset", "set"]
    );
    // A container names its subcommands; RESP3 replies maps.
    let (mut ours, mut theirs) = (d.shardis.conn(), d.redis.conn());
    resp3(&mut ours);
    resp3(&mut theirs);
    let cmd = ["LATENCY", "HISTOGRAM", "get", "client", "set"];
    let (a, b) = (ours.cmd(&cmd), theirs.cmd(&cmd));
    assert_eq!(histogram_summary(&a, true), histogram_summary(&b, true));
    // Empty when nothing matches.
    d.check(&["LATENCY", "HISTOGRAM", "nosuch"]);
    // Not tracked: a fresh command gets no histogram.
    d.check(&["CONFIG", "SET", "latency-tracking", "no"]);
    d.check(&["DBSIZE"]);
    d.check(&["LATENCY", "HISTOGRAM", "dbsize"]);
    d.check(&["CONFIG", "GET", "latency-tracking"]);
}

#[test]
fn latency_histogram_like_redis_1_shard() {
    histograms(1);
}

#[test]
fn latency_histogram_like_redis_2_shards() {
    histograms(2);
}

/// A SLOWLOG GET entry: id, time, duration (ints), args (compared exactly), client
/// address and name (bulk strings).
fn entry_args(e: &Value) -> Vec<Value> {
    let f = e.items();
    assert_eq!(f.len(), 6, "{e:?}");
    for x in &f[..3] {
        assert!(matches!(x, Value::Int(n) if *n >= 0), "{e:?}");
    }
    assert!(matches!(f[4], Value::Bulk(_)) && matches!(f[5], Value::Bulk(_)));
    f[3].items()
}

fn slowlog(shards: usize) {
    let mut d = Diff::new(shards);
    d.script(
        "
        SLOWLOG HELP
        SLOWLOG NOPE
        SLOWLOG LEN x
        SLOWLOG GET -2
        SLOWLOG GET abc
        CONFIG SET slowlog-log-slower-than 0
        SLOWLOG RESET
        SLOWLOG LEN
        SLOWLOG GET 0
        CONFIG GET slowlog-log-slower-than
        ",
    );
    let long = "v".repeat(200);
    d.check(&["SET", "k", &long]);
    let many: Vec<String> = (0..40).map(|i| format!("a{i}")).collect();
    let mut del = vec!["DEL"];
    del.extend(many.iter().map(|s| s.as_str()));
    d.check(&del);
    d.check(&["CLIENT", "SETNAME", "me"]);
    d.check(&["GET", "k"]);
    let (a, b) = d.both(&["SLOWLOG", "GET", "4"]);
    let (a, b) = (a.items(), b.items());
    assert_eq!(a.len(), 4);
    assert_eq!(
        a.iter().map(entry_args).collect::<Vec<_>>(),
        b.iter().map(entry_args).collect::<Vec<_>>()
    );
    // Newest first, ids decreasing; this client's name on commands it ran itself.
    let ids: Vec<i64> = a.iter().map(|e| e.items()[0].as_int()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert_eq!(a[1].items()[5], Value::bulk("me"));
    assert!(a[1].items()[4].as_str().starts_with("127.0.0.1:"));
    // RESP3 has the same shape.
    let (mut ours, mut theirs) = (d.shardis.conn(), d.redis.conn());
    resp3(&mut ours);
    resp3(&mut theirs);
    let (a, b) = (
        ours.cmd(&["SLOWLOG", "GET", "1"]),
        theirs.cmd(&["SLOWLOG", "GET", "1"]),
    );
    assert_eq!(
        a.items().iter().map(entry_args).collect::<Vec<_>>(),
        b.items().iter().map(entry_args).collect::<Vec<_>>()
    );
    d.script(
        "
        SLOWLOG RESET
        SLOWLOG LEN
        CONFIG SET slowlog-log-slower-than -1
        SLOWLOG RESET
        GET k
        SLOWLOG LEN
        SLOWLOG GET
        CONFIG SET slowlog-log-slower-than 0
        CONFIG SET slowlog-max-len 2
        GET k
        GET k
        GET k
        SLOWLOG LEN
        ",
    );
}

#[test]
fn slowlog_like_redis_1_shard() {
    slowlog(1);
}

#[test]
fn slowlog_like_redis_2_shards() {
    slowlog(2);
}

/// INFO's `field:value` lines of one section, in order, without the header.
fn info_lines(c: &mut Conn, section: &str) -> Vec<(String, String)> {
    let text = c.cmd(&["INFO", section]).as_str();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once(':').expect("field:value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// `a=1,b=2` -> [(a, 1), (b, 2)].
fn fields(v: &str) -> Vec<(String, String)> {
    v.split(',')
        .map(|f| {
            let (k, v) = f.split_once('=').expect("k=v");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The commandstats of `names`, with the time fields replaced by their form.
fn commandstats(c: &mut Conn, names: &[&str]) -> BTreeMap<String, Vec<(String, String)>> {
    info_lines(c, "commandstats")
        .into_iter()
        .filter_map(|(k, v)| {
            let name = k
                .strip_prefix("cmdstat_")
                .expect("cmdstat_ prefix")
                .to_string();
            names.contains(&name.as_str()).then(|| {
                let f = fields(&v)
                    .into_iter()
                    .map(|(k, v)| {
                        let v = match k.as_str() {
                            "usec" => {
                                assert!(v.parse::<u64>().is_ok());
                                "N".into()
                            }
                            "usec_per_call" => {
                                let (i, frac) = v.split_once('.').expect("two decimals");
                                assert!(i.parse::<u64>().is_ok() && frac.len() == 2, "{v}");
                                "N.NN".into()
                            }
                            _ => v,
                        };
                        (k, v)
                    })
                    .collect();
                (name, f)
            })
        })
        .collect()
}

/// The latencystats lines: command -> percentile names (values checked as `%.3f`).
fn latencystats(c: &mut Conn) -> BTreeMap<String, Vec<String>> {
    info_lines(c, "latencystats")
        .into_iter()
        .map(|(k, v)| {
            let name = k
                .strip_prefix("latency_percentiles_usec_")
                .expect("prefix")
                .to_string();
            let names = fields(&v)
                .into_iter()
                .map(|(p, val)| {
                    let (_, frac) = val.split_once('.').expect("three decimals");
                    assert_eq!(frac.len(), 3, "{val}");
                    p
                })
                .collect();
            (name, names)
        })
        .collect()
}

fn info_sections(shards: usize) {
    let mut d = Diff::new(shards);
    traffic(&mut d);
    let names = ["set", "get", "mset", "incr", "config|get", "client"];
    let (mut ours, mut theirs) = (d.shardis.conn(), d.redis.conn());
    assert_eq!(
        commandstats(&mut ours, &names),
        commandstats(&mut theirs, &names)
    );
    assert_eq!(
        info_lines(&mut ours, "errorstats"),
        info_lines(&mut theirs, "errorstats")
    );
    let keep = |m: BTreeMap<String, Vec<String>>| -> BTreeMap<String, Vec<String>> {
        m.into_iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .collect()
    };
    let lat = keep(latencystats(&mut ours));
    assert_eq!(lat, keep(latencystats(&mut theirs)));
    assert_eq!(lat["get"], vec!["p50", "p99", "p99.9"]);
    d.check(&[
        "CONFIG",
        "SET",
        "latency-tracking-info-percentiles",
        "50 abc",
    ]);
    d.script(
        "
        CONFIG SET latency-tracking-info-percentiles 101
        CONFIG SET latency-tracking-info-percentiles 0.5
        CONFIG GET latency-tracking-info-percentiles
        CONFIG SET latency-tracking maybe
        ",
    );
    d.check(&[
        "CONFIG",
        "SET",
        "latency-tracking-info-percentiles",
        "0.5 99.99 100",
    ]);
    d.check(&["CONFIG", "GET", "latency-tracking-info-percentiles"]);
    assert_eq!(
        keep(latencystats(&mut ours))["get"],
        vec!["p0.5", "p99.99", "p100"]
    );
    // CONFIG RESETSTAT clears commands, errors and histograms on every shard.
    d.check(&["CONFIG", "RESETSTAT"]);
    let all = |c: &mut Conn| -> Vec<String> {
        let mut v: Vec<String> = info_lines(c, "commandstats")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        v.extend(info_lines(c, "errorstats").into_iter().map(|(k, _)| k));
        v.extend(info_lines(c, "latencystats").into_iter().map(|(k, _)| k));
        // Redis lists commands in its dict's (seeded) order.
        v.sort();
        v
    };
    let (a, b) = (all(&mut ours), all(&mut theirs));
    assert_eq!(a, b);
    assert!(a.contains(&"cmdstat_config|resetstat".to_string()));
    d.check(&["LATENCY", "HISTOGRAM", "get", "set"]);
    let stat = |c: &mut Conn| {
        info_lines(c, "stats")
            .into_iter()
            .find(|(k, _)| k == "total_error_replies")
            .map(|(_, v)| v)
    };
    assert_eq!(stat(&mut ours), stat(&mut theirs));
}

#[test]
fn info_metric_sections_like_redis_1_shard() {
    info_sections(1);
}

#[test]
fn info_metric_sections_like_redis_2_shards() {
    info_sections(2);
}

fn monitor(shards: usize) {
    let mut d = Diff::new(shards);
    d.script(
        "
        LATENCY HELP
        LATENCY NOPE
        LATENCY HISTORY
        LATENCY LATEST
        LATENCY HISTORY command
        LATENCY DOCTOR
        LATENCY GRAPH command
        LATENCY RESET
        LATENCY RESET command other
        CONFIG GET latency-monitor-threshold
        CONFIG SET latency-monitor-threshold -1
        CONFIG SET latency-monitor-threshold 10
        LATENCY DOCTOR
        ",
    );
    // A 20 ms sleep is at least 20 ms: a `command` event above the 10 ms threshold (a
    // loaded machine may add others: only this one is checked).
    d.check(&["DEBUG", "SLEEP", "0.02"]);
    let (a, b) = d.both(&["LATENCY", "LATEST"]);
    for v in [&a, &b] {
        let events = v.items();
        let e = events
            .iter()
            .map(|e| e.items())
            .find(|e| e[0] == Value::bulk("command"))
            .unwrap_or_else(|| panic!("no command event: {v:?}"));
        assert_eq!(e[0], Value::bulk("command"));
        assert!(e[1..].iter().all(|x| matches!(x, Value::Int(_))));
        assert!(e[2].as_int() >= 20 && e[3].as_int() >= 20);
    }
    let (a, b) = d.both(&["LATENCY", "HISTORY", "command"]);
    for v in [&a, &b] {
        let s = v.items();
        assert!(!s.is_empty());
        assert!(s.iter().all(|x| x.items().len() == 2));
    }
    let (a, b) = d.both(&["LATENCY", "GRAPH", "command"]);
    assert!(a.as_str().starts_with("command - high "), "{a:?}");
    assert!(b.as_str().starts_with("command - high "), "{b:?}");
    let (a, b) = d.both(&["LATENCY", "DOCTOR"]);
    assert!(a
        .as_str()
        .starts_with("Dave, I have observed latency spikes"));
    assert!(b
        .as_str()
        .starts_with("Dave, I have observed latency spikes"));
    d.check(&["CONFIG", "SET", "latency-monitor-threshold", "0"]);
    let (a, b) = d.both(&["LATENCY", "RESET"]);
    assert!(a.as_int() >= 1 && b.as_int() >= 1);
    d.script(
        "
        LATENCY LATEST
        LATENCY RESET command
        LATENCY DOCTOR
        ",
    );
}

#[test]
fn command_info_and_docs_like_redis() {
    let mut d = Diff::new(1);
    for name in [
        "latency|histogram",
        "latency|latest",
        "latency|reset",
        "latency|doctor",
        "slowlog|get",
        "slowlog|reset",
    ] {
        d.check(&["COMMAND", "INFO", name]);
        d.check(&["COMMAND", "DOCS", name]);
    }
    let (a, b) = d.both(&["COMMAND", "INFO", "latency", "slowlog"]);
    let names = |v: &Value| -> Vec<Vec<String>> {
        v.items()
            .iter()
            .map(|e| {
                let mut subs: Vec<String> = e.items()[9]
                    .items()
                    .iter()
                    .map(|s| s.items()[0].as_str())
                    .collect();
                subs.sort();
                subs
            })
            .collect()
    };
    assert_eq!(names(&a), names(&b));
}

#[test]
fn latency_monitor_like_redis_1_shard() {
    monitor(1);
}

#[test]
fn latency_monitor_like_redis_2_shards() {
    monitor(2);
}
