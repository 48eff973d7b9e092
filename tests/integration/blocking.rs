//! Blocking pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP) and
//! CLIENT UNBLOCK: single-connection replies through `Diff`, and multi-client scenarios
//! run against real Redis and shardis (1 and 2 shards) with their replies compared.

use std::time::Duration;

use crate::support::resp::encode;
use crate::support::{wait_for, Conn, Diff, Server, Value};
use shardis::server::slot::key_shard;

/// A key named `base<i>` on a different shard (of 2) than `of`.
fn other_shard_key(of: &str, base: &str) -> String {
    (0..1000)
        .map(|i| format!("{base}{i}"))
        .find(|k| key_shard(k.as_bytes(), 2) != key_shard(of.as_bytes(), 2))
        .expect("some key on the other shard")
}

fn info_field(port: u16, field: &str) -> i64 {
    let text = Conn::connect(port).cmd(&["INFO", "clients"]).as_str();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO"))
        .trim()
        .parse()
        .unwrap()
}

fn wait_blocked(port: u16, n: i64) {
    wait_for(
        &format!("blocked_clients to be {n}"),
        Duration::from_secs(10),
        || info_field(port, "blocked_clients") == n,
    );
}

/// Sends a command without reading its reply (the client blocks).
fn send(c: &mut Conn, args: &[&str]) {
    let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.send_raw(&encode(&raw));
}

/// Runs `scenario` against real Redis and shardis with 1 and 2 shards; every reply it
/// collects must be equal.
fn same_everywhere(scenario: fn(u16) -> Vec<Value>) {
    let redis = Server::redis(&[]);
    let expected = scenario(redis.port);
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        assert_eq!(
            scenario(ours.port),
            expected,
            "shardis with {shards} shard(s) differs from redis"
        );
    }
}

#[test]
fn immediate_pops_and_errors_match_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        for proto in ["2", "3"] {
            d.both(&["HELLO", proto]);
            d.check(&["FLUSHALL"]);
            d.script(
                "RPUSH foo a b c
                 BLPOP foo 0
                 BRPOP foo 0
                 BLPOP nokey foo 0
                 EXISTS foo
                 LPUSH bar x
                 RPUSH foo y
                 BLPOP nokey bar foo 0
                 BRPOP foo bar 0.5
                 BLPOP foo foo 1
                 SET str v
                 BLPOP str 0
                 BLPOP nokey str 0
                 RPUSH l3 q
                 BLPOP l3 str 0
                 BLPOP nokey 0.01
                 BRPOP nokey bar 0.02
                 BLPOP k abc
                 BLPOP k -1
                 BLPOP k -0.5
                 BLPOP k inf
                 BLPOP k nan
                 BLPOP k 1e20
                 BLPOP k \"\"
                 BLPOP k
                 BRPOP
                 BLMPOP 0.01 1 nokey LEFT
                 BLMPOP 0 0 k LEFT
                 BLMPOP 0 x k LEFT
                 BLMPOP 0 -1 k LEFT
                 BLMPOP 0 2 k LEFT
                 BLMPOP 0 1 k MIDDLE
                 BLMPOP 0 1 k LEFT COUNT 0
                 BLMPOP 0 1 k LEFT COUNT x
                 BLMPOP 0 1 k LEFT COUNT 1 COUNT 2
                 BLMPOP 0 1 k LEFT COUNT
                 BLMPOP 0 1 k LEFT extra
                 BLMPOP abc 1 k LEFT
                 BLMPOP -1 1 k LEFT
                 BLMPOP 0 1 k
                 RPUSH l4 1 2 3 4 5
                 BLMPOP 0 2 nokey l4 LEFT COUNT 2
                 BLMPOP 0 1 l4 RIGHT COUNT 10
                 BLMPOP 0 1 str LEFT
                 ZADD z1 1 a 2 b 3 c 4 d
                 BZPOPMIN z1 0
                 BZPOPMAX z1 0
                 BZPOPMIN nokey z1 0
                 BZPOPMIN str 0
                 RPUSH l5 q
                 BZPOPMAX l5 0
                 BZPOPMIN nokey 0.01
                 BZPOPMIN z1 abc
                 BZPOPMAX z1
                 ZADD z2 1 a 2 b 3 c 1.5 x
                 BZMPOP 0 1 z2 MIN COUNT 2
                 BZMPOP 0 2 nokey z2 MAX
                 BZMPOP 0 1 z2 MAX COUNT 5
                 BZMPOP 0.01 1 nokey MIN
                 BZMPOP 0 1 str MIN
                 BZMPOP 0 0 z2 MIN
                 BZMPOP 0 1 z2 LEFT
                 BZMPOP 0 1 z2 MIN COUNT -1
                 BZMPOP x 1 z2 MIN
                 BZMPOP 0 1
                 RPUSH src a b c
                 BLMOVE src dst LEFT RIGHT 0
                 BRPOPLPUSH src dst 0
                 LRANGE dst 0 -1
                 LRANGE src 0 -1
                 BLMOVE src str LEFT RIGHT 0
                 LRANGE src 0 -1
                 BLMOVE str dst LEFT LEFT 0
                 BLMOVE nokey str LEFT LEFT 0.01
                 BRPOPLPUSH nokey dst 0.01
                 BLMOVE src dst UP LEFT 0
                 BLMOVE src dst LEFT DOWN 0
                 BLMOVE src dst LEFT RIGHT -1
                 BLMOVE src dst LEFT RIGHT x
                 BRPOPLPUSH src dst x
                 BLMOVE src src RIGHT LEFT 0
                 RPUSH src d
                 BLMOVE src src LEFT RIGHT 0
                 LRANGE src 0 -1
                 BLMOVE src dst LEFT
                 BRPOPLPUSH src dst",
            );
        }
    }
}

