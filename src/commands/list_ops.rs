//! List commands that read, edit in place or trim (`t_list.c`): LLEN, LRANGE, LINDEX,
//! LSET, LINSERT, LREM, LTRIM, LPOS. Pushes and pops are in [`super::list`].

use bytes::Bytes;

use super::list::fill;
use super::typed::{self, WrongType};
use super::{args, errors, ExecCtx};
use crate::storage::list::List;

const OUT_OF_RANGE: &str = "ERR index out of range";
const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
const MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";

/// An index argument (Redis's `getLongFromObjectOrReply`).
fn index_arg(ctx: &mut ExecCtx, arg: &[u8]) -> Option<i64> {
    let n = args::int(arg);
    if n.is_none() {
        ctx.out.error(errors::NOT_INTEGER);
    }
    n
}

/// `start..=stop` (negative from the end) clamped to a list of `len`: the first index and
/// the count, or `None` when the range is empty (Redis's `addListRangeReply` rules).
pub fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut stop = if stop < 0 { len + stop } else { stop };
    start = start.max(0);
    if start > stop || start >= len {
        return None;
    }
    stop = stop.min(len - 1);
    Some((start as usize, (stop - start + 1) as usize))
}

/// An index (negative from the end) resolved against `len`.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 {
        index.checked_add(len as i64)?
    } else {
        index
    };
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

pub fn llen(ctx: &mut ExecCtx, a: &[Bytes]) {
    match typed::read::<List>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
        Ok(l) => ctx.out.int(l.map_or(0, List::len) as i64),
    }
}

pub fn lrange(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(start) = index_arg(ctx, &a[2]) else {
        return;
    };
    let Some(stop) = index_arg(ctx, &a[3]) else {
        return;
    };
    let list = match typed::read::<List>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.array(0),
        Ok(Some(l)) => l,
    };
    match clamp_range(start, stop, list.len()) {
        None => ctx.out.array(0),
        Some((first, count)) => {
            ctx.out.array(count);
            list.range(first, count).for_each(|e| ctx.out.bulk(e));
        }
    }
}

pub fn lindex(ctx: &mut ExecCtx, a: &[Bytes]) {
    let list = match typed::read::<List>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.null(),
        Ok(Some(l)) => l,
    };
    let Some(index) = args::int(&a[2]) else {
        return ctx.out.error(errors::NOT_INTEGER);
    };
    match resolve_index(index, list.len()).and_then(|i| list.get(i)) {
        Some(e) => ctx.out.bulk(e),
        None => ctx.out.null(),
    }
}

