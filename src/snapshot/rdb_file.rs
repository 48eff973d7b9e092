//! The RDB file a snapshot writes (SAVE, BGSAVE, shutdown): Redis 7.0's framing around
//! the shards' fragments, written to a temp file and renamed over `dbfilename` only once
//! complete and on disk, so a failed or aborted save leaves the old file as it was.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Cut, EncodeEntry, Framer};
use crate::rdb::writer::{Aux, RdbWriter, WriteOptions};
use crate::storage::Entry;

/// One keyspace entry as RDB, strings LZF-compressed where Redis would (`rdbcompression
/// yes`).
fn entry_compressed(out: &mut Vec<u8>, e: &Entry) {
    let mut w = RdbWriter::new(WriteOptions::default());
    w.keyspace_entry(e);
    out.extend_from_slice(&w.into_fragment());
}

/// One keyspace entry as RDB, strings never compressed (`rdbcompression no`).
fn entry_plain(out: &mut Vec<u8>, e: &Entry) {
    let mut w = RdbWriter::new(WriteOptions {
        compress: false,
        ..WriteOptions::default()
    });
    w.keyspace_entry(e);
    out.extend_from_slice(&w.into_fragment());
}

/// The entry encoder for `rdbcompression`.
pub fn encoder(compress: bool) -> EncodeEntry {
    if compress {
        entry_compressed
    } else {
        entry_plain
    }
}

/// Writes one RDB file through a temp file in the same directory.
pub struct RdbFile {
    target: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
    crc: crc::Digest<'static, u64, crc::Table<16>>,
    checksum: bool,
    compress: bool,
    used_mem: u64,
    db_sizes: Vec<(u64, u64)>,
}

impl RdbFile {
    /// A file for `dir/dbfilename` (`rdbchecksum`, `rdbcompression`); `used_mem` goes in
    /// the `used-mem` aux field.
    pub fn new(
        dir: &Path,
        dbfilename: &str,
        checksum: bool,
        compress: bool,
        used_mem: u64,
    ) -> Self {
        RdbFile {
            target: dir.join(dbfilename),
            temp: dir.join(format!("temp-{}.rdb", std::process::id())),
            out: None,
            crc: crate::rdb::crc64_digest(),
            checksum,
            compress,
            used_mem,
            db_sizes: Vec::new(),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.crc.update(bytes);
        match &mut self.out {
            Some(f) => f.write_all(bytes),
            None => Err(std::io::Error::other("RDB file not open")),
        }
    }

    fn writer(&self) -> RdbWriter {
        RdbWriter::new(WriteOptions {
            compress: self.compress,
            ..WriteOptions::default()
        })
    }
}

impl Framer for RdbFile {
    fn begin(&mut self, cut: &Cut) -> std::io::Result<()> {
        let file = File::create(&self.temp).map_err(|e| {
            // Redis's wording, which operators grep for.
            std::io::Error::other(format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {e}",
                self.temp.file_name().unwrap_or_default().to_string_lossy(),
                self.temp.parent().unwrap_or(Path::new(".")).display()
            ))
        })?;
        self.out = Some(BufWriter::with_capacity(1 << 20, file));
        self.db_sizes = cut.db_sizes.clone();
        let mut w = self.writer();
        w.header(&Aux {
            ctime_secs: cut.unix_ms / 1000,
            used_mem: self.used_mem,
            ..Aux::default()
        });
        self.write(&w.into_fragment())
    }

    fn select_db(&mut self, db: usize) -> std::io::Result<()> {
        let (keys, expires) = self.db_sizes.get(db).copied().unwrap_or((0, 0));
        let mut w = self.writer();
        w.select_db(db, keys as usize, expires as usize);
        self.write(&w.into_fragment())
    }

    fn fragment(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write(bytes)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.write(&[crate::rdb::opcodes::EOF])?;
        let digest = std::mem::replace(&mut self.crc, crate::rdb::crc64_digest());
        let crc = if self.checksum { digest.finalize() } else { 0 };
        let mut f = self
            .out
            .take()
            .ok_or_else(|| std::io::Error::other("not open"))?;
        f.write_all(&crc.to_le_bytes())?;
        let file = f.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.target)?;
        // The rename itself must survive a crash: sync the directory too.
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    fn abort(&mut self) {
        self.out = None;
        let _ = std::fs::remove_file(&self.temp);
    }
}
