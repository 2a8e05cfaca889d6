//! Steady writeback of the private cluster's data files.
//!
//! PostgreSQL 15 grows a table or index by writing zeroed pages through the page cache, and
//! nothing asks the kernel to write those out early: its `*_flush_after` settings cover
//! pages written from shared buffers, not extensions. The kernel then writes a file's dirty
//! pages only once they are 30 s old (`vm.dirty_expire_centisecs`; Debian starts background
//! writeback earlier only above 10 % of memory), and all of the file's pages at once: under
//! sustained intake, bursts of hundreds of megabytes that every commit's WAL flush queues
//! behind.
//!
//! This thread does for the cluster's files what `*_flush_after` does for PostgreSQL's own
//! writes: four times a second it asks the kernel to start writing what the files changed
//! since the last pass hold (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`: it neither
//! waits for the disk nor drops cached pages, and durability stays PostgreSQL's business).
//! Only the private cluster gets it; a server given `DATABASE_URL` leaves the host's
//! writeback to whoever runs that database.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

/// How often the files are looked at: often enough that a pass finds little to write.
const EVERY: Duration = Duration::from_millis(250);
/// Files modified this long before the previous pass began are written again, in case a
/// write landed between a file's check and the pass's timestamp.
const OVERLAP: Duration = Duration::from_secs(1);

/// The running writeback thread; dropping it stops the thread.
#[derive(Debug)]
pub struct Writeback {
    _stop: mpsc::Sender<()>,
}

impl Writeback {
    /// Starts the thread for the cluster in `data_dir` (the directory holding `base/`).
    pub fn spawn(data_dir: &Path) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let base = data_dir.join("base");
        std::thread::Builder::new()
            .name("pg-writeback".into())
            .spawn(move || run(&base, &stopped))?;
        Ok(Writeback { _stop: stop })
    }
}

fn run(base: &Path, stopped: &mpsc::Receiver<()>) {
    let mut since = SystemTime::UNIX_EPOCH;
    // The sender is never used: its drop disconnects the channel and ends the loop.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
        let started = SystemTime::now();
        for path in changed_files(base, since) {
            // A file dropped since it was listed is no longer ours to write.
            if let Ok(file) = File::open(&path) {
                if let Err(e) = start_writeback(&file) {
                    tracing::debug!(path = %path.display(), error = %e, "sync_file_range");
                }
            }
        }
        since = started.checked_sub(OVERLAP).unwrap_or(started);
    }
}

/// Relation files under `base/<database>/` modified at or after `since`.
fn changed_files(base: &Path, since: SystemTime) -> Vec<PathBuf> {
    let entries = |dir: &Path| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
    };
    entries(base)
        .flat_map(|db| entries(&db.path()).collect::<Vec<_>>())
        .filter(|f| {
            f.metadata()
                .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t >= since))
        })
        .map(|f| f.path())
        .collect()
}

/// Starts writeback of every dirty page of `file` without waiting for it.
#[allow(unsafe_code)]
fn start_writeback(file: &File) -> std::io::Result<()> {
    // SAFETY: a plain system call on a file descriptor that `file` keeps open for its
    // duration; offset 0 and length 0 mean the whole file; no memory is passed.
    let rc = unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn finds_recently_changed_relation_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("16384");
        std::fs::create_dir(&db).unwrap();
        let mut f = File::create(db.join("16385")).unwrap();
        f.write_all(&[0u8; 8192]).unwrap();
        start_writeback(&f).unwrap();
        let before = SystemTime::now() - Duration::from_secs(60);
        let after = SystemTime::now() + Duration::from_secs(60);
        assert_eq!(changed_files(dir.path(), before), vec![db.join("16385")]);
        assert!(changed_files(dir.path(), after).is_empty());
        assert!(changed_files(&dir.path().join("missing"), before).is_empty());
    }
}
