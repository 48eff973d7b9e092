//! The keyspace family against real Redis: DEL/EXISTS/TYPE/TOUCH, the expiry commands,
//! KEYS/SCAN/RANDOMKEY, RENAME/COPY/MOVE (also across shards), DBSIZE/FLUSH*, OBJECT.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use shardis::server::slot::key_shard;

use crate::support::{wait_for, Diff, Value};

/// Runs `f` against Redis with shardis on 1 and on 2 shards.
fn each_shape(f: impl Fn(&mut Diff)) {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        f(&mut d);
    }
}

/// Two keys on different shards of a 2-shard server (any pair works with one shard).
fn apart() -> (&'static str, &'static str) {
    assert_ne!(key_shard(b"foo", 2), key_shard(b"bar", 2));
    ("foo", "bar")
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Sends to both; replies must be equal as sets of elements (KEYS order is arbitrary).
fn check_unordered(d: &mut Diff, args: &[&str]) -> HashSet<String> {
    let (a, b) = d.both(args);
    let set = |v: &Value| {
        let items = v.items();
        let s: HashSet<String> = items.iter().map(Value::as_str).collect();
        assert_eq!(s.len(), items.len(), "duplicates in {v:?}");
        s
    };
    let (sa, sb) = (set(&a), set(&b));
    assert_eq!(sa, sb, "{args:?}");
    sa
}

#[test]
fn del_exists_touch_type() {
    each_shape(|d| {
        d.script(
            "MSET a 1 b 2 c 3 foo 4 bar 5
             EXISTS a
             EXISTS a a b nope foo bar
             TOUCH a b nope foo bar a
             TYPE a
             TYPE nope
             DEL a nope foo
             DEL a
             UNLINK b bar b
             EXISTS a b c foo bar
             DEL
             UNLINK
             EXISTS
             TOUCH
             TYPE
             TYPE a b",
        );
    });
}

#[test]
fn expire_and_ttl_replies() {
    each_shape(|d| {
        let later = (now_ms() / 1000 + 10_000).to_string();
        let later_ms = (now_ms() + 10_000_000).to_string();
        d.script(
            "SET k v
             TTL k
             PTTL k
             EXPIRETIME k
             PEXPIRETIME k
             TTL nope
             PTTL nope
             EXPIRETIME nope
             PEXPIRETIME nope
             EXPIRE nope 100
             EXPIRE k 100
             TTL k
             PERSIST k
             PERSIST k
             PERSIST nope
             TTL k
             PEXPIRE k 100000
             TTL k
             EXPIRE k abc
             EXPIRE k 1.5
             EXPIRE k 10 foo
             EXPIRE k abc foo
             EXPIRE k 10 nx xx
             EXPIRE k 10 NX GT
             EXPIRE k 10 nx lt
             EXPIRE k 10 gt lt
             EXPIRE k 9223372036854775807
             EXPIRE k -9223372036854775808
             EXPIRE k 9223372036854775
             PEXPIRE k 9223372036854775807
             EXPIREAT k 9223372036854775807
             PEXPIREAT k 9223372036854775808
             EXPIRE
             EXPIRE k
             PEXPIRE k
             EXPIREAT k
             PEXPIREAT k
             TTL
             TTL k k
             PTTL k k
             EXPIRETIME
             PEXPIRETIME k k
             PERSIST
             PERSIST k k",
        );
        d.check(&["EXPIREAT", "k", &later]);
        d.check(&["EXPIRETIME", "k"]);
        d.check(&["PEXPIRETIME", "k"]);
        d.check(&["PEXPIREAT", "k", &later_ms]);
        d.check(&["PEXPIRETIME", "k"]);
        d.check(&["EXPIRETIME", "k"]);
        // Absolute far-future times keep the far end exact.
        d.script(
            "PEXPIREAT k 9223372036854775807
             PEXPIRETIME k
             EXPIRETIME k
             SET k v",
        );
    });
}

#[test]
fn expire_conditions() {
    each_shape(|d| {
        let base = now_ms() + 1_000_000;
        let (t1, t2, t3) = (
            base.to_string(),
            (base + 1000).to_string(),
            (base + 2000).to_string(),
        );
        d.script("SET k v");
        for (args, _) in [
            (vec!["PEXPIREAT", "k", &t2, "XX"], ()),
            (vec!["PEXPIREAT", "k", &t2, "GT"], ()),
            (vec!["PEXPIREAT", "k", &t2, "LT"], ()),
            (vec!["PEXPIRETIME", "k"], ()),
            (vec!["PEXPIREAT", "k", &t2, "NX"], ()),
            (vec!["PEXPIREAT", "k", &t3, "NX"], ()),
            (vec!["PEXPIREAT", "k", &t3, "XX"], ()),
            (vec!["PEXPIRETIME", "k"], ()),
            (vec!["PEXPIREAT", "k", &t1, "GT"], ()),
            (vec!["PEXPIREAT", "k", &t3, "GT"], ()),
            (vec!["PEXPIREAT", "k", &t2, "gt"], ()),
            (vec!["PEXPIRETIME", "k"], ()),
            (vec!["PEXPIREAT", "k", &t3, "LT"], ()),
            (vec!["PEXPIREAT", "k", &t1, "LT", "XX"], ()),
            (vec!["PEXPIRETIME", "k"], ()),
            (vec!["PEXPIREAT", "k", &t2, "XX", "GT"], ()),
            (vec!["PEXPIRETIME", "k"], ()),
            (vec!["PERSIST", "k"], ()),
            (vec!["PEXPIREAT", "k", &t1, "LT"], ()),
            (vec!["PEXPIRETIME", "k"], ()),
            (vec!["PERSIST", "k"], ()),
            (vec!["EXPIRE", "k", "-5", "LT"], ()),
            (vec!["EXISTS", "k"], ()),
            (vec!["EXPIRE", "nope", "10", "XX"], ()),
        ] {
            d.check(&args);
        }
    });
}

#[test]
fn past_expiry_deletes() {
    each_shape(|d| {
        d.script(
            "SET a 1
             EXPIRE a 0
             EXISTS a
             SET a 1
             EXPIRE a -10
             GET a
             SET a 1
             PEXPIRE a -1
             TTL a
             SET a 1
             EXPIREAT a 1
             TYPE a
             SET a 1
             PEXPIREAT a 0
             EXISTS a
             SET a 1
             PEXPIREAT a -9223372036854775808
             EXISTS a
             DBSIZE",
        );
    });
}

#[test]
fn ttl_precision_is_close_to_redis() {
    each_shape(|d| {
        d.check(&["SET", "k", "v", "PX", "100000"]);
        let (a, b) = d.both(&["PTTL", "k"]);
        for v in [a.as_int(), b.as_int()] {
            assert!((90_000..=100_000).contains(&v), "PTTL {v}");
        }
        let (a, b) = d.both(&["TTL", "k"]);
        assert!((a.as_int() - b.as_int()).abs() <= 1 && a.as_int() >= 90);
        d.check(&["EXPIRE", "k", "50"]);
        let (a, b) = d.both(&["PEXPIRETIME", "k"]);
        assert!((a.as_int() - b.as_int()).abs() < 5_000, "{a:?} {b:?}");
        let (a, _) = d.both(&["EXPIRETIME", "k"]);
        assert!((a.as_int() - (now_ms() / 1000 + 50) as i64).abs() <= 2);
    });
}

#[test]
fn keys_with_a_ttl_expire_lazily_and_actively() {
    each_shape(|d| {
        d.script("SET a 1 PX 30\nSET b 1\nPEXPIRE b 30");
        std::thread::sleep(Duration::from_millis(60));
        d.script(
            "GET a
             EXISTS b
             TTL a
             TYPE b",
        );
    });
    // Active expiry: nothing reads the keys, yet DBSIZE (which counts expired keys not
    // deleted yet) drops to the persistent ones.
    for shards in [1, 2] {
        let s = crate::support::Server::shardis(shards, &[]);
        let mut c = s.conn();
        for i in 0..300 {
            let k = format!("k{i}");
            c.cmd(&["SET", &k, "v", "PX", "50"]);
        }
        c.cmd(&["SET", "keep", "v"]);
        wait_for("active expiry", Duration::from_secs(10), || {
            c.cmd(&["DBSIZE"]) == Value::Int(1)
        });
    }
}

#[test]
fn keys_patterns() {
    each_shape(|d| {
        d.script("MSET foo 1 bar 2 baz 3 hello 4 hallo 5 h*llo 6 a 7");
        for p in [
            "*", "b*", "h?llo", "h[ae]llo", "h[^e]llo", "h\\*llo", "nomatch", "",
        ] {
            check_unordered(d, &["KEYS", p]);
        }
        d.script(
            "SET gone 1 PX 1
             KEYS
             KEYS a b",
        );
        std::thread::sleep(Duration::from_millis(10));
        check_unordered(d, &["KEYS", "g*"]);
    });
}

/// Runs a full SCAN with `opts` against the server on `conn`, returning every key seen.
fn scan_all(
    c: &mut crate::support::Conn,
    opts: &[&str],
    during: &mut dyn FnMut(usize),
) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    for round in 0..100_000 {
        let mut args = vec!["SCAN", &cursor];
        args.extend_from_slice(opts);
        let reply = c.cmd(&args).items();
        assert_eq!(reply.len(), 2, "{reply:?}");
        keys.extend(reply[1].items().iter().map(Value::as_str));
        cursor = reply[0].as_str();
        during(round);
        if cursor == "0" {
            return keys;
        }
    }
    panic!("SCAN did not finish");
}

