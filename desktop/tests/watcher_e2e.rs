//! End to end: a REAL Aduan server, the watcher, and a REAL notification daemon.
//!
//! Ignored by plain `cargo test` because it needs all three; `desktop/tests/e2e/run.sh`
//! (step "desktop end-to-end" of `./test.sh`) runs it with `--ignored` against the server
//! and the dunst of its own session. By hand, with a server with demo users:
//!
//! ```sh
//! ADUAN_E2E_SERVER=http://127.0.0.1:18080 ADUAN_E2E_USER=intake ADUAN_E2E_PASSWORD=... \
//!   ADUAN_E2E_OFFICER=officer ADUAN_E2E_OFFICER_PASSWORD=... \
//!   xvfb-run -a dbus-run-session -- cargo test --test watcher_e2e -- --ignored --test-threads 1
//! ```
//!
//! (dunst's D-Bus service file has the session bus start it at the first `dunstctl`.)
//!
//! It signs in, starts the watcher, submits three complaints at once and expects ONE
//! grouped notification in dunst's history ("3 complaints analysed"). It also checks that
//! an officer, who receives every complaint's events, is notified of the complaints they
//! entered and NOT of those someone else entered.
//! The tests share dunst's history, so run them one at a time (`--test-threads 1`).

use std::process::Command;
use std::time::{Duration, Instant};

use aduan_desktop::client::Client;
use aduan_desktop::server_url::ServerUrl;
use aduan_desktop::watcher::Watcher;
use serde_json::{json, Value};
use uuid::Uuid;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set for this test"))
}

