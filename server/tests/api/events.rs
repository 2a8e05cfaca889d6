//! Server-Sent Events: live changes, and catching up with `Last-Event-ID`.

use std::time::Duration;

use aduan_api::account::Role;
use futures::StreamExt;
use reqwest::Response;

use crate::helpers::{spawn_app, TestApp};

/// Open the event stream as `client`, resuming after `last_id` if given. The server
/// subscribes to live events before it answers, so once this returns every event
/// committed afterwards reaches the stream.
async fn connect(app: &TestApp, client: &reqwest::Client, last_id: Option<&str>) -> Response {
    let mut req = client.get(app.url("/api/v1/events"));
    if let Some(id) = last_id {
        req = req.header("last-event-id", id);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    resp
}

/// Read SSE frames until `want` events arrived; returns (id, event, data) triples.
async fn read_events(resp: Response, want: usize) -> Vec<(String, String, String)> {
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while out.len() < want {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.into()
                }
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.into()
                }
                if let Some(v) = line.strip_prefix("data: ") {
                    data = v.into()
                }
            }
            if !event.is_empty() {
                out.push((id, event, data));
            }
        }
    }
    out
}

#[tokio::test]
async fn status_changes_stream_live_and_resume_from_last_event_id() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let stream = connect(&app, &officer, None).await;
    let ids = app.submit_many("sse", 1).await;
    let live = read_events(stream, 3).await;
    let kinds: Vec<&str> = live.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "complaint.created",
            "complaint.status_changed",
            "complaint.enriched"
        ]
    );
    assert!(live.iter().all(|e| e.2.contains(&ids[0])));

    // A client that saw only the first event catches up on the other two.
    let resumed = read_events(connect(&app, &officer, Some(&live[0].0)).await, 2).await;
    assert_eq!(resumed, live[1..].to_vec());
    app.stop().await;
}

/// The event's own id: the first part of its SSE id (the rest is the stream's position).
fn event_id(sse_id: &str) -> i64 {
    sse_id.split('~').next().unwrap().parse().unwrap()
}

/// Event ids are taken in order but commit out of order. An event whose transaction commits
/// after a later event was sent reaches a client that resumed in between, once, whether it
/// commits before the client is back or after.
#[tokio::test]
async fn an_event_that_commits_late_reaches_a_client_that_resumed_meanwhile() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids_after = |after: i64, late: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM events WHERE id > $1 OR id = $2 ORDER BY id",
            )
            .bind(after)
            .bind(late)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    app.submit_many("template", 1).await;
    for (round, commit_before_resuming) in [true, false].into_iter().enumerate() {
        // Everything before is analysed (its last event committed), so a stream resuming
        // after the newest event gets only what follows.
        let analysed = round as i64 + 1;
        app.wait_for_status("enriched", analysed, Duration::from_secs(20))
            .await;
        let newest = ids_after(0, 0).await.last().copied().unwrap();
        let stream = connect(&app, &officer, Some(&newest.to_string())).await;
        // A copy of an existing event, in a transaction left open: its id is taken, its
        // row not yet visible.
        let mut late = app.pool.begin().await.unwrap();
        let late_id: i64 = sqlx::query_scalar(
            "INSERT INTO events (kind, complaint_id, owner_id, data)
             SELECT kind, complaint_id, owner_id, data FROM events ORDER BY id LIMIT 1
             RETURNING id",
        )
        .fetch_one(&mut *late)
        .await
        .unwrap();
        app.submit_many("after", 1).await;
        let sent = read_events(stream, 1).await;
        let sent_id = event_id(&sent[0].0);
        assert!(sent_id > late_id);
        assert!(
            sent[0].0.contains('~'),
            "the position names the skipped id: {}",
            sent[0].0
        );
        let mut late = Some(late);
        if commit_before_resuming {
            late.take().unwrap().commit().await.unwrap();
        }
        let resumed = connect(&app, &officer, Some(&sent[0].0)).await;
        if let Some(late) = late {
            late.commit().await.unwrap();
        }
        app.wait_for_status("enriched", analysed + 1, Duration::from_secs(20))
            .await;
        let want = ids_after(sent_id, late_id).await;
        assert_eq!(want[0], late_id);
        let rest = read_events(resumed, want.len()).await;
        let mut got: Vec<i64> = rest.iter().map(|e| event_id(&e.0)).collect();
        got.sort_unstable();
        assert_eq!(
            got, want,
            "the late event and what followed, each once: {rest:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn admins_get_processing_stats_every_few_seconds() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let got = read_events(connect(&app, &app.client, None).await, 1).await;
    assert_eq!(got[0].1, "processing.stats");
    assert!(
        got[0].0.is_empty(),
        "stats carry no id, so they do not move Last-Event-ID"
    );
    let data: serde_json::Value = serde_json::from_str(&got[0].2).unwrap();
    assert!(data["stats"]["workers"]["limit"].as_u64().unwrap() >= 1);
    assert!(started.elapsed() < Duration::from_secs(12));
    app.stop().await;
}
