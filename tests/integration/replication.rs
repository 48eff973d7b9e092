//! The master side of replication with real `redis-server` replicas: full sync (diskless
//! and disk framing, several dbs, 2 shards, writers running), streaming to digest
//! equality, partial resync after a link cut, full sync after a cut longer than the
//! backlog, a stopped replica dropped by its output buffer limit, redis-cli --rdb and
//! --replica, REPLCONF/SYNC replies and the new options against real Redis.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::repl::{
    assert_in_sync, digest, info_field, link_up, replica_of, write_some, WAIT,
};
use crate::support::{redis_binary, wait_for, Diff, Server, Value};

fn full_sync_while_writing(shards: usize, extra: &[&str]) {
    full_sync_while_writing_over(shards, extra, 0);
}

/// A full sync of `populate` extra keys (DEBUG POPULATE) and some of every kind while
/// two clients write; the replica ends equal after exactly one full sync.
fn full_sync_while_writing_over(shards: usize, extra: &[&str], populate: u64) {
    let mut args = vec!["--repl-diskless-sync-delay", "0"];
    args.extend_from_slice(extra);
    let m = Server::shardis(shards, &args);
    if populate > 0 {
        m.conn().cmd(&["DEBUG", "POPULATE", &populate.to_string()]);
    }
    write_some(&m, "pre", 300);
    let port = m.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = crate::support::Conn::connect(port);
                let mut i = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 20_000 {
                    c.cmd(&["SELECT", &(i % 4).to_string()]);
                    c.cmd(&["INCR", &format!("ctr{w}:{}", i % 50)]);
                    c.cmd(&["SADD", &format!("s{w}:{}", i % 13), &i.to_string()]);
                    i += 1;
                }
            })
        })
        .collect();
    let r = replica_of(&m, &[]);
    wait_for("link up", WAIT, || link_up(&r));
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    write_some(&m, "post", 50);
    assert_in_sync(&m, &r);
    let syncs = r.log().matches("Full resync from master").count();
    assert_eq!(syncs, 1, "one full sync: {}", m.log());
}

/// Writes during the sync overrun a 16 KiB ring many times: the bytes after the cut are
/// kept for the replica (as Redis keeps them in its output buffer), so the sync
/// completes once instead of starting over forever.
#[test]
fn full_sync_that_outlasts_the_backlog_completes() {
    full_sync_while_writing_over(2, &["--repl-backlog-size", "16kb"], 300_000);
}

#[test]
fn full_sync_diskless_two_shards_while_writing() {
    full_sync_while_writing(2, &[]);
}

#[test]
fn full_sync_disk_framing_one_shard_while_writing() {
    full_sync_while_writing(1, &["--repl-diskless-sync", "no"]);
}

#[test]
fn link_cut_resumes_with_continue() {
    let m = Server::shardis(2, &["--repl-diskless-sync-delay", "0"]);
    write_some(&m, "a", 100);
    let r = replica_of(&m, &[]);
    wait_for("link up", WAIT, || link_up(&r));
    assert_in_sync(&m, &r);
    let full_before = info_field(&r, "stats", "sync_full");
    // Cut the link from the replica's side; write while it is down.
    r.conn().cmd(&["CLIENT", "KILL", "TYPE", "master"]);
    write_some(&m, "b", 20);
    wait_for("link up again", WAIT, || link_up(&r));
    assert_in_sync(&m, &r);
    wait_for("replica logged a partial resync", WAIT, || {
        r.log()
            .contains("Successful partial resynchronization with master")
    });
    // Exactly one full sync: the first one.
    assert_eq!(r.log().matches("Full resync from master: ").count(), 1);
    assert_eq!(info_field(&r, "stats", "sync_full"), full_before);
}

#[test]
fn cut_longer_than_the_backlog_forces_a_full_sync() {
    let m = Server::shardis(
        2,
        &[
            "--repl-diskless-sync-delay",
            "0",
            "--repl-backlog-size",
            "16384",
        ],
    );
    write_some(&m, "a", 20);
    let r = replica_of(&m, &[]);
    wait_for("link up", WAIT, || link_up(&r));
    assert_in_sync(&m, &r);
    // Stop the replica, cut its link, and write far more than the backlog holds before
    // it can reconnect: its PSYNC position is gone, it must resync in full.
    let pid = r.pid();
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    let mut c = m.conn();
    // (The offset probes of `assert_in_sync` may still be replicas too.)
    let killed = c.cmd(&["CLIENT", "KILL", "TYPE", "replica"]);
    assert!(matches!(killed, Value::Int(n) if n >= 1), "{killed:?}");
    let big = "x".repeat(10_000);
    for i in 0..3000 {
        c.cmd(&["SET", &format!("big{}", i % 100), &big]);
    }
    unsafe { libc::kill(pid as i32, libc::SIGCONT) };
    // It was dropped (its position left the backlog) and must resync in full.
    wait_for("a second full sync", WAIT, || {
        r.log().matches("Full resync from master: ").count() >= 2
    });
    assert_in_sync(&m, &r);
}

