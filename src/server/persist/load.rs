//! Loading: the start-up load (decoded on the main thread, inserted by each shard, with
//! `-LOADING` for clients meanwhile) and DEBUG RELOAD.

use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{save, target, Status};
use crate::rdb::load::LoadedKey;
use crate::rdb::RdbError;
use crate::server::log;
use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::slot::key_shard;
use crate::server::txn;
use crate::server::Shutdown;
use crate::storage::value::EncodingLimits;

/// How the start-up load ended.
#[derive(Debug)]
pub enum LoadOutcome {
    /// Loaded, or no file: serve.
    Loaded,
    /// The server must not start (logged).
    Failed,
    /// A shutdown was asked for meanwhile: exit without saving.
    Stopped(Shutdown),
}

/// Keys a shard inserts between yields while loading.
const LOAD_CHUNK: usize = 1024;

/// Why a file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// No file: start empty.
    Missing,
    Io(String),
    Rdb(RdbError),
}

/// A decoded file, split by owner shard, expired keys already dropped.
pub struct Decoded {
    pub by_shard: Vec<Vec<LoadedKey>>,
    pub loaded: u64,
    pub expired: u64,
    pub redis_ver: Option<String>,
}

/// Reads and decodes `path` (a blocking call: the main thread or a helper thread).
pub fn read_and_decode(
    path: &Path,
    limits: &EncodingLimits,
    databases: usize,
    nshards: usize,
) -> Result<Decoded, LoadError> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::Missing),
        Err(e) => return Err(LoadError::Io(e.to_string())),
    };
    let file = crate::rdb::load::load(&data, limits, databases).map_err(LoadError::Rdb)?;
    let redis_ver = file
        .aux(b"redis-ver")
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let now = unix_ms();
    let mut by_shard: Vec<Vec<LoadedKey>> = (0..nshards).map(|_| Vec::new()).collect();
    let (mut loaded, mut expired) = (0, 0);
    for k in file.keys {
        // A master drops what expired while the file sat on disk (Redis: `iAmMaster()`).
        if k.expire_at_ms.is_some_and(|at| at < now) {
            expired += 1;
            continue;
        }
        loaded += 1;
        by_shard[key_shard(&k.key, nshards)].push(k);
    }
    Ok(Decoded {
        by_shard,
        loaded,
        expired,
        redis_ver,
    })
}

/// Inserts loaded keys into this shard's keyspace.
fn install(s: &ShardCtx, keys: impl Iterator<Item = LoadedKey>) {
    let mut ks = s.keyspace.borrow_mut();
    for k in keys {
        if let Some(db) = ks.dbs.get_mut(k.db) {
            db.insert(k.value.into_entry(&k.key, k.expire_at_ms));
        }
    }
}

/// Start-up, before the shards start: whether a file will be loaded (commands get
/// `-LOADING` until it is).
pub fn begin_startup_load(status: &Status, path: &Path) -> bool {
    let exists = path.exists();
    status.loading.store(exists, Ordering::Release);
    exists
}

