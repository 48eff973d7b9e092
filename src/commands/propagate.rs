//! What a write sends to the replication log, as Redis 7.0 propagates it
//! (`call()`, `alsoPropagate`, `propagatePendingCommands` in server.c).
//!
//! Every command runs with a [`Prop`]: the per-command state that decides its record.
//! - **Changed nothing, logs nothing** (Redis's `server.dirty`): a write command's own
//!   command goes out only if it changed the data set. The signal is the database's
//!   change counter ([`crate::storage::Db::changes`], bumped by the mutation points:
//!   `insert`, a live `remove`, `get_mut` of a live key, `clear`), overridden by the
//!   command itself where it knows better: [`Prop::unchanged`] (SADD of an existing
//!   member: it asked for the set mutably but added nothing) or [`Prop::changed`].
//! - **Deterministic rewrites** (`rewriteClientCommandVector`): [`Prop::rewrite`] replaces
//!   the command's own record (SET EX -> SET PXAT, EXPIRE -> PEXPIREAT, INCRBYFLOAT -> SET
//!   KEEPTTL...); it still goes out only if the command changed something.
//! - **Several effects** (`alsoPropagate` + `preventCommandPropagation`): [`Prop::also`]
//!   adds a command that always goes out (SPOP with a count as SREMs), [`Prop::suppress`]
//!   drops the command's own record.
//! - **Keys found expired** go out as `DEL key` before the command's own record.
//!
//! The shard gathers these as [`Ops`]; more than one op becomes one `MULTI ... EXEC`
//! record, as Redis wraps `server.also_propagate` when it holds more than one command
//! (a write on a key found expired: `MULTI`, `DEL k`, `SET k v`, `EXEC`).

use super::{flag, CommandSpec};
use crate::replication::record::{encode_command, encode_select};

/// Encoded commands (RESP, back to back) bound for the log as one record, with the
/// databases they run in: `SELECT`s are inserted inside when the database changes
/// between two ops.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ops {
    pub buf: Vec<u8>,
    /// Commands held (the `SELECT`s inside not counted).
    pub n: u32,
    /// Database of the first op and of the last.
    pub first_db: Option<usize>,
    pub last_db: Option<usize>,
}

const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";
const EXEC: &[u8] = b"*1\r\n$4\r\nEXEC\r\n";

impl Ops {
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn clear(&mut self) {
        self.buf.clear();
        self.n = 0;
        self.first_db = None;
        self.last_db = None;
    }

    /// Enters `db` for the next op: a `SELECT` inside when it differs from the last op's.
    fn enter(&mut self, db: usize) {
        match self.last_db {
            None => self.first_db = Some(db),
            Some(d) if d != db => encode_select(&mut self.buf, db),
            Some(_) => {}
        }
        self.last_db = Some(db);
    }

    /// Adds one command run in database `db`.
    pub fn push<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        self.enter(db);
        encode_command(&mut self.buf, args);
        self.n += 1;
    }

    /// Adds one already encoded command.
    pub fn push_encoded(&mut self, db: usize, cmd: &[u8]) {
        self.enter(db);
        self.buf.extend_from_slice(cmd);
        self.n += 1;
    }

    /// Adds every op of `other` after this one's.
    pub fn extend(&mut self, other: &Ops) {
        let Some(db) = other.first_db else {
            return;
        };
        self.enter(db);
        self.buf.extend_from_slice(&other.buf);
        self.n += other.n;
        self.last_db = other.last_db;
    }

    /// Appends these ops to the log as one record of `producer` (a shard id): as they
    /// are when there is one, wrapped in `MULTI ... EXEC` when there are several. Returns
    /// the record's end offset, `None` when there was nothing to append.
    pub fn append_to(
        &self,
        log: &crate::replication::log::ReplLog,
        producer: usize,
    ) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        if self.n == 1 {
            return Some(log.append_switching(producer, self.first_db, &self.buf, self.last_db));
        }
        let mut rec = Vec::with_capacity(MULTI.len() + self.buf.len() + EXEC.len());
        rec.extend_from_slice(MULTI);
        rec.extend_from_slice(&self.buf);
        rec.extend_from_slice(EXEC);
        Some(log.append_switching(producer, self.first_db, &rec, self.last_db))
    }

    /// The commands held, as argument lists (`SELECT`s included): for tests.
    #[cfg(test)]
    pub fn commands(&self) -> Vec<Vec<String>> {
        decode(&self.buf)
    }
}

/// Splits RESP multibulk commands into their arguments (tests).
#[cfg(test)]
pub fn decode(mut s: &[u8]) -> Vec<Vec<String>> {
    fn line(s: &mut &[u8]) -> usize {
        let end = s.iter().position(|&b| b == b'\r').unwrap();
        let n = std::str::from_utf8(&s[1..end]).unwrap().parse().unwrap();
        *s = &s[end + 2..];
        n
    }
    let mut out = Vec::new();
    while !s.is_empty() {
        let n = line(&mut s);
        let mut cmd = Vec::new();
        for _ in 0..n {
            let len = line(&mut s);
            cmd.push(String::from_utf8_lossy(&s[..len]).into_owned());
            s = &s[len + 2..];
        }
        out.push(cmd);
    }
    out
}

