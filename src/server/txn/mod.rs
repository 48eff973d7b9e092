//! Atomic commands across shards: per-shard intent locks, taken in shard order, one hop
//! per shard.
//!
//! A command (or an EXEC) whose keys live on several shards, or on a shard where locks
//! are in play, runs as a *transaction*:
//!
//! ```text
//!   coordinator                         shard 0         shard 1
//!   plan: keys by owner shard, a mode per key (exclusive for writes, shared for reads)
//!   acquire(shard 0's set) ──Lock──>    granted or queued (FIFO)
//!            <── granted ──────────────
//!   acquire(shard 1's set) ──Lock────────────────────>  granted or queued
//!            <── granted ──────────────────────────────
//!   run the command (its messages carry the transaction id: they pass the locks)
//!   release ──Unlock──> (no reply)  ──Unlock──────────>  waiters granted in order
//! ```
//!
//! Every other command checks its keys against its shard's locks before it runs, and
//! waits in the same queue when they are taken. When a shard holds no locks and nobody
//! waits (always, unless cross-shard commands are running), that check is one `Cell`
//! read: single-shard commands never pay for the scheme.
//!
//! # Why it is correct
//!
//! - **No torn reads, no lost updates.** A transaction takes all its locks before it
//!   releases any (two-phase locking) and holds each lock from before its first access
//!   of the key to after its last. Any command touching one of its keys either finished
//!   before the grant on that shard or waits until the release, so every run is
//!   equivalent to running the transactions one after another, each at the moment it
//!   held all its locks. A reader (MGET) takes shared locks on all its keys: it sees all
//!   of a concurrent MSET or none of it.
//! - **No deadlock.** A transaction asks shards in increasing shard order, one whole set
//!   per shard, and holds nothing on a shard while its request there is queued. So a
//!   transaction waiting on shard `s` waits only for transactions that hold `s` (they
//!   wait, if at all, on shards above `s`) or are queued ahead of it on `s` (strictly
//!   earlier in that queue). Ordering waiters by (shard, queue position), every edge of
//!   the waits-for graph goes strictly up: it has no cycle. Single-shard commands hold
//!   one shard's locks and wait for nothing while holding them. Blocking commands
//!   release their locks before they block. One holder starts out of order: a blocked
//!   cross-shard BLMOVE, whose source key the serving shard locks with the pop; it adds
//!   the destination by waiting only if that shard comes later, else only if it is free
//!   at once ([`lock_also`]), giving everything back and starting over otherwise.
//! - **No starvation.** Queues are first come, first served: a request is granted only
//!   when it conflicts neither with the locks held nor with an earlier request in the
//!   queue, so a stream of readers cannot overtake a queued writer. Every holder releases
//!   after a bounded number of hops (no deadlock), so each queue position is reached.
//! - **Blocked clients and expiry** never act on a locked key: a shard serves a blocked
//!   client's key only once it is free (the release serves it), and the active expiry
//!   cycle spares locked keys (a read inside a transaction still deletes what it finds
//!   expired, as the lock holder).
//!
//! The request loop of a shard never waits for a lock: a queued lock request is answered
//! when granted; a batch of plain commands that must wait is finished by a task of its
//! own. So the messages that release locks are always processed.
//!
//! # Replication
//!
//! A transaction's writes happen between its acquire and its release, while nothing else
//! touches its keys: its shards return their records to the coordinator (see
//! [`super::shard::Capture`]), which appends them as one `MULTI ... EXEC` record before it
//! releases anything. The last shard of a split command or of a per-shard EXEC, which
//! would let go of its locks right after running its part, keeps them when its part
//! produced records: one more one-way `Unlock` message, never an extra round trip.

mod exec;
pub mod locks;

pub use exec::exec_per_shard;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bytes::Bytes;

pub use locks::{LockSet, Mode, TxId};

use super::oneshot;
use super::shard::{ReplyPayload, ShardCtx};
use super::slot::key_shard;
use crate::commands::{command_info, flag, CommandSpec};

