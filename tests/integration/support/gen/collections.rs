//! The collection families, from Redis 7.0's command reference (`commands/*.json`): every
//! deterministic list, hash, set and sorted-set command with its options, and the
//! blocking pops with short timeouts.

use super::strings_keys::{cursor, scan_opts_plain};
use super::{cmd, CmdGen, Cmp, Family, Gen};

const fn blocking(name: &'static str, weight: u32, make: fn(&mut Gen) -> Vec<String>) -> CmdGen {
    CmdGen {
        name,
        weight,
        cmp: Cmp::Exact,
        mutate: false,
        make,
    }
}

fn left_right(g: &mut Gen) -> String {
    g.one_of(&["LEFT", "RIGHT", "LEFT", "RIGHT", "UP"])
}

fn lpos_opts(g: &mut Gen) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    if g.chance(30) {
        // Not LONG_MIN: Redis 7.0 negates it (signed overflow, undefined behaviour).
        let r = g.one_of(&["1", "2", "-1", "-2", "0", "x", "9223372036854775807"]);
        groups.push(vec!["RANK".into(), r]);
    }
    if g.chance(30) {
        groups.push(vec!["COUNT".into(), g.one_of(&["0", "1", "2", "-1", "x"])]);
    }
    if g.chance(20) {
        groups.push(vec!["MAXLEN".into(), g.one_of(&["0", "1", "3", "-1", "x"])]);
    }
    g.shuffle(&mut groups);
    groups.concat()
}

/// `[COUNT n]` for the *MPOP commands.
fn mpop_count(g: &mut Gen) -> Vec<String> {
    if g.chance(50) {
        vec!["COUNT".into(), g.one_of(&["1", "2", "5", "0", "-1", "x"])]
    } else {
        vec![]
    }
}

fn pairs(
    g: &mut Gen,
    max: u64,
    first: fn(&mut Gen) -> String,
    second: fn(&mut Gen) -> String,
) -> Vec<String> {
    let n = 1 + g.rng.below(max);
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(first(g));
        v.push(second(g));
    }
    if g.chance(3) {
        v.pop();
    }
    v
}

pub static LISTS: Family = Family {
    name: "lists",
    share: 10,
    prefixes: &["l"],
    cmds: &[
        cmd("LPUSH", 6, Cmp::Exact, |g| {
            argv!["LPUSH", g.key(), g.members(1, 5)]
        }),
        cmd("RPUSH", 6, Cmp::Exact, |g| {
            argv!["RPUSH", g.key(), g.members(1, 5)]
        }),
        cmd("LPUSHX", 2, Cmp::Exact, |g| {
            argv!["LPUSHX", g.key(), g.members(1, 3)]
        }),
        cmd("RPUSHX", 2, Cmp::Exact, |g| {
            argv!["RPUSHX", g.key(), g.members(1, 3)]
        }),
        cmd("LPOP", 3, Cmp::Exact, |g| {
            argv![
                "LPOP",
                g.key(),
                g.maybe(40, &["0", "1", "2", "5", "-1", "x"])
            ]
        }),
        cmd("RPOP", 3, Cmp::Exact, |g| {
            argv![
                "RPOP",
                g.key(),
                g.maybe(40, &["0", "1", "2", "5", "-1", "x"])
            ]
        }),
        cmd("LLEN", 2, Cmp::Exact, |g| argv!["LLEN", g.key()]),
        cmd("LINDEX", 3, Cmp::Exact, |g| {
            argv!["LINDEX", g.key(), g.index()]
        }),
        cmd("LRANGE", 4, Cmp::Exact, |g| {
            argv!["LRANGE", g.key(), g.index(), g.index()]
        }),
        cmd("LSET", 2, Cmp::Exact, |g| {
            argv!["LSET", g.key(), g.index(), g.member()]
        }),
        cmd("LINSERT", 2, Cmp::Exact, |g| {
            let wh = g.one_of(&["BEFORE", "AFTER", "before", "MIDDLE"]);
            argv!["LINSERT", g.key(), wh, g.member(), g.member()]
        }),
        cmd("LREM", 2, Cmp::Exact, |g| {
            argv![
                "LREM",
                g.key(),
                g.one_of(&["0", "1", "2", "-1", "-2", "x"]),
                g.member()
            ]
        }),
        cmd("LTRIM", 1, Cmp::Exact, |g| {
            argv!["LTRIM", g.key(), g.index(), g.index()]
        }),
        cmd("LPOS", 2, Cmp::Exact, |g| {
            argv!["LPOS", g.key(), g.member(), lpos_opts(g)]
        }),
        cmd("RPOPLPUSH", 2, Cmp::Exact, |g| {
            argv!["RPOPLPUSH", g.key(), g.key()]
        }),
        cmd("LMOVE", 2, Cmp::Exact, |g| {
            argv!["LMOVE", g.key(), g.key(), left_right(g), left_right(g)]
        }),
        cmd("LMPOP", 2, Cmp::Exact, |g| {
            argv!["LMPOP", g.numkeys(1, 3), left_right(g), mpop_count(g)]
        }),
    ],
};

