//! RENAME, RENAMENX, COPY and MOVE: a value changes key or database, keeping its TTL.
//!
//! When both keys live on one shard the command runs there like any other. When they
//! live on two shards the coordinator runs it in steps with `run_on`: it takes the entry
//! out of (or copies it from) the source shard, and the entry itself (an owned, `Send`
//! block) travels in the closure's result to the destination shard's closure. The
//! dispatcher holds [`crate::server::txn`] locks on both keys across the steps, so no
//! client sees the key in both places or in neither.

use bytes::Bytes;

use super::super::{args, errors, ExecCtx};
use super::{dup_entry, parse_db, read_lookup, rekey, Fut, SAME_OBJECT};
use crate::server::client::Client;
use crate::server::slot::key_shard;
use crate::storage::Entry;

fn rename_generic(ctx: &mut ExecCtx, a: &[Bytes], nx: bool) {
    let now = ctx.now_ms;
    let (from, to) = (&a[1], &a[2]);
    let db = ctx.db();
    if !db.contains(from, now) {
        return ctx.out.error(errors::NO_SUCH_KEY);
    }
    if from == to {
        return if nx { ctx.out.int(0) } else { ctx.out.ok() };
    }
    if nx && db.contains(to, now) {
        return ctx.out.int(0);
    }
    let e = db.remove(from, now).expect("checked above");
    // A destination that had expired goes out as DEL first (Redis's lookupKeyWrite).
    db.insert_at(rekey(e, to), now);
    if nx {
        ctx.out.int(1)
    } else {
        ctx.out.ok()
    }
}

pub(super) fn rename(ctx: &mut ExecCtx, a: &[Bytes]) {
    rename_generic(ctx, a, false);
}

pub(super) fn renamenx(ctx: &mut ExecCtx, a: &[Bytes]) {
    rename_generic(ctx, a, true);
}

/// What the source shard answers for a cross-shard rename.
enum Taken {
    NoKey,
    /// RENAMENX and the destination exists: nothing moved.
    Kept,
    Moved(Entry),
}

/// RENAME/RENAMENX with the two keys on different shards: (NX only) ask whether the
/// destination exists, take the entry out of the source shard, insert it under the new
/// key on the destination shard. Should the destination appear meanwhile (NX), the entry
/// goes back.
fn rename_across_generic(c: &mut Client, a: Vec<Bytes>, nx: bool) -> Fut<'_> {
    Box::pin(async move {
        let db = c.db;
        let n = c.shard.nshards;
        let (from, to) = (a[1].clone(), a[2].clone());
        let (src, dst) = (key_shard(&from, n), key_shard(&to, n));
        let dst_exists = if nx {
            let to = to.clone();
            c.shard
                .run_on(dst, move |s| {
                    let now = crate::server::shard::unix_ms();
                    s.keyspace.borrow_mut().dbs[db].contains(&to, now)
                })
                .await
        } else {
            false
        };
        let from2 = from.clone();
        let taken = c
            .shard
            .run_on(src, move |s| {
                let now = crate::server::shard::unix_ms();
                let d = &mut s.keyspace.borrow_mut().dbs[db];
                if !d.contains(&from2, now) {
                    Taken::NoKey
                } else if dst_exists {
                    Taken::Kept
                } else {
                    Taken::Moved(d.remove(&from2, now).expect("checked above"))
                }
            })
            .await;
        let e = match taken {
            Taken::NoKey => return c.reply().error(errors::NO_SUCH_KEY),
            Taken::Kept => return c.reply().int(0),
            Taken::Moved(e) => e,
        };
        let refused = c
            .shard
            .run_on(dst, move |s| {
                let now = crate::server::shard::unix_ms();
                let d = &mut s.keyspace.borrow_mut().dbs[db];
                if nx && d.contains(&to, now) {
                    return Some(e);
                }
                d.insert_at(rekey(e, &to), now);
                None
            })
            .await;
        if let Some(e) = refused {
            c.shard
                .run_on(src, move |s| {
                    s.keyspace.borrow_mut().dbs[db].insert(e);
                })
                .await;
            return c.reply().int(0);
        }
        if nx {
            c.reply().int(1)
        } else {
            c.reply().ok()
        }
    })
}

pub(super) fn rename_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    rename_across_generic(c, a, false)
}

pub(super) fn renamenx_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    rename_across_generic(c, a, true)
}