/// How a queued lock request is answered when granted.
pub enum Grant {
    /// A task on this shard awaits it.
    Local(oneshot::Sender<()>),
    /// A coordinator on another shard awaits the reply to its request.
    Remote { origin: usize, req_id: u64 },
    /// A coordinator on another shard sent commands to run once granted (one part of a
    /// split multi-key command); `release`: the last shard of the transaction, which
    /// lets go right after running them.
    RunBatch {
        origin: usize,
        req_id: u64,
        items: Vec<super::shard::BatchItem>,
        resp3: bool,
        release: bool,
        /// Where the commands' replication records go (returned to the coordinator).
        capture: super::shard::Capture,
    },
    /// A coordinator on another shard sent a closure to run once granted
    /// ([`acquire_each`]); `release`: let go right after it.
    RunOp {
        origin: usize,
        req_id: u64,
        op: super::shard::ShardOp,
        release: bool,
    },
}

/// One shard's lock table and its idle flag (the fast path reads only the flag).
#[derive(Default)]
pub struct ShardLocks {
    table: RefCell<locks::Locks<Grant>>,
    idle: Cell<bool>,
    next_id: Cell<u64>,
}

impl ShardLocks {
    pub fn new() -> Self {
        ShardLocks {
            idle: Cell::new(true),
            ..Default::default()
        }
    }

    /// No locks held or wanted on this shard.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.idle.get()
    }

    /// A fresh transaction id issued by `shard`.
    pub fn new_tx(&self, shard: usize) -> TxId {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        ((shard as u64 + 1) << 48) | (n & ((1 << 48) - 1))
    }

    /// Whether a blocked client may be served on this key now.
    pub fn is_key_busy(&self, db: usize, key: &[u8]) -> bool {
        !self.is_idle() && self.table.borrow().is_key_busy(db as u16, key)
    }

    fn refresh(&self, table: &locks::Locks<Grant>) {
        self.idle.set(table.is_idle());
    }
}

/// Takes `set` for `tx` on shard `s` (the caller's own shard), waiting in its queue.
pub(crate) async fn acquire_here(s: &ShardCtx, tx: TxId, set: LockSet) {
    let (grant, rx) = oneshot::channel();
    let queued = {
        let mut table = s.txn.table.borrow_mut();
        let queued = table.acquire(tx, set, Grant::Local(grant)).is_none();
        s.txn.refresh(&table);
        queued
    };
    if queued {
        rx.await;
    }
}

/// A `Lock` request from another shard's coordinator: answered `true` now or when
/// granted; with `try_only`, answered `false` at once instead of queueing.
pub(crate) fn lock_request(
    s: &ShardCtx,
    origin: usize,
    req_id: u64,
    tx: TxId,
    set: LockSet,
    try_only: bool,
) {
    let answer = {
        let mut table = s.txn.table.borrow_mut();
        let r = if try_only && table.must_wait(&set) {
            Some(false)
        } else {
            table
                .acquire(tx, set, Grant::Remote { origin, req_id })
                .map(|_| true)
        };
        s.txn.refresh(&table);
        r
    };
    if let Some(granted) = answer {
        s.deliver(origin, req_id, ReplyPayload::Op(Box::new(granted)));
    }
}

/// Locks `key` for `tx` on shard `s` right away (a blocked BLMOVE served on a free key:
/// the pop and the lock are one step).
pub(crate) fn hold_key(s: &ShardCtx, tx: TxId, db: usize, key: &[u8]) {
    let mut set = LockSet::default();
    set.key(db as u16, Bytes::copy_from_slice(key), Mode::Exclusive);
    let (grant, _unused) = oneshot::channel();
    let mut table = s.txn.table.borrow_mut();
    // Granted at once on a free key; were it queued, its grant would find no waiter and
    // the lock would still be released with the transaction.
    let _ = table.acquire(tx, set, Grant::Local(grant));
    s.txn.refresh(&table);
}

/// Releases what `tx` holds on shard `s`, answers the waiters this grants, and serves
/// blocked clients whose keys were held.
pub(crate) fn unlock(s: &ShardCtx, tx: TxId) {
    let granted = {
        let mut table = s.txn.table.borrow_mut();
        let g = table.release(tx);
        s.txn.refresh(&table);
        g
    };
    for (tx, grant) in granted {
        answer(s, tx, grant);
    }
    s.serve_blocked();
}