#[test]
fn scan_sees_every_key_once() {
    each_shape(|d| {
        for i in 0..2000 {
            let k = format!("key:{i}");
            let args = if i % 3 == 0 {
                vec!["SET", &k, "v"]
            } else {
                vec!["SET", &k, "v", "EX", "1000"]
            };
            d.check(&args);
        }
        let all: HashSet<String> = (0..2000).map(|i| format!("key:{i}")).collect();
        for opts in [
            &[][..],
            &["COUNT", "1"],
            &["COUNT", "7"],
            &["COUNT", "1000"],
        ] {
            let keys = scan_all(&mut d.ours, opts, &mut |_| {});
            let seen: HashSet<String> = keys.iter().cloned().collect();
            assert_eq!(seen.len(), keys.len(), "a key was returned twice");
            assert_eq!(seen, all, "{opts:?}");
        }
        let want: HashSet<String> = all.iter().filter(|k| k.ends_with('7')).cloned().collect();
        let got: HashSet<String> =
            scan_all(&mut d.ours, &["MATCH", "*7", "COUNT", "50"], &mut |_| {})
                .into_iter()
                .collect();
        assert_eq!(got, want);
        let theirs: HashSet<String> = scan_all(&mut d.theirs, &["MATCH", "*7"], &mut |_| {})
            .into_iter()
            .collect();
        assert_eq!(got, theirs);
        for t in ["string", "STRING", "list", "none"] {
            let ours: HashSet<String> = scan_all(&mut d.ours, &["TYPE", t], &mut |_| {})
                .into_iter()
                .collect();
            let theirs: HashSet<String> = scan_all(&mut d.theirs, &["TYPE", t], &mut |_| {})
                .into_iter()
                .collect();
            assert_eq!(ours, theirs, "TYPE {t}");
        }
        // Keys inserted while the scan runs may or may not be seen; the ones present all
        // along must be seen, exactly once. These writes go to shardis only.
        d.digest_at_end = false;
        let mut writer = d.shardis.conn();
        let mut n = 0;
        let keys = scan_all(&mut d.ours, &["COUNT", "20"], &mut |_| {
            for _ in 0..30 {
                writer.cmd(&["SET", &format!("new:{n}"), "v"]);
                n += 1;
            }
        });
        let seen: HashSet<String> = keys.iter().cloned().collect();
        assert_eq!(seen.len(), keys.len(), "a key was returned twice");
        assert!(all.is_subset(&seen));
    });
}

