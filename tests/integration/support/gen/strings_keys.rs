//! The string and keyspace families (Redis 7.0's `string` and `generic` groups, minus
//! what cannot be compared: OBJECT IDLETIME/FREQ, DUMP/RESTORE, SORT, WAIT...).

use super::{cmd, Cmp, Family, Gen, PREFIXES};

/// SET's options in random order and combination: conflicting ones give syntax errors.
fn set_opts(g: &mut Gen) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    if g.chance(30) {
        groups.push(vec![g.one_of(&["NX", "XX"])]);
    }
    if g.chance(20) {
        groups.push(vec!["GET".into()]);
    }
    if g.chance(40) {
        groups.push(g.expiry_opt("KEEPTTL"));
    }
    if g.chance(3) {
        groups.push(g.expiry_opt("KEEPTTL"));
    }
    if g.chance(2) {
        groups.push(vec![g.one_of(&["NX", "XX", "FOO"])]);
    }
    g.shuffle(&mut groups);
    groups.concat()
}

fn mset_pairs(g: &mut Gen) -> Vec<String> {
    let n = 1 + g.rng.below(4);
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(g.key());
        v.push(g.val());
    }
    if g.chance(3) {
        v.pop();
    }
    v
}

fn lcs_opts(g: &mut Gen) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    if g.chance(30) {
        groups.push(vec!["LEN".into()]);
    }
    if g.chance(40) {
        groups.push(vec!["IDX".into()]);
    }
    if g.chance(30) {
        groups.push(vec![
            "MINMATCHLEN".into(),
            g.one_of(&["0", "1", "2", "-1", "x"]),
        ]);
    }
    if g.chance(30) {
        groups.push(vec!["WITHMATCHLEN".into()]);
    }
    g.shuffle(&mut groups);
    groups.concat()
}

/// Strings grow by APPEND/SETRANGE; offsets stay small except the over-limit error.
fn offset(g: &mut Gen) -> String {
    g.one_of(&["0", "1", "3", "10", "-1", "abc", "536870912", "100"])
}

pub static STRINGS: Family = Family {
    name: "strings",
    share: 10,
    prefixes: &[""],
    cmds: &[
        cmd("GET", 6, Cmp::Exact, |g| argv!["GET", g.key()]),
        cmd("SET", 10, Cmp::Exact, |g| {
            argv!["SET", g.key(), g.val(), set_opts(g)]
        }),
        cmd("SETNX", 2, Cmp::Exact, |g| argv!["SETNX", g.key(), g.val()]),
        cmd("SETEX", 2, Cmp::Exact, |g| {
            argv!["SETEX", g.key(), g.rel_s(), g.val()]
        }),
        cmd("PSETEX", 1, Cmp::Exact, |g| {
            argv!["PSETEX", g.key(), g.rel_ms(), g.val()]
        }),
        cmd("GETSET", 2, Cmp::Exact, |g| {
            argv!["GETSET", g.key(), g.val()]
        }),
        cmd("GETDEL", 2, Cmp::Exact, |g| argv!["GETDEL", g.key()]),
        cmd("GETEX", 2, Cmp::Exact, |g| {
            let opt = if g.chance(70) {
                g.expiry_opt("PERSIST")
            } else {
                vec![]
            };
            argv!["GETEX", g.key(), opt]
        }),
        cmd("APPEND", 4, Cmp::Exact, |g| {
            argv!["APPEND", g.key(), g.val()]
        }),
        cmd("STRLEN", 2, Cmp::Exact, |g| argv!["STRLEN", g.key()]),
        cmd("SETRANGE", 3, Cmp::Exact, |g| {
            argv!["SETRANGE", g.key(), offset(g), g.val()]
        }),
        cmd("GETRANGE", 3, Cmp::Exact, |g| {
            argv!["GETRANGE", g.key(), g.index(), g.index()]
        }),
        cmd("SUBSTR", 1, Cmp::Exact, |g| {
            argv!["SUBSTR", g.key(), g.index(), g.index()]
        }),
        cmd("INCR", 3, Cmp::Exact, |g| argv!["INCR", g.key()]),
        cmd("DECR", 2, Cmp::Exact, |g| argv!["DECR", g.key()]),
        cmd("INCRBY", 3, Cmp::Exact, |g| {
            argv!["INCRBY", g.key(), g.int()]
        }),
        cmd("DECRBY", 2, Cmp::Exact, |g| {
            argv!["DECRBY", g.key(), g.int()]
        }),
        cmd("INCRBYFLOAT", 3, Cmp::Exact, |g| {
            argv!["INCRBYFLOAT", g.key(), g.float()]
        }),
        cmd("MGET", 3, Cmp::Exact, |g| argv!["MGET", g.keys(1, 4)]),
        cmd("MSET", 3, Cmp::Exact, |g| argv!["MSET", mset_pairs(g)]),
        cmd("MSETNX", 2, Cmp::Exact, |g| argv!["MSETNX", mset_pairs(g)]),
        cmd("LCS", 2, Cmp::Exact, |g| {
            argv!["LCS", g.key(), g.key(), lcs_opts(g)]
        }),
    ],
};

