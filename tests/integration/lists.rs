//! Lists against real Redis: pushes and pops (LMPOP, LMOVE/RPOPLPUSH also across
//! shards), the index/range/edit commands, LPOS's options, every error, RESP3 shapes,
//! OBJECT ENCODING, and long lists under small `list-max-listpack-size` values so node
//! boundaries are crossed everywhere. Each scenario ends with equal DEBUG DIGEST.

use shardis::server::slot::key_shard;

use crate::support::rng::Rng;
use crate::support::Diff;

/// Runs `f` against Redis with shardis on 1 and on 2 shards, in RESP2 and RESP3.
fn each_shape(f: impl Fn(&mut Diff)) {
    for shards in [1, 2] {
        for resp3 in [false, true] {
            let mut d = Diff::new(shards);
            if resp3 {
                d.both(&["HELLO", "3"]);
            }
            f(&mut d);
        }
    }
}

/// Two keys on different shards of a 2-shard server.
fn apart() -> (&'static str, &'static str) {
    assert_ne!(key_shard(b"foo", 2), key_shard(b"bar", 2));
    ("foo", "bar")
}

#[test]
fn push_and_pop() {
    each_shape(|d| {
        d.script(
            "LPUSH l a b c
             RPUSH l d e
             LPUSHX l x
             RPUSHX l y z
             LPUSHX nope x
             RPUSHX nope x
             EXISTS nope
             LRANGE l 0 -1
             LPOP l
             RPOP l
             LPOP l 2
             RPOP l 2
             LPOP l 0
             RPOP l 0
             LPOP nope
             RPOP nope
             LPOP nope 0
             LPOP nope 3
             RPOP nope 3
             LPOP l 100
             EXISTS l
             RPUSH l 1 2 3
             RPOP l 100
             EXISTS l
             LPOP l -1
             LPOP l x
             LPOP l 1.5
             LPOP l 1 2
             RPOP l 1 2
             LPOP
             LPUSH l
             RPUSH l
             LPUSHX l
             SET s v
             LPUSH s a
             RPUSH s a
             LPUSHX s a
             RPUSHX s a
             LPOP s
             RPOP s 2
             LPOP s 0
             LPOP s -1
             RPUSH e \"\" \"\"
             LPOP e
             LPOP e 5",
        );
    });
}

#[test]
fn lmpop() {
    each_shape(|d| {
        let (a, b) = apart();
        d.script(&format!(
            "RPUSH {b} 1 2 3 4 5
             LMPOP 1 {b} LEFT
             LMPOP 2 {a} {b} RIGHT
             LMPOP 2 {a} {b} LEFT COUNT 2
             LMPOP 3 nope {a} {b} RIGHT COUNT 10
             LMPOP 2 {a} {b} LEFT
             EXISTS {b}
             RPUSH {a} x y
             RPUSH {b} p q
             LMPOP 2 {b} {a} left count 1
             LMPOP 2 {a} {b} right COUNT 5
             LMPOP 2 {a} {b} right COUNT 5
             LMPOP 2 {a} {b} right COUNT 5
             SET s v
             LMPOP 2 nope s LEFT
             LMPOP 2 s {b} LEFT
             LMPOP 2 {b} s LEFT
             LMPOP 0 {a} LEFT
             LMPOP -1 {a} LEFT
             LMPOP x {a} LEFT
             LMPOP 9223372036854775807 {a} LEFT
             LMPOP 9223372036854775806 {a} LEFT
             LMPOP 2 {a} LEFT
             LMPOP 1 {a} MIDDLE
             LMPOP 1 {a} LEFT COUNT 0
             LMPOP 1 {a} LEFT COUNT -1
             LMPOP 1 {a} LEFT COUNT x
             LMPOP 1 {a} LEFT COUNT
             LMPOP 1 {a} LEFT COUNT 1 COUNT 2
             LMPOP 1 {a} LEFT extra
             LMPOP 1 {a}
             LMPOP 1"
        ));
    });
}

#[test]
fn lmove_and_rpoplpush() {
    each_shape(|d| {
        let (a, b) = apart();
        d.script(&format!(
            "RPUSH {a} 1 2 3
             LMOVE {a} {b} LEFT RIGHT
             LMOVE {a} {b} RIGHT LEFT
             LMOVE {a} {b} left left
             LMOVE {a} {b} LEFT RIGHT
             EXISTS {a}
             LRANGE {b} 0 -1
             RPOPLPUSH {b} {a}
             RPOPLPUSH {b} {b}
             LRANGE {b} 0 -1
             LMOVE {b} {b} LEFT RIGHT
             LMOVE {b} {b} RIGHT RIGHT
             LRANGE {b} 0 -1
             RPUSH one x
             EXPIRE one 100
             LMOVE one one LEFT LEFT
             TTL one
             RPOPLPUSH one one
             LRANGE one 0 -1
             RPOPLPUSH nope {a}
             LMOVE nope {a} LEFT LEFT
             SET s v
             LMOVE {a} s LEFT LEFT
             RPOPLPUSH {b} s
             LMOVE s {a} LEFT LEFT
             RPOPLPUSH s {b}
             LMOVE nope s LEFT LEFT
             LMOVE s nope LEFT LEFT
             LMOVE {a} {b} UP LEFT
             LMOVE {a} {b} LEFT DOWN
             LMOVE nope {b} UP LEFT
             LMOVE {a} {b} LEFT
             RPOPLPUSH {a}
             LRANGE {a} 0 -1
             LRANGE {b} 0 -1"
        ));
        // Keys that hash together (tags) take the single-shard path.
        d.script(
            "RPUSH {t}x 1 2
             LMOVE {t}x {t}y RIGHT LEFT
             RPOPLPUSH {t}x {t}y
             EXISTS {t}x
             LRANGE {t}y 0 -1
             LMPOP 2 {t}x {t}y RIGHT COUNT 3",
        );
    });
}

