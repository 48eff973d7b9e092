//! Shared test support: one-call servers (shardis and a real redis-server, each on a free
//! loopback port, stopped on drop), a RESP client, and differential comparison.
#![allow(dead_code)]

pub mod dataset;
pub mod gen;
pub mod repl;
pub mod resp;
pub mod rng;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use resp::{Conn, Value};

/// A port nobody listens on right now, and never handed out before by this process: tests
/// run in parallel, and two servers racing for one port would fail at start-up (shardis
/// and redis-server both refuse a port in use).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Polls `check` until it is true or `timeout` passes; panics with `what` on timeout.
pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {timeout:?} waiting for: {what}");
}

/// A server process on a free port, killed when dropped.
pub struct Server {
    pub port: u16,
    child: Child,
    pub name: &'static str,
    pub log_path: std::path::PathBuf,
    dir: std::path::PathBuf,
    keep_dir: bool,
}

fn scratch_dir(tag: &str, port: u16) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("shardis-test-{tag}-{port}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Server {
    /// Starts shardis with `shards` shards and extra `--option value` arguments.
    pub fn shardis(shards: usize, extra: &[&str]) -> Server {
        let port = free_port();
        let dir = scratch_dir("shardis", port);
        Self::shardis_on(port, dir, shards, extra)
    }

    /// Starts shardis with its files (dump, log) in `dir`, which outlives the server
    /// (persistence tests restart servers on the same files).
    pub fn shardis_in(dir: &std::path::Path, shards: usize, extra: &[&str]) -> Server {
        let mut s = Self::shardis_on(free_port(), dir.to_path_buf(), shards, extra);
        s.keep_dir = true;
        s
    }

    /// The command line `shardis`/`shardis_in` run (persistence is off, as for Redis,
    /// unless `extra` sets `--save`).
    pub fn shardis_command(
        port: u16,
        dir: &std::path::Path,
        shards: usize,
        extra: &[&str],
    ) -> Command {
        let log_path = dir.join("server.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shardis"));
        cmd.args(["--port", &port.to_string(), "--shards", &shards.to_string()])
            .args([
                "--enable-debug-command",
                "yes",
                "--save",
                "",
                "--dir",
                dir.to_str().unwrap(),
            ])
            .args(["--logfile", log_path.to_str().unwrap()])
            .args(extra);
        cmd
    }

    fn shardis_on(port: u16, dir: std::path::PathBuf, shards: usize, extra: &[&str]) -> Server {
        let cmd = Self::shardis_command(port, &dir, shards, extra);
        let log_path = dir.join("server.log");
        Self::spawn("shardis", cmd, port, dir, log_path)
    }

    /// Starts a real redis-server with persistence off and extra arguments.
    pub fn redis(extra: &[&str]) -> Server {
        let port = free_port();
        let dir = scratch_dir("redis", port);
        let log_path = dir.join("server.log");
        let mut cmd = Command::new(redis_binary("redis-server"));
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args([
            "--enable-debug-command",
            "yes",
            "--dir",
            dir.to_str().unwrap(),
        ])
        .args(["--logfile", log_path.to_str().unwrap()])
        .args(extra);
        Self::spawn("redis", cmd, port, dir, log_path)
    }

    fn spawn(
        name: &'static str,
        mut cmd: Command,
        port: u16,
        dir: std::path::PathBuf,
        log_path: std::path::PathBuf,
    ) -> Server {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let mut s = Server {
            port,
            child,
            name,
            log_path,
            dir,
            keep_dir: false,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!("{name} exited at start-up: {status}; log: {}", s.log());
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not listen on {port}; log: {}",
                s.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut c = s.conn();
        wait_for("PING answered", Duration::from_secs(10), || {
            c.cmd(&["PING"]) == Value::Simple("PONG".into())
        });
        // The shards serve before the main thread writes the pidfile and logs that it is
        // ready: tests that read either wait for that line.
        wait_for("ready logged", Duration::from_secs(10), || {
            s.log().contains("Ready to accept connections")
        });
        s
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits for the process to exit by itself; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Path of a Redis tool; the README's test command installs the Debian packages.
pub fn redis_binary(name: &str) -> String {
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = format!("{dir}/{name}");
        if std::path::Path::new(&p).exists() {
            return p;
        }
    }
    panic!("{name} not found: install the redis-server and redis-tools packages (the README's test command does)");
}

/// The same commands against shardis and a real redis-server, replies compared exactly.
pub struct Diff {
    pub shardis: Server,
    pub redis: Server,
    pub ours: Conn,
    pub theirs: Conn,
    /// Compare DEBUG DIGEST when the test ends (on by default).
    pub digest_at_end: bool,
}

impl Diff {
    pub fn new(shards: usize) -> Diff {
        Diff::with_args(shards, &[])
    }

    /// Both servers started with the same extra `--option value` arguments.
    pub fn with_args(shards: usize, extra: &[&str]) -> Diff {
        let shardis = Server::shardis(shards, extra);
        let redis = Server::redis(extra);
        let ours = shardis.conn();
        let theirs = redis.conn();
        Diff {
            shardis,
            redis,
            ours,
            theirs,
            digest_at_end: true,
        }
    }

    /// Sends `args` to both; panics with both replies if they differ. Returns the reply.
    pub fn check(&mut self, args: &[&str]) -> Value {
        let a = self.ours.cmd(args);
        let b = self.theirs.cmd(args);
        assert_eq!(
            a, b,
            "reply differs for {args:?}\n  shardis: {a:?}\n  redis:   {b:?}"
        );
        a
    }

    /// Runs every command of a script (one command per line, words split by whitespace,
    /// `""` for an empty argument) through [`Diff::check`].
    pub fn script(&mut self, script: &str) {
        for line in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let words: Vec<&str> = line
                .split_whitespace()
                .map(|w| if w == "\"\"" { "" } else { w })
                .collect();
            self.check(&words);
        }
    }

    /// Sends to both and returns both replies, for commands whose replies legitimately
    /// differ (random picks, timestamps).
    pub fn both(&mut self, args: &[&str]) -> (Value, Value) {
        (self.ours.cmd(args), self.theirs.cmd(args))
    }

    /// Asserts that DEBUG DIGEST is equal on both servers (on fresh connections, so a
    /// test that changed its connections' state does not matter).
    pub fn assert_same_digest(&mut self) {
        let a = self.shardis.conn().cmd(&["DEBUG", "DIGEST"]);
        let b = self.redis.conn().cmd(&["DEBUG", "DIGEST"]);
        assert_eq!(a, b, "DEBUG DIGEST differs");
    }
}

impl Drop for Diff {
    /// Every differential test ends by comparing the whole dataset, unless it opted out
    /// (random picks) or already failed.
    fn drop(&mut self) {
        if self.digest_at_end && !std::thread::panicking() {
            self.assert_same_digest();
        }
    }
}
