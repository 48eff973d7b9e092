//! The replica side: shardis following a real `redis-server` 7.0 master and a shardis
//! master (every type and encoding, clients writing during the sync), a link cut
//! continued with PSYNC, a chain master → shardis → real replica with equal offsets,
//! and a promotion that siblings continue from without a full sync.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use crate::support::dataset::populate;
use crate::support::repl::{
    assert_in_sync, digest, info_field, link_up, replica_of, shardis_replica_of, write_some, WAIT,
};
use crate::support::{wait_for, Server, Value};

fn stat(s: &Server, field: &str) -> u64 {
    info_field(s, "stats", field).unwrap().parse().unwrap()
}

/// Writes to `master` from another thread until the returned flag is set.
fn writer(master: &Server) -> (Arc<AtomicBool>, thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut c = master.conn();
    let flag = stop.clone();
    let t = thread::spawn(move || {
        let mut i = 0u64;
        while !flag.load(Ordering::Relaxed) && i < 200_000 {
            c.cmd(&["SET", &format!("w:{}", i % 1000), &i.to_string()]);
            c.cmd(&["INCR", "w:count"]);
            c.cmd(&["RPUSH", &format!("w:list:{}", i % 10), &i.to_string()]);
            if i.is_multiple_of(50) {
                c.cmd(&["MULTI"]);
                c.cmd(&["SET", "w:{t}a", &i.to_string()]);
                c.cmd(&["SET", "w:{t}b", &i.to_string()]);
                c.cmd(&["EXEC"]);
            }
            i += 1;
        }
    });
    (stop, t)
}

/// Fills `master`, attaches a shardis replica while a client writes, and checks data
/// and offsets end up equal.
fn follows(master: &Server, shards: usize) -> Server {
    populate(&mut master.conn());
    write_some(master, "pre", 200);
    let (stop, t) = writer(master);
    let r = shardis_replica_of(master, shards, &[]);
    wait_for("link up", WAIT, || link_up(&r));
    stop.store(true, Ordering::Relaxed);
    t.join().unwrap();
    write_some(master, "post", 50);
    assert_in_sync(master, &r);
    assert!(r
        .log()
        .contains("MASTER <-> REPLICA sync: Finished with success"));
    r
}

#[test]
fn follows_a_redis_master_with_every_type() {
    for shards in [1, 2] {
        let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
        let r = follows(&m, shards);
        // The replica's view matches: ROLE and the master's replid.
        let role = r.conn().cmd(&["ROLE"]);
        assert_eq!(role.items()[0], Value::bulk("slave"));
        assert_eq!(
            info_field(&r, "replication", "master_replid"),
            info_field(&m, "replication", "master_replid")
        );
    }
}

#[test]
fn follows_a_redis_master_with_disk_framing() {
    let m = Server::redis(&["--repl-diskless-sync", "no"]);
    follows(&m, 2);
}

#[test]
fn follows_a_shardis_master() {
    let m = Server::shardis(2, &["--repl-diskless-sync-delay", "0"]);
    follows(&m, 2);
}

/// After the master drops the link, the replica continues with PSYNC: no second full
/// sync, and what was written meanwhile arrives. (Counted in the replica's log: the
/// offset probes of `assert_in_sync` count as syncs on the master.)
#[test]
fn link_cut_continues_with_psync() {
    let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    write_some(&m, "a", 100);
    let r = shardis_replica_of(&m, 2, &[]);
    wait_for("link up", WAIT, || link_up(&r));
    assert_in_sync(&m, &r);
    // (The offset probes of `assert_in_sync` may still be replicas there too.)
    let killed = m.conn().cmd(&["CLIENT", "KILL", "TYPE", "replica"]);
    assert!(matches!(killed, Value::Int(n) if n >= 1), "{killed:?}");
    write_some(&m, "b", 100);
    wait_for("partial resync", WAIT, || resyncs(&r).1 == 1);
    assert_in_sync(&m, &r);
    // And the other way: CLIENT KILL TYPE master on the replica.
    assert_eq!(
        r.conn().cmd(&["CLIENT", "KILL", "TYPE", "master"]),
        Value::Int(1)
    );
    write_some(&m, "c", 20);
    wait_for("second partial resync", WAIT, || resyncs(&r).1 == 2);
    assert_in_sync(&m, &r);
    assert_eq!(resyncs(&r), (1, 2), "one full sync, then partial ones");
}

/// (full, partial) resynchronizations a shardis replica did, from its log.
fn resyncs(r: &Server) -> (usize, usize) {
    let log = r.log();
    (
        log.matches("Full resync from master").count(),
        log.matches("Successful partial resynchronization").count(),
    )
}

