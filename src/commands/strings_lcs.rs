//! LCS (`t_string.c` `lcsCommand`): the longest common subsequence of two string keys,
//! as the string, its length (LEN), or the matching ranges (IDX, MINMATCHLEN,
//! WITHMATCHLEN). The two keys may live on different shards: then the coordinator fetches
//! both values and computes the reply itself.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::strings::{lookup_read, Found, MAX_STRING_BYTES};
use super::{args, errors, CoordFn, ExecCtx};
use crate::protocol::Reply;
use crate::server::client::Client;
use crate::server::shard::unix_ms;
use crate::server::slot::key_shard;

const NOT_STRINGS: &str = "ERR The specified keys must contain string values";
const LEN_AND_IDX: &str = "ERR If you want both the length and indexes, please just use IDX.";
const TOO_LONG: &str = "ERR String too long for LCS";
const TABLE_TOO_BIG: &str =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

/// LCS's options, parsed.
#[derive(Debug, Default, PartialEq)]
pub struct LcsArgs {
    pub len: bool,
    pub idx: bool,
    pub min_match_len: u64,
    pub with_match_len: bool,
}

/// Parses the options after the two keys, with Redis's errors.
pub fn parse_lcs_args(opts: &[Bytes]) -> Result<LcsArgs, &'static str> {
    let mut o = LcsArgs::default();
    let mut i = 0;
    while i < opts.len() {
        let w = &opts[i];
        if args::eq(w, "idx") {
            o.idx = true;
        } else if args::eq(w, "len") {
            o.len = true;
        } else if args::eq(w, "withmatchlen") {
            o.with_match_len = true;
        } else if args::eq(w, "minmatchlen") && i + 1 < opts.len() {
            let n = args::int(&opts[i + 1]).ok_or(errors::NOT_INTEGER)?;
            o.min_match_len = n.max(0) as u64;
            i += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        i += 1;
    }
    if o.len && o.idx {
        return Err(LEN_AND_IDX);
    }
    Ok(o)
}

/// A key's value for LCS: missing keys are empty strings, other types an error.
type Fetched = Result<Vec<u8>, ()>;

/// LCS with both keys on this shard.
pub fn lcs(ctx: &mut ExecCtx, a: &[Bytes]) {
    let mut fetch = |key: &[u8]| -> Fetched {
        match lookup_read(ctx.ks, ctx.db, key, ctx.now_ms) {
            Found::Missing => Ok(Vec::new()),
            Found::Str(s) => Ok(s.to_vec()),
            Found::WrongType => Err(()),
        }
    };
    let (x, y) = (fetch(&a[1]), fetch(&a[2]));
    lcs_reply(&mut ctx.out, x, y, &a[3..]);
}

pub const LCS_ACROSS: CoordFn = lcs_coord;

fn lcs_coord(c: &mut Client, a: Vec<Bytes>) -> Pin<Box<dyn Future<Output = ()> + '_>> {
    Box::pin(lcs_across_shards(c, a))
}

/// LCS with the keys on two shards: fetch each value from its owner, then compute here.
async fn lcs_across_shards(c: &mut Client, a: Vec<Bytes>) {
    let mut values = Vec::with_capacity(2);
    for key in [a[1].clone(), a[2].clone()] {
        let db = c.db;
        let owner = key_shard(&key, c.shard.nshards);
        let v: Fetched = c
            .shard
            .run_on(owner, move |s| {
                let mut ks = s.keyspace.borrow_mut();
                match lookup_read(&mut ks, db, &key, unix_ms()) {
                    Found::Missing => Ok(Vec::new()),
                    Found::Str(s) => Ok(s.to_vec()),
                    Found::WrongType => Err(()),
                }
            })
            .await;
        values.push(v);
    }
    let y = values.pop().unwrap_or(Ok(Vec::new()));
    let x = values.pop().unwrap_or(Ok(Vec::new()));
    lcs_reply(&mut c.reply(), x, y, &a[3..]);
}

/// One contiguous match: ranges in the first and second string (inclusive).
#[derive(Debug, PartialEq)]
struct Match {
    a: (usize, usize),
    b: (usize, usize),
}

