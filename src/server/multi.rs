//! A client's transaction state (MULTI/EXEC/DISCARD/WATCH/UNWATCH), Redis 7.0's
//! `multi.c` on a sharded keyspace.
//!
//! - MULTI: [`resolve`], called by `run_batch` for every command, queues the commands of a
//!   client in MULTI (replying `+QUEUED`) instead of running them. Errors found before
//!   queueing (unknown command, arity, NOAUTH, `no-multi` commands) flag the transaction
//!   (`CLIENT_DIRTY_EXEC`): EXEC then replies `-EXECABORT`.
//! - WATCH: the watches live on the shards owning the keys ([`crate::storage::watch`]),
//!   registered and dropped with one message per shard; a write there sets the client's
//!   shared dirty flag (`CLIENT_DIRTY_CAS`).
//! - EXEC: [`exec_queued`].

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ahash::AHashSet;
use bytes::{Bytes, BytesMut};

use super::client::{Client, ReplyMode};
use super::shard::{unix_ms, ShardCtx};
use super::slot::key_shard;
use super::txn::{self, ExecPlan};
use crate::commands::{errors, flag, CommandSpec};

pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
const NOT_IN_MULTI: &str = "ERR Command not allowed inside a transaction";

/// One client's transaction state.
pub struct MultiState {
    /// Between MULTI and EXEC/DISCARD.
    in_multi: bool,
    queued: Vec<Vec<Bytes>>,
    /// An error while queueing: EXEC must abort (`CLIENT_DIRTY_EXEC`).
    errored: bool,
    /// EXEC is running the queued commands (Redis's `CLIENT_DENY_BLOCKING`).
    executing: bool,
    /// Watched (db, key) pairs, and the flag the shards set when one is touched.
    watched: AHashSet<(usize, Bytes)>,
    dirty: Arc<AtomicBool>,
    /// How to reach the shards to drop the watches when the client goes away.
    owner: Option<(Rc<ShardCtx>, u64)>,
    /// While EXEC runs: the replication records of its commands, appended as one
    /// `MULTI ... EXEC` record before its locks are released (see `server::shard::Capture`).
    pub(crate) unit: Option<crate::commands::propagate::Ops>,
    /// Set by a coordinator write command that found it changed nothing (a STORE whose
    /// empty result met no destination): the dispatcher does not propagate it. Reset by
    /// the dispatcher before each coordinator command.
    pub(crate) unchanged: bool,
}

impl Default for MultiState {
    fn default() -> Self {
        MultiState {
            in_multi: false,
            queued: Vec::new(),
            errored: false,
            executing: false,
            watched: AHashSet::new(),
            dirty: Arc::new(AtomicBool::new(false)),
            owner: None,
            unit: None,
            unchanged: false,
        }
    }
}

impl MultiState {
    pub fn in_multi(&self) -> bool {
        self.in_multi
    }

    /// Whether EXEC is running the queue: blocking commands must not block.
    pub fn executing(&self) -> bool {
        self.executing
    }

    pub fn errored(&self) -> bool {
        self.errored
    }

    /// Whether a WATCHed key was touched.
    pub fn dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// In MULTI or watching keys: only then does the hook do more than resolve.
    fn engaged(&self) -> bool {
        self.in_multi || !self.watched.is_empty()
    }

    /// Whether a queued command's spec satisfies `pred` (EXEC is a write for
    /// `min-replicas-*` and READONLY when one is: Redis's `mstate.cmd_flags`).
    pub fn queue_any(&self, pred: impl Fn(&CommandSpec) -> bool) -> bool {
        self.queued
            .iter()
            .any(|args| crate::commands::lookup(&args[0]).is_some_and(&pred))
    }

    /// Takes the queued commands (EXEC).
    pub fn take_queue(&mut self) -> Vec<Vec<Bytes>> {
        std::mem::take(&mut self.queued)
    }
}

