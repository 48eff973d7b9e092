//! The hash family against real Redis 7.0: every command with its errors, WRONGTYPE and
//! arity, RESP2 and RESP3 shapes, OBJECT ENCODING at the thresholds (also after CONFIG
//! SET), HSCAN walks and HRANDFIELD's properties, with one shard and with two (the key
//! names below land on both shards). Each `Diff` ends with equal DEBUG DIGESTs.
//!
//! A `hashtable` hash iterates in table order, which differs from Redis's dict order: its
//! HGETALL/HKEYS/HVALS are compared as sorted sets (`check_unordered`); a `listpack` hash
//! must match Redis byte for byte.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Diff, Value};

/// Runs `script` through `Diff` with 1 and 2 shards, in RESP2 and again in RESP3.
fn on_both_topologies_and_protocols(script: &str) {
    for shards in [1, 2] {
        for resp3 in [false, true] {
            let mut d = Diff::new(shards);
            if resp3 {
                d.both(&["HELLO", "3"]);
            }
            d.script(script);
        }
    }
}

fn bulk(v: &Value) -> Vec<u8> {
    match v {
        Value::Bulk(b) => b.clone(),
        other => panic!("not a bulk string: {other:?}"),
    }
}

/// The bulk strings of a flat array, or the pairs of a map, flattened.
fn flat(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) => items.iter().map(bulk).collect(),
        Value::Map(pairs) => pairs.iter().flat_map(|(k, v)| [bulk(k), bulk(v)]).collect(),
        other => panic!("not an array or map: {other:?}"),
    }
}

/// A reply's elements as a sorted multiset (pairs kept together when `pairs`).
fn unordered(v: &Value, pairs: bool) -> Vec<Vec<Vec<u8>>> {
    let items = flat(v);
    let mut groups: Vec<Vec<Vec<u8>>> = if pairs {
        items.chunks(2).map(<[Vec<u8>]>::to_vec).collect()
    } else {
        items.into_iter().map(|i| vec![i]).collect()
    };
    groups.sort();
    groups
}

/// Compares a reply whose order legitimately differs (hashtable iteration): same shape
/// (array or map), same elements.
fn check_unordered(d: &mut Diff, args: &[&str], pairs: bool) {
    let (a, b) = d.both(args);
    assert_eq!(
        std::mem::discriminant(&a),
        std::mem::discriminant(&b),
        "{args:?}: {a:?} vs {b:?}"
    );
    assert_eq!(unordered(&a, pairs), unordered(&b, pairs), "{args:?}");
}

