//! A deep backlog, as an agency meets it after an outage of its LLM provider: complaints
//! seeded as queued straight into the server's database (set-based SQL through its own
//! schema), then drained by the builtin enricher at the default bound. Measured: the drain
//! rate on a 20,000- and a 100,000-job backlog, the same backlog's rate after a restart
//! (SIGTERM, start again), and the dashboard under 100 polling clients while it drains.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

use crate::dashboard::{summary, wrk};
use crate::procs::{server, Proc};
use crate::scenarios::pause;

type Rows = Vec<(String, String, String)>;

/// Queued complaints (one job each, due in order of arrival) with descriptions that vary
/// in their amounts and places, as the builtin enricher would meet them.
const SEED_QUEUED: &str = r#"
WITH s AS (
    SELECT g, gen_random_uuid() AS id, now() - interval '2 hours' + g * interval '1 ms' AS at,
        (ARRAY['Shah Alam','Johor Bahru','Kuching','Ipoh','Kota Bharu','Seremban'])
            [1 + g % 6] AS town
    FROM generate_series(1, $1::int) g
), c AS (
    INSERT INTO complaints (id, reference, channel, description, status, created_at, updated_at)
    SELECT id, 'BKL-' || lpad(g::text, 7, '0'), 'web',
        'Aduan #' || g || ': pada 12 Januari 2025 seorang pegawai di pejabat kerajaan di ' ||
        town || ' meminta wang tunai sebanyak RM' || (100 + g % 50000) ||
        ' untuk meluluskan permohonan lesen perniagaan saya. Dia berkata permohonan tidak ' ||
        'akan diproses tanpa bayaran tambahan dan menyebut nama rakan sekerjanya.',
        'queued', at, at
    FROM s
    RETURNING id, created_at
)
INSERT INTO enrichment_jobs (complaint_id, run_at, created_at)
SELECT id, created_at, created_at FROM c
"#;

/// A connection to the server's private cluster (it is running: this only connects).
pub async fn connect(p: &Proc) -> PgConnection {
    let dir = p.data_dir().expect("server data dir").to_path_buf();
    let pg = tokio::task::spawn_blocking(move || {
        aduan_server::db::embedded::EmbeddedPostgres::start(&dir)
    })
    .await
    .unwrap()
    .expect("the server's cluster");
    PgConnection::connect_with(&pg.connect_options())
        .await
        .unwrap()
}

/// Wait until the running server has sealed every audit entry into the chain.
pub async fn wait_until_sealed(conn: &mut PgConnection) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_pending")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        if pending == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "audit entries not sealed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn seed_backlog(p: &Proc, jobs: i32) {
    let mut conn = connect(p).await;
    let started = Instant::now();
    sqlx::query(SEED_QUEUED)
        .bind(jobs)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await
        .unwrap();
    eprintln!(
        "seeded {jobs} queued complaints in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn finished(conn: &mut PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM enrichment_jobs WHERE state IN ('succeeded', 'failed')",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

/// Wait until at least `n` jobs are finished; returns when and how many.
async fn until_finished(conn: &mut PgConnection, n: i64) -> (Instant, i64) {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let done = finished(conn).await;
        if done >= n {
            return (Instant::now(), done);
        }
        assert!(
            Instant::now() < deadline,
            "the backlog stopped draining at {done}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Jobs per second between `from` and `to` finished jobs.
async fn rate(conn: &mut PgConnection, from: i64, to: i64) -> f64 {
    let (t0, d0) = until_finished(conn, from).await;
    let (t1, d1) = until_finished(conn, to).await;
    (d1 - d0) as f64 / (t1 - t0).as_secs_f64()
}

/// The job table's scan counters and the plan of the claim's pick, for the record.
async fn claim_plan_note(conn: &mut PgConnection) -> String {
    let (live, dead, seq, idx): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT n_live_tup, n_dead_tup, seq_scan, coalesce(idx_scan, 0)
         FROM pg_stat_user_tables WHERE relname = 'enrichment_jobs'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN WITH busy AS (
            SELECT count(*)::bigint AS n FROM enrichment_jobs
            WHERE state = 'running' AND lease_until > now()
        ) SELECT id FROM enrichment_jobs
        WHERE state IN ('queued', 'retrying') AND run_at <= now()
        ORDER BY run_at, id
        LIMIT (SELECT greatest(0, least(16, 16 - busy.n)) FROM busy)
        FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    format!(
        "enrichment_jobs: {live} live, {dead} dead tuples; {seq} sequential and {idx} index scans\n{}",
        plan.join("\n")
    )
}

pub async fn backlog() -> Rows {
    // The reference: a 20,000-job backlog, measured between 10 % and 90 % of it.
    let p = server(&[]).await;
    pause(&p, true).await;
    seed_backlog(&p, 20_000).await;
    let mut conn = connect(&p).await;
    pause(&p, false).await;
    let small = rate(&mut conn, 2_000, 18_000).await;
    eprintln!("20,000 backlog: {small:.0} jobs/s");
    drop(conn);
    p.stop().await;

    // 100,000: the rate over its first part, the dashboard while it drains, then a restart
    // half way and the rate after it.
    const DEEP: i64 = 100_000;
    let p = server(&[]).await;
    pause(&p, true).await;
    seed_backlog(&p, DEEP as i32).await;
    let mut conn = connect(&p).await;
    pause(&p, false).await;
    eprintln!("{}", claim_plan_note(&mut conn).await);
    let before = rate(&mut conn, 5_000, 35_000).await;
    eprintln!("100,000 backlog: {before:.0} jobs/s");
    eprintln!("{}", claim_plan_note(&mut conn).await);
    let url = format!("{}/api/v1/analytics/dashboard", p.base);
    let polled_from = finished(&mut conn).await;
    let polled = wrk(&p, &url, "10s", None);
    let polled_to = finished(&mut conn).await;
    eprintln!("{polled}");
    assert!(
        polled_to - polled_from > 1_000,
        "the backlog drained while the dashboard was polled"
    );
    let (_, at_stop) = until_finished(&mut conn, 50_000).await;
    eprintln!("{}", claim_plan_note(&mut conn).await);
    drop(conn);
    let p = p.restart().await;
    let mut conn = connect(&p).await;
    let resumed = finished(&mut conn).await;
    eprintln!("restarted at {resumed} finished ({at_stop} when stopping)");
    eprintln!("{}", claim_plan_note(&mut conn).await);
    let left = DEEP - resumed;
    let after = rate(&mut conn, resumed + left / 10, resumed + left * 9 / 10).await;
    eprintln!("after the restart: {after:.0} jobs/s");
    eprintln!("{}", claim_plan_note(&mut conn).await);
    drop(conn);
    p.stop().await;

    vec![
        (
            "Backlog drain, builtin enricher, bound 16: 20,000 jobs; 100,000 jobs".into(),
            format!(
                "{small:.0} jobs/s; {before:.0} jobs/s ({:.0} %)",
                100.0 * before / small
            ),
            "≥ 1,000 jobs/s; ≥ 90 % of the 20,000 rate".into(),
        ),
        (
            "Backlog drain after a restart (SIGTERM at half of 100,000, started again)".into(),
            format!(
                "{after:.0} jobs/s ({:.0} % of the 20,000 rate)",
                100.0 * after / small
            ),
            "≥ 90 %".into(),
        ),
        (
            "Dashboard, 100 clients polling while the 100,000 backlog drains".into(),
            format!(
                "{} ({} jobs finished meanwhile)",
                summary(&polled),
                polled_to - polled_from
            ),
            "≥ 10,000 req/s, p99 ≤ 50 ms".into(),
        ),
    ]
}
