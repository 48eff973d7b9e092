//! CONFIG GET/SET/RESETSTAT/REWRITE against real Redis: error texts and ranges, atomic
//! multi-option SET, RESP2/RESP3 shapes, changes seen on every shard, and REWRITE of the
//! file the server started with.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::connection::check_hello;
use crate::support::{free_port, wait_for, Conn, Diff, Server, Value};

#[test]
fn config_set_get_round_trips() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "CONFIG SET maxmemory 10mb
             CONFIG GET maxmemory
             CONFIG SET maxmemory 1k
             CONFIG GET maxmemory
             CONFIG SET maxmemory x
             CONFIG SET maxmemory -1
             CONFIG SET hz 1000
             CONFIG GET hz
             CONFIG SET hz 0
             CONFIG GET hz
             CONFIG SET hz x
             CONFIG SET hz 10
             CONFIG SET timeout -1
             CONFIG SET timeout 99999999999
             CONFIG SET timeout 300
             CONFIG GET timeout
             CONFIG SET timeout 0
             CONFIG SET maxclients 0
             CONFIG SET maxclients 500
             CONFIG GET maxclients
             CONFIG SET tcp-keepalive -1
             CONFIG SET tcp-keepalive 60
             CONFIG GET tcp-keepalive
             CONFIG SET slowlog-log-slower-than x
             CONFIG SET slowlog-log-slower-than -2
             CONFIG SET slowlog-log-slower-than -1
             CONFIG GET slowlog-log-slower-than
             CONFIG SET slowlog-max-len 5
             CONFIG GET slowlog-max-len
             CONFIG SET proto-max-bulk-len 1
             CONFIG SET proto-max-bulk-len 2mb
             CONFIG GET proto-max-bulk-len
             CONFIG SET client-query-buffer-limit 1
             CONFIG SET client-query-buffer-limit 1gb
             CONFIG GET client-query-buffer-limit
             CONFIG SET loglevel x
             CONFIG SET loglevel WARNING
             CONFIG GET loglevel
             CONFIG SET loglevel notice
             CONFIG SET maxmemory-policy x
             CONFIG SET maxmemory-policy allkeys-lru
             CONFIG GET maxmemory-policy
             CONFIG SET protected-mode x
             CONFIG SET protected-mode no
             CONFIG GET protected-mode
             CONFIG SET appendonly x
             CONFIG SET appendonly no
             CONFIG GET appendonly
             CONFIG SET save x
             CONFIG SET save \"\"
             CONFIG GET save
             CONFIG SET databases 3
             CONFIG GET databases
             CONFIG SET nosuch 1
             CONFIG SET hz 10 hz 11
             CONFIG SET HZ 10 hz 11
             CONFIG SET hz 12 nosuch 1 databases 3
             CONFIG SET hz 12 databases 3 nosuch 1
             CONFIG SET hz 13 maxmemory x
             CONFIG GET hz
             CONFIG SET hz 14 maxclients 600
             CONFIG GET hz
             CONFIG GET maxclients
             CONFIG GET HZ hz
             CONFIG GET requirepass
             CONFIG SET requirepass \"\"
             CONFIG RESETSTAT",
        );
        d.check(&["CONFIG", "SET", "save", "100 10 200 20"]);
        d.check(&["CONFIG", "GET", "save"]);
        d.check(&["CONFIG", "SET", "save", "1 2 3"]);
        // Several names at once: Redis's order is its hash table's, so compare as sets.
        let names = [
            "hz",
            "timeout",
            "maxclients",
            "databases",
            "save",
            "appendonly",
            "maxmemory",
            "maxmemory-policy",
            "tcp-keepalive",
            "loglevel",
            "slowlog-max-len",
            "requirepass",
            "protected-mode",
        ];
        let mut args = vec!["CONFIG", "GET"];
        args.extend(names);
        args.push("hz");
        let sorted = |v: Value| {
            let items = v.items();
            let mut pairs: Vec<(String, String)> = items
                .chunks(2)
                .map(|p| (p[0].as_str(), p[1].as_str()))
                .collect();
            pairs.sort();
            pairs
        };
        let (a, b) = d.both(&args);
        assert_eq!(sorted(a), sorted(b));
        // A change is seen by connections on every shard.
        for _ in 0..4 {
            let mut c = d.shardis.conn();
            assert_eq!(
                c.cmd(&["CONFIG", "GET", "hz"]).items()[1],
                Value::bulk("14")
            );
        }
        check_hello(&mut d, &["HELLO", "3"]);
        let (a, b) = d.both(&args);
        assert!(matches!(a, Value::Map(_)), "{a:?}");
        assert_eq!(sorted(a), sorted(b));
    }
}