/// HSET with `n` fields `f0..` and values `v0..` (plus `extra` in each value).
fn fill(d: &mut Diff, key: &str, from: usize, n: usize, extra: &str) {
    let mut args: Vec<String> = vec!["HSET".into(), key.into()];
    for i in from..from + n {
        args.push(format!("f{i}"));
        args.push(format!("v{i}{extra}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    d.check(&refs);
}

#[test]
fn set_get_delete_and_errors() {
    on_both_topologies_and_protocols(
        "HSET h a 1 b 2 c 3
         HSET h a 10 d 4
         HSET h2 x y
         HSET h3 f v f v2
         HGET h3 f
         HGET h a
         HGET h nope
         HGET missing a
         HMGET h a nope c
         HMGET missing a b
         HGETALL h
         HGETALL missing
         HKEYS h
         HVALS h
         HKEYS missing
         HVALS missing
         HLEN h
         HLEN missing
         HEXISTS h a
         HEXISTS h nope
         HEXISTS missing a
         HSTRLEN h a
         HSTRLEN h nope
         HSTRLEN missing a
         HSETNX h a new
         HSETNX h e 5
         HSETNX fresh f v
         HGETALL fresh
         HMSET h a 11 z 26
         HMSET h5 k v
         HGETALL h
         HDEL h a nope a
         HDEL h nope
         HDEL missing a
         HGETALL h
         HDEL h2 x
         EXISTS h2
         HDEL h b c d e z
         EXISTS h
         HSET e \"\" \"\"
         HGET e \"\"
         HSTRLEN e \"\"
         HGETALL e
         SET s str
         HSET s a 1
         HMSET s a 1
         HSETNX s a 1
         HGET s a
         HMGET s a
         HDEL s a
         HLEN s
         HEXISTS s a
         HSTRLEN s a
         HGETALL s
         HKEYS s
         HVALS s
         HINCRBY s a 1
         HINCRBYFLOAT s a 1
         HRANDFIELD s
         HRANDFIELD s 1
         HSCAN s 0
         HSET h a
         HSET h a 1 b
         HMSET h a 1 b
         HSET h
         HMSET h
         HSETNX h a
         HGET h
         HMGET h
         HDEL h
         HLEN
         HLEN h x
         HEXISTS h
         HSTRLEN h
         HGETALL
         HKEYS
         HVALS h x
         HINCRBY h a
         HINCRBYFLOAT h a
         HRANDFIELD
         HSCAN h
         GET s",
    );
}

#[test]
fn incr_by_integer_and_float() {
    on_both_topologies_and_protocols(
        "HINCRBY h n 5
         HINCRBY h n -10
         HINCRBY h n 9223372036854775807
         HINCRBY h n -9223372036854775808
         HSET h max 9223372036854775807 min -9223372036854775808
         HINCRBY h max 1
         HINCRBY h min -1
         HINCRBY h max -1
         HINCRBY h min 0
         HINCRBY h n abc
         HINCRBY h n 1.5
         HINCRBY h n 99999999999999999999
         HSET h s hello lead 01 f 1.5 neg -0 plus +1
         HINCRBY h s 1
         HINCRBY h lead 1
         HINCRBY h neg 1
         HINCRBY h plus 1
         HINCRBYFLOAT h plus 1
         HINCRBYFLOAT h neg 1
         HINCRBY h f 1
         HINCRBY newkey f 3
         HINCRBYFLOAT h x 0.1
         HINCRBYFLOAT h x 0.2
         HINCRBYFLOAT h f 1
         HINCRBYFLOAT h n 2.5
         HINCRBYFLOAT h n -2.5
         HINCRBYFLOAT h x 1e10
         HINCRBYFLOAT h x -1e10
         HINCRBYFLOAT h y 5.0e3
         HINCRBYFLOAT h y 1.5e300
         HGET h y
         OBJECT ENCODING h
         HINCRBYFLOAT h2 z 1.1e4932
         HINCRBYFLOAT h2 z 1.1e4932
         HINCRBYFLOAT h2 z 1e5000
         OBJECT ENCODING h2
         HINCRBYFLOAT h s 1
         HINCRBYFLOAT h x abc
         HINCRBYFLOAT h x inf
         HINCRBYFLOAT h x -inf
         HINCRBYFLOAT h x nan
         HINCRBYFLOAT h x \"\"
         HSET h i inf
         HINCRBYFLOAT h i 1
         HINCRBYFLOAT h x 0x10
         HINCRBYFLOAT h x 1e-4940
         HINCRBYFLOAT newf f -0.0
         HINCRBYFLOAT newf2 f 3
         HGETALL newkey
         HGETALL newf",
    );
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script("HSET h a 1\nHINCRBYFLOAT h a 1.5e300\nHINCRBY h n 5\nOBJECT ENCODING h");
        check_unordered(&mut d, &["HGETALL", "h"], true);
    }
}

#[test]
fn encodings_at_the_thresholds() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        // 512 pairs (Redis 7.0's default) stay a listpack, the 513th converts; the order
        // must be Redis's.
        fill(&mut d, "big", 0, 512, "");
        d.script("OBJECT ENCODING big\nHGETALL big\nHKEYS big\nHVALS big\nHSCAN big 0");
        d.check(&["HDEL", "big", "f5", "f77"]);
        fill(&mut d, "big", 600, 2, "");
        d.check(&["OBJECT", "ENCODING", "big"]);
        d.check(&["HGETALL", "big"]);
        fill(&mut d, "big", 700, 1, "");
        d.check(&["OBJECT", "ENCODING", "big"]);
        check_unordered(&mut d, &["HGETALL", "big"], true);
        check_unordered(&mut d, &["HKEYS", "big"], false);
        check_unordered(&mut d, &["HVALS", "big"], false);
        // Never back, even when emptied to one pair.
        let mut del = vec!["HDEL".to_string(), "big".into()];
        del.extend((0..700).map(|i| format!("f{i}")));
        let refs: Vec<&str> = del.iter().map(String::as_str).collect();
        d.check(&refs);
        d.script("HLEN big\nOBJECT ENCODING big\nHGETALL big");

        // Values and fields: 64 bytes stay, 65 convert, on every write path.
        let v64 = "x".repeat(64);
        let v65 = "x".repeat(65);
        for cmd in [
            vec!["HSET", "lv", "f", &v64],
            vec!["HSET", "lv2", "f", &v65],
            vec!["HSET", "lf", &v65, "v"],
            vec!["HSETNX", "nx", "f", &v65],
            vec!["HMSET", "ms", "a", "1", "b", &v65],
            vec!["HINCRBY", "ib", &v65, "1"],
            vec!["HINCRBYFLOAT", "ibf", &v65, "1"],
            vec!["HINCRBYFLOAT", "ibf2", "f", "1.5e80"],
            vec!["HINCRBYFLOAT", "ibf3", "f", "1.5e50"],
        ] {
            d.check(&cmd);
            d.check(&["OBJECT", "ENCODING", cmd[1]]);
        }
        // HSETNX on an existing long field does not convert (Redis checks after the
        // existence test).
        d.script(&format!(
            "HSET keep {v64} v\nHSETNX keep {v64} {v65}\nOBJECT ENCODING keep"
        ));
        d.script(&format!(
            "HSET keep2 a v\nHSETNX keep2 b {v65}\nOBJECT ENCODING keep2"
        ));

        // CONFIG SET moves the thresholds for later writes only.
        d.script(
            "HSET c a 1 b 2 c 3
             CONFIG SET hash-max-listpack-entries 2
             OBJECT ENCODING c
             HSET c a 9
             OBJECT ENCODING c
             HSET d a 1 b 2
             OBJECT ENCODING d
             HSET d c 3
             OBJECT ENCODING d
             CONFIG SET hash-max-ziplist-entries 128
             CONFIG SET hash-max-listpack-value 3
             HSET e abc xyz
             OBJECT ENCODING e
             HSET e abcd x
             OBJECT ENCODING e
             CONFIG SET hash-max-listpack-value 0
             HSET z \"\" \"\"
             OBJECT ENCODING z
             CONFIG SET hash-max-listpack-entries 0
             CONFIG SET hash-max-listpack-value 64
             HSET y a b
             OBJECT ENCODING y
             HGETALL y
             CONFIG SET hash-max-listpack-entries 512",
        );
    }
}

