//! The commands that see every shard's part of a database: KEYS, SCAN, RANDOMKEY, DBSIZE,
//! FLUSHDB, FLUSHALL. They run at the coordinator and reach shards with `run_on`/`fanout`.
//!
//! SCAN's cursor names a shard and a position in that shard's table:
//! `(shard << 33) | pos`, where `pos` is a `Table::scan_segment` position in `[0, 2^32]`
//! (33 bits, `POS_END` = 2^32 meaning "this shard is done"). The walk visits shards in
//! order and each table's segments in hash order; segments only split, so a key present
//! for the whole scan is returned exactly once however the tables grow. "0" starts and
//! ends the walk, as in Redis.

use crate::commands::scan_args::{parse_cursor, parse_opts, ScanOpts};
use bytes::Bytes;

use super::super::{args, errors, glob};
use super::Fut;
use crate::server::client::Client;
use crate::server::persist;
use crate::server::shard::unix_ms;
use crate::storage::{Db, Keyspace, ValueRef, POS_END};

const POS_BITS: u32 = 33;
const POS_MASK: u64 = (1 << POS_BITS) - 1;

/// The type name TYPE reports for a live entry, or None for a missing/expired key.
fn type_of(db: &mut Db, key: &[u8], now: u64) -> Option<&'static str> {
    db.get(key, now).map(|e| match e.value() {
        ValueRef::Str(_) => "string",
        ValueRef::Obj(o) => o.type_name(),
    })
}

pub(super) fn keys(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let db = c.db;
        let pattern = a[1].clone();
        let parts = c
            .shard
            .fanout(move |s| {
                let now = unix_ms();
                let all = &pattern[..] == b"*";
                let ks = s.keyspace.borrow();
                // Like Redis, expired keys are skipped but not deleted here.
                ks.dbs[db]
                    .table()
                    .iter()
                    .filter(|e| !e.is_expired(now))
                    .filter(|e| all || glob::matches(&pattern, e.key(), false))
                    .map(|e| Bytes::copy_from_slice(e.key()))
                    .collect::<Vec<_>>()
            })
            .await;
        let mut out = c.reply();
        out.array(parts.iter().map(Vec::len).sum());
        for k in parts.iter().flatten() {
            out.bulk(k);
        }
    })
}

/// One shard's part of a SCAN call: visits segments from `pos` until about `want` keys
/// were seen (before filtering, as Redis counts) or at most `10 * want` segments, then
/// filters. Returns the keys, the next position (`POS_END` when the table is done) and how
/// many keys were seen before filtering.
fn scan_db(d: &mut Db, now: u64, pos: u64, want: usize, o: &ScanOpts) -> (Vec<Bytes>, u64, usize) {
    let mut seen: Vec<Bytes> = Vec::new();
    let mut pos = pos;
    let mut segments = 0;
    while pos < POS_END && seen.len() < want && segments < want.saturating_mul(10) {
        pos = d
            .table()
            .scan_segment(pos, |e| seen.push(Bytes::copy_from_slice(e.key())));
        segments += 1;
    }
    let visited = seen.len();
    seen.retain(|k| {
        if let Some(p) = &o.pattern {
            if !glob::matches(p, k, false) {
                return false;
            }
        }
        // Looking the key up deletes it when expired, as Redis's SCAN does.
        match type_of(d, k, now) {
            None => false,
            Some(t) => o
                .type_name
                .as_ref()
                .is_none_or(|want| want.eq_ignore_ascii_case(t.as_bytes())),
        }
    });
    (seen, pos, visited)
}

pub(super) fn scan(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let Some(cursor) = parse_cursor(&a[1]) else {
            return c.reply().error("ERR invalid cursor");
        };
        let opts = match parse_opts(&a, 2, true) {
            Ok(o) => o,
            Err(e) => return c.reply().error(e),
        };
        let db = c.db;
        let nshards = c.shard.nshards as u64;
        let (mut shard, mut pos) = (cursor >> POS_BITS, cursor & POS_MASK);
        let mut found: Vec<Bytes> = Vec::new();
        let mut seen = 0;
        // A cursor past the last shard (not one we handed out) ends the walk.
        while shard < nshards && seen < opts.count {
            let o = opts.clone();
            let want = opts.count - seen;
            let (keys, next, visited) = c
                .shard
                .run_on(shard as usize, move |s| {
                    let d = &mut s.keyspace.borrow_mut().dbs[db];
                    scan_db(d, unix_ms(), pos, want, &o)
                })
                .await;
            seen += visited;
            found.extend(keys);
            if next < POS_END {
                // The shard stopped early: enough keys, or its segment budget is spent
                // (Redis's `maxiterations`). At most one message per shard per call.
                pos = next;
                break;
            }
            shard += 1;
            pos = 0;
        }
        let next_cursor = if shard >= nshards {
            0
        } else {
            (shard << POS_BITS) | pos
        };
        let mut out = c.reply();
        out.array(2);
        out.bulk(next_cursor.to_string().as_bytes());
        out.array(found.len());
        for k in &found {
            out.bulk(k);
        }
    })
}