#[test]
fn cross_shard_moves_and_key_order_match_redis() {
    // Keys chosen on different shards of 2: pops and moves cross shards.
    let a = "foo";
    let b = other_shard_key(a, "bar");
    let mut d = Diff::new(2);
    for proto in ["2", "3"] {
        d.both(&["HELLO", proto]);
        d.check(&["FLUSHALL"]);
        d.check(&["RPUSH", a, "1", "2", "3"]);
        d.check(&["RPUSH", &b, "x", "y"]);
        // Redis pops from the first key (in argument order) that has data.
        d.check(&["BLPOP", &b, a, "0"]);
        d.check(&["BLPOP", a, &b, "0"]);
        d.check(&["BLMOVE", a, &b, "LEFT", "LEFT", "0"]);
        d.check(&["BRPOPLPUSH", &b, a, "0"]);
        d.check(&["BLMPOP", "0", "2", &b, a, "RIGHT", "COUNT", "2"]);
        d.check(&["LRANGE", a, "0", "-1"]);
        d.check(&["LRANGE", &b, "0", "-1"]);
        d.check(&["SET", "str", "v"]);
        let s = other_shard_key(a, "s");
        d.check(&["SET", &s, "v"]);
        d.check(&["BLPOP", "nokey", &s, a, "0"]);
        d.check(&["BLMOVE", a, &s, "LEFT", "LEFT", "0"]);
        d.check(&["LRANGE", a, "0", "-1"]);
        d.check(&["ZADD", a, "1", "m"]);
        d.check(&["ZADD", &b, "2", "n"]);
        d.check(&["DEL", a]);
        d.check(&["ZADD", a, "1", "m", "3", "o"]);
        d.check(&["BZPOPMAX", &b, a, "0"]);
        d.check(&["BZMPOP", "0", "2", &b, a, "MIN", "COUNT", "3"]);
        d.check(&["BZPOPMIN", &b, a, "0.01"]);
    }
}

