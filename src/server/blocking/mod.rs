//! Blocking pops across shards (BLPOP & co.): each shard's registry of the clients waiting
//! for its keys, how a shard serves them when a key gets data, and the coordinator's wait.
//!
//! ```text
//!  coordinator (client's shard)            owner shard of key k
//!  BLPOP a k 0 ──"try pop, else register"──> atomic on that shard: pop from the first
//!     │            (one op per shard)         non-empty key, or queue a Waiter per key
//!     │                                       (FIFO per key) and watch k in its Db
//!     │  waits: result | timer | hang-up      ...
//!     │         | CLIENT KILL | UNBLOCK       LPUSH k x ─> Db::insert signals k ready ─>
//!     │                                       after the command: for each waiter of k,
//!     │<──── Served{key index, reply} ─────── CAS claim waiting->served, run `LPOP k`
//!  reshapes the pop's reply ([k, x])          through the command table, send the reply
//!  cancels its other registrations
//! ```
//!
//! **Never lose or duplicate an element.** A blocked client has one [`Claim`] shared by
//! all its registrations (on any shard), its timer, CLIENT UNBLOCK and its disconnect. Whoever
//! wins the compare-and-swap away from `WAITING` decides: a shard pops only after winning
//! it (so two shards never both pop for one client), and a coordinator that loses it while
//! timing out waits for the reply already on its way (the element was popped for it).
//! Registrations whose claim is gone are skipped and dropped when met, and the coordinator
//! always cancels every registration it made before it reports the client unblocked, so
//! nothing stays behind once `blocked_clients` is 0.
//!
//! Readiness is Redis's: a key is signalled when a list or sorted set is created under it
//! (`Db::insert`, Redis's `dbAdd`), and served after the command that created it, waiters
//! in the order they blocked, while the key still holds data of the type they want.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Poll, Waker};
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::client::Client;
use super::shard::{unix_ms, ReplyPayload, ShardCtx};
use super::slot::key_shard;
use crate::commands::{CommandSpec, Run, ShardFn};
use crate::storage::{Keyspace, Object, ValueRef};

mod wait;
pub use wait::{
    blocked_counts, pop_or_block, set_blocked, unblock_client, Blocked, Outcome, PopRequest,
    Unblock,
};

const WAITING: u8 = 0;
const SERVED: u8 = 1;
const CANCELLED: u8 = 2;

/// The one decision about a blocked client, shared by every party that could make it.
#[derive(Clone, Debug, Default)]
pub struct Claim(Arc<AtomicU8>);

impl Claim {
    /// A shard is about to pop for the client: true if nobody decided before.
    pub fn try_serve(&self) -> bool {
        self.swap_from_waiting(SERVED)
    }

    /// Timeout, CLIENT UNBLOCK or disconnect: true if no shard popped for the client.
    pub fn try_cancel(&self) -> bool {
        self.swap_from_waiting(CANCELLED)
    }

    pub fn is_waiting(&self) -> bool {
        self.0.load(Ordering::Acquire) == WAITING
    }

