//! Replication: the log every write is appended to (which is also the backlog), the
//! master side (SYNC/PSYNC, full and partial resync, streaming, WAIT) and the replica
//! side (REPLICAOF). See DESIGN.md, "The replication log" and "After the full sync".
//!
//! - [`log`]: one process-wide ring of `repl-backlog-size` bytes; its byte offset is
//!   `master_repl_offset`. Shards append their own records (lock-free) right after a
//!   write is applied and before its reply leaves; the `SELECT` a record needs is decided
//!   in the same atomic step that reserves its bytes.
//! - [`record`]: RESP encoding of the commands the log holds.
//! - [`state`]: the master role's shared state (ids, counters, connected replicas) that
//!   INFO, ROLE, WAIT and `min-replicas-*` read.
//! - [`handoff`]: REPLCONF's session state and a replica's socket leaving its shard.
//! - [`core`]: the replication core's executor, its main loop and cron (PING, GETACK,
//!   limits, timeouts).
//! - [`master`]: one replica link: FULLRESYNC/CONTINUE, the RDB, the stream, ACKs.
//! - [`fullsync`]: rounds of replicas sharing a snapshot, and the RDB framer for them.
//! - [`config`]: the master and replica roles' options.
//! - [`replica`]: the replica side (REPLICAOF): the link to our master, loading its RDB,
//!   applying its stream.

pub mod config;
pub mod core;
pub mod fullsync;
pub mod handoff;
pub mod log;
pub mod master;
pub mod record;
pub mod replica;
pub mod state;
