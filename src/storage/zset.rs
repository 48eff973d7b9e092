//! Sorted sets (`t_zset.c`): member/score pairs in score order in a [`Pack`] when small
//! (`listpack`), a table plus an ordered index past the `zset-max-listpack-*` thresholds
//! (`skiplist`).
//!
//! PLACEHOLDER: the data-types work replaces this with the real encodings.

use super::pack::Pack;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZSet {
    pairs: Pack,
}

impl ZSet {
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

    /// Visits every (member, score) in rank order (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        let mut it = self.pairs.iter();
        while let (Some(m), Some(s)) = (it.next(), it.next()) {
            f(
                m,
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0),
            )
        }
    }
}
