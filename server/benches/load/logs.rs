//! Intake against the size of the audit log and the event log: the same intake runs over
//! the logs a fresh installation has and over 10,000,000 more rows in each, seeded
//! set-based through the server's own schema as the server writes them (time-ordered
//! targets, a seal per audit entry, events inside the retention window).

use std::time::Instant;

use crate::backlog::connect;
use crate::procs::{server, Proc};
use crate::scenarios::{field, intake_script, pause, percentile, wrk_intake};

type Rows = Vec<(String, String, String)>;

/// Audit entries over the past 400 days, of the kinds the server writes, each naming a
/// complaint by a time-ordered id as intake's UUIDv7 ids are.
const SEED_AUDIT: &str = r#"
INSERT INTO audit_log (at, actor_id, actor_name, action, target_type, target_id, ip,
    user_agent, details)
SELECT at, md5('actor' || (g % 200))::uuid, 'staff' || (g % 200),
    (ARRAY['complaint.create', 'complaint.view', 'case.update', 'auth.login',
           'complaint.correct'])[1 + g % 5],
    'complaint',
    overlay(md5(g::text) PLACING lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0')
        FROM 1 FOR 12)::uuid::text,
    '10.0.' || (g % 250) || '.' || (g % 199), 'Aduan desktop',
    jsonb_build_object('reference', 'SEED-' || g, 'attachments', g % 3)
FROM (SELECT g, now() - interval '400 days' + g * (interval '400 days' / $1::int) AS at
      FROM generate_series(1, $1::int) g) s
"#;

/// Their seals, in order after the chain's current head. The hashes stand in for the keyed
/// seals the sealer would compute: what intake pays for is the size of the tables and
/// their indexes, which these have; `audit verify` would refuse them.
const SEED_SEALS: &str = r#"
INSERT INTO audit_seals (seq, audit_id, prev_hash, hash, keyed)
SELECT (SELECT coalesce(max(seq), 0) FROM audit_seals) + row_number() OVER (ORDER BY a.id),
    a.id, md5(a.id::text) || md5(a.id::text), md5(a.id::text || 's') || md5(a.id::text), true
FROM audit_log a
WHERE a.actor_name LIKE 'staff%'
"#;

/// Events inside the retention window (seven days), so none is pruned during the runs.
const SEED_EVENTS: &str = r#"
INSERT INTO events (kind, complaint_id, owner_id, data, at)
SELECT (ARRAY['complaint.created', 'complaint.enriched', 'complaint.status'])[1 + g % 3],
    md5(g::text)::uuid, NULL,
    jsonb_build_object('id', md5(g::text)::uuid, 'reference', 'SEED-' || g, 'status', 'queued'),
    now() - interval '6 days' + g * (interval '6 days' / $1::int)
FROM generate_series(1, $1::int) g
"#;

/// Seed `n` rows in each log; returns seconds taken.
async fn seed_logs(p: &Proc, n: i32) -> f64 {
    let mut conn = connect(p).await;
    // The seals below continue the chain from its head: let the sealer finish first.
    crate::backlog::wait_until_sealed(&mut conn).await;
    let started = Instant::now();
    // Seeded entries are sealed in the same pass below; the trigger that queues new entries
    // for the sealer would have it seal ten million placeholders first.
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut conn)
        .await
        .unwrap();
    for (sql, bind) in [(SEED_AUDIT, true), (SEED_SEALS, false), (SEED_EVENTS, true)] {
        let q = sqlx::query(sql);
        let q = if bind { q.bind(n) } else { q };
        q.execute(&mut conn).await.unwrap();
        eprintln!("  seeded in {:.0} s", started.elapsed().as_secs_f64());
    }
    sqlx::query("RESET session_replication_role")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE audit_log, audit_seals, events")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("CHECKPOINT").execute(&mut conn).await.unwrap();
    // Seeding leaves gigabytes for the kernel to write back, which would hold up intake's
    // commits for minutes: measure the installation, not the seeding's aftermath.
    let synced = std::process::Command::new("sync").status().unwrap();
    assert!(synced.success());
    let sizes: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t, pg_total_relation_size(t::regclass) / 1048576
         FROM unnest(ARRAY['audit_log', 'audit_seals', 'events']) t",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    eprintln!("sizes (MB, with indexes): {sizes:?}");
    started.elapsed().as_secs_f64()
}

