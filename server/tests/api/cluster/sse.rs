//! An event-stream client as the desktop app is one: it reads `GET /api/v1/events`, and
//! when the stream breaks it connects again with `Last-Event-ID` (through the load
//! balancer, so usually to another instance).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

/// One event as received: (id, kind, complaint id).
pub type Received = (i64, String, String);

#[derive(Default)]
pub struct Log {
    pub events: Vec<Received>,
    /// Streams that ended or broke and were resumed.
    pub resumes: usize,
}

/// Reads events until `stop`; the log fills as they come.
pub fn follow(base: String, token: String, stop: CancellationToken) -> Arc<Mutex<Log>> {
    let log = Arc::new(Mutex::new(Log::default()));
    let out = log.clone();
    tokio::spawn(async move {
        let client = crate::helpers::client_with(Some(&token));
        let mut last: Option<i64> = None;
        while !stop.is_cancelled() {
            let mut req = client.get(format!("{base}/api/v1/events"));
            if let Some(id) = last {
                req = req.header("Last-Event-ID", id.to_string());
            }
            let resp = tokio::select! {
                r = req.send() => r,
                _ = stop.cancelled() => return,
            };
            if let Ok(resp) = resp.and_then(|r| r.error_for_status()) {
                let mut body = resp.bytes_stream();
                let mut buf = String::new();
                loop {
                    let chunk = tokio::select! {
                        c = body.next() => c,
                        _ = stop.cancelled() => return,
                    };
                    let Some(Ok(chunk)) = chunk else { break };
                    buf.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buf.find("\n\n") {
                        let block: String = buf.drain(..end + 2).collect();
                        if let Some(event) = parse(&block) {
                            last = Some(event.0);
                            out.lock().unwrap().events.push(event);
                        }
                    }
                }
            }
            if stop.is_cancelled() {
                return;
            }
            out.lock().unwrap().resumes += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    log
}

/// An event with an id (not a keep-alive or the admins' processing figures).
fn parse(block: &str) -> Option<Received> {
    let (mut id, mut kind, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = v.trim().parse::<i64>().ok();
        } else if let Some(v) = line.strip_prefix("event:") {
            kind = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("data:") {
            data = serde_json::from_str::<serde_json::Value>(v.trim()).ok();
        }
    }
    let data = data?;
    let complaint = data["complaint_id"]
        .as_str()
        .or(data["id"].as_str())
        .unwrap_or_default()
        .to_string();
    Some((id?, kind?, complaint))
}