/// A client for `server` with `token`.
fn client(server: &str, token: &str) -> Client {
    Client::new(&ServerUrl::parse(server).unwrap(), token).unwrap()
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

/// Submit a complaint the builtin enricher can analyse; returns its id and reference.
async fn submit(client: &Client, i: u32) -> (Uuid, String) {
    let body = json!({
        "channel": "walk_in",
        "description": format!("Pegawai kastam meminta rasuah RM 5,000 untuk melepaskan kontena ({i}) di Pelabuhan Klang pada 3 Mac 2026."),
    });
    let key = Uuid::new_v4().to_string();
    let reply = client.submit_complaint(&body, &key).await.unwrap();
    let id = reply["id"].as_str().unwrap().parse().unwrap();
    (id, reply["reference"].as_str().unwrap().to_string())
}

/// Wait (up to 60 s) until the complaint `id` is enriched, asking as `token`.
async fn wait_until_enriched(server: &str, token: &str, id: Uuid) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let detail: Value = reqwest::Client::new()
            .get(format!("{server}/api/v1/complaints/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        if detail["status"] == "enriched" {
            return;
        }
        assert!(Instant::now() < deadline, "{id} not enriched: {detail}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Event streams the server has opened. It counts one as it answers, and it subscribes
/// to new events before answering.
async fn streams_opened(server: &str) -> u64 {
    const SERIES: &str =
        "aduan_http_requests_total{method=\"GET\",route=\"/api/v1/events\",status=\"200\"} ";
    let text = reqwest::get(format!("{server}/metrics"))
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(SERIES))
        .map_or(0, |n| n.parse().unwrap())
}

/// Start a watcher signed in with `token`, and wait until its event stream is open: from
/// then on every event reaches it.
async fn start_watching(server: &str, token: &str) -> Watcher {
    let before = streams_opened(server).await;
    let watcher = Watcher::default();
    watcher.start(
        client(server, token),
        std::sync::Arc::new(|_| {}),
        std::sync::Arc::new(|_| {}),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while streams_opened(server).await == before {
        assert!(Instant::now() < deadline, "the watcher did not connect");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watcher
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

/// A notification dunst has shown: its id (ascending), summary (title) and body.
type Shown = (i64, String, String);

/// Every notification dunst has kept in its history.
fn shown() -> Vec<Shown> {
    let h = history();
    let items = h["data"][0].as_array().cloned().unwrap_or_default();
    let text = |v: &Value| v["data"].as_str().unwrap_or_default().to_string();
    items
        .iter()
        .map(|n| {
            (
                n["id"]["data"].as_i64().unwrap(),
                text(&n["summary"]),
                text(&n["body"]),
            )
        })
        .collect()
}

/// The id of the newest notification shown so far (0 for none).
fn newest() -> i64 {
    shown().iter().map(|n| n.0).max().unwrap_or(0)
}

/// Wait (up to 60 s) until the notifications newer than `since` name every one of `refs`;
/// returns those notifications as (summary, body), newest first.
async fn wait_for_notifications(since: i64, refs: &[&str]) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut new: Vec<Shown> = shown().into_iter().filter(|n| n.0 > since).collect();
        new.sort_by_key(|n| std::cmp::Reverse(n.0));
        let new: Vec<(String, String)> = new.into_iter().map(|(_, s, b)| (s, b)).collect();
        if refs
            .iter()
            .all(|r| new.iter().any(|(_, body)| body.contains(r)))
        {
            return new;
        }
        assert!(
            Instant::now() < deadline,
            "no notification naming each of {refs:?} within 60 s: {new:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Submit one more complaint as `client` and wait for its notification: the watcher
/// handles events in order, so whatever the complaints finished before it would still
/// raise has been shown by then. Returns the notifications newer than `since`, newest
/// first, after checking that the newest is this complaint's own.
async fn shown_up_to_a_later_complaint(since: i64, client: &Client) -> Vec<(String, String)> {
    let (_, last) = submit(client, 100).await;
    let new = wait_for_notifications(since, &[&last]).await;
    assert!(
        new[0].0 == "Complaint analysed" && new[0].1.contains(&last),
        "the newest notification is not the later complaint's alone: {new:?}"
    );
    new
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running Aduan server and a notification daemon: run by desktop/tests/e2e/run.sh"]
async fn finished_complaints_raise_one_grouped_notification() {
    let server = env("ADUAN_E2E_SERVER");
    let token = login(&server, "ADUAN_E2E_USER", "ADUAN_E2E_PASSWORD").await;
    let since = newest();
    let watcher = start_watching(&server, &token).await;

    let client = client(&server, &token);
    let mut refs = Vec::new();
    for i in 0..3 {
        refs.push(submit(&client, i).await.1);
    }
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    wait_for_notifications(since, &refs).await;
    let new = shown_up_to_a_later_complaint(since, &client).await;
    watcher.stop();
    eprintln!("notifications: {new:?}");
    assert_eq!(
        new.len(),
        2,
        "expected one grouped notification, then the later one: {new:?}"
    );
    assert_eq!(new[1].0, "3 complaints analysed");
    for r in &refs {
        assert!(new[1].1.contains(r), "{r} missing from {:?}", new[1].1);
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running Aduan server and a notification daemon: run by desktop/tests/e2e/run.sh"]
async fn officers_are_notified_only_of_complaints_they_entered() {
    let server = env("ADUAN_E2E_SERVER");
    let officer = login(&server, "ADUAN_E2E_OFFICER", "ADUAN_E2E_OFFICER_PASSWORD").await;
    let intake = login(&server, "ADUAN_E2E_USER", "ADUAN_E2E_PASSWORD").await;
    let since = newest();
    let watcher = start_watching(&server, &officer).await;
    let officer_client = client(&server, &officer);
    let (theirs_id, theirs) = submit(&client(&server, &intake), 98).await;
    let (_, mine) = submit(&officer_client, 99).await;
    wait_for_notifications(since, &[&mine]).await;
    // Their complaint finished before the later one was submitted: a notification for it
    // would come before the later one's.
    wait_until_enriched(&server, &officer, theirs_id).await;
    let new = shown_up_to_a_later_complaint(since, &officer_client).await;
    watcher.stop();
    eprintln!("notifications: {new:?}");
    assert_eq!(new.len(), 2, "{new:?}");
    assert_eq!(new[1].0, "Complaint analysed");
    assert!(new[1].1.contains(&mine), "{new:?}");
    assert!(
        new.iter().all(|(_, body)| !body.contains(&theirs)),
        "{new:?}"
    );
}
