//! Transactions (MULTI EXEC DISCARD WATCH UNWATCH): single-connection replies through
//! `Diff` (RESP2 and RESP3, 1 and 2 shards, keys on both shards), and scenarios with
//! several clients (WATCH invalidation, expiry, flushes) run against real Redis and
//! shardis with their replies compared.

use std::time::Duration;

use crate::support::resp::encode;
use crate::support::{wait_for, Conn, Diff, Server, Value};
use shardis::server::slot::key_shard;

/// Two key names that live on different shards (of 2): `base<i>`.
fn split_keys(base: &str) -> (String, String) {
    let first = format!("{base}0");
    let other = (1..1000)
        .map(|i| format!("{base}{i}"))
        .find(|k| key_shard(k.as_bytes(), 2) != key_shard(first.as_bytes(), 2))
        .expect("some key on the other shard");
    (first, other)
}

/// Runs `scenario` against real Redis and shardis with 1 and 2 shards; every reply it
/// collects (and each server's final DEBUG DIGEST) must be equal.
fn same_everywhere(scenario: fn(u16) -> Vec<Value>) {
    let run = |port: u16| {
        let mut v = scenario(port);
        v.push(Conn::connect(port).cmd(&["DEBUG", "DIGEST"]));
        v
    };
    let redis = Server::redis(&[]);
    let expected = run(redis.port);
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let got = run(ours.port);
        for (i, (a, b)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(a, b, "reply #{i} differs with {shards} shard(s)");
        }
        assert_eq!(got.len(), expected.len(), "{shards} shard(s)");
    }
}

/// Sends several commands in one write (one batch on the server) and reads their replies
/// (none after a QUIT).
fn pipeline(c: &mut Conn, cmds: &[&[&str]]) -> Vec<Value> {
    let mut raw = Vec::new();
    for args in cmds {
        let a: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        raw.extend(encode(&a));
    }
    c.send_raw(&raw);
    let answered = cmds
        .iter()
        .position(|a| a[0] == "QUIT")
        .map_or(cmds.len(), |q| q + 1);
    (0..answered)
        .map(|_| c.read_value().expect("a reply"))
        .collect()
}

fn script_with_keys(d: &mut Diff, script: &str, a: &str, b: &str) {
    d.script(&script.replace("$A", a).replace("$B", b));
}

#[test]
fn queueing_errors_and_exec_match_redis() {
    let (a, b) = split_keys("k");
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        for proto in ["2", "3"] {
            d.both(&["HELLO", proto]);
            script_with_keys(
                &mut d,
                "
                FLUSHALL
                # Basics: queued, run in order, replies in one array; runtime errors do
                # not roll back.
                RPUSH $A a b c
                MULTI
                LRANGE $A 0 -1
                PING
                SET $B 1
                INCR $B
                INCR $A
                LPUSH $B x
                GET $B
                HSET h$A f v
                HGETALL h$A
                EXEC
                GET $B
                # The empty transaction.
                MULTI
                EXEC
                # DISCARD.
                MULTI
                DEL $A
                DISCARD
                LRANGE $A 0 -1
                EXEC
                DISCARD
                DISCARD x
                EXEC x
                MULTI x
                UNWATCH x
                WATCH
                # Nested MULTI and WATCH inside MULTI are errors that do not abort.
                MULTI
                MULTI
                WATCH $A
                SET $A v
                EXEC
                GET $A
                # Queueing errors abort: unknown command, arity, no-multi commands.
                MULTI
                SET $A 1
                NOPE x y
                SET $B 2
                EXEC
                EXISTS $A $B
                MULTI
                SET $A
                GET $A
                EXEC
                MULTI
                SHUTDOWN
                EXEC
                PING
                # A rejected EXEC aborts the transaction.
                MULTI
                SET $A 9
                EXEC extra
                EXEC
                GET $A
                # Cross-shard commands inside a transaction.
                MULTI
                MSET $A 1 $B 2
                MGET $A $B nokey
                DEL $A $B nokey
                SET $A x
                RENAME $A $B
                EXISTS $A $B
                SPOP nokey
                SADD s$A m
                SPOP s$A
                EXEC
                # SELECT inside MULTI affects the commands queued after it.
                MULTI
                SET $A db0
                SELECT 1
                SET $A db1
                GET $A
                EXEC
                GET $A
                SELECT 0
                GET $A
                # Reads and writes of collections, RESP3 shapes inside the array.
                ZADD z$B 1 a 2 b
                MULTI
                ZRANGE z$B 0 -1 WITHSCORES
                ZINCRBY z$B 1.5 a
                HGETALL h$A
                SMEMBERS nokey
                EXEC
                ",
                &a,
                &b,
            );
        }
    }
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    let (a, b) = split_keys("bl");
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        for proto in ["2", "3"] {
            d.both(&["HELLO", proto]);
            script_with_keys(
                &mut d,
                "
                MULTI
                BLPOP $A 0
                BRPOP $A $B 0
                BRPOPLPUSH $A $B 0
                BLMOVE $A $B LEFT LEFT 0
                BLMPOP 0 2 $A $B LEFT
                BZPOPMIN z$A 0
                BZPOPMAX z$A z$B 0
                BZMPOP 0 1 z$A MIN
                BLPOP $A -1
                BLPOP $A nope
                EXEC
                RPUSH $B x y z
                ZADD z$B 1 a 2 b 3 c
                MULTI
                BLPOP $A $B 0
                BRPOPLPUSH $B $A 0
                BLMOVE $A $B RIGHT LEFT 0
                BLMPOP 0 2 $A $B RIGHT COUNT 5
                BZPOPMIN z$A z$B 0
                BZMPOP 0 2 z$A z$B MAX COUNT 2
                EXEC
                ",
                &a,
                &b,
            );
        }
    }
}