/// Acts on a granted request.
fn answer(s: &ShardCtx, tx: TxId, grant: Grant) {
    match grant {
        Grant::Local(wake) => wake.send(()),
        Grant::Remote { origin, req_id } => {
            s.deliver(origin, req_id, ReplyPayload::Op(Box::new(())))
        }
        Grant::RunBatch {
            origin,
            req_id,
            items,
            resp3,
            release,
            capture,
        } => {
            let mut payload = s.run_items(items, resp3, capture);
            if let ReplyPayload::Batch {
                repl: Some(repl), ..
            } = &mut payload
            {
                // Its records must reach the log before any of the transaction's locks
                // is released: keep them; the coordinator appends, then releases.
                repl.held = release;
            } else if release {
                unlock(s, tx);
            }
            s.deliver(origin, req_id, payload);
        }
        Grant::RunOp {
            origin,
            req_id,
            op,
            release,
        } => {
            let payload = ReplyPayload::Op(op(s));
            if release {
                unlock(s, tx);
            }
            s.deliver(origin, req_id, payload);
        }
    }
}

/// Takes `set` for `tx` on this shard and acts on `grant` once it is granted (now, or
/// when the locks in the way are released).
pub(crate) fn lock_then(s: &ShardCtx, tx: TxId, set: LockSet, grant: Grant) {
    let granted = {
        let mut table = s.txn.table.borrow_mut();
        let g = table.acquire(tx, set, grant);
        s.txn.refresh(&table);
        g
    };
    if let Some(grant) = granted {
        answer(s, tx, grant);
    }
}

/// A part of a split command with the locks it needs: run once they are granted.
pub(crate) fn lock_and_run(s: &ShardCtx, tx: TxId, grant: Grant) {
    let set = match &grant {
        Grant::RunBatch { items, .. } => {
            let mut set = LockSet::default();
            for item in items {
                set.keys
                    .extend(command_set(item.spec, &item.args, item.db as usize).keys);
            }
            set.normalize();
            set
        }
        _ => LockSet::default(),
    };
    lock_then(s, tx, set, grant);
}

/// The locks a transaction holds, to be released with [`release`].
pub struct Held {
    pub id: TxId,
    shards: Vec<usize>,
    /// Taken by EXEC for the whole transaction (commands inside do not release it).
    pub for_exec: bool,
}

impl Held {
    /// Locks a shard took for `id` on its own (a served blocked BLMOVE's source key).
    pub fn adopt(id: TxId, shard: usize) -> Held {
        Held {
            id,
            shards: vec![shard],
            for_exec: false,
        }
    }
}

/// Adds shard `owner`'s set to a held transaction. Above every shard it holds, this waits
/// like [`acquire`] (shard order is kept); below, waiting could close a cycle, so it only
/// takes the locks if they are free now and returns false otherwise.
pub async fn lock_also(shard: &Rc<ShardCtx>, held: &mut Held, owner: usize, set: LockSet) -> bool {
    let ordered = held.shards.iter().all(|&s| s < owner);
    let granted = if owner == shard.id {
        if !ordered && shard.txn.table.borrow().must_wait(&set) {
            false
        } else {
            acquire_here(shard, held.id, set).await;
            true
        }
    } else {
        shard.lock_remote(owner, held.id, set, !ordered).await
    };
    if granted {
        held.shards.push(owner);
    }
    granted
}

/// Takes every shard's set, in increasing shard order, one message per remote shard.
pub async fn acquire(shard: &Rc<ShardCtx>, mut parts: Vec<(usize, LockSet)>) -> Held {
    parts.sort_by_key(|p| p.0);
    let id = shard.txn.new_tx(shard.id);
    let mut shards = Vec::with_capacity(parts.len());
    for (owner, set) in parts {
        shards.push(owner);
        if owner == shard.id {
            acquire_here(shard, id, set).await;
        } else {
            shard.lock_remote(owner, id, set, false).await;
        }
    }
    Held {
        id,
        shards,
        for_exec: false,
    }
}

