//! BGSAVE is a point-in-time cut while clients keep writing: pairs of keys on different
//! shards (always written together) and counters incremented together in MULTI/EXEC are
//! equal in the file; a real redis-server loads the file and redis-check-rdb accepts it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use shardis::server::slot::key_shard;

use crate::support::{redis_binary, wait_for, Conn, Server, Value};

fn info_field(c: &mut Conn, field: &str) -> String {
    let text = c.cmd(&["INFO", "persistence"]).as_str();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO"))
        .trim()
        .to_string()
}

/// A key named `base<i>` on shard `shard` of 2.
fn key_on(shard: usize, base: &str) -> String {
    (0..1000)
        .map(|i| format!("{base}{i}"))
        .find(|k| key_shard(k.as_bytes(), 2) == shard)
        .expect("a key on that shard")
}

#[test]
fn bgsave_under_writes_is_a_consistent_cut() {
    let server = Server::shardis(2, &["--save", ""]);
    let mut c = server.conn();
    assert_eq!(
        c.cmd(&["DEBUG", "POPULATE", "200000"]),
        Value::Simple("OK".into())
    );
    let pairs: Vec<(String, String)> = (0..8)
        .map(|i| (key_on(0, &format!("a{i}:")), key_on(1, &format!("b{i}:"))))
        .collect();
    let counters = (key_on(0, "count0:"), key_on(1, "count1:"));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (stop, pairs, counters) = (stop.clone(), pairs.clone(), counters.clone());
            let port = server.port;
            thread::spawn(move || {
                let mut c = Conn::connect(port);
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let (a, b) = &pairs[(i % pairs.len() as u64) as usize];
                    let v = format!("{w}-{i}");
                    c.cmd(&["MSET", a, &v, b, &v]);
                    c.cmd(&["MULTI"]);
                    c.cmd(&["INCR", &counters.0]);
                    c.cmd(&["INCR", &counters.1]);
                    c.cmd(&["EXEC"]);
                    // Overwrite and delete populated keys the walk may not have reached.
                    c.cmd(&["SET", &format!("key:{}", (i * 7919) % 200_000), &v]);
                    c.cmd(&["DEL", &format!("key:{}", (i * 104_729) % 200_000)]);
                    i += 1;
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(100));
    assert_eq!(
        c.cmd(&["BGSAVE"]),
        Value::Simple("Background saving started".into())
    );
    wait_for("BGSAVE to finish", Duration::from_secs(60), || {
        info_field(&mut c, "rdb_bgsave_in_progress") == "0"
    });
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let dir = c.cmd(&["CONFIG", "GET", "dir"]).items()[1].as_str();
    let file = std::path::Path::new(&dir).join("dump.rdb");
    let check = std::process::Command::new(redis_binary("redis-check-rdb"))
        .arg(&file)
        .output()
        .expect("run redis-check-rdb");
    assert!(
        check.status.success(),
        "redis-check-rdb: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let redis = Server::redis(&["--dir", &dir, "--dbfilename", "dump.rdb"]);
    let mut r = redis.conn();
    for (a, b) in &pairs {
        assert_eq!(r.cmd(&["GET", a]), r.cmd(&["GET", b]), "pair {a}/{b} torn");
    }
    assert_eq!(r.cmd(&["GET", &counters.0]), r.cmd(&["GET", &counters.1]));
    let keys = r.cmd(&["DBSIZE"]).as_int();
    assert!(keys > 150_000, "only {keys} keys in the file");
}