#[test]
fn scan_replies_and_errors() {
    each_shape(|d| {
        d.script(
            "SCAN 0
             SCAN abc
             SCAN -
             SCAN 1x
             SCAN 18446744073709551616
             SCAN 0 COUNT 0
             SCAN 0 COUNT -1
             SCAN 0 COUNT abc
             SCAN 0 COUNT
             SCAN 0 MATCH
             SCAN 0 TYPE
             SCAN 0 FOO bar
             SCAN 0 COUNT 10 MATCH * TYPE string
             SCAN
             SET one 1
             SCAN 0
             SCAN 0 MATCH o*
             SCAN 0 MATCH x*
             SCAN 0 TYPE hash
             SCAN 0 TYPE STRING COUNT 100",
        );
        d.check(&["SCAN", " 1"]);
        d.check(&["SCAN", ""]);
    });
}

#[test]
fn randomkey_picks_live_keys() {
    each_shape(|d| {
        d.script("RANDOMKEY\nRANDOMKEY x\nSET only 1\nRANDOMKEY");
        d.script("FLUSHALL");
        let (a, b) = apart();
        for k in [a, b, "c", "d", "e"] {
            d.check(&["SET", k, "v"]);
        }
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let (x, y) = d.both(&["RANDOMKEY"]);
            for v in [&x, &y] {
                assert!(
                    [a, b, "c", "d", "e"].contains(&v.as_str().as_str()),
                    "{v:?}"
                );
            }
            seen.insert(x.as_str());
        }
        assert!(seen.len() >= 3, "RANDOMKEY is not random: {seen:?}");
        // Expired keys are never returned, even when they are most of the db.
        d.script("FLUSHALL\nSET live 1");
        for i in 0..200 {
            d.check(&["SET", &format!("dead{i}"), "v", "PX", "1"]);
        }
        std::thread::sleep(Duration::from_millis(10));
        for _ in 0..20 {
            d.check(&["RANDOMKEY"]);
        }
        d.script("DEL live");
        for i in 0..50 {
            d.check(&["SET", &format!("dead{i}"), "v", "PX", "1"]);
        }
        std::thread::sleep(Duration::from_millis(10));
        d.check(&["RANDOMKEY"]);
    });
}

