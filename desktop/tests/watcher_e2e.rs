//! End to end: a REAL Aduan server, the watcher, and a REAL notification daemon.
//!
//! Ignored by default because it needs all three. Run a server with demo users, then:
//!
//! ```sh
//! ADUAN_E2E_SERVER=http://127.0.0.1:18080 ADUAN_E2E_USER=intake ADUAN_E2E_PASSWORD=... \
//!   xvfb-run -a dbus-run-session -- sh -c 'dunst & sleep 1; cargo test --test watcher_e2e -- --ignored'
//! ```
//!
//! It signs in, starts the watcher, submits three complaints at once and expects ONE
//! grouped notification in dunst's history ("3 complaints analysed"). With
//! `ADUAN_E2E_OFFICER` / `ADUAN_E2E_OFFICER_PASSWORD` it also checks that an officer, who
//! receives every complaint's events, is notified of the complaints they entered and NOT of those someone else entered.
//! The tests share dunst's history, so run them one at a time (`--test-threads 1`).

use std::process::Command;
use std::time::{Duration, Instant};

use aduan_desktop::client::Client;
use aduan_desktop::watcher::Watcher;
use serde_json::{json, Value};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set for this test"))
}

/// Sign in with the credentials in the two environment variables; returns the token.
async fn login(server: &str, user_var: &str, password_var: &str) -> String {
    let reply: Value = reqwest::Client::new()
        .post(format!("{server}/api/v1/auth/login"))
        .json(&json!({"username": env(user_var), "password": env(password_var)}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["token"].as_str().unwrap().to_string()
}

/// Submit a complaint the builtin enricher can analyse; returns its reference.
async fn submit(client: &Client, i: u32) -> String {
    let body = json!({
        "channel": "walk_in",
        "description": format!("Pegawai kastam meminta rasuah RM 5,000 untuk melepaskan kontena ({i}) di Pelabuhan Klang pada 3 Mac 2026."),
    });
    let key = uuid::Uuid::new_v4().to_string();
    let reply = client.submit_complaint(&body, &key).await.unwrap();
    reply["reference"].as_str().unwrap().to_string()
}

/// dunst's notification history as JSON. Shown notifications are closed first, because
/// dunst only lists closed ones in its history.
fn history() -> Value {
    let closed = Command::new("dunstctl")
        .arg("close-all")
        .status()
        .expect("dunstctl");
    assert!(closed.success());
    let out = Command::new("dunstctl")
        .arg("history")
        .output()
        .expect("dunstctl");
    assert!(
        out.status.success(),
        "dunstctl failed: is dunst running on this session bus?"
    );
    serde_json::from_slice(&out.stdout).expect("dunstctl history JSON")
}

/// The summaries (titles) and bodies of every notification dunst has shown.
fn shown() -> Vec<(String, String)> {
    let h = history();
    let items = h["data"][0].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|n| {
            let s = n["summary"]["data"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let b = n["body"]["data"].as_str().unwrap_or_default().to_string();
            (s, b)
        })
        .collect()
}

/// Wait (up to 60 s) for notifications beyond the `before` already in the history, then a
/// little longer so a straggler group would show too ("exactly one" is then meaningful).
async fn wait_for_notifications(before: usize) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while shown().len() == before {
        assert!(Instant::now() < deadline, "no notification within 60 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = shown();
    all[..all.len() - before].to_vec() // newest first
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running Aduan server and a notification daemon"]
async fn finished_complaints_raise_one_grouped_notification() {
    let server = env("ADUAN_E2E_SERVER");
    let token = login(&server, "ADUAN_E2E_USER", "ADUAN_E2E_PASSWORD").await;
    let before = shown().len();

    let watcher = Watcher::default();
    watcher.start(
        Client::new(&server, &token).unwrap(),
        std::sync::Arc::new(|_| {}),
    );
    tokio::time::sleep(Duration::from_secs(2)).await; // let it subscribe

    let client = Client::new(&server, &token).unwrap();
    let mut refs = Vec::new();
    for i in 0..3 {
        refs.push(submit(&client, i).await);
    }

    let new = wait_for_notifications(before).await;
    watcher.stop();
    eprintln!("notifications: {new:?}");
    assert_eq!(
        new.len(),
        1,
        "expected one grouped notification, got {new:?}"
    );
    assert_eq!(new[0].0, "3 complaints analysed");
    for r in &refs {
        assert!(
            new[0].1.contains(r.as_str()),
            "{r} missing from {:?}",
            new[0].1
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running Aduan server and a notification daemon"]
async fn officers_are_notified_only_of_complaints_they_entered() {
    let server = env("ADUAN_E2E_SERVER");
    let officer = login(&server, "ADUAN_E2E_OFFICER", "ADUAN_E2E_OFFICER_PASSWORD").await;
    let intake = login(&server, "ADUAN_E2E_USER", "ADUAN_E2E_PASSWORD").await;
    let before = shown().len();
    let watcher = Watcher::default();
    watcher.start(
        Client::new(&server, &officer).unwrap(),
        std::sync::Arc::new(|_| {}),
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Both finish within one group window: a missing filter would say "2 complaints".
    let theirs = submit(&Client::new(&server, &intake).unwrap(), 98).await;
    let mine = submit(&Client::new(&server, &officer).unwrap(), 99).await;
    let new = wait_for_notifications(before).await;
    watcher.stop();
    eprintln!("notifications: {new:?}");
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].0, "Complaint analysed");
    assert!(
        new[0].1.contains(&mine) && !new[0].1.contains(&theirs),
        "{new:?}"
    );
}
