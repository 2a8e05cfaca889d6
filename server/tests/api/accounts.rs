//! Sign-in, sessions, throttling, isolation, tickets.

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::helpers::{client_with, get_json, login, spawn_app, PASSWORD};

async fn status_of(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn login_me_and_logout() {
    let app = spawn_app().await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "officer", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["role"], "officer");
    assert!(body["expires_at"].is_string());
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256-bit token, base64url");
    let client = client_with(Some(token));
    let me: Value = get_json(&client, app.url("/api/v1/me")).await;
    assert_eq!(me["username"], "officer");
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
    )
    .bind(token)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 1, "only the token's hash is stored");
    assert_eq!(
        client
            .post(app.url("/api/v1/auth/logout"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        status_of(&client, app.url("/api/v1/me")).await,
        401,
        "revoked by logout"
    );
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "officer", "password": "wrong password!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "invalid_credentials"
    );
    assert_eq!(
        status_of(&client_with(Some("not-a-token")), app.url("/api/v1/me")).await,
        401
    );
    app.stop().await;
}

#[tokio::test]
async fn brute_force_is_throttled_per_username() {
    let app = spawn_app().await;
    let anon = reqwest::Client::new();
    for _ in 0..5 {
        let r = anon
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "officer", "password": "guess-guess-guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "officer", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        429,
        "even the right password waits once throttled"
    );
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 900);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "too_many_attempts"
    );
    // Other users are not locked out by it.
    login(&app.base, "intake", PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn expired_disabled_and_password_changed_sessions_end() {
    let app = spawn_app().await;
    // Expired: a token used for the first time after its expiry.
    let token = login(&app.base, "officer", PASSWORD).await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to($1, 'UTF8'))")
        .bind(&token).execute(&app.pool).await.unwrap();
    assert_eq!(
        status_of(&client_with(Some(&token)), app.url("/api/v1/me")).await,
        401
    );

    // Disabled: the user's live (and cached) session stops at once.
    let intake = app.as_role(Role::Intake);
    assert_eq!(status_of(&intake, app.url("/api/v1/me")).await, 200);
    let me: Value = get_json(&intake, app.url("/api/v1/me")).await;
    let r = app
        .client
        .patch(app.url(&format!(
            "/api/v1/admin/users/{}",
            me["id"].as_str().unwrap()
        )))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&intake, app.url("/api/v1/me")).await, 401);
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "intake", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a disabled user cannot sign in");

    // Password reset by an admin ends the old session; the new password works.
    let officer = app.as_role(Role::Officer);
    let me: Value = get_json(&officer, app.url("/api/v1/me")).await;
    let r = app
        .client
        .patch(app.url(&format!(
            "/api/v1/admin/users/{}",
            me["id"].as_str().unwrap()
        )))
        .json(&json!({"password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&officer, app.url("/api/v1/me")).await, 401);
    login(&app.base, "officer", "a brand new passphrase").await;
    app.stop().await;
}

/// Display names are 1–100 characters without control characters, and a change must name
/// something to change; what is refused changes nothing and is not audited.
#[tokio::test]
async fn bad_display_names_and_empty_changes_are_refused_and_not_audited() {
    let app = spawn_app().await;
    let users = app.url("/api/v1/admin/users");
    let audited = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_log WHERE action IN ('user.create', 'user.update')",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let before = audited().await;
    let long = "a".repeat(101);
    for name in ["   ", long.as_str(), "Ali\u{7}Baba", "Ali\nBaba"] {
        let body = json!({"username": "baru", "display_name": name, "role": "officer",
            "password": "long enough password"});
        let r = app.client.post(&users).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{name:?}");
        let err: Value = r.json().await.unwrap();
        assert!(
            err["details"]["fields"]["display_name"].is_string(),
            "{err}"
        );
    }
    let body = json!({"username": "baru", "display_name": format!(" {} ", "é".repeat(100)),
        "role": "officer", "password": "long enough password"});
    let r = app.client.post(&users).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "100 characters, trimmed");
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["display_name"], "é".repeat(100));
    let one = format!("{users}/{}", created["id"].as_str().unwrap());
    for (change, field) in [
        (json!({}), "body"),
        (json!({"display_name": ""}), "display_name"),
        (json!({"display_name": long}), "display_name"),
    ] {
        let r = app.client.patch(&one).json(&change).send().await.unwrap();
        assert_eq!(r.status(), 422, "{change}");
        let err: Value = r.json().await.unwrap();
        assert!(err["details"]["fields"][field].is_string(), "{err}");
    }
    assert_eq!(audited().await, before + 1, "only the account created");
    let listed: Value = get_json(&app.client, users.clone()).await;
    let shown = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == created["id"])
        .unwrap();
    assert_eq!(shown["display_name"], "é".repeat(100), "unchanged");
    app.stop().await;
}

