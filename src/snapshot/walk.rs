//! One shard's side of a snapshot: install the copy-on-write state at the cut, then walk
//! every database in a low-priority task queue, shipping fragments to the writer.
//!
//! Database by database (in the numbers they had at the cut), one table segment per
//! step, the keyspace borrowed only within a step. After each step, every database's
//! in-flight fragment that reached [`FRAGMENT_BYTES`] is shipped (a write-heavy db not
//! walked yet fills its own fragment with old values), and a finished database's last
//! fragment. Shipping waits for room in the bounded queue: that is where the walk
//! pauses; writes never do, they only append to the fragment.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};
use glommio::{Latency, Shares, TaskQueueHandle};

use super::writer::Msg;
use super::{Control, EncodeEntry, FRAGMENT_BYTES};
use crate::server::shard::ShardCtx;
use crate::storage::snapshot_hook::Cow;
use crate::storage::Keyspace;

/// Shares of the snapshot's task queue (the default queue has 1000): under load the
/// walk gets about a tenth of the core, and all of it when the shard is idle.
const SHARES: usize = 100;
/// Steps between unconditional yields of the whole queue, so requests that arrived
/// meanwhile run even when glommio would not preempt yet.
const STEPS_PER_YIELD: u32 = 8;

/// What a walker needs of its shard: the keyspace.
pub(crate) trait KeyspaceOwner: 'static {
    fn keyspace(&self) -> &RefCell<Keyspace>;
}

impl KeyspaceOwner for ShardCtx {
    fn keyspace(&self) -> &RefCell<Keyspace> {
        &self.keyspace
    }
}

impl KeyspaceOwner for RefCell<Keyspace> {
    fn keyspace(&self) -> &RefCell<Keyspace> {
        self
    }
}

thread_local! {
    /// This thread's shard, for the walker task an install message starts (a shard
    /// message hands out `&ShardCtx`; a task outliving it needs the `Rc`).
    static SHARD: RefCell<Weak<ShardCtx>> = const { RefCell::new(Weak::new()) };
    static QUEUE: Cell<Option<TaskQueueHandle>> = const { Cell::new(None) };
}

/// Makes this executor's shard reachable by snapshot walkers; call once per shard at
/// start-up (`server::run_shard`).
pub fn register_shard(shard: &Rc<ShardCtx>) {
    SHARD.with(|s| *s.borrow_mut() = Rc::downgrade(shard));
}

/// This executor's snapshot task queue (created once).
fn queue() -> TaskQueueHandle {
    QUEUE.with(|q| {
        q.get().unwrap_or_else(|| {
            let tq = glommio::executor().create_task_queue(
                Shares::Static(SHARES),
                Latency::NotImportant,
                "snapshot",
            );
            q.set(Some(tq));
            tq
        })
    })
}

/// At the cut, on shard `s` (registered with [`register_shard`]): installs the copy-on-write state on every database and
/// starts the walker. Returns each database's (keys, keys with a TTL).
pub(crate) fn install(
    s: &ShardCtx,
    encode: EncodeEntry,
    tx: Sender<Msg>,
    control: Arc<Control>,
) -> Vec<(u64, u64)> {
    match SHARD.with(|w| w.borrow().upgrade()) {
        Some(owner) if owner.id == s.id => install_on(owner, encode, tx, control),
        _ => {
            let why = "shard not registered for snapshots".to_string();
            glommio::spawn_local(async move {
                let _ = send(&tx, Msg::Done { result: Err(why) }, &control).await;
            })
            .detach();
            Vec::new()
        }
    }
}

/// [`install`] for any keyspace owner (tests use a bare keyspace).
pub(crate) fn install_on<K: KeyspaceOwner>(
    owner: Rc<K>,
    encode: EncodeEntry,
    tx: Sender<Msg>,
    control: Arc<Control>,
) -> Vec<(u64, u64)> {
    let sizes = {
        let mut ks = owner.keyspace().borrow_mut();
        for (i, d) in ks.dbs.iter_mut().enumerate() {
            d.snapshot = Some(Box::new(Cow::new(i, encode)));
        }
        ks.dbs
            .iter()
            .map(|d| (d.len() as u64, d.volatile_len() as u64))
            .collect()
    };
    let (tx2, c) = (tx.clone(), control.clone());
    let task = async move {
        let result = walk(&*owner, &tx, &c).await;
        if result.is_err() {
            // Stop paying for the hooks at once.
            for d in owner.keyspace().borrow_mut().dbs.iter_mut() {
                if let Some(cow) = d.snapshot.take() {
                    (*cow).dispose();
                }
            }
        }
        let _ = send(&tx, Msg::Done { result }, &c).await;
    };
    if let Err(e) = glommio::spawn_local_into(task, queue()).map(|t| t.detach()) {
        // Unreachable on a running executor; the writer must still hear of this shard.
        crate::server::log::warning(&format!("Can't start the snapshot walk: {e}"));
        control.abort();
        let _ = tx2.try_send(Msg::Done {
            result: Err(e.to_string()),
        });
    }
    sizes
}

/// Walks every database to its end; `Err` when aborted or the writer is gone.
async fn walk<K: KeyspaceOwner>(
    owner: &K,
    tx: &Sender<Msg>,
    control: &Control,
) -> Result<(), String> {
    let databases = owner.keyspace().borrow().dbs.len();
    let mut steps = 0u32;
    for target in 0..databases {
        loop {
            if control.aborted() {
                return Err("aborted".into());
            }
            let (done, out) = {
                let mut ks = owner.keyspace().borrow_mut();
                let Some(i) = ks
                    .dbs
                    .iter()
                    .position(|d| d.snapshot.as_ref().is_some_and(|c| c.db == target))
                else {
                    return Err("the dataset was replaced during the snapshot".into());
                };
                let done = ks.dbs[i].snapshot_step().unwrap_or(true);
                let mut out = Vec::new();
                for d in ks.dbs.iter_mut() {
                    let Some(cow) = d.snapshot.as_deref_mut() else {
                        continue;
                    };
                    let last = done && cow.db == target;
                    let n = cow.pending_bytes();
                    if n >= FRAGMENT_BYTES || (last && n > 0) {
                        let (bytes, keys) = cow.take_fragment();
                        out.push(Msg::Fragment {
                            db: cow.db,
                            keys,
                            bytes,
                        });
                    }
                }
                if done {
                    ks.dbs[i].snapshot = None;
                }
                (done, out)
            };
            for m in out {
                send(tx, m, control).await?;
            }
            if done {
                break;
            }
            steps += 1;
            if steps.is_multiple_of(STEPS_PER_YIELD) {
                glommio::executor().yield_task_queue_now().await;
            } else {
                glommio::yield_if_needed().await;
            }
        }
    }
    Ok(())
}

/// Ships a message, pausing while the queue is full (the walk's only wait).
async fn send(tx: &Sender<Msg>, mut m: Msg, control: &Control) -> Result<(), String> {
    loop {
        match tx.try_send(m) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(back)) => {
                if control.aborted() && !matches!(back, Msg::Done { .. }) {
                    return Err("aborted".into());
                }
                m = back;
                glommio::timer::sleep(Duration::from_millis(1)).await;
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err("the snapshot writer stopped".into());
            }
        }
    }
}
