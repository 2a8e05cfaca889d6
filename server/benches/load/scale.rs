//! Costs against the size of the data: the same reads at 10,000 and at 1,000,000
//! complaints (seeded set-based through the server's own schema, with their enrichments,
//! search entries and finished jobs). Measured: the dashboard's computation, the complaint
//! list's first page, two filtered pages and three full-text searches under 10 clients, and the
//! queue's claim statement.

use std::time::Instant;

use sqlx::postgres::PgPoolOptions;

use crate::backlog::connect;
use crate::dashboard::{wrk_with, SEED, SEED_ENRICHMENTS};
use crate::procs::{server, Proc};
use crate::scenarios::{pause, percentile};

type Rows = Vec<(String, String, String)>;

/// A job per complaint: the analysed ones finished, the queued ones waiting.
const SEED_JOBS: &str = r#"
INSERT INTO enrichment_jobs (complaint_id, state, attempt, run_at, created_at, started_at,
    finished_at)
SELECT id,
    CASE status WHEN 'enriched' THEN 'succeeded' WHEN 'failed' THEN 'failed' ELSE 'queued' END,
    CASE WHEN status = 'queued' THEN 0 ELSE 1 END, created_at, created_at,
    CASE WHEN status = 'queued' THEN NULL ELSE created_at END,
    CASE WHEN status = 'queued' THEN NULL ELSE updated_at END
FROM complaints
"#;

/// The full-text entries intake writes (the same expression as `db::intake`).
const SEED_SEARCH: &str = r#"
INSERT INTO complaint_search (complaint_id, search)
SELECT id, to_tsvector('english', description) || to_tsvector('simple', description)
FROM complaints
"#;

/// A name twenty complaints mention, whatever their number, so a search for it does the
/// same work at 10,000 complaints as at 1,000,000 (the seeded amounts are spread over
/// 50,000 values: one amount matches about 20 complaints of a million and none of 10,000).
const SEED_NAME: &str = r#"
UPDATE complaint_search SET search = search || to_tsvector('simple', 'Zulkarnain')
WHERE complaint_id IN (SELECT id FROM complaints ORDER BY random() LIMIT 20)
"#;

