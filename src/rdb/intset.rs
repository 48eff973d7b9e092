//! Redis's intset byte image (`intset.c`): `encoding u32 LE` (bytes per member: 2, 4 or
//! 8), `length u32 LE`, then the members ascending, little-endian.

use super::RdbError;

/// The image of `members` (ascending, distinct), at the narrowest width that holds them.
pub fn write(members: &[i64]) -> Vec<u8> {
    let width = members.iter().map(|&v| width_of(v)).max().unwrap_or(2);
    let mut out = Vec::with_capacity(8 + members.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for &v in members {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

fn width_of(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// The members of an intset image found at file offset `at`. Checks the width, that the
/// size matches the length, and that members strictly ascend (Redis's deep validation:
/// no duplicates).
pub fn parse(blob: &[u8], at: usize) -> Result<Vec<i64>, RdbError> {
    let bad = |o: usize, what| RdbError::corrupt(at + o, what);
    if blob.len() < 8 {
        return Err(bad(0, "intset shorter than its header"));
    }
    let width = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(bad(0, "bad intset encoding"));
    }
    let len = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    let body = &blob[8..];
    if len.checked_mul(width) != Some(body.len()) {
        return Err(bad(4, "intset length does not match its size"));
    }
    let mut out: Vec<i64> = Vec::with_capacity(len);
    for (i, c) in body.chunks_exact(width).enumerate() {
        let v = match width {
            2 => i16::from_le_bytes([c[0], c[1]]) as i64,
            4 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64,
            _ => i64::from_le_bytes(c.try_into().map_err(|_| bad(8, "intset member"))?),
        };
        if out.last().is_some_and(|&p| p >= v) {
            return Err(bad(8 + i * width, "intset members not ascending"));
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_redis_bytes() {
        // SADD s 1 -70000 on Redis 7.0.15.
        let redis = b"\x04\x00\x00\x00\x02\x00\x00\x00\x90\xee\xfe\xff\x01\x00\x00\x00";
        assert_eq!(write(&[-70000, 1]), redis);
        assert_eq!(parse(redis, 0).unwrap(), vec![-70000, 1]);
    }

    #[test]
    fn widths_round_trip() {
        for set in [
            vec![],
            vec![1, 2, 3],
            vec![-5, 40000],
            vec![i64::MIN, 0, i64::MAX],
        ] {
            assert_eq!(parse(&write(&set), 0).unwrap(), set);
        }
    }

    #[test]
    fn corruption_is_an_error() {
        let blob = write(&[1, 2, 3]);
        for cut in 0..blob.len() {
            assert!(parse(&blob[..cut], 0).is_err());
        }
        let mut dup = blob.clone();
        dup[10] = 1; // members 1, 1, 3
        assert!(parse(&dup, 0).is_err());
        let mut w = blob.clone();
        w[0] = 3;
        assert!(parse(&w, 0).is_err());
        let mut huge = blob.clone();
        huge[7] = 0xFF;
        assert!(parse(&huge, 0).is_err());
    }
}