/// Real master → shardis → real replica: one history, byte-identical streams, equal
/// offsets on all three.
#[test]
fn chain_redis_shardis_redis() {
    let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    populate(&mut m.conn());
    let mid = shardis_replica_of(&m, 2, &["--repl-diskless-sync-delay", "0"]);
    wait_for("mid link up", WAIT, || link_up(&mid));
    let end = replica_of(&mid, &[]);
    wait_for("end link up", WAIT, || link_up(&end));
    let (stop, t) = writer(&m);
    thread::sleep(std::time::Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    t.join().unwrap();
    write_some(&m, "chain", 50);
    assert_in_sync(&m, &mid);
    assert_in_sync(&mid, &end);
    assert_eq!(digest(&m), digest(&end));
    let offset = |s: &Server| info_field(s, "replication", "master_repl_offset").unwrap();
    wait_for("equal offsets", WAIT, || {
        offset(&m) == offset(&mid) && offset(&mid) == offset(&end)
    });
    let replid = |s: &Server| info_field(s, "replication", "master_replid").unwrap();
    assert_eq!(replid(&m), replid(&mid));
    assert_eq!(replid(&m), replid(&end));
}

/// A master with two replicas (shardis and real Redis); the shardis one is promoted and
/// the other re-pointed at it: `+CONTINUE`, no full sync, data equal.
#[test]
fn promoted_replica_continues_its_siblings() {
    let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    populate(&mut m.conn());
    let s = shardis_replica_of(&m, 2, &[]);
    let r = replica_of(&m, &[]);
    wait_for("links up", WAIT, || link_up(&s) && link_up(&r));
    write_some(&m, "p", 100);
    assert_in_sync(&m, &s);
    assert_in_sync(&m, &r);
    let old_id = info_field(&m, "replication", "master_replid").unwrap();
    drop(m);
    assert_eq!(
        s.conn().cmd(&["REPLICAOF", "NO", "ONE"]),
        Value::Simple("OK".into())
    );
    assert_eq!(
        info_field(&s, "replication", "master_replid2").as_deref(),
        Some(old_id.as_str())
    );
    assert_eq!(
        info_field(&s, "replication", "role").as_deref(),
        Some("master")
    );
    let ok = r
        .conn()
        .cmd(&["REPLICAOF", "127.0.0.1", &s.port.to_string()]);
    assert_eq!(ok, Value::Simple("OK".into()));
    wait_for("sibling continues", WAIT, || {
        stat(&s, "sync_partial_ok") == 1
    });
    assert_eq!(stat(&s, "sync_full"), 0, "no full sync");
    write_some(&s, "after", 50);
    assert_in_sync(&s, &r);
}

/// The other direction of a promotion: a real Redis sibling is promoted and shardis is
/// re-pointed at it. `+CONTINUE <newid>`: shardis takes the new id without a full sync,
/// and drops its own replica, which reconnects and continues with the new id too.
#[test]
fn continue_with_a_new_id_rotates_ours_and_drops_our_replicas() {
    let m = Server::redis(&["--repl-diskless-sync-delay", "0"]);
    populate(&mut m.conn());
    let s = shardis_replica_of(&m, 2, &[]);
    let r = replica_of(&m, &[]);
    wait_for("links up", WAIT, || link_up(&s) && link_up(&r));
    let sub = replica_of(&s, &[]);
    wait_for("sub link up", WAIT, || link_up(&sub));
    write_some(&m, "before", 50);
    assert_in_sync(&m, &s);
    assert_in_sync(&s, &sub);
    assert_in_sync(&m, &r);
    drop(m);
    assert_eq!(
        r.conn().cmd(&["REPLICAOF", "NO", "ONE"]),
        Value::Simple("OK".into())
    );
    let new_id = info_field(&r, "replication", "master_replid").unwrap();
    let ok = s
        .conn()
        .cmd(&["REPLICAOF", "127.0.0.1", &r.port.to_string()]);
    assert_eq!(ok, Value::Simple("OK".into()));
    wait_for("shardis continues", WAIT, || resyncs(&s).1 == 1);
    assert_eq!(
        resyncs(&s).0,
        1,
        "no second full sync: {}\n{}",
        s.log(),
        r.log()
    );
    let replid = |x: &Server| info_field(x, "replication", "master_replid").unwrap();
    assert_eq!(replid(&s), new_id);
    write_some(&r, "after", 50);
    assert_in_sync(&r, &s);
    wait_for("sub continues with the new id", WAIT, || {
        link_up(&sub) && replid(&sub) == new_id
    });
    assert_in_sync(&s, &sub);
    // (A Redis replica logs these lines as ours do.)
    assert_eq!(
        resyncs(&sub),
        (1, 1),
        "the sub-replica continued: {}\n{}",
        s.log(),
        sub.log()
    );
    assert_eq!(digest(&r), digest(&sub));
}
