//! The dashboard under polling load: 100,000 complaints seeded straight into the server's
//! database (through HTTP it would take minutes), then `wrk` with 100 connections asking
//! for the dashboard with a bearer token, as full replies and as 304 revalidations.

use std::time::Instant;

use crate::procs::{server, Proc};
use crate::scenarios::{field, pause, percentile};

type Rows = Vec<(String, String, String)>;

const COMPLAINTS: i64 = 100_000;

/// Complaints over the last 29 days (so the default 30-day range aggregates all of them), with
/// channels, statuses, categories, sectors and states drawn from plausible weights, and an
/// enrichment row (result JSON of a realistic size) for each analysed one.
pub const SEED: &str = r#"
WITH s AS (
    SELECT g, gen_random_uuid() AS id, random() AS r, now() - random() * interval '29 days' AS at,
        (ARRAY['web','web','web','web','web','web','web','walk_in','walk_in','walk_in','walk_in',
               'phone','phone','phone','phone','email','email','email','letter','other'])
            [1 + floor(random() * 20)::int] AS channel
    FROM generate_series(1, $1::int) g
)
INSERT INTO complaints (id, reference, channel, description, status, created_at, updated_at)
SELECT id, 'BEN-' || lpad(g::text, 7, '0'), channel,
    'Aduan #' || g || ': pegawai di pejabat kerajaan meminta wang tunai sebanyak RM' ||
    (100 + floor(r * 50000)::int) || ' untuk meluluskan permohonan lesen perniagaan saya. ' ||
    'Saya telah menunggu selama tiga bulan dan diberitahu bahawa permohonan tidak akan ' ||
    'diproses tanpa bayaran tambahan. Pegawai tersebut juga menyebut nama rakan sekerjanya.',
    CASE WHEN r < 0.93 THEN 'enriched' WHEN r < 0.95 THEN 'failed' ELSE 'queued' END, at, at
FROM s
"#;

pub const SEED_ENRICHMENTS: &str = r#"
WITH p AS (
    SELECT id,
        (ARRAY['solicit_accept_bribe','solicit_accept_bribe','solicit_accept_bribe',
               'solicit_accept_bribe','solicit_accept_bribe','solicit_accept_bribe','solicit_accept_bribe',
               'offer_give_bribe','offer_give_bribe','false_claim','false_claim','false_claim',
               'abuse_of_power','abuse_of_power','abuse_of_power','tender_procurement',
               'tender_procurement','criminal_breach_of_trust','money_laundering','not_corruption'])
            [1 + floor(random() * 20)::int] AS category,
        (ARRAY['public','public','public','public','public','public','public','local_authority',
               'local_authority','local_authority','enforcement','enforcement','enforcement',
               'enforcement','enforcement','glc','glc','private','private','public_member'])
            [1 + floor(random() * 20)::int] AS sector,
        (ARRAY['Selangor','Selangor','Selangor','WP Kuala Lumpur','WP Kuala Lumpur','Johor',
               'Johor','Perak','Pulau Pinang','Sabah','Sarawak','Kedah','Kelantan','Pahang',
               'Negeri Sembilan','Melaka','Terengganu','Perlis','WP Putrajaya','WP Labuan',
               NULL, NULL])[1 + floor(random() * 22)::int] AS state
    FROM complaints WHERE status IN ('enriched', 'failed')
)
INSERT INTO enrichments (complaint_id, result, provenance, category, sector, area, state)
SELECT id, jsonb_build_object(
        'summary', 'Pegawai meminta wang untuk meluluskan permohonan lesen perniagaan.',
        'language', 'ms',
        'five_w1h', jsonb_build_object(
            'who', jsonb_build_array(jsonb_build_object('name', 'pegawai', 'role', 'suspect',
                'organisation', 'pejabat kerajaan')),
            'what', 'Meminta wang tunai untuk meluluskan lesen.',
            'when', jsonb_build_object('text', 'tiga bulan lalu', 'date', NULL),
            'where', jsonb_build_object('text', state, 'state', state),
            'why', 'Meluluskan permohonan lesen', 'how', 'Wang tunai'),
        'classification', jsonb_build_object('category', category,
            'corruption_related', category <> 'not_corruption', 'confidence', 0.8,
            'rationale', 'Pegawai meminta wang sebagai dorongan untuk meluluskan lesen.'),
        'sector', jsonb_build_object('sector', sector, 'area', 'licensing_permits', 'agency', NULL),
        'legal', CASE category
            WHEN 'not_corruption' THEN '[]'::jsonb
            WHEN 'false_claim' THEN '[{"act":"akta_694","section":"18","confidence":0.8}]'
            WHEN 'abuse_of_power' THEN '[{"act":"akta_694","section":"23","confidence":0.8}]'
            WHEN 'criminal_breach_of_trust' THEN '[{"act":"penal_code","section":"409","confidence":0.7}]'
            WHEN 'money_laundering' THEN '[{"act":"akta_613","section":"4(1)","confidence":0.7},{"act":"akta_694","section":"16(a)","confidence":0.5}]'
            ELSE '[{"act":"akta_694","section":"16(a)","confidence":0.8},{"act":"akta_694","section":"17(a)","confidence":0.4}]'
            END,
        'amounts', '[{"currency":"MYR","value":500,"text":"RM500"}]'::jsonb,
        'evidence_quotes', '["meminta wang tunai"]'::jsonb),
    '{"provider":"builtin","model":"rules","prompt_version":"seed"}', category, sector,
    'licensing_permits', state
