//! CLIENT: the connection's identity and the registry of every shard's clients.
//!
//! Each shard owns the clients it accepted (`ShardCtx::clients`); LIST and KILL fan out to
//! every shard and merge, so a client sees and can kill connections on any core. Lines
//! follow Redis 7.0's `CLIENT LIST` format field for field.

use std::collections::HashMap;

use bytes::Bytes;

use super::{args, errors, CommandSpec, KeyRange, Run};
use crate::server::client::{Client, ClientInfo, ReplyMode};
use crate::server::shard::{unix_ms, ShardCtx};

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "client",
    arity: -2,
    flags: 0,
    keys: KeyRange::NONE,
    run: Run::Coord(client),
}];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

pub const NAME_ERROR: &str =
    "ERR Client names cannot contain spaces, newlines or special characters.";

const HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];

/// Subcommands shardis implements and their Redis arities (with `CLIENT` itself).
const SUBCOMMANDS: &[(&str, i32)] = &[
    ("id", 2),
    ("setname", 3),
    ("getname", 2),
    ("list", -2),
    ("info", 2),
    ("kill", -3),
    ("no-evict", 3),
    ("reply", 3),
    ("unblock", -3),
    ("help", 2),
];

/// Finds a subcommand and checks its arity, as Redis does for container commands.
/// Returns the lowercase subcommand name or the error to reply.
pub fn subcommand(
    cmd: &str,
    table: &[(&'static str, i32)],
    a: &[Bytes],
) -> Result<&'static str, String> {
    let Some(&(name, arity)) = table.iter().find(|(n, _)| args::eq(&a[1], n)) else {
        return Err(errors::unknown_subcommand(cmd, &a[1]));
    };
    let argc = a.len() as i32;
    let ok = if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    };
    if ok {
        Ok(name)
    } else {
        Err(errors::arity(&format!("{cmd}|{name}")))
    }
}

/// Redis accepts names of printable ASCII without spaces (`'!'..='~'`); empty clears.
pub fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Sets (or with an empty name clears) the connection's name; `name` is valid.
pub fn set_name(c: &mut Client, name: &[u8]) {
    c.handle.info.borrow_mut().name = (!name.is_empty()).then(|| Bytes::copy_from_slice(name));
}

/// Client types of `CLIENT LIST TYPE` / `CLIENT KILL TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Replica,
    PubSub,
    Master,
}

fn kind_by_name(name: &[u8]) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    match &lower[..] {
        b"normal" => Some(Kind::Normal),
        b"slave" | b"replica" => Some(Kind::Replica),
        b"pubsub" => Some(Kind::PubSub),
        b"master" => Some(Kind::Master),
        _ => None,
    }
}

/// A client's type from its CLIENT LIST flags, in Redis's `getClientType` order: a
/// replica link (`S`, set by the replication core when a client sends SYNC/PSYNC), the
/// master link (`M`), a subscriber (`P`), else normal.
fn kind_of(info: &ClientInfo) -> Kind {
    if info.flags.contains('S') {
        Kind::Replica
    } else if info.flags.contains('M') {
        Kind::Master
    } else if info.flags.contains('P') {
        Kind::PubSub
    } else {
        Kind::Normal
    }
}

/// Buffer figures shardis reports for every client: glommio owns the socket buffers, so
/// these are the sizes the connection loop allocates (read chunk, reply buffer).
const READ_BUF: usize = 16 * 1024;