/// Takes every shard's set like [`acquire`], and runs `f(shard, last)` on each shard the
/// moment its locks are granted, in the same message. The last shard (`last == true`)
/// lets go right after `f`: while `f` runs there, every shard is locked. Returns the
/// locks still held (release them with [`release`]) and `f`'s results in shard order.
///
/// A shard's data cannot change from its grant to the release, so what `f` sees there is
/// what the shard holds at the moment all of them are locked: a snapshot's cut installs
/// its copy-on-write state this way, holding the first shard one round trip and the
/// last one not at all, instead of a round trip each to lock, to install and to release.
pub async fn acquire_each<R, F>(
    shard: &Rc<ShardCtx>,
    mut parts: Vec<(usize, LockSet)>,
    f: F,
) -> (Held, Vec<R>)
where
    R: Send + 'static,
    F: Fn(&ShardCtx, bool) -> R + Send + Clone + 'static,
{
    parts.sort_by_key(|p| p.0);
    let id = shard.txn.new_tx(shard.id);
    let mut held = Held {
        id,
        shards: Vec::with_capacity(parts.len()),
        for_exec: false,
    };
    let mut results = Vec::with_capacity(parts.len());
    let n = parts.len();
    for (i, (owner, set)) in parts.into_iter().enumerate() {
        let last = i + 1 == n;
        if owner == shard.id {
            acquire_here(shard, id, set).await;
            results.push(f(shard, last));
            if last {
                unlock(shard, id);
            }
        } else {
            let g = f.clone();
            let op: super::shard::ShardOp = Box::new(move |s| Box::new(g(s, last)));
            results.push(shard.lock_op(owner, id, set, op, last).await);
        }
        if !last {
            held.shards.push(owner);
        }
    }
    (held, results)
}

/// Releases a transaction's locks on every shard it holds (no reply awaited: a later
/// message from this shard to the same shard arrives after the release).
pub async fn release(shard: &Rc<ShardCtx>, held: Held) {
    for owner in held.shards {
        if owner == shard.id {
            unlock(shard, held.id);
        } else {
            shard.unlock_remote(owner, held.id).await;
        }
    }
}

/// The lock sets, by shard, a command needs in database `db`: its keys (exclusive for a
/// write command, shared otherwise), or whole databases for the keyless commands that
/// change every key of one (FLUSHDB, FLUSHALL, SWAPDB). Empty when it touches no data.
pub fn plan(
    spec: &'static CommandSpec,
    args: &[Bytes],
    db: usize,
    nshards: usize,
    databases: usize,
) -> Vec<(usize, LockSet)> {
    let whole = |dbs: Vec<u16>| whole_dbs(nshards, &dbs);
    match spec.name {
        "flushdb" => return whole(vec![db as u16]),
        "flushall" => return whole((0..databases as u16).collect()),
        "swapdb" => {
            let index = |a: Option<&Bytes>| {
                a.and_then(|a| crate::commands::args::int(a))
                    .filter(|&i| i >= 0 && (i as usize) < databases)
            };
            return match (index(args.get(1)), index(args.get(2))) {
                (Some(a), Some(b)) => whole(vec![a as u16, b as u16]),
                _ => Vec::new(),
            };
        }
        _ => {}
    }
    let mode = if spec.flags & flag::WRITE != 0 {
        Mode::Exclusive
    } else {
        Mode::Shared
    };
    let keys = command_info::key_indexes(spec, args);
    let keys = with_dbs(spec, args, keys.into_iter(), db, databases);
    key_parts(keys, nshards, mode)
}

