//! The string family against real Redis: every command, its options and errors, with one
//! shard and with two (keys spread over both). RESP2 only: HELLO is not in this branch.

use std::time::Duration;

use crate::support::rng::Rng;
use crate::support::{Diff, Value};

/// Runs `script` through `Diff` with 1 and with 2 shards.
fn on_both_topologies(script: &str) {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(script);
    }
}

#[test]
fn get_set_and_options() {
    on_both_topologies(
        "GET nope
         SET k v
         GET k
         SET k v2 XX
         GET k
         SET k2 v XX
         GET k2
         SET k v3 NX
         SET k2 v NX
         GET k2
         SET k v4 GET
         SET fresh v GET
         SET k v5 NX GET
         SET k v6 XX GET
         SET nokey v XX GET
         GET nokey
         SET nokey2 v NX GET
         SET k v EX 100 EX 200
         SET k v PX 100000 PX 5000
         SET k v KEEPTTL KEEPTTL GET GET nx nx
         SET k v ex 10 nx
         SET k v pxat 99999999999999 xx get
         SET k v exat 99999999999
         SET k \"\"
         GET k
         SET \"\" empty-key
         GET \"\"",
    );
}

#[test]
fn set_errors() {
    on_both_topologies(
        "SET k v NX XX
         SET k v XX NX
         SET k v EX 1 PX 1
         SET k v PX 1 EX 1
         SET k v EXAT 1 PXAT 1
         SET k v KEEPTTL EX 1
         SET k v EX 1 KEEPTTL
         SET k v PXAT 1 KEEPTTL
         SET k v EX
         SET k v PX
         SET k v FOO
         SET k v PERSIST
         SET k v EX abc
         SET k v EX abc FOO
         SET k v EX 0
         SET k v EX -5
         SET k v PX 0
         SET k v EXAT 0
         SET k v PXAT -1
         SET k v EX 1.5
         SET k v EX 9223372036854775807
         SET k v EX 9223372036854776
         SET k v EX 9223372036854775
         SET k v PX 9223372036854775807
         SET k v PX 99999999999999999999
         SET k v EXAT 9223372036854775
         SET k v PXAT 9223372036854775807
         GET k
         SET k
         SET",
    );
}

#[test]
fn set_variants() {
    on_both_topologies(
        "SETNX a 1
         SETNX a 2
         GET a
         SETEX b 100 v
         GET b
         SETEX b 0 v
         SETEX b -1 v
         SETEX b x v
         SETEX b 9223372036854775807 v
         PSETEX c 100000 v
         GET c
         PSETEX c 0 v
         PSETEX c 1.5 v
         PSETEX c 9223372036854775807 v
         GETSET a 3
         GETSET nope x
         GET nope
         GETDEL a
         GETDEL a
         GET a
         GETEX b
         GETEX nope
         GETEX nope EX abc
         GETEX b EX 100
         GETEX b PX 100000
         GETEX b EXAT 99999999999
         GETEX b PXAT 99999999999999
         GETEX b PERSIST
         GETEX b PERSIST PERSIST
         GETEX b EX 1 EX 2
         GETEX b EX 0
         GETEX b EX -1
         GETEX b PX abc
         GETEX b EX 9223372036854775807
         GETEX b EX
         GETEX b PERSIST EX 1
         GETEX b EX 1 PERSIST
         GETEX b EX 1 PX 1
         GETEX b NX
         GETEX b KEEPTTL
         GETEX b GET
         GETEX b FOO
         GET b",
    );
}

