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

/// The RDB framing every snapshot target shares: the header with its aux fields,
/// `SELECTDB` + `RESIZEDB` before each database's fragments, and the `EOF` + CRC64
/// trailer, with the checksum running over every byte handed out. Targets (a file here,
/// replicas' sockets in [`crate::replication`]) only decide where the bytes go.
pub struct RdbFraming {
    crc: crc::Digest<'static, u64, crc::Table<16>>,
    checksum: bool,
    compress: bool,
    db_sizes: Vec<(u64, u64)>,
}

impl RdbFraming {
    /// `rdbchecksum`, `rdbcompression`.
    pub fn new(checksum: bool, compress: bool) -> Self {
        RdbFraming {
            crc: crate::rdb::crc64_digest(),
            checksum,
            compress,
            db_sizes: Vec::new(),
        }
    }

    fn writer(&self) -> RdbWriter {
        RdbWriter::new(WriteOptions {
            compress: self.compress,
            ..WriteOptions::default()
        })
    }

    /// The header for `cut` with `aux` (its `ctime` taken from the cut).
    pub fn header(&mut self, cut: &Cut, aux: Aux) -> Vec<u8> {
        self.db_sizes = cut.db_sizes.clone();
        let mut w = self.writer();
        w.header(&Aux {
            ctime_secs: cut.unix_ms / 1000,
            ..aux
        });
        self.framed(w.into_fragment())
    }

    /// `SELECTDB db` with the database's sizes at the cut.
    pub fn select_db(&mut self, db: usize) -> Vec<u8> {
        let (keys, expires) = self.db_sizes.get(db).copied().unwrap_or((0, 0));
        let mut w = self.writer();
        w.select_db(db, keys as usize, expires as usize);
        self.framed(w.into_fragment())
    }

    /// Fragment bytes pass through here on their way out (the checksum covers them).
    pub fn fragment(&mut self, bytes: &[u8]) {
        self.crc.update(bytes);
    }

    /// `EOF` and the checksum (zero with `rdbchecksum no`): the stream's last bytes.
    pub fn trailer(&mut self) -> Vec<u8> {
        self.crc.update(&[crate::rdb::opcodes::EOF]);
        let digest = std::mem::replace(&mut self.crc, crate::rdb::crc64_digest());
        let crc = if self.checksum { digest.finalize() } else { 0 };
        let mut out = vec![crate::rdb::opcodes::EOF];
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    fn framed(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        self.crc.update(&bytes);
        bytes
    }
}

/// Writes one RDB file through a temp file in the same directory.
pub struct RdbFile {
    target: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
    framing: RdbFraming,
    used_mem: u64,
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
            framing: RdbFraming::new(checksum, compress),
            used_mem,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.out {
            Some(f) => f.write_all(bytes),
            None => Err(std::io::Error::other("RDB file not open")),
        }
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
        let header = self.framing.header(
            cut,
            Aux {
                used_mem: self.used_mem,
                // PSYNC2 across restarts: a replica restarted on this file continues
                // from it, a master restarted on it lets its replicas continue.
                repl: cut.repl.clone(),
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
        let f = self
            .out
            .take()
            .ok_or_else(|| std::io::Error::other("not open"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(repl: Option<(u64, String, u64)>) -> Cut {
        Cut {
            unix_ms: 1_700_000_000_123,
            databases: 16,
            db_sizes: vec![(0, 0); 16],
            repl_offset: repl.as_ref().map(|r| r.2),
            repl,
        }
    }

    /// Frames an empty keyspace to a file and reads its aux fields back.
    fn aux_of(cut: &Cut, tag: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        let dir =
            std::env::temp_dir().join(format!("shardis-rdbfile-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut f = RdbFile::new(&dir, "dump.rdb", true, true, 4096);
        f.begin(cut).unwrap();
        f.finish().unwrap();
        let data = std::fs::read(dir.join("dump.rdb")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let limits = crate::storage::value::EncodingLimits::default();
        crate::rdb::load::load(&data, &limits, 16).unwrap().aux
    }

    #[test]
    fn the_file_carries_the_cut_replication_info_in_redis_order() {
        let id = "a".repeat(40);
        let aux = aux_of(&cut(Some((3, id.clone(), 12345))), "repl");
        let keys: Vec<&[u8]> = aux.iter().map(|(k, _)| &k[..]).collect();
        assert_eq!(
            keys,
            [
                &b"redis-ver"[..],
                b"redis-bits",
                b"ctime",
                b"used-mem",
                b"repl-stream-db",
                b"repl-id",
                b"repl-offset",
                b"aof-base"
            ]
        );
        let get = |k: &[u8]| aux.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get(b"repl-stream-db"), b"3");
        assert_eq!(get(b"repl-id"), id.as_bytes());
        assert_eq!(get(b"repl-offset"), b"12345");
        assert_eq!(get(b"ctime"), b"1700000000");
        let none = aux_of(&cut(None), "norepl");
        assert!(none.iter().all(|(k, _)| !k.starts_with(b"repl-")));
    }
}
