//! Cross-shard atomicity under concurrency: writers change groups of keys that live on
//! different shards while readers look at the whole group in one command, which must
//! never see half of a write. Bounded in time; each scenario runs with several seeds
//! (the seed picks key names and values).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use shardis::server::slot::key_shard;

use crate::support::rng::Rng;
use crate::support::{Conn, Server, Value};

/// A writer's step (its connection, the iteration number).
type Writer = Box<dyn FnMut(&mut Conn, u64) + Send>;
/// A reader's check.
type Reader = Box<dyn FnMut(&mut Conn) + Send>;

const SEEDS: [u64; 3] = [7, 1234, 99991];
const RUN_FOR: Duration = Duration::from_millis(700);

/// `count` distinct key names, alternating between shard 0 and shard 1 of 2.
fn keys_on_both_shards(rng: &mut Rng, prefix: &str, count: usize) -> Vec<String> {
    let mut keys = Vec::new();
    while keys.len() < count {
        let k = format!("{prefix}:{}", rng.next() % 1_000_000);
        if key_shard(k.as_bytes(), 2) == keys.len() % 2 && !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Runs `writers` and `readers` (each on its own connection) until the deadline; every
/// reader returns how many checks it made, and at least one check must have run.
fn race(port: u16, writers: Vec<Writer>, readers: Vec<Reader>) {
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + RUN_FOR;
    let mut handles = Vec::new();
    for mut w in writers {
        let stop = stop.clone();
        handles.push(thread::spawn(move || {
            let mut c = Conn::connect(port);
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                w(&mut c, i);
                i += 1;
            }
            i
        }));
    }
    for mut r in readers {
        let stop = stop.clone();
        handles.push(thread::spawn(move || {
            let mut c = Conn::connect(port);
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                r(&mut c);
                i += 1;
            }
            i
        }));
    }
    let mut total = 0;
    for h in handles {
        match h.join() {
            Ok(n) => total += n,
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                std::panic::resume_unwind(e);
            }
        }
    }
    assert!(total > 0, "nothing ran");
}

/// `name key1 key2 ...`
fn with_keys<'a>(name: &'a str, keys: &'a [String]) -> Vec<&'a str> {
    let mut args = vec![name];
    args.extend(keys.iter().map(|k| k.as_str()));
    args
}

fn strs(v: &Value) -> Vec<Option<String>> {
    v.items()
        .iter()
        .map(|i| match i {
            Value::NilBulk | Value::Null => None,
            other => Some(other.as_str()),
        })
        .collect()
}

#[test]
fn mget_never_sees_half_an_mset() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "g", 6);
        let writer = |id: u64| -> Writer {
            let keys = keys.clone();
            Box::new(move |c, i| {
                let v = format!("w{id}-{i}");
                let mut args = vec!["MSET"];
                for k in &keys {
                    args.push(k);
                    args.push(&v);
                }
                assert_eq!(c.cmd(&args), Value::Simple("OK".into()));
            })
        };
        let reader = || -> Reader {
            let keys = keys.clone();
            Box::new(move |c| {
                let args = with_keys("MGET", &keys);
                let got = strs(&c.cmd(&args));
                assert!(got.windows(2).all(|w| w[0] == w[1]), "torn MGET: {got:?}");
            })
        };
        race(
            server.port,
            vec![writer(1), writer(2)],
            vec![reader(), reader()],
        );
    }
}

