//! Memory of the collection types: fresh servers per case and round, one big collection
//! (or many small hashes) loaded with pipelined multi-element commands from the kit's
//! client, the size checked, then RSS after minus RSS before, per element. Cases:
//!
//! - `hash N fields`: one hash, `HSET big field:i value:i` (1000 fields a command);
//! - `zset N members`: one sorted set, `ZADD big i member:i`;
//! - `list N elements`: one list, `RPUSH big element:i`;
//! - `set N members`: one set, `SADD big member:i` (strings: past any intset);
//! - `M hashes x 10 fields`: `HSET hash:k f0 value:.. .. f9 ..`, small (listpack) hashes.
//!
//! A case whose command a server rejects (a family not implemented yet) is reported as
//! unsupported with the server's reply, as the suite scenario does; a load that runs past
//! [`LOAD_LIMIT`] is cut and reported too.

use std::time::{Duration, Instant};

use super::{Kit, Scenario};
use crate::client::Client;
use crate::procs::{self, Server};
use crate::results::{Results, Sample};
use crate::{Res, Settings};

/// Elements per command and commands per pipelined batch.
const PER_COMMAND: u64 = 1000;
const PER_BATCH: u64 = 20;
/// A load slower than this is cut (the brief for this scenario: each load well under it).
const LOAD_LIMIT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy)]
enum Kind {
    Hash,
    ZSet,
    List,
    Set,
    SmallHashes,
}

struct Case {
    kind: Kind,
    /// Elements (fields, members) in all.
    elements: u64,
    label: String,
}

fn cases(s: &Settings) -> Vec<Case> {
    let n = s.types_n;
    let m = s.types_small;
    let big = |kind, what: &str| Case {
        kind,
        elements: n,
        label: format!("{what} {n}"),
    };
    vec![
        big(Kind::Hash, "hash fields"),
        big(Kind::ZSet, "zset members"),
        big(Kind::List, "list elements"),
        big(Kind::Set, "set members"),
        Case {
            kind: Kind::SmallHashes,
            elements: m * 10,
            label: format!("{m} hashes x 10 fields"),
        },
    ]
}

/// The commands adding elements `from..to` of a case.
fn commands(kind: Kind, from: u64, to: u64) -> Vec<Vec<String>> {
    let head = |cmd: &str| vec![cmd.to_string(), "big".to_string()];
    match kind {
        Kind::SmallHashes => (from / 10..to / 10)
            .map(|k| {
                let mut c = vec!["HSET".to_string(), format!("hash:{k}")];
                for f in 0..10 {
                    c.push(format!("f{f}"));
                    c.push(format!("value:{}", k * 10 + f));
                }
                c
            })
            .collect(),
        _ => {
            let mut out = Vec::new();
            let mut i = from;
            while i < to {
                let end = (i + PER_COMMAND).min(to);
                let mut c = match kind {
                    Kind::Hash => head("HSET"),
                    Kind::ZSet => head("ZADD"),
                    Kind::List => head("RPUSH"),
                    _ => head("SADD"),
                };
                for j in i..end {
                    match kind {
                        Kind::Hash => {
                            c.push(format!("field:{j}"));
                            c.push(format!("value:{j}"));
                        }
                        Kind::ZSet => {
                            c.push(j.to_string());
                            c.push(format!("member:{j}"));
                        }
                        Kind::List => c.push(format!("element:{j}")),
                        _ => c.push(format!("member:{j}")),
                    }
                }
                out.push(c);
                i = end;
            }
            out
        }
    }
}

/// The command that must answer the element count after the load, and the answer.
fn size_check(kind: Kind, elements: u64) -> (Vec<&'static str>, String) {
    let cmd = match kind {
        Kind::Hash => vec!["HLEN", "big"],
        Kind::ZSet => vec!["ZCARD", "big"],
        Kind::List => vec!["LLEN", "big"],
        Kind::Set => vec!["SCARD", "big"],
        Kind::SmallHashes => return (vec!["DBSIZE"], format!(":{}", elements / 10)),
    };
    (cmd, format!(":{elements}"))
}

