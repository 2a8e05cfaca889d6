//! The orphan sweep in a bucket: old unnamed blobs and unfinished uploads go; a named
//! blob, or one intake marked as about to be named, stays; a blob an interrupted sweep
//! moved aside comes back.

use std::time::{Duration, SystemTime};

use aduan_server::storage::{sweep, BlobLocation, BlobStore};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{form_with, spawn_on_bucket};
use crate::seaweed::{bucket, keys};

fn key(location: &BlobLocation, rel: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("{}/{rel}", location.prefix))
}

fn blob(bytes: &[u8]) -> String {
    let sha = hex::encode(Sha256::digest(bytes));
    format!("{}/{sha}", &sha[..2])
}

/// Until every object under the prefix is older than `age` (object times are the store's
/// and cannot be set back, so the test waits for them to age).
async fn wait_until_all_older_than(location: &BlobLocation, age: Duration) {
    use futures::TryStreamExt;
    let store = bucket().await;
    let prefix = object_store::path::Path::from(location.prefix.as_str());
    loop {
        let newest = store
            .list(Some(&prefix))
            .map_ok(|m| SystemTime::from(m.last_modified))
            .try_fold(SystemTime::UNIX_EPOCH, |a, b| async move { Ok(a.max(b)) })
            .await
            .unwrap();
        if newest + age < SystemTime::now() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn orphans_in_a_bucket_are_swept_after_the_grace_period() {
    let (app, location) = spawn_on_bucket().await;
    let store = BlobStore::open(Some(&location), &app.data_dir)
        .await
        .unwrap();
    let refused = |bytes: &'static [u8]| {
        // The file arrives first; the complaint after it is invalid.
        Form::new()
            .part("file", Part::bytes(bytes.to_vec()).file_name("bukti.txt"))
            .text(
                "complaint",
                serde_json::json!({"channel": "walk_in", "description": ""}).to_string(),
            )
    };
    let (kept, orphan, reused) = (
        b"resit yang direkodkan".as_slice(),
        b"bukti aduan yang ditolak".as_slice(),
        b"bukti dihantar semula".as_slice(),
    );
    super::submit(&app, form_with(vec![("resit.txt", kept.to_vec())])).await;
    for bytes in [orphan, reused] {
        let r = app
            .client
            .post(app.url("/api/v1/complaints"))
            .multipart(refused(bytes))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
    }
    let s3 = bucket().await;
    // What a crash between an upload and its clean-up leaves.
    let crashed = key(&location, "tmp/up-crashed");
    s3.put(&crashed, PutPayload::from_static(b"half"))
        .await
        .unwrap();
    let keys_now = keys(&location).await;
    assert!(keys_now.contains(&blob(orphan)), "{keys_now:?}");

    let none = sweep::sweep(&app.pool, &store, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(none, sweep::Swept::default(), "within the grace period");

    // A sweep interrupted after moving a named blob aside: the next one puts it back.
    let kept_key = key(&location, &blob(kept));
    let sha = hex::encode(Sha256::digest(kept));
    let aside = key(&location, &format!("tmp/sweep-{sha}-interrupted"));
    s3.copy(&kept_key, &aside).await.unwrap();
    s3.delete(&kept_key).await.unwrap();
    let grace = Duration::from_secs(2);
    wait_until_all_older_than(&location, grace).await;
    // Intake storing the same file again, its row not yet committed: the blob is marked.
    let chunks =
        futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(reused))]);
    store.put(chunks, 1024).await.unwrap();

    let swept = sweep::sweep(&app.pool, &store, grace).await.unwrap();
    assert_eq!((swept.blobs, swept.partial), (1, 1), "{swept:?}");
    assert_eq!(swept.bytes, orphan.len() as u64);
    let after = keys(&location).await;
    assert!(!after.contains(&blob(orphan)), "{after:?}");
    assert!(after.contains(&blob(kept)) && after.contains(&blob(reused)));
    assert!(
        after
            .iter()
            .all(|k| !k.starts_with("tmp/") || k.starts_with("tmp/fresh/")),
        "only the young mark is left in tmp/: {after:?}"
    );
    let entries: Vec<Value> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'storage.sweep'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["blobs"], 1);

    // Once the mark is old too, the unnamed blob goes, and the mark with it.
    wait_until_all_older_than(&location, grace).await;
    let swept = sweep::sweep(&app.pool, &store, grace).await.unwrap();
    assert_eq!(swept.blobs, 1, "{swept:?}");
    assert_eq!(keys(&location).await, vec![blob(kept)]);
    app.stop().await;
}
