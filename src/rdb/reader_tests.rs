//! Round trips through the writer and the reader for every type and encoding, Redis's
//! own payloads, the older encodings, and corrupt input of every kind (never a panic).

use super::*;
use crate::rdb::legacy::tests::{ziplist, zipmap};
use crate::rdb::writer::{dump_payload, put_len, put_string, WriteOptions};

fn limits() -> EncodingLimits {
    EncodingLimits::default()
}

/// A payload with a correct footer around `body` (type byte included).
fn payload(body: &[u8]) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&10u16.to_le_bytes());
    let crc = crate::rdb::crc64(&p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

fn dump(l: &Loaded) -> Vec<u8> {
    dump_payload(l.value(), &WriteOptions::default())
}

fn encoding(l: &Loaded) -> &'static str {
    match l {
        Loaded::Str(_) => "string",
        Loaded::Obj(o) => o.encoding_name(),
    }
}

/// Dumps, restores, and checks the value and its encoding survived.
fn round_trip(l: Loaded) -> Vec<u8> {
    let p = dump(&l);
    let back = restore_payload(&p, &limits()).expect("restores");
    assert_eq!(encoding(&back), encoding(&l));
    assert_eq!(back, l);
    p
}

fn list(items: &[&[u8]]) -> Loaded {
    let mut l = List::default();
    for i in items {
        l.push(End::Tail, i, Fill::default());
    }
    Loaded::Obj(Object::List(l))
}

fn set(items: &[&[u8]]) -> Loaded {
    let mut s = Set::new();
    for i in items {
        s.add(i, 512);
    }
    Loaded::Obj(Object::Set(s))
}

fn hash(pairs: &[(&[u8], &[u8])]) -> Loaded {
    let mut h = Hash::new();
    for (f, v) in pairs {
        h.set(f, v, &limits());
    }
    Loaded::Obj(Object::Hash(h))
}

fn zset(pairs: &[(&[u8], f64)]) -> Loaded {
    let mut z = ZSet::default();
    for (m, s) in pairs {
        z.insert(m, *s, &limits());
    }
    Loaded::Obj(Object::ZSet(z))
}

fn owned(n: usize, f: impl Fn(usize) -> String) -> Vec<Vec<u8>> {
    (0..n).map(|i| f(i).into_bytes()).collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|x| &x[..]).collect()
}

/// Every valid payload the tests make, for the corruption tests.
fn samples() -> Vec<Vec<u8>> {
    let many = owned(300, |i| format!("element-{i}"));
    let ints = owned(600, |i| (i * 7).to_string());
    let fields = owned(40, |i| format!("f{i}"));
    vec![
        dump(&Loaded::Str(b"hello".to_vec())),
        dump(&Loaded::Str(b"-12345".to_vec())),
        dump(&Loaded::Str(vec![b'a'; 100])),
        dump(&list(&[b"a", b"1", b"-5000", &[b'z'; 300]])),
        dump(&list(&refs(&many))),
        dump(&set(&[b"1", b"2", b"-70000"])),
        dump(&set(&[b"a", b"b", b"1"])),
        dump(&set(&refs(&ints))),
        dump(&hash(&[(b"f1", b"v1"), (b"n", b"300000")])),
        dump(&hash(&[(b"f", &[b'v'; 100])])),
        dump(&hash(
            &fields
                .iter()
                .map(|f| (&f[..], &b"value"[..]))
                .collect::<Vec<_>>(),
        )),
        dump(&zset(&[(b"a", 1.0), (b"b", 2.5), (b"c", f64::INFINITY)])),
        dump(&zset(&[(&[b'm'; 70], -3.25), (b"x", 0.0)])),
    ]
}

#[test]
fn strings_round_trip() {
    for s in [
        &b""[..],
        b"0",
        b"-1",
        b"127",
        b"-129",
        b"40000",
        b"2147483648",
        b"12345678901",
        b"007",
        b"hello world",
        &[b'a'; 100],
        &[0u8, 255, 10, 13][..],
    ] {
        round_trip(Loaded::Str(s.to_vec()));
    }
    let noise: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    round_trip(Loaded::Str(noise));
}