#[test]
fn command_metadata_matches_redis() {
    let mut d = Diff::new(2);
    d.digest_at_end = false;
    for name in ["multi", "exec", "discard", "watch", "unwatch"] {
        d.check(&["COMMAND", "INFO", name]);
        d.check(&["COMMAND", "DOCS", name]);
    }
    d.check(&["COMMAND", "GETKEYS", "WATCH", "a", "b", "c"]);
}

#[test]
fn pipelined_transactions_match_redis() {
    let scenario = |port: u16| -> Vec<Value> {
        let (a, b) = split_keys("p");
        let mut c = Conn::connect(port);
        let mut out = pipeline(
            &mut c,
            &[
                &["SET", &a, "1"],
                &["SET", &b, "2"],
                &["WATCH", &a, &b],
                &["MULTI"],
                &["INCR", &a],
                &["INCR", &b],
                &["MGET", &a, &b],
                &["EXEC"],
                &["GET", &a],
                &["MULTI"],
                &["GET", &a],
                &["FOO"],
                &["EXEC"],
                &["MULTI"],
                &["SET", &a, "v"],
                &["DISCARD"],
                &["GET", &a],
                &["MULTI"],
                &["SET", &b, "z"],
                &["QUIT"],
                &["GET", &b],
            ],
        );
        // QUIT inside MULTI closes the connection; the queue is dropped.
        assert!(c.is_closed());
        out.push(Conn::connect(port).cmd(&["MGET", &a, &b]));
        out
    };
    same_everywhere(scenario);
}

#[test]
fn reset_auth_and_client_list_in_multi_match_redis() {
    same_everywhere(|port| {
        let mut out = Vec::new();
        let mut c = Conn::connect(port);
        let mut other = Conn::connect(port);
        let (a, _) = split_keys("r");
        // RESET inside MULTI discards the transaction and the watches.
        out.push(c.cmd(&["SET", &a, "1"]));
        out.push(c.cmd(&["WATCH", &a]));
        out.push(c.cmd(&["MULTI"]));
        out.push(c.cmd(&["SET", &a, "2"]));
        out.push(c.cmd(&["RESET"]));
        out.push(c.cmd(&["EXEC"]));
        out.push(other.cmd(&["SET", &a, "3"]));
        out.push(c.cmd(&["MULTI"]));
        out.push(c.cmd(&["GET", &a]));
        out.push(c.cmd(&["EXEC"]));
        // CLIENT LIST shows a client in MULTI (`x`) and its queue length.
        let id = c.cmd(&["CLIENT", "ID"]).as_int().to_string();
        let fields = |other: &mut Conn| -> Value {
            let line = other.cmd(&["CLIENT", "LIST", "ID", &id]).as_str();
            let pick = |name: &str| {
                line.split_whitespace()
                    .find_map(|f| f.strip_prefix(name))
                    .unwrap_or("?")
                    .to_string()
            };
            Value::Simple(format!("{} {}", pick("flags="), pick("multi=")))
        };
        out.push(fields(&mut other));
        out.push(c.cmd(&["MULTI"]));
        out.push(fields(&mut other));
        out.push(c.cmd(&["PING"]));
        out.push(c.cmd(&["GET", &a]));
        out.push(fields(&mut other));
        out.push(c.cmd(&["DISCARD"]));
        out.push(fields(&mut other));
        // A touched WATCH shows as `d` until UNWATCH (or EXEC, DISCARD, RESET).
        out.push(c.cmd(&["WATCH", &a]));
        out.push(fields(&mut other));
        out.push(other.cmd(&["SET", &a, "4"]));
        out.push(fields(&mut other));
        out.push(c.cmd(&["MULTI"]));
        out.push(fields(&mut other));
        out.push(c.cmd(&["EXEC"]));
        out.push(fields(&mut other));
        out.push(c.cmd(&["WATCH", &a]));
        out.push(other.cmd(&["SET", &a, "5"]));
        out.push(c.cmd(&["UNWATCH"]));
        out.push(fields(&mut other));
        // EXEC rejected before running (NOAUTH) aborts with the reason.
        out.push(other.cmd(&["CONFIG", "SET", "requirepass", "pw"]));
        let mut fresh = Conn::connect(port);
        out.push(fresh.cmd(&["EXEC"]));
        out.push(fresh.cmd(&["MULTI"]));
        out.push(fresh.cmd(&["AUTH", "pw"]));
        out.push(fresh.cmd(&["MULTI"]));
        out.push(fresh.cmd(&["AUTH", "wrong"]));
        out.push(fresh.cmd(&["PING"]));
        out.push(fresh.cmd(&["EXEC"]));
        out.push(fresh.cmd(&["CONFIG", "SET", "requirepass", ""]));
        out
    });
}

