//! The dashboard's rollups stay exact: random sequences of what happens to complaints
//! (intake, enrichment, failures and retries, corrections, reprocessing, deletion by a
//! repair) leave them equal to a full recount at every moment, and `analytics rebuild`
//! restores them from the complaints.

use std::time::Duration;

use aduan_api::account::Role;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::PgPool;

use crate::fake_llm::{FakeLlm, Mode};
use crate::helpers::{spawn_app_with, TestApp};

/// Rollups (folded counts and pending deltas) minus the recount, in one snapshot: empty
/// when they agree.
async fn disagreements(pool: &PgPool) -> Vec<(String, String, String, i64)> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "SELECT day::text, dim, key, sum(n)::int8 FROM (
             SELECT day, dim, key, n FROM dashboard_counts
             UNION ALL SELECT day, dim, key, n FROM dashboard_deltas
             UNION ALL SELECT day, dim, key, -n FROM dashboard_recount()
         ) t GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

async fn assert_exact(pool: &PgPool, when: &str) {
    let off = disagreements(pool).await;
    assert!(off.is_empty(), "{when}: rollups minus recount = {off:?}");
}

fn correction(rng: &mut StdRng) -> serde_json::Value {
    let categories = ["abuse_of_power", "solicit_accept_bribe", "not_corruption"];
    let states = ["Sabah", "Johor", "Kelantan"];
    let acts = ["akta_694", "akta_613"];
    let mut fix = json!({});
    if rng.gen_bool(0.7) {
        fix["classification"] = json!({"category": categories[rng.gen_range(0..3)],
            "corruption_related": true, "confidence": 1.0, "rationale": "Semakan pegawai."});
    }
    if rng.gen_bool(0.5) {
        fix["five_w1h"] = json!({"who": [], "what": "Diperiksa.", "when": {"text": null, "date": null},
            "where": {"text": null, "state": states[rng.gen_range(0..3)]}, "why": null, "how": null});
    }
    if rng.gen_bool(0.5) {
        let act = acts[rng.gen_range(0..2)];
        let section = if act == "akta_694" { "16" } else { "4" };
        fix["legal"] = json!([{"act": act, "section": section, "confidence": 1.0}]);
    }
    if fix.as_object().unwrap().is_empty() {
        fix["classification"] = json!({"category": "abuse_of_power",
            "corruption_related": true, "confidence": 1.0, "rationale": "Semakan pegawai."});
    }
    fix
}

/// One random step; returns what it did.
async fn step(app: &TestApp, fake: &FakeLlm, rng: &mut StdRng, ids: &mut Vec<String>) -> String {
    let officer = app.as_role(Role::Officer);
    match rng.gen_range(0..10) {
        0..=3 => {
            let n = rng.gen_range(1..6);
            ids.extend(app.submit_many(&format!("r{}", ids.len()), n).await);
            format!("submitted {n}")
        }
        4 => {
            // The provider fails for a while: retries, and some complaints fail for good.
            fake.script(Mode::ServerError, rng.gen_range(1..8));
            "provider failures".into()
        }
        5 | 6 => {
            let enriched: Vec<String> = sqlx::query_scalar(
                "SELECT id::text FROM complaints WHERE status = 'enriched' ORDER BY id",
            )
            .fetch_all(&app.pool)
            .await
            .unwrap();
            if enriched.is_empty() {
                return "nothing to correct yet".into();
            }
            let id = &enriched[rng.gen_range(0..enriched.len())];
            let r = app.correct(&officer, id, &correction(rng)).await;
            format!("correction of {id}: {}", r.status())
        }
        7 if !ids.is_empty() => {
            let id = &ids[rng.gen_range(0..ids.len())];
            let r = officer
                .post(app.url(&format!("/api/v1/complaints/{id}/reprocess")))
                .send()
                .await
                .unwrap();
            format!("reprocess of {id}: {}", r.status())
        }
        8 if !ids.is_empty() => {
            // A repair moves a complaint to another day (the server never does).
            let id = ids[rng.gen_range(0..ids.len())].clone();
            let days = rng.gen_range(1..40);
            sqlx::query(
                "UPDATE complaints SET created_at = created_at - make_interval(days => $2)
                 WHERE id = $1::uuid",
            )
            .bind(&id)
            .bind(days)
            .execute(&app.owner_pool().await)
            .await
            .unwrap();
            format!("moved {id} back {days} days")
        }
        _ => {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..50))).await;
            "let the queue work".into()
        }
    }
}

#[tokio::test]
async fn rollups_equal_a_full_recount_through_random_histories() {
    let fake = FakeLlm::start(Duration::from_millis(5)).await;
    let url = fake.url.clone();
    let app = spawn_app_with(|a| {
        a.llm.url = Some(url);
        a.llm.model = Some("fake".into());
        a.max_attempts = 2;
        a.retry_base_ms = 10;
    })
    .await;
    let owner = app.owner_pool().await;
    let mut done = Vec::new();
    for seed in 0..3u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ids = Vec::new();
        let mut history = Vec::new();
        for _ in 0..40 {
            history.push(step(&app, &fake, &mut rng, &mut ids).await);
            // Checked while the queue works on: in any one snapshot they agree.
            assert_exact(&owner, &format!("seed {seed} after {history:?}")).await;
        }
        fake.set_mode(Mode::Ok);
        done.extend(history);
    }
    for what in ["200 OK", "202 Accepted", "moved", "provider failures"] {
        assert!(
            done.iter().any(|h| h.contains(what)),
            "no step did {what}: {done:?}"
        );
    }
    // After everything settles, and the deltas are folded.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM enrichment_jobs WHERE state IN ('queued', 'running', 'retrying')",
        )
        .fetch_one(&owner)
        .await
        .unwrap();
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM dashboard_deltas")
            .fetch_one(&owner)
            .await
            .unwrap();
        if busy == 0 && pending == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{busy} jobs, {pending} deltas left"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_exact(&owner, "settled").await;
    let statuses: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT key) FROM dashboard_counts WHERE dim = 'status' AND n > 0",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(statuses >= 2, "the histories reached several statuses");
    app.stop().await;
}

#[tokio::test]
async fn analytics_rebuild_recounts_damaged_rollups() {
    let app = crate::helpers::spawn_app().await;
    app.submit_many("rebuild", 5).await;
    let owner = app.owner_pool().await;
    sqlx::query("DELETE FROM dashboard_deltas")
        .execute(&owner)
        .await
        .unwrap();
    sqlx::query("UPDATE dashboard_counts SET n = n + 7")
        .execute(&owner)
        .await
        .unwrap();
    assert!(!disagreements(&owner).await.is_empty(), "damaged");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"))
        .args(["analytics", "rebuild"])
        .env(
            "DATABASE_URL",
            crate::helpers::app_url(app.database_url.as_ref().unwrap()),
        )
        .env(
            "ADUAN_OWNER_DATABASE_URL",
            app.database_url.as_ref().unwrap(),
        )
        .env("ADUAN_DATA_DIR", &app.data_dir)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rebuilt"));
    assert_exact(&owner, "rebuilt").await;
    app.stop().await;
}