#[test]
fn lists_round_trip() {
    round_trip(list(&[b"a"]));
    round_trip(list(&[
        b"a",
        b"1",
        b"-5000",
        b"",
        &[b'x'; 70],
        &[b'y'; 5000],
    ]));
    let many = owned(5000, |i| format!("{i}-{}", "v".repeat(i % 50)));
    let p = round_trip(list(&refs(&many)));
    // Several listpack nodes.
    assert_eq!(p[0], types::LIST_QUICKLIST_2);
    assert!(p[1] > 1);
    let big = vec![vec![b'b'; 20000], vec![b'c'; 9000]];
    round_trip(list(&refs(&big)));
}

#[test]
fn redis_list_payload() {
    // RPUSH l a 1 -5000, DUMP l on Redis 7.0.15.
    let p = b"\x12\x01\x02\x10\x10\x00\x00\x00\x03\x00\x81a\x02\x01\x01\xf1x\xec\x03\xff\n\x00\xbetw%\xa2q\x99\xb2";
    assert_eq!(&dump(&list(&[b"a", b"1", b"-5000"]))[..], &p[..]);
    assert_eq!(
        restore_payload(p, &limits()).unwrap(),
        list(&[b"a", b"1", b"-5000"])
    );
}

#[test]
fn sets_round_trip() {
    let p = round_trip(set(&[b"1", b"-70000", b"5"]));
    assert_eq!(p[0], types::SET_INTSET);
    let p = round_trip(set(&[b"a", b"1", b"bb"]));
    assert_eq!(p[0], types::SET);
    let ints = owned(600, |i| (i as i64 * 1_000_000_007).to_string());
    let mut s = Set::new();
    for i in &ints {
        s.add(i, 512);
    }
    assert_eq!(s.encoding_name(), "hashtable");
    round_trip(Loaded::Obj(Object::Set(s)));
}

#[test]
fn redis_set_payload() {
    // SADD s 1 -70000 on Redis 7.0.15.
    let p = b"\x0b\x10\x04\x00\x00\x00\x02\x00\x00\x00\x90\xee\xfe\xff\x01\x00\x00\x00\n\x00\x94\xa1\x05\xe9Y\xef\xec\x05";
    assert_eq!(&dump(&set(&[b"1", b"-70000"]))[..], &p[..]);
    assert_eq!(
        restore_payload(p, &limits()).unwrap(),
        set(&[b"1", b"-70000"])
    );
}

#[test]
fn hashes_round_trip() {
    let p = round_trip(hash(&[(b"f1", b"v1"), (b"n", b"300000"), (b"", b"")]));
    assert_eq!(p[0], types::HASH_LISTPACK);
    let p = round_trip(hash(&[(b"f", &[b'v'; 100])]));
    assert_eq!(p[0], types::HASH);
    let fields = owned(1000, |i| format!("field:{i}"));
    let pairs: Vec<(&[u8], &[u8])> = fields.iter().map(|f| (&f[..], &f[..])).collect();
    round_trip(hash(&pairs));
}

#[test]
fn redis_hash_payload() {
    let p = b"\x10\x17\x17\x00\x00\x00\x04\x00\x82f1\x03\x82v1\x03\x81n\x02\xf2\xe0\x93\x04\x04\xff\n\x00\xdfe\xe2\x9f\xaa\xd14y";
    let h = hash(&[(b"f1", b"v1"), (b"n", b"300000")]);
    assert_eq!(&dump(&h)[..], &p[..]);
    assert_eq!(restore_payload(p, &limits()).unwrap(), h);
}

#[test]
fn zsets_round_trip() {
    let p = round_trip(zset(&[
        (b"a", 1.0),
        (b"b", 2.5),
        (b"c", f64::INFINITY),
        (b"d", f64::NEG_INFINITY),
        (b"e", -0.0),
        (b"f", 1e300),
        (b"g", 0.1),
        (b"h", -4611686018427387904.0),
    ]));
    assert_eq!(p[0], types::ZSET_LISTPACK);
    let p = round_trip(zset(&[(&[b'm'; 70], 1.5), (b"x", 2.0)]));
    assert_eq!(p[0], types::ZSET_2);
    let members = owned(500, |i| format!("m{i}"));
    let pairs: Vec<(&[u8], f64)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (&m[..], (i as f64) / 3.0))
        .collect();
    let p = round_trip(zset(&pairs));
    // Greatest first, as Redis writes a skiplist: 500 members, then "m499".
    assert_eq!(&p[..8], b"\x05\x41\xf4\x04m499");
}

