//! RESP encoding of replicated commands: every record in the log is one or more RESP
//! arrays of bulk strings, exactly as a Redis 7.0 master writes them to its replicas.
//! Pure: arguments in, bytes out.

/// Appends `*<n>\r\n` then `$<len>\r\n<arg>\r\n` per argument.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    header(out, b'*', args.len());
    for a in args {
        let a = a.as_ref();
        header(out, b'$', a.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// `SELECT <db>` as the log writes it before a record of another database.
pub fn encode_select(out: &mut Vec<u8>, db: usize) {
    let mut n = itoa::Buffer::new();
    encode_command(out, &[&b"SELECT"[..], n.format(db).as_bytes()]);
}

fn header(out: &mut Vec<u8>, kind: u8, n: usize) {
    let mut b = itoa::Buffer::new();
    out.push(kind);
    out.extend_from_slice(b.format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_multibulk() {
        let mut out = Vec::new();
        encode_command(&mut out, &["set", "k", "v"]);
        assert_eq!(out, b"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n");
        out.clear();
        encode_select(&mut out, 12);
        assert_eq!(out, b"*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n");
    }
}