/// Checks types and options (in Redis's order), computes and writes the reply.
fn lcs_reply(out: &mut Reply, x: Fetched, y: Fetched, opts: &[Bytes]) {
    let (Ok(x), Ok(y)) = (x, y) else {
        return out.error(NOT_STRINGS);
    };
    let o = match parse_lcs_args(opts) {
        Ok(o) => o,
        Err(e) => return out.error(e),
    };
    if x.len() as u64 >= u32::MAX as u64 - 1 || y.len() as u64 >= u32::MAX as u64 - 1 {
        return out.error(TOO_LONG);
    }
    let table_bytes = (x.len() as u64 + 1) * (y.len() as u64 + 1) * 4;
    if table_bytes > MAX_STRING_BYTES {
        return out.error(TABLE_TOO_BIG);
    }
    let (common, matches) = compute(&x, &y, o.min_match_len);
    if o.idx {
        out.map(2);
        out.bulk(b"matches");
        out.array(matches.len());
        for m in &matches {
            out.array(2 + o.with_match_len as usize);
            for (from, to) in [m.a, m.b] {
                out.array(2);
                out.int(from as i64);
                out.int(to as i64);
            }
            if o.with_match_len {
                out.int((m.a.1 - m.a.0 + 1) as i64);
            }
        }
        out.bulk(b"len");
        out.int(common.len() as i64);
    } else if o.len {
        out.int(common.len() as i64);
    } else {
        out.bulk(&common);
    }
}

/// The classic dynamic-programming table, then a walk back from the end that yields the
/// common subsequence and its contiguous ranges, last match first (Redis's order), keeping
/// ranges at least `min_len` long.
fn compute(x: &[u8], y: &[u8], min_len: u64) -> (Vec<u8>, Vec<Match>) {
    let w = y.len() + 1;
    let mut t = vec![0u32; (x.len() + 1) * w];
    for i in 1..=x.len() {
        for j in 1..=y.len() {
            t[i * w + j] = if x[i - 1] == y[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let mut common = Vec::with_capacity(t[x.len() * w + y.len()] as usize);
    let mut matches = Vec::new();
    let mut current: Option<Match> = None;
    let (mut i, mut j) = (x.len(), y.len());
    let emit = |m: Match, matches: &mut Vec<Match>| {
        if (m.a.1 - m.a.0 + 1) as u64 >= min_len {
            matches.push(m);
        }
    };
    while i > 0 && j > 0 {
        if x[i - 1] == y[j - 1] {
            common.push(x[i - 1]);
            match current.as_mut() {
                // Extends the current range backwards when contiguous in both strings.
                Some(m) if m.a.0 == i && m.b.0 == j => {
                    m.a.0 -= 1;
                    m.b.0 -= 1;
                }
                Some(_) => {
                    if let Some(m) = current.take() {
                        emit(m, &mut matches);
                    }
                    current = Some(Match {
                        a: (i - 1, i - 1),
                        b: (j - 1, j - 1),
                    });
                }
                None => {
                    current = Some(Match {
                        a: (i - 1, i - 1),
                        b: (j - 1, j - 1),
                    })
                }
            }
            i -= 1;
            j -= 1;
        } else {
            if let Some(m) = current.take() {
                emit(m, &mut matches);
            }
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
        }
    }
    if let Some(m) = current.take() {
        emit(m, &mut matches);
    }
    common.reverse();
    (common, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(w: &[&str]) -> Result<LcsArgs, &'static str> {
        let v: Vec<Bytes> = w
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        parse_lcs_args(&v)
    }

    #[test]
    fn options() {
        assert!(opts(&["IDX", "WITHMATCHLEN"]).unwrap().with_match_len);
        assert_eq!(opts(&["minmatchlen", "-5"]).unwrap().min_match_len, 0);
        assert_eq!(opts(&["MINMATCHLEN"]), Err(errors::SYNTAX));
        assert_eq!(opts(&["MINMATCHLEN", "x"]), Err(errors::NOT_INTEGER));
        assert_eq!(opts(&["LEN", "IDX"]), Err(LEN_AND_IDX));
        assert_eq!(opts(&["FOO"]), Err(errors::SYNTAX));
    }

    #[test]
    fn redis_docs_example() {
        let (common, matches) = compute(b"ohmytext", b"mynewtext", 0);
        assert_eq!(common, b"mytext");
        assert_eq!(
            matches,
            vec![
                Match {
                    a: (4, 7),
                    b: (5, 8)
                },
                Match {
                    a: (2, 3),
                    b: (0, 1)
                }
            ]
        );
        assert_eq!(compute(b"ohmytext", b"mynewtext", 4).1.len(), 1);
        assert_eq!(compute(b"", b"abc", 0), (Vec::new(), Vec::new()));
    }
}
