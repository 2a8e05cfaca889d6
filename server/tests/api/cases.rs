//! Cases: opening from complaints, the workflow, optimistic concurrency, the timeline,
//! notes, links and assignees. List filters and events: `case_list.rs`.

use aduan_api::account::Role;
use reqwest::{Client, Response};
use serde_json::{json, Value};

use crate::helpers::{get_json, spawn_app, TestApp};

/// Open a case from `ids` as `client`; returns the reply body (asserting 201).
pub async fn open_case(app: &TestApp, client: &Client, title: &str, ids: &[String]) -> Value {
    open_case_as(app, client, json!({ "title": title, "complaint_ids": ids })).await
}

/// Open a case as `client` from a whole request body (with a priority or an assignee, say);
/// returns the reply body (asserting 201).
pub async fn open_case_as(app: &TestApp, client: &Client, body: Value) -> Value {
    let r = client
        .post(app.url("/api/v1/cases"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let reply: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{reply}");
    reply
}

pub fn case_url(app: &TestApp, case: &Value, rest: &str) -> String {
    app.url(&format!(
        "/api/v1/cases/{}{rest}",
        case["id"].as_str().unwrap()
    ))
}

/// PATCH a case with `If-Match: "<version>"`.
pub async fn patch(
    app: &TestApp,
    client: &Client,
    case: &Value,
    version: i64,
    body: Value,
) -> Response {
    client
        .patch(case_url(app, case, ""))
        .header("if-match", format!("\"{version}\""))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn user_id(app: &TestApp, username: &str) -> String {
    let users = get_json(&app.client, app.url("/api/v1/admin/users")).await;
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .map(|u| u["id"].as_str().unwrap().to_string())
        .unwrap()
}

#[tokio::test]
async fn a_case_opens_from_complaints_and_follows_the_workflow() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids = app.submit_many("kes", 2).await;
    let r = officer
        .post(app.url("/api/v1/cases"))
        .json(&json!({ "title": " Kastam Port Klang ", "complaint_ids": ids, "priority": "high" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/api/v1/cases/"));
    let case: Value = r.json().await.unwrap();
    let reference = case["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("KES-20") && reference.len() >= 15,
        "{reference}"
    );
    assert_eq!(case["title"], "Kastam Port Klang");
    assert_eq!(
        (case["status"].as_str(), case["priority"].as_str()),
        (Some("evaluation"), Some("high"))
    );
    assert_eq!(case["complaint_count"], 2);
    assert_eq!(case["complaints"].as_array().unwrap().len(), 2);
    assert_eq!(
        case["allowed_transitions"],
        json!(["investigation", "referred", "nfa"])
    );
    assert_eq!(
        (case["age_days"].as_i64(), case["overdue"].as_bool()),
        (Some(0), Some(false))
    );

    // Refused edges, missing reasons and preconditions.
    let r = patch(
        &app,
        &officer,
        &case,
        1,
        json!({"status": "closed", "reason": "x"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "invalid_transition");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("evaluation") && message.contains("closed"),
        "{message}"
    );
    let r = patch(
        &app,
        &officer,
        &case,
        1,
        json!({"status": "nfa", "reason": "  "}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(body["details"]["fields"]["reason"].is_string(), "{body}");
    let r = officer
        .patch(case_url(&app, &case, ""))
        .json(&json!({"status": "investigation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 428);
    let r = patch(&app, &officer, &case, 1, json!({})).await;
    assert_eq!(r.status(), 422, "a change must name a field");

    let r = patch(&app, &officer, &case, 1, json!({"status": "investigation"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let r = patch(&app, &officer, &case, 1, json!({"priority": "low"})).await;
    assert_eq!(r.status(), 412, "a stale version is refused");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (
            body["code"].as_str(),
            body["details"]["current_version"].as_i64()
        ),
        (Some("version_conflict"), Some(2))
    );
    let change = json!({"status": "closed", "reason": "Dakwaan dibuktikan; fail diserahkan."});
    let r = patch(&app, &officer, &case, 2, change).await;
    assert_eq!(r.status(), 200);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(
        (closed["status"].as_str(), closed["version"].as_i64()),
        (Some("closed"), Some(3))
    );
    assert_eq!(closed["allowed_transitions"], json!([]));

    // Closed is final: no field changes, but notes still go in.
    let r = patch(&app, &officer, &case, 3, json!({"title": "Lain"})).await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap()["code"].clone()
        ),
        (409, json!("case_closed"))
    );
    let r = patch(&app, &officer, &case, 3, json!({"status": "investigation"})).await;
    assert_eq!(r.status(), 409);
    let r = officer
        .post(case_url(&app, &case, "/notes"))
        .header("if-match", "\"3\"")
        .json(&json!({"body": "Fail diarkibkan."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let done: Value = r.json().await.unwrap();

    // The timeline has every change with who, when and what.
    let timeline = done["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|t| t["what"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "complaint_linked",
            "complaint_linked",
            "status",
            "status",
            "note_added"
        ]
    );
    assert!(timeline
        .iter()
        .all(|t| t["who"]["name"] == "officer" && t["at"].is_string()));
    assert_eq!(
        timeline[3]["what"],
        json!({"kind": "status", "from": "evaluation", "to": "investigation", "reason": null})
    );
    assert_eq!(
        timeline[4]["what"]["reason"],
        "Dakwaan dibuktikan; fail diserahkan."
    );
    assert_eq!(timeline[5]["what"]["note_id"], done["notes"][0]["id"]);
    assert_eq!(done["notes"][0]["author"]["name"], "officer");

    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'case' AND action <> 'case.view' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        ["case.create", "case.update", "case.update", "case.note"]
    );
    let intake = app.as_role(Role::Intake);
    assert_eq!(
        intake
            .get(app.url("/api/v1/cases"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        intake
            .get(case_url(&app, &case, ""))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = intake
        .post(app.url("/api/v1/cases"))
        .json(&json!({"title": "x", "complaint_ids": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn of_two_edits_from_the_same_version_one_is_refused() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids = app.submit_many("race", 1).await;
    let case = open_case(&app, &officer, "Race", &ids).await;
    let admin = app.client.clone();
    let (a, b) = tokio::join!(
        patch(&app, &officer, &case, 1, json!({"priority": "urgent"})),
        patch(&app, &admin, &case, 1, json!({"title": "Another title"})),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let now = get_json(&officer, case_url(&app, &case, "")).await;
    assert_eq!(now["version"], 2);
    assert_eq!(
        now["timeline"].as_array().unwrap().len(),
        3,
        "created, linked, one change"
    );
    app.stop().await;
}

#[tokio::test]
async fn complaints_link_and_unlink_and_belong_to_one_case_at_a_time() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids = app.submit_many("link", 3).await;
    let case = open_case(&app, &officer, "Links", &ids[..1]).await;
    let link = |i: usize, v: i64, delete: bool| {
        let url = case_url(&app, &case, &format!("/complaints/{}", ids[i]));
        let req = if delete {
            officer.delete(url)
        } else {
            officer.put(url)
        };
        req.header("if-match", format!("\"{v}\"")).send()
    };
    let r = link(1, 1, false).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["complaint_count"].as_i64(), body["version"].as_i64()),
        (Some(2), Some(2))
    );
    let again: Value = link(1, 2, false).await.unwrap().json().await.unwrap();
    assert_eq!(again["version"], 2, "linking twice changes nothing");

    let r = officer
        .post(app.url("/api/v1/cases"))
        .json(&json!({"title": "Other", "complaint_ids": [ids[1], ids[2]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "complaint_in_other_case");
    assert_eq!(body["details"]["case_id"], case["id"]);
    let other = open_case(&app, &officer, "Other", &ids[2..]).await;
    let url = case_url(&app, &other, &format!("/complaints/{}", ids[0]));
    let r = officer
        .put(url)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    let r = link(0, 2, true).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["complaint_count"], 1);
    assert_eq!(
        link(0, 3, true).await.unwrap().status(),
        404,
        "no longer linked"
    );
    let r = link(1, 3, true).await.unwrap();
    assert_eq!(r.status(), 409, "a case keeps one complaint");
    let url = case_url(
        &app,
        &case,
        &format!("/complaints/{}", uuid::Uuid::new_v4()),
    );
    let r = officer
        .put(url)
        .header("if-match", "\"3\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let kinds: Vec<String> = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["what"]["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "complaint_linked",
            "complaint_linked",
            "complaint_unlinked"
        ]
    );
    let r = officer
        .post(case_url(&app, &case, "/notes"))
        .header("if-match", "\"3\"")
        .json(&json!({"body": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn only_active_officers_and_admins_can_be_assigned() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let ids = app.submit_many("assign", 1).await;
    let case = open_case(&app, &officer, "Assign", &ids).await;
    let intake_id = user_id(&app, "intake").await;
    let officer_id = user_id(&app, "officer").await;
    for bad in [intake_id.clone(), uuid::Uuid::new_v4().to_string()] {
        let r = patch(&app, &officer, &case, 1, json!({"assignee_id": bad})).await;
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["details"]["fields"]["assignee_id"].is_string(),
            "{body}"
        );
    }
    let r = patch(&app, &officer, &case, 1, json!({"assignee_id": officer_id})).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["assignee"],
        json!({"id": officer_id, "name": "officer"})
    );
    let last = body["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["what"],
        json!({"kind": "assignee", "from": null, "to": {"id": officer_id, "name": "officer"}})
    );

    let r = patch(&app, &officer, &case, 2, json!({"assignee_id": null})).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["assignee"], Value::Null);

    // A disabled account cannot take cases.
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{officer_id}")))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = patch(
        &app,
        &app.client,
        &case,
        3,
        json!({"assignee_id": officer_id}),
    )
    .await;
    assert_eq!(r.status(), 422);
    app.stop().await;
}