    fn swap_from_waiting(&self, to: u8) -> bool {
        self.0
            .compare_exchange(WAITING, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// The type of collection a blocked command pops from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    List,
    ZSet,
}

/// What a key holds, as a blocking pop sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Missing,
    /// A collection of the wanted type (never empty: empty ones are deleted).
    Data,
    WrongType,
}

/// One key a client waits for, with the command that pops from it when it has data
/// (`LPOP k`, `LPOP k 3`, `ZPOPMIN k`, `LMOVE k d LEFT RIGHT` ...).
#[derive(Clone, Debug)]
pub struct WaitKey {
    /// Position among the command's keys (the coordinator reshapes with it).
    pub index: usize,
    pub key: Bytes,
    pub cmd: Vec<Bytes>,
}

/// A client's registration on one shard: its keys there, and where to send the result.
#[derive(Clone, Debug)]
pub struct Waiter {
    pub claim: Claim,
    /// The coordinator's shard and the request id its reply waits under.
    pub origin: usize,
    pub req_id: u64,
    pub db: usize,
    pub resp3: bool,
    pub want: Want,
    pub keys: Vec<WaitKey>,
    /// See [`PopRequest::hold`].
    pub hold: Option<crate::server::txn::TxId>,
    /// An immediate pop's replication record goes back to the coordinator (inside EXEC:
    /// it joins the transaction's record) instead of to the log; `Some(true)`: only the
    /// keys found expired and whether it popped ([`crate::server::shard::Capture`]).
    pub capture: Option<bool>,
}

/// A pop made for a blocked client: which key and the pop command's encoded reply.
#[derive(Debug)]
pub struct Served {
    pub index: usize,
    pub reply: Vec<u8>,
    /// The pop's replication record, when captured ([`Waiter::capture`]).
    pub repl: Option<Box<crate::server::shard::Captured>>,
}

/// What one "try to pop, else register" op found on a shard.
#[derive(Debug)]
pub enum Attempt {
    Popped(Served),
    /// A key of another type came before any key with data (reply WRONGTYPE).
    WrongType,
    Registered,
    /// Nothing to pop, and not asked to register.
    Empty,
    /// The claim was already decided elsewhere: nothing done here.
    Lost,
}

/// A key in a database.
type DbKey = (usize, Bytes);

/// Builds the pop command for one key.
pub type PopCommand = Box<dyn Fn(&Bytes) -> Vec<Bytes>>;

/// The clients blocked on this shard's keys.
#[derive(Default)]
pub struct Registry {
    /// Waiters per (db, key), in the order they blocked.
    queues: RefCell<ahash::AHashMap<DbKey, VecDeque<Rc<Waiter>>>>,
    /// Every registration by (origin shard, request id), for cancellation.
    by_req: RefCell<ahash::AHashMap<(usize, u64), Rc<Waiter>>>,
    /// Registrations held (a cheap emptiness check after every command).
    count: Cell<usize>,
    /// Serving is under way (pops run commands, which must not re-enter it).
    serving: Cell<bool>,
}

impl Registry {
    pub fn is_empty(&self) -> bool {
        self.count.get() == 0
    }

    /// Registrations held (one per blocked client per shard).
    pub fn len(&self) -> usize {
        self.count.get()
    }

    /// Queues `w` behind the earlier waiters of each of its keys and watches the keys.
    pub fn add(&self, ks: &mut Keyspace, w: Waiter) {
        let w = Rc::new(w);
        let mut queues = self.queues.borrow_mut();
        for k in &w.keys {
            ks.dbs[w.db].set_watched(&k.key, true);
            queues
                .entry((w.db, k.key.clone()))
                .or_default()
                .push_back(w.clone());
        }
        self.by_req.borrow_mut().insert((w.origin, w.req_id), w);
        self.count.set(self.count.get() + 1);
    }

    /// Drops a registration (cancelled, or served); keys nobody waits for any more stop
    /// being watched. Returns whether it was there.
    pub fn remove(&self, ks: &mut Keyspace, origin: usize, req_id: u64) -> bool {
        let Some(w) = self.by_req.borrow_mut().remove(&(origin, req_id)) else {
            return false;
        };
        self.count.set(self.count.get() - 1);
        let mut queues = self.queues.borrow_mut();
        for k in &w.keys {
            let slot = (w.db, k.key.clone());
            if let Some(q) = queues.get_mut(&slot) {
                q.retain(|x| !Rc::ptr_eq(x, &w));
                if q.is_empty() {
                    queues.remove(&slot);
                    ks.dbs[w.db].set_watched(&k.key, false);
                }
            }
        }
        true
    }

    /// The waiters of a key, oldest first.
    fn waiters(&self, db: usize, key: &Bytes) -> Vec<Rc<Waiter>> {
        self.queues
            .borrow()
            .get(&(db, key.clone()))
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// What `key` holds for a pop of `want`.
pub fn key_state(ks: &mut Keyspace, db: usize, key: &[u8], want: Want, now_ms: u64) -> KeyState {
    match ks.dbs[db].get(key, now_ms).map(|e| e.value()) {
        None => KeyState::Missing,
        Some(ValueRef::Obj(Object::List(_))) if want == Want::List => KeyState::Data,
        Some(ValueRef::Obj(Object::ZSet(_))) if want == Want::ZSet => KeyState::Data,
        Some(_) => KeyState::WrongType,
    }
}

/// Copies of the command specs blocking pops run internally: the same bodies at other
/// addresses, so the metrics count them as parts of the blocking command (Redis counts
/// one BLPOP, not an LPOP).
static INTERNAL: LazyLock<ahash::AHashMap<&'static str, &'static CommandSpec>> =
    LazyLock::new(|| {
        [
            "lpop",
            "rpop",
            "lmove",
            "rpoplpush",
            "lpush",
            "rpush",
            "zpopmin",
            "zpopmax",
        ]
        .iter()
        .filter_map(|name| {
            let s = crate::commands::lookup(name.as_bytes())?;
            let copy: &'static CommandSpec = Box::leak(Box::new(CommandSpec {
                name: s.name,
                arity: s.arity,
                flags: s.flags,
                keys: s.keys,
                run: s.run,
            }));
            Some((s.name, copy))
        })
        .collect()
    });

