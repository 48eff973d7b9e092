//! Values that do not fit the inline-string form of an [`Entry`](super::entry::Entry):
//! strings grown in place, and the collection types, each in its own module with a compact
//! encoding and a full one, switched at redis.conf's thresholds ([`EncodingLimits`]).
//!
//! Every type is `Send` (a whole entry may move to another shard: cross-shard RENAME) and
//! `Clone` (COPY). `Object` is 16 bytes (every variant is one pointer; a unit test holds
//! it there): it is stored inside its entry's block, so a small hash costs the entry block
//! and its listpack, nothing else.

use super::hash::Hash;
use super::list::List;
use super::set::Set;
use super::zset::ZSet;

/// A heap value owned by one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// A string that was modified in place; keeps spare capacity for further appends.
    /// Boxed, as every variant is one pointer: an `Object` is 16 bytes and lives inside
    /// its entry's block.
    Str(Box<Vec<u8>>),
    List(List),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
}

impl Object {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Str(_) => "string",
            Object::List(_) => "list",
            Object::Hash(_) => "hash",
            Object::Set(_) => "set",
            Object::ZSet(_) => "zset",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Object::Str(_) => "raw",
            Object::List(l) => l.encoding_name(),
            Object::Hash(h) => h.encoding_name(),
            Object::Set(s) => s.encoding_name(),
            Object::ZSet(z) => z.encoding_name(),
        }
    }

    /// Heap bytes owned by the object, for MEMORY USAGE.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Object>()
            + match self {
                Object::Str(s) => std::mem::size_of::<Vec<u8>>() + s.capacity(),
                Object::List(l) => l.heap_bytes(),
                Object::Hash(h) => h.heap_bytes(),
                Object::Set(s) => s.heap_bytes(),
                Object::ZSet(z) => z.heap_bytes(),
            }
    }
}

/// redis.conf's encoding thresholds, as each shard's keyspace sees them (refreshed from the
/// config when CONFIG SET changes it). A collection converts to its full encoding when it
/// grows past them and never converts back, as in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingLimits {
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    /// Positive: most elements per list node; -1..-5: node size limit of 4, 8, 16, 32 or
    /// 64 KiB (Redis's `list-max-listpack-size`).
    pub list_max_listpack_size: i64,
}

impl Default for EncodingLimits {
    fn default() -> Self {
        EncodingLimits {
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            set_max_intset_entries: 512,
            list_max_listpack_size: -2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_is_two_words() {
        // Every variant is one pointer: the object lives inside its entry's block.
        assert_eq!(std::mem::size_of::<Object>(), 16);
        let s = Object::Str(Box::new(b"abc".to_vec()));
        assert_eq!((s.type_name(), s.encoding_name()), ("string", "raw"));
        assert!(s.heap_bytes() >= 16 + 24 + 3);
        let h = Object::Hash(Default::default());
        assert_eq!((h.type_name(), h.encoding_name()), ("hash", "listpack"));
    }
}
