//! RESP2/RESP3 reply encoding into a byte buffer.
//!
//! Commands write their replies straight into the connection's (or the remote shard's)
//! output buffer through [`Reply`]; nothing builds an intermediate value tree. Where RESP2
//! and RESP3 differ (null, maps, sets, doubles, booleans, verbatim text) the writer picks
//! the form from the protocol the client negotiated with `HELLO`.

use bytes::{BufMut, BytesMut};

/// A reply writer over an output buffer, for one protocol version.
pub struct Reply<'a> {
    pub buf: &'a mut BytesMut,
    pub resp3: bool,
}

impl<'a> Reply<'a> {
    pub fn new(buf: &'a mut BytesMut, resp3: bool) -> Self {
        Reply { buf, resp3 }
    }

    fn line(&mut self, prefix: u8, n: i64) {
        let mut tmp = itoa::Buffer::new();
        let s = tmp.format(n);
        self.buf.reserve(s.len() + 3);
        self.buf.put_u8(prefix);
        self.buf.put_slice(s.as_bytes());
        self.buf.put_slice(b"\r\n");
    }

    pub fn ok(&mut self) {
        self.buf.put_slice(b"+OK\r\n");
    }

    /// `+<s>`; `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.buf.reserve(s.len() + 3);
        self.buf.put_u8(b'+');
        self.buf.put_slice(s.as_bytes());
        self.buf.put_slice(b"\r\n");
    }

    /// `-<msg>`: `msg` includes the error code (`ERR ...`, `WRONGTYPE ...`). Newlines are
    /// replaced by spaces as Redis does, so a reply is always one line.
    pub fn error(&mut self, msg: &str) {
        self.buf.reserve(msg.len() + 3);
        self.buf.put_u8(b'-');
        for b in msg.bytes() {
            self.buf
                .put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.put_slice(b"\r\n");
    }

    pub fn int(&mut self, n: i64) {
        self.line(b':', n);
    }

    pub fn bulk(&mut self, data: &[u8]) {
        self.line(b'$', data.len() as i64);
        self.buf.reserve(data.len() + 2);
        self.buf.put_slice(data);
        self.buf.put_slice(b"\r\n");
    }

    pub fn bulk_int(&mut self, n: i64) {
        let mut tmp = itoa::Buffer::new();
        let s = tmp.format(n);
        self.bulk(s.as_bytes());
    }

    /// A null bulk string (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) {
        if self.resp3 {
            self.buf.put_slice(b"_\r\n");
        } else {
            self.buf.put_slice(b"$-1\r\n");
        }
    }

    /// A null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.buf.put_slice(b"_\r\n");
        } else {
            self.buf.put_slice(b"*-1\r\n");
        }
    }

    pub fn array(&mut self, len: usize) {
        self.line(b'*', len as i64);
    }

    /// A map of `pairs` entries: `%` in RESP3, a flat array of 2x entries in RESP2.
    pub fn map(&mut self, pairs: usize) {
        if self.resp3 {
            self.line(b'%', pairs as i64);
        } else {
            self.line(b'*', 2 * pairs as i64);
        }
    }

    /// A set: `~` in RESP3, an array in RESP2.
    pub fn set(&mut self, len: usize) {
        if self.resp3 {
            self.line(b'~', len as i64);
        } else {
            self.line(b'*', len as i64);
        }
    }

    /// A double: `,` in RESP3, a bulk string in RESP2; formatted as Redis's `%.17g`.
    pub fn double(&mut self, d: f64) {
        let text = format_double(d);
        if self.resp3 {
            self.buf.put_u8(b',');
            self.buf.put_slice(text.as_bytes());
            self.buf.put_slice(b"\r\n");
        } else {
            self.bulk(text.as_bytes());
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        if self.resp3 {
            self.buf.put_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(b as i64);
        }
    }

    /// Verbatim text (`=` with the `txt:` format in RESP3, a bulk string in RESP2), as
    /// Redis sends INFO and CLIENT LIST.
    pub fn verbatim(&mut self, text: &[u8]) {
        if self.resp3 {
            self.line(b'=', text.len() as i64 + 4);
            self.buf.put_slice(b"txt:");
            self.buf.put_slice(text);
            self.buf.put_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// Raw, already encoded bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
}

/// Formats a double as C's `%.17g` does (what Redis uses for scores and doubles in replies),
/// with `inf`/`-inf`/`nan` spelled as Redis spells them.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    format_g(d, 17)
}

/// C's `%.<precision>g`.
pub fn format_g(d: f64, precision: usize) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let p = precision.max(1);
    // Exponent as it would be printed by %e with p-1 digits after the point.
    let e_repr = format!("{:.*e}", p - 1, d);
    let (mantissa, exp) = e_repr.split_once('e').unwrap_or((&e_repr, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, d)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(resp3: bool, f: impl FnOnce(&mut Reply)) -> Vec<u8> {
        let mut b = BytesMut::new();
        f(&mut Reply::new(&mut b, resp3));
        b.to_vec()
    }

    #[test]
    fn resp2_and_resp3_shapes() {
        assert_eq!(enc(false, |r| r.null()), b"$-1\r\n");
        assert_eq!(enc(true, |r| r.null()), b"_\r\n");
        assert_eq!(enc(false, |r| r.map(2)), b"*4\r\n");
        assert_eq!(enc(true, |r| r.map(2)), b"%2\r\n");
        assert_eq!(enc(false, |r| r.bulk(b"ab")), b"$2\r\nab\r\n");
        assert_eq!(enc(false, |r| r.int(-5)), b":-5\r\n");
        assert_eq!(enc(true, |r| r.double(1.5)), b",1.5\r\n");
        assert_eq!(enc(false, |r| r.error("ERR a\r\nb")), b"-ERR a  b\r\n");
        assert_eq!(enc(true, |r| r.verbatim(b"x")), b"=5\r\ntxt:x\r\n");
    }

    #[test]
    fn percent_g_17() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(1e20), "1e+20");
        assert_eq!(format_double(1.0e-5), "1.0000000000000001e-05");
        assert_eq!(format_double(123456789.0), "123456789");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_g(10.5, 17), "10.5");
    }
}
