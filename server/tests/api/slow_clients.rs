//! Clients that open connections and send nothing useful (slowloris): closed after the
//! header deadline, never more connections than the limit, and normal clients served
//! meanwhile.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::spawn_app_with;

/// Wait until the server closes `stream` (a read returns 0 or an error); the time it took.
async fn closed_within(mut stream: TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout_at(
            tokio::time::Instant::from_std(start + limit),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            // A 408 or 400 reply before the close is fine; keep reading to the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn half_sent_headers_are_closed_and_others_are_served_meanwhile() {
    let app = spawn_app_with(|a| {
        a.header_timeout_s = 2;
        a.idle_timeout_s = 5;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    // While they hang, a normal client gets its answers.
    for _ in 0..5 {
        let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let closes = futures::future::join_all(
        slow.into_iter()
            .map(|s| closed_within(s, Duration::from_secs(30))),
    )
    .await;
    let open = closes.iter().filter(|c| c.is_none()).count();
    assert_eq!(
        open, 0,
        "{open} of 300 half-sent requests still open after 30 s"
    );
    app.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_and_idle_ones_are_closed() {
    let app = spawn_app_with(|a| {
        a.max_connections = 8;
        a.header_timeout_s = 30;
        a.idle_timeout_s = 2;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Eight connections that send nothing take every slot, until the idle deadline.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    let started = Instant::now();
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "a ninth connection was served at once: {:?}",
        started.elapsed()
    );
    for s in idle {
        assert!(closed_within(s, Duration::from_secs(10)).await.is_some());
    }
    app.stop().await;
}
