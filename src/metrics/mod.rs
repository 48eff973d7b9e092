//! Per-command latency and call statistics, the slow log and the latency monitor, with
//! Redis 7.0's interfaces: `INFO commandstats / errorstats / latencystats`,
//! `LATENCY HISTOGRAM / LATEST / HISTORY / RESET / DOCTOR / GRAPH`, `SLOWLOG` and
//! `CONFIG RESETSTAT`.
//!
//! # Where numbers live
//!
//! Every shard owns a [`Metrics`] (in `ShardCtx::metrics`): one [`Slot`] per command *and*
//! per subcommand (`client|list` is its own slot, as in Redis), indexed by a number fixed
//! once for the process ([`INDEX`]: the command's position in `commands::all()`, its
//! subcommands right after it). A slot is plain `Cell` counters (calls, total ns, rejected,
//! failed) and a `RefCell` HdrHistogram of service time in ns (1 ns .. 1 s, 2 significant
//! digits, Redis's bounds). Recording a call is therefore a pointer-keyed lookup of the
//! slot, a few cell updates and one histogram increment: no lock, no message, no
//! allocation. (A histogram's 24 KB of counters is allocated the first time its command
//! runs on the shard, as Redis creates a command's histogram on its first call, instead
//! of 6 MB per shard up front; a reset keeps the allocation.)
//!
//! Readers (INFO, LATENCY, SLOWLOG) fan out to every shard, clone what they need out of
//! each shard's cells (histograms are `Send`) and merge at the coordinator.
//!
//! # Where a call is timed
//!
//! - A shard command is timed around its body in `ShardCtx::exec`, on the shard that runs
//!   it (the coordinator's own shard or a remote owner): the histogram measures service
//!   time, not the cross-shard hop.
//! - A coordinator command (and a multi-key command split over shards) is timed around its
//!   call in `server::batch`, at the coordinator, and counts once. The per-shard parts of a
//!   split command run with a *part* copy of its spec ([`part_spec`]) that the recorder
//!   ignores, so MSET over two shards is one call, as in Redis.
//! - Rejections (unknown command, wrong arity, NOAUTH) are recorded where the dispatcher
//!   replies them: `rejected_calls` of the command when it exists, and `errorstats`.
//! - A call failed when its reply starts with `-`; `errorstats` counts the error code (the
//!   reply's first word, `ERR` when it has none), as Redis's `afterErrorReply` does.
//!
//! # The slow log is kept per shard
//!
//! A slow call is logged by the shard that timed it, in that shard's ring (bounded by
//! `slowlog-max-len`); ids come from one process-wide counter, so SLOWLOG GET merges the
//! shards' rings by id (newest first) and the order is the order calls finished. Keeping
//! entries where they are measured needs no message per slow command; keeping them on the
//! coordinator would need the executing shard to report every duration back. The client
//! address and name of an entry are filled in by the coordinator for the commands it ran
//! itself (coordinator commands, and shard commands on its own shard, right after `exec`
//! returns); an entry for a command run on another shard has them empty, since batches do
//! not carry the client's identity to other shards.
//!
//! Latency monitor events (`command`, `fast-command`) are kept per shard too and merged by
//! second on read.

pub mod commands;
pub mod latency;
pub mod slowlog;
pub mod stats;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use hdrhistogram::Histogram;

use crate::commands::{all, flag, CommandSpec, Run};
use crate::config::Config;
use crate::server::client::Client;
use crate::server::shard::{unix_ms, ShardCtx};

/// Histogram bounds, in ns: Redis's `LATENCY_HISTOGRAM_MIN_VALUE` .. `MAX_VALUE`, with
/// its precision.
const HIST_MIN_NS: u64 = 1;
const HIST_MAX_NS: u64 = 1_000_000_000;
const HIST_SIGFIG: u8 = 2;

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(HIST_MIN_NS, HIST_MAX_NS, HIST_SIGFIG).expect("valid bounds")
}

/// Hashes a spec's address: one multiply (the keys are distinct static addresses).
#[derive(Default)]
struct PtrHasher(u64);

impl Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
}

type PtrMap<V> = HashMap<usize, V, BuildHasherDefault<PtrHasher>>;

/// A command's slot and, for a container, the range of its subcommands' slots.
#[derive(Clone, Copy)]
struct IndexEntry {
    slot: u16,
    subs_start: u16,
    subs_end: u16,
}

/// The process-wide numbering of commands and subcommands.
pub struct Index {
    by_spec: PtrMap<IndexEntry>,
    /// Full name of each slot (`get`, `client|list`).
    pub names: Vec<String>,
    /// Flags of each slot's command (subcommands share their parent's).
    pub flags: Vec<u32>,
    by_name: HashMap<String, (usize, std::ops::Range<usize>)>,
    /// Part copies of the split commands: spec address -> part.
    parts: PtrMap<&'static CommandSpec>,
}