#[test]
fn redis_zset_payload() {
    // ZADD z -0 a 1 b 2.5 c inf d on Redis 7.0.15.
    let p = b"\x11!!\x00\x00\x00\x08\x00\x81a\x02\x00\x01\x81b\x02\x01\x01\x81c\x02\x832.5\x04\x81d\x02\x83inf\x04\xff\n\x004\xae\xa9\x9d[E8\x90";
    let z = zset(&[
        (b"a", -0.0),
        (b"b", 1.0),
        (b"c", 2.5),
        (b"d", f64::INFINITY),
    ]);
    assert_eq!(&dump(&z)[..], &p[..]);
    assert_eq!(restore_payload(p, &limits()).unwrap(), z);
}

/// A payload of type `t` whose value is the string `blob`.
fn blob_payload(t: u8, blob: &[u8]) -> Vec<u8> {
    let mut body = vec![t];
    put_string(&mut body, blob, false);
    payload(&body)
}

#[test]
fn older_encodings() {
    let l = restore_payload(
        &blob_payload(types::LIST_ZIPLIST, &ziplist(&[b"a", b"7", b"-300"])),
        &limits(),
    );
    assert_eq!(l.unwrap(), list(&[b"a", b"7", b"-300"]));

    let h = restore_payload(
        &blob_payload(types::HASH_ZIPLIST, &ziplist(&[b"f", b"1", b"g", b"x"])),
        &limits(),
    );
    assert_eq!(h.unwrap(), hash(&[(b"f", b"1"), (b"g", b"x")]));

    let z = restore_payload(
        &blob_payload(types::ZSET_ZIPLIST, &ziplist(&[b"a", b"1", b"b", b"2.5"])),
        &limits(),
    );
    assert_eq!(z.unwrap(), zset(&[(b"a", 1.0), (b"b", 2.5)]));

    let zm = zipmap(&[(b"f", b"v"), (b"n", b"12")]);
    let h = restore_payload(&blob_payload(types::HASH_ZIPMAP, &zm), &limits());
    assert_eq!(h.unwrap(), hash(&[(b"f", b"v"), (b"n", b"12")]));

    // QUICKLIST (v1): ziplist nodes.
    let mut body = vec![types::LIST_QUICKLIST];
    put_len(&mut body, 2);
    put_string(&mut body, &ziplist(&[b"a", b"b"]), true);
    put_string(&mut body, &ziplist(&[b"c", &[b'd'; 100]]), true);
    let l = restore_payload(&payload(&body), &limits()).unwrap();
    assert_eq!(l, list(&[b"a", b"b", b"c", &[b'd'; 100]]));

    // Plain LIST and ZSET (v1) with text scores.
    let mut body = vec![types::LIST];
    put_len(&mut body, 2);
    put_string(&mut body, b"x", true);
    put_string(&mut body, b"12", true);
    assert_eq!(
        restore_payload(&payload(&body), &limits()).unwrap(),
        list(&[b"x", b"12"])
    );

    let mut body = vec![types::ZSET];
    put_len(&mut body, 3);
    for (m, s) in [
        (&b"a"[..], &b"\x031.5"[..]),
        (b"b", b"\xfe"),
        (b"c", b"\xff"),
    ] {
        put_string(&mut body, m, true);
        body.extend_from_slice(s);
    }
    let z = restore_payload(&payload(&body), &limits()).unwrap();
    assert_eq!(
        z,
        zset(&[
            (b"a", 1.5),
            (b"b", f64::INFINITY),
            (b"c", f64::NEG_INFINITY)
        ])
    );
    let nan = [types::ZSET, 1, 1, b'a', 253];
    assert!(restore_payload(&payload(&nan), &limits()).is_err());
}

