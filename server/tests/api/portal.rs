//! The reporter portal on its own listener: apart from the staff API, proof of work,
//! abuse limits, the receipt, the thread both ways, and the cleaned copies of files.

use aduan_api::account::Role;
use futures::StreamExt;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{get_json, spawn_app_with, TestApp};
use crate::portal_files::{contains, jpeg_with_gps, pdf_with_author};

async fn portal_app(adjust: impl FnOnce(&mut aduan_server::config::ServeArgs)) -> TestApp {
    spawn_app_with(|a| {
        a.public_listen = Some("127.0.0.1:0".parse().unwrap());
        a.public_pow_bits = 8;
        adjust(a);
    })
    .await
}

fn public(app: &TestApp, path: &str) -> String {
    format!(
        "{}{path}",
        app.public_base.as_ref().expect("public listener")
    )
}

/// A solved proof of work: `{id, nonce}`.
async fn pow(app: &TestApp) -> Value {
    let c = get_json(&reqwest::Client::new(), public(app, "/public/v1/challenge")).await;
    let prefix = c["prefix"].as_str().unwrap();
    let bits = c["difficulty"].as_u64().unwrap() as u8;
    let nonce = aduan_server::portal::pow::solve(prefix, bits);
    json!({"id": c["id"], "nonce": nonce})
}

fn report_form(pow: &Value, files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new().text("pow", pow.to_string()).text(
        "report",
        json!({
            "description": "Pegawai majlis meminta RM2,000 untuk meluluskan permit gerai saya.",
            "anonymous": true,
            "location": "Klang, Selangor",
        })
        .to_string(),
    );
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    }
    form
}

