//! DUMP and RESTORE against a real redis-server 7.0, both ways, for every type in its
//! small and large encodings; RESTORE's errors; and whole RDB files: one written by
//! shardis's writer loaded by redis-server (and accepted by redis-check-rdb), one saved
//! by redis-server decoded by shardis's loader.

use crate::support::{redis_binary, Diff, Server, Value};
use shardis::rdb::load::load;
use shardis::rdb::writer::{dump_payload, Aux, RdbWriter, WriteOptions};
use shardis::storage::value::EncodingLimits;

/// A far-future absolute expiry (ms) both servers keep as is.
const AT: &str = "4102444800000";

/// Commands creating every type in every encoding, the same on both servers.
fn dataset() -> Vec<Vec<String>> {
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let mut c = |w: &[&str]| cmds.push(w.iter().map(|s| s.to_string()).collect());
    c(&["SET", "s:int", "12345"]);
    c(&["SET", "s:neg", "-7"]);
    c(&["SET", "s:bigint", "12345678901"]);
    c(&["SET", "s:emb", "hello world"]);
    c(&["SET", "s:lzf", &"a".repeat(100)]);
    c(&[
        "SET",
        "s:raw",
        &(0..300)
            .map(|i| ((i * 7919) % 94 + 33) as u8 as char)
            .collect::<String>(),
    ]);
    c(&["SET", "s:empty", ""]);
    c(&["SET", "s:ttl", "v", "PXAT", AT]);
    c(&["RPUSH", "l:small", "a", "1", "-5000", ""]);
    c(&["RPUSH", "l:bigel", &"x".repeat(20000), "tail"]);
    c(&["SADD", "set:int", "1", "2", "-70000", "9223372036854775807"]);
    c(&["SADD", "set:str", "a", "b", "1"]);
    c(&["HSET", "h:small", "f1", "v1", "n", "300000", "f", "-1"]);
    c(&["HSET", "h:longval", "f", &"v".repeat(100)]);
    c(&[
        "ZADD", "z:small", "-0", "a", "1", "b", "2.5", "c", "inf", "d", "-inf", "e", "0.1", "f",
    ]);
    c(&["ZADD", "z:longmem", "1.5", &"m".repeat(70), "2", "x"]);
    c(&["PEXPIREAT", "z:small", AT]);
    let many: Vec<String> = (0..1500)
        .map(|i| format!("{i}-{}", "v".repeat(i % 40)))
        .collect();
    let mut l = vec!["RPUSH".to_string(), "l:big".into()];
    l.extend(many.iter().cloned());
    cmds.push(l);
    let mut s = vec!["SADD".to_string(), "set:bigint".into()];
    s.extend((0..700).map(|i| (i * 13).to_string()));
    cmds.push(s);
    let mut h = vec!["HSET".to_string(), "h:big".into()];
    for i in 0..600 {
        h.push(format!("field:{i}"));
        h.push(format!("{}", i * 3));
    }
    cmds.push(h);
    let mut z = vec!["ZADD".to_string(), "z:big".into()];
    for i in 0..300 {
        z.push(format!("{}", (i as f64) / 7.0));
        z.push(format!("member:{i}"));
    }
    cmds.push(z);
    cmds
}

fn keys_of(cmds: &[Vec<String>]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for c in cmds {
        if !keys.contains(&c[1]) {
            keys.push(c[1].clone());
        }
    }
    keys
}

fn run(d: &mut Diff, cmd: &[String]) {
    let w: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
    d.check(&w);
}

fn bulk(v: Value) -> Vec<u8> {
    match v {
        Value::Bulk(b) => b,
        other => panic!("not a bulk: {other:?}"),
    }
}

