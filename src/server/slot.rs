//! Where a key lives: Redis Cluster's hash slot, then the shard that owns the slot.
//!
//! `slot = CRC16-XMODEM(tag) mod 16384`, where `tag` is the part between the first `{` and
//! the next `}` when that part is non-empty, else the whole key. Using Redis's slots keeps
//! cluster mode (MOVED, CLUSTER SLOTS) a routing change later, and `{user1}:a` /
//! `{user1}:b` always land on one shard, so clients can keep multi-key commands local.

use crc::{Crc, CRC_16_XMODEM};

pub const SLOTS: usize = 16384;

const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// The part of the key that is hashed.
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

pub fn key_slot(key: &[u8]) -> u16 {
    CRC16.checksum(hash_tag(key)) & (SLOTS as u16 - 1)
}

/// Slots are dealt to shards in contiguous ranges, as a cluster would split them.
pub fn slot_shard(slot: u16, shards: usize) -> usize {
    slot as usize * shards / SLOTS
}

pub fn key_shard(key: &[u8], shards: usize) -> usize {
    if shards == 1 {
        return 0;
    }
    slot_shard(key_slot(key), shards)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_redis_cluster() {
        // Values from CLUSTER KEYSLOT on a real Redis.
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"123456789"), 0x31C3 & 0x3FFF);
        assert_eq!(key_slot(b""), 0);
    }

    #[test]
    fn hash_tags() {
        assert_eq!(hash_tag(b"{user1}:a"), b"user1");
        assert_eq!(key_slot(b"{user1}:a"), key_slot(b"{user1}:b"));
        assert_eq!(hash_tag(b"{}x"), b"{}x");
        assert_eq!(hash_tag(b"a{b}{c}"), b"b");
        assert_eq!(hash_tag(b"a{bc"), b"a{bc");
        assert_eq!(hash_tag(b"{{x}}"), b"{x");
    }

    #[test]
    fn shards_cover_all_slots_in_ranges() {
        assert_eq!(slot_shard(0, 2), 0);
        assert_eq!(slot_shard(8191, 2), 0);
        assert_eq!(slot_shard(8192, 2), 1);
        assert_eq!(slot_shard(16383, 3), 2);
        assert_eq!(key_shard(b"anything", 1), 0);
    }
}