/// WATCH invalidated by another client's writes, on either shard, by every kind of write.
#[test]
fn watch_fails_exec_when_another_client_writes() {
    same_everywhere(|port| {
        let mut out = Vec::new();
        let mut c = Conn::connect(port);
        let mut w = Conn::connect(port);
        let (a, b) = split_keys("w");
        let attempt = |c: &mut Conn, w: &mut Conn, setup: &[&str], write: &[&str]| {
            let mut r = vec![c.cmd(&["FLUSHALL"])];
            if !setup.is_empty() {
                r.push(c.cmd(setup));
            }
            r.push(c.cmd(&["WATCH", "x{unrelated}", &a, &b]));
            if !write.is_empty() {
                r.push(w.cmd(write));
            }
            r.push(c.cmd(&["MULTI"]));
            r.push(c.cmd(&["SET", "done", "1"]));
            r.push(c.cmd(&["EXEC"]));
            r
        };
        let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
            (vec![], vec![]),
            (vec![], vec!["SET", &a, "1"]),
            (vec![], vec!["SET", &b, "1"]),
            (vec!["SET", &b, "1"], vec!["SET", &b, "1"]),
            (vec!["SET", &b, "1"], vec!["INCR", &b]),
            (vec!["SET", &b, "1"], vec!["APPEND", &b, "x"]),
            (vec!["SET", &b, "1"], vec!["EXPIRE", &b, "100"]),
            (vec!["SET", &b, "1"], vec!["DEL", &b]),
            (vec!["SET", &b, "1"], vec!["DEL", &a, &b]),
            (vec![], vec!["DEL", &a, &b]),
            (vec!["SET", &a, "1"], vec!["RENAME", &a, &b]),
            (vec!["SET", "other", "1"], vec!["RENAME", "other", &b]),
            (vec![], vec!["LPUSH", &a, "x"]),
            (vec!["RPUSH", &a, "x"], vec!["LPOP", &a]),
            (vec![], vec!["HSET", &b, "f", "v"]),
            (vec![], vec!["SADD", &a, "m"]),
            (vec![], vec!["ZADD", &b, "1", "m"]),
            (vec![], vec!["MSET", &a, "1", &b, "2"]),
            (vec![], vec!["SET", "unwatched", "1"]),
            (vec![], vec!["FLUSHDB"]),
            (vec!["SET", &a, "1"], vec!["FLUSHDB"]),
            (vec!["SET", &b, "1"], vec!["FLUSHALL"]),
            (vec!["SET", &a, "1"], vec!["FLUSHALL", "ASYNC"]),
        ];
        for (setup, write) in &cases {
            out.extend(attempt(&mut c, &mut w, setup, write));
        }
        // The watching client's own write before MULTI counts too.
        out.push(c.cmd(&["WATCH", &a]));
        out.push(c.cmd(&["SET", &a, "mine"]));
        exec_ping(&mut c, &mut out);
        // Writes inside the EXEC itself to the watched keys do not fail it.
        out.push(c.cmd(&["WATCH", &a, &b]));
        out.push(c.cmd(&["MULTI"]));
        out.push(c.cmd(&["SET", &a, "1"]));
        out.push(c.cmd(&["SET", &b, "2"]));
        out.push(c.cmd(&["EXEC"]));
        // Another client's transaction touching the key.
        out.push(c.cmd(&["WATCH", &b]));
        out.push(w.cmd(&["MULTI"]));
        out.push(w.cmd(&["INCR", &b]));
        out.push(w.cmd(&["EXEC"]));
        out.push(c.cmd(&["MULTI"]));
        out.push(c.cmd(&["GET", &b]));
        out.push(c.cmd(&["EXEC"]));
        // RESP3: the failed EXEC is a null.
        c.cmd(&["HELLO", "3"]);
        out.push(c.cmd(&["WATCH", &a]));
        out.push(w.cmd(&["SET", &a, "3"]));
        exec_ping(&mut c, &mut out);
        out
    });
}

