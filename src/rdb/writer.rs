//! Writing RDB: lengths, strings, values in Redis 7.0's encodings, and file framing.
//!
//! [`RdbWriter`] appends to one buffer. A file is `header`, then per database
//! `select_db` and its `entry`s, then `finish`. The same writer with no header makes a
//! fragment (one shard's entries of one database); [`RdbWriter::append_fragment`] splices
//! fragments into a framed file, so shards can serialize in parallel and one writer frames.

use super::listpack::ListpackWriter;
use super::{intset, opcodes, types, RDB_VERSION};
use crate::protocol::{format_double, parse_i64_strict};
use crate::storage::entry::{Entry, ValueRef};
use crate::storage::hash::Hash;
use crate::storage::list::List;
use crate::storage::set::{Elem, Set};
use crate::storage::value::Object;
use crate::storage::zset::ZSet;

/// A list element this long or longer is saved as a plain node (quicklist's default
/// `packed_threshold`, 1 GiB).
const PLAIN_THRESHOLD: usize = 1 << 30;

/// List node limits when `list-max-listpack-size` is a count (quicklist's
/// `SIZE_SAFETY_LIMIT`).
const COUNT_FILL_MAX_BYTES: usize = 8192;

/// How values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// `rdbcompression`: LZF for strings over 20 bytes when it saves 4 bytes or more.
    pub compress: bool,
    /// `list-max-listpack-size`: how list elements are grouped into listpack nodes.
    pub list_max_listpack_size: i64,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            compress: true,
            list_max_listpack_size: -2,
        }
    }
}

/// `rdbSaveLen`: the shortest of 6 bits, 14 bits, 32 and 64 bits big-endian.
pub fn put_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// `rdbSaveRawString`: an integer encoding, LZF, or the plain bytes.
pub fn put_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = parse_i64_strict(s) {
            if let Ok(b) = i8::try_from(v) {
                out.extend_from_slice(&[0xC0, b as u8]);
                return;
            }
            if let Ok(h) = i16::try_from(v) {
                out.push(0xC1);
                out.extend_from_slice(&h.to_le_bytes());
                return;
            }
            if let Ok(w) = i32::try_from(v) {
                out.push(0xC2);
                out.extend_from_slice(&w.to_le_bytes());
                return;
            }
        }
    }
    if compress && s.len() > 20 && put_lzf(out, s) {
        return;
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// `rdbSaveLzfStringObject`: only if LZF output fits in `len - 4` bytes.
fn put_lzf(out: &mut Vec<u8>, s: &[u8]) -> bool {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|b| {
        let mut buf = b.borrow_mut();
        buf.clear();
        if !super::lzf::compress(s, &mut buf, s.len() - 4) {
            return false;
        }
        out.push(0xC3);
        put_len(out, buf.len() as u64);
        put_len(out, s.len() as u64);
        out.extend_from_slice(&buf);
        true
    })
}

/// The type byte Redis 7.0 writes for a value in its current encoding.
pub fn value_type(v: &ValueRef<'_>) -> u8 {
    match v {
        ValueRef::Str(_) => types::STRING,
        ValueRef::Obj(o) => match o {
            Object::Str(_) => types::STRING,
            Object::List(_) => types::LIST_QUICKLIST_2,
            Object::Set(s) if s.is_intset() => types::SET_INTSET,
            Object::Set(_) => types::SET,
            Object::Hash(h) if h.is_listpack() => types::HASH_LISTPACK,
            Object::Hash(_) => types::HASH,
            Object::ZSet(z) if z.is_compact() => types::ZSET_LISTPACK,
            Object::ZSet(_) => types::ZSET_2,
        },
    }
}

/// The value's body, in the encoding [`value_type`] names (`rdbSaveObject`).
pub fn put_value(out: &mut Vec<u8>, v: ValueRef<'_>, opts: &WriteOptions) {
    match v {
        ValueRef::Str(s) => put_string(out, s, opts.compress),
        ValueRef::Obj(o) => match o {
            Object::Str(s) => put_string(out, s, opts.compress),
            Object::List(l) => put_list(out, l, opts),
            Object::Set(s) => put_set(out, s, opts),
            Object::Hash(h) => put_hash(out, h, opts),
            Object::ZSet(z) => put_zset(out, z, opts),
        },
    }
}

