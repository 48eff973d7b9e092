//! Reading RDB values: a bounds-checked cursor over the input and `rdbLoadObject`.
//!
//! Every read checks what remains first, so a hostile length can neither panic nor make
//! us allocate more than the input could hold. Collections are built with the storage
//! types' own operations and Redis 7.0's loader conversions under [`EncodingLimits`].

use std::borrow::Cow;

use super::listpack::{self, Item};
use super::{intset, legacy, types, RdbError};
use crate::storage::entry::{Entry, NewValue, ValueRef};
use crate::storage::hash::Hash;
use crate::storage::list::{End, Fill, List};
use crate::storage::set::Set;
use crate::storage::value::{EncodingLimits, Object};
use crate::storage::zset::ZSet;

/// LZF never expands one input byte into more than this many output bytes (a 3-byte
/// back reference copies at most 264 bytes), so a larger claimed length is corrupt.
const LZF_MAX_RATIO: usize = 88;

/// A decoded value, ready to become a keyspace entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Str(Vec<u8>),
    Obj(Object),
}

impl Loaded {
    /// The value as the writer takes it.
    pub fn value(&self) -> ValueRef<'_> {
        match self {
            Loaded::Str(s) => ValueRef::Str(s),
            Loaded::Obj(o) => ValueRef::Obj(o),
        }
    }

    /// The keyspace entry holding this value (a string as SET would store it).
    pub fn into_entry(self, key: &[u8], expire_at_ms: Option<u64>) -> Entry {
        match self {
            Loaded::Str(s) => Entry::new(key, NewValue::Str(&s), expire_at_ms),
            Loaded::Obj(o) => Entry::new(key, NewValue::Obj(Box::new(o)), expire_at_ms),
        }
    }
}

/// A length field: a plain number, or the tag of a specially encoded string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    N(u64),
    Encoded(u8),
}

