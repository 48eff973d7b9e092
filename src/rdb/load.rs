//! Loading a whole RDB file (`rdbLoadRioWithLoadingCtx`): every key of every database,
//! or an error. Nothing is applied here; the caller installs the result only when the
//! whole file decoded, so a bad file never leaves a half-loaded keyspace.

use super::reader::{is_object_type, read_value, Loaded, Reader};
use super::{opcodes, RdbError};
use crate::storage::value::EncodingLimits;

/// One loaded key.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedKey {
    pub db: usize,
    pub key: Vec<u8>,
    pub value: Loaded,
    /// Absolute unix ms; keys already expired are kept (the caller decides: a master
    /// drops them at start-up, a replica keeps them).
    pub expire_at_ms: Option<u64>,
}

/// A decoded file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadedFile {
    pub version: u16,
    /// AUX fields in file order (`redis-ver`, `repl-id`, ...).
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    pub keys: Vec<LoadedKey>,
    /// Empty collections the file held (Redis skips them with a warning).
    pub skipped_empty: usize,
}

impl LoadedFile {
    /// An AUX field's value.
    pub fn aux(&self, key: &[u8]) -> Option<&[u8]> {
        self.aux.iter().find(|(k, _)| k == key).map(|(_, v)| &v[..])
    }
}

/// Decodes `data` as an RDB file of version 1 to 10 for a server with `databases`
/// databases. Checks the CRC-64 footer unless it is zero (checksum disabled), and that
/// no key appears twice in a database.
pub fn load(
    data: &[u8],
    limits: &EncodingLimits,
    databases: usize,
) -> Result<LoadedFile, RdbError> {
    let mut s = StreamLoader::new(*limits, databases);
    s.feed(data);
    s.end_of_input();
    let mut out = LoadedFile::default();
    while let Some(item) = s.next_item()? {
        match item {
            Item::Aux(k, v) => out.aux.push((k, v)),
            Item::Key(k) => out.keys.push(k),
            Item::SkippedEmpty => out.skipped_empty += 1,
        }
    }
    if !s.is_done() {
        return Err(RdbError::Truncated { offset: data.len() });
    }
    out.version = s.version().unwrap_or_default();
    check_unique(&out.keys)?;
    Ok(out)
}

/// One thing a [`StreamLoader`] decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Aux(Vec<u8>, Vec<u8>),
    Key(LoadedKey),
    /// An empty collection (Redis skips them with a warning).
    SkippedEmpty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Header,
    Body,
    Footer,
    Done,
}

/// Decodes an RDB as its bytes arrive (a replica's full sync): [`StreamLoader::feed`]
/// what came, then take [`StreamLoader::next_item`] until it says it needs more. Each item is
/// decoded only once all its bytes are in (a truncated read just waits for more), the
/// CRC-64 runs over the items as they are taken, and the bytes already decoded are
/// dropped, so memory holds at most the largest item plus one feed. Unlike [`load`] it
/// does not look for duplicate keys (the caller's insert sees them).
pub struct StreamLoader {
    buf: Vec<u8>,
    /// The next byte to decode in `buf`.
    pos: usize,
    /// The offset of `buf[0]` in the whole input (errors name whole-input offsets).
    base: usize,
    limits: EncodingLimits,
    databases: usize,
    version: Option<u16>,
    db: usize,
    expire: Option<u64>,
    crc: crc::Digest<'static, u64, crc::Table<16>>,
    part: Part,
    /// After an item was found incomplete, it is tried again only once this many bytes
    /// are pending (twice as many as then), so an item arriving in many pieces is parsed
    /// O(log) times, not once per piece.
    retry_at: usize,
    /// No more input will come: every attempt is made.
    ended: bool,
}

impl StreamLoader {
    pub fn new(limits: EncodingLimits, databases: usize) -> StreamLoader {
        StreamLoader {
            buf: Vec::new(),
            pos: 0,
            base: 0,
            limits,
            databases,
            version: None,
            db: 0,
            expire: None,
            crc: super::crc64_digest(),
            part: Part::Header,
            retry_at: 0,
            ended: false,
        }
    }

