//! `GET /metrics`: public Prometheus text whose series move with the work done.

use std::collections::HashMap;
use std::time::Duration;

use aduan_api::account::Role;

use crate::fake_llm::{FakeLlm, Mode};
use crate::helpers::{spawn_app_with, TestApp};

/// `name{labels}` → value, for every sample line.
pub async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let r = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 200, "public: no token needed");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap_or_else(|_| panic!("{l}")))
        })
        .collect()
}

fn get(m: &HashMap<String, f64>, key: &str) -> f64 {
    *m.get(key).unwrap_or_else(|| panic!("{key} missing"))
}

#[tokio::test]
async fn metrics_count_requests_queue_and_provider_calls() {
    let fake = FakeLlm::start(Duration::from_millis(20)).await;
    let app = spawn_app_with(|a| {
        a.llm.url = Some(fake.url.clone());
        a.llm.model = Some("fake-model".into());
    })
    .await;
    // Two 429s (attempts refunded) and one server error (a retry) before the successes.
    fake.script(Mode::RateLimited(0), 2);
    app.submit_many("metrics", 1).await;
    app.wait_for_status("enriched", 1, Duration::from_secs(20))
        .await;
    fake.script(Mode::ServerError, 1);
    app.submit_many("metrics-more", 2).await;
    app.wait_for_status("enriched", 3, Duration::from_secs(20))
        .await;
    let officer = app.as_role(Role::Officer);
    for _ in 0..3 {
        let r = officer
            .get(app.url("/api/v1/analytics/dashboard"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = officer
        .get(app.url("/api/v1/complaints/not-a-uuid"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let m = scrape(&app).await;
    let http = |method: &str, route: &str, status: u16| {
        get(
            &m,
            &format!("aduan_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}}"),
        )
    };
    assert_eq!(http("POST", "/api/v1/complaints", 202), 3.0);
    assert_eq!(http("GET", "/api/v1/analytics/dashboard", 200), 3.0);
    assert_eq!(http("GET", "/api/v1/complaints/{id}", 404), 1.0);
    assert!(http("POST", "/api/v1/auth/login", 200) >= 3.0);
    let dash = "method=\"GET\",route=\"/api/v1/analytics/dashboard\"";
    assert_eq!(
        get(
            &m,
            &format!("aduan_http_request_duration_seconds_count{{{dash}}}")
        ),
        3.0
    );
    assert_eq!(
        get(
            &m,
            &format!("aduan_http_request_duration_seconds_bucket{{{dash},le=\"+Inf\"}}")
        ),
        3.0
    );
    assert_eq!(
        get(&m, "aduan_http_requests_in_flight"),
        1.0,
        "the scrape itself"
    );

    assert_eq!(get(&m, "aduan_enrichments_completed_total"), 3.0);
    assert_eq!(get(&m, "aduan_provider_rate_limited_total"), 2.0);
    assert_eq!(get(&m, "aduan_enrichment_retries_total"), 1.0);
    assert_eq!(get(&m, "aduan_enrichment_failures_total"), 0.0);
    let calls = |outcome: &str| {
        get(
            &m,
            &format!("aduan_provider_request_duration_seconds_count{{provider=\"openai\",outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!((calls("ok"), calls("error")), (3.0, 3.0));
    let ok_sum = get(
        &m,
        "aduan_provider_request_duration_seconds_sum{provider=\"openai\",outcome=\"ok\"}",
    );
    assert!(ok_sum >= 0.06, "three calls of ≥ 20 ms: {ok_sum}");

    for state in ["queued", "running", "retrying"] {
        assert_eq!(
            get(&m, &format!("aduan_queue_jobs{{state=\"{state}\"}}")),
            0.0
        );
    }
    assert_eq!(get(&m, "aduan_database_up"), 1.0);
    assert_eq!(get(&m, "aduan_workers_bound"), 16.0);
    assert_eq!(get(&m, "aduan_workers_paused"), 0.0);
    assert_eq!(get(&m, "aduan_workers_in_flight"), 0.0);
    assert!(get(&m, "aduan_workers_adaptive_limit") >= 1.0);
    assert!(get(&m, "aduan_enrichment_eta_seconds") > 0.0);
    // The last completions' events may land between the reads: each read is a hit or a
    // computation, and at least the first computes.
    let computes = get(&m, "aduan_dashboard_computes_total");
    assert!(computes >= 1.0);
    assert_eq!(computes + get(&m, "aduan_dashboard_cache_hits_total"), 3.0);
    app.stop().await;
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let app = crate::helpers::spawn_app_with(|a| {
        a.metrics_token = Some(secrecy::SecretString::from("scrape-token-for-the-test"))
    })
    .await;
    let url = app.url("/metrics");
    let anonymous = reqwest::get(&url).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = reqwest::Client::new()
        .get(&url)
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = reqwest::Client::new()
        .get(&url)
        .bearer_auth("scrape-token-for-the-test")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("aduan_database_up 1"));
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_not_served_anonymously_beyond_loopback() {
    let app = crate::helpers::spawn_app_with(|a| a.listen = "0.0.0.0:0".parse().unwrap()).await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let r = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "metrics_need_token");
    app.stop().await;
}
