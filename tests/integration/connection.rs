//! Connection, CLIENT and CONFIG commands against real Redis: AUTH/HELLO/RESET with and
//! without `requirepass`, RESP2 and RESP3 shapes, CLIENT LIST/KILL across shards, CLIENT
//! REPLY, and redis-cli's view of it all (CONFIG is in `config.rs`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::resp::encode;
use crate::support::{redis_binary, wait_for, Conn, Diff, Server, Value};

/// HELLO's reply with the connection id (which legitimately differs) zeroed.
fn mask_id(v: Value) -> Value {
    let fix = |k: &Value, v: Value| {
        if *k == Value::bulk("id") {
            Value::Int(0)
        } else {
            v
        }
    };
    match v {
        Value::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.clone(), fix(&k, v)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut out = items.clone();
            for i in (0..items.len()).step_by(2) {
                if i + 1 < items.len() {
                    out[i + 1] = fix(&items[i], items[i + 1].clone());
                }
            }
            Value::Array(out)
        }
        other => other,
    }
}

/// Sends to both and compares with the HELLO id masked.
pub(crate) fn check_hello(d: &mut Diff, args: &[&str]) -> Value {
    let (a, b) = d.both(args);
    let (a, b) = (mask_id(a), mask_id(b));
    assert_eq!(a, b, "reply differs for {args:?}");
    a
}

/// The field names of a CLIENT LIST / CLIENT INFO line, in order.
fn field_names(line: &str) -> Vec<String> {
    line.split(' ')
        .map(|f| f.split('=').next().unwrap().to_string())
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) | Value::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

/// A line's value of `field`.
fn field(line: &str, name: &str) -> String {
    line.split(' ')
        .find_map(|f| f.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {line}"))
        .to_string()
}

const ERRORS_SCRIPT: &str = "
    PING
    PING hello
    PING a b
    ECHO x
    ECHO
    ECHO a b
    SELECT 1
    SELECT 15
    SELECT 16
    SELECT -1
    SELECT x
    SELECT 0
    AUTH x
    AUTH default anything
    AUTH nobody x
    AUTH a b c
    HELLO 1
    HELLO 4
    HELLO x
    HELLO 3 foo
    HELLO 2 SETNAME
    HELLO 2 AUTH a
    HELLO 2 AUTH nobody x
    CLIENT
    CLIENT FOO
    CLIENT FOO bar
    CLIENT ID x
    CLIENT GETNAME
    CLIENT GETNAME x
    CLIENT SETNAME
    CLIENT SETNAME conn-1
    CLIENT GETNAME
    CLIENT SETNAME \"\"
    CLIENT GETNAME
    CLIENT NO-EVICT on
    CLIENT NO-EVICT OFF
    CLIENT NO-EVICT maybe
    CLIENT NO-EVICT
    CLIENT REPLY
    CLIENT REPLY maybe
    CLIENT REPLY ON
    CLIENT INFO x
    CLIENT LIST foo
    CLIENT LIST TYPE foo
    CLIENT LIST TYPE master
    CLIENT LIST TYPE replica
    CLIENT LIST TYPE slave
    CLIENT LIST ID
    CLIENT LIST ID x
    CLIENT LIST ID 0
    CLIENT LIST ID 99999 88888
    CLIENT LIST TYPE normal ID 1
    CLIENT KILL
    CLIENT KILL 1.2.3.4:5
    CLIENT KILL ADDR 1.2.3.4:5
    CLIENT KILL LADDR 1.2.3.4:5
    CLIENT KILL ID x
    CLIENT KILL ID 0
    CLIENT KILL ID -3
    CLIENT KILL ID 99999
    CLIENT KILL TYPE foo
    CLIENT KILL TYPE master
    CLIENT KILL TYPE pubsub
    CLIENT KILL USER foo
    CLIENT KILL SKIPME maybe
    CLIENT KILL foo bar
    CLIENT KILL ID 1 SKIPME
    CLIENT HELP
    CLIENT HELP x
    CONFIG
    CONFIG FOO
    CONFIG HELP
    CONFIG HELP x
    CONFIG GET
    CONFIG GET nosuchoption
    CONFIG GET nosuch*
    CONFIG SET
    CONFIG SET hz
    CONFIG SET hz 10 hz
    CONFIG RESETSTAT
    CONFIG RESETSTAT x
    CONFIG REWRITE
    CONFIG REWRITE x
    RESET
";

#[test]
fn replies_and_errors_match_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(ERRORS_SCRIPT);
        d.check(&["CLIENT", "SETNAME", "a b"]);
        d.check(&["CLIENT", "SETNAME", "a\nb"]);
        d.check(&["CLIENT", "SETNAME", "é"]);
        d.check(&["HELLO", "2", "SETNAME", "a b"]);
        d.check(&["QUIT"]);
        assert!(d.ours.is_closed() && d.theirs.is_closed());
    }
}

