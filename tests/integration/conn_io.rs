//! The connection loop (src/server/conn.rs, io.rs): requests split over many reads and
//! packed many per read, big replies that fill the socket buffer, protocol errors, QUIT,
//! query buffer limit and idle timeout, against real Redis where replies are comparable.

use std::time::Duration;

use crate::support::resp::encode;
use crate::support::{Server, Value};

fn set_cmd(i: usize) -> Vec<u8> {
    encode(&[
        b"SET",
        format!("k{i}").as_bytes(),
        format!("v{i}").as_bytes(),
    ])
}

#[test]
fn a_large_pipeline_in_one_write_answers_every_command_in_order() {
    for shards in [1, 2] {
        let s = Server::shardis(shards, &[]);
        let mut c = s.conn();
        let n = 20_000;
        let mut req: Vec<u8> = (0..n).flat_map(set_cmd).collect();
        for i in (0..n).step_by(997) {
            req.extend(encode(&[b"GET", format!("k{i}").as_bytes()]));
        }
        c.send_raw(&req);
        for _ in 0..n {
            assert_eq!(c.read_value(), Some(Value::Simple("OK".into())));
        }
        for i in (0..n).step_by(997) {
            assert_eq!(c.read_value(), Some(Value::bulk(&format!("v{i}"))));
        }
    }
}

