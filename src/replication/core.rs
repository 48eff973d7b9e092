//! The replication core: its own glommio executor (on its own CPU when one is free),
//! owning every replica's socket once SYNC/PSYNC handed it over.
//!
//! ```text
//!  shards ──Handoff / Round (bounded crossbeam)──> main loop: spawns one task per replica
//!                                                  (master.rs) and per round (feeds RDB)
//!  cron, every 100 ms: kills (CLIENT KILL), output-buffer limits, repl-timeout, PING
//!  every repl-ping-replica-period, GETACK for WAIT, good_replicas, backlog resize
//! ```
//!
//! Nothing here ever makes a shard wait: shards only append to the log; the core reads it
//! at its own pace, and a replica too slow for its output buffer limit is dropped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use super::config::CLASS_REPLICA;
use super::fullsync::Round;
use super::handoff::Handoff;
use super::master::{self, Link};
use super::record::encode_command;
use crate::server::log;
use crate::server::shard::unix_ms;
use crate::server::Global;

/// Handoffs and rounds queued for the core.
const CORE_QUEUE: usize = 1024;
/// The cron's period.
const CRON: Duration = Duration::from_millis(100);
/// How often the core looks for handed-off connections while it serves no replica...
const IDLE_POLL: Duration = Duration::from_millis(50);
/// ...and while it does.
const BUSY_POLL: Duration = Duration::from_millis(2);

pub(crate) enum CoreMsg {
    Handoff(Handoff),
    Round(Round),
}

static CORE: OnceLock<Sender<CoreMsg>> = OnceLock::new();

/// The core's state, on its own thread.
pub(crate) struct Core {
    pub global: Arc<Global>,
    pub links: RefCell<HashMap<u64, Rc<Link>>>,
}

/// Starts the replication core's executor. `cpu`: the CPU to pin it to, if any.
pub fn start(global: Arc<Global>, cpu: Option<usize>) -> std::io::Result<()> {
    let (tx, rx) = crossbeam_channel::bounded(CORE_QUEUE);
    if CORE.set(tx).is_err() {
        return Err(std::io::Error::other(
            "the replication core is already running",
        ));
    }
    let placement = match cpu {
        Some(c) => glommio::Placement::Fixed(c),
        None => glommio::Placement::Unbound,
    };
    glommio::LocalExecutorBuilder::new(placement)
        .name("repl-core")
        .io_memory(256 << 10)
        .spawn(move || run(global, rx))
        .map(drop)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A shard passes a replica's socket to the core.
pub fn hand_off(h: Handoff) {
    match CORE.get() {
        Some(tx) => {
            if tx.try_send(CoreMsg::Handoff(h)).is_err() {
                log::warning("Replication core queue full: dropping a replica connection");
            }
        }
        None => log::warning("No replication core: dropping a replica connection"),
    }
}

pub(crate) fn send_round(r: Round) {
    if let Some(tx) = CORE.get() {
        // A round must not be lost (its members wait for it): block briefly if full.
        let _ = tx.send_timeout(CoreMsg::Round(r), Duration::from_secs(5));
    }
}

async fn run(global: Arc<Global>, rx: Receiver<CoreMsg>) {
    let core = Rc::new(Core {
        global,
        links: RefCell::new(HashMap::new()),
    });
    glommio::spawn_local(cron(core.clone())).detach();
    loop {
        let msg = match rx.try_recv() {
            Ok(m) => m,
            Err(TryRecvError::Empty) => {
                // Every wakeup of an executor costs the shards too (glommio issues a
                // process-wide membarrier before each sleep: an IPI to every core), so an
                // idle core (no replica) looks for handoffs 20 times a second, not 500:
                // measured, the 2 ms poll cost SET -P 16 about a fifth of its throughput.
                let idle = core.links.borrow().is_empty();
                glommio::timer::sleep(if idle { IDLE_POLL } else { BUSY_POLL }).await;
                continue;
            }
            Err(TryRecvError::Disconnected) => return,
        };
        match msg {
            CoreMsg::Handoff(h) => {
                // Registered before anything else runs, so a round naming it finds it.
                let link = master::register(&core, &h);
                glommio::spawn_local(master::serve(core.clone(), link, h)).detach();
            }
            CoreMsg::Round(r) => {
                glommio::spawn_local(master::feed_round(core.clone(), r)).detach();
            }
        }
    }
}

/// The periodic duties (Redis's `replicationCron`, at 10 Hz).
async fn cron(core: Rc<Core>) {
    let g = core.global.clone();
    let mut last_ping = Instant::now();
    let mut soft_since: HashMap<u64, Instant> = HashMap::new();
    loop {
        glommio::timer::sleep(CRON).await;
        let (limit, timeout_ms, ping_period) = {
            let c = g.config.lock().unwrap_or_else(|e| e.into_inner());
            (
                c.repl.obuf[CLASS_REPLICA],
                c.repl.timeout * 1000,
                Duration::from_secs(c.repl.ping_period.max(1)),
            )
        };
        let now = unix_ms();
        let log_end = g.repl_log.offset();
        let first = g.repl_log.first_offset();
        let links: Vec<Rc<Link>> = core.links.borrow().values().cloned().collect();
        for link in &links {
            if link.rep.kill.load(Ordering::Acquire) {
                link.close("killed");
                continue;
            }
            let next = link.next.get();
            if next == 0 {
                continue; // its sync has no offset yet
            }
            if next < first {
                log::warning(&format!(
                    "Dropping replica {}: its position {next} left the replication backlog (first byte {first})",
                    link.name
                ));
                link.close("its position left the replication backlog");
                continue;
            }
            // Bytes owed to it: what Redis counts against client-output-buffer-limit.
            let owed = (log_end + 1).saturating_sub(next) + link.kept_bytes();
            if limit.hard > 0 && owed >= limit.hard {
                link.close_overflow(owed, "hard");
                continue;
            }
            if limit.soft > 0 && owed >= limit.soft {
                let since = *soft_since.entry(link.id).or_insert_with(Instant::now);
                if since.elapsed().as_secs() >= limit.soft_secs {
                    link.close_overflow(owed, "soft");
                    continue;
                }
            } else {
                soft_since.remove(&link.id);
            }
            let acked = link.rep.ack_unix_ms.load(Ordering::Acquire);
            // A replica loading its full sync sends no ACK until it is done.
            if link.acks && link.is_streaming() && now.saturating_sub(acked) > timeout_ms {
                log::warning(&format!(
                    "Disconnecting timedout replica (streaming sync): {}",
                    link.name
                ));
                link.close("timeout");
                continue;
            }
        }
        soft_since.retain(|id, _| core.links.borrow().contains_key(id));
        // Good replicas for `min-replicas-to-write`, with the configured max lag.
        g.repl.refresh_good(now);
        let producer = g.nshards;
        if g.replica.is_replica() {
            // Our sub-replicas get our master's PINGs and GETACKs, in its stream; a
            // GETACK asked of us (WAIT) is refused on a replica anyway.
            g.repl.getack_wanted.store(false, Ordering::Release);
            continue;
        }
        if !links.is_empty() && last_ping.elapsed() >= ping_period {
            last_ping = Instant::now();
            let mut rec = Vec::new();
            encode_command(&mut rec, &["PING"]);
            g.repl_log.append(producer, None, &rec);
        }
        if g.repl.getack_wanted.swap(false, Ordering::AcqRel) && !links.is_empty() {
            let mut rec = Vec::new();
            encode_command(&mut rec, &["REPLCONF", "GETACK", "*"]);
            g.repl_log.append(producer, None, &rec);
        }
    }
}
