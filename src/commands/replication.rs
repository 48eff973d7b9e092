//! SYNC, PSYNC and REPLCONF: the master side of Redis's replication handshake
//! (`replication.c`: `syncCommand`, `masterTryPartialResynchronization`,
//! `replconfCommand`). They run at the connection's shard; once SYNC/PSYNC decided, the
//! connection is handed to the replication core ([`crate::replication`]), which writes
//! `+FULLRESYNC`/`+CONTINUE` and everything after.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::flag::*;
use super::{args, errors, CommandSpec, KeyRange, Run};
use crate::replication::handoff::{Session, Start};
use crate::server::client::Client;
use crate::server::log;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sync",
        arity: 1,
        flags: ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        keys: KeyRange::NONE,
        run: Run::Coord(sync),
    },
    CommandSpec {
        name: "psync",
        arity: -3,
        flags: ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        keys: KeyRange::NONE,
        run: Run::Coord(sync),
    },
    CommandSpec {
        name: "replconf",
        arity: -1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        keys: KeyRange::NONE,
        run: Run::Coord(replconf),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

pub const PENDING_OUTPUT: &str = "ERR SYNC and PSYNC are invalid with pending output";
/// `NET_HOST_STR_LEN`: an announced address must be shorter.
const HOST_STR_LEN: usize = 256;

fn session(c: &mut Client) -> &mut Session {
    c.repl.get_or_insert_with(Default::default)
}

/// What a PSYNC for `replid` at `offset` gets (reference §1.3): partial iff the id is
/// ours (or our previous one, up to `second_repl_offset`) and the offset is in the log,
/// `first <= offset <= master_repl_offset + 1`.
pub fn can_continue(
    ids: &crate::replication::state::Ids,
    first: u64,
    last: u64,
    replid: &[u8],
    offset: i64,
) -> bool {
    let ours = replid == ids.replid.as_bytes()
        || (replid == ids.replid2.as_bytes() && offset <= ids.second_repl_offset);
    ours && offset >= first as i64 && offset <= last as i64 + 1
}

/// SYNC and PSYNC <replid> <offset> [FAILOVER].
fn sync(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if c.repl.as_ref().is_some_and(|s| s.start.is_some()) {
            return;
        }
        let psync = args::eq(&a[0], "psync");
        let global = c.shard.global.clone();
        if psync && a.len() > 3 && args::eq(&a[3], "failover") {
            // A replica asked to take over by a sibling sharing its history becomes a
            // master (Redis's `replicationUnsetMaster`), then serves the sync.
            if a[1][..] != *global.repl.ids().replid.as_bytes() {
                return c
                    .reply()
                    .error("ERR PSYNC FAILOVER replid must match my replid.");
            }
            if crate::replication::replica::promote(&global) {
                log::notice("MASTER MODE enabled (failover request from a replica)");
            }
        }
        if global.replica.is_replica() && !global.replica.link_up.load(Ordering::Acquire) {
            // Our log ends where our master's stream stopped reaching us.
            return c
                .reply()
                .error("NOMASTERLINK Can't SYNC while not connected with my master");
        }
        if !c.out.is_empty() {
            return c.reply().error(PENDING_OUTPUT);
        }
        let name = replica_name(c);
        log::notice(&format!("Replica {name} asks for synchronization"));
        let mut start = Start::Full { plain: !psync };
        if psync {
            let Some(offset) = args::int(&a[2]) else {
                log::warning(&format!(
                    "Replica {name} asks for synchronization but with a wrong offset"
                ));
                return c.reply().error(errors::NOT_INTEGER);
            };
            let log_ = &global.repl_log;
            let (first, last) = (log_.first_offset(), log_.offset());
            if can_continue(&global.repl.ids(), first, last, &a[1], offset) {
                global.repl.sync_partial_ok.fetch_add(1, Ordering::Relaxed);
                log::notice(&format!(
                    "Partial resynchronization request from {name} accepted. Sending {} bytes of backlog starting from offset {offset}.",
                    last as i64 + 1 - offset
                ));
                start = Start::Partial {
                    from: offset as u64,
                };
            } else if !a[1].starts_with(b"?") {
                global.repl.sync_partial_err.fetch_add(1, Ordering::Relaxed);
                log::notice(&format!(
                    "Partial resynchronization not accepted: Replication ID mismatch or offset out of range (Replica asked for '{}' at {offset})",
                    String::from_utf8_lossy(&a[1])
                ));
            } else {
                log::notice(&format!("Full resync requested by replica {name}"));
            }
        }
        if matches!(start, Start::Full { .. }) {
            global.repl.sync_full.fetch_add(1, Ordering::Relaxed);
        }
        session(c).start = Some(start);
        // Nothing after SYNC/PSYNC in this read runs here: the core owns the link now.
        c.close_after_reply = true;
    })
}

