//! Anchors: the head of the chain (position and seal), signed with the audit key, written
//! every half minute to an append-only file in the data dir and to the server's log (the
//! system journal under systemd), where the database's roles cannot reach.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::AuditKey;
use crate::db;

/// The anchor file's name in the data dir.
pub const FILE: &str = "audit-anchors.jsonl";
/// The log target of anchor lines, to find them in the journal.
pub const LOG_TARGET: &str = "audit.anchor";
/// How often the head is anchored when it moved.
pub const EVERY: Duration = Duration::from_secs(30);

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The chain's head at a moment, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    pub mac: String,
}

impl Anchor {
    pub fn sign(key: &AuditKey, seq: i64, hash: String, at: DateTime<Utc>) -> Self {
        let mac = Self::mac_of(key, seq, &hash, at);
        Anchor { seq, hash, at, mac }
    }

    fn mac_of(key: &AuditKey, seq: i64, hash: &str, at: DateTime<Utc>) -> String {
        key.mac(&[
            b"anchor",
            seq.to_string().as_bytes(),
            hash.as_bytes(),
            at.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes(),
        ])
    }

    pub fn is_signed_by(&self, key: &AuditKey) -> bool {
        Self::mac_of(key, self.seq, &self.hash, self.at) == self.mac
    }
}

/// Append one anchor to `path` (created 0600) and flush it to disk.
pub fn append(path: &Path, anchor: &Anchor) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    let mut line = serde_json::to_string(anchor).expect("an anchor serialises");
    line.push('\n');
    f.write_all(line.as_bytes())?;
    f.sync_data()
}

/// An anchor line that could not be read, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub source: String,
    pub line: usize,
}

/// The anchors of a file: the anchor file itself, or any text holding anchor lines (a
/// journal export, whatever its format, with the JSON as written or escaped once). A
/// missing file has none.
pub fn read(path: &Path) -> std::io::Result<(Vec<Anchor>, Vec<Unreadable>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    Ok(parse(&text, &path.display().to_string()))
}

fn parse(text: &str, source: &str) -> (Vec<Anchor>, Vec<Unreadable>) {
    let (mut anchors, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let json = if let Some(at) = line.find("{\"seq\"") {
            line[at..].to_string()
        } else if let Some(at) = line.find("{\\\"seq\\\"") {
            line[at..].replace("\\\"", "\"")
        } else {
            continue;
        };
        let mut stream = serde_json::Deserializer::from_str(&json).into_iter::<Anchor>();
        match stream.next() {
            Some(Ok(a)) => anchors.push(a),
            _ => bad.push(Unreadable {
                source: source.into(),
                line: i + 1,
            }),
        }
    }
    (anchors, bad)
}

/// Anchor the head if it moved since `last`; returns the head anchored, if any.
pub async fn anchor_now(
    pool: &PgPool,
    key: &AuditKey,
    file: &Path,
    last: Option<i64>,
) -> anyhow::Result<Option<i64>> {
    let Some((seq, hash)) = db::audit::head(pool).await? else {
        return Ok(None);
    };
    if last == Some(seq) {
        return Ok(None);
    }
    let anchor = Anchor::sign(key, seq, hash, Utc::now());
    let line = serde_json::to_string(&anchor)?;
    tracing::info!(target: LOG_TARGET, anchor = %line, "audit chain anchored");
    let (file, written) = (file.to_path_buf(), anchor.clone());
    tokio::task::spawn_blocking(move || append(&file, &written)).await??;
    Ok(Some(seq))
}

/// Anchor every [`EVERY`] while the server runs, and once more when it stops.
pub async fn run(pool: PgPool, key: AuditKey, file: PathBuf, stop: CancellationToken) {
    let mut last = None;
    loop {
        let stopping = tokio::select! {
            _ = stop.cancelled() => true,
            _ = tokio::time::sleep(EVERY) => false,
        };
        if stopping {
            // The periodic sealer has stopped, perhaps mid-batch: wait for it and seal what
            // is pending so the last anchor covers every entry.
            let _ = db::audit::seal_all(&pool, &key).await;
        }
        match anchor_now(&pool, &key, &file, last).await {
            Ok(Some(seq)) => last = Some(seq),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "anchoring the audit chain failed"),
        }
        if stopping {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_found_in_their_file_and_in_journal_lines() {
        let key = AuditKey::generate();
        let a = Anchor::sign(&key, 7, "ab".repeat(32), Utc::now());
        let line = serde_json::to_string(&a).unwrap();
        let escaped = serde_json::to_string(&line).unwrap();
        let text = format!(
            "{line}\nDec 04 10:00:00 host aduan-server[1]: INFO audit.anchor: audit chain \
             anchored anchor={line}\n{{\"level\":\"INFO\",\"fields\":{{\"anchor\":{escaped}}}}}\n\
             unrelated line\n{{\"seq\": broken\n"
        );
        let (anchors, bad) = parse(&text, "t");
        assert_eq!(anchors, vec![a.clone(), a.clone(), a.clone()]);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 5);
        assert!(a.is_signed_by(&key));
        assert!(!a.is_signed_by(&AuditKey::generate()));
        let mut forged = a;
        forged.seq = 8;
        assert!(!forged.is_signed_by(&key));
    }
}
