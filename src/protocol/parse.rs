//! Incremental RESP request parser: bytes in, command argument ranges out.
//!
//! The parser never allocates for multibulk requests: it returns the byte ranges of the
//! arguments inside the buffer it was given, so the caller can hand out zero-copy `Bytes`
//! slices of one frozen read buffer. Inline requests (what telnet and `PING_INLINE` send) are
//! split the way Redis's `sdssplitargs` does, which may unescape, so they come back owned.
//!
//! "Need more bytes" is not an error: [`parse_request`] answers `Ok(None)` and the caller
//! reads more. Malformed input gets the text Redis 7.0 replies with (after `-ERR `), and the
//! connection is closed after that reply, as Redis does.

use std::ops::Range;

/// Longest inline request, and longest `*<n>` / `$<n>` header line, Redis accepts
/// (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX_BYTES: usize = 64 * 1024;

/// One complete request found at the start of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// A multibulk request: argument ranges inside the parsed buffer.
    Multibulk(Vec<Range<usize>>),
    /// An inline request, already split and unescaped.
    Inline(Vec<Vec<u8>>),
    /// `*0`, `*-1` or an empty inline line: consumes bytes, runs nothing.
    Empty,
}

/// A protocol violation. The string is Redis's message after `ERR `.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProtocolError(pub String);

/// Parses one request from the start of `buf`. Returns the request and how many bytes it
/// used, `Ok(None)` when the request is not complete yet, or the protocol error.
pub fn parse_request(
    buf: &[u8],
    max_bulk_len: usize,
) -> Result<Option<(Request, usize)>, ProtocolError> {
    match buf.first() {
        None => Ok(None),
        Some(b'*') => parse_multibulk(buf, max_bulk_len),
        Some(_) => parse_inline(buf),
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    // Redis searches for '\r' and then requires one more byte to be present; the byte
    // after '\r' is not checked, only skipped.
    memchr_byte(b'\r', &buf[from..]).map(|i| from + i)
}

fn memchr_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Parses a decimal integer the way Redis's `string2ll` does: optional '-', no '+', no
/// leading zeros, no spaces, fits in i64.
pub fn parse_i64_strict(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits[0] == b'0' {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

fn parse_multibulk(
    buf: &[u8],
    max_bulk_len: usize,
) -> Result<Option<(Request, usize)>, ProtocolError> {
    let err = |m: &str| Err(ProtocolError(format!("Protocol error: {m}")));
    let Some(cr) = find_crlf(buf, 0) else {
        if buf.len() > INLINE_MAX_BYTES {
            return err("too big mbulk count string");
        }
        return Ok(None);
    };
    if cr + 2 > buf.len() {
        return Ok(None);
    }
    let count = match parse_i64_strict(&buf[1..cr]) {
        Some(n) if n <= i32::MAX as i64 => n,
        _ => return err("invalid multibulk length"),
    };
    let mut pos = cr + 2;
    if count <= 0 {
        return Ok(Some((Request::Empty, pos)));
    }
    // Cap the preallocation: the count is client-controlled.
    let mut args = Vec::with_capacity((count as usize).min(1024));
    for _ in 0..count {
        let Some(cr) = find_crlf(buf, pos) else {
            if buf.len() - pos > INLINE_MAX_BYTES {
                return err("too big bulk count string");
            }
            return Ok(None);
        };
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        if buf[pos] != b'$' {
            return Err(ProtocolError(format!(
                "Protocol error: expected '$', got '{}'",
                printable(buf[pos])
            )));
        }
        let len = match parse_i64_strict(&buf[pos + 1..cr]) {
            Some(n) if n >= 0 && (n as u64) <= max_bulk_len as u64 => n as usize,
            _ => return err("invalid bulk length"),
        };
        let start = cr + 2;
        if buf.len() - start < len + 2 {
            return Ok(None);
        }
        args.push(start..start + len);
        pos = start + len + 2;
    }
    Ok(Some((Request::Multibulk(args), pos)))
}

fn printable(b: u8) -> char {
    // Redis replaces newlines in error replies with spaces so the reply stays one line.
    match b {
        b'\r' | b'\n' => ' ',
        _ => b as char,
    }
}

fn parse_inline(buf: &[u8]) -> Result<Option<(Request, usize)>, ProtocolError> {
    let Some(nl) = memchr_byte(b'\n', buf) else {
        if buf.len() > INLINE_MAX_BYTES {
            return Err(ProtocolError(
                "Protocol error: too big inline request".into(),
            ));
        }
        return Ok(None);
    };
    let line_end = if nl > 0 && buf[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    };
    let consumed = nl + 1;
    match split_args(&buf[..line_end]) {
        None => Err(ProtocolError(
            "Protocol error: unbalanced quotes in request".into(),
        )),
        Some(args) if args.is_empty() => Ok(Some((Request::Empty, consumed))),
        Some(args) => Ok(Some((Request::Inline(args), consumed))),
    }
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Splits a line into arguments like Redis's `sdssplitargs`: blanks separate, `"..."`
/// understands `\n \r \t \b \a \\ \" \xHH`, `'...'` understands `\'`, and a closing quote
/// must be followed by a blank or the end. Returns `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 3 < n && line[i + 1] == b'x' {
                    if let (Some(h), Some(l)) = (hex_value(line[i + 2]), hex_value(line[i + 3])) {
                        cur.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
                i += 1;
            } else if in_sq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
                i += 1;
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => cur.push(c),
                }
                i += 1;
            }
        }
        args.push(cur);
    }
}