fn internal(name: &[u8]) -> Option<(&'static CommandSpec, ShardFn)> {
    let name = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
    let spec = *INTERNAL.get(name.as_str())?;
    let f = match spec.run {
        Run::Shard(f) | Run::Split(f, _) | Run::ShardOr(f, _) => f,
        Run::Coord(_) => return None,
    };
    Some((spec, f))
}

/// Runs `cmd` (one of the internal pops/pushes, all of whose keys this shard owns) and
/// returns its encoded reply. `serve` also serves clients its writes made ready.
pub fn run_command(s: &ShardCtx, db: usize, resp3: bool, cmd: &[Bytes], serve: bool) -> Vec<u8> {
    let mut buf = BytesMut::new();
    match internal(&cmd[0]) {
        Some((spec, f)) if spec.arity_ok(cmd.len()) => {
            if serve {
                s.exec(spec, f, db, cmd, &mut buf, resp3, unix_ms());
            } else {
                s.exec_only(spec, f, db, cmd, &mut buf, resp3, unix_ms());
            }
        }
        // Only reachable while the list or sorted-set commands are missing from the table.
        _ => crate::protocol::Reply::new(&mut buf, resp3)
            .error(&crate::commands::errors::unknown_command(cmd)),
    }
    buf.to_vec()
}

/// A pop with a count (BLMPOP's `LPOP k n`, BZMPOP's `ZPOPMIN k n`) asks for no more
/// than the key holds: the same pop, propagated as Redis does (`min(count, length)`).
fn clamp_count(s: &ShardCtx, db: usize, cmd: &[Bytes], now: u64) -> Vec<Bytes> {
    let mut cmd = cmd.to_vec();
    let pop = |n: &[u8]| {
        [&b"lpop"[..], b"rpop", b"zpopmin", b"zpopmax"]
            .iter()
            .any(|p| n.eq_ignore_ascii_case(p))
    };
    if cmd.len() == 3 && pop(&cmd[0]) {
        let len = match s.keyspace.borrow_mut().dbs[db]
            .get(&cmd[1], now)
            .map(|e| e.value())
        {
            Some(ValueRef::Obj(Object::List(l))) => l.len(),
            Some(ValueRef::Obj(Object::ZSet(z))) => z.len(),
            _ => return cmd,
        };
        let asked = crate::commands::args::int(&cmd[2]).unwrap_or(0);
        if asked > len as i64 {
            cmd[2] = Bytes::from(len.to_string());
        }
    }
    cmd
}

/// [`run_command`] (serving what it made ready) whose replication record, when `capture`
/// is `Some(own_as_flag)`, is returned rather than logged: inside EXEC it joins the
/// transaction's record, which the coordinator appends before releasing the keys' locks.
pub fn run_command_captured(
    s: &ShardCtx,
    db: usize,
    resp3: bool,
    cmd: &[Bytes],
    capture: Option<bool>,
) -> (Vec<u8>, Option<Box<crate::server::shard::Captured>>) {
    let Some(own_as_flag) = capture else {
        return (run_command(s, db, resp3, cmd, true), None);
    };
    s.capture_begin(own_as_flag);
    let reply = run_command(s, db, resp3, cmd, true);
    (reply, s.capture_end())
}

/// The first of `keys` (in order) that holds data or the wrong type, with what it holds.
pub fn probe(
    s: &ShardCtx,
    db: usize,
    want: Want,
    keys: &[(usize, Bytes)],
) -> Option<(usize, KeyState)> {
    let now = unix_ms();
    let mut ks = s.keyspace.borrow_mut();
    keys.iter()
        .find_map(|(i, k)| match key_state(&mut ks, db, k, want, now) {
            KeyState::Missing => None,
            st => Some((*i, st)),
        })
}