#[test]
fn dump_restore_both_ways_every_type() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let cmds = dataset();
        for c in &cmds {
            run(&mut d, c);
        }
        for key in keys_of(&cmds) {
            let theirs = bulk(d.theirs.cmd(&["DUMP", &key]));
            let ours = bulk(d.ours.cmd(&["DUMP", &key]));
            // Redis's payload into both (the same key name on both keeps digests equal),
            // then ours into both.
            for (tag, payload) in [("from-redis", &theirs), ("from-shardis", &ours)] {
                let name = format!("{tag}:{key}");
                let args: [&[u8]; 6] = [
                    b"RESTORE",
                    name.as_bytes(),
                    AT.as_bytes(),
                    payload,
                    b"ABSTTL",
                    b"REPLACE",
                ];
                let a = d.ours.cmd_bytes(&args);
                let b = d.theirs.cmd_bytes(&args);
                assert_eq!(
                    (&a, &b),
                    (&Value::Simple("OK".into()), &Value::Simple("OK".into())),
                    "{name}"
                );
                d.check(&["OBJECT", "ENCODING", &name]);
                d.check(&["TYPE", &name]);
                d.check(&["PEXPIRETIME", &name]);
                d.check(&["DEBUG", "DIGEST-VALUE", &name]);
            }
            // No TTL: the key stays persistent.
            let name = format!("nottl:{key}");
            let args: [&[u8]; 4] = [b"RESTORE", name.as_bytes(), b"0", &theirs];
            d.ours.cmd_bytes(&args);
            d.theirs.cmd_bytes(&args);
            d.check(&["PTTL", &name]);
            d.check(&["OBJECT", "ENCODING", &name]);
        }
        d.check(&["DUMP", "nosuchkey"]);
        d.assert_same_digest();
    }
}

#[test]
fn restore_with_relative_ttl_and_blocked_pops() {
    let mut d = Diff::new(2);
    d.digest_at_end = false;
    d.check(&["RPUSH", "src", "a", "b"]);
    let p = bulk(d.ours.cmd(&["DUMP", "src"]));
    for conn in [&mut d.ours, &mut d.theirs] {
        assert_eq!(
            conn.cmd_bytes(&[b"RESTORE", b"k{1}", b"100000", &p]),
            Value::Simple("OK".into())
        );
        let pttl = conn.cmd(&["PTTL", "k{1}"]).as_int();
        assert!((90_000..=100_000).contains(&pttl), "{pttl}");
        assert_eq!(conn.cmd(&["LRANGE", "k{1}", "0", "-1"]).items().len(), 2);
    }
    // A list created by RESTORE serves a client blocked on its key, as a push would.
    for server in [&d.shardis, &d.redis] {
        let mut blocked = server.conn();
        blocked.send_raw(&crate::support::resp::encode(&[b"BLPOP", b"w", b"10"]));
        let mut c = server.conn();
        crate::support::wait_for("client blocked", std::time::Duration::from_secs(10), || {
            c.cmd(&["CLIENT", "LIST"]).as_str().contains("cmd=blpop")
        });
        assert_eq!(
            c.cmd_bytes(&[b"RESTORE", b"w", b"0", &p]),
            Value::Simple("OK".into())
        );
        let got = blocked.read_value().unwrap();
        assert_eq!(got, Value::Array(vec![Value::bulk("w"), Value::bulk("a")]));
        assert_eq!(
            c.cmd(&["LRANGE", "w", "0", "-1"]),
            Value::Array(vec![Value::bulk("b")])
        );
    }
}

/// Sends binary arguments to both servers; the replies must be equal.
fn check_bytes(d: &mut Diff, args: &[&[u8]]) -> Value {
    let a = d.ours.cmd_bytes(args);
    let b = d.theirs.cmd_bytes(args);
    assert_eq!(
        a,
        b,
        "reply differs for {:?}",
        String::from_utf8_lossy(args[0])
    );
    a
}

