//! Random command generators for the randomized differential test (`random_diff.rs`).
//!
//! Each command family is a table of [`CmdGen`]: a weight, how its replies are compared
//! ([`Cmp`]) and a function that draws one command's arguments from a [`Gen`]. Arguments
//! come from small pools over a small key set (8 names, each under a per-type prefix:
//! [`PREFIXES`]), so commands keep hitting the same keys (conversions between encodings,
//! empty collections deleted, WRONGTYPE through the other prefixes) and the pools
//! deliberately contain bad values: non-numbers, NaN/inf, overflowing integers, negative
//! and out-of-range indexes, malformed score and lex ranges, unknown options.
//!
//! Determinism: the two servers must reach the same state from the same commands, so the
//! generators avoid what legitimately differs. Random-result commands that change state
//! (SPOP) are absent, read-only random ones (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER,
//! RANDOMKEY) compare only their reply's shape. Relative expiry times are unique
//! multiples of 1000 s (see [`Gen::rel_s`]), so an `EXPIRE .. GT` never compares two
//! deadlines a few milliseconds apart, whose order could differ between the servers.
//! SET/GETEX never get a past absolute time (see [`Gen::abs_s`]), SCAN cursors are 0 or
//! invalid (a non-zero cursor's elements depend on the table layout), LPOS RANK is never
//! LONG_MIN (undefined behaviour in Redis 7.0), and lex ranges run only on one-score
//! sorted sets ([`Gen::lex_key`]).

use std::collections::HashSet;

/// SplitMix64: small, seedable, good enough to draw commands.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// How the replies of a command are compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    /// Equal values, types included.
    Exact,
    /// The aggregate's elements as a multiset (SINTER, KEYS: order unspecified).
    Sorted,
    /// Exact, except when the key (argument 1) is hashtable-encoded on Redis: then as a
    /// multiset of elements, or of field-value pairs with `pairs` (HGETALL).
    UnorderedIfHashtable { pairs: bool },
    /// Only the shape: nil or not, aggregate sizes, types (random picks).
    Shape,
    /// A SCAN-family command: each server is iterated to cursor 0 starting from the
    /// cursor at argument `cursor_at`; the union of elements (pairs with `pairs`) is
    /// compared as a set (SCAN may return an element more than once).
    ScanAll { cursor_at: usize, pairs: bool },
    /// Integers may differ by `tol` when both are >= 0 (TTLs read a few ms apart).
    Near(i64),
}

/// One command's generator.
pub struct CmdGen {
    pub name: &'static str,
    pub weight: u32,
    pub cmp: Cmp,
    /// Blocking commands are never mutated: a cut argument list could block for good.
    pub mutate: bool,
    pub make: fn(&mut Gen) -> Vec<String>,
}

pub struct Family {
    pub name: &'static str,
    /// How often the family is drawn, relative to the others (blocking commands that time
    /// out cost milliseconds each, so they come rarely).
    pub share: u32,
    /// Key name prefixes the family mostly draws from (see [`Gen::key`]).
    pub prefixes: &'static [&'static str],
    pub cmds: &'static [CmdGen],
}

/// Argument source: the RNG, the key set and the expiry-time bookkeeping.
pub struct Gen {
    pub rng: Rng,
    /// The prefixes of the family drawing now.
    pub prefixes: &'static [&'static str],
    now_s: u64,
    used_rel: HashSet<u64>,
}

/// 8 keys: two hash-tag groups (always on one shard together) and three free keys (on
/// different shards of a 2-shard server, some of them).
pub const KEYS: [&str; 8] = ["{a}x", "{a}y", "{a}z", "{b}x", "{b}y", "p", "q", "r"];

/// Key prefixes: one per type family, so most commands find their own type instead of
/// WRONGTYPE (which every family still meets through the other prefixes); "x" holds the
/// sorted sets for lex ranges (see [`Gen::lex_key`]).
pub const PREFIXES: [&str; 6] = ["", "l", "h", "s", "z", "x"];

/// Every key the generators use (for diagnostics).
pub fn all_keys() -> Vec<String> {
    PREFIXES
        .iter()
        .flat_map(|p| KEYS.iter().map(move |k| format!("{p}{k}")))
        .collect()
}

/// 70 bytes: over the default 64-byte listpack value limits.
const LONG: &str = "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL";

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "7",
    "42",
    "-100",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "3.14",
    "-0.5",
    "1e5",
    "inf",
    "nan",
    "abc",
    "hello",
    "a b",
    "0x10",
    " 1",
    "01",
    "foo",
    "bar",
    LONG,
];