/// The (database, key) pairs a command touches: `db` for all of them, except MOVE's key
/// in its target database too and COPY's destination in the database of its DB option.
fn with_dbs(
    spec: &'static CommandSpec,
    args: &[Bytes],
    indexes: impl Iterator<Item = usize>,
    db: usize,
    databases: usize,
) -> Vec<(usize, Bytes)> {
    let mut keys: Vec<(usize, Bytes)> = indexes
        .filter_map(|i| Some((db, args.get(i)?.clone())))
        .collect();
    let index = |a: &Bytes| {
        crate::commands::args::int(a)
            .filter(|&i| i >= 0 && (i as usize) < databases)
            .map(|i| i as usize)
    };
    match spec.name {
        "move" => {
            if let (Some(key), Some(to)) = (args.get(1), args.get(2).and_then(index)) {
                keys.push((to, key.clone()));
            }
        }
        "copy" => {
            let to = args
                .windows(2)
                .skip(3)
                .find(|w| crate::commands::args::eq(&w[0], "db"))
                .and_then(|w| index(&w[1]));
            if let (Some(to), Some(dst)) = (to, keys.get_mut(1)) {
                dst.0 = to;
            }
        }
        _ => {}
    }
    keys
}

/// Databases `dbs` on every shard, exclusively.
fn whole_dbs(nshards: usize, dbs: &[u16]) -> Vec<(usize, LockSet)> {
    (0..nshards)
        .map(|s| {
            let set = LockSet {
                dbs: dbs.to_vec(),
                keys: Vec::new(),
            };
            (s, set)
        })
        .collect()
}

/// Every database of every shard, exclusively: nothing else runs while it is held
/// (the snapshot cut, DEBUG RELOAD).
pub fn whole_keyspace(nshards: usize, databases: usize) -> Vec<(usize, LockSet)> {
    whole_dbs(nshards, &(0..databases as u16).collect::<Vec<_>>())
}

/// Lock sets, by owner shard, for (database, key) pairs, all in one mode.
pub fn key_parts(
    keys: impl IntoIterator<Item = (usize, Bytes)>,
    nshards: usize,
    mode: Mode,
) -> Vec<(usize, LockSet)> {
    let mut parts: Vec<(usize, LockSet)> = Vec::new();
    for (db, key) in keys {
        let owner = key_shard(&key, nshards);
        match parts.iter_mut().find(|(s, _)| *s == owner) {
            Some((_, set)) => set.key(db as u16, key, mode),
            None => {
                let mut set = LockSet::default();
                set.key(db as u16, key, mode);
                parts.push((owner, set));
            }
        }
    }
    for (_, set) in &mut parts {
        set.normalize();
    }
    parts
}

/// For a command about to run on its owner shard `s` outside any transaction: `None`
/// if it may run now (the usual case, one `Cell` read), else waits in the lock queue
/// and returns the instant transaction it must [`leave`] right after running.
pub async fn enter(s: &ShardCtx, set: impl FnOnce() -> LockSet) -> Option<TxId> {
    if s.txn.is_idle() {
        return None;
    }
    let set = set();
    if set.is_empty() || !s.txn.table.borrow().must_wait(&set) {
        return None;
    }
    let tx = s.txn.new_tx(s.id);
    acquire_here(s, tx, set).await;
    Some(tx)
}

/// Ends what [`enter`] waited for.
pub fn leave(s: &ShardCtx, tx: Option<TxId>) {
    if let Some(tx) = tx {
        unlock(s, tx);
    }
}

/// The keys one shard command touches on its shard, as a lock set (database `db`;
/// MOVE and COPY ... DB also the key in the other database).
pub fn command_set(spec: &'static CommandSpec, args: &[Bytes], db: usize) -> LockSet {
    let mode = if spec.flags & flag::WRITE != 0 {
        Mode::Exclusive
    } else {
        Mode::Shared
    };
    let mut set = LockSet::default();
    if matches!(spec.name, "move" | "copy") {
        // Rare: keys in another database too (databases are bounded by the index check).
        for (db, key) in with_dbs(spec, args, spec.keys.positions(args.len()), db, 1 << 16) {
            set.key(db as u16, key, mode);
        }
    } else {
        for i in spec.keys.positions(args.len()) {
            set.key(db as u16, args[i].clone(), mode);
        }
    }
    set.normalize();
    set
}

