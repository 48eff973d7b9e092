//! The engine on a real glommio executor: a bare keyspace as the shard, the walker in
//! its task queue, the writer thread, and a client task writing all along.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use glommio::{LocalExecutorBuilder, Placement};

use super::writer::{self, Msg};
use super::*;
use crate::storage::{Entry, Keyspace, NewValue, ValueRef};

type Record = (usize, Vec<u8>, Vec<u8>);

/// Test entry encoding: `klen key vlen value`, u32 little-endian lengths.
fn enc(buf: &mut Vec<u8>, e: &Entry) {
    let v: &[u8] = match e.value() {
        ValueRef::Str(s) => s,
        ValueRef::Obj(o) => o.type_name().as_bytes(),
    };
    for part in [e.key(), v] {
        buf.extend_from_slice(&(part.len() as u32).to_le_bytes());
        buf.extend_from_slice(part);
    }
}

#[derive(Default)]
struct Seen {
    begun: Option<Cut>,
    records: Vec<Record>,
    finished: bool,
    aborted: bool,
}

/// A framer that decodes what it is given.
struct Collect {
    seen: Arc<Mutex<Seen>>,
    db: Option<usize>,
    fail_after: Option<usize>,
}

impl Framer for Collect {
    fn begin(&mut self, cut: &Cut) -> std::io::Result<()> {
        self.seen.lock().unwrap().begun = Some(cut.clone());
        Ok(())
    }
    fn select_db(&mut self, db: usize) -> std::io::Result<()> {
        self.db = Some(db);
        Ok(())
    }
    fn fragment(&mut self, mut b: &[u8]) -> std::io::Result<()> {
        let mut seen = self.seen.lock().unwrap();
        if self.fail_after.is_some_and(|n| seen.records.len() >= n) {
            return Err(std::io::Error::other("disk full"));
        }
        let db = self.db.expect("select_db before fragments");
        while !b.is_empty() {
            let k = take(&mut b);
            let v = take(&mut b);
            seen.records.push((db, k, v));
        }
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.seen.lock().unwrap().finished = true;
        Ok(())
    }
    fn abort(&mut self) {
        self.seen.lock().unwrap().aborted = true;
    }
}

/// The next length-prefixed part of `b`.
fn take(b: &mut &[u8]) -> Vec<u8> {
    let n = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
    let s = b[4..4 + n].to_vec();
    *b = &b[4 + n..];
    s
}

fn run<G, F, T>(make: G) -> T
where
    G: FnOnce() -> F + Send + 'static,
    F: std::future::Future<Output = T> + 'static,
    T: Send + 'static,
{
    LocalExecutorBuilder::new(Placement::Unbound)
        .io_memory(256 << 10)
        .spawn(make)
        .expect("executor")
        .join()
        .expect("test executor")
}

fn dataset(ks: &Keyspace) -> HashMap<(usize, Vec<u8>), Vec<u8>> {
    let mut out = HashMap::new();
    for (i, d) in ks.dbs.iter().enumerate() {
        for e in d.table().iter() {
            let mut b = Vec::new();
            enc(&mut b, e);
            let klen = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
            out.insert((i, e.key().to_vec()), b[8 + klen..].to_vec());
        }
    }
    out
}

/// Starts the engine on `ks` as a one-shard process would, without the cut's locks
/// (nothing else runs) and without the process-wide slot (tests run in parallel).
fn start_on(ks: &Rc<RefCell<Keyspace>>, framer: Collect) -> Handle {
    let control = Control::new();
    let (tx, rx) = crossbeam_channel::bounded::<Msg>(2);
    let sizes = walk::install_on(ks.clone(), enc, tx, control.clone());
    let cut = Cut {
        unix_ms: 1,
        databases: sizes.len(),
        db_sizes: sizes,
        repl_offset: None,
        repl: None,
    };
    writer::spawn(Box::new(framer), rx, cut, 1, control.clone()).unwrap();
    Handle { control }
}