/// QUICKLIST_2: `<len nodes>` then per node `<len container>` (2 packed, 1 plain) and a
/// string holding the listpack (or the plain element). Nodes are cut with the same limits
/// quicklist applies when pushing (node boundaries are invisible to readers).
fn put_list(out: &mut Vec<u8>, l: &List, opts: &WriteOptions) {
    let (max_bytes, max_count) = if opts.list_max_listpack_size < 0 {
        let class = (opts.list_max_listpack_size.unsigned_abs() - 1).min(4);
        (4096usize << class, usize::MAX)
    } else {
        let n = (opts.list_max_listpack_size as usize).clamp(1, 1 << 15);
        (COUNT_FILL_MAX_BYTES, n)
    };
    let mut nodes: Vec<u8> = Vec::new();
    let mut count = 0u64;
    let mut node = ListpackWriter::new();
    let flush = |node: &mut ListpackWriter, nodes: &mut Vec<u8>, count: &mut u64| {
        if node.count() > 0 {
            let lp = std::mem::take(node).finish();
            put_len(nodes, 2);
            put_string(nodes, &lp, opts.compress);
            *count += 1;
        }
    };
    for item in l.iter() {
        if item.len() >= PLAIN_THRESHOLD {
            flush(&mut node, &mut nodes, &mut count);
            put_len(&mut nodes, 1);
            put_string(&mut nodes, item, opts.compress);
            count += 1;
            continue;
        }
        // An element of 11 + its length bytes at most (encoding, length, backlen).
        let room = node.byte_len() + item.len() + 11 <= max_bytes;
        if node.count() > 0 && (node.count() >= max_count || !room) {
            flush(&mut node, &mut nodes, &mut count);
        }
        node.push(item);
    }
    flush(&mut node, &mut nodes, &mut count);
    put_len(out, count);
    out.extend_from_slice(&nodes);
}

/// SET_INTSET: one string holding the intset; SET: `<len>` then the members.
fn put_set(out: &mut Vec<u8>, s: &Set, opts: &WriteOptions) {
    if s.is_intset() {
        let members: Vec<i64> = s
            .iter()
            .filter_map(|e| match e {
                Elem::Int(v) => Some(v),
                Elem::Str(_) => None,
            })
            .collect();
        put_string(out, &intset::write(&members), opts.compress);
    } else {
        put_len(out, s.len() as u64);
        s.for_each(|m| put_string(out, m, opts.compress));
    }
}

/// HASH_LISTPACK: one string holding `field, value, ...`; HASH: `<len>` then the pairs.
fn put_hash(out: &mut Vec<u8>, h: &Hash, opts: &WriteOptions) {
    if h.is_listpack() {
        let mut lp = ListpackWriter::new();
        h.for_each(|f, v| {
            lp.push(f);
            lp.push(v);
        });
        put_string(out, &lp.finish(), opts.compress);
    } else {
        put_len(out, h.len() as u64);
        h.for_each(|f, v| {
            put_string(out, f, opts.compress);
            put_string(out, v, opts.compress);
        });
    }
}

/// ZSET_LISTPACK: one string holding `member, score, ...` ascending, a score as an
/// integer element when it is integral (`double2ll`), else its `%.17g` text
/// (`zzlInsertAt`); ZSET_2: `<len>` then (member, binary double) from the greatest.
fn put_zset(out: &mut Vec<u8>, z: &ZSet, opts: &WriteOptions) {
    if z.is_compact() {
        let mut lp = ListpackWriter::new();
        z.for_each(|m, s| {
            lp.push(m);
            match score_as_int(s) {
                Some(i) => lp.push_int(i),
                None => lp.push_str(format_double(s).as_bytes()),
            }
        });
        put_string(out, &lp.finish(), opts.compress);
    } else {
        put_len(out, z.len() as u64);
        z.visit(0, true, |m, s| {
            put_string(out, m, opts.compress);
            out.extend_from_slice(&s.to_le_bytes());
            true
        });
    }
}