/// One `CLIENT LIST` line (without the newline), in Redis 7.0's field order.
///
/// `fd` is -1 (what Redis shows for clients without a socket): the registry does not
/// record descriptors. `argv-mem`, `multi-mem`, `sub`/`psub`/`ssub` and the output-list
/// fields are constants until the features they describe exist.
pub fn info_line(info: &ClientInfo, now_ms: u64) -> String {
    let mut flags: String = info.flags.chars().filter(|&f| f != 'N').collect();
    if info
        .watch_dirty
        .as_ref()
        .is_some_and(|d| d.load(std::sync::atomic::Ordering::Acquire))
    {
        flags.push('d');
    }
    if info.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let qbuf = info.query_buf_bytes;
    let qbuf_free = if qbuf == 0 {
        0
    } else {
        READ_BUF.saturating_sub(qbuf)
    };
    let tot_mem = READ_BUF * 2 + qbuf + qbuf_free;
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 \
         ssub=0 multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp={} obl=0 \
         oll=0 omem=0 tot-mem={} events=r cmd={} user=default redir=-1 resp={}",
        info.id,
        info.addr,
        info.laddr,
        -1,
        info.name
            .as_ref()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default(),
        now_ms.saturating_sub(info.created_ms) / 1000,
        now_ms.saturating_sub(info.last_interaction_ms) / 1000,
        flags,
        info.db,
        info.multi,
        qbuf,
        qbuf_free,
        READ_BUF,
        READ_BUF,
        tot_mem,
        info.last_cmd,
        info.resp,
    )
}

fn client(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let sub = match subcommand("client", SUBCOMMANDS, &a) {
            Ok(s) => s,
            Err(e) => return c.reply().error(&e),
        };
        c.handle.info.borrow_mut().last_cmd = format!("client|{sub}");
        match sub {
            "id" => {
                let id = c.id as i64;
                c.reply().int(id)
            }
            "setname" => {
                if valid_name(&a[2]) {
                    set_name(c, &a[2]);
                    c.reply().ok()
                } else {
                    c.reply().error(NAME_ERROR)
                }
            }
            "getname" => {
                let name = c.handle.info.borrow().name.clone();
                match name {
                    Some(n) => c.reply().bulk(&n),
                    None => c.reply().null(),
                }
            }
            "info" => {
                let mut line = info_line(&c.handle.info.borrow(), unix_ms());
                line.push('\n');
                c.reply().verbatim(line.as_bytes())
            }
            "list" => list(c, &a).await,
            "unblock" => unblock(c, &a).await,
            "kill" => kill(c, &a).await,
            "no-evict" => {
                let on = if args::eq(&a[2], "on") {
                    true
                } else if args::eq(&a[2], "off") {
                    false
                } else {
                    return c.reply().error(errors::SYNTAX);
                };
                c.handle.info.borrow_mut().no_evict = on;
                c.reply().ok()
            }
            "reply" => {
                // The batch loop drops the replies of OFF/SKIP (`Client::reply_mode`); OFF
                // and SKIP themselves answer nothing, ON answers +OK.
                if args::eq(&a[2], "on") {
                    c.reply_mode = ReplyMode::On;
                    c.reply().ok()
                } else if args::eq(&a[2], "off") {
                    c.reply_mode = ReplyMode::Off;
                } else if args::eq(&a[2], "skip") {
                    if c.reply_mode != ReplyMode::Off {
                        c.reply_mode = ReplyMode::SkipNext;
                    }
                } else {
                    c.reply().error(errors::SYNTAX)
                }
            }
            _ => {
                let mut r = c.reply();
                r.array(HELP.len());
                for line in HELP {
                    r.simple(line);
                }
            }
        }
    })
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends the wait of a client blocked in BLPOP & co.
/// on any shard (1), or finds none (0). The client replies as on a timeout, or with
/// -UNBLOCKED.
async fn unblock(c: &mut Client, a: &[Bytes]) {
    use crate::server::blocking::{unblock_client, Unblock};
    if a.len() > 4 {
        let sub = String::from_utf8_lossy(&a[1]).into_owned();
        return c.reply().error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try CLIENT HELP."
        ));
    }
    let mut how = Unblock::Timeout;
    if a.len() == 4 {
        if args::eq(&a[3], "timeout") {
            how = Unblock::Timeout;
        } else if args::eq(&a[3], "error") {
            how = Unblock::Error;
        } else {
            return c
                .reply()
                .error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        }
    }
    let Some(id) = args::int(&a[2]) else {
        return c.reply().error(errors::NOT_INTEGER);
    };
    let id = id as u64;
    let found = c
        .shard
        .fanout(move |s| unblock_client(s, id, how))
        .await
        .into_iter()
        .any(|hit| hit);
    c.reply().int(found as i64);
}