#[test]
fn config_get_patterns() {
    let s = Server::shardis(2, &[]);
    let mut c = s.conn();
    let all = c.cmd(&["CONFIG", "GET", "*"]).items();
    assert!(
        all.len() >= 2 * 20 && all.len().is_multiple_of(2),
        "{all:?}"
    );
    let some = c.cmd(&["CONFIG", "GET", "max*", "MAXMEMORY", "h?"]).items();
    let names: Vec<String> = some.iter().step_by(2).map(|v| v.as_str()).collect();
    assert_eq!(names, ["maxclients", "maxmemory", "maxmemory-policy", "hz"]);
    let some = c.cmd(&["CONFIG", "GET", "MAXCLIENTS", "max*"]).items();
    let names: Vec<String> = some.iter().step_by(2).map(|v| v.as_str()).collect();
    assert_eq!(names, ["MAXCLIENTS", "maxmemory", "maxmemory-policy"]);
    // Options shardis cannot change at run time.
    for (name, value) in [("port", "7"), ("shards", "3"), ("logfile", "x")] {
        assert_eq!(
            c.cmd(&["CONFIG", "SET", name, value]),
            Value::Error(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"
            ))
        );
    }
    // loglevel reaches the logger: a verbose-level line appears once it is enabled.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "loglevel", "verbose"]),
        Value::Simple("OK".into())
    );
    drop(s.conn());
    wait_for("verbose log line", Duration::from_secs(10), || {
        s.log().contains("Accepted")
    });
}

/// A shardis started with a config file (first argument), killed on drop.
struct FileServer {
    port: u16,
    child: std::process::Child,
}

impl FileServer {
    fn start(conf: &std::path::Path, log: &std::path::Path) -> FileServer {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_shardis"))
            .arg(conf)
            .args(["--port", &port.to_string(), "--shards", "2"])
            .args(["--logfile", log.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("shardis listening", Duration::from_secs(15), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        FileServer { port, child }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn config_rewrite_keeps_the_file_and_updates_options() {
    let dir = std::env::temp_dir().join(format!("shardis-rewrite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("shardis.conf");
    let log = dir.join("server.log");
    let original = "# My server\n\
                    \n\
                    hz 12\n\
                    # memory\n\
                    maxmemory 1mb\n\
                    lazyfree-lazy-eviction no\n\
                    hz 13\n\
                    timeout 0\n";
    std::fs::write(&conf, original).unwrap();
    {
        let s = FileServer::start(&conf, &log);
        let mut c = Conn::connect(s.port);
        assert_eq!(
            c.cmd(&["CONFIG", "GET", "hz"]).items()[1],
            Value::bulk("13")
        );
        for (k, v) in [
            ("hz", "20"),
            ("maxclients", "77"),
            ("requirepass", "p w\"q"),
        ] {
            assert_eq!(c.cmd(&["CONFIG", "SET", k, v]), Value::Simple("OK".into()));
        }
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), Value::Simple("OK".into()));
    }
    let text = std::fs::read_to_string(&conf).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..4], ["# My server", "", "hz 20", "# memory"]);
    assert!(lines.contains(&"maxmemory 1048576"), "{text}");
    assert!(lines.contains(&"lazyfree-lazy-eviction no"), "{text}");
    assert!(lines.contains(&"timeout 0"), "{text}");
    assert!(lines.contains(&"# Generated by CONFIG REWRITE"), "{text}");
    assert!(lines.contains(&"maxclients 77"), "{text}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("hz ")).count(), 1);
    {
        // The rewritten file starts a server with the same settings.
        let s = FileServer::start(&conf, &log);
        let mut c = Conn::connect(s.port);
        assert!(c.cmd(&["PING"]).is_error());
        assert_eq!(c.cmd(&["AUTH", "p w\"q"]), Value::Simple("OK".into()));
        let got = c
            .cmd(&["CONFIG", "GET", "hz", "maxclients", "maxmemory"])
            .items();
        let got: Vec<String> = got.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            got,
            ["hz", "20", "maxclients", "77", "maxmemory", "1048576"]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