/// On the keys' owner shard, atomically: pops from the first of `w.keys` with data (after
/// winning its claim), else registers `w` when `register`. A key of the wrong type before
/// any with data ends the try when `wrongtype_stops` (Redis's order of checks); otherwise
/// it is waited on like a missing key.
pub fn try_pop_or_register(
    s: &ShardCtx,
    w: Waiter,
    register: bool,
    wrongtype_stops: bool,
) -> Attempt {
    let now = unix_ms();
    for k in &w.keys {
        let state = key_state(&mut s.keyspace.borrow_mut(), w.db, &k.key, w.want, now);
        match state {
            KeyState::Missing => {}
            KeyState::WrongType if wrongtype_stops => return Attempt::WrongType,
            KeyState::WrongType => {}
            KeyState::Data => {
                if !w.claim.try_serve() {
                    return Attempt::Lost;
                }
                let cmd = clamp_count(s, w.db, &k.cmd, now);
                let (reply, repl) = run_command_captured(s, w.db, w.resp3, &cmd, w.capture);
                return Attempt::Popped(Served {
                    index: k.index,
                    reply,
                    repl,
                });
            }
        }
    }
    if !register {
        return Attempt::Empty;
    }
    if !w.claim.is_waiting() {
        return Attempt::Lost;
    }
    s.blocking.add(&mut s.keyspace.borrow_mut(), w);
    Attempt::Registered
}

/// Serves the clients blocked on keys that became ready, until no key is ready (a pop
/// that pushes elsewhere, LMOVE, may make another key ready). Runs after commands.
pub fn serve_ready(s: &ShardCtx) {
    if s.blocking.serving.replace(true) {
        return;
    }
    let mut busy: Vec<(usize, Box<[u8]>)> = Vec::new();
    loop {
        let ready: Vec<(usize, Box<[u8]>)> = {
            let mut ks = s.keyspace.borrow_mut();
            ks.dbs
                .iter_mut()
                .enumerate()
                .filter(|(_, d)| d.has_ready())
                .flat_map(|(i, d)| d.take_ready().into_iter().map(move |k| (i, k)))
                .collect()
        };
        if ready.is_empty() {
            break;
        }
        for (db, key) in ready {
            if s.txn.is_key_busy(db, &key) {
                // A transaction holds or awaits the key: serve it after the release.
                busy.push((db, key));
                continue;
            }
            serve_key(s, db, &Bytes::from(key.into_vec()));
        }
    }
    let mut ks = s.keyspace.borrow_mut();
    for (db, key) in busy {
        ks.dbs[db].requeue_ready(key);
    }
    drop(ks);
    s.blocking.serving.set(false);
}

