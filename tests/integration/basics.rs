//! Smoke tests of the server process: it starts, answers, routes across shards.

use crate::support::{Diff, Server, Value};

#[test]
fn set_get_on_one_and_two_shards() {
    for shards in [1, 2, 3] {
        let s = Server::shardis(shards, &[]);
        let mut c = s.conn();
        for i in 0..200 {
            assert_eq!(
                c.cmd(&["SET", &format!("k{i}"), &format!("v{i}")]),
                Value::Simple("OK".into())
            );
        }
        for i in 0..200 {
            assert_eq!(
                c.cmd(&["GET", &format!("k{i}")]),
                Value::bulk(&format!("v{i}"))
            );
        }
        assert_eq!(c.cmd(&["DBSIZE"]), Value::Int(200));
    }
}

#[test]
fn multi_key_commands_span_shards() {
    let mut d = Diff::new(2);
    d.script(
        "MSET a 1 b 2 c 3 d 4 e 5
         MGET a b c d e nope
         EXISTS a b c nope a
         DEL a c nope
         MGET a b c d e",
    );
}

#[test]
fn unknown_command_errors_cut_long_arguments_as_redis() {
    let mut d = Diff::new(1);
    let many: Vec<String> = (0..60).map(|i| i.to_string()).collect();
    let mut args = vec!["FOO"];
    args.extend(many.iter().map(String::as_str));
    d.check(&args);
    let long = "x".repeat(300);
    d.check(&[&long, &long, "a"]);
    d.check(&["nope", "a", &long, "b"]);
    d.check(&["nope"]);
}
