//! The record each command produces, run in process on a keyspace exactly as
//! `ShardCtx::exec_only` finishes it: keys found expired as `DEL`, the `alsoPropagate`d
//! commands, then the command's own record if it changed something (as Redis 7.0's
//! `call()` decides from `server.dirty`).

use bytes::{Bytes, BytesMut};

use super::{Ops, Prop};
use crate::commands::{lookup, ExecCtx, Run};
use crate::protocol::Reply;
use crate::storage::Keyspace;

const NOW: u64 = 1_700_000_000_000;

/// Runs `line` (words split by spaces) at time `now` and returns its reply and records.
fn run_at(ks: &mut Keyspace, line: &str, now: u64) -> (String, Vec<String>) {
    let args: Vec<Bytes> = line
        .split(' ')
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect();
    let spec = lookup(&args[0]).expect("known command");
    let f = match spec.run {
        Run::Shard(f) | Run::Split(f, _) | Run::ShardOr(f, _) => f,
        Run::Coord(_) => panic!("{line}: a coordinator command"),
    };
    let mut buf = BytesMut::new();
    let mut prop = Prop::default();
    let before = ks.dbs[0].changes;
    let mut ctx = ExecCtx {
        ks,
        db: 0,
        now_ms: now,
        out: Reply::new(&mut buf, false),
        prop: &mut prop,
    };
    f(&mut ctx, &args);
    let own = prop.finish(spec, &buf, ks.dbs[0].changes != before);
    let mut ops = Ops::default();
    for key in std::mem::take(&mut ks.dbs[0].expired_log) {
        ops.push(0, &[&b"DEL"[..], &key]);
    }
    ops.extend(&prop.also);
    if own {
        prop.push_own(&mut ops, 0, &args);
    }
    let records = ops.commands().into_iter().map(|c| c.join(" ")).collect();
    (String::from_utf8_lossy(&buf).into_owned(), records)
}

fn run(ks: &mut Keyspace, line: &str) -> Vec<String> {
    run_at(ks, line, NOW).1
}

fn ks() -> Keyspace {
    Keyspace::new(1, 3)
}

#[test]
fn strings_rewrite_relative_times_and_replies() {
    let mut k = ks();
    assert_eq!(run(&mut k, "set a v"), ["set a v"]);
    assert_eq!(
        run(&mut k, "set a v"),
        ["set a v"],
        "the same value still counts"
    );
    assert_eq!(run(&mut k, "set a v NX"), [""; 0]);
    assert_eq!(run(&mut k, "set b v XX"), [""; 0]);
    assert_eq!(
        run(&mut k, "set a w EX 100"),
        ["SET a w PXAT 1700000100000"]
    );
    assert_eq!(
        run(&mut k, "set a w PXAT 1800000000000 GET"),
        ["SET a w PXAT 1800000000000"]
    );
    assert_eq!(run(&mut k, "set a x get KEEPTTL GET"), ["set a x KEEPTTL"]);
    assert_eq!(run(&mut k, "setex b 10 v"), ["SET b v PXAT 1700000010000"]);
    assert_eq!(run(&mut k, "psetex b 10 v"), ["SET b v PXAT 1700000000010"]);
    assert_eq!(run(&mut k, "setnx b v"), [""; 0]);
    assert_eq!(run(&mut k, "getset b w"), ["SET b w"]);
    assert_eq!(run(&mut k, "getdel b"), ["DEL b"]);
    assert_eq!(run(&mut k, "getdel b"), [""; 0]);
    assert_eq!(run(&mut k, "set n 1"), ["set n 1"]);
    assert_eq!(run(&mut k, "incrbyfloat n 0.5"), ["SET n 1.5 KEEPTTL"]);
    assert_eq!(run(&mut k, "incr n"), [""; 0], "an error changes nothing");
    assert_eq!(run(&mut k, "append n x"), ["append n x"]);
}