#[test]
fn expiry_is_honoured() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        d.script(
            "SET gone v PX 1
             SET gone2 v EX 1 PX 20
             SETEX gone3 1 v
             PSETEX gone3 20 v
             SET kept v PX 20
             SET kept v2
             SET keepttl v PX 20
             SET keepttl v2 KEEPTTL
             SET getex v
             GETEX getex PX 20
             SET persist v PX 20
             GETEX persist PERSIST
             SET incr 5 PX 20
             INCR incr
             SET app a PX 20
             APPEND app b
             SET rng abc PX 20
             SETRANGE rng 1 X
             SET past v EXAT 1
             GET past
             SET past2 v PXAT 1
             GET past2
             SET getexat v
             GETEX getexat EXAT 1
             GET getexat
             SET getexpxat v
             GETEX getexpxat PXAT 1
             EXISTS getexpxat",
        );
        std::thread::sleep(Duration::from_millis(150));
        d.script(
            "GET gone
             GET gone2
             GET gone3
             GET kept
             GET keepttl
             GET getex
             GET persist
             GET incr
             GET app
             GET rng
             SET gone v NX",
        );
        // Values with spaces cannot go through a script.
        d.check(&["SET", "sp", " 1"]);
        d.check(&["INCR", "sp"]);
        d.check(&["INCRBYFLOAT", "sp", "1"]);
        d.check(&["INCRBYFLOAT", "sp2", " 1"]);
        d.check(&["INCRBYFLOAT", "sp2", "1 "]);
        d.check(&["SET", "sp3", "1 "]);
        d.check(&["INCRBYFLOAT", "sp3", "1"]);
    }
}

#[test]
fn multi_key_get_set() {
    on_both_topologies(
        "MSET a 1 b 2 c 3 d 4 e 5 f 6
         MGET a b c d e f nope
         MGET nope
         MSET a 10 a 11
         GET a
         MSET a
         MSET a 1 b
         MSETNX x 1 y 2 z 3
         MGET x y z
         MSETNX x 5 w 6
         MSETNX w 6 v 7 x 8
         MGET w v x
         MSETNX p 1 p 2
         GET p
         MSETNX q 1 r
         MSETNX q
         MGET q r
         MGET
         MSET
         MSETNX",
    );
}

#[test]
fn msetnx_across_shards_is_all_or_nothing() {
    let mut d = Diff::new(2);
    // Keys on both shards; one existing key on either side blocks all of them.
    let keys: Vec<String> = (0..16).map(|i| format!("key:{i}")).collect();
    for blocker in [0, 7, 15] {
        d.check(&["FLUSHALL"]);
        d.check(&["SET", &keys[blocker], "old"]);
        let mut cmd = vec!["MSETNX".to_string()];
        for k in &keys {
            cmd.push(k.clone());
            cmd.push("new".into());
        }
        let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
        assert_eq!(d.check(&cmd), Value::Int(0));
        let mut mget = vec!["MGET"];
        mget.extend(keys.iter().map(String::as_str));
        d.check(&mget);
    }
    d.check(&["FLUSHALL"]);
    let mut cmd = vec!["MSETNX"];
    for k in &keys {
        cmd.push(k);
        cmd.push(k);
    }
    assert_eq!(d.check(&cmd), Value::Int(1));
    let mut mget = vec!["MGET"];
    mget.extend(keys.iter().map(String::as_str));
    d.check(&mget);
    d.check(&["DBSIZE"]);
}

#[test]
fn append_strlen_ranges() {
    on_both_topologies(
        "APPEND s hello
         APPEND s \"\"
         APPEND s _world
         GET s
         STRLEN s
         STRLEN nope
         APPEND e \"\"
         EXISTS e
         STRLEN e
         GETRANGE s 0 4
         GETRANGE s 0 -1
         GETRANGE s -5 -1
         GETRANGE s -1 -5
         GETRANGE s -100 100
         GETRANGE s 5 3
         GETRANGE s 100 200
         GETRANGE s -1 -1
         GETRANGE s 0 0
         GETRANGE s -9223372036854775808 9223372036854775807
         GETRANGE s x 1
         GETRANGE s 1 x
         GETRANGE nope x 1
         GETRANGE nope 0 -1
         GETRANGE e 0 -1
         GETRANGE e -1 0
         SUBSTR s 1 3
         SUBSTR s -3 -1
         SUBSTR nope 0 1
         SET n 12345
         GETRANGE n 1 2
         APPEND n 6
         INCR n
         SETRANGE r 5 abc
         GET r
         STRLEN r
         SETRANGE r 0 XY
         GET r
         SETRANGE r 7 longer
         GET r
         SETRANGE r 100 \"\"
         GET r
         SETRANGE nope 10 \"\"
         EXISTS nope
         SETRANGE nope 0 \"\"
         SETRANGE r -1 x
         SETRANGE r x x
         SETRANGE nope -1 \"\"
         SETRANGE r 536870912 x
         SETRANGE r 536870911 xy
         SETRANGE big 9223372036854775807 x
         SETRANGE r 99999999999999999999 x
         GET r
         APPEND
         APPEND s
         STRLEN
         GETRANGE s 0
         SUBSTR s 0
         SETRANGE r 0",
    );
}

