//! The replication log: one process-wide ring of bytes that is both the stream every
//! replica follows and the backlog partial resyncs are served from.
//!
//! Offsets are Redis's: `master_repl_offset` is the offset of the last byte appended (the
//! number of bytes appended under the current history, plus the start offset); the
//! first byte ever appended has offset `start + 1`. Inside, a *position* is 0-based: the
//! byte of offset `o` sits at position `o - 1`, in ring byte `(o - 1) % size`.
//!
//! ```text
//!   head (one AtomicU64) = [ reserved end: 48 bits | stream db: 16 bits ]
//!                                  |
//!   ring  ...[ published ][ copying (P1) ][ published ][ copying (P2) ]|  free / oldest
//!            ^valid_from  ^P1's slot: a lower bound of its start       ^head
//!   offset() = min(head, every producer slot)   -- readers see no holes
//! ```
//!
//! Append (lock-free, no producer waits for another):
//! 1. store a lower bound of the start in the producer's own slot (its in-flight marker),
//! 2. one compare-and-swap on `head` reserves `[start, end)` and, in the same step,
//!    decides whether `SELECT db` precedes the record (the word carries the db of the
//!    stream's last record) and installs the db the stream ends in,
//! 3. copy the bytes into the ring (`AtomicU64` words: whole words are stored, the two
//!    edge words shared with neighbours are merged with a compare-and-swap),
//! 4. clear the slot (release): the readable end can now pass the record.
//!
//! A producer descheduled between 2 and 4 holds readers back, never other producers: they
//! keep reserving and may lap the ring over its reservation. Its late copy would then
//! clobber newer bytes sharing its ring bytes, so after copying it looks at `head` again
//! (SeqCst fences on both sides order that check against the lapping producer's copy) and,
//! if lapped, declares everything below `head` lost (`valid_from`) before clearing its
//! slot: those readers get [`Overwritten`] instead of garbage.
//!
//! Readers copy with relaxed loads, then (seqlock style: acquire fence, reload `head`)
//! check no producer reserved a position one ring length past the first byte they read;
//! a reservation is made before its bytes are written, so any overwritten byte they saw
//! shows in `head`.
//!
//! `reset` and `resize` (start-up, full sync on a replica, CONFIG SET: rare) *seal* the
//! head word (db field = `DB_SEALED`): no reservation can succeed, in-flight appends
//! finish (their slots are watched), the ring is swapped or reset, then the head is
//! unsealed. Producers that meet a sealed head wait for the resizer only, with their slot
//! clear; resize copies most of the history before sealing, so the sealed window is the
//! delta plus a pointer swap. Readers take the `admin` mutex, which the resizer holds:
//! a read never sees a ring being freed.

use std::alloc::{alloc_zeroed, Layout};
use std::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};

/// Bytes at an offset were overwritten (or never held): the reader must full-sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("offset {0} is no longer in the replication log")]
pub struct Overwritten(pub u64);

const DB_BITS: u32 = 16;
const DB_MASK: u64 = (1 << DB_BITS) - 1;
/// The stream's db is unknown: the next record with a db starts with `SELECT`.
const DB_NONE: u64 = DB_MASK;
/// A resize or reset holds the head: no reservation until it is unsealed.
const DB_SEALED: u64 = DB_MASK - 1;
/// Largest position the head word holds (256 TiB of stream).
const MAX_POS: u64 = (1 << (64 - DB_BITS)) - 1;
/// A producer slot with no append in flight.
const IDLE: u64 = u64::MAX;
/// The ring is never smaller than Redis's smallest backlog, so a replica streaming at
/// the tail does not fall out of a tiny `repl-backlog-size` set at start-up.
const MIN_RING_BYTES: usize = 16 * 1024;
/// Larger capacities (Redis accepts up to LLONG_MAX) are clamped to what can be mapped.
const MAX_RING_BYTES: usize = 1 << 40;
/// Chunk of the copies resize makes.
const COPY_CHUNK: u64 = 64 * 1024;

fn pack(pos: u64, db: u64) -> u64 {
    (pos << DB_BITS) | db
}
fn pos_of(word: u64) -> u64 {
    word >> DB_BITS
}
fn db_of(word: u64) -> u64 {
    word & DB_MASK
}
/// A db as the head word stores it; dbs too large for the field count as unknown, which
/// only costs a `SELECT` before each of their records.
fn db_code(db: usize) -> u64 {
    if (db as u64) < DB_SEALED {
        db as u64
    } else {
        DB_NONE
    }
}

/// One cache line per hot atomic, so producers' slots and the head do not false-share.
#[repr(align(128))]
struct Padded(AtomicU64);

/// The bytes: `size` (a multiple of 8) bytes as atomic words, so concurrent copies and
/// reads are data-race free; a reader that raced a writer sees some mix of old and new
/// bytes and throws them away after validation.
struct Ring {
    words: Box<[AtomicU64]>,
    size: u64,
    /// Positions below this are not held (history dropped by reset/resize, or lost to a
    /// lapped late copy). Only grows, except under a sealed head.
    valid_from: AtomicU64,
}

