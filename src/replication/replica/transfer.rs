//! A full sync on the replica side: receive the master's RDB (`$<len>` or
//! `$EOF:<mark>` framing, reference §1.4), decode it off the shards, replace every
//! shard's data with it, and take the master's replid and offset.
//!
//! The load is a pipeline, so receiving, decoding and inserting overlap:
//!
//! ```text
//!  link (shard 0): socket ─ chunks ──bounded──> decoder thread: rdb::load::StreamLoader
//!     (items decoded as their bytes complete, CRC over the whole file), each key made an
//!     Entry and batched by owner shard ──bounded, one per shard──> an installer task per
//!     shard on shard 0: one run_on message per batch, inserted on the owner
//!  all under the whole-keyspace locks, after every shard dropped its old data (freed on
//!  a thread); already-expired keys are kept (a replica waits for the master's DEL)
//!  then: log reset to the FULLRESYNC offset, ids = the master's, sub-replicas dropped
//! ```
//!
//! Clients get `-LOADING` from the bulk header until the data is in. From the moment the
//! old data goes the cached master is forgotten: a failed load leaves empty databases and
//! the next attempt is a full sync.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::link::{LinkEnd, LinkResult, MasterConn};
use super::{LinkState, Transfer};
use crate::rdb::load::{Item, StreamLoader};
use crate::rdb::RdbError;
use crate::server::log;
use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::slot::key_shard;
use crate::server::txn;
use crate::server::Global;
use crate::storage::value::EncodingLimits;
use crate::storage::Entry;

/// The length of the `$EOF:` mark.
const EOF_MARK_LEN: usize = 40;
/// While loading, a newline to the master this often keeps its `repl-timeout` quiet.
const NEWLINE_PERIOD: Duration = Duration::from_secs(1);

/// How the RDB is framed.
enum Framing {
    Len(usize),
    Eof(Vec<u8>),
}

/// Receives and loads the RDB of a `+FULLRESYNC <replid> <offset>`.
pub(super) async fn full_sync(
    shard: &Rc<ShardCtx>,
    conn: &mut MasterConn,
    replid: String,
    offset: u64,
) -> LinkResult<()> {
    let g = &shard.global;
    g.replica.update(|i| {
        i.state = LinkState::Sync;
        i.transfer = Some(Transfer {
            total_bytes: -1,
            read_bytes: 0,
            last_io_unix_ms: unix_ms(),
        });
    });
    let framing = bulk_header(shard, conn).await?;
    // From here our old data goes: it can no longer be continued with PSYNC.
    g.replica.update(|i| i.cached = None);
    g.persist.loading.store(true, Ordering::Release);
    let stream_db = match receive_and_load(shard, conn, &framing).await {
        Ok(db) => db,
        Err(e) => {
            g.persist.loading.store(false, Ordering::Release);
            return Err(e);
        }
    };
    if g.replica.generation.load(Ordering::Acquire) != conn.generation {
        // REPLICAOF changed while we loaded: the data stays, but it is neither our old
        // history nor (no longer following) the master's: start a new one.
        *g.repl.ids.lock().unwrap_or_else(|e| e.into_inner()) =
            crate::replication::state::Ids::fresh();
        g.repl_log.forget_db();
        g.repl.drop_all_replicas();
        g.persist.loading.store(false, Ordering::Release);
        return Err(LinkEnd::Superseded);
    }
    // The master's history is ours now: same replid, same offsets.
    g.repl_log.reset(offset);
    {
        let mut ids = g.repl.ids.lock().unwrap_or_else(|e| e.into_inner());
        *ids = crate::replication::state::Ids {
            replid,
            ..crate::replication::state::Ids::fresh()
        };
    }
    g.replica.applied_offset.store(offset, Ordering::Release);
    g.replica.read_offset.store(offset, Ordering::Release);
    g.replica.stream_db.store(stream_db, Ordering::Release);
    // Our replicas had another history: they must full sync from us again.
    g.repl.drop_all_replicas();
    g.persist.loading.store(false, Ordering::Release);
    log::notice("MASTER <-> REPLICA sync: Finished with success");
    // An EOF-framed RDB's master sends nothing more until this first ACK.
    conn.ack(offset).await
}