pub fn lset(ctx: &mut ExecCtx, a: &[Bytes]) {
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let mut list = match typed::write::<List>(&mut ctx.ks.dbs[ctx.db], &a[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.error(errors::NO_SUCH_KEY),
        Ok(Some(l)) => l,
    };
    let Some(index) = args::int(&a[2]) else {
        return ctx.out.error(errors::NOT_INTEGER);
    };
    let replaced = resolve_index(index, list.len()).is_some_and(|i| list.set(i, &a[3], fill));
    drop(list);
    if replaced {
        ctx.out.ok()
    } else {
        ctx.out.error(OUT_OF_RANGE)
    }
}

pub fn linsert(ctx: &mut ExecCtx, a: &[Bytes]) {
    let after = if args::eq(&a[2], "after") {
        true
    } else if args::eq(&a[2], "before") {
        false
    } else {
        return ctx.out.error(errors::SYNTAX);
    };
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let mut list = match typed::write::<List>(&mut ctx.ks.dbs[ctx.db], &a[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(l)) => l,
    };
    let reply = if list.insert_at_pivot(&a[3], &a[4], after, fill) {
        list.len() as i64
    } else {
        -1
    };
    drop(list);
    ctx.out.int(reply)
}

pub fn lrem(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(count) = index_arg(ctx, &a[2]) else {
        return;
    };
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let db = &mut ctx.ks.dbs[ctx.db];
    let mut list = match typed::write::<List>(db, &a[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(l)) => l,
    };
    let removed = list.remove_matching(&a[3], count, fill);
    let emptied = list.is_empty();
    drop(list);
    if emptied {
        typed::delete(db, &a[1], now);
    }
    ctx.out.int(removed as i64)
}

pub fn ltrim(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(start) = index_arg(ctx, &a[2]) else {
        return;
    };
    let Some(stop) = index_arg(ctx, &a[3]) else {
        return;
    };
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let db = &mut ctx.ks.dbs[ctx.db];
    let mut list = match typed::write::<List>(db, &a[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.ok(),
        Ok(Some(l)) => l,
    };
    let len = list.len();
    match clamp_range(start, stop, len) {
        Some((first, count)) => list.trim(first, first + count - 1, fill),
        None => list.trim(1, 0, fill),
    }
    if list.len() == len {
        // Redis's dirty is the number of elements trimmed: none, no propagation.
        ctx.prop.unchanged();
    }
    let emptied = list.is_empty();
    drop(list);
    if emptied {
        typed::delete(db, &a[1], now);
    }
    ctx.out.ok()
}

/// LPOS's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LposArgs {
    /// Which match to start from: 1 = first; negative searches from the tail.
    pub rank: i64,
    /// `None` without COUNT (reply one index); `Some(0)` = all matches.
    pub count: Option<u64>,
    /// Elements to scan at most; 0 = all.
    pub maxlen: u64,
}

/// Parses LPOS's options (after the element) with Redis's errors in its order.
pub fn parse_lpos(opts: &[Bytes]) -> Result<LposArgs, &'static str> {
    let mut o = LposArgs {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut j = 0;
    while j < opts.len() {
        let more = j + 1 < opts.len();
        let w = &opts[j];
        if args::eq(w, "rank") && more {
            o.rank = args::int(&opts[j + 1]).ok_or(errors::NOT_INTEGER)?;
            if o.rank == 0 {
                return Err(RANK_ZERO);
            }
        } else if args::eq(w, "count") && more {
            match args::int(&opts[j + 1]) {
                Some(n) if n >= 0 => o.count = Some(n as u64),
                _ => return Err(COUNT_NEGATIVE),
            }
        } else if args::eq(w, "maxlen") && more {
            match args::int(&opts[j + 1]) {
                Some(n) if n >= 0 => o.maxlen = n as u64,
                _ => return Err(MAXLEN_NEGATIVE),
            }
        } else {
            return Err(errors::SYNTAX);
        }
        j += 2;
    }
    Ok(o)
}

pub fn lpos(ctx: &mut ExecCtx, a: &[Bytes]) {
    let o = match parse_lpos(&a[3..]) {
        Ok(o) => o,
        Err(e) => return ctx.out.error(e),
    };
    let list = match typed::read::<List>(ctx.ks, ctx.db, &a[1], ctx.now_ms) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) if o.count.is_some() => return ctx.out.array(0),
        Ok(None) => return ctx.out.null(),
        Ok(Some(l)) => l,
    };
    let len = list.len();
    let scan = if o.maxlen == 0 {
        len
    } else {
        len.min(o.maxlen.min(usize::MAX as u64) as usize)
    };
    // Redis negates the rank in a C long: LONG_MIN stays negative, so every match counts
    // from the first one (as rank 1 from the tail).
    let rank = if o.rank == i64::MIN {
        1
    } else {
        o.rank.unsigned_abs()
    };
    let wanted = match o.count {
        None => 1,
        Some(0) => u64::MAX,
        Some(n) => n,
    };
    // Indexes as LINDEX counts them, whichever the direction of the scan.
    let mut found: Vec<usize> = Vec::new();
    let mut matches = 0u64;
    let mut consider = |i: usize, e: &[u8]| {
        if e == &a[2][..] {
            matches += 1;
            if matches >= rank {
                found.push(i);
                return (found.len() as u64) < wanted;
            }
        }
        true
    };
    if o.rank > 0 {
        for (i, e) in list.iter().take(scan).enumerate() {
            if !consider(i, e) {
                break;
            }
        }
    } else {
        for (k, e) in list.iter_rev().take(scan).enumerate() {
            if !consider(len - 1 - k, e) {
                break;
            }
        }
    }
    match o.count {
        Some(_) => {
            ctx.out.array(found.len());
            found.iter().for_each(|&i| ctx.out.int(i as i64));
        }
        None => match found.first() {
            Some(&i) => ctx.out.int(i as i64),
            None => ctx.out.null(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_like_redis() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 5)));
        assert_eq!(clamp_range(-100, 100, 5), Some((0, 5)));
        assert_eq!(clamp_range(3, 1, 5), None);
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 2)));
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 5), Some((0, 5)));
        assert_eq!(clamp_range(0, 0, 0), None);
        assert_eq!(resolve_index(-1, 3), Some(2));
        assert_eq!(resolve_index(-4, 3), None);
        assert_eq!(resolve_index(i64::MIN, 3), None);
        assert_eq!(resolve_index(3, 3), None);
    }
}
