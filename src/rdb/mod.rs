//! Redis's RDB format, version 10 (Redis 7.0): a pure codec over bytes.
//!
//! Nothing here touches a shard, a socket or a file: values go in and bytes come out
//! ([`writer`]), bytes go in and values come out ([`reader`], [`load`]). Snapshots,
//! replication and DUMP/RESTORE build on it.
//!
//! # The format (`rdb.c`, `rdb.h`; /work/shared/reference/replication.md §2)
//!
//! ```text
//!   "REDIS0010"  (AUX 0xFA key value)*
//!   per db: SELECTDB 0xFE <len db>  RESIZEDB 0xFB <len keys> <len keys-with-ttl>
//!           per key: [EXPIRETIME_MS 0xFC <u64 LE>] <type u8> <string key> <value>
//!   EOF 0xFF  <CRC-64/Redis of everything before, u64 LE; 0 = not computed>
//! ```
//!
//! - Lengths ([`writer::put_len`]): 6 bits, 14 bits big-endian, `0x80` + u32 BE or
//!   `0x81` + u64 BE; a first byte `11xxxxxx` marks a specially encoded string instead.
//! - Strings: `0xC0..0xC2` + a little-endian i8/i16/i32 for canonical decimal integers
//!   of at most 11 bytes, `0xC3 <clen> <len>` + LZF for strings over 20 bytes that LZF
//!   shrinks by at least 4 bytes (with `rdbcompression`), else `<len>` + bytes.
//! - Values: each type is written in the encoding Redis 7.0 writes for the object's
//!   current encoding, so OBJECT ENCODING survives a round trip: lists as QUICKLIST_2
//!   (listpack nodes; a plain node for an element of 1 GiB or more), sets as INTSET or
//!   SET, hashes as HASH_LISTPACK or HASH, sorted sets as ZSET_LISTPACK or ZSET_2
//!   (binary doubles, greatest first). Compact encodings are real byte images of Redis's
//!   listpack ([`listpack`]) and intset ([`intset`]).
//! - The reader also takes what older versions wrote: plain lists, ZIPLIST lists,
//!   hashes and sorted sets, ZIPMAP hashes, QUICKLIST (ziplist nodes, [`legacy`]), ZSET
//!   with text scores, EXPIRETIME in seconds. Modules, streams and functions are refused
//!   with [`RdbError::Unsupported`].
//!
//! # Invariants
//!
//! - The reader never panics and never trusts a length: every length is checked against
//!   the bytes that remain before anything is allocated or read, and every error names the
//!   byte offset (within the whole input) where the problem was seen.
//! - Values are built through the storage types' own operations, with the loader's
//!   conversions of Redis 7.0 (`rdbLoadObject`) under the given [`EncodingLimits`]:
//!   small integer sets become intsets, sorted sets and hashes small enough become
//!   listpacks, big ones the full encoding. Duplicate members or fields, NaN scores and
//!   empty collections are errors, as Redis reports them.
//! - A whole-file load ([`load::load`]) returns every entry or an error, never a part.
//! - Entries carry no header: [`writer::RdbWriter`] can write one shard's entries (a
//!   fragment) on its own, and one writer frames fragments into a file later.
//!
//! [`EncodingLimits`]: crate::storage::value::EncodingLimits

pub mod error;
pub mod intset;
pub mod legacy;
pub mod listpack;
pub mod load;
pub mod lzf;
pub mod reader;
pub mod writer;

pub use error::RdbError;

/// The version this writes (and the newest it reads).
pub const RDB_VERSION: u16 = 10;

/// Value type bytes (`rdb.h`).
pub mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
}

/// Opcodes between keys (`rdb.h`).
pub mod opcodes {
    pub const FUNCTION2: u8 = 0xF5;
    pub const FUNCTION: u8 = 0xF6;
    pub const MODULE_AUX: u8 = 0xF7;
    pub const IDLE: u8 = 0xF8;
    pub const FREQ: u8 = 0xF9;
    pub const AUX: u8 = 0xFA;
    pub const RESIZEDB: u8 = 0xFB;
    pub const EXPIRETIME_MS: u8 = 0xFC;
    pub const EXPIRETIME: u8 = 0xFD;
    pub const SELECTDB: u8 = 0xFE;
    pub const EOF: u8 = 0xFF;
}

static CRC: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

/// CRC-64 as Redis computes it (`crc64(0, ...)`), for file footers and DUMP payloads.
pub fn crc64(data: &[u8]) -> u64 {
    CRC.checksum(data)
}

/// An incremental [`crc64`], for data written in pieces.
pub fn crc64_digest() -> crc::Digest<'static, u64, crc::Table<16>> {
    CRC.digest()
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc_matches_redis() {
        // crc64.c's own test vector.
        assert_eq!(super::crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
        let mut d = super::crc64_digest();
        d.update(b"1234");
        d.update(b"56789");
        assert_eq!(d.finalize(), 0xe9c6d914c4b8d9ca);
    }
}
