//! Hashes (`t_hash.c`): field/value pairs in a [`Pack`] when small (`listpack`), a table
//! past the `hash-max-listpack-*` thresholds (`hashtable`).
//!
//! PLACEHOLDER: the data-types work replaces this with the real encodings.

use super::pack::Pack;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hash {
    pairs: Pack,
}

impl Hash {
    pub fn len(&self) -> usize {
        self.pairs.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn encoding_name(&self) -> &'static str {
        "listpack"
    }

    pub fn heap_bytes(&self) -> usize {
        self.pairs.heap_bytes()
    }

    /// Visits every (field, value) pair, in no particular order (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        let mut it = self.pairs.iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            f(k, v)
        }
    }
}