#[test]
fn appends_grow_in_place() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        for i in 0..300 {
            d.check(&["APPEND", "grow", &format!("{i},")]);
            if i % 50 == 0 {
                d.check(&["SETRANGE", "grow", &(i * 2).to_string(), "#"]);
                d.check(&["GETRANGE", "grow", "-20", "-1"]);
            }
        }
        d.check(&["GET", "grow"]);
        d.check(&["STRLEN", "grow"]);
        d.check(&["SET", "grow", "small"]);
        d.check(&["APPEND", "grow", "!"]);
        d.check(&["GET", "grow"]);
    }
}

#[test]
fn integer_counters() {
    on_both_topologies(
        "INCR c
         INCR c
         DECR c
         DECR fresh
         INCRBY c 10
         INCRBY c -20
         DECRBY c 5
         DECRBY c -5
         GET c
         SET max 9223372036854775807
         INCR max
         INCRBY max 0
         DECR max
         SET min -9223372036854775808
         DECR min
         INCRBY min -1
         INCRBY min 9223372036854775807
         DECRBY c -9223372036854775808
         DECRBY c 9223372036854775807
         INCRBY c 9223372036854775808
         INCRBY c 1.5
         INCRBY c abc
         SET str abc
         INCR str
         DECR str
         INCRBY str 1
         SET lead 01
         INCR lead
         SET neg0 -0
         INCR neg0
         SET plus +1
         INCR plus
         SET empty \"\"
         INCR empty
         SET big 99999999999999999999
         INCR big
         SET f 1.0
         INCR f
         SET ok 41
         INCR ok
         GET ok
         INCR
         INCR a b
         DECR
         INCRBY c
         DECRBY c
         INCRBY c 1 2",
    );
}

#[test]
fn incrbyfloat_formatting() {
    on_both_topologies(
        "INCRBYFLOAT f 0.1
         INCRBYFLOAT f 0.2
         INCRBYFLOAT f 1e20
         INCRBYFLOAT f 3.0e3
         INCRBYFLOAT f -100000000000000003000.3
         INCRBYFLOAT g 3.0e3
         INCRBYFLOAT g -3000
         INCRBYFLOAT h 10.5
         INCRBYFLOAT h 0.1
         INCRBYFLOAT h -10.6
         INCRBYFLOAT i 1.23456789012345678901
         INCRBYFLOAT j 123456789012345678901234567890
         INCRBYFLOAT k 1.5e300
         INCRBYFLOAT l 0x1p-3
         INCRBYFLOAT l 0X10
         INCRBYFLOAT m 1e-20
         INCRBYFLOAT m -1e-20
         INCRBYFLOAT m 5.0e-1
         INCRBYFLOAT n -0.0
         INCRBYFLOAT n 1.
         INCRBYFLOAT n .5
         INCRBYFLOAT n +2
         INCRBYFLOAT n 1e-4940
         INCRBYFLOAT o 1e-5000
         INCRBYFLOAT o 1e5000
         INCRBYFLOAT o inf
         INCRBYFLOAT o -inf
         INCRBYFLOAT o nan
         INCRBYFLOAT o abc
         INCRBYFLOAT o 1e
         INCRBYFLOAT o \"\"
         INCRBYFLOAT o 1,5
         EXISTS o
         SET p 1.18973149535723176502e4932
         INCRBYFLOAT p 1.18973149535723176502e4932
         INCRBYFLOAT p -1
         SET q inf
         INCRBYFLOAT q 1
         SET r abc
         INCRBYFLOAT r 1
         INCRBYFLOAT r abc
         SET s 7
         INCRBYFLOAT s 0.5
         INCR s
         SET t 1e3
         INCRBYFLOAT t 0
         INCRBYFLOAT t 1.1
         INCRBYFLOAT t 1.1
         INCRBYFLOAT t 1.1
         INCRBYFLOAT t -1003.3
         INCRBYFLOAT u 3.14159265358979323846264338327950288
         INCRBYFLOAT u 2.71828182845904523536
         INCRBYFLOAT v 0.0000000000000000049
         INCRBYFLOAT v 0.0000000000000000051
         INCRBYFLOAT w 99999999999999999.999999
         INCRBYFLOAT x -1.7976931348623157e308
         INCRBYFLOAT
         INCRBYFLOAT a
         INCRBYFLOAT a 1 2",
    );
}

