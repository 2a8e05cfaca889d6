//! CSV exports: the complaint list with its filters and each dashboard table, as Excel
//! reads them (BOM, quoting, Malaysian dates, no formulas), audited, for officers only.

use std::time::Duration;

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::helpers::{get_json, spawn_app, TestApp};

/// RFC 4180 records of a CSV text (after the BOM): quoted fields may hold separators,
/// doubled quotes and line breaks.
fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record ends with CRLF"
    );
    records
}

async fn export(app: &TestApp, role: Role, path_and_query: &str) -> reqwest::Response {
    app.as_role(role)
        .get(app.url(path_and_query))
        .send()
        .await
        .unwrap()
}

/// The body as CSV records, checking what every export shares.
async fn records(r: reqwest::Response) -> Vec<Vec<String>> {
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"aduan-"),
        "{disposition}"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let text = r.text().await.unwrap();
    let body = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark for Excel");
    parse(body)
}

async fn audit_details(app: &TestApp, action: &str) -> Vec<(String, Value)> {
    sqlx::query_as("SELECT actor_name, details FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_complaint_list_exports_with_its_filters_as_excel_reads_it() {
    let app = spawn_app().await;
    app.pause(true).await;
    let tricky =
        "=HYPERLINK(\"http://evil.example\",\"klik\")\nPegawai meminta \"duit kopi\", RM500.";
    for (channel, description) in [
        ("walk_in", tricky),
        (
            "walk_in",
            "Pegawai majlis perbandaran di Kuantan meminta RM2,000 untuk lesen.",
        ),
        (
            "phone",
            "Pegawai kastam di Johor Bahru meminta RM300 untuk melepaskan barang.",
        ),
    ] {
        let r = app
            .post_json(&json!({"channel": channel, "description": description}))
            .await;
        assert_eq!(r.status(), 202);
    }
    let listed = get_json(
        &app.as_role(Role::Officer),
        app.url("/api/v1/complaints?channel=walk_in"),
    )
    .await;
    let listed: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2);

    let rows = records(
        export(
            &app,
            Role::Officer,
            "/api/v1/complaints/export?channel=walk_in",
        )
        .await,
    )
    .await;
    let (head, rows) = rows.split_first().unwrap();
    assert_eq!(head[0], "Reference");
    assert_eq!(head.last().unwrap(), "Description");
    let references: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        references, listed,
        "the same complaints as the list, newest first"
    );
    let first_submitted = rows.last().unwrap();
    assert_eq!(
        first_submitted.last().unwrap(),
        &format!("'{tricky}"),
        "text kept whole (quotes, commas, line break), and no formula"
    );
    assert!(rows.iter().all(|r| r[2] == "walk_in" && r[3] == "queued"));
    // Received in Malaysian time, as dd/mm/yyyy HH:MM.
    let received = &rows[0][1];
    let parsed = chrono::NaiveDateTime::parse_from_str(received, "%d/%m/%Y %H:%M").unwrap();
    let now_myt = chrono::Utc::now().naive_utc() + chrono::Duration::hours(8);
    assert!((now_myt - parsed).num_minutes().abs() <= 2, "{received}");

    let audit = audit_details(&app, "complaint.export").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "officer");
    assert_eq!(audit[0].1["query"], "channel=walk_in");
    assert_eq!(audit[0].1["rows"], 2);

    // Everything, once analysed: the analysis's codes are in the row.
    app.pause(false).await;
    app.wait_for_status("enriched", 3, Duration::from_secs(30))
        .await;
    let rows = records(export(&app, Role::Admin, "/api/v1/complaints/export").await).await;
    assert_eq!(rows.len(), 4);
    let category = head.iter().position(|h| h == "Category").unwrap();
    assert!(rows[1..]
        .iter()
        .all(|r| r[3] == "enriched" && !r[category].is_empty()));
    assert_eq!(audit_details(&app, "complaint.export").await.len(), 2);
}