/// Length of the one complete RESP value (any RESP2/RESP3 type) at the start of `buf`, or
/// `None` if it is incomplete or malformed. Used to split encoded replies.
pub fn value_len(buf: &[u8]) -> Option<usize> {
    let cr = find_crlf(buf, 0)?;
    let header_end = cr + 2;
    if header_end > buf.len() {
        return None;
    }
    let n = || parse_i64_strict(&buf[1..cr]);
    match buf[0] {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(header_end),
        b'$' | b'=' | b'!' => {
            let len = n()?;
            if len < 0 {
                return Some(header_end);
            }
            let end = header_end + len as usize + 2;
            (end <= buf.len()).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let count = n()?;
            let count = if matches!(buf[0], b'%' | b'|') {
                count * 2
            } else {
                count
            };
            let mut pos = header_end;
            for _ in 0..count.max(0) {
                pos += value_len(&buf[pos..])?;
            }
            Some(pos)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_lengths() {
        assert_eq!(value_len(b"$3\r\nabc\r\nrest"), Some(9));
        assert_eq!(value_len(b"$-1\r\n"), Some(5));
        assert_eq!(value_len(b"*2\r\n:1\r\n$1\r\na\r\nx"), Some(15));
        assert_eq!(value_len(b"%1\r\n+a\r\n+b\r\n"), Some(12));
        assert_eq!(value_len(b"*2\r\n:1\r\n"), None);
    }

    use super::*;

    fn args_of(buf: &[u8]) -> (Vec<Vec<u8>>, usize) {
        match parse_request(buf, 512 << 20).unwrap().unwrap() {
            (Request::Multibulk(r), n) => (r.into_iter().map(|r| buf[r].to_vec()).collect(), n),
            (Request::Inline(a), n) => (a, n),
            (Request::Empty, n) => (vec![], n),
        }
    }

    #[test]
    fn multibulk_complete_and_incomplete() {
        let full = b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n";
        assert_eq!(
            args_of(full),
            (vec![b"GET".to_vec(), b"a".to_vec()], full.len())
        );
        for cut in 0..full.len() {
            assert_eq!(
                parse_request(&full[..cut], 512 << 20),
                Ok(None),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn multibulk_errors_match_redis() {
        let e = |b: &[u8]| parse_request(b, 100).unwrap_err().0;
        assert_eq!(e(b"*x\r\n"), "Protocol error: invalid multibulk length");
        assert_eq!(
            e(b"*3000000000\r\n"),
            "Protocol error: invalid multibulk length"
        );
        assert_eq!(e(b"*1\r\n+a\r\n"), "Protocol error: expected '$', got '+'");
        assert_eq!(e(b"*1\r\n$-1\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(e(b"*1\r\n$101\r\n"), "Protocol error: invalid bulk length");
        let mut big = b"*".to_vec();
        big.extend(std::iter::repeat_n(b'1', INLINE_MAX_BYTES + 1));
        assert_eq!(e(&big), "Protocol error: too big mbulk count string");
    }

    #[test]
    fn empty_requests() {
        assert_eq!(parse_request(b"*0\r\n", 10), Ok(Some((Request::Empty, 4))));
        assert_eq!(parse_request(b"*-1\r\n", 10), Ok(Some((Request::Empty, 5))));
        assert_eq!(parse_request(b"\r\n", 10), Ok(Some((Request::Empty, 2))));
    }

    #[test]
    fn inline_splitting() {
        let (a, n) = args_of(b"set k \"a b\\x41\\n\" 'it\\'s'\r\nrest");
        assert_eq!(n, 27);
        assert_eq!(
            a,
            vec![
                b"set".to_vec(),
                b"k".to_vec(),
                b"a bA\n".to_vec(),
                b"it's".to_vec()
            ]
        );
        assert_eq!(args_of(b"PING\n").0, vec![b"PING".to_vec()]);
        assert_eq!(
            parse_request(b"set \"a\r\n", 10).unwrap_err().0,
            "Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            parse_request(b"set \"a\"b\r\n", 10).unwrap_err().0,
            "Protocol error: unbalanced quotes in request"
        );
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64_strict(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64_strict(b"9223372036854775808"), None);
        for bad in [&b"+1"[..], b"01", b"", b"-", b" 1", b"-0"] {
            assert_eq!(parse_i64_strict(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn junk_never_panics() {
        let mut seed = 0x2545F4914F6CDD1Du64;
        for _ in 0..20000 {
            let len = (seed % 40) as usize;
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                v.push(b"*$\r\n0123-x\" '\\"[(seed % 14) as usize]);
            }
            let _ = parse_request(&v, 64);
        }
    }
}
