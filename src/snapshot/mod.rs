//! Point-in-time snapshots without fork: a cut across all shards at one moment, then a
//! copy-on-write walk per shard, in the background, feeding one writer.
//!
//! ```text
//!   coordinator: start()
//!     txn::acquire(every db of every shard, exclusive)  ── no command runs anywhere ──┐
//!     fanout: install a Cow on every Db, spawn the walker     (the cut)              │
//!     log_offset_at_cut()   <- replication seam                                       │
//!     txn::release ───────────────────────────────────────────────────────────────────┘
//!     spawn the writer thread (owns the Framer)
//!
//!   shard s, low-priority task queue "snapshot":         writer thread:
//!     step: one table segment -> the db's fragment         begin(cut)
//!     ship fragments >= FRAGMENT_BYTES ──bounded queue──>  select_db(n) on a db change
//!       (queue full: the walk sleeps; writes don't)        fragment(bytes)
//!     yield to requests between steps                      finish() once every shard is done
//! ```
//!
//! - **The cut.** The coordinator takes whole-database exclusive locks on every database
//!   of every shard through [`crate::server::txn::acquire`] (shard order: no deadlock),
//!   installs the copy-on-write state on every shard while it holds them, and releases.
//!   A cross-shard command holds its locks from before its first access to after its
//!   last, so it ran entirely before the cut or runs entirely after it; single-shard
//!   commands wait for the locks like any other. While the locks are held nothing is
//!   appended anywhere: [`log_offset_at_cut`] is where the replication core reads the
//!   offset X the snapshot corresponds to.
//! - **The walk** (module `walk`) serializes each database's table segment by segment,
//!   in a task queue of low shares, yielding to requests between steps; writes to
//!   entries it has not reached serialize the old value first (see
//!   [`crate::storage::snapshot_hook`] for the argument: exactly the dataset at the cut,
//!   across growth, deletes, expiry, FLUSH and SWAPDB).
//! - **Bounded memory, no stalls.** Fragments travel through one bounded queue
//!   ([`QUEUE_FRAGMENTS`] of about [`FRAGMENT_BYTES`]) to one writer thread. When it is
//!   full the walks pause; a write never waits for it (its old value is appended to the
//!   database's in-flight fragment). Extra memory is what is in flight: the queue, the
//!   in-flight fragments, and the keys handled ahead of the walk. A write waits at most
//!   for the serialization of the entry it touches.
//! - **Framing** is not this module's business: a [`Framer`] (the RDB codec's header,
//!   aux fields, SELECTDB, EOF and checksum) and an [`EncodeEntry`] (one key/value) are
//!   plugged in by the caller. Fragments of different databases may interleave (a write
//!   to db 3 while the walk is in db 0): the writer calls `select_db` at every change,
//!   which RDB allows.
//!
//! One snapshot at a time per process ([`is_running`]).

mod rdb_file;
mod walk;
mod writer;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

pub use crate::storage::snapshot_hook::{EncodeEntry, FRAGMENT_BYTES};
pub use rdb_file::{encoder, RdbFile, RdbFraming};
pub use walk::register_shard;

use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::txn;

/// Fragments in flight between the walks and the writer.
pub const QUEUE_FRAGMENTS: usize = 16;

/// Turns fragments into the output stream (the RDB codec implements it). Runs on the
/// writer thread; an error aborts the snapshot.
pub trait Framer: Send + 'static {
    /// Before any fragment: the header and aux fields.
    fn begin(&mut self, cut: &Cut) -> std::io::Result<()>;
    /// The fragments that follow belong to database `db` (SELECTDB).
    fn select_db(&mut self, db: usize) -> std::io::Result<()>;
    /// Serialized entries (concatenated [`EncodeEntry`] outputs) of the selected db.
    fn fragment(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// After the last fragment (EOF, checksum, fsync and rename for a file).
    fn finish(&mut self) -> std::io::Result<()>;
    /// The snapshot failed or was aborted after `begin`: clean up (a temp file).
    fn abort(&mut self) {}
}

/// The moment a snapshot stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    /// Wall clock at the cut (RDB aux `ctime`).
    pub unix_ms: u64,
    /// Number of databases.
    pub databases: usize,
    /// Keys and keys with a TTL per database at the cut, over all shards (RESIZEDB).
    pub db_sizes: Vec<(u64, u64)>,
    /// The replication log offset at the cut, once the log exists.
    pub repl_offset: Option<u64>,
    /// The RDB aux `repl-stream-db`, `repl-id`, `repl-offset` this snapshot carries, as
    /// Redis 7.0's `rdbPopulateSaveInfo` decides them ([`repl_info_at_cut`]); `None`:
    /// no replication info (a replica with neither a master link nor a cached master).
    pub repl: Option<(u64, String, u64)>,
}