impl Ring {
    /// A zeroed ring of `bytes` (rounded to words); halves the size while the allocation
    /// fails (a huge `repl-backlog-size`), down to [`MIN_RING_BYTES`].
    fn new(bytes: usize, valid_from: u64) -> Ring {
        let mut words = bytes.div_ceil(8).max(1);
        loop {
            let layout = Layout::array::<AtomicU64>(words).expect("ring layout");
            // SAFETY: the layout has a non-zero size; all-zero bytes are valid AtomicU64s,
            // and the pointer comes from the global allocator with exactly this layout,
            // which is what Box<[AtomicU64]> frees it with.
            let p = unsafe { alloc_zeroed(layout) } as *mut AtomicU64;
            if !p.is_null() {
                let words = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, words)) };
                let size = words.len() as u64 * 8;
                return Ring {
                    words,
                    size,
                    valid_from: AtomicU64::new(valid_from),
                };
            }
            if words * 8 <= MIN_RING_BYTES {
                std::alloc::handle_alloc_error(layout);
            }
            words /= 2;
        }
    }

    /// Stores `bytes` at positions `pos..`, wrapping around the ring.
    fn write(&self, pos: u64, mut bytes: &[u8]) {
        let mut at = (pos % self.size) as usize;
        while !bytes.is_empty() {
            let run = bytes.len().min(self.size as usize - at);
            self.write_run(at, &bytes[..run]);
            bytes = &bytes[run..];
            at = 0;
        }
    }

    fn write_run(&self, at: usize, mut bytes: &[u8]) {
        let (mut w, off) = (at / 8, at % 8);
        if off != 0 {
            let n = bytes.len().min(8 - off);
            self.merge(w, off, &bytes[..n]);
            bytes = &bytes[n..];
            w += 1;
        }
        let mut whole = bytes.chunks_exact(8);
        for chunk in &mut whole {
            let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.words[w].store(v, Relaxed);
            w += 1;
        }
        if !whole.remainder().is_empty() {
            self.merge(w, 0, whole.remainder());
        }
    }

    /// Writes bytes `off..off + bytes.len()` of word `w`, keeping the others (a
    /// neighbouring record's bytes may be copied into them at the same time).
    fn merge(&self, w: usize, off: usize, bytes: &[u8]) {
        let (mut v, mut mask) = (0u64, 0u64);
        for (k, &b) in bytes.iter().enumerate() {
            v |= (b as u64) << (8 * (off + k));
            mask |= 0xFF << (8 * (off + k));
        }
        let word = &self.words[w];
        let mut cur = word.load(Relaxed);
        while let Err(now) = word.compare_exchange_weak(cur, (cur & !mask) | v, Relaxed, Relaxed) {
            cur = now;
        }
    }

    /// Appends the bytes at positions `pos..pos + len` to `out` (unvalidated).
    fn read_into(&self, pos: u64, len: u64, out: &mut Vec<u8>) {
        out.reserve(len as usize);
        let (mut at, mut left) = ((pos % self.size) as usize, len as usize);
        while left > 0 {
            let run = left.min(self.size as usize - at);
            let (mut w, off) = (at / 8, at % 8);
            let mut n = run;
            if off != 0 {
                let k = n.min(8 - off);
                out.extend_from_slice(&self.words[w].load(Relaxed).to_le_bytes()[off..off + k]);
                n -= k;
                w += 1;
            }
            while n >= 8 {
                out.extend_from_slice(&self.words[w].load(Relaxed).to_le_bytes());
                n -= 8;
                w += 1;
            }
            if n > 0 {
                out.extend_from_slice(&self.words[w].load(Relaxed).to_le_bytes()[..n]);
            }
            left -= run;
            at = 0;
        }
    }
}

/// `SELECT <db>` encoded on the stack (the hot path must not allocate).
struct Select {
    buf: [u8; 48],
    len: usize,
}