#[tokio::test]
async fn exports_refuse_what_does_not_apply_and_intake_staff() {
    let app = spawn_app().await;
    for (query, code) in [
        ("?limit=10", 400),
        ("?cursor=00", 400),
        ("?status=nonsense", 400),
        ("?from=yesterday", 400),
    ] {
        let r = export(
            &app,
            Role::Officer,
            &format!("/api/v1/complaints/export{query}"),
        )
        .await;
        assert_eq!(r.status(), code, "{query}");
    }
    let r = export(&app, Role::Intake, "/api/v1/complaints/export").await;
    assert_eq!(r.status(), 403);
    let r = export(
        &app,
        Role::Intake,
        "/api/v1/analytics/dashboard/export?table=category",
    )
    .await;
    assert_eq!(r.status(), 403);
    for query in [
        "",
        "?table=nonsense",
        "?table=category&from=2026-02-01&to=2026-01-01",
    ] {
        let r = export(
            &app,
            Role::Officer,
            &format!("/api/v1/analytics/dashboard/export{query}"),
        )
        .await;
        assert!(
            [400, 422].contains(&r.status().as_u16()),
            "{query}: {}",
            r.status()
        );
    }
    assert!(audit_details(&app, "complaint.export").await.is_empty());
    assert!(audit_details(&app, "dashboard.export").await.is_empty());
}

#[tokio::test]
async fn each_dashboard_table_exports_the_dashboards_figures() {
    let app = spawn_app().await;
    for description in [
        "Pegawai JPJ di Shah Alam meminta RM500 duit kopi untuk meluluskan lesen saya.",
        "Kontraktor memberi suapan kepada pegawai majlis untuk memenangi tender di Kuantan, Pahang.",
    ] {
        let r = app
            .post_json(&json!({"channel": "web", "description": description}))
            .await;
        assert_eq!(r.status(), 202);
    }
    app.wait_for_status("enriched", 2, Duration::from_secs(30))
        .await;
    let officer = app.as_role(Role::Officer);
    let dashboard: Value = officer
        .get(app.url("/api/v1/analytics/dashboard"))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let rows = records(
        export(
            &app,
            Role::Officer,
            "/api/v1/analytics/dashboard/export?table=category",
        )
        .await,
    )
    .await;
    assert_eq!(rows[0], ["Code", "Label (BM)", "Label (EN)", "Complaints"]);
    let expected: Vec<Vec<String>> = dashboard["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            vec![
                k["key"].as_str().unwrap().to_string(),
                k["count"].to_string(),
            ]
        })
        .collect();
    let got: Vec<Vec<String>> = rows[1..]
        .iter()
        .map(|r| vec![r[0].clone(), r[3].clone()])
        .collect();
    assert_eq!(got, expected);
    let bribe = rows
        .iter()
        .find(|r| r[0] == "solicit_accept_bribe")
        .expect("a solicited bribe");
    assert_eq!(bribe[1], "Meminta/menerima suapan");

    let rows = records(
        export(
            &app,
            Role::Officer,
            "/api/v1/analytics/dashboard/export?table=per_day",
        )
        .await,
    )
    .await;
    assert_eq!(rows[0], ["Day", "Received", "Enriched", "Failed"]);
    assert_eq!(
        rows.len() - 1,
        dashboard["per_day"].as_array().unwrap().len()
    );
    let today = &dashboard["per_day"].as_array().unwrap().last().unwrap()["day"];
    let today = chrono::NaiveDate::parse_from_str(today.as_str().unwrap(), "%Y-%m-%d").unwrap();
    let last = rows.last().unwrap();
    assert_eq!(last[0], today.format("%d/%m/%Y").to_string());
    assert_eq!(last[1], "2");

    let audit = audit_details(&app, "dashboard.export").await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].1["table"], "category");
    assert_eq!(audit[0].1["rows"], expected.len());
    assert_eq!(audit[1].1["table"], "per_day");
    assert_eq!(audit[1].1["rows"], rows.len() - 1);
}
