//! The link to our master, as Redis 7.0's `connectWithMaster` / `syncWithMaster` /
//! `slaveTryPartialResynchronization` run it: connect, PING, AUTH, REPLCONF
//! listening-port / ip-address / capa, PSYNC; then a full sync ([`super::transfer`]) or
//! a partial one, then the stream ([`super::apply`]).
//!
//! The link is a task on shard 0: a client of the master, as every connection is a task
//! on its shard, so the master's commands reach the shards through the same batch
//! machinery as any pipelined client's (one message per shard per batch, cross-shard
//! commands and MULTI atomic). [`supervise`] keeps it: it reconnects about once a second
//! (Redis's `replicationCron`) and follows REPLICAOF through [`ReplicaSide::generation`].

use std::net::ToSocketAddrs;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use super::{LinkState, MasterAddr, ReplicaSide};
use crate::replication::record::encode_command;
use crate::server::log;
use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::Global;

/// How often an idle supervisor (no master) looks for a REPLICAOF.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// Redis reconnects from its once-a-second cron.
const RETRY: Duration = Duration::from_secs(1);
/// A read waits at most this long, so the link can ACK, notice a REPLICAOF and count
/// `repl-timeout` while the master is quiet.
pub(super) const TICK: Duration = Duration::from_millis(100);
/// Bytes asked of the kernel per read.
const READ_CHUNK: usize = 256 * 1024;

/// Why a link attempt ended.
pub(super) enum LinkEnd {
    /// REPLICAOF changed: not an error.
    Superseded,
    /// Logged, then retried.
    Failed(String),
}

impl From<String> for LinkEnd {
    fn from(s: String) -> LinkEnd {
        LinkEnd::Failed(s)
    }
}

pub(super) type LinkResult<T> = Result<T, LinkEnd>;

/// Shard 0's task that keeps the link to the configured master, if any.
pub async fn supervise(shard: Rc<ShardCtx>) {
    let g = shard.global.clone();
    loop {
        let generation = g.replica.generation.load(Ordering::Acquire);
        let master = g.replica.info().master;
        let Some(master) = master else {
            glommio::timer::sleep(IDLE_POLL).await;
            continue;
        };
        if g.persist.loading.load(Ordering::Acquire) {
            // The start-up load first (it may restore the cached master for PSYNC).
            glommio::timer::sleep(IDLE_POLL).await;
            continue;
        }
        let end = run(&shard, &master, generation).await;
        link_down(&g);
        if let Err(LinkEnd::Failed(why)) = end {
            log::warning(&why);
        }
        let started = Instant::now();
        while started.elapsed() < RETRY
            && g.replica.generation.load(Ordering::Acquire) == generation
        {
            glommio::timer::sleep(TICK).await;
        }
    }
}

/// The link is gone: remember since when (INFO `master_link_down_since_seconds`) and
/// go back to `connect` if we still follow a master.
fn link_down(g: &Global) {
    let was_up = g.replica.link_up.swap(false, Ordering::AcqRel);
    let replica = g.replica.is_replica();
    let replid = g.repl.ids().replid;
    let applied = g.replica.applied_offset.load(Ordering::Acquire);
    g.replica.update(|i| {
        if was_up {
            i.down_since_unix_ms = Some(unix_ms());
            // Redis's replicationCacheMaster: PSYNC from the next byte after a cut.
            i.cached = Some((replid, applied));
        }
        i.transfer = None;
        i.state = if replica {
            LinkState::Connect
        } else {
            LinkState::None
        };
    });
}

/// One attempt: connect, handshake, sync, stream until the link breaks or REPLICAOF
/// changes. `Ok` never happens (the stream only ends with an error or a supersession).
async fn run(shard: &Rc<ShardCtx>, master: &MasterAddr, generation: u64) -> LinkResult<()> {
    let g = &shard.global;
    let mut conn = MasterConn::connect(g, master, generation).await?;
    let resync = conn.handshake(g).await?;
    match resync {
        Resync::Full { replid, offset } => {
            super::transfer::full_sync(shard, &mut conn, replid, offset).await?
        }
        Resync::Partial { replid } => continue_with(g, replid),
    }
    super::apply::stream(shard, &mut conn).await
}

/// What the master answered to PSYNC.
enum Resync {
    Full {
        replid: String,
        offset: u64,
    },
    /// `+CONTINUE [<replid>]`.
    Partial {
        replid: Option<String>,
    },
}

