use serde_json::{json, Value};

use crate::helpers::spawn_app;

async fn list(app: &crate::helpers::TestApp, query: &str) -> Value {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/complaints{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{query}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn keyset_pagination_walks_every_complaint_once_newest_first() {
    let app = spawn_app().await;
    for i in 0..7 {
        app.post_json(&json!({"channel": "phone", "description": format!("Aduan {i}")}))
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=3&cursor={c}"),
            None => "?limit=3".to_string(),
        };
        let page = list(&app, &q).await;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["excerpt"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("Aduan {i}")).collect();
    assert_eq!(seen, expected);
    app.stop().await;
}

/// Every page of `query`, newest first: the excerpts.
async fn all_pages(app: &crate::helpers::TestApp, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit=4&cursor={c}"),
            None => format!("{query}&limit=4"),
        };
        let page = list(app, &q).await;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["excerpt"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen
}

/// A search is sized before it is listed: a word most recent complaints use is listed by
/// walking the newest, a rare one from its matches. Both give every match once, newest
/// first, with the other filters and across pages.
#[tokio::test]
async fn common_and_rare_searches_list_every_match_once_newest_first() {
    let app = spawn_app().await;
    app.pause(true).await;
    let mut expected_common = Vec::new();
    let mut expected_rare = Vec::new();
    for i in 0..14 {
        let channel = if i % 2 == 0 { "phone" } else { "email" };
        let description = if i % 7 == 3 {
            format!("Aduan {i}: kerani meminta RM9137 untuk permit")
        } else {
            format!("Aduan {i}: pegawai meminta duit kopi")
        };
        let r = app
            .post_json(&json!({"channel": channel, "description": description}))
            .await;
        assert_eq!(r.status(), 202);
        if description.contains("pegawai") && channel == "phone" {
            expected_common.push(description.clone());
        }
        if description.contains("RM9137") {
            expected_rare.push(description);
        }
    }
    expected_common.reverse();
    expected_rare.reverse();
    assert_eq!(expected_rare.len(), 2);
    assert_eq!(
        all_pages(&app, "?q=pegawai&channel=phone").await,
        expected_common,
        "a word most complaints use"
    );
    assert_eq!(
        all_pages(&app, "?q=RM9137").await,
        expected_rare,
        "a rare term"
    );
    assert!(all_pages(&app, "?q=RM9137&channel=email").await.len() == 1);
    app.stop().await;
}

#[tokio::test]
async fn filters_and_full_text_search_in_malay_and_english() {
    let app = spawn_app().await;
    // Paused, so every status stays `queued` while we filter.
    app.pause(true).await;
    let complaints = [
        (
            "walk_in",
            "Pegawai majlis perbandaran meminta suapan untuk lesen perniagaan.",
        ),
        (
            "phone",
            "The customs officer demanded a bribe at the checkpoint.",
        ),
        (
            "email",
            "Kontraktor memberi wang tunai kepada pegawai tender.",
        ),
    ];
    for (channel, description) in complaints {
        let r = app
            .post_json(&json!({"channel": channel, "description": description}))
            .await;
        assert_eq!(r.status(), 202);
    }
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(
        count(&list(&app, "?q=suapan").await),
        1,
        "Malay word as written"
    );
    assert_eq!(
        count(&list(&app, "?q=bribes").await),
        1,
        "English stemming: bribes ~ bribe"
    );
    assert_eq!(count(&list(&app, "?q=demanding%20bribe").await), 1);
    assert_eq!(count(&list(&app, "?q=pegawai").await), 2);
    assert_eq!(
        count(&list(&app, "?q=pegawai%20-tender").await),
        1,
        "websearch syntax"
    );
    assert_eq!(count(&list(&app, "?channel=phone").await), 1);
    assert_eq!(count(&list(&app, "?status=queued").await), 3);
    assert_eq!(count(&list(&app, "?status=enriched").await), 0);
    assert_eq!(
        count(&list(&app, "?from=2000-01-01&to=2999-01-01").await),
        3
    );
    assert_eq!(count(&list(&app, "?to=2000-01-01").await), 0);
    for bad in [
        "?status=nope",
        "?channel=fax",
        "?from=yesterday",
        "?limit=0",
        "?limit=201",
        "?cursor=zz",
    ] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/complaints{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["code"],
            "invalid_query",
            "{bad}"
        );
    }
    let r = app
        .client
        .get(app.url("/api/v1/complaints/not-a-uuid"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_nul_in_any_filter_is_a_bad_request_not_a_server_error() {
    let app = crate::helpers::spawn_app().await;
    for query in ["sector=a%00b", "category=%00", "q=rasuah%00", "channel=%00"] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/complaints?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
    }
    let r = app
        .client
        .get(app.url("/api/v1/cases?q=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .get(app.url("/api/v1/admin/audit?target_id=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.stop().await;
}
