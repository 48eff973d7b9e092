//! Protocol abuse: malformed, truncated, oversized and junk input, huge pipelines, clients
//! that vanish mid-reply, the client limit, inline commands. Where Redis defines the reply,
//! the same bytes go to shardis and to a real redis-server and the raw transcripts must be
//! equal. After every case the server must still serve a new client.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::support::{resp::encode, wait_for, Server, Value};

/// Upper bound on any read in this file; only reached when something is broken.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Sends `input` in one write, closes our sending side, and returns every byte the server
/// answers until it closes. Half-closing makes the server see end-of-input right after the
/// data, so a transcript is complete and comparable whether or not the input made the
/// server close the connection itself.
fn transcript(port: u16, input: &[u8]) -> Vec<u8> {
    let mut s = connect(port);
    // The server may close (and reset) before taking everything when it stops at an
    // error; what it answered before that is still in our receive buffer.
    let _ = s.write_all(input);
    let _ = s.shutdown(Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// Like [`transcript`] but without half-closing: the server must close by itself (it
/// stops at a protocol error). Panics if it does not within [`READ_TIMEOUT`].
fn transcript_until_server_closes(port: u16, input: &[u8]) -> Vec<u8> {
    let mut s = connect(port);
    let _ = s.write_all(input);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("server did not close the connection: {e}; got {out:?}"),
        }
    }
}

/// A fresh client on `s` gets PONG and can write and read a key.
fn assert_serves(s: &Server) {
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()), "{}", s.name);
    assert_eq!(c.cmd(&["SET", "alive", "1"]), Value::Simple("OK".into()));
    assert_eq!(c.cmd(&["GET", "alive"]), Value::bulk("1"));
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(600)]).into_owned()
}

/// Runs each input on shardis (1 and 2 shards) and on redis-server (both started with
/// `extra`), requires identical transcripts, and that both keep serving.
fn same_transcripts(extra: &[&str], cases: &[(&str, Vec<u8>)], close_by_server: bool) {
    let redis = Server::redis(extra);
    for shards in [1, 2] {
        let ours = Server::shardis(shards, extra);
        for (what, input) in cases {
            let run = |port| {
                if close_by_server {
                    transcript_until_server_closes(port, input)
                } else {
                    transcript(port, input)
                }
            };
            let theirs = run(redis.port);
            let mine = run(ours.port);
            assert_eq!(
                show(&mine),
                show(&theirs),
                "{what} ({shards} shards): transcript differs from redis"
            );
            assert_eq!(mine, theirs, "{what} ({shards} shards)");
            assert_serves(&ours);
        }
    }
    assert_serves(&redis);
}

