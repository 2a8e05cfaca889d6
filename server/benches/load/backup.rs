//! Backup and restore at scale. Complaints are seeded straight into the server's own schema
//! (with enrichments, search vectors, related-complaint features, status history and one
//! audit entry each, sealed by the running server), and attachment files of random,
//! incompressible bytes are written into its blob store. Then, with the page cache dropped:
//! `aduan-server backup` while the server serves (a probe submits complaints throughout and
//! its latency is reported), and `aduan-server restore` into a new data directory.
//!
//! The scale comes from the environment (defaults in brackets):
//! `ADUAN_BENCH_BACKUP_COMPLAINTS` [100000], `ADUAN_BENCH_BACKUP_FILES` [20000] and
//! `ADUAN_BENCH_BACKUP_FILE_KB` [100]: 2 GB of attachments by default; it needs three times
//! that on the disk holding /tmp.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::Connection;

use crate::dashboard::{SEED, SEED_ENRICHMENTS};
use crate::procs::{server, Proc, BIN};
use crate::scenarios::pause;

type Rows = Vec<(String, String, String)>;

struct Scale {
    complaints: usize,
    files: usize,
    file_kb: usize,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Everything a server would have written along with each complaint, set-based.
const SEED_REST: &[&str] = &[
    "INSERT INTO complaint_search (complaint_id, search)
     SELECT id, to_tsvector('english', description) || to_tsvector('simple', description)
     FROM complaints",
    "SELECT complaint_features_index(1000000)",
    "INSERT INTO complaint_status_history (complaint_id, status, at)
     SELECT id, 'queued', created_at FROM complaints
     UNION ALL SELECT id, status, created_at + interval '20 seconds'
     FROM complaints WHERE status <> 'queued'",
    "INSERT INTO enrichment_jobs (complaint_id) SELECT id FROM complaints WHERE status = 'queued'",
    "INSERT INTO audit_log (at, actor_name, action, target_type, target_id, ip, details)
     SELECT created_at, 'intake', 'complaint.create', 'complaint', id::text, '10.1.2.3',
            jsonb_build_object('reference', reference, 'attachments', 0)
     FROM complaints",
];

/// One attachment row per file, each on its own complaint (oldest first).
const SEED_ATTACHMENTS: &str = "
WITH f AS (
    SELECT sha, size, ord FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS f(sha, size, ord)
), c AS (
    SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM complaints
)
INSERT INTO attachments (id, complaint_id, filename, content_type, size_bytes, sha256, created_at)
SELECT gen_random_uuid(), c.id, 'bukti-' || f.ord || '.pdf', 'application/pdf', f.size, f.sha,
       c.created_at
FROM f JOIN c ON c.n = f.ord";

/// Seed the server's database and blob store; returns the database's size in bytes.
async fn seed(p: &Proc, scale: &Scale) -> i64 {
    let dir = p.data_dir().expect("server data dir").to_path_buf();
    let started = Instant::now();
    let blobs = dir.join("blobs");
    let (files, kb) = (scale.files, scale.file_kb);
    let list = tokio::task::spawn_blocking(move || write_files(&blobs, files, kb * 1024))
        .await
        .unwrap();
    eprintln!(
        "wrote {} files of {kb} KiB in {:.1} s",
        list.len(),
        started.elapsed().as_secs_f64()
    );
    let pg = tokio::task::spawn_blocking(move || {
        aduan_server::db::embedded::EmbeddedPostgres::start(&dir)
    })
    .await
    .unwrap()
    .expect("the server's cluster");
    let mut conn = sqlx::PgConnection::connect_with(&pg.connect_options())
        .await
        .unwrap();
    let started = Instant::now();
    for sql in [SEED, SEED_ENRICHMENTS] {
        let n = scale.complaints as i32;
        sqlx::query(sql).bind(n).execute(&mut conn).await.unwrap();
    }
    for sql in SEED_REST {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let (shas, sizes): (Vec<String>, Vec<i64>) = list.into_iter().unzip();
    sqlx::query(SEED_ATTACHMENTS)
        .bind(shas)
        .bind(sizes)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await
        .unwrap();
    // The running server seals the new audit entries into the chain.
    crate::backlog::wait_until_sealed(&mut conn).await;
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    eprintln!(
        "seeded {} complaints in {:.1} s; database {} MB",
        scale.complaints,
        started.elapsed().as_secs_f64(),
        size >> 20
    );
    size
}

/// `n` files of `size` random bytes in the blob store's layout; returns (sha256, size).
fn write_files(blobs: &Path, n: usize, size: usize) -> Vec<(String, i64)> {
    let mut buf = vec![0u8; size];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            // xorshift64*: fast, and incompressible enough to stand for PDFs and photos.
            for chunk in buf.chunks_mut(8) {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let v = state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
            let sha = hex::encode(Sha256::digest(&buf));
            let path = blobs.join(&sha[..2]).join(&sha);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::File::create(path)
                .unwrap()
                .write_all(&buf)
                .unwrap();
            (sha, size as i64)
        })
        .collect()
}

/// Write dirty pages and empty the page cache, so the timed runs read from the disk as a
/// nightly backup of files written long ago does. False when the host does not allow it.
fn drop_caches() -> bool {
    let _ = std::process::Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

/// Run `aduan-server <args>`; returns seconds and its log (phases at info level).
async fn timed(args: &[&str], data_dir: &Path) -> (f64, String) {
    let started = Instant::now();
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("ADUAN_DATA_DIR", data_dir)
        .env("RUST_LOG", "info,sqlx=warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "aduan-server {args:?} failed:\n{log}");
    eprintln!("{log}");
    (secs, log)
}

/// The `elapsed_s` of the log line containing `message`.
fn phase(log: &str, message: &str) -> String {
    log.lines()
        .find(|l| l.contains(message))
        .and_then(|l| l.split("elapsed_s=").nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| format!("{v:.1} s"))
        .unwrap_or_else(|| "?".into())
}

/// Submits one JSON complaint after another until stopped; returns latencies in ms.
fn probe(p: &Proc, stop: tokio_util::sync::CancellationToken) -> tokio::task::JoinHandle<Vec<f64>> {
    let (client, url) = (p.client(), format!("{}/api/v1/complaints", p.base));
    tokio::spawn(async move {
        let mut ms = Vec::new();
        while !stop.is_cancelled() {
            let body =
                serde_json::json!({"channel": "web", "description": "Pegawai meminta wang."});
            let t = Instant::now();
            let r = client.post(&url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 202);
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms
    })
}

fn summarise(mut v: Vec<f64>) -> (usize, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    (v.len(), at(0.5), at(0.99))
}

pub async fn backup() -> Rows {
    let scale = Scale {
        complaints: env_or("ADUAN_BENCH_BACKUP_COMPLAINTS", 100_000),
        files: env_or("ADUAN_BENCH_BACKUP_FILES", 20_000),
        file_kb: env_or("ADUAN_BENCH_BACKUP_FILE_KB", 100),
    };
    assert!(
        scale.files <= scale.complaints,
        "one file per complaint at most"
    );
    let p = server(&[]).await;
    pause(&p, true).await;
    let db_bytes = seed(&p, &scale).await;
    let work = tempfile::Builder::new()
        .prefix("aduan-bench-backup")
        .tempdir_in("/tmp")
        .unwrap();
    let to = work.path().join("backup");

    // The same probe for 10 s before the backup, for comparison.
    let stop = tokio_util::sync::CancellationToken::new();
    let probing = probe(&p, stop.clone());
    tokio::time::sleep(Duration::from_secs(10)).await;
    stop.cancel();
    let (base_n, base_p50, base_p99) = summarise(probing.await.unwrap());

    let cold = drop_caches();
    let stop = tokio_util::sync::CancellationToken::new();
    let probing = probe(&p, stop.clone());
    let (backup_s, log) = timed(
        &["backup", "--to", to.to_str().unwrap()],
        p.data_dir().unwrap(),
    )
    .await;
    stop.cancel();
    let (probes, p50, p99) = summarise(probing.await.unwrap());
    p.stop().await;
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(to.join("manifest.json")).unwrap()).unwrap();
    let dump_mb = m["dump"]["size"].as_f64().unwrap() / 1e6;
    let blob_gb = (scale.files * scale.file_kb * 1024) as f64 / 1e9;
    let backup_phases = format!(
        "dump {}, attachments {}, flush {}",
        phase(&log, "database dumped"),
        phase(&log, "attachments copied"),
        phase(&log, "flushed to disk")
    );

    drop_caches();
    let restored = work.path().join("restored");
    let (restore_s, log) = timed(&["restore", "--from", to.to_str().unwrap()], &restored).await;
    let restore_phases = format!(
        "check and copy attachments {}, load database {}, verify audit chain {}",
        phase(&log, "backup checked"),
        phase(&log, "database loaded"),
        phase(&log, "audit chain verified")
    );
    let what = format!(
        "{} complaints ({} MB database), {} attachments of {} KiB ({blob_gb:.2} GB){}",
        m["counts"]["complaints"],
        db_bytes / 1_000_000,
        scale.files,
        scale.file_kb,
        if cold {
            ""
        } else {
            " — page cache NOT dropped"
        }
    );
    vec![
        (
            format!("Backup while serving: {what}"),
            format!(
                "{backup_s:.1} s ({backup_phases}; dump {dump_mb:.0} MB); one client \
                 submitting meanwhile: {probes} complaints, p50 {p50:.1} ms, p99 {p99:.1} ms \
                 (10 s before: {base_n}, p50 {base_p50:.1} ms, p99 {base_p99:.1} ms)"
            ),
            "—".into(),
        ),
        (
            format!("Restore into a new data dir: {what}"),
            format!("{restore_s:.1} s ({restore_phases})"),
            "—".into(),
        ),
    ]
}
