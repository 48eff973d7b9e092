//! A connection becoming a replica: what REPLCONF announced, what SYNC/PSYNC decided,
//! and the handoff of the socket from its shard to the replication core.
//!
//! ```text
//!  shard: REPLCONF ... (Session.conf)   SYNC/PSYNC: decide, Session.start = Some(..)
//!  conn.rs: writes pending replies, deregisters the fd from the shard's epoll, dup()s
//!           it, drops its own stream without shutdown, sends Handoff ──bounded──> core
//!  core: owns the fd from then on (replies +FULLRESYNC/+CONTINUE itself)
//! ```

use std::net::SocketAddr;
use std::os::fd::OwnedFd;

/// What the connection announced with REPLCONF before SYNC/PSYNC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplConf {
    /// `listening-port` (0 when never announced).
    pub listening_port: i64,
    /// `ip-address`.
    pub ip: Option<String>,
    /// `capa eof`: can read an EOF-marked diskless RDB.
    pub capa_eof: bool,
    /// `capa psync2`: understands `+CONTINUE <replid>`.
    pub capa_psync2: bool,
    /// `rdb-only 1`: close after the RDB (redis-cli --rdb).
    pub rdb_only: bool,
}

/// How the core starts with the replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// `+CONTINUE`, then the log from `from` (the first byte the replica lacks).
    Partial { from: u64 },
    /// A full sync; `plain` for the old `SYNC` (no `+FULLRESYNC` line, no ACKs).
    Full { plain: bool },
}

/// A connection's replication session while it is still on its shard.
#[derive(Debug, Default)]
pub struct Session {
    pub conf: ReplConf,
    /// Set by SYNC/PSYNC: the connection leaves the shard after its pending replies.
    pub start: Option<Start>,
}

/// A socket handed to the replication core.
#[derive(Debug)]
pub struct Handoff {
    pub fd: OwnedFd,
    /// Input the shard had read but not parsed (a pipelined REPLCONF ACK...).
    pub input: Vec<u8>,
    pub client_id: u64,
    pub peer: SocketAddr,
    pub conf: ReplConf,
    pub start: Start,
}

/// Takes a socket out of its shard: a duplicate of `fd` that the caller's stream does not
/// own, so dropping the stream (without `close()`, which would shut the socket down)
/// leaves the connection open for the core.
pub fn detach_fd(fd: std::os::fd::RawFd) -> std::io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: dup of a descriptor we own; the copy is owned by the returned OwnedFd.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if copy < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `copy` is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}