/// A real replica of `m`, in sync, then stopped (SIGSTOP): it and its pid.
fn synced_then_stopped(m: &Server) -> (Server, i32) {
    let r = replica_of(m, &[]);
    wait_for("link up", WAIT, || link_up(&r));
    assert_in_sync(m, &r);
    let pid = r.pid() as i32;
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    (r, pid)
}

/// A replica that stops reading while writes lap the ring many times is not dropped
/// (the bytes it owes are kept, as Redis keeps them in its output buffer, up to the
/// buffer's limits): resumed, it catches up on the same link.
#[test]
fn lagging_replica_keeps_its_link_past_the_ring() {
    // A 4 MB ring, lapped 2.5 times. (With the default 1 MB one, a keeper thread kept off
    // the CPU for ~2 ms by a loaded machine can be lapped: see the note on `KEEP_MARGIN`.)
    let m = Server::shardis(
        2,
        &[
            "--repl-diskless-sync-delay",
            "0",
            "--repl-backlog-size",
            "4mb",
        ],
    );
    let (r, pid) = synced_then_stopped(&m);
    let mut c = m.conn();
    let big = "z".repeat(10_000);
    for i in 0..1000 {
        c.cmd(&["SET", &format!("lag{}", i % 100), &big]);
    }
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert_in_sync(&m, &r);
    let dropped = format!("Connection with replica 127.0.0.1:{}", r.port);
    assert!(!m.log().contains(&dropped), "{}", m.log());
    assert_eq!(r.log().matches("Full resync from master: ").count(), 1);
    assert!(!r.log().contains("partial resynchronization"));
}