/// A cursor over RDB bytes. Offsets in errors are positions in `data`.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// Where the next byte is read.
    pub fn offset(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn truncated(&self) -> RdbError {
        RdbError::Truncated {
            offset: self.data.len(),
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        if n > self.remaining() {
            return Err(self.truncated());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, RdbError> {
        Ok(self.take(1)?[0])
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// `rdbLoadLenByRef`.
    pub fn len_field(&mut self) -> Result<Len, RdbError> {
        let at = self.pos;
        let b = self.u8()?;
        Ok(match b >> 6 {
            0 => Len::N((b & 0x3F) as u64),
            1 => Len::N((((b & 0x3F) as u64) << 8) | self.u8()? as u64),
            2 => match b {
                0x80 => Len::N(u32::from_be_bytes(self.array()?) as u64),
                0x81 => Len::N(u64::from_be_bytes(self.array()?)),
                _ => return Err(RdbError::corrupt(at, "unknown length encoding")),
            },
            _ => Len::Encoded(b & 0x3F),
        })
    }

    /// A plain length (a string encoding here is corrupt).
    pub fn length(&mut self) -> Result<u64, RdbError> {
        let at = self.pos;
        match self.len_field()? {
            Len::N(n) => Ok(n),
            Len::Encoded(_) => Err(RdbError::corrupt(
                at,
                "string encoding where a length was expected",
            )),
        }
    }

    /// A count of things that each take at least one more byte: never more than remain.
    pub fn count(&mut self) -> Result<usize, RdbError> {
        let n = self.length()?;
        if n > self.remaining() as u64 {
            // Every element takes a byte at least: the input ends before they can. (A
            // streaming loader waits for more on this; a whole file is cut short.)
            return Err(self.truncated());
        }
        Ok(n as usize)
    }

    /// `rdbGenericLoadStringObject`: plain, integer-encoded or LZF.
    pub fn string(&mut self) -> Result<Cow<'a, [u8]>, RdbError> {
        let at = self.pos;
        match self.len_field()? {
            Len::N(n) => {
                let n = usize::try_from(n).map_err(|_| self.truncated())?;
                Ok(Cow::Borrowed(self.take(n)?))
            }
            Len::Encoded(0) => Ok(int_text(self.u8()? as i8 as i64)),
            Len::Encoded(1) => Ok(int_text(i16::from_le_bytes(self.array()?) as i64)),
            Len::Encoded(2) => Ok(int_text(i32::from_le_bytes(self.array()?) as i64)),
            Len::Encoded(3) => {
                let clen = self.length()?;
                let len = self.length()?;
                if clen > self.remaining() as u64 {
                    return Err(self.truncated());
                }
                if len > clen.saturating_mul(LZF_MAX_RATIO as u64) {
                    return Err(RdbError::corrupt(
                        at,
                        "LZF length beyond what its input can hold",
                    ));
                }
                let data_at = self.pos;
                let compressed = self.take(clen as usize)?;
                let mut out = vec![0u8; len as usize];
                match super::lzf::decompress(compressed, &mut out) {
                    Ok(n) if n == out.len() => Ok(Cow::Owned(out)),
                    _ => Err(RdbError::corrupt(data_at, "invalid LZF compressed string")),
                }
            }
            Len::Encoded(_) => Err(RdbError::corrupt(at, "unknown string encoding")),
        }
    }

    /// A string with the file offset of its first content byte (for blobs read by a
    /// nested parser, whose errors then point into the file).
    fn blob(&mut self) -> Result<(Cow<'a, [u8]>, usize), RdbError> {
        let at = self.pos;
        let s = self.string()?;
        // A plain string's bytes end where the cursor is; an LZF one has no file position
        // per byte: point at the string's start.
        let base = match &s {
            Cow::Borrowed(b) => self.pos - b.len(),
            Cow::Owned(_) => at,
        };
        Ok((s, base))
    }

    /// `rdbLoadBinaryDoubleValue`.
    pub fn binary_double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// `rdbLoadDoubleValue`: a length byte (253 NaN, 254 +inf, 255 -inf) and text.
    pub fn text_double(&mut self) -> Result<f64, RdbError> {
        let at = self.pos;
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let text = self.take(n as usize)?;
                parse_score(text).ok_or_else(|| RdbError::corrupt(at, "bad double text"))
            }
        }
    }
}

fn int_text(v: i64) -> Cow<'static, [u8]> {
    Cow::Owned(itoa::Buffer::new().format(v).as_bytes().to_vec())
}