/// The `$...` line, after any keepalive newlines.
async fn bulk_header(shard: &ShardCtx, conn: &mut MasterConn) -> LinkResult<Framing> {
    let line = loop {
        let l = conn.line(&shard.global).await?;
        if !l.is_empty() {
            break l;
        }
    };
    let text = String::from_utf8_lossy(&line).into_owned();
    match line[0] {
        b'-' => Err(format!("MASTER aborted replication with an error: {}", &text[1..]).into()),
        b'$' => {
            if let Some(mark) = line.strip_prefix(b"$EOF:") {
                if mark.len() == EOF_MARK_LEN {
                    log::notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to memory");
                    return Ok(Framing::Eof(mark.to_vec()));
                }
            }
            let len: usize = text[1..]
                .parse()
                .map_err(|_| format!("Bad protocol from MASTER, bad bulk length: {text}"))?;
            log::notice(&format!(
                "MASTER <-> REPLICA sync: receiving {len} bytes from master to memory"
            ));
            shard.global.replica.update(|i| {
                if let Some(t) = &mut i.transfer {
                    t.total_bytes = len as i64;
                }
            });
            Ok(Framing::Len(len))
        }
        _ => Err(format!(
            "Bad protocol from MASTER, the first byte is not '$' (we received '{text}'), are you sure the host and port are right?"
        )
        .into()),
    }
}

/// Batches of decoded keys per installer message.
const BATCH_KEYS: usize = 4096;
/// Received chunks queued for the decoder.
const CHUNKS_IN_FLIGHT: usize = 64;
/// Decoded batches queued per shard.
const BATCHES_IN_FLIGHT: usize = 16;
/// How long a task waits before looking at a cross-thread queue again.
const POLL: Duration = Duration::from_micros(200);

type Batch = Vec<(usize, Entry)>;

/// Receives the RDB and loads it through the pipeline; returns `repl-stream-db`.
async fn receive_and_load(
    shard: &Rc<ShardCtx>,
    conn: &mut MasterConn,
    framing: &Framing,
) -> LinkResult<usize> {
    let g = shard.global.clone();
    let (limits, databases, nshards) = {
        let c = shard.config();
        (c.encoding, c.databases, shard.nshards)
    };
    let (bytes_tx, bytes_rx) = crossbeam_channel::bounded::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let (batch_txs, batch_rxs): (Vec<_>, Vec<_>) = (0..nshards)
        .map(|_| crossbeam_channel::bounded::<Batch>(BATCHES_IN_FLIGHT))
        .unzip();
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("rdb-replica".into())
        .spawn(move || {
            let r = decode(bytes_rx, &batch_txs, limits, databases);
            drop(batch_txs);
            let _ = done_tx.send(r);
        })
        .map_err(|e| format!("Can't start the RDB decoder: {e}"))?;
    crate::snapshot::abort_running();
    let held = txn::acquire(shard, txn::whole_keyspace(nshards, databases)).await;
    log::notice("MASTER <-> REPLICA sync: Flushing old data");
    flush_all(shard).await;
    log::notice("MASTER <-> REPLICA sync: Loading DB in memory");
    let installers: Vec<_> = batch_rxs
        .into_iter()
        .enumerate()
        .map(|(s, rx)| glommio::spawn_local(install_from(shard.clone(), s, rx)))
        .collect();
    let received = forward(&g, conn, framing, bytes_tx).await;
    // Waits for the decoder (it ends once its input ends), writing the master a newline
    // every second meanwhile so its repl-timeout does not fire.
    let mut last_newline = Instant::now();
    let decoded = loop {
        match done_rx.try_recv() {
            Ok(r) => break r.map_err(|e| format!("{e}")),
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                break Err("the RDB decoder died".into())
            }
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
        if received.is_ok() && last_newline.elapsed() >= NEWLINE_PERIOD {
            last_newline = Instant::now();
            if let Err(e) = conn.send(b"\n").await {
                break Err(match e {
                    LinkEnd::Failed(s) => s,
                    LinkEnd::Superseded => "superseded".into(),
                });
            }
        }
        glommio::timer::sleep(Duration::from_millis(1)).await;
    };
    for i in installers {
        i.await;
    }
    let outcome = received.and_then(|n| {
        log::notice(&format!(
            "MASTER <-> REPLICA sync: Finished receiving {n} bytes of RDB from master"
        ));
        decoded.map_err(|e| {
            format!("Failed trying to load the MASTER synchronization DB from socket: {e}").into()
        })
    });
    if outcome.is_err() {
        // No half dataset stays behind.
        flush_all(shard).await;
    }
    txn::release(shard, held).await;
    outcome
}

