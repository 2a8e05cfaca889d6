//! Moving blobs between stores: `blobs migrate` from a data dir into a bucket, and a backup
//! of a bucket installation restored into another bucket.

use aduan_server::storage::{migrate, LocalStore};
use sha2::{Digest, Sha256};

use super::{blob_keys, form_with, pseudo_random, spawn_on_bucket, submit};
use crate::backup::support::{compare_database, compare_over_http, manifest, run_tool};
use crate::helpers::{fresh_database, serve_args, spawn_app, spawn_with};
use crate::seaweed::fresh_location;

#[tokio::test]
async fn blobs_migrate_copies_a_data_dir_into_a_bucket_and_can_be_run_again() {
    let app = spawn_app().await;
    let big = pseudo_random(3 * 1024 * 1024, 5);
    let atts = submit(
        &app,
        form_with(vec![
            ("video.bin", big.clone()),
            ("nota.txt", b"nota".to_vec()),
        ]),
    )
    .await;
    let location = fresh_location().await;
    let db = serve_args(app.database_url.clone(), &app.data_dir).db;

    let first = migrate::migrate(&db, &location).await.unwrap();
    assert_eq!((first.copied, first.present), (2, 0));
    assert_eq!(first.bytes, big.len() as u64 + 4);
    let again = migrate::migrate(&db, &location).await.unwrap();
    assert_eq!((again.copied, again.present), (0, 2), "resumable");

    // A blob whose content no longer matches its name is refused, not copied.
    let local = LocalStore::new(app.data_dir.join("blobs")).unwrap();
    let named = hex::encode(Sha256::digest(b"isi asal"));
    let path = local.path_of(&named).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"isi diubah").unwrap();
    let err = migrate::migrate(&db, &location).await.unwrap_err();
    assert!(format!("{err:#}").contains("does not match"), "{err:#}");
    assert!(!blob_keys(&location)
        .await
        .iter()
        .any(|k| k.ends_with(&named)));
    std::fs::remove_file(&path).unwrap();

    // Switched over: an instance on the bucket serves the same bytes.
    let url = app.database_url.clone().unwrap();
    app.stop().await;
    let loc = location.clone();
    let switched = crate::helpers::spawn_instance(&url, |a| a.db.blob_store = Some(loc)).await;
    let r = switched
        .client
        .get(switched.url(&format!(
            "/api/v1/attachments/{}",
            atts[0]["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap()[..] == big[..]);
    switched.stop().await;
}

#[tokio::test]
async fn a_backup_of_a_bucket_restores_into_another_bucket() {
    let (app, source) = spawn_on_bucket().await;
    app.pause(true).await; // enrichment would change the rows the comparison reads
    submit(
        &app,
        form_with(vec![
            ("rakaman.bin", pseudo_random(6 * 1024 * 1024, 9)),
            ("nota.txt", b"nota saksi".to_vec()),
        ]),
    )
    .await;
    submit(&app, form_with(vec![("nota.txt", b"nota saksi".to_vec())])).await;
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("nightly");
    let src_url = app.database_url.clone().unwrap();
    let source_arg = source.to_string();
    let run = run_tool(
        &[
            "backup",
            "--to",
            to.to_str().unwrap(),
            "--blob-store",
            &source_arg,
        ],
        Some(&src_url),
        &app.data_dir,
    )
    .await;
    assert!(run.ok, "backup failed: {}", run.stderr);
    let m = manifest(&to);
    assert_eq!(m["blobs"].as_array().unwrap().len(), 2);

    let target = fresh_location().await;
    let target_arg = target.to_string();
    let restore = |url: String, dir: std::path::PathBuf| {
        let (to, target_arg) = (to.clone(), target_arg.clone());
        async move {
            run_tool(
                &[
                    "restore",
                    "--from",
                    to.to_str().unwrap(),
                    "--blob-store",
                    &target_arg,
                ],
                Some(&url),
                &dir,
            )
            .await
        }
    };
    let (url, dir) = (fresh_database().await, tempfile::tempdir().unwrap());
    let run = restore(url.clone(), dir.path().to_path_buf()).await;
    assert!(run.ok, "restore failed: {}", run.stderr);
    assert_eq!(blob_keys(&target).await.len(), 2);
    let mut args = serve_args(Some(url), dir.path());
    args.db.blob_store = Some(target.clone());
    let restored = spawn_with(args).await;
    let ids = compare_database(&app.pool, &restored.pool).await;
    assert_eq!(ids.len(), 2);
    compare_over_http(&app, &restored, &ids).await;
    restored.stop().await;

    // The bucket prefix now holds attachments: a second restore into it is refused.
    let (url, dir) = (fresh_database().await, tempfile::tempdir().unwrap());
    let run = restore(url, dir.path().to_path_buf()).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("already holds attachments"),
        "{}",
        run.stderr
    );
    app.stop().await;
}
