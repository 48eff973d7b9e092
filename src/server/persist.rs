//! RDB persistence: writing the keyspace to `dir/dbfilename` (SAVE, BGSAVE, save points,
//! shutdown), loading it at start-up, DEBUG RELOAD, and the status INFO reports.
//!
//! ```text
//!   coordinator (a shard)                              writer thread
//!   lock every db of every shard (txn, exclusive)
//!   header ───────────────────────── fragment ──>      temp-<pid>.rdb: write, CRC
//!   per db: SELECTDB, then each shard's entries
//!     (one op per shard and db) ───── fragment ──>
//!   release the locks
//!   finish ──────────────────────────────────────>     EOF + CRC, fsync, rename to
//!          <── result (polled) ─────────────────────   dbfilename, fsync the dir
//! ```
//!
//! - The file is written atomically: a temporary file in `dir`, fsynced, renamed over
//!   `dbfilename`, then the directory fsynced. Any failure removes the temporary file
//!   and leaves the old dump untouched; the error is logged and reported.
//! - File I/O never runs on a shard thread: fragments travel to a dedicated writer
//!   thread through a bounded channel. A shard that finds it full waits with a timer,
//!   never blocking its executor.
//! - Consistency: the saving coordinator holds exclusive whole-database locks on every
//!   database of every shard ([`super::txn`]) while the shards serialize, so the file is
//!   one point in time even with cross-shard transactions running. Each shard serializes
//!   one database in one op. BGSAVE runs the same walk in a spawned task behind
//!   [`bgsave_snapshot`], the seam where the copy-on-write snapshot engine plugs in.
//! - Loading at start-up: the main thread reads and decodes the whole file (nothing is
//!   installed unless all of it decodes) while the shards already accept connections and
//!   answer `-LOADING` to commands without the `loading` flag, as Redis does; each shard
//!   then inserts its own keys (dropped when already expired, as a master does).
//! - Changes since the last save: a per-shard counter (own cache line, one writer), bumped
//!   by `ShardCtx::exec_only` for each WRITE command that did not reply an error.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::log;
use super::shard::{unix_ms, ShardCtx};
use super::slot::key_shard;
use super::txn::{self, LockSet};
use crate::rdb::load::LoadedKey;
use crate::rdb::writer::{Aux, RdbWriter, WriteOptions};
use crate::rdb::RdbError;
use crate::storage::value::EncodingLimits;

/// Fragments the writer thread's channel holds before the coordinator waits.
const WRITER_QUEUE: usize = 16;
/// serverCron's `CONFIG_BGSAVE_RETRY_DELAY`: after a failed background save, save points
/// wait this long before trying again.
const BGSAVE_RETRY_DELAY_SECS: u64 = 5;
/// Keys a shard inserts between yields while loading.
const LOAD_CHUNK: usize = 1024;

/// A counter alone on its cache line (written by one shard, summed by readers).
#[repr(align(64))]
#[derive(Default)]
struct Padded(AtomicU64);

/// Persistence state shared by all shards (`Global::persist`).
pub struct Status {
    /// Start-up load in progress: commands without the `loading` flag get `-LOADING`.
    pub loading: AtomicBool,
    /// A save of any kind is running (one at a time: they share the temp file name).
    saving: AtomicBool,
    pub bgsave_in_progress: AtomicBool,
    /// BGSAVE SCHEDULE asked for one while another save ran.
    pub bgsave_scheduled: AtomicBool,
    bgsave_started_ms: AtomicU64,
    pub last_bgsave_ok: AtomicBool,
    /// Seconds the last background save took (-1: none yet).
    pub last_bgsave_secs: AtomicI64,
    /// Unix seconds of the last background save attempt (retry delay after a failure).
    last_bgsave_try: AtomicU64,
    pub saves: AtomicU64,
    dirty: Box<[Padded]>,
    /// The sum of `dirty` the last successful save covered.
    dirty_saved: AtomicU64,
    pub load_keys_loaded: AtomicU64,
    pub load_keys_expired: AtomicU64,
    /// Shards still inserting their part of the start-up load.
    loading_shards: AtomicUsize,
    /// Each shard's keys of the start-up load, taken by that shard.
    pending_load: Mutex<Vec<Option<Vec<LoadedKey>>>>,
    /// A shutdown by signal asks shard 0 for the final save through this.
    shutdown_save: Mutex<Option<crossbeam_channel::Sender<bool>>>,
}

