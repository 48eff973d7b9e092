//! shardis: a Redis-compatible in-memory data server for Linux, thread-per-core.
//!
//! # Code map
//!
//! - [`server`]: one glommio executor per shard, pinned to a core (released while another
//!   program keeps that core busy, [`server::affinity`]). Every shard listens on
//!   the port (SO_REUSEPORT) and owns the connections the kernel hands it. A connection's
//!   shard is the *coordinator* of its commands: [`server::batch`] runs the commands of one
//!   socket read as a batch — local keys inline, remote keys in one message per owner shard
//!   — and writes the replies in request order. Plain remote batches wait in the shard's
//!   outbox until the end of the scheduler round, so the batches of every connection
//!   served in one round travel to a peer as one message, answered by one reply. A read
//!   whose commands all live on one other shard is answered by that shard straight onto
//!   the client's socket ([`server::direct`]): one shard wakeup per request, not two.
//!   [`server::shard`] holds a shard's state and the two channel meshes (requests,
//!   replies) between shards. [`server::slot`] maps keys to shards (Redis Cluster's
//!   CRC16 slots with hash tags). [`server::io`]: client sockets
//!   are read and written with plain `recv`/`send`, their readiness collected by one
//!   edge-triggered epoll per shard; glommio's io_uring poll is armed only when a shard has
//!   nothing ready (glommio's own stream arms one per read, which cost an interrupt per
//!   request in this VM).
//! - Multi-key commands whose keys span shards run in one of two places, both built on
//!   `ShardCtx::run_on`/`fanout`: [`server::batch`]'s `run_split` (per-shard parts of
//!   MGET/MSET/DEL/EXISTS/TOUCH/UNLINK, combined) and the coordinator functions of
//!   `Run::ShardOr`/`Run::Coord` commands (RENAME, COPY, MSETNX, LCS, LMOVE, LMPOP, SMOVE,
//!   the set and sorted-set algebra with its STORE forms, FLUSHDB/FLUSHALL/SWAPDB). The
//!   collection algebra reads its sources through [`commands::gather`]: copies of the
//!   values, one message per shard, computed at the coordinator, stored at the
//!   destination's shard.
//! - [`server::txn`] makes them atomic: per-shard intent locks (shared for reads,
//!   exclusive for writes, whole databases for FLUSH*/SWAPDB), taken shard by shard in
//!   increasing order, one message per shard, held until the command is done. `run_split`
//!   takes each shard's locks and runs its part in the same message; coordinator
//!   functions run between an acquire and a release, their messages carrying the
//!   transaction id so they pass its locks. Every other command checks its keys against
//!   its shard's locks, which costs one `Cell` read while no locks are in play; the
//!   module doc argues why there is no torn read, deadlock or starvation.
//! - Transactions ([`server::multi`], [`commands::multi`]): a client in MULTI queues its
//!   commands at its coordinator; EXEC runs them under the locks of all their keys (and of
//!   the watched ones), or, when they are plain commands and nothing is watched, as one
//!   lock-and-run message per shard. WATCH registers the key on its owner shard
//!   ([`storage::watch`]); every write, expiry, flush or swap of it marks the client's
//!   shared dirty flag.
//! - Blocking pops ([`server::blocking`]): BLPOP and friends run at the coordinator. Each
//!   key's owner shard either pops at once or registers a waiter, atomically on that
//!   shard; a waiter is served in FIFO order when its key is created (`Db::insert` marks
//!   it ready; the shard serves ready keys after each command). A blocked client waiting on
//!   several shards has one shared claim flag: whoever pops for it (a shard, or the
//!   coordinator on timeout, disconnect or CLIENT UNBLOCK) must win the flag first, so an
//!   element is never popped twice or lost.
//! - [`protocol`]: RESP2/RESP3 request parsing (incremental, zero-copy) and reply encoding.
//!   Pure: bytes in, values out.
//! - [`commands`]: the command table (metadata is data: name, arity, flags, key positions,
//!   how it runs) and one module per family. A command body runs either on the shard that
//!   owns its keys (`ShardFn`, synchronous, touches only that shard) or at the coordinator
//!   (`CoordFn`, async, may fan out to every shard).
//! - [`storage`]: the per-shard keyspace. A table per database, built from small
//!   open-addressing segments that split as they fill (extendible hashing); entries are one
//!   heap block each (key, TTL, value) behind a thin pointer. Cursors over the hash space
//!   survive growth, for SCAN, the active expiry walk and the snapshot walk to come.
//!   The same table (`Table<E: Keyed>`) holds the elements of big hashes, sets and sorted
//!   sets, so HSCAN/SSCAN/ZSCAN cursors survive growth too. Small collections live in a
//!   [`storage::pack::Pack`] (the listpack role: one buffer, no per-element allocation)
//!   and convert to their full encoding at redis.conf's thresholds, never back; commands
//!   reach them through [`commands::typed`] (lookup + WRONGTYPE check).
//! - [`rdb`]: Redis's RDB format, version 10 (Redis 7.0), as a pure codec over bytes. The
//!   writer appends entries in the encodings Redis 7.0 writes (real listpack and intset
//!   images for compact objects, so OBJECT ENCODING survives a round trip) and frames
//!   headerless per-shard fragments into one file; the reader is hardened (every length
//!   checked against what remains, errors name the byte offset, never a panic) and also
//!   reads the older encodings (ziplist, zipmap, quicklist v1, text scores). DUMP and
//!   RESTORE ([`commands::dump`]), snapshots and replication's full sync use it.
//! - [`snapshot`]: point-in-time snapshots without fork. The cut takes whole-database
//!   locks on every shard through [`server::txn`] (so every cross-shard command is
//!   entirely before or after it), shard by shard, and each shard installs a
//!   copy-on-write state on every database in the message that grants its locks (the last
//!   one also reads the log offset and lets go at once: one round trip of hold in all);
//!   each shard then walks its tables with the segment cursor in a low-priority task
//!   queue, in steps of at most 32 KiB of output (a step may stop inside a segment, at a
//!   position), and every write to an entry the walk has not reached serializes its old
//!   value first ([`storage::snapshot_hook`]). Fragments go through one bounded queue to one
//!   writer thread and its framer (the RDB codec's): extra memory is what is in flight,
//!   and no write waits for more than its own entry's serialization.
//! - [`server::persist`]: SAVE, BGSAVE, save points, the final save of a shutdown and
//!   DEBUG RELOAD write `dir/dbfilename` through a [`snapshot`] whose framer
//!   ([`snapshot::RdbFile`]) writes a temp file, fsyncs and renames it; start-up loading
//!   decodes the whole file first (nothing installed unless all of it decodes) while
//!   clients get `-LOADING`, then each shard inserts its own keys.
//! - [`replication`]: the master side of Redis's replication protocol.
//!   [`replication::log`] is one process-wide ring (the backlog too) that every shard
//!   appends its writes to, lock-free: one compare-and-swap reserves a record's bytes and
//!   decides its `SELECT`. Writes reach it as Redis 7.0 propagates them
//!   ([`commands::propagate`]: deterministic rewrites, no record when nothing changed,
//!   expired keys as `DEL`); a cross-shard write or an EXEC is one `MULTI ... EXEC`
//!   record appended by its coordinator before it releases its locks. SYNC/PSYNC hand the
//!   connection to the replication core (its own executor), which runs full syncs from a
//!   [`snapshot`] cut at an exact log offset, partial resyncs from the ring, and streams
//!   the log to each replica (a replica the ring would lap, during its full sync or
//!   while lagging, has its bytes copied out first, under its output buffer limits, as
//!   Redis keeps them in the replica's output buffer); INFO replication, ROLE, WAIT and
//!   `min-replicas-*` read [`replication::state`]. The replica side ([`replication::replica`]): REPLICAOF
//!   starts a link task on shard 0, a client of the master like any connection: it runs
//!   Redis's handshake and PSYNC, loads a full sync's RDB while it arrives (a decoder
//!   thread turns bytes into entries, batched by owner shard), and applies the stream as
//!   a "master client" through the batch machinery, appending the master's bytes to our
//!   own log verbatim so our replid, offsets and sub-replicas' stream are the master's.
//!   (DESIGN.md has the replication core run the link; on a shard it saves a hop per
//!   batch and reuses the routing, the locks and MULTI.)
//! - [`config`]: redis.conf-syntax configuration, the options shardis implements, and the
//!   names of Redis's other options (accepted with a warning).
//! - [`metrics`]: per-command statistics (calls, time, rejections, failures, an
//!   HdrHistogram of service time), error counts, the slow log and the latency monitor.
//!   Each shard records in its own cells (no lock, no message per command); INFO,
//!   LATENCY and SLOWLOG fan out and merge.
//!
//! # Invariants
//!
//! - Only the owning shard's thread touches a shard's keyspace (`ShardCtx::keyspace` is a
//!   `RefCell` inside an `Rc`; it cannot cross threads). Other shards reach it by message.
//! - Cross-shard work is one message per shard per batch, never one per command, and every
//!   queue between shards is bounded.
//! - A `RefCell` borrow of shard state is never held across an `.await`.
//! - Replies leave a connection in request order, whatever shards produced them. While a
//!   direct reply is in flight, its connection runs nothing, writes nothing and closes
//!   nothing before it is settled; the owner shard touches only the socket's bytes.
//! - While a replica, nothing but the master's applied bytes enters the replication log,
//!   and a snapshot cut takes the apply gate, so it never falls between a master
//!   command's effect and its bytes, nor inside a master's MULTI.
//! - RESP parsing knows nothing of shards; command bodies know nothing of sockets.
//! - Every deletion by expiry passes through `Db::expired_log`, which the shard drains
//!   into the replication log as `DEL`s. A replica expires nothing by itself
//!   (`storage::Expiry`): reads hide expired keys, its master's writes see them, and only
//!   the master's `DEL` removes them.
//! - Long low-priority work on a shard (a snapshot walk) lets glommio's reactor run every
//!   few tens of µs while the shard serves clients: glommio polls sockets, cross-shard
//!   messages and timers only when every task queue is idle, never to preempt.
//! - The records of one key reach the replication log in the order its writes were
//!   applied: a shard appends its own commands' records before their replies; a
//!   cross-shard record is appended before any of its locks is released. No shard ever
//!   waits for a replica.
//! - A command that touches keys of several shards runs under [`server::txn`] locks on
//!   all of them; it takes them in increasing shard order, never waits for a lock while
//!   holding a later shard's, and never blocks (BLPOP) while holding any. A shard's
//!   request loop never waits for a lock (waiting work is parked as a task or a queued
//!   grant), so lock releases are always processed.
//! - No empty collection is ever stored: a command that removes the last element deletes
//!   the key, as Redis does.

pub mod commands;
pub mod config;
pub mod metrics;
pub mod protocol;
pub mod rdb;
pub mod replication;
pub mod server;
pub mod snapshot;
pub mod storage;