/// One wrk run of JSON intake at 64 clients: (req/s, p99 in ms, wrk's text).
fn intake_run(p: &Proc, script: &std::path::Path, secs: &str) -> (f64, f64, String) {
    let text = wrk_intake(p, script, secs);
    assert!(
        !text.contains("Non-2xx"),
        "intake refused requests:\n{text}"
    );
    let rps = field(&text, "Requests/sec:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    (rps, ms(&percentile(&text, "99%")), text)
}

/// wrk's latency ("12.34ms", "1.20s", "900.00us") in milliseconds.
fn ms(v: &str) -> f64 {
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    if let Some(x) = v.strip_suffix("ms") {
        num(x)
    } else if let Some(x) = v.strip_suffix("us") {
        num(x) / 1000.0
    } else if let Some(x) = v.strip_suffix('s') {
        num(x) * 1000.0
    } else {
        f64::NAN
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `runs` runs of 15 s after a warm-up: each run's (req/s, p99 ms).
fn intake_runs(p: &Proc, script: &std::path::Path, runs: usize) -> Vec<(f64, f64)> {
    let synced = std::process::Command::new("sync").status().unwrap();
    assert!(synced.success());
    intake_run(p, script, "3s");
    (0..runs)
        .map(|_| {
            let (rps, p99, text) = intake_run(p, script, "15s");
            eprintln!("{text}");
            (rps, p99)
        })
        .collect()
}

pub async fn logs() -> Rows {
    const ROWS: i32 = 10_000_000;
    const RUNS: usize = 5;
    // Two fresh installations, so the seeded rows precede the measured ones in both logs,
    // as a long-running installation's history does.
    let p = server(&[]).await;
    pause(&p, true).await;
    let small = intake_runs(&p, &intake_script(&p), RUNS);
    p.stop().await;
    let p = server(&[]).await;
    pause(&p, true).await;
    let secs = seed_logs(&p, ROWS).await;
    eprintln!("seeded {ROWS} audit entries, seals and events in {secs:.0} s");
    // A running server relays every event newer than the newest it saw when it started,
    // and would take the seeded history for ten million new events: started again, it
    // begins at the head, as an installation that wrote that history has.
    let p = p.restart().await;
    pause(&p, true).await;
    let big = intake_runs(&p, &intake_script(&p), RUNS);
    p.stop().await;

    let show = |v: &[(f64, f64)]| {
        let rates: Vec<String> = v.iter().map(|r| format!("{:.0}", r.0)).collect();
        let p99s: Vec<String> = v.iter().map(|r| format!("{:.1}", r.1)).collect();
        format!("{} req/s; p99 {} ms", rates.join(", "), p99s.join(", "))
    };
    let rate = |v: &[(f64, f64)]| median(v.iter().map(|r| r.0).collect());
    let p99 = |v: &[(f64, f64)]| median(v.iter().map(|r| r.1).collect());
    vec![
        (
            format!("JSON intake, 64 clients, {RUNS} runs: fresh logs; 10,000,000 rows in the audit log and in the event log"),
            format!("{}; {}", show(&small), show(&big)),
            "—".into(),
        ),
        (
            "The same, medians: 10,000,000 rows against fresh logs".into(),
            format!(
                "rate {:.0} against {:.0} req/s ({:+.1} %); p99 {:.1} against {:.1} ms ({:+.1} %)",
                rate(&big),
                rate(&small),
                100.0 * (rate(&big) / rate(&small) - 1.0),
                p99(&big),
                p99(&small),
                100.0 * (p99(&big) / p99(&small) - 1.0)
            ),
            "within 10 %".into(),
        ),
    ]
}
