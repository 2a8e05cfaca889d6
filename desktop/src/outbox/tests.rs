//! The outbox on a real temporary directory, and its flush against a real local socket.
//! Ownership and sealing: `tests/owners.rs`.

use std::path::Path;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::server_url::ServerUrl;

mod owners;

/// An outbox in `dir` with a fixed owner id and a fresh key.
fn outbox_in(dir: &Path) -> Outbox {
    Outbox::open(dir, "owner-a", SealKey::random())
}

fn client(port: u16) -> Client {
    let server = ServerUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    Client::new(&server, "tok").unwrap()
}

fn complaint(n: u32) -> serde_json::Value {
    json!({ "channel": "walk_in", "description": format!("complaint {n}") })
}

#[test]
fn push_then_list_in_order_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let key = SealKey::random();
    let outbox = Outbox::open(dir.path(), "owner-a", key.clone());
    assert!(outbox.list().unwrap().is_empty());
    let a = outbox.push(complaint(1), None).unwrap();
    let b = outbox.push(complaint(2), Some("ui-key".into())).unwrap();
    assert_eq!(b.idempotency_key, "ui-key");
    assert_ne!(a.idempotency_key, b.idempotency_key);
    // A new instance (app restart) with the same key sees the same items.
    let reopened = Outbox::open(dir.path(), "owner-a", key);
    assert_eq!(reopened.list().unwrap(), vec![a, b]);
}

#[test]
fn remove_drops_only_that_item() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    let a = outbox.push(complaint(1), None).unwrap();
    let b = outbox.push(complaint(2), None).unwrap();
    outbox.remove(&a.idempotency_key).unwrap();
    outbox.remove("no-such-key").unwrap();
    assert_eq!(outbox.list().unwrap(), vec![b]);
    assert!(!dir.path().join("queue.sealed.tmp").exists());
}

/// A port with nothing listening: connecting fails at once.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn flush_keeps_everything_while_the_server_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    outbox.push(complaint(1), None).unwrap();
    let client = client(closed_port().await);
    let report = outbox.flush(&client).await.unwrap();
    assert!(report.sent.is_empty() && report.rejected.is_empty());
    assert_eq!(report.remaining, 1);
}

/// Accept one HTTP request, answer `status` with `body`, and return the request's head.
async fn answer_once(listener: TcpListener, status: &'static str, body: &'static str) -> String {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Read until the JSON body has ended (the test bodies are one small object).
    while !buf.ends_with(b"}") {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(reply.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&buf).to_lowercase()
}

#[tokio::test]
async fn flush_sends_with_the_idempotency_key_and_removes_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    outbox.push(complaint(1), Some("key-1".into())).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(answer_once(
        listener,
        "202 Accepted",
        r#"{"reference":"ADU-2026-000001"}"#,
    ));
    let client = client(port);
    let report = outbox.flush(&client).await.unwrap();
    let head = server.await.unwrap();
    assert!(head.starts_with("post /api/v1/complaints "), "{head}");
    assert!(head.contains("idempotency-key: key-1"), "{head}");
    assert!(head.contains("authorization: bearer tok"), "{head}");
    assert_eq!(report.sent.len(), 1);
    assert_eq!(report.sent[0].1["reference"], "ADU-2026-000001");
    assert_eq!(report.remaining, 0);
    assert!(outbox.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_rejected_complaint_stays_queued_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    outbox.push(complaint(1), Some("bad".into())).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(answer_once(
        listener,
        "422 Unprocessable Entity",
        r#"{"code":"validation","message":"too short"}"#,
    ));
    let client = client(port);
    let report = outbox.flush(&client).await.unwrap();
    server.await.unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].0, "bad");
    assert_eq!(report.remaining, 1);
}

fn upload(dir: &Path, name: &str, bytes: &[u8]) -> UploadFile {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    UploadFile::plain(path, name.into())
}

#[test]
fn files_are_copied_so_the_originals_may_go_and_removing_deletes_the_copies() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    let files = [
        upload(src.path(), "a.jpg", b"jpeg bytes"),
        upload(src.path(), "b.pdf", b"%PDF-1.4"),
    ];
    let item = outbox
        .push_with_files(complaint(1), Some("k-1".into()), &files)
        .unwrap();
    drop(src); // the originals are gone
    let listed = outbox.list().unwrap();
    assert_eq!(listed, vec![item.clone()]);
    assert_eq!(
        item.files,
        vec![
            QueuedFile {
                name: "a.jpg".into(),
                size: 10
            },
            QueuedFile {
                name: "b.pdf".into(),
                size: 8
            },
        ]
    );
    let copies = dir.path().join("files/k-1");
    assert!(copies.join("1").exists());
    outbox.remove("k-1").unwrap();
    assert!(!copies.exists() && outbox.list().unwrap().is_empty());
}

#[test]
fn a_key_that_is_not_a_plain_token_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    let item = outbox.push(complaint(1), Some("../../etc".into())).unwrap();
    assert_ne!(item.idempotency_key, "../../etc");
    assert!(uuid::Uuid::parse_str(&item.idempotency_key).is_ok());
}

/// Accept one multipart request, answer 202, and return the whole request as text.
async fn accept_multipart(listener: TcpListener) -> String {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // The closing boundary ends with `--` and CRLF.
    while !buf.ends_with(b"--\r\n") {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = r#"{"reference":"ADU-2026-000002"}"#;
    let reply = format!(
        "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(reply.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn flush_sends_the_kept_files_as_multipart_parts() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let outbox = outbox_in(dir.path());
    let files = [upload(src.path(), "slip.txt", b"receipt RM 5,000")];
    outbox
        .push_with_files(complaint(7), Some("key-7".into()), &files)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(accept_multipart(listener));
    let client = client(port);
    let report = outbox.flush(&client).await.unwrap();
    let request = server.await.unwrap();
    assert!(request.contains("multipart/form-data"), "{request}");
    assert!(request.contains("name=\"complaint\""), "{request}");
    assert!(request.contains("complaint 7"), "{request}");
    assert!(request.contains("filename=\"slip.txt\""), "{request}");
    assert!(request.contains("receipt RM 5,000"), "{request}");
    assert_eq!((report.sent.len(), report.remaining), (1, 0));
    assert!(!dir.path().join("files/key-7").exists());
}