impl Status {
    pub fn new(nshards: usize) -> Status {
        Status {
            loading: AtomicBool::new(false),
            saving: AtomicBool::new(false),
            bgsave_in_progress: AtomicBool::new(false),
            bgsave_scheduled: AtomicBool::new(false),
            bgsave_started_ms: AtomicU64::new(0),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_secs: AtomicI64::new(-1),
            last_bgsave_try: AtomicU64::new(0),
            saves: AtomicU64::new(0),
            dirty: (0..nshards).map(|_| Padded::default()).collect(),
            dirty_saved: AtomicU64::new(0),
            load_keys_loaded: AtomicU64::new(0),
            load_keys_expired: AtomicU64::new(0),
            loading_shards: AtomicUsize::new(0),
            pending_load: Mutex::new(Vec::new()),
            shutdown_save: Mutex::new(None),
        }
    }

    /// One more change on `shard` (only that shard's thread calls this: no atomic RMW).
    #[inline]
    pub fn bump_dirty(&self, shard: usize) {
        let c = &self.dirty[shard].0;
        c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    fn dirty_total(&self) -> u64 {
        self.dirty.iter().map(|d| d.0.load(Ordering::Relaxed)).sum()
    }

    /// INFO `rdb_changes_since_last_save`.
    pub fn changes_since_save(&self) -> u64 {
        self.dirty_total()
            .saturating_sub(self.dirty_saved.load(Ordering::Relaxed))
    }

    /// INFO `rdb_current_bgsave_time_sec`.
    pub fn current_bgsave_secs(&self) -> i64 {
        if self.bgsave_in_progress.load(Ordering::Relaxed) {
            let started = self.bgsave_started_ms.load(Ordering::Relaxed);
            (unix_ms().saturating_sub(started) / 1000) as i64
        } else {
            -1
        }
    }
}

/// `save` as (seconds, changes) pairs; the option's setter validated it.
pub fn save_points(save: &str) -> Vec<(u64, u64)> {
    let nums: Vec<u64> = save
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    nums.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

/// Checks a `save` value as Redis 7.0 does (`setConfigSaveOption`): empty disables,
/// otherwise single-space separated pairs of non-negative integers (`strtoll`: a sign is
/// allowed, nothing else).
pub fn parse_save(value: &str) -> Result<Vec<(u64, u64)>, String> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let words: Vec<&str> = value.split(' ').collect();
    if !words.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    let mut out = Vec::new();
    for p in words.chunks(2) {
        match (p[0].parse::<i64>(), p[1].parse::<i64>()) {
            (Ok(s), Ok(c)) if s >= 0 && c >= 0 => out.push((s as u64, c as u64)),
            _ => return Err("Invalid save parameters".into()),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The writer thread.

enum Chunk {
    Data(Vec<u8>),
    Finish { checksum: bool },
}

/// A file being written by its own thread.
pub struct FileWriter {
    tx: crossbeam_channel::Sender<Chunk>,
    done: crossbeam_channel::Receiver<Result<(), String>>,
}

impl FileWriter {
    /// Starts a thread writing `dir/temp-<pid>.rdb`, renamed to `dir/filename` at the end.
    pub fn start(dir: PathBuf, filename: String) -> Result<FileWriter, String> {
        let (tx, rx) = crossbeam_channel::bounded::<Chunk>(WRITER_QUEUE);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("rdb-writer".into())
            .spawn(move || {
                let r = write_file(&dir, &filename, &rx);
                let _ = done_tx.send(r);
            })
            .map_err(|e| format!("Can't start the RDB writer thread: {e}"))?;
        Ok(FileWriter { tx, done })
    }

    /// Queues bytes, waiting (with a timer, never blocking the executor) while the queue
    /// is full. Fails when the writer gave up (its error comes from [`FileWriter::finish`]).
    pub async fn send(&self, data: Vec<u8>) -> Result<(), ()> {
        let mut chunk = Chunk::Data(data);
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::TrySendError::Full(c)) => {
                    chunk = c;
                    glommio::timer::sleep(Duration::from_micros(500)).await;
                }
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => return Err(()),
            }
        }
    }

    /// Ends the file (EOF, checksum), and waits for it to be durable under its name.
    pub async fn finish(self, checksum: bool) -> Result<(), String> {
        let _ = self.send_finish(checksum).await;
        drop(self.tx);
        recv_cross(&self.done)
            .await
            .unwrap_or_else(|| Err("the RDB writer thread died".into()))
    }

    async fn send_finish(&self, checksum: bool) -> Result<(), ()> {
        let mut chunk = Chunk::Finish { checksum };
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::TrySendError::Full(c)) => {
                    chunk = c;
                    glommio::timer::sleep(Duration::from_micros(500)).await;
                }
                Err(_) => return Err(()),
            }
        }
    }

    /// Gives up: the writer removes its temporary file.
    pub async fn abort(self) {
        drop(self.tx);
        let _ = recv_cross(&self.done).await;
    }
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

