//! RDB persistence end to end: SAVE/BGSAVE files that real Redis loads (same DEBUG
//! DIGEST) and `redis-check-rdb` accepts, restarts on our own and on Redis's files, DEBUG
//! RELOAD, save points, SHUTDOWN SAVE/NOSAVE, failing saves, corrupt files at start-up,
//! and the commands' replies and metadata against Redis.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::dataset::{populate, ENCODED};
use crate::support::{redis_binary, wait_for, Diff, Server, Value};

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shardis-persist-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok() -> Value {
    Value::Simple("OK".into())
}

fn digest(c: &mut crate::support::Conn) -> Value {
    let d = c.cmd(&["DEBUG", "DIGEST"]);
    assert!(!d.is_error(), "{d:?}");
    d
}

fn check_rdb(path: &Path) {
    let out = std::process::Command::new(redis_binary("redis-check-rdb"))
        .arg(path)
        .output()
        .expect("run redis-check-rdb");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-rdb: {text}");
    assert!(text.contains("RDB looks OK"), "redis-check-rdb: {text}");
}

fn info_field(c: &mut crate::support::Conn, name: &str) -> String {
    let text = c.cmd(&["INFO", "persistence"]).as_str();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[test]
fn saved_file_loads_in_redis_and_back() {
    for shards in [1, 2] {
        let dir = scratch(&format!("save{shards}"));
        // With two shards, the other settings: Redis reads that file too.
        let extra: &[&str] = if shards == 2 {
            &["--rdbchecksum", "no"]
        } else {
            &[]
        };
        let ours = Server::shardis_in(&dir, shards, extra);
        let mut o = ours.conn();
        populate(&mut o);
        if shards == 2 {
            assert_eq!(o.cmd(&["CONFIG", "SET", "rdbcompression", "no"]), ok());
        }
        assert_eq!(o.cmd(&["SAVE"]), ok());
        assert_eq!(info_field(&mut o, "rdb_changes_since_last_save"), "0");
        assert_eq!(info_field(&mut o, "rdb_saves"), "1");
        let want = digest(&mut o);
        let file = dir.join("dump.rdb");
        check_rdb(&file);
        assert!(!dir.join(format!("temp-{}.rdb", ours.pid())).exists());

        let redis = Server::redis(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
        let mut r = redis.conn();
        assert_eq!(
            digest(&mut r),
            want,
            "redis loaded our file ({shards} shards)"
        );
        assert_eq!(r.cmd(&["SELECT", "9"]), ok());
        assert_eq!(o.cmd(&["SELECT", "9"]), ok());
        for key in ENCODED {
            assert_eq!(
                r.cmd(&["OBJECT", "ENCODING", key]),
                o.cmd(&["OBJECT", "ENCODING", key]),
                "{key}"
            );
        }
        drop(redis);

        // Restarted on its own file, with the other shard count.
        drop(ours);
        let again = Server::shardis_in(&dir, 3 - shards, &["--logfile", "again.log"]);
        let mut a = again.conn();
        assert_eq!(
            digest(&mut a),
            want,
            "restart on our file ({shards} shards)"
        );
        assert_eq!(a.cmd(&["SELECT", "1"]), ok());
        let ttl = a.cmd(&["PTTL", "s:ttl"]).as_int();
        assert!(ttl > 0, "TTL kept: {ttl}");
        let log = std::fs::read_to_string(dir.join("again.log")).unwrap();
        assert!(log.contains("DB loaded from disk:"), "{log}");
        assert!(log.contains("Done loading RDB, keys loaded: "), "{log}");
        assert!(
            info_field(&mut a, "rdb_last_load_keys_loaded")
                .parse::<u64>()
                .unwrap()
                > 100
        );
        assert_eq!(info_field(&mut a, "loading"), "0");
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn redis_file_loads_at_start_up_expired_keys_dropped() {
    let dir = scratch("from-redis");
    let redis = Server::redis(&["--dir", dir.to_str().unwrap(), "--dbfilename", "r.rdb"]);
    let mut r = redis.conn();
    populate(&mut r);
    // Expires while the file sits on disk: dropped at load, as a master does.
    r.cmd(&["SET", "short", "x", "PX", "300"]);
    assert_eq!(r.cmd(&["SAVE"]), ok());
    std::thread::sleep(Duration::from_millis(400));
    let want = digest(&mut r);
    drop(redis);
    for shards in [1, 2] {
        let ours = Server::shardis_in(&dir, shards, &["--dbfilename", "r.rdb"]);
        let mut o = ours.conn();
        assert_eq!(digest(&mut o), want, "{shards} shards");
        assert_eq!(info_field(&mut o, "rdb_last_load_keys_expired"), "1");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn debug_reload_keeps_the_dataset() {
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let mut o = ours.conn();
        populate(&mut o);
        let want = digest(&mut o);
        assert_eq!(o.cmd(&["SELECT", "9"]), ok());
        let encodings = |o: &mut crate::support::Conn| -> Vec<Value> {
            ENCODED
                .iter()
                .map(|k| o.cmd(&["OBJECT", "ENCODING", k]))
                .collect()
        };
        let before = encodings(&mut o);
        assert_eq!(o.cmd(&["DEBUG", "RELOAD"]), ok());
        assert_eq!(digest(&mut o), want);
        assert_eq!(encodings(&mut o), before);
        assert_eq!(o.cmd(&["DBSIZE"]).as_int(), 63);
        // NOSAVE loads the file as it is: later changes are gone.
        assert_eq!(o.cmd(&["SET", "s:int", "changed"]), ok());
        assert_eq!(o.cmd(&["DEBUG", "RELOAD", "NOSAVE"]), ok());
        assert_eq!(digest(&mut o), want);
        assert_eq!(
            o.cmd(&["DEBUG", "RELOAD", "bogus"]),
            Value::Error(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.".into()
            )
        );
    }
}

#[test]
fn bgsave_and_save_points() {
    let dir = scratch("points");
    let ours = Server::shardis_in(&dir, 2, &["--save", "1 1"]);
    let mut o = ours.conn();
    assert_eq!(o.cmd(&["CONFIG", "GET", "save"]).items()[1].as_str(), "1 1");
    let before = o.cmd(&["LASTSAVE"]).as_int();
    o.cmd(&["SET", "a", "1"]);
    o.cmd(&["SET", "b", "2"]);
    assert_eq!(info_field(&mut o, "rdb_changes_since_last_save"), "2");
    // Saved by the save point once a second has passed since the last save.
    wait_for("save point", Duration::from_secs(20), || {
        o.cmd(&["LASTSAVE"]).as_int() > before
            && info_field(&mut o, "rdb_changes_since_last_save") == "0"
    });
    assert!(dir.join("dump.rdb").exists());
    assert_eq!(info_field(&mut o, "rdb_last_bgsave_status"), "ok");
    assert!(ours.log().contains("changes in 1 seconds. Saving..."));
    // BGSAVE replies at once; the file follows.
    assert_eq!(o.cmd(&["CONFIG", "SET", "save", ""]), ok());
    o.cmd(&["SET", "c", "3"]);
    let r = o.cmd(&["BGSAVE"]);
    assert_eq!(r, Value::Simple("Background saving started".into()));
    wait_for("bgsave done", Duration::from_secs(20), || {
        info_field(&mut o, "rdb_bgsave_in_progress") == "0"
            && info_field(&mut o, "rdb_changes_since_last_save") == "0"
    });
    assert_eq!(info_field(&mut o, "rdb_last_bgsave_time_sec"), "0");
    check_rdb(&dir.join("dump.rdb"));
    let want = digest(&mut o);
    drop(ours);
    let again = Server::shardis_in(&dir, 1, &["--logfile", "again.log"]);
    assert_eq!(digest(&mut again.conn()), want);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_save_and_nosave() {
    // NOSAVE with save points: no file.
    let dir = scratch("shutdown");
    let mut ours = Server::shardis_in(&dir, 2, &["--save", "3600 1"]);
    let mut o = ours.conn();
    o.cmd(&["SET", "a", "1"]);
    assert_eq!(
        o.cmd(&["SHUTDOWN", "NOSAVE", "SAVE"]).as_str(),
        "ERR syntax error"
    );
    assert_eq!(
        o.cmd(&["SHUTDOWN", "ABORT"]),
        Value::Error("ERR No shutdown in progress.".into())
    );
    o.send_raw(b"SHUTDOWN NOSAVE\r\n");
    assert_eq!(o.read_value(), None, "closed without a reply");
    assert_eq!(ours.wait_exit(Duration::from_secs(20)), Some(0));
    assert!(!dir.join("dump.rdb").exists());
    drop(ours);

    // SAVE without save points: the file, then a clean exit.
    let mut ours = Server::shardis_in(&dir, 2, &[]);
    let mut o = ours.conn();
    o.cmd(&["SET", "a", "1"]);
    o.cmd(&["HSET", "h", "f", "v"]);
    let want = digest(&mut o);
    o.send_raw(b"SHUTDOWN SAVE\r\n");
    assert_eq!(o.read_value(), None);
    assert_eq!(ours.wait_exit(Duration::from_secs(20)), Some(0));
    drop(ours);
    check_rdb(&dir.join("dump.rdb"));

    // SIGTERM with save points saves too.
    let mut ours = Server::shardis_in(&dir, 1, &["--save", "3600 1", "--logfile", "2.log"]);
    let mut o = ours.conn();
    assert_eq!(digest(&mut o), want);
    o.cmd(&["SET", "after", "term"]);
    let want = digest(&mut o);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &ours.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(ours.wait_exit(Duration::from_secs(20)), Some(0));
    drop(ours);
    let again = Server::shardis_in(&dir, 2, &["--logfile", "3.log"]);
    assert_eq!(digest(&mut again.conn()), want);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn failing_save_keeps_the_old_file() {
    let dir = scratch("failing");
    let mut ours = Server::shardis_in(&dir, 2, &[]);
    let mut o = ours.conn();
    o.cmd(&["SET", "a", "1"]);
    assert_eq!(o.cmd(&["SAVE"]), ok());
    let old = std::fs::read(dir.join("dump.rdb")).unwrap();
    // A directory where the temporary file goes: opening it fails (even as root).
    let blocker = dir.join(format!("temp-{}.rdb", ours.pid()));
    std::fs::create_dir(&blocker).unwrap();
    o.cmd(&["SET", "b", "2"]);
    assert_eq!(o.cmd(&["SAVE"]), Value::Error("ERR".into()));
    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), old);
    assert_eq!(info_field(&mut o, "rdb_changes_since_last_save"), "1");
    assert_eq!(
        o.cmd(&["BGSAVE"]),
        Value::Simple("Background saving started".into())
    );
    wait_for("bgsave failed", Duration::from_secs(20), || {
        info_field(&mut o, "rdb_bgsave_in_progress") == "0"
    });
    assert_eq!(info_field(&mut o, "rdb_last_bgsave_status"), "err");
    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), old);
    assert!(ours.log().contains("Failed opening the temp RDB file"));
    // A shutdown that must save stays up, unless FORCE.
    assert_eq!(
        o.cmd(&["SHUTDOWN", "SAVE"]),
        Value::Error("ERR Errors trying to SHUTDOWN. Check logs.".into())
    );
    assert_eq!(o.cmd(&["PING"]), Value::Simple("PONG".into()));
    o.send_raw(b"SHUTDOWN SAVE FORCE\r\n");
    assert_eq!(o.read_value(), None);
    assert_eq!(ours.wait_exit(Duration::from_secs(20)), Some(0));
    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), old);
    drop(ours);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A server process started by hand, killed when the test ends (even by a panic).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs shardis on `dir` expecting it to refuse to start; returns (exit code, log).
fn refused_start(dir: &Path) -> (Option<i32>, String) {
    let port = crate::support::free_port();
    let mut child = Server::shardis_command(port, dir, 2, &[])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("shardis started on a bad file");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        code,
        std::fs::read_to_string(dir.join("server.log")).unwrap_or_default(),
    )
}

#[test]
fn corrupt_or_truncated_file_refuses_to_start() {
    let dir = scratch("corrupt");
    let ours = Server::shardis_in(&dir, 2, &[]);
    let mut o = ours.conn();
    populate(&mut o);
    assert_eq!(o.cmd(&["SAVE"]), ok());
    drop(ours);
    let good = std::fs::read(dir.join("dump.rdb")).unwrap();
    let half = good.len() / 2;
    std::fs::write(dir.join("dump.rdb"), &good[..half]).unwrap();
    let _ = std::fs::remove_file(dir.join("server.log"));
    let (code, log) = refused_start(&dir);
    assert!(code.is_some_and(|c| c != 0), "exit code {code:?}");
    assert!(
        log.contains("Internal error in RDB reading offset"),
        "{log}"
    );
    assert!(!log.contains("Ready to accept connections"), "{log}");

    // A flipped byte: the checksum names where it was found.
    let mut bad = good.clone();
    bad[half] ^= 0x5a;
    std::fs::write(dir.join("dump.rdb"), &bad).unwrap();
    let _ = std::fs::remove_file(dir.join("server.log"));
    let (code, log) = refused_start(&dir);
    assert!(code.is_some_and(|c| c != 0), "exit code {code:?}");
    assert!(log.contains("offset"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replies_and_metadata_as_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "BGSAVE x
             BGSAVE SCHEDULE now
             SAVE x
             LASTSAVE x
             SHUTDOWN ABORT
             SHUTDOWN NOSAVE SAVE
             SHUTDOWN ABORT NOW
             SHUTDOWN maybe
             CONFIG SET rdbcompression maybe
             CONFIG SET rdbcompression no
             CONFIG GET rdbcompression
             CONFIG GET rdbchecksum
             CONFIG SET rdbchecksum no
             CONFIG SET rdbcompression yes
             CONFIG SET save 1
             CONFIG SET save \"a b\"
             CONFIG SET save \"-1 5\"
             CONFIG SET save \"5 -1\"
             CONFIG SET save \"10 20 30 40\"
             CONFIG GET save
             CONFIG SET save \"\"
             CONFIG GET save
             CONFIG SET dir /nonexistent
             CONFIG SET dbfilename x.rdb
             CONFIG GET dbfilename",
        );
        for name in ["save", "bgsave", "lastsave", "shutdown"] {
            d.check(&["COMMAND", "INFO", name]);
            d.check(&["COMMAND", "DOCS", name]);
        }
        d.check(&["MULTI"]);
        d.check(&["SAVE"]);
        d.check(&["DISCARD"]);
        d.check(&["MULTI"]);
        d.check(&["BGSAVE"]);
        d.check(&["EXEC"]);
    }
}

#[test]
fn clients_while_loading_get_loading_errors() {
    let dir = scratch("loading");
    let ours = Server::shardis_in(&dir, 2, &[]);
    let mut o = ours.conn();
    assert_eq!(o.cmd(&["DEBUG", "POPULATE", "200000"]), ok());
    assert_eq!(o.cmd(&["SAVE"]), ok());
    drop(ours);
    let port = crate::support::free_port();
    let child = Server::shardis_command(port, &dir, 2, &["--logfile", "load.log"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let log = || std::fs::read_to_string(dir.join("load.log")).unwrap_or_default();
    wait_for("listening", Duration::from_secs(30), || {
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("shardis exited ({status}): {}", log());
        }
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    // Whether the load is still running when we ask depends on timing: either reply is
    // right, and a refused command names the reason as Redis does.
    let mut c = crate::support::Conn::connect(port);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match c.cmd(&["GET", "key:7"]) {
            Value::Error(e) => {
                assert_eq!(e, "LOADING Redis is loading the dataset in memory");
                // INFO is allowed while loading.
                assert!(c
                    .cmd(&["INFO", "persistence"])
                    .as_str()
                    .contains("loading:"));
            }
            Value::Bulk(v) => {
                assert_eq!(v, b"value:7");
                break;
            }
            other => panic!("{other:?}"),
        }
        assert!(Instant::now() < deadline, "still loading");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(c.cmd(&["DBSIZE"]).as_int(), 200000);
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dir_and_dbfilename_with_protected_configs() {
    let dir = scratch("protected");
    let other = scratch("protected-other");
    let ours = Server::shardis_in(&dir, 2, &["--enable-protected-configs", "yes"]);
    let mut o = ours.conn();
    assert_eq!(
        o.cmd(&["CONFIG", "SET", "dbfilename", "a/b.rdb"]),
        Value::Error("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename".into())
    );
    assert_eq!(
        o.cmd(&["CONFIG", "SET", "dir", "/nonexistent-shardis-dir"]),
        Value::Error("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory".into())
    );
    let canonical = std::fs::canonicalize(&other).unwrap();
    assert_eq!(
        o.cmd(&["CONFIG", "SET", "dir", other.to_str().unwrap()]),
        ok()
    );
    assert_eq!(
        o.cmd(&["CONFIG", "GET", "dir"]).items()[1].as_str(),
        canonical.to_str().unwrap()
    );
    assert_eq!(o.cmd(&["CONFIG", "SET", "dbfilename", "moved.rdb"]), ok());
    o.cmd(&["SET", "k", "v"]);
    assert_eq!(o.cmd(&["SAVE"]), ok());
    check_rdb(&other.join("moved.rdb"));
    assert!(!dir.join("moved.rdb").exists());
    drop(ours);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn flushall_with_save_points_saves_the_empty_dataset() {
    let dir = scratch("flushall");
    {
        let ours = Server::shardis_in(&dir, 2, &["--save", "3600 1"]);
        let mut o = ours.conn();
        o.cmd(&["MSET", "a", "1", "b", "2", "c", "3"]);
        assert_eq!(o.cmd(&["SAVE"]), ok());
        assert_eq!(o.cmd(&["FLUSHALL"]), ok());
        // The save follows the reply: wait for its log line.
        wait_for("the empty dataset saved", Duration::from_secs(20), || {
            ours.log().matches("DB saved on disk").count() == 2
        });
    }
    let again = Server::shardis_in(&dir, 1, &[]);
    assert_eq!(again.conn().cmd(&["DBSIZE"]), Value::Int(0));
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}
