//! `aduan-server backup` and `restore`, run as an operator runs them: a backup taken while
//! complaints with attachments keep arriving, restored into a new installation and compared
//! row by row, file by file and through the API; and the refusals that protect data.

pub mod support;

use std::path::Path;

use serde_json::{json, Value};
use sqlx::{Connection, PgPool};

use crate::helpers::{fresh_database, serve_args, spawn_app, spawn_with, TestApp};
use support::{
    compare_blobs, compare_database, compare_over_http, fingerprint, manifest, run_tool, Load,
};

/// A case with a note, so cases, links and notes are part of what is compared.
async fn open_case(app: &TestApp) {
    let id = app
        .post_json(&crate::helpers::sample_complaint())
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .clone();
    let case: Value = app
        .client
        .post(app.url("/api/v1/cases"))
        .json(&json!({"title": "Permit dengan bayaran", "complaint_ids": [id]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/cases/{}/notes",
            case["id"].as_str().expect("case created")
        )))
        .header("if-match", format!("\"{}\"", case["version"]))
        .json(&json!({"body": "Saksi dihubungi."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// Take a backup while `load` runs; returns the backup's manifest. Checks that intake was
/// served during the backup and that complaints committed after its snapshot exist.
async fn backup_under_load(app: &TestApp, db_url: Option<&str>, to: &Path) -> Value {
    let mut load = Load::start(app, 4, 5_000);
    load.wait_for(40).await;
    let before = load.accepted();
    let run = run_tool(
        &["backup", "--to", to.to_str().unwrap()],
        db_url,
        &app.data_dir,
    )
    .await;
    assert!(run.ok, "backup failed: {}", run.stderr);
    assert!(run.stdout.contains("backup written to"), "{}", run.stdout);
    let during = load.accepted() - before;
    let total = load.stop().await;
    assert!(during > 0, "intake was served while the backup ran");
    let m = manifest(to);
    let now = app.complaint_count().await;
    eprintln!(
        "backup holds {} of {now} complaints; {during} accepted while it ran",
        m["counts"]["complaints"]
    );
    assert!(
        m["counts"]["complaints"].as_i64().unwrap() < now,
        "complaints committed after the snapshot are not in it ({} of {now}, {total} submitted)",
        m["counts"]["complaints"]
    );
    m
}

async fn audit_verifies(db_url: Option<&str>, data_dir: &Path) {
    let run = run_tool(&["audit", "verify"], db_url, data_dir).await;
    assert!(run.ok, "audit verify: {}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("audit log intact"), "{}", run.stdout);
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn a_backup_under_intake_load_restores_identically_into_another_database() {
    let app = spawn_app().await;
    app.pause(true).await; // enrichment would change the rows the comparison reads
    open_case(&app).await;
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("nightly");
    let src_url = app.database_url.clone().unwrap();
    let m = backup_under_load(&app, Some(&src_url), &to).await;
    assert_eq!(m["database"]["kind"], "external");
    let backups_logged = "SELECT count(*) FROM audit_log WHERE action = 'backup.create'";
    assert_eq!(count(&app.pool, backups_logged).await, 1);

    let (url, dir) = (fresh_database().await, tempfile::tempdir().unwrap());
    let run = run_tool(
        &["restore", "--from", to.to_str().unwrap()],
        Some(&url),
        dir.path(),
    )
    .await;
    assert!(run.ok, "restore failed: {}", run.stderr);

    let restored = spawn_with(serve_args(Some(url.clone()), dir.path())).await;
    let ids = compare_database(&app.pool, &restored.pool).await;
    assert_eq!(
        ids.len() as i64,
        m["counts"]["complaints"].as_i64().unwrap()
    );
    let blobs = compare_blobs(&restored.pool, &app.data_dir, dir.path()).await;
    assert_eq!(blobs, m["blobs"].as_array().unwrap().len());
    compare_over_http(&app, &restored, &ids).await;
    let restores = "SELECT count(*) FROM audit_log WHERE action = 'backup.restore'";
    assert_eq!(count(&restored.pool, restores).await, 1);
    restored.stop().await;
    audit_verifies(Some(&url), dir.path()).await;
    app.stop().await;
}

#[tokio::test]
async fn a_private_cluster_is_backed_up_while_serving_and_restored_into_a_new_data_dir() {
    let src = tempfile::tempdir().unwrap();
    let app = spawn_with(serve_args(None, src.path())).await;
    app.pause(true).await;
    open_case(&app).await;
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("nightly");
    let m = backup_under_load(&app, None, &to).await;
    assert_eq!(m["database"]["kind"], "private");
    let r = app.post_json(&crate::helpers::sample_complaint()).await;
    assert_eq!(r.status(), 202, "the server's cluster kept running");

    // A new installation whose server started once: the schema exists, nothing else.
    let dst = tempfile::tempdir().unwrap();
    let run = run_tool(&["migrate"], None, dst.path()).await;
    assert!(run.ok, "migrate: {}", run.stderr);
    // Its server made an audit key of its own, which sealed nothing.
    aduan_server::audit::AuditKey::generate()
        .write_new(&dst.path().join("audit.key"))
        .unwrap();
    let run = run_tool(
        &["restore", "--from", to.to_str().unwrap()],
        None,
        dst.path(),
    )
    .await;
    assert!(run.ok, "restore failed: {}", run.stderr);
    assert!(
        !dst.path().join("pg/data/postmaster.pid").exists(),
        "the restore stopped the cluster it started"
    );
    let key = |dir: &std::path::Path| std::fs::read(dir.join("audit.key")).unwrap();
    assert_eq!(
        key(dst.path()),
        key(src.path()),
        "the chain's key came with the backup"
    );

    let restored = spawn_with(serve_args(None, dst.path())).await;
    let ids = compare_database(&app.pool, &restored.pool).await;
    assert_eq!(
        ids.len() as i64,
        m["counts"]["complaints"].as_i64().unwrap()
    );
    compare_blobs(&restored.pool, src.path(), dst.path()).await;
    compare_over_http(&app, &restored, &ids).await;
    restored.stop().await;
    audit_verifies(None, dst.path()).await;
    app.stop().await;
}

/// Rows and files of an installation, to show that a refused restore changed nothing.
async fn state_of(url: &str, data_dir: &Path) -> (Vec<i64>, Vec<(String, String)>) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let counts: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM attachments),
                (SELECT count(*) FROM users), (SELECT count(*) FROM audit_log)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    (
        vec![counts.0, counts.1, counts.2, counts.3],
        fingerprint(&data_dir.join("blobs")),
    )
}

async fn tables_in(url: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let n = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    n
}

#[tokio::test]
async fn a_restore_over_a_non_empty_or_running_installation_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let mut load = Load::start(&app, 1, 3);
    load.wait_for(3).await;
    load.stop().await;
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("b");
    let (url, data) = (app.database_url.clone().unwrap(), app.data_dir.clone());
    let run = run_tool(&["backup", "--to", to.to_str().unwrap()], Some(&url), &data).await;
    assert!(run.ok, "{}", run.stderr);
    let from = to.to_str().unwrap();

    let empty_dir = tempfile::tempdir().unwrap();
    let run = run_tool(&["restore", "--from", from], Some(&url), empty_dir.path()).await;
    assert!(!run.ok);
    assert!(run.stderr.contains("Stop aduan-server"), "{}", run.stderr);

    let tmp = app.stop().await.expect("data dir");
    let before = state_of(&url, tmp.path()).await;
    let run = run_tool(&["restore", "--from", from], Some(&url), empty_dir.path()).await;
    assert!(!run.ok);
    assert!(
        run.stderr
            .contains("the target installation is not empty (3 complaints"),
        "{}",
        run.stderr
    );
    let blank = fresh_database().await;
    let run = run_tool(&["restore", "--from", from], Some(&blank), tmp.path()).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("already holds attachments"),
        "{}",
        run.stderr
    );

    assert_eq!(state_of(&url, tmp.path()).await, before, "nothing changed");
    assert_eq!(
        tables_in(&blank).await,
        0,
        "the empty database stayed empty"
    );
    assert_eq!(
        std::fs::read_dir(empty_dir.path()).unwrap().count(),
        0,
        "nothing was written to the empty data dir"
    );

    let run = run_tool(&["backup", "--to", from], Some(&url), tmp.path()).await;
    assert!(!run.ok, "a backup never writes into an existing backup");
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);

    let nowhere = tempfile::tempdir().unwrap();
    let to = backups.path().join("from-nowhere");
    let run = run_tool(
        &["backup", "--to", to.to_str().unwrap()],
        None,
        nowhere.path(),
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("holds no Aduan database"),
        "{}",
        run.stderr
    );
    assert!(
        !nowhere.path().join("pg").exists(),
        "no cluster was created"
    );
    assert!(!to.exists());
}

/// Restore `from` into a new installation, expecting a refusal that mentions `why`; the
/// installation must be left as empty as it was.
async fn refused(from: &Path, why: &str) {
    let (url, dir) = (fresh_database().await, tempfile::tempdir().unwrap());
    let run = run_tool(
        &["restore", "--from", from.to_str().unwrap()],
        Some(&url),
        dir.path(),
    )
    .await;
    assert!(!run.ok, "a damaged backup was restored");
    assert!(
        run.stderr.contains(why),
        "expected {why:?} in: {}",
        run.stderr
    );
    assert_eq!(tables_in(&url).await, 0, "nothing was loaded");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[tokio::test]
async fn a_damaged_or_unfinished_backup_is_refused() {
    let app = spawn_app().await;
    let mut load = Load::start(&app, 1, 3);
    load.wait_for(3).await;
    load.stop().await;
    let backups = tempfile::tempdir().unwrap();
    let good = backups.path().join("good");
    let url = app.database_url.clone().unwrap();
    let run = run_tool(
        &["backup", "--to", good.to_str().unwrap()],
        Some(&url),
        &app.data_dir,
    )
    .await;
    assert!(run.ok, "{}", run.stderr);
    let m = manifest(&good);
    let blob = m["blobs"][0]["sha256"].as_str().unwrap().to_string();
    let blob_in = |dir: &Path| dir.join("blobs").join(&blob[..2]).join(&blob);

    let altered = backups.path().join("altered");
    copy_tree(&good, &altered);
    let mut bytes = std::fs::read(blob_in(&altered)).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(blob_in(&altered), bytes).unwrap();
    refused(&altered, &format!("blob {blob} does not match its SHA-256")).await;
    // Into a private cluster: the cluster made for the restore goes too.
    let parent = tempfile::tempdir().unwrap();
    let fresh = parent.path().join("aduan-data");
    let from = altered.to_str().unwrap();
    let run = run_tool(&["restore", "--from", from], None, &fresh).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("does not match its SHA-256"),
        "{}",
        run.stderr
    );
    assert!(!fresh.exists(), "nothing is left of the new installation");

    let missing = backups.path().join("missing");
    copy_tree(&good, &missing);
    std::fs::remove_file(blob_in(&missing)).unwrap();
    refused(&missing, &format!("blob {blob} is missing")).await;

    let dump = backups.path().join("dump");
    copy_tree(&good, &dump);
    let mut bytes = std::fs::read(dump.join("db.dump")).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(dump.join("db.dump"), bytes).unwrap();
    refused(&dump, "db.dump does not match its manifest").await;

    let unfinished = backups.path().join("unfinished");
    copy_tree(&good, &unfinished);
    std::fs::remove_file(unfinished.join("manifest.json")).unwrap();
    refused(&unfinished, "is not a complete Aduan backup").await;

    // The good one still restores.
    let (url2, dir2) = (fresh_database().await, tempfile::tempdir().unwrap());
    let run = run_tool(
        &["restore", "--from", good.to_str().unwrap()],
        Some(&url2),
        dir2.path(),
    )
    .await;
    assert!(run.ok, "{}", run.stderr);
    app.stop().await;
}

#[tokio::test]
async fn keep_deletes_only_the_oldest_backups() {
    let app = spawn_app().await;
    let url = app.database_url.clone().unwrap();
    let backups = tempfile::tempdir().unwrap();
    std::fs::create_dir(backups.path().join("not-a-backup")).unwrap();
    for name in ["b1", "b2", "b3"] {
        let to = backups.path().join(name);
        let run = run_tool(
            &["backup", "--to", to.to_str().unwrap(), "--keep", "2"],
            Some(&url),
            &app.data_dir,
        )
        .await;
        assert!(run.ok, "{}", run.stderr);
    }
    let mut left: Vec<String> = std::fs::read_dir(backups.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["b2", "b3", "not-a-backup"]);
    app.stop().await;
}