#[test]
fn command_info_matches_redis() {
    let mut d = Diff::new(1);
    d.digest_at_end = false;
    for cmd in [
        "blpop",
        "brpop",
        "brpoplpush",
        "blmove",
        "blmpop",
        "bzpopmin",
        "bzpopmax",
        "bzmpop",
    ] {
        let (ours, theirs) = d.both(&["COMMAND", "INFO", cmd]);
        // Name, arity, flags, first key, last key, step (ACL categories and key specs come
        // from the shared COMMAND data, not this table).
        let head = |v: &Value| v.items()[0].items()[..6].to_vec();
        assert_eq!(head(&ours), head(&theirs), "COMMAND INFO {cmd}");
    }
}

fn fifo_scenario(port: u16) -> Vec<Value> {
    let mut out = Vec::new();
    let mut clients: Vec<Conn> = (0..3).map(|_| Conn::connect(port)).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        send(c, &["BLPOP", "foo", "0"]);
        wait_blocked(port, i as i64 + 1);
    }
    let mut p = Conn::connect(port);
    out.push(p.cmd(&["RPUSH", "foo", "a", "b", "c", "d"]));
    for c in &mut clients {
        out.push(c.read_value().unwrap());
    }
    out.push(p.cmd(&["LRANGE", "foo", "0", "-1"]));
    wait_blocked(port, 0);
    // Mixed commands on one key: a BRPOP and a BLMPOP queue behind a BLPOP.
    send(&mut clients[0], &["BLPOP", "k", "0"]);
    wait_blocked(port, 1);
    send(&mut clients[1], &["BRPOP", "k", "0"]);
    wait_blocked(port, 2);
    send(
        &mut clients[2],
        &["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "5"],
    );
    wait_blocked(port, 3);
    out.push(p.cmd(&["RPUSH", "k", "1", "2", "3", "4", "5"]));
    for c in &mut clients {
        out.push(c.read_value().unwrap());
    }
    out.push(p.cmd(&["EXISTS", "k"]));
    // One push of a single element serves only the first waiter.
    send(&mut clients[0], &["BLPOP", "k", "0"]);
    wait_blocked(port, 1);
    send(&mut clients[1], &["BLPOP", "k", "0"]);
    wait_blocked(port, 2);
    out.push(p.cmd(&["LPUSH", "k", "only"]));
    out.push(clients[0].read_value().unwrap());
    wait_blocked(port, 1);
    out.push(p.cmd(&["LPUSH", "k", "second"]));
    out.push(clients[1].read_value().unwrap());
    wait_blocked(port, 0);
    out.push(p.cmd(&["DEBUG", "DIGEST"]));
    out
}

#[test]
fn clients_blocked_on_one_key_are_served_in_order() {
    same_everywhere(fifo_scenario);
}

