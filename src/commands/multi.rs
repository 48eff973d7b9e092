//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The state and the mechanism are in
//! [`crate::server::multi`]; these are the commands' checks and replies.

use bytes::Bytes;

use super::command_docs::Doc;
use super::flag::*;
use super::{CommandSpec, KeyRange, Run};
use crate::server::client::Client;
use crate::server::multi;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "multi",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(multi_cmd),
    },
    CommandSpec {
        name: "exec",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        keys: KeyRange::NONE,
        run: Run::Coord(exec),
    },
    CommandSpec {
        name: "discard",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(discard),
    },
    CommandSpec {
        name: "watch",
        arity: -2,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        keys: KeyRange::ALL,
        run: Run::Coord(watch),
    },
    CommandSpec {
        name: "unwatch",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(unwatch),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

fn multi_cmd(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if multi::begin(c) {
            c.reply().ok();
        } else {
            c.reply().error("ERR MULTI calls can not be nested");
        }
    })
}

fn exec(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if !c.multi.in_multi() {
            return c.reply().error("ERR EXEC without MULTI");
        }
        if c.multi.errored() {
            multi::discard(c).await;
            return c.reply().error(multi::EXECABORT);
        }
        let cmds = c.multi.take_queue();
        multi::exec_queued(c, cmds).await;
    })
}

fn discard(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if !c.multi.in_multi() {
            return c.reply().error("ERR DISCARD without MULTI");
        }
        multi::discard(c).await;
        c.reply().ok();
    })
}

fn watch(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if c.multi.in_multi() {
            return c.reply().error("ERR WATCH inside MULTI is not allowed");
        }
        multi::watch(c, &a[1..]).await;
        c.reply().ok();
    })
}

fn unwatch(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        multi::unwatch_all(c).await;
        c.reply().ok();
    })
}

/// Redis 7.0.15's COMMAND INFO / COMMAND DOCS data for these commands (notation: see
/// [`super::command_docs`]).
pub static DOCS: &[Doc] = &[
    Doc {
        name: "multi",
        info: r#"["multi" 1 ~[+noscript +loading +stale +fast +allow_busy] 0 0 0 ~[+@fast +@transaction] ~[] ~[]]"#,
        docs: r#"{"summary" "Mark the start of a transaction block" "since" "1.2.0" "group" "transactions" "complexity" "O(1)"}"#,
    },
    Doc {
        name: "exec",
        info: r#"["exec" 1 ~[+noscript +loading +stale +skip_slowlog] 0 0 0 ~[+@slow +@transaction] ~[] ~[]]"#,
        docs: r#"{"summary" "Execute all commands issued after MULTI" "since" "1.2.0" "group" "transactions" "complexity" "Depends on commands in the transaction"}"#,
    },
    Doc {
        name: "discard",
        info: r#"["discard" 1 ~[+noscript +loading +stale +fast +allow_busy] 0 0 0 ~[+@fast +@transaction] ~[] ~[]]"#,
        docs: r#"{"summary" "Discard all commands issued after MULTI" "since" "2.0.0" "group" "transactions" "complexity" "O(N), when N is the number of queued commands"}"#,
    },
    Doc {
        name: "watch",
        info: r#"["watch" -2 ~[+noscript +loading +stale +fast +allow_busy] 1 -1 1 ~[+@fast +@transaction] ~[] ~[{"flags" ~[+RO] "begin_search" {"type" "index" "spec" {"index" 1}} "find_keys" {"type" "range" "spec" {"lastkey" -1 "keystep" 1 "limit" 0}}}]]"#,
        docs: r#"{"summary" "Watch the given keys to determine execution of the MULTI/EXEC block" "since" "2.2.0" "group" "transactions" "complexity" "O(1) for every key." "arguments" [{"name" "key" "type" "key" "key_spec_index" 0 "flags" ~[+multiple]}]}"#,
    },
    Doc {
        name: "unwatch",
        info: r#"["unwatch" 1 ~[+noscript +loading +stale +fast +allow_busy] 0 0 0 ~[+@fast +@transaction] ~[] ~[]]"#,
        docs: r#"{"summary" "Forget about all watched keys" "since" "2.2.0" "group" "transactions" "complexity" "O(1)"}"#,
    },
];