/// A random live key of one shard's db: random entries until a live one, deleting the
/// expired ones met, as Redis's `dbRandomKey` does; a bounded number of tries, then a walk.
fn random_live_key(ks: &mut Keyspace, db: usize, now: u64) -> Option<Bytes> {
    for _ in 0..100 {
        let r = ks.random();
        let d = &mut ks.dbs[db];
        let e = d.table().random_entry(r)?;
        if !e.is_expired(now) {
            return Some(Bytes::copy_from_slice(e.key()));
        }
        let key = e.key().to_vec();
        d.get(&key, now);
    }
    let found = ks.dbs[db]
        .table()
        .iter()
        .find(|e| !e.is_expired(now))
        .map(|e| Bytes::copy_from_slice(e.key()));
    found
}

pub(super) fn randomkey(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let db = c.db;
        let mut key = None;
        // A shard is picked with probability proportional to its keys; one that turns out
        // to hold only expired keys has them deleted, so the next round skips it.
        for _ in 0..8 {
            let sizes = c
                .shard
                .fanout(move |s| s.keyspace.borrow().dbs[db].len())
                .await;
            let total: usize = sizes.iter().sum();
            if total == 0 {
                break;
            }
            let mut r = (c.shard.keyspace.borrow_mut().random() % total as u64) as usize;
            let shard = sizes
                .iter()
                .position(|&n| {
                    if r < n {
                        return true;
                    }
                    r -= n;
                    false
                })
                .unwrap_or(0);
            key = c
                .shard
                .run_on(shard, move |s| {
                    random_live_key(&mut s.keyspace.borrow_mut(), db, unix_ms())
                })
                .await;
            if key.is_some() {
                break;
            }
        }
        match key {
            Some(k) => c.reply().bulk(&k),
            None => c.reply().null(),
        }
    })
}

pub(super) fn dbsize(c: &mut Client, _a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let db = c.db;
        let sizes = c
            .shard
            .fanout(move |s| s.keyspace.borrow().dbs[db].len())
            .await;
        c.reply().int(sizes.iter().sum::<usize>() as i64);
    })
}

/// FLUSHDB/FLUSHALL's optional ASYNC|SYNC (`getFlushCommandFlags`). Returns whether to
/// free in the background. The default is synchronous (lazyfree-lazy-user-flush no).
fn flush_mode(a: &[Bytes]) -> Result<bool, &'static str> {
    match a {
        [_] => Ok(false),
        [_, m] if args::eq(m, "sync") => Ok(false),
        [_, m] if args::eq(m, "async") => Ok(true),
        _ => Err(errors::SYNTAX),
    }
}

/// Empties the given dbs (all when None) on every shard. ASYNC frees the old tables on a
/// helper thread so a large flush does not stall the shard.
async fn flush(c: &mut Client, a: &[Bytes], only: Option<usize>) {
    let is_async = match flush_mode(a) {
        Ok(m) => m,
        Err(e) => return c.reply().error(e),
    };
    c.shard
        .fanout(move |s| {
            let mut ks = s.keyspace.borrow_mut();
            let hasher = ks.hasher();
            let old: Vec<_> = ks
                .dbs
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| only.is_none_or(|db| db == *i))
                .map(|(_, d)| d.clear(hasher.clone()))
                .collect();
            if is_async {
                std::thread::spawn(move || drop(old));
            }
        })
        .await;
    if only.is_none() && !persist::save_points(&c.shard.config().save).is_empty() {
        // Redis saves the now empty dataset when save points are set. This command holds
        // every shard's locks until it returns, so the save (which takes them too) runs
        // as its own task right after.
        let shard = c.shard.clone();
        glommio::spawn_local(async move {
            let _ = persist::save(&shard).await;
        })
        .detach();
    }
    c.reply().ok();
}

pub(super) fn flushdb(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let db = c.db;
        flush(c, &a, Some(db)).await
    })
}

pub(super) fn flushall(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move { flush(c, &a, None).await })
}

