//! EXEC of plain commands across shards in one message per shard.
//!
//! When every queued command runs on one shard (a shard command, or a multi-key one
//! whose keys share a shard) and nothing is watched, the commands of each shard need
//! nothing from the other shards. So each shard gets one message that takes its locks
//! and runs its commands, in increasing shard order (the order [`super::acquire`] keeps);
//! the last shard lets go as soon as its commands ran, the others once every shard ran.
//! That is two-phase locking with the work done under the locks: the same argument as
//! the module's, with one round trip per remote shard instead of two.
//!
//! Replication: every shard returns its commands' records; they are appended as the
//! transaction's one record before any lock is released (the last shard keeps its locks
//! when it returned records: the usual one-way `Unlock` follows).

use bytes::{Bytes, BytesMut};

use super::{acquire_here, command_set, unlock, LockSet};
use crate::commands::{lookup, Run};
use crate::server::client::Client;
use crate::server::shard::{BatchItem, Capture, ReplyPayload};
use crate::server::slot::key_shard;

/// Runs `cmds` (each validated when queued, none a coordinator command) and appends
/// their replies, in queue order, to `out`.
pub async fn exec_per_shard(c: &mut Client, cmds: Vec<Vec<Bytes>>, out: &mut BytesMut) {
    let shard = c.shard.clone();
    let total = cmds.len();
    // Per shard: (queue index, command).
    let mut per_shard: Vec<Vec<(usize, BatchItem)>> =
        (0..shard.nshards).map(|_| Vec::new()).collect();
    for (i, args) in cmds.into_iter().enumerate() {
        let Some(spec) = lookup(&args[0]) else {
            continue;
        };
        let run = match spec.run {
            Run::Shard(f) | Run::Split(f, _) | Run::ShardOr(f, _) => f,
            // The plan sends transactions with coordinator commands elsewhere.
            Run::Coord(_) => continue,
        };
        let owner = spec
            .keys
            .positions(args.len())
            .next()
            .map_or(shard.id, |p| key_shard(&args[p], shard.nshards));
        let item = BatchItem {
            spec,
            run,
            db: c.db as u16,
            args,
        };
        per_shard[owner].push((i, item));
    }
    let tx = shard.txn.new_tx(shard.id);
    let last = per_shard.iter().rposition(|v| !v.is_empty());
    let mut replies: Vec<Vec<u8>> = vec![Vec::new(); total];
    let mut held = Vec::new();
    let capture = Capture::Return { own_as_flag: false };
    for (owner, mine) in per_shard.into_iter().enumerate() {
        if mine.is_empty() {
            continue;
        }
        let release = Some(owner) == last;
        let (indexes, items): (Vec<usize>, Vec<BatchItem>) = mine.into_iter().unzip();
        let payload = if owner == shard.id {
            let mut set = LockSet::default();
            for item in &items {
                set.keys
                    .extend(command_set(item.spec, &item.args, item.db as usize).keys);
            }
            set.normalize();
            acquire_here(&shard, tx, set).await;
            let mut payload = shard.run_items(items, c.resp3, capture);
            crate::metrics::claim_slow(&shard, c);
            if let ReplyPayload::Batch {
                repl: Some(repl), ..
            } = &mut payload
            {
                repl.held = release;
            }
            payload
        } else {
            let rx = shard
                .lock_batch(owner, tx, items, c.resp3, release, capture)
                .await;
            rx.await
        };
        let kept = match &payload {
            ReplyPayload::Batch {
                repl: Some(repl), ..
            } => {
                c.join_ops(&repl.ops);
                repl.held
            }
            _ => false,
        };
        if release && !kept {
            if owner == shard.id {
                unlock(&shard, tx);
            }
        } else {
            held.push(owner);
        }
        if let ReplyPayload::Batch { buf, ends, .. } = payload {
            let mut start = 0;
            for (k, end) in ends.iter().enumerate() {
                replies[indexes[k]] = buf[start..*end as usize].to_vec();
                start = *end as usize;
            }
        }
    }
    // The transaction's record, before any lock is released.
    c.flush_unit();
    for owner in held {
        if owner == shard.id {
            unlock(&shard, tx);
        } else {
            shard.unlock_remote(owner, tx).await;
        }
    }
    for r in replies {
        out.extend_from_slice(&r);
    }
}
