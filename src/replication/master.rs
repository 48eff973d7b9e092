//! One replica link on the replication core: the `+FULLRESYNC`/`+CONTINUE` reply, the RDB
//! (fed by its round), then the log from the replica's offset; and, concurrently, its
//! input (`REPLCONF ACK <offset>`, newlines).
//!
//! The socket is written through one glommio stream and read through another on a dup of
//! the same fd, so the ACK reader never waits for the writer. Dropping a replica is
//! `shutdown(2)`: a write stuck on a stopped replica fails at once and both tasks end.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, RawFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use super::core::Core;
use super::fullsync::{RdbMsg, Round};
use super::handoff::{Handoff, Start};
use super::state::{new_replid, Replica, ReplicaState};
use crate::protocol::{parse_request, Request};
use crate::server::log;
use crate::server::shard::unix_ms;

/// Log bytes read per write to a replica.
const STREAM_CHUNK: usize = 256 * 1024;
/// A round waits while a member has this much RDB queued and unsent.
const FEED_HIGH_WATER: usize = 8 << 20;
/// How often a link's keeper looks at the log, and how often while it is copying (a
/// replica behind, or in full sync, under a write burst).
const KEEP_POLL: Duration = Duration::from_millis(1);
const KEEP_POLL_BUSY: Duration = Duration::from_micros(100);
/// A streaming replica's bytes are copied out of the ring once fewer than this many
/// (or three quarters of the ring) are left before writes overwrite them, and the
/// keeper looks every [`KEEP_POLL_BUSY`] once a replica owes an eighth of the ring: one
/// client writing 10 KB values fills a 1 MB ring in ~3 ms here, so a keeper that looked
/// every millisecond from half the ring could be lapped by one late wake-up. The keeper
/// is not the writers' back-pressure: a core thread kept off the CPU for longer than the
/// ring's headroom lasts still loses a lagging replica (it then resyncs in full), where
/// Redis's output buffer is filled by the writing thread itself.
const KEEP_MARGIN: u64 = 4 << 20;

/// What a round hands to each of its members, in order.
enum Feed {
    FullResync { offset: u64, replid: String },
    EofStart { mark: Rc<String> },
    Data(Rc<Vec<u8>>),
    EofEnd { mark: Rc<String> },
    File(std::path::PathBuf),
    Failed,
}

/// The core's view of one replica.
pub(crate) struct Link {
    pub id: u64,
    pub name: String,
    pub rep: Arc<Replica>,
    fd: RawFd,
    /// The first log offset neither written to it nor kept for it (0 before its sync
    /// has an offset).
    pub next: Cell<u64>,
    /// It sends REPLCONF ACK (PSYNC replicas; not the old SYNC).
    pub acks: bool,
    first_ack: Cell<bool>,
    closed: Cell<bool>,
    feed: RefCell<VecDeque<Feed>>,
    feed_bytes: Cell<usize>,
    /// Log bytes owed to the replica that were copied out of the ring before the ring
    /// could overwrite them ([`keep_log`]): all of them during a full sync (a sync may
    /// outlast the ring), and while streaming whatever a lagging replica is about to
    /// lose. Redis keeps them in the replica's output buffer, under the same
    /// `client-output-buffer-limit replica` limits. They precede the log from `next`.
    kept: RefCell<Vec<u8>>,
    /// Streaming from the log has begun: the keeper only copies when the replica lags.
    streaming: Cell<bool>,
    /// A keeper task runs for this link.
    keeping: Cell<bool>,
    /// Wakes the link's task (a feed arrived, an ACK arrived, it was closed).
    waker: RefCell<Option<std::task::Waker>>,
}

