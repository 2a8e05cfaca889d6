//! What the backup tests share: the `aduan-server` binary as an operator runs it, an
//! intake load that runs beside it, and the comparison of a restored installation with
//! its source.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::helpers::TestApp;

pub const BIN: &str = env!("CARGO_BIN_EXE_aduan-server");

/// The outcome of one `aduan-server` command.
#[derive(Debug)]
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// `aduan-server <args>` on an installation: `DATABASE_URL` when given, else the private
/// cluster under `data_dir`.
pub async fn run_tool(args: &[&str], database_url: Option<&str>, data_dir: &Path) -> Run {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("ADUAN_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .kill_on_drop(true);
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().await.expect("running aduan-server");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Intake as the counter produces it: submitters posting complaints with attachments
/// (fresh random files, and one file every complaint shares) until stopped, or until
/// `max` were accepted.
pub struct Load {
    accepted: watch::Receiver<usize>,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// A file every submitted complaint carries: stored once, named by many attachment rows.
pub const SHARED_FILE: &[u8] = b"Borang aduan rasmi SPRM, versi 2026.\n";

impl Load {
    pub fn start(app: &TestApp, submitters: usize, max: usize) -> Load {
        let (tx, accepted) = watch::channel(0usize);
        let tx = Arc::new(tx);
        let stop = CancellationToken::new();
        let tasks = (0..submitters)
            .map(|s| {
                let (client, url) = (app.client.clone(), app.url("/api/v1/complaints"));
                let (tx, stop) = (tx.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut i = 0;
                    while !stop.is_cancelled() && *tx.borrow() < max {
                        let r = client
                            .post(&url)
                            .multipart(complaint_form(s, i))
                            .send()
                            .await
                            .expect("intake answers");
                        assert_eq!(r.status(), 202, "intake under backup");
                        tx.send_modify(|n| *n += 1);
                        i += 1;
                    }
                })
            })
            .collect();
        Load {
            accepted,
            stop,
            tasks,
        }
    }

    pub fn accepted(&self) -> usize {
        *self.accepted.borrow()
    }

    /// Wait until at least `n` complaints were accepted.
    pub async fn wait_for(&mut self, n: usize) {
        tokio::time::timeout(Duration::from_secs(60), self.accepted.wait_for(|a| *a >= n))
            .await
            .unwrap_or_else(|_| panic!("{n} complaints not accepted within 60 s"))
            .expect("load running");
    }

    /// Stop submitting and wait for the submitters; returns how many were accepted.
    pub async fn stop(self) -> usize {
        self.stop.cancel();
        for t in self.tasks {
            t.await.expect("submitter");
        }
        let n = *self.accepted.borrow();
        n
    }
}

fn complaint_form(submitter: usize, i: usize) -> Form {
    let mut evidence = vec![0u8; 4096 + (i * 977) % 60_000];
    rand::thread_rng().fill_bytes(&mut evidence);
    let complaint = json!({
        "channel": "walk_in",
        "description": format!(
            "Aduan {submitter}-{i}: pegawai meminta RM{} untuk meluluskan permit.",
            100 + i
        ),
        "complainant": {"name": format!("Pengadu {submitter}-{i}"), "phone": "012-3456789"},
    });
    Form::new()
        .text("complaint", complaint.to_string())
        .part("file", Part::bytes(evidence).file_name("bukti.bin"))
        .part("file", Part::bytes(SHARED_FILE).file_name("borang.txt"))
}

/// Rows of `table` as JSON text by key, read in `pool`.
async fn rows(pool: &PgPool, table: &str, key: &str) -> HashMap<String, String> {
    sqlx::query_as::<_, (String, String)>(&format!(
        "SELECT ({key})::text, to_jsonb(t)::text FROM {table} t"
    ))
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Every row the restored installation holds is the source's row, unchanged; tables the
/// load did not write to must match exactly. Returns the restored complaint ids.
pub async fn compare_database(source: &PgPool, restored: &PgPool) -> Vec<String> {
    let tables = [
        ("complaints", "id", false),
        ("attachments", "id", false),
        ("complaint_status_history", "id", false),
        ("enrichment_jobs", "id", false),
        ("users", "id", true),
        ("cases", "id", true),
        ("case_complaints", "complaint_id", true),
        ("case_notes", "id", true),
        ("case_timeline", "id", true),
    ];
    for (table, key, exact) in tables {
        let src = rows(source, table, key).await;
        let dst = rows(restored, table, key).await;
        for (k, row) in &dst {
            assert_eq!(src.get(k), Some(row), "{table} {k} differs after restore");
        }
        if exact {
            assert_eq!(src.len(), dst.len(), "{table}: every row restored");
        }
    }
    // Up to the restore's own entry, the restored log is the source's; after it come the
    // restored server's own entries (its sign-ins). The seals are not compared: entries
    // pending at the snapshot are sealed by the restore, and the source's chain went on
    // without them; `audit verify` checks the restored chain.
    let restore_entry: i64 =
        sqlx::query_scalar("SELECT id FROM audit_log WHERE action = 'backup.restore'")
            .fetch_one(restored)
            .await
            .unwrap();
    let src = rows(source, "audit_log", "id").await;
    let dst = rows(restored, "audit_log", "id").await;
    for (id, row) in &dst {
        if id.parse::<i64>().unwrap() < restore_entry {
            assert_eq!(
                src.get(id),
                Some(row),
                "audit entry {id} differs after restore"
            );
        }
    }
    let mut ids: Vec<String> = rows(restored, "complaints", "id")
        .await
        .into_keys()
        .collect();
    ids.sort();
    ids
}

/// Every attachment the restored database names is in the restored data dir, and its
/// bytes hash to its name and equal the source's file.
pub async fn compare_blobs(restored: &PgPool, source_dir: &Path, restored_dir: &Path) -> usize {
    let shas: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachments")
        .fetch_all(restored)
        .await
        .unwrap();
    for sha in &shas {
        let path = |root: &Path| root.join("blobs").join(&sha[..2]).join(sha);
        let bytes = std::fs::read(path(restored_dir)).expect("restored blob");
        assert_eq!(hex::encode(Sha256::digest(&bytes)), *sha, "blob {sha}");
        assert_eq!(
            std::fs::read(path(source_dir)).unwrap(),
            bytes,
            "blob {sha}"
        );
    }
    shas.len()
}

/// Each complaint reads the same through both servers' API, and each attachment
/// downloaded from the restored server hashes to what its record says.
pub async fn compare_over_http(source: &TestApp, restored: &TestApp, ids: &[String]) {
    for id in ids {
        let path = format!("/api/v1/complaints/{id}");
        let a = crate::helpers::get_json(&source.client, source.url(&path)).await;
        let b = crate::helpers::get_json(&restored.client, restored.url(&path)).await;
        assert_eq!(a, b, "complaint {id} through the API");
        for att in b["attachments"].as_array().expect("attachments") {
            let url = restored.url(&format!(
                "/api/v1/attachments/{}",
                att["id"].as_str().unwrap()
            ));
            let r = restored.client.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let bytes = r.bytes().await.unwrap();
            assert_eq!(
                Some(hex::encode(Sha256::digest(&bytes)).as_str()),
                att["sha256"].as_str(),
                "attachment {} of {id}",
                att["id"]
            );
        }
    }
}

/// The manifest of a backup directory.
pub fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every file under `dir` with its SHA-256: a fingerprint that shows whether anything changed.
pub fn fingerprint(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p.display().to_string(), hex::encode(Sha256::digest(bytes))));
            }
        }
    }
    out.sort();
    out
}