fn addr(spec: &CommandSpec) -> usize {
    spec as *const CommandSpec as usize
}

/// Subcommand names of a container (full `parent|sub` names), from the COMMAND data.
fn subcommands_of(name: &str) -> Vec<String> {
    crate::commands::command_info::parsed(name)
        .map(|p| p.subs.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default()
}

pub static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut index = Index {
        by_spec: PtrMap::default(),
        names: Vec::new(),
        flags: Vec::new(),
        by_name: HashMap::new(),
        parts: PtrMap::default(),
    };
    for spec in all() {
        let slot = index.names.len();
        index.names.push(spec.name.to_string());
        index.flags.push(spec.flags);
        let subs = subcommands_of(spec.name);
        let start = index.names.len();
        for s in subs {
            index.by_name.insert(s.clone(), (index.names.len(), 0..0));
            index.names.push(s);
            index.flags.push(spec.flags);
        }
        let end = index.names.len();
        index
            .by_name
            .insert(spec.name.to_string(), (slot, start..end));
        index.by_spec.insert(
            addr(spec),
            IndexEntry {
                slot: slot as u16,
                subs_start: start as u16,
                subs_end: end as u16,
            },
        );
        if let Run::Split(..) = spec.run {
            let part: &'static CommandSpec = Box::leak(Box::new(CommandSpec {
                name: spec.name,
                arity: spec.arity,
                flags: spec.flags,
                keys: spec.keys,
                run: spec.run,
            }));
            index.parts.insert(addr(spec), part);
        }
    }
    index
});

impl Index {
    /// A name as LATENCY HISTOGRAM takes it (case-insensitive, `parent|sub` allowed): its
    /// slot and its subcommands' slots.
    pub fn find(&self, name: &[u8]) -> Option<(usize, std::ops::Range<usize>)> {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        self.by_name.get(&lower).cloned()
    }
}

/// The copy of a split command's spec its per-shard parts run with: the recorder ignores
/// it, so the command counts once, at the coordinator.
pub fn part_spec(spec: &'static CommandSpec) -> &'static CommandSpec {
    INDEX.parts.get(&addr(spec)).copied().unwrap_or(spec)
}

/// Where a call is counted.
enum Target {
    /// A split command's part: not counted at all.
    Part,
    /// An unknown subcommand: only its error is counted.
    NoCommand,
    Slot {
        slot: usize,
        container: bool,
    },
}

fn target(spec: &CommandSpec, args: &[Bytes]) -> Target {
    let Some(e) = INDEX.by_spec.get(&addr(spec)) else {
        return Target::Part;
    };
    if e.subs_start == e.subs_end || args.len() < 2 {
        return Target::Slot {
            slot: e.slot as usize,
            container: false,
        };
    }
    let found = (e.subs_start as usize..e.subs_end as usize).find(|&i| {
        let full = &INDEX.names[i];
        full.as_bytes()[full.find('|').map_or(0, |p| p + 1)..].eq_ignore_ascii_case(&args[1])
    });
    match found {
        Some(slot) => Target::Slot {
            slot,
            container: true,
        },
        None => Target::NoCommand,
    }
}

/// One command's counters on one shard.
#[derive(Default)]
pub struct Slot {
    pub calls: Cell<u64>,
    pub ns: Cell<u64>,
    pub rejected: Cell<u64>,
    pub failed: Cell<u64>,
    pub hist: RefCell<Option<Histogram<u64>>>,
}

/// One shard's statistics. Touched only by its own thread.
pub struct Metrics {
    pub slots: Vec<Slot>,
    /// Error code -> replies, in first-seen order.
    pub errors: RefCell<Vec<(Box<str>, u64)>>,
    pub slowlog: RefCell<slowlog::SlowLog>,
    pub events: RefCell<latency::Events>,
    /// The entry `exec` just logged still lacks its client (see [`claim_slow`]).
    unclaimed_slow: Cell<bool>,
}

impl Metrics {
    /// Commands this shard executed and counted (INFO `total_commands_processed`): the
    /// sum of the per-command calls, so a split command counts once, at its coordinator,
    /// and rejected calls not at all, as in Redis.
    pub fn total_calls(&self) -> u64 {
        self.slots.iter().map(|s| s.calls.get()).sum()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            slots: (0..INDEX.names.len()).map(|_| Slot::default()).collect(),
            errors: RefCell::new(Vec::new()),
            slowlog: RefCell::new(slowlog::SlowLog::default()),
            events: RefCell::new(latency::Events::default()),
            unclaimed_slow: Cell::new(false),
        }
    }
}

