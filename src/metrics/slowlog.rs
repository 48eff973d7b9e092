//! The slow log: one bounded ring per shard, merged by id on read (see the module doc of
//! [`super`] for why entries stay on the shard that timed them).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::commands::Fut;
use crate::commands::args;
use crate::commands::client::subcommand;
use crate::commands::command_info::help;
use crate::server::client::Client;
use crate::server::shard::unix_ms;

/// Redis's `SLOWLOG_ENTRY_MAX_ARGC` and `SLOWLOG_ENTRY_MAX_STRING`.
const MAX_ARGC: usize = 32;
const MAX_STRING: usize = 128;

/// Ids of entries, process-wide so that merged shards' entries keep one order. As in
/// Redis, SLOWLOG RESET does not restart them.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Debug)]
pub struct Entry {
    pub id: u64,
    pub unix_secs: u64,
    pub usec: u64,
    pub args: Vec<Bytes>,
    pub addr: String,
    pub name: Bytes,
}

#[derive(Default)]
pub struct SlowLog {
    /// Newest first.
    pub entries: VecDeque<Entry>,
}

/// The arguments as Redis logs them: at most 32 (the last one then says how many more
/// there were), strings over 128 bytes cut with a note, secrets redacted.
pub fn logged_args(argv: &[Bytes]) -> Vec<Bytes> {
    let n = argv.len().min(MAX_ARGC);
    let redact_from = redacted_from(argv);
    (0..n)
        .map(|j| {
            if n != argv.len() && j == n - 1 {
                return Bytes::from(format!("... ({} more arguments)", argv.len() - n + 1));
            }
            if redact_from.as_ref().is_some_and(|r| r.contains(&j)) {
                return Bytes::from_static(b"(redacted)");
            }
            let a = &argv[j];
            if a.len() > MAX_STRING {
                let mut s = a[..MAX_STRING].to_vec();
                s.extend_from_slice(
                    format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes(),
                );
                Bytes::from(s)
            } else {
                a.clone()
            }
        })
        .collect()
}

/// Arguments Redis redacts from the slow log: AUTH's, and HELLO's AUTH user and password.
fn redacted_from(argv: &[Bytes]) -> Option<std::ops::Range<usize>> {
    if args::eq(&argv[0], "auth") {
        return Some(1..argv.len());
    }
    if args::eq(&argv[0], "hello") {
        let p = argv.iter().position(|a| args::eq(a, "auth"))?;
        return Some(p + 1..p + 3);
    }
    None
}

impl SlowLog {
    pub fn push(&mut self, argv: &[Bytes], usec: u64, client: Option<&Client>, max_len: usize) {
        let (addr, name) = client.map(client_id).unwrap_or_default();
        self.entries.push_front(Entry {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            unix_secs: unix_ms() / 1000,
            usec,
            args: logged_args(argv),
            addr,
            name,
        });
        self.entries.truncate(max_len);
    }

    pub fn set_client_of_newest(&mut self, c: &Client) {
        if let Some(e) = self.entries.front_mut() {
            (e.addr, e.name) = client_id(c);
        }
    }
}

fn client_id(c: &Client) -> (String, Bytes) {
    let info = c.handle.info.borrow();
    (info.addr.clone(), info.name.clone().unwrap_or_default())
}

pub const HELP: &[&str] = &[
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
];

const SUBCOMMANDS: &[(&str, i32)] = &[("get", -2), ("len", 2), ("reset", 2), ("help", 2)];

pub fn slowlog(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let sub = match subcommand("slowlog", SUBCOMMANDS, &a) {
            Ok(s) => s,
            Err(e) => return c.reply().error(&e),
        };
        match sub {
            "get" => {
                let count = match a.get(2) {
                    None => 10,
                    Some(n) => match args::int(n) {
                        Some(n) if n >= -1 => n,
                        _ => {
                            return c
                                .reply()
                                .error("ERR count should be greater than or equal to -1")
                        }
                    },
                };
                // Each shard keeps up to the maximum; the merged log is the newest maximum.
                let max = c.shard.config().slowlog_max_len as usize;
                let limit = if count < 0 {
                    max
                } else {
                    (count as usize).min(max)
                };
                let parts = c
                    .shard
                    .fanout(move |s| {
                        let log = s.metrics.slowlog.borrow();
                        log.entries.iter().take(limit).cloned().collect::<Vec<_>>()
                    })
                    .await;
                let mut entries: Vec<Entry> = parts.into_iter().flatten().collect();
                entries.sort_by_key(|e| std::cmp::Reverse(e.id));
                entries.truncate(limit);
                let mut r = c.reply();
                r.array(entries.len());
                for e in &entries {
                    r.array(6);
                    r.int(e.id as i64);
                    r.int(e.unix_secs as i64);
                    r.int(e.usec as i64);
                    r.array(e.args.len());
                    e.args.iter().for_each(|x| r.bulk(x));
                    r.bulk(e.addr.as_bytes());
                    r.bulk(&e.name);
                }
            }
            "len" => {
                let lens = c
                    .shard
                    .fanout(|s| s.metrics.slowlog.borrow().entries.len())
                    .await;
                let max = c.shard.config().slowlog_max_len as usize;
                let n = lens.iter().sum::<usize>().min(max);
                c.reply().int(n as i64)
            }
            "reset" => {
                c.shard
                    .fanout(|s| s.metrics.slowlog.borrow_mut().entries.clear())
                    .await;
                c.reply().ok()
            }
            _ => help(&mut c.reply(), "slowlog", HELP),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words as b;

    #[test]
    fn truncates_like_redis() {
        let long = "x".repeat(130);
        let got = logged_args(&b(&["set", "k", &long]));
        assert_eq!(
            got[2],
            Bytes::from(format!("{}... (2 more bytes)", "x".repeat(128)))
        );
        let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
        let got = logged_args(&b(&refs));
        assert_eq!(got.len(), 32);
        assert_eq!(got[31], Bytes::from("... (9 more arguments)"));
        assert_eq!(got[30], Bytes::from("30"));
    }

    #[test]
    fn redacts_secrets() {
        assert_eq!(logged_args(&b(&["AUTH", "pw"])), b(&["AUTH", "(redacted)"]));
        assert_eq!(
            logged_args(&b(&["hello", "3", "AUTH", "u", "p", "SETNAME", "n"])),
            b(&[
                "hello",
                "3",
                "AUTH",
                "(redacted)",
                "(redacted)",
                "SETNAME",
                "n"
            ])
        );
    }

    #[test]
    fn ring_is_bounded_newest_first() {
        let mut log = SlowLog::default();
        for i in 0..5 {
            log.push(&b(&["get", &i.to_string()]), 1, None, 3);
        }
        assert_eq!(log.entries.len(), 3);
        assert_eq!(log.entries[0].args[1], Bytes::from("4"));
        assert!(log.entries[0].id > log.entries[1].id);
    }
}