fn inputs(list: &[(&'static str, &[u8])]) -> Vec<(&'static str, Vec<u8>)> {
    list.iter().map(|(w, b)| (*w, b.to_vec())).collect()
}

#[test]
fn protocol_errors_reply_like_redis_and_close() {
    let mut too_big_inline = vec![b'a'; 64 * 1024 + 1];
    too_big_inline[0] = b'P';
    let mut too_big_mbulk = b"*".to_vec();
    too_big_mbulk.extend(std::iter::repeat_n(b'1', 64 * 1024 + 1));
    let mut too_big_bulk_count = b"*1\r\n$".to_vec();
    too_big_bulk_count.extend(std::iter::repeat_n(b'1', 64 * 1024 + 1));
    let mut cases = inputs(&[
        ("not a bulk", b"*1\r\n+x\r\n"),
        ("integer instead of bulk", b"*2\r\n$3\r\nGET\r\n:1\r\n"),
        ("multibulk length letters", b"*abc\r\n"),
        ("multibulk length empty", b"*\r\n"),
        ("multibulk length plus", b"*+1\r\n"),
        ("multibulk length leading zero", b"*01\r\n$4\r\nPING\r\n"),
        ("multibulk length too big", b"*3000000000\r\n"),
        ("multibulk length trailing junk", b"*1x\r\n$4\r\nPING\r\n"),
        ("bulk length letters", b"*1\r\n$abc\r\n"),
        ("bulk length negative", b"*1\r\n$-1\r\n"),
        ("bulk length empty", b"*1\r\n$\r\n"),
        ("bulk length overflow", b"*1\r\n$99999999999999999999\r\n"),
        (
            "bulk length beyond proto-max-bulk-len",
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n",
        ),
        ("unbalanced double quote", b"SET \"a b\r\n"),
        ("unbalanced single quote", b"SET 'a b\r\n"),
        ("closing quote glued to text", b"SET \"a\"b c\r\n"),
        // Commands before the error in the same write run and are answered first.
        (
            "commands before the error",
            b"SET a 1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nPING\r\n*1\r\n+x\r\nSET never 1\r\n",
        ),
        (
            "multibulk commands before a bad length",
            b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n*1\r\n$x\r\n",
        ),
    ]);
    cases.push(("too big inline request", too_big_inline));
    cases.push(("too big mbulk count string", too_big_mbulk));
    cases.push(("too big bulk count string", too_big_bulk_count));
    same_transcripts(&["--proto-max-bulk-len", "1mb"], &cases, true);
}

#[test]
fn commands_before_a_protocol_error_take_effect() {
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let redis = Server::redis(&[]);
        let input = b"MSET p1 a p2 b p3 c\r\nSET p4 d\r\n*1\r\n+x\r\nSET p5 e\r\n";
        for s in [&ours, &redis] {
            transcript_until_server_closes(s.port, input);
        }
        let probe = |s: &Server| s.conn().cmd(&["MGET", "p1", "p2", "p3", "p4", "p5"]);
        assert_eq!(probe(&ours), probe(&redis));
        assert_eq!(
            probe(&ours),
            Value::Array(vec![
                Value::bulk("a"),
                Value::bulk("b"),
                Value::bulk("c"),
                Value::bulk("d"),
                Value::NilBulk
            ])
        );
    }
}

#[test]
fn well_formed_edge_inputs_match_redis() {
    let cases = inputs(&[
        ("empty lines", b"\r\n\n\r\n   \r\nPING\r\n\n\n"),
        ("empty multibulk", b"*0\r\n*-1\r\n*-5\r\nPING\r\n"),
        ("inline ping", b"PING\r\n"),
        ("inline without CR", b"PING\nECHO hi\n"),
        ("inline set get", b"SET a b\r\nGET a\r\n"),
        (
            "telnet quoting",
            b"SET \"k 1\" \"v\\x41\\n\\t\\\"q\"\r\nGET 'k 1'\r\nSET 'it\\'s' x\r\nGET \"it's\"\r\n",
        ),
        ("inline extra blanks", b"  SET   sp   v  \r\nGET sp\r\n"),
        ("inline lower case", b"set lc 1\r\nget lc\r\nexists lc nope\r\n"),
        ("inline unknown command", b"NOSUCH a b\r\n"),
        ("inline arity error", b"GET\r\nGET a b\r\n"),
        ("inline empty quotes", b"SET e \"\"\r\nGET e\r\n"),
        (
            "mixed inline and multibulk",
            b"PING\r\n*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\nPING x\r\n",
        ),
        ("binary bulk", b"*3\r\n$3\r\nSET\r\n$3\r\nb\x00n\r\n$4\r\n\x00\xff\r\n\r\n*2\r\n$3\r\nGET\r\n$3\r\nb\x00n\r\n"),
        ("zero length bulk", b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"),
    ]);
    same_transcripts(&[], &cases, false);
}

#[test]
fn nothing_runs_after_quit_in_a_pipeline() {
    let cases = inputs(&[
        ("quit", b"PING\r\nQUIT\r\nPING\r\n"),
        ("quit then set", b"QUIT\r\nSET afterquit 1\r\n"),
    ]);
    same_transcripts(&[], &cases, false);
}

/// Sends `whole` in pieces with pauses between them; the reply must come once complete.
fn send_in_pieces(port: u16, whole: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut s = connect(port);
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&whole.len())) {
        s.write_all(&whole[from..cut]).unwrap();
        from = cut;
        std::thread::sleep(Duration::from_millis(30));
    }
    s.shutdown(Shutdown::Write).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn truncated_frames_complete_when_the_rest_arrives() {
    let redis = Server::redis(&[]);
    let set = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nhello\r\n".to_vec();
    let mut pipeline = set.clone();
    pipeline.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n");
    let cases: Vec<(&str, Vec<u8>, Vec<usize>)> = vec![
        ("inside the count", set.clone(), vec![1]),
        ("before the count's LF", set.clone(), vec![3]),
        ("inside a bulk header", set.clone(), vec![5, 10]),
        ("inside a bulk body", set.clone(), vec![25]),
        ("between body and CRLF", set.clone(), vec![30, 31]),
        ("inline split", b"PI".to_vec(), vec![]),
        (
            "inline command in two parts",
            b"SET k v\r\n".to_vec(),
            vec![4, 8],
        ),
        (
            "pipeline split everywhere",
            pipeline.clone(),
            vec![7, 20, 36, 41, 50],
        ),
        (
            "byte by byte",
            pipeline.clone(),
            (1..pipeline.len()).collect(),
        ),
    ];
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        for (what, whole, cuts) in &cases {
            let theirs = send_in_pieces(redis.port, whole, cuts);
            let mine = send_in_pieces(ours.port, whole, cuts);
            assert_eq!(show(&mine), show(&theirs), "{what} ({shards} shards)");
            assert_serves(&ours);
        }
    }
}