    /// More of the input.
    pub fn feed(&mut self, bytes: &[u8]) {
        // Drops the decoded bytes once they are most of the buffer.
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.base += self.pos;
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The file's RDB version, once its header is in.
    pub fn version(&self) -> Option<u16> {
        self.version
    }

    /// Whether the whole file (through its checksum) is decoded.
    pub fn is_done(&self) -> bool {
        self.part == Part::Done
    }

    /// Says that all the input was fed (an incomplete item is then an error at once).
    pub fn end_of_input(&mut self) {
        self.ended = true;
    }

    /// Input fed but not decoded yet.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next item, or `None` when more input is needed (or the file is done).
    pub fn next_item(&mut self) -> Result<Option<Item>, RdbError> {
        if !self.ended && self.pending() < self.retry_at {
            return Ok(None);
        }
        loop {
            // The buffer leaves `self` while a reader borrows it (the steps update the
            // decoder's state), and comes back before anything returns.
            let buf = std::mem::take(&mut self.buf);
            let mut r = Reader::new(&buf);
            let started = self.part;
            let step = r.take(self.pos).and_then(|_| match started {
                Part::Done => Ok(None),
                Part::Header => self.header(&mut r),
                Part::Body => self.body(&mut r),
                Part::Footer => self.footer(&mut r),
            });
            if step.is_ok() && started != Part::Done {
                // The checksum covers everything before the footer (EOF included).
                if matches!(started, Part::Header | Part::Body) {
                    self.crc.update(&buf[self.pos..r.offset()]);
                }
                self.pos = r.offset();
                self.retry_at = 0;
            }
            self.buf = buf;
            match step {
                Ok(None) if started == Part::Done => return Ok(None),
                Ok(None) => continue,
                Ok(Some(item)) => return Ok(Some(item)),
                Err(RdbError::Truncated { .. }) if !self.ended => {
                    self.retry_at = self.pending() * 2;
                    return Ok(None);
                }
                Err(e) => return Err(shift(e, self.base)),
            }
        }
    }

    fn header(&mut self, r: &mut Reader) -> Result<Option<Item>, RdbError> {
        let at = r.offset();
        let magic = r.take(9)?;
        if &magic[..5] != b"REDIS" {
            return Err(RdbError::corrupt(
                at,
                "not an RDB file (no REDIS signature)",
            ));
        }
        let version = std::str::from_utf8(&magic[5..])
            .ok()
            .filter(|v| v.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|v| v.parse::<u16>().ok())
            .ok_or_else(|| RdbError::corrupt(at + 5, "bad RDB version"))?;
        if !(1..=super::RDB_VERSION).contains(&version) {
            return Err(RdbError::unsupported(
                at + 5,
                format!("RDB format version {version}"),
            ));
        }
        self.version = Some(version);
        self.part = Part::Body;
        Ok(None)
    }

    /// One opcode and what follows it. State changes only once all of it was read.
    fn body(&mut self, r: &mut Reader) -> Result<Option<Item>, RdbError> {
        let at = r.offset();
        let op = r.u8()?;
        match op {
            opcodes::EOF => self.part = Part::Footer,
            opcodes::EXPIRETIME_MS => {
                self.expire = Some(i64::from_le_bytes(r.array()?).max(0) as u64);
            }
            opcodes::EXPIRETIME => {
                self.expire = Some(i32::from_le_bytes(r.array()?).max(0) as u64 * 1000);
            }
            opcodes::FREQ => {
                r.u8()?;
            }
            opcodes::IDLE => {
                r.length()?;
            }
            opcodes::SELECTDB => {
                let n = r.length()?;
                if n >= self.databases as u64 {
                    return Err(RdbError::corrupt(at, "database index out of range"));
                }
                self.db = n as usize;
            }
            opcodes::RESIZEDB => {
                r.length()?;
                r.length()?;
            }
            opcodes::AUX => {
                let k = r.string()?.into_owned();
                let v = r.string()?.into_owned();
                return Ok(Some(Item::Aux(k, v)));
            }
            opcodes::MODULE_AUX => return Err(RdbError::unsupported(at, "module data")),
            opcodes::FUNCTION | opcodes::FUNCTION2 => {
                return Err(RdbError::unsupported(at, "functions"))
            }
            t if is_object_type(t) => {
                let key = r.string()?.into_owned();
                let value = read_value(t, r, &self.limits)?;
                let expire_at_ms = self.expire.take();
                return Ok(Some(match value {
                    Some(value) => Item::Key(LoadedKey {
                        db: self.db,
                        key,
                        value,
                        expire_at_ms,
                    }),
                    None => Item::SkippedEmpty,
                }));
            }
            _ => return Err(RdbError::corrupt(at, "unknown RDB opcode or type")),
        }
        Ok(None)
    }

    /// The CRC-64 after EOF (version 5 and later; a stored 0 means "not computed").
    fn footer(&mut self, r: &mut Reader) -> Result<Option<Item>, RdbError> {
        if self.version.unwrap_or(0) >= 5 {
            let at = r.offset();
            let stored = u64::from_le_bytes(r.array()?);
            let computed = std::mem::replace(&mut self.crc, super::crc64_digest()).finalize();
            if stored != 0 && computed != stored {
                return Err(RdbError::Checksum {
                    offset: at,
                    stored,
                    computed,
                });
            }
        }
        self.part = Part::Done;
        Ok(None)
    }
}

/// `e` with its offset moved by `by` bytes.
fn shift(e: RdbError, by: usize) -> RdbError {
    match e {
        RdbError::Truncated { offset } => RdbError::Truncated {
            offset: offset + by,
        },
        RdbError::Corrupt { offset, what } => RdbError::Corrupt {
            offset: offset + by,
            what,
        },
        RdbError::Unsupported { offset, what } => RdbError::Unsupported {
            offset: offset + by,
            what,
        },
        RdbError::Checksum {
            offset,
            stored,
            computed,
        } => RdbError::Checksum {
            offset: offset + by,
            stored,
            computed,
        },
    }
}

/// Redis refuses a file with a key twice in one database ("Duplicated key found").
fn check_unique(keys: &[LoadedKey]) -> Result<(), RdbError> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by(|&a, &b| (keys[a].db, &keys[a].key).cmp(&(keys[b].db, &keys[b].key)));
    for w in order.windows(2) {
        let (a, b) = (&keys[w[0]], &keys[w[1]]);
        if a.db == b.db && a.key == b.key {
            return Err(RdbError::corrupt(0, "duplicated key in the RDB file"));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
