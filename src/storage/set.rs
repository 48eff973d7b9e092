//! Sets (`t_set.c`): sorted integers while every member is one (`intset`), a table
//! otherwise or past `set-max-intset-entries` (`hashtable`).
//!
//! PLACEHOLDER: the data-types work replaces this with the real encodings.

use super::pack::Pack;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Set {
    members: Pack,
}

impl Set {
    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn encoding_name(&self) -> &'static str {
        "hashtable"
    }

    pub fn heap_bytes(&self) -> usize {
        self.members.heap_bytes()
    }

    /// Visits every member, in no particular order (DEBUG DIGEST, RDB).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.members.iter().for_each(&mut f)
    }
}
