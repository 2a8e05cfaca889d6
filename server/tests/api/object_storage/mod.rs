//! Attachments in an S3-compatible bucket (a real SeaweedFS): the same guarantees as in the
//! data dir, byte for byte, and nothing left behind by a refused upload.

mod moves;
mod sweep;

use aduan_server::storage::BlobLocation;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{get_json, sample_complaint, spawn_app_with, TestApp};
use crate::seaweed::{fresh_location, keys, seaweed, BUCKET};

/// Large enough for uploads of several parts (a part is 5 MiB).
const MAX_FILE: u64 = 16 * 1024 * 1024;

/// An app storing its blobs under a fresh prefix of the test bucket.
async fn spawn_on_bucket() -> (TestApp, BlobLocation) {
    let location = fresh_location().await;
    let loc = location.clone();
    let app = spawn_app_with(|args| {
        args.db.blob_store = Some(loc);
        args.max_file_bytes = MAX_FILE;
        args.max_request_bytes = 3 * MAX_FILE;
    })
    .await;
    (app, location)
}

pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

pub fn form_with(files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new().text("complaint", sample_complaint().to_string());
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    }
    form
}

/// Submit; the complaint's attachments as the API lists them.
pub async fn submit(app: &TestApp, form: Form) -> Vec<Value> {
    let r = app
        .client
        .post(app.url("/api/v1/complaints"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = get_json(&app.client, app.url(&format!("/api/v1/complaints/{id}"))).await;
    detail["attachments"].as_array().unwrap().clone()
}

/// Blob keys (`ab/<sha>`) under the prefix.
async fn blob_keys(location: &BlobLocation) -> Vec<String> {
    keys(location)
        .await
        .into_iter()
        .filter(|k| !k.starts_with("tmp/"))
        .collect()
}

/// Multipart uploads still open under the prefix (an aborted one is not listed).
async fn open_uploads(location: &BlobLocation) -> usize {
    let endpoint = &seaweed().await.endpoint;
    let listing = reqwest::get(format!(
        "{endpoint}/{BUCKET}?uploads&prefix={}/",
        location.prefix
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    listing.matches("<UploadId>").count()
}

async fn get_range(app: &TestApp, url: &str, range: &str) -> reqwest::Response {
    app.client
        .get(url)
        .header("range", range)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn attachments_round_trip_through_a_bucket_byte_exact_with_range_and_dedup() {
    let (app, location) = spawn_on_bucket().await;
    let big = pseudo_random(12 * 1024 * 1024 + 123, 11);
    let note = b"Resit bayaran: RM500 kepada Encik Rahman.\n".to_vec();
    let atts = submit(
        &app,
        form_with(vec![
            ("rakaman.bin", big.clone()),
            ("nota.txt", note.clone()),
        ]),
    )
    .await;
    assert_eq!(atts[0]["sha256"], hex::encode(Sha256::digest(&big)));
    assert_eq!(atts[1]["content_type"], "text/plain; charset=utf-8");
    let url = app.url(&format!(
        "/api/v1/attachments/{}",
        atts[0]["id"].as_str().unwrap()
    ));
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-length"],
        big.len().to_string().as_str()
    );
    assert!(r.bytes().await.unwrap()[..] == big[..], "byte-exact");

    // Across the first part boundary, the tail, and past the end.
    let r = get_range(&app, &url, "bytes=5242000-5243999").await;
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 5242000-5243999/{}", big.len())
    );
    assert_eq!(&r.bytes().await.unwrap()[..], &big[5242000..5244000]);
    let r = get_range(&app, &url, "bytes=-10").await;
    assert_eq!(&r.bytes().await.unwrap()[..], &big[big.len() - 10..]);
    let r = get_range(&app, &url, &format!("bytes={}-", big.len())).await;
    assert_eq!(r.status(), 416);

    // The same files again: stored once.
    let again = submit(
        &app,
        form_with(vec![
            ("salinan.bin", big.clone()),
            ("nota.txt", note.clone()),
        ]),
    )
    .await;
    assert_eq!(again[0]["sha256"], atts[0]["sha256"]);
    let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
    let mut expected = vec![
        format!("{}/{}", &sha(&big)[..2], sha(&big)),
        format!("{}/{}", &sha(&note)[..2], sha(&note)),
    ];
    expected.sort();
    assert_eq!(blob_keys(&location).await, expected);
    let leftovers: Vec<String> = keys(&location)
        .await
        .into_iter()
        .filter(|k| k.starts_with("tmp/up-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary uploads removed: {leftovers:?}"
    );
    assert_eq!(open_uploads(&location).await, 0);

    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["blob_store"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn refused_uploads_leave_nothing_in_the_bucket() {
    let (app, location) = spawn_on_bucket().await;
    let too_large = MAX_FILE as usize + 1024;
    let cases = [
        // Refused after three parts were sent: the multipart upload is aborted.
        (
            form_with(vec![("besar.bin", pseudo_random(too_large, 3))]),
            413,
        ),
        (form_with(vec![("kosong.txt", Vec::new())]), 422),
    ];
    for (form, status) in cases {
        let r = app
            .client
            .post(app.url("/api/v1/complaints"))
            .multipart(form)
            .send()
            .await;
        match r {
            Ok(r) => assert_eq!(r.status().as_u16(), status),
            // The server may answer 413 and close before the client finished sending.
            Err(e) => assert_eq!(status, 413, "{e}"),
        }
    }
    assert_eq!(app.complaint_count().await, 0);
    assert_eq!(keys(&location).await, Vec::<String>::new());
    assert_eq!(open_uploads(&location).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn previews_read_from_the_bucket() {
    let (app, _) = spawn_on_bucket().await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(2400, 1200, image::Rgb([10, 120, 200]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let atts = submit(
        &app,
        form_with(vec![
            ("foto.png", png.into_inner()),
            ("nota.txt", "Resit bayaran RM500.\n".as_bytes().to_vec()),
            (
                "surat.pdf",
                b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec(),
            ),
        ]),
    )
    .await;
    let preview = |i: usize| {
        app.url(&format!(
            "/api/v1/attachments/{}/preview",
            atts[i]["id"].as_str().unwrap()
        ))
    };
    let r = app.client.get(preview(0)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 800));
    let r = app.client.get(preview(1)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "Resit bayaran RM500.\n");
    let r = app.client.get(preview(2)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
    let spool = app.data_dir.join("spool");
    assert_eq!(
        std::fs::read_dir(spool).unwrap().count(),
        0,
        "copies removed"
    );
    app.stop().await;
}

/// A bucket that is missing stops the start with a clear error; one that goes away makes
/// the instance unready.
#[tokio::test]
async fn a_missing_or_vanished_bucket_is_reported() {
    let endpoint = seaweed().await.endpoint.clone();
    let name = format!(
        "aduan-gone-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let location: BlobLocation = format!("s3://{name}").parse().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut args =
        crate::helpers::serve_args(Some(crate::helpers::fresh_database().await), tmp.path());
    args.db.blob_store = Some(location.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = aduan_server::Application::build(args, listener)
        .await
        .err()
        .expect("no start without the bucket");
    let message = format!("{err:#}");
    assert!(message.contains("bucket must exist"), "{message}");

    let client = reqwest::Client::new();
    let made = client
        .put(format!("{endpoint}/{name}"))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success());
    let loc = location.clone();
    let app = spawn_app_with(|args| args.db.blob_store = Some(loc)).await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let gone = client
        .delete(format!("{endpoint}/{name}"))
        .send()
        .await
        .unwrap();
    assert!(gone.status().is_success(), "{}", gone.status());
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["blob_store"], "unreachable");
    assert_eq!(body["database"], "ok");
    app.stop().await;
}