impl Drop for MultiState {
    /// A disconnected client's watches are dropped on their shards by a detached task
    /// (the connection is gone; nothing waits for it).
    fn drop(&mut self) {
        if self.watched.is_empty() {
            return;
        }
        if let Some((shard, id)) = self.owner.take() {
            let groups = by_shard(&shard, std::mem::take(&mut self.watched));
            glommio::spawn_local(async move { unregister(&shard, id, groups).await }).detach();
        }
    }
}

/// The watched pairs grouped by owner shard.
fn by_shard(
    shard: &ShardCtx,
    keys: impl IntoIterator<Item = (usize, Bytes)>,
) -> Vec<Vec<(usize, Bytes)>> {
    let mut groups: Vec<Vec<(usize, Bytes)>> = (0..shard.nshards).map(|_| Vec::new()).collect();
    for (db, key) in keys {
        groups[key_shard(&key, shard.nshards)].push((db, key));
    }
    groups
}

/// Drops `client`'s watches, one message per shard that holds some.
async fn unregister(shard: &ShardCtx, client: u64, groups: Vec<Vec<(usize, Bytes)>>) {
    for (owner, keys) in groups.into_iter().enumerate() {
        if keys.is_empty() {
            continue;
        }
        shard
            .run_on(owner, move |s| {
                let mut ks = s.keyspace.borrow_mut();
                for (db, key) in &keys {
                    ks.dbs[*db].watch.remove(key, client);
                }
            })
            .await;
    }
}

/// The batch hook: resolves a command (existence, arity, auth) and, for a client in
/// MULTI, queues it instead of running it. `Ok(Some(spec))`: run it now; `Ok(None)`: it
/// was queued and `+QUEUED` written; `Err(msg)`: reject it with `msg`.
///
/// Redis's `processCommand` order: a rejected command flags an open transaction; a
/// rejected EXEC aborts it (`execCommandAbort`, even outside MULTI); EXEC, DISCARD, MULTI,
/// WATCH, QUIT and RESET run at once, every other command is queued; RESET discards the
/// transaction and the watches.
pub async fn resolve(
    c: &mut Client,
    args: &[Bytes],
) -> Result<Option<&'static CommandSpec>, String> {
    let resolved = c.resolve(args);
    if !c.multi.engaged() {
        return match resolved {
            Ok(spec) => Ok(Some(spec)),
            Err(msg) if args[0].eq_ignore_ascii_case(b"exec") => Err(exec_abort_message(&msg)),
            Err(msg) => Err(msg),
        };
    }
    let spec = match resolved {
        Ok(spec) => spec,
        Err(msg) => {
            if args[0].eq_ignore_ascii_case(b"exec") {
                discard(c).await;
                return Err(exec_abort_message(&msg));
            }
            flag_error(c);
            return Err(msg);
        }
    };
    match spec.name {
        "reset" => {
            discard(c).await;
            return Ok(Some(spec));
        }
        "exec" | "discard" | "multi" | "watch" | "quit" => return Ok(Some(spec)),
        _ if !c.multi.in_multi => return Ok(Some(spec)),
        _ => {}
    }
    if spec.flags & flag::NO_MULTI != 0 {
        flag_error(c);
        return Err(NOT_IN_MULTI.into());
    }
    if spec.name == "debug" && !c.debug_allowed() {
        // A protected command is refused before queueing, like NOAUTH.
        flag_error(c);
        return Err(errors::DEBUG_NOT_ALLOWED.into());
    }
    // Redis keeps no commands of a transaction already doomed (queueMultiCommand), but
    // still answers QUEUED.
    if !c.multi.errored && !c.multi.dirty() {
        c.multi.queued.push(args.to_vec());
        c.handle.info.borrow_mut().multi = c.multi.queued.len() as i64;
    }
    c.reply().simple("QUEUED");
    Ok(None)
}

/// `execCommandAbort`'s message: the rejection's text without its `ERR` code.
fn exec_abort_message(msg: &str) -> String {
    let reason = msg.strip_prefix("ERR ").unwrap_or(msg);
    format!("EXECABORT Transaction discarded because of: {reason}")
}