/// Lines of every client on this shard that `keep` accepts, with their ids.
fn shard_lines(
    s: &ShardCtx,
    now_ms: u64,
    keep: impl Fn(&ClientInfo) -> bool,
) -> Vec<(u64, String)> {
    s.clients
        .borrow()
        .clients
        .values()
        .filter(|h| !h.is_killed())
        .filter_map(|h| {
            let info = h.info.borrow();
            keep(&info).then(|| (info.id, info_line(&info, now_ms)))
        })
        .collect()
}

async fn list(c: &mut Client, a: &[Bytes]) {
    let now = unix_ms();
    let mut ids: Option<Vec<u64>> = None;
    let mut kind = None;
    if a.len() == 4 && args::eq(&a[2], "type") {
        match kind_by_name(&a[3]) {
            Some(k) => kind = Some(k),
            None => {
                let t = String::from_utf8_lossy(&a[3]).into_owned();
                return c.reply().error(&format!("ERR Unknown client type '{t}'"));
            }
        }
    } else if a.len() > 3 && args::eq(&a[2], "id") {
        let mut v = Vec::new();
        for arg in &a[3..] {
            match args::int(arg) {
                Some(id) => v.push(id as u64),
                None => return c.reply().error("ERR Invalid client ID"),
            }
        }
        ids = Some(v);
    } else if a.len() != 2 {
        return c.reply().error(errors::SYNTAX);
    }
    let lines = match ids {
        None => {
            let mut all: Vec<(u64, String)> = c
                .shard
                .fanout(move |s| shard_lines(s, now, |i| kind.is_none_or(|k| kind_of(i) == k)))
                .await
                .into_iter()
                .flatten()
                .collect();
            all.sort_unstable_by_key(|(id, _)| *id);
            all
        }
        Some(ids) => {
            // Redis answers in the order the IDs were given, repeats included.
            let wanted = ids.clone();
            let found: HashMap<u64, String> = c
                .shard
                .fanout(move |s| shard_lines(s, now, |i| wanted.contains(&i.id)))
                .await
                .into_iter()
                .flatten()
                .collect();
            ids.iter()
                .filter_map(|id| found.get(id).map(|l| (*id, l.clone())))
                .collect()
        }
    };
    let mut text = String::new();
    for (_, line) in lines {
        text.push_str(&line);
        text.push('\n');
    }
    c.reply().verbatim(text.as_bytes());
}

/// CLIENT KILL's filters; every given one must match.
#[derive(Debug, Clone, Default)]
struct KillFilter {
    addr: Option<String>,
    laddr: Option<String>,
    kind: Option<Kind>,
    id: Option<u64>,
}

impl KillFilter {
    fn matches(&self, i: &ClientInfo) -> bool {
        self.addr.as_ref().is_none_or(|a| *a == i.addr)
            && self.laddr.as_ref().is_none_or(|a| *a == i.laddr)
            && self.kind.is_none_or(|k| kind_of(i) == k)
            && self.id.is_none_or(|id| id == i.id)
    }

    /// Whether a replica link the replication core serves (gone from the shards'
    /// registries with its socket) matches: by id and type only, its connection
    /// addresses are not kept, so an ADDR or LADDR filter never matches it.
    fn matches_replica(&self, client_id: u64) -> bool {
        self.addr.is_none()
            && self.laddr.is_none()
            && self.kind.is_none_or(|k| k == Kind::Replica)
            && self.id.is_none_or(|id| id == client_id)
    }
}

