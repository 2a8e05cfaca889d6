//! The private PostgreSQL cluster: created on first start, reused, stopped on exit; and the
//! server riding out a database outage.

use aduan_server::db::embedded::EmbeddedPostgres;
use serde_json::Value;

use crate::helpers::{sample_complaint, serve_args, spawn_with};

#[tokio::test]
async fn private_cluster_is_created_reused_and_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let pg_version = tmp.path().join("pg/data/PG_VERSION");

    let app = spawn_with(serve_args(None, tmp.path())).await;
    assert!(pg_version.exists(), "cluster created under <data-dir>/pg");
    // `aduan` owns the schema; the server serves as `aduan_app`, which may not change the
    // audit trail.
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, aduan_server::db::roles::APP_ROLE);
    assert!(aduan_server::db::roles::excess_audit_rights(&app.pool)
        .await
        .unwrap()
        .is_empty());
    let refused = sqlx::query("DELETE FROM audit_log")
        .execute(&app.pool)
        .await;
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("permission denied"));
    let accepted: Value = app
        .post_json(&sample_complaint())
        .await
        .json()
        .await
        .unwrap();
    app.stop().await;
    assert!(
        !tmp.path().join("pg/data/postmaster.pid").exists(),
        "cluster stopped on exit"
    );

    let app = spawn_with(serve_args(None, tmp.path())).await;
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/complaints/{}",
            accepted["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the same cluster and data were reused");
    app.stop().await;
}

#[tokio::test]
async fn database_outage_gives_503_and_the_server_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let app = spawn_with(serve_args(None, tmp.path())).await;
    assert_eq!(app.post_json(&sample_complaint()).await.status(), 202);

    let dir = tmp.path().to_path_buf();
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir).unwrap().stop().unwrap())
        .await
        .unwrap();
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let r = app.post_json(&sample_complaint()).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "database_unavailable"
    );
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "the process stays up");

    let dir = tmp.path().to_path_buf();
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir).unwrap())
        .await
        .unwrap();
    let mut ready = false;
    for _ in 0..50 {
        if app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(ready, "ready again once PostgreSQL is back");
    assert_eq!(app.post_json(&sample_complaint()).await.status(), 202);
    assert_eq!(app.complaint_count().await, 2, "nothing committed was lost");
    app.stop().await;
}

#[tokio::test]
async fn a_command_leaves_the_private_cluster_running_when_others_connected_meanwhile() {
    use sqlx::Connection;
    let tmp = tempfile::tempdir().unwrap();
    let args = serve_args(None, tmp.path()).db;
    // A command that starts the cluster stops it again when it is alone...
    let db = aduan_server::db::Database::connect(&args).await.unwrap();
    assert!(db.embedded.as_ref().unwrap().started);
    db.close_tool().await;
    let pid_file = tmp.path().join("pg/data/postmaster.pid");
    assert!(!pid_file.exists(), "stopped by the command that started it");

    // ...but not while someone else (a server starting at the same time) is connected.
    let db = aduan_server::db::Database::connect(&args).await.unwrap();
    let options = db.embedded.as_ref().unwrap().connect_options();
    let mut other = sqlx::PgConnection::connect_with(&options).await.unwrap();
    db.close_tool().await;
    assert!(pid_file.exists(), "left running for the other client");
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut other)
        .await
        .unwrap();
    assert_eq!(one, 1);
    other.close().await.unwrap();
    let dir = tmp.path().to_path_buf();
    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir).unwrap().stop().unwrap())
        .await
        .unwrap();
}