#[test]
fn long_values_and_hashtable_commands() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let long = "L".repeat(10_000);
        d.check(&["HSET", "h", "long", &long, &long, "v", "x", "y"]);
        d.script("OBJECT ENCODING h\nHSTRLEN h long\nHGET h x\nHLEN h");
        d.check(&["HGET", "h", "long"]);
        d.check(&["HGET", "h", &long]);
        d.check(&["HMGET", "h", &long, "x", "nope"]);
        check_unordered(&mut d, &["HGETALL", "h"], true);
        fill(&mut d, "t", 0, 1000, ":value");
        d.script(
            "HLEN t
             OBJECT ENCODING t
             HGET t f500
             HEXISTS t f999
             HEXISTS t f1000
             HSTRLEN t f10
             HSETNX t f10 x
             HSETNX t new x
             HINCRBY t cnt 7
             HINCRBYFLOAT t flt 2.5
             HINCRBY t f1 1
             HDEL t f1 f2 f3 nope
             HLEN t
             HMGET t f0 f1 f999",
        );
        check_unordered(&mut d, &["HKEYS", "t"], false);
        check_unordered(&mut d, &["HVALS", "t"], false);
        d.both(&["HELLO", "3"]);
        check_unordered(&mut d, &["HGETALL", "t"], true);
        check_unordered(&mut d, &["HGETALL", "h"], true);
        d.check(&["HGETALL", "nope"]);
    }
}

