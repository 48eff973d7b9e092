//! DEBUG against a real redis-server: DIGEST, DIGEST-VALUE, POPULATE, SET-ACTIVE-EXPIRE,
//! OBJECT, errors, and the enable-debug-command gate.

use std::time::Duration;

use crate::support::{wait_for, Diff, Server, Value};

const ZEROS: &str = "0000000000000000000000000000000000000000";

fn is_digest(v: &Value) -> bool {
    matches!(v, Value::Simple(s) if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn digest_matches_redis_over_dbs_and_shards() {
    for shards in [1, 2, 3] {
        let mut d = Diff::new(shards);
        assert_eq!(d.check(&["DEBUG", "DIGEST"]), Value::Simple(ZEROS.into()));
        d.script(
            "SET a 1
             SET b hello
             MSET c xyz d 12345678901 e -7 f \"\"
             SET t v EX 1000
             SET tp 42 PX 900000
             DEL c nope
             SELECT 3
             SET a 1
             MSET x 1 y 2 z 3
             SET t v EX 500
             SELECT 15
             SET only here
             DEL only
             SELECT 9
             SET k9 v9",
        );
        let v = d.check(&["DEBUG", "DIGEST"]);
        assert!(is_digest(&v) && v != Value::Simple(ZEROS.into()), "{v:?}");
        for i in 0..300 {
            let (k, v) = (format!("key{i}"), format!("{}", i * 7));
            d.check(&["SET", &k, &v]);
        }
        d.assert_same_digest();
        d.script(
            "SELECT 0
             DEL a b d e f t tp
             DEBUG DIGEST",
        );
        // The digest is of every db, whichever is selected.
        d.check(&["SELECT", "3"]);
        d.assert_same_digest();
        d.check(&["FLUSHALL"]);
        assert_eq!(d.check(&["DEBUG", "DIGEST"]), Value::Simple(ZEROS.into()));
    }
}

#[test]
fn digest_value_matches_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "MSET a 1 b hello c xyz
             SET t v EX 1000
             SET big 123456789012345
             DEBUG DIGEST-VALUE a
             DEBUG DIGEST-VALUE a b c t big nope
             DEBUG DIGEST-VALUE nope other
             DEBUG DIGEST-VALUE
             SELECT 2
             DEBUG DIGEST-VALUE a
             SET a 1
             DEBUG DIGEST-VALUE a",
        );
    }
}

#[test]
fn populate_matches_redis() {
    for shards in [1, 2, 3] {
        let mut d = Diff::new(shards);
        d.script(
            "SET key:5 mine
             DEBUG POPULATE 2000
             DBSIZE
             GET key:5
             GET key:1999
             DEBUG POPULATE 300 pre 3
             GET pre:77
             DEBUG POPULATE 200 pad 20
             GET pad:9
             DEBUG POPULATE 100 pre
             DEBUG POPULATE 0
             SELECT 4
             DEBUG POPULATE 500 four 60
             DBSIZE",
        );
        d.assert_same_digest();
        d.script(
            "DEBUG POPULATE -1
             DEBUG POPULATE abc
             DEBUG POPULATE 3 p -1
             DEBUG POPULATE 3 p x
             DEBUG POPULATE 3 p 1 extra
             DEBUG POPULATE",
        );
        d.assert_same_digest();
    }
}

#[test]
fn errors_help_and_misc_match_redis() {
    let mut d = Diff::new(2);
    d.script(
        "DEBUG
         DEBUG foo
         DEBUG digest extra
         DEBUG help extra
         DEBUG object
         DEBUG object nope
         DEBUG object a b
         DEBUG sleep
         DEBUG sleep 0
         DEBUG sleep 0.01
         DEBUG sleep abc
         DEBUG sleep -1
         DEBUG set-active-expire
         DEBUG set-active-expire 1",
    );
    let help = d.ours.cmd(&["DEBUG", "HELP"]).items();
    assert_eq!(
        help.first(),
        Some(&Value::Simple(
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into()
        ))
    );
    assert_eq!(
        help.last(),
        Some(&Value::Simple("    Prints this help.".into()))
    );
    // DEBUG OBJECT: same fields; the address and lru clock legitimately differ.
    d.script(
        "SET small v
         SET n 123
         SET big 99999
         SET long aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    );
    for key in ["small", "n", "big", "long"] {
        let (a, b) = d.both(&["DEBUG", "OBJECT", key]);
        let strip = |v: &Value| {
            v.as_str()
                .split(' ')
                .filter(|w| !w.starts_with("at:") && !w.starts_with("lru:"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        // Long strings differ in serializedlength only when Redis LZF-compresses them.
        let (mut sa, mut sb) = (strip(&a), strip(&b));
        if key == "long" {
            sa.retain(|w| !w.starts_with("serializedlength:"));
            sb.retain(|w| !w.starts_with("serializedlength:"));
        }
        assert_eq!(sa, sb, "DEBUG OBJECT {key}: {a:?} vs {b:?}");
    }
}

#[test]
fn set_active_expire_0_keeps_expired_keys_until_read() {
    for shards in [1, 2] {
        let s = Server::shardis(shards, &["--hz", "100"]);
        let mut c = s.conn();
        assert_eq!(
            c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
            Value::Simple("OK".into())
        );
        for i in 0..20 {
            c.cmd(&["SET", &format!("k{i}"), "v", "PX", "1"]);
        }
        c.cmd(&["SET", "stay", "v"]);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(21));
        assert_eq!(c.cmd(&["GET", "k3"]), Value::NilBulk);
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(20));
        c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
        wait_for("active expiry resumed", Duration::from_secs(10), || {
            c.cmd(&["DBSIZE"]) == Value::Int(1)
        });
    }
}

#[test]
fn debug_refused_when_not_enabled() {
    let msg = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
    let s = Server::shardis(2, &["--enable-debug-command", "no"]);
    let r = Server::redis(&["--enable-debug-command", "no"]);
    for srv in [&s, &r] {
        let mut c = srv.conn();
        assert_eq!(
            c.cmd(&["DEBUG", "DIGEST"]),
            Value::Error(msg.into()),
            "{}",
            srv.name
        );
        assert_eq!(c.cmd(&["DEBUG", "HELP"]), Value::Error(msg.into()));
    }
    // "local" allows loopback clients, which the tests are.
    let s = Server::shardis(1, &["--enable-debug-command", "local"]);
    assert!(is_digest(&s.conn().cmd(&["DEBUG", "DIGEST"])));
}