/// SWAPDB index1 index2: exchanges two databases on every shard, under every shard's
/// locks on both (taken by the dispatcher), so no client sees one shard swapped and
/// another not. Blocked clients then get served from keys the swap brought in.
pub(super) fn swapdb(c: &mut Client, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        let Some(first) = args::int(&a[1]).filter(|i| i32::try_from(*i).is_ok()) else {
            return c.reply().error("ERR invalid first DB index");
        };
        let Some(second) = args::int(&a[2]).filter(|i| i32::try_from(*i).is_ok()) else {
            return c.reply().error("ERR invalid second DB index");
        };
        let databases = c.shard.config().databases as i64;
        if !(0..databases).contains(&first) || !(0..databases).contains(&second) {
            return c.reply().error("ERR DB index is out of range");
        }
        let (x, y) = (first as usize, second as usize);
        if x != y {
            c.shard
                .fanout(move |s| {
                    let mut ks = s.keyspace.borrow_mut();
                    let (lo, hi) = (x.min(y), x.max(y));
                    let (head, tail) = ks.dbs.split_at_mut(hi);
                    head[lo].swap_data(&mut tail[0]);
                    head[lo].rescan_ready();
                    tail[0].rescan_ready();
                })
                .await;
        }
        c.reply().ok();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::words;
    use crate::storage::{Entry, NewValue};

    fn opts(count: usize) -> ScanOpts {
        ScanOpts {
            count,
            pattern: None,
            type_name: None,
        }
    }

    fn put(d: &mut Db, key: &str, ttl: Option<u64>) {
        d.insert(Entry::new(key.as_bytes(), NewValue::Str(b"v"), ttl));
    }

    #[test]
    fn scan_walk_survives_growth_and_skips_expired() {
        let mut ks = Keyspace::new(1, 42);
        let d = &mut ks.dbs[0];
        for i in 0..1000 {
            put(
                d,
                &format!("old{i}"),
                if i % 10 == 0 { Some(5) } else { None },
            );
        }
        let (mut pos, mut got, mut n) = (0, Vec::new(), 0);
        while pos < POS_END {
            let (keys, next, visited) = scan_db(d, 10, pos, 7, &opts(7));
            assert!(visited >= keys.len());
            got.extend(keys);
            pos = next;
            // Growth during the walk splits segments; the walk must not miss or repeat.
            for _ in 0..20 {
                put(d, &format!("new{n}"), None);
                n += 1;
            }
        }
        let old: Vec<_> = got.iter().filter(|k| k.starts_with(b"old")).collect();
        let unique: std::collections::HashSet<_> = old.iter().collect();
        assert_eq!(old.len(), 900);
        assert_eq!(unique.len(), 900);
        assert_eq!(
            d.expired_total, 100,
            "SCAN deletes the expired keys it meets"
        );
    }

    #[test]
    fn scan_filters_by_pattern_and_type() {
        let mut ks = Keyspace::new(1, 7);
        let d = &mut ks.dbs[0];
        for k in ["a1", "a2", "b1"] {
            put(d, k, None);
        }
        let mut o = opts(100);
        o.pattern = Some(Bytes::from_static(b"a*"));
        let (mut keys, next, visited) = scan_db(d, 0, 0, 100, &o);
        keys.sort();
        assert_eq!(
            (keys, next, visited),
            (vec!["a1".into(), "a2".into()], POS_END, 3)
        );
        o.type_name = Some(Bytes::from_static(b"hash"));
        assert!(scan_db(d, 0, 0, 100, &o).0.is_empty());
    }

    #[test]
    fn random_key_is_live() {
        let mut ks = Keyspace::new(1, 3);
        assert_eq!(random_live_key(&mut ks, 0, 0), None);
        for i in 0..300 {
            put(&mut ks.dbs[0], &format!("dead{i}"), Some(5));
        }
        put(&mut ks.dbs[0], "live", None);
        for _ in 0..20 {
            assert_eq!(random_live_key(&mut ks, 0, 10), Some("live".into()));
        }
        ks.dbs[0].remove(b"live", 10);
        assert_eq!(random_live_key(&mut ks, 0, 10), None);
    }

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"+12"), Some(12));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1x"), None);
        assert_eq!(parse_cursor(b"-"), None);
        assert_eq!(parse_cursor(b"abc"), None);
    }

    #[test]
    fn scan_options() {
        let o = parse_opts(
            &words(&["scan", "0", "COUNT", "5", "match", "*", "type", "x"]),
            2,
            true,
        )
        .unwrap();
        assert_eq!(
            (o.count, o.pattern, o.type_name),
            (5, None, Some("x".into()))
        );
        assert_eq!(
            parse_opts(&words(&["scan", "0", "count", "0"]), 2, true),
            Err(errors::SYNTAX)
        );
        assert_eq!(
            parse_opts(&words(&["scan", "0", "count", "x"]), 2, true),
            Err(errors::NOT_INTEGER)
        );
        assert_eq!(
            parse_opts(&words(&["scan", "0", "match"]), 2, true),
            Err(errors::SYNTAX)
        );
    }

    #[test]
    fn flush_modes() {
        assert_eq!(flush_mode(&words(&["flushdb"])), Ok(false));
        assert_eq!(flush_mode(&words(&["flushdb", "ASYNC"])), Ok(true));
        assert_eq!(flush_mode(&words(&["flushdb", "sync"])), Ok(false));
        assert_eq!(
            flush_mode(&words(&["flushdb", "sync", "async"])),
            Err(errors::SYNTAX)
        );
    }
}
