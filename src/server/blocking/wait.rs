//! The coordinator's side of a blocking pop: the client's blocked state, the first try
//! and the registrations on the keys' shards, the wait (result, timeout, hang-up, CLIENT
//! KILL, CLIENT UNBLOCK) and the cancellation of every registration it made. The shards'
//! side (registries, serving ready keys) is in the parent module.

use super::*;

/// How a blocked wait ended without a pop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unblock {
    /// The timeout passed, or CLIENT UNBLOCK (TIMEOUT): reply as a timeout.
    Timeout,
    /// CLIENT UNBLOCK ERROR.
    Error,
}

/// A client's blocked state, on its connection's handle while it waits (CLIENT LIST `b`,
/// INFO `blocked_clients`, CLIENT UNBLOCK).
pub struct Blocked {
    pub claim: Claim,
    pub has_timeout: bool,
    unblocked: Cell<Option<Unblock>>,
    waker: RefCell<Option<Waker>>,
}

impl Blocked {
    /// A blocked state whose claim only CLIENT UNBLOCK and the waiter contest (WAIT: no
    /// shard serves it).
    pub fn new(has_timeout: bool) -> Rc<Blocked> {
        Rc::new(Blocked {
            claim: Claim::default(),
            has_timeout,
            unblocked: Cell::new(None),
            waker: RefCell::new(None),
        })
    }

