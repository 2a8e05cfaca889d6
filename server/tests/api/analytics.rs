//! The dashboard: its figures against the complaints' own details, ranges in Malaysian
//! days, invalidation by changes on this and other instances, entity tags, and roles.

use std::collections::BTreeMap;
use std::time::Duration;

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::helpers::{get_json, spawn_app, spawn_instance, TestApp};

const DASHBOARD: &str = "/api/v1/analytics/dashboard";

/// Complaints that differ in channel, place and offence.
fn complaints() -> Vec<Value> {
    vec![
        json!({"channel": "walk_in", "description": "Pegawai JPJ di Shah Alam meminta RM500 duit kopi untuk meluluskan lesen saya.", "location": "Shah Alam, Selangor"}),
        json!({"channel": "phone", "description": "Pegawai kastam di Johor Bahru meminta RM2,000 untuk melepaskan barang saya."}),
        json!({"channel": "phone", "description": "Kontraktor memberi suapan kepada pegawai majlis perbandaran untuk memenangi tender di Kuantan, Pahang."}),
        json!({"channel": "email", "description": "Saya tidak pasti apa yang berlaku tetapi ada sesuatu yang tidak kena."}),
        json!({"channel": "web", "description": "A police officer in Georgetown, Penang asked me for RM300 to drop a traffic summons."}),
    ]
}

async fn submit(app: &TestApp, body: &Value) -> String {
    let r = app.post_json(body).await;
    assert_eq!(r.status(), 202);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The dashboard as it is after every change so far (`no-cache`: read-your-writes).
async fn dashboard(app: &TestApp, query: &str) -> Value {
    let r = app
        .as_role(Role::Officer)
        .get(app.url(&format!("{DASHBOARD}{query}")))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn counts(list: &Value) -> BTreeMap<String, i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["key"].as_str().unwrap().to_string(),
                k["count"].as_i64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The effective value of a part of the enrichment: the correction if there is one.
fn effective<'a>(enrichment: &'a Value, part: &str) -> &'a Value {
    match enrichment["corrections"].get(part) {
        Some(v) if !v.is_null() => v,
        _ => &enrichment["result"][part],
    }
}

/// Tally the complaints' own details the way the dashboard should.
async fn expected(app: &TestApp, ids: &[String]) -> BTreeMap<&'static str, BTreeMap<String, i64>> {
    let mut t: BTreeMap<&'static str, BTreeMap<String, i64>> = BTreeMap::new();
    for id in ids {
        let d = get_json(&app.client, app.url(&format!("/api/v1/complaints/{id}"))).await;
        let e = &d["enrichment"];
        let mut add = |dim: &'static str, key: &str| {
            *t.entry(dim)
                .or_default()
                .entry(key.to_string())
                .or_default() += 1
        };
        add("status", d["status"].as_str().unwrap());
        add("channel", d["channel"].as_str().unwrap());
        add(
            "category",
            effective(e, "classification")["category"].as_str().unwrap(),
        );
        add("sector", effective(e, "sector")["sector"].as_str().unwrap());
        add(
            "state",
            effective(e, "five_w1h")["where"]["state"]
                .as_str()
                .unwrap_or("unknown"),
        );
        let mut acts: Vec<&str> = effective(e, "legal")
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["act"].as_str().unwrap())
            .collect();
        acts.dedup();
        acts.sort();
        acts.dedup();
        for act in acts {
            add("act", act);
        }
    }
    t
}

fn assert_matches(dash: &Value, want: &BTreeMap<&'static str, BTreeMap<String, i64>>) {
    for dim in ["status", "channel", "category", "sector", "state", "act"] {
        assert_eq!(
            counts(&dash[format!("by_{dim}")]),
            want.get(dim).cloned().unwrap_or_default(),
            "by_{dim} in {dash}"
        );
    }
}

#[tokio::test]
async fn figures_match_the_complaints_and_follow_corrections() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for c in complaints() {
        ids.push(submit(&app, &c).await);
    }
    app.wait_for_status("enriched", 5, Duration::from_secs(20))
        .await;
    let dash = dashboard(&app, "").await;
    assert_eq!(dash["total"], 5);
    let want = expected(&app, &ids).await;
    assert_matches(&dash, &want);
    assert_eq!(counts(&dash["by_channel"])["phone"], 2);
    assert!(counts(&dash["by_state"]).contains_key("Selangor"), "{dash}");
    let days = dash["per_day"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = days.last().unwrap();
    assert_eq!(
        (today["received"].as_i64(), today["enriched"].as_i64()),
        (Some(5), Some(5))
    );
    let by_status = dash["by_status"].as_array().unwrap();
    assert_eq!(by_status.len(), 4, "every status, zeros included");
    assert_eq!(by_status[0]["key"], "enriched", "largest first");

    // An officer's correction moves the complaint to another category and state at once.
    let fix = json!({
        "classification": {"category": "abuse_of_power", "corruption_related": true,
            "confidence": 1.0, "rationale": "Checked by an officer."},
        "five_w1h": {"who": [], "what": "Sesuatu tidak kena.", "when": {"text": null, "date": null},
            "where": {"text": null, "state": "Sabah"}, "why": null, "how": null},
        "legal": [{"act": "akta_694", "section": "23", "confidence": 1.0}]
    });
    let r = app
        .correct(&app.as_role(Role::Officer), &ids[3].to_string(), &fix)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let dash = dashboard(&app, "").await;
    assert_matches(&dash, &expected(&app, &ids).await);
    assert_eq!(counts(&dash["by_state"]).get("Sabah"), Some(&1));
    assert!(counts(&dash["by_category"]).contains_key("abuse_of_power"));
    app.stop().await;
}