fn flag_error(c: &mut Client) {
    if c.multi.in_multi {
        c.multi.errored = true;
    }
}

/// MULTI: opens the transaction. Returns false when one is already open.
pub fn begin(c: &mut Client) -> bool {
    if c.multi.in_multi {
        return false;
    }
    c.multi.in_multi = true;
    let mut info = c.handle.info.borrow_mut();
    info.multi = 0;
    info.flags.push('x');
    true
}

/// Leaves MULTI state (the queue, the error flag, CLIENT LIST's `x`), keeping the watches.
fn end(c: &mut Client) {
    c.multi.in_multi = false;
    c.multi.errored = false;
    c.multi.queued = Vec::new();
    let mut info = c.handle.info.borrow_mut();
    info.multi = -1;
    info.flags.retain(|f| f != 'x');
}

/// Redis's `discardTransaction`: leaves MULTI and drops every watch (DISCARD, EXEC,
/// RESET).
pub async fn discard(c: &mut Client) {
    end(c);
    unwatch_all(c).await;
}

/// UNWATCH: drops every watch on its shard and clears the dirty flag.
pub async fn unwatch_all(c: &mut Client) {
    if !c.multi.watched.is_empty() {
        let groups = by_shard(&c.shard, std::mem::take(&mut c.multi.watched));
        unregister(&c.shard, c.id, groups).await;
    }
    // No shard holds a watch of this client any more: nothing sets the flag after this.
    c.multi.dirty.store(false, Ordering::Release);
}

/// WATCH: registers the keys (in the selected db) on their shards, one message per
/// shard. Each shard records whether the key is stored but already logically expired
/// (Redis's `watchedKey.expired`). Keys already watched are skipped; a client whose
/// watches are already dirty registers nothing (its EXEC will fail anyway).
pub async fn watch(c: &mut Client, keys: &[Bytes]) {
    if c.multi.dirty() {
        return;
    }
    if c.multi.owner.is_none() {
        c.multi.owner = Some((c.shard.clone(), c.id));
        c.handle.info.borrow_mut().watch_dirty = Some(c.multi.dirty.clone());
    }
    let db = c.db;
    let mut new = Vec::new();
    for key in keys {
        if c.multi.watched.insert((db, key.clone())) {
            new.push((db, key.clone()));
        }
    }
    let (client, dirty) = (c.id, c.multi.dirty.clone());
    for (owner, keys) in by_shard(&c.shard, new).into_iter().enumerate() {
        if keys.is_empty() {
            continue;
        }
        let dirty = dirty.clone();
        c.shard
            .run_on(owner, move |s| {
                let now = unix_ms();
                let mut ks = s.keyspace.borrow_mut();
                for (db, key) in &keys {
                    let d = &mut ks.dbs[*db];
                    let stale = d.table().get(key).is_some_and(|e| e.is_expired(now));
                    d.watch.add(key, client, &dirty, stale);
                }
            })
            .await;
    }
}

/// EXEC's watch check, and the unwatch Redis does before running the queue: on every
/// shard holding watches of this client, drops them and reports whether one that was live
/// when watched is logically expired now (`isWatchedKeyExpired`). Returns whether the
/// transaction must fail (a touched or expired watched key).
async fn check_and_unwatch(c: &mut Client) -> bool {
    let mut failed = c.multi.dirty();
    if !c.multi.watched.is_empty() {
        let groups = by_shard(&c.shard, std::mem::take(&mut c.multi.watched));
        let client = c.id;
        for (owner, keys) in groups.into_iter().enumerate() {
            if keys.is_empty() {
                continue;
            }
            let check = !failed;
            let expired = c
                .shard
                .run_on(owner, move |s| {
                    let now = unix_ms();
                    let mut ks = s.keyspace.borrow_mut();
                    let mut expired = false;
                    for (db, key) in &keys {
                        let d = &mut ks.dbs[*db];
                        if check
                            && d.watch.stale(key, client) == Some(false)
                            && d.table().get(key).is_some_and(|e| e.is_expired(now))
                        {
                            expired = true;
                        }
                        d.watch.remove(key, client);
                    }
                    expired
                })
                .await;
            failed |= expired;
        }
    }
    failed |= c.multi.dirty();
    c.multi.dirty.store(false, Ordering::Release);
    failed
}