#[test]
fn rename_across_shards_is_never_in_both_or_neither_place() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "r", 2);
        let (a, b) = (keys[0].clone(), keys[1].clone());
        server.conn().cmd(&["SET", &a, "payload"]);
        let (wa, wb) = (a.clone(), b.clone());
        let writer: Writer = Box::new(move |c, _| {
            // Whichever name it has now moves to the other; one of the two always fails
            // with "no such key" and that is fine.
            c.cmd(&["RENAME", &wa, &wb]);
            c.cmd(&["RENAME", &wb, &wa]);
        });
        let reader = |which: u64| -> Reader {
            let (a, b) = (a.clone(), b.clone());
            Box::new(move |c| {
                if which == 0 {
                    let got = strs(&c.cmd(&["MGET", &a, &b]));
                    let present = got.iter().filter(|v| v.is_some()).count();
                    assert_eq!(present, 1, "RENAME seen half done: {got:?}");
                } else {
                    assert_eq!(c.cmd(&["EXISTS", &a, &b]), Value::Int(1));
                }
            })
        };
        race(server.port, vec![writer], vec![reader(0), reader(1)]);
        server.conn().cmd(&["DEL", &a, &b]);
    }
}

#[test]
fn smove_between_shards_keeps_the_union_whole() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "s", 2);
        let members: Vec<String> = (0..8).map(|i| format!("m{i}")).collect();
        let mut c = server.conn();
        let mut sadd = vec!["SADD", keys[0].as_str()];
        sadd.extend(members.iter().map(|m| m.as_str()));
        c.cmd(&sadd);
        let writer = |id: u64| -> Writer {
            let (keys, members) = (keys.clone(), members.clone());
            let mut rng = Rng(seed ^ id);
            Box::new(move |c, _| {
                let m = &members[rng.below(members.len() as u64) as usize];
                let (from, to) = if rng.below(2) == 0 { (0, 1) } else { (1, 0) };
                c.cmd(&["SMOVE", &keys[from], &keys[to], m]);
            })
        };
        let reader = || -> Reader {
            let keys = keys.clone();
            Box::new(move |c| {
                let union = c.cmd(&["SUNION", &keys[0], &keys[1]]).items().len();
                assert_eq!(union, 8, "a member was in flight between shards");
                let stored = c.cmd(&["SUNIONSTORE", "{x}dst", &keys[0], &keys[1]]);
                assert_eq!(stored, Value::Int(8));
            })
        };
        race(
            server.port,
            vec![writer(1), writer(2)],
            vec![reader(), reader()],
        );
        c.cmd(&["DEL", &keys[0], &keys[1]]);
    }
}

#[test]
fn lmove_between_shards_keeps_the_total() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "l", 2);
        let mut c = server.conn();
        c.cmd(&["RPUSH", &keys[0], "1", "2", "3", "4", "5", "6"]);
        let writer = |id: u64| -> Writer {
            let keys = keys.clone();
            let mut rng = Rng(seed ^ id);
            Box::new(move |c, _| {
                let (from, to) = if rng.below(2) == 0 { (0, 1) } else { (1, 0) };
                if id == 1 {
                    c.cmd(&["LMOVE", &keys[from], &keys[to], "LEFT", "RIGHT"]);
                } else {
                    // Never blocks long: some list always has an element.
                    c.cmd(&["BLMOVE", &keys[from], &keys[to], "RIGHT", "LEFT", "0.01"]);
                }
            })
        };
        // Read both lengths at one moment: the six elements are always all there.
        let reader = || lengths_sum_to(&keys, 6);
        race(
            server.port,
            vec![writer(1), writer(2)],
            vec![reader(), reader()],
        );
        let total = c.cmd(&["LLEN", &keys[0]]).as_int() + c.cmd(&["LLEN", &keys[1]]).as_int();
        assert_eq!(total, 6, "an element was lost or duplicated");
        c.cmd(&["DEL", &keys[0], &keys[1]]);
    }
}