async fn kill(c: &mut Client, a: &[Bytes]) {
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    let mut f = KillFilter::default();
    let old_form = a.len() == 3;
    // The old form `CLIENT KILL addr` may kill the caller; the new form skips it unless
    // `SKIPME no`.
    let mut skipme = !old_form;
    if old_form {
        f.addr = Some(text(&a[2]));
    } else {
        let mut i = 2;
        while i < a.len() {
            let Some(value) = a.get(i + 1) else {
                return c.reply().error(errors::SYNTAX);
            };
            let opt = &a[i];
            if args::eq(opt, "id") {
                match args::int(value) {
                    Some(id) if id >= 1 => f.id = Some(id as u64),
                    _ => return c.reply().error("ERR client-id should be greater than 0"),
                }
            } else if args::eq(opt, "type") {
                match kind_by_name(value) {
                    Some(k) => f.kind = Some(k),
                    None => {
                        let t = text(value);
                        return c.reply().error(&format!("ERR Unknown client type '{t}'"));
                    }
                }
            } else if args::eq(opt, "addr") {
                f.addr = Some(text(value));
            } else if args::eq(opt, "laddr") {
                f.laddr = Some(text(value));
            } else if args::eq(opt, "user") {
                // Only the default user exists, and every client is authenticated as it.
                if &value[..] != b"default" {
                    let u = text(value);
                    return c.reply().error(&format!("ERR No such user '{u}'"));
                }
            } else if args::eq(opt, "skipme") {
                if args::eq(value, "yes") {
                    skipme = true;
                } else if args::eq(value, "no") {
                    skipme = false;
                } else {
                    return c.reply().error(errors::SYNTAX);
                }
            } else {
                return c.reply().error(errors::SYNTAX);
            }
            i += 2;
        }
    }
    let me = c.id;
    let filter = f.clone();
    let killed: Vec<u64> = c
        .shard
        .fanout(move |s| {
            let victims: Vec<_> = s
                .clients
                .borrow()
                .clients
                .values()
                .filter(|h| {
                    let info = h.info.borrow();
                    info.id != me && !h.is_killed() && filter.matches(&info)
                })
                .cloned()
                .collect();
            for h in &victims {
                h.kill();
            }
            victims
                .iter()
                .map(|h| h.info.borrow().id)
                .collect::<Vec<u64>>()
        })
        .await
        .into_iter()
        .flatten()
        .collect();
    // Replica links are served by the replication core (their sockets left the shards):
    // flag the matching ones there, the core closes them (Redis frees the replica
    // client). One already flagged is on its way out and not counted again.
    let mut killed = killed;
    for r in c.shard.global.repl.replicas() {
        let flagged = r.kill.load(std::sync::atomic::Ordering::Acquire);
        if !flagged && !killed.contains(&r.client_id) && f.matches_replica(r.client_id) {
            killed.push(r.client_id);
        }
    }
    c.shard.global.repl.kill_clients(&killed);
    let killed = killed.len();
    // The caller itself is closed only after its reply is written.
    let kill_me = !skipme && f.matches(&c.handle.info.borrow());
    let killed = killed + kill_me as usize;
    if kill_me {
        c.close_after_reply = true;
    }
    if old_form {
        if killed == 0 {
            c.reply().error("ERR No such client")
        } else {
            c.reply().ok()
        }
    } else {
        c.reply().int(killed as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_links_match_by_type_and_id_only() {
        let f = |kind, id, addr: Option<&str>| KillFilter {
            addr: addr.map(String::from),
            laddr: None,
            kind,
            id,
        };
        assert!(f(Some(Kind::Replica), None, None).matches_replica(7));
        assert!(f(None, Some(7), None).matches_replica(7));
        assert!(f(None, None, None).matches_replica(7));
        assert!(!f(Some(Kind::Normal), None, None).matches_replica(7));
        assert!(!f(Some(Kind::Replica), Some(8), None).matches_replica(7));
        assert!(!f(Some(Kind::Replica), None, Some("127.0.0.1:1")).matches_replica(7));
    }

    #[test]
    fn names_are_printable_without_spaces() {
        assert!(valid_name(b"abc-1_!~"));
        assert!(valid_name(b""));
        assert!(!valid_name(b"a b"));
        assert!(!valid_name(b"a\nb"));
        assert!(!valid_name("é".as_bytes()));
    }

    #[test]
    fn subcommand_arity_and_unknown() {
        let a = |v: &[&str]| {
            v.iter()
                .map(|s| Bytes::from(s.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            subcommand("client", SUBCOMMANDS, &a(&["client", "ID"])),
            Ok("id")
        );
        assert_eq!(
            subcommand("client", SUBCOMMANDS, &a(&["client", "id", "x"])),
            Err("ERR wrong number of arguments for 'client|id' command".into())
        );
        assert_eq!(
            subcommand("client", SUBCOMMANDS, &a(&["client", "nope"])),
            Err("ERR unknown subcommand 'nope'. Try CLIENT HELP.".into())
        );
    }
}