const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "5",
    "100",
    "-37",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "1.5",
    "abc",
    "",
    " 3",
];

const FLOATS: &[&str] = &[
    "0", "1", "-1", "1.5", "-2.25", "0.1", "1e3", "3e-2", "inf", "-inf", "nan", "abc", "", "1e308",
    "5.0e3", "0x10", "10", "-0",
];

const FIELDS: &[&str] = &[
    "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "1", "2", "", LONG,
];

const MEMBERS: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "-3", "100", "a", "b", "c", "d", "e", "f",
    "g", "", LONG,
];

const SCORES: &[&str] = &[
    "0", "1", "2", "3", "-1", "1.5", "-2.5", "10", "100", "+inf", "-inf", "inf", "nan", "abc",
    "1e400", "0x10", "", "-0", "1e-3",
];

const SCORE_BOUNDS: &[&str] = &[
    "-inf", "+inf", "inf", "0", "1", "2", "(1", "(2", "1.5", "(1.5", "-1", "(-1", "10", "(10",
    "abc", "(abc", "((1", "nan", "(inf", "(-inf",
];

const LEX_BOUNDS: &[&str] = &[
    "-", "+", "[a", "(a", "[c", "(c", "[e", "[1", "(5", "[", "(", "a", "", "[zz", "[-",
];

const INDEXES: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "5",
    "-1",
    "-2",
    "-3",
    "-100",
    "100",
    "abc",
    "9223372036854775807",
    "-9223372036854775808",
    "1.0",
];

const COUNTS: &[&str] = &["0", "1", "2", "3", "5", "10", "-1", "-3", "abc", "100"];

const PATTERNS: &[&str] = &[
    "*", "{a}*", "?", "[pq]", "*x", "nomatch*", "f1*", "*1", "[a-c]",
];

impl Gen {
    pub fn new(seed: u64, now_s: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            prefixes: &[""],
            now_s,
            used_rel: HashSet::new(),
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.rng.chance(percent)
    }

    /// One of [`KEYS`] under a prefix: mostly the drawing family's, else any. A prefix
    /// keeps the key's hash tag, so keys that share a tag stay on one shard.
    pub fn key(&mut self) -> String {
        let p = if self.chance(80) {
            self.rng.pick(self.prefixes)
        } else {
            self.rng.pick(&PREFIXES)
        };
        format!("{p}{}", self.rng.pick(&KEYS))
    }

    /// A key for the lex-range commands: mostly an "x" key, whose members ZADD gives one
    /// score. Lex ranges over different scores are undefined in Redis (a skiplist search
    /// then depends on its random levels); the test runs a lex command only when the
    /// key's scores are all equal (`random_diff::lex_undefined`).
    pub fn lex_key(&mut self) -> String {
        if self.chance(80) {
            format!("x{}", self.rng.pick(&KEYS))
        } else {
            self.key()
        }
    }

    pub fn keys(&mut self, min: u64, max: u64) -> Vec<String> {
        let n = min + self.rng.below(max - min + 1);
        (0..n).map(|_| self.key()).collect()
    }

    pub fn one_of(&mut self, pool: &[&str]) -> String {
        self.rng.pick(pool).to_string()
    }

    pub fn val(&mut self) -> String {
        self.one_of(VALUES)
    }

    pub fn int(&mut self) -> String {
        self.one_of(INTS)
    }

    pub fn float(&mut self) -> String {
        self.one_of(FLOATS)
    }

    pub fn field(&mut self) -> String {
        self.one_of(FIELDS)
    }

    pub fn member(&mut self) -> String {
        self.one_of(MEMBERS)
    }

    pub fn score(&mut self) -> String {
        self.one_of(SCORES)
    }

    pub fn score_bound(&mut self) -> String {
        self.one_of(SCORE_BOUNDS)
    }

    pub fn lex_bound(&mut self) -> String {
        self.one_of(LEX_BOUNDS)
    }

    pub fn index(&mut self) -> String {
        self.one_of(INDEXES)
    }

    pub fn count(&mut self) -> String {
        self.one_of(COUNTS)
    }

    /// A small count for random picks (a huge negative count would build a huge reply).
    pub fn small_count(&mut self) -> String {
        self.one_of(&["0", "1", "2", "3", "5", "20", "-1", "-2", "-5", "abc"])
    }

    pub fn pattern(&mut self) -> String {
        self.one_of(PATTERNS)
    }

