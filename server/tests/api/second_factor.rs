//! Two-factor sign-in: enrolment with recovery codes, the code after the password (once
//! each, throttled like the password), roles that must use it, and an admin's reset.

use aduan_api::account::Role;
use aduan_server::auth::totp;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{client_with, get_json, login, spawn_app, spawn_instance, TestApp, PASSWORD};

/// RFC 4648 base32 (no padding), as the server hands out secrets.
fn base32_decode(s: &str) -> Vec<u8> {
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {s}"),
        };
        buffer = (buffer << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

/// The code an authenticator app would show `steps` steps from now.
fn code(secret: &[u8], steps: i64) -> String {
    totp::code_at(
        secret,
        totp::step_of(chrono::Utc::now().timestamp()) + steps,
    )
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (StatusCode, Value) {
    let r = client.post(url).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Sign in with the password: the challenge of a 401 `second_factor_required`.
async fn password_step(app: &TestApp, user: &str) -> Value {
    let (status, body) = post(
        &reqwest::Client::new(),
        app.url("/api/v1/auth/login"),
        json!({"username": user, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "second_factor_required", "{body}");
    body["details"].clone()
}

async fn second_step(app: &TestApp, challenge: &Value, code: &str) -> (StatusCode, Value) {
    post(
        &reqwest::Client::new(),
        app.url("/api/v1/auth/second-factor"),
        json!({"challenge": challenge["challenge"], "code": code}),
    )
    .await
}

/// Enrol `role`'s test user from the app; returns the secret and recovery codes.
async fn enrol(app: &TestApp, role: Role) -> (Vec<u8>, Vec<String>) {
    enrol_as(app, &app.as_role(role)).await
}

/// Enrol the user signed in as `me`.
async fn enrol_as(app: &TestApp, me: &reqwest::Client) -> (Vec<u8>, Vec<String>) {
    let (status, enrolment) = post(me, app.url("/api/v1/me/totp"), json!({})).await;
    assert_eq!(status, 200, "{enrolment}");
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    assert!(enrolment["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Aduan:"));
    let wrong = format!(
        "{:06}",
        (code(&secret, 0).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let (status, _) = post(
        me,
        app.url("/api/v1/me/totp/confirm"),
        json!({"code": wrong}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, codes) = post(
        me,
        app.url("/api/v1/me/totp/confirm"),
        json!({"code": code(&secret, 0)}),
    )
    .await;
    assert_eq!(status, 200, "{codes}");
    let codes: Vec<String> = serde_json::from_value(codes["codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_enrolled_user_signs_in_with_a_code_each_good_once() {
    let app = spawn_app().await;
    let (secret, recovery) = enrol(&app, Role::Officer).await;
    let me: Value = get_json(&app.as_role(Role::Officer), app.url("/api/v1/me")).await;
    assert_eq!(me["totp_enabled"], true);
    assert_eq!(audit_count(&app, "totp.enrol").await, 1);
    // Set up once: a second enrolment is refused until an admin resets it.
    let (status, _) = post(
        &app.as_role(Role::Officer),
        app.url("/api/v1/me/totp"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409);

    // The password alone no longer signs in.
    let challenge = password_step(&app, "officer").await;
    assert_eq!(challenge["enrol"], false);
    let (status, body) = second_step(&app, &challenge, "000000x").await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (401, Some("invalid_code"))
    );
    let used = code(&secret, 1);
    let (status, session) = second_step(&app, &challenge, &used).await;
    assert_eq!(status, 200, "{session}");
    assert!(session.get("recovery_codes").is_none());
    let token = session["token"].as_str().unwrap();
    let me: Value = get_json(&client_with(Some(token)), app.url("/api/v1/me")).await;
    assert_eq!(me["username"], "officer");
    // A challenge is good for one sign-in.
    let (status, body) = second_step(&app, &challenge, &code(&secret, 0)).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (401, Some("challenge_expired"))
    );

    // The same code again (seen by someone over the shoulder) is refused.
    let again = password_step(&app, "officer").await;
    let (status, _) = second_step(&app, &again, &used).await;
    assert_eq!(status, 401);
    // A recovery code signs in once, typed any way.
    let typed = recovery[0].to_lowercase().replace('-', "");
    let (status, _) = second_step(&app, &again, &typed).await;
    assert_eq!(status, 200);
    let third = password_step(&app, "officer").await;
    let (status, _) = second_step(&app, &third, &recovery[0]).await;
    assert_eq!(status, 401, "a used recovery code");
    let (status, _) = second_step(&app, &third, &recovery[1]).await;
    assert_eq!(status, 200);
    let successes: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'login.success' AND details IS NOT NULL
         ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let factors: Vec<&str> = successes
        .iter()
        .filter_map(|d| d["second_factor"].as_str())
        .collect();
    assert_eq!(factors, ["totp", "recovery_code", "recovery_code"]);
    app.stop().await;
}

#[tokio::test]
async fn codes_are_throttled_like_passwords_and_the_password_does_not_reset_the_count() {
    let app = spawn_app().await;
    let (secret, _) = enrol(&app, Role::Officer).await;
    let challenge = password_step(&app, "officer").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(second_step(&app, &challenge, "111111").await.0.as_u16());
    }
    assert_eq!(statuses[..5], [401; 5]);
    assert_eq!(statuses[5], 429, "{statuses:?}");
    // Even the right code waits now, and so does a fresh password step.
    let (status, _) = second_step(&app, &challenge, &code(&secret, 0)).await;
    assert_eq!(status, 429);
    let (status, body) = post(
        &reqwest::Client::new(),
        app.url("/api/v1/auth/login"),
        json!({"username": "officer", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    let refusals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log
         WHERE action = 'login.failure' AND details->>'second_factor' = 'refused'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refusals, 5);
    app.stop().await;
}

#[tokio::test]
async fn a_role_that_requires_it_enrols_at_sign_in_and_an_admin_can_reset_it() {
    let app = spawn_app().await;
    let admin = app.as_role(Role::Admin);
    let r = admin
        .put(app.url("/api/v1/admin/sign-in-policy"))
        .json(&json!({"totp_required": ["intake"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let policy: Value = get_json(&admin, app.url("/api/v1/admin/sign-in-policy")).await;
    assert_eq!(policy, json!({"totp_required": ["intake"]}));
    assert_eq!(audit_count(&app, "sign_in_policy.update").await, 1);

    // Intake's password now leads to setting up an app, then to a session with the
    // recovery codes.
    let challenge = password_step(&app, "intake").await;
    assert_eq!(challenge["enrol"], true);
    let anon = reqwest::Client::new();
    let (status, enrolment) = post(
        &anon,
        app.url("/api/v1/auth/second-factor/enrol"),
        json!({"challenge": challenge["challenge"]}),
    )
    .await;
    assert_eq!(status, 200, "{enrolment}");
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    let (status, session) = second_step(&app, &challenge, &code(&secret, 0)).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["recovery_codes"].as_array().unwrap().len(), 10);
    assert_eq!(session["user"]["totp_enabled"], true);
    // A made-up challenge gets nowhere.
    let (status, _) = post(
        &anon,
        app.url("/api/v1/auth/second-factor/enrol"),
        json!({"challenge": "x".repeat(43)}),
    )
    .await;
    assert_eq!(status, 401);
    // Other roles still sign in with the password alone.
    crate::helpers::login(&app.base, "officer", PASSWORD).await;

    // A lost phone: the admin resets it, and the next sign-in enrols again.
    let users: Value = get_json(&admin, app.url("/api/v1/admin/users")).await;
    let intake_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "intake")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin
        .delete(app.url(&format!("/api/v1/admin/users/{intake_id}/totp")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(audit_count(&app, "totp.reset").await, 1);
    assert_eq!(password_step(&app, "intake").await["enrol"], true);
    let r = admin
        .delete(app.url(&format!(
            "/api/v1/admin/users/{}/totp",
            uuid::Uuid::new_v4()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

/// The secret as the database holds it, and whether it is sealed.
async fn stored_secret(pool: &sqlx::PgPool, username: &str) -> (Vec<u8>, bool) {
    sqlx::query_as(
        "SELECT t.secret, t.sealed FROM user_totp t JOIN users u ON u.id = t.user_id
         WHERE u.username = $1",
    )
    .bind(username)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Secrets are stored sealed with a key kept outside the database, so the database alone
/// does not give them away; a secret stored plain (by an older server) is sealed when a
/// server starts, and still signs in.
#[tokio::test]
async fn secrets_are_sealed_at_rest_and_plain_ones_are_sealed_at_start() {
    let app = spawn_app().await;
    let (status, _) = post(
        &app.client,
        app.url("/api/v1/admin/users"),
        json!({"username": "petugas", "display_name": "Petugas", "role": "officer",
            "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201);
    let me = client_with(Some(&login(&app.base, "petugas", PASSWORD).await));
    let (secret, _) = enrol_as(&app, &me).await;
    let owner = app.owner_pool().await;
    let (stored, sealed) = stored_secret(&owner, "petugas").await;
    assert!(sealed);
    assert!(
        !stored.windows(secret.len()).any(|w| w == secret),
        "not in the clear"
    );

    // As a server from before sealing left it.
    sqlx::query("UPDATE user_totp SET secret = $1, sealed = false")
        .bind(&secret)
        .execute(&owner)
        .await
        .unwrap();
    let key_file = app.data_dir.join("audit.key");
    let url = app.database_url.clone().unwrap();
    let second = spawn_instance(&url, |a| a.db.audit_key_file = Some(key_file)).await;
    let (stored, sealed) = stored_secret(&owner, "petugas").await;
    assert!(sealed, "sealed at start");
    assert!(!stored.windows(secret.len()).any(|w| w == secret));
    let challenge = password_step(&second, "petugas").await;
    let (status, body) = second_step(&second, &challenge, &code(&secret, 1)).await;
    assert_eq!(status, 200, "{body}");

    // Without its audit key (another installation's), the sealed secret makes no code
    // good; the same code is good where the key is.
    sqlx::query("UPDATE user_totp SET last_step = 0")
        .execute(&owner)
        .await
        .unwrap();
    let third = spawn_instance(&url, |_| {}).await;
    let challenge = password_step(&third, "petugas").await;
    let (status, _) = second_step(&third, &challenge, &code(&secret, 0)).await;
    assert_eq!(status, 401);
    let challenge = password_step(&second, "petugas").await;
    let (status, body) = second_step(&second, &challenge, &code(&secret, 0)).await;
    assert_eq!(status, 200, "{body}");
    third.stop().await;
    second.stop().await;
    app.stop().await;
}