impl Link {
    fn wake(&self) {
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn push(&self, f: Feed) {
        if let Feed::Data(d) = &f {
            self.feed_bytes.set(self.feed_bytes.get() + d.len());
        }
        self.feed.borrow_mut().push_back(f);
        self.wake();
    }

    /// Drops the replica: both of its tasks end.
    pub fn close(&self, why: &str) {
        if !self.closed.replace(true) {
            log::verbose(&format!("Dropping replica {}: {why}", self.name));
            // SAFETY: shutdown on the socket this link owns (its fd is open until the
            // link's task ends, which is after this).
            unsafe { libc::shutdown(self.fd, libc::SHUT_RDWR) };
        }
        self.wake();
    }

    /// Bytes the keeper holds for it.
    pub fn kept_bytes(&self) -> u64 {
        self.kept.borrow().len() as u64
    }

    /// Whether it streams from the log (its full sync, if any, is done).
    pub fn is_streaming(&self) -> bool {
        self.streaming.get()
    }

    pub fn close_overflow(&self, owed: u64, which: &str) {
        log::warning(&format!(
            "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits ({which} limit reached, {owed} bytes owed).",
            self.id, self.name
        ));
        self.close("output buffer limit");
    }

    /// Waits until something happens to the link or `timeout` passes.
    async fn nudge(&self, timeout: Duration) {
        let woke = std::future::poll_fn(|cx| {
            if self.closed.get() || !self.feed.borrow().is_empty() {
                return std::task::Poll::Ready(());
            }
            *self.waker.borrow_mut() = Some(cx.waker().clone());
            std::task::Poll::Pending
        });
        futures_lite::future::or(woke, glommio::timer::sleep(timeout)).await;
    }
}

/// Registers the replica in the shared state (INFO, ROLE, WAIT) and on the core.
pub(crate) fn register(core: &Rc<Core>, h: &Handoff) -> Rc<Link> {
    let state = match h.start {
        Start::Partial { .. } => ReplicaState::Online,
        Start::Full { .. } => ReplicaState::WaitBgsave,
    };
    let ip = h.conf.ip.clone().unwrap_or_else(|| h.peer.ip().to_string());
    let rep = Arc::new(Replica {
        client_id: h.client_id,
        ip: ip.clone(),
        port: u16::try_from(h.conf.listening_port).unwrap_or(0),
        state: Mutex::new(state),
        ack_offset: AtomicU64::new(0),
        ack_unix_ms: AtomicU64::new(unix_ms()),
        kill: AtomicBool::new(false),
    });
    core.global
        .repl
        .replicas
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(rep.clone());
    let link = Rc::new(Link {
        id: h.client_id,
        name: format!("{ip}:{}", h.conf.listening_port),
        rep,
        fd: h.fd.as_raw_fd(),
        next: Cell::new(0),
        acks: !matches!(h.start, Start::Full { plain: true }),
        first_ack: Cell::new(false),
        closed: Cell::new(false),
        feed: RefCell::new(VecDeque::new()),
        feed_bytes: Cell::new(0),
        kept: RefCell::new(Vec::new()),
        streaming: Cell::new(false),
        keeping: Cell::new(false),
        waker: RefCell::new(None),
    });
    core.links.borrow_mut().insert(h.client_id, link.clone());
    link
}

fn set_state(link: &Link, s: ReplicaState) {
    *link.rep.state.lock().unwrap_or_else(|e| e.into_inner()) = s;
}

/// Serves one replica until it goes away; then forgets it.
pub(crate) async fn serve(core: Rc<Core>, link: Rc<Link>, h: Handoff) {
    let reader_fd = match super::handoff::detach_fd(h.fd.as_raw_fd()) {
        Ok(fd) => fd,
        Err(e) => {
            log::warning(&format!("Replica socket: {e}"));
            forget(&core, &link);
            return;
        }
    };
    // SAFETY: both descriptors are owned (OwnedFd) and handed to the streams here.
    let mut writer = unsafe { TcpStream::from_raw_fd(h.fd.into_raw_fd()) };
    let reader = unsafe { TcpStream::from_raw_fd(reader_fd.into_raw_fd()) };
    let read_task = glommio::spawn_local(read_input(core.clone(), link.clone(), reader, h.input));
    let outcome = match h.start {
        Start::Partial { from } => {
            let replid = core.global.repl.ids().replid;
            let line = if h.conf.capa_psync2 {
                format!("+CONTINUE {replid}\r\n")
            } else {
                "+CONTINUE\r\n".to_string()
            };
            match writer.write_all(line.as_bytes()).await {
                Ok(()) => {
                    link.next.set(from);
                    stream(&core, &link, &mut writer).await
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Start::Full { plain } => full_sync(&core, &link, &mut writer, plain, &h.conf).await,
    };
    if let Err(why) = outcome {
        log::notice(&format!(
            "Connection with replica {} lost ({why}).",
            link.name
        ));
    }
    link.close("done");
    let _ = read_task.await;
    forget(&core, &link);
    drop(writer);
}

fn forget(core: &Core, link: &Link) {
    core.links.borrow_mut().remove(&link.id);
    core.global
        .repl
        .replicas
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|r| !Arc::ptr_eq(r, &link.rep));
}

async fn write(core: &Core, w: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    w.write_all(bytes).await.map_err(|e| e.to_string())?;
    core.global
        .repl
        .total_net_repl_output_bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    Ok(())
}

/// Waits for its round's RDB and sends it; then streams from the cut's offset.
async fn full_sync(
    core: &Rc<Core>,
    link: &Rc<Link>,
    w: &mut TcpStream,
    plain: bool,
    conf: &super::handoff::ReplConf,
) -> Result<(), String> {
    let mut offset = None;
    let mut bulk_started = false;
    let mut eof_framed = false;
    let mut last_newline = Instant::now();
    loop {
        if link.closed.get() {
            return Err("closed".into());
        }
        let next = link.feed.borrow_mut().pop_front();
        let Some(feed) = next else {
            if !bulk_started && last_newline.elapsed() >= Duration::from_secs(1) {
                // Keeps the replica's handshake timeout from firing while it waits.
                last_newline = Instant::now();
                w.write_all(b"\n").await.map_err(|e| e.to_string())?;
            }
            link.nudge(Duration::from_millis(250)).await;
            continue;
        };
        match feed {
            Feed::FullResync { offset: o, replid } => {
                offset = Some(o);
                if !conf.rdb_only {
                    link.next.set(o + 1);
                    start_keeper(core, link);
                }
                if !plain {
                    write(core, w, format!("+FULLRESYNC {replid} {o}\r\n").as_bytes()).await?;
                }
            }
            Feed::EofStart { mark } => {
                bulk_started = true;
                eof_framed = true;
                set_state(link, ReplicaState::SendBulk);
                write(core, w, format!("$EOF:{mark}\r\n").as_bytes()).await?;
            }
            Feed::Data(d) => {
                link.feed_bytes
                    .set(link.feed_bytes.get().saturating_sub(d.len()));
                write(core, w, &d).await?;
            }
            Feed::EofEnd { mark } => {
                write(core, w, mark.as_bytes()).await?;
                break;
            }
            Feed::File(path) => {
                set_state(link, ReplicaState::SendBulk);
                send_file(core, w, &path).await?;
                break;
            }
            Feed::Failed => return Err("the snapshot failed".into()),
        }
    }
    let offset = offset.ok_or("no snapshot offset")?;
    log::notice(&format!(
        "Synchronization with replica {} succeeded",
        link.name
    ));
    if conf.rdb_only {
        return Ok(());
    }
    if eof_framed && link.acks {
        // The replica finds the end mark in the last bytes of a read: nothing may follow
        // it until the replica's first ACK says it has loaded the RDB.
        let timeout_ms = core
            .global
            .config
            .lock()
            .map(|c| c.repl.timeout)
            .unwrap_or(60)
            * 1000;
        let started = unix_ms();
        while !link.first_ack.get() {
            if link.closed.get() {
                return Err("closed".into());
            }
            if unix_ms() - started > timeout_ms {
                return Err("timeout waiting for the first ACK".into());
            }
            link.nudge(Duration::from_millis(10)).await;
        }
    }
    link.rep.ack_unix_ms.store(unix_ms(), Ordering::Release);
    set_state(link, ReplicaState::Online);
    debug_assert!(link.next.get() > offset);
    stream(core, link, w).await
}

fn start_keeper(core: &Rc<Core>, link: &Rc<Link>) {
    if !link.keeping.replace(true) {
        glommio::spawn_local(keep_log(core.clone(), link.clone())).detach();
    }
}

/// A link's keeper, from its sync's offset until it closes: every [`KEEP_POLL`], copies
/// the log bytes the replica still needs into [`Link::kept`] before the ring overwrites
/// them. During a full sync that is every byte (the replica reads nothing yet); while
/// streaming, only when the replica is about to lose bytes: less than [`KEEP_MARGIN`]
/// (or half the ring) left before writes overwrite its position. A replica that keeps
/// up, or catches up after a PSYNC, is written straight from the ring, and the bytes it
/// still reads from the ring count against its limits in the cron, as Redis counts a
/// replica's whole lag. While copying the keeper looks again every [`KEEP_POLL_BUSY`]:
/// the margin absorbs bursts of GB/s. Past the output buffer's hard limit the
/// replica is dropped, as Redis drops it; the soft limit is the cron's.
async fn keep_log(core: Rc<Core>, link: Rc<Link>) {
    let log_ = &core.global.repl_log;
    let hard = core
        .global
        .config
        .lock()
        .map(|c| c.repl.obuf[super::config::CLASS_REPLICA].hard)
        .unwrap_or(0);
    let mut buf = Vec::with_capacity(STREAM_CHUNK);
    let mut copying = false;
    while !link.closed.get() {
        let lag = (log_.offset() + 1).saturating_sub(link.next.get());
        let capacity = log_.capacity() as u64;
        let room = capacity.saturating_sub(lag);
        // While the replica still owes kept bytes it is not reading: keep copying
        // everything, as Redis's output buffer keeps growing (up to its limits).
        let owed = !link.kept.borrow().is_empty();
        if link.streaming.get() && !owed && room >= KEEP_MARGIN.min(capacity * 3 / 4) {
            copying = false;
            let poll = if lag > capacity / 8 {
                KEEP_POLL_BUSY
            } else {
                KEEP_POLL
            };
            glommio::timer::sleep(poll).await;
            continue;
        }
        buf.clear();
        match log_.read(link.next.get(), STREAM_CHUNK, &mut buf) {
            Err(_) => {
                log::warning(&format!(
                    "Dropping replica {}: the log passed its position {} before it was kept",
                    link.name,
                    link.next.get()
                ));
                link.close("its position left the replication backlog");
                return;
            }
            Ok(0) => {
                let poll = if copying || owed {
                    KEEP_POLL_BUSY
                } else {
                    KEEP_POLL
                };
                copying = false;
                glommio::timer::sleep(poll).await;
            }
            Ok(_) if link.rep.kill.load(Ordering::Acquire) => {
                // As in `stream`: nothing appended after the kill goes to it.
                link.close("killed");
                return;
            }
            Ok(n) => {
                let held = {
                    let mut kept = link.kept.borrow_mut();
                    kept.extend_from_slice(&buf);
                    kept.len() as u64
                };
                link.next.set(link.next.get() + n as u64);
                copying = true;
                link.wake();
                if hard > 0 && held + link.feed_bytes.get() as u64 >= hard {
                    link.close_overflow(held, "hard");
                    return;
                }
            }
        }
    }
}

/// `$<len>\r\n` and the file's bytes.
async fn send_file(core: &Core, w: &mut TcpStream, path: &std::path::Path) -> Result<(), String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    write(core, w, format!("${len}\r\n").as_bytes()).await?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("RDB file shorter than announced".into());
        }
        let n = n.min(left as usize);
        write(core, w, &buf[..n]).await?;
        left -= n as u64;
    }
    Ok(())
}

