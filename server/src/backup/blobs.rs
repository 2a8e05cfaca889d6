//! Copying attachment blobs while checking each against its SHA-256.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::manifest::{blob_path, BlobEntry};

/// Copies run on this many threads: one reads while another waits for the disk.
const THREADS: usize = 2;
const CHUNK: usize = 256 * 1024;

/// What went wrong with one blob.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {sha256} is missing ({path})")]
    Missing { sha256: String, path: String },
    #[error("blob {sha256} does not match its SHA-256 (its content hashes to {actual})")]
    Altered { sha256: String, actual: String },
    #[error("blob {sha256} has {actual} bytes, {expected} expected")]
    WrongSize {
        sha256: String,
        expected: u64,
        actual: u64,
    },
    #[error("copying blob {sha256}: {source}")]
    Io {
        sha256: String,
        source: std::io::Error,
    },
}

/// Copy every blob of `list` from `from` to `to` (both laid out as `ab/<sha>`), hashing
/// as it goes; files are created with `mode`. Stops at the first blob that is missing,
/// altered or of the wrong size. Returns the bytes copied. Nothing is flushed here: the
/// caller syncs the filesystem once.
pub fn copy_all(list: &[BlobEntry], from: &Path, to: &Path, mode: u32) -> Result<u64, BlobError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut buf = vec![0u8; CHUNK];
                while !failed.load(Ordering::Relaxed) {
                    let Some(blob) = list.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return;
                    };
                    match copy_one(blob, from, to, mode, &mut buf) {
                        Ok(n) => {
                            bytes.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error.lock().expect("error slot").get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    match first_error.into_inner().expect("error slot") {
        Some(e) => Err(e),
        None => Ok(bytes.into_inner()),
    }
}

fn copy_one(
    blob: &BlobEntry,
    from: &Path,
    to: &Path,
    mode: u32,
    buf: &mut [u8],
) -> Result<u64, BlobError> {
    let src = blob_path(from, &blob.sha256);
    let io = |source| BlobError::Io {
        sha256: blob.sha256.clone(),
        source,
    };
    let mut input = match File::open(&src) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BlobError::Missing {
                sha256: blob.sha256.clone(),
                path: src.display().to_string(),
            })
        }
        Err(e) => return Err(io(e)),
    };
    let dest = blob_path(to, &blob.sha256);
    std::fs::create_dir_all(dest.parent().expect("blob dir")).map_err(io)?;
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&dest)
        .map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let n = input.read(buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(io)?;
        size += n as u64;
    }
    let actual = hex::encode(hasher.finalize());
    if actual != blob.sha256 {
        return Err(BlobError::Altered {
            sha256: blob.sha256.clone(),
            actual,
        });
    }
    if size != blob.size {
        return Err(BlobError::WrongSize {
            sha256: blob.sha256.clone(),
            expected: blob.size,
            actual: size,
        });
    }
    Ok(size)
}

/// SHA-256 and size of a file.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Whether `blobs` (a data dir's blob store) holds any blob. Upload leftovers in `tmp/`
/// are not blobs.
pub fn any_blob(blobs: &Path) -> std::io::Result<bool> {
    let entries = match std::fs::read_dir(blobs) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name() == "tmp" {
            continue;
        }
        if !entry.file_type()?.is_dir() || std::fs::read_dir(entry.path())?.next().is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, content: &[u8]) -> BlobEntry {
        let sha256 = hex::encode(Sha256::digest(content));
        let path = blob_path(root, &sha256);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        BlobEntry {
            sha256,
            size: content.len() as u64,
        }
    }

    #[test]
    fn copies_and_checks_every_blob() {
        let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let list: Vec<_> = (0..20)
            .map(|i| put(from.path(), format!("lampiran {i}").as_bytes()))
            .collect();
        let bytes = copy_all(&list, from.path(), to.path(), 0o600).unwrap();
        assert_eq!(bytes, list.iter().map(|b| b.size).sum::<u64>());
        for b in &list {
            let copied = std::fs::read(blob_path(to.path(), &b.sha256)).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&copied)), b.sha256);
        }
        assert!(any_blob(to.path()).unwrap());
    }

    #[test]
    fn an_altered_or_missing_blob_is_named() {
        let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let good = put(from.path(), b"asal");
        let bad = put(from.path(), b"asal juga");
        std::fs::write(blob_path(from.path(), &bad.sha256), b"diubah").unwrap();
        let err = copy_all(&[good.clone(), bad.clone()], from.path(), to.path(), 0o600);
        assert!(matches!(err, Err(BlobError::Altered { sha256, .. }) if sha256 == bad.sha256));
        let gone = BlobEntry {
            sha256: "0".repeat(64),
            size: 1,
        };
        let err = copy_all(
            &[gone],
            from.path(),
            tempfile::tempdir().unwrap().path(),
            0o600,
        );
        assert!(matches!(err, Err(BlobError::Missing { .. })));
    }

    #[test]
    fn upload_leftovers_are_not_blobs() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!any_blob(&dir.path().join("absent")).unwrap());
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        std::fs::write(dir.path().join("tmp/half-upload"), b"x").unwrap();
        std::fs::create_dir_all(dir.path().join("ab")).unwrap();
        assert!(!any_blob(dir.path()).unwrap());
        put(dir.path(), b"a blob");
        assert!(any_blob(dir.path()).unwrap());
    }
}