/// Redis's `double2ll`: integral doubles within ±(2^63-1)/2.
fn score_as_int(d: f64) -> Option<i64> {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if !(-LIMIT..=LIMIT).contains(&d) {
        return None;
    }
    let i = d as i64;
    (i as f64 == d).then_some(i)
}

/// The AUX fields Redis 7.0 writes at the top of a file (`rdbSaveInfoAuxFields`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aux {
    pub redis_ver: String,
    pub ctime_secs: u64,
    pub used_mem: u64,
    /// `repl-stream-db`, `repl-id`, `repl-offset`, written when replication info exists.
    pub repl: Option<(u64, String, u64)>,
    pub aof_base: bool,
}

impl Default for Aux {
    fn default() -> Self {
        Aux {
            redis_ver: "7.0.15".into(),
            ctime_secs: 0,
            used_mem: 0,
            repl: None,
            aof_base: false,
        }
    }
}

/// Appends RDB to one buffer: a whole file, or a headerless fragment of entries.
pub struct RdbWriter {
    buf: Vec<u8>,
    opts: WriteOptions,
}

impl RdbWriter {
    pub fn new(opts: WriteOptions) -> RdbWriter {
        RdbWriter {
            buf: Vec::new(),
            opts,
        }
    }

    /// `REDIS0010` and the AUX fields.
    pub fn header(&mut self, aux: &Aux) {
        self.buf.extend_from_slice(b"REDIS");
        self.buf
            .extend_from_slice(format!("{:04}", RDB_VERSION).as_bytes());
        let num = |n: u64| n.to_string();
        self.aux(b"redis-ver", aux.redis_ver.as_bytes());
        self.aux(b"redis-bits", b"64");
        self.aux(b"ctime", num(aux.ctime_secs).as_bytes());
        self.aux(b"used-mem", num(aux.used_mem).as_bytes());
        if let Some((db, id, offset)) = &aux.repl {
            self.aux(b"repl-stream-db", num(*db).as_bytes());
            self.aux(b"repl-id", id.as_bytes());
            self.aux(b"repl-offset", num(*offset).as_bytes());
        }
        self.aux(b"aof-base", if aux.aof_base { b"1" } else { b"0" });
    }

    /// One AUX field (numbers are written as their decimal strings, as Redis does).
    pub fn aux(&mut self, key: &[u8], value: &[u8]) {
        self.buf.push(opcodes::AUX);
        put_string(&mut self.buf, key, self.opts.compress);
        put_string(&mut self.buf, value, self.opts.compress);
    }

    /// SELECTDB and the RESIZEDB hint (`keys` entries, `expires` of them with a TTL).
    pub fn select_db(&mut self, db: usize, keys: usize, expires: usize) {
        self.buf.push(opcodes::SELECTDB);
        put_len(&mut self.buf, db as u64);
        self.buf.push(opcodes::RESIZEDB);
        put_len(&mut self.buf, keys as u64);
        put_len(&mut self.buf, expires as u64);
    }

    /// One key (`rdbSaveKeyValuePair`): the expiry if any, the type, the key, the value.
    pub fn entry(&mut self, key: &[u8], value: ValueRef<'_>, expire_at_ms: Option<u64>) {
        if let Some(at) = expire_at_ms {
            self.buf.push(opcodes::EXPIRETIME_MS);
            self.buf.extend_from_slice(&at.to_le_bytes());
        }
        self.buf.push(value_type(&value));
        put_string(&mut self.buf, key, self.opts.compress);
        put_value(&mut self.buf, value, &self.opts);
    }

    /// [`RdbWriter::entry`] for a keyspace entry.
    pub fn keyspace_entry(&mut self, e: &Entry) {
        self.entry(e.key(), e.value(), e.expire_at_ms());
    }