#[tokio::test]
async fn intake_staff_see_only_their_own_complaints() {
    let app = spawn_app().await;
    let r = app.client.post(app.url("/api/v1/admin/users")).json(&json!({"username": "kaunter2", "display_name": "Kaunter 2", "role": "intake", "password": "another long password"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let other = client_with(Some(
        &login(&app.base, "kaunter2", "another long password").await,
    ));
    let mine = app.as_role(Role::Intake);
    let form = reqwest::multipart::Form::new()
        .text(
            "complaint",
            json!({"channel": "walk_in", "description": "Aduan sulit."}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"bukti".to_vec()).file_name("bukti.txt"),
        );
    let created: Value = mine
        .post(app.url("/api/v1/complaints"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let detail: Value = get_json(&mine, app.url(&format!("/api/v1/complaints/{id}"))).await;
    let att = detail["attachments"][0]["id"].as_str().unwrap();

    assert_eq!(
        status_of(&other, app.url(&format!("/api/v1/complaints/{id}"))).await,
        404
    );
    assert_eq!(
        status_of(&other, app.url(&format!("/api/v1/attachments/{att}"))).await,
        404
    );
    let theirs: Value = get_json(&other, app.url("/api/v1/complaints")).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"),
    );
    let r = other
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let officer = app.as_role(Role::Officer);
    assert_eq!(
        status_of(&officer, app.url(&format!("/api/v1/complaints/{id}"))).await,
        200
    );
    assert_eq!(
        status_of(&officer, app.url(&format!("/api/v1/attachments/{att}"))).await,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn event_tickets_are_single_use_and_expire() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ticket = |c: reqwest::Client, url: String| async move {
        let t: Value = c.post(url).send().await.unwrap().json().await.unwrap();
        t["ticket"].as_str().unwrap().to_string()
    };
    let t = ticket(officer.clone(), app.url("/api/v1/events/ticket")).await;
    let anon = reqwest::Client::new();
    let r = anon
        .get(app.url(&format!("/api/v1/events?ticket={t}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(r);
    let r = anon
        .get(app.url(&format!("/api/v1/events?ticket={t}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "single use");
    let t = ticket(officer, app.url("/api/v1/events/ticket")).await;
    sqlx::query("UPDATE event_tickets SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = anon
        .get(app.url(&format!("/api/v1/events?ticket={t}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "expired");
    assert_eq!(status_of(&anon, app.url("/api/v1/events")).await, 401);
    app.stop().await;
}

#[tokio::test]
async fn cors_admits_only_the_desktop_and_configured_origins() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/complaints"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight("tauri://localhost").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "tauri://localhost"
    );
    let allowed = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "cache-control",
        "if-none-match",
    ] {
        assert!(allowed.contains(h), "{h} not allowed: {allowed}");
    }
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    for h in [
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "content-security-policy",
    ] {
        assert!(r.headers().contains_key(h), "{h} missing");
    }
    app.stop().await;
}