#[test]
fn incrbyfloat_many_steps() {
    let mut d = Diff::new(1);
    for i in 0..200 {
        let step = format!("{}.{:03}", i % 7, (i * 37) % 1000);
        d.check(&["INCRBYFLOAT", "acc", &step]);
        d.check(&["INCRBYFLOAT", "neg", &format!("-{step}e-3")]);
    }
}

#[test]
fn lcs() {
    on_both_topologies(
        "MSET key1 ohmytext key2 mynewtext
         LCS key1 key2
         LCS key1 key2 LEN
         LCS key1 key2 IDX
         LCS key1 key2 IDX MINMATCHLEN 4
         LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN
         LCS key1 key2 IDX WITHMATCHLEN
         LCS key1 key2 idx minmatchlen -3 withmatchlen
         LCS key1 key2 LEN IDX
         LCS key1 key2 MINMATCHLEN
         LCS key1 key2 MINMATCHLEN x
         LCS key1 key2 FOO
         LCS key1 key2 LEN LEN
         LCS key1 nope
         LCS nope key1 IDX
         LCS nope nope2 IDX WITHMATCHLEN
         LCS nope nope2 LEN
         LCS key1 key1
         LCS key1 key1 IDX WITHMATCHLEN
         MSET a aaaa b bababab
         LCS a b IDX WITHMATCHLEN
         LCS b a IDX WITHMATCHLEN
         MSET x ACCGGTCGAGTGCGCGGAAGCCGGCCGAA y GTCGTTCGGAATGCCGTTGCTCTGTAAA
         LCS x y
         LCS x y IDX MINMATCHLEN 2 WITHMATCHLEN
         LCS key1
         LCS",
    );
}

#[test]
fn arity_errors() {
    on_both_topologies(
        "GET
         GET a b
         SETNX a
         SETNX a b c
         SETEX a 1
         SETEX a 1 v x
         PSETEX a 1
         GETSET a
         GETSET a b c
         GETDEL
         GETDEL a b
         GETEX
         STRLEN a b
         DECR a b
         DECRBY a
         INCRBYFLOAT a 1 2
         SUBSTR a 1
         LCS a",
    );
}
impl Rng {
    fn digits(&mut self, n: u64) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// A number in one of the forms strtold accepts, at every scale.
    fn float_text(&mut self) -> String {
        let sign = ["", "-", "+"][self.below(3) as usize];
        let (int_len, frac_len) = (self.below(25), self.below(25));
        let int = self.digits(int_len);
        let frac = self.digits(frac_len);
        let body = match self.below(6) {
            0 => format!("{int}.{frac}"),
            1 => format!("1{int}"),
            2 => format!("{int}.{frac}e{}", self.below(60) as i64 - 30),
            3 => format!("9.{frac}e{}", self.below(9860) as i64 - 4930),
            4 => {
                let (m, f, e) = (self.next(), self.below(4096), self.below(200) as i64);
                format!("0x{m:x}.{f:x}p{}", e - 100)
            }
            _ => {
                let zeros = "0".repeat(self.below(20) as usize);
                format!("0.{zeros}{frac}")
            }
        };
        format!("{sign}{body}")
    }
}

