//! A connected client: its session state (selected db, protocol, name, auth), and the
//! registry each shard keeps of the clients it owns for CLIENT LIST / KILL / INFO.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::Waker;

use bytes::{Bytes, BytesMut};

use super::shard::ShardCtx;
use crate::protocol::Reply;

/// CLIENT REPLY's modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Suppress the reply of the next command only.
    Skip,
    /// Set by CLIENT REPLY SKIP; becomes `Skip` once that command's reply is done.
    SkipNext,
}

/// What CLIENT LIST shows about a client; owned by the connection's shard.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub id: u64,
    pub addr: String,
    pub laddr: String,
    pub name: Option<Bytes>,
    pub db: usize,
    pub created_ms: u64,
    pub last_interaction_ms: u64,
    pub last_cmd: String,
    pub resp: u8,
    pub no_evict: bool,
    pub shard: usize,
    pub query_buf_bytes: usize,
    /// Extra flags letters for CLIENT LIST (`N` normal).
    pub flags: String,
    /// Commands queued in MULTI, -1 outside (CLIENT LIST `multi=`).
    pub multi: i64,
    /// The client's WATCH dirty flag once it has watched (CLIENT LIST flag `d`).
    pub watch_dirty: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl ClientInfo {
    /// A new connection's info: `flags` is CLIENT LIST's (`N` normal, `M` our master).
    pub fn new(id: u64, peer: SocketAddr, local: SocketAddr, shard: usize, flags: &str) -> Self {
        let now = super::shard::unix_ms();
        ClientInfo {
            id,
            addr: peer.to_string(),
            laddr: local.to_string(),
            name: None,
            db: 0,
            created_ms: now,
            last_interaction_ms: now,
            last_cmd: "NULL".into(),
            resp: 2,
            no_evict: false,
            shard,
            query_buf_bytes: 0,
            flags: flags.into(),
            multi: -1,
            watch_dirty: None,
        }
    }
}

/// The registry's handle on one connection: its info and a way to kill it.
pub struct ClientHandle {
    pub info: RefCell<ClientInfo>,
    killed: Cell<bool>,
    waker: RefCell<Option<Waker>>,
    /// Set while the client waits in a blocking command ([`super::blocking`]).
    pub blocked: RefCell<Option<Rc<super::blocking::Blocked>>>,
}

impl ClientHandle {
    pub fn new(info: ClientInfo) -> Self {
        ClientHandle {
            info: RefCell::new(info),
            killed: Cell::new(false),
            waker: RefCell::new(None),
            blocked: RefCell::new(None),
        }
    }

    /// Marks the connection for closing and wakes its task.
    pub fn kill(&self) {
        self.killed.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    pub fn is_killed(&self) -> bool {
        self.killed.get()
    }

    /// Resolves when [`ClientHandle::kill`] is called.
    pub async fn killed(&self) {
        std::future::poll_fn(|cx| {
            if self.killed.get() {
                std::task::Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        })
        .await
    }
}

/// The clients of one shard, by id (ordered, as CLIENT LIST lists them).
#[derive(Default)]
pub struct ClientRegistry {
    pub clients: BTreeMap<u64, Rc<ClientHandle>>,
}

/// One connection's session, owned by its connection task on its shard (the coordinator
/// of everything this client sends).
pub struct Client {
    pub shard: Rc<ShardCtx>,
    pub id: u64,
    pub db: usize,
    pub resp3: bool,
    pub authenticated: bool,
    pub reply_mode: ReplyMode,
    /// Close the connection once the current replies are written (QUIT, protocol error,
    /// CLIENT KILL of itself).
    pub close_after_reply: bool,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    pub handle: Rc<ClientHandle>,
    /// Where coordinator commands and local shard commands write their replies.
    pub out: BytesMut,
    /// The socket's readiness: a blocked command watches it for the peer hanging up.
    pub io: Option<Rc<super::io::ConnIo>>,
    /// Nanoseconds the current command spent blocked (BLPOP...), which its statistics
    /// leave out as Redis's do: commandstats and the slow log measure work, not waiting.
    pub blocked_ns: u64,
    /// Redis's `woff`: the replication log's offset right after this client's last write
    /// (what WAIT waits for replicas to acknowledge).
    pub woff: u64,
    /// The locks of the cross-shard transaction this client is running, if any: its
    /// commands pass them ([`super::txn`]).
    pub tx: Option<super::txn::Held>,
    /// MULTI/EXEC/WATCH state ([`super::multi`]).
    pub multi: super::multi::MultiState,
    /// REPLCONF state, and the SYNC/PSYNC handoff to the replication core once asked.
    pub repl: Option<Box<crate::replication::handoff::Session>>,
    /// This is our master's link ([`crate::replication::replica`]): its commands pass
    /// `-READONLY`, never see a key as expired, get no replies and are not propagated by
    /// us (the link appends the master's bytes verbatim).
    pub is_master: bool,
    /// A read whose replies its owner shard is writing to the socket ([`super::direct`]):
    /// settled before anything else of this client runs or is written.
    pub in_flight: Option<super::direct::InFlight>,
}

impl Client {
    pub fn reply(&mut self) -> Reply<'_> {
        Reply::new(&mut self.out, self.resp3)
    }

    /// Records that a write of this client was appended to the replication log (WAIT's
    /// `woff`). The log's current offset is at or past the end of that write's record: it
    /// was appended before the write's reply came back. For writes that ran on other
    /// shards (one call per batch or coordinator command); a write that ran on this
    /// shard takes the shard's own last offset instead (no read of the shared log).
    pub fn note_write(&mut self) {
        self.woff = self.shard.global.repl_log.offset();
    }

    /// Whether DEBUG is allowed for this client (`enable-debug-command`).
    pub fn debug_allowed(&self) -> bool {
        match self.shard.config().enable_debug_command.as_str() {
            "yes" => true,
            "local" => self.peer.ip().is_loopback(),
            _ => false,
        }
    }
}
