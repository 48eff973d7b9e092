//! A small blocking RESP2/RESP3 client for tests: sends commands, reads typed replies.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A reply, with RESP3's types kept apart so shapes can be compared exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1` (RESP2).
    NilBulk,
    Array(Vec<Value>),
    /// `*-1` (RESP2).
    NilArray,
    /// `_` (RESP3).
    Null,
    Double(String),
    Bool(bool),
    BigNumber(String),
    Verbatim(String, Vec<u8>),
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
    Push(Vec<Value>),
}

impl Value {
    pub fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    pub fn as_str(&self) -> String {
        match self {
            Value::Simple(s) | Value::Error(s) | Value::Double(s) | Value::BigNumber(s) => {
                s.clone()
            }
            Value::Bulk(b) | Value::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
            Value::Int(i) => i.to_string(),
            other => format!("{other:?}"),
        }
    }

    pub fn as_int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            other => other
                .as_str()
                .parse()
                .unwrap_or_else(|_| panic!("not an integer: {other:?}")),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error(_))
    }

    pub fn items(&self) -> Vec<Value> {
        match self {
            Value::Array(v) | Value::Set(v) | Value::Push(v) => v.clone(),
            Value::Map(m) => m.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect(),
            other => panic!("not an aggregate: {other:?}"),
        }
    }
}

pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Conn {
    pub fn connect(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(s.try_clone().unwrap()),
            writer: s,
        }
    }

    /// Sends one command and reads its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd_bytes(&raw)
    }

    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Value {
        self.writer.write_all(&encode(args)).expect("write");
        self.read_value().expect("read reply")
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write raw");
    }

    /// Reads one reply; `None` when the server closed the connection.
    pub fn read_value(&mut self) -> Option<Value> {
        let mut line = Vec::new();
        if self.reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        if line.len() < 3 {
            panic!("short line {line:?}");
        }
        let body = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
        let n = || body.parse::<i64>().unwrap();
        Some(match line[0] {
            b'+' => Value::Simple(body),
            b'-' => Value::Error(body),
            b':' => Value::Int(n()),
            b'$' if n() < 0 => Value::NilBulk,
            b'$' => Value::Bulk(self.read_exact_crlf(n() as usize)),
            b'=' => {
                let b = self.read_exact_crlf(n() as usize);
                Value::Verbatim(
                    String::from_utf8_lossy(&b[..3]).into_owned(),
                    b[4..].to_vec(),
                )
            }
            b'*' if n() < 0 => Value::NilArray,
            b'*' => Value::Array((0..n()).map(|_| self.read_value().unwrap()).collect()),
            b'~' => Value::Set((0..n()).map(|_| self.read_value().unwrap()).collect()),
            b'>' => Value::Push((0..n()).map(|_| self.read_value().unwrap()).collect()),
            b'%' => Value::Map(
                (0..n())
                    .map(|_| (self.read_value().unwrap(), self.read_value().unwrap()))
                    .collect(),
            ),
            b'_' => Value::Null,
            b',' => Value::Double(body),
            b'#' => Value::Bool(body == "t"),
            b'(' => Value::BigNumber(body),
            other => panic!("unexpected reply type {:?} in {line:?}", other as char),
        })
    }

    fn read_exact_crlf(&mut self, n: usize) -> Vec<u8> {
        let mut b = vec![0; n + 2];
        self.reader.read_exact(&mut b).expect("read bulk");
        b.truncate(n);
        b
    }

    /// True when the server has closed the connection (reads EOF within the timeout).
    pub fn is_closed(&mut self) -> bool {
        self.writer
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut b = [0u8; 1];
        matches!(self.reader.read(&mut b), Ok(0) | Err(_))
    }
}