impl Select {
    fn new(db: usize) -> Select {
        let mut n = itoa::Buffer::new();
        let digits = n.format(db).as_bytes();
        let mut l = itoa::Buffer::new();
        let dlen = l.format(digits.len()).as_bytes();
        let mut s = Select {
            buf: [0; 48],
            len: 0,
        };
        for part in [b"*2\r\n$6\r\nSELECT\r\n$", dlen, b"\r\n", digits, b"\r\n"] {
            s.buf[s.len..s.len + part.len()].copy_from_slice(part);
            s.len += part.len();
        }
        s
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

pub struct ReplLog {
    /// Reserved end (position) and the stream's db after the last reserved record.
    head: Padded,
    /// One in-flight marker per producer, then one shared by out-of-range producers
    /// (serialized by `overflow`): `IDLE`, or a lower bound of the start of the append the
    /// producer is copying.
    slots: Box<[Padded]>,
    overflow: Mutex<()>,
    /// The ring producers copy into: the one `admin` owns, swapped only under a sealed
    /// head once no append is in flight.
    ring: AtomicPtr<Ring>,
    /// The largest readable end handed out, tagged with `generation` (16 bits) so that a
    /// reset may lower it: `offset()` never goes backwards within one history even when a
    /// producer's lower bound is stale.
    committed: Padded,
    generation: AtomicU64,
    /// `repl-backlog-size` as configured (the ring is at least [`MIN_RING_BYTES`]).
    capacity: AtomicUsize,
    /// Owns the ring; held by readers, resize and reset.
    admin: Mutex<Box<Ring>>,
}

impl ReplLog {
    /// A log holding the last `capacity_bytes`, appended to by `producers` threads: the
    /// shards `0..nshards`, then the replication core (`nshards`).
    pub fn new(capacity_bytes: usize, producers: usize) -> ReplLog {
        let mut ring = Box::new(Ring::new(ring_bytes(capacity_bytes), 0));
        let ptr: *mut Ring = &mut *ring;
        ReplLog {
            head: Padded(AtomicU64::new(pack(0, DB_NONE))),
            slots: (0..=producers)
                .map(|_| Padded(AtomicU64::new(IDLE)))
                .collect(),
            overflow: Mutex::new(()),
            ring: AtomicPtr::new(ptr),
            committed: Padded(AtomicU64::new(0)),
            generation: AtomicU64::new(0),
            capacity: AtomicUsize::new(capacity_bytes),
            admin: Mutex::new(ring),
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
        producer: usize,
        db: Option<usize>,
        record: &[u8],
        end_db: Option<usize>,
    ) -> u64 {
        let shared = self.slots.len() - 1;
        if producer < shared {
            return self.append_as(producer, db, record, end_db);
        }
        debug_assert!(false, "replication log producer {producer} out of range");
        let _one_at_a_time = lock(&self.overflow);
        self.append_as(shared, db, record, end_db)
    }

    fn append_as(
        &self,
        slot_index: usize,
        db: Option<usize>,
        record: &[u8],
        end_db: Option<usize>,
    ) -> u64 {
        let slot = &self.slots[slot_index].0;
        // Encoded only when needed (a db change), once.
        let mut select: Option<Select> = None;
        let mut cur = self.head.0.load(Relaxed);
        let (start, end, with_select) = loop {
            if db_of(cur) == DB_SEALED {
                slot.store(IDLE, Release);
                cur = self.wait_unsealed();
                continue;
            }
            let start = pos_of(cur);
            let with_select = db.is_some_and(|d| db_code(d) == DB_NONE || db_code(d) != db_of(cur));
            let select_len = match db {
                Some(d) if with_select => select.get_or_insert_with(|| Select::new(d)).len,
                _ => 0,
            };
            let end = start + (select_len + record.len()) as u64;
            if end > MAX_POS {
                // 256 TiB of stream: start a new history rather than corrupt the word.
                slot.store(IDLE, Release);
                self.reset(0);
                cur = self.head.0.load(Relaxed);
                continue;
            }
            let next_db = if db.is_some() || end_db.is_some() {
                end_db.map_or(DB_NONE, db_code)
            } else {
                db_of(cur)
            };
            // The marker is stored before the CAS that makes the range visible in `head`
            // (the CAS releases it): a reader that sees the range sees the marker.
            slot.store(start, Relaxed);
            match self
                .head
                .0
                .compare_exchange_weak(cur, pack(end, next_db), AcqRel, Relaxed)
            {
                Ok(_) => break (start, end, with_select),
                Err(now) => cur = now,
            }
        };
        // Orders the reservation before the copy: a reader or a lapped producer that sees
        // any byte of this copy sees the reservation in `head`.
        fence(SeqCst);
        // SAFETY: the ring is swapped and freed only under a sealed head after every
        // in-flight append (this one: its CAS came before any seal) has cleared its slot.
        let ring = unsafe { &*self.ring.load(Acquire) };
        // Only the last `size` bytes of an oversized record can be held.
        let first = start.max(end.saturating_sub(ring.size));
        let mut at = start;
        let parts = [
            select
                .as_ref()
                .filter(|_| with_select)
                .map_or(&[][..], |s| s.bytes()),
            record,
        ];
        for part in parts {
            let skip = first.saturating_sub(at).min(part.len() as u64) as usize;
            ring.write(at + skip as u64, &part[skip..]);
            at += part.len() as u64;
        }
        // Was this range lapped while being copied? Then the copy may have clobbered newer
        // bytes sharing its ring bytes: drop everything reserved so far.
        fence(SeqCst);
        let now = pos_of(self.head.0.load(Relaxed));
        if now > first + ring.size {
            ring.valid_from.fetch_max(now, Release);
        }
        slot.store(IDLE, Release);
        end
    }

    fn wait_unsealed(&self) -> u64 {
        loop {
            let cur = self.head.0.load(Acquire);
            if db_of(cur) != DB_SEALED {
                return cur;
            }
            std::thread::yield_now();
        }
    }

    /// `master_repl_offset`: every byte up to it is published and readable.
    pub fn offset(&self) -> u64 {
        loop {
            let generation = self.generation.load(Acquire);
            let mut end = pos_of(self.head.0.load(Acquire));
            for s in self.slots.iter() {
                end = end.min(s.0.load(Acquire));
            }
            if self.generation.load(Acquire) != generation {
                continue;
            }
            let tag = (generation & DB_MASK) << (64 - DB_BITS);
            let mut c = self.committed.0.load(Acquire);
            loop {
                if c & !MAX_POS != tag {
                    break; // a reset is under way or done: start over
                }
                if c & MAX_POS >= end {
                    return c & MAX_POS;
                }
                match self
                    .committed
                    .0
                    .compare_exchange_weak(c, tag | end, AcqRel, Acquire)
                {
                    Ok(_) => return end,
                    Err(now) => c = now,
                }
            }
            std::hint::spin_loop();
        }
    }

    /// The oldest held position (0-based), given the readable end.
    fn held_from(&self, ring: &Ring, end: u64) -> u64 {
        let head = pos_of(self.head.0.load(Acquire));
        let from = ring
            .valid_from
            .load(Acquire)
            .max(head.saturating_sub(ring.size));
        from.min(end)
    }

    /// The offset of the oldest byte held (`repl_backlog_first_byte_offset`);
    /// `offset() + 1` when nothing is held.
    pub fn first_offset(&self) -> u64 {
        let ring = lock(&self.admin);
        let end = self.offset();
        self.held_from(&ring, end) + 1
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn held(&self) -> u64 {
        let ring = lock(&self.admin);
        let end = self.offset();
        end - self.held_from(&ring, end)
    }

    /// `repl-backlog-size`.
    pub fn capacity(&self) -> usize {
        self.capacity.load(Relaxed)
    }

    /// Appends to `out` up to `max` published bytes starting at offset `from` (the first
    /// byte the reader lacks); returns how many. `from == offset() + 1` reads nothing.
    /// On error `out` is left as it was.
    pub fn read(&self, from: u64, max: usize, out: &mut Vec<u8>) -> Result<usize, Overwritten> {
        let ring = lock(&self.admin);
        let end = self.offset();
        if from == 0 || from > end + 1 {
            return Err(Overwritten(from));
        }
        let pos = from - 1;
        let n = (end - pos).min(max as u64);
        if self.read_ring(&ring, pos, n, out) {
            Ok(n as usize)
        } else {
            Err(Overwritten(from))
        }
    }

    /// Copies positions `pos..pos + n` (published) to `out` and validates them; false
    /// (and `out` unchanged) when any was not held or was overwritten meanwhile.
    fn read_ring(&self, ring: &Ring, pos: u64, n: u64, out: &mut Vec<u8>) -> bool {
        let held = |head: u64, valid_from: u64| pos >= valid_from && head <= pos + ring.size;
        if !held(
            pos_of(self.head.0.load(Acquire)),
            ring.valid_from.load(Acquire),
        ) {
            return false;
        }
        let mark = out.len();
        ring.read_into(pos, n, out);
        // Pairs with the producers' fence after their reservation: if a load above saw a
        // byte of a later reservation, `head` below shows that reservation.
        fence(Acquire);
        if !held(
            pos_of(self.head.0.load(Relaxed)),
            ring.valid_from.load(Relaxed),
        ) {
            out.truncate(mark);
            return false;
        }
        true
    }

    /// Forgets the stream's database, so the next record with one starts with `SELECT`
    /// (after a full sync is cut, after a promotion).
    pub fn forget_db(&self) {
        let mut cur = self.head.0.load(Relaxed);
        loop {
            if db_of(cur) == DB_SEALED {
                cur = self.wait_unsealed();
                continue;
            }
            if db_of(cur) == DB_NONE {
                return;
            }
            match self.head.0.compare_exchange_weak(
                cur,
                pack(pos_of(cur), DB_NONE),
                AcqRel,
                Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => cur = now,
            }
        }
    }

    /// Holds every new reservation and waits until no append is in flight; returns the
    /// head word as it was (end of the stream, its db). Caller holds `admin`.
    fn seal(&self) -> u64 {
        let mut cur = self.head.0.load(Relaxed);
        let before = loop {
            debug_assert_ne!(db_of(cur), DB_SEALED, "sealed twice");
            match self.head.0.compare_exchange_weak(
                cur,
                pack(pos_of(cur), DB_SEALED),
                AcqRel,
                Relaxed,
            ) {
                Ok(_) => break cur,
                Err(now) => cur = now,
            }
        };
        // Every reservation before the seal had its marker stored before its CAS, which
        // the seal's CAS acquired: a marker seen here changes (to IDLE or a later append,
        // which meets the seal) only once that copy is complete.
        for s in self.slots.iter() {
            let seen = s.0.load(Acquire);
            if seen == IDLE {
                continue;
            }
            while s.0.load(Acquire) == seen {
                std::thread::yield_now();
            }
        }
        before
    }

    /// Counts resets: offsets restart with each history, so a reader that followed the old
    /// one (a replica of the old replid) must not go on reading after it changes.
    pub fn history(&self) -> u64 {
        self.generation.load(Acquire)
    }

    /// Drops the history and continues at `offset` (a new replication history: loaded
    /// from an RDB, or adopted from a master after a full sync). Offsets are reused: a
    /// reader of the old history must stop (see [`ReplLog::history`]).
    pub fn reset(&self, offset: u64) {
        debug_assert!(offset <= MAX_POS, "replication offset {offset} too large");
        let offset = offset.min(MAX_POS);
        let ring = lock(&self.admin);
        self.seal();
        ring.valid_from.store(offset, Release);
        let generation = self.generation.load(Relaxed) + 1;
        let tag = (generation & DB_MASK) << (64 - DB_BITS);
        self.committed.0.store(tag | offset, Release);
        self.generation.store(generation, Release);
        self.head.0.swap(pack(offset, DB_NONE), AcqRel);
    }

    /// `CONFIG SET repl-backlog-size`: keeps the newest `min(old, new)` bytes.
    pub fn resize(&self, capacity_bytes: usize) {
        let mut admin = lock(&self.admin);
        self.capacity.store(capacity_bytes, Relaxed);
        if ring_bytes(capacity_bytes) as u64 == admin.size {
            return;
        }
        let mut fresh = Box::new(Ring::new(ring_bytes(capacity_bytes), 0));
        let (old, new): (&Ring, &Ring) = (&admin, &fresh);
        let keep = old.size.min(new.size);
        // Most of the history is copied while producers keep appending, chunk by chunk;
        // a chunk found overwritten invalidates the older chunks too.
        let end = self.offset();
        let mut copied_from = end;
        let mut at = self.held_from(old, end).max(end.saturating_sub(keep));
        let mut buf = Vec::with_capacity(COPY_CHUNK as usize);
        while at < end {
            let n = (end - at).min(COPY_CHUNK);
            buf.clear();
            if self.read_ring(old, at, n, &mut buf) {
                new.write(at, &buf);
                copied_from = copied_from.min(at);
            } else {
                copied_from = end;
            }
            at += n;
        }
        // Sealed, nothing moves: copy what was appended meanwhile (and what the first pass
        // lost to a lap, if anything), then swap.
        let before = self.seal();
        let head = pos_of(before);
        let held = old.valid_from.load(Acquire).max(head.saturating_sub(keep));
        let mut copy = |from: u64, to: u64| {
            let mut at = from;
            while at < to {
                let n = (to - at).min(COPY_CHUNK);
                buf.clear();
                old.read_into(at, n, &mut buf);
                new.write(at, &buf);
                at += n;
            }
        };
        if copied_from < end && held < end {
            copy(held, copied_from.max(held));
            copy(end, head);
        } else {
            copy(held, head);
        }
        new.valid_from.store(held, Release);
        let ptr: *mut Ring = &mut *fresh;
        self.ring.store(ptr, Release);
        // No append is in flight and the head is sealed: nobody holds the old ring.
        *admin = fresh;
        self.head.0.swap(before, AcqRel);
    }
}

/// The ring size for a `repl-backlog-size`.
fn ring_bytes(capacity: usize) -> usize {
    capacity
        .clamp(MIN_RING_BYTES, MAX_RING_BYTES)
        .next_multiple_of(8)
}

/// A poisoned lock is still usable: every update under these locks leaves the log valid.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::record::{encode_command, encode_select};

    fn set(key: &str, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_command(&mut out, &[&b"set"[..], key.as_bytes(), value]);
        out
    }

    fn select(db: usize) -> Vec<u8> {
        let mut out = Vec::new();
        encode_select(&mut out, db);
        out
    }

    fn read_all(log: &ReplLog, from: u64) -> Result<Vec<u8>, Overwritten> {
        let mut out = Vec::new();
        log.read(from, usize::MAX, &mut out)?;
        Ok(out)
    }

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
        assert_eq!(log.read(0, 10, &mut out), Err(Overwritten(0)));
    }

    #[test]
    fn the_stream_db_follows_records_switches_and_forget() {
        let log = ReplLog::new(1 << 20, 2);
        let (a, ping) = (set("a", b"1"), b"*1\r\n$4\r\nPING\r\n".to_vec());
        let multi = [select(4), set("x", b"y"), select(7)].concat();
        let huge_db = 70_000;
        let mut want = Vec::new();
        for (producer, db, rec, end_db, expect) in [
            (0, Some(3), &a, Some(3), [select(3), a.clone()].concat()),
            (1, Some(3), &a, Some(3), a.clone()),
            (1, None, &ping, None, ping.clone()), // no db: the stream stays in 3
            (0, Some(3), &a, Some(3), a.clone()),
            (0, Some(3), &multi, Some(7), multi.clone()), // leaves the stream in 7
            (1, Some(7), &a, Some(7), a.clone()),
            (1, Some(7), &multi, None, multi.clone()), // unknown afterwards
            (0, Some(7), &a, Some(7), [select(7), a.clone()].concat()),
            (
                0,
                Some(huge_db),
                &a,
                Some(huge_db),
                [select(huge_db), a.clone()].concat(),
            ),
            (
                0,
                Some(huge_db),
                &a,
                Some(huge_db),
                [select(huge_db), a.clone()].concat(),
            ),
        ] {
            let end = log.append_switching(producer, db, rec, end_db);
            want.extend_from_slice(&expect);
            assert_eq!(end, want.len() as u64);
        }
        log.forget_db();
        log.append(1, Some(0), &a);
        want.extend_from_slice(&[select(0), a.clone()].concat());
        log.append(1, Some(0), &a);
        want.extend_from_slice(&a);
        assert_eq!(read_all(&log, 1).unwrap(), want);
        assert_eq!(log.offset(), want.len() as u64);
        assert_eq!((log.first_offset(), log.held()), (1, want.len() as u64));
        // Reads start anywhere, stop at `max`, and at offset()+1 read nothing.
        let mut out = Vec::new();
        assert_eq!(log.read(5, 10, &mut out), Ok(10));
        assert_eq!(out, &want[4..14]);
        assert_eq!(log.read(log.offset() + 1, 10, &mut out), Ok(0));
    }

    /// Appends records of varying sizes to a 16 KiB ring and checks, after each, the
    /// offsets, what is held, and reads from several points (across the wrap).
    #[test]
    fn the_ring_wraps_and_forgets_the_oldest_bytes() {
        let log = ReplLog::new(1, 1); // a tiny capacity still gets the smallest ring
        assert_eq!(log.capacity(), 1);
        let size = MIN_RING_BYTES as u64;
        let mut stream = Vec::new();
        for i in 0..1500usize {
            let value = vec![b'a' + (i % 26) as u8; i % 97];
            let rec = set(&format!("k{i}"), &value);
            if stream.is_empty() {
                stream.extend_from_slice(&select(0));
            }
            stream.extend_from_slice(&rec);
            assert_eq!(log.append(0, Some(0), &rec), stream.len() as u64);
            let total = stream.len() as u64;
            let first = total.saturating_sub(size) + 1;
            assert_eq!(log.offset(), total);
            assert_eq!(log.first_offset(), first);
            assert_eq!(log.held(), total - first + 1);
            for from in [first, first + 1, (first + total) / 2, total, total + 1] {
                let got = read_all(&log, from).unwrap();
                assert_eq!(got, &stream[from as usize - 1..], "from {from}");
            }
            if first > 1 {
                assert_eq!(read_all(&log, first - 1), Err(Overwritten(first - 1)));
                assert_eq!(read_all(&log, 1), Err(Overwritten(1)));
            }
        }
        assert!(stream.len() as u64 > 3 * size);
    }

    #[test]
    fn a_record_larger_than_the_ring_keeps_only_its_tail() {
        let log = ReplLog::new(MIN_RING_BYTES, 1);
        let size = MIN_RING_BYTES as u64;
        log.append(0, Some(0), &set("a", b"1"));
        let big = set("big", &vec![b'x'; 40_000]);
        let before = log.offset();
        let end = log.append(0, Some(0), &big);
        assert_eq!(end, before + big.len() as u64);
        assert_eq!(log.held(), size);
        assert_eq!(log.first_offset(), end - size + 1);
        assert_eq!(read_all(&log, before + 1), Err(Overwritten(before + 1)));
        let tail = read_all(&log, end - size + 1).unwrap();
        assert_eq!(tail, &big[big.len() - size as usize..]);
        let small = set("b", b"2");
        log.append(0, Some(0), &small);
        assert_eq!(read_all(&log, end + 1).unwrap(), small);
    }

    #[test]
    fn reset_starts_a_new_history() {
        let log = ReplLog::new(1 << 20, 1);
        log.append(0, Some(2), &set("a", b"1"));
        for offset in [1000, 10] {
            log.reset(offset);
            assert_eq!(
                (log.offset(), log.first_offset(), log.held()),
                (offset, offset + 1, 0)
            );
            assert_eq!(read_all(&log, 1), Err(Overwritten(1)));
            assert_eq!(read_all(&log, offset + 1), Ok(Vec::new()));
            // The db is forgotten: SELECT again.
            let rec = set("b", b"2");
            let end = log.append(0, Some(2), &rec);
            let want = [select(2), rec].concat();
            assert_eq!(end, offset + want.len() as u64);
            assert_eq!(read_all(&log, offset + 1).unwrap(), want);
            assert_eq!(log.first_offset(), offset + 1);
        }
    }

    #[test]
    fn resize_keeps_the_newest_bytes_that_fit() {
        let log = ReplLog::new(64 * 1024, 1);
        let mut stream = Vec::new();
        let fill = |log: &ReplLog, n: usize, stream: &mut Vec<u8>| {
            for i in 0..n {
                let rec = set(&format!("k{i}"), &[b'v'; 50]);
                if stream.is_empty() {
                    stream.extend_from_slice(&select(1));
                }
                stream.extend_from_slice(&rec);
                log.append(0, Some(1), &rec);
            }
        };
        fill(&log, 1000, &mut stream); // ~70 KB: the 64 KiB ring has wrapped
        let check = |log: &ReplLog, stream: &[u8], held: u64| {
            let total = stream.len() as u64;
            assert_eq!((log.offset(), log.held()), (total, held));
            let got = read_all(log, log.first_offset()).unwrap();
            assert_eq!(got, &stream[(total - held) as usize..]);
        };
        check(&log, &stream, 64 * 1024);
        log.resize(20_000);
        assert_eq!(log.capacity(), 20_000);
        check(&log, &stream, 20_000);
        log.resize(1 << 20); // growing keeps what was held and then fills up
        check(&log, &stream, 20_000);
        let before = stream.len() as u64;
        fill(&log, 100, &mut stream);
        check(&log, &stream, 20_000 + stream.len() as u64 - before);
        log.resize(1); // the smallest ring
        check(&log, &stream, MIN_RING_BYTES as u64);
        // The stream's db survives a resize: no SELECT.
        let rec = set("z", b"1");
        log.append(0, Some(1), &rec);
        stream.extend_from_slice(&rec);
        check(&log, &stream, MIN_RING_BYTES as u64);
    }

    #[test]
    fn select_on_the_stack_matches_the_encoder() {
        for db in [0, 9, 10, 15, 65_535, usize::MAX] {
            assert_eq!(Select::new(db).bytes(), select(db));
        }
    }

    #[test]
    fn out_of_range_producers_are_safe_in_release() {
        if cfg!(debug_assertions) {
            return; // debug builds assert on it
        }
        let log = ReplLog::new(1 << 20, 1);
        log.append(5, None, b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(read_all(&log, 1).unwrap(), b"*1\r\n$4\r\nPING\r\n");
    }

    // ---- concurrency ----

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Parses the stream a reader gets and checks every record: complete, the db of the
    /// last SELECT, each producer's sequence in order, payload intact.
    struct Checker {
        buf: Vec<u8>,
        db: Option<usize>,
        next_seq: Vec<u64>,
        records: u64,
    }

    impl Checker {
        fn new(producers: usize) -> Checker {
            Checker {
                buf: Vec::new(),
                db: None,
                next_seq: vec![0; producers],
                records: 0,
            }
        }

        /// Consumes every complete command in `buf`.
        fn feed(&mut self, bytes: &[u8]) {
            self.buf.extend_from_slice(bytes);
            let mut at = 0;
            while let Some((args, used)) = parse(&self.buf[at..]) {
                at += used;
                self.check(&args);
            }
            self.buf.drain(..at);
        }

        fn check(&mut self, args: &[Vec<u8>]) {
            let text = |a: &[u8]| String::from_utf8(a.to_vec()).expect("utf8");
            match args[0].as_slice() {
                b"SELECT" => self.db = Some(text(&args[1]).parse().expect("db")),
                b"PING" => {}
                b"set" => {
                    let tag = text(&args[1]);
                    let mut it = tag.split(':').map(|x| x.parse::<u64>().expect("tag"));
                    let (p, seq, db) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
                    assert_eq!(self.db, Some(db as usize), "record {tag} in the wrong db");
                    assert_eq!(seq, self.next_seq[p as usize], "producer {p} out of order");
                    self.next_seq[p as usize] += 1;
                    assert_eq!(args[2], payload(seq), "record {tag} payload");
                    self.records += 1;
                }
                other => panic!("unexpected command {:?}", text(other)),
            }
        }
    }

    fn payload(seq: u64) -> Vec<u8> {
        let len = (seq.wrapping_mul(0x9E37_79B9) >> 7) % 300;
        (0..len).map(|i| b'a' + ((seq + i) % 26) as u8).collect()
    }

    /// One RESP array of bulk strings at the start of `b`, or None if incomplete.
    fn parse(b: &[u8]) -> Option<(Vec<Vec<u8>>, usize)> {
        fn line(b: &[u8], at: usize, kind: u8) -> Option<(usize, usize)> {
            let end = b[at..].windows(2).position(|w| w == b"\r\n")? + at;
            assert_eq!(b[at], kind, "bad RESP at {at}: {:?}", &b[at..end]);
            let n = std::str::from_utf8(&b[at + 1..end])
                .unwrap()
                .parse()
                .unwrap();
            Some((n, end + 2))
        }
        if b.is_empty() {
            return None;
        }
        let (n, mut at) = line(b, 0, b'*')?;
        let mut args = Vec::with_capacity(n);
        for _ in 0..n {
            let (len, start) = line(b, at, b'$')?;
            if b.len() < start + len + 2 {
                return None;
            }
            assert_eq!(&b[start + len..start + len + 2], b"\r\n");
            args.push(b[start..start + len].to_vec());
            at = start + len + 2;
        }
        Some((args, at))
    }

    /// Three producers append tagged records with random sizes and dbs (and db-less
    /// PINGs) while a reader follows the stream and checks it, and a slow reader falls
    /// behind and must get Overwritten, never garbage.
    #[test]
    fn concurrent_producers_and_readers() {
        use std::sync::atomic::AtomicBool;
        const PRODUCERS: usize = 3;
        const PER_PRODUCER: u64 = if cfg!(debug_assertions) {
            4_000
        } else {
            30_000
        };
        let log = ReplLog::new(256 * 1024, PRODUCERS + 1);
        let reader_at = AtomicU64::new(1);
        let (done, abort) = (AtomicBool::new(false), AtomicBool::new(false));
        /// Stops the producers if the checking reader panics (they wait for it).
        struct AbortOnDrop<'a>(&'a AtomicBool);
        impl Drop for AbortOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Relaxed);
            }
        }
        std::thread::scope(|s| {
            let _abort = AbortOnDrop(&abort);
            for p in 0..PRODUCERS {
                let (log, reader_at, abort) = (&log, &reader_at, &abort);
                s.spawn(move || {
                    let mut rng = Rng(0x1234_5678 + p as u64);
                    let mut rec = Vec::new();
                    for seq in 0..PER_PRODUCER {
                        // Back-pressure on the reserved end (not offset(), which a
                        // descheduled producer holds back) so the reader is never lapped.
                        while pos_of(log.head.0.load(Relaxed))
                            > reader_at.load(Relaxed) + 128 * 1024
                        {
                            if abort.load(Relaxed) {
                                return;
                            }
                            std::thread::yield_now();
                        }
                        if rng.next().is_multiple_of(16) {
                            log.append(p, None, b"*1\r\n$4\r\nPING\r\n");
                        }
                        let db = (rng.next() % 3) as usize;
                        rec.clear();
                        let tag = format!("{p}:{seq}:{db}");
                        encode_command(&mut rec, &[&b"set"[..], tag.as_bytes(), &payload(seq)]);
                        log.append(p, Some(db), &rec);
                    }
                });
            }
            let (log, done) = (&log, &done);
            let slow = s.spawn(move || {
                let mut checker = Checker::new(PRODUCERS);
                let (mut at, mut out) = (1, Vec::new());
                loop {
                    out.clear();
                    match log.read(at, 100, &mut out) {
                        Ok(n) => {
                            checker.feed(&out);
                            at += n as u64;
                        }
                        Err(e) => return (e, checker.records),
                    }
                    if done.load(Relaxed) {
                        panic!("the slow reader was never overwritten");
                    }
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
            });
            let mut checker = Checker::new(PRODUCERS);
            let (mut at, mut out) = (1u64, Vec::new());
            let total = PER_PRODUCER * PRODUCERS as u64;
            while checker.records < total {
                out.clear();
                let n = log
                    .read(at, 64 * 1024, &mut out)
                    .expect("the reader keeps up");
                checker.feed(&out);
                at += n as u64;
                reader_at.store(at, Relaxed);
                if n == 0 {
                    std::thread::yield_now();
                }
            }
            assert_eq!(at, log.offset() + 1, "no bytes after the last record");
            assert!(checker.buf.is_empty());
            assert_eq!(checker.next_seq, vec![PER_PRODUCER; PRODUCERS]);
            done.store(true, Relaxed);
            let (err, records) = slow.join().unwrap();
            assert!(err.0 >= 1 && records < total, "{err:?} after {records}");
        });
    }

