//! The replica side: following a master (a real `redis-server` 7.0 or another shardis)
//! with `REPLICAOF host port`.
//!
//! ```text
//!  REPLICAOF ──> ReplicaSide (this file: the role, the link's state, the offsets)
//!  link task (link.rs, on shard 0, a client of the master like any connection):
//!     connect ─ PING ─ AUTH ─ REPLCONF listening-port/capa ─ PSYNC
//!     +FULLRESYNC: receive the RDB ($len or $EOF:mark), flush, load by slot (load.rs)
//!     +CONTINUE:   keep the data, rotate ids if the master's changed
//!     stream: apply.rs runs the master's commands as its "master client" through the
//!             batch machinery (one message per shard per batch, MULTI atomic), then
//!             appends their bytes verbatim to our own log (same replid, same offsets)
//!     REPLCONF ACK <applied> every second and on GETACK
//! ```
//!
//! Invariants:
//! - While this server is a replica, our replication log holds exactly the master's
//!   stream bytes we applied, in order: its offset is `slave_repl_offset`, and our
//!   sub-replicas get a byte-identical stream. Nothing else is appended: local writes
//!   (a writable replica), expiry and the core's PING/GETACK are not propagated.
//! - A command's effect and its bytes in our log are atomic with respect to a snapshot
//!   cut ([`ApplyGate`]): a cut taken on a replica sees every applied command's bytes and
//!   no half transaction, so a sub-replica's full sync at that offset is exact.

pub mod apply;
pub mod link;
pub mod transfer;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The link's state, with ROLE's names for it (`slave` reply, 4th element).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Not a replica.
    None,
    /// About to connect (retries about once a second).
    Connect,
    /// The TCP connection is being set up.
    Connecting,
    /// PING, AUTH, REPLCONF, PSYNC.
    Handshake,
    /// Receiving or loading the RDB.
    Sync,
    /// Streaming.
    Connected,
}

impl LinkState {
    /// ROLE's name for it.
    pub fn name(self) -> &'static str {
        match self {
            LinkState::None => "none",
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Sync => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// The master this server follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterAddr {
    pub host: String,
    pub port: u16,
}

/// A full sync's transfer, for INFO's `master_sync_*` fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    /// The RDB's size, or -1 when it is EOF-framed (unknown until the end).
    pub total_bytes: i64,
    pub read_bytes: u64,
    pub last_io_unix_ms: u64,
}

/// Everything INFO/ROLE show about the link, behind one mutex (read a few times a
/// second at most).
#[derive(Clone, Debug)]
pub struct LinkInfo {
    pub master: Option<MasterAddr>,
    pub state: LinkState,
    /// Unix ms of the last byte from the master (`master_last_io_seconds_ago`).
    pub last_io_unix_ms: u64,
    /// Unix ms the link went down; `None` if it was never up
    /// (`master_link_down_since_seconds` -1).
    pub down_since_unix_ms: Option<u64>,
    /// While an RDB transfer runs (`master_sync_in_progress:1`).
    pub transfer: Option<Transfer>,
    /// The master we can PSYNC with: its replid and the offset of the last byte we
    /// applied (`PSYNC <replid> <offset+1>`). Set after a sync, kept across link cuts,
    /// restored from our own RDB at start-up (`repl-id`/`repl-offset`).
    pub cached: Option<(String, u64)>,
}

/// The replica role's shared state (`Global::replica`).
pub struct ReplicaSide {
    /// This server follows a master: writes get `-READONLY` (with `replica-read-only`),
    /// keys are not expired by us, our own writes are not propagated. One relaxed load on
    /// the hot path.
    pub is_replica: AtomicBool,
    /// The link is up and streaming (`master_link_status:up`); `-MASTERDOWN` otherwise
    /// when `replica-serve-stale-data` is no.
    pub link_up: AtomicBool,
    /// `slave_repl_offset`: the last byte of the last fully applied command.
    pub applied_offset: AtomicU64,
    /// `slave_read_repl_offset`: the last byte read from the master.
    pub read_offset: AtomicU64,
    /// The master stream's selected db after the last applied command (the RDB aux
    /// `repl-stream-db` of a snapshot cut on a replica).
    pub stream_db: AtomicUsize,
    /// Bumped by every REPLICAOF: a link task whose generation is old stops.
    pub generation: AtomicU64,
    pub gate: ApplyGate,
    pub info: Mutex<LinkInfo>,
}

