//! Sorted sets against real Redis: multi-key commands (on one shard and spread over two),
//! OBJECT ENCODING transitions, big sets in the `skiplist` encoding, COMMAND INFO.

use shardis::server::slot::key_shard;

use super::zsets::on_all;
use crate::support::{Diff, Value};

#[test]
fn keys_used_here_spread_over_two_shards() {
    assert_ne!(key_shard(b"foo", 2), key_shard(b"bar", 2));
    assert_ne!(key_shard(b"a", 2), key_shard(b"b", 2));
}

/// The same script with keys on one shard (hash tags) and on two ("foo"/"bar"/"a"/"b").
const SETOPS: &str = "
    ZADD foo 1 a 2 b 3 c +inf i -inf n
    ZADD bar 10 b 20 c 30 d -inf i +inf n
    ZADD a 5 c 6 x
    ZUNION 2 foo bar
    ZUNION 2 foo bar WITHSCORES
    ZUNION 3 foo bar nokey WITHSCORES
    ZUNION 2 foo bar WEIGHTS 2 0.5 WITHSCORES
    ZUNION 2 foo bar WEIGHTS 0 1 WITHSCORES
    ZUNION 2 foo bar AGGREGATE MIN WITHSCORES
    ZUNION 2 foo bar AGGREGATE max WITHSCORES
    ZUNION 2 foo bar WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES
    ZUNION 3 foo bar a WITHSCORES WITHSCORES
    ZUNION 2 foo foo WITHSCORES
    ZUNION 1 nokey
    ZINTER 2 foo bar
    ZINTER 2 foo bar WITHSCORES
    ZINTER 3 foo bar a WITHSCORES
    ZINTER 2 foo bar WEIGHTS 2 3 AGGREGATE MAX WITHSCORES
    ZINTER 2 foo bar AGGREGATE MIN WITHSCORES
    ZINTER 2 foo nokey WITHSCORES
    ZINTER 2 foo foo WITHSCORES
    ZDIFF 2 foo bar
    ZDIFF 2 foo bar WITHSCORES
    ZDIFF 3 foo bar a WITHSCORES
    ZDIFF 1 foo WITHSCORES
    ZDIFF 2 foo foo
    ZDIFF 2 nokey foo
    ZINTERCARD 2 foo bar
    ZINTERCARD 2 foo bar LIMIT 1
    ZINTERCARD 2 foo bar LIMIT 0
    ZINTERCARD 2 foo nokey
    ZUNIONSTORE dst 2 foo bar
    ZRANGE dst 0 -1 WITHSCORES
    ZUNIONSTORE b 2 foo bar WEIGHTS 1 2 AGGREGATE MAX
    ZRANGE b 0 -1 WITHSCORES
    OBJECT ENCODING b
    ZINTERSTORE b 3 foo bar a
    ZRANGE b 0 -1 WITHSCORES
    ZINTERSTORE b 2 foo nokey
    EXISTS b
    ZDIFFSTORE b 2 foo bar
    ZRANGE b 0 -1 WITHSCORES
    ZDIFFSTORE foo 2 foo bar
    ZRANGE foo 0 -1 WITHSCORES
    SET str x
    ZUNIONSTORE str 1 bar
    TYPE str
    SET str x
    ZUNION 2 foo str
    ZINTER 2 str foo
    ZDIFF 2 nokey str
    ZINTERCARD 2 foo str
    ZUNIONSTORE b 2 str foo
    ZUNION 0 foo
    ZUNION -1 foo
    ZUNION x foo
    ZUNION 3 foo bar
    ZUNIONSTORE b 0 foo
    ZINTERSTORE b 0 foo
    ZDIFFSTORE b 0 foo
    ZINTER 0 foo
    ZDIFF 0 foo
    ZINTERCARD 0 foo
    ZINTERCARD x foo
    ZINTERCARD 1 foo LIMIT -1
    ZINTERCARD 1 foo LIMIT x
    ZINTERCARD 1 foo LIMIT
    ZINTERCARD 1 foo WITHSCORES
    ZUNION 2 foo bar WEIGHTS 1
    ZUNION 2 foo bar WEIGHTS 1 x
    ZUNION 2 foo bar AGGREGATE
    ZUNION 2 foo bar AGGREGATE avg
    ZUNION 2 foo bar FOO
    ZDIFF 2 foo bar WEIGHTS 1 1
    ZDIFF 2 foo bar AGGREGATE SUM
    ZUNIONSTORE b 2 foo bar WITHSCORES
    ZUNION 1
    ZUNIONSTORE b 1