/// Start-up, on the main thread once the shards serve: loads the file, hands each shard
/// its keys and waits until they are in. A shutdown asked for meanwhile stops it.
pub fn startup_load(
    status: &Status,
    path: &Path,
    limits: &EncodingLimits,
    databases: usize,
    stop: &crossbeam_channel::Receiver<Shutdown>,
) -> LoadOutcome {
    let started = Instant::now();
    let nshards = status.dirty.len();
    // Decoded on a helper thread so a SIGTERM or SHUTDOWN meanwhile ends the process at
    // once, without saving, as Redis does while loading.
    let (tx, rx) = crossbeam_channel::bounded(1);
    let (file, limits_copy) = (path.to_path_buf(), *limits);
    let spawned = std::thread::Builder::new()
        .name("rdb-reader".into())
        .spawn(move || {
            let _ = tx.send(read_and_decode(&file, &limits_copy, databases, nshards));
        });
    if let Err(e) = spawned {
        log::warning(&format!("Fatal error loading the DB: {e}. Exiting."));
        return LoadOutcome::Failed;
    }
    let decoded = crossbeam_channel::select! {
        recv(rx) -> r => r.unwrap_or_else(|_| Err(LoadError::Io("the reader thread died".into()))),
        recv(stop) -> why => return LoadOutcome::Stopped(why.unwrap_or(Shutdown::Command)),
    };
    let decoded = match decoded {
        Ok(d) => d,
        Err(LoadError::Missing) => {
            status.loading.store(false, Ordering::Release);
            return LoadOutcome::Loaded;
        }
        Err(LoadError::Io(e)) => {
            log::warning(&format!("Fatal error loading the DB: {e}. Exiting."));
            return LoadOutcome::Failed;
        }
        Err(LoadError::Rdb(e)) => {
            log::warning(&format!(
                "Internal error in RDB reading offset {} -> {e}",
                e.offset()
            ));
            log::warning("Terminating server after rdb file reading failure.");
            return LoadOutcome::Failed;
        }
    };
    if let Some(v) = &decoded.redis_ver {
        log::notice(&format!("Loading RDB produced by version {v}"));
    }
    status
        .load_keys_loaded
        .store(decoded.loaded, Ordering::Relaxed);
    status
        .load_keys_expired
        .store(decoded.expired, Ordering::Relaxed);
    status.loading_shards.store(nshards, Ordering::Release);
    if let Ok(mut p) = status.pending_load.lock() {
        *p = decoded.by_shard.into_iter().map(Some).collect();
    }
    while status.loading_shards.load(Ordering::Acquire) > 0 {
        if let Ok(why) = stop.try_recv() {
            return LoadOutcome::Stopped(why);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    log::notice(&format!(
        "Done loading RDB, keys loaded: {}, keys expired: {}.",
        decoded.loaded, decoded.expired
    ));
    log::notice(&format!(
        "DB loaded from disk: {:.3} seconds",
        started.elapsed().as_secs_f64()
    ));
    status.loading.store(false, Ordering::Release);
    LoadOutcome::Loaded
}

/// A shard's part of the start-up load: waits for its keys, inserts them in chunks
/// (serving its other work between chunks), then reports done.
pub async fn load_task(shard: Rc<ShardCtx>) {
    let status = &shard.global.persist;
    let keys = loop {
        if !status.loading.load(Ordering::Acquire) {
            return;
        }
        let mine = status
            .pending_load
            .lock()
            .ok()
            .and_then(|mut p| p.get_mut(shard.id).and_then(Option::take));
        if let Some(keys) = mine {
            break keys;
        }
        glommio::timer::sleep(Duration::from_millis(1)).await;
    };
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        install(&shard, keys.by_ref().take(LOAD_CHUNK));
        glommio::executor().yield_task_queue_now().await;
    }
    status.loading_shards.fetch_sub(1, Ordering::AcqRel);
}

/// DEBUG RELOAD's options (`debugCommand`): NOSAVE loads the file as it is, NOFLUSH keeps
/// the current keys (a loaded key replaces an existing one; Redis allows that only with
/// MERGE and stops on a duplicate otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReloadOptions {
    pub save: bool,
    pub flush: bool,
}

/// DEBUG RELOAD: save, then empty every database and load the file back, all under the
/// whole-keyspace locks so no command sees the gap. `Err`: the reply.
pub async fn debug_reload(shard: &Rc<ShardCtx>, opts: ReloadOptions) -> Result<(), String> {
    if opts.save {
        match save(shard).await {
            Ok(()) => {}
            Err(None) => return Err("ERR Background save already in progress".into()),
            Err(Some(_)) => return Err("ERR".into()),
        }
    }
    let databases = shard.config().databases;
    let limits = shard.config().encoding;
    let held = txn::acquire(shard, txn::whole_keyspace(shard.nshards, databases)).await;
    let (dir, name) = target(shard);
    let nshards = shard.nshards;
    let (tx, rx) = crossbeam_channel::bounded(1);
    let spawned = std::thread::Builder::new()
        .name("rdb-reader".into())
        .spawn(move || {
            let _ = tx.send(read_and_decode(
                &dir.join(name),
                &limits,
                databases,
                nshards,
            ));
        });
    let decoded = match spawned {
        Ok(_) => recv_cross(&rx).await,
        Err(_) => None,
    };
    let r = match decoded {
        Some(Ok(d)) => {
            for (s, keys) in d.by_shard.into_iter().enumerate() {
                shard
                    .run_on(s, move |s: &ShardCtx| {
                        if opts.flush {
                            let hasher = s.keyspace.borrow().hasher();
                            for db in s.keyspace.borrow_mut().dbs.iter_mut() {
                                db.clear(hasher.clone());
                            }
                        }
                        install(s, keys.into_iter());
                    })
                    .await;
            }
            log::notice("DB reloaded by DEBUG RELOAD");
            Ok(())
        }
        Some(Err(e)) => {
            log::warning(&format!("DEBUG RELOAD: {e:?}"));
            Err("ERR Error trying to load the RDB dump".into())
        }
        None => Err("ERR Error trying to load the RDB dump".into()),
    };
    txn::release(shard, held).await;
    r
}

/// Waits for a message from another thread, polling with a short timer.
async fn recv_cross<T>(rx: &crossbeam_channel::Receiver<T>) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(v) => return Some(v),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return None,
            Err(crossbeam_channel::TryRecvError::Empty) => {
                glommio::timer::sleep(Duration::from_millis(1)).await
            }
        }
    }
}
