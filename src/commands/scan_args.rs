//! Arguments of the SCAN family (SCAN, HSCAN, SSCAN, ZSCAN), parsed as Redis's
//! `parseScanCursorOrReply` and `scanGenericCommand` do.

use bytes::Bytes;

use super::{args, errors};

/// Parses a cursor as Redis's `strtoul`: optional sign, decimal digits, nothing else (a
/// leading space or trailing garbage is invalid; "" is 0; "-n" wraps around).
pub fn parse_cursor(s: &[u8]) -> Option<u64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        // strtoul parsed nothing: the end pointer is the start, valid only if empty.
        return s.is_empty().then_some(0);
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// COUNT, MATCH and (SCAN only) TYPE.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOpts {
    pub count: usize,
    /// None when absent or `*` (which matches everything).
    pub pattern: Option<Bytes>,
    pub type_name: Option<Bytes>,
}

/// Parses the options from `a[first..]`; `with_type` allows TYPE (SCAN's alone: a syntax
/// error for the key-scanning commands).
pub fn parse_opts(a: &[Bytes], first: usize, with_type: bool) -> Result<ScanOpts, &'static str> {
    let mut o = ScanOpts {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = first;
    while i < a.len() {
        let has_value = i + 1 < a.len();
        if args::eq(&a[i], "count") && has_value {
            let n = args::int(&a[i + 1]).ok_or(errors::NOT_INTEGER)?;
            if n < 1 {
                return Err(errors::SYNTAX);
            }
            o.count = n as usize;
        } else if args::eq(&a[i], "match") && has_value {
            o.pattern = Some(a[i + 1].clone()).filter(|p| &p[..] != b"*");
        } else if with_type && args::eq(&a[i], "type") && has_value {
            o.type_name = Some(a[i + 1].clone());
        } else {
            return Err(errors::SYNTAX);
        }
        i += 2;
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    #[test]
    fn cursors_like_strtoul() {
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"+7"), Some(7));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1x"), None);
        assert_eq!(parse_cursor(b"-"), None);
    }

    #[test]
    fn options() {
        let a = words(&["hscan", "k", "0", "MATCH", "*", "count", "5"]);
        let o = parse_opts(&a, 3, false).unwrap();
        assert_eq!((o.count, o.pattern), (5, None));
        let a = words(&["hscan", "k", "0", "type", "string"]);
        assert_eq!(parse_opts(&a, 3, false), Err(errors::SYNTAX));
        let a = words(&["scan", "0", "type", "string", "count", "0"]);
        assert_eq!(parse_opts(&a, 2, true), Err(errors::SYNTAX));
    }
}
