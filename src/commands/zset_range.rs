//! Sorted-set ranges: by rank, by score (`(` exclusive, `-inf`/`+inf`) and by member
//! (`[` / `(` / `-` / `+`), for ZRANGE and its older forms, ZRANGESTORE, ZCOUNT,
//! ZLEXCOUNT and ZREMRANGEBY*.
//!
//! A bound becomes a rank through [`ZSet::count_while`]: the members below the minimum are
//! a prefix of the order, and so are the members up to the maximum. A range query then
//! walks from the first rank in range (or the last, reversed) while members stay in range,
//! as `t_zset.c` walks its skiplist, with LIMIT's offset skipped before the range check.

use bytes::Bytes;

use super::zset::{pair, read};
use super::{args, errors, ExecCtx};
use crate::protocol::Reply;
use crate::storage::zset::ZSet;
use crate::storage::EncodingLimits;

pub(super) const NOT_FLOAT_RANGE: &str = "ERR min or max is not a float";
pub(super) const NOT_LEX_RANGE: &str = "ERR min or max not valid string range item";

/// A range's test of a member: above the minimum, below the maximum.
pub(super) trait Bounds {
    fn gte_min(&self, member: &[u8], score: f64) -> bool;
    fn lte_max(&self, member: &[u8], score: f64) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ScoreRange {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

/// One score bound (`zslParseRange`): strtod over the text after an optional `(`; no range
/// check, NaN refused.
fn score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let (ex, text) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let (v, _) = strtod(text)?;
    (!v.is_nan()).then_some((v, ex))
}

impl ScoreRange {
    pub(super) fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let (min, minex) = score_bound(min)?;
        let (max, maxex) = score_bound(max)?;
        Some(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }
}

impl Bounds for ScoreRange {
    fn gte_min(&self, _: &[u8], s: f64) -> bool {
        if self.minex {
            s > self.min
        } else {
            s >= self.min
        }
    }
    fn lte_max(&self, _: &[u8], s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum LexEnd {
    Lowest,
    Highest,
    Value(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct LexRange {
    min: LexEnd,
    max: LexEnd,
    minex: bool,
    maxex: bool,
}

/// One lex bound (`zslParseLexRangeItem`).
fn lex_bound(arg: &[u8]) -> Option<(LexEnd, bool)> {
    match arg.first()? {
        b'+' if arg.len() == 1 => Some((LexEnd::Highest, true)),
        b'-' if arg.len() == 1 => Some((LexEnd::Lowest, true)),
        b'(' => Some((LexEnd::Value(arg[1..].to_vec()), true)),
        b'[' => Some((LexEnd::Value(arg[1..].to_vec()), false)),
        _ => None,
    }
}

/// A member against a bound (`sdscmplex`; a member is never the `-`/`+` sentinel).
fn lex_cmp(m: &[u8], b: &LexEnd) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match b {
        LexEnd::Lowest => Greater,
        LexEnd::Highest => Less,
        LexEnd::Value(v) => m.cmp(v),
    }
}

impl LexRange {
    pub(super) fn parse(min: &[u8], max: &[u8]) -> Option<LexRange> {
        let (min, minex) = lex_bound(min)?;
        let (max, maxex) = lex_bound(max)?;
        Some(LexRange {
            min,
            max,
            minex,
            maxex,
        })
    }
}

impl Bounds for LexRange {
    fn gte_min(&self, m: &[u8], _: f64) -> bool {
        let c = lex_cmp(m, &self.min);
        if self.minex {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }
    fn lte_max(&self, m: &[u8], _: f64) -> bool {
        let c = lex_cmp(m, &self.max);
        if self.maxex {
            c.is_lt()
        } else {
            c.is_le()
        }
    }
}

/// The members in range, from the lowest (or the greatest when `reverse`), after skipping
/// `offset` of them, at most `limit` (negative: all). A negative offset selects nothing,
/// as Redis's skip loop runs off the end.
pub(super) fn select<'a, B: Bounds>(
    z: &'a ZSet,
    b: &B,
    reverse: bool,
    offset: i64,
    limit: i64,
) -> Vec<(&'a [u8], f64)> {
    let mut found = Vec::new();
    if offset < 0 || offset as u64 >= z.len() as u64 || limit == 0 {
        return found;
    }
    let skip = if reverse {
        z.len() - z.count_while(|m, s| b.lte_max(m, s))
    } else {
        z.count_while(|m, s| !b.gte_min(m, s))
    };
    let mut left = limit;
    z.visit(skip + offset as usize, reverse, |m, s| {
        let inside = if reverse {
            b.gte_min(m, s)
        } else {
            b.lte_max(m, s)
        };
        if !inside {
            return false;
        }
        found.push((m, s));
        left -= 1;
        left != 0
    });
    found
}

/// Z[REV]RANGE's `start stop` made absolute: the ranks (from the chosen end) to return,
/// or None when empty.
pub(super) fn rank_span(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Debug, Clone, PartialEq)]
enum Spec {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// A parsed ZRANGE-family request.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RangeQuery {
    spec: Spec,
    reverse: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
}

/// `zrangeGenericCommand`'s parsing: `a[at]` is the source key, then min, max, options.
fn parse_query(
    a: &[Bytes],
    at: usize,
    store: bool,
    mut by: By,
    mut reverse: Option<bool>,
) -> Result<RangeQuery, &'static str> {
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = at + 3;
    while j < a.len() {
        let left = a.len() - j - 1;
        let o = &a[j];
        if !store && args::eq(o, "withscores") {
            withscores = true;
        } else if args::eq(o, "limit") && left >= 2 {
            offset = args::int(&a[j + 1]).ok_or(errors::NOT_INTEGER)?;
            limit = args::int(&a[j + 2]).ok_or(errors::NOT_INTEGER)?;
            j += 2;
        } else if reverse.is_none() && args::eq(o, "rev") {
            reverse = Some(true);
        } else if by == By::Auto && args::eq(o, "bylex") {
            by = By::Lex;
        } else if by == By::Auto && args::eq(o, "byscore") {
            by = By::Score;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    let reverse = reverse.unwrap_or(false);
    if by == By::Auto {
        by = By::Rank;
    }
    if limit != -1 && by == By::Rank {
        return Err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && by == By::Lex {
        return Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let (mut lo, mut hi) = (&a[at + 1], &a[at + 2]);
    if reverse && by != By::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let spec = match by {
        By::Score => Spec::Score(ScoreRange::parse(lo, hi).ok_or(NOT_FLOAT_RANGE)?),
        By::Lex => Spec::Lex(LexRange::parse(lo, hi).ok_or(NOT_LEX_RANGE)?),
        _ => {
            let start = args::int(lo).ok_or(errors::NOT_INTEGER)?;
            let end = args::int(hi).ok_or(errors::NOT_INTEGER)?;
            Spec::Rank(start, end)
        }
    };
    Ok(RangeQuery {
        spec,
        reverse,
        withscores,
        offset,
        limit,
    })
}

/// The members a query selects, in reply order.
fn run_query<'a>(z: &'a ZSet, q: &RangeQuery) -> Vec<(&'a [u8], f64)> {
    match &q.spec {
        Spec::Rank(start, end) => {
            let Some((start, end)) = rank_span(z.len(), *start, *end) else {
                return Vec::new();
            };
            let mut found = Vec::with_capacity(end - start + 1);
            z.visit(start, q.reverse, |m, s| {
                found.push((m, s));
                found.len() < end - start + 1
            });
            found
        }
        Spec::Score(r) => select(z, r, q.reverse, q.offset, q.limit),
        Spec::Lex(r) => select(z, r, q.reverse, q.offset, q.limit),
    }
}

fn reply_members(out: &mut Reply, found: &[(&[u8], f64)], withscores: bool) {
    let nested = withscores && out.resp3;
    out.array(if withscores && !out.resp3 {
        2 * found.len()
    } else {
        found.len()
    });
    for &(m, s) in found {
        if withscores {
            pair(out, m, s, nested);
        } else {
            out.bulk(m);
        }
    }
}

fn zrange_generic(ctx: &mut ExecCtx, a: &[Bytes], by: By, reverse: Option<bool>) {
    let q = match parse_query(a, 1, false, by, reverse) {
        Ok(q) => q,
        Err(e) => return ctx.out.error(e),
    };
    let z = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.array(0),
        Ok(Some(z)) => z,
    };
    let found = run_query(z, &q);
    reply_members(&mut ctx.out, &found, q.withscores);
}

pub fn zrange(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrange_generic(ctx, a, By::Auto, None)
}

pub fn zrevrange(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrange_generic(ctx, a, By::Rank, Some(true))
}

pub fn zrangebyscore(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrange_generic(ctx, a, By::Score, Some(false))
}

pub fn zrevrangebyscore(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrange_generic(ctx, a, By::Score, Some(true))
}

pub fn zrangebylex(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrange_generic(ctx, a, By::Lex, Some(false))
}

pub fn zrevrangebylex(ctx: &mut ExecCtx, a: &[Bytes]) {
    zrange_generic(ctx, a, By::Lex, Some(true))
}

/// ZRANGESTORE's parsing, for the cross-shard coordinator too.
pub(super) fn parse_rangestore(a: &[Bytes]) -> Result<RangeQuery, &'static str> {
    parse_query(a, 2, true, By::Auto, None)
}

/// The pairs ZRANGESTORE stores from `z`.
pub(super) fn rangestore_pairs(z: &ZSet, q: &RangeQuery) -> Vec<(Vec<u8>, f64)> {
    run_query(z, q)
        .into_iter()
        .map(|(m, s)| (m.to_vec(), s))
        .collect()
}

/// The set ZRANGESTORE stores, built as Redis builds it: a `skiplist` from the start for a
/// rank range longer than `zset-max-listpack-entries`, otherwise a listpack filled in reply
/// order that converts when it outgrows the limits (so which members went through the
/// listpack, where -0 reads back as 0, matches too).
pub(super) fn rangestore_set(
    pairs: Vec<(Vec<u8>, f64)>,
    q: &RangeQuery,
    limits: &EncodingLimits,
) -> ZSet {
    let mut z =
        if matches!(q.spec, Spec::Rank(..)) && pairs.len() > limits.zset_max_listpack_entries {
            ZSet::skiplist()
        } else {
            ZSet::default()
        };
    for (m, s) in &pairs {
        z.insert(m, *s, limits);
    }
    z
}

/// ZRANGESTORE with both keys on this shard.
pub fn zrangestore(ctx: &mut ExecCtx, a: &[Bytes]) {
    let q = match parse_rangestore(a) {
        Ok(q) => q,
        Err(e) => return ctx.out.error(e),
    };
    let pairs = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[2]) {
        Err(()) => return,
        Ok(None) => Vec::new(),
        Ok(Some(z)) => rangestore_pairs(z, &q),
    };
    let n = pairs.len();
    let limits = ctx.ks.limits;
    let now = ctx.now_ms;
    let z = rangestore_set(pairs, &q, &limits);
    super::typed::store(ctx.db(), &a[1], now, z, n);
    ctx.out.int(n as i64);
}

/// How many members lie in a range.
fn count_in<B: Bounds>(z: &ZSet, b: &B) -> usize {
    let below = z.count_while(|m, s| !b.gte_min(m, s));
    let upto = z.count_while(|m, s| b.lte_max(m, s));
    upto.saturating_sub(below)
}

pub fn zcount(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(r) = ScoreRange::parse(&a[2], &a[3]) else {
        return ctx.out.error(NOT_FLOAT_RANGE);
    };
    let n = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(z) => z.map_or(0, |z| count_in(z, &r)),
    };
    ctx.out.int(n as i64);
}

pub fn zlexcount(ctx: &mut ExecCtx, a: &[Bytes]) {
    let Some(r) = LexRange::parse(&a[2], &a[3]) else {
        return ctx.out.error(NOT_LEX_RANGE);
    };
    let n = match read(ctx.ks, ctx.db, ctx.now_ms, &mut ctx.out, &a[1]) {
        Err(()) => return,
        Ok(z) => z.map_or(0, |z| count_in(z, &r)),
    };
    ctx.out.int(n as i64);
}

enum Removal {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// The ranks `start..end` a removal covers: from the first member in range while members
/// stay in range (`zzlDeleteRangeByScore` / `ByLex`).
fn span_of<B: Bounds>(z: &ZSet, b: &B) -> (usize, usize) {
    let start = z.count_while(|m, s| !b.gte_min(m, s));
    let mut n = 0;
    z.visit(start, false, |m, s| {
        let inside = b.lte_max(m, s);
        n += inside as usize;
        inside
    });
    (start, start + n)
}

fn zremrange_generic(
    ctx: &mut ExecCtx,
    a: &[Bytes],
    how: fn(&[u8], &[u8]) -> Result<Removal, &'static str>,
) {
    let r = match how(&a[2], &a[3]) {
        Ok(r) => r,
        Err(e) => return ctx.out.error(e),
    };
    let now = ctx.now_ms;
    let mut z = match super::typed::write::<ZSet>(&mut ctx.ks.dbs[ctx.db], &a[1], now) {
        Err(super::typed::WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(z)) => z,
    };
    let (start, end) = match &r {
        Removal::Rank(s, e) => match rank_span(z.len(), *s, *e) {
            None => (0, 0),
            Some((s, e)) => (s, e + 1),
        },
        Removal::Score(b) => span_of(&z, b),
        Removal::Lex(b) => span_of(&z, b),
    };
    let deleted = z.remove_ranks(start, end);
    let empty = z.is_empty();
    drop(z);
    if empty {
        super::typed::delete(ctx.db(), &a[1], now);
    }
    ctx.out.int(deleted as i64);
}

pub fn zremrangebyrank(ctx: &mut ExecCtx, a: &[Bytes]) {
    zremrange_generic(ctx, a, |s, e| {
        let s = args::int(s).ok_or(errors::NOT_INTEGER)?;
        let e = args::int(e).ok_or(errors::NOT_INTEGER)?;
        Ok(Removal::Rank(s, e))
    })
}

pub fn zremrangebyscore(ctx: &mut ExecCtx, a: &[Bytes]) {
    zremrange_generic(ctx, a, |s, e| {
        ScoreRange::parse(s, e)
            .map(Removal::Score)
            .ok_or(NOT_FLOAT_RANGE)
    })
}

pub fn zremrangebylex(ctx: &mut ExecCtx, a: &[Bytes]) {
    zremrange_generic(ctx, a, |s, e| {
        LexRange::parse(s, e).map(Removal::Lex).ok_or(NOT_LEX_RANGE)
    })
}

/// C's `strtod` over the whole argument: leading white space skipped, decimal or hex
/// digits, `inf`/`infinity`/`nan` in any case. Returns the value and whether it was out of
/// range (`ERANGE`: overflow, or underflow to zero). `None` when the text is not entirely
/// consumed. An empty string is 0, as strtod's "nothing parsed" leaves nothing behind.
pub(super) fn strtod(arg: &[u8]) -> Option<(f64, bool)> {
    if arg.is_empty() {
        return Some((0.0, false));
    }
    let start = arg
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let s = &arg[start..];
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let sign = if neg { -1.0 } else { 1.0 };
    if lower == b"inf" || lower == b"infinity" {
        return Some((sign * f64::INFINITY, false));
    }
    if lower == b"nan" || (lower.starts_with(b"nan(") && lower.ends_with(b")")) {
        return Some((f64::NAN, false));
    }
    if lower.starts_with(b"0x") {
        return hex_float(&lower[2..]).map(|(v, erange)| (sign * v, erange));
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < body.len() && body[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    };
    let mut mantissa_digits = digits(&mut i);
    let int_end = i;
    if i < body.len() && body[i] == b'.' {
        i += 1;
        mantissa_digits += digits(&mut i);
    }
    if mantissa_digits == 0 {
        return None;
    }
    let mantissa_end = i;
    if i < body.len() && (body[i] == b'e' || body[i] == b'E') {
        i += 1;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != body.len() {
        return None;
    }
    let _ = int_end;
    let v: f64 = std::str::from_utf8(body).ok()?.parse().ok()?;
    let nonzero = body[..mantissa_end]
        .iter()
        .any(|c| (b'1'..=b'9').contains(c));
    let erange = v.is_infinite() || (v == 0.0 && nonzero);
    Some((sign * v, erange))
}

/// The part of a hex float after "0x": hex digits, an optional point, an optional
/// binary exponent `p[sign]digits`.
fn hex_float(s: &[u8]) -> Option<(f64, bool)> {
    let mut v = 0.0f64;
    let mut i = 0;
    let mut n = 0;
    let mut scale = 0i64;
    while i < s.len() && s[i].is_ascii_hexdigit() {
        v = v * 16.0 + (s[i] as char).to_digit(16)? as f64;
        i += 1;
        n += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            v = v * 16.0 + (s[i] as char).to_digit(16)? as f64;
            scale -= 4;
            i += 1;
            n += 1;
        }
    }
    if n == 0 {
        return None;
    }
    if i < s.len() && s[i] == b'p' {
        let e: i64 = std::str::from_utf8(&s[i + 1..]).ok()?.parse().ok()?;
        scale = scale.saturating_add(e);
        i = s.len();
    }
    if i != s.len() {
        return None;
    }
    let v = v * 2f64.powi(scale.clamp(-2000, 2000) as i32);
    Some((v, v.is_infinite()))
}

/// A score or weight argument, as Redis's `getDoubleFromObject`: no leading space, the
/// whole text, in range, not NaN.
pub(super) fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || arg[0].is_ascii_whitespace() || arg[0] == 0x0b {
        return None;
    }
    match strtod(arg)? {
        (v, false) if !v.is_nan() => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_parse_like_redis() {
        assert!(ScoreRange::parse(b"(1", b"+inf").is_some());
        assert!(ScoreRange::parse(b"(", b"").is_some());
        assert!(ScoreRange::parse(b"nan", b"1").is_none());
        assert!(ScoreRange::parse(b"1x", b"1").is_none());
        assert!(LexRange::parse(b"-", b"+").is_some());
        assert!(LexRange::parse(b"[a", b"(b").is_some());
        assert!(LexRange::parse(b"a", b"+").is_none());
        assert!(LexRange::parse(b"", b"+").is_none());
        assert!(LexRange::parse(b"--", b"+").is_none());
        assert_eq!(rank_span(5, -2, -1), Some((3, 4)));
        assert_eq!(rank_span(5, 3, 1), None);
        assert_eq!(rank_span(5, -100, 100), Some((0, 4)));
    }

    #[test]
    fn strtod_like_c() {
        assert_eq!(strtod(b"1.5"), Some((1.5, false)));
        assert_eq!(strtod(b" 2"), Some((2.0, false)));
        assert_eq!(strtod(b""), Some((0.0, false)));
        assert_eq!(strtod(b"  "), None);
        assert_eq!(strtod(b"1e"), None);
        assert_eq!(strtod(b"2 "), None);
        assert_eq!(strtod(b"-InF"), Some((f64::NEG_INFINITY, false)));
        assert_eq!(strtod(b"1e400"), Some((f64::INFINITY, true)));
        assert_eq!(strtod(b"1e-400").map(|r| r.1), Some(true));
        assert_eq!(strtod(b"0x10"), Some((16.0, false)));
        assert_eq!(strtod(b".5"), Some((0.5, false)));
        assert_eq!(strtod(b"5."), Some((5.0, false)));
        assert_eq!(strtod(b"."), None);
        assert!(strtod(b"nan").unwrap().0.is_nan());
        assert_eq!(parse_score(b" 1"), None);
        assert_eq!(parse_score(b""), None);
        assert_eq!(parse_score(b"nan"), None);
        assert_eq!(parse_score(b"1e400"), None);
        assert_eq!(parse_score(b"+inf"), Some(f64::INFINITY));
    }
}