/// Streams to the replica what it is owed, from `link.next` on, until the link closes
/// or its position leaves the log: first anything the keeper copied out of the ring,
/// then the ring itself. `next` moves as soon as bytes are read, before they are
/// written, so the keeper (running between this task's writes) never copies them again.
async fn stream(core: &Rc<Core>, link: &Rc<Link>, w: &mut TcpStream) -> Result<(), String> {
    let log_ = &core.global.repl_log;
    link.streaming.set(true);
    start_keeper(core, link);
    let mut buf = Vec::with_capacity(STREAM_CHUNK);
    loop {
        if link.closed.get() {
            return Ok(());
        }
        let kept = std::mem::take(&mut *link.kept.borrow_mut());
        if !kept.is_empty() {
            write(core, w, &kept).await?;
            continue;
        }
        let next = link.next.get();
        buf.clear();
        match log_.read(next, STREAM_CHUNK, &mut buf) {
            Err(_) => {
                log::warning(&format!(
                    "Dropping replica {}: its position {next} left the replication backlog (first byte {})",
                    link.name,
                    log_.first_offset()
                ));
                return Err("its position left the replication backlog".into());
            }
            Ok(0) => glommio::timer::sleep(Duration::from_millis(1)).await,
            Ok(_) if link.rep.kill.load(Ordering::Acquire) => {
                // Killed (CLIENT KILL, or our history changed: a replica's +CONTINUE with
                // a new id drops its sub-replicas before it appends a byte of the new
                // history): not one more byte, which the replica would count under the
                // old id. Checked after the read, which saw every byte appended after the
                // flag was set.
                link.close("killed");
                return Ok(());
            }
            Ok(n) => {
                link.next.set(next + n as u64);
                write(core, w, &buf).await?;
            }
        }
    }
}

