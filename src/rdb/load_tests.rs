//! Whole-file loading: framing, opcodes, old files, checksums, and all-or-nothing errors.

use super::*;
use crate::rdb::reader::Loaded;
use crate::rdb::writer::{put_string, Aux, RdbWriter, WriteOptions};
use crate::storage::entry::ValueRef;
use crate::storage::list::{End, Fill, List};
use crate::storage::value::Object;

fn limits() -> EncodingLimits {
    EncodingLimits::default()
}

fn sample_file(checksum: bool) -> Vec<u8> {
    let mut w = RdbWriter::new(WriteOptions::default());
    w.header(&Aux {
        ctime_secs: 1_700_000_000,
        used_mem: 1 << 20,
        repl: Some((0, "a".repeat(40), 1001)),
        ..Aux::default()
    });
    w.select_db(0, 2, 1);
    w.entry(b"k", ValueRef::Str(b"v"), None);
    let mut l = List::default();
    l.push(End::Tail, b"x", Fill::default());
    l.push(End::Tail, b"12", Fill::default());
    let obj = Object::List(l);
    w.entry(b"l", ValueRef::Obj(&obj), Some(1_800_000_000_000));
    // A fragment written apart, framed by the first writer.
    let mut frag = RdbWriter::new(WriteOptions::default());
    frag.entry(b"k", ValueRef::Str(&[b'z'; 100]), None);
    w.select_db(3, 1, 0);
    w.append_fragment(&frag.into_fragment());
    w.finish(checksum)
}

#[test]
fn loads_what_the_writer_wrote() {
    for checksum in [true, false] {
        let f = load(&sample_file(checksum), &limits(), 16).unwrap();
        assert_eq!(f.version, 10);
        assert_eq!(f.aux(b"redis-ver"), Some(&b"7.0.15"[..]));
        assert_eq!(f.aux(b"redis-bits"), Some(&b"64"[..]));
        assert_eq!(f.aux(b"repl-offset"), Some(&b"1001"[..]));
        assert_eq!(f.keys.len(), 3);
        assert_eq!(f.keys[0].value, Loaded::Str(b"v".to_vec()));
        assert_eq!(f.keys[1].expire_at_ms, Some(1_800_000_000_000));
        assert_eq!((f.keys[2].db, &f.keys[2].key[..]), (3, &b"k"[..]));
        assert_eq!(f.keys[2].value, Loaded::Str(vec![b'z'; 100]));
    }
}

#[test]
fn every_truncation_and_flip_is_an_error() {
    let file = sample_file(true);
    for cut in 0..file.len() {
        assert!(load(&file[..cut], &limits(), 16).is_err(), "cut {cut}");
    }
    // With the checksum on, any flipped bit is caught (or makes the file invalid).
    for i in 0..file.len() {
        let mut m = file.clone();
        m[i] ^= 0x04;
        assert!(load(&m, &limits(), 16).is_err(), "flip at {i}");
    }
    // Without it, flips must not panic.
    let file = sample_file(false);
    for i in 0..file.len() {
        let mut m = file.clone();
        m[i] ^= 0x40;
        let _ = load(&m, &limits(), 16);
    }
}

#[test]
fn checksum_mismatch_names_the_footer() {
    let mut file = sample_file(true);
    let n = file.len();
    file[n - 1] ^= 1;
    match load(&file, &limits(), 16) {
        Err(RdbError::Checksum { offset, .. }) => assert_eq!(offset, n - 8),
        other => panic!("{other:?}"),
    }
}

fn file_of(version: &str, body: &[u8]) -> Vec<u8> {
    let mut f = format!("REDIS{version}").into_bytes();
    f.extend_from_slice(body);
    f.push(0xFF);
    f.extend_from_slice(&[0; 8]);
    f
}