/// The error code of an error reply or message: its first word within 32 bytes (without
/// the leading `-`), or `ERR`.
fn error_code(msg: &[u8]) -> &[u8] {
    let msg = msg.strip_prefix(b"-").unwrap_or(msg);
    match msg[..msg.len().min(31)].iter().position(|&b| b == b' ') {
        Some(p) if p > 0 => &msg[..p],
        _ => b"ERR",
    }
}

impl Metrics {
    fn count_error(&self, msg: &[u8]) {
        let code = error_code(msg);
        let mut errors = self.errors.borrow_mut();
        match errors.iter_mut().find(|(c, _)| c.as_bytes() == code) {
            Some((_, n)) => *n += 1,
            None => errors.push((String::from_utf8_lossy(code).into(), 1)),
        }
    }

    /// Records one executed call. Returns whether it was added to the slow log. Public for
    /// the micro-benchmarks (`cargo bench --bench micro record`).
    pub fn record(
        &self,
        cfg: &Config,
        spec: &CommandSpec,
        args: &[Bytes],
        ns: u64,
        reply: &[u8],
        client: Option<&Client>,
    ) -> bool {
        let target = target(spec, args);
        if let Target::Part = target {
            return false;
        }
        let failed = reply.first() == Some(&b'-');
        if failed {
            self.count_error(reply);
        }
        let Target::Slot { slot, container } = target else {
            return false;
        };
        let s = &self.slots[slot];
        if failed && container && reply.starts_with(b"-ERR wrong number of arguments") {
            // A subcommand's arity is checked by its container's body; Redis rejects it
            // before the call.
            s.rejected.set(s.rejected.get() + 1);
            return false;
        }
        s.calls.set(s.calls.get() + 1);
        s.ns.set(s.ns.get() + ns);
        if failed {
            s.failed.set(s.failed.get() + 1);
        }
        if cfg.latency_tracking {
            s.hist
                .borrow_mut()
                .get_or_insert_with(new_histogram)
                .saturating_record(ns.clamp(HIST_MIN_NS, HIST_MAX_NS));
        }
        let usec = ns / 1000;
        let ms = usec / 1000;
        if cfg.latency_monitor_threshold > 0 && ms >= cfg.latency_monitor_threshold {
            let event = if spec.flags & flag::FAST != 0 {
                "fast-command"
            } else {
                "command"
            };
            self.events.borrow_mut().add(event, unix_ms() / 1000, ms);
        }
        let threshold = cfg.slowlog_log_slower_than;
        if threshold >= 0 && usec >= threshold as u64 && spec.flags & flag::SKIP_SLOWLOG == 0 {
            self.slowlog
                .borrow_mut()
                .push(args, usec, client, cfg.slowlog_max_len as usize);
            return true;
        }
        false
    }

    /// CONFIG RESETSTAT: command, error and latency statistics (not the slow log or the
    /// latency monitor, as in Redis).
    pub fn reset(&self) {
        for s in &self.slots {
            s.calls.set(0);
            s.ns.set(0);
            s.rejected.set(0);
            s.failed.set(0);
            if let Some(h) = s.hist.borrow_mut().as_mut() {
                h.reset();
            }
        }
        self.errors.borrow_mut().clear();
    }
}

/// A call being timed: where its reply starts and when it started.
pub struct Call {
    start: usize,
    at: Instant,
}

impl Call {
    /// Starts timing a call whose reply will be appended after `reply_start` bytes.
    #[inline]
    pub fn start(reply_start: usize) -> Call {
        Call {
            start: reply_start,
            at: Instant::now(),
        }
    }

    /// Ends a shard command's call in `ShardCtx::exec`: `out` holds its reply from the
    /// start offset.
    #[inline]
    pub fn finish_exec(self, shard: &ShardCtx, spec: &CommandSpec, args: &[Bytes], out: &BytesMut) {
        let ns = self.at.elapsed().as_nanos() as u64;
        let reply = out.get(self.start..).unwrap_or(&[]);
        let slow = shard
            .metrics
            .record(&shard.config(), spec, args, ns, reply, None);
        shard.metrics.unclaimed_slow.set(slow);
    }
}

/// A coordinator call (or a split command) being timed; it keeps the arguments, which
/// the command consumes, for the slow log.
pub struct CoordCall {
    call: Call,
    spec: &'static CommandSpec,
    args: Vec<Bytes>,
}

impl CoordCall {
    pub fn start(spec: &'static CommandSpec, args: &[Bytes], reply_start: usize) -> CoordCall {
        CoordCall {
            call: Call::start(reply_start),
            spec,
            args: args.to_vec(),
        }
    }

