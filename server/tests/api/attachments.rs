use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{get_json, sample_complaint, spawn_app, TestApp};

const PNG_HEADER: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
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

fn form_with(files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new().text("complaint", sample_complaint().to_string());
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    }
    form
}

async fn submit(app: &TestApp, form: Form) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/complaints"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn attachments_round_trip_byte_exact_with_hash_and_range() {
    let app = spawn_app().await;
    let mut png = PNG_HEADER.to_vec();
    png.extend(pseudo_random(3 * 1024 * 1024, 7));
    let text = "Resit bayaran: RM500 kepada Encik Rahman.\n"
        .as_bytes()
        .to_vec();
    let r = submit(
        &app,
        form_with(vec![
            ("../../gambar resit.png", png.clone()),
            ("nota.txt", text.clone()),
        ]),
    )
    .await;
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail: Value = get_json(&app.client, app.url(&format!("/api/v1/complaints/{id}"))).await;
    let atts = detail["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 2);
    assert_eq!(
        atts[0]["filename"], "gambar resit.png",
        "path components are stripped"
    );
    assert_eq!(atts[0]["content_type"], "image/png");
    assert_eq!(atts[1]["content_type"], "text/plain; charset=utf-8");
    assert_eq!(atts[0]["sha256"], hex::encode(Sha256::digest(&png)));
    assert_eq!(atts[0]["size_bytes"], png.len() as u64);

    let url = app.url(&format!(
        "/api/v1/attachments/{}",
        atts[0]["id"].as_str().unwrap()
    ));
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.starts_with("attachment;"), "{cd}");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(bytes.len(), png.len());
    assert!(bytes[..] == png[..], "download is byte-exact");

    let r = app
        .client
        .get(&url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", png.len())
    );
    assert_eq!(&r.bytes().await.unwrap()[..], &png[100..200]);
    let r = app
        .client
        .get(&url)
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(&r.bytes().await.unwrap()[..], &png[png.len() - 10..]);
    let r = app
        .client
        .get(&url)
        .header("range", format!("bytes={}-", png.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
    app.stop().await;
}

#[tokio::test]
async fn attachments_can_be_added_later() {
    let app = spawn_app().await;
    let id = app
        .post_json(&sample_complaint())
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\nsurat".to_vec()).file_name("surat.pdf"),
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let added: Value = r.json().await.unwrap();
    assert_eq!(added[0]["content_type"], "application/pdf");
    let missing = uuid::Uuid::new_v4();
    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{missing}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

/// Limits are 4 MiB per file, 10 MiB per request and 5 files in `serve_args`.
#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Form, u16, &str)> = vec![
        (
            "file too large",
            form_with(vec![("big.bin", vec![1u8; 5 * 1024 * 1024])]),
            413,
            "file_too_large",
        ),
        (
            "request too large",
            form_with(vec![
                ("a.bin", vec![1u8; 3 * 1024 * 1024]),
                ("b.bin", vec![2u8; 3 * 1024 * 1024]),
                ("c.bin", vec![3u8; 3 * 1024 * 1024]),
                ("d.bin", vec![4u8; 3 * 1024 * 1024]),
            ]),
            413,
            "request_too_large",
        ),
        (
            "too many files",
            form_with(
                (0..6)
                    .map(|i| ("f.txt", vec![b'a' + i as u8; 10]))
                    .collect(),
            ),
            413,
            "too_many_files",
        ),
        (
            "empty file",
            form_with(vec![("kosong.txt", Vec::new())]),
            422,
            "validation_failed",
        ),
        // NUL and control characters cannot be carried in a part header at all: the
        // multipart is malformed. (The sanitiser's unit tests cover them as names.)
        (
            "NUL in filename",
            form_with(vec![("a\0b.txt", b"x".to_vec())]),
            400,
            "malformed_multipart",
        ),
        (
            "control character in filename",
            form_with(vec![("a\u{7}b.txt", b"x".to_vec())]),
            400,
            "malformed_multipart",
        ),
        (
            "no complaint part",
            Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt")),
            400,
            "missing_complaint",
        ),
        (
            "unexpected part",
            Form::new()
                .text("complaint", sample_complaint().to_string())
                .text("extra", "1"),
            400,
            "unexpected_part",
        ),
        (
            "invalid complaint part",
            Form::new().text("complaint", "{not json"),
            400,
            "malformed_json",
        ),
    ];
    for (name, form, status, code) in cases {
        let r = app
            .client
            .post(app.url("/api/v1/complaints"))
            .multipart(form)
            .send()
            .await;
        match r {
            Ok(r) => {
                assert_eq!(r.status().as_u16(), status, "{name}");
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["code"], code, "{name}: {body}");
            }
            // The server may answer 413 and close before the client finished sending.
            Err(e) => assert!(status == 413, "{name}: {e}"),
        }
    }
    assert_eq!(app.complaint_count().await, 0);
    let tmp_files = std::fs::read_dir(app.data_dir.join("blobs/tmp"))
        .unwrap()
        .count();
    assert_eq!(tmp_files, 0, "partial uploads are removed");
    app.stop().await;
}