pub static HASHES: Family = Family {
    name: "hashes",
    share: 10,
    prefixes: &["h"],
    cmds: &[
        cmd("HSET", 8, Cmp::Exact, |g| {
            argv!["HSET", g.key(), pairs(g, 4, Gen::field, Gen::val)]
        }),
        cmd("HMSET", 2, Cmp::Exact, |g| {
            argv!["HMSET", g.key(), pairs(g, 3, Gen::field, Gen::val)]
        }),
        cmd("HSETNX", 2, Cmp::Exact, |g| {
            argv!["HSETNX", g.key(), g.field(), g.val()]
        }),
        cmd("HGET", 3, Cmp::Exact, |g| argv!["HGET", g.key(), g.field()]),
        cmd("HMGET", 2, Cmp::Exact, |g| {
            let n = 1 + g.rng.below(4);
            let fields: Vec<String> = (0..n).map(|_| g.field()).collect();
            argv!["HMGET", g.key(), fields]
        }),
        cmd("HDEL", 3, Cmp::Exact, |g| {
            let n = 1 + g.rng.below(3);
            let fields: Vec<String> = (0..n).map(|_| g.field()).collect();
            argv!["HDEL", g.key(), fields]
        }),
        cmd("HLEN", 2, Cmp::Exact, |g| argv!["HLEN", g.key()]),
        cmd("HSTRLEN", 2, Cmp::Exact, |g| {
            argv!["HSTRLEN", g.key(), g.field()]
        }),
        cmd("HEXISTS", 2, Cmp::Exact, |g| {
            argv!["HEXISTS", g.key(), g.field()]
        }),
        cmd(
            "HKEYS",
            2,
            Cmp::UnorderedIfHashtable { pairs: false },
            |g| argv!["HKEYS", g.key()],
        ),
        cmd(
            "HVALS",
            2,
            Cmp::UnorderedIfHashtable { pairs: false },
            |g| argv!["HVALS", g.key()],
        ),
        cmd(
            "HGETALL",
            3,
            Cmp::UnorderedIfHashtable { pairs: true },
            |g| argv!["HGETALL", g.key()],
        ),
        cmd("HINCRBY", 3, Cmp::Exact, |g| {
            argv!["HINCRBY", g.key(), g.field(), g.int()]
        }),
        cmd("HINCRBYFLOAT", 3, Cmp::Exact, |g| {
            argv!["HINCRBYFLOAT", g.key(), g.field(), g.float()]
        }),
        cmd("HRANDFIELD", 2, Cmp::Shape, |g| {
            let mut v = argv!["HRANDFIELD", g.key()];
            if g.chance(60) {
                v.push(g.small_count());
                if g.chance(50) {
                    v.push(g.one_of(&["WITHVALUES", "WITHVALUES", "BAD"]));
                }
            }
            v
        }),
        cmd(
            "HSCAN",
            2,
            Cmp::ScanAll {
                cursor_at: 2,
                pairs: true,
            },
            |g| argv!["HSCAN", g.key(), cursor(g), scan_opts_plain(g)],
        ),
    ],
};

