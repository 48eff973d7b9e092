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
/// databases. Checks the CRC-64 footer unless it is zero (checksum disabled).
pub fn load(
    data: &[u8],
    limits: &EncodingLimits,
    databases: usize,
) -> Result<LoadedFile, RdbError> {
    let mut r = Reader::new(data);
    let magic = r.take(9)?;
    if &magic[..5] != b"REDIS" {
        return Err(RdbError::corrupt(0, "not an RDB file (no REDIS signature)"));
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .filter(|v| v.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|v| v.parse::<u16>().ok())
        .ok_or_else(|| RdbError::corrupt(5, "bad RDB version"))?;
    if !(1..=super::RDB_VERSION).contains(&version) {
        return Err(RdbError::unsupported(
            5,
            format!("RDB format version {version}"),
        ));
    }
    let mut out = LoadedFile {
        version,
        ..LoadedFile::default()
    };
    let (mut db, mut expire) = (0usize, None::<u64>);
    let eof_at = loop {
        let at = r.offset();
        let op = r.u8()?;
        match op {
            opcodes::EOF => break at,
            opcodes::EXPIRETIME_MS => {
                expire = Some(i64::from_le_bytes(r.array()?).max(0) as u64);
            }
            opcodes::EXPIRETIME => {
                expire = Some(i32::from_le_bytes(r.array()?).max(0) as u64 * 1000);
            }
            opcodes::FREQ => {
                r.u8()?;
            }
            opcodes::IDLE => {
                r.length()?;
            }
            opcodes::SELECTDB => {
                let n = r.length()?;
                if n >= databases as u64 {
                    return Err(RdbError::corrupt(at, "database index out of range"));
                }
                db = n as usize;
            }
            opcodes::RESIZEDB => {
                r.length()?;
                r.length()?;
            }
            opcodes::AUX => {
                let k = r.string()?.into_owned();
                let v = r.string()?.into_owned();
                out.aux.push((k, v));
            }
            opcodes::MODULE_AUX => return Err(RdbError::unsupported(at, "module data")),
            opcodes::FUNCTION | opcodes::FUNCTION2 => {
                return Err(RdbError::unsupported(at, "functions"))
            }
            t if is_object_type(t) => {
                let key = r.string()?.into_owned();
                match read_value(t, &mut r, limits)? {
                    Some(value) => out.keys.push(LoadedKey {
                        db,
                        key,
                        value,
                        expire_at_ms: expire,
                    }),
                    None => out.skipped_empty += 1,
                }
                expire = None;
            }
            _ => return Err(RdbError::corrupt(at, "unknown RDB opcode or type")),
        }
    };
    if version >= 5 {
        let footer_at = r.offset();
        let stored = u64::from_le_bytes(r.array()?);
        if stored != 0 {
            let computed = super::crc64(&data[..=eof_at]);
            if computed != stored {
                return Err(RdbError::Checksum {
                    offset: footer_at,
                    stored,
                    computed,
                });
            }
        }
    }
    check_unique(&out.keys)?;
    Ok(out)
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