/// Serves the waiters of one key in the order they blocked, while it holds data.
fn serve_key(s: &ShardCtx, db: usize, key: &Bytes) {
    for w in s.blocking.waiters(db, key) {
        let state = key_state(&mut s.keyspace.borrow_mut(), db, key, w.want, unix_ms());
        match state {
            KeyState::Missing => break,
            // A waiter for the other type (BZPOPMIN on what is now a list) keeps waiting.
            KeyState::WrongType => continue,
            KeyState::Data => {}
        }
        s.blocking
            .remove(&mut s.keyspace.borrow_mut(), w.origin, w.req_id);
        if !w.claim.try_serve() {
            // Timed out, unblocked, or served by another shard: a stale registration.
            continue;
        }
        let Some(k) = w.keys.iter().find(|k| k.key == *key) else {
            continue;
        };
        if let Some(tx) = w.hold {
            // Free (serve_ready skips busy keys): taken at once, with the pop.
            crate::server::txn::hold_key(s, tx, db, key);
        }
        let reply = if k.cmd.len() == 3 {
            run_command(
                s,
                db,
                w.resp3,
                &clamp_count(s, db, &k.cmd, unix_ms()),
                false,
            )
        } else if k.cmd[0].eq_ignore_ascii_case(b"lmove") {
            // A served BLMOVE goes out with lower-case sides, as Redis writes them
            // (its immediate pop keeps the client's spelling).
            let mut cmd = k.cmd.clone();
            for side in cmd.iter_mut().skip(3) {
                *side = Bytes::from(side.to_ascii_lowercase());
            }
            run_command(s, db, w.resp3, &cmd, false)
        } else {
            run_command(s, db, w.resp3, &k.cmd, false)
        };
        let served = Served {
            index: k.index,
            reply,
            repl: None,
        };
        s.deliver(w.origin, w.req_id, ReplyPayload::Op(Box::new(served)));
        if w.hold.is_some() {
            // The key is locked now: its other waiters are served after the release.
            s.keyspace.borrow_mut().dbs[db].requeue_ready(key.to_vec().into_boxed_slice());
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiter(claim: &Claim, req_id: u64, keys: &[&str]) -> Waiter {
        Waiter {
            claim: claim.clone(),
            origin: 0,
            req_id,
            db: 0,
            resp3: false,
            want: Want::List,
            hold: None,
            capture: None,
            keys: keys
                .iter()
                .enumerate()
                .map(|(index, k)| WaitKey {
                    index,
                    key: Bytes::copy_from_slice(k.as_bytes()),
                    cmd: vec![
                        Bytes::from_static(b"LPOP"),
                        Bytes::copy_from_slice(k.as_bytes()),
                    ],
                })
                .collect(),
        }
    }

    #[test]
    fn claim_is_decided_once() {
        let c = Claim::default();
        assert!(c.is_waiting());
        assert!(c.try_serve());
        assert!(
            !c.try_serve(),
            "a second shard never pops for the same client"
        );
        assert!(
            !c.try_cancel(),
            "a timeout after a pop must take the popped element"
        );
        let d = Claim::default();
        assert!(d.try_cancel());
        assert!(!d.try_serve(), "no pop after a timeout");
    }

    #[test]
    fn registry_keeps_fifo_per_key_and_cleans_up() {
        let mut ks = Keyspace::new(2, 1);
        let r = Registry::default();
        let (a, b) = (Claim::default(), Claim::default());
        r.add(&mut ks, waiter(&a, 1, &["x", "y"]));
        r.add(&mut ks, waiter(&b, 2, &["x"]));
        assert_eq!(r.len(), 2);
        let x = Bytes::from_static(b"x");
        let order: Vec<u64> = r.waiters(0, &x).iter().map(|w| w.req_id).collect();
        assert_eq!(order, vec![1, 2]);
        assert!(r.remove(&mut ks, 0, 1));
        assert!(!r.remove(&mut ks, 0, 1), "removing twice is harmless");
        let order: Vec<u64> = r.waiters(0, &x).iter().map(|w| w.req_id).collect();
        assert_eq!(order, vec![2]);
        assert!(r.waiters(0, &Bytes::from_static(b"y")).is_empty());
        // "y" is no longer watched: creating it signals nothing.
        let list = || crate::storage::NewValue::Obj(Box::new(Object::List(Default::default())));
        ks.dbs[0].insert(crate::storage::Entry::new(b"y", list(), None));
        assert!(!ks.dbs[0].has_ready());
        ks.dbs[0].insert(crate::storage::Entry::new(b"x", list(), None));
        assert!(ks.dbs[0].has_ready());
        assert!(r.remove(&mut ks, 0, 2));
        assert!(r.is_empty());
        assert!(
            !ks.dbs[0].has_ready(),
            "unwatched: the pending signal is dropped"
        );
        assert!(r.queues.borrow().is_empty() && r.by_req.borrow().is_empty());
    }

    #[test]
    fn key_state_by_type() {
        let mut ks = Keyspace::new(1, 1);
        ks.dbs[0].insert(crate::storage::Entry::new(
            b"s",
            crate::storage::NewValue::Str(b"v"),
            None,
        ));
        ks.dbs[0].insert(crate::storage::Entry::new(
            b"l",
            crate::storage::NewValue::Obj(Box::new(Object::List(Default::default()))),
            None,
        ));
        assert_eq!(
            key_state(&mut ks, 0, b"nope", Want::List, 0),
            KeyState::Missing
        );
        assert_eq!(
            key_state(&mut ks, 0, b"s", Want::List, 0),
            KeyState::WrongType
        );
        assert_eq!(key_state(&mut ks, 0, b"l", Want::List, 0), KeyState::Data);
        assert_eq!(
            key_state(&mut ks, 0, b"l", Want::ZSet, 0),
            KeyState::WrongType
        );
    }
}