/// A finished snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub cut: Cut,
    /// Entries written.
    pub keys: u64,
    /// Fragment bytes written (without the framing).
    pub bytes: u64,
    pub finished_unix_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("a snapshot is already in progress")]
    Busy,
    #[error("snapshot aborted")]
    Aborted,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Failed(String),
}

type Outcome = Result<Summary, SnapshotError>;

struct Completion {
    result: Option<Outcome>,
    waker: Option<Waker>,
}

/// State shared by the coordinator's handle, the walkers and the writer.
pub(crate) struct Control {
    abort: AtomicBool,
    done: AtomicBool,
    keys: AtomicU64,
    bytes: AtomicU64,
    completion: Mutex<Completion>,
}

impl Control {
    pub(crate) fn new() -> Arc<Control> {
        Arc::new(Control {
            abort: AtomicBool::new(false),
            done: AtomicBool::new(false),
            keys: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            completion: Mutex::new(Completion {
                result: None,
                waker: None,
            }),
        })
    }

    pub(crate) fn aborted(&self) -> bool {
        self.abort.load(Ordering::Relaxed)
    }

    pub(crate) fn abort(&self) {
        self.abort.store(true, Ordering::Relaxed);
    }

    /// The writer's last act: publishes the outcome and wakes the waiter (a glommio
    /// waker may be woken from this foreign thread).
    pub(crate) fn complete(self: &Arc<Self>, outcome: Outcome) {
        {
            let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
            if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, self)) {
                *current = None;
            }
        }
        let waker = {
            let mut c = self.completion.lock().unwrap_or_else(|e| e.into_inner());
            c.result = Some(outcome);
            c.waker.take()
        };
        self.done.store(true, Ordering::Release);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The running snapshot of this process, if any.
static CURRENT: Mutex<Option<Arc<Control>>> = Mutex::new(None);

/// The slot of a snapshot being started: if `start` is dropped before the writer owns
/// the snapshot (its client went away mid-cut), the slot is freed and walkers already
/// installed stop (abort; their queue's receiver is gone with the future).
struct Starting(Option<Arc<Control>>);

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
            c.complete(Err(SnapshotError::Aborted));
        }
    }
}

/// Takes the process's one snapshot slot.
fn claim() -> Result<Arc<Control>, SnapshotError> {
    let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    if current.is_some() {
        return Err(SnapshotError::Busy);
    }
    let control = Control::new();
    *current = Some(control.clone());
    Ok(control)
}

/// The longest a snapshot kept a shard's clients waiting since the last snapshot began,
/// in µs: wall-clock, and the shard thread's own CPU time in it.
pub fn longest_hold_us() -> (u64, u64) {
    walk::longest_hold_us()
}

/// Whether a snapshot is running in this process (INFO `rdb_bgsave_in_progress`).
pub fn is_running() -> bool {
    CURRENT.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}

/// Entries and bytes written so far by the running snapshot.
pub fn progress() -> Option<(u64, u64)> {
    let current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    current.as_ref().map(|c| {
        (
            c.keys.load(Ordering::Relaxed),
            c.bytes.load(Ordering::Relaxed),
        )
    })
}

/// Aborts the running snapshot, if any (FLUSHALL, SHUTDOWN NOSAVE, a replica gone).
pub fn abort_running() {
    if let Some(c) = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        c.abort();
    }
}

/// A started snapshot. `Send`: it may be kept anywhere (a BGSAVE status in `Global`).
pub struct Handle {
    control: Arc<Control>,
}

impl Handle {
    /// Completes when the writer is done: the summary, or why it failed.
    pub fn wait(self) -> Wait {
        Wait(self.control)
    }

    pub fn is_done(&self) -> bool {
        self.control.done.load(Ordering::Acquire)
    }

    /// Entries written so far.
    pub fn keys_written(&self) -> u64 {
        self.control.keys.load(Ordering::Relaxed)
    }

    /// Fragment bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.control.bytes.load(Ordering::Relaxed)
    }

    /// Stops the walks at their next step; the outcome becomes [`SnapshotError::Aborted`].
    pub fn abort(&self) {
        self.control.abort();
    }
}

/// The future of [`Handle::wait`].
pub struct Wait(Arc<Control>);

