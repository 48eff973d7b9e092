//! The replica's rules, side by side with a real Redis replica: READONLY, MASTERDOWN
//! (`replica-serve-stale-data no`), WAIT and SYNC refused, ROLE and INFO replication
//! while the link is down; keys not expired by the replica itself; a writable replica's
//! own writes stay local.

use crate::support::repl::{
    assert_in_sync, digest, info_field, link_up, replica_of, shardis_replica_of, WAIT,
};
use crate::support::{free_port, wait_for, Diff, Server, Value};

/// INFO replication fields that are the same on any two replicas of the same master
/// (ids and backlog sizes differ by design).
const SAME_FIELDS: &[&str] = &[
    "role",
    "master_host",
    "master_link_status",
    "master_last_io_seconds_ago",
    "master_sync_in_progress",
    "slave_read_repl_offset",
    "slave_repl_offset",
    "master_link_down_since_seconds",
    "slave_priority",
    "slave_read_only",
    "replica_announced",
    "connected_slaves",
    "master_failover_state",
];

fn fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim_end().split_once(':'))
        .filter(|(k, _)| SAME_FIELDS.contains(k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Both servers replicas of a port nobody listens on: the link never comes up.
fn replicas_of_nobody(shards: usize) -> Diff {
    let dead = free_port().to_string();
    Diff::with_args(shards, &["--replicaof", "127.0.0.1", &dead])
}

#[test]
fn refusals_match_redis_while_the_link_is_down() {
    for shards in [1, 2] {
        let mut d = replicas_of_nobody(shards);
        d.script(
            "
            SET a 1
            GET a
            INCR {x}n
            MSET {x}a 1 {x}b 2
            DEL a
            WAIT 0 0
            ROLE
            MULTI
            SET a 1
            GET a
            EXEC
            MULTI
            GET a
            EXEC
            CONFIG SET replica-serve-stale-data no
            GET a
            PING
            ECHO x
            SET a 1
            INFO nosuchsection
            MULTI
            GET a
            EXEC
            CONFIG SET replica-read-only no
            SET a 1
            CONFIG SET replica-serve-stale-data yes
            SET a 1
            GET a
            SET {x}n 5
            INCR {x}n
            CONFIG SET replica-read-only yes
            SET a 2
            ",
        );
        // SYNC ends the connection's normal life: on fresh ones.
        let ours = d.shardis.conn().cmd(&["PSYNC", "?", "-1"]);
        let theirs = d.redis.conn().cmd(&["PSYNC", "?", "-1"]);
        assert_eq!(ours, theirs);
        let ours = fields(&d.ours.cmd(&["INFO", "replication"]).as_str());
        let theirs = fields(&d.theirs.cmd(&["INFO", "replication"]).as_str());
        assert_eq!(ours, theirs);
        assert_eq!(ours.len(), SAME_FIELDS.len());
        d.check(&["REPLICAOF", "NO", "ONE"]);
        d.check(&["SET", "a", "3"]);
        d.check(&["WAIT", "0", "0"]);
        // (Offsets differ: our log records without replicas, Redis's has no backlog.)
        let (ours, theirs) = d.both(&["ROLE"]);
        let role = |v: &Value| match v {
            Value::Array(items) => items[0].clone(),
            other => other.clone(),
        };
        assert_eq!(role(&ours), role(&theirs));
    }
}

/// A key whose time passed stays on the replica, hidden from reads, until the master's
/// DEL; the replica's active expiry leaves it alone.
#[test]
fn replica_never_expires_keys_itself() {
    let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    let ours = shardis_replica_of(&m, 2, &["--hz", "100"]);
    let theirs = replica_of(&m, &["--hz", "100"]);
    wait_for("links up", WAIT, || link_up(&ours) && link_up(&theirs));
    let mut mc = m.conn();
    mc.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 0..20 {
        mc.cmd(&["SET", &format!("k{i}"), "v", "PX", "50"]);
    }
    mc.cmd(&["SET", "stays", "v"]);
    assert_in_sync(&m, &ours);
    std::thread::sleep(std::time::Duration::from_millis(300));
    for r in [&ours, &theirs] {
        let mut c = r.conn();
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(21), "kept");
        assert_eq!(c.cmd(&["GET", "k3"]), Value::NilBulk, "hidden");
        assert_eq!(c.cmd(&["EXISTS", "k3", "k4", "stays"]), Value::Int(1));
        assert_eq!(c.cmd(&["TTL", "k3"]), Value::Int(-2));
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(21), "reads delete nothing");
    }
    // The master expires one on access and sends its DEL; the rest follow with its
    // active expiry.
    assert_eq!(mc.cmd(&["GET", "k3"]), Value::NilBulk);
    wait_for("DEL applied", WAIT, || {
        ours.conn().cmd(&["DBSIZE"]) == Value::Int(20)
    });
    mc.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    wait_for("master expired the rest", WAIT, || {
        ours.conn().cmd(&["DBSIZE"]) == Value::Int(1)
    });
    assert_in_sync(&m, &ours);
    assert_eq!(digest(&theirs), digest(&ours));
}