fn expire_flag(g: &mut Gen) -> Vec<String> {
    let mut v = g.maybe(40, &["NX", "XX", "GT", "LT"]);
    if g.chance(3) {
        v.push(g.one_of(&["NX", "GT", "BAD"]));
    }
    v
}

fn copy_opts(g: &mut Gen) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    if g.chance(20) {
        groups.push(vec!["DB".into(), g.one_of(&["0", "1", "1", "x", "99"])]);
    }
    if g.chance(40) {
        groups.push(vec!["REPLACE".into()]);
    }
    g.shuffle(&mut groups);
    groups.concat()
}

fn scan_opts(g: &mut Gen, with_type: bool) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    if g.chance(40) {
        groups.push(vec!["MATCH".into(), g.pattern()]);
    }
    if g.chance(40) {
        groups.push(vec![
            "COUNT".into(),
            g.one_of(&["1", "2", "10", "1000", "0", "x"]),
        ]);
    }
    if with_type && g.chance(30) {
        let t = g.one_of(&["string", "list", "hash", "set", "zset", "nosuch"]);
        groups.push(vec!["TYPE".into(), t]);
    }
    g.shuffle(&mut groups);
    groups.concat()
}

/// A cursor: from the start, or a bad one (an error on the first call). Not "-1": Redis
/// reads it as 2^64-1, a valid cursor whose elements depend on its table's layout.
pub fn cursor(g: &mut Gen) -> String {
    if g.chance(3) {
        g.one_of(&["abc", "1x"])
    } else {
        "0".into()
    }
}

pub fn scan_opts_plain(g: &mut Gen) -> Vec<String> {
    scan_opts(g, false)
}

pub static KEYSPACE: Family = Family {
    name: "keys",
    share: 10,
    prefixes: &PREFIXES,
    cmds: &[
        cmd("DEL", 3, Cmp::Exact, |g| argv!["DEL", g.keys(1, 3)]),
        cmd("UNLINK", 1, Cmp::Exact, |g| argv!["UNLINK", g.keys(1, 3)]),
        cmd("EXISTS", 3, Cmp::Exact, |g| argv!["EXISTS", g.keys(1, 4)]),
        cmd("TOUCH", 1, Cmp::Exact, |g| argv!["TOUCH", g.keys(1, 3)]),
        cmd("TYPE", 3, Cmp::Exact, |g| argv!["TYPE", g.key()]),
        cmd("EXPIRE", 3, Cmp::Exact, |g| {
            argv!["EXPIRE", g.key(), g.rel_s(), expire_flag(g)]
        }),
        cmd("PEXPIRE", 2, Cmp::Exact, |g| {
            argv!["PEXPIRE", g.key(), g.rel_ms(), expire_flag(g)]
        }),
        cmd("EXPIREAT", 2, Cmp::Exact, |g| {
            argv!["EXPIREAT", g.key(), g.abs_s(true), expire_flag(g)]
        }),
        cmd("PEXPIREAT", 2, Cmp::Exact, |g| {
            argv!["PEXPIREAT", g.key(), g.abs_ms(true), expire_flag(g)]
        }),
        cmd("TTL", 2, Cmp::Near(1), |g| argv!["TTL", g.key()]),
        cmd("PTTL", 1, Cmp::Near(2000), |g| argv!["PTTL", g.key()]),
        cmd("EXPIRETIME", 1, Cmp::Near(1), |g| {
            argv!["EXPIRETIME", g.key()]
        }),
        cmd("PEXPIRETIME", 1, Cmp::Near(2000), |g| {
            argv!["PEXPIRETIME", g.key()]
        }),
        cmd("PERSIST", 2, Cmp::Exact, |g| argv!["PERSIST", g.key()]),
        cmd("RENAME", 2, Cmp::Exact, |g| {
            argv!["RENAME", g.key(), g.key()]
        }),
        cmd("RENAMENX", 1, Cmp::Exact, |g| {
            argv!["RENAMENX", g.key(), g.key()]
        }),
        cmd("COPY", 2, Cmp::Exact, |g| {
            argv!["COPY", g.key(), g.key(), copy_opts(g)]
        }),
        cmd("MOVE", 1, Cmp::Exact, |g| {
            argv!["MOVE", g.key(), g.one_of(&["1", "1", "0", "x"])]
        }),
        cmd("OBJECT ENCODING", 3, Cmp::Exact, |g| {
            argv!["OBJECT", "ENCODING", g.key()]
        }),
        cmd("KEYS", 1, Cmp::Sorted, |g| argv!["KEYS", g.pattern()]),
        cmd(
            "SCAN",
            1,
            Cmp::ScanAll {
                cursor_at: 1,
                pairs: false,
            },
            |g| argv!["SCAN", cursor(g), scan_opts(g, true)],
        ),
        cmd("RANDOMKEY", 1, Cmp::Shape, |_| argv!["RANDOMKEY"]),
        cmd("DBSIZE", 1, Cmp::Exact, |_| argv!["DBSIZE"]),
        cmd("FLUSHDB", 1, Cmp::Exact, |_| argv!["FLUSHDB"]),
    ],
};
