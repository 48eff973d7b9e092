//! The master role's introspection and acknowledgement commands: ROLE and WAIT
//! (Redis 7.0's `roleCommand` and `waitCommand` in `replication.c`).
//!
//! Both read [`crate::replication::state::MasterState`], which the replication core keeps
//! up to date (replicas, their states and ACK offsets), and the replication log's offset.
//!
//! WAIT blocks the connection task on a short poll of the replicas' ACK offsets rather
//! than on a wake-up from the core: ACKs arrive on the core's thread about once a second
//! (or right after the `REPLCONF GETACK *` WAIT asks for), and a few-millisecond poll of
//! one mutex-protected list per waiting client costs nothing measurable while adding at
//! most one poll period to WAIT's latency. The wait ends on enough ACKs, the timeout,
//! CLIENT UNBLOCK (TIMEOUT: the count; ERROR: `-UNBLOCKED`), or the client going away.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::flag::*;
use super::{args, errors, CommandSpec, KeyRange, Run};
use crate::replication::state::ReplicaState;
use crate::server::blocking::{set_blocked, Blocked, Unblock};
use crate::server::client::Client;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "role",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST,
        keys: KeyRange::NONE,
        run: Run::Coord(role),
    },
    CommandSpec {
        name: "wait",
        arity: 3,
        flags: NOSCRIPT,
        keys: KeyRange::NONE,
        run: Run::Coord(wait),
    },
];

type Fut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// How often a blocked WAIT looks at the replicas' ACK offsets.
const POLL: Duration = Duration::from_millis(5);

const WAIT_ON_REPLICA: &str = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.";

const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// ROLE on a master: `["master", master_repl_offset, [[ip, port, ack_offset]...]]`, the
/// replicas' fields as bulk strings, only replicas that are online.
/// On a replica: `["slave", master_host, master_port, link state, offset]`, the offset
/// -1 while no master link streams (Redis's `server.master->reploff`).
fn role(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let g = c.shard.global.clone();
        if g.replica.is_replica() {
            let link = g.replica.info();
            let (host, port) = link.master.map(|m| (m.host, m.port)).unwrap_or_default();
            let offset = if g.replica.link_up.load(std::sync::atomic::Ordering::Acquire) {
                g.replica
                    .applied_offset
                    .load(std::sync::atomic::Ordering::Acquire) as i64
            } else {
                -1
            };
            let mut r = c.reply();
            r.array(5);
            r.bulk(b"slave");
            r.bulk(host.as_bytes());
            r.int(port as i64);
            r.bulk(link.state.name().as_bytes());
            r.int(offset);
            return;
        }
        let offset = g.repl_log.offset();
        let online: Vec<_> = g
            .repl
            .replicas()
            .into_iter()
            .filter(|r| r.state() == ReplicaState::Online)
            .collect();
        let mut r = c.reply();
        r.array(3);
        r.bulk(b"master");
        r.int(offset as i64);
        r.array(online.len());
        for rep in &online {
            let ack = rep.ack_offset.load(std::sync::atomic::Ordering::Acquire);
            r.array(3);
            r.bulk(rep.ip.as_bytes());
            r.bulk(rep.port.to_string().as_bytes());
            r.bulk(ack.to_string().as_bytes());
        }
    })
}

/// WAIT numreplicas timeout: how many online replicas acknowledged this client's last
/// write (`woff`); blocks until at least `numreplicas` did, or `timeout` ms passed (0:
/// forever). Inside EXEC it never blocks (Redis's `CLIENT_MULTI` check).
fn wait(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        if c.shard.global.replica.is_replica() {
            // A replica's own writes are not propagated: nothing to wait for.
            return c.reply().error(WAIT_ON_REPLICA);
        }
        let Some(wanted) = args::int(&a[1]) else {
            return c.reply().error(errors::NOT_INTEGER);
        };
        let timeout_ms = match args::int(&a[2]) {
            None => {
                return c
                    .reply()
                    .error("ERR timeout is not an integer or out of range")
            }
            Some(t) if t < 0 => return c.reply().error("ERR timeout is negative"),
            Some(t) => t as u64,
        };
        let g = c.shard.global.clone();
        let woff = c.woff;
        let acked = g.repl.acked(woff);
        if acked as i64 >= wanted || c.multi.executing() {
            return c.reply().int(acked as i64);
        }
        // Redis adds the timeout to the clock without a range check: one past what the
        // clock can hold wraps negative there and times out at once; so does ours.
        let deadline = (timeout_ms > 0).then(|| {
            Instant::now()
                .checked_add(Duration::from_millis(timeout_ms))
                .unwrap_or_else(Instant::now)
        });
        let blocked = Blocked::new(deadline.is_some());
        set_blocked(c, Some(blocked.clone()));
        // Ask the replicas for an ACK now rather than at their next periodic one.
        g.repl
            .getack_wanted
            .store(true, std::sync::atomic::Ordering::Release);
        let blocked_at = Instant::now();
        let end = wait_acks(c, &blocked, woff, wanted, deadline).await;
        c.blocked_ns += blocked_at.elapsed().as_nanos() as u64;
        set_blocked(c, None);
        match end {
            End::Acked(n) => c.reply().int(n as i64),
            End::Unblocked(Unblock::Timeout) => c.reply().int(g.repl.acked(woff) as i64),
            End::Unblocked(Unblock::Error) => c.reply().error(UNBLOCKED),
            End::Gone => c.close_after_reply = true,
        }
    })
}

enum End {
    /// Enough ACKs (the count), or the timeout passed (the count then).
    Acked(usize),
    Unblocked(Unblock),
    Gone,
}

/// Polls the ACK count until it reaches `wanted`, the deadline passes, CLIENT UNBLOCK
/// ends the wait, or the client hangs up / is killed.
async fn wait_acks(
    c: &Client,
    blocked: &Blocked,
    woff: u64,
    wanted: i64,
    deadline: Option<Instant>,
) -> End {
    use futures_lite::future::or;
    let repl = &c.shard.global.repl;
    loop {
        let acked = repl.acked(woff);
        let timed_out = deadline.is_some_and(|d| Instant::now() >= d);
        if acked as i64 >= wanted || timed_out {
            // The claim decides between us and a CLIENT UNBLOCK that already ran.
            if blocked.claim.try_cancel() {
                return End::Acked(acked);
            }
            return End::Unblocked(blocked.unblocked().await);
        }
        let nap = match deadline {
            Some(d) => POLL.min(d.saturating_duration_since(Instant::now())),
            None => POLL,
        };
        let tick = async {
            glommio::timer::sleep(nap).await;
            None
        };
        let unblocked = async { Some(End::Unblocked(blocked.unblocked().await)) };
        let io = c.io.clone();
        let gone = async {
            match &io {
                Some(io) => io.hung_up().await,
                None => std::future::pending().await,
            }
            Some(End::Gone)
        };
        let killed = async {
            c.handle.killed().await;
            Some(End::Gone)
        };
        if let Some(end) = or(unblocked, or(tick, or(gone, killed))).await {
            if matches!(end, End::Gone) {
                blocked.claim.try_cancel();
            }
            return end;
        }
    }
}
