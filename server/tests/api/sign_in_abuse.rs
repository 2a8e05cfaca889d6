//! Abuse of sign-in: parallel guessing, lock-out as a weapon, the reverse proxy's address,
//! and names that must never be stored.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, PASSWORD};

async fn attempt(
    base: &str,
    username: &str,
    password: &str,
    from: Option<&str>,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}));
    if let Some(ip) = from {
        r = r.header("x-forwarded-for", ip);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn three_hundred_parallel_guesses_get_five_password_checks() {
    let app = spawn_app().await;
    let guesses = (0..300).map(|i| {
        let base = app.base.clone();
        async move { attempt(&base, "officer", &format!("guess number {i}"), None).await }
    });
    let replies = futures::future::join_all(guesses).await;
    let checked = replies.iter().filter(|r| r.status() == 401).count();
    let refused: Vec<_> = replies.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(
        checked + refused.len(),
        300,
        "every guess is a 401 or a 429"
    );
    assert!(
        (1..=5).contains(&checked),
        "{checked} passwords were checked"
    );
    assert!(refused
        .iter()
        .all(|r| r.headers().contains_key("retry-after")));
    app.stop().await;
}

#[tokio::test]
async fn a_guesser_elsewhere_cannot_lock_out_the_real_user() {
    let app = spawn_app_with(|a| a.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let guesser = "203.0.113.9";
    let mut refused = 0;
    for i in 0..30 {
        let r = attempt(&app.base, "officer", &format!("guess {i}"), Some(guesser)).await;
        assert!(matches!(r.status().as_u16(), 401 | 429), "{}", r.status());
        refused += usize::from(r.status() == 429);
    }
    assert!(
        refused >= 25,
        "the guesser is slowed down: {refused} of 30 refused"
    );
    // The real user, behind the same proxy but from another address, signs in at once.
    let r = attempt(&app.base, "officer", PASSWORD, Some("198.51.100.4")).await;
    assert_eq!(r.status(), 200);
    // The guesser still waits, even with the right password.
    let r = attempt(&app.base, "officer", PASSWORD, Some(guesser)).await;
    assert_eq!(r.status(), 429);

    // The audit log records the client's address as the proxy reported it.
    let addresses: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT action, ip FROM audit_log WHERE action LIKE 'login.%' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(
        addresses.contains(&("login.failure".into(), Some(guesser.into()))),
        "{addresses:?}"
    );
    assert!(addresses.contains(&("login.success".into(), Some("198.51.100.4".into()))));
    app.stop().await;
}

#[tokio::test]
async fn forwarded_addresses_from_untrusted_peers_change_nothing() {
    let app = spawn_app().await;
    for i in 0..5 {
        let r = attempt(
            &app.base,
            "officer",
            "wrong password!",
            Some(&format!("192.0.2.{i}")),
        )
        .await;
        assert_eq!(r.status(), 401);
    }
    // A new forged address does not buy new attempts: the peer is what counts.
    let r = attempt(&app.base, "officer", "wrong password!", Some("192.0.2.99")).await;
    assert_eq!(r.status(), 429);
    let ips: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log WHERE action = 'login.failure'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(ips, vec![Some("127.0.0.1".to_string())]);
    app.stop().await;
}

#[tokio::test]
async fn names_as_typed_are_never_stored_and_nul_is_no_server_error() {
    let app = spawn_app().await;
    // A password typed into the username field, and a name PostgreSQL cannot store.
    for name in ["Rahsia-Sulit-2026!", "admin\u{0}"] {
        let r = attempt(&app.base, name, "anything at all", None).await;
        assert_eq!(r.status(), 401, "{name:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "invalid_credentials");
    }
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM audit_log WHERE actor_name ILIKE '%rahsia%'
                     OR details::text ILIKE '%rahsia%')
              + (SELECT count(*) FROM login_attempts WHERE account ILIKE '%rahsia%')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0, "the typed name is kept nowhere");
    let failures: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'login.failure'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(failures, 2, "both failures are audited, without the name");
    app.stop().await;
}
