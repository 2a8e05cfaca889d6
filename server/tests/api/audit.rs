//! The audit trail: rows for every audited action and the admin viewer (its defences
//! against tampering are in `audit_tamper`).

use std::collections::HashSet;

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::helpers::{get_json, spawn_app};

#[tokio::test]
async fn audited_actions_are_recorded_and_listed() {
    let app = spawn_app().await;
    let intake = app.as_role(Role::Intake);
    let form = reqwest::multipart::Form::new()
        .text(
            "complaint",
            json!({"channel": "walk_in", "description": "Pegawai meminta wang."}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"resit".to_vec()).file_name("resit.txt"),
        );
    let id = intake
        .post(app.url("/api/v1/complaints"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let officer = app.as_role(Role::Officer);
    let detail: Value = get_json(&officer, app.url(&format!("/api/v1/complaints/{id}"))).await;
    officer
        .get(app.url(&format!(
            "/api/v1/attachments/{}",
            detail["attachments"][0]["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"more".to_vec()).file_name("more.txt"),
    );
    intake
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    officer
        .post(app.url(&format!("/api/v1/complaints/{id}/reprocess")))
        .send()
        .await
        .unwrap();
    app.client
        .patch(app.url("/api/v1/admin/processing"))
        .json(&json!({"concurrency": 8}))
        .send()
        .await
        .unwrap();
    let created: Value = app.client.post(app.url("/api/v1/admin/users")).json(&json!({"username": "baru", "display_name": "Baru", "role": "officer", "password": "long enough password"})).send().await.unwrap().json().await.unwrap();
    app.client
        .patch(app.url(&format!(
            "/api/v1/admin/users/{}",
            created["id"].as_str().unwrap()
        )))
        .json(&json!({"role": "intake"}))
        .send()
        .await
        .unwrap();
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "officer", "password": "not it at all"}))
        .send()
        .await
        .unwrap();
    officer
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();

    let actions: HashSet<String> = sqlx::query_scalar("SELECT DISTINCT action FROM audit_log")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for a in [
        "login.success",
        "login.failure",
        "logout",
        "complaint.create",
        "complaint.view",
        "attachment.download",
        "attachment.add",
        "complaint.reprocess",
        "processing.update",
        "user.create",
        "user.update",
    ] {
        assert!(actions.contains(a), "no audit row for {a}: {actions:?}");
    }
    let view: (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT actor_name, target_id, ip FROM audit_log WHERE action = 'complaint.view'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        view,
        (
            Some("officer".into()),
            Some(id.clone()),
            Some("127.0.0.1".into())
        )
    );

    let page: Value = get_json(
        &app.client,
        app.url("/api/v1/admin/audit?action=complaint.view&limit=10"),
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["target_id"], id.as_str());
    let first: Value = get_json(&app.client, app.url("/api/v1/admin/audit?limit=2")).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = get_json(
        &app.client,
        app.url(&format!("/api/v1/admin/audit?limit=2&cursor={cursor}")),
    )
    .await;
    assert!(second["items"][0]["id"].as_i64().unwrap() < first["items"][1]["id"].as_i64().unwrap());
    app.stop().await;
}