#[test]
fn index_range_and_edits() {
    each_shape(|d| {
        d.script(
            "RPUSH l a b c d e f
             LLEN l
             LLEN nope
             LRANGE l 0 -1
             LRANGE l 1 3
             LRANGE l -3 -1
             LRANGE l -100 100
             LRANGE l 4 2
             LRANGE l 6 10
             LRANGE l -1 -2
             LRANGE l 0 0
             LRANGE l -9223372036854775808 9223372036854775807
             LRANGE nope 0 -1
             LRANGE l x 1
             LRANGE l 0 1.0
             LRANGE l 9223372036854775808 1
             LINDEX l 0
             LINDEX l -1
             LINDEX l 5
             LINDEX l 6
             LINDEX l -6
             LINDEX l -7
             LINDEX l -9223372036854775808
             LINDEX l x
             LINDEX nope x
             LINDEX nope 0
             LSET l 0 A
             LSET l -1 F
             LSET l 6 z
             LSET l -7 z
             LSET l x z
             LSET nope 0 z
             LSET nope x z
             LRANGE l 0 -1
             LINSERT l BEFORE c C1
             LINSERT l after c C2
             LINSERT l AFTER F end
             LINSERT l before A start
             LINSERT l BEFORE nope x
             LINSERT nope BEFORE a x
             LINSERT l MIDDLE a x
             LINSERT nope MIDDLE a x
             LRANGE l 0 -1
             RPUSH r x a x b x c x
             LREM r 2 x
             LRANGE r 0 -1
             LREM r -1 x
             LRANGE r 0 -1
             LREM r 0 x
             LREM r 0 nope
             LRANGE r 0 -1
             LREM r 0 a
             LREM r 0 b
             LREM r 0 c
             EXISTS r
             LREM nope 0 a
             LREM r x a
             LREM nope x a
             RPUSH t 0 1 2 3 4 5 6 7 8 9
             LTRIM t 1 -2
             LRANGE t 0 -1
             LTRIM t -3 100
             LRANGE t 0 -1
             LTRIM t -100 0
             LRANGE t 0 -1
             LTRIM t 1 0
             EXISTS t
             RPUSH t 1 2
             LTRIM t 5 10
             EXISTS t
             LTRIM nope 0 1
             LTRIM t x 1
             LTRIM nope 0 x
             SET s v
             LLEN s
             LRANGE s 0 1
             LINDEX s 0
             LINDEX s x
             LSET s 0 x
             LINSERT s BEFORE a b
             LREM s 0 a
             LTRIM s 0 1
             LPOS s a
             LLEN
             LRANGE l 0
             LINDEX l
             LSET l 0
             LINSERT l BEFORE a
             LREM l 0
             LTRIM l 0
             LPOS l",
        );
    });
}

#[test]
fn lpos() {
    each_shape(|d| {
        d.script(
            "RPUSH l a b c 1 2 3 c c a
             LPOS l c
             LPOS l c RANK 2
             LPOS l c RANK -1
             LPOS l c RANK -3
             LPOS l c RANK 4
             LPOS l c RANK -9223372036854775808
             LPOS l c COUNT 0
             LPOS l c COUNT 2
             LPOS l c COUNT 2 RANK -1
             LPOS l c COUNT 0 RANK 2
             LPOS l c COUNT 0 MAXLEN 3
             LPOS l c MAXLEN 3
             LPOS l c RANK -1 MAXLEN 2
             LPOS l c RANK -1 MAXLEN 1 COUNT 0
             LPOS l c COUNT 1 COUNT 0
             LPOS l nope
             LPOS l nope COUNT 0
             LPOS nope a
             LPOS nope a COUNT 1
             LPOS nope a RANK 0
             LPOS l c RANK 0
             LPOS l c RANK x
             LPOS l c COUNT -1
             LPOS l c COUNT x
             LPOS l c MAXLEN -1
             LPOS l c MAXLEN x
             LPOS l c RANK
             LPOS l c FOO 1
             LPOS l c COUNT 1 MAXLEN",
        );
    });
}