/// `ip:port` as Redis names a replica in its log (`replicationGetSlaveName`).
fn replica_name(c: &Client) -> String {
    let conf = c.repl.as_ref().map(|s| s.conf.clone()).unwrap_or_default();
    let ip = conf.ip.unwrap_or_else(|| c.peer.ip().to_string());
    if conf.listening_port > 0 {
        format!("{ip}:{}", conf.listening_port)
    } else {
        format!("{ip}:<unknown-replica-port>")
    }
}

/// REPLCONF <option> <value> ... (`replconfCommand`).
fn replconf(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if a.len().is_multiple_of(2) {
            return c.reply().error(errors::SYNTAX);
        }
        for pair in a[1..].chunks(2) {
            let (opt, val) = (&pair[0], &pair[1]);
            if args::eq(opt, "listening-port") {
                let Some(port) = args::int(val) else {
                    return c.reply().error(errors::NOT_INTEGER);
                };
                session(c).conf.listening_port = port;
            } else if args::eq(opt, "ip-address") {
                if val.len() >= HOST_STR_LEN {
                    return c.reply().error(&format!(
                        "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                        val.len()
                    ));
                }
                session(c).conf.ip = Some(String::from_utf8_lossy(val).into_owned());
            } else if args::eq(opt, "capa") {
                // Unknown capabilities are ignored, as Redis does.
                if args::eq(val, "eof") {
                    session(c).conf.capa_eof = true;
                } else if args::eq(val, "psync2") {
                    session(c).conf.capa_psync2 = true;
                }
            } else if args::eq(opt, "ack") || args::eq(opt, "getack") {
                // From a client that is not a replica (the core reads those) or to a
                // master (GETACK is for replicas): no reply, as Redis.
                return;
            } else if args::eq(opt, "rdb-only") {
                match args::int(val) {
                    None => return c.reply().error(errors::NOT_INTEGER),
                    Some(n) if !(0..=1).contains(&n) => {
                        return c
                            .reply()
                            .error("ERR value is out of range, value must between 0 and 1")
                    }
                    Some(n) => session(c).conf.rdb_only = n == 1,
                }
            } else if args::eq(opt, "rdb-filter-only") {
                let text = String::from_utf8_lossy(val);
                for filter in text.split_whitespace() {
                    if !filter.eq_ignore_ascii_case("functions") {
                        return c
                            .reply()
                            .error(&format!("ERR Unsupported rdb-filter-only option: {filter}"));
                    }
                }
            } else {
                return c.reply().error(&format!(
                    "ERR Unrecognized REPLCONF option: {}",
                    String::from_utf8_lossy(opt)
                ));
            }
        }
        c.reply().ok()
    })
}

/// Redis 7.0.15's COMMAND INFO / COMMAND DOCS data for these commands (notation: see
/// `command_docs.rs`).
pub static DOCS: &[super::command_docs::Doc] = &[
    super::command_docs::Doc {
        name: "sync",
        info: r#"["sync" 1 ~[+admin +noscript +no_async_loading +no_multi] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Internal command used for replication" "since" "1.0.0" "group" "server"}"#,
    },
    super::command_docs::Doc {
        name: "psync",
        info: r#"["psync" -3 ~[+admin +noscript +no_async_loading +no_multi] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "Internal command used for replication" "since" "2.8.0" "group" "server" "arguments" [{"name" "replicationid" "type" "string"} {"name" "offset" "type" "integer"}]}"#,
    },
    super::command_docs::Doc {
        name: "replconf",
        info: r#"["replconf" -1 ~[+admin +noscript +loading +stale +allow_busy] 0 0 0 ~[+@admin +@slow +@dangerous] ~[] ~[]]"#,
        docs: r#"{"summary" "An internal command for configuring the replication stream" "since" "3.0.0" "group" "server" "complexity" "O(1)" "doc_flags" ~[+syscmd]}"#,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::state::Ids;

    #[test]
    fn continue_needs_our_id_and_an_offset_in_the_log() {
        let ids = Ids {
            replid: "a".repeat(40),
            replid2: "b".repeat(40),
            second_repl_offset: 50,
        };
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        assert!(can_continue(&ids, 10, 100, a.as_bytes(), 10));
        assert!(can_continue(&ids, 10, 100, a.as_bytes(), 101));
        assert!(!can_continue(&ids, 10, 100, a.as_bytes(), 102));
        assert!(!can_continue(&ids, 10, 100, a.as_bytes(), 9));
        assert!(can_continue(&ids, 10, 100, b.as_bytes(), 50));
        assert!(!can_continue(&ids, 10, 100, b.as_bytes(), 51));
        assert!(!can_continue(&ids, 10, 100, b"?", -1));
    }
}