/// Write commands whose integer reply counts what they changed (added, removed, moved
/// members or keys): `:0` means they changed nothing and are not propagated, as in
/// Redis where they bump `server.dirty` by that count.
pub const ZERO_CHANGES: &[&str] = &[
    "sadd",
    "srem",
    "smove",
    "hdel",
    "hsetnx",
    "zrem",
    "zremrangebyscore",
    "zremrangebyrank",
    "zremrangebylex",
    "lrem",
    "linsert",
    "del",
    "unlink",
    "renamenx",
    "msetnx",
    "move",
    "copy",
    "setnx",
    "persist",
    "expire",
    "pexpire",
    "expireat",
    "pexpireat",
];

/// What the command said about its own record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Own {
    /// The command as the client sent it.
    #[default]
    Verbatim,
    /// [`Prop::rewrite`]: the encoded replacement in `Prop::rewritten`.
    Rewritten,
    /// [`Prop::suppress`]: nothing.
    Suppressed,
}

/// One command's propagation state (see the module doc). Reused across commands: its
/// buffers keep their capacity, so a plain write allocates nothing for its record.
#[derive(Debug, Default)]
pub struct Prop {
    /// `alsoPropagate`'d commands, in order.
    pub also: Ops,
    own: Own,
    rewritten: Vec<u8>,
    /// `Some(true)`: changed whatever the counter says; `Some(false)`: changed nothing.
    changed: Option<bool>,
}

impl Prop {
    /// Ready for the next command.
    pub fn reset(&mut self) {
        self.also.clear();
        self.own = Own::Verbatim;
        self.changed = None;
    }

    /// The command changed nothing (a no-op write is not propagated).
    pub fn unchanged(&mut self) {
        self.changed = Some(false);
    }

    /// The command changed the data set (whatever the database counter says).
    pub fn changed(&mut self) {
        self.changed = Some(true);
    }

    /// Replaces the command's own record by `args` (Redis's `rewriteClientCommandVector`).
    pub fn rewrite<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.rewritten.clear();
        encode_command(&mut self.rewritten, args);
        self.own = Own::Rewritten;
    }

    /// Adds a command that goes out whatever the change signal (`alsoPropagate`).
    pub fn also<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        self.also.push(db, args);
    }

    /// The command's own record is not sent (`preventCommandPropagation`).
    pub fn suppress(&mut self) {
        self.own = Own::Suppressed;
    }

    /// Whether [`Prop::rewrite`] was called.
    pub fn is_rewritten(&self) -> bool {
        self.own == Own::Rewritten
    }

    /// Whether the command's own record goes out, given whether the database counter
    /// moved while it ran.
    pub fn own_goes_out(&self, counter_moved: bool) -> bool {
        self.own != Own::Suppressed && self.changed.unwrap_or(counter_moved)
    }

    /// After the command ran and replied `reply`: whether its own record goes out
    /// (Redis's `server.dirty`): a write that replied no error and changed something (the
    /// database's change counter moved, unless the command said otherwise).
    pub fn finish(&mut self, spec: &CommandSpec, reply: &[u8], counter_moved: bool) -> bool {
        if spec.flags & flag::WRITE == 0 || reply.first() == Some(&b'-') {
            return false;
        }
        if (reply == b":0\r\n" && ZERO_CHANGES.contains(&spec.name))
            || (reply == b":-1\r\n" && spec.name == "linsert")
        {
            // These reply how many things they changed: 0 is a no-op (they may have
            // asked for their key mutably all the same).
            self.unchanged();
        }
        self.own_goes_out(counter_moved)
    }

    /// Adds the command's own record (`args` unless rewritten) to `ops`.
    pub fn push_own<A: AsRef<[u8]>>(&self, ops: &mut Ops, db: usize, args: &[A]) {
        match self.own {
            Own::Verbatim => ops.push(db, args),
            Own::Rewritten => ops.push_encoded(db, &self.rewritten),
            Own::Suppressed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_inside_and_merging() {
        let mut a = Ops::default();
        a.push(0, &["set", "a", "1"]);
        a.push(2, &["del", "b"]);
        let mut b = Ops::default();
        b.push(2, &["del", "c"]);
        b.push(0, &["del", "d"]);
        a.extend(&b);
        assert_eq!(a.n, 4);
        assert_eq!((a.first_db, a.last_db), (Some(0), Some(0)));
        assert_eq!(
            a.commands(),
            vec![
                vec!["set", "a", "1"],
                vec!["SELECT", "2"],
                vec!["del", "b"],
                vec!["del", "c"],
                vec!["SELECT", "0"],
                vec!["del", "d"],
            ]
        );
    }

    #[test]
    fn one_op_is_sent_as_is_several_wrapped() {
        let log = crate::replication::log::ReplLog::new(1 << 16, 1);
        let mut ops = Ops::default();
        assert_eq!(ops.append_to(&log, 0), None);
        ops.push(0, &["set", "a", "1"]);
        ops.append_to(&log, 0);
        ops.push(0, &["del", "b"]);
        ops.append_to(&log, 0);
        let mut out = Vec::new();
        log.read(1, 1 << 16, &mut out).unwrap();
        let cmds: Vec<String> = decode(&out).into_iter().map(|c| c.join(" ")).collect();
        assert_eq!(
            cmds,
            ["SELECT 0", "set a 1", "MULTI", "set a 1", "del b", "EXEC"]
        );
    }

    #[test]
    fn change_signal() {
        let mut p = Prop::default();
        assert!(p.own_goes_out(true));
        assert!(!p.own_goes_out(false));
        p.unchanged();
        assert!(!p.own_goes_out(true));
        p.reset();
        p.changed();
        assert!(p.own_goes_out(false));
        p.suppress();
        assert!(!p.own_goes_out(true));
    }
}

#[cfg(test)]
#[path = "propagate_tests.rs"]
mod command_records;
