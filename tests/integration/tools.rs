//! Real Redis tools against shardis (redis-cli in its main modes, redis-benchmark), and the
//! process life cycle operators rely on: signals, SHUTDOWN, pidfile, start-up options and
//! the log lines. redis-cli output is compared with the same invocation against a real
//! redis-server.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, redis_binary, resp::encode, wait_for, Conn, Server, Value};

/// What a finished tool run produced.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `program args` with `stdin`, killing it if it runs longer than `limit`.
fn run_tool(program: &str, args: &[&str], stdin: &[u8], limit: Duration) -> Ran {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {program}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // Feed stdin from a thread: a tool that answers while we write cannot block us.
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait for tool"),
        Err(_) => {
            // SAFETY: signalling the child we started, which has not been reaped yet
            // (the waiting thread holds it).
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let out = rx.recv().expect("killed tool").expect("wait for tool");
            panic!(
                "{program} {args:?} did not finish within {limit:?}; stdout: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    };
    feeder.join().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn cli(port: u16, args: &[&str], stdin: &[u8]) -> Ran {
    let port = port.to_string();
    let mut all = vec!["-p", port.as_str()];
    all.extend_from_slice(args);
    run_tool(
        &redis_binary("redis-cli"),
        &all,
        stdin,
        Duration::from_secs(60),
    )
}

/// True when the server knows the command (other branches add commands over time; tests
/// of tool features that need them switch on by themselves).
fn has_command(s: &Server, args: &[&str]) -> bool {
    match s.conn().cmd(args) {
        Value::Error(e) => !e.starts_with("ERR unknown command"),
        _ => true,
    }
}

#[test]
fn redis_cli_output_matches_redis() {
    let redis = Server::redis(&[]);
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let cases: &[(&[&str], &[u8])] = &[
            (&["SET", "k", "v"], b""),
            (&["GET", "k"], b""),
            (&["--no-raw", "GET", "k"], b""),
            (&["GET", "nope"], b""),
            (&["--no-raw", "GET", "nope"], b""),
            (&["MSET", "a", "1", "b", "two words", "c", "3"], b""),
            (&["MGET", "a", "b", "nope", "c"], b""),
            (&["--no-raw", "MGET", "a", "b", "nope", "c"], b""),
            (&["--raw", "MGET", "a", "b", "nope", "c"], b""),
            (&["EXISTS", "a", "b", "nope"], b""),
            (&["--no-raw", "EXISTS", "a", "nope"], b""),
            (&["DEL", "a", "nope"], b""),
            (&["TYPE", "b"], b""),
            (&["PING"], b""),
            (&["PING", "hello"], b""),
            (&["ECHO", "line\nbreak"], b""),
            (&["--no-raw", "ECHO", "line\nbreak"], b""),
            (&["GET"], b""),
            (&["--no-raw", "GET"], b""),
            (&["NOSUCHCOMMAND", "x"], b""),
            (&["-n", "3", "SET", "in3", "x"], b""),
            (&["-n", "3", "GET", "in3"], b""),
            (&["GET", "in3"], b""),
            (&["-x", "SET", "fromstdin"], b"hello\nworld\n"),
            (&["--no-raw", "GET", "fromstdin"], b""),
            (&["-r", "3", "PING"], b""),
            // Commands read from stdin, one per line, when none are on the command line.
            (&[], b"SET s1 v1\nGET s1\nDEL s1\nGET s1\n"),
            (&["--no-raw"], b"SET s2 \"a b\"\nMGET s2 nope\n"),
            (&["DBSIZE"], b""),
        ];
        for (args, stdin) in cases {
            let mine = cli(ours.port, args, stdin);
            let theirs = cli(redis.port, args, stdin);
            assert_eq!(
                (mine.code, &mine.stdout),
                (theirs.code, &theirs.stdout),
                "redis-cli {args:?} ({shards} shards); stderr: {} / {}",
                mine.stderr,
                theirs.stderr
            );
        }
        redis.conn().cmd(&["FLUSHALL"]);
    }
}

#[test]
fn redis_cli_pipe_mass_insertion() {
    const N: usize = 10_000;
    let mut input = Vec::new();
    for i in 0..N {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        input.extend(encode(&[b"SET", k.as_bytes(), v.as_bytes()]));
    }
    for shards in [1, 2] {
        let ours = Server::shardis(shards, &[]);
        let ran = cli(ours.port, &["--pipe"], &input);
        assert_eq!(ran.code, Some(0), "{ran:?}");
        assert!(
            ran.stdout.contains(&format!("errors: 0, replies: {N}")),
            "{ran:?}"
        );
        let mut c = ours.conn();
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(N as i64));
        assert_eq!(c.cmd(&["GET", "key:9999"]), Value::bulk("value:9999"));
        // Errors in the stream are counted, not fatal.
        let mut bad = encode(&[b"SET", b"x"]);
        bad.extend(encode(&[b"SET", b"x", b"1"]));
        let ran = cli(ours.port, &["--pipe"], &bad);
        assert!(ran.stdout.contains("errors: 1, replies: 2"), "{ran:?}");
    }
}

#[test]
fn redis_cli_scan() {
    let ours = Server::shardis(2, &[]);
    if !has_command(&ours, &["SCAN", "0"]) {
        // SCAN is pending on another branch; this test starts checking once it lands.
        eprintln!("skipped: SCAN not implemented yet");
        return;
    }
    let mut c = ours.conn();
    let mut mset = vec!["MSET".to_string()];
    for i in 0..500 {
        mset.push(format!("scan:{i}"));
        mset.push("v".into());
    }
    mset.push("other".into());
    mset.push("v".into());
    let args: Vec<&str> = mset.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&args), Value::Simple("OK".into()));
    let ran = cli(ours.port, &["--scan", "--pattern", "scan:*"], b"");
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let mut got: Vec<&str> = ran.stdout.lines().collect();
    got.sort_unstable();
    got.dedup();
    let mut want: Vec<String> = (0..500).map(|i| format!("scan:{i}")).collect();
    want.sort_unstable();
    assert_eq!(got, want);
}