    /// A list element / set member.
    pub fn members(&mut self, min: u64, max: u64) -> Vec<String> {
        let n = min + self.rng.below(max - min + 1);
        (0..n).map(|_| self.member()).collect()
    }

    /// A relative expiry in seconds: usually a long, never reused multiple of 1000 s
    /// (deadlines set at different moments never come within the test's duration of each
    /// other), sometimes a value that deletes the key at once or is rejected.
    pub fn rel_s(&mut self) -> String {
        if self.chance(8) {
            return self.one_of(&["0", "-1", "abc", "9223372036854775807", "1.5", ""]);
        }
        loop {
            let v = 100_000 + self.rng.below(100_000) * 1000;
            if self.used_rel.insert(v) {
                return v.to_string();
            }
        }
    }

    /// Like [`Gen::rel_s`] in milliseconds.
    pub fn rel_ms(&mut self) -> String {
        let s = self.rel_s();
        match s.parse::<i64>() {
            Ok(v) if v >= 100_000 => (v * 1000).to_string(),
            _ => s,
        }
    }

    /// An absolute unix time in seconds: far beyond every relative deadline (exactly
    /// equal values are fine: both servers compare the same numbers), sometimes rejected,
    /// and with `past` sometimes in the past (EXPIREAT deletes such a key at once).
    /// SET/GETEX get no past times: Redis keeps such a key until its expiry cycle samples
    /// it, so DBSIZE and KEYS would depend on timing.
    pub fn abs_s(&mut self, past: bool) -> String {
        if self.chance(8) {
            return self.one_of(&["0", "-5", "abc", "9223372036854775807"]);
        }
        if past && self.chance(10) {
            return self.one_of(&["1", &(self.now_s - 1000).to_string()]);
        }
        (self.now_s + 200_000_000 + self.rng.below(50) * 1000).to_string()
    }

    pub fn abs_ms(&mut self, past: bool) -> String {
        let s = self.abs_s(past);
        match s.parse::<i64>() {
            Ok(v) if v > 1_000_000 => (v * 1000).to_string(),
            _ => s,
        }
    }

    /// Shuffles `v` in place.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }

    /// Picks one of the given options words or none.
    pub fn maybe(&mut self, percent: u64, words: &[&str]) -> Vec<String> {
        if self.chance(percent) {
            vec![self.one_of(words)]
        } else {
            vec![]
        }
    }

    /// `numkeys key...`, sometimes with a wrong numkeys.
    pub fn numkeys(&mut self, min: u64, max: u64) -> Vec<String> {
        let keys = self.keys(min, max);
        let n = if self.chance(5) {
            self.one_of(&["0", "-1", "abc", "9"])
        } else {
            keys.len().to_string()
        };
        let mut v = vec![n];
        v.extend(keys);
        v
    }

    /// `EX s` / `PX ms` / `EXAT` / `PXAT` (and KEEPTTL or PERSIST when given).
    pub fn expiry_opt(&mut self, extra: &str) -> Vec<String> {
        match self.rng.below(5) {
            0 => vec!["EX".into(), self.rel_s()],
            1 => vec!["PX".into(), self.rel_ms()],
            2 => vec!["EXAT".into(), self.abs_s(false)],
            3 => vec!["PXAT".into(), self.abs_ms(false)],
            _ => vec![extra.into()],
        }
    }
}

/// Builds an argument vector from words and word lists.
#[macro_export]
macro_rules! argv {
    ($($x:expr),* $(,)?) => {{
        let mut v: Vec<String> = Vec::new();
        $( $crate::support::gen::Push::push_to($x, &mut v); )*
        v
    }};
}

/// What [`argv!`] accepts: a word or a list of words.
pub trait Push {
    fn push_to(self, v: &mut Vec<String>);
}

impl Push for &str {
    fn push_to(self, v: &mut Vec<String>) {
        v.push(self.to_string());
    }
}

impl Push for String {
    fn push_to(self, v: &mut Vec<String>) {
        v.push(self);
    }
}

impl Push for Vec<String> {
    fn push_to(self, v: &mut Vec<String>) {
        v.extend(self);
    }
}

pub const fn cmd(
    name: &'static str,
    weight: u32,
    cmp: Cmp,
    make: fn(&mut Gen) -> Vec<String>,
) -> CmdGen {
    CmdGen {
        name,
        weight,
        cmp,
        mutate: true,
        make,
    }
}

mod collections;
mod strings_keys;

pub use collections::{BLOCKING, HASHES, LISTS, SETS, ZSETS};
pub use strings_keys::{KEYSPACE, STRINGS};