fn filled(dbs: usize, keys: usize) -> Rc<RefCell<Keyspace>> {
    let mut ks = Keyspace::new(dbs, 17);
    for d in 0..dbs {
        for i in 0..keys {
            let (k, v) = (format!("k{i}"), format!("v{d}:{i}"));
            let ttl = (i % 5 == 0).then_some(1_000);
            ks.dbs[d].insert(Entry::new(k.as_bytes(), NewValue::Str(v.as_bytes()), ttl));
        }
    }
    Rc::new(RefCell::new(ks))
}

#[test]
fn concurrent_writes_see_exactly_the_cut() {
    let (records, cut, written) = run(|| async {
        let ks = filled(3, 20_000);
        let at_cut = dataset(&ks.borrow());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let framer = Collect {
            seen: seen.clone(),
            db: None,
            fail_after: None,
        };
        let handle = start_on(&ks, framer);
        // A client writing until the snapshot ends: overwrites, deletes, creations that
        // grow the tables, expiry, a FLUSHDB and a SWAPDB, every db.
        let (mut round, mut flushed) = (0usize, false);
        while !handle.is_done() && round < 1_000_000 {
            {
                let mut ks = ks.borrow_mut();
                let hasher = ks.hasher();
                let d = round % 3;
                let db = &mut ks.dbs[d];
                let i = (round * 7919) % 20_000;
                let key = format!("k{i}");
                match round % 5 {
                    0 => {
                        db.insert(Entry::new(key.as_bytes(), NewValue::Str(b"new"), None));
                    }
                    1 => {
                        db.remove(key.as_bytes(), 0);
                    }
                    2 => {
                        let k = format!("fresh{round}");
                        db.insert(Entry::new(k.as_bytes(), NewValue::Str(b"x"), None));
                    }
                    3 => {
                        db.active_expire_step(2_000, 20, |_| false);
                    }
                    _ => {
                        if let Some(mut e) = db.get_mut(key.as_bytes(), 0) {
                            e.set_expire(None);
                        }
                    }
                }
                if !flushed && handle.keys_written() >= 20_000 {
                    // Most likely in the middle of db 1's walk (db 0 has 20000 keys).
                    flushed = true;
                    ks.dbs[1].clear(hasher);
                }
                if round == 900 {
                    let (a, b) = ks.dbs.split_at_mut(2);
                    a[0].swap_data(&mut b[0]);
                }
            }
            round += 1;
            futures_lite::future::yield_now().await;
        }
        let summary = handle.wait().await.expect("snapshot");
        assert_eq!(summary.keys as usize, at_cut.len());
        assert!(ks.borrow().dbs.iter().all(|d| d.snapshot.is_none()));
        let mut s = seen.lock().unwrap();
        assert!(s.finished && !s.aborted);
        let records = std::mem::take(&mut s.records);
        let cut = s.begun.clone().unwrap();
        (records, (cut, at_cut), round)
    });
    let (cut, at_cut) = cut;
    assert_eq!(cut.db_sizes, vec![(20_000, 4_000); 3]);
    let mut got = HashMap::new();
    for (db, k, v) in records {
        let key = (db, k);
        assert!(got.insert(key.clone(), v).is_none(), "twice: {key:?}");
    }
    assert_eq!(got.len(), at_cut.len());
    assert!(
        got == at_cut,
        "the snapshot differs from the dataset at the cut"
    );
    assert!(written > 0);
}