#[test]
fn rename_and_renamenx() {
    each_shape(|d| {
        let (a, b) = apart();
        d.script(&format!(
            "RENAME nope x
             RENAMENX nope x
             RENAME nope nope
             SET {a} 1
             RENAME {a} {a}
             RENAMENX {a} {a}
             RENAME {a} {b}
             EXISTS {a}
             GET {b}
             SET {a} 2
             RENAMENX {a} {b}
             GET {a}
             RENAMENX {b} other
             GET other
             RENAME {a} other
             GET other
             SET {b} x EX 1000
             RENAME {b} {a}
             TTL {a}
             TTL {b}
             SET {a} y
             TTL {a}
             RENAME
             RENAME {a}
             RENAME {a} {b} c
             RENAMENX {a}"
        ));
        let at = (now_ms() + 1_000_000).to_string();
        d.check(&["SET", "t", "v"]);
        d.check(&["PEXPIREAT", "t", &at]);
        d.check(&["RENAME", "t", a]);
        d.check(&["PEXPIRETIME", a]);
        d.check(&["RENAMENX", a, b]);
        d.check(&["PEXPIRETIME", b]);
        d.check(&["RENAME", b, "t"]);
        d.check(&["PEXPIRETIME", "t"]);
        d.check(&["DBSIZE"]);
        // Values keep their encoding when they change key or shard.
        let long = "x".repeat(100);
        for v in [long.as_str(), "12", "short"] {
            d.check(&["SET", a, v]);
            d.check(&["RENAME", a, b]);
            d.check(&["OBJECT", "ENCODING", b]);
            d.check(&["COPY", b, a]);
            d.check(&["OBJECT", "ENCODING", a]);
            d.check(&["GET", a]);
        }
    });
}

#[test]
fn rename_of_expired_key_is_no_such_key() {
    each_shape(|d| {
        let (a, b) = apart();
        d.check(&["SET", a, "v", "PX", "1"]);
        d.check(&["SET", b, "v"]);
        std::thread::sleep(Duration::from_millis(10));
        d.check(&["RENAME", a, b]);
        d.check(&["RENAMENX", a, "zz"]);
        d.check(&["COPY", a, "zz"]);
        d.check(&["GET", b]);
    });
}

#[test]
fn copy_within_and_across_shards_and_dbs() {
    each_shape(|d| {
        let (a, b) = apart();
        d.script(&format!(
            "COPY nope x
             SET {a} 1
             COPY {a} {a}
             COPY {a} {a} DB 0
             COPY {a} {a} db 1
             COPY {a} {b}
             GET {b}
             SET {a} 2
             COPY {a} {b}
             GET {b}
             COPY {a} {b} REPLACE
             GET {b}
             COPY {a} {b} DB 3
             COPY {a} {b} DB 3 REPLACE
             COPY {a} {b} DB 16
             COPY {a} {b} DB -1
             COPY {a} {b} DB x
             COPY {a} {b} DB 4294967296
             COPY {a} {b} DB
             COPY {a} {b} foo
             COPY {a} {b} REPLACE REPLACE
             SELECT 3
             GET {b}
             COPY {b} {a} DB 0
             COPY {b} {b} DB 0
             COPY {b} {a} DB 0 REPLACE
             SELECT 0
             GET {a}
             SET {a} ttl EX 1000
             COPY {a} c REPLACE
             TTL c
             COPY {a} {b} REPLACE
             TTL {b}
             COPY
             COPY {a}"
        ));
        let at = (now_ms() + 1_000_000).to_string();
        d.check(&["PEXPIREAT", a, &at]);
        d.check(&["COPY", a, b, "REPLACE"]);
        d.check(&["PEXPIRETIME", b]);
        d.check(&["COPY", a, "z", "DB", "2"]);
        d.check(&["SELECT", "2"]);
        d.check(&["PEXPIRETIME", "z"]);
    });
}