#[test]
fn incrbyfloat_fuzz() {
    let mut d = Diff::new(1);
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..1500 {
        let x = r.float_text();
        // A fresh key shows how the increment parses and prints; a running key how sums
        // round; a key holding the text shows the stored value's parse.
        d.check(&["INCRBYFLOAT", &format!("fresh{i}"), &x]);
        d.check(&["INCRBYFLOAT", "running", &x]);
        if i % 3 == 0 {
            d.check(&["SET", "stored", &x]);
            d.check(&["INCRBYFLOAT", "stored", &r.float_text()]);
        }
    }
}

#[test]
fn lcs_fuzz() {
    for shards in [1, 2] {
        let mut d = Diff::new(shards);
        let mut r = Rng(0x2545_F491_4F6C_DD1D + shards as u64);
        for _ in 0..60 {
            let alphabet = 1 + r.below(4);
            let text = |r: &mut Rng| -> String {
                let len = r.below(40);
                (0..len)
                    .map(|_| char::from(b'a' + r.below(alphabet) as u8))
                    .collect()
            };
            let (x, y) = (text(&mut r), text(&mut r));
            // "a" and "b" live on different shards when there are two.
            d.check(&["MSET", "a", &x]);
            d.check(&["MSET", "b", &y]);
            d.check(&["LCS", "a", "b"]);
            d.check(&["LCS", "b", "a", "LEN"]);
            d.check(&["LCS", "a", "b", "IDX", "WITHMATCHLEN"]);
            d.check(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "2"]);
        }
    }
}

#[test]
fn ttl_survives_in_place_updates() {
    let mut d = Diff::new(2);
    d.script(
        "SET f 1.5 PX 30
         INCRBYFLOAT f 1
         SET d 5 PX 30
         DECRBY d 2
         SET g v PX 30
         GETEX g
         SET big x PX 30
         SETRANGE big 100000 y
         STRLEN big
         SET keep v PX 30
         GETEX keep PERSIST
         APPEND keep more",
    );
    std::thread::sleep(Duration::from_millis(150));
    d.script(
        "GET f
         GET d
         GET g
         GET big
         GET keep
         GETDEL f
         SET x v GET
         GETSET g w",
    );
}

/// `MSET a 1 b` must fail as a whole. With "a" and "b" on different shards the split
/// runs the complete pair on its shard before the part holding the dangling key fails.
/// The fix belongs in `server::batch::run_split` (check that every key group is complete
/// before splitting), which this branch does not own.
#[test]
fn mset_with_dangling_key_sets_nothing_across_shards() {
    let mut d = Diff::new(2);
    d.script(
        "MSET a 1 b
         EXISTS a b",
    );
}

#[test]
fn incrbyfloat_results_are_never_int_encoded() {
    // Redis keeps INCRBYFLOAT's result as the formatted string (embstr), even "1"; INCR's
    // is an integer. The kind survives TTL changes, COPY and RENAME.
    on_both_topologies(
        "SET a 1
         INCRBYFLOAT a 0
         OBJECT ENCODING a
         OBJECT REFCOUNT a
         EXPIRE a 100
         OBJECT ENCODING a
         PERSIST a
         OBJECT ENCODING a
         COPY a b
         OBJECT ENCODING b
         RENAME b c
         OBJECT ENCODING c
         INCR a
         OBJECT ENCODING a
         OBJECT REFCOUNT a
         INCRBYFLOAT n 12345678901234567890123456789012345678901234.5
         OBJECT ENCODING n",
    );
}
