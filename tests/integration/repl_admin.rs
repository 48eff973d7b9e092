//! The master role's introspection and write guards against a real Redis master: INFO
//! replication, ROLE, WAIT, `min-replicas-*` (`-NOREPLICAS`), CLIENT KILL TYPE replica.
//!
//! Without replicas everything is differential. Values that legitimately differ are
//! normalized: the replication ids (random), the offsets (shardis's log exists from
//! start-up, so its offset counts every write; Redis's starts with the first replica) and
//! `repl_backlog_active` / `repl_backlog_first_byte_offset` for the same reason.

use std::time::{Duration, Instant};

use crate::support::resp::encode;
use crate::support::{wait_for, Conn, Diff, Server, Value};

/// `INFO <section>` as (field, value) pairs in order, headers left out.
fn info_fields(c: &mut Conn, section: &str) -> Vec<(String, String)> {
    c.cmd(&["INFO", section])
        .as_str()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no INFO field {name} in {fields:?}"))
}

/// INFO replication with the values that differ by design replaced by placeholders.
fn normalized_replication(c: &mut Conn) -> Vec<(String, String)> {
    info_fields(c, "replication")
        .into_iter()
        .map(|(k, v)| {
            let v = match k.as_str() {
                "master_replid" => {
                    assert!(v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit()));
                    "<id>".into()
                }
                "master_repl_offset" | "repl_backlog_first_byte_offset" => {
                    assert!(v.parse::<u64>().is_ok(), "{k}:{v}");
                    "<offset>".into()
                }
                "repl_backlog_active" => "<active>".into(),
                _ => v,
            };
            (k, v)
        })
        .collect()
}

/// ROLE with the offsets normalized.
fn normalized_role(c: &mut Conn) -> Value {
    let mut items = c.cmd(&["ROLE"]).items();
    assert!(matches!(items[1], Value::Int(n) if n >= 0), "{items:?}");
    items[1] = Value::Int(0);
    Value::Array(items)
}

#[test]
fn info_replication_and_role_shapes_equal_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let (ours, theirs) = (normalized_replication(&mut d.ours), {
            normalized_replication(&mut d.theirs)
        });
        assert_eq!(ours, theirs, "INFO replication, {shards} shards");
        assert_eq!(normalized_role(&mut d.ours), normalized_role(&mut d.theirs));
        d.check(&["ROLE", "x"]);
        // Both options set: `min_slaves_good_slaves` appears after connected_slaves.
        d.check(&["CONFIG", "SET", "min-replicas-to-write", "2"]);
        assert_eq!(
            normalized_replication(&mut d.ours),
            normalized_replication(&mut d.theirs)
        );
        d.check(&["CONFIG", "SET", "min-replicas-max-lag", "0"]);
        assert_eq!(
            normalized_replication(&mut d.ours),
            normalized_replication(&mut d.theirs)
        );
        // Writes move our offset: the backlog fields stay consistent.
        d.ours.cmd(&["SET", "k", "v"]);
        d.theirs.cmd(&["SET", "k", "v"]);
        let f = info_fields(&mut d.ours, "replication");
        let offset: u64 = field(&f, "master_repl_offset").parse().unwrap();
        let first: u64 = field(&f, "repl_backlog_first_byte_offset").parse().unwrap();
        let histlen: u64 = field(&f, "repl_backlog_histlen").parse().unwrap();
        assert!(offset > 0);
        assert_eq!(first + histlen, offset + 1);
        let role = d.ours.cmd(&["ROLE"]).items();
        assert_eq!(role[1], Value::Int(offset as i64));
        d.both(&["HELLO", "3"]);
        assert_eq!(normalized_role(&mut d.ours), normalized_role(&mut d.theirs));
        d.check(&["DEL", "k"]);
    }
}