/// COPY's options: the destination db and REPLACE.
fn parse_copy(a: &[Bytes], db: usize, databases: usize) -> Result<(usize, bool), &'static str> {
    let (mut dst, mut replace) = (db, false);
    let mut i = 3;
    while i < a.len() {
        if args::eq(&a[i], "replace") {
            replace = true;
        } else if args::eq(&a[i], "db") && i + 1 < a.len() {
            dst = parse_db(&a[i + 1], databases)?;
            i += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        i += 1;
    }
    if dst == db && a[1] == a[2] {
        return Err(SAME_OBJECT);
    }
    Ok((dst, replace))
}

pub(super) fn copy(ctx: &mut ExecCtx, a: &[Bytes]) {
    let (dst, replace) = match parse_copy(a, ctx.db, ctx.ks.dbs.len()) {
        Ok(p) => p,
        Err(e) => return ctx.out.error(e),
    };
    let Some(fresh) = read_lookup(ctx, &a[1]).map(|e| dup_entry(e, &a[2])) else {
        return ctx.out.int(0);
    };
    let now = ctx.now_ms;
    let d = &mut ctx.ks.dbs[dst];
    if d.contains(&a[2], now) && !replace {
        return ctx.out.int(0);
    }
    d.insert(fresh);
    ctx.out.int(1);
}

/// COPY with the two keys on different shards: copy the entry out of the source shard,
/// insert it on the destination shard.
pub(super) fn copy_across(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let databases = c.shard.keyspace.borrow().dbs.len();
        let db = c.db;
        let (dst_db, replace) = match parse_copy(&a, db, databases) {
            Ok(p) => p,
            Err(e) => return c.reply().error(e),
        };
        let n = c.shard.nshards;
        let (from, to) = (a[1].clone(), a[2].clone());
        let (src, dst) = (key_shard(&from, n), key_shard(&to, n));
        let to2 = to.clone();
        let copied = c
            .shard
            .run_on(src, move |s| {
                let now = crate::server::shard::unix_ms();
                let mut ks = s.keyspace.borrow_mut();
                let e = ks.dbs[db].get(&from, now).map(|e| dup_entry(e, &to2));
                if e.is_some() {
                    ks.hits += 1;
                } else {
                    ks.misses += 1;
                }
                e
            })
            .await;
        let Some(e) = copied else {
            return c.reply().int(0);
        };
        let done = c
            .shard
            .run_on(dst, move |s| {
                let now = crate::server::shard::unix_ms();
                let d = &mut s.keyspace.borrow_mut().dbs[dst_db];
                if d.contains(&to, now) && !replace {
                    return false;
                }
                d.insert(e);
                true
            })
            .await;
        c.reply().int(done as i64);
    })
}

/// MOVE: the key keeps its name, so it stays on its shard; only the database changes.
pub(super) fn move_cmd(ctx: &mut ExecCtx, a: &[Bytes]) {
    let dst = match parse_db(&a[2], ctx.ks.dbs.len()) {
        Ok(d) => d,
        Err(e) => return ctx.out.error(e),
    };
    if dst == ctx.db {
        return ctx.out.error(SAME_OBJECT);
    }
    let now = ctx.now_ms;
    if !ctx.db().contains(&a[1], now) || ctx.ks.dbs[dst].contains(&a[1], now) {
        return ctx.out.int(0);
    }
    let e = ctx.db().remove(&a[1], now).expect("checked above");
    ctx.ks.dbs[dst].insert(e);
    ctx.out.int(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;

    #[test]
    fn copy_options() {
        assert_eq!(
            parse_copy(&words(&["copy", "a", "b"]), 0, 16),
            Ok((0, false))
        );
        assert_eq!(
            parse_copy(&words(&["copy", "a", "b", "DB", "3", "replace"]), 0, 16),
            Ok((3, true))
        );
        assert_eq!(
            parse_copy(&words(&["copy", "a", "a"]), 2, 16),
            Err(SAME_OBJECT)
        );
        assert_eq!(
            parse_copy(&words(&["copy", "a", "a", "db", "2"]), 2, 16),
            Err(SAME_OBJECT)
        );
        assert_eq!(
            parse_copy(&words(&["copy", "a", "a", "db", "1"]), 2, 16),
            Ok((1, false))
        );
        assert_eq!(
            parse_copy(&words(&["copy", "a", "b", "db"]), 0, 16),
            Err(errors::SYNTAX)
        );
        assert_eq!(
            parse_copy(&words(&["copy", "a", "b", "db", "16"]), 0, 16),
            Err(errors::INVALID_DB)
        );
    }
}
