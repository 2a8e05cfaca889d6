//! A change and its audit entry commit together: when the audit entry cannot be written,
//! the change is not made either (the caller gets an error, and nothing changed).

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::cases::{case_url, open_case, patch, user_id};
use crate::helpers::{get_json, spawn_app};

/// Make every audit entry of `actions` fail to insert, as a full disk or a broken audit
/// table would.
async fn refuse_audit_entries(pool: &sqlx::PgPool, actions: &[&str]) {
    let list = actions
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.action IN ({list}) THEN RAISE EXCEPTION 'audit entry refused'; END IF;
             RETURN NEW;
         END $$"
    ))
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
         FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    )
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_change_whose_audit_entry_fails_is_not_made() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids = app.submit_many("atomic", 1).await;
    let case = open_case(&app, &officer, "Atomic", &ids).await;
    let intake_id = user_id(&app, "intake").await;
    refuse_audit_entries(
        &app.owner_pool().await,
        &[
            "case.update",
            "case.note",
            "user.update",
            "processing.update",
        ],
    )
    .await;

    let r = patch(&app, &officer, &case, 1, json!({"priority": "urgent"})).await;
    assert_eq!(r.status(), 500);
    let note = officer
        .post(case_url(&app, &case, "/notes"))
        .header("if-match", "\"1\"")
        .json(&json!({"body": "Never written."}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 500);
    let now = get_json(&officer, case_url(&app, &case, "")).await;
    assert_eq!(now["version"], 1, "{now}");
    assert_eq!(now["priority"], case["priority"]);
    assert_eq!(now["notes"].as_array().map(Vec::len), Some(0), "{now}");

    let r = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{intake_id}")))
        .json(&json!({"display_name": "Never renamed", "disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let users: Value = get_json(&app.client, app.url("/api/v1/admin/users")).await;
    let intake = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == intake_id.as_str())
        .unwrap();
    assert_eq!(
        (
            intake["disabled"].as_bool(),
            intake["display_name"].as_str()
        ),
        (Some(false), Some("intake"))
    );
    // Its sessions were not ended either: the intake user still reads.
    let still = app
        .as_role(Role::Intake)
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);

    let before: Value = get_json(&app.client, app.url("/api/v1/admin/processing")).await;
    let r = app
        .client
        .patch(app.url("/api/v1/admin/processing"))
        .json(&json!({"concurrency": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let after: Value = get_json(&app.client, app.url("/api/v1/admin/processing")).await;
    assert_eq!(after["workers"]["limit"], before["workers"]["limit"]);
    app.stop().await;
}
