//! Batched routing: executes the commands of one socket read, in order, on the shards that
//! own their keys, with at most one message per remote shard per batch.
//!
//! ```text
//!  cmd0 GET a (local)   -> run inline now               slot0 = local bytes
//!  cmd1 SET b (shard 1) -> queued for shard 1            slot1 = shard 1, item 0
//!  cmd2 GET c (shard 1) -> queued for shard 1            slot2 = shard 1, item 1
//!  cmd3 DBSIZE          -> barrier: send queued batches, await them, then run it
//!  ...end of read       -> send what is queued, await, write slots in request order
//! ```
//!
//! Reordering is only ever between commands on different shards, which touch different
//! keys, so no client can observe it. Commands that need several shards or the connection
//! (coordinator commands, split multi-key commands) are barriers: everything queued before
//! them completes first, so a client's own earlier writes are visible to them.

use std::ops::Range;

use bytes::{Bytes, BytesMut};

use super::client::{Client, ReplyMode};
use super::shard::{unix_ms, BatchItem, Capture, Captured, ReplyPayload};
use crate::commands::propagate::Ops;
use crate::commands::{errors, flag, lookup, Combine, CommandSpec, Run, ShardFn};
use crate::protocol::parse::value_len;
use crate::server::slot::key_shard;
use crate::server::txn;

enum Slot {
    /// Bytes of `Client::out`.
    Local(Range<usize>),
    /// Queued for a shard, not sent yet.
    Queued { shard: usize, item: usize },
    /// Item `item` of remote result chunk `chunk`.
    Remote { chunk: usize, item: usize },
    /// Reply suppressed by CLIENT REPLY.
    Skipped,
}

/// Where one command runs.
enum Route {
    Here(ShardFn),
    Remote(usize, ShardFn),
    Split(ShardFn, Combine),
    Coord(crate::commands::CoordFn),
}

/// Results of remote batches, kept until the whole read is answered.
struct Chunk {
    buf: BytesMut,
    ends: Vec<u32>,
}

impl Chunk {
    fn item(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }
}

