//! Where one PostgreSQL primary tops out for intake, without HTTP: the server's own intake
//! statement (`db::intake::insert_many`, what group commit sends) from several connections,
//! with batches of one and of many, on a private cluster with durable commits; and what a
//! complaint costs on disk. The README's scaling section works from these figures.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan_api::complaint::{Channel, ComplaintInput};
use aduan_server::config::DbArgs;
use aduan_server::db::audit::Actor;
use aduan_server::db::intake::{insert_many, Submission};
use aduan_server::db::Database;
use aduan_server::domain::complaint::NewComplaint;

type Rows = Vec<(String, String, String)>;

/// How long each setting runs.
const RUN: Duration = Duration::from_secs(8);

pub async fn primary() -> Rows {
    let dir = tempfile::Builder::new()
        .prefix("aduan-bench-primary")
        .tempdir_in("/tmp")
        .unwrap();
    let args = DbArgs {
        database_url: None,
        owner_database_url: None,
        audit_key_file: None,
        data_dir: dir.path().to_path_buf(),
        db_pool: 32,
        blob_store: None,
    };
    let db = Database::open(&args).await.expect("private cluster");
    let mut rows = Vec::new();
    for (connections, batch) in [(1, 1), (16, 1), (4, 16), (8, 64)] {
        let rate = run(&db, connections, batch).await;
        rows.push((
            format!("intake statement, {connections} connections × batches of {batch}"),
            format!("{rate:.0} complaints/s"),
            "".into(),
        ));
    }
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM complaints")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    rows.push((
        "database size per complaint (row, search vector, job, event, audit entry, indexes)".into(),
        format!(
            "{:.1} KB over {count} complaints",
            size as f64 / count as f64 / 1024.0
        ),
        "".into(),
    ));
    rows
}

/// Complaints per second written by `connections` writers sending `batch` at a time.
async fn run(db: &Database, connections: usize, batch: usize) -> f64 {
    let written = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let writers: Vec<_> = (0..connections)
        .map(|w| {
            let pool = db.pool.clone();
            let written = written.clone();
            tokio::spawn(async move {
                let mut n = 0usize;
                while started.elapsed() < RUN {
                    let subs: Vec<Submission> = (0..batch).map(|i| submission(w, n + i)).collect();
                    insert_many(&pool, &subs, 5)
                        .await
                        .expect("intake statement");
                    n += batch;
                    written.fetch_add(batch as u64, Relaxed);
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    written.load(Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// A complaint of about 400 characters, as walk-in intake writes them.
fn submission(writer: usize, n: usize) -> Submission {
    let input = ComplaintInput {
        channel: Channel::WalkIn,
        description: format!(
            "Aduan {writer}-{n}: Pegawai penguat kuasa di pejabat daerah meminta wang tunai \
             RM{} daripada kontraktor sebagai syarat untuk meluluskan permit bangunan. \
             Pembayaran dibuat di kedai kopi berhampiran pada petang Jumaat dan disaksikan \
             oleh dua orang pekerja tapak. Resit tidak diberikan.",
            500 + n % 5000
        ),
        anonymous: Some(true),
        complainant: None,
        incident_date: None,
        location: None,
        subject_agency: None,
    };
    Submission {
        complaint: NewComplaint::parse(input).expect("a valid complaint"),
        files: Vec::new(),
        actor: Actor {
            id: None,
            name: Some("bench".into()),
            ip: Some("127.0.0.1".into()),
            user_agent: None,
        },
        idempotency: None,
        portal: None,
    }
}