async fn submit(app: &TestApp, client: &reqwest::Client, form: Form) -> reqwest::Response {
    client
        .post(public(app, "/public/v1/reports"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, receipt: &str, from: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(public(app, "/public/v1/session"))
        .header("x-forwarded-for", from)
        .json(&json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_routes_are_not_on_the_public_listener_nor_portal_routes_on_the_staff_one() {
    let app = portal_app(|_| {}).await;
    let c = reqwest::Client::new();
    for path in [
        "/api/v1/me",
        "/api/v1/openapi.json",
        "/healthz",
        "/metrics",
        "/api/v1/complaints",
    ] {
        let r = c.get(public(&app, path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "GET {path} on the public listener");
    }
    let r = c
        .post(public(&app, "/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "staff sign-in on the public listener");
    for path in ["/public/v1/challenge", "/public/v1/report", "/portal.js"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "GET {path} on the staff listener");
    }
    let page = c.get(public(&app, "/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(page.text().await.unwrap().contains("portal.js"));
    app.stop().await;
}

#[tokio::test]
async fn proofs_of_work_that_are_wrong_reused_expired_or_missing_get_400() {
    let app = portal_app(|a| a.public_pow_bits = 12).await;
    let c = reqwest::Client::new();
    // Wrong: a nonce that does not give 12 zero bits (checked against the prefix).
    let challenge = get_json(&c, public(&app, "/public/v1/challenge")).await;
    let prefix = challenge["prefix"].as_str().unwrap();
    let wrong = (0u64..)
        .map(|n| n.to_string())
        .find(|n| !aduan_server::portal::pow::check(prefix, n, 12))
        .unwrap();
    let bad = json!({"id": challenge["id"], "nonce": wrong});
    let r = submit(&app, &c, report_form(&bad, vec![])).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "pow_invalid");
    // The challenge is used up even by a wrong answer.
    let r = submit(&app, &c, report_form(&bad, vec![])).await;
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "pow_unknown");
    // Reused after a good submission.
    let good = pow(&app).await;
    let r = submit(&app, &c, report_form(&good, vec![])).await;
    assert_eq!(r.status(), 201);
    let r = submit(&app, &c, report_form(&good, vec![])).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "pow_unknown");
    // Expired.
    let late = pow(&app).await;
    sqlx::query(
        "UPDATE portal_challenges SET expires_at = now() - interval '1 second' WHERE id = $1",
    )
    .bind(uuid::Uuid::parse_str(late["id"].as_str().unwrap()).unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    let r = submit(&app, &c, report_form(&late, vec![])).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "pow_expired");
    // Missing, and a file before the proof.
    let form = Form::new()
        .part("file", Part::bytes(b"x".to_vec()).file_name("a.txt"))
        .text("pow", pow(&app).await.to_string());
    let r = submit(&app, &c, form).await;
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "pow_missing");
    let form = Form::new().text("report", json!({"description": "x"}).to_string());
    let r = submit(&app, &c, form).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "pow_missing");

    // The portal's traffic has series of its own on the staff listener's `/metrics`.
    let m = crate::metrics::scrape(&app).await;
    let portal = |method: &str, route: &str, status: u16| {
        let key = format!(
            "aduan_portal_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}}"
        );
        m.get(&key).copied().unwrap_or(0.0)
    };
    assert_eq!(portal("GET", "/public/v1/challenge", 200), 4.0);
    assert_eq!(portal("POST", "/public/v1/reports", 201), 1.0);
    assert_eq!(portal("POST", "/public/v1/reports", 400), 6.0);
    assert!(
        !m.keys()
            .any(|k| k.starts_with("aduan_http_") && k.contains("/public/v1")),
        "not counted as staff traffic"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_eleventh_submission_in_a_minute_from_one_address_gets_429() {
    let app = portal_app(|a| a.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let c = reqwest::Client::new();
    let url = public(&app, "/public/v1/reports");
    let from = |addr: &'static str| {
        let (client, url) = (c.clone(), url.clone());
        move |form: Form| {
            client
                .post(url.clone())
                .header("x-forwarded-for", addr)
                .multipart(form)
        }
    };
    let flood = from("192.0.2.7");
    for i in 0..10 {
        let r = flood(report_form(&pow(&app).await, vec![]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "submission {i}");
    }
    let r = flood(report_form(&pow(&app).await, vec![]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // Others keep working meanwhile.
    let other = from("192.0.2.8");
    let r = other(report_form(&pow(&app).await, vec![]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    app.stop().await;
}

#[tokio::test]
async fn ten_thousand_wrong_receipts_are_throttled_and_the_right_one_still_opens_elsewhere() {
    let app = portal_app(|a| a.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let c = reqwest::Client::new();
    let r = submit(&app, &c, report_form(&pow(&app).await, vec![])).await;
    let receipt = r.json::<Value>().await.unwrap()["receipt"]
        .as_str()
        .unwrap()
        .to_string();
    let guesses = futures::stream::iter(0..10_000u64)
        .map(|i| {
            let app = &app;
            async move {
                let guess = format!("{:016}", 1_000_000_000_000_000u64 + i * 7919);
                sign_in(app, &guess, "198.51.100.9").await.status().as_u16()
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<u16>>()
        .await;
    let refused = guesses.iter().filter(|s| **s == 401).count();
    let throttled = guesses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused, 10, "wrong receipts checked before the throttle");
    assert_eq!(throttled, 10_000 - 10);
    // The guesser's address cannot sign in even with the right receipt now …
    assert_eq!(sign_in(&app, &receipt, "198.51.100.9").await.status(), 429);
    // … but the reporter, elsewhere, can.
    let r = sign_in(&app, &receipt, "203.0.113.5").await;
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap()["token"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn many_addresses_together_exhaust_the_global_budget() {
    let app = portal_app(|a| {
        a.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        a.public_signin_failures_global = 15;
    })
    .await;
    for i in 0..15 {
        let r = sign_in(&app, "0000 0000 0000 0000", &format!("192.0.2.{i}")).await;
        assert_eq!(r.status(), 401);
    }
    let r = sign_in(&app, "0000 0000 0000 0001", "192.0.2.200").await;
    assert_eq!(r.status(), 429);
    app.stop().await;
}

/// The receipt is shown once and stored only as a hash and a keyed lookup value.
async fn stored_receipt_is_not_the_receipt(app: &TestApp, receipt: &str) {
    let (hash, lookup): (String, Vec<u8>) =
        sqlx::query_as("SELECT receipt_hash, lookup FROM portal_reports")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(receipt));
    assert_eq!(lookup.len(), 16);
    assert!(!contains(&lookup, receipt.as_bytes()));
}

#[tokio::test]
async fn a_report_its_receipt_and_the_thread_both_ways() {
    let app = portal_app(|_| {}).await;
    let c = reqwest::Client::new();
    let files = vec![
        ("gambar.jpg", jpeg_with_gps()),
        ("resit.pdf", pdf_with_author()),
    ];
    let r = submit(&app, &c, report_form(&pow(&app).await, files)).await;
    assert_eq!(r.status(), 201);
    let accepted: Value = r.json().await.unwrap();
    let receipt = accepted["receipt"].as_str().unwrap().to_string();
    assert_eq!(receipt.len(), 16);
    assert!(receipt.bytes().all(|b| b.is_ascii_digit()));
    stored_receipt_is_not_the_receipt(&app, &receipt).await;
    let (id, channel, created_by): (uuid::Uuid, String, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT id, channel, created_by FROM complaints WHERE reference = $1")
            .bind(accepted["reference"].as_str().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((channel.as_str(), created_by), ("web", None));

    // Officers get cleaned copies; originals are kept.
    let detail = get_json(&app.client, app.url(&format!("/api/v1/complaints/{id}"))).await;
    let attachments = detail["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2, "{detail}");
    for a in attachments {
        assert_eq!(a["cleaning"], "removed");
        let copy = app
            .client
            .get(app.url(&format!(
                "/api/v1/attachments/{}",
                a["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(!contains(&copy, b"GPS 3.1390N") && !contains(&copy, b"Ahmad bin Ali"));
        let original = a["original_id"].as_str().unwrap();
        let r = app
            .client
            .get(app.url(&format!("/api/v1/attachments/{original}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "an original is not an ordinary attachment");
    }
    let jpeg = &attachments[0]["id"].as_str().unwrap().to_string();
    let original = |client: &reqwest::Client, reason: &str| {
        client
            .get(app.url(&format!("/api/v1/attachments/{jpeg}/original")))
            .query(&[("reason", reason)])
            .send()
    };
    assert_eq!(original(&app.client, "").await.unwrap().status(), 422);
    assert_eq!(
        original(&app.as_role(Role::Intake), "Siasatan lokasi")
            .await
            .unwrap()
            .status(),
        403
    );
    let r = original(&app.client, "Lokasi gambar diperlukan untuk siasatan")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        contains(&r.bytes().await.unwrap(), b"GPS 3.1390N"),
        "the original keeps its EXIF"
    );

    // The reporter signs in and sees their report received.
    let r = sign_in(&app, &crate::portal::grouped(&receipt), "127.0.0.1").await;
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let reporter = crate::helpers::client_with(Some(&token));
    let view = get_json(&reporter, public(&app, "/public/v1/report")).await;
    assert_eq!(view["status"], "received");
    assert_eq!(view["files"].as_array().unwrap().len(), 2);
    assert_eq!(view["files"][0]["metadata_removed"], true);

    // The thread is the assigned officer's: not before a case names them.
    let thread_url = app.url(&format!("/api/v1/complaints/{id}/messages"));
    let officer = app.as_role(Role::Officer);
    assert_eq!(officer.get(&thread_url).send().await.unwrap().status(), 403);
    assert_eq!(
        app.as_role(Role::Intake)
            .get(&thread_url)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let me = get_json(&officer, app.url("/api/v1/me")).await;
    let body = json!({"title": "Permit gerai", "complaint_ids": [id], "assignee_id": me["id"]});
    let case = crate::cases::open_case_as(&app, &app.client, body).await;
    let r = officer
        .post(&thread_url)
        .json(&json!({"text": "Terima kasih. Bilakah wang itu diminta?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // The reporter reads the answer (no officer's name) and replies with a file.
    let view = get_json(&reporter, public(&app, "/public/v1/report")).await;
    assert_eq!(view["status"], "under_evaluation");
    assert_eq!(view["messages"][0]["from"], "officer");
    assert!(view["messages"][0].get("author_name").is_none());
    let form = Form::new()
        .text("pow", pow(&app).await.to_string())
        .text(
            "message",
            json!({"text": "Pada 3 Disember, di pejabat majlis."}).to_string(),
        )
        .part(
            "file",
            Part::bytes(jpeg_with_gps()).file_name("pejabat.jpg"),
        );
    let r = reporter
        .post(public(&app, "/public/v1/report/messages"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // The officer sees the reply and its cleaned file; the case waits for an answer.
    let thread = get_json(&officer, thread_url.clone()).await;
    assert_eq!(thread["portal"], true);
    let messages = thread["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["author"], "reporter");
    assert_eq!(messages[1]["attachments"][0]["cleaning"], "removed");
    let waiting = get_json(&officer, app.url("/api/v1/cases?reporter_waiting=true")).await;
    assert_eq!(waiting["items"][0]["id"], case["id"]);
    assert_eq!(waiting["items"][0]["reporter_waiting"], true);
    let detail = get_json(
        &officer,
        app.url(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap())),
    )
    .await;
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["what"]["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "message").count(),
        2,
        "{kinds:?}"
    );

    // Every message and the original's opening are audited; the event was logged.
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for a in [
        "message.send",
        "message.receive",
        "message.view",
        "attachment.original",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let reason: String = sqlx::query_scalar(
        "SELECT details->>'reason' FROM audit_log WHERE action = 'attachment.original'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reason, "Lokasi gambar diperlukan untuk siasatan");
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'complaint.message'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(events, 2);
    app.stop().await;
}

#[tokio::test]
async fn a_reporter_left_without_a_word_makes_the_case_overdue() {
    let app = portal_app(|a| a.public_ack_days = 7).await;
    let c = reqwest::Client::new();
    let r = submit(&app, &c, report_form(&pow(&app).await, vec![])).await;
    let reference = r.json::<Value>().await.unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM complaints WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let body = json!({"title": "Tiada jawapan", "complaint_ids": [id]});
    let case = crate::cases::open_case_as(&app, &app.client, body).await;
    assert_eq!(case["overdue"], false);
    sqlx::query("UPDATE portal_reports SET created_at = now() - interval '8 days'")
        .execute(&app.pool)
        .await
        .unwrap();
    let list = get_json(&app.client, app.url("/api/v1/cases?overdue=true")).await;
    assert_eq!(list["items"][0]["id"], case["id"]);
    assert_eq!(list["items"][0]["reporter_unanswered"], true);
    // A word from an officer stops the clock.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/messages")))
        .json(&json!({"text": "Aduan anda sedang dinilai."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let list = get_json(&app.client, app.url("/api/v1/cases?overdue=true")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    app.stop().await;
}

/// The receipt as printed: four groups of four.
pub fn grouped(receipt: &str) -> String {
    aduan_server::portal::receipt::grouped(receipt)
}

#[tokio::test]
async fn challenges_are_limited_per_address_too() {
    let app = portal_app(|a| a.public_submissions_per_minute = 1).await;
    let c = reqwest::Client::new();
    for _ in 0..6 {
        let r = c
            .get(public(&app, "/public/v1/challenge"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = c
        .get(public(&app, "/public/v1/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    app.stop().await;
}
