//! A minimal RESP client for set-up commands (PING, DEBUG POPULATE, DBSIZE) and pipelined
//! bulk loads: each reply read back as its first line (a bulk string's body instead of its
//! header).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::Res;

pub struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    pub fn connect(port: u16) -> Res<Client> {
        let s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        // DEBUG POPULATE of millions of keys takes seconds; a stuck server must not hang
        // the kit forever.
        s.set_read_timeout(Some(Duration::from_secs(600)))
            .map_err(|e| e.to_string())?;
        Ok(Client {
            r: BufReader::new(s.try_clone().map_err(|e| e.to_string())?),
            w: s,
        })
    }

    pub fn cmd(&mut self, args: &[&str]) -> Res<String> {
        let mut buf = Vec::new();
        encode(&mut buf, args.iter().map(|a| a.as_bytes()));
        self.w.write_all(&buf).map_err(|e| e.to_string())?;
        self.reply()
    }

    /// Sends every command in one write and reads all their replies (each as [`cmd`]
    /// returns it). For bulk loads, one round trip per batch; the commands must not
    /// answer with aggregates (only their header line would be read).
    ///
    /// [`cmd`]: Client::cmd
    pub fn pipeline(&mut self, cmds: &[Vec<String>]) -> Res<Vec<String>> {
        let mut buf = Vec::new();
        for c in cmds {
            encode(&mut buf, c.iter().map(|a| a.as_bytes()));
        }
        self.w.write_all(&buf).map_err(|e| e.to_string())?;
        cmds.iter().map(|_| self.reply()).collect()
    }

    fn reply(&mut self) -> Res<String> {
        let mut line = String::new();
        self.r.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end().to_string();
        if let Some(n) = line.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
            let mut body = vec![0; n + 2];
            self.r.read_exact(&mut body).map_err(|e| e.to_string())?;
            return Ok(String::from_utf8_lossy(&body[..n]).into_owned());
        }
        Ok(line)
    }
}

/// Appends one command in RESP to `buf`.
fn encode<'a>(buf: &mut Vec<u8>, args: impl ExactSizeIterator<Item = &'a [u8]>) {
    buf.extend(format!("*{}\r\n", args.len()).bytes());
    for a in args {
        buf.extend(format!("${}\r\n", a.len()).bytes());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}