#[test]
fn msetnx_across_shards_sets_all_or_nothing() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "n", 4);
        let won = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let writer = |id: u64| -> Writer {
            let (keys, won) = (keys.clone(), won.clone());
            Box::new(move |c, i| {
                // Two writers race for overlapping halves: at most one group is ever set.
                let mine = if id == 1 { &keys[0..3] } else { &keys[1..4] };
                let v = format!("{id}-{i}");
                let mut args = vec!["MSETNX"];
                for k in mine {
                    args.push(k);
                    args.push(&v);
                }
                if c.cmd(&args) == Value::Int(1) {
                    won.fetch_add(1, Ordering::Relaxed);
                    // The winner clears its own group again (one atomic DEL).
                    let del = with_keys("DEL", mine);
                    assert_eq!(c.cmd(&del), Value::Int(3));
                }
            })
        };
        let reader = || -> Reader {
            let keys = keys.clone();
            Box::new(move |c| {
                let args = with_keys("MGET", &keys);
                let got = strs(&c.cmd(&args));
                let values: Vec<&String> = got.iter().flatten().collect();
                // One writer's group (3 keys with one value), a part of it being deleted
                // never shows: DEL is atomic too. So: none, or 3 equal.
                assert!(
                    values.is_empty()
                        || (values.len() == 3 && values.windows(2).all(|w| w[0] == w[1])),
                    "MSETNX/DEL seen half done: {got:?}"
                );
            })
        };
        race(
            server.port,
            vec![writer(1), writer(2)],
            vec![reader(), reader()],
        );
        assert!(won.load(Ordering::Relaxed) > 0);
        let del = with_keys("DEL", &keys);
        server.conn().cmd(&del);
    }
}

#[test]
fn flushall_and_swapdb_are_atomic_across_shards() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "f", 4);
        let mut c = server.conn();
        let mut args = vec!["MSET"];
        for k in &keys {
            args.push(k);
            args.push("zero");
        }
        c.cmd(&args);
        c.cmd(&["SELECT", "1"]);
        for a in args.iter_mut().skip(2).step_by(2) {
            *a = "one";
        }
        c.cmd(&args);
        let mset = args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let swapper: Writer = Box::new(move |c, i| {
            assert_eq!(c.cmd(&["SWAPDB", "0", "1"]), Value::Simple("OK".into()));
            if i % 50 == 49 {
                // Now and then empty everything and refill db 1 only: readers of db 0
                // see all-nil or a whole group.
                c.cmd(&["FLUSHALL"]);
                c.cmd(&["SELECT", "1"]);
                let args: Vec<&str> = mset.iter().map(|s| s.as_str()).collect();
                c.cmd(&args);
                c.cmd(&["SELECT", "0"]);
            }
        });
        let reader = || -> Reader {
            let keys = keys.clone();
            Box::new(move |c| {
                let args = with_keys("MGET", &keys);
                let got = strs(&c.cmd(&args));
                assert!(
                    got.windows(2).all(|w| w[0] == w[1]),
                    "SWAPDB/FLUSHALL seen on one shard only: {got:?}"
                );
            })
        };
        race(server.port, vec![swapper], vec![reader(), reader()]);
        server.conn().cmd(&["FLUSHALL"]);
    }
}

#[test]
fn transfers_inside_multi_exec_keep_the_total() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "acct", 4);
        let mut c = server.conn();
        for k in &keys {
            c.cmd(&["SET", k, "100"]);
        }
        let writer = |id: u64| -> Writer {
            let keys = keys.clone();
            let mut rng = Rng(seed ^ (id << 8));
            Box::new(move |c, _| {
                let from = &keys[rng.below(4) as usize];
                let to = &keys[rng.below(4) as usize];
                let amount = (1 + rng.below(9)).to_string();
                assert_eq!(c.cmd(&["MULTI"]), Value::Simple("OK".into()));
                c.cmd(&["DECRBY", from, &amount]);
                c.cmd(&["INCRBY", to, &amount]);
                let done = c.cmd(&["EXEC"]);
                assert_eq!(done.items().len(), 2, "EXEC: {done:?}");
            })
        };
        let reader = |how: u64| -> Reader {
            let keys = keys.clone();
            Box::new(move |c| {
                let values = if how == 0 {
                    c.cmd(&["MULTI"]);
                    for k in &keys {
                        c.cmd(&["GET", k]);
                    }
                    c.cmd(&["EXEC"])
                } else {
                    let args = with_keys("MGET", &keys);
                    c.cmd(&args)
                };
                let total: i64 = strs(&values)
                    .iter()
                    .map(|v| v.as_deref().unwrap_or("0").parse::<i64>().unwrap())
                    .sum();
                assert_eq!(total, 400, "a transfer seen half done: {values:?}");
            })
        };
        race(
            server.port,
            vec![writer(1), writer(2)],
            vec![reader(0), reader(1)],
        );
        let del = with_keys("DEL", &keys);
        c.cmd(&del);
    }
}