/// The redis-benchmark tests this branch can run: INCR joins once it exists.
fn benchmark_tests(s: &Server) -> String {
    let mut tests = vec!["set", "get", "ping_inline", "ping_mbulk", "mset"];
    if has_command(s, &["INCR", "benchmark-probe"]) {
        tests.push("incr");
    } else {
        eprintln!("INCR not implemented yet: left out of redis-benchmark's tests");
    }
    tests.join(",")
}

#[test]
fn redis_benchmark_completes_without_errors() {
    let ours = Server::shardis(2, &[]);
    let tests = benchmark_tests(&ours);
    let port = ours.port.to_string();
    for pipeline in ["1", "16"] {
        let ran = run_tool(
            &redis_binary("redis-benchmark"),
            &[
                "-p", &port, "-n", "2000", "-c", "10", "-P", pipeline, "-t", &tests, "-q", "-e",
            ],
            b"",
            Duration::from_secs(120),
        );
        assert_eq!(ran.code, Some(0), "{ran:?}");
        // `-e` prints error replies; there must be none.
        assert!(!ran.stdout.contains("rror"), "-P {pipeline}: {ran:?}");
        for name in tests.split(',') {
            let label = match name {
                "ping_inline" => "PING_INLINE".to_string(),
                "ping_mbulk" => "PING_MBULK".to_string(),
                "mset" => "MSET (10 keys)".to_string(),
                other => other.to_ascii_uppercase(),
            };
            assert!(
                ran.stdout.contains(&format!("{label}: ")),
                "-P {pipeline}: no result for {label}: {ran:?}"
            );
        }
    }
    let mut c = ours.conn();
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(c.cmd(&["GET", "key:__rand_int__"]), Value::bulk("VXK"));
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "shardis-tools-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn signals_stop_cleanly_and_remove_the_pidfile() {
    for (sig, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        for shards in [1, 2] {
            let dir = scratch("sig");
            let pidfile = dir.join("shardis.pid");
            let mut s = Server::shardis(shards, &["--pidfile", pidfile.to_str().unwrap()]);
            let written = std::fs::read_to_string(&pidfile).expect("pidfile written");
            assert_eq!(written.trim(), s.pid().to_string());
            let log = s.log();
            assert!(log.contains("Ready to accept connections"), "{log}");
            assert!(log.contains(&format!("pid={}", s.pid())), "{log}");
            assert!(
                log.lines().all(|l| l.starts_with(&format!("{}:", s.pid()))),
                "{log}"
            );
            // SAFETY: signalling the server process this test started.
            assert_eq!(unsafe { libc::kill(s.pid() as libc::pid_t, sig) }, 0);
            assert_eq!(s.wait_exit(Duration::from_secs(20)), Some(0), "{name}");
            let log = s.log();
            assert!(
                log.contains(&format!("Received {name} scheduling shutdown")),
                "{log}"
            );
            assert!(log.contains("ready to exit, bye bye"), "{log}");
            assert!(!pidfile.exists(), "pidfile left behind after {name}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[test]
fn shutdown_command_stops_the_server() {
    for (shards, args) in [(1, &["SHUTDOWN"][..]), (2, &["SHUTDOWN", "NOSAVE"][..])] {
        let mut s = Server::shardis(shards, &[]);
        let mut c = s.conn();
        let words: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        c.send_raw(&encode(&words));
        // Redis closes the connection without a reply when it shuts down.
        assert_eq!(c.read_value(), None);
        assert_eq!(s.wait_exit(Duration::from_secs(20)), Some(0), "{args:?}");
        let log = s.log();
        assert!(log.contains("User requested shutdown"), "{log}");
        assert!(log.contains("ready to exit, bye bye"), "{log}");
    }
}

#[test]
fn unknown_option_stops_start_up_naming_it() {
    let port = free_port().to_string();
    let ran = run_tool(
        env!("CARGO_BIN_EXE_shardis"),
        &["--port", &port, "--no-such-option", "1"],
        b"",
        Duration::from_secs(20),
    );
    assert!(matches!(ran.code, Some(c) if c != 0), "{ran:?}");
    assert!(ran.stderr.contains("no-such-option"), "{ran:?}");
    // A Redis option with a bad value is an error too, naming the option.
    let ran = run_tool(
        env!("CARGO_BIN_EXE_shardis"),
        &["--port", "not-a-port"],
        b"",
        Duration::from_secs(20),
    );
    assert!(matches!(ran.code, Some(c) if c != 0), "{ran:?}");
    assert!(ran.stderr.contains("port"), "{ran:?}");
}

/// A shardis started from a config file, killed on drop.
struct FromFile {
    child: std::process::Child,
}

impl Drop for FromFile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn config_file_with_unimplemented_redis_option_warns() {
    let dir = scratch("conf");
    let port = free_port();
    let log_path = dir.join("server.log");
    let conf = dir.join("redis.conf");
    std::fs::write(
        &conf,
        format!(
            "# a redis.conf as operators write them\n\
             port {port}\n\
             bind 127.0.0.1\n\
             save \"\"\n\
             logfile \"{}\"\n\
             dir {}\n\
             lazyfree-lazy-eviction yes\n\
             shards 2\n",
            log_path.display(),
            dir.display()
        ),
    )
    .unwrap();
    let mut p = FromFile {
        child: Command::new(env!("CARGO_BIN_EXE_shardis"))
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start shardis"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(p.child.try_wait().unwrap().is_none(), "shardis exited");
        assert!(Instant::now() < deadline, "shardis did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut c = Conn::connect(port);
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
    let log = std::fs::read_to_string(&log_path).unwrap();
    let warning = log
        .lines()
        .find(|l| l.contains("lazyfree-lazy-eviction"))
        .unwrap_or_else(|| panic!("no warning naming the option: {log}"));
    assert!(warning.contains(" # "), "not a warning line: {warning}");
    assert!(log.contains("Configuration loaded from"), "{log}");
    wait_for("Ready in the log", Duration::from_secs(10), || {
        std::fs::read_to_string(&log_path)
            .unwrap()
            .contains("Ready to accept connections")
    });
    // SAFETY: signalling the server process this test started.
    unsafe { libc::kill(p.child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = p.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_get_port() {
    // The default port (6379) is checked by the config unit tests; tests never bind 6379.
    // Here: the port a server was started with is what CONFIG GET reports.
    let s = Server::shardis(1, &[]);
    if !has_command(&s, &["CONFIG", "GET", "port"]) {
        eprintln!("skipped: CONFIG not implemented yet");
        return;
    }
    assert_eq!(
        s.conn().cmd(&["CONFIG", "GET", "port"]),
        Value::Array(vec![Value::bulk("port"), Value::bulk(&s.port.to_string())])
    );
}

#[test]
fn a_port_in_use_stops_start_up_like_redis() {
    let first = Server::shardis(2, &[]);
    let port = first.port.to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shardis"))
        .args(["--port", &port, "--shards", "2"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run shardis");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("Address already in use") && log.contains("aborting"),
        "{log}"
    );
    // The first server is unaffected.
    assert_eq!(
        first.conn().cmd(&["PING"]),
        crate::support::Value::Simple("PONG".into())
    );
}