#[tokio::test]
async fn ranges_are_malaysian_days_and_are_checked() {
    let app = spawn_app().await;
    app.pause(true).await;
    let ids = app.submit_many("range", 3).await;
    // 23:59:59 and 00:00:00 in Malaysia (UTC+8) on either side of midnight, and a day later.
    for (id, at) in ids.iter().zip([
        "2026-01-10T15:59:59Z",
        "2026-01-10T16:00:00Z",
        "2026-01-11T16:00:00Z",
    ]) {
        sqlx::query("UPDATE complaints SET created_at = $2::timestamptz WHERE id = $1::uuid")
            .bind(id)
            .bind(at)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let d = dashboard(&app, "?from=2026-01-10&to=2026-01-10").await;
    assert_eq!(d["total"], 1);
    assert_eq!(d["per_day"].as_array().unwrap().len(), 1);
    let d = dashboard(&app, "?from=2026-01-11&to=2026-01-12").await;
    assert_eq!(d["total"], 2);
    let days: Vec<(String, i64)> = d["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["day"].as_str().unwrap().to_string(),
                x["received"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [("2026-01-11".to_string(), 1), ("2026-01-12".to_string(), 1)]
    );
    assert_eq!(
        counts(&d["by_status"]),
        BTreeMap::from([("queued".into(), 2)])
    );
    assert_eq!(
        counts(&d["by_category"]),
        BTreeMap::from([("unknown".into(), 2)]),
        "not analysed yet"
    );
    assert_eq!(
        dashboard(&app, "").await["total"],
        0,
        "the default range ends today"
    );

    let officer = app.as_role(Role::Officer);
    let status = |q: &'static str| {
        let (officer, url) = (officer.clone(), app.url(&format!("{DASHBOARD}{q}")));
        async move { officer.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("?from=2026-02-01&to=2026-01-01").await, 422);
    assert_eq!(status("?from=2020-01-01&to=2026-01-01").await, 422);
    assert_eq!(status("?from=yesterday").await, 400);
    app.stop().await;
}

/// A refused range is reported as a refused request naming `from`, not as a complaint.
#[tokio::test]
async fn a_refused_range_names_the_field_and_not_a_complaint() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let url = app.url(&format!("{DASHBOARD}?from=2026-02-01&to=2026-01-01"));
    let response = officer.get(url).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains("complaint"), "{message}");
    assert!(body["details"]["fields"]["from"].is_string(), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn new_complaints_invalidate_the_cache_here_and_on_other_instances() {
    let a = spawn_app().await;
    let url = a.database_url.clone().unwrap();
    let b = spawn_instance(&url, |_| {}).await;
    assert_eq!(dashboard(&a, "").await["total"], 0);
    assert_eq!(dashboard(&b, "").await["total"], 0);
    a.submit_many("fresh", 1).await;
    // Read-your-writes on the instance that took the complaint.
    assert_eq!(dashboard(&a, "").await["total"], 1);
    // The other instance learns of it from the event log.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while dashboard(&b, "").await["total"] != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "instance b never saw the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Processing (status changes) invalidates too.
    a.wait_for_status("enriched", 1, Duration::from_secs(20))
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while counts(&dashboard(&b, "").await["by_status"]).get("enriched") != Some(&1) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "status change not seen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn etags_answer_304_until_the_figures_change() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let first = officer.get(app.url(DASHBOARD)).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    let again = officer
        .get(app.url(DASHBOARD))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    app.submit_many("etag", 1).await;
    let changed = officer
        .get(app.url(DASHBOARD))
        .header("if-none-match", &etag)
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(changed.json::<Value>().await.unwrap()["total"], 1);
    app.stop().await;
}

#[tokio::test]
async fn officers_and_admins_only() {
    let app = spawn_app().await;
    let url = app.url(DASHBOARD);
    let status = |c: reqwest::Client| {
        let url = url.clone();
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(reqwest::Client::new()).await, 401);
    assert_eq!(status(app.as_role(Role::Intake)).await, 403);
    assert_eq!(status(app.as_role(Role::Officer)).await, 200);
    assert_eq!(status(app.as_role(Role::Admin)).await, 200);
    app.stop().await;
}

/// Without `no-cache` a reply may lag the latest change, by a second at most, and says
/// how far with `as_of`.
#[tokio::test]
async fn a_polled_dashboard_is_at_most_a_second_behind_and_says_so() {
    let app = spawn_app().await;
    let officer = app.as_role(Role::Officer);
    let polled = || async {
        let r = officer.get(app.url(DASHBOARD)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()
    };
    assert_eq!(polled().await["total"], 0);
    app.submit_many("lag", 1).await;
    let changed = std::time::Instant::now();
    let changed_at = chrono::Utc::now();
    loop {
        let d = polled().await;
        let as_of: chrono::DateTime<chrono::Utc> = d["as_of"].as_str().unwrap().parse().unwrap();
        if d["total"] == 1 {
            assert!(
                as_of >= changed_at - chrono::Duration::milliseconds(50),
                "{d}"
            );
            break;
        }
        // Behind: then it predates the change, and not by more than the bound.
        assert!(as_of <= changed_at, "{d}");
        assert!(
            changed.elapsed() <= Duration::from_millis(1_500),
            "still behind after {:?}",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.stop().await;
}