impl ReplicaSide {
    pub fn new() -> ReplicaSide {
        ReplicaSide {
            is_replica: AtomicBool::new(false),
            link_up: AtomicBool::new(false),
            applied_offset: AtomicU64::new(0),
            read_offset: AtomicU64::new(0),
            stream_db: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            gate: ApplyGate::default(),
            info: Mutex::new(LinkInfo {
                master: None,
                state: LinkState::None,
                last_io_unix_ms: 0,
                down_since_unix_ms: None,
                transfer: None,
                cached: None,
            }),
        }
    }

    /// A copy of the link's state.
    pub fn info(&self) -> LinkInfo {
        self.info.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the link's state under its lock.
    pub fn update(&self, f: impl FnOnce(&mut LinkInfo)) {
        f(&mut self.info.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether this server is a replica (hot path).
    #[inline]
    pub fn is_replica(&self) -> bool {
        self.is_replica.load(Ordering::Relaxed)
    }
}

impl Default for ReplicaSide {
    fn default() -> Self {
        ReplicaSide::new()
    }
}

/// A cross-thread gate between the applier (which applies a batch of the master's
/// commands, then appends their bytes) and a snapshot cut on a replica (which must see
/// both or neither). Whoever holds it excludes the other; both wait for it with a short
/// sleep, which never blocks an executor. Uncontended it costs one compare-and-swap per
/// applied batch.
#[derive(Default)]
pub struct ApplyGate {
    held: AtomicBool,
}

impl ApplyGate {
    /// Waits for the gate and holds it until the guard drops.
    pub async fn hold(&self) -> GateGuard<'_> {
        while self
            .held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            glommio::timer::sleep(Duration::from_micros(200)).await;
        }
        GateGuard(self)
    }
}

pub struct GateGuard<'a>(&'a ApplyGate);

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        self.0.held.store(false, Ordering::Release);
    }
}

impl crate::replication::state::MasterState {
    /// Flags every connected replica for disconnection (they reconnect and PSYNC, and
    /// learn our new replid or get a full sync).
    pub fn drop_all_replicas(&self) -> usize {
        let ids: Vec<u64> = self.replicas().iter().map(|r| r.client_id).collect();
        self.kill_clients(&ids)
    }
}

/// `REPLICAOF host port`: follow `master` from now on. The link task on shard 0 sees the
/// new generation and (re)connects; our own replicas stay (they may continue with us).
/// Returns false when we already follow exactly that master.
pub fn follow(g: &crate::server::Global, master: MasterAddr) -> bool {
    let r = &g.replica;
    let was_master = !r.is_replica();
    let same = r
        .info()
        .master
        .is_some_and(|m| m.port == master.port && m.host.eq_ignore_ascii_case(&master.host));
    if same {
        return false;
    }
    r.update(|i| {
        if was_master {
            // Redis's replicationCacheMasterUsingMyself: a demoted master can PSYNC with
            // its own history (the new master may be a replica it had).
            let ids = g.repl.ids();
            i.cached = Some((ids.replid, g.repl_log.offset()));
        }
        i.master = Some(master);
        i.state = LinkState::Connect;
        i.transfer = None;
    });
    // `link_up` stays as it is: the old link's task sees the new generation, stops after
    // its last applied batch, and only then caches that master with the exact offset
    // (`link::link_down`), so we can PSYNC with our new master from there.
    r.is_replica.store(true, Ordering::Release);
    r.generation.fetch_add(1, Ordering::AcqRel);
    true
}

/// `REPLICAOF NO ONE`: stop following, keep the data, and shift ids as Redis's
/// `shiftReplicationId` does so that siblings re-pointed at us continue with
/// `+CONTINUE` (PSYNC with the old id up to `second_repl_offset`). Our replicas are
/// dropped to learn the new id. Returns false when we were not a replica.
pub fn promote(g: &crate::server::Global) -> bool {
    let r = &g.replica;
    if !r.is_replica() {
        return false;
    }
    r.generation.fetch_add(1, Ordering::AcqRel);
    r.is_replica.store(false, Ordering::Release);
    r.link_up.store(false, Ordering::Release);
    let offset = g.repl_log.offset();
    {
        let mut ids = g.repl.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.replid2 = std::mem::replace(&mut ids.replid, crate::replication::state::new_replid());
        ids.second_repl_offset = offset as i64 + 1;
    }
    // Our first own record starts with SELECT (Redis resets `slaveseldb`).
    g.repl_log.forget_db();
    r.update(|i| {
        i.master = None;
        i.state = LinkState::None;
        i.transfer = None;
        i.cached = None;
    });
    g.repl.drop_all_replicas();
    true
}