pub static SETS: Family = Family {
    name: "sets",
    share: 10,
    prefixes: &["s"],
    cmds: &[
        cmd("SADD", 8, Cmp::Exact, |g| {
            argv!["SADD", g.key(), g.members(1, 5)]
        }),
        cmd("SREM", 3, Cmp::Exact, |g| {
            argv!["SREM", g.key(), g.members(1, 3)]
        }),
        cmd("SCARD", 2, Cmp::Exact, |g| argv!["SCARD", g.key()]),
        cmd("SISMEMBER", 2, Cmp::Exact, |g| {
            argv!["SISMEMBER", g.key(), g.member()]
        }),
        cmd("SMISMEMBER", 2, Cmp::Exact, |g| {
            argv!["SMISMEMBER", g.key(), g.members(1, 4)]
        }),
        cmd(
            "SMEMBERS",
            3,
            Cmp::UnorderedIfHashtable { pairs: false },
            |g| argv!["SMEMBERS", g.key()],
        ),
        cmd("SMOVE", 2, Cmp::Exact, |g| {
            argv!["SMOVE", g.key(), g.key(), g.member()]
        }),
        cmd("SINTER", 2, Cmp::Sorted, |g| argv!["SINTER", g.keys(1, 3)]),
        cmd("SUNION", 2, Cmp::Sorted, |g| argv!["SUNION", g.keys(1, 3)]),
        cmd("SDIFF", 2, Cmp::Sorted, |g| argv!["SDIFF", g.keys(1, 3)]),
        cmd("SINTERSTORE", 1, Cmp::Exact, |g| {
            argv!["SINTERSTORE", g.key(), g.keys(1, 3)]
        }),
        cmd("SUNIONSTORE", 1, Cmp::Exact, |g| {
            argv!["SUNIONSTORE", g.key(), g.keys(1, 3)]
        }),
        cmd("SDIFFSTORE", 1, Cmp::Exact, |g| {
            argv!["SDIFFSTORE", g.key(), g.keys(1, 3)]
        }),
        cmd("SINTERCARD", 2, Cmp::Exact, |g| {
            let limit = if g.chance(40) {
                vec!["LIMIT".into(), g.one_of(&["0", "1", "2", "-1", "x"])]
            } else {
                vec![]
            };
            argv!["SINTERCARD", g.numkeys(1, 3), limit]
        }),
        cmd("SRANDMEMBER", 2, Cmp::Shape, |g| {
            let count = g.maybe(60, &["0", "1", "2", "3", "5", "20", "-1", "-2", "-5", "x"]);
            argv!["SRANDMEMBER", g.key(), count]
        }),
        cmd(
            "SSCAN",
            1,
            Cmp::ScanAll {
                cursor_at: 2,
                pairs: false,
            },
            |g| argv!["SSCAN", g.key(), cursor(g), scan_opts_plain(g)],
        ),
    ],
};

fn zadd_opts(g: &mut Gen) -> Vec<String> {
    let mut v = Vec::new();
    for (p, words) in [
        (25, &["NX", "XX"][..]),
        (20, &["GT", "LT"][..]),
        (20, &["CH"][..]),
        (10, &["INCR"][..]),
        (2, &["BAD", "NX"][..]),
    ] {
        v.extend(g.maybe(p, words));
    }
    g.shuffle(&mut v);
    v
}

fn limit(g: &mut Gen) -> Vec<String> {
    if g.chance(35) {
        let off = g.one_of(&["0", "1", "2", "-1", "x"]);
        let n = g.one_of(&["0", "1", "2", "3", "-1", "-5", "x"]);
        vec!["LIMIT".into(), off, n]
    } else {
        vec![]
    }
}

fn withscores(g: &mut Gen) -> Vec<String> {
    g.maybe(40, &["WITHSCORES"])
}

/// ZRANGE / ZRANGESTORE's `key min max [BYSCORE|BYLEX] [REV] [LIMIT o c]`, bounds mostly
/// of the mode's kind, a lex key for BYLEX.
fn zrange_args(g: &mut Gen) -> Vec<String> {
    let mode = g.rng.below(3);
    let key = if mode == 2 { g.lex_key() } else { g.key() };
    let (a, b) = match (mode, g.chance(90)) {
        (0, true) => (g.index(), g.index()),
        (1, true) => (g.score_bound(), g.score_bound()),
        (2, true) => (g.lex_bound(), g.lex_bound()),
        _ => (g.score_bound(), g.lex_bound()),
    };
    let mut opts: Vec<Vec<String>> = Vec::new();
    match mode {
        1 => opts.push(vec!["BYSCORE".into()]),
        2 => opts.push(vec!["BYLEX".into()]),
        _ => {}
    }
    if g.chance(30) {
        opts.push(vec!["REV".into()]);
    }
    let l = limit(g);
    if !l.is_empty() {
        opts.push(l);
    }
    if g.chance(3) {
        opts.push(vec![g.one_of(&["BYSCORE", "BYLEX", "FOO"])]);
    }
    g.shuffle(&mut opts);
    argv![key, a, b, opts.concat()]
}

/// `[WEIGHTS w...] [AGGREGATE SUM|MIN|MAX]` for ZUNION/ZINTER(STORE); `n` keys.
fn weights_aggregate(g: &mut Gen, n: usize) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    if g.chance(35) {
        let m = if g.chance(90) { n } else { n.saturating_sub(1) };
        let mut w = vec!["WEIGHTS".to_string()];
        for _ in 0..m {
            w.push(g.one_of(&["1", "2", "0", "-1", "0.5", "inf", "-inf", "nan", "x"]));
        }
        groups.push(w);
    }
    if g.chance(35) {
        let agg = g.one_of(&["SUM", "MIN", "MAX", "sum", "AVG"]);
        groups.push(vec!["AGGREGATE".into(), agg]);
    }
    g.shuffle(&mut groups);
    groups.concat()
}