#[test]
fn old_files_and_opcodes() {
    // Version 6: EXPIRETIME in seconds, IDLE/FREQ, a key in db 1, an empty set skipped.
    let mut body = vec![0xFE, 1, 0xFD];
    body.extend_from_slice(&1_900_000_000i32.to_le_bytes());
    body.extend_from_slice(&[0xF8, 5, 0, 1, b'a']);
    put_string(&mut body, b"1", true);
    body.extend_from_slice(&[0xF9, 3, 2, 1, b'e', 0]);
    let f = load(&file_of("0006", &body), &limits(), 16).unwrap();
    assert_eq!(f.keys.len(), 1);
    assert_eq!(f.keys[0].db, 1);
    assert_eq!(f.keys[0].expire_at_ms, Some(1_900_000_000_000));
    assert_eq!(f.skipped_empty, 1);
    // Version 3 has no checksum footer.
    let mut v3 = b"REDIS0003\x00\x01a\x01b\xFF".to_vec();
    assert_eq!(load(&v3, &limits(), 16).unwrap().keys.len(), 1);
    v3.truncate(v3.len() - 1);
    assert!(load(&v3, &limits(), 16).is_err());
}

#[test]
fn refusals() {
    let unsupported = |f: &[u8]| {
        assert!(
            matches!(load(f, &limits(), 16), Err(RdbError::Unsupported { .. })),
            "{f:?}"
        )
    };
    unsupported(&file_of("0011", &[]));
    unsupported(&file_of("0010", &[0xF5, 1, b'x']));
    unsupported(&file_of("0010", &[0xF7, 1]));
    unsupported(&file_of("0010", &[15, 1, b'k', 0]));
    assert!(load(&file_of("0010", &[0xFE, 16]), &limits(), 16).is_err());
    assert!(load(b"RADIS0010\xFF", &limits(), 16).is_err());
    assert!(load(&file_of("00x0", &[]), &limits(), 16).is_err());
    assert!(load(&file_of("0010", &[0x08]), &limits(), 16).is_err());
    // The same key twice in a db is refused; in two dbs it is fine.
    let twice = [0, 1, b'k', 1, b'v', 0, 1, b'k', 1, b'w'];
    assert!(load(&file_of("0010", &twice), &limits(), 16).is_err());
    let apart = [0, 1, b'k', 1, b'v', 0xFE, 2, 0, 1, b'k', 1, b'w'];
    assert_eq!(
        load(&file_of("0010", &apart), &limits(), 16)
            .unwrap()
            .keys
            .len(),
        2
    );
}

#[test]
fn streaming_in_any_chunks_equals_loading_whole() {
    for checksum in [true, false] {
        let file = sample_file(checksum);
        let whole = load(&file, &limits(), 16).unwrap();
        for chunk in [1, 2, 3, 7, 64, file.len()] {
            let mut s = StreamLoader::new(limits(), 16);
            let (mut keys, mut aux) = (Vec::new(), Vec::new());
            let mut drain = |s: &mut StreamLoader| {
                while let Some(item) = s.next_item().unwrap() {
                    match item {
                        Item::Key(k) => keys.push(k),
                        Item::Aux(k, v) => aux.push((k, v)),
                        Item::SkippedEmpty => {}
                    }
                }
            };
            for piece in file.chunks(chunk) {
                s.feed(piece);
                drain(&mut s);
            }
            s.end_of_input();
            drain(&mut s);
            assert!(s.is_done(), "chunk {chunk}");
            assert_eq!(keys, whole.keys, "chunk {chunk}");
            assert_eq!(aux, whole.aux, "chunk {chunk}");
        }
    }
}

#[test]
fn streaming_checks_the_checksum_and_names_whole_file_offsets() {
    let mut file = sample_file(true);
    let n = file.len();
    file[n - 3] ^= 1;
    let mut s = StreamLoader::new(limits(), 16);
    let mut err = None;
    for piece in file.chunks(5) {
        s.feed(piece);
        loop {
            match s.next_item() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        if err.is_some() {
            break;
        }
    }
    match err {
        Some(RdbError::Checksum { offset, .. }) => assert_eq!(offset, n - 8),
        other => panic!("expected a checksum error, got {other:?}"),
    }
}
