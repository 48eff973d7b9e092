//! The master side's shared state: the replication ids (PSYNC2), the sync counters, and
//! one entry per connected replica. Written by the replication core; read by INFO, ROLE,
//! WAIT and the `min-replicas-*` check on the shards. Everything here is small and
//! touched a few times per second (or per WAIT), so plain mutexes and atomics do.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// `replid` / `replid2` and `second_repl_offset` (reference §1.1, §1.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    /// 40 lowercase hex characters.
    pub replid: String,
    /// 40 `'0'` when there is no previous history.
    pub replid2: String,
    /// -1 when there is no previous history.
    pub second_repl_offset: i64,
}

impl Ids {
    pub fn fresh() -> Ids {
        Ids {
            replid: new_replid(),
            replid2: "0".repeat(40),
            second_repl_offset: -1,
        }
    }
}

/// Where a replica is in Redis's master-side state machine (INFO `state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Waiting for a snapshot to start (`wait_bgsave`).
    WaitBgsave,
    /// Receiving the RDB (`send_bulk`).
    SendBulk,
    /// Streaming the log (`online`).
    Online,
}

impl ReplicaState {
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsave => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }
}

/// One connected replica, as INFO/ROLE/WAIT see it.
#[derive(Debug)]
pub struct Replica {
    /// The client id it had when it sent SYNC/PSYNC (CLIENT LIST / KILL).
    pub client_id: u64,
    pub ip: String,
    /// `REPLCONF listening-port` (0 if never announced).
    pub port: u16,
    pub state: Mutex<ReplicaState>,
    /// The last `REPLCONF ACK` offset.
    pub ack_offset: AtomicU64,
    /// Unix ms of the last ACK or newline (lag, `min-replicas-max-lag`, `repl-timeout`).
    pub ack_unix_ms: AtomicU64,
    /// Set by CLIENT KILL (or a shutdown); the core drops the link when it sees it.
    pub kill: AtomicBool,
}

