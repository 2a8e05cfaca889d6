//! Related complaints: ranked by shared people, agencies, amounts, places and wording.

use std::time::Duration;

use aduan_api::account::Role;
use serde_json::{json, Value};

use crate::cases::open_case;
use crate::helpers::{get_json, TestApp};

/// Submit one complaint with `text`; returns its id.
async fn submit(app: &TestApp, text: &str) -> String {
    let r = app
        .post_json(&json!({"channel": "letter", "description": text}))
        .await;
    assert_eq!(r.status(), 202);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Set who, where, agency and amounts through officer corrections.
async fn correct(app: &TestApp, id: &str, person: &str, place: &str, agency: &str, amount: f64) {
    let body = json!({
        "five_w1h": {
            "who": [{"name": person, "role": "suspect", "organisation": null}],
            "what": "Meminta wang.", "when": {"text": null, "date": null},
            "where": {"text": place, "state": "Selangor"}, "why": null, "how": null
        },
        "sector": {"sector": "local_authority", "area": "licensing_permits", "agency": agency},
        "amounts": [{"currency": "MYR", "value": amount, "text": format!("RM{amount}")}]
    });
    let r = app.correct(&app.as_role(Role::Officer), id, &body).await;
    let status = r.status();
    assert_eq!(status, 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn related_complaints_rank_by_what_they_share() {
    let app = crate::helpers::spawn_app().await;
    let target = submit(&app, "Pegawai majlis perbandaran meminta sogokan RM5000 untuk meluluskan permit gerai makanan di Klang.").await;
    let twin = submit(&app, "Pegawai majlis perbandaran meminta sogokan RM5000 sebelum meluluskan permit gerai di Klang.").await;
    let same_agency = submit(
        &app,
        "Kontraktor mengadu tender pembersihan longkang diberi kepada syarikat kroni.",
    )
    .await;
    let unrelated = submit(
        &app,
        "The customs officer at the border demanded cash to release my shipment.",
    )
    .await;
    app.wait_for_status("enriched", 4, Duration::from_secs(30))
        .await;
    correct(
        &app,
        &target,
        "Ahmad bin Ali",
        "Klang",
        "Majlis Perbandaran Klang",
        5000.0,
    )
    .await;
    correct(
        &app,
        &twin,
        "AHMAD  bin Ali",
        "Klang",
        "Majlis Perbandaran Klang",
        5000.0,
    )
    .await;
    correct(
        &app,
        &same_agency,
        "Lim Ah Kow",
        "Kapar",
        "Majlis Perbandaran Klang",
        120000.0,
    )
    .await;
    correct(
        &app,
        &unrelated,
        "Unknown officer",
        "Bukit Kayu Hitam",
        "Kastam Diraja Malaysia",
        800.0,
    )
    .await;
    let officer = app.as_role(Role::Officer);
    let case = open_case(&app, &officer, "Gerai", std::slice::from_ref(&twin)).await;

    let url = app.url(&format!("/api/v1/complaints/{target}/related"));
    let related = get_json(&officer, url.clone()).await;
    let items = related.as_array().unwrap_or_else(|| panic!("{related}"));
    let ids: Vec<&str> = items
        .iter()
        .map(|r| r["complaint"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        &ids[..2],
        [twin.as_str(), same_agency.as_str()],
        "{related:#}"
    );
    assert!(!ids.contains(&target.as_str()), "never itself");
    let top = &items[0];
    let reason = |kind: &str| {
        top["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == kind)
            .map(|r| r["value"].as_str().unwrap().to_string())
    };
    assert_eq!(reason("person").as_deref(), Some("ahmad bin ali"));
    assert_eq!(
        reason("agency").as_deref(),
        Some("majlis perbandaran klang")
    );
    assert_eq!(reason("amount").as_deref(), Some("MYR 5000"));
    assert_eq!(reason("place").as_deref(), Some("klang"));
    assert!(reason("text").unwrap().contains("perbandaran"), "{top}");
    assert_eq!(top["case"]["id"], case["id"], "the case it is in");
    assert!(top["score"].as_f64().unwrap() > items[1]["score"].as_f64().unwrap());
    let score: f64 = top["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["weight"].as_f64().unwrap())
        .sum();
    assert!((score - top["score"].as_f64().unwrap()).abs() < 0.01);
    let second: Vec<&str> = items[1]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        second.contains(&"agency") && !second.contains(&"person"),
        "{second:?}"
    );
    // Shares only the state with the others: far below anything with a real link.
    if let Some(u) = items
        .iter()
        .find(|r| r["complaint"]["id"] == unrelated.as_str())
    {
        assert!(u["score"].as_f64().unwrap() < 1.0, "{u}");
    }

    let missing = app.url(&format!(
        "/api/v1/complaints/{}/related",
        uuid::Uuid::new_v4()
    ));
    assert_eq!(officer.get(missing).send().await.unwrap().status(), 404);
    let intake = app.as_role(Role::Intake);
    assert_eq!(intake.get(url).send().await.unwrap().status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn features_are_indexed_in_the_background_after_enrichment() {
    let app = crate::helpers::spawn_app().await;
    app.submit_many("features", 3).await;
    app.wait_for_status("enriched", 3, Duration::from_secs(30))
        .await;
    // No lookup is made: the server's own indexer must get to them.
    let mut indexed = 0i64;
    for _ in 0..100 {
        indexed = sqlx::query_scalar(
            "SELECT count(*) FROM complaint_features f
             WHERE NOT EXISTS (SELECT 1 FROM complaint_features_pending p
                               WHERE p.complaint_id = f.complaint_id)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if indexed == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(indexed, 3, "features were not indexed in the background");
    app.stop().await;
}
