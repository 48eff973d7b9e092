//! One shard's side of a snapshot: install the copy-on-write state at the cut, then walk
//! every database in a low-priority task queue, shipping fragments to the writer.
//!
//! Database by database (in the numbers they had at the cut), one table segment per
//! step, the keyspace borrowed only within a step. After each step, every database's
//! in-flight fragment that reached [`FRAGMENT_BYTES`] is shipped (a write-heavy db not
//! walked yet fills its own fragment with old values), and a finished database's last
//! fragment. Shipping waits for room in the bounded queue: that is where the walk
//! pauses; writes never do, they only append to the fragment.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};
use glommio::{Latency, Shares, TaskQueueHandle};

use super::writer::Msg;
use super::{Control, EncodeEntry, FRAGMENT_BYTES};
use crate::server::shard::ShardCtx;
use crate::storage::snapshot_hook::Cow;
use crate::storage::Keyspace;

/// Shares of the snapshot's task queue (the default queue has 1000): under load the
/// walk gets about a tenth of the core, and all of it when the shard is idle.
const SHARES: usize = 100;
/// How often the walk looks for clients whose sockets became ready (one `epoll_wait`)
/// and lets them run: the longest a request waits for the walk, plus one step.
const CLIENT_CHECK: Duration = Duration::from_micros(20);
/// How often the walk lets glommio's reactor run (cross-shard messages, timers) while
/// the shard serves commands, and at most how rarely when it serves none (each visit
/// parks the idle executor once: about as long as a few steps).
const REACTOR_VISIT: Duration = Duration::from_micros(50);
const REACTOR_VISIT_IDLE: Duration = Duration::from_millis(1);
/// The shard counts as serving clients while it runs at least [`BUSY_COMMANDS`] per
/// [`BUSY_WINDOW`] (1000/s): a monitoring poll does not slow the walk, a load does.
const BUSY_WINDOW: Duration = Duration::from_millis(20);
const BUSY_COMMANDS: u64 = 20;

/// What a walker needs of its shard: the keyspace, and a way to let its clients in.
pub(crate) trait KeyspaceOwner: 'static {
    fn keyspace(&self) -> &RefCell<Keyspace>;

    /// Wakes the clients with requests waiting; whether any woke.
    fn wake_ready_clients(&self) -> bool {
        false
    }

    /// A count that moves when the shard runs commands.
    fn commands_run(&self) -> u64 {
        0
    }
}

impl KeyspaceOwner for ShardCtx {
    fn keyspace(&self) -> &RefCell<Keyspace> {
        &self.keyspace
    }

    fn wake_ready_clients(&self) -> bool {
        self.poller.wake_ready()
    }

    fn commands_run(&self) -> u64 {
        self.metrics.total_calls()
    }
}

impl KeyspaceOwner for RefCell<Keyspace> {
    fn keyspace(&self) -> &RefCell<Keyspace> {
        self
    }
}

/// The longest interval, over every shard's walk since the last snapshot began, between
/// two moments its clients could run (INFO `shardis_snapshot_longest_hold_usec`): what a
/// write may wait for the walk. Wall-clock time, so it includes the moments the kernel
/// ran another thread (the client, the other shard, the writer) on a busy machine;
/// [`LONGEST_HOLD_CPU_NS`] counts only the shard thread's own work in those intervals.
static LONGEST_HOLD_NS: AtomicU64 = AtomicU64::new(0);
static LONGEST_HOLD_CPU_NS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn reset_longest_hold() {
    LONGEST_HOLD_NS.store(0, Ordering::Relaxed);
    LONGEST_HOLD_CPU_NS.store(0, Ordering::Relaxed);
}

/// Records a hold: `wall` long, `cpu_ns` of it this thread's own work.
pub(crate) fn record_hold(wall: Duration, cpu_ns: u64) {
    LONGEST_HOLD_NS.fetch_max(wall.as_nanos() as u64, Ordering::Relaxed);
    LONGEST_HOLD_CPU_NS.fetch_max(cpu_ns, Ordering::Relaxed);
}

pub(crate) fn longest_hold_us() -> (u64, u64) {
    (
        LONGEST_HOLD_NS.load(Ordering::Relaxed) / 1000,
        LONGEST_HOLD_CPU_NS.load(Ordering::Relaxed) / 1000,
    )
}

/// CPU time this thread has used, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

