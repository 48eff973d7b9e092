//! Whole collections across shards, for multi-key commands whose keys live on several
//! shards (SINTER, SUNIONSTORE, SDIFF, SINTERCARD here; ZUNION, ZINTER, ZDIFF and their
//! STORE forms in the sorted-set family).
//!
//! ```text
//!   coordinator                         owner shards
//!   fetch(keys) ── one run_on per shard, with that shard's keys ──> look up + type check,
//!               <── copies of the values (or WRONGTYPE) ───────────  clone what `pick` takes
//!   compute the result here
//!   store(dst, value) ── run_on(dst's shard) ──> replace the key (delete it when empty)
//! ```
//!
//! `fetch` is generic over what it copies out: `pick` maps a stored [`Object`] to a value
//! of the caller's type, or `None` for a wrong type. [`copy_of`] is the usual pick for one
//! collection type (`copy_of::<Set>`); a caller accepting several types (ZUNION reads sets
//! and sorted sets) passes its own function returning an enum.
//!
//! Atomic across shards: the dispatcher holds [`crate::server::txn`] locks on every key
//! from before the fetch to after the store, and these messages pass them. When every key
//! is on one shard, commands run there as one ordinary shard command instead
//! (`Run::ShardOr`).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;

use super::typed::{self, Kind, WrongType};
use crate::server::shard::{unix_ms, ShardCtx};
use crate::server::slot::key_shard;
use crate::storage::{EncodingLimits, Object, ValueRef};

/// Copies a value of the wanted type out of an object; `None` means a wrong type.
pub type Pick<T> = fn(&Object) -> Option<T>;

/// The pick for one collection type: a clone of it (the clone keeps the encoding).
pub fn copy_of<T: Kind + Clone>(o: &Object) -> Option<T> {
    T::of(o).cloned()
}

/// The shard owning every one of `keys`, if they are all on one shard.
pub fn one_shard(nshards: usize, keys: &[Bytes]) -> Option<usize> {
    let first = key_shard(keys.first()?, nshards);
    keys.iter()
        .all(|k| key_shard(k, nshards) == first)
        .then_some(first)
}

/// The encoding thresholds as the config says now (a coordinator builds result values
/// with them; a shard's `ks.limits` is refreshed only when it runs a command).
pub fn limits(shard: &ShardCtx) -> EncodingLimits {
    shard.config().encoding
}

/// Copies of the values at `keys` in database `db`, in argument order (`None` for a
/// missing key), fetched with one message per owner shard. Every lookup counts a
/// keyspace hit or miss, as Redis's `lookupKeyRead` does. If any key holds a value
/// `pick` refuses, the result is `Err(WrongType)`: the error Redis replies for the first
/// such key in argument order, after which nothing is copied on that key's shard.
pub async fn fetch<T: Send + 'static>(
    shard: &ShardCtx,
    db: usize,
    keys: &[Bytes],
    pick: Pick<T>,
) -> Result<Vec<Option<T>>, WrongType> {
    let n = shard.nshards;
    // Each owner's keys with their argument positions, in argument order.
    let mut parts: Vec<(usize, Vec<(usize, Bytes)>)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let s = key_shard(k, n);
        match parts.iter_mut().find(|(owner, _)| *owner == s) {
            Some((_, ks)) => ks.push((i, k.clone())),
            None => parts.push((s, vec![(i, k.clone())])),
        }
    }
    let calls = parts.into_iter().map(|(owner, mine)| {
        shard.run_on(owner, move |s: &ShardCtx| {
            let now = unix_ms();
            let mut ks = s.keyspace.borrow_mut();
            let mut got = Vec::with_capacity(mine.len());
            for (i, key) in mine {
                let value = match ks.dbs[db].get(&key, now) {
                    None => None,
                    Some(e) => match e.value() {
                        ValueRef::Obj(o) => match pick(o) {
                            Some(v) => Some(v),
                            None => {
                                ks.hits += 1;
                                got.push((i, Err(WrongType)));
                                break;
                            }
                        },
                        ValueRef::Str(_) => {
                            ks.hits += 1;
                            got.push((i, Err(WrongType)));
                            break;
                        }
                    },
                };
                if value.is_some() {
                    ks.hits += 1;
                } else {
                    ks.misses += 1;
                }
                got.push((i, Ok(value)));
            }
            got
        })
    });
    let answers = join_all(calls.collect()).await;
    let mut values: Vec<Option<Result<Option<T>, WrongType>>> =
        (0..keys.len()).map(|_| None).collect();
    for (i, v) in answers.into_iter().flatten() {
        values[i] = Some(v);
    }
    // A key after a wrong-typed one on its shard was not looked at: stop at the first
    // error in argument order, before reaching it.
    values
        .into_iter()
        .map(|v| v.unwrap_or(Err(WrongType)))
        .collect()
}