    /// Ends the wait (the caller won the claim).
    fn unblock(&self, how: Unblock) {
        self.unblocked.set(Some(how));
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Resolves when CLIENT UNBLOCK ended the wait.
    pub async fn unblocked(&self) -> Unblock {
        std::future::poll_fn(|cx| match self.unblocked.get() {
            Some(how) => Poll::Ready(how),
            None => {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// CLIENT UNBLOCK on the shard owning the connection: ends client `id`'s wait if it is
/// blocked and no shard popped for it yet.
pub fn unblock_client(s: &ShardCtx, id: u64, how: Unblock) -> bool {
    let handle = s.clients.borrow().clients.get(&id).cloned();
    let Some(b) = handle.and_then(|h| h.blocked.borrow().clone()) else {
        return false;
    };
    if !b.claim.try_cancel() {
        return false;
    }
    b.unblock(how);
    true
}

/// This shard's (blocked clients, of which with a timeout), for INFO.
pub fn blocked_counts(s: &ShardCtx) -> (usize, usize) {
    let clients = s.clients.borrow();
    let mut counts = (0, 0);
    for h in clients.clients.values() {
        if let Some(b) = &*h.blocked.borrow() {
            counts.0 += 1;
            counts.1 += b.has_timeout as usize;
        }
    }
    counts
}

/// A blocking pop as the coordinator runs it.
pub struct PopRequest {
    pub want: Want,
    /// In argument order (repeats allowed: the first one counts).
    pub keys: Vec<Bytes>,
    /// The pop to run on a key's owner shard when it has data.
    pub cmd_for: PopCommand,
    /// `None`: wait forever.
    pub deadline: Option<Instant>,
    /// False inside MULTI (Redis's CLIENT_DENY_BLOCKING): behave as the non-blocking pop.
    pub may_block: bool,
    /// When the client blocked and a shard serves it later: the transaction that shard
    /// locks the popped key for, atomically with the pop (a cross-shard BLMOVE keeps the
    /// source locked until its push).
    pub hold: Option<crate::server::txn::TxId>,
    /// An immediate pop returns only the keys it found expired and whether it popped
    /// (`Served::repl`), for the caller to log one record of its own (a cross-shard
    /// BLMOVE logs `LMOVE`).
    pub capture_as_flag: bool,
}

/// How a blocking pop ended.
#[derive(Debug)]
pub enum Outcome {
    Popped(Served),
    WrongType,
    /// Nothing to pop and blocking was not allowed.
    Empty,
    Unblocked(Unblock),
    /// The client disconnected or was killed while blocked.
    Gone,
}

enum Wake {
    Result(ReplyPayload),
    Timeout,
    Gone,
    Unblocked(Unblock),
}

/// Pops from the first of `req.keys` with data (Redis's argument order), or blocks until
/// a key gets data, the deadline passes, the client goes away or CLIENT UNBLOCK.
pub async fn pop_or_block(c: &mut Client, req: PopRequest) -> Outcome {
    let shard = c.shard.clone();
    let (db, resp3, origin) = (c.db, c.resp3, shard.id);
    // The keys by owner shard, in order of first appearance; repeats dropped.
    let mut by_shard: Vec<(usize, Vec<WaitKey>)> = Vec::new();
    for (index, key) in req.keys.iter().enumerate() {
        if req.keys[..index].contains(key) {
            continue;
        }
        let owner = key_shard(key, shard.nshards);
        let wk = WaitKey {
            index,
            key: key.clone(),
            cmd: (req.cmd_for)(key),
        };
        match by_shard.iter_mut().find(|(s, _)| *s == owner) {
            Some((_, v)) => v.push(wk),
            None => by_shard.push((owner, vec![wk])),
        }
    }
    let claim = Claim::default();
    let capture = if req.capture_as_flag {
        Some(true)
    } else {
        c.multi.unit.is_some().then_some(false)
    };
    let (req_id, mut rx) = shard.register();
    let waiter = |keys: Vec<WaitKey>| Waiter {
        claim: claim.clone(),
        origin,
        req_id,
        db,
        resp3,
        want: req.want,
        keys,
        hold: req.hold,
        capture,
    };
    let mut registered: Vec<usize> = Vec::new();
    if by_shard.len() == 1 {
        let (owner, keys) = by_shard.pop().expect("one shard");
        let (w, reg) = (waiter(keys), req.may_block);
        match shard
            .run_on(owner, move |s| try_pop_or_register(s, w, reg, true))
            .await
        {
            Attempt::Registered => registered.push(owner),
            other => {
                shard.forget(req_id);
                return immediate(c, other);
            }
        }
    } else {
        // Keys on several shards: find the first key (in argument order) with data or the
        // wrong type, and pop there. The dispatcher's locks on every key (server::txn) keep
        // other clients out until this either pops or blocks.
        for _ in 0..3 {
            let mut first: Option<(usize, KeyState, usize)> = None;
            for (owner, keys) in &by_shard {
                let (want, probe_keys): (Want, Vec<(usize, Bytes)>) = (
                    req.want,
                    keys.iter().map(|k| (k.index, k.key.clone())).collect(),
                );
                let found = shard
                    .run_on(*owner, move |s| probe(s, db, want, &probe_keys))
                    .await;
                if let Some((i, st)) = found {
                    if first.is_none_or(|(fi, _, _)| i < fi) {
                        first = Some((i, st, *owner));
                    }
                }
            }
            let Some((index, state, owner)) = first else {
                break;
            };
            if state == KeyState::WrongType {
                shard.forget(req_id);
                return Outcome::WrongType;
            }
            let keys = by_shard
                .iter()
                .flat_map(|(_, v)| v.iter())
                .filter(|k| k.index == index)
                .cloned()
                .collect();
            let w = waiter(keys);
            match shard
                .run_on(owner, move |s| try_pop_or_register(s, w, false, true))
                .await
            {
                Attempt::Empty => continue,
                other => {
                    shard.forget(req_id);
                    return immediate(c, other);
                }
            }
        }
        if !req.may_block {
            shard.forget(req_id);
            return Outcome::Empty;
        }
        for (owner, keys) in std::mem::take(&mut by_shard) {
            if !claim.is_waiting() {
                break;
            }
            let w = waiter(keys);
            match shard
                .run_on(owner, move |s| try_pop_or_register(s, w, true, false))
                .await
            {
                Attempt::Registered => registered.push(owner),
                Attempt::Popped(served) => {
                    shard.forget(req_id);
                    cancel_registrations(&shard, &registered, req_id).await;
                    return immediate(c, Attempt::Popped(served));
                }
                // Lost: a shard registered earlier already popped for us (its reply is on
                // the way) or CLIENT UNBLOCK ended the wait; the wait below sees which.
                _ => {}
            }
        }
    }
    // A command never blocks holding locks: whoever unblocks it may need them.
    c.unlock_own().await;
    let blocked = Rc::new(Blocked {
        claim: claim.clone(),
        has_timeout: req.deadline.is_some(),
        unblocked: Cell::new(None),
        waker: RefCell::new(None),
    });
    set_blocked(c, Some(blocked.clone()));
    let blocked_at = Instant::now();
    let wake = wait(c, &mut rx, &blocked, req.deadline).await;
    c.blocked_ns += blocked_at.elapsed().as_nanos() as u64;
    if matches!(wake, Wake::Gone) {
        c.close_after_reply = true;
    }
    let outcome = match wake {
        Wake::Result(payload) => served(payload),
        Wake::Unblocked(how) => {
            shard.forget(req_id);
            Outcome::Unblocked(how)
        }
        Wake::Timeout if claim.try_cancel() => {
            shard.forget(req_id);
            Outcome::Unblocked(Unblock::Timeout)
        }
        Wake::Gone if claim.try_cancel() => {
            shard.forget(req_id);
            Outcome::Gone
        }
        // A shard won the claim first: the element was popped for this client and its
        // reply is on the way; take it (a gone client still completes a BLMOVE's push).
        Wake::Timeout | Wake::Gone => served(rx.await),
    };
    cancel_registrations(&shard, &registered, req_id).await;
    set_blocked(c, None);
    outcome
}

/// An attempt's outcome; a captured pop record joins the running EXEC's.
fn immediate(c: &mut Client, a: Attempt) -> Outcome {
    match a {
        Attempt::Popped(mut s) => {
            if !s.repl.as_ref().is_some_and(|r| r.own_as_flag) {
                c.join_unit(s.repl.take());
            }
            Outcome::Popped(s)
        }
        Attempt::WrongType => Outcome::WrongType,
        // Lost cannot happen on a claim nobody else knows yet.
        Attempt::Empty | Attempt::Lost | Attempt::Registered => Outcome::Empty,
    }
}

fn served(payload: ReplyPayload) -> Outcome {
    match payload {
        ReplyPayload::Op(any) => match any.downcast::<Served>() {
            Ok(s) => Outcome::Popped(*s),
            Err(_) => Outcome::Empty,
        },
        ReplyPayload::Batch { .. } => Outcome::Empty,
    }
}

/// Removes this client's registrations (a served one is already gone: harmless).
async fn cancel_registrations(shard: &Rc<ShardCtx>, shards: &[usize], req_id: u64) {
    let origin = shard.id;
    for &owner in shards {
        shard
            .run_on(owner, move |s| {
                s.blocking
                    .remove(&mut s.keyspace.borrow_mut(), origin, req_id)
            })
            .await;
    }
}

/// Marks the client blocked (`Some`) or not, for CLIENT LIST/UNBLOCK and INFO.
pub fn set_blocked(c: &Client, b: Option<Rc<Blocked>>) {
    let mut info = c.handle.info.borrow_mut();
    info.flags.retain(|f| f != 'b');
    if b.is_some() {
        info.flags.push('b');
    }
    *c.handle.blocked.borrow_mut() = b;
}

/// Waits for the first of: the result, the deadline, the peer hanging up (or a CLIENT
/// KILL), CLIENT UNBLOCK. The connection reads nothing meanwhile (as Redis: commands
/// pipelined after a blocking one wait), but its socket's hang-up is still seen.
async fn wait(
    c: &Client,
    rx: &mut crate::server::oneshot::Receiver<ReplyPayload>,
    blocked: &Blocked,
    deadline: Option<Instant>,
) -> Wake {
    use futures_lite::future::or;
    let result = async { Wake::Result(rx.await) };
    let timer = async {
        match deadline {
            Some(d) => {
                glommio::timer::sleep(d.saturating_duration_since(Instant::now())).await;
                Wake::Timeout
            }
            None => std::future::pending().await,
        }
    };
    let io = c.io.clone();
    let gone = async {
        match &io {
            Some(io) => io.hung_up().await,
            None => std::future::pending().await,
        }
        Wake::Gone
    };
    let killed = async {
        c.handle.killed().await;
        Wake::Gone
    };
    let unblocked = async { Wake::Unblocked(blocked.unblocked().await) };
    or(result, or(unblocked, or(timer, or(gone, killed)))).await
}