#[test]
fn the_same_errors_in_resp3() {
    let mut d = Diff::new(2);
    check_hello(&mut d, &["HELLO", "3"]);
    d.script(ERRORS_SCRIPT);
}

#[test]
fn hello_switches_protocol_and_names_the_connection() {
    let mut d = Diff::new(2);
    // RESP2: a flat array; RESP3: a map with Redis's keys in Redis's order.
    let two = check_hello(&mut d, &["HELLO"]);
    assert!(
        matches!(two, Value::Array(ref v) if v.len() == 14),
        "{two:?}"
    );
    let three = check_hello(&mut d, &["HELLO", "3", "SETNAME", "n1"]);
    let Value::Map(pairs) = &three else {
        panic!("{three:?}")
    };
    let keys: Vec<String> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["server", "version", "proto", "id", "mode", "role", "modules"]
    );
    assert_eq!(pairs[1].1, Value::bulk("7.0.15"));
    let id = d.ours.cmd(&["CLIENT", "ID"]);
    assert_eq!(d.ours.cmd(&["HELLO"]).items()[7], id);
    d.script(
        "CLIENT GETNAME
         CONFIG GET hz
         CONFIG GET timeout
         CLIENT SETNAME \"\"
         CLIENT GETNAME
         PING
         ECHO hi",
    );
    // CLIENT INFO is verbatim text in RESP3.
    let (a, b) = d.both(&["CLIENT", "INFO"]);
    assert!(
        matches!(a, Value::Verbatim(ref f, _) if f == "txt"),
        "{a:?}"
    );
    assert_eq!(
        field_names(text(&a).trim_end()),
        field_names(text(&b).trim_end())
    );
    assert_eq!(field(&text(&a), "resp").trim_end(), "3");
    check_hello(&mut d, &["HELLO", "2", "AUTH", "default", "whatever"]);
    d.check(&["CLIENT", "GETNAME"]);
    d.check(&["CONFIG", "GET", "hz"]);
}

#[test]
fn reset_restores_a_new_connection() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "SELECT 3
             SET k v
             CLIENT SETNAME someone
             CLIENT NO-EVICT on",
        );
        check_hello(&mut d, &["HELLO", "3"]);
        d.script(
            "RESET
             CLIENT GETNAME
             GET k
             SELECT 3
             GET k",
        );
        let info = text(&d.ours.cmd(&["CLIENT", "INFO"]));
        assert_eq!(field(&info, "db"), "3");
        assert_eq!(field(&info, "resp").trim_end(), "2");
        // RESET answers even with replies off, and turns them back on.
        for c in [&mut d.ours, &mut d.theirs] {
            c.send_raw(&encode(&[b"CLIENT", b"REPLY", b"OFF"]));
            assert_eq!(c.cmd(&["RESET"]), Value::Simple("RESET".into()));
            assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
        }
    }
}

