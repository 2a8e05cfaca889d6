//! After sign-in the web view cannot choose where requests go: the address it might pass
//! is not a parameter, and a request names only a path on the core's server.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::server_url::ServerUrl;
use crate::signed_in::Active;

async fn serve_once(listener: TcpListener) -> String {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0);
        buf.extend_from_slice(&chunk[..n]);
    }
    let reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    sock.write_all(reply.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&buf).to_lowercase()
}

fn user() -> serde_json::Value {
    serde_json::json!({"id": "6f1c6f0e-1f0a-4c59-9d3a-2b2f4c1d9e10", "username": "kaunter"})
}

#[tokio::test]
async fn a_webview_supplied_address_is_ignored_after_sign_in() {
    let ours = TcpListener::bind("127.0.0.1:0").await.unwrap();
    // Checked without waiting: a connection made to it would already be queued.
    let theirs = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    theirs.set_nonblocking(true).unwrap();
    let (our_port, their_port) = (
        ours.local_addr().unwrap().port(),
        theirs.local_addr().unwrap().port(),
    );
    let signed_in = SignedIn::default();
    let server = ServerUrl::parse(&format!("http://127.0.0.1:{our_port}")).unwrap();
    signed_in.set(Active::new(server, "tok".into(), user()).unwrap());
    let served = tokio::spawn(serve_once(ours));
    // What a script might send: its own server beside the request. Not a field of the
    // request, so it is dropped as the command's arguments are read.
    let request: Request = serde_json::from_value(serde_json::json!({
        "method": "GET",
        "path": "/me",
        "server": format!("http://127.0.0.1:{their_port}"),
        "url": format!("http://127.0.0.1:{their_port}/api/v1/me"),
    }))
    .unwrap();
    relay(&signed_in, &request).await.unwrap();
    assert!(served.await.unwrap().starts_with("get /api/v1/me "));
    // Nothing reached the other address.
    let err = theirs.accept().unwrap_err();
    assert_eq!(
        err.kind(),
        std::io::ErrorKind::WouldBlock,
        "a request reached the address the web view named"
    );
    // Nor can a path lead there.
    let sneaky = Request {
        method: "GET".into(),
        path: format!("//127.0.0.1:{their_port}/api/v1/me"),
        ..Request::default()
    };
    assert!(relay(&signed_in, &sneaky).await.is_err());
}

#[tokio::test]
async fn nothing_is_relayed_when_nobody_is_signed_in() {
    let request = Request {
        method: "GET".into(),
        path: "/me".into(),
        ..Request::default()
    };
    let err = relay(&SignedIn::default(), &request).await.unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.status),
        ("not_signed_in", Some(401))
    );
}
