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