#[test]
fn watch_makes_increments_from_two_clients_exact() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "cas", 2);
        let (counter, other) = (keys[0].clone(), keys[1].clone());
        let per_client = 40;
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (counter, other) = (counter.clone(), other.clone());
                let port = server.port;
                thread::spawn(move || {
                    let mut c = Conn::connect(port);
                    let deadline = Instant::now() + Duration::from_secs(20);
                    let (mut done, mut retries) = (0, 0);
                    while done < per_client {
                        assert!(Instant::now() < deadline, "WATCH loop did not finish");
                        // Watch keys on both shards; only the counter changes.
                        c.cmd(&["WATCH", &counter, &other]);
                        let now = match c.cmd(&["GET", &counter]) {
                            Value::Bulk(b) => String::from_utf8(b).unwrap().parse::<i64>().unwrap(),
                            _ => 0,
                        };
                        c.cmd(&["MULTI"]);
                        c.cmd(&["SET", &counter, &(now + 1).to_string()]);
                        c.cmd(&["SET", &other, &(now + 1).to_string()]);
                        match c.cmd(&["EXEC"]) {
                            Value::NilArray | Value::Null => retries += 1,
                            v => {
                                assert_eq!(v.items().len(), 2);
                                done += 1;
                            }
                        }
                    }
                    retries
                })
            })
            .collect();
        for h in handles {
            h.join().expect("client thread");
        }
        let mut c = server.conn();
        assert_eq!(
            c.cmd(&["GET", &counter]),
            Value::bulk(&(2 * per_client).to_string())
        );
        assert_eq!(
            c.cmd(&["GET", &other]),
            Value::bulk(&(2 * per_client).to_string())
        );
        c.cmd(&["DEL", &counter, &other]);
    }
}

#[test]
fn blmove_that_blocked_never_shows_the_element_in_neither_list() {
    let server = Server::shardis(2, &[]);
    for seed in SEEDS {
        let mut rng = Rng(seed);
        let keys = keys_on_both_shards(&mut rng, "bm", 2);
        server.conn().cmd(&["RPUSH", &keys[0], "token"]);
        // One element bounces between the lists; each mover mostly waits blocked on an
        // empty list and is served by the other's push.
        let mover = |from: usize| -> Writer {
            let keys = keys.clone();
            Box::new(move |c, _| {
                c.cmd(&[
                    "BLMOVE",
                    &keys[from],
                    &keys[1 - from],
                    "LEFT",
                    "RIGHT",
                    "0.2",
                ]);
            })
        };
        let reader = || lengths_sum_to(&keys, 1);
        race(
            server.port,
            vec![mover(0), mover(1)],
            vec![reader(), reader()],
        );
        server.conn().cmd(&["DEL", &keys[0], &keys[1]]);
    }
}

/// A reader that reads the lengths of the two lists `keys` in one transaction and checks
/// they add up to `total` (no element is ever seen in flight between shards).
fn lengths_sum_to(keys: &[String], total: i64) -> Reader {
    let keys = keys.to_vec();
    Box::new(move |c| {
        c.cmd(&["MULTI"]);
        c.cmd(&["LLEN", &keys[0]]);
        c.cmd(&["LLEN", &keys[1]]);
        let lens = c.cmd(&["EXEC"]);
        let sum: i64 = lens.items().iter().map(Value::as_int).sum();
        assert_eq!(sum, total, "an element in flight between shards: {lens:?}");
    })
}
