//! The one writer of a snapshot: a thread that owns the [`Framer`] and receives every
//! shard's fragments from the bounded queue.
//!
//! It calls `select_db` whenever the database changes between fragments, counts
//! progress, and finishes once every shard reported done. After a failure (its own I/O
//! error, a walker's, an abort) it keeps draining the queue until every shard reported,
//! so no walker waits forever on a full queue, then calls [`Framer::abort`].

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crossbeam_channel::Receiver;

use super::{Control, Cut, Framer, Outcome, SnapshotError, Summary};
use crate::server::shard::unix_ms;

pub(crate) enum Msg {
    /// Serialized entries of database `db` (its number at the cut).
    Fragment {
        db: usize,
        keys: u64,
        bytes: Vec<u8>,
    },
    /// A shard's walk ended (every fragment of it was sent before).
    Done { result: Result<(), String> },
}

/// Starts the writer thread for `shards` walkers.
pub(crate) fn spawn(
    framer: Box<dyn Framer>,
    rx: Receiver<Msg>,
    cut: Cut,
    shards: usize,
    control: Arc<Control>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("snapshot-writer".into())
        .spawn(move || {
            let outcome = run(framer, rx, cut, shards, &control);
            control.complete(outcome);
        })
        .map(drop)
}

fn run(
    mut framer: Box<dyn Framer>,
    rx: Receiver<Msg>,
    cut: Cut,
    shards: usize,
    control: &Arc<Control>,
) -> Outcome {
    let mut failed: Option<SnapshotError> = None;
    let fail = |e: SnapshotError, failed: &mut Option<SnapshotError>| {
        control.abort();
        failed.get_or_insert(e);
    };
    if let Err(e) = framer.begin(&cut) {
        fail(SnapshotError::Io(e), &mut failed);
    }
    let mut current_db = None;
    let mut done = 0;
    while done < shards {
        match rx.recv() {
            Ok(Msg::Fragment { db, keys, bytes }) => {
                if failed.is_some() {
                    continue;
                }
                let mut write = || {
                    if current_db != Some(db) {
                        framer.select_db(db)?;
                        current_db = Some(db);
                    }
                    framer.fragment(&bytes)
                };
                match write() {
                    Ok(()) => {
                        control.keys.fetch_add(keys, Ordering::Relaxed);
                        control
                            .bytes
                            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    }
                    Err(e) => fail(SnapshotError::Io(e), &mut failed),
                }
            }
            Ok(Msg::Done { result }) => {
                done += 1;
                if let Err(why) = result {
                    let e = if control.aborted() {
                        SnapshotError::Aborted
                    } else {
                        SnapshotError::Failed(why)
                    };
                    fail(e, &mut failed);
                }
            }
            Err(_) => {
                // Every walker dropped its sender without reporting: a shard is gone.
                fail(
                    SnapshotError::Failed("a shard stopped during the snapshot".into()),
                    &mut failed,
                );
                break;
            }
        }
    }
    if failed.is_none() && control.aborted() {
        failed = Some(SnapshotError::Aborted);
    }
    if let Some(e) = failed {
        framer.abort();
        return Err(e);
    }
    framer.finish()?;
    Ok(Summary {
        cut,
        keys: control.keys.load(Ordering::Relaxed),
        bytes: control.bytes.load(Ordering::Relaxed),
        finished_unix_ms: unix_ms(),
    })
}
