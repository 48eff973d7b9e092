//! Replies written by the owner shard: a client read whose commands all live on one other
//! shard gets its replies from that shard's thread, straight onto the client's socket.
//!
//! ```text
//!  plain:   client ─> A (conn) ─msg─> B runs ─msg─> A sends ─> client    two shard wakeups
//!  direct:  client ─> A (conn) ─msg─> B runs, sends ─────────> client    one
//! ```
//!
//! Why: at pipeline depth 1 nearly every read is one command, so half of them (2 shards)
//! belong to the other shard, and with the benchmark client sharing the cores the shards
//! sleep between requests: every message is a wakeup (eventfd, context switch, io_uring
//! re-arm). Sending the reply from the owner saves the wakeup of the connection's shard.
//!
//! Only bytes cross threads: the owner writes with `send(MSG_DONTWAIT)` on the socket's fd
//! and touches nothing else of the connection. The connection keeps every other rule:
//!
//! - **Order.** The connection's shard writes nothing and runs no further command of that
//!   client before the direct reply is settled ([`InFlight::settle`]); at depth 1 the next
//!   request only arrives after the reply, so settling is one compare-and-swap that finds
//!   it written.
//! - **The fd stays valid.** The connection is not closed (nor handed off) while a direct
//!   reply is in flight: it settles first.
//! - **Nothing is lost.** Whatever the owner could not send (a full socket buffer, an
//!   error) goes back on the reply mesh, and the connection writes it, as a plain reply.
//!
//! The handshake is one atomic per reply: the owner moves `IN_FLIGHT -> WRITTEN` after a
//! complete send, and then sends no message at all; a connection that must wait moves
//! `IN_FLIGHT -> WAITING`, and an owner that finds `WAITING` answers with a message (empty
//! when all was sent) so the waiter wakes.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use bytes::BytesMut;

use super::oneshot;
use super::shard::ReplyPayload;

const IN_FLIGHT: u8 = 0;
const WRITTEN: u8 = 1;
const WAITING: u8 = 2;

/// The owner's half: where to write the replies and how to say they are out.
pub struct DirectReply {
    fd: RawFd,
    state: Arc<AtomicU8>,
}

impl DirectReply {
    /// Sends a batch's replies to the client. Returns what must still travel back as a
    /// reply message: `None` when everything was sent and nobody waits.
    pub fn finish(self, payload: ReplyPayload) -> Option<ReplyPayload> {
        let ReplyPayload::Batch { mut buf, .. } = payload else {
            return Some(payload);
        };
        // An error (peer gone) leaves everything unsent: the connection's own write then
        // meets the error and closes as it would have.
        let sent = super::io::send(self.fd, &buf).unwrap_or(0);
        if sent == buf.len()
            && self
                .state
                .compare_exchange(IN_FLIGHT, WRITTEN, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return None;
        }
        let rest = buf.split_off(sent);
        Some(ReplyPayload::Batch {
            ends: vec![rest.len() as u32],
            buf: rest,
            repl: None,
        })
    }
}

/// The connection's half: a read whose replies the owner shard writes.
pub struct InFlight {
    pub req_id: u64,
    pub rx: oneshot::Receiver<ReplyPayload>,
    state: Arc<AtomicU8>,
    /// The batch held a write (WAIT's `woff` moves once it is settled).
    pub wrote: bool,
}

impl InFlight {
    /// Both halves for the client socket `fd`.
    pub fn new(
        fd: RawFd,
        req_id: u64,
        rx: oneshot::Receiver<ReplyPayload>,
        wrote: bool,
    ) -> (DirectReply, InFlight) {
        let state = Arc::new(AtomicU8::new(IN_FLIGHT));
        let owner = DirectReply {
            fd,
            state: state.clone(),
        };
        (
            owner,
            InFlight {
                req_id,
                rx,
                state,
                wrote,
            },
        )
    }