thread_local! {
    /// This thread's shard, for the walker task an install message starts (a shard
    /// message hands out `&ShardCtx`; a task outliving it needs the `Rc`).
    static SHARD: RefCell<Weak<ShardCtx>> = const { RefCell::new(Weak::new()) };
    static QUEUE: Cell<Option<TaskQueueHandle>> = const { Cell::new(None) };
}

/// Makes this executor's shard reachable by snapshot walkers; call once per shard at
/// start-up (`server::run_shard`).
pub fn register_shard(shard: &Rc<ShardCtx>) {
    SHARD.with(|s| *s.borrow_mut() = Rc::downgrade(shard));
}

/// This executor's snapshot task queue (created once).
fn queue() -> TaskQueueHandle {
    QUEUE.with(|q| {
        q.get().unwrap_or_else(|| {
            let tq = glommio::executor().create_task_queue(
                Shares::Static(SHARES),
                Latency::NotImportant,
                "snapshot",
            );
            q.set(Some(tq));
            tq
        })
    })
}

/// At the cut, on shard `s` (registered with [`register_shard`]): installs the copy-on-write state on every database and
/// starts the walker. Returns each database's (keys, keys with a TTL).
pub(crate) fn install(
    s: &ShardCtx,
    encode: EncodeEntry,
    tx: Sender<Msg>,
    control: Arc<Control>,
) -> Vec<(u64, u64)> {
    match SHARD.with(|w| w.borrow().upgrade()) {
        Some(owner) if owner.id == s.id => install_on(owner, encode, tx, control),
        _ => {
            let why = "shard not registered for snapshots".to_string();
            glommio::spawn_local(async move {
                let _ = send(&tx, Msg::Done { result: Err(why) }, &control).await;
            })
            .detach();
            Vec::new()
        }
    }
}

/// [`install`] for any keyspace owner (tests use a bare keyspace).
pub(crate) fn install_on<K: KeyspaceOwner>(
    owner: Rc<K>,
    encode: EncodeEntry,
    tx: Sender<Msg>,
    control: Arc<Control>,
) -> Vec<(u64, u64)> {
    let sizes = {
        let mut ks = owner.keyspace().borrow_mut();
        for (i, d) in ks.dbs.iter_mut().enumerate() {
            d.snapshot = Some(Box::new(Cow::new(i, encode)));
        }
        ks.dbs
            .iter()
            .map(|d| (d.len() as u64, d.volatile_len() as u64))
            .collect()
    };
    let (tx2, c) = (tx.clone(), control.clone());
    let task = async move {
        let result = walk(&*owner, &tx, &c).await;
        if result.is_err() {
            // Stop paying for the hooks at once.
            for d in owner.keyspace().borrow_mut().dbs.iter_mut() {
                if let Some(cow) = d.snapshot.take() {
                    (*cow).dispose();
                }
            }
        }
        let _ = send(&tx, Msg::Done { result }, &c).await;
    };
    if let Err(e) = glommio::spawn_local_into(task, queue()).map(|t| t.detach()) {
        // Unreachable on a running executor; the writer must still hear of this shard.
        crate::server::log::warning(&format!("Can't start the snapshot walk: {e}"));
        control.abort();
        let _ = tx2.try_send(Msg::Done {
            result: Err(e.to_string()),
        });
    }
    sizes
}

/// Walks every database to its end; `Err` when aborted or the writer is gone.
async fn walk<K: KeyspaceOwner>(
    owner: &K,
    tx: &Sender<Msg>,
    control: &Control,
) -> Result<(), String> {
    let databases = owner.keyspace().borrow().dbs.len();
    let mut pace = Pace::new();
    for target in 0..databases {
        loop {
            if control.aborted() {
                return Err("aborted".into());
            }
            let (done, out) = {
                let mut ks = owner.keyspace().borrow_mut();
                let Some(i) = ks
                    .dbs
                    .iter()
                    .position(|d| d.snapshot.as_ref().is_some_and(|c| c.db == target))
                else {
                    return Err("the dataset was replaced during the snapshot".into());
                };
                let done = ks.dbs[i].snapshot_step().unwrap_or(true);
                let mut out = Vec::new();
                for d in ks.dbs.iter_mut() {
                    let Some(cow) = d.snapshot.as_deref_mut() else {
                        continue;
                    };
                    let last = done && cow.db == target;
                    let n = cow.pending_bytes();
                    if n >= FRAGMENT_BYTES || (last && n > 0) {
                        let (bytes, keys) = cow.take_fragment();
                        out.push(Msg::Fragment {
                            db: cow.db,
                            keys,
                            bytes,
                        });
                    }
                }
                if done {
                    ks.dbs[i].snapshot = None;
                }
                (done, out)
            };
            for m in out {
                if send(tx, m, control).await? {
                    // It slept on a timer: the shard's clients ran meanwhile.
                    pace.reactor_ran();
                }
            }
            if done {
                break;
            }
            pace.after_step(owner).await;
        }
    }
    Ok(())
}

