//! One outbox per (user, server), sealed at rest. The keyring tests use the REAL OS
//! keyring like the session's (`keyctl session - cargo test`; `ADUAN_REQUIRE_KEYRING=1`
//! makes a missing keyring a failure instead of a skip).

use std::path::Path;

use futures::TryStreamExt;
use uuid::Uuid;

use super::*;
use crate::outbox::owner::LEGACY_FILE;

const DESCRIPTION: &str = "Pegawai JPJ Shah Alam meminta wang tunai RM5,000 (kod rahsia-aduan-77)";
const COMPLAINANT: &str = "Siti binti Ahmad";
const ATTACHMENT: &[u8] = b"Resit bayaran kepada pegawai: rahsia-lampiran-42";

fn identified_complaint() -> serde_json::Value {
    json!({
        "channel": "walk_in",
        "description": DESCRIPTION,
        "complainant": { "name": COMPLAINANT, "ic_number": "800101-10-5555" },
    })
}

/// Every byte of every file under `dir`.
fn everything_on_disk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(everything_on_disk(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_files_on_disk_hold_no_plaintext_of_the_complaint_or_its_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    let files = [upload(src.path(), "resit.txt", ATTACHMENT)];
    outbox
        .push_with_files(identified_complaint(), Some("k-1".into()), &files)
        .unwrap();
    let on_disk = everything_on_disk(dir.path());
    assert_eq!(on_disk.len(), 2, "the queue and one attachment");
    for (path, bytes) in on_disk {
        for secret in [
            DESCRIPTION.as_bytes(),
            b"rahsia-aduan-77",
            COMPLAINANT.as_bytes(),
            b"800101-10-5555",
            b"rahsia-lampiran-42",
            b"description",
            b"resit.txt",
        ] {
            assert!(
                !contains(&bytes, secret),
                "{path} holds {:?} in clear",
                String::from_utf8_lossy(secret)
            );
        }
    }
    // … and the owner reads it all back.
    assert_eq!(outbox.list().unwrap()[0].complaint, identified_complaint());
}

#[test]
fn a_wrong_key_or_another_owners_place_fails_to_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let key = SealKey::random();
    Outbox::open(dir.path(), "owner-a", key.clone())
        .push(identified_complaint(), None)
        .unwrap();
    let wrong_key = Outbox::open(dir.path(), "owner-a", SealKey::random());
    assert!(matches!(
        wrong_key.list(),
        Err(OutboxError::Sealed(SealError::Open))
    ));
    // The right key, but the file moved under another owner's name: refused too.
    let other_owner = Outbox::open(dir.path(), "owner-b", key);
    assert!(matches!(
        other_owner.list(),
        Err(OutboxError::Sealed(SealError::Open))
    ));
    // Nor does a refused open overwrite what is there: a later push fails the same way.
    assert!(wrong_key.push(json!({}), None).is_err());
}

#[tokio::test]
async fn an_attachment_round_trips_through_the_sealed_stream_at_chunk_edges() {
    let dir = tempfile::tempdir().unwrap();
    let key = SealKey::random();
    for len in [0, 1, seal::CHUNK, seal::CHUNK * 3 + 5] {
        let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
        std::fs::write(&src, &plain).unwrap();
        assert_eq!(seal::seal_file(&key, b"a", &src, &dst).unwrap(), len as u64);
        let chunks: Vec<bytes::Bytes> = seal::open_file_stream(&key, b"a".to_vec(), &dst)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(chunks.concat(), plain, "{len} bytes");
        // Cut off the last chunk: the stream must fail, not end early.
        if len > seal::CHUNK {
            let sealed = std::fs::read(&dst).unwrap();
            std::fs::write(&dst, &sealed[..sealed.len() - 21]).unwrap();
            let cut: Result<Vec<bytes::Bytes>, _> =
                seal::open_file_stream(&key, b"a".to_vec(), &dst)
                    .await
                    .unwrap()
                    .try_collect()
                    .await;
            assert!(cut.is_err(), "a truncated attachment opened");
        }
    }
}

// ---- with the OS keyring -------------------------------------------------------------

/// Keys under a keyring service of their own, removed when dropped.
struct TestKeys(OutboxKeys, String, Vec<String>);

impl TestKeys {
    fn new() -> Self {
        let service = format!("{}.test-{}", crate::secret::SERVICE, Uuid::new_v4());
        Self(OutboxKeys::new(&service), service, Vec::new())
    }
}

