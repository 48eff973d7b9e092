//! The replication stream, command by command, against real redis-server 7.0: a raw
//! socket sends `SYNC`, skips the RDB, then reads the stream while a script of writes runs
//! on both servers (every family, the deterministic rewrites, no-ops, lazy expiry,
//! MULTI/EXEC, cross-shard writes, blocking pops served later). The streams must be equal
//! once absolute times (PXAT, PEXPIREAT, RESTORE's ABSTTL) are normalized.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use shardis::server::slot::key_shard;

use crate::support::{Conn, Diff, Server};

/// A replica's view of a master: the command stream after a full sync.
struct Feed {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl Feed {
    /// Connects, sends `SYNC` and skips the RDB payload (`$<len>\r\n` + bytes; leading
    /// `\n` keepalives while the master prepares it).
    fn sync(port: u16) -> Feed {
        let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        sock.write_all(b"SYNC\r\n").unwrap();
        let mut f = Feed {
            sock,
            buf: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let len = loop {
            assert!(Instant::now() < deadline, "no RDB from {port}");
            while f.buf.first() == Some(&b'\n') {
                f.buf.remove(0);
            }
            if let Some(end) = f.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&f.buf[..end]).into_owned();
                f.buf.drain(..end + 2);
                if let Some(n) = line.strip_prefix('$') {
                    break n.parse::<usize>().expect("RDB length");
                }
                // `+FULLRESYNC ...` (PSYNC only) or anything else before the payload.
                continue;
            }
            f.fill();
        };
        while f.buf.len() < len {
            f.fill();
        }
        f.buf.drain(..len);
        f
    }

    fn fill(&mut self) {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.sock.read(&mut chunk).expect("read the stream");
        assert!(n > 0, "the master closed the stream");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    fn line(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                self.buf.drain(..end + 2);
                return line;
            }
            self.fill();
        }
    }

    /// The next command of the stream.
    fn command(&mut self) -> Vec<String> {
        while self.buf.first() == Some(&b'\n') {
            self.buf.remove(0);
        }
        let head = self.line();
        let n: usize = head
            .strip_prefix('*')
            .unwrap_or_else(|| panic!("not a multibulk: {head:?}"))
            .parse()
            .unwrap();
        (0..n)
            .map(|_| {
                let len: usize = self.line()[1..].parse().unwrap();
                while self.buf.len() < len + 2 {
                    self.fill();
                }
                let arg = String::from_utf8_lossy(&self.buf[..len]).into_owned();
                self.buf.drain(..len + 2);
                arg
            })
            .collect()
    }

    /// The commands up to the marker write `SET <marker> end` (excluded), normalized:
    /// pings and GETACKs dropped, times in ms replaced by `<ms>`.
    fn until_marker(&mut self, marker: &str) -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..10_000 {
            let cmd = self.command();
            if cmd.len() == 3 && cmd[0].eq_ignore_ascii_case("set") && cmd[1] == marker {
                return out;
            }
            if cmd[0].eq_ignore_ascii_case("ping") || cmd[0].eq_ignore_ascii_case("replconf") {
                continue;
            }
            out.push(normalize(&cmd));
        }
        panic!("no marker in the stream");
    }
}