/// `numkeys key... [WEIGHTS..] [AGGREGATE..]`.
fn zsetop(g: &mut Gen) -> Vec<String> {
    let nk = g.numkeys(1, 3);
    let n = nk.len() - 1;
    argv![nk, weights_aggregate(g, n)]
}

pub static ZSETS: Family = Family {
    name: "zsets",
    share: 10,
    prefixes: &["z", "z", "x", "s"],
    cmds: &[
        cmd("ZADD", 10, Cmp::Exact, |g| {
            // Lex keys get one score for all members (see `Gen::lex_key`).
            let key = g.key();
            let score: fn(&mut Gen) -> String = if key.starts_with('x') && g.chance(95) {
                |_| "0".to_string()
            } else {
                Gen::score
            };
            argv!["ZADD", key, zadd_opts(g), pairs(g, 4, score, Gen::member)]
        }),
        cmd("ZINCRBY", 3, Cmp::Exact, |g| {
            argv!["ZINCRBY", g.key(), g.score(), g.member()]
        }),
        cmd("ZCARD", 2, Cmp::Exact, |g| argv!["ZCARD", g.key()]),
        cmd("ZSCORE", 2, Cmp::Exact, |g| {
            argv!["ZSCORE", g.key(), g.member()]
        }),
        cmd("ZMSCORE", 2, Cmp::Exact, |g| {
            argv!["ZMSCORE", g.key(), g.members(1, 4)]
        }),
        cmd("ZRANK", 2, Cmp::Exact, |g| {
            argv!["ZRANK", g.key(), g.member()]
        }),
        cmd("ZREVRANK", 1, Cmp::Exact, |g| {
            argv!["ZREVRANK", g.key(), g.member()]
        }),
        cmd("ZCOUNT", 2, Cmp::Exact, |g| {
            argv!["ZCOUNT", g.key(), g.score_bound(), g.score_bound()]
        }),
        cmd("ZLEXCOUNT", 2, Cmp::Exact, |g| {
            argv!["ZLEXCOUNT", g.lex_key(), g.lex_bound(), g.lex_bound()]
        }),
        cmd("ZREM", 3, Cmp::Exact, |g| {
            argv!["ZREM", g.key(), g.members(1, 3)]
        }),
        cmd("ZREMRANGEBYRANK", 1, Cmp::Exact, |g| {
            argv!["ZREMRANGEBYRANK", g.key(), g.index(), g.index()]
        }),
        cmd("ZREMRANGEBYSCORE", 1, Cmp::Exact, |g| {
            argv![
                "ZREMRANGEBYSCORE",
                g.key(),
                g.score_bound(),
                g.score_bound()
            ]
        }),
        cmd("ZREMRANGEBYLEX", 1, Cmp::Exact, |g| {
            argv!["ZREMRANGEBYLEX", g.lex_key(), g.lex_bound(), g.lex_bound()]
        }),
        cmd("ZRANGE", 6, Cmp::Exact, |g| {
            argv!["ZRANGE", zrange_args(g), withscores(g)]
        }),
        cmd("ZRANGESTORE", 2, Cmp::Exact, |g| {
            argv!["ZRANGESTORE", g.key(), zrange_args(g)]
        }),
        cmd("ZRANGEBYSCORE", 3, Cmp::Exact, |g| {
            let mut o = vec![withscores(g), limit(g)];
            g.shuffle(&mut o);
            argv![
                "ZRANGEBYSCORE",
                g.key(),
                g.score_bound(),
                g.score_bound(),
                o.concat()
            ]
        }),
        cmd("ZREVRANGEBYSCORE", 2, Cmp::Exact, |g| {
            let mut o = vec![withscores(g), limit(g)];
            g.shuffle(&mut o);
            argv![
                "ZREVRANGEBYSCORE",
                g.key(),
                g.score_bound(),
                g.score_bound(),
                o.concat()
            ]
        }),
        cmd("ZRANGEBYLEX", 2, Cmp::Exact, |g| {
            argv![
                "ZRANGEBYLEX",
                g.lex_key(),
                g.lex_bound(),
                g.lex_bound(),
                limit(g)
            ]
        }),
        cmd("ZREVRANGEBYLEX", 2, Cmp::Exact, |g| {
            argv![
                "ZREVRANGEBYLEX",
                g.lex_key(),
                g.lex_bound(),
                g.lex_bound(),
                limit(g)
            ]
        }),
        cmd("ZREVRANGE", 2, Cmp::Exact, |g| {
            argv!["ZREVRANGE", g.key(), g.index(), g.index(), withscores(g)]
        }),
        cmd("ZPOPMIN", 2, Cmp::Exact, |g| {
            argv![
                "ZPOPMIN",
                g.key(),
                g.maybe(50, &["0", "1", "2", "5", "-1", "x"])
            ]
        }),
        cmd("ZPOPMAX", 2, Cmp::Exact, |g| {
            argv![
                "ZPOPMAX",
                g.key(),
                g.maybe(50, &["0", "1", "2", "5", "-1", "x"])
            ]
        }),
        cmd("ZMPOP", 2, Cmp::Exact, |g| {
            let which = g.one_of(&["MIN", "MAX", "min", "MID"]);
            argv!["ZMPOP", g.numkeys(1, 3), which, mpop_count(g)]
        }),
        cmd("ZUNION", 2, Cmp::Exact, |g| {
            argv!["ZUNION", zsetop(g), withscores(g)]
        }),
        cmd("ZINTER", 2, Cmp::Exact, |g| {
            argv!["ZINTER", zsetop(g), withscores(g)]
        }),
        cmd("ZDIFF", 2, Cmp::Exact, |g| {
            argv!["ZDIFF", g.numkeys(1, 3), withscores(g)]
        }),
        cmd("ZUNIONSTORE", 1, Cmp::Exact, |g| {
            argv!["ZUNIONSTORE", g.key(), zsetop(g)]
        }),
        cmd("ZINTERSTORE", 1, Cmp::Exact, |g| {
            argv!["ZINTERSTORE", g.key(), zsetop(g)]
        }),
        cmd("ZDIFFSTORE", 1, Cmp::Exact, |g| {
            argv!["ZDIFFSTORE", g.key(), g.numkeys(1, 3)]
        }),
        cmd("ZINTERCARD", 1, Cmp::Exact, |g| {
            let limit = if g.chance(40) {
                vec!["LIMIT".into(), g.one_of(&["0", "1", "2", "-1", "x"])]
            } else {
                vec![]
            };
            argv!["ZINTERCARD", g.numkeys(1, 3), limit]
        }),
        cmd("ZRANDMEMBER", 2, Cmp::Shape, |g| {
            let mut v = argv!["ZRANDMEMBER", g.key()];
            if g.chance(60) {
                v.push(g.small_count());
                if g.chance(50) {
                    v.push(g.one_of(&["WITHSCORES", "WITHSCORES", "BAD"]));
                }
            }
            v
        }),
        cmd(
            "ZSCAN",
            1,
            Cmp::ScanAll {
                cursor_at: 2,
                pairs: true,
            },
            |g| argv!["ZSCAN", g.key(), cursor(g), scan_opts_plain(g)],
        ),
    ],
};