#[test]
fn stopped_replica_is_dropped_by_its_output_buffer_limit_and_resyncs() {
    let m = Server::shardis(
        2,
        &[
            "--repl-diskless-sync-delay",
            "0",
            "--repl-backlog-size",
            "64mb",
            "--client-output-buffer-limit",
            "replica 256kb 128kb 1",
        ],
    );
    let (r, pid) = synced_then_stopped(&m);
    // The shards keep answering while the replica is stopped.
    let mut c = m.conn();
    let big = "y".repeat(10_000);
    let started = Instant::now();
    // Far more than the loopback socket buffers can absorb.
    for i in 0..4000 {
        assert_eq!(
            c.cmd(&["SET", &format!("k{}", i % 500), &big]),
            Value::Simple("OK".into())
        );
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    let deadline = Instant::now() + WAIT;
    while !m.log().contains("overcoming of output buffer limits") {
        assert!(
            Instant::now() < deadline,
            "replica not dropped; log: {}",
            m.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    unsafe { libc::kill(pid, libc::SIGCONT) };
    wait_for("link up again", WAIT, || link_up(&r));
    assert_in_sync(&m, &r);
}

/// Replicas arriving within `repl-diskless-sync-delay` share one snapshot.
#[test]
fn replicas_arriving_together_share_one_snapshot() {
    let m = Server::shardis(2, &["--repl-diskless-sync-delay", "2"]);
    write_some(&m, "a", 50);
    let replicas: Vec<Server> = (0..3).map(|_| replica_of(&m, &[])).collect();
    for r in &replicas {
        wait_for("link up", WAIT, || link_up(r));
    }
    assert_eq!(m.log().matches("Starting BGSAVE for SYNC").count(), 1);
    for r in &replicas {
        assert_in_sync(&m, r);
    }
}

#[test]
fn redis_cli_rdb_and_replica() {
    let m = Server::shardis(2, &["--repl-diskless-sync-delay", "0"]);
    write_some(&m, "a", 30);
    let dir = std::env::temp_dir().join(format!("shardis-rdb-{}", m.port));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dump.rdb");
    let out = Command::new(redis_binary("redis-cli"))
        .args(["-p", &m.port.to_string(), "--rdb", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A real redis-server loads the file to the same digest.
    let r = Server::redis(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
    assert_eq!(digest(&r), digest(&m));
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
    // --replica: the RDB, then the stream, printed.
    let mut child = Command::new(redis_binary("redis-cli"))
        .args(["-p", &m.port.to_string(), "--replica"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&all).contains("marker-key") {
                break;
            }
        }
        all
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut c = m.conn();
    let deadline = Instant::now() + WAIT;
    while !reader.is_finished() && Instant::now() < deadline {
        c.cmd(&["SET", "marker-key", "1"]);
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&reader.join().unwrap()).to_string();
    assert!(text.contains("marker-key"), "{text}");
}

#[test]
fn replconf_and_sync_replies_match_redis() {
    let mut d = Diff::new(1);
    for args in [
        vec!["REPLCONF"],
        vec!["REPLCONF", "listening-port"],
        vec!["REPLCONF", "listening-port", "x"],
        vec!["REPLCONF", "listening-port", "6380"],
        vec![
            "REPLCONF",
            "listening-port",
            "6380",
            "capa",
            "eof",
            "capa",
            "psync2",
        ],
        vec!["REPLCONF", "capa", "whatever"],
        vec!["REPLCONF", "rdb-only", "2"],
        vec!["REPLCONF", "rdb-only", "x"],
        vec!["REPLCONF", "rdb-only", "0"],
        vec!["REPLCONF", "rdb-filter-only", "xx"],
        vec!["REPLCONF", "rdb-filter-only", ""],
        vec!["REPLCONF", "foo", "1"],
        vec!["REPLCONF", "ip-address", &"a".repeat(300)],
        vec!["REPLCONF", "ip-address", "10.0.0.1"],
        vec!["PSYNC", "?"],
        vec!["SYNC", "x"],
        vec!["PSYNC", "?", "notanumber"],
        vec!["COMMAND", "INFO", "SYNC", "PSYNC", "REPLCONF"],
    ] {
        d.check(&args);
    }
}

#[test]
fn replication_options_match_redis() {
    let mut d = Diff::new(1);
    // Our default delay is 1 s (measured, see replication::config); Redis's is 5 s.
    assert_eq!(
        d.shardis
            .conn()
            .cmd(&["CONFIG", "GET", "repl-diskless-sync-delay"])
            .items()[1],
        Value::bulk("1")
    );
    d.check(&["CONFIG", "SET", "repl-diskless-sync-delay", "5"]);
    for name in [
        "repl-diskless-sync",
        "repl-diskless-sync-max-replicas",
        "repl-ping-replica-period",
        "repl-ping-slave-period",
        "repl-timeout",
        "repl-backlog-size",
        "client-output-buffer-limit",
    ] {
        d.check(&["CONFIG", "GET", name]);
    }
    for (name, value) in [
        ("repl-diskless-sync", "no"),
        ("repl-diskless-sync", "maybe"),
        ("repl-diskless-sync-delay", "-1"),
        ("repl-diskless-sync-delay", "abc"),
        ("repl-diskless-sync-delay", "3"),
        ("repl-diskless-sync-max-replicas", "-1"),
        ("repl-diskless-sync-max-replicas", "2"),
        ("repl-timeout", "0"),
        ("repl-timeout", "2147483648"),
        ("repl-timeout", "30"),
        ("repl-ping-replica-period", "0"),
        ("repl-ping-slave-period", "5"),
        ("repl-backlog-size", "100"),
        ("repl-backlog-size", "2mb"),
        ("client-output-buffer-limit", "slave 1 2"),
        ("client-output-buffer-limit", "foo 1 2 3"),
        ("client-output-buffer-limit", "slave 1x 2 3"),
        ("client-output-buffer-limit", "slave 1 2 -3"),
        (
            "client-output-buffer-limit",
            "replica 1mb 2k 3 pubsub 1 2 3",
        ),
        ("client-output-buffer-limit", ""),
    ] {
        d.check(&["CONFIG", "SET", name, value]);
        d.check(&["CONFIG", "GET", name]);
    }
    d.check(&["CONFIG", "GET", "repl-diskless-sync-delay"]);
}

#[test]
fn sync_with_pending_output_is_refused() {
    let m = Server::shardis(1, &[]);
    let mut s = TcpStream::connect(("127.0.0.1", m.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"PING\r\nSYNC\r\nPING\r\n").unwrap();
    let mut r = BufReader::new(s);
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        lines.push(l);
    }
    assert_eq!(
        lines,
        [
            "+PONG\r\n",
            "-ERR SYNC and PSYNC are invalid with pending output\r\n",
            "+PONG\r\n"
        ]
    );
}