#[test]
fn loader_conversions_follow_the_limits() {
    let small = EncodingLimits {
        hash_max_listpack_entries: 2,
        zset_max_listpack_entries: 2,
        set_max_intset_entries: 2,
        ..EncodingLimits::default()
    };
    let enc = |p: &[u8], l: &EncodingLimits| encoding(&restore_payload(p, l).unwrap());
    let h3 = dump(&hash(&[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]));
    assert_eq!(enc(&h3, &limits()), "listpack");
    assert_eq!(enc(&h3, &small), "hashtable");
    let s3 = dump(&set(&[b"1", b"2", b"3"]));
    assert_eq!(enc(&s3, &small), "hashtable");
    let z3 = dump(&zset(&[(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)]));
    assert_eq!(enc(&z3, &small), "skiplist");
    // A listpack image with a long value stays a listpack (only the count converts).
    let tight = EncodingLimits {
        hash_max_listpack_value: 4,
        zset_max_listpack_value: 4,
        ..EncodingLimits::default()
    };
    assert_eq!(
        enc(&dump(&hash(&[(b"f", b"longer value")])), &tight),
        "listpack"
    );
    assert_eq!(
        enc(&dump(&zset(&[(b"long member", 1.0)])), &tight),
        "listpack"
    );
    // ZSET_2 with few short members becomes a listpack; a SET of integers an intset.
    let mut body = vec![types::ZSET_2];
    put_len(&mut body, 1);
    put_string(&mut body, b"m", true);
    body.extend_from_slice(&2.0f64.to_le_bytes());
    assert_eq!(enc(&payload(&body), &limits()), "listpack");
    let mut body = vec![types::SET];
    put_len(&mut body, 2);
    put_string(&mut body, b"5", true);
    put_string(&mut body, b"-9", true);
    assert_eq!(enc(&payload(&body), &limits()), "intset");
}

#[test]
fn duplicates_nan_and_empty_are_refused() {
    let bad = |body: &[u8]| {
        assert!(
            matches!(
                restore_payload(&payload(body), &limits()),
                Err(PayloadError::BadData(_))
            ),
            "{body:?}"
        );
    };
    bad(&[types::SET, 2, 1, b'a', 1, b'a']);
    bad(&[types::SET, 2, 0xC0, 1, 0xC0, 1]);
    bad(&[types::HASH, 2, 1, b'f', 1, b'v', 1, b'f', 1, b'w']);
    bad(&[
        types::ZSET_2,
        2,
        1,
        b'm',
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        b'm',
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ]);
    let mut nan = vec![types::ZSET_2, 1, 1, b'm'];
    nan.extend_from_slice(&f64::NAN.to_le_bytes());
    bad(&nan);
    bad(&[types::SET, 0]);
    bad(&[types::LIST_QUICKLIST_2, 0]);
    bad(&blob_payload(
        types::HASH_LISTPACK,
        &ListpackImage::of(&[b"f", b"1", b"f", b"2"]),
    )[..1]);
    let dup_hash = blob_payload(
        types::HASH_LISTPACK,
        &ListpackImage::of(&[b"f", b"1", b"f", b"2"]),
    );
    assert!(restore_payload(&dup_hash, &limits()).is_err());
    let odd = blob_payload(
        types::HASH_LISTPACK,
        &ListpackImage::of(&[b"f", b"1", b"g"]),
    );
    assert!(restore_payload(&odd, &limits()).is_err());
    let empty = blob_payload(types::HASH_LISTPACK, &ListpackImage::of(&[]));
    assert_eq!(
        restore_payload(&empty, &limits()),
        Err(PayloadError::BadData(None))
    );
    bad(&[0x08, 0]);
    bad(&[0x20, 0]);
}

struct ListpackImage;

impl ListpackImage {
    fn of(items: &[&[u8]]) -> Vec<u8> {
        let mut w = crate::rdb::listpack::ListpackWriter::new();
        items.iter().for_each(|i| w.push(i));
        w.finish()
    }
}

#[test]
fn unsupported_types_say_so() {
    let mut r = Reader::new(&[0u8; 4]);
    for t in [types::MODULE_2, types::STREAM_LISTPACKS_2, 21] {
        assert!(matches!(
            read_value(t, &mut r, &limits()),
            Err(RdbError::Unsupported { .. })
        ));
    }
}

