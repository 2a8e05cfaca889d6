//! These tests use the REAL OS keyring. On Linux that is the kernel keyutils store, which
//! needs a session keyring: run them as
//! `keyctl session - cargo test` (package `keyutils`). Where no keyring is reachable they
//! skip with a message, unless `ADUAN_REQUIRE_KEYRING=1`, which turns the skip into a failure
//! (use it in CI so a broken backend cannot pass silently).

use super::*;

/// A store under a unique account, so parallel tests and real sessions never collide.
fn store() -> SessionStore {
    SessionStore::new(SERVICE, format!("test-{}", uuid::Uuid::new_v4()))
}

/// Whether the keyring works here; `false` means "skip this test".
fn keyring_available(store: &SessionStore) -> bool {
    match store.load() {
        Ok(_) => true,
        Err(e) if std::env::var("ADUAN_REQUIRE_KEYRING").as_deref() == Ok("1") => {
            panic!("ADUAN_REQUIRE_KEYRING=1 but the keyring is unusable: {e}")
        }
        Err(e) => {
            eprintln!("skipping: no usable OS keyring ({e}); run under `keyctl session -`");
            false
        }
    }
}

fn sample() -> Session {
    Session {
        server: "https://aduan.example.gov.my".into(),
        token: "t0ken-\u{e9}-with-unicode".into(),
        user: Some(
            serde_json::json!({"id": "6f1c6f0e-1f0a-4c59-9d3a-2b2f4c1d9e10", "username": "kaunter"}),
        ),
    }
}

#[test]
fn save_then_load_round_trips() {
    let store = store();
    if !keyring_available(&store) {
        return;
    }
    store.save(&sample()).unwrap();
    assert_eq!(store.load().unwrap(), Some(sample()));
    store.clear().unwrap();
}

#[test]
fn save_replaces_the_previous_session() {
    let store = store();
    if !keyring_available(&store) {
        return;
    }
    store.save(&sample()).unwrap();
    let other = Session {
        server: "http://10.0.0.5:8080".into(),
        token: "second".into(),
        user: None,
    };
    store.save(&other).unwrap();
    assert_eq!(store.load().unwrap(), Some(other));
    store.clear().unwrap();
}

#[test]
fn clear_removes_and_is_idempotent() {
    let store = store();
    if !keyring_available(&store) {
        return;
    }
    store.save(&sample()).unwrap();
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
    // Logging out twice (or with nothing stored) is fine.
    store.clear().unwrap();
}

#[test]
fn load_with_nothing_stored_is_none() {
    let store = store();
    if !keyring_available(&store) {
        return;
    }
    assert_eq!(store.load().unwrap(), None);
}

#[test]
fn sessions_under_other_accounts_are_separate() {
    let (a, b) = (store(), store());
    if !keyring_available(&a) {
        return;
    }
    a.save(&sample()).unwrap();
    assert_eq!(b.load().unwrap(), None);
    a.clear().unwrap();
}

#[test]
fn a_session_saved_without_a_user_still_loads() {
    let store = store();
    if !keyring_available(&store) {
        return;
    }
    store
        .0
        .set(r#"{"server":"http://127.0.0.1:8080","token":"old"}"#)
        .unwrap();
    let loaded = store.load().unwrap().unwrap();
    assert_eq!((loaded.token.as_str(), loaded.user), ("old", None));
    store.clear().unwrap();
}