/// Hands the RDB's bytes to the decoder as they arrive; returns how many there were.
/// After a `$<len>` RDB the master's stream may follow at once: it stays in `conn`.
/// After an EOF mark nothing follows until our first ACK; the last 40 bytes received
/// are held back until it is clear whether they are the mark.
async fn forward(
    g: &Global,
    conn: &mut MasterConn,
    framing: &Framing,
    tx: crossbeam_channel::Sender<Vec<u8>>,
) -> LinkResult<u64> {
    let mut got = 0u64;
    loop {
        let pending = conn.pending();
        let (send, consume, done) = match framing {
            Framing::Len(len) => {
                let n = pending.len().min(*len - got as usize);
                (n, n, got as usize + n == *len)
            }
            Framing::Eof(mark) => {
                if pending.len() >= mark.len() && pending.ends_with(mark) {
                    (pending.len() - mark.len(), pending.len(), true)
                } else {
                    let n = pending.len().saturating_sub(mark.len());
                    (n, n, false)
                }
            }
        };
        if send > 0 {
            let mut chunk = pending[..send].to_vec();
            got += send as u64;
            loop {
                match tx.try_send(chunk) {
                    Ok(()) => break,
                    Err(crossbeam_channel::TrySendError::Full(c)) => {
                        chunk = c;
                        glommio::timer::sleep(POLL).await;
                    }
                    Err(crossbeam_channel::TrySendError::Disconnected(_)) => {
                        // The decoder stopped on an error: it reports it.
                        return Ok(got);
                    }
                }
            }
            g.replica.update(|i| {
                if let Some(t) = &mut i.transfer {
                    t.read_bytes = got;
                    t.last_io_unix_ms = unix_ms();
                }
            });
        }
        conn.consume(consume);
        if done {
            return Ok(got);
        }
        conn.read_some(g).await?;
    }
}

/// The decoder thread: RDB bytes in, batches of entries per owner shard out. Returns
/// `repl-stream-db` (0 when absent).
fn decode(
    input: crossbeam_channel::Receiver<Vec<u8>>,
    out: &[crossbeam_channel::Sender<Batch>],
    limits: EncodingLimits,
    databases: usize,
) -> Result<usize, RdbError> {
    let nshards = out.len();
    let mut loader = StreamLoader::new(limits, databases);
    let mut batches: Vec<Batch> = (0..nshards)
        .map(|_| Vec::with_capacity(BATCH_KEYS))
        .collect();
    let mut stream_db = 0;
    let send = |s: usize, batch: Batch| {
        // An installer gone means the load was abandoned: stop decoding.
        out[s]
            .send(batch)
            .map_err(|_| RdbError::unsupported(0, "an abandoned load"))
    };
    let mut take = |item: Item, batches: &mut Vec<Batch>| -> Result<(), RdbError> {
        match item {
            Item::Key(k) => {
                let s = key_shard(&k.key, nshards);
                batches[s].push((k.db, k.value.into_entry(&k.key, k.expire_at_ms)));
                if batches[s].len() >= BATCH_KEYS {
                    let full = std::mem::replace(&mut batches[s], Vec::with_capacity(BATCH_KEYS));
                    send(s, full)?;
                }
            }
            Item::Aux(k, v) if k == b"repl-stream-db" => {
                stream_db = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .filter(|db| *db < databases)
                    .unwrap_or(0);
            }
            Item::Aux(..) | Item::SkippedEmpty => {}
        }
        Ok(())
    };
    for chunk in input.iter() {
        loader.feed(&chunk);
        drop(chunk);
        while let Some(item) = loader.next_item()? {
            take(item, &mut batches)?;
        }
    }
    loader.end_of_input();
    while let Some(item) = loader.next_item()? {
        take(item, &mut batches)?;
    }
    if !loader.is_done() {
        return Err(RdbError::Truncated {
            offset: loader.pending(),
        });
    }
    for (s, batch) in batches.into_iter().enumerate() {
        if !batch.is_empty() {
            send(s, batch)?;
        }
    }
    Ok(stream_db)
}

/// Inserts the batches for `target` as the decoder sends them, until it is done.
async fn install_from(shard: Rc<ShardCtx>, target: usize, rx: crossbeam_channel::Receiver<Batch>) {
    loop {
        match rx.try_recv() {
            Ok(batch) => {
                shard
                    .run_on(target, move |s: &ShardCtx| {
                        let mut ks = s.keyspace.borrow_mut();
                        for (db, entry) in batch {
                            if let Some(d) = ks.dbs.get_mut(db) {
                                d.insert(entry);
                            }
                        }
                    })
                    .await
            }
            Err(crossbeam_channel::TryRecvError::Empty) => glommio::timer::sleep(POLL).await,
            Err(crossbeam_channel::TryRecvError::Disconnected) => return,
        }
    }
}

/// Empties every database of every shard; the old data is freed on a thread.
async fn flush_all(shard: &Rc<ShardCtx>) {
    shard
        .fanout(|s| {
            let mut ks = s.keyspace.borrow_mut();
            let hasher = ks.hasher();
            let old: Vec<_> = ks.dbs.iter_mut().map(|d| d.clear(hasher.clone())).collect();
            std::thread::spawn(move || drop(old));
        })
        .await;
}
