//! What each role may see of a complaint beyond its own work.

use std::time::Duration;

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::helpers::{get_json, sample_complaint, spawn_app, TestApp};

/// The sample complaint (naming its complainant) entered by `client`; its id.
async fn submit_as(app: &TestApp, client: &reqwest::Client) -> String {
    let accepted: Value = client
        .post(app.url("/api/v1/complaints"))
        .json(&sample_complaint())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    accepted["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn intake_staff_do_not_see_officers_corrections() {
    let app = spawn_app().await;
    let intake = app.as_role(Role::Intake);
    let id = submit_as(&app, &intake).await;
    app.wait_for_status("enriched", 1, Duration::from_secs(20))
        .await;
    let officer = app.as_role(Role::Officer);
    let fix = json!({"summary": "Disahkan oleh pegawai.", "note": "Called the complainant back."});
    assert_eq!(app.correct(&officer, &id, &fix).await.status(), 200);

    let url = app.url(&format!("/api/v1/complaints/{id}"));
    let seen_by_officer: Value = get_json(&officer, url.clone()).await;
    assert_eq!(
        seen_by_officer["enrichment"]["corrections"]["note"],
        "Called the complainant back."
    );
    let seen_by_intake: Value = get_json(&intake, url.clone()).await;
    let enrichment = &seen_by_intake["enrichment"];
    assert!(
        enrichment["result"].is_object(),
        "the analysis itself is shown"
    );
    assert_eq!(enrichment["corrections"], Value::Null, "{enrichment}");
    assert_eq!(enrichment["corrected_by"], Value::Null);
    assert_eq!(enrichment["corrected_at"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn reads_leave_a_trace_once_per_look() {
    let app = spawn_app().await;
    let ids = app.submit_many("jejak", 2).await;
    let officer = app.as_role(Role::Officer);
    let entries = |action: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, Value>(
                "SELECT coalesce(details, 'null'::jsonb) FROM audit_log a
                 JOIN users u ON u.id = a.actor_id
                 WHERE a.action = $1 AND u.username = 'officer' ORDER BY a.id",
            )
            .bind(action)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    // A search: who, the query and the ids returned; a refresh of it is the same look.
    for _ in 0..3 {
        let page = get_json(&officer, app.url("/api/v1/complaints?q=kastam")).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
    }
    let lists = entries("complaint.list").await;
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert_eq!(lists[0]["query"], "q=kastam");
    let mut returned: Vec<String> = lists[0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    returned.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(returned, expected);
    // Another query is another look.
    get_json(&officer, app.url("/api/v1/complaints?status=queued")).await;
    assert_eq!(entries("complaint.list").await.len(), 2);

    // Opening a complaint is recorded once, however often the open window refreshes it.
    for _ in 0..3 {
        get_json(&officer, app.url(&format!("/api/v1/complaints/{}", ids[0]))).await;
    }
    assert_eq!(entries("complaint.view").await.len(), 1);

    let related = officer
        .get(app.url(&format!("/api/v1/complaints/{}/related", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(related.status(), 200);
    let lookups = entries("complaint.related").await;
    assert_eq!(lookups.len(), 1);
    assert!(lookups[0]["ids"].is_array());

    get_json(&officer, app.url("/api/v1/cases?q=x")).await;
    let cases = entries("case.list").await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["query"], "q=x");
    app.stop().await;
}

#[tokio::test]
async fn identities_are_shown_to_those_who_need_to_know_and_revealed_with_a_reason() {
    let app = spawn_app().await;
    let intake = app.as_role(Role::Intake);
    let id = submit_as(&app, &intake).await;
    let url = app.url(&format!("/api/v1/complaints/{id}"));
    let officer = app.as_role(Role::Officer);

    // The intake user who entered it and admins see who complained; another officer not.
    let by_intake: Value = get_json(&intake, url.clone()).await;
    assert_eq!(by_intake["complainant"]["name"], "Ahmad bin Ali");
    let by_admin: Value = get_json(&app.client, url.clone()).await;
    assert_eq!(by_admin["complainant"]["name"], "Ahmad bin Ali");
    let by_officer: Value = get_json(&officer, url.clone()).await;
    assert_eq!(by_officer["complainant"], Value::Null);
    assert_eq!(by_officer["complainant_withheld"], true);

    // Break-glass: a reason is required, and the reveal is audited with it.
    let reveal = app.url(&format!("/api/v1/complaints/{id}/identity"));
    let short = officer
        .post(&reveal)
        .json(&json!({"reason": "need"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    let reason = "Witness statement needed for investigation KES-2026-000001";
    let r = officer
        .post(&reveal)
        .json(&json!({ "reason": reason }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let revealed: Value = r.json().await.unwrap();
    assert_eq!(revealed["name"], "Ahmad bin Ali");
    let logged: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'complainant.reveal' AND target_id = $1",
    )
    .bind(&id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(logged, vec![json!({ "reason": reason })]);

    // The officer assigned to a case holding the complaint needs to know.
    let officer_id = crate::cases::user_id(&app, "officer").await;
    let body = json!({"title": "JPJ Shah Alam", "complaint_ids": [id], "assignee_id": officer_id});
    crate::cases::open_case_as(&app, &officer, body).await;
    let assigned: Value = get_json(&officer, url).await;
    assert_eq!(assigned["complainant"]["name"], "Ahmad bin Ali");
    assert_eq!(assigned["complainant_withheld"], false);
    app.stop().await;
}
