//! The role matrix: every route the server has, called as anonymous, intake, officer and
//! admin. A route missing from `EXPECTED` (or a rule that differs) fails this test.

use aduan_api::account::Role;
use aduan_server::http::access::Access;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{client_with, get_json, login, spawn_app, PASSWORD};

/// (method, path, who may call it)
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "public"),
    ("GET", "/readyz", "public"),
    ("GET", "/metrics", "public"),
    ("GET", "/api/v1/openapi.json", "public"),
    ("POST", "/api/v1/auth/login", "public"),
    ("POST", "/api/v1/auth/logout", "any"),
    ("POST", "/api/v1/auth/second-factor", "public"),
    ("POST", "/api/v1/auth/second-factor/enrol", "public"),
    ("POST", "/api/v1/me/totp", "any"),
    ("POST", "/api/v1/me/totp/confirm", "any"),
    ("DELETE", "/api/v1/admin/users/{id}/totp", "admins"),
    ("GET", "/api/v1/admin/sign-in-policy", "admins"),
    ("PUT", "/api/v1/admin/sign-in-policy", "admins"),
    ("GET", "/api/v1/me", "any"),
    ("POST", "/api/v1/events/ticket", "any"),
    ("GET", "/api/v1/events", "any"),
    ("POST", "/api/v1/complaints", "staff"),
    ("GET", "/api/v1/complaints", "staff"),
    ("GET", "/api/v1/complaints/export", "officers"),
    ("GET", "/api/v1/intake/limits", "staff"),
    ("POST", "/api/v1/complaints/{id}/identity", "officers"),
    ("GET", "/api/v1/complaints/{id}", "staff"),
    ("POST", "/api/v1/complaints/{id}/attachments", "staff"),
    ("GET", "/api/v1/attachments/{id}", "staff"),
    ("POST", "/api/v1/complaints/{id}/reprocess", "officers"),
    ("PATCH", "/api/v1/complaints/{id}/enrichment", "officers"),
    ("GET", "/api/v1/taxonomy", "any"),
    ("GET", "/api/v1/processing/summary", "any"),
    ("GET", "/api/v1/attachments/{id}/preview", "staff"),
    ("GET", "/api/v1/admin/processing", "admins"),
    ("PATCH", "/api/v1/admin/processing", "admins"),
    ("GET", "/api/v1/admin/capacity", "admins"),
    ("GET", "/api/v1/admin/users", "admins"),
    ("POST", "/api/v1/admin/users", "admins"),
    ("PATCH", "/api/v1/admin/users/{id}", "admins"),
    ("GET", "/api/v1/users/assignable", "officers"),
    ("GET", "/api/v1/admin/audit", "admins"),
    ("GET", "/api/v1/analytics/dashboard", "officers"),
    ("GET", "/api/v1/analytics/dashboard/export", "officers"),
    ("GET", "/api/v1/cases", "officers"),
    ("POST", "/api/v1/cases", "officers"),
    ("GET", "/api/v1/cases/{id}", "officers"),
    ("PATCH", "/api/v1/cases/{id}", "officers"),
    ("POST", "/api/v1/cases/{id}/notes", "officers"),
    (
        "PUT",
        "/api/v1/cases/{id}/complaints/{complaint_id}",
        "officers",
    ),
    (
        "DELETE",
        "/api/v1/cases/{id}/complaints/{complaint_id}",
        "officers",
    ),
    ("GET", "/api/v1/complaints/{id}/related", "officers"),
    (
        "GET",
        "/api/v1/desktop/update/{target}/{current_version}",
        "any",
    ),
    ("GET", "/api/v1/desktop/bundles/{id}", "any"),
    ("GET", "/api/v1/complaints/{id}/messages", "officers"),
    ("POST", "/api/v1/complaints/{id}/messages", "officers"),
    ("GET", "/api/v1/attachments/{id}/original", "officers"),
];

