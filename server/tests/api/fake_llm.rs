//! A fake OpenAI-compatible provider for queue tests: answers `/v1/chat/completions` with
//! a valid enrichment (the builtin enricher's reading of the complaint in the prompt),
//! after a configurable latency, or with a scripted failure; and counts what it saw,
//! including the most calls it ever had in flight at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the next calls get.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Ok,
    /// 429 with `Retry-After: n` seconds.
    RateLimited(u64),
    ServerError,
}

#[derive(Default)]
pub struct Counters {
    pub requests: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub ok: AtomicUsize,
    /// Successful replies per complaint text (to find double processing).
    pub per_complaint: Mutex<HashMap<String, usize>>,
}

struct Inner {
    mode: Mutex<Mode>,
    latency: Mutex<Duration>,
    /// Scripted failures served before `mode` applies: (mode, count left).
    script: Mutex<Option<(Mode, usize)>>,
    counters: Counters,
}

#[derive(Clone)]
pub struct FakeLlm {
    inner: Arc<Inner>,
    pub url: String,
}

impl FakeLlm {
    pub async fn start(latency: Duration) -> FakeLlm {
        let inner = Arc::new(Inner {
            mode: Mutex::new(Mode::Ok),
            latency: Mutex::new(latency),
            script: Mutex::new(None),
            counters: Counters::default(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeLlm { inner, url }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = mode;
    }

    pub fn set_latency(&self, latency: Duration) {
        *self.inner.latency.lock().unwrap() = latency;
    }

    /// The next `count` calls get `mode`, then the normal mode again.
    pub fn script(&self, mode: Mode, count: usize) {
        *self.inner.script.lock().unwrap() = Some((mode, count));
    }

    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }

    pub fn max_in_flight(&self) -> usize {
        self.inner.counters.max_in_flight.load(SeqCst)
    }

    /// Start counting the most calls at once afresh (from those in flight now).
    pub fn reset_max_in_flight(&self) {
        let c = &self.inner.counters;
        c.max_in_flight.store(c.in_flight.load(SeqCst), SeqCst);
    }

    pub fn in_flight(&self) -> usize {
        self.inner.counters.in_flight.load(SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.inner.counters.requests.load(SeqCst)
    }
}

struct InFlight<'a>(&'a Counters);

impl<'a> InFlight<'a> {
    fn enter(c: &'a Counters) -> Self {
        let now = c.in_flight.fetch_add(1, SeqCst) + 1;
        c.max_in_flight.fetch_max(now, SeqCst);
        InFlight(c)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, SeqCst);
    }
}

async fn complete(State(inner): State<Arc<Inner>>, Json(body): Json<Value>) -> Response {
    inner.counters.requests.fetch_add(1, SeqCst);
    let _guard = InFlight::enter(&inner.counters);
    let latency = *inner.latency.lock().unwrap();
    tokio::time::sleep(latency).await;
    let mode = {
        let mut script = inner.script.lock().unwrap();
        match script.as_mut() {
            Some((mode, left)) if *left > 0 => {
                *left -= 1;
                *mode
            }
            _ => *inner.mode.lock().unwrap(),
        }
    };
    match mode {
        Mode::RateLimited(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", secs.to_string())],
            Json(json!({"error": {"message": "rate limited"}})),
        )
            .into_response(),
        Mode::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "upstream exploded"}})),
        )
            .into_response(),
        Mode::Ok => ok_reply(&inner, &body),
    }
}

fn ok_reply(inner: &Inner, body: &Value) -> Response {
    let user = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    let (text, date) =
        aduan_server::enrich::prompt::extract_complaint(user).expect("delimited complaint");
    let received = date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let result = aduan_server::enrich::builtin::enrich(text, received);
    *inner
        .counters
        .per_complaint
        .lock()
        .unwrap()
        .entry(text.lines().next().unwrap_or("").to_string())
        .or_default() += 1;
    inner.counters.ok.fetch_add(1, SeqCst);
    Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": result_json(&result)}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 300, "total_tokens": 1200}
    }))
    .into_response()
}

fn result_json(result: &aduan_api::enrichment::Enrichment) -> String {
    serde_json::to_string(result).unwrap()
}
