//! Who a case may be assigned to, and which case a complaint belongs to.

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::cases::{case_url, open_case};
use crate::helpers::{get_json, spawn_app, TestApp, PASSWORD};

/// Create an account as admin; returns its id.
async fn add_user(app: &TestApp, username: &str, display_name: &str, role: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/admin/users"))
        .json(
            &json!({"username": username, "display_name": display_name, "role": role,
            "password": PASSWORD}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn officers_list_the_active_officers_and_admins_by_name() {
    let app = spawn_app().await;
    let zainal = add_user(&app, "zainal", "Zainal Abidin", "officer").await;
    add_user(&app, "aminah", "aminah binti Omar", "admin").await;
    add_user(&app, "intan", "Intan", "intake").await;
    let bakar = add_user(&app, "bakar", "Bakar", "officer").await;
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{bakar}")))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let officer = app.as_role(Role::Officer);
    let r = officer
        .get(app.url("/api/v1/users/assignable"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let users: Value = r.json().await.unwrap();
    let users = users.as_array().unwrap();
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    // By display name, case folded: "admin", "aminah binti Omar", "officer", "Zainal…";
    // neither intake user nor the disabled officer.
    assert_eq!(names, ["admin", "aminah", "officer", "zainal"]);
    let last = users.last().unwrap();
    assert_eq!(
        last,
        &json!({"id": zainal, "display_name": "Zainal Abidin", "username": "zainal",
            "role": "officer"}),
        "only what a picker needs"
    );
    assert_eq!(users[1]["role"], "admin");

    let r = app
        .as_role(Role::Intake)
        .get(app.url("/api/v1/users/assignable"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn a_complaint_names_its_case_while_linked() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let intake = app.as_role(Role::Intake);
    let r = intake
        .post(app.url("/api/v1/complaints"))
        .json(&json!({"channel": "walk_in", "description": "Pegawai meminta wang kopi."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = app.url(&format!("/api/v1/complaints/{id}"));
    let before = get_json(&officer, url.clone()).await;
    assert_eq!(before["case"], Value::Null, "{before}");

    let case = open_case(&app, &officer, "Wang kopi", std::slice::from_ref(&id)).await;
    let linked = get_json(&officer, url.clone()).await;
    assert_eq!(
        linked["case"],
        json!({"id": case["id"], "reference": case["reference"]})
    );
    let own = get_json(&intake, url.clone()).await;
    assert_eq!(own["reference"], linked["reference"]);
    assert_eq!(own["case"], Value::Null, "intake staff do not see cases");

    // A case keeps one complaint: give it another before taking this one out.
    let other = app.submit_many("refs", 1).await;
    for (method, complaint, version) in [
        (reqwest::Method::PUT, &other[0], 1),
        (reqwest::Method::DELETE, &id, 2),
    ] {
        let r = officer
            .request(
                method,
                case_url(&app, &case, &format!("/complaints/{complaint}")),
            )
            .header("if-match", format!("\"{version}\""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let unlinked = get_json(&officer, url).await;
    assert_eq!(unlinked["case"], Value::Null, "{unlinked}");
    let list = get_json(&officer, app.url("/api/v1/complaints")).await;
    assert!(
        list["items"][0].get("case").is_none(),
        "the list stays as it was"
    );
    app.stop().await;
}
