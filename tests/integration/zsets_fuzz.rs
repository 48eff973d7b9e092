//! Sorted sets against real Redis: seeded random command sequences (no random replies)
//! over a few keys, with small encoding limits so sets convert along the way.

use crate::support::rng::Rng;
use crate::support::Diff;
const KEYS: &[&str] = &["foo", "bar", "{foo}x"];
const SCORES: &[&str] = &[
    "0", "1", "2", "2.5", "-1", "10", "-0", "inf", "-inf", "1e10", "0.1",
];
const BOUNDS: &[&str] = &[
    "-inf", "+inf", "0", "(0", "1", "(2", "2.5", "(10", "-1", "100",
];
const LEX: &[&str] = &["-", "+", "[m1", "(m1", "[m5", "(m15", "[m2", "[", "(m"];

fn member(r: &mut Rng) -> String {
    if r.below(10) == 0 {
        format!("longmember{}", r.below(5))
    } else {
        format!("m{}", r.below(25))
    }
}

fn command(r: &mut Rng) -> Vec<String> {
    let key = r.pick(KEYS).to_string();
    let s = |v: &str| v.to_string();
    match r.below(22) {
        0..=3 => {
            let mut c = vec![s("ZADD"), key];
            for flag in ["NX", "XX", "GT", "LT", "CH"] {
                if r.below(8) == 0 {
                    c.push(s(flag));
                }
            }
            for _ in 0..1 + r.below(3) {
                c.push(s(r.pick(SCORES)));
                c.push(member(r));
            }
            c
        }
        4 => vec![s("ZINCRBY"), key, s(r.pick(SCORES)), member(r)],
        5 => vec![s("ZREM"), key, member(r), member(r)],
        6 => {
            let mut c = vec![
                s("ZRANGE"),
                key,
                (r.below(12) as i64 - 6).to_string(),
                (r.below(12) as i64 - 6).to_string(),
            ];
            if r.below(2) == 0 {
                c.push(s("REV"));
            }
            if r.below(2) == 0 {
                c.push(s("WITHSCORES"));
            }
            c
        }
        7 | 8 => {
            let rev = r.below(2) == 0;
            let mut c = vec![
                s(if rev {
                    "ZREVRANGEBYSCORE"
                } else {
                    "ZRANGEBYSCORE"
                }),
                key,
                s(r.pick(BOUNDS)),
                s(r.pick(BOUNDS)),
                s("WITHSCORES"),
            ];
            if r.below(2) == 0 {
                c.extend([
                    s("LIMIT"),
                    r.below(5).to_string(),
                    (r.below(6) as i64 - 1).to_string(),
                ]);
            }
            c
        }
        9 => vec![s("ZCOUNT"), key, s(r.pick(BOUNDS)), s(r.pick(BOUNDS))],
        10 => vec![s(r.pick(&["ZRANK", "ZREVRANK", "ZSCORE"])), key, member(r)],
        11 => vec![
            s(r.pick(&["ZPOPMIN", "ZPOPMAX"])),
            key,
            r.below(4).to_string(),
        ],
        12 => vec![
            s("ZREMRANGEBYRANK"),
            key,
            (r.below(8) as i64 - 4).to_string(),
            (r.below(8) as i64 - 4).to_string(),
        ],
        13 => vec![
            s("ZREMRANGEBYSCORE"),
            key,
            s(r.pick(BOUNDS)),
            s(r.pick(BOUNDS)),
        ],
        14 | 15 => {
            let op = r.pick(&["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]);
            let mut c = vec![s(op), key, s("2"), s(r.pick(KEYS)), s(r.pick(KEYS))];
            if op != "ZDIFFSTORE" && r.below(2) == 0 {
                c.extend([
                    s("WEIGHTS"),
                    s(r.pick(SCORES)),
                    s(r.pick(&["1", "2", "-1"])),
                ]);
            }
            if op != "ZDIFFSTORE" && r.below(2) == 0 {
                c.extend([s("AGGREGATE"), s(r.pick(&["SUM", "MIN", "MAX"]))]);
            }
            c
        }
        16 => vec![
            s("ZRANGESTORE"),
            key,
            s(r.pick(KEYS)),
            s(r.pick(BOUNDS)),
            s(r.pick(BOUNDS)),
            s("BYSCORE"),
        ],
        17 => vec![s("OBJECT"), s("ENCODING"), key],
        // Lex commands on a set whose scores are all equal (Redis's precondition).
        18 => vec![s("ZADD"), s("lex"), s("0"), member(r)],
        19 => {
            let rev = r.below(2) == 0;
            let mut c = vec![
                s(if rev { "ZREVRANGEBYLEX" } else { "ZRANGEBYLEX" }),
                s("lex"),
                s(r.pick(LEX)),
                s(r.pick(LEX)),
            ];
            if r.below(2) == 0 {
                c.extend([
                    s("LIMIT"),
                    r.below(4).to_string(),
                    (r.below(5) as i64 - 1).to_string(),
                ]);
            }
            c
        }
        20 => vec![
            s(r.pick(&["ZLEXCOUNT", "ZREMRANGEBYLEX"])),
            s("lex"),
            s(r.pick(LEX)),
            s(r.pick(LEX)),
        ],
        _ => vec![
            s(r.pick(&["ZUNION", "ZINTER", "ZDIFF"])),
            s("3"),
            s(r.pick(KEYS)),
            s(r.pick(KEYS)),
            s(r.pick(KEYS)),
            s("WITHSCORES"),
        ],
    }
}

#[test]
fn random_sequences_match_redis() {
    for (shards, seed) in [
        (1, 0x9E37_79B9u64),
        (2, 0x1234_5678),
        (1, 77),
        (2, 4242),
        (2, 99991),
        (1, 31337),
    ] {
        let mut d = Diff::new(shards);
        d.check(&["CONFIG", "SET", "zset-max-listpack-entries", "8"]);
        d.check(&["CONFIG", "SET", "zset-max-listpack-value", "6"]);
        let mut r = Rng(seed);
        for _ in 0..2500 {
            let c = command(&mut r);
            let args: Vec<&str> = c.iter().map(String::as_str).collect();
            d.check(&args);
        }
        for key in KEYS.iter().chain(&["lex"]) {
            d.check(&["ZRANGE", key, "0", "-1", "WITHSCORES"]);
        }
    }
}