";

#[test]
fn set_operations_on_one_and_two_shards() {
    on_all(SETOPS);
    on_all(
        &SETOPS
            .replace("foo", "{t}foo")
            .replace("bar", "{t}bar")
            .replace(" a ", " {t}a ")
            .replace(" b ", " {t}b ")
            .replace("dst", "{t}dst")
            .replace("str", "{t}str")
            .replace("nokey", "{t}nokey"),
    );
}

const RANGESTORE: &str = "
    ZADD foo 1 a 2 b 3 c 4 d
    ZRANGESTORE bar foo 0 -1
    ZRANGE bar 0 -1 WITHSCORES
    ZRANGESTORE bar foo 1 2 REV
    ZRANGE bar 0 -1 WITHSCORES
    ZRANGESTORE bar foo (1 +inf BYSCORE LIMIT 1 2
    ZRANGE bar 0 -1 WITHSCORES
    ZRANGESTORE bar foo [c - BYLEX REV
    ZRANGE bar 0 -1 WITHSCORES
    ZRANGESTORE bar foo 5 10
    EXISTS bar
    ZRANGESTORE bar nokey 0 -1
    ZRANGESTORE bar foo 0 -1 WITHSCORES
    ZRANGESTORE bar foo 0 -1 LIMIT 0 1
    ZRANGESTORE bar foo x y BYSCORE
    SET str x
    ZRANGESTORE bar str 0 -1
    ZRANGESTORE str foo 0 1
    TYPE str
    OBJECT ENCODING str
    ZRANGESTORE foo foo 1 1
    ZRANGE foo 0 -1 WITHSCORES
";

#[test]
fn zrangestore_on_one_and_two_shards() {
    on_all(RANGESTORE);
    on_all(
        &RANGESTORE
            .replace("foo", "{t}foo")
            .replace("bar", "{t}bar")
            .replace("str", "{t}str")
            .replace("nokey", "{t}nokey"),
    );
}

#[test]
fn encodings_follow_redis() {
    on_all(
        "CONFIG SET zset-max-listpack-entries 4
         CONFIG SET zset-max-listpack-value 8
         ZADD z 1 a 2 b 3 c 4 d
         OBJECT ENCODING z
         ZADD z 5 e
         OBJECT ENCODING z
         ZREM z a b c d
         OBJECT ENCODING z
         ZADD y 1 aaaaaaaa
         OBJECT ENCODING y
         ZADD y 1 aaaaaaaaa
         OBJECT ENCODING y
         ZADD x 1 aaaaaaaaa
         OBJECT ENCODING x
         ZADD w 1 a 2 b 3 c 4 d 5 e 6 f
         OBJECT ENCODING w
         ZUNIONSTORE u 1 w
         OBJECT ENCODING u
         ZRANGESTORE u w 0 3
         OBJECT ENCODING u
         ZINTERSTORE u 2 w y
         ZUNIONSTORE u 1 y
         OBJECT ENCODING u
         ZDIFFSTORE u 2 w z
         OBJECT ENCODING u
         ZRANGESTORE u w 0 -1
         OBJECT ENCODING u
         ZADD v INCR 1 a
         OBJECT ENCODING v
         CONFIG SET zset-max-listpack-entries 0
         ZADD t 1 a
         OBJECT ENCODING t
         ZRANGESTORE u v 0 -1
         OBJECT ENCODING u
         CONFIG SET zset-max-listpack-entries 128
         CONFIG SET zset-max-listpack-value 64
         ZADD s 1 a
         OBJECT ENCODING s
         ZADD ss -0 m 1 n
         ZUNIONSTORE s2 1 t
         OBJECT ENCODING s2
         ZRANGE s2 0 -1 WITHSCORES",
    );
}

/// A few thousand members in the `skiplist` encoding: ranks, ranges and removals deep in
/// the ordered index, with ties and repeated scores.
#[test]
fn big_sets_in_skiplist_encoding() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let mut add = vec!["ZADD".to_string(), "big".into()];
        for i in 0..3000 {
            add.push(((i * 7919) % 500).to_string());
            add.push(format!("m{i:05}"));
        }
        let add: Vec<&str> = add.iter().map(String::as_str).collect();
        d.check(&add);
        for cmd in [
            "OBJECT ENCODING big",
            "ZCARD big",
            "ZRANGE big 0 20 WITHSCORES",
            "ZRANGE big 1500 1530 WITHSCORES",
            "ZRANGE big -40 -1 WITHSCORES",
            "ZREVRANGE big 100 140 WITHSCORES",
            "ZRANK big m01234",
            "ZREVRANK big m01234",
            "ZRANK big m02999",
            "ZSCORE big m00007",
            "ZCOUNT big 100 (200",
            "ZCOUNT big -inf +inf",
            "ZRANGEBYSCORE big 250 260 WITHSCORES",
            "ZRANGEBYSCORE big (250 +inf LIMIT 100 20",
            "ZREVRANGEBYSCORE big 300 (100 LIMIT 50 30 WITHSCORES",
            "ZLEXCOUNT big - +",
            "ZREMRANGEBYRANK big 100 199",
            "ZREMRANGEBYSCORE big 300 350",
            "ZCARD big",
            "ZRANGE big 990 1010 WITHSCORES",
            "ZINCRBY big 1000 m00000",
            "ZRANK big m00000",
            "ZPOPMIN big 5",
            "ZPOPMAX big 5",
            "ZRANGESTORE big2 big 0 200",
            "OBJECT ENCODING big2",
            "ZRANGESTORE big2 big 0 100",
            "OBJECT ENCODING big2",
            "ZUNIONSTORE big3 2 big big2 WEIGHTS 1 2",
            "ZRANGE big3 0 10 WITHSCORES",
            "ZINTERCARD 2 big big2",
            "ZRANDMEMBER big 5000 WITHSCORES",
        ] {
            let args: Vec<&str> = cmd.split(' ').collect();
            d.check(&args);
        }
        // Lex ranges need equal scores (with mixed scores Redis's answer depends on its
        // skiplist's shape).
        let mut lex = vec!["ZADD".to_string(), "lex".into()];
        for i in 0..2000 {
            lex.push("0".into());
            lex.push(format!("m{:05}", (i * 7919) % 2000));
        }
        let lex: Vec<&str> = lex.iter().map(String::as_str).collect();
        d.check(&lex);
        for cmd in [
            "ZRANGE lex [m01000 (m01100 BYLEX",
            "ZRANGE lex (m01500 - BYLEX REV LIMIT 10 20",
            "ZRANGEBYLEX lex [m00100 + LIMIT 1000 5",
            "ZLEXCOUNT lex [m00500 [m01499",
            "ZLEXCOUNT lex (m00500 (m00500",
            "ZREMRANGEBYLEX lex [m00200 (m00300",
            "ZRANGE lex 190 210",
            "ZRANK lex m01999",
        ] {
            let args: Vec<&str> = cmd.split(' ').collect();
            d.check(&args);
        }
        // Rank of every 97th member, both directions.
        for i in (0..3000).step_by(97) {
            let m = format!("m{i:05}");
            d.check(&["ZRANK", "big", &m]);
            d.check(&["ZREVRANK", "big", &m]);
        }
        // Remove every third member one by one, then re-check ranges.
        let mut rem = vec!["ZREM".to_string(), "big".into()];
        for i in (0..3000).step_by(3) {
            rem.push(format!("m{i:05}"));
        }
        let rem: Vec<&str> = rem.iter().map(String::as_str).collect();
        d.check(&rem);
        d.check(&["ZRANGE", "big", "0", "-1", "WITHSCORES"]);
        // ZSCAN walks the whole set once however the cursor goes.
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        for _ in 0..10_000 {
            let (reply, _) = d.both(&["ZSCAN", "big", &cursor, "COUNT", "50"]);
            let Value::Array(parts) = reply else {
                panic!("{reply:?}")
            };
            let (Value::Bulk(c), Value::Array(items)) = (&parts[0], &parts[1]) else {
                panic!("{parts:?}")
            };
            for pair in items.chunks(2) {
                if let Value::Bulk(m) = &pair[0] {
                    seen.insert(m.clone());
                }
            }
            cursor = String::from_utf8(c.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        let Value::Int(card) = d.check(&["ZCARD", "big"]) else {
            panic!()
        };
        assert_eq!(seen.len() as i64, card);
    }
}

#[test]
fn command_info_matches() {
    let mut d = Diff::new(1);
    for c in [
        "zadd",
        "zincrby",
        "zrem",
        "zcard",
        "zscore",
        "zmscore",
        "zrank",
        "zrevrank",
        "zrange",
        "zrangestore",
        "zrevrange",
        "zrangebyscore",
        "zrevrangebyscore",
        "zrangebylex",
        "zrevrangebylex",
        "zcount",
        "zlexcount",
        "zpopmin",
        "zpopmax",
        "zmpop",
        "zrandmember",
        "zunion",
        "zinter",
        "zdiff",
        "zunionstore",
        "zinterstore",
        "zdiffstore",
        "zintercard",
        "zremrangebyrank",
        "zremrangebyscore",
        "zremrangebylex",
        "zscan",
    ] {
        let (ours, theirs) = d.both(&["COMMAND", "INFO", c]);
        // Name, arity, flags, first, last, step.
        let head = |v: &Value| match v {
            Value::Array(outer) => match &outer[0] {
                Value::Array(info) => info[..6].to_vec(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        assert_eq!(head(&ours), head(&theirs), "{c}");
    }
    for c in ["zadd", "zrange", "zunionstore", "zmpop"] {
        d.check(&[c]);
    }
}

#[test]
fn sets_as_sources() {
    on_all(
        "SADD s1 a b c 1 2
         SADD s2 b x 2
         SADD ints 1 2 3
         ZADD foo 1 a 2 b 5 c 7 2
         ZUNION 2 foo s1 WITHSCORES
         ZUNION 3 foo s1 ints WEIGHTS 1 2 3 WITHSCORES
         ZINTER 2 s1 foo WITHSCORES
         ZINTER 2 s1 s2 WITHSCORES
         ZINTER 3 s1 s2 ints AGGREGATE MIN WITHSCORES
         ZDIFF 2 s1 foo WITHSCORES
         ZDIFF 2 foo s1 WITHSCORES
         ZDIFF 2 ints s2
         ZINTERCARD 2 s1 foo
         ZINTERCARD 3 s1 s2 ints
         ZUNIONSTORE bar 3 foo s1 s2 WEIGHTS 1 2 3
         ZRANGE bar 0 -1 WITHSCORES
         OBJECT ENCODING bar
         ZINTERSTORE bar 2 s1 s2 AGGREGATE MAX
         ZRANGE bar 0 -1 WITHSCORES
         ZDIFFSTORE bar 2 ints foo
         ZRANGE bar 0 -1 WITHSCORES
         ZUNIONSTORE s1 1 s1
         TYPE s1
         ZRANGE s1 0 -1 WITHSCORES
         ZRANGESTORE bar s2 0 -1
         ZMPOP 2 nokey s2 MIN
         ZRANGE s2 0 -1
         ZCARD s2
         ZUNION 2 s2 foo WEIGHTS inf -inf WITHSCORES
         ZUNION 2 foo foo WEIGHTS inf -inf WITHSCORES
         ZINTER 2 foo foo WEIGHTS inf -inf WITHSCORES
         ZUNION 2 foo foo WEIGHTS 0 inf AGGREGATE MIN WITHSCORES
         ZINTER 2 foo ints WEIGHTS 0 inf AGGREGATE MAX WITHSCORES",
    );
}

/// Keyspace hits and misses count reads as Redis's `lookupKeyRead` does (writes and pops
/// look keys up without counting).
#[test]
fn keyspace_hits_and_misses() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "ZADD foo 1 a 2 b 3 c
             ZADD bar 1 a
             ZINCRBY foo 1 a
             ZREM nokey a
             ZCARD foo
             ZCARD nokey
             ZSCORE foo a
             ZMSCORE nokey a b
             ZRANK foo b
             ZRANGE foo 0 -1
             ZRANGEBYSCORE nokey 0 1
             ZCOUNT foo 0 10
             ZLEXCOUNT nokey - +
             ZRANDMEMBER foo 10
             ZRANDMEMBER nokey 2
             ZSCAN foo 0
             ZSCAN nokey 0
             ZREMRANGEBYRANK nokey 0 1
             ZPOPMIN nokey
             ZMPOP 2 nokey bar MIN
             ZUNION 3 foo bar nokey
             ZINTERSTORE dst 2 foo nokey
             ZUNIONSTORE dst 2 foo nokey
             ZRANGESTORE dst2 foo 0 1
             ZRANGESTORE dst2 nokey 0 1
             ZINTERCARD 2 foo bar",
        );
        let stat = |v: &Value, name: &str| -> String {
            let Value::Bulk(text) = v else {
                panic!("{v:?}")
            };
            String::from_utf8_lossy(text)
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_default()
                .to_string()
        };
        let (ours, theirs) = d.both(&["INFO", "stats"]);
        for name in ["keyspace_hits:", "keyspace_misses:"] {
            assert_eq!(stat(&ours, name), stat(&theirs, name), "{shards} shards");
        }
    }
}

#[test]
fn encodings_under_changed_limits() {
    on_all(
        "CONFIG SET zset-max-listpack-entries 0
         ZADD z1 1 a
         OBJECT ENCODING z1
         ZRANGESTORE z2 z1 0 -1
         OBJECT ENCODING z2
         CONFIG SET zset-max-listpack-entries 1
         ZADD z3 1 a 2 b
         OBJECT ENCODING z3
         ZRANGESTORE z4 z3 0 0
         OBJECT ENCODING z4
         ZRANGESTORE z5 z3 0 1
         OBJECT ENCODING z5
         CONFIG SET zset-max-listpack-entries 10
         ZADD l 1 a 2 b 3 c 4 d 5 e 6 f
         CONFIG SET zset-max-listpack-entries 4
         ZADD l 10 a
         OBJECT ENCODING l
         ZADD l XX 7 g
         OBJECT ENCODING l
         ZADD l 7 g
         OBJECT ENCODING l
         CONFIG SET zset-max-listpack-value 2
         ZADD v 1 abc
         OBJECT ENCODING v
         ZADD w 1 ab
         OBJECT ENCODING w
         ZINCRBY w 1 abc
         OBJECT ENCODING w
         ZUNIONSTORE u 2 w z1
         OBJECT ENCODING u
         ZRANGE u 0 -1 WITHSCORES",
    );
}