/// When the walk lets others run. Yielding alone is not enough: glommio's scheduler
/// keeps running runnable task queues, this one included, and polls its rings (the
/// shard's socket readiness, cross-shard messages, timers) only when every queue is idle
/// or its preemption timer fires (100 ms), and a completion in the main ring never
/// preempts. A walk that only yielded kept a shard's clients waiting 200–300 ms (the
/// `snapshot_load` bench). So, between steps:
/// - every [`CLIENT_CHECK`], the walk wakes the clients whose sockets are ready itself
///   and yields to them (the default queue, with 10× the shares, runs them first);
/// - every [`REACTOR_VISIT`], it sleeps on a timer, which only the reactor fires: this
///   queue is idle until the reactor ran. When the shard serves (almost) no commands,
///   every [`REACTOR_VISIT_IDLE`] instead, so an idle shard's walk is not slowed by
///   parking (measured: BGSAVE of 1M small keys 0.20 s with a 50 µs visit, 0.11 s idle
///   at 1 ms; under load a 250 µs visit let SET throughput fall to 40%).
struct Pace {
    clients_checked: Instant,
    /// This thread's CPU time at `clients_checked`.
    clients_checked_cpu_ns: u64,
    reactor_visited: Instant,
    /// The current [`BUSY_WINDOW`]: its start and the command count then.
    window_start: Instant,
    window_commands: u64,
    busy: bool,
}

impl Pace {
    fn new() -> Pace {
        let now = Instant::now();
        Pace {
            clients_checked: now,
            clients_checked_cpu_ns: thread_cpu_ns(),
            reactor_visited: now,
            window_start: now,
            window_commands: 0,
            busy: true,
        }
    }

    /// The reactor ran (and with it every client that was ready).
    fn reactor_ran(&mut self) {
        self.reactor_visited = Instant::now();
        self.clients_checked = self.reactor_visited;
        self.clients_checked_cpu_ns = thread_cpu_ns();
    }

    async fn after_step<K: KeyspaceOwner>(&mut self, owner: &K) {
        let now = Instant::now();
        let cpu_ns = thread_cpu_ns();
        record_hold(
            now.duration_since(self.clients_checked),
            cpu_ns.saturating_sub(self.clients_checked_cpu_ns),
        );
        let visit_every = if self.busy {
            REACTOR_VISIT
        } else {
            REACTOR_VISIT_IDLE
        };
        if now.duration_since(self.reactor_visited) >= visit_every {
            glommio::timer::sleep(Duration::from_micros(1)).await;
            self.reactor_ran();
            if self.reactor_visited.duration_since(self.window_start) >= BUSY_WINDOW {
                let commands = owner.commands_run();
                self.busy = commands.wrapping_sub(self.window_commands) >= BUSY_COMMANDS;
                self.window_commands = commands;
                self.window_start = self.reactor_visited;
            }
        } else if now.duration_since(self.clients_checked) >= CLIENT_CHECK {
            self.clients_checked = now;
            self.clients_checked_cpu_ns = cpu_ns;
            if owner.wake_ready_clients() {
                glommio::executor().yield_task_queue_now().await;
            }
        } else {
            glommio::yield_if_needed().await;
        }
    }
}

/// Ships a message, pausing while the queue is full (the walk's only wait).
/// Returns whether it had to wait.
async fn send(tx: &Sender<Msg>, mut m: Msg, control: &Control) -> Result<bool, String> {
    let mut waited = false;
    loop {
        match tx.try_send(m) {
            Ok(()) => return Ok(waited),
            Err(TrySendError::Full(back)) => {
                if control.aborted() && !matches!(back, Msg::Done { .. }) {
                    return Err("aborted".into());
                }
                m = back;
                waited = true;
                glommio::timer::sleep(Duration::from_millis(1)).await;
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err("the snapshot writer stopped".into());
            }
        }
    }
}
