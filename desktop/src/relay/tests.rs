//! The relay against a real local socket: where requests go, and with which token.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::server_url::ServerUrl;

/// Accept one request, answer it, and return the request's head (lower-cased).
async fn answer(listener: TcpListener) -> String {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = r#"{"ok":true}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\netag: \"v7\"\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(reply.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&buf).to_lowercase()
}

async fn listener() -> (TcpListener, ServerUrl) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = ServerUrl::parse(&format!(
        "http://127.0.0.1:{}",
        l.local_addr().unwrap().port()
    ));
    (l, url.unwrap())
}

#[tokio::test]
async fn requests_go_to_the_signed_in_server_with_the_cores_token_only() {
    let (l, server) = listener().await;
    let replied = tokio::spawn(answer(l));
    let client = Client::new(&server, "core-token").unwrap();
    let req = Request {
        method: "GET".into(),
        path: "/cases/1".into(),
        headers: vec![
            ("Authorization".into(), "Bearer stolen".into()),
            ("If-Match".into(), "\"v6\"".into()),
            ("Host".into(), "evil.example".into()),
        ],
        body: None,
    };
    let (head, body) = client.relay(&req).await.unwrap();
    let seen = replied.await.unwrap();
    assert!(seen.starts_with("get /api/v1/cases/1 "), "{seen}");
    assert!(seen.contains("authorization: bearer core-token"), "{seen}");
    assert!(
        !seen.contains("stolen") && !seen.contains("evil.example"),
        "{seen}"
    );
    assert!(seen.contains("if-match: \"v6\""), "{seen}");
    assert_eq!((head.status, head.etag.as_deref()), (200, Some("\"v7\"")));
    assert_eq!(&body[..], br#"{"ok":true}"#);
}

#[tokio::test]
async fn a_path_naming_another_host_is_refused_before_anything_is_sent() {
    let (_l, server) = listener().await;
    let client = Client::new(&server, "core-token").unwrap();
    for path in [
        "http://evil.example/x",
        "//evil.example/x",
        "/../../../etc",
        "x",
    ] {
        let req = Request {
            method: "GET".into(),
            path: path.into(),
            ..Request::default()
        };
        assert!(
            matches!(client.relay(&req).await, Err(ClientError::InvalidUrl(_))),
            "{path}"
        );
    }
}

#[test]
fn the_frame_is_length_head_then_body() {
    let head = Head {
        status: 404,
        etag: None,
        retry_after: Some("30".into()),
        content_type: None,
    };
    let framed = frame(&head, b"\x00\xffbody");
    let n = u32::from_be_bytes(framed[..4].try_into().unwrap()) as usize;
    let json: serde_json::Value = serde_json::from_slice(&framed[4..4 + n]).unwrap();
    assert_eq!(
        (json["status"].as_u64(), json["retry_after"].as_str()),
        (Some(404), Some("30"))
    );
    assert_eq!(&framed[4 + n..], b"\x00\xffbody");
}