/// Walks HSCAN to the end on one connection; returns the field -> value map and the
/// number of calls. Every cursor handed out must lead on; the walk is bounded.
fn hscan_all(
    c: &mut crate::support::Conn,
    key: &str,
    extra: &[&str],
) -> (BTreeMap<Vec<u8>, Vec<u8>>, usize) {
    let mut cursor = b"0".to_vec();
    let mut got = BTreeMap::new();
    for calls in 1..=100_000 {
        let cur = String::from_utf8(cursor.clone()).unwrap();
        let mut args = vec!["HSCAN", key, &cur];
        args.extend_from_slice(extra);
        let reply = c.cmd(&args);
        let Value::Array(parts) = reply else {
            panic!("HSCAN reply: {reply:?}")
        };
        cursor = bulk(&parts[0]);
        let items = flat(&parts[1]);
        assert_eq!(items.len() % 2, 0);
        for kv in items.chunks(2) {
            got.insert(kv[0].clone(), kv[1].clone());
        }
        if cursor == b"0" {
            return (got, calls);
        }
    }
    panic!("HSCAN did not finish");
}

#[test]
fn hscan_walks_and_options() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        // A listpack is returned whole with cursor 0, in Redis's order, whatever COUNT.
        d.script(
            "HSET small a 1 b 2 c 3 ab 4
             HSCAN small 0
             HSCAN small 0 COUNT 1
             HSCAN small 123
             HSCAN small 0 MATCH a*
             HSCAN small 0 MATCH * COUNT 2
             HSCAN small 0 match nomatch
             HSCAN missing 0
             HSCAN missing 0 COUNT abc
             HSCAN small 0 COUNT 0
             HSCAN small 0 COUNT -1
             HSCAN small 0 COUNT abc
             HSCAN small 0 TYPE hash
             HSCAN small 0 MATCH
             HSCAN small 0 foo bar
             HSCAN small abc
             HSCAN small -1
             HSCAN small 18446744073709551616
             HSCAN small \"\"",
        );
        d.check(&["HSCAN", "small", " 1"]);
        d.both(&["HELLO", "3"]);
        d.script("HSCAN small 0\nHSCAN small 0 MATCH b*\nHSCAN missing 0");
        d.both(&["HELLO", "2"]);
        d.check(&["HSET", "small", "sp ace", "x"]);
        d.check(&["HSCAN", "small", "0", "MATCH", "sp*"]);
        for n in [513, 5000] {
            let key = format!("big{n}");
            fill(&mut d, &key, 0, n, "");
            d.check(&["OBJECT", "ENCODING", &key]);
            for extra in [
                &[][..],
                &["COUNT", "3"],
                &["COUNT", "1000"],
                &["MATCH", "f1*"],
            ] {
                let (ours, calls) = hscan_all(&mut d.ours, &key, extra);
                let (theirs, _) = hscan_all(&mut d.theirs, &key, extra);
                assert_eq!(ours, theirs, "HSCAN {key} {extra:?}");
                assert!(calls >= 1);
            }
        }
        // A walk that sees the hash grow still returns every original field once.
        let mut cursor = b"0".to_vec();
        let mut seen: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        let mut extra = 0;
        loop {
            let cur = String::from_utf8(cursor.clone()).unwrap();
            let Value::Array(parts) = d.ours.cmd(&["HSCAN", "big5000", &cur]) else {
                panic!()
            };
            for kv in flat(&parts[1]).chunks(2) {
                *seen.entry(kv[0].clone()).or_default() += 1;
            }
            cursor = bulk(&parts[0]);
            for _ in 0..10 {
                let f = format!("new{extra}");
                d.check(&["HSET", "big5000", &f, "v"]);
                extra += 1;
            }
            if cursor == b"0" || extra > 100_000 {
                break;
            }
        }
        for i in 0..5000 {
            assert_eq!(seen.get(format!("f{i}").as_bytes()), Some(&1), "f{i}");
        }
        assert!(seen.values().all(|&n| n == 1));
    }
}