#[test]
fn move_between_dbs() {
    each_shape(|d| {
        let at = (now_ms() + 1_000_000).to_string();
        d.script(
            "MOVE nope 1
             SET k v
             MOVE k 0
             MOVE k 16
             MOVE k -1
             MOVE k x
             MOVE k 4294967296
             MOVE k 1
             EXISTS k
             SET k other
             SELECT 1
             GET k
             MOVE k 0
             SELECT 0
             GET k
             DEL k
             MOVE
             MOVE k
             MOVE k 1 2",
        );
        d.check(&["SELECT", "1"]);
        d.check(&["PEXPIREAT", "k", &at]);
        d.check(&["MOVE", "k", "0"]);
        d.check(&["SELECT", "0"]);
        d.check(&["PEXPIRETIME", "k"]);
        d.check(&["GET", "k"]);
    });
}

#[test]
fn dbsize_and_flushes() {
    each_shape(|d| {
        let (a, b) = apart();
        d.script(&format!(
            "DBSIZE
             MSET {a} 1 {b} 2 c 3
             DBSIZE
             SELECT 1
             MSET {a} 1 {b} 2
             DBSIZE
             FLUSHDB
             DBSIZE
             SELECT 0
             DBSIZE
             SELECT 1
             MSET {a} 1 {b} 2
             FLUSHDB ASYNC
             FLUSHDB sync
             FLUSHDB foo
             FLUSHDB sync async
             MSET {a} 1 {b} 2
             FLUSHALL
             DBSIZE
             SELECT 0
             DBSIZE
             MSET {a} 1 {b} 2
             FLUSHALL ASYNC
             DBSIZE
             FLUSHALL SYNC
             FLUSHALL x
             FLUSHALL async sync
             DBSIZE x"
        ));
    });
}

#[test]
fn object_subcommands() {
    each_shape(|d| {
        let long = "x".repeat(45);
        let edge = "y".repeat(44);
        d.script(
            "SET int 12345
             SET neg -9223372036854775808
             SET big 9223372036854775808
             SET zero 0123
             SET plus +1
             SET small 9999
             SET shared 0
             SET str hello
             SET empty \"\"
             OBJECT ENCODING int
             OBJECT ENCODING neg
             OBJECT ENCODING big
             OBJECT ENCODING zero
             OBJECT ENCODING plus
             OBJECT ENCODING str
             OBJECT ENCODING empty
             OBJECT ENCODING nope
             OBJECT REFCOUNT int
             OBJECT REFCOUNT small
             OBJECT REFCOUNT shared
             OBJECT REFCOUNT str
             OBJECT REFCOUNT nope
             OBJECT FREQ str
             OBJECT FREQ nope
             OBJECT IDLETIME str
             OBJECT IDLETIME nope
             OBJECT HELP
             object help
             OBJECT HELP x
             OBJECT ENCODING
             OBJECT ENCODING a b
             OBJECT FREQ
             OBJECT foo
             OBJECT foo bar
             OBJECT",
        );
        d.check(&["SET", "long", &long]);
        d.check(&["SET", "edge", &edge]);
        d.check(&["OBJECT", "ENCODING", "long"]);
        d.check(&["OBJECT", "ENCODING", "edge"]);
        d.check(&["OBJECT", "REFCOUNT", "long"]);
    });
}

#[test]
fn commands_on_many_keys_stay_consistent_across_shards() {
    // A mixed workload on both servers, then the whole keyspace compared.
    each_shape(|d| {
        let deadline = Instant::now() + Duration::from_secs(30);
        for i in 0..300 {
            assert!(Instant::now() < deadline);
            let (k, k2) = (format!("k{}", i % 37), format!("k{}", (i * 7) % 41));
            let cmd: Vec<&str> = match i % 6 {
                0 => vec!["SET", &k, "v"],
                1 => vec!["RENAME", &k, &k2],
                2 => vec!["COPY", &k, &k2, "REPLACE"],
                3 => vec!["EXPIRE", &k, "1000", "NX"],
                4 => vec!["RENAMENX", &k2, &k],
                _ => vec!["DEL", &k],
            };
            d.check(&cmd);
        }
        let keys = check_unordered(d, &["KEYS", "*"]);
        for k in keys {
            d.check(&["GET", &k]);
            d.check(&["TTL", &k]);
        }
        d.check(&["DBSIZE"]);
    });
}