#[test]
fn getex_goes_out_as_what_it_did() {
    let mut k = ks();
    run(&mut k, "set g v");
    assert_eq!(run(&mut k, "getex g"), [""; 0]);
    assert_eq!(run(&mut k, "getex nokey EX 10"), [""; 0]);
    assert_eq!(run(&mut k, "getex g EX 10"), ["PEXPIREAT g 1700000010000"]);
    assert_eq!(run(&mut k, "getex g PERSIST"), ["PERSIST g"]);
    assert_eq!(run(&mut k, "getex g PERSIST"), [""; 0], "no TTL to remove");
    assert_eq!(run(&mut k, "getex g PXAT 5"), ["DEL g"]);
}

#[test]
fn expire_family_becomes_pexpireat_or_del() {
    let mut k = ks();
    run(&mut k, "set e v");
    assert_eq!(run(&mut k, "expire nokey 10"), [""; 0]);
    assert_eq!(run(&mut k, "expire e 10"), ["PEXPIREAT e 1700000010000"]);
    assert_eq!(run(&mut k, "expire e 10 NX"), [""; 0], "refused");
    assert_eq!(
        run(&mut k, "pexpire e 20000 xx"),
        ["PEXPIREAT e 1700000020000 xx"],
        "the options are kept"
    );
    assert_eq!(
        run(&mut k, "pexpireat e 1800000000000"),
        ["PEXPIREAT e 1800000000000"]
    );
    assert_eq!(
        run(&mut k, "expireat e 1900000000"),
        ["PEXPIREAT e 1900000000000"]
    );
    assert_eq!(run(&mut k, "persist e"), ["persist e"]);
    assert_eq!(run(&mut k, "persist e"), [""; 0]);
    assert_eq!(run(&mut k, "expire e -1"), ["DEL e"]);
}

#[test]
fn keys_found_expired_go_out_first() {
    let mut k = ks();
    run(&mut k, "set t v PX 10");
    let later = NOW + 100;
    // A read that finds it expired: its DEL alone.
    assert_eq!(run_at(&mut k, "get t", later).1, ["DEL t"]);
    run(&mut k, "set t v PX 10");
    // A write over it: DEL then the write (one MULTI ... EXEC record once appended).
    assert_eq!(run_at(&mut k, "set t w", later).1, ["DEL t", "set t w"]);
    run(&mut k, "set u v PX 10");
    assert_eq!(run_at(&mut k, "del u", later).1, ["DEL u"]);
}

#[test]
fn no_ops_are_not_propagated() {
    let mut k = ks();
    assert_eq!(run(&mut k, "del nokey"), [""; 0]);
    assert_eq!(run(&mut k, "unlink nokey"), [""; 0]);
    assert_eq!(run(&mut k, "sadd s a b"), ["sadd s a b"]);
    assert_eq!(run(&mut k, "sadd s a"), [""; 0]);
    assert_eq!(run(&mut k, "srem s zz"), [""; 0]);
    assert_eq!(run(&mut k, "srem nokey zz"), [""; 0]);
    assert_eq!(run(&mut k, "hset h f 1"), ["hset h f 1"]);
    assert_eq!(
        run(&mut k, "hset h f 1"),
        ["hset h f 1"],
        "as Redis: always dirty"
    );
    assert_eq!(run(&mut k, "hdel h nofield"), [""; 0]);
    assert_eq!(run(&mut k, "hsetnx h f 2"), [""; 0]);
    assert_eq!(run(&mut k, "hincrbyfloat h f 0.5"), ["HSET h f 1.5"]);
    assert_eq!(run(&mut k, "zadd z 1 a"), ["zadd z 1 a"]);
    assert_eq!(run(&mut k, "zadd z 1 a"), [""; 0], "same score");
    assert_eq!(run(&mut k, "zadd z CH 2 a"), ["zadd z CH 2 a"]);
    assert_eq!(
        run(&mut k, "zadd z 3 a"),
        ["zadd z 3 a"],
        "a new score, reply 0"
    );
    assert_eq!(run(&mut k, "zincrby z 0 a"), [""; 0]);
    assert_eq!(run(&mut k, "zrem z nomember"), [""; 0]);
    assert_eq!(run(&mut k, "lpushx nolist a"), [""; 0]);
    assert_eq!(run(&mut k, "rpush l a b"), ["rpush l a b"]);
    assert_eq!(run(&mut k, "ltrim l 0 -1"), [""; 0]);
    assert_eq!(run(&mut k, "ltrim l 0 0"), ["ltrim l 0 0"]);
    assert_eq!(run(&mut k, "lrem l 0 zz"), [""; 0]);
    assert_eq!(run(&mut k, "linsert l before zz x"), [""; 0], "no pivot");
    assert_eq!(run(&mut k, "lpop nolist"), [""; 0]);
    assert_eq!(run(&mut k, "get s"), [""; 0], "reads never");
}