impl Client {
    /// Checks existence, arity and auth, in Redis 7.0's order (`processCommand`: an
    /// unknown command or a wrong arity is reported before NOAUTH). Returns the command or
    /// the error to reply.
    pub(crate) fn resolve(&self, args: &[Bytes]) -> Result<&'static CommandSpec, String> {
        let Some(spec) = lookup(&args[0]) else {
            return Err(errors::unknown_command(args));
        };
        if !spec.arity_ok(args.len()) {
            return Err(errors::arity(spec.name));
        }
        if spec.flags & flag::NO_AUTH == 0 && self.auth_required() {
            return Err(errors::NOAUTH.into());
        }
        // A container's checks use its subcommand's flags (CONFIG SET: loading, stale).
        let flags = match (spec.flags, args.get(1)) {
            (0, Some(sub)) => {
                crate::commands::command_info::subcommand_flags(spec.name, sub).unwrap_or(0)
            }
            _ => spec.flags,
        };
        let g = &self.shard.global;
        let write = || {
            flags & flag::WRITE != 0
                || (spec.name == "exec" && self.multi.queue_any(|s| s.flags & flag::WRITE != 0))
        };
        // `min-replicas-to-write` (Redis checks it here, before LOADING and before MULTI
        // queues the command; a replica never refuses for it): one atomic load while the
        // option is off.
        if g.repl.writes_refused() && !g.replica.is_replica() && write() {
            return Err(errors::NOREPLICAS.into());
        }
        if g.replica.is_replica() && !self.is_master {
            self.replica_rules(spec, flags, write())?;
        }
        if flags & flag::LOADING == 0
            && self
                .shard
                .global
                .persist
                .loading
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Err(errors::LOADING.into());
        }
        Ok(spec)
    }

    /// A replica's refusals, in Redis's order (`processCommand`): writes with
    /// `replica-read-only`, then, while the link is down and `replica-serve-stale-data`
    /// is no, every command not flagged `stale` (an EXEC holding one).
    fn replica_rules(&self, spec: &CommandSpec, flags: u32, write: bool) -> Result<(), String> {
        let (read_only, serve_stale) = {
            let c = self.shard.config();
            (c.repl.replica_read_only, c.repl.replica_serve_stale_data)
        };
        if write && read_only {
            return Err(errors::READONLY.into());
        }
        let deny_stale = flags & flag::STALE == 0
            || (spec.name == "exec" && self.multi.queue_any(|s| s.flags & flag::STALE == 0));
        if !serve_stale
            && deny_stale
            && !self
                .shard
                .global
                .replica
                .link_up
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Err(errors::MASTERDOWN.into());
        }
        Ok(())
    }

    /// Whether this client must still authenticate: it has not, and the default user has a
    /// password now (removing the password frees clients already connected, as in Redis).
    pub fn auth_required(&self) -> bool {
        !self.authenticated && self.shard.config().requirepass.is_some()
    }

    fn route(&self, spec: &'static CommandSpec, args: &[Bytes]) -> Route {
        let n = self.shard.nshards;
        let mut positions = spec.keys.positions(args.len());
        let owner = match positions.next() {
            Some(p) => key_shard(&args[p], n),
            None => self.shard.id,
        };
        let same = n == 1 || positions.all(|p| key_shard(&args[p], n) == owner);
        match spec.run {
            Run::Coord(f) => Route::Coord(f),
            Run::Shard(f) | Run::Split(f, _) | Run::ShardOr(f, _) if same => {
                if owner == self.shard.id {
                    Route::Here(f)
                } else {
                    Route::Remote(owner, f)
                }
            }
            Run::Split(f, c) => Route::Split(f, c),
            Run::ShardOr(_, f) => Route::Coord(f),
            // A Shard command whose keys span shards: run it where its first key lives
            // (only commands declared as single-shard use Run::Shard).
            Run::Shard(f) => {
                if owner == self.shard.id {
                    Route::Here(f)
                } else {
                    Route::Remote(owner, f)
                }
            }
        }
    }

    /// Executes the commands of one read and appends their replies, in request order, to
    /// `output`.
    pub async fn run_batch(&mut self, cmds: Vec<Vec<Bytes>>, output: &mut BytesMut) {
        let shard = self.shard.clone();
        let mut slots: Vec<Slot> = Vec::with_capacity(cmds.len());
        let mut queued: Vec<Vec<BatchItem>> = Vec::new();
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut first_unsent = 0;
        self.out.clear();
        let now_ms = unix_ms();
        for args in cmds {
            if self.close_after_reply {
                // QUIT (or a kill of itself): like Redis, nothing after it in the same read
                // runs.
                break;
            }
            let start = self.out.len();
            let mode_before = self.reply_mode;
            let mut queued_slot = None;
            // Transactions: queues the command of a client in MULTI (Ok(None)).
            match crate::server::multi::resolve(self, &args).await {
                Err(msg) => {
                    crate::metrics::rejected(&shard, &args, &msg);
                    self.reply().error(&msg)
                }
                Ok(None) => {}
                Ok(Some(spec)) => match self.route(spec, &args) {
                    Route::Here(f) => {
                        let waited = if self.tx.is_none() && !shard.txn.is_idle() {
                            let db = self.db;
                            txn::enter(&shard, || txn::command_set(spec, &args, db)).await
                        } else {
                            None
                        };
                        if self.multi.unit.is_some() {
                            // Inside EXEC: its records join the transaction's.
                            shard.capture_begin(false);
                            shard.exec(spec, f, self.db, &args, &mut self.out, self.resp3, now_ms);
                            self.join_unit(shard.capture_end());
                        } else {
                            shard.exec(spec, f, self.db, &args, &mut self.out, self.resp3, now_ms);
                        }
                        txn::leave(&shard, waited);
                        if spec.flags & flag::WRITE != 0 {
                            // This shard appended the write's record (if any) itself: its
                            // own last offset is past it, without reading the shared log.
                            self.woff = self.woff.max(shard.last_repl_offset.get());
                        }
                        crate::metrics::claim_slow(&shard, self);
                    }
                    Route::Remote(owner, f) => {
                        if queued.is_empty() {
                            queued = (0..shard.nshards).map(|_| Vec::new()).collect();
                        }
                        let item = queued[owner].len();
                        queued[owner].push(BatchItem {
                            spec,
                            run: f,
                            db: self.db as u16,
                            args,
                        });
                        queued_slot = Some(Slot::Queued { shard: owner, item });
                    }
                    Route::Split(f, combine) => {
                        self.flush(&mut queued, &mut slots[first_unsent..], &mut chunks)
                            .await;
                        first_unsent = slots.len();
                        let call = crate::metrics::CoordCall::start(spec, &args, self.out.len());
                        self.run_split(spec, f, combine, args).await;
                        if spec.flags & flag::WRITE != 0 {
                            self.note_write();
                        }
                        call.finish(self);
                    }
                    Route::Coord(f) => {
                        self.flush(&mut queued, &mut slots[first_unsent..], &mut chunks)
                            .await;
                        first_unsent = slots.len();
                        let call = crate::metrics::CoordCall::start(spec, &args, self.out.len());
                        self.lock_for(spec, &args).await;
                        let start = self.out.len();
                        let args_copy = spec.is_write().then(|| args.clone());
                        self.multi.unchanged = false;
                        f(self, args).await;
                        if let Some(args) = args_copy {
                            self.propagate_coord(spec, &args, start);
                            self.note_write();
                        }
                        // Before any lock is released (see `Capture`).
                        self.unlock_own().await;
                        call.finish(self);
                    }
                },
            }
            let suppress = mode_before == ReplyMode::Skip || self.reply_mode == ReplyMode::Off;
            if mode_before == ReplyMode::Skip && self.reply_mode == ReplyMode::Skip {
                self.reply_mode = ReplyMode::On;
            }
            if self.reply_mode == ReplyMode::SkipNext {
                self.reply_mode = ReplyMode::Skip;
            }
            let slot = match queued_slot {
                _ if suppress => {
                    // A suppressed remote command still runs; its reply is dropped.
                    self.out.truncate(start);
                    Slot::Skipped
                }
                Some(q) => q,
                None => Slot::Local(start..self.out.len()),
            };
            slots.push(slot);
            if self.close_after_reply {
                // QUIT (or a kill of this client): Redis runs nothing after it, even if
                // more commands arrived in the same read.
                break;
            }
        }
        if let Some(owner) = self.direct_owner(&slots) {
            // Every reply comes from one other shard: it writes them to the socket itself.
            // (The connection settled any earlier one before this read ran.)
            debug_assert!(self.in_flight.is_none());
            let items = std::mem::take(&mut queued[owner]);
            let fd = self.io.as_ref().expect("checked").fd;
            self.in_flight = Some(self.shard.send_direct(owner, items, self.resp3, fd));
            return;
        }
        self.flush(&mut queued, &mut slots[first_unsent..], &mut chunks)
            .await;
        if chunks.is_empty() && slots.iter().all(|s| !matches!(s, Slot::Skipped)) {
            output.extend_from_slice(&self.out);
        } else {
            for slot in &slots {
                match slot {
                    Slot::Local(r) => output.extend_from_slice(&self.out[r.clone()]),
                    Slot::Remote { chunk, item } => {
                        output.extend_from_slice(chunks[*chunk].item(*item))
                    }
                    Slot::Queued { .. } | Slot::Skipped => {}
                }
            }
        }
        self.out.clear();
    }

    /// The shard that may write this read's replies to the socket itself
    /// ([`super::direct`]): every command of the read is queued for it, plain (no
    /// transaction, no EXEC, replies on). All slots queued also means nothing of this
    /// read is waiting to be written before them: no local reply, no barrier, no QUEUED.
    fn direct_owner(&self, slots: &[Slot]) -> Option<usize> {
        let Some(Slot::Queued { shard: owner, .. }) = slots.first() else {
            return None;
        };
        // Not inside EXEC: its replies become one array the connection writes.
        let plain = self.tx.is_none()
            && !self.multi.executing()
            && self.multi.unit.is_none()
            && self.reply_mode == ReplyMode::On
            && !self.close_after_reply
            && !self.is_master
            && self.io.is_some();
        let one_owner = slots
            .iter()
            .all(|s| matches!(s, Slot::Queued { shard, .. } if shard == owner));
        (plain && one_owner).then_some(*owner)
    }

    /// Sends every queued per-shard batch (one message per shard), waits for all of them,
    /// and points their slots at the results.
    async fn flush(
        &mut self,
        queued: &mut [Vec<BatchItem>],
        slots: &mut [Slot],
        chunks: &mut Vec<Chunk>,
    ) {
        let mut waiting = Vec::new();
        let tx = self.tx.as_ref().map(|h| h.id);
        // Inside EXEC the records come back (the transaction holds the keys' locks), or,
        // with no locks (every command on that one shard), are one record appended there.
        let capture = match (&self.multi.unit, tx) {
            (None, _) => Capture::Off,
            (Some(_), Some(_)) => Capture::Return { own_as_flag: false },
            (Some(_), None) => Capture::Record,
        };
        let wrote = queued
            .iter()
            .flatten()
            .any(|item| item.spec.flags & flag::WRITE != 0);
        for (owner, items) in queued.iter_mut().enumerate() {
            if items.is_empty() {
                continue;
            }
            let items = std::mem::take(items);
            waiting.push((
                owner,
                self.shard
                    .send_batch(owner, items, self.resp3, tx, capture)
                    .await,
            ));
        }
        if waiting.is_empty() {
            return;
        }
        let mut chunk_of = vec![usize::MAX; self.shard.nshards];
        for (owner, rx) in waiting {
            if let ReplyPayload::Batch { buf, ends, repl } = rx.await {
                self.join_unit(repl);
                chunk_of[owner] = chunks.len();
                chunks.push(Chunk { buf, ends });
            }
        }
        if wrote {
            self.note_write();
        }
        for slot in slots.iter_mut() {
            if let Slot::Queued { shard, item } = *slot {
                *slot = Slot::Remote {
                    chunk: chunk_of[shard],
                    item,
                };
            }
        }
    }

    /// Takes the locks a multi-shard command needs ([`txn::plan`]) unless it runs inside
    /// a transaction already or touches only this shard while no locks are in play
    /// (then it runs without suspending between its steps: nothing can interleave).
    async fn lock_for(&mut self, spec: &'static CommandSpec, args: &[Bytes]) {
        if self.tx.is_some() || spec.flags & (flag::WRITE | flag::READONLY) == 0 {
            return;
        }
        let shard = &self.shard;
        let databases = shard.config().databases;
        let parts = txn::plan(spec, args, self.db, shard.nshards, databases);
        let local_only = parts.iter().all(|(s, _)| *s == shard.id);
        if parts.is_empty() || (local_only && shard.txn.is_idle()) {
            return;
        }
        self.tx = Some(txn::acquire(shard, parts).await);
    }

    /// Releases the locks [`Client::lock_for`] took (not a transaction's of EXEC).
    pub async fn unlock_own(&mut self) {
        if self.tx.as_ref().is_some_and(|h| !h.for_exec) {
            let held = self.tx.take().expect("checked");
            txn::release(&self.shard, held).await;
        }
    }

    /// Runs a multi-key command whose keys live on several shards as one part per shard
    /// (the same command with that shard's keys), then combines the parts' replies.
    ///
    /// This is the one place multi-key commands are split. Outside a transaction each part
    /// takes its shard's locks in the same message (shard order), so the whole is atomic.
    async fn run_split(
        &mut self,
        spec: &'static CommandSpec,
        f: ShardFn,
        combine: Combine,
        args: Vec<Bytes>,
    ) {
        let n = self.shard.nshards;
        let step = spec.keys.step.max(1) as usize;
        let positions: Vec<usize> = spec.keys.positions(args.len()).collect();
        if positions.last().is_some_and(|&p| p + step > args.len()) {
            // A key without its value (MSET a 1 b): Redis rejects the whole command before
            // touching any key, so no part may run.
            return self.reply().error(&errors::arity(spec.name));
        }
        // Per shard: the part's arguments and the original key index of each of its keys.
        let mut parts: Vec<(Vec<Bytes>, Vec<usize>)> = (0..n)
            .map(|_| (vec![args[0].clone()], Vec::new()))
            .collect();
        for (key_index, &p) in positions.iter().enumerate() {
            let owner = key_shard(&args[p], n);
            let part = &mut parts[owner];
            part.0
                .extend(args[p..(p + step).min(args.len())].iter().cloned());
            part.1.push(key_index);
        }
        let mut results: Vec<(Vec<usize>, Vec<u8>)> = Vec::new();
        let mut waiting = Vec::new();
        // Outside a transaction the parts lock their keys themselves, shard by shard in
        // increasing order, each lock taken and its part run in one message; the last
        // shard lets go at once, the others once every part ran (see server::txn).
        let own_tx = match &self.tx {
            Some(held) => Err(held.id),
            None => Ok(self.shard.txn.new_tx(self.shard.id)),
        };
        let last = parts.iter().rposition(|(_, k)| !k.is_empty());
        let mut locked = Vec::new();
        // Replication: each part returns the keys it found expired and whether it
        // changed anything; the whole command is logged once, as the client sent it
        // (Redis propagates MSET/DEL/UNLINK verbatim), before any lock is released.
        let capture = Capture::Return { own_as_flag: true };
        let mut side = Ops::default();
        let mut own = false;
        let mut expired: Vec<Box<[u8]>> = Vec::new();
        let mut gather = |repl: Option<Box<Captured>>| {
            if let Some(r) = repl {
                side.extend(&r.ops);
                expired.extend(r.expired);
                own |= r.own;
                r.held
            } else {
                false
            }
        };
        for (owner, (part_args, key_indexes)) in parts.into_iter().enumerate() {
            if key_indexes.is_empty() {
                continue;
            }
            let release = Some(owner) == last;
            if owner == self.shard.id {
                if let Ok(tx) = own_tx {
                    let set = txn::command_set(spec, &part_args, self.db);
                    txn::acquire_here(&self.shard, tx, set).await;
                }
                let mut buf = BytesMut::new();
                let part = crate::metrics::part_spec(spec);
                self.shard.capture_begin(true);
                self.shard.exec(
                    part,
                    f,
                    self.db,
                    &part_args,
                    &mut buf,
                    self.resp3,
                    unix_ms(),
                );
                let repl = self.shard.capture_end();
                let logged = repl.is_some();
                gather(repl);
                results.push((key_indexes, buf.to_vec()));
                if let Ok(tx) = own_tx {
                    if release && !logged {
                        txn::unlock(&self.shard, tx);
                    } else {
                        locked.push(owner);
                    }
                }
            } else {
                let item = BatchItem {
                    spec: crate::metrics::part_spec(spec),
                    run: f,
                    db: self.db as u16,
                    args: part_args,
                };
                match own_tx {
                    Ok(tx) => {
                        let rx = self
                            .shard
                            .lock_batch(owner, tx, vec![item], self.resp3, release, capture)
                            .await;
                        // Granted (and run) before the next shard is asked: shard order.
                        let mut held = !release;
                        if let ReplyPayload::Batch { buf, repl, .. } = rx.await {
                            held |= gather(repl);
                            results.push((key_indexes, buf.to_vec()));
                        }
                        if held {
                            locked.push(owner);
                        }
                    }
                    Err(tx) => {
                        let rx = self
                            .shard
                            .send_batch(owner, vec![item], self.resp3, Some(tx), capture)
                            .await;
                        waiting.push((key_indexes, rx));
                    }
                }
            }
        }
        for (key_indexes, rx) in waiting {
            if let ReplyPayload::Batch { buf, repl, .. } = rx.await {
                gather(repl);
                results.push((key_indexes, buf.to_vec()));
            }
        }
        let mut record = Ops::default();
        for &p in &positions {
            // The expired keys' DELs first, in key order (where Redis's lookups find them).
            if let Some(i) = expired.iter().position(|k| k[..] == args[p][..]) {
                record.push(self.db, &[&b"DEL"[..], &expired.swap_remove(i)]);
            }
        }
        record.extend(&side);
        if own {
            record.push(self.db, &args);
        }
        let side = record;
        if self.multi.unit.is_some() {
            self.join_ops(&side);
        } else {
            self.shard.append_ops(&side);
        }
        if let Ok(tx) = own_tx {
            for owner in locked {
                if owner == self.shard.id {
                    txn::unlock(&self.shard, tx);
                } else {
                    self.shard.unlock_remote(owner, tx).await;
                }
            }
        }
        combine_parts(combine, positions.len(), &results, &mut self.reply());
    }
}