    pub fn finish(self, c: &mut Client) {
        let ns = (self.call.at.elapsed().as_nanos() as u64).saturating_sub(c.blocked_ns);
        c.blocked_ns = 0;
        let reply = c.out.get(self.call.start..).unwrap_or(&[]);
        let shard = &c.shard;
        shard
            .metrics
            .record(&shard.config(), self.spec, &self.args, ns, reply, Some(c));
    }
}

/// After `exec` ran a command on the client's own shard: gives the slow log entry it may
/// have added the client's address and name.
#[inline]
pub fn claim_slow(shard: &ShardCtx, c: &Client) {
    if shard.metrics.unclaimed_slow.replace(false) {
        shard.metrics.slowlog.borrow_mut().set_client_of_newest(c);
    }
}

/// A command the dispatcher rejected with `msg` (unknown, arity, NOAUTH).
pub fn rejected(shard: &ShardCtx, args: &[Bytes], msg: &str) {
    let m = &shard.metrics;
    m.count_error(msg.as_bytes());
    if let Some(spec) = crate::commands::lookup(&args[0]) {
        if let Target::Slot { slot, .. } = target(spec, args) {
            let s = &m.slots[slot];
            s.rejected.set(s.rejected.get() + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words as b;

    #[test]
    fn index_numbers_commands_and_subcommands() {
        let (get, subs) = INDEX.find(b"GET").expect("get");
        assert_eq!(INDEX.names[get], "get");
        assert!(subs.is_empty());
        let (client, subs) = INDEX.find(b"client").expect("client");
        assert_eq!(INDEX.names[client], "client");
        assert!(subs.clone().any(|i| INDEX.names[i] == "client|list"));
        assert!(INDEX.find(b"Client|List").is_some());
        assert!(INDEX.find(b"latency|histogram").is_some());
        assert!(INDEX.find(b"nope").is_none());
    }

    #[test]
    fn targets() {
        let client = crate::commands::lookup(b"client").unwrap();
        match target(client, &b(&["CLIENT", "LiSt"])) {
            Target::Slot { slot, container } => {
                assert_eq!(INDEX.names[slot], "client|list");
                assert!(container);
            }
            _ => panic!("client list"),
        }
        assert!(matches!(
            target(client, &b(&["client", "nope"])),
            Target::NoCommand
        ));
        let mset = crate::commands::lookup(b"mset").unwrap();
        assert!(matches!(
            target(part_spec(mset), &b(&["mset"])),
            Target::Part
        ));
        assert!(matches!(target(mset, &b(&["mset"])), Target::Slot { .. }));
    }

    #[test]
    fn error_codes() {
        assert_eq!(error_code(b"-ERR syntax error\r\n"), b"ERR");
        assert_eq!(error_code(b"-WRONGTYPE Operation\r\n"), b"WRONGTYPE");
        assert_eq!(error_code(b"NOAUTH Authentication required."), b"NOAUTH");
        assert_eq!(error_code(b"-nospace"), b"ERR");
    }

    #[test]
    fn records_calls_failures_and_rejections() {
        let m = Metrics::default();
        let cfg = Config::default();
        let get = crate::commands::lookup(b"get").unwrap();
        m.record(&cfg, get, &b(&["get", "k"]), 1500, b"$-1\r\n", None);
        m.record(
            &cfg,
            get,
            &b(&["get", "k"]),
            2500,
            b"-WRONGTYPE x\r\n",
            None,
        );
        let (slot, _) = INDEX.find(b"get").unwrap();
        let s = &m.slots[slot];
        assert_eq!((s.calls.get(), s.ns.get(), s.failed.get()), (2, 4000, 1));
        assert_eq!(s.hist.borrow().as_ref().unwrap().len(), 2);
        let config = crate::commands::lookup(b"config").unwrap();
        m.record(
            &cfg,
            config,
            &b(&["config", "get"]),
            10,
            b"-ERR wrong number of arguments for 'config|get' command\r\n",
            None,
        );
        let (cg, _) = INDEX.find(b"config|get").unwrap();
        assert_eq!(
            (m.slots[cg].calls.get(), m.slots[cg].rejected.get()),
            (0, 1)
        );
        assert_eq!(
            m.errors
                .borrow()
                .iter()
                .map(|(c, n)| (c.to_string(), *n))
                .collect::<Vec<_>>(),
            vec![("WRONGTYPE".to_string(), 1), ("ERR".to_string(), 1)]
        );
        m.reset();
        assert_eq!(m.slots[slot].calls.get(), 0);
        assert!(m.errors.borrow().is_empty());
    }
}
