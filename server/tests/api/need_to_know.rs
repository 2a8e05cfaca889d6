//! What each role may see of a complaint beyond its own work.

use std::time::Duration;

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::helpers::{get_json, sample_complaint, spawn_app};

#[tokio::test]
async fn intake_staff_do_not_see_officers_corrections() {
    let app = spawn_app().await;
    let intake = app.as_role(Role::Intake);
    let accepted: Value = intake
        .post(app.url("/api/v1/complaints"))
        .json(&sample_complaint())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = accepted["id"].as_str().unwrap().to_string();
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