/// `+CONTINUE`: our data and log continue from the cached master; a new replid (the
/// master was promoted, or restarted) moves ours to `replid2` as Redis does, and our
/// sub-replicas are dropped so they learn it.
fn continue_with(g: &Global, new_id: Option<String>) {
    let (cached_id, offset) = g.replica.info().cached.unwrap_or_default();
    log::notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    let mut ids = g.repl.ids.lock().unwrap_or_else(|e| e.into_inner());
    let id = new_id.unwrap_or_else(|| cached_id.clone());
    if id != cached_id {
        log::notice(&format!(
            "Master replication ID changed to {id}, previous was {cached_id}"
        ));
        ids.replid2 = cached_id;
        ids.second_repl_offset = offset as i64 + 1;
        ids.replid = id;
        drop(ids);
        g.repl.drop_all_replicas();
    } else {
        ids.replid = id;
    }
}

/// A connection to the master with its unread input.
pub(super) struct MasterConn {
    pub stream: TcpStream,
    /// Received and not consumed yet: `buf[pos..]`.
    pub buf: Vec<u8>,
    pub pos: usize,
    pub generation: u64,
    /// `repl-timeout`.
    pub timeout: Duration,
    pub last_io: Instant,
}

impl MasterConn {
    async fn connect(g: &Global, master: &MasterAddr, generation: u64) -> LinkResult<MasterConn> {
        let timeout = Duration::from_secs(
            g.config
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .repl
                .timeout,
        );
        g.replica.update(|i| i.state = LinkState::Connecting);
        log::notice(&format!(
            "Connecting to MASTER {}:{}",
            master.host, master.port
        ));
        // Name resolution may block for seconds (DNS timeouts): on glommio's blocking
        // thread pool, not on the shard's thread.
        let (host, port) = (master.host.clone(), master.port);
        let addr = glommio::executor()
            .spawn_blocking(move || (host.as_str(), port).to_socket_addrs().ok()?.next())
            .await
            .ok_or_else(|| format!("Unable to connect to MASTER: can't resolve {}", master.host))?;
        let stream = TcpStream::connect_timeout(addr, timeout)
            .await
            .map_err(|e| format!("Unable to connect to MASTER: {e}"))?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(TICK))
            .map_err(|e| format!("Unable to connect to MASTER: {e}"))?;
        log::notice("MASTER <-> REPLICA sync started");
        Ok(MasterConn {
            stream,
            buf: Vec::new(),
            pos: 0,
            generation,
            timeout,
            last_io: Instant::now(),
        })
    }

    /// Unread input.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Marks `n` bytes of the unread input consumed.
    pub fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }

    /// Reads what the master sent within one [`TICK`]: `Ok(0)` when nothing came. Fails
    /// on EOF, on `repl-timeout` without a byte, and stops when REPLICAOF changed.
    pub async fn read_some(&mut self, g: &Global) -> LinkResult<usize> {
        if g.replica.generation.load(Ordering::Acquire) != self.generation {
            return Err(LinkEnd::Superseded);
        }
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let start = self.buf.len();
        self.buf.resize(start + READ_CHUNK, 0);
        let r = self.stream.read(&mut self.buf[start..]).await;
        let n = *r.as_ref().unwrap_or(&0);
        self.buf.truncate(start + n);
        match r {
            Ok(0) => Err("Connection with master lost.".to_string().into()),
            Ok(n) => {
                self.last_io = Instant::now();
                g.replica.update(|i| i.last_io_unix_ms = unix_ms());
                g.repl
                    .total_net_repl_input_bytes
                    .fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                if self.last_io.elapsed() > self.timeout {
                    return Err("MASTER timeout: no data nor PING received..."
                        .to_string()
                        .into());
                }
                Ok(0)
            }
            Err(e) => Err(format!("Error reading from MASTER: {e}").into()),
        }
    }

    /// One line (without its `\r\n` or `\n`).
    pub async fn line(&mut self, g: &Global) -> LinkResult<Vec<u8>> {
        loop {
            if let Some(nl) = self.pending().iter().position(|&b| b == b'\n') {
                let mut line = self.pending()[..nl].to_vec();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.consume(nl + 1);
                return Ok(line);
            }
            self.read_some(g).await?;
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) -> LinkResult<()> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| LinkEnd::Failed(format!("Error writing to MASTER: {e}")))
    }

    /// `REPLCONF ACK <offset>`.
    pub async fn ack(&mut self, offset: u64) -> LinkResult<()> {
        let mut out = Vec::with_capacity(48);
        let mut n = itoa::Buffer::new();
        encode_command(
            &mut out,
            &[&b"REPLCONF"[..], b"ACK", n.format(offset).as_bytes()],
        );
        self.send(&out).await
    }

    /// PING, AUTH, REPLCONF, PSYNC (reference §1.2).
    async fn handshake(&mut self, g: &Global) -> LinkResult<Resync> {
        g.replica.update(|i| i.state = LinkState::Handshake);
        let conf = g.config.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut out = Vec::new();
        encode_command(&mut out, &["PING"]);
        self.send(&out).await?;
        let pong = self.line(g).await?;
        let accepted = pong.first() == Some(&b'+')
            || pong.starts_with(b"-NOAUTH")
            || pong.starts_with(b"-NOPERM")
            || pong.starts_with(b"-ERR operation not permitted");
        if !accepted {
            return Err(format!(
                "Error reply to PING from master: '{}'",
                String::from_utf8_lossy(&pong)
            )
            .into());
        }
        log::notice("Master replied to PING, replication can continue...");
        // Pipelined, then the replies one by one, as Redis 7.0 does.
        out.clear();
        let auth = conf.repl.masterauth.is_some();
        if let Some(pass) = &conf.repl.masterauth {
            match &conf.repl.masteruser {
                Some(user) => encode_command(&mut out, &["AUTH", user, pass]),
                None => encode_command(&mut out, &["AUTH", pass]),
            }
        }
        let port = match conf.repl.replica_announce_port {
            0 => conf.port,
            p => p,
        };
        encode_command(&mut out, &["REPLCONF", "listening-port", &port.to_string()]);
        let announce_ip = conf.repl.replica_announce_ip.clone();
        if let Some(ip) = &announce_ip {
            encode_command(&mut out, &["REPLCONF", "ip-address", ip]);
        }
        encode_command(&mut out, &["REPLCONF", "capa", "eof", "capa", "psync2"]);
        self.send(&out).await?;
        if auth {
            let r = self.line(g).await?;
            if r.first() == Some(&b'-') {
                return Err(
                    format!("Unable to AUTH to MASTER: {}", String::from_utf8_lossy(&r)).into(),
                );
            }
        }
        let replconfs = [
            Some("listening-port"),
            announce_ip.as_ref().map(|_| "ip-address"),
            Some("capa"),
        ];
        for what in replconfs.into_iter().flatten() {
            let r = self.line(g).await?;
            if r.first() == Some(&b'-') {
                log::notice(&format!(
                    "(Non critical) Master does not understand REPLCONF {what}: {}",
                    String::from_utf8_lossy(&r)
                ));
            }
        }
        self.psync(g).await
    }

    async fn psync(&mut self, g: &Global) -> LinkResult<Resync> {
        let cached = g.replica.info().cached;
        let mut out = Vec::new();
        match &cached {
            Some((id, offset)) => {
                let next = (offset + 1).to_string();
                log::notice(&format!(
                    "Trying a partial resynchronization (request {id}:{next})."
                ));
                encode_command(&mut out, &["PSYNC", id, &next]);
            }
            None => {
                log::notice("Partial resynchronization not possible (no cached master)");
                encode_command(&mut out, &["PSYNC", "?", "-1"]);
            }
        }
        self.send(&out).await?;
        let reply = loop {
            // The master may send newlines while it prepares the snapshot.
            let l = self.line(g).await?;
            if !l.is_empty() {
                break String::from_utf8_lossy(&l).into_owned();
            }
        };
        if let Some(rest) = reply.strip_prefix("+FULLRESYNC") {
            let mut words = rest.split_whitespace();
            let (Some(id), Some(offset)) = (words.next(), words.next()) else {
                return Err(
                    format!("Master replied with wrong +FULLRESYNC syntax: {reply}").into(),
                );
            };
            let offset: u64 = offset
                .parse()
                .map_err(|_| format!("Master replied with wrong +FULLRESYNC syntax: {reply}"))?;
            if id.len() != 40 {
                return Err(
                    format!("Master replied with wrong +FULLRESYNC syntax: {reply}").into(),
                );
            }
            log::notice(&format!("Full resync from master: {id}:{offset}"));
            return Ok(Resync::Full {
                replid: id.to_string(),
                offset,
            });
        }
        if let Some(rest) = reply.strip_prefix("+CONTINUE") {
            if cached.is_none() {
                return Err("Master sent +CONTINUE to a PSYNC without a cached master"
                    .to_string()
                    .into());
            }
            let id = rest.trim();
            log::notice("Successful partial resynchronization with master.");
            return Ok(Resync::Partial {
                replid: (id.len() == 40).then(|| id.to_string()),
            });
        }
        if reply.starts_with("-NOMASTERLINK") || reply.starts_with("-LOADING") {
            return Err(format!(
                "Master is currently unable to PSYNC but should be in the future: {reply}"
            )
            .into());
        }
        // Redis falls back to SYNC for pre-PSYNC masters (before 2.8); every master
        // this speaks with answers PSYNC, so anything else is an error.
        Err(format!("Unexpected reply to PSYNC from master: {reply}").into())
    }
}

impl ReplicaSide {
    /// The link just started streaming.
    pub(super) fn link_is_up(&self) {
        self.update(|i| {
            i.state = LinkState::Connected;
            i.transfer = None;
            i.cached = None;
        });
        self.link_up.store(true, Ordering::Release);
    }
}