#[test]
fn replication_fields_of_stats_and_memory_equal_redis() {
    let mut d = Diff::new(1);
    for section in ["stats", "memory"] {
        let names = |c: &mut Conn| -> Vec<String> {
            info_fields(c, section)
                .into_iter()
                .map(|(k, _)| k)
                .filter(|k| k.contains("repl") || k.starts_with("sync_"))
                .collect()
        };
        assert_eq!(names(&mut d.ours), names(&mut d.theirs), "INFO {section}");
    }
    let stats = info_fields(&mut d.ours, "stats");
    for k in ["sync_full", "sync_partial_ok", "sync_partial_err"] {
        assert_eq!(field(&stats, k), "0");
    }
}

#[test]
fn min_replicas_options_equal_redis() {
    let mut d = Diff::new(1);
    let sorted = |v: Value| {
        let mut pairs: Vec<(String, String)> = v
            .items()
            .chunks(2)
            .map(|p| (p[0].as_str(), p[1].as_str()))
            .collect();
        pairs.sort();
        pairs
    };
    let get = |d: &mut Diff, pattern: &str| {
        let (a, b) = d.both(&["CONFIG", "GET", pattern]);
        assert_eq!(sorted(a), sorted(b), "CONFIG GET {pattern}");
    };
    get(&mut d, "min-*");
    for (name, value) in [
        ("min-replicas-to-write", "3"),
        ("min-slaves-max-lag", "7"),
        ("min-replicas-to-write", "-1"),
        ("min-replicas-max-lag", "x"),
        ("min-replicas-max-lag", "2147483648"),
        ("min-slaves-to-write", "2147483647"),
        ("min-replicas-to-write", "0"),
        ("min-replicas-max-lag", "10"),
    ] {
        d.check(&["CONFIG", "SET", name, value]);
        get(&mut d, "min-*");
    }
}

#[test]
fn wait_without_replicas_equals_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "WAIT 0 0
             WAIT -1 0
             WAIT 1 -1
             WAIT x 0
             WAIT 1 x
             WAIT 1 1.5
             WAIT 1 99999999999999999999
             WAIT 1
             WAIT 1 2 3
             SET {a}k v
             SET {b}k v
             WAIT 0 0
             WAIT 1 30
             MULTI
             SET {a}k w
             WAIT 5 0
             EXEC",
        );
        d.both(&["HELLO", "3"]);
        d.check(&["WAIT", "2", "10"]);
    }
}

/// Sends `args` without reading the reply.
fn send(c: &mut Conn, args: &[&str]) {
    let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.send_raw(&encode(&raw));
}

/// A client blocked in WAIT (no replicas) is a blocked client, and CLIENT UNBLOCK ends
/// its wait with the count (TIMEOUT) or `-UNBLOCKED` (ERROR), as in Redis.
#[test]
fn wait_blocks_and_client_unblock_ends_it_like_redis() {
    let d = Diff::new(2);
    for server in [&d.shardis, &d.redis] {
        for (how, expect) in [
            ("TIMEOUT", Value::Int(0)),
            (
                "ERROR",
                Value::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into()),
            ),
        ] {
            let mut waiter = server.conn();
            let mut admin = server.conn();
            let id = waiter.cmd(&["CLIENT", "ID"]).as_int().to_string();
            send(&mut waiter, &["WAIT", "1", "0"]);
            wait_for("WAIT blocked", Duration::from_secs(10), || {
                field(&info_fields(&mut admin, "clients"), "blocked_clients") == "1"
            });
            let line = admin.cmd(&["CLIENT", "LIST", "ID", &id]).as_str();
            assert!(line.contains(" flags=b "), "{}: {line}", server.name);
            assert_eq!(
                admin.cmd(&["CLIENT", "UNBLOCK", &id, how]),
                Value::Int(1),
                "{}",
                server.name
            );
            assert_eq!(waiter.read_value(), Some(expect), "{} {how}", server.name);
            assert_eq!(waiter.cmd(&["PING"]), Value::Simple("PONG".into()));
            assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), Value::Int(0));
        }
        // A timeout ends the wait with the count; a blocked client that hangs up is
        // forgotten.
        let mut c = server.conn();
        let start = Instant::now();
        assert_eq!(c.cmd(&["WAIT", "3", "120"]), Value::Int(0));
        assert!(start.elapsed() >= Duration::from_millis(100));
        let mut gone = server.conn();
        send(&mut gone, &["WAIT", "1", "0"]);
        let mut admin = server.conn();
        wait_for("WAIT blocked", Duration::from_secs(10), || {
            field(&info_fields(&mut admin, "clients"), "blocked_clients") == "1"
        });
        drop(gone);
        wait_for("hung-up WAIT forgotten", Duration::from_secs(10), || {
            field(&info_fields(&mut admin, "clients"), "blocked_clients") == "0"
        });
    }
}

