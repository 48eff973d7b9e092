//! LZF (liblzf's format, which Redis stores strings in): literal runs of 1 to 32 bytes
//! (`000LLLLL`), and back references of 3 to 264 bytes up to 8 KiB back (`LLLooooo
//! oooooooo`, with an extra length byte when `LLL` is 7).
//!
//! Why our own code, both ways:
//! - The crates' compressors zero a 64 Ki-entry hash table (256 KiB) on every call,
//!   which for Redis's typical values costs far more than the work: 5.8 µs per 1 KiB
//!   value (`cargo bench --bench micro -- rdb`), 5.8 s of a 1M-key BGSAVE or full sync.
//!   Here the table is sized to the input (at most 16 Ki entries) and kept per thread,
//!   so a 1 KiB value clears 4 KiB of table. The bytes may differ from liblzf's
//!   (another match may be found); any LZF decoder reads them.
//! - The crate's decompressor copies back references byte by byte: 1.4 ns per output
//!   byte, a third of a replica's decoder thread on 1 KiB values (a full sync of 1M of
//!   them spent 1.4 s there). Here a reference at distance 1 (a run, what padding and
//!   `DEBUG POPULATE` values are made of) is a fill, one at distance 8 or more a copy of
//!   8-byte words, and only short overlapping ones go byte by byte.

use std::cell::RefCell;

/// Longest back reference: 2 + 7 + 255 bytes.
const MAX_MATCH: usize = 264;
/// Farthest back reference: 13 offset bits.
const MAX_DISTANCE: usize = 1 << 13;
/// Longest literal run.
const MAX_LITERALS: usize = 32;
const MAX_HASH_LOG: u32 = 14;

thread_local! {
    static TABLE: RefCell<Vec<u32>> = RefCell::new(vec![0; 1 << MAX_HASH_LOG]);
}

/// Appends the LZF form of `input` to `out` if it takes at most `max_len` bytes;
/// otherwise leaves `out` as it was and returns false.
pub fn compress(input: &[u8], out: &mut Vec<u8>, max_len: usize) -> bool {
    if input.len() < 3 {
        return false;
    }
    TABLE.with(|t| {
        let mut table = t.borrow_mut();
        // About one slot per input byte, at least 256.
        let log = (usize::BITS - input.len().leading_zeros()).clamp(8, MAX_HASH_LOG);
        let slots = &mut table[..1 << log];
        slots.fill(0);
        let start = out.len();
        let ok = encode(input, out, start + max_len, slots, log);
        if !ok {
            out.truncate(start);
        }
        ok
    })
}

fn hash(b: &[u8], log: u32) -> usize {
    let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
    (v.wrapping_mul(2_654_435_761) >> (32 - log)) as usize
}

/// Greedy: at each position, the last position with the same 3-byte hash is the match
/// candidate. Slots hold position + 1 (0 = empty). False once `out` passes `limit`.
fn encode(input: &[u8], out: &mut Vec<u8>, limit: usize, table: &mut [u32], log: u32) -> bool {
    let n = input.len();
    let (mut ip, mut literals) = (0usize, 0usize);
    while ip + 2 < n {
        let h = hash(&input[ip..], log);
        let candidate = table[h] as usize;
        table[h] = (ip + 1) as u32;
        if candidate != 0 {
            let at = candidate - 1;
            let distance = ip - at;
            if distance <= MAX_DISTANCE && input[at..at + 3] == input[ip..ip + 3] {
                let len = match_len(input, at, ip, (n - ip).min(MAX_MATCH));
                put_literals(out, &input[literals..ip]);
                let (code, off) = (len - 2, distance - 1);
                if code < 7 {
                    out.push((code << 5 | off >> 8) as u8);
                } else {
                    out.push((7 << 5 | off >> 8) as u8);
                    out.push((code - 7) as u8);
                }
                out.push(off as u8);
                // The match's last positions feed the table for the next matches.
                for p in (ip + len).saturating_sub(2)..ip + len {
                    if p + 2 < n {
                        table[hash(&input[p..], log)] = (p + 1) as u32;
                    }
                }
                ip += len;
                literals = ip;
                if out.len() > limit {
                    return false;
                }
                continue;
            }
        }
        ip += 1;
    }
    put_literals(out, &input[literals..]);
    out.len() <= limit
}

