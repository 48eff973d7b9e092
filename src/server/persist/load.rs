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
use crate::server::{Global, Shutdown};
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

/// A decoded file, split by owner shard, expired keys already dropped (for a master).
pub struct Decoded {
    pub by_shard: Vec<Vec<LoadedKey>>,
    /// The keys a master dropped because they had expired, `(db, key)` by owner shard,
    /// when [`DecodeAs::collect_expired`] asked for them and the file has replication
    /// info: the start-up load feeds them to the log as `DEL`s.
    pub expired_by_shard: Vec<Vec<(usize, Vec<u8>)>>,
    pub loaded: u64,
    pub expired: u64,
    pub redis_ver: Option<String>,
    /// The file's replication info, when valid.
    pub repl: Option<ReplAux>,
}

/// How a file is decoded for the role we have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeAs {
    /// A replica keeps keys already expired (its master deletes them with a `DEL` in the
    /// stream); a master drops them (Redis 7.0 `rdbLoadRioWithLoadingCtx`: `iAmMaster()`).
    pub keep_expired: bool,
    /// A master at start-up: remember the dropped keys for the replication log
    /// (Redis's `RDBFLAGS_FEED_REPL`).
    pub collect_expired: bool,
}

/// The replication info of an RDB file (aux `repl-stream-db`, `repl-id`,
/// `repl-offset`), valid as Redis 7.0's `loadDataFromDisk` requires: a 40-character id,
/// an offset and a stream db, none of them -1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplAux {
    pub stream_db: i64,
    pub replid: String,
    pub offset: u64,
}

/// C's `strtoll(s, NULL, 10)` / `atoi`: leading spaces, an optional sign, digits up to
/// the first other byte; 0 without digits (saturating where C's result is undefined).
fn c_atoll(s: &[u8]) -> i64 {
    let mut i = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .unwrap_or(s.len());
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    for &b in s[i..].iter().take_while(|b| b.is_ascii_digit()) {
        let d = i64::from(b - b'0');
        n = if negative {
            n.saturating_mul(10).saturating_sub(d)
        } else {
            n.saturating_mul(10).saturating_add(d)
        };
    }
    n
}

/// Reads the replication aux fields as `rdbLoadRioWithLoadingCtx` does: names compared
/// without case, a later field overriding an earlier one, `repl-id` taken only when it
/// has exactly 40 characters. `None` unless all three are there and valid.
pub fn repl_aux(aux: &[(Vec<u8>, Vec<u8>)]) -> Option<ReplAux> {
    let (mut db, mut id, mut offset) = (-1i64, None, -1i64);
    for (k, v) in aux {
        if k.eq_ignore_ascii_case(b"repl-stream-db") {
            db = c_atoll(v).clamp(i64::from(i32::MIN), i64::from(i32::MAX));
        } else if k.eq_ignore_ascii_case(b"repl-id") {
            if v.len() == 40 {
                id = Some(String::from_utf8_lossy(v).into_owned());
            }
        } else if k.eq_ignore_ascii_case(b"repl-offset") {
            offset = c_atoll(v);
        }
    }
    let replid = id?;
    // Redis only rejects -1; a negative offset cannot be a position in our log.
    if db == -1 || offset < 0 {
        return None;
    }
    Some(ReplAux {
        stream_db: db,
        replid,
        offset: offset as u64,
    })
}

