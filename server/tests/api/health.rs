use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    app.stop().await;
}

#[tokio::test]
async fn the_web_ui_is_served_with_its_own_policy_and_spa_fallback() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>Aduan</title>",
    )
    .unwrap();
    std::fs::write(ui.path().join("app.js"), "console.log('aduan')").unwrap();
    let dir = ui.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(move |a| a.ui_dir = Some(dir)).await;
    let r = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(r.text().await.unwrap().contains("<title>Aduan</title>"));
    let js = reqwest::get(app.url("/app.js")).await.unwrap();
    assert_eq!(js.text().await.unwrap(), "console.log('aduan')");
    let deep = reqwest::get(app.url("/complaints/123")).await.unwrap();
    assert!(
        deep.text().await.unwrap().contains("<title>Aduan</title>"),
        "SPA paths get index.html"
    );
    let api = reqwest::get(app.url("/api/v1/nope")).await.unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(
        api.json::<serde_json::Value>().await.unwrap()["code"],
        "not_found"
    );
    app.stop().await;
}

/// A load balancer takes a stopping instance out of rotation before it closes: during the
/// drain period /readyz answers 503 while requests are still served.
#[tokio::test]
async fn a_stopping_server_is_not_ready_but_still_serves_during_the_drain() {
    let mut app = crate::helpers::spawn_app_with(|a| a.shutdown_drain_s = 2).await;
    let readyz = format!("{}/readyz", app.base);
    let ready = reqwest::get(&readyz).await.unwrap();
    assert_eq!(ready.status(), 200);
    app.signal_stop();
    let mut draining = None;
    for _ in 0..200 {
        let r = reqwest::get(&readyz).await.unwrap();
        if r.status() == 503 {
            draining = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(draining.expect("/readyz turned 503")["status"], "draining");
    let me = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "requests are still served while draining");
    app.stop().await;
}