#[tokio::test]
async fn a_declared_oversized_request_is_refused_before_reading() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/complaints HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\n\
         content-type: multipart/form-data; boundary=x\r\ncontent-length: {}\r\n\r\n",
        app.tokens[&aduan_api::account::Role::Intake],
        200u64 * 1024 * 1024
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    // Only the headers were sent: the answer must come without the 200 MB body.
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), conn.read(&mut buf))
        .await
        .expect("answered without reading the body")
        .unwrap();
    let reply = String::from_utf8_lossy(&buf[..n]);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("request_too_large"), "{reply}");
    app.stop().await;
}

#[tokio::test]
async fn previews_are_safe_and_typed() {
    let app = spawn_app().await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(2400, 1200, image::Rgb([10, 120, 200]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let files = vec![
        ("foto.png", png.into_inner()),
        ("nota.txt", "Resit bayaran RM500.\n".as_bytes().to_vec()),
        (
            "surat.pdf",
            b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec(),
        ),
        ("data.bin", vec![0u8, 1, 2, 3, 255]),
    ];
    let id = submit(&app, form_with(files))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail: Value = get_json(&app.client, app.url(&format!("/api/v1/complaints/{id}"))).await;
    let att = |i: usize| {
        app.url(&format!(
            "/api/v1/attachments/{}/preview",
            detail["attachments"][i]["id"].as_str().unwrap()
        ))
    };

    let r = app.client.get(att(0)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline;"));
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (1600, 800),
        "downscaled to 1600 px"
    );

    let r = app.client.get(att(1)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), "Resit bayaran RM500.\n");

    let r = app.client.get(att(2)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");

    let r = app.client.get(att(3)).send().await.unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "no_preview");
    app.stop().await;
}

#[tokio::test]
async fn taxonomy_and_processing_summary_for_every_user() {
    let app = spawn_app().await;
    let intake = app.as_role(aduan_api::account::Role::Intake);
    let t: Value = get_json(&intake, app.url("/api/v1/taxonomy")).await;
    assert!(t["categories"].as_array().unwrap().len() >= 11);
    app.pause(true).await;
    app.submit_many("summary", 3).await;
    let s: Value = get_json(&intake, app.url("/api/v1/processing/summary")).await;
    assert_eq!(s["waiting"], 3);
    assert_eq!(s["paused"], true);
    assert!(s["eta_s_for_new_complaint"].as_f64().unwrap() > 0.0);
    app.stop().await;
}

/// A PNG that declares `width` × `height` pixels: its header is valid, its pixels are not
/// there. Small on disk, it would take gigabytes to decode.
fn declared_png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]); // 8-bit RGBA
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    // The pixel data is not a valid stream: only the header is ever to be read.
    for (kind, data) in [
        (&b"IHDR"[..], ihdr),
        (b"IDAT", vec![0u8; 490_000]),
        (b"IEND", vec![]),
    ] {
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        png.extend((data.len() as u32).to_be_bytes());
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

#[tokio::test]
async fn an_image_bomb_is_refused_without_decoding_and_stays_downloadable() {
    let app = spawn_app().await;
    let bomb = declared_png(13_000, 13_000);
    let id = submit(&app, form_with(vec![("bom.png", bomb.clone())]))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let detail: Value = get_json(&app.client, app.url(&format!("/api/v1/complaints/{id}"))).await;
    let attachment = detail["attachments"][0]["id"].as_str().unwrap().to_string();
    let preview = app.url(&format!("/api/v1/attachments/{attachment}/preview"));
    let replies = futures::future::join_all((0..16).map(|_| app.client.get(&preview).send())).await;
    for r in replies {
        let r = r.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "image_too_large");
        assert!(
            body["message"].as_str().unwrap().contains("13000 × 13000"),
            "{body}"
        );
    }
    let original = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{attachment}")))
        .send()
        .await
        .unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(
        original.bytes().await.unwrap().to_vec(),
        bomb,
        "the original stays as it came"
    );
    app.stop().await;
}

