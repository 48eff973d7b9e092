//! The life of one TCP connection on its shard: read, parse every complete request of the
//! read into one batch, run the batch, write all replies with one write.
//!
//! Reads and writes go straight to the socket (`recv`/`send` on the raw fd); readiness
//! comes from the shard's epoll poller ([`super::io`]), not from glommio's per-read io_uring
//! polls. glommio's `TcpStream` is kept for accept, socket options, close, and writes that
//! find the socket buffer full.

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_lite::AsyncWriteExt;
use glommio::net::TcpStream;

use super::client::{Client, ClientHandle, ClientInfo, ReplyMode};
use super::io::ConnIo;
use super::log;
use super::shard::{unix_ms, ShardCtx};
use crate::commands::errors;
use crate::protocol::{parse_request, Request};

/// Bytes asked of the kernel per read.
const READ_CHUNK_BYTES: usize = 16 * 1024;

/// Parses every complete request at the front of `inbuf`, removing their bytes. Returns
/// the commands and the protocol error that stopped parsing, if any.
fn take_requests(inbuf: &mut BytesMut, max_bulk_len: usize) -> (Vec<Vec<Bytes>>, Option<String>) {
    let mut consumed = 0;
    // (request, its offset in the consumed bytes)
    let mut found: Vec<(Request, usize)> = Vec::new();
    let mut error = None;
    while consumed < inbuf.len() {
        match parse_request(&inbuf[consumed..], max_bulk_len) {
            Ok(Some((req, used))) => {
                found.push((req, consumed));
                consumed += used;
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(e.0);
                break;
            }
        }
    }
    if found.is_empty() {
        // Nothing complete (a partial request, or a protocol error at the front).
        return (Vec::new(), error);
    }
    let frozen = inbuf.split_to(consumed).freeze();
    let mut cmds = Vec::with_capacity(found.len());
    for (req, base) in found {
        match req {
            Request::Multibulk(ranges) => cmds.push(
                ranges
                    .into_iter()
                    .map(|r| frozen.slice(base + r.start..base + r.end))
                    .collect(),
            ),
            Request::Inline(words) => cmds.push(words.into_iter().map(Bytes::from).collect()),
            Request::Empty => {}
        }
    }
    (cmds, error)
}

fn set_keepalive(stream: &TcpStream, secs: u64) {
    use std::os::fd::AsRawFd;
    if secs == 0 {
        return;
    }
    let fd = stream.as_raw_fd();
    let on: libc::c_int = 1;
    let idle = secs as libc::c_int;
    let interval = (secs / 3).max(1) as libc::c_int;
    let count: libc::c_int = 3;
    // SAFETY: plain setsockopt calls on a socket we own, with correctly sized ints.
    unsafe {
        let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            &on as *const _ as *const libc::c_void,
            size,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPIDLE,
            &idle as *const _ as *const libc::c_void,
            size,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPINTVL,
            &interval as *const _ as *const libc::c_void,
            size,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPCNT,
            &count as *const _ as *const libc::c_void,
            size,
        );
    }
}

/// Redis 7.0's reply to a non-loopback client while protected mode is on and the default
/// user has no password (`networking.c`, `clientAcceptHandler`).
const DENIED_PROTECTED_MODE: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Whether protected mode turns this client away: it is on, no password is set, and the
/// client is not on the loopback interface.
fn protected_mode_denies(
    protected_mode: bool,
    requirepass: Option<&str>,
    peer: &SocketAddr,
) -> bool {
    protected_mode && requirepass.is_none() && !peer.ip().is_loopback()
}