/// Reply items of HRANDFIELD as (field, value) pairs, checking RESP2/RESP3's shape.
fn rand_pairs(v: &Value, withvalues: bool, resp3: bool) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let Value::Array(items) = v else {
        panic!("not an array: {v:?}")
    };
    if !withvalues {
        return items.iter().map(|i| (bulk(i), None)).collect();
    }
    if resp3 {
        items
            .iter()
            .map(|p| match p {
                Value::Array(kv) if kv.len() == 2 => (bulk(&kv[0]), Some(bulk(&kv[1]))),
                other => panic!("not a pair: {other:?}"),
            })
            .collect()
    } else {
        items
            .chunks(2)
            .map(|kv| (bulk(&kv[0]), Some(bulk(&kv[1]))))
            .collect()
    }
}

#[test]
fn hrandfield_cases() {
    for shards in [1, 2] {
        for resp3 in [false, true] {
            let mut d = Diff::new(shards);
            if resp3 {
                d.both(&["HELLO", "3"]);
            }
            // Deterministic: missing keys, count 0, count >= size on a listpack (whole
            // hash in Redis's order), single-field hashes, the errors.
            d.script(
                "HSET one only 1
                 HSET small a 1 b 2 c 3 d 4 e 5
                 HRANDFIELD missing
                 HRANDFIELD missing 5
                 HRANDFIELD missing -5 WITHVALUES
                 HRANDFIELD small 0
                 HRANDFIELD small 0 WITHVALUES
                 HRANDFIELD small 5
                 HRANDFIELD small 100 WITHVALUES
                 HRANDFIELD small 9223372036854775807
                 HRANDFIELD one
                 HRANDFIELD one 1
                 HRANDFIELD one -3
                 HRANDFIELD one -3 WITHVALUES
                 HRANDFIELD one 1 withvalues
                 HRANDFIELD small abc
                 HRANDFIELD small 1.5
                 HRANDFIELD small -9223372036854775808
                 HRANDFIELD small 9223372036854775808
                 HRANDFIELD small 1 WITHVALUE
                 HRANDFIELD small 1 WITHVALUES x
                 HRANDFIELD small 4611686018427387904 WITHVALUES
                 HRANDFIELD small -4611686018427387904 WITHVALUES
                 HRANDFIELD small 4611686018427387903 WITHVALUES
                 HRANDFIELD missing 4611686018427387904 WITHVALUES
                 HRANDFIELD missing abc
                 HRANDFIELD missing 1 foo",
            );
            fill(&mut d, "big", 0, 600, "");
            let all: BTreeMap<Vec<u8>, Vec<u8>> = (0..600)
                .map(|i| (format!("f{i}").into_bytes(), format!("v{i}").into_bytes()))
                .collect();
            let small: BTreeMap<Vec<u8>, Vec<u8>> = ["a", "b", "c", "d", "e"]
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_bytes().to_vec(), (i + 1).to_string().into_bytes()))
                .collect();
            check_unordered(&mut d, &["HRANDFIELD", "big", "600"], false);
            check_unordered(&mut d, &["HRANDFIELD", "big", "1000"], false);
            for (key, hash) in [("small", &small), ("big", &all)] {
                for count in [1i64, 2, 3, 4, 50, 199, 201, 500, -1, -7, -500] {
                    for withvalues in [false, true] {
                        let c = count.to_string();
                        let mut args = vec!["HRANDFIELD", key, &c];
                        if withvalues {
                            args.push("WITHVALUES");
                        }
                        let (ours, theirs) = d.both(&args);
                        let (ours, theirs) = (
                            rand_pairs(&ours, withvalues, resp3),
                            rand_pairs(&theirs, withvalues, resp3),
                        );
                        assert_eq!(ours.len(), theirs.len(), "{args:?}");
                        let want = if count < 0 {
                            count.unsigned_abs() as usize
                        } else {
                            (count as usize).min(hash.len())
                        };
                        assert_eq!(ours.len(), want, "{args:?}");
                        for (f, v) in &ours {
                            let stored = hash.get(f).unwrap_or_else(|| panic!("{args:?}: {f:?}"));
                            if let Some(v) = v {
                                assert_eq!(v, stored);
                            }
                        }
                        if count > 0 {
                            let distinct: BTreeSet<_> = ours.iter().map(|p| &p.0).collect();
                            assert_eq!(distinct.len(), ours.len(), "{args:?} repeats");
                        }
                    }
                }
                for _ in 0..20 {
                    let (ours, _) = d.both(&["HRANDFIELD", key]);
                    assert!(hash.contains_key(&bulk(&ours)));
                }
            }
            // A negative count whose reply could not fit in memory is refused (Redis would
            // stream it until memory runs out); the server stays up.
            let huge = d
                .ours
                .cmd(&["HRANDFIELD", "big", "-4611686018427387903", "WITHVALUES"]);
            assert!(matches!(huge, Value::Error(_)), "{huge:?}");
            d.check(&["HLEN", "big"]);
            // Repeated picks reach many fields, not one.
            let ours = d.ours.cmd(&["HRANDFIELD", "big", "-3000"]);
            let distinct: BTreeSet<_> = rand_pairs(&ours, false, resp3)
                .into_iter()
                .map(|p| p.0)
                .collect();
            assert!(distinct.len() > 400, "{}", distinct.len());
        }
    }
}