#[test]
fn requirepass_end_to_end() {
    for shards in [1, 2] {
        // The harness's start-up probe needs no password, so set it at run time; the
        // start-up option is covered by the CONFIG REWRITE test.
        let mut d = Diff::new(shards);
        d.check(&["CONFIG", "SET", "requirepass", "s3cret"]);
        d.ours = d.shardis.conn();
        d.theirs = d.redis.conn();
        d.script(
            "GET k
             PING
             CLIENT ID
             CONFIG GET hz
             AUTH wrong
             AUTH default wrong
             AUTH nobody s3cret
             HELLO 3
             HELLO 3 AUTH default wrong",
        );
        check_hello(
            &mut d,
            &["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "a\\b"],
        );
        d.script(
            "CLIENT GETNAME
             GET k
             AUTH s3cret
             GET k
             SET k v
             RESET
             GET k
             AUTH default s3cret
             GET k
             RESET",
        );
        check_hello(
            &mut d,
            &["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me"],
        );
        d.script(
            "CLIENT GETNAME
             GET k
             RESET
             GET k
             QUIT",
        );
        // A new password applies to new connections; this one stays authenticated.
        let mut ours = d.shardis.conn();
        let mut theirs = d.redis.conn();
        for c in [&mut ours, &mut theirs] {
            assert_eq!(c.cmd(&["AUTH", "s3cret"]), Value::Simple("OK".into()));
            assert_eq!(
                c.cmd(&["CONFIG", "SET", "requirepass", "next"]),
                Value::Simple("OK".into())
            );
            assert_eq!(c.cmd(&["GET", "k"]), Value::bulk("v"));
        }
        let mut o2 = d.shardis.conn();
        let mut t2 = d.redis.conn();
        for c in [&mut o2, &mut t2] {
            assert!(c.cmd(&["GET", "k"]).is_error());
            assert!(c.cmd(&["AUTH", "s3cret"]).is_error());
            assert_eq!(c.cmd(&["AUTH", "next"]), Value::Simple("OK".into()));
            assert_eq!(c.cmd(&["GET", "k"]), Value::bulk("v"));
        }
    }
}

#[test]
fn client_list_lines_have_redis_fields_across_shards() {
    let s = Server::shardis(2, &[]);
    let r = Server::redis(&[]);
    let mut ours: Vec<Conn> = (0..6).map(|_| s.conn()).collect();
    let mut theirs = r.conn();
    for (i, c) in ours.iter_mut().enumerate() {
        assert_eq!(
            c.cmd(&["CLIENT", "SETNAME", &format!("c{i}")]),
            Value::Simple("OK".into())
        );
    }
    ours[1].cmd(&["SELECT", "5"]);
    ours[2].cmd(&["CLIENT", "NO-EVICT", "on"]);
    let list = text(&ours[0].cmd(&["CLIENT", "LIST"]));
    let reference = text(&theirs.cmd(&["CLIENT", "LIST"]));
    let want = field_names(reference.lines().next().unwrap());
    assert!(list.ends_with('\n'));
    let mut names = Vec::new();
    let mut ids = Vec::new();
    for line in list.lines() {
        assert_eq!(field_names(line), want, "{line}");
        names.push(field(line, "name"));
        ids.push(field(line, "id").parse::<u64>().unwrap());
    }
    // Every connection of both shards, in id order.
    for i in 0..6 {
        assert!(names.contains(&format!("c{i}")), "{list}");
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let line_of = |name: &str| {
        list.lines()
            .find(|l| field(l, "name") == name)
            .unwrap()
            .to_string()
    };
    assert_eq!(field(&line_of("c1"), "db"), "5");
    assert_eq!(field(&line_of("c2"), "flags"), "e");
    assert_eq!(field(&line_of("c0"), "cmd"), "client|list");
    assert_eq!(field(&line_of("c3"), "cmd"), "client|setname");
    // CLIENT LIST ID answers in the order asked, repeats included.
    let id3 = ours[3].cmd(&["CLIENT", "ID"]).as_int().to_string();
    let id4 = ours[4].cmd(&["CLIENT", "ID"]).as_int().to_string();
    let some = text(&ours[0].cmd(&["CLIENT", "LIST", "ID", &id4, "77777", &id3, &id4]));
    let got: Vec<String> = some.lines().map(|l| field(l, "name")).collect();
    assert_eq!(got, ["c4", "c3", "c4"]);
    let normal = text(&ours[0].cmd(&["CLIENT", "LIST", "TYPE", "normal"]));
    assert!(normal.lines().count() >= 6, "{normal}");
    let info = text(&ours[5].cmd(&["CLIENT", "INFO"]));
    assert_eq!(field(&info, "name"), "c5");
    assert_eq!(field(&info, "id"), ours[5].cmd(&["CLIENT", "ID"]).as_str());
}

#[test]
fn client_kill_reaches_every_shard() {
    let s = Server::shardis(2, &[]);
    let mut me = s.conn();
    let my_id = me.cmd(&["CLIENT", "ID"]).as_int();
    // With SO_REUSEPORT spreading connections, some of these land on the other shard.
    let mut others: Vec<(i64, Conn)> = (0..8)
        .map(|_| {
            let mut c = s.conn();
            (c.cmd(&["CLIENT", "ID"]).as_int(), c)
        })
        .collect();
    // By ID (new form: a count).
    for (id, c) in others.iter_mut().take(4) {
        assert_eq!(
            me.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
            Value::Int(1)
        );
        assert!(c.is_closed());
        // Gone from the registry of whichever shard owned it, and a second kill finds none.
        let listed = text(&me.cmd(&["CLIENT", "LIST"]));
        assert!(!listed.contains(&format!("id={id} ")), "{listed}");
        assert_eq!(
            me.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
            Value::Int(0)
        );
    }
    // By ADDR (old form: +OK, then "No such client").
    let (_, mut c) = others.remove(4);
    let addr = field(&text(&c.cmd(&["CLIENT", "INFO"])), "addr");
    assert_eq!(
        me.cmd(&["CLIENT", "KILL", &addr]),
        Value::Simple("OK".into())
    );
    assert!(c.is_closed());
    assert_eq!(
        me.cmd(&["CLIENT", "KILL", &addr]),
        Value::Error("ERR No such client".into())
    );
    // By LADDR and TYPE: everyone but me (SKIPME defaults to yes). Wait for the harness's
    // start-up probe connection to be gone first.
    wait_for("only my 4 connections", Duration::from_secs(10), || {
        text(&me.cmd(&["CLIENT", "LIST"])).lines().count() == 4
    });
    let laddr = field(&text(&me.cmd(&["CLIENT", "INFO"])), "laddr");
    assert_eq!(
        me.cmd(&["CLIENT", "KILL", "LADDR", &laddr, "TYPE", "normal", "USER", "default"]),
        Value::Int(3)
    );
    for (_, c) in others.iter_mut().skip(4) {
        assert!(c.is_closed());
    }
    assert_eq!(me.cmd(&["PING"]), Value::Simple("PONG".into()));
    // Killing myself replies first, then closes.
    assert_eq!(
        me.cmd(&["CLIENT", "KILL", "ID", &my_id.to_string(), "SKIPME", "no"]),
        Value::Int(1)
    );
    assert!(me.is_closed());
    let mut again = s.conn();
    let addr = field(&text(&again.cmd(&["CLIENT", "INFO"])), "addr");
    assert_eq!(
        again.cmd(&["CLIENT", "KILL", &addr]),
        Value::Simple("OK".into())
    );
    assert!(again.is_closed());
}

/// Sends `cmds` in one write and reads `expect` replies, then checks nothing else came.
fn pipelined(c: &mut Conn, cmds: &[&[&str]], expect: usize) -> Vec<Value> {
    let mut raw = Vec::new();
    for cmd in cmds {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
        raw.extend(encode(&args));
    }
    c.send_raw(&raw);
    let mut out: Vec<Value> = (0..expect).map(|_| c.read_value().unwrap()).collect();
    // A marker proves no stray reply was queued behind the expected ones.
    out.push(c.cmd(&["ECHO", "marker"]));
    out
}

#[test]
fn client_reply_off_skip_on() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let cmds: &[&[&str]] = &[
            &["CLIENT", "REPLY", "OFF"],
            &["SET", "a", "1"],
            &["SET", "b", "2"],
            &["SET", "c", "3"],
            &["PING"],
            &["CLIENT", "REPLY", "SKIP"],
            &["CLIENT", "REPLY", "ON"],
            &["MGET", "a", "b", "c"],
            &["CLIENT", "REPLY", "SKIP"],
            &["GET", "a"],
            &["GET", "b"],
            &["CLIENT", "REPLY", "SKIP"],
            &["CLIENT", "REPLY", "SKIP"],
            &["GET", "c"],
            &["PING", "last"],
        ];
        let a = pipelined(&mut d.ours, cmds, 4);
        let b = pipelined(&mut d.theirs, cmds, 4);
        assert_eq!(a, b);
        assert_eq!(a[0], Value::Simple("OK".into()));
        // One command at a time too.
        for c in [&mut d.ours, &mut d.theirs] {
            c.send_raw(&encode(&[b"CLIENT", b"REPLY", b"SKIP"]));
            c.send_raw(&encode(&[b"GET", b"a"]));
            assert_eq!(c.cmd(&["GET", "b"]), Value::bulk("2"));
        }
    }
}

