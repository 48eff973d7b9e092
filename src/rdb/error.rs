//! What can go wrong reading RDB bytes. Every variant names the byte offset (from the
//! start of the whole input) where the problem was found.

/// An RDB decoding error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdbError {
    /// The input ended inside something that needs more bytes.
    #[error("RDB truncated at byte {offset}")]
    Truncated { offset: usize },
    /// Bytes that no valid RDB holds (a bad length, a broken listpack, a duplicate...).
    #[error("RDB corrupt at byte {offset}: {what}")]
    Corrupt { offset: usize, what: &'static str },
    /// Valid RDB that this server cannot hold (modules, streams, functions, newer types).
    #[error("RDB at byte {offset}: unsupported {what}")]
    Unsupported { offset: usize, what: String },
    /// The footer's CRC-64 does not match the content.
    #[error(
        "RDB checksum mismatch at byte {offset}: stored {stored:016x}, computed {computed:016x}"
    )]
    Checksum {
        offset: usize,
        stored: u64,
        computed: u64,
    },
}

impl RdbError {
    pub fn corrupt(offset: usize, what: &'static str) -> RdbError {
        RdbError::Corrupt { offset, what }
    }

    pub fn unsupported(offset: usize, what: impl Into<String>) -> RdbError {
        RdbError::Unsupported {
            offset,
            what: what.into(),
        }
    }

    /// Where the problem was found.
    pub fn offset(&self) -> usize {
        match *self {
            RdbError::Truncated { offset }
            | RdbError::Corrupt { offset, .. }
            | RdbError::Unsupported { offset, .. }
            | RdbError::Checksum { offset, .. } => offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_offset() {
        let e = RdbError::corrupt(17, "bad length");
        assert_eq!(e.offset(), 17);
        assert_eq!(e.to_string(), "RDB corrupt at byte 17: bad length");
        assert_eq!(
            RdbError::unsupported(3, "module type").to_string(),
            "RDB at byte 3: unsupported module type"
        );
        assert_eq!(RdbError::Truncated { offset: 9 }.offset(), 9);
    }
}