/// The writer thread's body: the temp file, then the rename; the temp file is removed
/// on any failure or when the sender gives up.
fn write_file(
    dir: &Path,
    filename: &str,
    rx: &crossbeam_channel::Receiver<Chunk>,
) -> Result<(), String> {
    use std::io::Write;
    let tmp_name = format!("temp-{}.rdb", std::process::id());
    let tmp = dir.join(&tmp_name);
    let file = std::fs::File::create(&tmp).map_err(|e| {
        format!(
            "Failed opening the temp RDB file {tmp_name} (in server root dir {}) for saving: {e}",
            dir.display()
        )
    })?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut crc = crate::rdb::crc64_digest();
    let written = (|| -> Result<bool, std::io::Error> {
        while let Ok(chunk) = rx.recv() {
            match chunk {
                Chunk::Data(d) => {
                    crc.update(&d);
                    out.write_all(&d)?;
                }
                Chunk::Finish { checksum } => {
                    out.write_all(&[crate::rdb::opcodes::EOF])?;
                    crc.update(&[crate::rdb::opcodes::EOF]);
                    let sum = if checksum { crc.finalize() } else { 0 };
                    out.write_all(&sum.to_le_bytes())?;
                    out.flush()?;
                    out.get_ref().sync_all()?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    })();
    let fail = |msg: String| {
        let _ = std::fs::remove_file(&tmp);
        Err(msg)
    };
    match written {
        Ok(true) => {}
        Ok(false) => return fail("the save was abandoned".into()),
        Err(e) => return fail(format!("Write error saving DB on disk: {e}")),
    }
    let target = dir.join(filename);
    if let Err(e) = std::fs::rename(&tmp, &target) {
        return fail(format!(
            "Error moving temp DB file {tmp_name} on the final destination {filename} (in server root dir {}): {e}",
            dir.display()
        ));
    }
    // The rename is durable only once the directory is.
    if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        return Err(format!("Failed to fsync directory {}: {e}", dir.display()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Saving.

/// Every database of every shard, exclusively.
fn whole_keyspace(nshards: usize, databases: usize) -> Vec<(usize, LockSet)> {
    let dbs: Vec<u16> = (0..databases as u16).collect();
    (0..nshards)
        .map(|s| {
            (
                s,
                LockSet {
                    dbs: dbs.clone(),
                    keys: Vec::new(),
                },
            )
        })
        .collect()
}

/// Serializes the whole keyspace, consistently, into `w`: whole-database locks on every
/// shard, then the header and each database's entries, one op per shard and database.
/// Returns the dirty count the file covers.
async fn serialize_locked(shard: &Rc<ShardCtx>, w: &FileWriter) -> Result<u64, ()> {
    let (databases, opts) = {
        let c = shard.config();
        (
            c.databases,
            WriteOptions {
                compress: c.rdbcompression,
                list_max_listpack_size: c.encoding.list_max_listpack_size,
            },
        )
    };
    let held = txn::acquire(shard, whole_keyspace(shard.nshards, databases)).await;
    // Nothing writes while the locks are held: this is exactly what the file covers.
    let dirty = shard.global.persist.dirty_total();
    let r = serialize_all(shard, w, databases, opts).await;
    txn::release(shard, held).await;
    r.map(|()| dirty)
}

async fn serialize_all(
    shard: &Rc<ShardCtx>,
    w: &FileWriter,
    databases: usize,
    opts: WriteOptions,
) -> Result<(), ()> {
    let counts = shard
        .fanout(|s| {
            let ks = s.keyspace.borrow();
            ks.dbs
                .iter()
                .map(|d| (d.len(), d.volatile_len()))
                .collect::<Vec<_>>()
        })
        .await;
    let mut head = RdbWriter::new(opts);
    head.header(&Aux {
        ctime_secs: unix_ms() / 1000,
        used_mem: crate::commands::info::rss_bytes(),
        ..Aux::default()
    });
    w.send(head.into_fragment()).await?;
    for db in 0..databases {
        let keys: usize = counts.iter().map(|c| c.get(db).map_or(0, |x| x.0)).sum();
        let expires: usize = counts.iter().map(|c| c.get(db).map_or(0, |x| x.1)).sum();
        if keys == 0 {
            continue;
        }
        let mut sel = RdbWriter::new(opts);
        sel.select_db(db, keys, expires);
        w.send(sel.into_fragment()).await?;
        for s in 0..shard.nshards {
            let fragment = shard
                .run_on(s, move |s: &ShardCtx| {
                    let ks = s.keyspace.borrow();
                    let mut part = RdbWriter::new(opts);
                    for e in ks.dbs[db].table().iter() {
                        part.keyspace_entry(e);
                    }
                    part.into_fragment()
                })
                .await;
            if !fragment.is_empty() {
                w.send(fragment).await?;
            }
        }
    }
    Ok(())
}

/// The file's directory (absolute, so a later CONFIG SET dir does not move a running
/// save) and name.
fn target(shard: &ShardCtx) -> (PathBuf, String) {
    let name = shard.config().dbfilename.clone();
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    (dir, name)
}

/// Takes the one-save-at-a-time flag, waiting for a running foreground save; fails when
/// a background save runs (`background`: the caller is one and already set its flag).
async fn take_saving(status: &Status) {
    while status
        .saving
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        glommio::timer::sleep(Duration::from_millis(1)).await;
    }
}

/// Writes the keyspace to a file. Logs and returns the error; updates LASTSAVE and the
/// change count on success.
async fn save_to_file(shard: &Rc<ShardCtx>) -> Result<(), String> {
    let g = shard.global.clone();
    g.persist.saves.fetch_add(1, Ordering::Relaxed);
    let (dir, name) = target(shard);
    let checksum = shard.config().rdbchecksum;
    let w = FileWriter::start(dir, name)?;
    let result = match serialize_locked(shard, &w).await {
        Ok(dirty) => w.finish(checksum).await.map(|()| dirty),
        Err(()) => w.finish(checksum).await.map(|()| 0),
    };
    match result {
        Ok(dirty) => {
            g.persist.dirty_saved.store(dirty, Ordering::Relaxed);
            g.lastsave_unix.store(unix_ms() / 1000, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => {
            log::warning(&e);
            Err(e)
        }
    }
}

/// SAVE, the final save of a shutdown, DEBUG RELOAD's save: synchronous for the caller.
/// `Err(None)` when a background save is running, `Err(Some(e))` when the save failed.
pub async fn save(shard: &Rc<ShardCtx>) -> Result<(), Option<String>> {
    let status = &shard.global.persist;
    if status.bgsave_in_progress.load(Ordering::Acquire) {
        return Err(None);
    }
    take_saving(status).await;
    if status.bgsave_in_progress.load(Ordering::Acquire) {
        status.saving.store(false, Ordering::Release);
        return Err(None);
    }
    let r = save_to_file(shard).await;
    if r.is_ok() {
        log::notice("DB saved on disk");
        status.last_bgsave_ok.store(true, Ordering::Relaxed);
    }
    status.saving.store(false, Ordering::Release);
    r.map_err(Some)
}

/// The final save of a shutdown: a running background save is waited for (Redis kills
/// its child and saves anew; here the task cannot be killed, and its file is replaced by
/// this one), then a foreground save.
pub async fn save_final(shard: &Rc<ShardCtx>) -> Result<(), String> {
    loop {
        while shard
            .global
            .persist
            .bgsave_in_progress
            .load(Ordering::Acquire)
        {
            glommio::timer::sleep(Duration::from_millis(1)).await;
        }
        match save(shard).await {
            Err(None) => continue,
            Err(Some(e)) => return Err(e),
            Ok(()) => return Ok(()),
        }
    }
}

/// Why BGSAVE did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BgsaveRefused {
    InProgress,
}

/// Starts a background save (BGSAVE, save points). The save runs as a task on `shard`.
pub fn start_bgsave(shard: &Rc<ShardCtx>) -> Result<(), BgsaveRefused> {
    let status = &shard.global.persist;
    if status
        .saving
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return Err(BgsaveRefused::InProgress);
    }
    status.bgsave_in_progress.store(true, Ordering::Release);
    status.bgsave_scheduled.store(false, Ordering::Relaxed);
    let started = unix_ms();
    status.bgsave_started_ms.store(started, Ordering::Relaxed);
    status
        .last_bgsave_try
        .store(started / 1000, Ordering::Relaxed);
    log::notice("Background saving started");
    let shard = shard.clone();
    glommio::spawn_local(async move {
        let ok = bgsave_snapshot(&shard).await.is_ok();
        let status = &shard.global.persist;
        let secs = (unix_ms().saturating_sub(started) / 1000) as i64;
        status.last_bgsave_secs.store(secs, Ordering::Relaxed);
        status.last_bgsave_ok.store(ok, Ordering::Relaxed);
        if ok {
            log::notice("Background saving terminated with success");
        } else {
            log::warning("Background saving error");
        }
        status.bgsave_in_progress.store(false, Ordering::Release);
        status.saving.store(false, Ordering::Release);
    })
    .detach();
    Ok(())
}

/// THE BGSAVE SEAM: produce `dir/dbfilename` from a consistent view of the keyspace
/// while clients keep being served. For now it is the same locked walk as SAVE (each
/// shard serializes a database in one op, under whole-keyspace locks, so clients wait
/// while it runs); the copy-on-write snapshot engine replaces this body.
pub async fn bgsave_snapshot(shard: &Rc<ShardCtx>) -> Result<(), String> {
    save_to_file(shard).await
}

/// The serverCron part that concerns persistence, on shard 0 every 1/hz s: save points
/// (with the retry delay after a failed background save), scheduled BGSAVEs, and the
/// final save a shutdown by signal asks for.
pub async fn cron(shard: Rc<ShardCtx>) {
    loop {
        let hz = shard.config().hz.max(1);
        glommio::timer::sleep(Duration::from_micros(1_000_000 / hz)).await;
        let g = shard.global.clone();
        let status = &g.persist;
        let asked = status.shutdown_save.lock().map(|mut s| s.take());
        if let Ok(Some(reply)) = asked {
            log::notice("Saving the final RDB snapshot before exiting.");
            let ok = save_final(&shard).await.is_ok();
            let _ = reply.send(ok);
            continue;
        }
        if status.loading.load(Ordering::Relaxed) || status.saving.load(Ordering::Relaxed) {
            continue;
        }
        if status.bgsave_scheduled.load(Ordering::Relaxed) {
            let _ = start_bgsave(&shard);
            continue;
        }
        let points = save_points(&shard.config().save);
        let now = unix_ms() / 1000;
        let changes = status.changes_since_save();
        let lastsave = g.lastsave_unix.load(Ordering::Relaxed);
        let retry_ok = now.saturating_sub(status.last_bgsave_try.load(Ordering::Relaxed))
            > BGSAVE_RETRY_DELAY_SECS
            || status.last_bgsave_ok.load(Ordering::Relaxed);
        for (secs, min_changes) in points {
            if changes >= min_changes && now.saturating_sub(lastsave) > secs && retry_ok {
                log::notice(&format!(
                    "{min_changes} changes in {secs} seconds. Saving..."
                ));
                let _ = start_bgsave(&shard);
                break;
            }
        }
    }
}

/// For the main thread on SIGTERM/SIGINT: the final save, done by shard 0's cron.
/// Returns whether it succeeded.
pub fn save_for_shutdown(status: &Status) -> bool {
    let (tx, rx) = crossbeam_channel::bounded(1);
    if let Ok(mut s) = status.shutdown_save.lock() {
        *s = Some(tx);
    }
    rx.recv().unwrap_or(false)
}

// ---------------------------------------------------------------------------------------
// Loading.

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
/// its keys and waits until they are in. `false`: the server must not start (logged).
pub fn startup_load(
    status: &Status,
    path: &Path,
    limits: &EncodingLimits,
    databases: usize,
) -> bool {
    let started = Instant::now();
    let nshards = status.dirty.len();
    let decoded = match read_and_decode(path, limits, databases, nshards) {
        Ok(d) => d,
        Err(LoadError::Missing) => {
            status.loading.store(false, Ordering::Release);
            return true;
        }
        Err(LoadError::Io(e)) => {
            log::warning(&format!("Fatal error loading the DB: {e}. Exiting."));
            return false;
        }
        Err(LoadError::Rdb(e)) => {
            log::warning(&format!(
                "Internal error in RDB reading offset {} -> {e}",
                e.offset()
            ));
            log::warning("Terminating server after rdb file reading failure.");
            return false;
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
    true
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

/// DEBUG RELOAD: save, then empty every database and load the file back, all under the
/// whole-keyspace locks so no command sees the gap. `Err`: the reply.
pub async fn debug_reload(shard: &Rc<ShardCtx>) -> Result<(), String> {
    match save(shard).await {
        Ok(()) => {}
        Err(None) => return Err("ERR Background save already in progress".into()),
        Err(Some(_)) => return Err("ERR Error trying to save the DB".into()),
    }
    let databases = shard.config().databases;
    let limits = shard.config().encoding;
    let held = txn::acquire(shard, whole_keyspace(shard.nshards, databases)).await;
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
                        let hasher = s.keyspace.borrow().hasher();
                        for db in s.keyspace.borrow_mut().dbs.iter_mut() {
                            db.clear(hasher.clone());
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
            Err("ERR Error trying to load the RDB dump, check server logs.".into())
        }
        None => Err("ERR Error trying to load the RDB dump, check server logs.".into()),
    };
    txn::release(shard, held).await;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_parameters_as_redis() {
        assert_eq!(parse_save(""), Ok(vec![]));
        assert_eq!(parse_save("1 2 3 4"), Ok(vec![(1, 2), (3, 4)]));
        assert_eq!(parse_save("05 +6"), Ok(vec![(5, 6)]));
        for bad in ["1", "a b", "-1 5", "1 x", " 5  6 ", "5 -1"] {
            assert_eq!(parse_save(bad), Err("Invalid save parameters".into()));
        }
        assert_eq!(save_points("3600 1 300 100"), vec![(3600, 1), (300, 100)]);
        assert_eq!(save_points(""), vec![]);
    }

    #[test]
    fn writer_renames_and_failure_keeps_the_old_file() {
        let dir = std::env::temp_dir().join(format!("shardis-persist-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (tx, rx) = crossbeam_channel::bounded(4);
        tx.send(Chunk::Data(b"REDIS0010".to_vec())).unwrap();
        tx.send(Chunk::Finish { checksum: true }).unwrap();
        assert_eq!(write_file(&dir, "d.rdb", &rx), Ok(()));
        let data = std::fs::read(dir.join("d.rdb")).unwrap();
        assert!(crate::rdb::load::load(&data, &EncodingLimits::default(), 16).is_ok());
        // An abandoned write leaves the old file and no temp file.
        let (tx, rx) = crossbeam_channel::bounded(4);
        tx.send(Chunk::Data(b"garbage".to_vec())).unwrap();
        drop(tx);
        assert!(write_file(&dir, "d.rdb", &rx).is_err());
        assert_eq!(std::fs::read(dir.join("d.rdb")).unwrap(), data);
        assert!(!dir
            .join(format!("temp-{}.rdb", std::process::id()))
            .exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