/// Reads what the replica sends: `REPLCONF ACK <offset>` (no reply) and newlines, both
/// proofs of life; anything else is ignored, as Redis ignores replies' absence.
async fn read_input(core: Rc<Core>, link: Rc<Link>, mut r: TcpStream, input: Vec<u8>) {
    let mut buf = input;
    let mut chunk = vec![0u8; 4096];
    loop {
        let mut used = 0;
        loop {
            match parse_request(&buf[used..], 1 << 20) {
                Ok(Some((req, n))) => {
                    let base = used;
                    used += n;
                    on_request(&link, &buf[base..base + n], req);
                }
                Ok(None) => break,
                Err(_) => {
                    link.close("protocol error");
                    return;
                }
            }
        }
        buf.drain(..used);
        if link.closed.get() {
            return;
        }
        let n =
            match futures_lite::future::or(async { r.read(&mut chunk).await.unwrap_or(0) }, async {
                // Ends the read when the link is closed by the other side of the core.
                while !link.closed.get() {
                    glommio::timer::sleep(Duration::from_millis(100)).await;
                }
                0
            })
            .await
            {
                0 => {
                    link.close("connection closed");
                    return;
                }
                n => n,
            };
        let _ = &core;
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn on_request(link: &Link, bytes: &[u8], req: Request) {
    let now = unix_ms();
    match req {
        Request::Empty => link.rep.ack_unix_ms.store(now, Ordering::Release),
        Request::Multibulk(ranges) => {
            let args: Vec<&[u8]> = ranges.iter().map(|r| &bytes[r.clone()]).collect();
            ack(link, &args, now);
        }
        Request::Inline(words) => {
            let args: Vec<&[u8]> = words.iter().map(|w| &w[..]).collect();
            ack(link, &args, now);
        }
    }
}

fn ack(link: &Link, args: &[&[u8]], now: u64) {
    if args.len() >= 3
        && args[0].eq_ignore_ascii_case(b"replconf")
        && args[1].eq_ignore_ascii_case(b"ack")
    {
        if let Some(off) = std::str::from_utf8(args[2])
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
        {
            if off > link.rep.ack_offset.load(Ordering::Acquire) as i64 {
                link.rep.ack_offset.store(off as u64, Ordering::Release);
            }
            link.rep.ack_unix_ms.store(now, Ordering::Release);
            if !link.first_ack.replace(true) {
                link.wake();
            }
        }
    }
}

/// Feeds a round's RDB to its members as the snapshot produces it.
pub(crate) async fn feed_round(core: Rc<Core>, round: Round) {
    let members: Vec<Rc<Link>> = {
        let links = core.links.borrow();
        round
            .members
            .iter()
            .filter_map(|id| links.get(id).cloned())
            .collect()
    };
    let mark = Rc::new(new_replid());
    let all = |f: &dyn Fn() -> Feed| {
        for m in &members {
            m.push(f());
        }
    };
    loop {
        let msg = match round.rx.try_recv() {
            Ok(m) => m,
            Err(crossbeam_channel::TryRecvError::Empty) => {
                glommio::timer::sleep(Duration::from_millis(1)).await;
                continue;
            }
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                all(&|| Feed::Failed);
                return;
            }
        };
        match msg {
            RdbMsg::Begin { offset, replid } => {
                all(&|| Feed::FullResync {
                    offset,
                    replid: replid.clone(),
                });
                if round.diskless {
                    all(&|| Feed::EofStart { mark: mark.clone() });
                }
            }
            RdbMsg::Data(d) => {
                let d = Rc::new(d);
                all(&|| Feed::Data(d.clone()));
                // The slowest live member paces the snapshot (as Redis's RDB pipe).
                while members
                    .iter()
                    .any(|m| !m.closed.get() && m.feed_bytes.get() > FEED_HIGH_WATER)
                {
                    glommio::timer::sleep(Duration::from_millis(1)).await;
                }
                if members.iter().all(|m| m.closed.get()) {
                    // Nobody left: dropping the receiver makes the framer abort.
                    return;
                }
            }
            RdbMsg::End(Ok(None)) => {
                all(&|| Feed::EofEnd { mark: mark.clone() });
                return;
            }
            RdbMsg::End(Ok(Some(path))) => {
                all(&|| Feed::File(path.clone()));
                return;
            }
            RdbMsg::End(Err(e)) => {
                log::warning(&format!("Snapshot for replication failed: {e}"));
                all(&|| Feed::Failed);
                return;
            }
        }
    }
}