/// Serves one accepted connection until it closes.
pub async fn serve(shard: Rc<ShardCtx>, mut stream: TcpStream) {
    let global = shard.global.clone();
    let (maxclients, keepalive, requirepass, protected_mode) = {
        let c = shard.config();
        (
            c.maxclients,
            c.tcp_keepalive_secs,
            c.requirepass.clone(),
            c.protected_mode,
        )
    };
    let connected = global.connected_clients.fetch_add(1, Ordering::AcqRel) + 1;
    global.total_connections.fetch_add(1, Ordering::Relaxed);
    if connected > maxclients {
        global.rejected_connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream
            .write_all(format!("-{}\r\n", errors::MAX_CLIENTS).as_bytes())
            .await;
        global.connected_clients.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let _ = stream.set_nodelay(true);
    set_keepalive(&stream, keepalive);
    let peer = stream
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    if protected_mode_denies(protected_mode, requirepass.as_deref(), &peer) {
        let _ = stream.write_all(DENIED_PROTECTED_MODE.as_bytes()).await;
        global.connected_clients.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let local = stream
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let id = global.next_client_id.fetch_add(1, Ordering::Relaxed);
    let handle = Rc::new(ClientHandle::new(ClientInfo::new(
        id, peer, local, shard.id, "N",
    )));
    shard
        .clients
        .borrow_mut()
        .clients
        .insert(id, handle.clone());
    let mut client = Client {
        shard: shard.clone(),
        id,
        db: 0,
        resp3: false,
        authenticated: requirepass.is_none(),
        reply_mode: ReplyMode::On,
        close_after_reply: false,
        peer,
        local,
        handle: handle.clone(),
        out: BytesMut::new(),
        io: None,
        blocked_ns: 0,
        woff: 0,
        tx: None,
        multi: Default::default(),
        repl: None,
        is_master: false,
        in_flight: None,
    };
    log::verbose(&format!("Accepted {peer}"));
    let handoff = run(&mut client, &mut stream).await;
    shard.clients.borrow_mut().clients.remove(&id);
    global.connected_clients.fetch_sub(1, Ordering::AcqRel);
    if let Some(input) = handoff {
        // SYNC/PSYNC: the socket goes to the replication core. The stream is dropped
        // without close() (which would shut the socket down); the core owns a dup.
        hand_off(&client, &stream, input);
        return;
    }
    let _ = stream.close().await;
}

/// Passes the connection of a client that sent SYNC/PSYNC to the replication core.
fn hand_off(client: &Client, stream: &TcpStream, input: BytesMut) {
    use std::os::fd::AsRawFd;
    let Some(session) = client.repl.as_deref() else {
        return;
    };
    let Some(start) = session.start else {
        return;
    };
    match crate::replication::handoff::detach_fd(stream.as_raw_fd()) {
        Ok(fd) => {
            crate::replication::core::hand_off(crate::replication::handoff::Handoff {
                fd,
                input: input.to_vec(),
                client_id: client.id,
                peer: client.peer,
                conf: session.conf.clone(),
                start,
            });
            if let crate::replication::handoff::Start::Full { .. } = start {
                // After the handoff: the core knows the replica before its round does.
                crate::replication::fullsync::enqueue(
                    &client.shard,
                    client.id,
                    session.conf.capa_eof,
                );
            }
        }
        Err(e) => log::warning(&format!("Handing a replica to the replication core: {e}")),
    }
}

/// Why waiting for input ended.
enum Wake {
    Readable,
    Killed,
    IdleTimeout,
    /// The owner of a direct reply sent back what it could not write.
    DirectRest(BytesMut),
}

/// Writes `bytes` with send(2) on the raw fd; only a full socket buffer falls back to
/// glommio's readiness wait. False when the connection failed.
async fn write_out(fd: std::os::fd::RawFd, stream: &mut TcpStream, bytes: &[u8]) -> bool {
    let sent = match super::io::send(fd, bytes) {
        Ok(n) => n,
        Err(_) => return false,
    };
    sent == bytes.len() || stream.write_all(&bytes[sent..]).await.is_ok()
}

impl Client {
    /// Waits until a direct reply in flight is out ([`super::direct`]): writes what its
    /// owner sent back, if anything. False when the connection failed.
    async fn settle_direct(&mut self, stream: &mut TcpStream) -> bool {
        let Some(flight) = self.in_flight.take() else {
            return true;
        };
        let (req_id, wrote) = (flight.req_id, flight.wrote);
        let (rest, answered) = flight.settle().await;
        if !answered {
            self.shard.forget(req_id);
        }
        self.direct_done(wrote, stream, rest).await
    }

    /// The end of a direct reply: its write counts for WAIT, its unsent bytes go out.
    async fn direct_done(&mut self, wrote: bool, stream: &mut TcpStream, rest: BytesMut) -> bool {
        if wrote {
            self.note_write();
        }
        let Some(fd) = self.io.as_ref().map(|io| io.fd) else {
            return rest.is_empty();
        };
        rest.is_empty() || write_out(fd, stream, &rest).await
    }
}

/// Serves the socket until it closes; `Some(unparsed input)` when it leaves the shard for
/// the replication core (SYNC/PSYNC), already deregistered from the shard's poller.
async fn run(client: &mut Client, stream: &mut TcpStream) -> Option<BytesMut> {
    use std::os::fd::AsRawFd;
    let shard = client.shard.clone();
    let io = match shard.poller.register(stream.as_raw_fd()) {
        Ok(io) => io,
        Err(e) => {
            log::warning(&format!("Registering client socket: {e}"));
            return None;
        }
    };
    client.io = Some(io.clone());
    let mut handoff = serve_io(client, stream, &io).await;
    // The owner of a direct reply may still be writing to this fd: not before it is done
    // may the socket be closed or handed off.
    if !client.settle_direct(stream).await {
        handoff = None;
    }
    client.io = None;
    shard.poller.deregister(&io);
    handoff
}

async fn serve_io(client: &mut Client, stream: &mut TcpStream, io: &ConnIo) -> Option<BytesMut> {
    let shard = client.shard.clone();
    let handle = client.handle.clone();
    let mut inbuf = BytesMut::with_capacity(READ_CHUNK_BYTES);
    let mut output = BytesMut::with_capacity(READ_CHUNK_BYTES);
    loop {
        let (max_bulk, query_limit, idle_timeout) = {
            let c = shard.config();
            (
                c.proto_max_bulk_len as usize,
                c.client_query_buffer_limit as usize,
                c.timeout_secs,
            )
        };
        // Read: recv on the raw fd while the poller says it may have data, else wait.
        loop {
            if handle.is_killed() {
                return None;
            }
            if io.take_ready() {
                if inbuf.capacity() - inbuf.len() < READ_CHUNK_BYTES / 2 {
                    inbuf.reserve(READ_CHUNK_BYTES);
                }
                let spare = inbuf.spare_capacity_mut();
                let asked = spare.len();
                match super::io::recv(io.fd, spare) {
                    Ok(Some(0)) | Err(_) => return None,
                    Ok(Some(n)) => {
                        // SAFETY: recv initialized the first n bytes of the spare capacity.
                        unsafe { inbuf.set_len(inbuf.len() + n) };
                        if n == asked {
                            io.set_ready();
                        }
                        break;
                    }
                    Ok(None) => {}
                }
            }
            let flight = client.in_flight.as_mut();
            let readable = async {
                match flight {
                    // At depth 1 the client's next request follows the reply; a message
                    // from the owner means part of the reply is still to be written.
                    Some(f) => {
                        futures_lite::future::or(
                            async {
                                io.readable().await;
                                Wake::Readable
                            },
                            async { Wake::DirectRest(super::direct::rest_of((&mut f.rx).await)) },
                        )
                        .await
                    }
                    None => {
                        io.readable().await;
                        Wake::Readable
                    }
                }
            };
            let killed = async {
                handle.killed().await;
                Wake::Killed
            };
            let woke = if idle_timeout > 0 {
                let idle = async {
                    glommio::timer::sleep(Duration::from_secs(idle_timeout)).await;
                    Wake::IdleTimeout
                };
                futures_lite::future::or(readable, futures_lite::future::or(killed, idle)).await
            } else {
                futures_lite::future::or(readable, killed).await
            };
            match woke {
                Wake::Readable => {}
                Wake::DirectRest(rest) => {
                    let flight = client.in_flight.take().expect("waited on it");
                    if !client.direct_done(flight.wrote, stream, rest).await {
                        return None;
                    }
                }
                Wake::Killed | Wake::IdleTimeout => return None,
            }
        }
        if inbuf.len() > query_limit {
            log::warning(&format!(
                "Closing client that reached max query buffer length: id={} addr={}",
                client.id, client.peer
            ));
            return None;
        }
        let (cmds, error) = take_requests(&mut inbuf, max_bulk);
        // Nothing of this client runs or is written before its direct reply is out.
        if !cmds.is_empty() && !client.settle_direct(stream).await {
            return None;
        }
        if !cmds.is_empty() {
            {
                let mut info = handle.info.borrow_mut();
                info.last_interaction_ms = unix_ms();
                if let Some(last) = cmds.last() {
                    set_last_cmd(&mut info.last_cmd, &last[0]);
                }
            }
            client.run_batch(cmds, &mut output).await;
        }
        // Nothing is written before a direct reply in flight, whatever this read left
        // (a batch that went direct leaves no output, but a protocol error may follow).
        if (error.is_some() || !output.is_empty()) && !client.settle_direct(stream).await {
            return None;
        }
        if let Some(msg) = &error {
            output.extend_from_slice(b"-ERR ");
            output.extend_from_slice(msg.as_bytes());
            output.extend_from_slice(b"\r\n");
            log::verbose(&format!(
                "Protocol error ({msg}) from client: id={} addr={}",
                client.id, client.peer
            ));
            client.close_after_reply = true;
        }
        if !output.is_empty() {
            if !write_out(io.fd, stream, &output).await {
                return None;
            }
            output.clear();
        }
        if client.repl.as_ref().is_some_and(|s| s.start.is_some()) {
            // SYNC/PSYNC: the replies before it are out; the socket leaves the shard.
            return Some(inbuf);
        }
        if client.close_after_reply || handle.is_killed() {
            return None;
        }
        handle.info.borrow_mut().query_buf_bytes = inbuf.len();
    }
}

/// Records the command name for CLIENT LIST, lowercase, without allocating when it is the
/// same command as last time (the common case).
fn set_last_cmd(last: &mut String, name: &[u8]) {
    if last.len() == name.len() && last.as_bytes().eq_ignore_ascii_case(name) {
        return;
    }
    *last = String::from_utf8_lossy(name).to_ascii_lowercase();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_mode_only_turns_away_remote_clients_without_a_password() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let local6: SocketAddr = "[::1]:5000".parse().unwrap();
        let remote: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        assert!(protected_mode_denies(true, None, &remote));
        assert!(!protected_mode_denies(true, None, &local));
        assert!(!protected_mode_denies(true, None, &local6));
        assert!(!protected_mode_denies(true, Some("pw"), &remote));
        assert!(!protected_mode_denies(false, None, &remote));
    }

    #[test]
    fn takes_every_complete_request_and_keeps_the_rest() {
        let mut b = BytesMut::from(&b"*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET"[..]);
        let (cmds, err) = take_requests(&mut b, 1 << 20);
        assert!(err.is_none());
        assert_eq!(cmds.len(), 2);
        assert_eq!(&b[..], b"*2\r\n$3\r\nGET");
    }

    #[test]
    fn stops_at_the_protocol_error_after_running_earlier_commands() {
        let mut b = BytesMut::from(&b"PING\r\n*1\r\n+x\r\n"[..]);
        let (cmds, err) = take_requests(&mut b, 1 << 20);
        assert_eq!(cmds.len(), 1);
        assert_eq!(
            err.as_deref(),
            Some("Protocol error: expected '$', got '+'")
        );
    }
}