/// EXEC of a transaction without queueing errors: (a) the WATCH check (the dirty flag,
/// and watched keys expired since WATCH, one message per shard holding watches, which
/// also drops them), replying the null array when it fails; else (b) the queued commands,
/// run by the ordinary batch machinery (`run_batch`: routing, per-command statistics,
/// CLIENT REPLY) with blocking commands not blocking, their replies wrapped in one array.
/// Errors of single commands are their replies: nothing is rolled back.
///
/// Atomic across shards: unless every command is a plain command of one shard (then one
/// message or one uninterrupted run executes them all), the locks of every queued
/// command's keys and of the watched keys are taken first ([`crate::server::txn`]), so
/// the check and the commands see no other client's write in between.
pub async fn exec_queued(c: &mut Client, cmds: Vec<Vec<Bytes>>) {
    let watched: Vec<(usize, Bytes)> = c.multi.watched.iter().cloned().collect();
    let mut per_shard = false;
    if c.tx.is_none() {
        match txn::exec_plan(&c.shard, &cmds, c.db, &watched) {
            ExecPlan::Locked(parts) => {
                let mut held = txn::acquire(&c.shard, parts).await;
                held.for_exec = true;
                c.tx = Some(held);
            }
            ExecPlan::PerShard => per_shard = true,
            ExecPlan::OneShard => {}
        }
    }
    c.multi.unit = Some(Default::default());
    run_locked(c, cmds, per_shard).await;
    // One record for the transaction's writes, before its locks are released (Redis
    // 7.0: `MULTI ... EXEC` around them when more than one, the bare command when one,
    // nothing when none).
    c.flush_unit();
    c.multi.unit = None;
    if let Some(held) = c.tx.take_if(|h| h.for_exec) {
        txn::release(&c.shard, held).await;
    }
}

impl Client {
    /// Appends the running EXEC's records collected so far as one record (WAIT then
    /// waits for its end).
    pub(crate) fn flush_unit(&mut self) {
        if let Some(unit) = self.multi.unit.as_mut() {
            if let Some(end) = self.shard.append_ops(unit) {
                self.woff = self.woff.max(end);
            }
            unit.clear();
        }
    }
}

/// [`exec_queued`] once its locks are held (or, `per_shard`, with each shard's commands
/// taking their locks themselves: [`txn::exec_per_shard`]).
async fn run_locked(c: &mut Client, cmds: Vec<Vec<Bytes>>, per_shard: bool) {
    // (a)
    if check_and_unwatch(c).await {
        end(c);
        return c.reply().null_array();
    }
    // (b) CLIENT LIST shows the client in MULTI (`x`, `multi=N`) while EXEC runs, as in
    // Redis; the queueing hook must not see it in MULTI.
    c.multi.in_multi = false;
    c.multi.executing = true;
    let n = cmds.len();
    // run_batch owns `c.out` while it runs: keep the enclosing batch's replies aside.
    let outer = std::mem::take(&mut c.out);
    // CLIENT REPLY SKIP before EXEC skips EXEC's reply as a whole (the enclosing batch
    // does that), not the first queued command's.
    let skip = c.reply_mode == ReplyMode::Skip;
    if skip {
        c.reply_mode = ReplyMode::On;
    }
    let mut replies = BytesMut::new();
    if per_shard {
        // The transaction's record is appended by `flush_unit`, which sets WAIT's offset.
        txn::exec_per_shard(c, cmds, &mut replies).await;
    } else {
        c.run_batch(cmds, &mut replies).await;
    }
    if skip && c.reply_mode == ReplyMode::On {
        c.reply_mode = ReplyMode::Skip;
    }
    c.out = outer;
    c.multi.executing = false;
    end(c);
    let mut r = c.reply();
    r.array(n);
    r.raw(&replies);
}