#[test]
fn encoding_and_command_info() {
    each_shape(|d| {
        d.script(
            "RPUSH l a
             OBJECT ENCODING l
             RPUSH l 1 2 3
             OBJECT ENCODING l
             TYPE l
             CONFIG SET list-max-listpack-size 1
             RPUSH m a b c
             OBJECT ENCODING m
             LPOP m 3
             OBJECT ENCODING m
             CONFIG SET list-max-listpack-size -2",
        );
        for name in [
            "lpush",
            "rpush",
            "lpushx",
            "rpushx",
            "lpop",
            "rpop",
            "lmpop",
            "lmove",
            "rpoplpush",
            "llen",
            "lrange",
            "lindex",
            "lset",
            "linsert",
            "lrem",
            "ltrim",
            "lpos",
        ] {
            let (a, b) = d.both(&["COMMAND", "INFO", name]);
            // Name, arity, flags, first key, last key, step.
            assert_eq!(
                a.items()[0].items()[..6],
                b.items()[0].items()[..6],
                "{name}"
            );
        }
    });
}
impl Rng {
    /// An element: mostly short values from a few that repeat (so LREM, LINSERT and LPOS
    /// find matches), sometimes an empty or a long one.
    fn element(&mut self) -> String {
        match self.below(20) {
            0 => String::new(),
            1 => "L".repeat(100 + self.below(400) as usize),
            _ => format!("v{}", self.below(13)),
        }
    }
}

/// Long lists under small node limits: every command crosses node boundaries.
#[test]
fn long_lists_across_node_limits() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        for (round, fill) in ["2", "-1", "1", "0", "7", "-2", "-5"].iter().enumerate() {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ round as u64);
            let key = format!("long{round}");
            d.check(&["CONFIG", "SET", "list-max-listpack-size", fill]);
            for batch in 0..30 {
                let push = if batch % 3 == 0 { "LPUSH" } else { "RPUSH" };
                let items: Vec<String> = (0..100).map(|_| rng.element()).collect();
                let mut args = vec![push, key.as_str()];
                args.extend(items.iter().map(String::as_str));
                d.check(&args);
            }
            for _ in 0..150 {
                let len = d.check(&["LLEN", &key]).as_int().max(1) as u64;
                let i = (rng.below(len * 2) as i64 - len as i64).to_string();
                let j = (rng.below(len * 2) as i64 - len as i64).to_string();
                let e = rng.element();
                let pivot = rng.element();
                let n = (rng.below(9) as i64 - 4).to_string();
                match rng.below(14) {
                    0 => d.check(&["LINDEX", &key, &i]),
                    1 => d.check(&["LRANGE", &key, &i, &j]),
                    2 => d.check(&["LSET", &key, &i, &e]),
                    3 => d.check(&["LINSERT", &key, "BEFORE", &pivot, &e]),
                    4 => d.check(&["LINSERT", &key, "AFTER", &pivot, &e]),
                    5 => d.check(&["LREM", &key, &n, &pivot]),
                    6 => d.check(&["LPOS", &key, &pivot, "RANK", &n, "COUNT", "3"]),
                    7 => d.check(&["LPOS", &key, &pivot, "RANK", "-2", "MAXLEN", "500"]),
                    8 => d.check(&["LPOP", &key, "7"]),
                    9 => d.check(&["RPOP", &key, "5"]),
                    10 => d.check(&["RPOPLPUSH", &key, &key]),
                    // Another key, on another shard for some rounds.
                    11 => d.check(&["LMOVE", &key, "bar", "RIGHT", "LEFT"]),
                    12 => d.check(&["LMPOP", "2", "bar", &key, "LEFT", "COUNT", "3"]),
                    _ => d.check(&["LMOVE", &key, &key, "LEFT", "RIGHT"]),
                };
            }
            d.check(&["LRANGE", &key, "0", "-1"]);
            d.check(&["LTRIM", &key, "100", "-200"]);
            d.check(&["LRANGE", &key, "0", "-1"]);
            d.check(&["LTRIM", &key, "-1500", "1200"]);
            d.check(&["LRANGE", &key, "0", "-1"]);
            d.check(&["LREM", &key, "0", "v3"]);
            d.check(&["LRANGE", &key, "-100", "-1"]);
            d.check(&["OBJECT", "ENCODING", &key]);
            d.assert_same_digest();
        }
    }
}

#[test]
fn lists_with_ttl_rename_and_copy() {
    each_shape(|d| {
        let (a, b) = apart();
        d.script(&format!(
            "RPUSH {a} 1 2 3
             EXPIRE {a} 1000
             LPUSH {a} 0
             RPOP {a}
             LSET {a} 0 z
             LINSERT {a} AFTER z y
             TTL {a}
             COPY {a} {b}
             LRANGE {b} 0 -1
             RENAME {b} moved
             LRANGE moved 0 -1
             TYPE moved
             LMOVE moved {a} LEFT RIGHT
             LRANGE {a} 0 -1
             TTL {a}
             LTRIM {a} 10 20
             EXISTS {a}
             TTL {a}
             RPUSH {a} again
             TTL {a}
             DEL moved
             RPUSH {a} a b c
             LMPOP 1 {a} RIGHT COUNT 2
             GETDEL {a}
             GET {a}
             APPEND {a} x
             RPOPLPUSH moved {a}"
        ));
    });
}