fn keys_on_two_shards_scenario(port: u16) -> Vec<Value> {
    let a = "foo";
    let b = other_shard_key(a, "bar");
    let mut out = Vec::new();
    let mut c1 = Conn::connect(port);
    let mut c2 = Conn::connect(port);
    let mut p = Conn::connect(port);
    // Served by a push to the second key, then to the first.
    send(&mut c1, &["BLPOP", a, &b, "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["RPUSH", &b, "x"]));
    out.push(c1.read_value().unwrap());
    send(&mut c1, &["BRPOP", a, &b, "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["RPUSH", a, "y"]));
    out.push(c1.read_value().unwrap());
    wait_blocked(port, 0);
    // Nothing stayed behind: pushes now stay in the lists.
    out.push(p.cmd(&["RPUSH", a, "stay"]));
    out.push(p.cmd(&["RPUSH", &b, "stay"]));
    out.push(p.cmd(&["LLEN", a]));
    out.push(p.cmd(&["LLEN", &b]));
    out.push(p.cmd(&["DEL", a, &b]));
    // Two clients on both keys in opposite orders: each push serves the oldest waiter.
    send(&mut c1, &["BLPOP", a, &b, "0"]);
    wait_blocked(port, 1);
    send(&mut c2, &["BLPOP", &b, a, "0"]);
    wait_blocked(port, 2);
    out.push(p.cmd(&["RPUSH", &b, "1"]));
    out.push(c1.read_value().unwrap());
    out.push(p.cmd(&["RPUSH", a, "2"]));
    out.push(c2.read_value().unwrap());
    wait_blocked(port, 0);
    // Sorted sets on two shards.
    send(&mut c1, &["BZPOPMIN", a, &b, "0"]);
    wait_blocked(port, 1);
    send(&mut c2, &["BZMPOP", "0", "2", a, &b, "MAX", "COUNT", "2"]);
    wait_blocked(port, 2);
    out.push(p.cmd(&["ZADD", &b, "1", "m", "2", "n", "3", "o"]));
    out.push(c1.read_value().unwrap());
    out.push(c2.read_value().unwrap());
    wait_blocked(port, 0);
    // A list waiter does not take a sorted set, and keeps waiting.
    send(&mut c1, &["BLPOP", a, "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["ZADD", a, "1", "z"]));
    out.push(p.cmd(&["ZCARD", a]));
    out.push(p.cmd(&["DEL", a]));
    out.push(p.cmd(&["RPUSH", a, "L"]));
    out.push(c1.read_value().unwrap());
    wait_blocked(port, 0);
    out.push(p.cmd(&["DEBUG", "DIGEST"]));
    out
}

#[test]
fn keys_on_different_shards_are_served_by_a_push_to_either() {
    same_everywhere(keys_on_two_shards_scenario);
}

fn moves_scenario(port: u16) -> Vec<Value> {
    let src = "foo";
    let dst = other_shard_key(src, "bar");
    let mut out = Vec::new();
    let mut c1 = Conn::connect(port);
    let mut c2 = Conn::connect(port);
    let mut p = Conn::connect(port);
    send(&mut c1, &["BLMOVE", src, &dst, "RIGHT", "LEFT", "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["RPUSH", src, "a", "b"]));
    out.push(c1.read_value().unwrap());
    out.push(p.cmd(&["LRANGE", src, "0", "-1"]));
    out.push(p.cmd(&["LRANGE", &dst, "0", "-1"]));
    out.push(p.cmd(&["DEL", src, &dst]));
    // A chain: the moved element serves a client blocked on the destination.
    send(&mut c1, &["BRPOPLPUSH", src, &dst, "0"]);
    wait_blocked(port, 1);
    send(&mut c2, &["BLPOP", &dst, "0"]);
    wait_blocked(port, 2);
    out.push(p.cmd(&["LPUSH", src, "x"]));
    out.push(c1.read_value().unwrap());
    out.push(c2.read_value().unwrap());
    wait_blocked(port, 0);
    out.push(p.cmd(&["EXISTS", src, &dst]));
    // The destination became a string while the client waited: served with WRONGTYPE,
    // the element stays in the source.
    send(&mut c1, &["BLMOVE", src, &dst, "LEFT", "RIGHT", "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["SET", &dst, "string"]));
    out.push(p.cmd(&["RPUSH", src, "kept"]));
    out.push(c1.read_value().unwrap());
    out.push(p.cmd(&["LRANGE", src, "0", "-1"]));
    // Same shard (one key): a rotation served when the list appears.
    out.push(p.cmd(&["DEL", src]));
    send(&mut c1, &["BLMOVE", src, src, "LEFT", "RIGHT", "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["RPUSH", src, "1", "2"]));
    out.push(c1.read_value().unwrap());
    out.push(p.cmd(&["LRANGE", src, "0", "-1"]));
    wait_blocked(port, 0);
    // A list renamed onto a key someone waits for serves them (across shards with 2).
    out.push(p.cmd(&["DEL", src, &dst]));
    send(&mut c1, &["BLPOP", &dst, "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["RPUSH", src, "r1", "r2"]));
    out.push(p.cmd(&["RENAME", src, &dst]));
    out.push(c1.read_value().unwrap());
    out.push(p.cmd(&["LRANGE", &dst, "0", "-1"]));
    wait_blocked(port, 0);
    out.push(p.cmd(&["DEBUG", "DIGEST"]));
    out
}

#[test]
fn blmove_and_brpoplpush_across_shards() {
    same_everywhere(moves_scenario);
}

fn timeouts_scenario(port: u16) -> Vec<Value> {
    let mut out = Vec::new();
    let mut c = Conn::connect(port);
    let mut p = Conn::connect(port);
    // Time spent blocked is not the command's time: a 0.3 s wait stays out of a slow log
    // that keeps commands slower than 0.1 s (the work itself takes microseconds).
    out.push(p.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "100000"]));
    out.push(p.cmd(&["SLOWLOG", "RESET"]));
    out.push(c.cmd(&["BLPOP", "nothing", "0.3"]));
    out.push(p.cmd(&["SLOWLOG", "LEN"]));
    out.push(c.cmd(&["BLPOP", "foo", "bar", "0.05"]));
    out.push(c.cmd(&["BZPOPMIN", "foo", "0.02"]));
    out.push(c.cmd(&["BLMPOP", "0.01", "2", "foo", "bar", "LEFT"]));
    out.push(c.cmd(&["BLMOVE", "foo", "bar", "LEFT", "LEFT", "0.01"]));
    out.push(c.cmd(&["HELLO", "3"]).items()[0].clone());
    out.push(c.cmd(&["BRPOP", "foo", "0.01"]));
    out.push(c.cmd(&["BZMPOP", "0.01", "1", "foo", "MIN"]));
    wait_blocked(port, 0);
    // Timed-out waits left nothing behind.
    out.push(p.cmd(&["RPUSH", "foo", "stays"]));
    out.push(p.cmd(&["LLEN", "foo"]));
    // Timeout 0 waits until a push, here in RESP3.
    send(&mut c, &["BRPOP", "bar", "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["RPUSH", "bar", "late"]));
    out.push(c.read_value().unwrap());
    // A long timeout that data beats; then BZPOPMAX's RESP3 shape (double score).
    send(&mut c, &["BZPOPMAX", "z", "100"]);
    wait_blocked(port, 1);
    out.push(Value::Int(info_field(port, "clients_in_timeout_table")));
    out.push(p.cmd(&["ZADD", "z", "1.5", "m", "2.5", "n"]));
    out.push(c.read_value().unwrap());
    send(&mut c, &["BZMPOP", "100", "1", "z2", "MIN", "COUNT", "3"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["ZADD", "z2", "1", "a", "2", "b"]));
    out.push(c.read_value().unwrap());
    wait_blocked(port, 0);
    out
}

#[test]
fn fractional_timeouts_and_timeout_zero() {
    same_everywhere(timeouts_scenario);
}

fn unblock_scenario(port: u16) -> Vec<Value> {
    let mut out = Vec::new();
    let mut p = Conn::connect(port);
    // Several connections: with 2 shards, some land on each.
    let mut clients: Vec<Conn> = (0..4).map(|_| Conn::connect(port)).collect();
    for c in &mut clients {
        let id = c.cmd(&["CLIENT", "ID"]).as_int().to_string();
        send(c, &["BLPOP", "foo", "bar", "0"]);
        wait_blocked(port, 1);
        out.push(p.cmd(&["CLIENT", "UNBLOCK", &id]));
        out.push(c.read_value().unwrap());
        send(c, &["BZPOPMIN", "foo", "0"]);
        wait_blocked(port, 1);
        out.push(p.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]));
        out.push(c.read_value().unwrap());
        send(c, &["BLMOVE", "foo", "bar", "LEFT", "LEFT", "0"]);
        wait_blocked(port, 1);
        out.push(p.cmd(&["CLIENT", "UNBLOCK", &id, "timeout"]));
        out.push(c.read_value().unwrap());
        out.push(p.cmd(&["CLIENT", "UNBLOCK", &id]));
        wait_blocked(port, 0);
    }
    out.push(p.cmd(&["RPUSH", "foo", "stays"]));
    out.push(p.cmd(&["LLEN", "foo"]));
    out.push(p.cmd(&["CLIENT", "UNBLOCK", "999999"]));
    out.push(p.cmd(&["CLIENT", "UNBLOCK", "x"]));
    out.push(p.cmd(&["CLIENT", "UNBLOCK", "1", "foo"]));
    out.push(p.cmd(&["CLIENT", "UNBLOCK", "x", "foo"]));
    out.push(p.cmd(&["CLIENT", "UNBLOCK", "1", "2", "3"]));
    out.push(p.cmd(&["CLIENT", "UNBLOCK"]));
    out
}

#[test]
fn client_unblock_timeout_and_error() {
    same_everywhere(unblock_scenario);
}

fn disconnect_scenario(port: u16) -> Vec<Value> {
    let a = "foo";
    let b = other_shard_key(a, "bar");
    let mut out = Vec::new();
    let mut p = Conn::connect(port);
    for _ in 0..3 {
        let mut c = Conn::connect(port);
        send(&mut c, &["BLPOP", a, &b, "0"]);
        wait_blocked(port, 1);
        drop(c);
        wait_blocked(port, 0);
    }
    // A killed client leaves nothing behind either.
    let mut c = Conn::connect(port);
    let id = c.cmd(&["CLIENT", "ID"]).as_int().to_string();
    send(&mut c, &["BLMOVE", a, &b, "LEFT", "LEFT", "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["CLIENT", "KILL", "ID", &id]));
    wait_blocked(port, 0);
    out.push(Value::Bool(c.is_closed()));
    out.push(p.cmd(&["RPUSH", a, "1"]));
    out.push(p.cmd(&["RPUSH", &b, "2"]));
    out.push(p.cmd(&["LLEN", a]));
    out.push(p.cmd(&["LLEN", &b]));
    out
}

#[test]
fn disconnect_while_blocked_leaves_nothing_behind() {
    same_everywhere(disconnect_scenario);
}

fn pipeline_scenario(port: u16) -> Vec<Value> {
    let mut out = Vec::new();
    let mut c = Conn::connect(port);
    let mut p = Conn::connect(port);
    let mut batch = encode(&[b"BLPOP", b"foo", b"0"]);
    batch.extend(encode(&[b"SET", b"after", b"1"]));
    batch.extend(encode(&[b"LLEN", b"foo"]));
    c.send_raw(&batch);
    wait_blocked(port, 1);
    // The pipelined SET has not run while BLPOP waits.
    out.push(p.cmd(&["GET", "after"]));
    out.push(p.cmd(&["RPUSH", "foo", "v", "w"]));
    out.push(c.read_value().unwrap());
    out.push(c.read_value().unwrap());
    out.push(c.read_value().unwrap());
    out.push(p.cmd(&["GET", "after"]));
    out
}

#[test]
fn commands_pipelined_after_a_blocking_one_wait_for_it() {
    same_everywhere(pipeline_scenario);
}

#[test]
fn blocked_clients_show_in_client_list_and_info() {
    for shards in [1, 2] {
        let server = Server::shardis(shards, &[]);
        let mut c = server.conn();
        let mut p = server.conn();
        let id = c.cmd(&["CLIENT", "ID"]).as_int();
        send(&mut c, &["BLPOP", "foo", "0"]);
        wait_blocked(server.port, 1);
        assert_eq!(info_field(server.port, "clients_in_timeout_table"), 0);
        let list = p.cmd(&["CLIENT", "LIST", "ID", &id.to_string()]).as_str();
        assert!(list.contains(" flags=b "), "{list}");
        assert!(list.contains(" cmd=blpop "), "{list}");
        p.cmd(&["LPUSH", "foo", "x"]);
        assert_eq!(
            c.read_value().unwrap(),
            Value::Array(vec![Value::bulk("foo"), Value::bulk("x")])
        );
        let list = p.cmd(&["CLIENT", "LIST", "ID", &id.to_string()]).as_str();
        assert!(list.contains(" flags=N "), "{list}");
        assert_eq!(info_field(server.port, "blocked_clients"), 0);
    }
}

/// Clients blocked on two keys on two shards, some with tiny timeouts racing the pushes,
/// while elements are pushed to both keys: every element is popped exactly once or left
/// in its list.
#[test]
fn concurrent_pops_across_shards_never_lose_or_duplicate() {
    let server = Server::shardis(2, &[]);
    let port = server.port;
    let a = "foo".to_string();
    let b = other_shard_key(&a, "bar");
    const N: usize = 300;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poppers: Vec<_> = (0..4)
        .map(|i| {
            let (a, b, done) = (a.clone(), b.clone(), done.clone());
            std::thread::spawn(move || {
                let mut c = Conn::connect(port);
                let timeout = if i % 2 == 0 { "0.001" } else { "0.2" };
                let mut got = Vec::new();
                let deadline = std::time::Instant::now() + Duration::from_secs(30);
                while std::time::Instant::now() < deadline {
                    match c.cmd(&["BLPOP", &a, &b, timeout]) {
                        Value::Array(v) => got.push(v[1].as_str()),
                        Value::NilArray if done.load(std::sync::atomic::Ordering::SeqCst) => break,
                        Value::NilArray => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
                got
            })
        })
        .collect();
    let mut p = Conn::connect(port);
    for i in 0..N {
        let key = if i % 3 == 0 { &a } else { &b };
        p.cmd(&["RPUSH", key, &i.to_string()]);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut seen: Vec<String> = poppers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    wait_blocked(port, 0);
    for key in [&a, &b] {
        for v in p.cmd(&["LRANGE", key, "0", "-1"]).items() {
            seen.push(v.as_str());
        }
    }
    seen.sort_by_key(|s| s.parse::<usize>().unwrap());
    let expected: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    assert_eq!(seen, expected);
}

fn swapdb_scenario(port: u16) -> Vec<Value> {
    let a = "foo";
    let b = other_shard_key(a, "bar");
    let mut out = Vec::new();
    let mut c1 = Conn::connect(port);
    let mut p = Conn::connect(port);
    // A client blocked in db 0 is served when SWAPDB brings a list in from db 1.
    send(&mut c1, &["BLPOP", a, &b, "0"]);
    wait_blocked(port, 1);
    out.push(p.cmd(&["SELECT", "1"]));
    out.push(p.cmd(&["RPUSH", &b, "from-db1", "second"]));
    out.push(p.cmd(&["SWAPDB", "0", "1"]));
    out.push(c1.read_value().unwrap());
    wait_blocked(port, 0);
    // db 1 (selected) now holds db 0's old data: nothing; db 0 has the rest of the list.
    out.push(p.cmd(&["DBSIZE"]));
    out.push(p.cmd(&["SELECT", "0"]));
    out.push(p.cmd(&["LRANGE", &b, "0", "-1"]));
    out.push(p.cmd(&["SWAPDB", "0", "0"]));
    out.push(p.cmd(&["SWAPDB", "1", "0"]));
    out.push(p.cmd(&["DBSIZE"]));
    for bad in [
        ["SWAPDB", "a", "0"],
        ["SWAPDB", "0", "b"],
        ["SWAPDB", "0", "16"],
        ["SWAPDB", "-1", "0"],
        ["SWAPDB", "99999999999", "0"],
    ] {
        out.push(p.cmd(&bad));
    }
    out.push(p.cmd(&["SWAPDB", "0"]));
    out.push(p.cmd(&["FLUSHALL"]));
    out
}

#[test]
fn swapdb_serves_blocked_clients_and_matches_redis() {
    same_everywhere(swapdb_scenario);
}
