//! The replication log: one process-wide ring of bytes that is both the stream every
//! replica follows and the backlog partial resyncs are served from.
//!
//! Offsets are Redis's: `master_repl_offset` is the offset of the last byte appended (the
//! number of bytes appended under the current history, plus the start offset); the
//! first byte ever appended has offset `start + 1`.
//!
//! INTERIM implementation behind a mutex: the API is the contract; the lock-free ring
//! (reserve by compare-and-swap of a word packing the tail and the stream's db, copy,
//! publish) replaces the inside.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::record::encode_select;

/// Bytes at an offset were overwritten (or never held): the reader must full-sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("offset {0} is no longer in the replication log")]
pub struct Overwritten(pub u64);

pub struct ReplLog {
    inner: Mutex<Inner>,
}

struct Inner {
    capacity: usize,
    bytes: VecDeque<u8>,
    /// Offset of the last byte appended.
    offset: u64,
    /// Database of the last record; `None`: the next record with a db starts with SELECT.
    db: Option<usize>,
}

impl ReplLog {
    /// A log holding the last `capacity_bytes`, appended to by `producers` threads: the
    /// shards `0..nshards`, then the replication core (`nshards`).
    pub fn new(capacity_bytes: usize, _producers: usize) -> ReplLog {
        ReplLog {
            inner: Mutex::new(Inner {
                capacity: capacity_bytes.max(1),
                bytes: VecDeque::new(),
                offset: 0,
                db: None,
            }),
        }
    }

    /// Appends one record: complete RESP commands for database `db` (`None`: commands of
    /// no database, PING and REPLCONF GETACK), preceded by `SELECT db` when the stream's
    /// current database differs. Returns the offset of the record's last byte.
    /// `producer` is the caller's slot (a shard id, or the replication core's).
    pub fn append(&self, producer: usize, db: Option<usize>, record: &[u8]) -> u64 {
        self.append_switching(producer, db, record, db)
    }

    /// Like [`ReplLog::append`] for a record that contains `SELECT`s of its own (a
    /// `MULTI ... EXEC` spanning databases): it starts in `db` and leaves the stream in
    /// `end_db` (`None`: unknown, the next record with a db gets a SELECT).
    pub fn append_switching(
        &self,
        _producer: usize,
        db: Option<usize>,
        record: &[u8],
        end_db: Option<usize>,
    ) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut select = Vec::new();
        if let Some(db) = db {
            if g.db != Some(db) {
                encode_select(&mut select, db);
                g.db = Some(db);
            }
        }
        if db.is_some() || end_db.is_some() {
            g.db = end_db;
        }
        for part in [&select[..], record] {
            g.bytes.extend(part.iter().copied());
            g.offset += part.len() as u64;
        }
        let excess = g.bytes.len().saturating_sub(g.capacity);
        g.bytes.drain(..excess);
        g.offset
    }

    /// `master_repl_offset`: every byte up to it is readable.
    pub fn offset(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).offset
    }

    /// The offset of the oldest byte held (`repl_backlog_first_byte_offset`);
    /// `offset() + 1` when nothing is held.
    pub fn first_offset(&self) -> u64 {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.offset + 1 - g.bytes.len() as u64
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn held(&self) -> u64 {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .bytes
            .len() as u64
    }

    /// `repl-backlog-size`.
    pub fn capacity(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .capacity
    }

    /// Appends to `out` up to `max` published bytes starting at offset `from` (the first
    /// byte the reader lacks); returns how many. `from == offset() + 1` reads nothing.
    pub fn read(&self, from: u64, max: usize, out: &mut Vec<u8>) -> Result<usize, Overwritten> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let first = g.offset + 1 - g.bytes.len() as u64;
        if from < first || from > g.offset + 1 {
            return Err(Overwritten(from));
        }
        let skip = (from - first) as usize;
        let n = (g.bytes.len() - skip).min(max);
        out.extend(g.bytes.range(skip..skip + n));
        Ok(n)
    }

    /// Forgets the stream's database, so the next record with one starts with `SELECT`
    /// (after a full sync is cut, after a promotion).
    pub fn forget_db(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).db = None;
    }

    /// Drops the history and continues at `offset` (a new replication history: loaded
    /// from an RDB, or adopted from a master after a full sync).
    pub fn reset(&self, offset: u64) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.bytes.clear();
        g.offset = offset;
        g.db = None;
    }

    /// `CONFIG SET repl-backlog-size`: keeps the newest `min(old, new)` bytes.
    pub fn resize(&self, capacity_bytes: usize) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.capacity = capacity_bytes.max(1);
        let excess = g.bytes.len().saturating_sub(g.capacity);
        g.bytes.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_precedes_a_db_change_and_offsets_count_bytes() {
        let log = ReplLog::new(1 << 20, 1);
        let set = b"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n";
        let end = log.append(0, Some(0), set);
        let select0 = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
        assert_eq!(end, (select0.len() + set.len()) as u64);
        assert_eq!(log.append(0, Some(0), set), end + set.len() as u64);
        let mut out = Vec::new();
        assert_eq!(log.read(1, usize::MAX, &mut out), Ok(log.offset() as usize));
        assert!(out.starts_with(select0));
        assert_eq!(
            log.read(log.offset() + 2, 10, &mut out),
            Err(Overwritten(log.offset() + 2))
        );
    }
}