/// Type checks of `keys` on their shards without copying anything (SMOVE's destination,
/// a STORE's sources when only their types matter): `Err(WrongType)` if any key holds a
/// value `is_kind` refuses. No hit/miss counting (Redis's `lookupKeyWrite`).
pub async fn check_types(
    shard: &ShardCtx,
    db: usize,
    keys: &[Bytes],
    is_kind: fn(&Object) -> bool,
) -> Result<(), WrongType> {
    let n = shard.nshards;
    let calls = keys.iter().map(|k| {
        let key = k.clone();
        shard.run_on(key_shard(k, n), move |s: &ShardCtx| {
            let mut ks = s.keyspace.borrow_mut();
            match ks.dbs[db].get(&key, unix_ms()).map(|e| e.value()) {
                None => true,
                Some(ValueRef::Obj(o)) => is_kind(o),
                Some(ValueRef::Str(_)) => false,
            }
        })
    });
    let ok = join_all(calls.collect()).await;
    if ok.into_iter().all(|k| k) {
        Ok(())
    } else {
        Err(WrongType)
    }
}

/// Writes `value` at `key` on its shard, replacing whatever was there (type and TTL
/// included), or deletes the key when `len` is 0 (the STORE variants). Returns whether
/// that changed anything (false: an empty result and no destination to delete, which
/// Redis does not propagate).
pub async fn store<T: Kind + Send + 'static>(
    shard: &ShardCtx,
    db: usize,
    key: Bytes,
    value: T,
    len: usize,
) -> bool {
    let owner = key_shard(&key, shard.nshards);
    shard
        .run_on(owner, move |s: &ShardCtx| {
            let mut ks = s.keyspace.borrow_mut();
            let before = ks.dbs[db].changes;
            typed::store(&mut ks.dbs[db], &key, unix_ms(), value, len);
            ks.dbs[db].changes != before
        })
        .await
}

/// Polls every future until all are done; results in input order. Lets the messages to
/// several shards be in flight at once.
pub async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = (0..futs.len()).map(|_| None).collect();
    futures_lite::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter()
        .map(|v| v.expect("every future finished"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shard_of_keys() {
        let keys: Vec<Bytes> = ["{t}a", "{t}b", "x{t}"]
            .iter()
            .map(|k| Bytes::copy_from_slice(k.as_bytes()))
            .collect();
        assert_eq!(one_shard(1, &keys), Some(0));
        assert_eq!(one_shard(4, &keys[..2]), Some(key_shard(b"{t}", 4)));
        assert_eq!(one_shard(4, &[]), None);
    }

    #[test]
    fn join_all_keeps_order() {
        let out = futures_lite::future::block_on(join_all(vec![
            Box::pin(async { 1 }) as Pin<Box<dyn Future<Output = i32>>>,
            Box::pin(async {
                futures_lite::future::yield_now().await;
                2
            }),
        ]));
        assert_eq!(out, vec![1, 2]);
    }
}