impl Drop for TestKeys {
    fn drop(&mut self) {
        for id in &self.2 {
            let _ = crate::secret::Secret::new(&self.1, format!("outbox-key:{id}")).delete();
        }
    }
}

/// Whether the keyring works here; `false` means "skip this test".
fn keyring_available() -> bool {
    let probe =
        crate::secret::Secret::new(crate::secret::SERVICE, format!("probe-{}", Uuid::new_v4()));
    match probe.get() {
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

fn owner(server: &str, user: Uuid) -> Owner {
    Owner::new(ServerUrl::parse(server).unwrap(), user)
}

#[tokio::test(flavor = "multi_thread")]
async fn user_b_can_neither_list_nor_send_user_as_complaints() {
    if !keyring_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut keys = TestKeys::new();
    let outboxes = Outboxes::new(dir.path(), keys.0.clone());
    let server = "http://127.0.0.1:9";
    let (a, b) = (owner(server, Uuid::new_v4()), owner(server, Uuid::new_v4()));
    keys.2.extend([a.id(), b.id()]);

    let a_box = outboxes.for_owner(&a).unwrap();
    a_box
        .push(identified_complaint(), Some("from-a".into()))
        .unwrap();

    let b_box = outboxes.for_owner(&b).unwrap();
    assert!(b_box.list().unwrap().is_empty(), "B sees A's complaint");
    // B's send reaches no server at all: there is nothing of B's to send. A connection
    // made to this listener would already be queued when flush returns.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let report = b_box
        .flush(&client(listener.local_addr().unwrap().port()))
        .await
        .unwrap();
    assert!(report.sent.is_empty() && report.rejected.is_empty() && report.remaining == 0);
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "B's flush sent something"
    );
    // Each has a key of their own in the keyring; A's complaint is still A's.
    assert_ne!(keys.0.get(&a.id()).unwrap(), keys.0.get(&b.id()).unwrap());
    assert_eq!(a_box.list().unwrap()[0].idempotency_key, "from-a");
    // The same user on another server is another outbox too.
    let a_elsewhere = owner("https://aduan.agency.gov.my", a.user);
    keys.2.push(a_elsewhere.id());
    assert!(outboxes
        .for_owner(&a_elsewhere)
        .unwrap()
        .list()
        .unwrap()
        .is_empty());
}

#[test]
fn the_key_survives_a_restart_and_a_lost_key_sets_the_outbox_aside() {
    if !keyring_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut keys = TestKeys::new();
    let a = owner("https://aduan.agency.gov.my", Uuid::new_v4());
    keys.2.push(a.id());
    Outboxes::new(dir.path(), keys.0.clone())
        .for_owner(&a)
        .unwrap()
        .push(identified_complaint(), None)
        .unwrap();
    // A restart: a new registry, the key from the keyring.
    let again = Outboxes::new(dir.path(), keys.0.clone());
    assert_eq!(again.for_owner(&a).unwrap().list().unwrap().len(), 1);
    // The keyring lost the key: the sealed outbox is kept aside, a new one starts.
    crate::secret::Secret::new(&keys.1, format!("outbox-key:{}", a.id()))
        .delete()
        .unwrap();
    let fresh = Outboxes::new(dir.path(), keys.0.clone());
    assert!(fresh.for_owner(&a).unwrap().list().unwrap().is_empty());
    let aside: Vec<_> = std::fs::read_dir(dir.path().join("outboxes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".no-key-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
}

#[test]
fn an_older_versions_plain_outbox_is_reported_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join(LEGACY_FILE);
    let line = r#"{"idempotency_key":"old-1","queued_at":1,"complaint":{"description":"lama"},"files":[]}"#;
    std::fs::write(&legacy, format!("{line}\n")).unwrap();
    let outboxes = Outboxes::new(dir.path(), OutboxKeys::new("unused"));
    assert_eq!(outboxes.legacy(), Some(legacy.clone()));
    // A new user's outbox does not take its items, and it stays as it was.
    let mine = Outbox::open(dir.path().join("outboxes/x"), "x", SealKey::random());
    assert!(mine.list().unwrap().is_empty());
    assert_eq!(
        std::fs::read_to_string(&legacy).unwrap(),
        format!("{line}\n")
    );
}
