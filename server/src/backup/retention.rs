//! `--keep N`: delete the older backups next to a new one, and what interrupted backups
//! left behind. Only directories that are recognisably Aduan's are ever deleted.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::manifest;

/// The temporary name a backup is written under until it is complete.
pub fn partial_name(final_name: &str, pid: u32) -> String {
    format!(".{final_name}.partial-{pid}")
}

/// The process that writes a temporary directory, if the name is one.
fn partial_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, pid) = rest.rsplit_once(".partial-")?;
    pid.parse().ok()
}

/// Enough of a manifest to order backups.
#[derive(Deserialize)]
struct Header {
    format: String,
    snapshot_at: DateTime<Utc>,
}

/// Keep the newest `keep` backups (by snapshot time) in the directory holding `newest`,
/// which is always kept; delete the others, and temporary directories whose writer is
/// gone. Returns what was deleted.
pub fn prune(newest: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let parent = newest.parent().expect("a backup has a parent");
    let mut backups: Vec<(DateTime<Utc>, PathBuf)> = Vec::new();
    let mut deleted = Vec::new();
    for entry in std::fs::read_dir(parent)? {
        let entry = entry?;
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = partial_pid(&name) {
            if !process_alive(pid) && remove(&path) {
                deleted.push(path);
            }
            continue;
        }
        if let Some(at) = snapshot_time(&path) {
            backups.push((at, path));
        }
    }
    backups.sort_by(|a, b| b.cmp(a));
    let mut kept = 0;
    for (_, path) in backups {
        if path == newest || kept < keep.saturating_sub(1) {
            kept += usize::from(path != newest);
            continue;
        }
        if remove(&path) {
            deleted.push(path);
        }
    }
    Ok(deleted)
}

fn snapshot_time(dir: &Path) -> Option<DateTime<Utc>> {
    let text = std::fs::read_to_string(dir.join(manifest::FILE)).ok()?;
    let header: Header = serde_json::from_str(&text).ok()?;
    (header.format == manifest::FORMAT).then_some(header.snapshot_at)
}

fn remove(path: &Path) -> bool {
    match std::fs::remove_dir_all(path) {
        Ok(()) => {
            println!("deleted old backup {}", path.display());
            true
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not delete an old backup");
            false
        }
    }
}

/// Without /proc nothing can be told: count the writer as alive and keep its directory.
fn process_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_backup(parent: &Path, name: &str, at: &str) -> PathBuf {
        let dir = parent.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let m = serde_json::json!({"format": manifest::FORMAT, "snapshot_at": at});
        std::fs::write(dir.join(manifest::FILE), m.to_string()).unwrap();
        dir
    }

    #[test]
    fn keeps_the_newest_and_nothing_else_is_touched() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        let old = fake_backup(p, "20261201", "2026-12-01T02:00:00Z");
        let mid = fake_backup(p, "20261202", "2026-12-02T02:00:00Z");
        let new = fake_backup(p, "20261203", "2026-12-03T02:00:00Z");
        std::fs::create_dir_all(p.join("notes")).unwrap();
        std::fs::write(p.join("README"), "not a backup").unwrap();
        let dead = p.join(partial_name("20261130", u32::MAX));
        std::fs::create_dir_all(&dead).unwrap();
        let live = p.join(partial_name("20261204", std::process::id()));
        std::fs::create_dir_all(&live).unwrap();

        let mut deleted = prune(&new, 2).unwrap();
        deleted.sort();
        let mut expected = vec![old.clone(), dead.clone()];
        expected.sort();
        assert_eq!(deleted, expected);
        assert!(mid.exists() && new.exists() && live.exists());
        assert!(p.join("notes").exists() && p.join("README").exists());

        assert_eq!(prune(&new, 1).unwrap(), vec![mid]);
        assert!(new.exists());
    }

    #[test]
    fn temporary_names_are_recognised() {
        assert_eq!(partial_pid(&partial_name("20261205-020000", 42)), Some(42));
        assert_eq!(partial_pid("20261205-020000"), None);
        assert_eq!(partial_pid(".hidden"), None);
    }
}