/// One command as a line, with absolute unix-ms times (13 digits) replaced by `<ms>`.
fn normalize(cmd: &[String]) -> String {
    cmd.iter()
        .map(|a| {
            if a.len() >= 12 && a.bytes().all(|b| b.is_ascii_digit()) {
                "<ms>".to_string()
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A key named `<prefix>N` owned by `shard` of 2.
fn key_on(prefix: &str, shard: usize) -> String {
    (0..1000)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| key_shard(k.as_bytes(), 2) == shard)
        .expect("a key on each shard")
}

/// Runs `script` on one server: a command per line; `sleep <ms>`; `block <cmd>` sends a
/// command on the second connection without waiting (a blocking pop); `unblocked` reads
/// its reply. Returns the replies, for comparing the servers.
fn run_script(port: u16, script: &str) -> Vec<String> {
    let mut main = Conn::connect(port);
    let mut aux = Conn::connect(port);
    let mut replies = Vec::new();
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "sleep" => std::thread::sleep(Duration::from_millis(words[1].parse().unwrap())),
            "block" => {
                let args: Vec<&[u8]> = words[1..].iter().map(|w| w.as_bytes()).collect();
                aux.send_raw(&crate::support::resp::encode(&args));
                // Let it block before the next command (a bounded wait for either
                // server to register the client; no assertion depends on timing).
                let deadline = Instant::now() + Duration::from_secs(5);
                while Instant::now() < deadline {
                    let info = main.cmd(&["INFO", "clients"]).as_str();
                    if info.contains("blocked_clients:1") {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            "unblocked" => replies.push(format!("{:?}", aux.read_value())),
            _ => replies.push(format!("{:?}", main.cmd(&words))),
        }
    }
    replies
}

/// The stream a server produces for `script`.
fn stream_of(server: &Server, script: &str) -> (Vec<String>, Vec<String>) {
    let mut feed = Feed::sync(server.port);
    let replies = run_script(server.port, script);
    Conn::connect(server.port).cmd(&["SET", "marker", "end"]);
    (feed.until_marker("marker"), replies)
}

/// Every kind of write: what each propagates, and what propagates nothing. `q0`, `q1`,
/// `q4`, `mv0`, `mv1` are on shard 0 of 2, `q3`, `mv2`, `mv3` on shard 1.
fn script(a: &str, b: &str) -> String {
    format!(
        "
        DEBUG SET-ACTIVE-EXPIRE 0
        SET {a} v
        SET {a} v
        SET {a} v NX
        SET {a} w XX GET
        SET {a} w EX 100 GET
        SET {a} w PX 100000 NX
        SET {a} x KEEPTTL
        SETEX {b} 100 v
        PSETEX {b} 100000 v
        SETNX {b} v
        GETSET {b} w
        GETDEL {b}
        GETDEL {b}
        SET {b} 1
        GETEX {b}
        GETEX {b} EX 100
        GETEX {b} PERSIST
        GETEX {b} PERSIST
        GETEX {b} PXAT 1
        INCRBYFLOAT {b} 1.5
        INCRBYFLOAT {b} 1e2
        INCR {b}
        EXPIRE {a} 100
        EXPIRE {a} 100 NX
        PEXPIRE {a} 100000 XX
        EXPIREAT {a} 99999999999
        PEXPIREAT {a} 99999999999000 GT
        EXPIRE nokey 10
        PERSIST {a}
        PERSIST {a}
        EXPIRE {a} -1
        DEL {a} {b} nokey
        DEL {a}
        UNLINK nokey
        SADD s a b c
        SADD s a
        SREM s zz
        SREM s a b
        SPOP s 5
        SADD s1 m
        SPOP s1
        SPOP s1
        HSET h f 1 g 2
        HSET h f 1
        HDEL h nofield
        HSETNX h f 3
        HINCRBYFLOAT h f 0.5
        HINCRBY h g 3
        ZADD z 1 a 2 b
        ZADD z 1 a
        ZADD z XX CH 5 a
        ZINCRBY z 0 a
        ZREM z nomember
        ZPOPMIN z
        LPUSHX nolist a
        RPUSH l a b c d
        LPOP l
        RPOP l 2
        LREM l 0 zz
        LPUSH l x y
        LMOVE l l2 LEFT RIGHT
        RPOPLPUSH nolist l2
        LMPOP 2 nolist l2 LEFT COUNT 1
        BLPOP l 0
        BRPOP l 0
        MSET {a} 1 {b} 2
        MSETNX {a} 1 new 2
        RENAME {a} renamed
        RENAMENX renamed {b}
        SET t1 v PX 20
        SET t2 v PX 20
        SET t3 v PX 20
        sleep 60
        GET t1
        SET t2 w
        MGET t3 {a}
        MULTI
        EXEC
        MULTI
        SET {a} 1
        EXEC
        MULTI
        SET {a} 2
        SET {b} 3
        GET {a}
        EXEC
        MULTI
        GET {a}
        EXEC
        MULTI
        SADD s2 x
        SELECT 2
        SET indb2 v
        EXEC
        SELECT 0
        MULTI
        RPUSH q0 x y z
        BLPOP q0 0
        BLMOVE q0 q1 LEFT right 0
        BRPOPLPUSH q0 q1 0
        MSET q4 1 q3 2
        DEL q4 q3 nokey
        EXEC
        RPUSH mv0 a b
        BLMOVE mv0 mv2 LEFT right 0
        BRPOPLPUSH mv0 mv2 0
        MULTI
        RPUSH mv3 c
        BLMOVE mv3 mv1 RIGHT LEFT 0
        EXEC
        block BLPOP later 0
        RPUSH later a b
        unblocked
        block BZPOPMIN zlater 0
        ZADD zlater 1 m 2 n
        unblocked
        block BLMPOP 0 1 lm LEFT COUNT 5
        RPUSH lm a b
        unblocked
        RPUSH lm c
        BLMPOP 0 1 lm RIGHT COUNT 5
        block BZMPOP 0 1 zm MIN COUNT 5
        ZADD zm 1 a 2 b
        unblocked
        block BLMOVE {{m}}src {{m}}dst LEFT RIGHT 0
        RPUSH {{m}}src e
        unblocked
        block BRPOPLPUSH {{m}}s2 {{m}}d2 0
        RPUSH {{m}}s2 e
        unblocked
        FLUSHDB
        "
    )
}

/// The harness itself, against Redis alone: a few facts of 7.0's stream this test
/// relies on (and documents).
#[test]
fn redis_stream_facts() {
    let redis = Server::redis(&[]);
    let (stream, _) = stream_of(
        &redis,
        "
        DEBUG SET-ACTIVE-EXPIRE 0
        SET a v EX 100
        SADD s m
        SADD s m
        SET e v PX 10
        sleep 30
        SET e w
        INCRBYFLOAT f 1.5
        MULTI
        SET a 1
        EXEC
        ",
    );
    assert_eq!(
        stream,
        [
            "SELECT 0",
            "SET a v PXAT <ms>",
            "SADD s m",
            "SET e v PXAT <ms>",
            "MULTI",
            "DEL e",
            "SET e w",
            "EXEC",
            "SET f 1.5 KEEPTTL",
            "SET a 1",
        ]
    );
}

/// shardis's stream, for the same script, equals Redis's: with 1 shard and with 2
/// (keys `a` and `b` on different shards, so MSET/DEL split and EXEC spans shards).
#[test]
fn stream_matches_redis() {
    for shards in [1, 2] {
        let (a, b) = (key_on("ka", 0), key_on("kb", 1));
        let script = script(&a, &b);
        let d = Diff::new(shards);
        let (theirs, their_replies) = stream_of(&d.redis, &script);
        let (ours, our_replies) = stream_of(&d.shardis, &script);
        assert_eq!(
            our_replies, their_replies,
            "replies differ ({shards} shards)"
        );
        let (ours, theirs) = (ours.join("\n"), theirs.join("\n"));
        assert_eq!(
            ours, theirs,
            "stream differs with {shards} shards\n--- shardis:\n{ours}\n--- redis:\n{theirs}"
        );
    }
}