/// How many bytes at `ip` repeat those at `at` (at least the 3 already compared, at
/// most `longest`): 8 bytes per comparison, the first differing byte found from the
/// words' XOR.
#[inline]
fn match_len(input: &[u8], at: usize, ip: usize, longest: usize) -> usize {
    let word = |i: usize| u64::from_le_bytes(input[i..i + 8].try_into().expect("8 bytes"));
    let mut len = 3;
    while len + 8 <= longest {
        let diff = word(at + len) ^ word(ip + len);
        if diff != 0 {
            return len + (diff.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    while len < longest && input[at + len] == input[ip + len] {
        len += 1;
    }
    len
}

fn put_literals(out: &mut Vec<u8>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let run = bytes.len().min(MAX_LITERALS);
        out.push((run - 1) as u8);
        out.extend_from_slice(&bytes[..run]);
        bytes = &bytes[run..];
    }
}

/// Why [`decompress`] refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corrupt {
    /// The input ends inside an instruction.
    Truncated,
    /// The output would exceed its expected size.
    TooLong,
    /// A back reference points before the output's start.
    BadReference,
}

/// Decodes `input` into `out`, which must be exactly the uncompressed size (Redis stores
/// it beside the compressed bytes). Returns the bytes produced: the caller checks that
/// they fill `out`.
pub fn decompress(input: &[u8], out: &mut [u8]) -> Result<usize, Corrupt> {
    let (mut ip, mut op) = (0usize, 0usize);
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let src = input.get(ip..ip + run).ok_or(Corrupt::Truncated)?;
            out.get_mut(op..op + run)
                .ok_or(Corrupt::TooLong)?
                .copy_from_slice(src);
            ip += run;
            op += run;
            continue;
        }
        let mut len = ctrl >> 5;
        if len == 7 {
            len += *input.get(ip).ok_or(Corrupt::Truncated)? as usize;
            ip += 1;
        }
        len += 2;
        let low = *input.get(ip).ok_or(Corrupt::Truncated)? as usize;
        ip += 1;
        let distance = ((ctrl & 0x1f) << 8) + low + 1;
        let from = op.checked_sub(distance).ok_or(Corrupt::BadReference)?;
        if op + len > out.len() {
            return Err(Corrupt::TooLong);
        }
        copy_back(out, from, op, len, distance);
        op += len;
    }
    Ok(op)
}

/// Copies `len` bytes from `from` to `to` (`to - from == distance`, the ranges may
/// overlap: the copy repeats the last `distance` bytes).
#[inline]
fn copy_back(out: &mut [u8], from: usize, to: usize, len: usize, distance: usize) {
    if distance == 1 {
        let b = out[from];
        out[to..to + len].fill(b);
    } else if distance >= len {
        out.copy_within(from..from + len, to);
    } else if distance >= 8 {
        // Overlapping, but each 8-byte word reads bytes already written.
        let mut i = 0;
        while i + 8 <= len {
            out.copy_within(from + i..from + i + 8, to + i);
            i += 8;
        }
        out.copy_within(from + i..from + len, to + i);
    } else {
        for i in 0..len {
            out[to + i] = out[from + i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(input: &[u8]) -> Option<usize> {
        let mut out = vec![0xAA];
        if !compress(input, &mut out, input.len() + input.len() / 16 + 64) {
            assert_eq!(out, [0xAA], "a refusal leaves the output alone");
            return None;
        }
        let mut back = vec![0; input.len()];
        let n = decompress(&out[1..], &mut back).expect("valid LZF");
        assert_eq!(n, input.len());
        assert_eq!(back, input);
        Some(out.len() - 1)
    }

    #[test]
    fn what_it_writes_decompresses_to_the_input() {
        let mut rng: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for len in [3, 4, 20, 33, 100, 1024, 5000, 70_000] {
            let random: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            round_trip(&random);
            // Few symbols: many short and long matches, some far apart.
            let skewed: Vec<u8> = (0..len).map(|_| b"ab\0"[(next() % 3) as usize]).collect();
            round_trip(&skewed);
            let mut populate = b"value:12345".to_vec();
            populate.resize(len.max(12), 0);
            let n = round_trip(&populate).unwrap();
            assert!(n < populate.len() / 20 + 40, "{len}: {n}");
        }
        let text = "abc".repeat(40);
        assert!(round_trip(text.as_bytes()).unwrap() < 20);
    }

    #[test]
    fn decodes_overlapping_references_at_every_distance() {
        // 'a'..'j', then references of 50 bytes at distances 1 to 10 (all overlapping).
        for distance in 1..=10usize {
            let mut lzf = vec![9u8];
            lzf.extend_from_slice(b"abcdefghij");
            let (len, off) = (50 - 2, distance - 1);
            lzf.extend_from_slice(&[(7 << 5 | off >> 8) as u8, (len - 7) as u8, off as u8]);
            let mut want = b"abcdefghij".to_vec();
            for _ in 0..50 {
                want.push(want[want.len() - distance]);
            }
            let mut out = vec![0; 60];
            assert_eq!(decompress(&lzf, &mut out), Ok(60), "distance {distance}");
            assert_eq!(out, want, "distance {distance}");
        }
    }

    #[test]
    fn corrupt_input_is_refused() {
        let mut out = [0u8; 8];
        assert_eq!(decompress(&[5, b'a'], &mut out), Err(Corrupt::Truncated));
        assert_eq!(
            decompress(&[9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], &mut out),
            Err(Corrupt::TooLong)
        );
        assert_eq!(
            decompress(&[0, b'a', 0x20, 5], &mut out),
            Err(Corrupt::BadReference)
        );
        assert_eq!(
            decompress(&[0, b'a', 0xE0], &mut out),
            Err(Corrupt::Truncated)
        );
        assert_eq!(decompress(&[0, b'a', 0x40, 0], &mut out), Ok(5));
        assert_eq!(&out[..5], b"aaaaa");
    }

    #[test]
    fn refuses_when_over_the_limit() {
        let noise: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut out = Vec::new();
        assert!(!compress(&noise, &mut out, noise.len() - 4));
        assert!(out.is_empty());
        assert!(!compress(b"ab", &mut out, 100));
    }
}