/// A score written as text (`strtod`): decimal, exponent, `inf`, `-inf`, `nan`.
fn parse_score(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?.trim();
    match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" | "+nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// Whether `t` is a value type byte (`rdbIsObjectType`).
pub fn is_object_type(t: u8) -> bool {
    matches!(t, 0..=7 | 9..=19)
}

/// `rdbLoadObject`: the value of type `t` at the cursor. `Ok(None)` is an empty
/// collection, which a file load skips and RESTORE refuses.
pub fn read_value(
    t: u8,
    r: &mut Reader<'_>,
    limits: &EncodingLimits,
) -> Result<Option<Loaded>, RdbError> {
    let at = r.offset();
    let obj = match t {
        types::STRING => return Ok(Some(Loaded::Str(r.string()?.into_owned()))),
        types::LIST => {
            let n = r.count()?;
            let mut l = List::default();
            let fill = Fill::new(limits.list_max_listpack_size);
            for _ in 0..n {
                l.push(End::Tail, &r.string()?, fill);
            }
            Object::List(l)
        }
        types::SET => {
            let n = r.count()?;
            let mut s = Set::new();
            for _ in 0..n {
                let m_at = r.offset();
                if !s.add(&r.string()?, limits.set_max_intset_entries) {
                    return Err(RdbError::corrupt(m_at, "duplicate set members"));
                }
            }
            Object::Set(s)
        }
        types::ZSET | types::ZSET_2 => {
            let n = r.count()?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.string()?.into_owned();
                let s_at = r.offset();
                let score = if t == types::ZSET_2 {
                    r.binary_double()?
                } else {
                    r.text_double()?
                };
                if score.is_nan() {
                    return Err(RdbError::corrupt(s_at, "sorted set with a NaN score"));
                }
                pairs.push((m, score));
            }
            zset_from(pairs, at, limits, false)?
        }
        types::HASH => {
            let n = r.count()?;
            let mut h = Hash::new();
            for _ in 0..n {
                let f_at = r.offset();
                let f = r.string()?;
                let v = r.string()?;
                if !h.set(&f, &v, limits) {
                    return Err(RdbError::corrupt(f_at, "duplicate hash fields"));
                }
            }
            Object::Hash(h)
        }
        types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
            let nodes = r.count()?;
            let mut l = List::default();
            let fill = Fill::new(limits.list_max_listpack_size);
            for _ in 0..nodes {
                let mut container = 2;
                if t == types::LIST_QUICKLIST_2 {
                    let c_at = r.offset();
                    container = r.length()?;
                    if container != 1 && container != 2 {
                        return Err(RdbError::corrupt(c_at, "bad quicklist node container"));
                    }
                }
                let n_at = r.offset();
                let (data, base) = r.blob()?;
                if data.is_empty() {
                    return Err(RdbError::corrupt(n_at, "empty quicklist node"));
                }
                let mut push = |i: Item<'_>| {
                    i.with_bytes(|b| l.push(End::Tail, b, fill));
                    Ok(())
                };
                if container == 1 {
                    push(Item::Str(&data))?;
                } else if t == types::LIST_QUICKLIST_2 {
                    listpack::parse(&data, base, push)?;
                } else {
                    legacy::parse_ziplist(&data, base, push)?;
                }
            }
            Object::List(l)
        }
        types::LIST_ZIPLIST => {
            let (data, base) = r.blob()?;
            let mut l = List::default();
            let fill = Fill::new(limits.list_max_listpack_size);
            legacy::parse_ziplist(&data, base, |i| {
                i.with_bytes(|b| l.push(End::Tail, b, fill));
                Ok(())
            })?;
            Object::List(l)
        }
        types::SET_INTSET => {
            let (data, base) = r.blob()?;
            let members = intset::parse(&data, base)?;
            let mut s = Set::new();
            for v in members {
                s.add_elem(
                    crate::storage::set::Elem::Int(v),
                    limits.set_max_intset_entries,
                );
            }
            Object::Set(s)
        }
        types::HASH_ZIPMAP => {
            let (data, base) = r.blob()?;
            let mut h = Hash::new();
            legacy::parse_zipmap(&data, base, |f, v| {
                if h.set(f, v, limits) {
                    Ok(())
                } else {
                    Err(RdbError::corrupt(base, "zipmap with duplicate fields"))
                }
            })?;
            Object::Hash(h)
        }
        types::HASH_ZIPLIST | types::HASH_LISTPACK => {
            let (data, base) = r.blob()?;
            let items = pairs_of(t == types::HASH_LISTPACK, &data, base)?;
            // Redis keeps the compact encoding whatever the lengths inside, and converts
            // only when there are too many pairs.
            let n = items.len() / 2;
            let keep = EncodingLimits {
                hash_max_listpack_entries: if n > limits.hash_max_listpack_entries {
                    0
                } else {
                    usize::MAX
                },
                hash_max_listpack_value: usize::MAX,
                ..*limits
            };
            let mut h = Hash::new();
            for pair in items.chunks_exact(2) {
                if !h.set(&pair[0], &pair[1], &keep) {
                    return Err(RdbError::corrupt(base, "hash with duplicate fields"));
                }
            }
            Object::Hash(h)
        }
        types::ZSET_ZIPLIST | types::ZSET_LISTPACK => {
            let (data, base) = r.blob()?;
            let items = pairs_of(t == types::ZSET_LISTPACK, &data, base)?;
            let mut pairs = Vec::with_capacity(items.len() / 2);
            for pair in items.chunks_exact(2) {
                let score = parse_score(&pair[1])
                    .filter(|s| !s.is_nan())
                    .ok_or_else(|| RdbError::corrupt(base, "bad sorted set score"))?;
                pairs.push((pair[0].clone(), score));
            }
            zset_from(pairs, base, limits, true)?
        }
        types::MODULE | types::MODULE_2 => return Err(RdbError::unsupported(at, "module value")),
        types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 => {
            return Err(RdbError::unsupported(at, "stream value"))
        }
        other => return Err(RdbError::unsupported(at, format!("value type {other}"))),
    };
    let empty = match &obj {
        Object::List(l) => l.is_empty(),
        Object::Set(s) => s.is_empty(),
        Object::Hash(h) => h.is_empty(),
        Object::ZSet(z) => z.is_empty(),
        Object::Str(_) => false,
    };
    Ok((!empty).then_some(Loaded::Obj(obj)))
}

