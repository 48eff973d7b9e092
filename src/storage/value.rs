//! Values that do not fit the inline-string form of an [`Entry`](super::entry::Entry).
//!
//! Today: strings grown in place by APPEND/SETRANGE (Redis's raw encoding). The data-types
//! issue adds lists, hashes, sets and sorted sets here, each with a compact encoding and a
//! full one, switched at redis.conf's thresholds.

/// A heap value owned by one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// A string that was modified in place; keeps spare capacity for further appends.
    Str(Vec<u8>),
}

impl Object {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Str(_) => "string",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Object::Str(_) => "raw",
        }
    }

    /// Heap bytes owned by the object, for MEMORY USAGE.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Object::Str(s) => std::mem::size_of::<Object>() + s.capacity(),
        }
    }
}