/// `min-replicas-to-write 1` with no replica: writes are refused at dispatch, reads run,
/// MULTI flags the transaction, EXEC of queued writes aborts; errorstats agree.
#[test]
fn min_replicas_refuse_writes_like_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "SET {a}k 1
             SET {b}k 2
             CONFIG SET min-replicas-to-write 1
             SET {a}k 3
             MSET {a}k 1 {b}k 2
             DEL {a}k
             GET {a}k
             MGET {a}k {b}k
             EXISTS {a}k
             MULTI
             SET {a}k 4
             GET {a}k
             EXEC
             MULTI
             GET {a}k
             GET {b}k
             EXEC
             CONFIG SET min-replicas-max-lag 0
             SET {a}k 5
             CONFIG SET min-replicas-max-lag 10
             INCR {b}k
             CONFIG SET min-replicas-to-write 0
             MULTI
             SET {a}k 6
             INCR {b}k",
        );
        // The guard comes back while the transaction is open: EXEC aborts, discarding it.
        let mut admin_ours = d.shardis.conn();
        let mut admin_theirs = d.redis.conn();
        for c in [&mut admin_ours, &mut admin_theirs] {
            assert_eq!(
                c.cmd(&["CONFIG", "SET", "min-replicas-to-write", "1"]),
                Value::Simple("OK".into())
            );
        }
        d.script(
            "EXEC
             EXEC
             MULTI
             PING
             EXEC
             SET {a}k 7
             CONFIG SET min-replicas-to-write 0
             SET {a}k 8
             GET {a}k",
        );
        let errors = |c: &mut Conn| -> Vec<(String, String)> {
            info_fields(c, "errorstats")
                .into_iter()
                .filter(|(k, _)| k.contains("NOREPLICAS") || k.contains("EXECABORT"))
                .collect()
        };
        assert_eq!(errors(&mut d.ours), errors(&mut d.theirs));
    }
}

/// What [`follow_and_probe`] saw on one master, normalized to compare masters.
#[derive(Debug, PartialEq)]
struct Probe {
    info: Vec<(String, String)>,
    role: Value,
    wait_after_write: Value,
    wait_while_stopped: Value,
    refused_while_stopped: Value,
    killed: Value,
    partial_resyncs: String,
}

/// INFO replication of a master with replicas, normalized: ids and offsets as in
/// [`normalized_replication`], and in each `slave<i>` line the port, offset and lag.
fn normalized_master_info(c: &mut Conn) -> Vec<(String, String)> {
    normalized_replication(c)
        .into_iter()
        .map(|(k, v)| {
            if !k.starts_with("slave") {
                return (k, v);
            }
            let fields: Vec<String> = v
                .split(',')
                .map(|kv| match kv.split_once('=') {
                    Some((f @ ("port" | "offset" | "lag"), _)) => format!("{f}=<n>"),
                    _ => kv.to_string(),
                })
                .collect();
            (k, fields.join(","))
        })
        .collect()
}

