//! RDB persistence: writing the keyspace to `dir/dbfilename` (SAVE, BGSAVE, save points,
//! shutdown), loading it at start-up, DEBUG RELOAD, and the status INFO reports.
//!
//! - SAVE, BGSAVE, the final save of a shutdown and DEBUG RELOAD's save all take a
//!   fork-free snapshot ([`crate::snapshot`]): a cut across every shard at one moment
//!   (whole-database locks, held only while the cut is installed), then per-shard
//!   copy-on-write walks feeding one writer thread whose framer,
//!   [`crate::snapshot::RdbFile`], writes the file atomically: a temporary file in
//!   `dir`, fsynced, renamed over `dbfilename`, then the directory fsynced. Any failure
//!   removes the temporary file and leaves the old dump untouched; the error is logged
//!   and reported. File I/O never runs on a shard thread. SAVE waits for the snapshot
//!   (other clients are served meanwhile); BGSAVE does not.
//! - Loading at start-up: the main thread reads and decodes the whole file (nothing is
//!   installed unless all of it decodes) while the shards already accept connections and
//!   answer `-LOADING` to commands without the `loading` flag, as Redis does; each shard
//!   then inserts its own keys (dropped when already expired, as a master does).
//! - Changes since the last save: a per-shard counter (own cache line, one writer), bumped
//!   once per WRITE command that did not reply an error: by `ShardCtx::exec_only` for
//!   shard commands (each shard's part of a split MSET counts once), by the batch
//!   dispatcher for coordinator commands (FLUSHALL, cross-shard RENAME...). Redis counts
//!   keys changed instead; save points only compare it with thresholds.
//!
//! Files: this one (status, saving, BGSAVE, save points), [`load`] (start-up load,
//! DEBUG RELOAD).

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::log;
use super::shard::{unix_ms, ShardCtx};
use crate::rdb::load::LoadedKey;
use crate::snapshot::{self, RdbFile};

/// serverCron's `CONFIG_BGSAVE_RETRY_DELAY`: after a failed background save, save points
/// wait this long before trying again.
const BGSAVE_RETRY_DELAY_SECS: u64 = 5;

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
    /// Each shard's keys of the start-up load, and the expired keys it logs as `DEL`s,
    /// taken by that shard.
    #[allow(clippy::type_complexity)]
    pending_load: Mutex<Vec<Option<(Vec<LoadedKey>, Vec<(usize, Vec<u8>)>)>>>,
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

mod load;

pub use load::{
    begin_startup_load, debug_reload, load_task, read_and_decode, repl_aux, startup_load, DecodeAs,
    Decoded, LoadError, LoadOutcome, ReloadOptions, ReplAux,
};

// ---------------------------------------------------------------------------------------
// Saving.

/// The file's directory (absolute, so a later CONFIG SET dir does not move a running
/// save) and name.
fn target(shard: &ShardCtx) -> (PathBuf, String) {
    let name = shard.config().dbfilename.clone();
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    (dir, name)
}

/// Takes the one-save-at-a-time flag, waiting while another save holds it.
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
    let (checksum, compress) = {
        let c = shard.config();
        (c.rdbchecksum, c.rdbcompression)
    };
    let file = RdbFile::new(
        &dir,
        &name,
        checksum,
        compress,
        crate::commands::info::rss_bytes(),
    );
    // Read before the cut: a change racing with it counts as not saved (never the
    // reverse).
    let dirty = g.persist.dirty_total();
    let result = match snapshot::start(shard, snapshot::encoder(compress), Box::new(file)).await {
        Ok(handle) => handle.wait().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(_) => {
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

/// BGSAVE's work: the copy-on-write snapshot ([`crate::snapshot`]) written to
/// `dir/dbfilename` while clients keep being served (SAVE waits for the same thing).
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
}
