//! shardis: a Redis-compatible in-memory data server for Linux, thread-per-core.
//!
//! # Code map
//!
//! - [`server`]: one glommio executor per shard, pinned to a core. Every shard listens on
//!   the port (SO_REUSEPORT) and owns the connections the kernel hands it. A connection's
//!   shard is the *coordinator* of its commands: [`server::batch`] runs the commands of one
//!   socket read as a batch — local keys inline, remote keys in one message per owner shard
//!   — and writes the replies in request order. [`server::shard`] holds a shard's state and
//!   the two channel meshes (requests, replies) between shards. [`server::slot`] maps keys
//!   to shards (Redis Cluster's CRC16 slots with hash tags).
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
//! - Replies leave a connection in request order, whatever shards produced them.
//! - RESP parsing knows nothing of shards; command bodies know nothing of sockets.
//! - Every deletion by expiry passes through `Db::expired_log`: the seam where the
//!   replication log will record a `DEL`.

pub mod commands;
pub mod config;
pub mod metrics;
pub mod protocol;
pub mod server;
pub mod storage;
