//! Desktop updates from the server: `aduan-server desktop publish` (the command-line
//! function itself), the updater's check and the bundle download.

use std::path::Path;

use aduan_api::account::Role;
use aduan_server::cli::{desktop_publish, DesktopRelease};
use aduan_server::config::DbArgs;
use base64::Engine;
use secrecy::SecretString;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{client_with, get_json, spawn_app, TestApp};

/// A `.sig` file as `tauri signer sign --app-version VERSION` writes it. Only its shape
/// matters here: the server never checks a signature (the app does, with its public key).
fn signature_for(version: &str) -> String {
    let text = format!(
        "untrusted comment: signature from tauri secret key\nRUSYB1U8uULiTvyMULxitnub==\n\
         trusted comment: timestamp:1796358485\tfile:aduan.deb\tversion:{version}\n\
         4gZ2PjHAgEWFno2PLSA+QApZ==\n"
    );
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn db_args(app: &TestApp) -> DbArgs {
    DbArgs {
        database_url: app.database_url.clone().map(SecretString::from),
        owner_database_url: None,
        audit_key_file: None,
        data_dir: app.data_dir.clone(),
        db_pool: 2,
        blob_store: None,
    }
}

/// Publish `bundle` as `version` for `target` with the command-line function; the error
/// text when it is refused.
async fn publish(
    app: &TestApp,
    dir: &Path,
    bundle: &[u8],
    signature: &str,
    version: &str,
    target: &str,
) -> Result<(), String> {
    let file = dir.join(format!("aduan-desktop_{version}_amd64.deb"));
    std::fs::write(&file, bundle).unwrap();
    let sig = dir.join(format!("aduan-desktop_{version}_amd64.deb.sig"));
    std::fs::write(&sig, signature).unwrap();
    let release = DesktopRelease {
        file: &file,
        signature: &sig,
        version,
        target,
        notes: &format!("Versi {version}: pembetulan.\nVersion {version}: fixes."),
    };
    desktop_publish(&db_args(app), release)
        .await
        .map_err(|e| format!("{e:#}"))
}

async fn check(
    app: &TestApp,
    client: &reqwest::Client,
    target: &str,
    current: &str,
) -> (u16, Value) {
    let url = app.url(&format!("/api/v1/desktop/update/{target}/{current}"));
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_published_build_is_offered_to_older_desktops_of_its_target_and_downloads_intact() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let intake = app.as_role(Role::Intake);
    let (status, _) = check(&app, &intake, "linux-x86_64-deb", "0.1.0").await;
    assert_eq!(status, 204, "nothing is published yet");

    let bundle: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let b = bundle.clone();
    publish(
        &app,
        dir.path(),
        &b,
        &signature_for("0.2.0"),
        "0.2.0",
        "linux-x86_64",
    )
    .await
    .unwrap();
    let older: Vec<u8> = b"an older build".to_vec();
    publish(
        &app,
        dir.path(),
        &older,
        &signature_for("0.1.5"),
        "0.1.5",
        "linux-x86_64",
    )
    .await
    .unwrap();

    // Any signed-in desktop of that OS and arch, whichever bundle it was installed from.
    let (status, update) = check(&app, &intake, "linux-x86_64-deb", "0.1.0").await;
    assert_eq!(status, 200, "{update}");
    assert_eq!(
        update["version"], "0.2.0",
        "the newest, not the last published"
    );
    assert_eq!(update["signature"], signature_for("0.2.0"));
    assert!(update["notes"]
        .as_str()
        .unwrap()
        .contains("Version 0.2.0: fixes."));
    assert!(update["pub_date"].as_str().unwrap().ends_with('Z'));
    let url = update["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/api/v1/desktop/bundles/", app.base)),
        "{url}"
    );

    // Semver order, not text order; the same or a newer version gets nothing.
    assert_eq!(
        check(&app, &intake, "linux-x86_64", "0.1.9").await.1["version"],
        "0.2.0"
    );
    assert_eq!(check(&app, &intake, "linux-x86_64", "0.2.0").await.0, 204);
    assert_eq!(check(&app, &intake, "linux-x86_64", "0.10.0").await.0, 204);
    assert_eq!(check(&app, &intake, "linux-x86_64", "v0.1.0").await.0, 200);
    // Another OS or architecture is not offered a Linux build.
    assert_eq!(
        check(&app, &intake, "windows-x86_64-msi", "0.1.0").await.0,
        204
    );
    assert_eq!(check(&app, &intake, "linux-aarch64", "0.1.0").await.0, 204);

    let r = intake.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        r.headers()["content-length"],
        bundle.len().to_string().as_str()
    );
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment; filename=\"aduan-desktop_0.2.0_amd64.deb\""));
    let got = r.bytes().await.unwrap();
    assert_eq!(
        Sha256::digest(&got),
        Sha256::digest(&bundle),
        "byte for byte"
    );

    // Publishing was audited, with what was published.
    let audit = get_json(
        &app.client,
        app.url("/api/v1/admin/audit?action=desktop.publish"),
    )
    .await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    let first = entries
        .iter()
        .find(|e| e["details"]["version"] == "0.2.0")
        .unwrap();
    assert_eq!(first["actor_name"], "command line");
    assert_eq!(first["details"]["target"], "linux-x86_64");
    assert_eq!(
        first["details"]["sha256"],
        hex::encode(Sha256::digest(&bundle))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_build_for_the_exact_bundle_type_is_preferred_and_kept_from_others() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let rpm = b"an rpm".to_vec();
    publish(
        &app,
        dir.path(),
        &rpm,
        &signature_for("0.3.0"),
        "0.3.0",
        "linux-x86_64-rpm",
    )
    .await
    .unwrap();
    let generic = b"for any linux".to_vec();
    publish(
        &app,
        dir.path(),
        &generic,
        &signature_for("0.3.0"),
        "0.3.0",
        "linux-x86_64",
    )
    .await
    .unwrap();
    let officer = app.as_role(Role::Officer);
    let (_, from_rpm) = check(&app, &officer, "linux-x86_64-rpm", "0.1.0").await;
    let (_, from_deb) = check(&app, &officer, "linux-x86_64-deb", "0.1.0").await;
    let bytes = |u: &Value| {
        let url = u["url"].as_str().unwrap().to_string();
        let officer = officer.clone();
        async move {
            officer
                .get(url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        }
    };
    assert_eq!(&bytes(&from_rpm).await[..], b"an rpm");
    assert_eq!(&bytes(&from_deb).await[..], b"for any linux");
    app.stop().await;
}

#[tokio::test]
async fn publishing_refuses_what_desktops_would_refuse() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let refused = |r: Result<(), String>| r.expect_err("should be refused");

    let unbound = base64::engine::general_purpose::STANDARD
        .encode("untrusted comment: x\nRUSY==\ntrusted comment: timestamp:1\tfile:a.deb\nAAAA==\n");
    let e = refused(publish(&app, p, b"x", &unbound, "0.2.0", "linux-x86_64").await);
    assert!(e.contains("--app-version"), "{e}");
    let e = refused(
        publish(
            &app,
            p,
            b"x",
            &signature_for("0.1.9"),
            "0.2.0",
            "linux-x86_64",
        )
        .await,
    );
    assert!(e.contains("made for version 0.1.9, not 0.2.0"), "{e}");
    let e = refused(publish(&app, p, b"x", "not a signature", "0.2.0", "linux-x86_64").await);
    assert!(e.starts_with("signature is not a signature"), "{e}");
    let e = refused(
        publish(
            &app,
            p,
            b"x",
            &signature_for("0.2.0"),
            "0.2",
            "linux-x86_64",
        )
        .await,
    );
    assert!(e.contains("version must be a semantic version"), "{e}");
    let e = refused(publish(&app, p, b"x", &signature_for("0.2.0"), "0.2.0", "Linux/x86").await);
    assert!(e.starts_with("target must be"), "{e}");
    let e = refused(
        publish(
            &app,
            p,
            b"",
            &signature_for("0.2.0"),
            "0.2.0",
            "linux-x86_64",
        )
        .await,
    );
    assert!(e.ends_with("is empty"), "{e}");

    publish(
        &app,
        p,
        b"first",
        &signature_for("0.2.0"),
        "0.2.0",
        "linux-x86_64",
    )
    .await
    .unwrap();
    let e = refused(
        publish(
            &app,
            p,
            b"again",
            &signature_for("0.2.0"),
            "0.2.0",
            "linux-x86_64",
        )
        .await,
    );
    assert!(e.contains("already published"), "{e}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM desktop_releases")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1, "only the first publication is recorded");
    app.stop().await;
}