#[tokio::test]
async fn stored_evidence_is_readable_by_the_server_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let r = submit(
        &app,
        form_with(vec![("resit.bin", pseudo_random(5_000, 9))]),
    )
    .await;
    assert_eq!(r.status(), 202);
    let blobs = app.data_dir.join("blobs");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&blobs).unwrap() {
        let dir = dir.unwrap().path();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
        if dir.file_name().unwrap() != "tmp" {
            for f in std::fs::read_dir(&dir).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    assert_eq!(files.len(), 1);
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    app.stop().await;
}

/// Files of a submission refused after they arrived are removed once their grace period
/// passed; files a record names (now, or by the time the sweep looks) never are.
#[tokio::test]
async fn files_of_refused_submissions_are_swept_after_the_grace_period() {
    use aduan_server::storage::{sweep, BlobStore, LocalStore};
    use std::time::{Duration, SystemTime};

    let app = spawn_app().await;
    let local = LocalStore::new(app.data_dir.join("blobs")).unwrap();
    let blob = |bytes: &[u8]| local.path_of(&hex::encode(Sha256::digest(bytes))).unwrap();
    let store = BlobStore::Local(local.clone());
    let age = |path: &std::path::Path| {
        let old = SystemTime::now() - Duration::from_secs(48 * 3600);
        std::fs::File::open(path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    };
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
    assert_eq!(
        submit(&app, form_with(vec![("resit.txt", kept.to_vec())]))
            .await
            .status(),
        202
    );
    assert_eq!(submit(&app, refused(orphan)).await.status(), 422);
    assert_eq!(submit(&app, refused(reused)).await.status(), 422);
    assert!(
        blob(orphan).exists(),
        "a refused submission leaves its file behind"
    );
    let partial = app.data_dir.join("blobs/tmp/upload-cut-short");
    std::fs::write(&partial, b"half").unwrap();

    // Within the grace period nothing goes.
    let none = sweep::sweep(&app.pool, &store, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(none, sweep::Swept::default());

    for path in [blob(kept), blob(orphan), blob(reused), partial.clone()] {
        age(&path);
    }
    // The same file submitted again, properly this time, before the sweep: it stays.
    assert_eq!(
        submit(&app, form_with(vec![("lagi.txt", reused.to_vec())]))
            .await
            .status(),
        202
    );
    // A sweep interrupted after moving a named blob aside: the next one puts it back.
    let kept_sha = hex::encode(Sha256::digest(kept));
    let aside = app
        .data_dir
        .join(format!("blobs/tmp/sweep-{kept_sha}-interrupted"));
    std::fs::rename(blob(kept), &aside).unwrap();

    let swept = sweep::sweep(&app.pool, &store, Duration::from_secs(24 * 3600))
        .await
        .unwrap();
    assert_eq!((swept.blobs, swept.partial), (1, 1), "{swept:?}");
    assert_eq!(swept.bytes, orphan.len() as u64);
    assert!(!blob(orphan).exists() && !partial.exists() && !aside.exists());
    assert!(blob(kept).exists() && blob(reused).exists());
    let entries: Vec<Value> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'storage.sweep'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["blobs"], 1);
    app.stop().await;
}