    /// Waits until the owner is done with the socket. Returns the bytes the connection
    /// must still write itself (empty when the owner sent everything), and whether a
    /// reply message was consumed (if not, the caller forgets `req_id`).
    pub async fn settle(self) -> (BytesMut, bool) {
        let written = match self.state.compare_exchange(
            IN_FLIGHT,
            WAITING,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => false,
            Err(state) => state == WRITTEN,
        };
        if written {
            return (BytesMut::new(), false);
        }
        (rest_of(self.rx.await), true)
    }
}

/// The unsent bytes a reply message carries back.
pub fn rest_of(payload: ReplyPayload) -> BytesMut {
    match payload {
        ReplyPayload::Batch { buf, .. } => buf,
        ReplyPayload::Op(_) => BytesMut::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    fn batch(bytes: &[u8]) -> ReplyPayload {
        ReplyPayload::Batch {
            buf: BytesMut::from(bytes),
            ends: vec![bytes.len() as u32],
            repl: None,
        }
    }

    fn socket_pair() -> (RawFd, RawFd) {
        let mut fds = [0; 2];
        // SAFETY: socketpair fills the two-element array.
        let rc = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr()) };
        assert_eq!(rc, 0);
        (fds[0], fds[1])
    }

    fn read_all(fd: RawFd) -> Vec<u8> {
        let mut buf = vec![std::mem::MaybeUninit::new(0u8); 1024];
        let n = super::super::io::recv(fd, &mut buf).unwrap().unwrap_or(0);
        // SAFETY: the buffer was initialized with zeros and recv wrote the first n bytes.
        buf[..n]
            .iter()
            .map(|b| unsafe { b.assume_init() })
            .collect()
    }

    fn close(fds: (RawFd, RawFd)) {
        // SAFETY: closing the pair this test opened.
        unsafe {
            libc::close(fds.0);
            libc::close(fds.1);
        }
    }

    #[test]
    fn a_complete_send_needs_no_message_and_settles_at_once() {
        let fds = socket_pair();
        let (_tx, rx) = oneshot::channel();
        let (owner, conn) = InFlight::new(fds.0, 7, rx, false);
        assert!(owner.finish(batch(b"+OK\r\n")).is_none());
        assert_eq!(read_all(fds.1), b"+OK\r\n");
        let (rest, consumed) = futures_lite::future::block_on(conn.settle());
        assert!(rest.is_empty() && !consumed);
        close(fds);
    }

    #[test]
    fn a_waiting_connection_is_answered_with_a_message() {
        let fds = socket_pair();
        let (tx, rx) = oneshot::channel();
        let (owner, conn) = InFlight::new(fds.0, 7, rx, false);
        // The connection wants to move on before the owner has written.
        let mut settle = Box::pin(conn.settle());
        let waker = futures_lite::future::block_on(futures_lite::future::poll_fn(|cx| {
            std::task::Poll::Ready(cx.waker().clone())
        }));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(settle.as_mut().poll(&mut cx).is_pending());
        let msg = owner
            .finish(batch(b":1\r\n"))
            .expect("a waiter gets a message");
        assert!(rest_of_ref(&msg).is_empty());
        tx.send(msg);
        let (rest, consumed) = futures_lite::future::block_on(settle);
        assert!(rest.is_empty() && consumed);
        assert_eq!(read_all(fds.1), b":1\r\n");
        close(fds);
    }

    #[test]
    fn a_failed_send_goes_back_whole() {
        let fds = socket_pair();
        // SAFETY: closing the peer so the owner's send fails.
        unsafe { libc::close(fds.1) };
        let (_tx, rx) = oneshot::channel();
        let (owner, _conn) = InFlight::new(fds.0, 7, rx, false);
        let msg = owner
            .finish(batch(b"$1\r\nx\r\n"))
            .expect("unsent bytes go back");
        assert_eq!(&rest_of(msg)[..], b"$1\r\nx\r\n");
        // SAFETY: closing our end.
        unsafe { libc::close(fds.0) };
    }

    fn rest_of_ref(p: &ReplyPayload) -> &[u8] {
        match p {
            ReplyPayload::Batch { buf, .. } => buf,
            ReplyPayload::Op(_) => &[],
        }
    }
}