/// INFO's `keyspace_hits`/`keyspace_misses`: reads count, writes (HDEL, HSET, HINCRBY)
/// do not, as Redis's `lookupKeyWrite`.
#[test]
fn keyspace_hit_and_miss_counts() {
    let mut d = Diff::new(1);
    d.script(
        "HSET h a 1 b 2
         HGET h a
         HGET nope a
         HMGET h a b
         HMGET nope a
         HLEN h
         HEXISTS nope a
         HSTRLEN h a
         HGETALL h
         HKEYS nope
         HVALS h
         HSCAN h 0
         HSCAN nope 0
         HRANDFIELD nope
         HRANDFIELD h 2
         HDEL h a
         HDEL nope a
         HINCRBY h c 1
         HINCRBYFLOAT h2 c 1
         HSETNX h3 a 1",
    );
    let stat = |c: &mut crate::support::Conn, name: &str| -> String {
        let Value::Bulk(info) = c.cmd(&["INFO", "stats"]) else {
            panic!()
        };
        String::from_utf8(info)
            .unwrap()
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_string()
    };
    for name in ["keyspace_hits:", "keyspace_misses:"] {
        assert_eq!(stat(&mut d.ours, name), stat(&mut d.theirs, name));
    }
}

#[test]
fn command_table_matches_redis() {
    let mut d = Diff::new(1);
    for name in [
        "hset",
        "hsetnx",
        "hget",
        "hmget",
        "hmset",
        "hdel",
        "hlen",
        "hexists",
        "hgetall",
        "hkeys",
        "hvals",
        "hincrby",
        "hincrbyfloat",
        "hstrlen",
        "hrandfield",
        "hscan",
    ] {
        let (a, b) = d.both(&["COMMAND", "INFO", name]);
        let head = |v: &Value| match v {
            Value::Array(outer) => match &outer[0] {
                Value::Array(info) => info[..6].to_vec(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        assert_eq!(head(&a), head(&b), "COMMAND INFO {name}");
    }
}