impl Client {
    /// Adds records a shard captured to the running EXEC's.
    pub(crate) fn join_unit(&mut self, repl: Option<Box<Captured>>) {
        if let Some(r) = repl {
            self.join_ops(&r.ops);
        }
    }

    /// Adds `ops` to the running EXEC's records.
    pub(crate) fn join_ops(&mut self, ops: &Ops) {
        if let Some(unit) = self.multi.unit.as_mut() {
            unit.extend(ops);
        }
    }

    /// Propagates a coordinator write command that ran and wrote its reply from `start`:
    /// verbatim (cross-shard RENAME, SMOVE, LMOVE, MSETNX, the STORE commands, MOVE, COPY,
    /// FLUSHALL, SWAPDB... are what Redis propagates as is), unless it failed or its
    /// reply says it changed nothing. Blocking pops are not: their shards log the pop
    /// they ran (`LPOP k`, `LMOVE ...`: what Redis propagates for them), nor LMPOP and
    /// ZMPOP (logged by the shard that pops, as `LPOP k n` / `ZPOPMIN k n`).
    fn propagate_coord(&mut self, spec: &'static CommandSpec, args: &[Bytes], start: usize) {
        let reply = &self.out[start.min(self.out.len())..];
        let self_logged =
            spec.flags & flag::BLOCKING != 0 || matches!(spec.name, "lmpop" | "zmpop");
        if reply.first() == Some(&b'-') || self_logged || self.multi.unchanged {
            return;
        }
        let zero = reply == b":0\r\n";
        let null = matches!(reply, b"$-1\r\n" | b"*-1\r\n" | b"_\r\n");
        let unchanged = match spec.name {
            "smove" | "msetnx" | "renamenx" | "move" | "copy" => zero,
            "lmove" | "rpoplpush" => null,
            _ => false,
        };
        if unchanged {
            return;
        }
        // Changes since the last save (shard commands count in exec).
        self.shard.global.persist.bump_dirty(self.shard.id);
        if self.multi.unit.is_some() {
            let mut ops = Ops::default();
            ops.push(self.db, args);
            self.join_ops(&ops);
        } else {
            self.shard.log_record(self.db, args);
        }
    }
}

