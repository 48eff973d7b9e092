//! Replication test support: INFO fields, link state, digests, writers, and waiting for
//! a replica to equal its master (data and offset).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::{wait_for, Server, Value};

/// How long a sync may take in a test.
pub const WAIT: Duration = Duration::from_secs(60);

pub fn info_field(s: &Server, section: &str, field: &str) -> Option<String> {
    let text = s.conn().cmd(&["INFO", section]).as_str();
    text.lines().find_map(|l| {
        l.strip_prefix(&format!("{field}:"))
            .map(|v| v.trim().to_string())
    })
}

/// A real Redis replica of `master` (`--replicaof` at start-up, `repl-timeout` 10 s)
/// with extra options.
pub fn replica_of(master: &Server, extra: &[&str]) -> Server {
    let args = replica_args(master, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::redis(&args)
}

fn replica_args(master: &Server, extra: &[&str]) -> Vec<String> {
    let port = master.port.to_string();
    ["--replicaof", "127.0.0.1", &port, "--repl-timeout", "10"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

/// A shardis replica of `master` with `shards` shards (`--replicaof` at start-up,
/// `repl-timeout` 10 s) and extra options.
pub fn shardis_replica_of(master: &Server, shards: usize, extra: &[&str]) -> Server {
    let args = replica_args(master, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::shardis(shards, &args)
}

pub fn link_up(r: &Server) -> bool {
    info_field(r, "replication", "master_link_status").as_deref() == Some("up")
}

pub fn digest(s: &Server) -> Value {
    s.conn().cmd(&["DEBUG", "DIGEST"])
}

/// Writes on both shards and several dbs, with TTLs and collections.
pub fn write_some(s: &Server, tag: &str, n: usize) {
    write_some_on(&mut s.conn(), tag, n);
}

/// [`write_some`] through a connection; it ends in db 0.
pub fn write_some_on(c: &mut super::Conn, tag: &str, n: usize) {
    for db in [0, 3, 9] {
        c.cmd(&["SELECT", &db.to_string()]);
        for i in 0..n {
            let k = format!("{tag}:{i}");
            c.cmd(&["SET", &k, &format!("v{i}")]);
            c.cmd(&["RPUSH", &format!("l{tag}:{}", i % 7), &k]);
            c.cmd(&["HSET", &format!("h{tag}:{}", i % 5), &k, "1"]);
            if i % 10 == 0 {
                c.cmd(&["PEXPIREAT", &k, "99999999999999"]);
            }
        }
    }
    c.cmd(&["SELECT", "0"]);
}

/// Our master_repl_offset equals `off` exactly: PSYNC at `off + 1` continues (nothing
/// missed) and at `off + 2` does not. Probes with raw connections (counts as syncs).
pub fn master_offset_is(m: &Server, replid: &str, off: u64) -> bool {
    let probe = |at: u64| -> String {
        let mut s = TcpStream::connect(("127.0.0.1", m.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(format!("PSYNC {replid} {at}\r\n").as_bytes())
            .unwrap();
        let mut line = String::new();
        let mut r = BufReader::new(s);
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            if line != "\n" {
                return line.trim_end().to_string();
            }
        }
    };
    probe(off + 1).starts_with("+CONTINUE") && probe(off + 2).starts_with("+FULLRESYNC")
}

/// Waits until the replica has everything and compares it with the master.
pub fn assert_in_sync(m: &Server, r: &Server) {
    wait_for("replica digest equals master's", WAIT, || {
        link_up(r) && digest(r) == digest(m)
    });
    let replid = info_field(r, "replication", "master_replid").unwrap();
    wait_for("replica offset equals master's", WAIT, || {
        let off: u64 = info_field(r, "replication", "slave_repl_offset")
            .unwrap()
            .parse()
            .unwrap();
        master_offset_is(m, &replid, off)
    });
}
