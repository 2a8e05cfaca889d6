//! The durable queue and the bounded, adaptive pool, against a fake provider.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_llm::{FakeLlm, Mode};
use crate::helpers::{get_json, spawn_app, spawn_app_with, spawn_instance, TestApp};

fn llm(args: &mut aduan_server::config::ServeArgs, fake: &FakeLlm) {
    args.llm.url = Some(fake.url.clone());
    args.llm.model = Some("fake-model".into());
}

async fn job_attempts(app: &TestApp) -> Vec<i32> {
    sqlx::query_scalar("SELECT attempt FROM enrichment_jobs ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// The transaction that last locked the settings row. Every claim, paused or not, first
/// takes that row `FOR UPDATE`, which stamps its `xmax`: a newer value is a newer claim.
async fn settings_locker(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT xmax::text::bigint FROM processing_settings WHERE id = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Wait until `n` claims have locked the settings row since this call began.
async fn wait_for_claims(app: &TestApp, n: usize, timeout: Duration) {
    let before = settings_locker(app).await;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut newer = std::collections::BTreeSet::new();
    while newer.len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {timeout:?} for {n} claims, saw {}",
            newer.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let locker = settings_locker(app).await;
        if locker > before {
            newer.insert(locker);
        }
    }
}

/// Wait until `ready()` holds, or panic naming `what` after `timeout`.
async fn wait_until(what: &str, timeout: Duration, ready: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {timeout:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn builtin_enrichment_runs_end_to_end_with_status_history() {
    let app = spawn_app().await;
    let ids = app.submit_many("builtin", 3).await;
    app.wait_for_status("enriched", 3, Duration::from_secs(20))
        .await;
    let detail: Value = get_json(
        &app.client,
        app.url(&format!("/api/v1/complaints/{}", ids[0])),
    )
    .await;
    let statuses: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["queued", "processing", "enriched"]);
    assert_eq!(detail["enrichment"]["provenance"]["provider"], "builtin");
    assert!(detail["enrichment"]["result"]["classification"]["category"].is_string());
    // The Acts are written by the server beside the result; they must be what the
    // database's own reading of the stored result gives.
    let bribe = json!({"channel": "phone", "description":
        "Pegawai kastam di Pelabuhan Klang meminta rasuah RM5,000 daripada saya untuk melepaskan kontena."});
    assert_eq!(app.post_json(&bribe).await.status(), 202);
    app.wait_for_status("enriched", 4, Duration::from_secs(20))
        .await;
    let (named, differing): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE cardinality(acts) > 0),
                count(*) FILTER (WHERE (SELECT coalesce(array_agg(a ORDER BY a), '{}')
                                        FROM unnest(acts) a)
                                       IS DISTINCT FROM enrichment_acts(result))
         FROM enrichments",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(named, 1, "the bribe names an Act");
    assert_eq!(differing, 0);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_calls_never_exceed_the_bound() {
    let fake = FakeLlm::start(Duration::from_millis(150)).await;
    let app = spawn_app_with(|a| {
        llm(a, &fake);
        a.workers = 4;
    })
    .await;
    app.submit_many("bound", 24).await;
    app.wait_for_status("enriched", 24, Duration::from_secs(30))
        .await;
    assert_eq!(
        fake.max_in_flight(),
        4,
        "the pool fills the bound and never exceeds it"
    );
    assert_eq!(fake.requests(), 24);
    app.stop().await;
}

#[tokio::test]
async fn two_instances_share_the_bound_and_never_process_a_job_twice() {
    let fake = FakeLlm::start(Duration::from_millis(120)).await;
    let a = spawn_app_with(|x| {
        llm(x, &fake);
        x.workers = 3;
    })
    .await;
    let url = a.database_url.clone().unwrap();
    let b = spawn_instance(&url, |x| {
        llm(x, &fake);
        x.workers = 3;
    })
    .await;
    // A fills the bound; B's own intake then finds no slot: the bound is global.
    a.submit_many("pair-a", 15).await;
    wait_for(|| fake.in_flight() == 3).await;
    b.submit_many("pair-b", 15).await;
    let seen = fake.requests();
    wait_for(|| fake.requests() >= seen + 6).await;
    assert_eq!(fake.max_in_flight(), 3, "bound is global");
    // A higher bound set on B applies there at once, so both instances work.
    let r = b
        .client
        .patch(b.url("/api/v1/admin/processing"))
        .json(&json!({ "concurrency": 6 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    a.wait_for_status("enriched", 30, Duration::from_secs(30))
        .await;
    assert!(fake.max_in_flight() <= 6, "{}", fake.max_in_flight());
    let per = fake.counters().per_complaint.lock().unwrap().clone();
    assert_eq!(per.len(), 30);
    assert!(
        per.values().all(|&n| n == 1),
        "each complaint enriched exactly once: {per:?}"
    );
    let claimed_by: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT claimed_by) FROM enrichment_jobs")
            .fetch_one(&a.pool)
            .await
            .unwrap();
    assert_eq!(claimed_by, 2, "both instances did work");
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn paused_claims_nothing_and_resume_drains() {
    let fake = FakeLlm::start(Duration::from_millis(10)).await;
    let app = spawn_app_with(|a| llm(a, &fake)).await;
    app.pause(true).await;
    app.submit_many("paused", 5).await;
    // The dispatcher still asks at every poll while paused. Two claims after the five
    // jobs were committed: the second (at least) began after them and must take none;
    // a claim marks its jobs' complaints `processing` as it commits.
    wait_for_claims(&app, 2, Duration::from_secs(10)).await;
    assert_eq!(fake.requests(), 0);
    assert_eq!(app.status_counts().await.get("queued"), Some(&5));
    assert_eq!(app.processing().await["workers"]["paused"], true);
    app.pause(false).await;
    app.wait_for_status("enriched", 5, Duration::from_secs(20))
        .await;
    app.stop().await;
}

#[tokio::test]
async fn restart_with_queued_jobs_processes_them_all() {
    let app = spawn_app().await;
    app.pause(true).await;
    app.submit_many("restart", 6).await;
    let url = app.database_url.clone();
    let tmp = app.stop().await.unwrap();
    let app = crate::helpers::spawn_with(crate::helpers::serve_args(url, tmp.path())).await;
    assert_eq!(
        app.status_counts().await.get("queued"),
        Some(&6),
        "queued work survived"
    );
    app.pause(false).await;
    app.wait_for_status("enriched", 6, Duration::from_secs(20))
        .await;
    app.stop().await;
}

/// A slot of the shared budget held by another instance (here: a job under a live lease of
/// an instance that is gone) must not leave this one waiting for the poll between claims:
/// with the poll an hour away, only its own finished calls can prompt the next claim.
#[tokio::test]
async fn a_budget_slot_held_elsewhere_does_not_stall_claims() {
    let fake = FakeLlm::start(Duration::from_millis(20)).await;
    let app = spawn_app_with(|a| {
        llm(a, &fake);
        a.workers = 4;
        a.poll_ms = 3_600_000;
    })
    .await;
    app.pause(true).await;
    app.submit_many("elsewhere", 1).await;
    let held = sqlx::query(
        "UPDATE enrichment_jobs SET state = 'running', attempt = 1,
             lease_token = gen_random_uuid(), lease_until = now() + interval '1 hour',
             claimed_by = 'an-instance-that-is-gone', started_at = now()",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(held.rows_affected(), 1);
    app.submit_many("budget", 20).await;
    app.pause(false).await;
    app.wait_for_status("enriched", 20, Duration::from_secs(30))
        .await;
    assert_eq!(fake.requests(), 20);
    assert_eq!(
        fake.max_in_flight(),
        3,
        "the slot held elsewhere counts against the bound"
    );
    app.stop().await;
}

/// With nothing to do, the dispatcher waits for work, a freed slot or the poll; it does not
/// keep asking. Every claim takes the settings row `FOR UPDATE`, which stamps the row's
/// `xmax` with a new transaction: an unchanged `xmax` means no claim was made.
#[tokio::test]
async fn an_idle_dispatcher_leaves_the_database_alone() {
    let app = spawn_app_with(|a| a.poll_ms = 3_600_000).await;
    app.submit_many("idle", 1).await; // a claim, a job, and then nothing to do
    app.wait_for_status("enriched", 1, Duration::from_secs(30))
        .await;
    // The job's end frees a slot, which prompts one claim that finds nothing; a wake-up
    // for the submission may still be pending and prompt one more. Wait for a claim made
    // after the result was written (a later transaction id), so at most that one remains.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let after_the_job: bool = sqlx::query_scalar(
            "SELECT (SELECT xmax::text::bigint FROM processing_settings WHERE id = 1)
                  > (SELECT xmin::text::bigint FROM complaint_status_history
                     WHERE status = 'enriched')",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if after_the_job {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no claim followed the finished job"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut stamps = std::collections::BTreeSet::new();
    for _ in 0..10 {
        let xmax: String =
            sqlx::query_scalar("SELECT xmax::text FROM processing_settings WHERE id = 1")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        stamps.insert(xmax);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stamps.len() <= 2,
        "claims kept coming while idle: {} different lockers in one second",
        stamps.len()
    );
    app.stop().await;
}

#[tokio::test]
async fn live_bound_change_takes_effect() {
    let fake = FakeLlm::start(Duration::from_millis(300)).await;
    let app = spawn_app_with(|a| {
        llm(a, &fake);
        a.workers = 2;
    })
    .await;
    app.submit_many("live", 40).await;
    // Two rounds at the old bound: the third and fourth calls began as earlier ones ended.
    wait_until("four calls", Duration::from_secs(20), || {
        fake.requests() >= 4
    })
    .await;
    assert_eq!(fake.max_in_flight(), 2);
    let r = app
        .client
        .patch(app.url("/api/v1/admin/processing"))
        .json(&json!({"concurrency": 6}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["workers"]["limit"], 6);
    app.wait_for_status("enriched", 40, Duration::from_secs(30))
        .await;
    assert_eq!(
        fake.max_in_flight(),
        6,
        "the new bound is used at once, and not exceeded"
    );
    let bad = app
        .client
        .patch(app.url("/api/v1/admin/processing"))
        .json(&json!({"concurrency": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn rate_limit_storm_spends_no_attempts_and_the_limit_recovers() {
    let fake = FakeLlm::start(Duration::from_millis(50)).await;
    let app = spawn_app_with(|a| {
        llm(a, &fake);
        a.workers = 8;
        a.max_attempts = 2;
    })
    .await;
    fake.script(Mode::RateLimited(1), 40);
    app.submit_many("storm", 24).await;
    let mut lowest = u64::MAX;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let p = app.processing().await;
        lowest = lowest.min(p["workers"]["adaptive_limit"].as_u64().unwrap());
        if app.status_counts().await.get("enriched") == Some(&24) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "storm did not drain"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        lowest < 8,
        "the adaptive limit shrank under 429s (lowest {lowest})"
    );
    assert!(
        job_attempts(&app).await.iter().all(|&a| a == 1),
        "429s spent no attempts"
    );
    assert_eq!(
        app.status_counts().await.get("failed"),
        None,
        "max_attempts 2 was never reached"
    );
    // Recovery: more successes bring the limit back to the bound.
    app.submit_many("after-storm", 16).await;
    app.wait_for_status("enriched", 40, Duration::from_secs(30))
        .await;
    let p = app.processing().await;
    assert_eq!(p["workers"]["adaptive_limit"], 8, "{p}");
    assert!(p["instance_counters"]["rate_limited"].as_u64().unwrap() >= 40);
    app.stop().await;
}

#[tokio::test]
async fn server_errors_back_off_then_fail_with_the_error_and_a_fallback() {
    let fake = FakeLlm::start(Duration::from_millis(10)).await;
    fake.set_mode(Mode::ServerError);
    let app = spawn_app_with(|a| {
        llm(a, &fake);
        a.max_attempts = 3;
    })
    .await;
    let ids = app.submit_many("broken", 2).await;
    app.wait_for_status("failed", 2, Duration::from_secs(30))
        .await;
    assert_eq!(fake.requests(), 6, "3 attempts each");
    let detail: Value = get_json(
        &app.client,
        app.url(&format!("/api/v1/complaints/{}", ids[0])),
    )
    .await;
    assert!(
        detail["last_error"].as_str().unwrap().contains("500"),
        "{}",
        detail["last_error"]
    );
    let statuses: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "queued",
            "processing",
            "queued",
            "processing",
            "queued",
            "processing",
            "failed"
        ]
    );
    assert_eq!(
        detail["enrichment"]["provenance"]["provider"], "builtin",
        "builtin fallback kept for triage"
    );
    assert_eq!(detail["enrichment"]["needs_review"], true);

    // Reprocess after the provider recovers.
    fake.set_mode(Mode::Ok);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{}/reprocess", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    app.wait_for_status("enriched", 1, Duration::from_secs(20))
        .await;
    let detail: Value = get_json(
        &app.client,
        app.url(&format!("/api/v1/complaints/{}", ids[0])),
    )
    .await;
    assert_eq!(detail["enrichment"]["provenance"]["provider"], "openai");
    assert_eq!(detail["last_error"], Value::Null);
    let missing = app
        .client
        .post(app.url(&format!(
            "/api/v1/complaints/{}/reprocess",
            uuid::Uuid::new_v4()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn timeouts_count_as_failures_and_shrink_the_limit() {
    let fake = FakeLlm::start(Duration::from_millis(2500)).await;
    let app = spawn_app_with(|a| {
        llm(a, &fake);
        a.max_attempts = 2;
        a.llm.timeout_s = 1;
        a.workers = 4;
    })
    .await;
    app.submit_many("slow", 1).await;
    app.wait_for_status("failed", 1, Duration::from_secs(30))
        .await;
    let p = app.processing().await;
    assert!(
        p["instance_counters"]["timeouts"].as_u64().unwrap() >= 2,
        "{p}"
    );
    assert!(p["workers"]["adaptive_limit"].as_u64().unwrap() < 4, "{p}");
    let err: Option<String> = sqlx::query_scalar("SELECT last_error FROM complaints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(err.unwrap().contains("timed out"));
    app.stop().await;
}

/// A separate server process is killed with SIGKILL while calls are in flight; another
/// instance rescues the expired leases. Every complaint ends enriched exactly once.
#[tokio::test]
async fn kill_9_with_jobs_in_flight_loses_nothing_and_completes_nothing_twice() {
    let fake = FakeLlm::start(Duration::from_secs(30)).await;
    let url = crate::helpers::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("ADUAN_DATA_DIR", tmp.path())
        .env("ADUAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("ADUAN_LLM_URL", &fake.url)
        .env("ADUAN_LEASE_S", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "child server started");
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let token =
        crate::helpers::sign_in_all(&pool, &base).await[&aduan_api::account::Role::Intake].clone();
    let client = crate::helpers::client_with(Some(&token));
    for i in 0..5 {
        let body = json!({"channel": "phone", "description": format!("killed #{i}\nPegawai meminta wang.")});
        let r = client
            .post(format!("{base}/api/v1/complaints"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake.in_flight() < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs never reached the provider"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().await.unwrap(); // SIGKILL: no cleanup, leases left behind
    fake.set_latency(Duration::from_millis(20));

    let rescuer = spawn_instance(&url, |a| {
        llm(a, &fake);
        a.lease_s = 2;
    })
    .await;
    rescuer
        .wait_for_status("enriched", 5, Duration::from_secs(30))
        .await;
    let enriched_rows: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE status = 'enriched') FROM complaint_status_history
         GROUP BY complaint_id",
    )
    .fetch_all(&rescuer.pool)
    .await
    .unwrap();
    assert_eq!(
        enriched_rows,
        vec![1; 5],
        "each complaint completed exactly once"
    );
    let attempts = job_attempts(&rescuer).await;
    assert_eq!(
        attempts,
        vec![2; 5],
        "the killed attempt counted, the rescue ran once more"
    );
    rescuer.stop().await;
}

/// An amount near the largest double is refused: PostgreSQL would keep it in `jsonb` and
/// print it with 309 digits, which no longer reads back, and the complaint could not be
/// shown any more.
#[tokio::test]
async fn a_correction_with_an_amount_beyond_any_sum_is_refused_and_the_complaint_still_reads() {
    use aduan_api::account::Role;
    let app = spawn_app().await;
    let ids = app.submit_many("huge-amount", 1).await;
    app.wait_for_status("enriched", 1, Duration::from_secs(20))
        .await;
    let id = ids[0].to_string();
    let officer = app.as_role(Role::Officer);
    let huge =
        json!({"amounts": [{"currency": "MYR", "value": 1.7976931348623155e308, "text": "RM?"}]});
    let r = app.correct(&officer, &id, &huge).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["details"]["fields"]
            .as_object()
            .unwrap()
            .contains_key("amounts[0].value"),
        "{body}"
    );
    let large = json!({"amounts": [{"currency": "MYR", "value": 2.5e9, "text": "RM2.5 bilion"}]});
    assert_eq!(app.correct(&officer, &id, &large).await.status(), 200);
    let detail = officer
        .get(app.url(&format!("/api/v1/complaints/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn officers_correct_the_enrichment_beside_the_machine_result() {
    use aduan_api::account::Role;
    let app = spawn_app().await;
    let ids = app.submit_many("correct", 1).await;
    app.wait_for_status("enriched", 1, Duration::from_secs(20))
        .await;
    let id = ids[0].to_string();
    let url = app.url(&format!("/api/v1/complaints/{id}/enrichment"));
    let officer = app.as_role(Role::Officer);

    let wrong_act = json!({"legal": [{"act": "akta_613", "section": "16(a)", "confidence": 0.9}]});
    let bad = app.correct(&officer, &id, &wrong_act).await;
    assert_eq!(
        bad.status(),
        422,
        "a section under the wrong Act is refused"
    );
    let bad: Value = bad.json().await.unwrap();
    assert!(
        bad["details"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("legal")),
        "{bad}"
    );

    let fix = json!({
        "classification": {"category": "solicit_accept_bribe", "corruption_related": true, "confidence": 1.0, "rationale": "Officer asked for money to release goods."},
        "legal": [{"act": "akta_694", "section": "16(a)", "confidence": 1.0}],
        "note": "Confirmed with the complainant by phone."
    });
    // Without the version read, nothing is written.
    let unversioned = officer.patch(&url).json(&fix).send().await.unwrap();
    assert_eq!(unversioned.status(), 428);
    let seen = app.enrichment_version(&officer, &id).await;
    let r = app.correct(&officer, &id, &fix).await;
    assert_eq!(r.status(), 200);
    let record: Value = r.json().await.unwrap();
    assert_eq!(
        record["version"],
        seen + 1,
        "a correction moves the version on"
    );
    assert_eq!(
        record["corrections"]["classification"]["category"],
        "solicit_accept_bribe"
    );
    assert_eq!(
        record["corrections"]["note"],
        "Confirmed with the complainant by phone."
    );
    assert!(
        record["result"]["classification"]["category"].is_string(),
        "machine result kept"
    );
    assert!(record["corrected_at"].is_string() && record["corrected_by"].is_string());
    assert_eq!(record["needs_review"], false);
    assert_eq!(
        record["raw_reply"],
        Value::Null,
        "raw replies are for admins only"
    );

    // A second officer who read the analysis before that correction does not overwrite
    // it: their change is refused with the current version, and nothing is written.
    let stale = officer
        .patch(&url)
        .header("if-match", format!("\"{seen}\""))
        .json(&json!({"summary": "Written over a version already changed."}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let stale: Value = stale.json().await.unwrap();
    assert_eq!(stale["code"], "version_conflict");
    assert_eq!(stale["details"]["current_version"], seen + 1);

    // A second correction of another field, at the current version, keeps the first.
    let summary = json!({"summary": "Pegawai kastam meminta wang."});
    let record: Value = app
        .correct(&officer, &id, &summary)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        record["corrections"]["summary"],
        "Pegawai kastam meminta wang."
    );
    assert_eq!(record["corrections"]["legal"][0]["section"], "16(a)");

    // The corrected category is what the list filters on.
    let listed: Value = get_json(
        &officer,
        app.url("/api/v1/complaints?category=solicit_accept_bribe"),
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let listed: Value =
        get_json(&officer, app.url("/api/v1/complaints?category=false_claim")).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);

    let version = app.enrichment_version(&officer, &id).await;
    assert_eq!(
        app.as_role(Role::Intake)
            .patch(&url)
            .header("if-match", format!("\"{version}\""))
            .json(&fix)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let empty = app.correct(&officer, &id, &json!({})).await;
    assert_eq!(empty.status(), 422);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'enrichment.correct'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 2, "the two corrections written, and only those");
    // Corrections are their own event kind: open views refresh, no "analysed" again.
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM events WHERE complaint_id = $1::uuid AND kind LIKE 'complaint.%' ORDER BY id",
    )
    .bind(&ids[0])
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let corrected = kinds.iter().filter(|k| *k == "complaint.corrected").count();
    let enriched = kinds.iter().filter(|k| *k == "complaint.enriched").count();
    assert_eq!((corrected, enriched), (2, 1), "{kinds:?}");
    app.stop().await;
}

/// Until `ok` holds (10 s at most).
async fn wait_for(ok: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not reached"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
