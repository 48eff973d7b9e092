//! Full resynchronization: rounds of replicas sharing one snapshot, and the framer that
//! turns the snapshot into the RDB a replica loads.
//!
//! ```text
//!  shard (SYNC/PSYNC decided "full"): enqueue(id) ── first one spawns the round task
//!  round task (on that shard): wait repl-diskless-sync-delay (or -max-replicas), and for
//!     no snapshot/BGSAVE to be running; take every waiting replica; snapshot::start with
//!     a ReplRdb framer; Round{members, rx} ──> replication core; wait; repeat while any wait
//!  snapshot writer thread: ReplRdb: Begin{offset} (the cut's log offset), Data(chunks),
//!     End ──bounded channel──> core's round task: feeds every member's link in order
//! ```
//!
//! Diskless (`repl-diskless-sync yes` and every member announced `capa eof`): the RDB
//! goes to the sockets as it is produced, framed `$EOF:<mark>` ... `<mark>`. Otherwise it
//! is written to `dir/dbfilename` (temp file, fsync, rename, as a disk BGSAVE) and sent
//! as `$<len>` from the file once complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::rdb::writer::Aux;
use crate::server::log;
use crate::server::shard::ShardCtx;
use crate::snapshot::{self, Cut, Framer, RdbFraming, SnapshotError};

/// RDB bytes per message to the core.
const CHUNK_BYTES: usize = 64 * 1024;
/// Messages in flight between the snapshot writer and the core.
const ROUND_QUEUE: usize = 16;

/// What the framer tells the core, in order.
#[derive(Debug)]
pub enum RdbMsg {
    /// The snapshot was cut at log offset `offset` (the `+FULLRESYNC` offset).
    Begin { offset: u64, replid: String },
    /// RDB bytes (diskless only).
    Data(Vec<u8>),
    /// The RDB is complete: diskless (`None`) or in this file.
    End(Result<Option<PathBuf>, String>),
}

/// One snapshot shared by the replicas waiting when it started.
pub struct Round {
    pub members: Vec<u64>,
    pub diskless: bool,
    pub rx: Receiver<RdbMsg>,
}

struct Waiting {
    client_id: u64,
    since: Instant,
    capa_eof: bool,
}

struct Queue {
    waiting: Vec<Waiting>,
    /// A round task exists (on some shard) and will take the waiting replicas.
    scheduled: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    waiting: Vec::new(),
    scheduled: false,
});

fn queue() -> std::sync::MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A replica handed to the core needs a full sync: it joins the next round.
pub fn enqueue(shard: &Rc<ShardCtx>, client_id: u64, capa_eof: bool) {
    let spawn = {
        let mut q = queue();
        q.waiting.push(Waiting {
            client_id,
            since: Instant::now(),
            capa_eof,
        });
        !std::mem::replace(&mut q.scheduled, true)
    };
    if spawn {
        // Outside the lock: glommio may run a spawned task right away.
        glommio::spawn_local(rounds(shard.clone())).detach();
    }
}

/// Whether the waiting replicas should get their snapshot now.
fn due(q: &Queue, delay: Duration, max: u64, diskless: bool) -> bool {
    let Some(oldest) = q.waiting.first() else {
        return false;
    };
    // A disk target has no reason to wait (Redis delays only socket targets).
    let disk = !diskless || q.waiting.iter().any(|w| !w.capa_eof);
    disk || oldest.since.elapsed() >= delay || (max > 0 && q.waiting.len() as u64 >= max)
}