impl Replica {
    pub fn state(&self) -> ReplicaState {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything about the master role that outlives one replica link.
pub struct MasterState {
    pub ids: Mutex<Ids>,
    pub replicas: Mutex<Vec<Arc<Replica>>>,
    pub sync_full: AtomicU64,
    pub sync_partial_ok: AtomicU64,
    pub sync_partial_err: AtomicU64,
    pub total_net_repl_output_bytes: AtomicU64,
    pub total_net_repl_input_bytes: AtomicU64,
    /// Replicas online whose last ACK is within `min-replicas-max-lag`, refreshed by the
    /// core every second (shards compare it with `min-replicas-to-write` on each write).
    pub good_replicas: AtomicUsize,
    /// A client in WAIT needs fresh ACKs: the core appends `REPLCONF GETACK *` once.
    pub getack_wanted: AtomicBool,
    /// `min-replicas-to-write`, or 0 when it or `min-replicas-max-lag` is 0 (the check is
    /// off): the one value a write command reads on the hot path ([`Self::writes_refused`]).
    pub min_to_write: AtomicUsize,
    /// `min-replicas-max-lag`, seconds ([`Self::refresh_good`]).
    pub max_lag_s: AtomicU64,
}

impl MasterState {
    pub fn new() -> MasterState {
        MasterState {
            ids: Mutex::new(Ids::fresh()),
            replicas: Mutex::new(Vec::new()),
            sync_full: AtomicU64::new(0),
            sync_partial_ok: AtomicU64::new(0),
            sync_partial_err: AtomicU64::new(0),
            total_net_repl_output_bytes: AtomicU64::new(0),
            total_net_repl_input_bytes: AtomicU64::new(0),
            good_replicas: AtomicUsize::new(0),
            getack_wanted: AtomicBool::new(false),
            min_to_write: AtomicUsize::new(0),
            max_lag_s: AtomicU64::new(10),
        }
    }

    pub fn ids(&self) -> Ids {
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A snapshot of the connected replicas, in connection order.
    pub fn replicas(&self) -> Vec<Arc<Replica>> {
        self.replicas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replicas online with an ACK at or past `offset` (WAIT).
    pub fn acked(&self, offset: u64) -> usize {
        self.replicas()
            .iter()
            .filter(|r| {
                r.state() == ReplicaState::Online && r.ack_offset.load(Ordering::Acquire) >= offset
            })
            .count()
    }
}

impl MasterState {
    /// Installs `min-replicas-to-write` / `min-replicas-max-lag` (start-up and CONFIG SET)
    /// and recounts the good replicas at once, as Redis's `updateGoodSlaves` does.
    pub fn set_min_replicas(&self, to_write: usize, max_lag_s: u64, now_ms: u64) {
        self.max_lag_s.store(max_lag_s, Ordering::Release);
        let effective = if max_lag_s == 0 { 0 } else { to_write };
        self.min_to_write.store(effective, Ordering::Release);
        self.refresh_good(now_ms);
    }

    /// Recounts `good_replicas` (Redis's `refreshGoodSlavesCount`): replicas online whose
    /// last ACK is at most `min-replicas-max-lag` seconds old (whole seconds, as Redis's
    /// `server.unixtime - repl_ack_time`). Called every second by the replication core's
    /// cron, when a replica goes online or away, and on CONFIG SET.
    pub fn refresh_good(&self, now_ms: u64) {
        let max_lag = self.max_lag_s.load(Ordering::Acquire);
        let now_s = now_ms / 1000;
        let good = self
            .replicas()
            .iter()
            .filter(|r| {
                let ack_s = r.ack_unix_ms.load(Ordering::Acquire) / 1000;
                r.state() == ReplicaState::Online && now_s.saturating_sub(ack_s) <= max_lag
            })
            .count();
        self.good_replicas.store(good, Ordering::Release);
    }

    /// Whether write commands must be refused with `-NOREPLICAS` (Redis's
    /// `checkGoodReplicasStatus` failing). One relaxed load while the check is off.
    #[inline]
    pub fn writes_refused(&self) -> bool {
        let need = self.min_to_write.load(Ordering::Relaxed);
        need != 0 && self.good_replicas.load(Ordering::Relaxed) < need
    }

    /// CLIENT KILL of replica connections: flags every replica whose client id is in
    /// `ids`; the core drops their links. Returns how many were flagged.
    pub fn kill_clients(&self, ids: &[u64]) -> usize {
        let mut n = 0;
        for r in self
            .replicas()
            .iter()
            .filter(|r| ids.contains(&r.client_id))
        {
            r.kill.store(true, Ordering::Release);
            n += 1;
        }
        n
    }
}

impl Default for MasterState {
    fn default() -> Self {
        MasterState::new()
    }
}

/// 40 random lowercase hex characters.
pub fn new_replid() -> String {
    let mut seed = [0u8; 20];
    // SAFETY: getrandom writes at most `len` bytes into the buffer.
    let n = unsafe { libc::getrandom(seed.as_mut_ptr().cast(), seed.len(), 0) };
    if n != seed.len() as isize {
        let t = crate::server::shard::unix_ms() ^ (std::process::id() as u64) << 32;
        for (i, b) in seed.iter_mut().enumerate() {
            *b = (t >> ((i % 8) * 8)) as u8 ^ i as u8;
        }
    }
    seed.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replids_are_40_hex() {
        let a = new_replid();
        assert_eq!(a.len(), 40);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(a, new_replid());
        assert_eq!(Ids::fresh().second_repl_offset, -1);
    }

    fn replica(id: u64, state: ReplicaState, ack_ms: u64) -> Arc<Replica> {
        Arc::new(Replica {
            client_id: id,
            ip: "127.0.0.1".into(),
            port: 6380,
            state: Mutex::new(state),
            ack_offset: AtomicU64::new(100),
            ack_unix_ms: AtomicU64::new(ack_ms),
            kill: AtomicBool::new(false),
        })
    }

    #[test]
    fn good_replicas_and_the_write_guard() {
        let m = MasterState::new();
        assert!(!m.writes_refused());
        m.set_min_replicas(1, 10, 100_000);
        assert!(m.writes_refused(), "no replicas: refused");
        m.set_min_replicas(1, 0, 100_000);
        assert!(!m.writes_refused(), "max-lag 0 turns the check off");
        m.replicas.lock().unwrap().extend([
            replica(5, ReplicaState::Online, 90_000),
            replica(6, ReplicaState::Online, 89_999),
            replica(7, ReplicaState::SendBulk, 100_000),
        ]);
        m.set_min_replicas(1, 10, 100_500);
        assert_eq!(
            m.good_replicas.load(Ordering::Relaxed),
            1,
            "lag 10 s is good, 11 s not"
        );
        assert!(!m.writes_refused());
        m.set_min_replicas(2, 10, 100_500);
        assert!(m.writes_refused());
        assert_eq!(m.acked(100), 2, "only online replicas count");
        assert_eq!(m.kill_clients(&[6, 7, 9]), 2);
        assert!(m.replicas()[1].kill.load(Ordering::Relaxed));
        assert!(!m.replicas()[0].kill.load(Ordering::Relaxed));
    }
}
