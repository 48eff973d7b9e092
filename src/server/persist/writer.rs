//! The writer thread: a temporary file in `dir`, written from fragments received on a
//! bounded channel, then fsynced and renamed over `dbfilename` (the directory fsynced
//! too). A failure removes the temporary file and leaves the old dump untouched.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Fragments the writer thread's channel holds before the coordinator waits.
const WRITER_QUEUE: usize = 16;

pub(super) enum Chunk {
    Data(Vec<u8>),
    Finish { checksum: bool },
}

/// A file being written by its own thread.
pub struct FileWriter {
    tx: crossbeam_channel::Sender<Chunk>,
    done: crossbeam_channel::Receiver<Result<(), String>>,
}

impl FileWriter {
    /// Starts a thread writing `dir/temp-<pid>.rdb`, renamed to `dir/filename` at the end.
    pub fn start(dir: PathBuf, filename: String) -> Result<FileWriter, String> {
        let (tx, rx) = crossbeam_channel::bounded::<Chunk>(WRITER_QUEUE);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("rdb-writer".into())
            .spawn(move || {
                let r = write_file(&dir, &filename, &rx);
                let _ = done_tx.send(r);
            })
            .map_err(|e| format!("Can't start the RDB writer thread: {e}"))?;
        Ok(FileWriter { tx, done })
    }

    /// Queues bytes, waiting (with a timer, never blocking the executor) while the queue
    /// is full. Fails when the writer gave up (its error comes from [`FileWriter::finish`]).
    pub async fn send(&self, data: Vec<u8>) -> Result<(), ()> {
        let mut chunk = Chunk::Data(data);
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::TrySendError::Full(c)) => {
                    chunk = c;
                    glommio::timer::sleep(Duration::from_micros(500)).await;
                }
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => return Err(()),
            }
        }
    }

    /// Ends the file (EOF, checksum), and waits for it to be durable under its name.
    pub async fn finish(self, checksum: bool) -> Result<(), String> {
        let _ = self.send_finish(checksum).await;
        drop(self.tx);
        recv_cross(&self.done)
            .await
            .unwrap_or_else(|| Err("the RDB writer thread died".into()))
    }

    async fn send_finish(&self, checksum: bool) -> Result<(), ()> {
        let mut chunk = Chunk::Finish { checksum };
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(crossbeam_channel::TrySendError::Full(c)) => {
                    chunk = c;
                    glommio::timer::sleep(Duration::from_micros(500)).await;
                }
                Err(_) => return Err(()),
            }
        }
    }

    /// Gives up: the writer removes its temporary file.
    pub async fn abort(self) {
        drop(self.tx);
        let _ = recv_cross(&self.done).await;
    }
}

/// Waits for a message from another thread, polling with a short timer.
pub(super) async fn recv_cross<T>(rx: &crossbeam_channel::Receiver<T>) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(v) => return Some(v),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return None,
            Err(crossbeam_channel::TryRecvError::Empty) => {
                glommio::timer::sleep(Duration::from_millis(1)).await
            }
        }
    }
}

/// The writer thread's body: the temp file, then the rename; the temp file is removed
/// on any failure or when the sender gives up.
fn write_file(
    dir: &Path,
    filename: &str,
    rx: &crossbeam_channel::Receiver<Chunk>,
) -> Result<(), String> {
    use std::io::Write;
    let tmp_name = format!("temp-{}.rdb", std::process::id());
    let tmp = dir.join(&tmp_name);
    let file = std::fs::File::create(&tmp).map_err(|e| {
        format!(
            "Failed opening the temp RDB file {tmp_name} (in server root dir {}) for saving: {e}",
            dir.display()
        )
    })?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut crc = crate::rdb::crc64_digest();
    let written = (|| -> Result<bool, std::io::Error> {
        while let Ok(chunk) = rx.recv() {
            match chunk {
                Chunk::Data(d) => {
                    crc.update(&d);
                    out.write_all(&d)?;
                }
                Chunk::Finish { checksum } => {
                    out.write_all(&[crate::rdb::opcodes::EOF])?;
                    crc.update(&[crate::rdb::opcodes::EOF]);
                    let sum = if checksum { crc.finalize() } else { 0 };
                    out.write_all(&sum.to_le_bytes())?;
                    out.flush()?;
                    out.get_ref().sync_all()?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    })();
    let fail = |msg: String| {
        let _ = std::fs::remove_file(&tmp);
        Err(msg)
    };
    match written {
        Ok(true) => {}
        Ok(false) => return fail("the save was abandoned".into()),
        Err(e) => return fail(format!("Write error saving DB on disk: {e}")),
    }
    let target = dir.join(filename);
    if let Err(e) = std::fs::rename(&tmp, &target) {
        return fail(format!(
            "Error moving temp DB file {tmp_name} on the final destination {filename} (in server root dir {}): {e}",
            dir.display()
        ));
    }
    // The rename is durable only once the directory is.
    if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        return Err(format!("Failed to fsync directory {}: {e}", dir.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::value::EncodingLimits;

    #[test]
    fn writer_renames_and_failure_keeps_the_old_file() {
        let dir = std::env::temp_dir().join(format!("shardis-persist-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (tx, rx) = crossbeam_channel::bounded(4);
        tx.send(Chunk::Data(b"REDIS0010".to_vec())).unwrap();
        tx.send(Chunk::Finish { checksum: true }).unwrap();
        assert_eq!(write_file(&dir, "d.rdb", &rx), Ok(()));
        let data = std::fs::read(dir.join("d.rdb")).unwrap();
        assert!(crate::rdb::load::load(&data, &EncodingLimits::default(), 16).is_ok());
        // An abandoned write leaves the old file and no temp file.
        let (tx, rx) = crossbeam_channel::bounded(4);
        tx.send(Chunk::Data(b"garbage".to_vec())).unwrap();
        drop(tx);
        assert!(write_file(&dir, "d.rdb", &rx).is_err());
        assert_eq!(std::fs::read(dir.join("d.rdb")).unwrap(), data);
        assert!(!dir
            .join(format!("temp-{}.rdb", std::process::id()))
            .exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