impl Future for Wait {
    type Output = Outcome;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let mut c = self.0.completion.lock().unwrap_or_else(|e| e.into_inner());
        match c.result.take() {
            Some(r) => Poll::Ready(r),
            None => {
                c.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Replication seam: runs at the coordinator while every shard is held at the cut (no
/// command runs anywhere and nothing is appended), so the offset read here is exactly
/// the one the snapshot corresponds to (the `+FULLRESYNC` offset X). The log forgets its
/// database here, so the first record after X starts with `SELECT`, as a replica that
/// just loaded the RDB needs (Redis resets `slaveseldb` at the fork).
fn log_offset_at_cut(shard: &ShardCtx) -> Option<u64> {
    let log = &shard.global.repl_log;
    let x = log.offset();
    log.forget_db();
    Some(x)
}

/// The replication info a snapshot cut at log offset `log_offset` carries (Redis 7.0's
/// `rdbPopulateSaveInfo` + `rdbSaveInfoAuxFields`), read while the cut holds every shard
/// and the replica's apply gate:
/// - a master: our replid and the log offset at the cut; stream db 0, because the log
///   forgot its database at the cut ([`log_offset_at_cut`]), so the next record starts
///   with `SELECT` (Redis writes `slaveseldb`, 0 when it is -1, for the same reason).
///   Our log always exists (INFO `repl_backlog_active:1`), so a master always writes it.
/// - a replica streaming from its master, or holding a cached master: the master's
///   replid (ours since the sync), the offset of the last applied byte (the data at the
///   cut, thanks to the gate) and the master stream's selected db.
/// - a replica with neither (a full sync under way): nothing, as Redis.
fn repl_info_at_cut(g: &crate::server::Global, log_offset: u64) -> Option<(u64, String, u64)> {
    let r = &g.replica;
    if !r.is_replica() {
        return Some((0, g.repl.ids().replid, log_offset));
    }
    if !r.link_up.load(Ordering::Acquire) && r.info().cached.is_none() {
        return None;
    }
    let db = r.stream_db.load(Ordering::Acquire) as u64;
    let offset = r.applied_offset.load(Ordering::Acquire);
    Some((db, g.repl.ids().replid, offset))
}

/// Starts a snapshot of every shard, from a coordinator (a SAVE/BGSAVE command, the
/// replication core). Returns once the cut is taken (the walks and the writer then run
/// in the background); `Busy` if one is running.
pub async fn start(
    shard: &Rc<ShardCtx>,
    encode: EncodeEntry,
    framer: Box<dyn Framer>,
) -> Result<Handle, SnapshotError> {
    let control = claim()?;
    walk::reset_longest_hold();
    let mut starting = Starting(Some(control.clone()));
    let (tx, rx) = crossbeam_channel::bounded(QUEUE_FRAGMENTS);
    let databases = shard.config().databases;
    // On a replica the applier runs a batch of the master's commands and appends their
    // bytes under this gate: holding it across the cut makes the data, the log offset
    // and `slave_repl_offset` agree. Taken before the locks, as the applier does (it
    // takes locks inside the gate): no cycle. Uncontended on a master.
    let gate = shard.global.replica.gate.hold().await;
    // Every shard installs its copy-on-write state when its whole-keyspace locks are
    // granted, and the last one reads the log offset then, when every shard is held:
    // every cross-shard command is entirely before or after the cut, and the offset is
    // exactly the cut's. Writes wait from a shard's grant to its release.
    let cut_started = std::time::Instant::now();
    let c = control.clone();
    let (held, per_shard) = txn::acquire_each(
        shard,
        txn::whole_keyspace(shard.nshards, databases),
        move |s, last| {
            let sizes = walk::install(s, encode, tx.clone(), c.clone());
            // Read on the last shard, while every shard is held.
            let offset = last.then(|| log_offset_at_cut(s)).flatten();
            (sizes, offset.map(|x| (x, repl_info_at_cut(&s.global, x))))
        },
    )
    .await;
    let at = unix_ms();
    txn::release(shard, held).await;
    // The cut's hold is message latency between shards, not CPU work: it counts whole.
    let cut_ns = cut_started.elapsed();
    walk::record_hold(cut_ns, cut_ns.as_nanos() as u64);
    drop(gate);
    let (per_shard, at_cut): (Vec<_>, Vec<_>) = per_shard.into_iter().unzip();
    let at_cut = at_cut.into_iter().flatten().next();
    let repl_offset = at_cut.as_ref().map(|(x, _)| *x);
    let repl = at_cut.and_then(|(_, info)| info);
    let mut db_sizes = vec![(0, 0); databases];
    for sizes in &per_shard {
        for (acc, (keys, volatile)) in db_sizes.iter_mut().zip(sizes) {
            acc.0 += keys;
            acc.1 += volatile;
        }
    }
    let cut = Cut {
        unix_ms: at,
        databases,
        db_sizes,
        repl_offset,
        repl,
    };
    starting.0 = None;
    if let Err(e) = writer::spawn(framer, rx, cut, shard.nshards, control.clone()) {
        // The walks stop at their next step (abort, and nobody receives).
        control.abort();
        control.complete(Err(SnapshotError::Io(e)));
    }
    Ok(Handle { control })
}

#[cfg(test)]
mod tests;
