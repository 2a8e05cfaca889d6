//! An event-stream client as the desktop app is one: it reads `GET /api/v1/events`, and
//! when the stream breaks it connects again with `Last-Event-ID` (through the load
//! balancer, so usually to another instance).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

/// One event as received: (event id, kind, complaint id).
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
        // The SSE id as sent: the stream's position, which resuming hands back.
        let mut last: Option<String> = None;
        while !stop.is_cancelled() {
            let mut req = client.get(format!("{base}/api/v1/events"));
            if let Some(id) = &last {
                req = req.header("Last-Event-ID", id);
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
                        if let Some((position, event)) = parse(&block) {
                            last = Some(position);
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

/// An event with an id (not a keep-alive or the admins' processing figures), and the
/// position its SSE id names. The event's own id is the SSE id's first part.
fn parse(block: &str) -> Option<(String, Received)> {
    let (mut id, mut kind, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().to_string());
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
    let id = id?;
    let event: i64 = id.split('~').next()?.parse().ok()?;
    Some((id, (event, kind?, complaint)))
}
