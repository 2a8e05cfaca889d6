//! The audit trail: rows for every audited action, the admin viewer, and the hash chain
//! catching a row altered directly in SQL.

use std::collections::HashSet;
use std::time::Duration;

use aduan_api::account::Role;
use aduan_server::db::audit::{self, Verdict};
use serde_json::{json, Value};

use crate::helpers::{get_json, spawn_app, PASSWORD};

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

#[tokio::test]
async fn the_chain_catches_a_row_altered_in_sql() {
    let app = spawn_app().await;
    crate::helpers::login(&app.base, "officer", PASSWORD).await;
    app.submit_many("audit", 3).await;
    // The server's own sealer may hold the lock (then `seal` does nothing): go on until
    // every row is sealed, by whichever of the two.
    let mut tries = 0;
    let sealed = loop {
        tries += 1;
        assert!(tries < 500, "the chain was never fully sealed");
        audit::seal(&app.pool).await.unwrap();
        match audit::verify(&app.pool).await.unwrap() {
            Verdict::Intact {
                sealed,
                unsealed: 0,
            } => break sealed,
            Verdict::Intact { .. } => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("fresh chain is not intact: {other:?}"),
        }
    };
    assert!(sealed >= 6);

    // The server's own statements cannot change or delete it.
    let err = sqlx::query("UPDATE audit_log SET actor_name = 'mallory' WHERE id = 2")
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    for refused in [
        "DELETE FROM audit_log WHERE id = 2",
        "DELETE FROM audit_seals WHERE seq = 2",
        "UPDATE audit_seals SET hash = 'x' WHERE seq = 2",
    ] {
        let err = sqlx::query(refused).execute(&app.pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{refused}: {err}");
    }

    // An entry slipped in past the trigger that marks new entries for sealing is found.
    bypass(
        &app.pool,
        "audit_log_pending",
        "INSERT INTO audit_log (action) VALUES ('forged')",
    )
    .await;
    match audit::verify(&app.pool).await.unwrap() {
        Verdict::Broken { reason, .. } => assert!(reason.contains("outside"), "{reason}"),
        v => panic!("a forged entry was not noticed: {v:?}"),
    }
    bypass(
        &app.pool,
        "audit_log_no_update",
        "DELETE FROM audit_log WHERE action = 'forged'",
    )
    .await;

    // Someone with the power to bypass the trigger edits a row: verification names it.
    bypass(
        &app.pool,
        "audit_log_no_update",
        "UPDATE audit_log SET actor_name = 'mallory'
         WHERE id = (SELECT audit_id FROM audit_seals WHERE seq = 4)",
    )
    .await;
    match audit::verify(&app.pool).await.unwrap() {
        Verdict::Broken { seq, reason, .. } => {
            assert_eq!(seq, 4);
            assert!(reason.contains("altered"), "{reason}");
        }
        v => panic!("tampering not detected: {v:?}"),
    }

    // The command line reports it too, with a failing exit code.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", app.database_url.as_deref().unwrap())
        .env("ADUAN_DATA_DIR", &app.data_dir)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN at position 4"));
    app.stop().await;
}

/// Run `sql` with `trigger` of `audit_log` disabled, as someone with DDL rights could.
async fn bypass(pool: &sqlx::PgPool, trigger: &str, sql: &str) {
    let mut tx = pool.begin().await.unwrap();
    for stmt in [
        format!("ALTER TABLE audit_log DISABLE TRIGGER {trigger}"),
        sql.to_string(),
        format!("ALTER TABLE audit_log ENABLE TRIGGER {trigger}"),
    ] {
        sqlx::query(&stmt).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}
