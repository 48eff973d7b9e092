//! Lists (`t_list.c`): one [`Pack`] when small (`listpack`), a deque of packs
//! (`quicklist`) past `list-max-listpack-size`.
//!
//! PLACEHOLDER: the data-types work replaces this with the real encodings.

use super::pack::Pack;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct List {
    items: Pack,
}

impl List {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn encoding_name(&self) -> &'static str {
        "listpack"
    }

    pub fn heap_bytes(&self) -> usize {
        self.items.heap_bytes()
    }

    /// Visits the elements from head to tail (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.items.iter().for_each(&mut f)
    }
}