/// The elements of a ziplist or listpack blob, which must come in pairs.
fn pairs_of(listpack: bool, data: &[u8], base: usize) -> Result<Vec<Vec<u8>>, RdbError> {
    let mut items = Vec::new();
    let push = |i: Item<'_>| {
        items.push(i.to_vec());
        Ok(())
    };
    let n = if listpack {
        listpack::parse(data, base, push)?
    } else {
        legacy::parse_ziplist(data, base, push)?
    };
    if n % 2 != 0 {
        return Err(RdbError::corrupt(
            base,
            "odd number of elements in a pairs blob",
        ));
    }
    Ok(items)
}

/// A sorted set from loaded pairs: no duplicate members; listpack-encoded when Redis's
/// loader would keep or make it so (`compact_blob`: a listpack/ziplist image stays one
/// unless it has too many entries; ZSET/ZSET_2 become one when small enough).
fn zset_from(
    pairs: Vec<(Vec<u8>, f64)>,
    at: usize,
    limits: &EncodingLimits,
    compact_blob: bool,
) -> Result<Object, RdbError> {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_unstable_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0));
    if order.windows(2).any(|w| pairs[w[0]].0 == pairs[w[1]].0) {
        return Err(RdbError::corrupt(at, "duplicate sorted set members"));
    }
    let limits = if compact_blob && pairs.len() <= limits.zset_max_listpack_entries {
        EncodingLimits {
            zset_max_listpack_value: usize::MAX,
            ..*limits
        }
    } else {
        *limits
    };
    Ok(Object::ZSet(ZSet::from_pairs(pairs, &limits)))
}

/// Why a RESTORE payload was refused (each maps to one of Redis's replies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// `ERR DUMP payload version or checksum are wrong`.
    VersionOrChecksum,
    /// `ERR Bad data format` (with what the decoder found, for logs and tests).
    BadData(Option<RdbError>),
}

/// Decodes a DUMP payload (`verifyDumpPayload` + `rdbLoadObject`): footer checks first,
/// then the value. As in Redis, the value is read from the whole payload (a value that
/// runs into the footer's bytes is read from them) and bytes after it are ignored.
pub fn restore_payload(payload: &[u8], limits: &EncodingLimits) -> Result<Loaded, PayloadError> {
    if payload.len() < 10 {
        return Err(PayloadError::VersionOrChecksum);
    }
    let footer = &payload[payload.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > super::RDB_VERSION {
        return Err(PayloadError::VersionOrChecksum);
    }
    let crc = super::crc64(&payload[..payload.len() - 8]);
    if crc.to_le_bytes() != footer[2..] {
        return Err(PayloadError::VersionOrChecksum);
    }
    let mut r = Reader::new(payload);
    let t = r.u8().map_err(|e| PayloadError::BadData(Some(e)))?;
    if !is_object_type(t) {
        return Err(PayloadError::BadData(None));
    }
    match read_value(t, &mut r, limits) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(PayloadError::BadData(None)),
        Err(e) => Err(PayloadError::BadData(Some(e))),
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