/// Loads one case into one server: elements and seconds, or why the server could not.
fn load(p: &Server, case: &Case) -> Res<Result<(u64, f64), String>> {
    let mut c = Client::connect(p.port)?;
    let t0 = Instant::now();
    let per_batch = if matches!(case.kind, Kind::SmallHashes) {
        PER_BATCH * 100 * 10
    } else {
        PER_BATCH * PER_COMMAND
    };
    let mut i = 0;
    while i < case.elements {
        let end = (i + per_batch).min(case.elements);
        for r in c.pipeline(&commands(case.kind, i, end))? {
            if let Some(e) = r.strip_prefix('-') {
                // The echoed arguments of an unknown command would fill the report.
                let e = e.split(", with args beginning with").next().unwrap_or(e);
                return Ok(Err(format!("{} replies: {e}", p.name)));
            }
        }
        if t0.elapsed() > LOAD_LIMIT {
            return Ok(Err(format!(
                "{}: load cut after {} of {} elements ({} s)",
                p.name,
                end,
                case.elements,
                LOAD_LIMIT.as_secs()
            )));
        }
        i = end;
    }
    let secs = t0.elapsed().as_secs_f64();
    let (check, want) = size_check(case.kind, case.elements);
    let got = c.cmd(&check)?;
    if got != want {
        return Ok(Err(format!(
            "{}: {} answered {got} after loading, not {want}",
            p.name,
            check.join(" ")
        )));
    }
    Ok(Ok((case.elements, secs)))
}

pub struct TypesMemory;

impl Scenario for TypesMemory {
    fn name(&self) -> &'static str {
        "types-memory"
    }

    fn about(&self, s: &Settings) -> String {
        format!(
            "RSS delta per element of one {n}-element hash, zset, list and set and of {m} \
             10-field hashes, pipelined multi-element HSET/ZADD/RPUSH/SADD on fresh servers",
            n = s.types_n,
            m = s.types_small
        )
    }

    fn run(&self, kit: &Kit, out: &mut Results) -> Res<()> {
        for round in 0..kit.settings.rounds {
            for case in cases(&kit.settings) {
                // Fresh servers per case: freed memory is not reliably returned to the
                // system, so an earlier case would blur the next one's RSS.
                let servers = kit.start_pair()?;
                for p in &servers {
                    let pid = p.pid();
                    let before = procs::rss_bytes(pid)?;
                    procs::reset_peak_rss(pid);
                    let sample = match load(p, &case)? {
                        Ok((elements, secs)) => {
                            let after = procs::rss_bytes(pid)?;
                            let peak = procs::peak_rss_bytes(pid)?;
                            let per = after.saturating_sub(before) as f64 / elements as f64;
                            eprintln!(
                                "[types-memory round {}] {:<26} {:<7} {per:.1} B/element  RSS {:.1} -> {:.1} MB  load {secs:.2} s",
                                round + 1,
                                case.label,
                                p.name,
                                before as f64 / 1_048_576.0,
                                after as f64 / 1_048_576.0,
                            );
                            Sample {
                                metrics: vec![
                                    ("bytes/element", per),
                                    (
                                        "RSS delta MB",
                                        after.saturating_sub(before) as f64 / 1_048_576.0,
                                    ),
                                    ("peak RSS MB", peak as f64 / 1_048_576.0),
                                    ("load s", secs),
                                ],
                                dist: None,
                                note: None,
                            }
                        }
                        Err(why) => {
                            eprintln!(
                                "[types-memory round {}] {:<26} {:<7} unsupported: {why}",
                                round + 1,
                                case.label,
                                p.name
                            );
                            Sample {
                                note: Some(why),
                                ..Sample::default()
                            }
                        }
                    };
                    out.add(self.name(), &case.label, p.name, sample);
                }
            }
        }
        Ok(())
    }
}
