//! A dataset with every type in its small and big encodings, in several databases, with
//! TTLs: what persistence and replication tests load, save, sync and compare.

use super::Value;

fn ok() -> Value {
    Value::Simple("OK".into())
}

/// Far in the future (2100), so the TTL survives every restart.
pub const AT: &str = "4102444800000";

/// Every type in small and big encodings, in several databases, some keys with TTLs.
pub fn populate(c: &mut super::Conn) {
    for db in ["0", "1", "9"] {
        assert_eq!(c.cmd(&["SELECT", db]), ok());
        let run = |c: &mut super::Conn, w: &[&str]| {
            let r = c.cmd(w);
            assert!(!r.is_error(), "{w:?}: {r:?}");
        };
        run(c, &["SET", "s:int", "12345"]);
        run(c, &["SET", "s:raw", &"abc".repeat(40)]);
        run(c, &["SET", "s:ttl", "v", "PXAT", AT]);
        run(c, &["SET", &format!("s:db{db}"), db]);
        run(c, &["RPUSH", "l:small", "a", "1", "-5000", ""]);
        run(c, &["SADD", "set:int", "1", "2", "-70000"]);
        run(c, &["SADD", "set:str", "a", "b", "1"]);
        run(c, &["HSET", "h:small", "f1", "v1", "n", "300000"]);
        run(c, &["ZADD", "z:small", "-0", "a", "2.5", "c", "inf", "d"]);
        run(c, &["PEXPIREAT", "z:small", AT]);
        let mut l = vec!["RPUSH".to_string(), "l:big".into()];
        l.extend((0..600).map(|i| format!("{i}-{}", "v".repeat(i % 30))));
        let mut s = vec!["SADD".to_string(), "set:big".into()];
        s.extend((0..600).map(|i| format!("m{i}")));
        let mut h = vec!["HSET".to_string(), "h:big".into()];
        for i in 0..300 {
            h.push(format!("field:{i}"));
            h.push(format!("{}", i * 3));
        }
        let mut z = vec!["ZADD".to_string(), "z:big".into()];
        for i in 0..200 {
            z.push(format!("{}", (i as f64) / 7.0));
            z.push(format!("member:{i}"));
        }
        for cmd in [l, s, h, z] {
            let w: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
            run(c, &w);
        }
        // Keys spread over shards.
        for i in 0..50 {
            run(c, &["SET", &format!("k{i}"), &format!("v{i}")]);
        }
    }
    c.cmd(&["SELECT", "0"]);
}

/// Keys of [`populate`] in each encoding.
pub const ENCODED: &[&str] = &[
    "s:int", "s:raw", "l:small", "l:big", "set:int", "set:str", "set:big", "h:small", "h:big",
    "z:small", "z:big",
];
