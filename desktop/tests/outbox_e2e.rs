//! End to end: the outbox against a REAL Aduan server. Ignored by plain `cargo test`;
//! `desktop/tests/e2e/run.sh` (step "desktop end-to-end" of `./test.sh`) runs it with
//! `--ignored` against the server it starts. By hand:
//!
//! ```sh
//! ADUAN_E2E_SERVER=http://127.0.0.1:18080 ADUAN_E2E_USER=intake ADUAN_E2E_PASSWORD=... \
//!   cargo test --test outbox_e2e -- --ignored
//! ```

use aduan_desktop::client::{self, Client};
use aduan_desktop::outbox::seal::SealKey;
use aduan_desktop::outbox::Outbox;
use aduan_desktop::server_url::ServerUrl;
use serde_json::json;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set for this test"))
}

#[tokio::test]
#[ignore = "needs a running Aduan server: run by desktop/tests/e2e/run.sh"]
async fn queued_complaints_are_sent_once_even_when_sent_twice() {
    let server = ServerUrl::parse(&env("ADUAN_E2E_SERVER")).unwrap();
    let reply = client::login(&server, &env("ADUAN_E2E_USER"), &env("ADUAN_E2E_PASSWORD"))
        .await
        .unwrap();
    let client = Client::new(&server, reply["token"].as_str().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(dir.path(), "e2e", SealKey::random());
    let complaint = json!({
        "channel": "phone",
        "description": "Pegawai majlis daerah meminta wang tunai RM 2,000 untuk meluluskan permit gerai.",
    });
    let key = uuid::Uuid::new_v4().to_string();

    outbox.push(complaint.clone(), Some(key.clone())).unwrap();
    let first = outbox.flush(&client).await.unwrap();
    assert_eq!(first.sent.len(), 1, "{first:?}");
    assert_eq!(first.remaining, 0);

    // As if the reply had been lost and the complaint queued again under the same key.
    outbox.push(complaint, Some(key)).unwrap();
    let second = outbox.flush(&client).await.unwrap();
    assert_eq!(second.sent.len(), 1, "{second:?}");
    let reference = |r: &aduan_desktop::outbox::FlushReport| r.sent[0].1["reference"].clone();
    assert!(reference(&first).is_string());
    assert_eq!(
        reference(&first),
        reference(&second),
        "a retry created a second complaint"
    );
}