#[test]
fn footer_checks() {
    let p = dump(&Loaded::Str(b"v".to_vec()));
    assert!(restore_payload(&p, &limits()).is_ok());
    assert_eq!(
        restore_payload(&p[..9], &limits()),
        Err(PayloadError::VersionOrChecksum)
    );
    let mut bad_crc = p.clone();
    *bad_crc.last_mut().unwrap() ^= 1;
    assert_eq!(
        restore_payload(&bad_crc, &limits()),
        Err(PayloadError::VersionOrChecksum)
    );
    // Version 11 with a correct CRC: still refused.
    let v11 = with_version(&p, 11);
    assert_eq!(
        restore_payload(&v11, &limits()),
        Err(PayloadError::VersionOrChecksum)
    );
    // Older versions load.
    let v9 = with_version(&p, 9);
    assert!(restore_payload(&v9, &limits()).is_ok());
}

#[test]
fn huge_lengths_are_errors_not_allocations() {
    let cases: Vec<Vec<u8>> = vec![
        vec![
            types::STRING,
            0x81,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
        ],
        vec![types::STRING, 0x80, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![
            types::LIST,
            0x81,
            0x7F,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
        ],
        vec![types::SET, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 1, b'a'],
        // LZF claiming 4 GiB out of 2 bytes.
        vec![
            types::STRING,
            0xC3,
            2,
            0x80,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0,
            b'a',
        ],
        vec![
            types::STRING,
            0xC3,
            0x81,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            0xFF,
            1,
        ],
        vec![
            types::HASH_LISTPACK,
            0x0A,
            0xFF,
            0xFF,
            0xFF,
            0x7F,
            0,
            0,
            0,
            0,
            0,
            0xFF,
        ],
        vec![types::STRING, 0xC4],
        vec![types::STRING, 0x82],
    ];
    for body in cases {
        let mut r = Reader::new(&body[1..]);
        assert!(read_value(body[0], &mut r, &limits()).is_err(), "{body:?}");
    }
}

#[test]
fn every_truncation_is_an_error() {
    for p in samples() {
        let body = &p[..p.len() - 10];
        for cut in 1..body.len() {
            let mut r = Reader::new(&body[1..cut]);
            assert!(
                read_value(body[0], &mut r, &limits()).is_err(),
                "cut {cut} of {body:?}"
            );
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for p in samples() {
        for i in 0..p.len() {
            for bit in [0x01, 0x10, 0x80, 0xFF] {
                let mut m = p.clone();
                m[i] ^= bit;
                let _ = restore_payload(&m, &limits());
                let body = &m[..m.len() - 10];
                let _ = read_value(body[0], &mut Reader::new(&body[1..]), &limits());
            }
        }
    }
}

/// Bounded, deterministic mutation fuzzing of the decoder (no CRC in the way): random
/// byte changes, insertions, deletions and splices over valid payloads never panic.
#[test]
fn mutation_fuzz_never_panics() {
    let seeds = samples();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let s = &seeds[(next() % seeds.len() as u64) as usize];
        let mut m = s[..s.len() - 10].to_vec();
        for _ in 0..1 + next() % 4 {
            let i = (next() % m.len() as u64) as usize;
            match next() % 5 {
                0 => m[i] = next() as u8,
                1 => m[i] ^= 1 << (next() % 8),
                2 => m.insert(i, next() as u8),
                3 if m.len() > 1 => {
                    m.remove(i);
                }
                _ => {
                    let j = (next() % m.len() as u64) as usize;
                    m[i] = m[j];
                }
            }
        }
        let t = m[0];
        let _ = read_value(t, &mut Reader::new(&m[1..]), &limits());
        let _ = restore_payload(&payload(&m), &limits());
    }
}

/// A DUMP payload re-footed with RDB version `v` and a correct CRC.
fn with_version(payload: &[u8], v: u16) -> Vec<u8> {
    let mut out = payload[..payload.len() - 10].to_vec();
    out.extend_from_slice(&v.to_le_bytes());
    let crc = crate::rdb::crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}