/// A writable replica's own writes are local: its log (and its sub-replica, and its
/// offset) carry exactly its master's stream.
#[test]
fn writable_replica_does_not_propagate_its_writes() {
    let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    let mid = shardis_replica_of(&m, 2, &["--replica-read-only", "no"]);
    let sub = replica_of(&mid, &[]);
    wait_for("links up", WAIT, || link_up(&mid) && link_up(&sub));
    m.conn().cmd(&["SET", "from-master", "1"]);
    let mut c = mid.conn();
    assert_eq!(c.cmd(&["SET", "local", "1"]), Value::Simple("OK".into()));
    assert_eq!(c.cmd(&["INCR", "from-master"]), Value::Int(2));
    m.conn().cmd(&["SET", "later", "1"]);
    wait_for("sub-replica has the master's writes", WAIT, || {
        sub.conn().cmd(&["GET", "later"]) == Value::Bulk(b"1".to_vec())
    });
    let mut s = sub.conn();
    assert_eq!(s.cmd(&["GET", "local"]), Value::NilBulk, "not propagated");
    assert_eq!(s.cmd(&["GET", "from-master"]), Value::Bulk(b"1".to_vec()));
    let offset = |srv: &Server, f: &str| info_field(srv, "replication", f).unwrap();
    wait_for("offsets equal", WAIT, || {
        let mo = offset(&m, "master_repl_offset");
        offset(&mid, "master_repl_offset") == mo && offset(&sub, "slave_repl_offset") == mo
    });
}

/// While a full sync's RDB arrives, the replica's old data is gone and clients get
/// `-LOADING`; INFO shows the transfer (EOF framing: total -1) and the link down.
#[test]
fn clients_get_loading_while_a_full_sync_loads() {
    // 200 µs per key on the master's side: the RDB arrives over about a second (until
    // its first bytes come, the replica still serves its old data, as Redis does).
    let m = Server::redis(&[
        "--repl-diskless-sync-delay",
        "0",
        "--rdb-key-save-delay",
        "200",
    ]);
    m.conn().cmd(&["DEBUG", "POPULATE", "5000", "key", "100"]);
    let r = Server::shardis(2, &[]);
    let mut c = r.conn();
    c.cmd(&["SET", "old", "1"]);
    let ok = c.cmd(&["REPLICAOF", "127.0.0.1", &m.port.to_string()]);
    assert_eq!(ok, Value::Simple("OK".into()));
    let loading = Value::Error("LOADING Redis is loading the dataset in memory".into());
    wait_for("-LOADING", WAIT, || {
        r.conn().cmd(&["GET", "old"]) == loading
    });
    let info = r.conn().cmd(&["INFO", "replication"]).as_str();
    for field in [
        "master_link_status:down",
        "master_sync_in_progress:1",
        "master_sync_total_bytes:-1",
    ] {
        assert!(info.contains(field), "{field} in {info}");
    }
    assert!(info.contains("master_sync_read_bytes:"), "{info}");
    wait_for("link up", WAIT, || link_up(&r));
    assert_eq!(r.conn().cmd(&["GET", "old"]), Value::NilBulk, "flushed");
    assert_eq!(r.conn().cmd(&["DBSIZE"]), Value::Int(5000));
    assert_in_sync(&m, &r);
}
