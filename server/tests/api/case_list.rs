//! Cases: the list's filters and pages, and `case.updated` on the event stream.

use std::time::Duration;

use aduan_api::account::Role;
use futures::StreamExt;
use serde_json::{json, Value};

use crate::cases::{open_case, patch, user_id};
use crate::helpers::{get_json, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_list_filters_by_status_priority_assignee_and_overdue() {
    // Idle for any time at all counts as overdue here.
    let app = spawn_app_with(|a| a.case_idle_days = 0).await;
    let officer = app.as_role(Role::Officer);
    let officer_id = user_id(&app, "officer").await;
    let ids = app.submit_many("list", 4).await;
    let mine = open_case(&app, &officer, "Mine", &ids[..1]).await;
    patch(&app, &officer, &mine, 1, json!({"assignee_id": officer_id})).await;
    let urgent = open_case(&app, &officer, "Urgent", &ids[1..2]).await;
    patch(
        &app,
        &officer,
        &urgent,
        1,
        json!({"priority": "urgent", "status": "investigation"}),
    )
    .await;
    let closed = open_case(&app, &officer, "Closed", &ids[2..3]).await;
    patch(
        &app,
        &officer,
        &closed,
        1,
        json!({"status": "nfa", "reason": "Tiada bukti."}),
    )
    .await;
    patch(
        &app,
        &officer,
        &closed,
        2,
        json!({"status": "closed", "reason": "NFA disahkan."}),
    )
    .await;
    open_case(&app, &officer, "Plain", &ids[3..]).await;

    let titles = |query: &'static str| {
        let officer = officer.clone();
        let url = app.url(&format!("/api/v1/cases{query}"));
        async move {
            let page = get_json(&officer, url).await;
            let mut t: Vec<String> = page["items"]
                .as_array()
                .unwrap_or_else(|| panic!("{query}: {page}"))
                .iter()
                .map(|c| c["title"].as_str().unwrap().to_string())
                .collect();
            t.sort();
            t
        }
    };
    assert_eq!(titles("").await, ["Closed", "Mine", "Plain", "Urgent"]);
    assert_eq!(titles("?assignee=me").await, ["Mine"]);
    assert_eq!(
        titles("?assignee=none").await,
        ["Closed", "Plain", "Urgent"]
    );
    assert_eq!(titles("?priority=urgent").await, ["Urgent"]);
    assert_eq!(titles("?status=investigation").await, ["Urgent"]);
    assert_eq!(titles("?status=closed").await, ["Closed"]);
    assert_eq!(titles("?overdue=true").await, ["Mine", "Plain", "Urgent"]);
    assert_eq!(titles("?overdue=false").await, ["Closed"]);
    assert_eq!(titles("?q=urg").await, ["Urgent"]);
    let bad = officer
        .get(app.url("/api/v1/cases?status=open"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Keyset pages, newest first.
    let first = get_json(&officer, app.url("/api/v1/cases?limit=3")).await;
    assert_eq!(first["items"][0]["title"], "Plain");
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = get_json(
        &officer,
        app.url(&format!("/api/v1/cases?limit=3&cursor={cursor}")),
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["title"], "Mine");
    assert_eq!(rest["next_cursor"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn case_changes_arrive_on_the_event_stream() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids = app.submit_many("sse", 1).await;
    let resp = officer.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let case = open_case(&app, &officer, "Live", &ids).await;
    patch(&app, &officer, &case, 1, json!({"status": "investigation"})).await;

    let mut stream = resp.bytes_stream();
    let (mut buf, mut got) = (String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while got.len() < 2 {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time");
        buf.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if frame.contains("event: case.updated") {
                let data = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                got.push(serde_json::from_str::<Value>(data).unwrap());
            }
        }
    }
    assert!(got
        .iter()
        .all(|e| e["id"] == case["id"] && e["at"].is_string()));
    assert_eq!(got[0]["changes"], json!(["created", "complaint_linked"]));
    assert_eq!(
        (got[1]["changes"].clone(), got[1]["version"].clone()),
        (json!(["status"]), json!(2))
    );
    app.stop().await;
}