fn with_footer(body: &[u8], version: u16) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&version.to_le_bytes());
    let crc = shardis::rdb::crc64(&p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

#[test]
fn restore_errors_match_redis() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.check(&["SET", "k", "v"]);
        let good = bulk(d.theirs.cmd(&["DUMP", "k"]));
        let g: &[u8] = &good;
        d.check(&["RESTORE", "k"]);
        d.check(&["RESTORE", "k", "0"]);
        check_bytes(&mut d, &[b"RESTORE", b"k", b"0", g]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"-1", g]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"abc", g]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", b"garbage"]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", b""]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", g, b"bogus"]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", g, b"IDLETIME"]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", g, b"IDLETIME", b"-1"]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", g, b"IDLETIME", b"x"]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", g, b"FREQ", b"256"]);
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", g, b"FREQ", b"-1"]);
        check_bytes(
            &mut d,
            &[
                b"RESTORE",
                b"new",
                b"0",
                g,
                b"FREQ",
                b"5",
                b"IDLETIME",
                b"5",
            ],
        );
        // Option errors come before the key check; the key check before the TTL check.
        check_bytes(&mut d, &[b"RESTORE", b"k", b"-1", g, b"nope"]);
        check_bytes(&mut d, &[b"RESTORE", b"k", b"-1", g]);
        // Wrong version, wrong CRC, bad data with a right footer.
        let body = &good[..good.len() - 10];
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", &with_footer(body, 11)]);
        let mut bad_crc = good.clone();
        *bad_crc.last_mut().unwrap() ^= 0xFF;
        check_bytes(&mut d, &[b"RESTORE", b"new", b"0", &bad_crc]);
        for bad in [
            &b"\x02\x02\x01a\x01a"[..],
            b"\x02\x00",
            b"\x08\x00",
            b"\x0f\x00",
            b"\x00",
            b"\x00\x05ab",
            b"\x05\x01\x01m\x00\x00\x00\x00\x00\x00\xf8\x7f",
            b"\x10\x07\x07\x00\x00\x00\x00\x00\xff",
        ] {
            check_bytes(&mut d, &[b"RESTORE", b"new", b"0", &with_footer(bad, 10)]);
        }
        check_bytes(&mut d, &[b"RESTORE", b"old", b"0", &with_footer(body, 9)]);
        // REPLACE, expired TTLs (no key is created; REPLACE still deletes the old one).
        check_bytes(
            &mut d,
            &[b"RESTORE", b"k", b"0", g, b"REPLACE", b"IDLETIME", b"10"],
        );
        check_bytes(&mut d, &[b"RESTORE", b"gone", b"1", g, b"ABSTTL"]);
        d.check(&["EXISTS", "gone"]);
        check_bytes(&mut d, &[b"RESTORE", b"k", b"1", g, b"ABSTTL", b"replace"]);
        d.check(&["EXISTS", "k"]);
        check_bytes(
            &mut d,
            &[b"RESTORE", b"f", b"0", g, b"FREQ", b"100", b"absttl"],
        );
        d.check(&["GET", "f"]);
        d.check(&["DUMP"]);
        d.check(&["DUMP", "a", "b"]);
        d.both(&["HELLO", "3"]);
        d.check(&["DUMP", "nokey"]);
        d.check(&["COMMAND", "INFO", "dump", "restore"]);
        d.check(&["COMMAND", "DOCS", "dump", "restore"]);
    }
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("shardis-rdb-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Loads every entry of a decoded file into a shardis server through RESTORE.
fn restore_into(conn: &mut crate::support::Conn, keys: &[shardis::rdb::load::LoadedKey]) {
    for k in keys {
        conn.cmd(&["SELECT", &k.db.to_string()]);
        let p = dump_payload(k.value.value(), &WriteOptions::default());
        let ttl = k.expire_at_ms.unwrap_or(0).to_string();
        let r = conn.cmd_bytes(&[b"RESTORE", &k.key, ttl.as_bytes(), &p, b"ABSTTL"]);
        assert_eq!(r, Value::Simple("OK".into()));
    }
    conn.cmd(&["SELECT", "0"]);
}

#[test]
fn redis_saved_file_loads() {
    let dir = scratch("redis-save");
    let redis = Server::redis(&["--dir", dir.to_str().unwrap(), "--dbfilename", "saved.rdb"]);
    let mut r = redis.conn();
    let cmds = dataset();
    for db in ["0", "3", "15"] {
        r.cmd(&["SELECT", db]);
        for c in &cmds {
            let w: Vec<&str> = c.iter().map(|s| s.as_str()).collect();
            assert!(!r.cmd(&w).is_error());
        }
    }
    r.cmd(&["SELECT", "3"]);
    r.cmd(&["DEL", "l:big", "z:big"]);
    r.cmd(&["SET", "only-in-3", "x", "PXAT", AT]);
    assert_eq!(r.cmd(&["SAVE"]), Value::Simple("OK".into()));
    let bytes = std::fs::read(dir.join("saved.rdb")).unwrap();
    let file = load(&bytes, &EncodingLimits::default(), 16).expect("loads Redis's file");
    assert_eq!(file.aux(b"redis-ver"), Some(&b"7.0.15"[..]));
    assert_eq!(file.keys.len(), 3 * keys_of(&cmds).len() - 2 + 1);
    let ttl = file
        .keys
        .iter()
        .find(|k| k.db == 3 && k.key == b"only-in-3")
        .unwrap();
    assert_eq!(ttl.expire_at_ms, Some(AT.parse().unwrap()));

    let ours = Server::shardis(2, &[]);
    let mut o = ours.conn();
    restore_into(&mut o, &file.keys);
    assert_eq!(o.cmd(&["DEBUG", "DIGEST"]), r.cmd(&["DEBUG", "DIGEST"]));
    for k in &file.keys {
        let key = String::from_utf8(k.key.clone()).unwrap();
        for c in [&mut o, &mut r] {
            c.cmd(&["SELECT", &k.db.to_string()]);
        }
        assert_eq!(
            o.cmd(&["OBJECT", "ENCODING", &key]),
            r.cmd(&["OBJECT", "ENCODING", &key]),
            "{key}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn written_file_is_accepted_by_redis() {
    // The dataset on a shardis server, its entries DUMPed out, then framed as a file
    // through the library: three dbs, the last one as a fragment written apart.
    let ours = Server::shardis(2, &[]);
    let mut o = ours.conn();
    let cmds = dataset();
    for c in &cmds {
        let w: Vec<&str> = c.iter().map(|s| s.as_str()).collect();
        assert!(!o.cmd(&w).is_error());
    }
    let keys = keys_of(&cmds);
    let mut entries = Vec::new();
    for k in &keys {
        let p = bulk(o.cmd(&["DUMP", k]));
        let v = shardis::rdb::reader::restore_payload(&p, &EncodingLimits::default()).unwrap();
        let at = o.cmd(&["PEXPIRETIME", k]).as_int();
        entries.push((k.clone(), v, (at > 0).then_some(at as u64)));
    }
    let mut w = RdbWriter::new(WriteOptions::default());
    w.header(&Aux {
        ctime_secs: 1_700_000_000,
        used_mem: 1 << 20,
        repl: Some((0, "b".repeat(40), 77)),
        ..Aux::default()
    });
    let expires = entries.iter().filter(|e| e.2.is_some()).count();
    for db in [0usize, 5] {
        w.select_db(db, entries.len(), expires);
        for (k, v, at) in &entries {
            w.entry(k.as_bytes(), v.value(), *at);
        }
    }
    let mut frag = RdbWriter::new(WriteOptions {
        compress: false,
        ..WriteOptions::default()
    });
    for (k, v, at) in &entries {
        frag.entry(k.as_bytes(), v.value(), *at);
    }
    w.select_db(9, entries.len(), expires);
    w.append_fragment(&frag.into_fragment());
    let file = w.finish(true);

    let dir = scratch("written");
    let path = dir.join("ours.rdb");
    std::fs::write(&path, &file).unwrap();
    let check = std::process::Command::new(redis_binary("redis-check-rdb"))
        .arg(&path)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        check.status.success() && out.contains("RDB looks OK"),
        "{out}"
    );

    // Our loader reads it back whole.
    let back = load(&file, &EncodingLimits::default(), 16).unwrap();
    assert_eq!(back.keys.len(), 3 * entries.len());

    let redis = Server::redis(&["--dir", dir.to_str().unwrap(), "--dbfilename", "ours.rdb"]);
    let mut r = redis.conn();
    for db in ["0", "5", "9"] {
        o.cmd(&["SELECT", "0"]);
        r.cmd(&["SELECT", db]);
        for k in &keys {
            assert_eq!(
                r.cmd(&["OBJECT", "ENCODING", k]),
                o.cmd(&["OBJECT", "ENCODING", k]),
                "{db} {k}"
            );
            assert_eq!(
                r.cmd(&["DEBUG", "DIGEST-VALUE", k]),
                o.cmd(&["DEBUG", "DIGEST-VALUE", k]),
                "{db} {k}"
            );
        }
    }
    // The same dataset in the same dbs on shardis: equal digests.
    restore_into(&mut o, &back.keys[entries.len()..]);
    assert_eq!(o.cmd(&["DEBUG", "DIGEST"]), r.cmd(&["DEBUG", "DIGEST"]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redis's own fixture files (`tests/assets/*.rdb` of redis/redis 7.0.15: old encodings,
/// zipmaps, ziplists, quicklist v1, empty keys), when `SHARDIS_RDB_ASSETS` names a folder
/// holding them (they are not vendored): each loads in redis-server and in our loader to
/// the same DEBUG DIGEST. Without the variable the test checks nothing.
#[test]
fn redis_fixture_files_when_available() {
    let Ok(assets) = std::env::var("SHARDIS_RDB_ASSETS") else {
        return;
    };
    for name in [
        "encodings.rdb",
        "hash-zipmap.rdb",
        "hash-ziplist.rdb",
        "list-quicklist.rdb",
        "zset-ziplist.rdb",
        "scriptbackup.rdb",
        "corrupt_empty_keys.rdb",
    ] {
        let bytes = std::fs::read(std::path::Path::new(&assets).join(name)).unwrap();
        let file =
            load(&bytes, &EncodingLimits::default(), 16).unwrap_or_else(|e| panic!("{name}: {e}"));
        // scriptbackup.rdb holds only a `lua` AUX field (scripts, which 7.0 ignores).
        let holds_keys = name != "scriptbackup.rdb";
        assert!(
            !holds_keys || !file.keys.is_empty() || file.skipped_empty > 0,
            "{name}"
        );
        let dir = scratch(&format!("asset-{name}"));
        std::fs::write(dir.join(name), &bytes).unwrap();
        let redis = Server::redis(&["--dir", dir.to_str().unwrap(), "--dbfilename", name]);
        let ours = Server::shardis(2, &[]);
        let mut o = ours.conn();
        restore_into(&mut o, &file.keys);
        let mut r = redis.conn();
        assert_eq!(
            o.cmd(&["DEBUG", "DIGEST"]),
            r.cmd(&["DEBUG", "DIGEST"]),
            "{name}"
        );
        assert_eq!(o.cmd(&["DBSIZE"]), r.cmd(&["DBSIZE"]), "{name}");
        for k in file.keys.iter().filter(|k| k.db == 0) {
            let key = String::from_utf8_lossy(&k.key).into_owned();
            assert_eq!(
                o.cmd(&["OBJECT", "ENCODING", &key]),
                r.cmd(&["OBJECT", "ENCODING", &key]),
                "{name} {key}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