/// Reads and decodes `path` (a blocking call: the main thread or a helper thread).
pub fn read_and_decode(
    path: &Path,
    limits: &EncodingLimits,
    databases: usize,
    nshards: usize,
    how: DecodeAs,
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
    let repl = repl_aux(&file.aux);
    // Without replication info the log starts a new history: nothing to feed.
    let collect = how.collect_expired && repl.is_some();
    let now = unix_ms();
    let mut by_shard: Vec<Vec<LoadedKey>> = (0..nshards).map(|_| Vec::new()).collect();
    let mut expired_by_shard: Vec<Vec<(usize, Vec<u8>)>> =
        (0..nshards).map(|_| Vec::new()).collect();
    let (mut loaded, mut expired) = (0, 0);
    for k in file.keys {
        // A master drops what expired while the file sat on disk (Redis: `iAmMaster()`).
        if !how.keep_expired && k.expire_at_ms.is_some_and(|at| at < now) {
            expired += 1;
            if collect {
                expired_by_shard[key_shard(&k.key, nshards)].push((k.db, k.key));
            }
            continue;
        }
        loaded += 1;
        by_shard[key_shard(&k.key, nshards)].push(k);
    }
    Ok(Decoded {
        by_shard,
        expired_by_shard,
        loaded,
        expired,
        redis_ver,
        repl,
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
    g: &Global,
    path: &Path,
    limits: &EncodingLimits,
    databases: usize,
    stop: &crossbeam_channel::Receiver<Shutdown>,
) -> LoadOutcome {
    let status = &g.persist;
    let started = Instant::now();
    let nshards = status.dirty.len();
    // `replicaof` in the config made us a replica before the load (REPLICAOF itself is
    // refused with -LOADING meanwhile): the role cannot change under us.
    let replica = g.replica.is_replica();
    let how = DecodeAs {
        keep_expired: replica,
        collect_expired: !replica,
    };
    // Decoded on a helper thread so a SIGTERM or SHUTDOWN meanwhile ends the process at
    // once, without saving, as Redis does while loading.
    let (tx, rx) = crossbeam_channel::bounded(1);
    let (file, limits_copy) = (path.to_path_buf(), *limits);
    let spawned = std::thread::Builder::new()
        .name("rdb-reader".into())
        .spawn(move || {
            let _ = tx.send(read_and_decode(
                &file,
                &limits_copy,
                databases,
                nshards,
                how,
            ));
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
    if let Some(r) = &decoded.repl {
        restore_replication(g, r, databases);
    }
    status.loading_shards.store(nshards, Ordering::Release);
    if let Ok(mut p) = status.pending_load.lock() {
        *p = decoded
            .by_shard
            .into_iter()
            .zip(decoded.expired_by_shard)
            .map(Some)
            .collect();
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
    let (keys, expired) = keys;
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        install(&shard, keys.by_ref().take(LOAD_CHUNK));
        glommio::executor().yield_task_queue_now().await;
    }
    // A restarted master's replicas kept these keys (replicas never expire on their
    // own): a DEL each, after the file's offset, makes them drop them too (Redis's
    // RDBFLAGS_FEED_REPL). Before the load ends, so before any client's write.
    for (db, key) in expired {
        shard.log_record(db, &[&b"DEL"[..], &key]);
    }
    status.loading_shards.fetch_sub(1, Ordering::AcqRel);
}

/// PSYNC2 across a restart (Redis 7.0 `loadDataFromDisk`), from the file's replication
/// info, before any shard installs a key:
/// - a replica takes the file's history as its own (replid, offsets, the stream's db)
///   and caches it as its master (`replicationCacheMasterUsingMyself`): the link sends
///   `PSYNC <replid> <offset+1>` and continues when the master still has the bytes.
/// - a master keeps its new replid, and makes the file's history its previous one
///   (`replid2`, `second_repl_offset` = offset + 1) with the log continuing at the
///   file's offset: its replicas from before the restart get `+CONTINUE <new id>`.
fn restore_replication(g: &Global, r: &ReplAux, databases: usize) {
    // Redis's `selectDb` on the cached master leaves db 0 for an out-of-range id.
    let db = usize::try_from(r.stream_db)
        .ok()
        .filter(|d| *d < databases)
        .unwrap_or(0);
    g.repl_log.reset(r.offset);
    if g.replica.is_replica() {
        log::notice(
            "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.",
        );
        g.repl.ids.lock().unwrap_or_else(|e| e.into_inner()).replid = r.replid.clone();
        g.replica.applied_offset.store(r.offset, Ordering::Release);
        g.replica.read_offset.store(r.offset, Ordering::Release);
        g.replica.stream_db.store(db, Ordering::Release);
        g.replica
            .update(|i| i.cached = Some((r.replid.clone(), r.offset)));
    } else {
        let mut ids = g.repl.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.replid2 = r.replid.clone();
        ids.second_repl_offset = r.offset as i64 + 1;
    }
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
    // Redis's DEBUG RELOAD loads without replication info and feeds nothing; a replica
    // keeps keys already expired as at start-up.
    let how = DecodeAs {
        keep_expired: shard.global.replica.is_replica(),
        collect_expired: false,
    };
    let (tx, rx) = crossbeam_channel::bounded(1);
    let spawned = std::thread::Builder::new()
        .name("rdb-reader".into())
        .spawn(move || {
            let _ = tx.send(read_and_decode(
                &dir.join(name),
                &limits,
                databases,
                nshards,
                how,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn aux(fields: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        fields
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn c_integer_parsing_as_strtoll() {
        assert_eq!(c_atoll(b"123"), 123);
        assert_eq!(c_atoll(b"  -7x"), -7);
        assert_eq!(c_atoll(b"+5"), 5);
        assert_eq!(c_atoll(b"abc"), 0);
        assert_eq!(c_atoll(b""), 0);
        assert_eq!(c_atoll(b"99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn replication_aux_fields_as_redis_reads_them() {
        let id = "f".repeat(40);
        let full = aux(&[
            ("redis-ver", "7.0.15"),
            ("repl-stream-db", "3"),
            ("repl-id", &id),
            ("repl-offset", "1234"),
            ("aof-base", "0"),
        ]);
        assert_eq!(
            repl_aux(&full),
            Some(ReplAux {
                stream_db: 3,
                replid: id.clone(),
                offset: 1234
            })
        );
        // Names without case, the last one wins.
        let mixed = aux(&[
            ("REPL-ID", &id),
            ("repl-offset", "1"),
            ("Repl-Offset", "2"),
            ("repl-stream-db", "0"),
        ]);
        assert_eq!(repl_aux(&mixed).map(|r| r.offset), Some(2));
        // Missing or invalid parts: no replication info.
        assert_eq!(
            repl_aux(&aux(&[("repl-id", &id), ("repl-offset", "5")])),
            None
        );
        assert_eq!(
            repl_aux(&aux(&[("repl-stream-db", "0"), ("repl-offset", "5")])),
            None
        );
        assert_eq!(
            repl_aux(&aux(&[
                ("repl-stream-db", "0"),
                ("repl-id", "short"),
                ("repl-offset", "5")
            ])),
            None
        );
        assert_eq!(
            repl_aux(&aux(&[
                ("repl-stream-db", "-1"),
                ("repl-id", &id),
                ("repl-offset", "5")
            ])),
            None
        );
        assert_eq!(
            repl_aux(&aux(&[
                ("repl-stream-db", "0"),
                ("repl-id", &id),
                ("repl-offset", "-1")
            ])),
            None
        );
        // A stream db Redis would read with atoi.
        assert_eq!(
            repl_aux(&aux(&[
                ("repl-stream-db", "x"),
                ("repl-id", &id),
                ("repl-offset", "0")
            ]))
            .map(|r| r.stream_db),
            Some(0)
        );
    }
}