fn sig(server: &Server, signal: &str) {
    let st = std::process::Command::new("kill")
        .args([signal, &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

fn link_up(replica: &Server) -> bool {
    let f = info_fields(&mut replica.conn(), "replication");
    field(&f, "master_link_status") == "up" && field(&f, "master_sync_in_progress") == "0"
}

/// A real redis-server replica follows `master`; then INFO, ROLE, WAIT, `min-replicas-*`
/// with the replica stopped (SIGSTOP), and CLIENT KILL TYPE replica (it comes back with
/// a partial resync).
fn follow_and_probe(master: &Server) -> Probe {
    let replica = Server::redis(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
    let mut m = master.conn();
    wait_for("replica synced", Duration::from_secs(60), || {
        link_up(&replica)
    });
    wait_for("replica online", Duration::from_secs(10), || {
        let f = info_fields(&mut m, "replication");
        f.iter()
            .any(|(k, v)| k == "slave0" && v.contains("state=online"))
    });
    let info = normalized_master_info(&mut m);
    let mut role = m.cmd(&["ROLE"]).items();
    role[1] = Value::Int(0);
    let mut replicas = role[2].items();
    for r in &mut replicas {
        let mut fields = r.items();
        assert_eq!(fields[1], Value::bulk(&replica.port.to_string()));
        assert!(fields[2].as_str().parse::<u64>().is_ok());
        fields[1] = Value::bulk("<port>");
        fields[2] = Value::bulk("<offset>");
        *r = Value::Array(fields);
    }
    role[2] = Value::Array(replicas);
    let role = Value::Array(role);

    m.cmd(&["SET", "{a}k", "1"]);
    let wait_after_write = m.cmd(&["WAIT", "1", "10000"]);

    sig(&replica, "-STOP");
    m.cmd(&["SET", "{b}k", "2"]);
    let wait_while_stopped = m.cmd(&["WAIT", "1", "300"]);
    m.cmd(&["CONFIG", "SET", "min-replicas-max-lag", "1"]);
    m.cmd(&["CONFIG", "SET", "min-replicas-to-write", "1"]);
    // The replica's last ACK ages past the 1 s lag; the 1 Hz recount then refuses writes.
    let mut refused_while_stopped = Value::Null;
    wait_for("writes refused", Duration::from_secs(6), || {
        refused_while_stopped = m.cmd(&["SET", "{a}k", "3"]);
        refused_while_stopped.is_error()
    });
    sig(&replica, "-CONT");
    wait_for("writes accepted again", Duration::from_secs(10), || {
        !m.cmd(&["SET", "{a}k", "4"]).is_error()
    });
    m.cmd(&["CONFIG", "SET", "min-replicas-to-write", "0"]);

    let killed = m.cmd(&["CLIENT", "KILL", "TYPE", "replica"]);
    wait_for("replica back", Duration::from_secs(30), || {
        let f = info_fields(&mut m, "stats");
        field(&f, "sync_partial_ok") == "1" && link_up(&replica)
    });
    let partial_resyncs = field(&info_fields(&mut m, "stats"), "sync_partial_ok");
    assert_eq!(m.cmd(&["WAIT", "1", "10000"]), Value::Int(1));
    Probe {
        info,
        role,
        wait_after_write,
        wait_while_stopped,
        refused_while_stopped,
        killed,
        partial_resyncs,
    }
}

/// The same probe on a real Redis master and on shardis: equal observations. The shardis
/// half is skipped while it does not serve PSYNC.
#[test]
fn with_a_real_redis_replica_like_redis() {
    let theirs = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    let expected = follow_and_probe(&theirs);
    assert_eq!(expected.wait_after_write, Value::Int(1));
    assert_eq!(expected.wait_while_stopped, Value::Int(0));
    assert_eq!(
        expected.refused_while_stopped,
        Value::Error("NOREPLICAS Not enough good replicas to write.".into())
    );
    assert_eq!(expected.killed, Value::Int(1));
    let ours = Server::shardis(2, &["--repl-diskless-sync-delay", "0"]);
    if ours.conn().cmd(&["COMMAND", "DOCS", "psync"]) == Value::Array(vec![]) {
        eprintln!("shardis does not serve PSYNC yet: its half is skipped");
        return;
    }
    assert_eq!(follow_and_probe(&ours), expected);
}
