//! The master's stream, applied: its commands run as our "master client" (Redis's
//! `server.master`) through the ordinary batch machinery, and their bytes go to our own
//! log verbatim, so our offsets, replid and sub-replicas' stream are the master's.
//!
//! ```text
//!  input ─ parse complete commands ─ batch up to the last point outside a MULTI
//!        ─ hold the apply gate ─ run_batch (replies dropped) ─ append the bytes ─ release
//!  REPLCONF GETACK: ACK with the offset before it (then it is applied like the rest)
//!  every second: REPLCONF ACK <slave_repl_offset>
//! ```
//!
//! A MULTI ... EXEC from the master is applied only once its EXEC has arrived, as one
//! batch, so `slave_repl_offset` never points inside a transaction and a snapshot cut
//! (which takes the gate) never sees half of one.

use std::ops::Range;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::link::{LinkEnd, LinkResult, MasterConn};
use crate::protocol::{parse_request, Request};
use crate::server::client::{Client, ClientHandle, ClientInfo, ReplyMode};
use crate::server::log;
use crate::server::shard::ShardCtx;
use crate::server::Global;

/// Redis's replicas ACK from their once-a-second cron.
const ACK_PERIOD: Duration = Duration::from_secs(1);
/// Commands applied per batch at most.
const MAX_BATCH: usize = 1024;

/// Streams from the master until the link breaks or REPLICAOF changes.
pub(super) async fn stream(shard: &Rc<ShardCtx>, conn: &mut MasterConn) -> LinkResult<()> {
    let g = shard.global.clone();
    let mut client = master_client(shard, conn);
    let _registered = Registered(shard.clone(), client.id);
    client.db = g.replica.stream_db.load(Ordering::Acquire);
    g.replica.link_is_up();
    let mut last_ack = Instant::now();
    loop {
        apply_pending(&g, &mut client, conn).await?;
        if client.handle.is_killed() {
            return Err("Connection with master lost (killed by CLIENT KILL)."
                .to_string()
                .into());
        }
        if last_ack.elapsed() >= ACK_PERIOD {
            last_ack = Instant::now();
            conn.ack(g.replica.applied_offset.load(Ordering::Acquire))
                .await?;
        }
        conn.read_some(&g).await?;
        let applied = g.replica.applied_offset.load(Ordering::Acquire);
        g.replica
            .read_offset
            .store(applied + conn.pending().len() as u64, Ordering::Release);
    }
}

/// The master's client session, in shard 0's registry (CLIENT LIST flag `M`, CLIENT
/// KILL TYPE master).
fn master_client(shard: &Rc<ShardCtx>, conn: &MasterConn) -> Client {
    let g = &shard.global;
    let id = g.next_client_id.fetch_add(1, Ordering::Relaxed);
    let unspecified = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let peer = conn.stream.peer_addr().unwrap_or(unspecified);
    let local = conn.stream.local_addr().unwrap_or(unspecified);
    let handle = Rc::new(ClientHandle::new(ClientInfo::new(
        id, peer, local, shard.id, "M",
    )));
    shard
        .clients
        .borrow_mut()
        .clients
        .insert(id, handle.clone());
    g.connected_clients.fetch_add(1, Ordering::AcqRel);
    Client {
        shard: shard.clone(),
        id,
        db: 0,
        resp3: false,
        authenticated: true,
        reply_mode: ReplyMode::On,
        close_after_reply: false,
        peer,
        local,
        handle,
        out: BytesMut::new(),
        io: None,
        blocked_ns: 0,
        woff: 0,
        tx: None,
        multi: Default::default(),
        repl: None,
        is_master: true,
        in_flight: None,
    }
}

/// Takes the master client out of the registry when the stream ends.
struct Registered(Rc<ShardCtx>, u64);

impl Drop for Registered {
    fn drop(&mut self) {
        self.0.clients.borrow_mut().clients.remove(&self.1);
        self.0
            .global
            .connected_clients
            .fetch_sub(1, Ordering::AcqRel);
    }
}

/// What [`scan`] found at the front of the input.
enum Next {
    /// `count` commands in `bytes` bytes (ranges relative to the input's start), ending
    /// outside any MULTI.
    Batch {
        count: usize,
        bytes: usize,
        args: Vec<Vec<Range<usize>>>,
    },
    /// `REPLCONF GETACK` of `bytes` bytes, first in the input.
    GetAck { bytes: usize },
    /// An empty inline line (not part of the replication offsets): skip it.
    Skip { bytes: usize },
    /// Nothing complete outside a MULTI yet.
    Wait,
}