/// Combines per-shard part replies into the reply of the whole command.
fn combine_parts(
    combine: Combine,
    nkeys: usize,
    parts: &[(Vec<usize>, Vec<u8>)],
    out: &mut crate::protocol::Reply,
) {
    if let Some((_, err)) = parts.iter().find(|(_, r)| r.first() == Some(&b'-')) {
        out.raw(err);
        return;
    }
    match combine {
        Combine::SumIntegers => {
            let total: i64 = parts
                .iter()
                .filter_map(|(_, r)| {
                    let s = std::str::from_utf8(r.get(1..r.len().saturating_sub(2))?).ok()?;
                    s.parse::<i64>().ok()
                })
                .sum();
            out.int(total);
        }
        Combine::AllOk => out.ok(),
        Combine::ArrayInKeyOrder => {
            let mut items: Vec<&[u8]> = vec![&[]; nkeys];
            for (key_indexes, reply) in parts {
                // Skip the part's array header, then take one element per key.
                let header = reply
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(reply.len(), |i| i + 1);
                let mut pos = header;
                for &k in key_indexes {
                    let len = value_len(&reply[pos..]).unwrap_or(reply.len() - pos);
                    items[k] = &reply[pos..pos + len];
                    pos += len;
                }
            }
            out.array(nkeys);
            for item in items {
                out.raw(item);
            }
        }
    }
}