fn rule_name(access: Access) -> &'static str {
    match access {
        Access::Public => "public",
        Access::AnyUser => "any",
        Access::Roles(r) if r == [Role::Intake, Role::Officer, Role::Admin] => "staff",
        Access::Roles(r) if r == [Role::Officer, Role::Admin] => "officers",
        Access::Roles(r) if r == [Role::Admin] => "admins",
        Access::Roles(_) => "other",
    }
}

fn admits(rule: &str, role: Option<Role>) -> bool {
    match (rule, role) {
        ("public", _) => true,
        (_, None) => false,
        ("any" | "staff", Some(_)) => true,
        ("officers", Some(r)) => r != Role::Intake,
        ("admins", Some(r)) => r == Role::Admin,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_route_has_the_expected_rule() {
    let table = aduan_server::http::route_table();
    let actual: Vec<(String, String, &str)> = table
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.path.to_string(),
                rule_name(r.access),
            )
        })
        .collect();
    for (m, p, rule) in &actual {
        assert!(
            EXPECTED
                .iter()
                .any(|e| e.0 == m && e.1 == p && e.2 == *rule),
            "route {m} {p} ({rule}) is not in the role matrix: add it with its rule"
        );
    }
    assert_eq!(actual.len(), EXPECTED.len(), "every expected route exists");
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_rule_says() {
    let app = spawn_app().await;
    let intake = app.as_role(Role::Intake);
    let form = reqwest::multipart::Form::new()
        .text(
            "complaint",
            json!({"channel": "walk_in", "description": "Pegawai meminta wang."}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"resit".to_vec()).file_name("resit.txt"),
        );
    let created: Value = intake
        .post(app.url("/api/v1/complaints"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let complaint = created["id"].as_str().unwrap().to_string();
    let detail: Value =
        get_json(&intake, app.url(&format!("/api/v1/complaints/{complaint}"))).await;
    let attachment = detail["attachments"][0]["id"].as_str().unwrap().to_string();
    let users: Value = get_json(&app.client, app.url("/api/v1/admin/users")).await;
    let some_user = users[0]["id"].as_str().unwrap().to_string();
    // The thread of a complaint is the assigned officer's (and admins'): put the complaint
    // in a case of the officer's, so the officer is admitted as the rule says.
    let officer = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "officer")
        .unwrap()["id"]
        .clone();
    let body =
        json!({"title": "Matriks peranan", "complaint_ids": [complaint], "assignee_id": officer});
    crate::cases::open_case_as(&app, &app.client, body).await;

    for route in aduan_server::http::route_table() {
        let id = if route.path.starts_with("/api/v1/attachments") {
            &attachment
        } else if route.path.starts_with("/api/v1/admin/users") {
            &some_user
        } else {
            &complaint
        };
        let path = route.path.replace("{id}", id);
        for role in [
            None,
            Some(Role::Intake),
            Some(Role::Officer),
            Some(Role::Admin),
        ] {
            // Logging out ends the session: use a fresh one for that route.
            let token = match role {
                Some(r) if route.path.ends_with("/logout") => {
                    Some(login(&app.base, r.as_str(), PASSWORD).await)
                }
                Some(r) => Some(app.tokens[&r].clone()),
                None => None,
            };
            let client = client_with(token.as_deref());
            let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
            let mut req = client.request(method.clone(), app.url(&path));
            if method == Method::POST || method == Method::PATCH {
                req = req.json(&json!({}));
            }
            let status = req.send().await.unwrap().status().as_u16();
            let rule = rule_name(route.access);
            let expected_ok = admits(rule, role);
            let who = role.map(Role::as_str).unwrap_or("anonymous");
            if expected_ok {
                assert!(
                    status != 401 && status != 403,
                    "{who} {} {}: got {status}, the rule is {rule}",
                    route.method,
                    route.path
                );
            } else if role.is_none() {
                assert_eq!(status, 401, "{who} {} {}", route.method, route.path);
            } else {
                assert_eq!(status, 403, "{who} {} {}", route.method, route.path);
            }
        }
    }
    app.stop().await;
}