/// Splits the front of `input` into the next unit of work.
fn scan(input: &[u8], max_bulk_len: usize) -> Result<Next, String> {
    let mut used = 0;
    let mut in_multi = false;
    let mut args: Vec<Vec<Range<usize>>> = Vec::new();
    let mut boundary = (0, 0);
    while args.len() < MAX_BATCH {
        let (req, n) = match parse_request(&input[used..], max_bulk_len) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => return Err(format!("Protocol error from MASTER: {}", e.0)),
        };
        let ranges = match req {
            Request::Multibulk(ranges) if !ranges.is_empty() => ranges,
            Request::Empty | Request::Multibulk(_) if input[used] == b'*' => {
                // `*0`: counted by the master's offset like any bytes it sent.
                used += n;
                if !in_multi {
                    boundary = (args.len(), used);
                }
                continue;
            }
            Request::Empty | Request::Multibulk(_) => {
                // An empty line: not part of the replication offsets.
                if used == 0 {
                    return Ok(Next::Skip { bytes: n });
                }
                break;
            }
            Request::Inline(_) => {
                return Err("Master using the inline protocol. Desync?".into());
            }
        };
        let word = |i: usize| -> &[u8] {
            ranges
                .get(i)
                .map(|r| &input[used + r.start..used + r.end])
                .unwrap_or(b"")
        };
        let name = word(0);
        if !in_multi
            && name.eq_ignore_ascii_case(b"replconf")
            && word(1).eq_ignore_ascii_case(b"getack")
        {
            if args.is_empty() {
                return Ok(Next::GetAck { bytes: n });
            }
            break;
        }
        if name.eq_ignore_ascii_case(b"multi") {
            in_multi = true;
        } else if name.eq_ignore_ascii_case(b"exec") || name.eq_ignore_ascii_case(b"discard") {
            in_multi = false;
        }
        let base = used;
        args.push(
            ranges
                .into_iter()
                .map(|r| base + r.start..base + r.end)
                .collect(),
        );
        used += n;
        if !in_multi {
            boundary = (args.len(), used);
        }
    }
    let (count, bytes) = boundary;
    if bytes == 0 {
        return Ok(Next::Wait);
    }
    args.truncate(count);
    Ok(Next::Batch { count, bytes, args })
}

/// Applies every complete unit at the front of the input.
async fn apply_pending(g: &Global, client: &mut Client, conn: &mut MasterConn) -> LinkResult<()> {
    let max_bulk_len = client.shard.config().proto_max_bulk_len as usize;
    let producer = client.shard.id;
    let mut scratch = BytesMut::new();
    loop {
        match scan(conn.pending(), max_bulk_len).map_err(LinkEnd::Failed)? {
            Next::Wait => return Ok(()),
            Next::Skip { bytes } => conn.consume(bytes),
            Next::GetAck { bytes } => {
                // The ACK carries the offset before the GETACK (reference §1.6).
                let before = g.replica.applied_offset.load(Ordering::Acquire);
                conn.ack(before).await?;
                let record = conn.pending()[..bytes].to_vec();
                let _gate = g.replica.gate.hold().await;
                append(g, producer, &record, client.db);
                conn.consume(bytes);
            }
            Next::Batch { count, bytes, args } => {
                let frozen = Bytes::copy_from_slice(&conn.pending()[..bytes]);
                let cmds: Vec<Vec<Bytes>> = args
                    .into_iter()
                    .map(|a| a.into_iter().map(|r| frozen.slice(r)).collect())
                    .collect();
                debug_assert_eq!(cmds.len(), count);
                let _gate = g.replica.gate.hold().await;
                if g.replica.generation.load(Ordering::Acquire) != conn.generation {
                    // REPLICAOF NO ONE (or another master): nothing more of this one.
                    return Err(LinkEnd::Superseded);
                }
                client.run_batch(cmds, &mut scratch).await;
                scratch.clear();
                append(g, producer, &frozen, client.db);
                conn.consume(bytes);
            }
        }
    }
}

/// Appends applied master bytes to our log and advances `slave_repl_offset`.
fn append(g: &Global, producer: usize, bytes: &[u8], db: usize) {
    let expected = g.replica.applied_offset.load(Ordering::Acquire) + bytes.len() as u64;
    let end = g.repl_log.append(producer, None, bytes);
    if end != expected {
        log::warning(&format!(
            "Replication log offset {end} differs from the master's {expected}: something else appended to a replica's log"
        ));
    }
    g.replica.applied_offset.store(end, Ordering::Release);
    g.replica.stream_db.store(db, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::record::encode_command;

    fn cmds(list: &[&[&str]]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in list {
            encode_command(&mut out, c);
        }
        out
    }

    #[test]
    fn batches_end_outside_multi() {
        let input = cmds(&[&["SET", "a", "1"], &["MULTI"], &["SET", "b", "2"]]);
        let first = cmds(&[&["SET", "a", "1"]]).len();
        match scan(&input, 1 << 20).unwrap() {
            Next::Batch { count, bytes, .. } => assert_eq!((count, bytes), (1, first)),
            _ => panic!("expected a batch"),
        }
        match scan(&input[first..], 1 << 20).unwrap() {
            Next::Wait => {}
            _ => panic!("an open MULTI waits for its EXEC"),
        }
        let whole = cmds(&[&["MULTI"], &["SET", "b", "2"], &["EXEC"], &["PING"]]);
        match scan(&whole, 1 << 20).unwrap() {
            Next::Batch { count, bytes, args } => {
                assert_eq!((count, bytes), (4, whole.len()));
                assert_eq!(&whole[args[1][1].clone()], b"b");
            }
            _ => panic!("expected a batch"),
        }
    }

    #[test]
    fn getack_splits_batches_and_inline_is_refused() {
        let getack = cmds(&[&["REPLCONF", "GETACK", "*"]]);
        let set = cmds(&[&["SET", "a", "1"]]);
        let input = [set.clone(), getack.clone()].concat();
        match scan(&input, 1 << 20).unwrap() {
            Next::Batch { count, bytes, .. } => assert_eq!((count, bytes), (1, set.len())),
            _ => panic!("expected a batch"),
        }
        match scan(&getack, 1 << 20).unwrap() {
            Next::GetAck { bytes } => assert_eq!(bytes, getack.len()),
            _ => panic!("expected GETACK"),
        }
        assert!(matches!(
            scan(b"\n", 1 << 20).unwrap(),
            Next::Skip { bytes: 1 }
        ));
        assert!(scan(b"SET a 1\r\n", 1 << 20).is_err());
        assert!(matches!(
            scan(b"*3\r\n$3\r\nSET", 1 << 20).unwrap(),
            Next::Wait
        ));
    }
}
