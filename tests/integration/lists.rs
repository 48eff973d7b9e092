//! Lists against real Redis: pushes and pops (LMPOP, LMOVE/RPOPLPUSH also across
//! shards), the index/range/edit commands, LPOS's options, every error, RESP3 shapes,
//! OBJECT ENCODING, and long lists under small `list-max-listpack-size` values so node
//! boundaries are crossed everywhere. Each scenario ends with equal DEBUG DIGEST.

use shardis::server::slot::key_shard;

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