#[test]
fn spop_becomes_what_it_removed() {
    let mut k = ks();
    run(&mut k, "sadd one m");
    assert_eq!(run(&mut k, "spop one"), ["SREM one m"]);
    assert_eq!(run(&mut k, "spop one"), [""; 0]);
    run(&mut k, "sadd all a b");
    assert_eq!(run(&mut k, "spop all 5"), ["DEL all"]);
    run(&mut k, "sadd some a b c d e f g h i j");
    let recs = run(&mut k, "spop some 3");
    assert_eq!(recs.len(), 3);
    assert!(recs.iter().all(|r| r.starts_with("SREM some ")), "{recs:?}");
    let recs = run(&mut k, "spop some 6");
    assert_eq!(
        recs.len(),
        6,
        "few left: the popped members, not the kept ones"
    );
    assert_eq!(run(&mut k, "spop some 0"), [""; 0]);
}

#[test]
fn restore_makes_its_ttl_absolute() {
    let mut k = ks();
    run(&mut k, "set d v");
    let mut buf = BytesMut::new();
    let mut prop = Prop::default();
    let dump = lookup(b"dump").unwrap();
    let Run::Shard(f) = dump.run else { panic!() };
    f(
        &mut ExecCtx {
            ks: &mut k,
            db: 0,
            now_ms: NOW,
            out: Reply::new(&mut buf, false),
            prop: &mut prop,
        },
        &[Bytes::from_static(b"dump"), Bytes::from_static(b"d")],
    );
    // The bulk payload of DUMP's reply.
    let nl = buf.iter().position(|&b| b == b'\n').unwrap();
    let payload = Bytes::copy_from_slice(&buf[nl + 1..buf.len() - 2]);
    let restore = |k: &mut Keyspace, ttl: &str, extra: &[&str]| {
        let mut args: Vec<Bytes> = ["restore", "r", ttl]
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        args.push(payload.clone());
        args.extend(extra.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())));
        let spec = lookup(b"restore").unwrap();
        let Run::Shard(f) = spec.run else { panic!() };
        let mut out = BytesMut::new();
        let mut prop = Prop::default();
        let before = k.dbs[0].changes;
        f(
            &mut ExecCtx {
                ks: k,
                db: 0,
                now_ms: NOW,
                out: Reply::new(&mut out, false),
                prop: &mut prop,
            },
            &args,
        );
        let mut ops = Ops::default();
        if prop.finish(spec, &out, k.dbs[0].changes != before) {
            prop.push_own(&mut ops, 0, &args);
        }
        ops.commands()
            .into_iter()
            .map(|c| {
                c.iter()
                    .map(|w| if w.len() > 13 { "<payload>" } else { w })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        restore(&mut k, "5000", &["REPLACE"]),
        ["restore r 1700000005000 <payload> REPLACE ABSTTL"]
    );
    assert_eq!(
        restore(&mut k, "1800000000000", &["REPLACE", "ABSTTL"]),
        ["restore r 1800000000000 <payload> REPLACE ABSTTL"]
    );
    assert_eq!(
        restore(&mut k, "0", &["REPLACE"]),
        ["restore r 0 <payload> REPLACE"]
    );
    assert_eq!(
        restore(&mut k, "5", &["REPLACE", "ABSTTL"]),
        ["DEL r"],
        "already expired: the replaced key is deleted"
    );
    assert_eq!(
        restore(&mut k, "5", &["ABSTTL"]),
        [""; 0],
        "already expired, nothing replaced"
    );
}