/// Runs redis-cli with `args` (and `stdin` when given); returns its standard output.
fn redis_cli(port: u16, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(redis_binary("redis-cli"))
        .args(["-p", &port.to_string()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// redis-cli output with the `id` field of HELLO replaced.
fn mask_cli(out: &str) -> String {
    let mut masked = Vec::new();
    let mut after_id = false;
    for line in out.lines() {
        if after_id {
            masked.push("<id>".to_string());
            after_id = false;
            continue;
        }
        if line.trim_end() == "id" {
            after_id = true;
        }
        if line.starts_with("id ") {
            masked.push("id <id>".to_string());
            continue;
        }
        let l = match line.find("\"id\" => ") {
            Some(i) => format!("{}<id>", &line[..i]),
            None => line.to_string(),
        };
        masked.push(l);
    }
    masked.join("\n")
}

#[test]
fn redis_cli_is_happy() {
    let s = Server::shardis(2, &[]);
    let r = Server::redis(&[]);
    let cases: &[&[&str]] = &[
        &["PING"],
        &["--no-raw", "HELLO", "3"],
        &["HELLO", "3"],
        &["-3", "HELLO", "3"],
        &["-3", "CONFIG", "GET", "hz"],
        &["-3", "--no-raw", "CONFIG", "GET", "maxclients"],
        &["-3", "CLIENT", "GETNAME"],
        &["--no-raw", "CLIENT", "GETNAME"],
        &["--no-raw", "CLIENT", "NOSUCH"],
        &["ECHO", "hi there"],
        &["CONFIG", "SET", "hz", "11"],
        &["CONFIG", "GET", "hz"],
    ];
    for args in cases {
        let a = mask_cli(&redis_cli(s.port, args, None));
        let b = mask_cli(&redis_cli(r.port, args, None));
        assert_eq!(a, b, "redis-cli {args:?}");
    }
    // An interactive-style session on one connection.
    let session = "HELLO 3\nCLIENT SETNAME cli\nCLIENT GETNAME\nSELECT 2\nCONFIG GET hz\nRESET\nCLIENT GETNAME\nPING\n";
    let a = mask_cli(&redis_cli(s.port, &["--no-raw"], Some(session)));
    let b = mask_cli(&redis_cli(r.port, &["--no-raw"], Some(session)));
    assert_eq!(a, b);
    assert!(a.contains("\"cli\""), "{a}");
    // CLIENT LIST through redis-cli: one line per client, Redis's fields.
    let list = redis_cli(s.port, &["CLIENT", "LIST"], None);
    let line = list.lines().next().unwrap();
    let reference = redis_cli(r.port, &["CLIENT", "LIST"], None);
    assert_eq!(
        field_names(line),
        field_names(reference.lines().next().unwrap())
    );
    // With a password: -a authenticates, a missing one is NOAUTH.
    for port in [s.port, r.port] {
        let mut c = Conn::connect(port);
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "requirepass", "pw"]),
            Value::Simple("OK".into())
        );
    }
    for args in [
        &["PING"][..],
        &["-a", "pw", "PING"],
        &["-a", "bad", "PING"],
        &["-a", "pw", "-3", "HELLO", "3"],
        &["--user", "default", "--pass", "pw", "CONFIG", "GET", "hz"],
    ] {
        let a = mask_cli(&redis_cli(s.port, args, None));
        let b = mask_cli(&redis_cli(r.port, args, None));
        assert_eq!(a, b, "redis-cli {args:?}");
    }
}
