//! The outbox on a real temporary directory, and its flush against a real local socket.

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

fn complaint(n: u32) -> serde_json::Value {
    json!({ "channel": "walk_in", "description": format!("complaint {n}") })
}

#[test]
fn push_then_list_in_order_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    assert!(outbox.list().unwrap().is_empty());
    let a = outbox.push(complaint(1), None).unwrap();
    let b = outbox.push(complaint(2), Some("ui-key".into())).unwrap();
    assert_eq!(b.idempotency_key, "ui-key");
    assert_ne!(a.idempotency_key, b.idempotency_key);
    // A new instance (app restart) sees the same items.
    assert_eq!(Outbox::new(dir.path()).list().unwrap(), vec![a, b]);
}

#[test]
fn remove_drops_only_that_item() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    let a = outbox.push(complaint(1), None).unwrap();
    let b = outbox.push(complaint(2), None).unwrap();
    outbox.remove(&a.idempotency_key).unwrap();
    outbox.remove("no-such-key").unwrap();
    assert_eq!(outbox.list().unwrap(), vec![b]);
    assert!(!dir.path().join("outbox.jsonl.tmp").exists());
}

#[test]
fn a_torn_last_line_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    let a = outbox.push(complaint(1), None).unwrap();
    let mut f = OpenOptions::new()
        .append(true)
        .open(dir.path().join(FILE))
        .unwrap();
    f.write_all(b"{\"idempotency_key\":\"half").unwrap();
    assert_eq!(outbox.list().unwrap(), vec![a]);
}

/// A port with nothing listening: connecting fails at once.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn flush_keeps_everything_while_the_server_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    outbox.push(complaint(1), None).unwrap();
    let client = Client::new(&format!("http://127.0.0.1:{}", closed_port().await), "t").unwrap();
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
    let outbox = Outbox::new(dir.path());
    outbox.push(complaint(1), Some("key-1".into())).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(answer_once(
        listener,
        "202 Accepted",
        r#"{"reference":"ADU-2026-000001"}"#,
    ));
    let client = Client::new(&format!("http://127.0.0.1:{port}"), "tok").unwrap();
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
    let outbox = Outbox::new(dir.path());
    outbox.push(complaint(1), Some("bad".into())).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(answer_once(
        listener,
        "422 Unprocessable Entity",
        r#"{"code":"validation","message":"too short"}"#,
    ));
    let client = Client::new(&format!("http://127.0.0.1:{port}"), "tok").unwrap();
    let report = outbox.flush(&client).await.unwrap();
    server.await.unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].0, "bad");
    assert_eq!(report.remaining, 1);
}
