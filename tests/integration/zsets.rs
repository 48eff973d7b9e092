//! The sorted-set family against real Redis: single-key commands, ranges, encodings and
//! RESP3 shapes, with one shard and with two. Multi-key commands: `zsets_multi.rs`.

use crate::support::{Diff, Value};

/// Runs `script` through `Diff` with 1 and with 2 shards, in RESP2 and in RESP3.
pub fn on_all(script: &str) {
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

#[test]
fn zadd_options_and_errors() {
    on_all(
        "ZADD z 1 a 2 b 3 c
         ZADD z 1 a
         ZADD z CH 5 a 2 b 9 d
         ZADD z NX 100 a 7 e
         ZADD z XX 100 a 7 f
         ZADD z XX CH 101 a 8 g
         ZADD z GT 50 a 200 b
         ZADD z GT CH 50 a 200 b
         ZADD z LT CH 50 a 1 b 0 h
         ZADD z XX GT CH 1000 a 0 b
         ZRANGE z 0 -1 WITHSCORES
         ZADD z INCR 10 a
         ZADD z INCR NX 10 a
         ZADD z INCR XX 10 nope
         ZADD z INCR GT -5 a
         ZADD z INCR LT -5 a
         ZADD z NX XX 1 a
         ZADD z GT LT 1 a
         ZADD z GT NX 1 a
         ZADD z LT NX 1 a
         ZADD z INCR 1 a 2 b
         ZADD z 1
         ZADD z 1 a 2
         ZADD z NX
         ZADD z x a
         ZADD z 1 a x b
         ZADD z nan a
         ZADD z \"\" a
         ZADD z 1e400 a
         ZADD z inf pinf -inf ninf +inf pinf2
         ZADD z 1.5 f 0.1 g 1e300 h -0 i 3.0000000000000004 j 0x10 k
         ZRANGE z 0 -1 WITHSCORES
         ZADD nokey XX 1 a
         EXISTS nokey
         ZADD nokey XX INCR 1 a
         ZADD z INCR -inf pinf
         ZADD z INCR +inf ninf
         ZSCORE z pinf
         ZADD z INCR 1 ninf
         ZADD z
         ZADD
         SET s x
         ZADD s 1 a
         ZADD s XX 1 a
         ZADD s 1
         ZCARD z",
    );
}

#[test]
fn zincrby_and_scores() {
    on_all(
        "ZINCRBY z 1.5 a
         ZINCRBY z 1.5 a
         ZINCRBY z -3 a
         ZINCRBY z 0.1 b
         ZINCRBY z 0.2 b
         ZINCRBY z +inf c
         ZINCRBY z -inf c
         ZINCRBY z 1 c
         ZINCRBY z x c
         ZINCRBY z nan c
         ZINCRBY z 1e400 c
         ZINCRBY z \"\" c
         ZINCRBY z 1
         ZMSCORE z a b c nope
         ZMSCORE nokey a b
         ZMSCORE z
         ZSCORE z a
         ZSCORE z nope
         ZSCORE nokey a
         ZSCORE z
         SET s x
         ZINCRBY s 1 a
         ZSCORE s a
         ZMSCORE s a
         ZADD neg -0 m 0 n
         ZSCORE neg m
         ZRANGE neg 0 -1 WITHSCORES
         ZADD neg 0 m
         ZSCORE neg m",
    );
}

#[test]
fn rank_card_rem() {
    on_all(
        "ZADD z 1 a 1 b 1 c 2 d 0 e
         ZRANK z a
         ZRANK z e
         ZRANK z d
         ZREVRANK z d
         ZREVRANK z e
         ZRANK z nope
         ZRANK nokey a
         ZRANK z
         ZRANK z a b
         ZCARD z
         ZCARD nokey
         ZCARD z z
         ZREM z a nope b
         ZREM z nope
         ZREM nokey a
         ZRANGE z 0 -1
         ZREM z c d e e
         EXISTS z
         ZREM z
         SET s x
         ZRANK s a
         ZREVRANK s a
         ZCARD s
         ZREM s a",
    );
}

#[test]
fn zrange_by_rank() {
    on_all(
        "ZADD z 1 a 2 b 3 c 4 d 5 e 5 f -inf g +inf h
         ZRANGE z 0 -1
         ZRANGE z 0 -1 WITHSCORES
         ZRANGE z 2 3 WITHSCORES
         ZRANGE z -3 -1
         ZRANGE z -100 100
         ZRANGE z 5 2
         ZRANGE z 100 200
         ZRANGE z 0 -1 REV WITHSCORES
         ZRANGE z 1 2 REV
         ZRANGE z 0 0 withscores rev
         ZREVRANGE z 0 -1 WITHSCORES
         ZREVRANGE z 1 -2
         ZREVRANGE z 0 1 REV
         ZRANGE z 0 -1 LIMIT 0 1
         ZRANGE z a 1
         ZRANGE z 0 b
         ZRANGE z 0 -1 FOO
         ZRANGE z 0 -1 WITHSCORES WITHSCORES
         ZRANGE nokey 0 -1
         ZRANGE nokey 0 -1 WITHSCORES
         ZRANGE z 0
         ZREVRANGE z 0
         SET s x
         ZRANGE s 0 -1
         ZREVRANGE s 0 -1
         ZRANGE s a b",
    );
}

#[test]
fn zrange_by_score() {
    on_all(
        "ZADD z 1 a 2 b 3 c 4 d 5 e 5 f -inf g +inf h 2.5 i
         ZRANGEBYSCORE z -inf +inf
         ZRANGEBYSCORE z -inf +inf WITHSCORES
         ZRANGEBYSCORE z 2 4 WITHSCORES
         ZRANGEBYSCORE z (2 4
         ZRANGEBYSCORE z 2 (4
         ZRANGEBYSCORE z (2 (4
         ZRANGEBYSCORE z (5 +inf
         ZRANGEBYSCORE z 5 5
         ZRANGEBYSCORE z (5 5
         ZRANGEBYSCORE z 4 2
         ZRANGEBYSCORE z -inf -inf WITHSCORES
         ZRANGEBYSCORE z (-inf (+inf
         ZRANGEBYSCORE z -inf +inf LIMIT 2 3
         ZRANGEBYSCORE z -inf +inf LIMIT 2 -1
         ZRANGEBYSCORE z -inf +inf LIMIT 0 0
         ZRANGEBYSCORE z -inf +inf LIMIT -1 2
         ZRANGEBYSCORE z -inf +inf LIMIT 100 2
         ZRANGEBYSCORE z -inf +inf LIMIT 8 5
         ZRANGEBYSCORE z 2 4 LIMIT 1 1 WITHSCORES
         ZRANGEBYSCORE z \"\" 3
         ZRANGEBYSCORE z ( 3
         ZRANGEBYSCORE z 1e400 +inf
         ZRANGEBYSCORE z 0x1 3
         ZRANGEBYSCORE z x 3
         ZRANGEBYSCORE z 1 nan
         ZRANGEBYSCORE z [1 3
         ZRANGEBYSCORE z 1 3 LIMIT
         ZRANGEBYSCORE z 1 3 LIMIT 1
         ZRANGEBYSCORE z 1 3 LIMIT x 1
         ZRANGEBYSCORE z 1 3 REV
         ZRANGEBYSCORE z 1 3 BYSCORE
         ZREVRANGEBYSCORE z +inf -inf WITHSCORES
         ZREVRANGEBYSCORE z 4 2
         ZREVRANGEBYSCORE z (4 (2
         ZREVRANGEBYSCORE z 2 4
         ZREVRANGEBYSCORE z +inf -inf LIMIT 1 3 WITHSCORES
         ZREVRANGEBYSCORE z +inf -inf LIMIT 7 -1
         ZRANGE z -inf +inf BYSCORE
         ZRANGE z (1 5 BYSCORE WITHSCORES
         ZRANGE z 5 (1 BYSCORE REV WITHSCORES
         ZRANGE z 5 1 BYSCORE REV LIMIT 1 2
         ZRANGE z 1 5 BYSCORE LIMIT 1 2 WITHSCORES
         ZRANGE z 1 5 BYSCORE BYLEX
         ZRANGE z 1 5 BYSCORE REV REV
         ZRANGE z a b BYSCORE
         ZRANGEBYSCORE nokey -inf +inf
         SET s x
         ZRANGEBYSCORE s -inf +inf
         ZRANGEBYSCORE s x y",
    );
}

#[test]
fn zrange_by_lex() {
    on_all(
        "ZADD z 0 a 0 b 0 c 0 d 0 e 0 f 0 g 0 aa 0 \"\"
         ZRANGEBYLEX z - +
         ZRANGEBYLEX z [b [d
         ZRANGEBYLEX z (b [d
         ZRANGEBYLEX z (b (d
         ZRANGEBYLEX z [a (b
         ZRANGEBYLEX z - (c
         ZRANGEBYLEX z (c +
         ZRANGEBYLEX z + -
         ZRANGEBYLEX z [d [b
         ZRANGEBYLEX z [ +
         ZRANGEBYLEX z ( +
         ZRANGEBYLEX z - + LIMIT 2 3
         ZRANGEBYLEX z - + LIMIT 2 -1
         ZRANGEBYLEX z - + LIMIT -1 1
         ZRANGEBYLEX z - + LIMIT 0 0
         ZRANGEBYLEX z a +
         ZRANGEBYLEX z [a ++
         ZRANGEBYLEX z -- +
         ZRANGEBYLEX z \"\" +
         ZRANGEBYLEX z - + WITHSCORES
         ZREVRANGEBYLEX z + -
         ZREVRANGEBYLEX z [d [b
         ZREVRANGEBYLEX z (d (b LIMIT 1 5
         ZREVRANGEBYLEX z - +
         ZRANGE z [b [e BYLEX
         ZRANGE z [e [b BYLEX REV
         ZRANGE z - + BYLEX REV LIMIT 1 3
         ZRANGE z - + BYLEX WITHSCORES
         ZRANGE z 1 2 BYLEX
         ZLEXCOUNT z - +
         ZLEXCOUNT z [b (e
         ZLEXCOUNT z (e [b
         ZLEXCOUNT z b e
         ZLEXCOUNT nokey - +
         ZREMRANGEBYLEX z [b (d
         ZRANGE z 0 -1
         ZREMRANGEBYLEX z x y
         ZREMRANGEBYLEX z - +
         EXISTS z
         SET s x
         ZRANGEBYLEX s - +
         ZLEXCOUNT s - +
         ZREMRANGEBYLEX s - +",
    );
}

#[test]
fn zcount_and_zremrange() {
    on_all(
        "ZADD z 1 a 2 b 3 c 4 d 5 e -inf n +inf p
         ZCOUNT z -inf +inf
         ZCOUNT z 2 4
         ZCOUNT z (2 (4
         ZCOUNT z 4 2
         ZCOUNT z (5 5
         ZCOUNT z x 1
         ZCOUNT nokey 1 2
         ZREMRANGEBYSCORE z (1 2
         ZREMRANGEBYSCORE z 10 20
         ZREMRANGEBYSCORE z -inf -inf
         ZREMRANGEBYSCORE z 1 x
         ZRANGE z 0 -1 WITHSCORES
         ZREMRANGEBYRANK z 0 0
         ZREMRANGEBYRANK z -1 -1
         ZREMRANGEBYRANK z 5 1
         ZREMRANGEBYRANK z 10 20
         ZREMRANGEBYRANK z x 1
         ZRANGE z 0 -1 WITHSCORES
         ZREMRANGEBYRANK z 0 -1
         EXISTS z
         ZREMRANGEBYRANK nokey 0 -1
         ZREMRANGEBYSCORE nokey 0 1
         SET s x
         ZCOUNT s 0 1
         ZREMRANGEBYRANK s 0 1
         ZREMRANGEBYSCORE s 0 1
         ZREMRANGEBYSCORE s x 1",
    );
}

#[test]
fn pops() {
    on_all(
        "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f
         ZPOPMIN z
         ZPOPMAX z
         ZPOPMIN z 2
         ZPOPMAX z 0
         ZPOPMAX z -1
         ZPOPMAX z x
         ZPOPMIN z 1 2
         ZPOPMAX z 100
         EXISTS z
         ZPOPMIN z
         ZPOPMIN z 3
         ZPOPMIN nokey 0
         SET s x
         ZPOPMIN s
         ZPOPMAX s 0
         ZADD y 1 a 2 b 3 c
         ZMPOP 1 y MIN
         ZMPOP 2 nokey y MAX COUNT 5
         ZMPOP 2 nokey y MAX COUNT 5
         ZMPOP 0 y MIN
         ZMPOP -1 y MIN
         ZMPOP x y MIN
         ZMPOP 1 y
         ZMPOP 2 y MIN
         ZMPOP 1 y FOO
         ZMPOP 1 y MIN COUNT
         ZMPOP 1 y MIN COUNT 0
         ZMPOP 1 y MIN COUNT -1
         ZMPOP 1 y MIN COUNT x
         ZMPOP 1 y MIN COUNT 1 COUNT 1
         ZMPOP 1 y max extra
         ZMPOP 2 nokey s MIN
         ZADD y 1 a
         ZMPOP 2 y s MIN
         ZMPOP 2 s y MIN
         ZMPOP 9223372036854775807 y MIN",
    );
}

#[test]
fn pops_across_shards() {
    // "foo" and "bar" live on different shards of a two-shard server.
    on_all(
        "ZADD foo 1 a 2 b
         ZADD bar 3 c 4 d
         ZMPOP 2 nokey bar MIN COUNT 1
         ZMPOP 3 nokey foo bar MAX COUNT 10
         ZMPOP 2 foo bar MAX COUNT 10
         ZMPOP 2 foo bar MAX
         EXISTS foo bar
         SET foo x
         ZMPOP 2 bar foo MIN",
    );
}

#[test]
fn zscan_and_zrandmember_deterministic() {
    on_all(
        "ZADD z 1 a 2 b 3 c
         ZSCAN z 0
         ZSCAN z 0 MATCH a*
         ZSCAN z 0 COUNT 100 MATCH *
         ZSCAN z 0 COUNT 0
         ZSCAN z 0 COUNT x
         ZSCAN z 0 TYPE string
         ZSCAN z 0 MATCH
         ZSCAN z x
         ZSCAN z -1
         ZSCAN nokey 0
         ZSCAN nokey 0 COUNT 0
         ZRANDMEMBER z 0
         ZRANDMEMBER z 3
         ZRANDMEMBER z 10 WITHSCORES
         ZRANDMEMBER z 10 withscores
         ZRANDMEMBER nokey
         ZRANDMEMBER nokey 5
         ZRANDMEMBER nokey 5 WITHSCORES
         ZRANDMEMBER z x
         ZRANDMEMBER z 1 FOO
         ZRANDMEMBER z 1 WITHSCORES x
         ZRANDMEMBER z -9223372036854775808
         ZRANDMEMBER z 9223372036854775807 WITHSCORES
         ZRANDMEMBER z -9223372036854775807 WITHSCORES
         SET s x
         ZRANDMEMBER s
         ZRANDMEMBER s 1
         ZSCAN s 0",
    );
}

/// Runs `args` on both servers and returns both replies.
fn both(d: &mut Diff, args: &[&str]) -> (Value, Value) {
    d.both(args)
}

/// The members of a ZRANDMEMBER reply (RESP2: every other item when `withscores`).
fn members(v: &Value, withscores: bool) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) => items
            .iter()
            .step_by(if withscores { 2 } else { 1 })
            .filter_map(|i| match i {
                Value::Bulk(b) => Some(b.clone()),
                Value::Array(p) => match p.first() {
                    Some(Value::Bulk(b)) => Some(b.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        Value::Bulk(b) => vec![b.clone()],
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn zrandmember_sizes_and_membership() {
    for (shards, entries) in [(1, 128), (2, 0)] {
        let mut d = Diff::new(shards);
        d.check(&[
            "CONFIG",
            "SET",
            "zset-max-listpack-entries",
            &entries.to_string(),
        ]);
        let mut add = vec!["ZADD".to_string(), "z".into()];
        for i in 0..50 {
            add.push(i.to_string());
            add.push(format!("m{i}"));
        }
        let add: Vec<&str> = add.iter().map(String::as_str).collect();
        d.check(&add);
        d.check(&["OBJECT", "ENCODING", "z"]);
        let all: Vec<Vec<u8>> = (0..50).map(|i| format!("m{i}").into_bytes()).collect();
        for (count, want, distinct) in [
            ("1", 1, true),
            ("10", 10, true),
            ("40", 40, true),
            ("50", 50, true),
            ("60", 50, true),
            ("-5", 5, false),
            ("-80", 80, false),
        ] {
            for extra in [None, Some("WITHSCORES")] {
                let mut args = vec!["ZRANDMEMBER", "z", count];
                args.extend(extra);
                let (ours, theirs) = both(&mut d, &args);
                for v in [&ours, &theirs] {
                    let got = members(v, extra.is_some());
                    assert_eq!(got.len(), want, "{args:?}: {v:?}");
                    assert!(got.iter().all(|m| all.contains(m)), "{args:?}");
                    if distinct {
                        let set: std::collections::HashSet<_> = got.iter().collect();
                        assert_eq!(set.len(), got.len(), "{args:?}");
                    }
                }
            }
        }
        for _ in 0..20 {
            let (ours, _) = both(&mut d, &["ZRANDMEMBER", "z"]);
            assert!(all.contains(&members(&ours, false)[0]));
        }
    }
}
