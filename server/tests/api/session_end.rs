//! A session's end ends what it opened: event streams close within seconds of a logout,
//! a disabled account or a role change, tickets of an ended session open nothing, and no
//! session outlives its absolute lifetime however much it is used.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};

use crate::cases::user_id;
use crate::helpers::{client_with, login, spawn_app, PASSWORD};

/// Wait (at most 20 s) until the server ends `resp`'s stream.
async fn ends(resp: reqwest::Response) -> bool {
    let mut body = resp.bytes_stream();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => return false,
            Ok(None) | Ok(Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

async fn open_stream(base: &str, token: &str) -> reqwest::Response {
    let r = client_with(Some(token))
        .get(format!("{base}/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r
}

async fn ticket(base: &str, token: &str) -> reqwest::Response {
    client_with(Some(token))
        .post(format!("{base}/api/v1/events/ticket"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn streams_end_with_their_session() {
    let app = spawn_app().await;

    // Logout ends the stream of that session, and its unused tickets open nothing.
    let token = login(&app.base, "officer", PASSWORD).await;
    let stream = open_stream(&app.base, &token).await;
    let unused: Value = ticket(&app.base, &token).await.json().await.unwrap();
    let r = client_with(Some(&token))
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(ends(stream).await, "the stream outlived the logout");
    let url = app.url(&format!(
        "/api/v1/events?ticket={}",
        unused["ticket"].as_str().unwrap()
    ));
    assert_eq!(reqwest::get(url).await.unwrap().status(), 401);

    // A stream opened with a ticket ends when the account is demoted.
    let token = login(&app.base, "officer", PASSWORD).await;
    let t: Value = ticket(&app.base, &token).await.json().await.unwrap();
    let url = app.url(&format!(
        "/api/v1/events?ticket={}",
        t["ticket"].as_str().unwrap()
    ));
    let stream = reqwest::get(url).await.unwrap();
    assert_eq!(stream.status(), 200);
    let officer = user_id(&app, "officer").await;
    let demote = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{officer}")))
        .json(&json!({"role": "intake"}))
        .send()
        .await
        .unwrap();
    assert_eq!(demote.status(), 200);
    assert!(ends(stream).await, "the stream outlived the role change");

    // Disabling ends the stream too.
    let token = login(&app.base, "intake", PASSWORD).await;
    let stream = open_stream(&app.base, &token).await;
    let intake = user_id(&app, "intake").await;
    let disable = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{intake}")))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), 200);
    assert!(ends(stream).await, "the stream outlived the disabling");
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_at_their_absolute_lifetime_and_tickets_are_rationed() {
    let app = spawn_app().await;
    let token = login(&app.base, "officer", PASSWORD).await;
    let me = |t: String| {
        let url = app.url("/api/v1/me");
        async move {
            client_with(Some(&t))
                .get(url)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(me(token.clone()).await, 200);
    // A session used a moment ago is still over once its absolute lifetime has passed.
    let stream = open_stream(&app.base, &token).await;
    sqlx::query(
        "UPDATE sessions SET absolute_expires_at = now() - interval '1 second'
         WHERE user_id = (SELECT id FROM users WHERE username = 'officer')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // The instance's short cache may still answer for a few seconds; the database does not.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while me(token.clone()).await != 401 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the session outlived its lifetime"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        ends(stream).await,
        "the stream outlived its session's lifetime"
    );

    let token = login(&app.base, "admin", PASSWORD).await;
    let mut statuses = Vec::new();
    for _ in 0..21 {
        statuses.push(ticket(&app.base, &token).await.status().as_u16());
    }
    assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[20], 429);
    app.stop().await;
}