/// After EXEC, DISCARD, UNWATCH and failed EXECs, keys are no longer watched; WATCH
/// remembers the db of each key.
#[test]
fn watch_lifecycle_matches_redis() {
    same_everywhere(|port| {
        let mut out = Vec::new();
        let mut c = Conn::connect(port);
        let mut w = Conn::connect(port);
        let (a, b) = split_keys("l");
        for (x, y) in [(&a, &b), (&b, &a)] {
            // After a successful EXEC.
            out.push(c.cmd(&["SET", x, "30"]));
            out.push(c.cmd(&["WATCH", x]));
            exec_ping(&mut c, &mut out);
            out.push(w.cmd(&["SET", x, "40"]));
            exec_ping(&mut c, &mut out);
            // After a failed EXEC.
            out.push(c.cmd(&["WATCH", x, y]));
            out.push(w.cmd(&["SET", x, "40"]));
            exec_ping(&mut c, &mut out);
            out.push(w.cmd(&["SET", y, "40"]));
            exec_ping(&mut c, &mut out);
            // UNWATCH (also clears the dirty flag).
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["SET", x, "50"]));
            out.push(c.cmd(&["UNWATCH"]));
            exec_ping(&mut c, &mut out);
            out.push(c.cmd(&["UNWATCH"]));
            // DISCARD clears the dirty flag and the watches.
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["SET", x, "10"]));
            out.push(c.cmd(&["MULTI"]));
            out.push(c.cmd(&["DISCARD"]));
            out.push(w.cmd(&["SET", x, "10"]));
            out.push(c.cmd(&["MULTI"]));
            out.push(c.cmd(&["INCR", x]));
            out.push(c.cmd(&["EXEC"]));
            // The same key twice, and WATCH again after a touch.
            out.push(c.cmd(&["WATCH", x, x]));
            out.push(w.cmd(&["SET", x, "1"]));
            out.push(c.cmd(&["WATCH", y]));
            exec_ping(&mut c, &mut out);
            // WATCH remembers the db.
            out.push(c.cmd(&["SELECT", "5"]));
            out.push(c.cmd(&["SET", x, "30"]));
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["SELECT", "1"]));
            out.push(w.cmd(&["SET", x, "10"]));
            exec_ping(&mut c, &mut out);
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["SELECT", "5"]));
            out.push(w.cmd(&["DEL", x]));
            out.push(w.cmd(&["SELECT", "0"]));
            exec_ping(&mut c, &mut out);
            out.push(c.cmd(&["SELECT", "0"]));
            // FLUSHDB of another db does not touch.
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["SELECT", "5"]));
            out.push(w.cmd(&["FLUSHDB"]));
            out.push(w.cmd(&["SELECT", "0"]));
            exec_ping(&mut c, &mut out);
        }
        // Many watchers that disconnect leave nothing behind that breaks later writes.
        for _ in 0..20 {
            let mut gone = Conn::connect(port);
            gone.cmd(&["WATCH", &a, &b]);
        }
        out.push(w.cmd(&["MSET", &a, "1", &b, "2"]));
        out
    });
}