    /// Resizes and resets while producers append and a reader reads: memory safety, and
    /// whatever a read returns between two errors parses (no reordered or torn bytes).
    #[test]
    fn resize_and_reset_under_load() {
        use std::sync::atomic::AtomicBool;
        let log = ReplLog::new(64 * 1024, 2);
        let stop = AtomicBool::new(false);
        let reader_at = AtomicU64::new(0);
        std::thread::scope(|s| {
            for p in 0..2 {
                let (log, stop, reader_at) = (&log, &stop, &reader_at);
                s.spawn(move || {
                    let mut seq = 0;
                    while !stop.load(Relaxed) {
                        // Loose back-pressure: the reader mostly keeps up.
                        if pos_of(log.head.0.load(Relaxed)) > reader_at.load(Relaxed) + 8192 {
                            std::thread::yield_now();
                            continue;
                        }
                        let mut rec = Vec::new();
                        let tag = format!("{p}:{seq}:{p}");
                        encode_command(&mut rec, &[&b"set"[..], tag.as_bytes(), &payload(seq)]);
                        log.append(p, Some(p), &rec);
                        seq += 1;
                    }
                });
            }
            let (log, stop) = (&log, &stop);
            let reader = s.spawn(|| {
                let (mut ok, mut errors, mut out) = (0u64, 0u64, Vec::new());
                while !stop.load(Relaxed) {
                    // Restart at the end; the first SELECT seen is a record boundary.
                    let history = log.history();
                    let mut at = log.offset() + 1;
                    let (mut buf, mut db) = (Vec::<u8>::new(), None);
                    while !stop.load(Relaxed) {
                        reader_at.store(at, Relaxed);
                        out.clear();
                        match log.read(at, 4096, &mut out) {
                            Ok(n) if log.history() == history => at += n as u64,
                            _ => {
                                errors += 1;
                                break;
                            }
                        }
                        buf.extend_from_slice(&out);
                        let mut used = 0;
                        if db.is_none() {
                            match buf.windows(6).position(|w| w == b"SELECT") {
                                Some(i) if i >= 8 => used = i - 8,
                                _ => continue,
                            }
                        }
                        while let Some((args, n)) = parse(&buf[used..]) {
                            used += n;
                            if args[0] == b"SELECT" {
                                db = Some(args[1].clone());
                            } else {
                                let tag = String::from_utf8(args[1].clone()).unwrap();
                                let tag_db = tag.rsplit(':').next().unwrap().as_bytes();
                                assert_eq!(Some(tag_db), db.as_deref(), "{tag}");
                                ok += 1;
                            }
                        }
                        buf.drain(..used);
                    }
                }
                (ok, errors)
            });
            for round in 0..40u64 {
                std::thread::sleep(std::time::Duration::from_millis(3));
                match round % 4 {
                    0 => log.resize(1 << 20),
                    1 => log.resize(20_000),
                    2 => log.reset(log.offset() + 7),
                    _ => log.forget_db(),
                }
            }
            stop.store(true, Relaxed);
            let (ok, errors) = reader.join().unwrap();
            assert!(ok > 0 && errors > 0, "{ok} records, {errors} errors");
        });
    }
}