/// Runs rounds on this shard while replicas wait.
async fn rounds(shard: Rc<ShardCtx>) {
    loop {
        let (delay, max, diskless, dir, dbfilename, checksum, compress) = {
            let c = shard.config();
            (
                Duration::from_secs(c.repl.diskless_sync_delay),
                c.repl.diskless_sync_max_replicas,
                c.repl.diskless_sync,
                std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                c.dbfilename.clone(),
                c.rdbchecksum,
                c.rdbcompression,
            )
        };
        let busy = snapshot::is_running()
            || shard
                .global
                .persist
                .bgsave_in_progress
                .load(Ordering::Acquire);
        let members = {
            let mut q = queue();
            if q.waiting.is_empty() {
                q.scheduled = false;
                return;
            }
            if busy || !due(&q, delay, max, diskless) {
                None
            } else {
                Some(std::mem::take(&mut q.waiting))
            }
        };
        let Some(members) = members else {
            glommio::timer::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let diskless = diskless && members.iter().all(|w| w.capa_eof);
        let (tx, rx) = crossbeam_channel::bounded(ROUND_QUEUE);
        let replid = shard.global.repl.ids().replid;
        let sink = if diskless {
            Sink::Socket
        } else {
            Sink::File {
                temp: dir.join(format!("temp-{}.rdb", std::process::id())),
                target: dir.join(&dbfilename),
                out: None,
            }
        };
        let framer = ReplRdb {
            tx: tx.clone(),
            sink,
            buf: Vec::with_capacity(CHUNK_BYTES * 2),
            framing: RdbFraming::new(checksum, compress),
            replid,
        };
        log::notice(&format!(
            "Starting BGSAVE for SYNC with target: {}",
            if diskless { "replicas sockets" } else { "disk" }
        ));
        let ids: Vec<u64> = members.iter().map(|w| w.client_id).collect();
        match snapshot::start(&shard, snapshot::encoder(compress), Box::new(framer)).await {
            Ok(handle) => {
                super::core::send_round(Round {
                    members: ids,
                    diskless,
                    rx,
                });
                let _ = handle.wait().await;
            }
            Err(SnapshotError::Busy) => {
                // A BGSAVE won the slot in between: wait for the next chance.
                let mut q = queue();
                let mut back = members;
                back.append(&mut q.waiting);
                q.waiting = back;
            }
            Err(e) => {
                log::warning(&format!("BGSAVE for replication failed: {e}"));
                let _ = tx.send(RdbMsg::End(Err(e.to_string())));
                super::core::send_round(Round {
                    members: ids,
                    diskless,
                    rx,
                });
            }
        }
    }
}

enum Sink {
    Socket,
    File {
        temp: PathBuf,
        target: PathBuf,
        out: Option<BufWriter<File>>,
    },
}

/// The RDB for replicas: Redis 7.0's header with the replication aux fields
/// (`repl-stream-db`, `repl-id`, `repl-offset`, reference §2.5), the fragments, EOF and
/// the CRC64; to the core in chunks, or to a file.
struct ReplRdb {
    tx: Sender<RdbMsg>,
    sink: Sink,
    buf: Vec<u8>,
    framing: RdbFraming,
    replid: String,
}

impl ReplRdb {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        match &mut self.sink {
            Sink::Socket => {
                let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES * 2));
                self.tx
                    .send(RdbMsg::Data(chunk))
                    .map_err(|_| std::io::Error::other("every replica of the sync is gone"))
            }
            Sink::File { out, .. } => {
                let f = out
                    .as_mut()
                    .ok_or_else(|| std::io::Error::other("RDB file not open"))?;
                f.write_all(&self.buf)?;
                self.buf.clear();
                Ok(())
            }
        }
    }
}

impl Framer for ReplRdb {
    fn begin(&mut self, cut: &Cut) -> std::io::Result<()> {
        let offset = cut.repl_offset.unwrap_or(0);
        // The cut's replication info when it has one: on a replica (a chained sync) the
        // stream db is the master stream's, which our verbatim log never re-SELECTs.
        let (stream_db, replid) = match &cut.repl {
            Some((db, id, _)) => (*db, id.clone()),
            None => (0, self.replid.clone()),
        };
        if let Sink::File { temp, out, .. } = &mut self.sink {
            *out = Some(BufWriter::with_capacity(1 << 20, File::create(&*temp)?));
        }
        self.tx
            .send(RdbMsg::Begin {
                offset,
                replid: replid.clone(),
            })
            .map_err(|_| std::io::Error::other("every replica of the sync is gone"))?;
        let header = self.framing.header(
            cut,
            Aux {
                // A master's stream after the cut starts with SELECT (the log forgot
                // its db): the cut's db is 0 then.
                repl: Some((stream_db, replid, offset)),
                ..Aux::default()
            },
        );
        self.write(&header)
    }

    fn select_db(&mut self, db: usize) -> std::io::Result<()> {
        let bytes = self.framing.select_db(db);
        self.write(&bytes)
    }

    fn fragment(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.framing.fragment(bytes);
        self.write(bytes)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        let trailer = self.framing.trailer();
        self.write(&trailer)?;
        self.flush()?;
        let done = match &mut self.sink {
            Sink::Socket => None,
            Sink::File { temp, target, out } => {
                let f = out
                    .take()
                    .ok_or_else(|| std::io::Error::other("RDB file not open"))?;
                let file = f.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                drop(file);
                std::fs::rename(&*temp, &*target)?;
                Some(target.clone())
            }
        };
        let _ = self.tx.send(RdbMsg::End(Ok(done)));
        Ok(())
    }

    fn abort(&mut self) {
        if let Sink::File { temp, out, .. } = &mut self.sink {
            *out = None;
            let _ = std::fs::remove_file(&*temp);
        }
        let _ = self.tx.send(RdbMsg::End(Err("snapshot aborted".into())));
    }
}