/// Expiry and WATCH: a key live at WATCH and expired at EXEC fails it; a key already stale
/// at WATCH does not, even when its deletion (lazy or by a flush) happens meanwhile.
#[test]
fn watch_and_expiry_match_redis() {
    same_everywhere(|port| {
        let mut out = Vec::new();
        let mut c = Conn::connect(port);
        let mut w = Conn::connect(port);
        let (a, b) = split_keys("e");
        // Live keys get 300 ms (WATCH surely comes before they expire, even on a loaded
        // machine), then the test waits them out; stale keys get 1 ms.
        let wait = |ms| std::thread::sleep(Duration::from_millis(ms));
        out.push(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]));
        for x in [&a, &b] {
            // Live at WATCH, logically expired (still stored) at EXEC.
            out.push(c.cmd(&["SET", x, "1", "PX", "300"]));
            out.push(c.cmd(&["WATCH", x]));
            wait(400);
            out.push(c.cmd(&["MULTI"]));
            out.push(c.cmd(&["INCR", x]));
            out.push(c.cmd(&["EXEC"]));
            // Live at WATCH, deleted lazily by a read before EXEC.
            out.push(c.cmd(&["SET", x, "1", "PX", "300"]));
            out.push(c.cmd(&["WATCH", x]));
            wait(400);
            out.push(w.cmd(&["GET", x]));
            exec_ping(&mut c, &mut out);
            // Stale at WATCH.
            out.push(c.cmd(&["SET", x, "foo", "PX", "1"]));
            wait(20);
            out.push(c.cmd(&["WATCH", x]));
            exec_ping(&mut c, &mut out);
            // Stale at WATCH, then deleted by EXISTS.
            out.push(c.cmd(&["SET", x, "foo", "PX", "1"]));
            wait(20);
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["EXISTS", x]));
            exec_ping(&mut c, &mut out);
            // Stale at WATCH, then flushed.
            out.push(c.cmd(&["SET", x, "foo", "PX", "1"]));
            wait(20);
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["FLUSHDB"]));
            exec_ping(&mut c, &mut out);
            // Stale at WATCH, then written: a change.
            out.push(c.cmd(&["SET", x, "foo", "PX", "1"]));
            wait(20);
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["SET", x, "new"]));
            exec_ping(&mut c, &mut out);
            // EXPIRE in the past deletes a watched key.
            out.push(c.cmd(&["SET", x, "1"]));
            out.push(c.cmd(&["WATCH", x]));
            out.push(w.cmd(&["PEXPIREAT", x, "1"]));
            exec_ping(&mut c, &mut out);
        }
        out.push(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]));
        // Deleted by the active expiry cycle: a change.
        out.push(c.cmd(&["FLUSHALL"]));
        out.push(c.cmd(&["SET", &a, "1", "PX", "300"]));
        out.push(c.cmd(&["SET", &b, "1", "PX", "300"]));
        out.push(c.cmd(&["WATCH", &b]));
        wait_for("the keys to expire", Duration::from_secs(10), || {
            w.cmd(&["DBSIZE"]).as_int() == 0
        });
        exec_ping(&mut c, &mut out);
        out
    });
}

/// Statistics: queued commands count when EXEC runs them, queueing rejections count as
/// rejected calls, an aborted or partly failed EXEC as a failed one, as in Redis.
#[test]
fn command_and_error_stats_match_redis() {
    same_everywhere(|port| {
        let mut c = Conn::connect(port);
        let (a, b) = split_keys("st");
        c.cmd(&["CONFIG", "RESETSTAT"]);
        for cmd in [
            vec!["SET", &b, "1"],
            vec!["MULTI"],
            vec!["SET", &a, "1"],
            vec!["LPUSH", &b, "x"],
            vec!["FOO"],
            vec!["EXEC"],
            vec!["MULTI"],
            vec!["INCR", &a],
            vec!["LPUSH", &b, "x"],
            vec!["MGET", &a, &b],
            vec!["EXEC"],
            vec!["MULTI"],
            vec!["SHUTDOWN"],
            vec!["DISCARD"],
            vec!["EXEC", "x"],
        ] {
            c.cmd(&cmd);
        }
        let keep = |section: &str, c: &mut Conn| -> Vec<Value> {
            let mut lines: Vec<String> = c
                .cmd(&["INFO", section])
                .as_str()
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .filter(|l| !l.contains("config|resetstat") && !l.contains("cmdstat_info"))
                .map(|l| {
                    // Times differ: keep calls and the rejected/failed counts.
                    l.split(',')
                        .filter(|f| !f.contains("usec"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .collect();
            lines.sort();
            lines.into_iter().map(Value::Simple).collect()
        };
        let mut out = keep("commandstats", &mut c);
        out.extend(keep("errorstats", &mut c));
        out
    });
}

/// MULTI, PING, EXEC on `c`, each reply kept: whether a watched key made EXEC fail.
fn exec_ping(c: &mut Conn, out: &mut Vec<Value>) {
    out.push(c.cmd(&["MULTI"]));
    out.push(c.cmd(&["PING"]));
    out.push(c.cmd(&["EXEC"]));
}
