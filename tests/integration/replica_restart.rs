//! PSYNC2 across restarts (issue 8, issue 7's "PSYNC2 restart"): the RDB file carries
//! `repl-stream-db`, `repl-id`, `repl-offset`, so that
//! - a shardis master restarted on its file lets a real Redis 7.0 replica continue with
//!   `+CONTINUE <new id>`, and the keys that expired while it was down are deleted on the
//!   replica too (a `DEL` each in the log after the file's offset);
//! - a shardis replica restarted on its file continues from its real Redis master with
//!   a partial resync, keeping keys already expired (its master deletes them).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::dataset::populate;
use crate::support::repl::{digest, info_field, write_some, write_some_on, WAIT};
use crate::support::resp::encode;
use crate::support::{free_port, wait_for, Conn, Server, Value};

fn ok() -> Value {
    Value::Simple("OK".into())
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "shardis-test-restart-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A shardis process on a fixed port and directory (a master restarts on the same port,
/// where its replicas look for it), with its own log file; killed when dropped.
struct Shardis {
    port: u16,
    child: Child,
    log: PathBuf,
}

impl Shardis {
    fn start(port: u16, dir: &Path, shards: usize, log_name: &str, extra: &[&str]) -> Shardis {
        let log = dir.join(log_name);
        let child = Server::shardis_command(port, dir, shards, extra)
            .args(["--logfile", log.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut s = Shardis { port, child, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !s.log_text().contains("Ready to accept connections") {
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!(
                    "shardis exited at start-up: {status}; log: {}",
                    s.log_text()
                );
            }
            assert!(Instant::now() < deadline, "not ready: {}", s.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn field(&self, section: &str, field: &str) -> String {
        field_of(&mut self.conn(), section, field)
    }

    /// SHUTDOWN SAVE, and the process gone.
    fn shutdown_save(mut self) {
        let mut c = self.conn();
        c.send_raw(&encode(&[b"SHUTDOWN", b"SAVE"]));
        assert_eq!(c.read_value(), None, "SHUTDOWN closes the connection");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert_eq!(status.code(), Some(0));
                break;
            }
            assert!(Instant::now() < deadline, "shardis did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Shardis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn field_of(c: &mut Conn, section: &str, field: &str) -> String {
    c.cmd(&["INFO", section])
        .as_str()
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{field}:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("INFO {section} has no {field}"))
}

fn num(s: &Server, section: &str, field: &str) -> u64 {
    info_field(s, section, field)
        .unwrap_or_else(|| panic!("INFO {section} has no {field}"))
        .parse()
        .unwrap()
}

/// Keys with a short TTL on both shards of a 2-shard server and in several dbs; returns
/// their names by db.
fn short_lived(c: &mut Conn, ms: u64) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for db in ["0", "3"] {
        assert_eq!(c.cmd(&["SELECT", db]), ok());
        let names: Vec<String> = (0..8).map(|i| format!("short:{db}:{i}")).collect();
        for k in &names {
            assert_eq!(c.cmd(&["SET", k, "v", "PX", &ms.to_string()]), ok());
        }
        out.push((db.to_string(), names));
    }
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    out
}

/// DBSIZE of every database that matters here (a replica counts logically expired keys
/// it still holds).
fn sizes(c: &mut Conn) -> Vec<i64> {
    let mut out = Vec::new();
    for db in ["0", "1", "3", "9"] {
        assert_eq!(c.cmd(&["SELECT", db]), ok());
        out.push(c.cmd(&["DBSIZE"]).as_int());
    }
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    out
}

/// The Redis replica `r` has applied everything `master` logged.
fn redis_replica_caught_up(master: &Shardis, r: &Server) -> bool {
    let ours: u64 = master
        .field("replication", "master_repl_offset")
        .parse()
        .unwrap();
    info_field(r, "replication", "master_link_status").as_deref() == Some("up")
        && num(r, "replication", "master_repl_offset") == ours
}

/// A shardis master restarted with SHUTDOWN SAVE on the same port and directory: the
/// real Redis replica that followed it continues (`+CONTINUE`, no full sync), and the
/// keys that expired while the master was down are deleted on the replica as well.
#[test]
fn restarted_master_continues_a_redis_replica() {
    for shards in [1, 2] {
        let dir = scratch(&format!("master{shards}"));
        let port = free_port();
        // No PING in the log during the test: the replica must hold every byte the
        // final save covers (Redis's SHUTDOWN waits for replicas; ours does not).
        let extra = ["--repl-ping-replica-period", "3600"];
        let m = Shardis::start(port, &dir, shards, "run1.log", &extra);
        let mut c = m.conn();
        // Expired keys stay in the master's memory (so in its file) until it restarts.
        assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
        let r = Server::redis(&[
            "--replicaof",
            "127.0.0.1",
            &port.to_string(),
            "--repl-timeout",
            "10",
        ]);
        populate(&mut c);
        write_some_on(&mut c, "pre", 100);
        let short = short_lived(&mut c, 300);
        wait_for("replica caught up", WAIT, || {
            redis_replica_caught_up(&m, &r)
        });
        let first_id = m.field("replication", "master_replid");
        assert_eq!(
            info_field(&r, "replication", "master_replid").unwrap(),
            first_id
        );
        let before = sizes(&mut r.conn());
        // The TTLs pass while the keys are still in both servers.
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(sizes(&mut r.conn()), before, "a replica keeps expired keys");
        let offset = num(&r, "replication", "master_repl_offset");
        m.shutdown_save();

        let m = Shardis::start(port, &dir, shards, "run2.log", &extra);
        let expired: usize = short.iter().map(|(_, k)| k.len()).sum();
        let log = m.log_text();
        assert!(
            log.contains(&format!("keys expired: {expired}.")),
            "the load drops the expired keys: {log}"
        );
        // The old history is our previous one; the log continues at the file's offset.
        assert_eq!(m.field("replication", "master_replid2"), first_id);
        assert_eq!(
            m.field("replication", "second_repl_offset"),
            (offset + 1).to_string()
        );
        let new_id = m.field("replication", "master_replid");
        assert_ne!(new_id, first_id);
        wait_for("replica continued", WAIT, || {
            redis_replica_caught_up(&m, &r)
                && info_field(&r, "replication", "master_replid").as_deref()
                    == Some(new_id.as_str())
        });
        assert_eq!(m.field("stats", "sync_partial_ok"), "1");
        assert_eq!(m.field("stats", "sync_full"), "0");
        assert!(r
            .log()
            .contains("Successful partial resynchronization with master"));
        assert_eq!(
            info_field(&r, "replication", "master_replid2").unwrap(),
            first_id
        );
        // The DELs the restart logged reached the replica: the keys are gone there too.
        let mut rc = r.conn();
        let mut mc = m.conn();
        for (db, keys) in &short {
            assert_eq!(rc.cmd(&["SELECT", db]), ok());
            for k in keys {
                assert_eq!(rc.cmd(&["EXISTS", k]), Value::Int(0));
            }
        }
        assert_eq!(rc.cmd(&["SELECT", "0"]), ok());
        let after: Vec<i64> = sizes(&mut rc);
        assert_eq!(after, sizes(&mut mc));
        assert_eq!(
            before.iter().sum::<i64>() - after.iter().sum::<i64>(),
            expired as i64
        );
        // More writes flow as usual.
        write_some_on(&mut mc, "post", 50);
        wait_for("replica caught up again", WAIT, || {
            redis_replica_caught_up(&m, &r)
        });
        assert_eq!(digest(&r), mc.cmd(&["DEBUG", "DIGEST"]));
        assert_eq!(sizes(&mut rc), sizes(&mut mc));
        drop(m);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The Redis master's view of its one replica: (state, ACKed offset).
fn replica_entry(m: &Server) -> Option<(String, u64)> {
    let line = info_field(m, "replication", "slave0")?;
    let mut state = None;
    let mut offset = None;
    for part in line.split(',') {
        if let Some(s) = part.strip_prefix("state=") {
            state = Some(s.to_string());
        }
        if let Some(o) = part.strip_prefix("offset=") {
            offset = o.parse().ok();
        }
    }
    Some((state?, offset?))
}

/// The shardis replica has ACKed everything its Redis master logged.
fn acked_all(m: &Server) -> bool {
    let end = num(m, "replication", "master_repl_offset");
    replica_entry(m).is_some_and(|(state, off)| state == "online" && off == end)
}

/// A shardis replica of a real Redis master, SHUTDOWN SAVE and started again on the same
/// directory: it PSYNCs from its file's replid and offset and continues (the master
/// counts a partial sync, no new full one), with the writes made while it was down.
#[test]
fn restarted_replica_continues_from_its_file() {
    for shards in [1, 2] {
        let dir = scratch(&format!("replica{shards}"));
        let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
        let mport = m.port.to_string();
        let args = [
            "--replicaof",
            "127.0.0.1",
            mport.as_str(),
            "--repl-timeout",
            "10",
        ];
        let mut mc = m.conn();
        // The master keeps expired keys until it deletes them with a DEL in its stream:
        // the restarted replica must still hold them then.
        assert_eq!(mc.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ok());
        populate(&mut mc);
        write_some(&m, "pre", 100);
        let short = short_lived(&mut mc, 300);
        let r = Server::shardis_in(&dir, shards, &args);
        wait_for("replica synced", WAIT, || acked_all(&m));
        assert_eq!(digest(&r), digest(&m));
        assert_eq!(num(&m, "stats", "sync_full"), 1);
        assert_eq!(num(&m, "stats", "sync_partial_ok"), 0);
        std::thread::sleep(Duration::from_millis(400));
        let mut rc = r.conn();
        rc.send_raw(&encode(&[b"SHUTDOWN", b"SAVE"]));
        assert_eq!(rc.read_value(), None);
        drop(rc);
        drop(r);
        // Written while the replica is down: it gets them from the backlog.
        write_some(&m, "while-down", 30);

        let r = Server::shardis_in(&dir, shards, &args);
        wait_for("replica continued", WAIT, || {
            r.log().contains("Trying a partial resynchronization") && acked_all(&m)
        });
        assert_eq!(num(&m, "stats", "sync_partial_ok"), 1);
        assert_eq!(num(&m, "stats", "sync_full"), 1);
        assert_eq!(
            digest(&r),
            digest(&m),
            "expired keys kept, new writes applied"
        );
        // The master expires the short keys now: DELs in the stream.
        assert_eq!(mc.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), ok());
        wait_for("master expired the short keys", WAIT, || {
            short.iter().all(|(db, keys)| {
                mc.cmd(&["SELECT", db]);
                keys.iter().all(|k| mc.cmd(&["EXISTS", k]) == Value::Int(0))
            })
        });
        write_some(&m, "post", 20);
        wait_for("replica caught up", WAIT, || acked_all(&m));
        assert_eq!(digest(&r), digest(&m));
        assert_eq!(sizes(&mut r.conn()), sizes(&mut m.conn()));
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