    /// Splices a fragment written by another writer (entries only).
    pub fn append_fragment(&mut self, fragment: &[u8]) {
        self.buf.extend_from_slice(fragment);
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes as they are (a fragment).
    pub fn into_fragment(self) -> Vec<u8> {
        self.buf
    }

    /// EOF and the CRC-64 footer (8 zero bytes with `rdbchecksum no`): the file.
    pub fn finish(mut self, checksum: bool) -> Vec<u8> {
        self.buf.push(opcodes::EOF);
        let crc = if checksum { super::crc64(&self.buf) } else { 0 };
        self.buf.extend_from_slice(&crc.to_le_bytes());
        self.buf
    }
}

/// A DUMP payload: type byte, value, RDB version (u16 LE), CRC-64 of all that (u64 LE).
pub fn dump_payload(v: ValueRef<'_>, opts: &WriteOptions) -> Vec<u8> {
    let mut out = vec![value_type(&v)];
    put_value(&mut out, v, opts);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = super::crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len_bytes(n: u64) -> Vec<u8> {
        let mut v = Vec::new();
        put_len(&mut v, n);
        v
    }

    fn str_bytes(s: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        put_string(&mut v, s, true);
        v
    }

    #[test]
    fn lengths() {
        assert_eq!(len_bytes(0), [0]);
        assert_eq!(len_bytes(63), [63]);
        assert_eq!(len_bytes(64), [0x40, 64]);
        assert_eq!(len_bytes(16383), [0x7F, 0xFF]);
        assert_eq!(len_bytes(16384), [0x80, 0, 0, 0x40, 0]);
        assert_eq!(len_bytes(1 << 32), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn strings_as_redis_writes_them() {
        assert_eq!(str_bytes(b"64"), [0xC0, 64]);
        assert_eq!(str_bytes(b"-128"), [0xC0, 0x80]);
        assert_eq!(str_bytes(b"12345"), [0xC1, 0x39, 0x30]);
        assert_eq!(str_bytes(b"2147483647"), [0xC2, 0xFF, 0xFF, 0xFF, 0x7F]);
        assert_eq!(str_bytes(b"12345678901"), b"\x0b12345678901");
        assert_eq!(str_bytes(b"012"), b"\x03012");
        // "a"*100 compresses (Redis: C3 09 40 64 + 9 bytes of LZF; our compressor finds a
        // slightly shorter encoding of the same bytes, which every LZF reader takes).
        let lzf = str_bytes(&[b'a'; 100]);
        assert_eq!(&lzf[..1], &[0xC3]);
        let mut r = super::super::reader::Reader::new(&lzf);
        assert_eq!(&r.string().unwrap()[..], &[b'a'; 100][..]);
        // Redis's own compressed bytes read back too.
        let redis = [
            0xC3, 0x09, 0x40, 0x64, 0x01, 0x61, 0x61, 0xE0, 0x57, 0x00, 0x01, 0x61, 0x61,
        ];
        let mut r = super::super::reader::Reader::new(&redis);
        assert_eq!(&r.string().unwrap()[..], &[b'a'; 100][..]);
        // Incompressible: raw.
        let noise: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(97) ^ 0x5A).collect();
        assert_eq!(str_bytes(&noise)[0], 40);
        let mut plain = Vec::new();
        put_string(&mut plain, &[b'a'; 100], false);
        assert_eq!(plain[..2], [0x40, 100]);
    }

    #[test]
    fn double2ll_as_redis() {
        assert_eq!(score_as_int(-0.0), Some(0));
        assert_eq!(score_as_int(2.0), Some(2));
        assert_eq!(score_as_int(2.5), None);
        assert_eq!(score_as_int(f64::INFINITY), None);
        assert_eq!(score_as_int(f64::NAN), None);
        assert_eq!(score_as_int(1e300), None);
    }

    #[test]
    fn file_framing() {
        let mut w = RdbWriter::new(WriteOptions::default());
        w.header(&Aux::default());
        w.select_db(0, 1, 0);
        w.entry(b"k", ValueRef::Str(b"v"), None);
        let file = w.finish(true);
        assert!(file.starts_with(b"REDIS0010\xFA\x09redis-ver\x067.0.15"));
        let (body, crc) = file.split_at(file.len() - 8);
        assert_eq!(body[body.len() - 1], 0xFF);
        assert_eq!(
            u64::from_le_bytes(crc.try_into().unwrap()),
            super::super::crc64(body)
        );
        let w = RdbWriter::new(WriteOptions::default());
        assert_eq!(&w.finish(false)[1..], &[0; 8]);
    }
}