/// A xorshift generator: deterministic junk without a dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn binary_junk_leaves_the_server_serving() {
    let redis = Server::redis(&[]);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        for round in 0..40 {
            let len = 1 + (rng.next() % 512) as usize;
            // Half the rounds use bytes from RESP's own alphabet so that the junk gets deep
            // into the parser instead of failing on the first byte.
            let alphabet: &[u8] = b"*$\r\n0123456789-+:\"' \\xGETSPING";
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if round % 2 == 0 {
                        r as u8
                    } else {
                        alphabet[(r % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            let mine = transcript(ours.port, &junk);
            let theirs = transcript(redis.port, &junk);
            // Redis finds the end of an inline line with C string functions, which stop at
            // a NUL byte, so junk with a NUL before its newline is a Redis quirk shardis
            // does not copy: only liveness is checked for it.
            if !junk.contains(&0) {
                assert_eq!(show(&mine), show(&theirs), "round {round}: junk {junk:?}");
            }
            assert_serves(&ours);
        }
    }
}

/// Writes `input` from another thread (so a full socket buffer cannot deadlock us) and
/// reads exactly `expected.len()` bytes.
fn pipelined(port: u16, input: Vec<u8>, expected_len: usize) -> Vec<u8> {
    let s = connect(port);
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&input));
    let mut out = vec![0u8; expected_len];
    (&s).read_exact(&mut out).expect("read pipelined replies");
    writer.join().unwrap().expect("write pipeline");
    out
}

#[test]
fn ten_thousand_pipelined_commands_in_one_write() {
    const N: usize = 10_000;
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for i in 0..N {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        input.extend(encode(&[b"SET", k.as_bytes(), v.as_bytes()]));
        expected.extend_from_slice(b"+OK\r\n");
    }
    for i in 0..N {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        input.extend(encode(&[b"GET", k.as_bytes()]));
        expected.extend(format!("${}\r\n{v}\r\n", v.len()).into_bytes());
    }
    // Inline commands pipelined the same way.
    for i in 0..N {
        input.extend(format!("GET key:{}\r\n", N - 1 - i).into_bytes());
        let v = format!("value:{}", N - 1 - i);
        expected.extend(format!("${}\r\n{v}\r\n", v.len()).into_bytes());
    }
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let got = pipelined(ours.port, input.clone(), expected.len());
        if got != expected {
            let at = got.iter().zip(&expected).position(|(a, b)| a != b);
            panic!(
                "{shards} shards: replies differ from byte {at:?}: {:?}",
                show(&got[at.unwrap_or(0)..])
            );
        }
        assert_eq!(ours.conn().cmd(&["DBSIZE"]), Value::Int(N as i64));
        assert_serves(&ours);
    }
}

#[test]
fn client_disconnecting_mid_reply() {
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let mut c = ours.conn();
        let big = "x".repeat(4 << 20);
        assert_eq!(c.cmd(&["SET", "big", &big]), Value::Simple("OK".into()));
        let keys: Vec<String> = (0..20_000).map(|i| format!("m{i}")).collect();
        let mut mset = vec!["MSET"];
        for k in &keys {
            mset.push(k);
            mset.push(&big[..100]);
        }
        assert_eq!(c.cmd(&mset), Value::Simple("OK".into()));
        for round in 0..6 {
            let mut s = connect(ours.port);
            let mut input = Vec::new();
            for _ in 0..8 {
                input.extend(encode(&[b"GET", b"big"]));
            }
            let mut mget: Vec<&[u8]> = vec![b"MGET"];
            mget.extend(keys.iter().map(|k| k.as_bytes()));
            input.extend(encode(&mget));
            s.write_all(&input).unwrap();
            // Read a little of the reply (or none), then vanish.
            let mut some = vec![0u8; round * 1000];
            s.read_exact(&mut some).unwrap();
            if round % 2 == 1 {
                // Reset instead of a clean close: linger 0.
                let fd = std::os::fd::AsRawFd::as_raw_fd(&s);
                let lg = libc::linger {
                    l_onoff: 1,
                    l_linger: 0,
                };
                // SAFETY: setsockopt on a socket we own with a correctly sized struct.
                unsafe {
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        libc::SO_LINGER,
                        &lg as *const _ as *const libc::c_void,
                        std::mem::size_of::<libc::linger>() as libc::socklen_t,
                    );
                }
            }
            drop(s);
            assert_serves(&ours);
        }
        assert_eq!(c.cmd(&["GET", "m19999"]), Value::bulk(&big[..100]));
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(20_002));
    }
}

/// Opens connections until `n` of them are served (a connection closed just before may
/// still be counted for a moment).
fn hold_clients(s: &Server, n: usize) -> Vec<crate::support::Conn> {
    let mut held = Vec::new();
    wait_for("clients below the limit", Duration::from_secs(10), || {
        while held.len() < n {
            let mut c = s.conn();
            c.send_raw(b"PING\r\n");
            match c.read_value() {
                Some(Value::Simple(p)) if p == "PONG" => held.push(c),
                _ => return false,
            }
        }
        true
    });
    held
}

#[test]
fn maxclients_refuses_the_extra_client() {
    let redis = Server::redis(&["--maxclients", "3"]);
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &["--maxclients", "3"]);
        for s in [&ours, &redis] {
            let mut held = hold_clients(s, 3);
            for _ in 0..3 {
                let mut extra = s.conn();
                assert_eq!(
                    extra.read_value(),
                    Some(Value::Error("ERR max number of clients reached".into())),
                    "{} ({shards} shards)",
                    s.name
                );
                assert!(extra.is_closed());
            }
            // The held clients still work; once one leaves, a new one is served.
            for c in held.iter_mut() {
                assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
            }
            held.pop();
            let more = hold_clients(s, 1);
            drop(more);
            drop(held);
            hold_clients(s, 3);
        }
    }
}