FROM p
"#;

/// Seed straight into the server's private cluster.
async fn seed(p: &Proc) {
    let mut conn = crate::backlog::connect(p).await;
    let started = Instant::now();
    for sql in [SEED, SEED_ENRICHMENTS] {
        sqlx::query(sql)
            .bind(COMPLAINTS as i32)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO enrichment_jobs (complaint_id) SELECT id FROM complaints WHERE status = 'queued'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await
        .unwrap();
    eprintln!(
        "seeded {COMPLAINTS} complaints in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Time one GET (a computation when the cache is cold or stale); returns ms and the ETag.
async fn timed_get(p: &Proc, url: &str) -> (f64, String) {
    let started = Instant::now();
    let r = p.client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["total"], COMPLAINTS,
        "every seeded complaint is in the range"
    );
    (started.elapsed().as_secs_f64() * 1000.0, etag)
}

pub fn wrk(p: &Proc, url: &str, secs: &str, extra: Option<&str>) -> String {
    wrk_run(p, url, 100, secs, extra)
}

/// `wrk` with `connections` keep-alive clients.
pub fn wrk_with(p: &Proc, url: &str, connections: u32, secs: &str) -> String {
    wrk_run(p, url, connections, secs, None)
}

fn wrk_run(p: &Proc, url: &str, connections: u32, secs: &str, extra: Option<&str>) -> String {
    let mut cmd = std::process::Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{secs}"),
        "--latency",
    ])
    .arg("-H")
    .arg(format!("Authorization: Bearer {}", p.token));
    if let Some(h) = extra {
        cmd.arg("-H").arg(h);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk is needed: apt-get install wrk");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Requests per second and latency (wrk reports statuses ≥ 400 as "Non-2xx or 3xx").
pub fn summary(text: &str) -> String {
    let rps = field(text, "Requests/sec:").unwrap_or_default();
    let errors = if text.contains("Non-2xx") {
        " (unexpected statuses!)"
    } else {
        ""
    };
    format!(
        "{rps} req/s, p50 {}, p99 {}{errors}",
        percentile(text, "50%"),
        percentile(text, "99%")
    )
}

pub async fn dashboard() -> Rows {
    let p = server(&[]).await;
    pause(&p, true).await; // the queued complaints stay queued: no changes during the runs
    seed(&p).await;
    let url = format!("{}/api/v1/analytics/dashboard", p.base);
    let (cold_ms, etag) = timed_get(&p, &url).await;
    // A change (a new complaint) makes the next read compute again.
    let r = p
        .client()
        .post(format!("{}/api/v1/complaints", p.base))
        .json(&serde_json::json!({"channel": "web", "description": "Pegawai meminta wang."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    // Within a second of a change the cached figures may still be served: ask for the latest.
    let started = Instant::now();
    let r = p
        .client()
        .get(&url)
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let recompute_ms = started.elapsed().as_secs_f64() * 1000.0;
    let etag_now = r.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(etag_now, etag, "the figures changed");
    let not_modified = p
        .client()
        .get(&url)
        .header("if-none-match", &etag_now)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    wrk(&p, &url, "3s", None); // warm-up
    let full = wrk(&p, &url, "15s", None);
    eprintln!("{full}");
    let revalidate = wrk(&p, &url, "15s", Some(&format!("If-None-Match: {etag_now}")));
    eprintln!("{revalidate}");
    let rss = p.mem_kib("VmRSS") as f64 / 1024.0;
    p.stop().await;
    vec![
        (
            "Dashboard, 100 clients polling, 100,000 complaints in range (cached reply)".into(),
            format!("{} ({rss:.0} MB RSS)", summary(&full)),
            "≥ 10,000 req/s".into(),
        ),
        (
            "Dashboard, 100 clients revalidating with If-None-Match (304)".into(),
            summary(&revalidate),
            "—".into(),
        ),
        (
            "Dashboard computation over 100,000 complaints (first read; after a change)".into(),
            format!("{cold_ms:.0} ms; {recompute_ms:.0} ms"),
            "—".into(),
        ),
    ]
}