/// Whether a batch of plain commands from another shard must wait for locks here; if
/// so, queues them as one instant transaction and returns the wait.
pub(crate) fn must_wait_batch(
    s: &ShardCtx,
    items: &[super::shard::BatchItem],
) -> Option<(TxId, oneshot::Receiver<()>)> {
    if s.txn.is_idle() {
        return None;
    }
    let mut set = LockSet::default();
    for item in items {
        let one = command_set(item.spec, &item.args, item.db as usize);
        set.keys.extend(one.keys);
    }
    set.normalize();
    let mut table = s.txn.table.borrow_mut();
    if set.is_empty() || !table.must_wait(&set) {
        return None;
    }
    let tx = s.txn.new_tx(s.id);
    let (grant, rx) = oneshot::channel();
    if let Some(Grant::Local(grant)) = table.acquire(tx, set, Grant::Local(grant)) {
        // Unreachable (it must wait), but a grant is never dropped unanswered.
        grant.send(());
    }
    s.txn.refresh(&table);
    Some((tx, rx))
}

/// How an EXEC runs its queued commands.
pub enum ExecPlan {
    /// Every command is a plain shard command on one shard, nothing is watched, and that
    /// shard's commands run in one go (one message, or inline with no locks in play):
    /// atomic without taking a lock.
    OneShard,
    /// Plain commands on several shards, nothing watched: [`exec_per_shard`].
    PerShard,
    /// Take these locks for the whole transaction first.
    Locked(Vec<(usize, LockSet)>),
}

/// Plans an EXEC: the lock sets of all queued commands (following SELECTs inside the
/// transaction), plus shared locks on the watched keys so none changes between the
/// check and the commands. A keyless command that reads or writes data (DBSIZE, KEYS,
/// FLUSHDB...) locks every database on every shard.
pub fn exec_plan(
    shard: &ShardCtx,
    cmds: &[Vec<Bytes>],
    mut db: usize,
    watched: &[(usize, Bytes)],
) -> ExecPlan {
    use crate::commands::{lookup, Run};
    let (n, databases) = (shard.nshards, shard.config().databases);
    let mut parts: Vec<(usize, LockSet)> = Vec::new();
    let add = |parts: &mut Vec<(usize, LockSet)>, more: Vec<(usize, LockSet)>| {
        for (owner, set) in more {
            match parts.iter_mut().find(|(s, _)| *s == owner) {
                Some((_, mine)) => {
                    mine.keys.extend(set.keys);
                    mine.dbs.extend(set.dbs);
                }
                None => parts.push((owner, set)),
            }
        }
    };
    let mut plain = watched.is_empty();
    for args in cmds {
        let Some(spec) = lookup(&args[0]) else {
            continue;
        };
        if spec.name == "select" {
            // A SELECT that fails at run time leaves the db as it was.
            if let Some(i) =
                crate::commands::args::int(&args[1]).filter(|&i| i >= 0 && (i as usize) < databases)
            {
                db = i as usize;
            }
        }
        let coord = match spec.run {
            Run::Coord(_) => true,
            Run::ShardOr(..) | Run::Split(..) => {
                let keys = command_info::key_indexes(spec, args);
                let mut owners = keys.iter().map(|&i| key_shard(&args[i], n));
                let first = owners.next();
                !owners.all(|o| Some(o) == first)
            }
            Run::Shard(_) => false,
        };
        plain &= !coord;
        if spec.flags & (flag::WRITE | flag::READONLY) == 0 {
            continue;
        }
        let more = match plan(spec, args, db, n, databases) {
            // A keyless command that reads or writes data (DBSIZE, KEYS...).
            none if none.is_empty() => whole_keyspace(n, databases),
            some => some,
        };
        add(&mut parts, more);
    }
    for (wdb, key) in watched {
        let owner = key_shard(key, n);
        let mut set = LockSet::default();
        set.key(*wdb as u16, key.clone(), Mode::Shared);
        add(&mut parts, vec![(owner, set)]);
    }
    for (_, set) in &mut parts {
        set.normalize();
    }
    let one_shard = parts.len() <= 1
        && parts
            .first()
            .is_none_or(|(s, _)| *s != shard.id || shard.txn.is_idle());
    if plain && one_shard {
        ExecPlan::OneShard
    } else if plain && watched.is_empty() {
        ExecPlan::PerShard
    } else {
        ExecPlan::Locked(parts)
    }
}