async fn seed(p: &Proc, n: i32) {
    let mut conn = connect(p).await;
    let started = Instant::now();
    for sql in [SEED, SEED_ENRICHMENTS, SEED_JOBS, SEED_SEARCH, SEED_NAME] {
        let q = sqlx::query(sql);
        let q = if sql == SEED { q.bind(n) } else { q };
        q.execute(&mut conn).await.unwrap();
    }
    sqlx::query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await
        .unwrap();
    eprintln!(
        "seeded {n} complaints in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The dashboard's computation (the statement its cache runs for the default range, the
/// last 30 days) and the queue's claim of one job, each `n` times in ms (p50, p99),
/// straight through the server's own functions with the server stopped (its cluster
/// started for this): (dashboard, claim).
async fn stopped(dir: std::path::PathBuf, n: usize) -> ((f64, f64), (f64, f64)) {
    let pg = tokio::task::spawn_blocking(move || {
        aduan_server::db::embedded::EmbeddedPostgres::start(&dir)
    })
    .await
    .unwrap()
    .expect("the cluster");
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(pg.connect_options())
        .await
        .unwrap();
    let today = aduan_server::domain::time::today();
    let range = aduan_api::analytics::DateRange {
        from: today - chrono::Duration::days(29),
        to: today,
    };
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let d = aduan_server::db::analytics::dashboard(&pool, range)
            .await
            .unwrap();
        assert!(d.total > 0, "the seeded complaints are counted");
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let dashboard = (ms[n / 2], ms[n * 99 / 100]);
    sqlx::query("UPDATE processing_settings SET paused = false, concurrency = 10000")
        .execute(&pool)
        .await
        .unwrap();
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let batch = aduan_server::queue::jobs::claim(&pool, 1, 600.0, "bench")
            .await
            .unwrap();
        assert_eq!(batch.jobs.len(), 1, "a queued job to claim");
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    pool.close().await;
    let _ = tokio::task::spawn_blocking(move || pg.stop()).await;
    ms.sort_by(f64::total_cmp);
    (dashboard, (ms[n / 2], ms[n * 99 / 100]))
}

/// Export every complaint as CSV, reading it as a client would: (rows, MB, seconds, RSS
/// before in MB, highest RSS sampled during in MB).
async fn export_all(p: &Proc) -> (usize, f64, f64, f64, f64) {
    use futures::StreamExt;
    let rss = |pid: u32| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    let pid = p.pid();
    let before = rss(pid);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss(pid));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let r = p
        .client()
        .get(format!("{}/api/v1/complaints/export", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (mut bytes, mut lines) = (0usize, 0usize);
    let mut body = r.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("the whole export");
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let secs = started.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    // Each seeded description is one line: records = lines - the header.
    (lines - 1, bytes as f64 / 1e6, secs, before, peak)
}

struct Figures {
    dashboard: (f64, f64),
    /// The CSV export of every complaint.
    export: (usize, f64, f64, f64, f64),
    /// p99 of the first page, two filtered pages and three searches, as wrk prints them.
    reads: [String; 6],
    claim: (f64, f64),
}

async fn at(n: i32) -> Figures {
    let p = server(&[]).await;
    pause(&p, true).await;
    seed(&p, n).await;
    let export = export_all(&p).await;
    eprintln!("export: {export:?}");
    let lists = [
        "/api/v1/complaints",
        "/api/v1/complaints?status=enriched&category=abuse_of_power&channel=phone",
        // A rare combination: one complaint in 400.
        "/api/v1/complaints?category=money_laundering&channel=letter",
        // A selective term (one amount), as a search for a name or a place is.
        "/api/v1/complaints?q=RM4242",
        // A name twenty complaints mention at either size.
        "/api/v1/complaints?q=Zulkarnain",
        // A word every complaint uses.
        "/api/v1/complaints?q=pegawai",
    ];
    let mut reads: [String; 6] = Default::default();
    for (i, path) in lists.iter().enumerate() {
        let url = format!("{}{path}", p.base);
        wrk_with(&p, &url, 10, "3s");
        let out = wrk_with(&p, &url, 10, "8s");
        eprintln!("{path}\n{out}");
        reads[i] = percentile(&out, "99%");
    }
    // The server stops its cluster on the way out; the claims start it again.
    let dir = p.stop_keeping_data().await;
    let (dashboard, claim) = stopped(dir.path().to_path_buf(), 300).await;
    Figures {
        dashboard,
        export,
        reads,
        claim,
    }
}

pub async fn scale() -> Rows {
    let small = at(10_000).await;
    let big = at(1_000_000).await;
    let names = [
        "Complaint list, first page, 10 clients: p99",
        "Complaint list, filtered page (status, category, channel), 10 clients: p99",
        "Complaint list, filtered page of a rare category and channel (1 in 400), 10 clients: p99",
        "Complaint list, full-text search for one amount, 10 clients: p99",
        "Complaint list, full-text search for a name twenty complaints mention, 10 clients: p99",
        "Complaint list, full-text search for a word every complaint has, 10 clients: p99",
    ];
    let mut rows: Rows = vec![
        (
            "Dashboard computation, last 30 days: 10,000; 1,000,000 complaints".into(),
            format!(
                "p50 {:.2} / p99 {:.2} ms; p50 {:.2} / p99 {:.2} ms",
                small.dashboard.0, small.dashboard.1, big.dashboard.0, big.dashboard.1
            ),
            "≤ 20 ms at 1,000,000".into(),
        ),
        (
            "Claim of one job: 10,000; 1,000,000 finished jobs beside the queued ones".into(),
            format!(
                "p50 {:.2} / p99 {:.2} ms; p50 {:.2} / p99 {:.2} ms",
                small.claim.0, small.claim.1, big.claim.0, big.claim.1
            ),
            "within 2× of the small table".into(),
        ),
    ];
    let (rows_out, mb, secs, before, peak) = big.export;
    rows.push((
        "CSV export of every complaint at 1,000,000 (streamed to a client)".into(),
        format!(
            "{rows_out} rows, {mb:.0} MB in {secs:.1} s; server RSS {before:.0} MB before, at most {peak:.0} MB during (+{:.0} MB)",
            (peak - before).max(0.0)
        ),
        "RSS growth < 100 MB".into(),
    ));
    for (i, name) in names.iter().enumerate() {
        rows.push((
            format!("{name} at 10,000; 1,000,000"),
            format!("{}; {}", small.reads[i], big.reads[i]),
            "within 2× of 10,000".into(),
        ));
    }
    rows
}