/// Never 0 (forever); the short ones time out on an empty key with a nil reply.
fn timeout(g: &mut Gen) -> String {
    g.one_of(&["0.01", "0.01", "0.02", "-1", "x"])
}

pub static BLOCKING: Family = Family {
    name: "blocking",
    share: 2,
    prefixes: &["l", "z"],
    cmds: &[
        blocking("BLPOP", 2, |g| argv!["BLPOP", g.keys(1, 3), timeout(g)]),
        blocking("BRPOP", 2, |g| argv!["BRPOP", g.keys(1, 3), timeout(g)]),
        blocking("BRPOPLPUSH", 1, |g| {
            argv!["BRPOPLPUSH", g.key(), g.key(), timeout(g)]
        }),
        blocking("BLMOVE", 1, |g| {
            argv![
                "BLMOVE",
                g.key(),
                g.key(),
                left_right(g),
                left_right(g),
                timeout(g)
            ]
        }),
        blocking("BLMPOP", 1, |g| {
            argv![
                "BLMPOP",
                timeout(g),
                g.numkeys(1, 3),
                left_right(g),
                mpop_count(g)
            ]
        }),
        blocking("BZPOPMIN", 1, |g| {
            argv!["BZPOPMIN", g.keys(1, 3), timeout(g)]
        }),
        blocking("BZPOPMAX", 1, |g| {
            argv!["BZPOPMAX", g.keys(1, 3), timeout(g)]
        }),
        blocking("BZMPOP", 1, |g| {
            let which = g.one_of(&["MIN", "MAX", "MID"]);
            argv!["BZMPOP", timeout(g), g.numkeys(1, 3), which, mpop_count(g)]
        }),
    ],
};