#[tokio::test]
async fn checks_and_downloads_need_a_signed_in_user_and_valid_input() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    publish(
        &app,
        dir.path(),
        b"bundle",
        &signature_for("0.2.0"),
        "0.2.0",
        "linux-x86_64",
    )
    .await
    .unwrap();
    let intake = app.as_role(Role::Intake);
    let (_, update) = check(&app, &intake, "linux-x86_64", "0.1.0").await;
    let url = update["url"].as_str().unwrap().to_string();

    let anonymous = client_with(None);
    let (status, body) = check(&app, &anonymous, "linux-x86_64", "0.1.0").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(anonymous.get(&url).send().await.unwrap().status(), 401);

    let (status, body) = check(&app, &intake, "linux-x86_64", "not-a-version").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["details"]["fields"]["current_version"].is_string(),
        "{body}"
    );
    let (status, body) = check(&app, &intake, &"x".repeat(65), "0.1.0").await;
    assert_eq!(status, 422, "{body}");
    let missing = app.url(&format!("/api/v1/desktop/bundles/{}", uuid::Uuid::new_v4()));
    assert_eq!(intake.get(missing).send().await.unwrap().status(), 404);
    let malformed = app.url("/api/v1/desktop/bundles/not-an-id");
    assert_eq!(intake.get(malformed).send().await.unwrap().status(), 404);
    app.stop().await;
}