#[test]
fn abort_and_writer_failure_end_the_snapshot_and_remove_the_hooks() {
    run(|| async {
        for fail in [false, true] {
            let ks = filled(2, 20_000);
            let seen = Arc::new(Mutex::new(Seen::default()));
            let framer = Collect {
                seen: seen.clone(),
                db: None,
                fail_after: fail.then_some(100),
            };
            let handle = start_on(&ks, framer);
            if !fail {
                handle.abort();
            }
            let outcome = handle.wait().await;
            match (fail, outcome) {
                (false, Err(SnapshotError::Aborted)) => {}
                (true, Err(SnapshotError::Io(e))) => assert_eq!(e.to_string(), "disk full"),
                (_, other) => panic!("unexpected {other:?}"),
            }
            assert!(ks.borrow().dbs.iter().all(|d| d.snapshot.is_none()));
            let s = seen.lock().unwrap();
            assert!(s.aborted && !s.finished);
        }
    });
}

#[test]
fn one_snapshot_at_a_time() {
    let first = claim().expect("free");
    assert!(is_running());
    assert!(matches!(claim(), Err(SnapshotError::Busy)));
    first.complete(Err(SnapshotError::Aborted));
    assert!(!is_running());
    let again = claim().expect("free again");
    again.complete(Err(SnapshotError::Aborted));
}

#[test]
fn two_shards_feed_one_writer() {
    let control = Control::new();
    let (tx, rx) = crossbeam_channel::bounded::<Msg>(2);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut executors = Vec::new();
    let (cut_tx, cut_rx) = crossbeam_channel::bounded(2);
    for shard in 0..2usize {
        let (tx, control, cut_tx) = (tx.clone(), control.clone(), cut_tx.clone());
        let ex = LocalExecutorBuilder::new(Placement::Unbound)
            .io_memory(256 << 10)
            .spawn(move || async move {
                let ks = Rc::new(RefCell::new(Keyspace::new(2, shard as u64)));
                for d in 0..2 {
                    for i in 0..8_000 {
                        let k = format!("s{shard}:{i}");
                        let e = Entry::new(k.as_bytes(), NewValue::Str(b"cut"), None);
                        ks.borrow_mut().dbs[d].insert(e);
                    }
                }
                let at_cut = dataset(&ks.borrow());
                let sizes = walk::install_on(ks.clone(), enc, tx, control.clone());
                cut_tx.send(sizes).unwrap();
                let mut round = 0usize;
                while !control.done.load(std::sync::atomic::Ordering::Acquire) {
                    {
                        let mut ks = ks.borrow_mut();
                        let k = format!("s{shard}:{}", (round * 31) % 8_000);
                        let e = Entry::new(k.as_bytes(), NewValue::Str(b"after"), None);
                        ks.dbs[round % 2].insert(e);
                    }
                    round += 1;
                    glommio::timer::sleep(std::time::Duration::from_micros(50)).await;
                }
                at_cut
            })
            .unwrap();
        executors.push(ex);
    }
    drop(tx);
    let mut db_sizes = vec![(0, 0); 2];
    for _ in 0..2 {
        let sizes: Vec<(u64, u64)> = cut_rx.recv().unwrap();
        for (acc, s) in db_sizes.iter_mut().zip(sizes) {
            acc.0 += s.0;
            acc.1 += s.1;
        }
    }
    let cut = Cut {
        unix_ms: 1,
        databases: 2,
        db_sizes,
        repl_offset: None,
        repl: None,
    };
    let framer = Collect {
        seen: seen.clone(),
        db: None,
        fail_after: None,
    };
    writer::spawn(Box::new(framer), rx, cut, 2, control.clone()).unwrap();
    let mut expected = HashMap::new();
    for ex in executors {
        expected.extend(ex.join().unwrap());
    }
    let s = seen.lock().unwrap();
    assert!(s.finished);
    assert_eq!(s.begun.as_ref().unwrap().db_sizes, vec![(16_000, 0); 2]);
    let mut got = HashMap::new();
    for (db, k, v) in &s.records {
        assert!(got.insert((*db, k.clone()), v.clone()).is_none());
    }
    assert!(got == expected && got.len() == 32_000);
    assert_eq!(
        control.keys.load(std::sync::atomic::Ordering::Relaxed),
        32_000
    );
}