#[test]
fn a_request_split_over_many_writes_is_assembled() {
    for shards in [1, 2] {
        let s = Server::shardis(shards, &[]);
        let mut c = s.conn();
        let value = vec![b'x'; 300_000];
        let req = encode(&[b"SET", b"big", &value]);
        for piece in req.chunks(7_001) {
            c.send_raw(piece);
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(c.read_value(), Some(Value::Simple("OK".into())));
        // Twenty copies of a 300 kB reply overflow the socket buffer: the server must
        // finish writing once the client reads.
        let gets: Vec<u8> = (0..20).flat_map(|_| encode(&[b"GET", b"big"])).collect();
        c.send_raw(&gets);
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..20 {
            assert_eq!(c.read_value(), Some(Value::Bulk(value.clone())));
        }
    }
}

#[test]
fn commands_before_a_protocol_error_run_then_the_connection_closes() {
    let raw = b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n+x\r\nPING\r\n";
    for server in [Server::redis(&[]), Server::shardis(2, &[])] {
        let mut c = server.conn();
        c.send_raw(raw);
        assert_eq!(c.read_value(), Some(Value::Simple("PONG".into())));
        assert_eq!(c.read_value(), Some(Value::Simple("PONG".into())));
        assert_eq!(
            c.read_value(),
            Some(Value::Error(
                "ERR Protocol error: expected '$', got '+'".into()
            )),
            "{}",
            server.name
        );
        assert!(c.is_closed(), "{}", server.name);
    }
}

#[test]
fn nothing_after_quit_in_the_same_read_runs() {
    for server in [Server::redis(&[]), Server::shardis(1, &[])] {
        let mut c = server.conn();
        c.send_raw(b"QUIT\r\nSET after quit\r\n");
        assert_eq!(c.read_value(), Some(Value::Simple("OK".into())));
        assert!(c.is_closed(), "{}", server.name);
        assert_eq!(server.conn().cmd(&["GET", "after"]), Value::NilBulk);
    }
}

#[test]
fn a_query_buffer_over_the_limit_closes_the_connection() {
    let s = Server::shardis(1, &["--client-query-buffer-limit", "1048576"]);
    let mut c = s.conn();
    let mut req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n".to_vec();
    req.extend(vec![b'x'; 1_200_000]);
    c.send_raw(&req);
    assert!(c.is_closed());
    assert_eq!(s.conn().cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn an_idle_client_is_closed_after_timeout() {
    let s = Server::shardis(2, &["--timeout", "1"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert!(c.is_closed());
}

#[test]
fn a_client_that_shuts_down_its_side_gets_its_replies_then_eof() {
    use std::io::{Read, Write};
    for shards in [1, 2] {
        let s = Server::shardis(shards, &[]);
        let mut sock = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // Let the server wait for input first, so data and FIN arrive together.
        std::thread::sleep(Duration::from_millis(100));
        sock.write_all(b"PING\r\nPING\r\n").unwrap();
        sock.shutdown(std::net::Shutdown::Write).unwrap();
        let mut got = Vec::new();
        sock.read_to_end(&mut got).expect("EOF from the server");
        assert_eq!(got, b"+PONG\r\n+PONG\r\n");
    }
}

/// One key of each shard (2 shards): whatever shard a connection lands on, one of them
/// lives on the other, so its replies are written by that shard (src/server/direct.rs).
fn key_per_shard(prefix: &str) -> [String; 2] {
    use shardis::server::slot::key_shard;
    let find = |shard| {
        (0..)
            .map(|i| format!("{prefix}{i}"))
            .find(|k| key_shard(k.as_bytes(), 2) == shard)
            .unwrap()
    };
    [find(0), find(1)]
}

/// A 2-shard server holding a value of `len` bytes under one key of each shard.
fn big_value_on_each_shard(len: usize) -> (Server, [String; 2], Vec<u8>) {
    let s = Server::shardis(2, &[]);
    let value = vec![b'y'; len];
    let keys = key_per_shard("big");
    let mut setup = s.conn();
    for k in &keys {
        setup.send_raw(&encode(&[b"SET", k.as_bytes(), &value]));
        assert_eq!(setup.read_value(), Some(Value::Simple("OK".into())));
    }
    (s, keys, value)
}

#[test]
fn a_reply_the_owner_cannot_send_at_once_is_finished_in_order() {
    let (s, keys, value) = big_value_on_each_shard(4 << 20);
    let mut c = s.conn();
    for k in &keys {
        // 4 MB does not fit the socket buffer while the client does not read: the owner
        // sends what fits and the rest goes back to the connection's shard.
        c.send_raw(&encode(&[b"GET", k.as_bytes()]));
        std::thread::sleep(Duration::from_millis(150));
        c.send_raw(b"PING\r\n");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(c.read_value(), Some(Value::Bulk(value.clone())));
        assert_eq!(c.read_value(), Some(Value::Simple("PONG".into())));
    }
}

#[test]
fn single_command_writes_to_both_shards_are_answered_in_order() {
    let s = Server::shardis(2, &[]);
    let keys = key_per_shard("ctr");
    let mut c = s.conn();
    let n = 3000;
    // Each command in a write of its own, without waiting for replies: reads of one
    // command each, one shard's direct replies racing the other's.
    for i in 0..n {
        c.send_raw(&encode(&[b"INCR", keys[i % 2].as_bytes()]));
    }
    for i in 0..n {
        let expected = (i / 2 + 1) as i64;
        assert_eq!(c.read_value(), Some(Value::Int(expected)), "reply {i}");
    }
}

#[test]
fn a_client_gone_before_the_owner_replies_leaves_the_server_serving() {
    use std::io::Write;
    let (s, keys, _) = big_value_on_each_shard(1 << 20);
    for round in 0..50 {
        let mut sock = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        let k = &keys[round % 2];
        sock.write_all(&encode(&[b"GET", k.as_bytes()])).unwrap();
        drop(sock);
    }
    let mut c = s.conn();
    for k in &keys {
        assert_eq!(c.cmd(&["STRLEN", k]), Value::Int(1 << 20));
    }
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn an_exec_of_commands_all_on_the_other_shard_is_one_array() {
    let s = Server::shardis(2, &[]);
    let mut c = s.conn();
    // One of the two keys lives on the other shard: the replies of its EXEC come back
    // as one array, whichever shard produced them.
    for k in key_per_shard("tx") {
        assert_eq!(c.cmd(&["MULTI"]), Value::Simple("OK".into()));
        assert_eq!(c.cmd(&["INCR", &k]), Value::Simple("QUEUED".into()));
        assert_eq!(c.cmd(&["INCR", &k]), Value::Simple("QUEUED".into()));
        assert_eq!(
            c.cmd(&["EXEC"]),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        );
    }
}
