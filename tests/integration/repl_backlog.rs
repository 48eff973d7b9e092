//! `repl-backlog-size` against real Redis: CONFIG GET/SET (memory units, range errors,
//! the 16kb floor CONFIG SET applies), start-up values kept as written, and INFO-free
//! checks that the live replication log keeps serving writes across resizes.

use crate::connection::check_hello;
use crate::support::{Diff, Server};

#[test]
fn repl_backlog_size_config_set_and_get() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "CONFIG GET repl-backlog-size
             CONFIG SET repl-backlog-size 2mb
             CONFIG GET repl-backlog-size
             CONFIG SET repl-backlog-size 100
             CONFIG GET repl-backlog-size
             CONFIG SET repl-backlog-size 1k
             CONFIG GET repl-backlog-size
             CONFIG SET repl-backlog-size 20000
             CONFIG GET repl-backlog-size
             CONFIG SET repl-backlog-size 0
             CONFIG SET repl-backlog-size -1
             CONFIG SET repl-backlog-size abc
             CONFIG SET repl-backlog-size 9223372036854775808
             CONFIG SET repl-backlog-size 1GB
             CONFIG GET repl-backlog-size
             CONFIG SET repl-backlog-size 1mb
             SET k v
             INCR n
             CONFIG SET repl-backlog-size 64kb
             SET k w
             CONFIG GET repl*size",
        );
        check_hello(&mut d, &["HELLO", "3"]);
        d.check(&["CONFIG", "GET", "repl-backlog-size"]);
        d.assert_same_digest();
    }
}

#[test]
fn repl_backlog_size_from_the_command_line_is_kept() {
    for value in ["1", "100kb", "3mb"] {
        let redis = Server::redis(&["--repl-backlog-size", value]);
        let shardis = Server::shardis(1, &["--repl-backlog-size", value]);
        let get = ["CONFIG", "GET", "repl-backlog-size"];
        assert_eq!(shardis.conn().cmd(&get), redis.conn().cmd(&get), "{value}");
    }
}
