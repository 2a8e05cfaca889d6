//! An OpenAI-compatible LLM simulator for demos and load tests (`aduan-server llm-sim`).
//!
//! It answers `POST /v1/chat/completions` with a VALID enrichment produced by the builtin
//! enricher on the complaint found between the prompt's delimiters, after a configurable
//! latency, and misbehaves on request: 429 beyond `--max-in-flight`, 500s at
//! `--error-rate`, non-JSON or schema-violating replies at `--garbage-rate`. Counters are
//! at `GET /stats` so benchmarks can check what the server really sent.

use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::enrich::{builtin, prompt};

/// Simulator options.
#[derive(Debug, Clone, clap::Args)]
pub struct SimConfig {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090", env = "ADUAN_SIM_LISTEN")]
    pub listen: SocketAddr,
    /// Reply latency in milliseconds, uniform in MIN-MAX (or a single value).
    #[arg(long, default_value = "200-800")]
    pub latency_ms: LatencyRange,
    /// Concurrent requests served; beyond this the answer is 429 with `Retry-After: 1`.
    #[arg(long, default_value_t = 64)]
    pub max_in_flight: u64,
    /// Share of requests answered with HTTP 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of replies that are not JSON or violate the schema (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub garbage_rate: f64,
    /// Seed for latency and fault draws, for reproducible runs.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            latency_ms: LatencyRange { min: 200, max: 800 },
            max_in_flight: 64,
            error_rate: 0.0,
            garbage_rate: 0.0,
            seed: None,
        }
    }
}

/// A uniform latency range in milliseconds, written `MIN-MAX` or `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyRange {
    pub min: u64,
    pub max: u64,
}

impl FromStr for LatencyRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |x: &str| {
            x.trim()
                .parse::<u64>()
                .map_err(|e| format!("bad latency {x:?}: {e}"))
        };
        let (min, max) = match s.split_once('-') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => (parse(s)?, parse(s)?),
        };
        if min > max {
            return Err(format!("latency range {min}-{max} is reversed"));
        }
        Ok(LatencyRange { min, max })
    }
}

/// Counters shown at `GET /stats`.
#[derive(Debug, Default)]
pub struct SimStats {
    pub requests: AtomicU64,
    pub in_flight: AtomicU64,
    pub max_in_flight_observed: AtomicU64,
    pub rate_limited: AtomicU64,
    pub errors: AtomicU64,
    pub garbage: AtomicU64,
    pub completed: AtomicU64,
}

impl SimStats {
    fn snapshot(&self) -> Value {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        json!({
            "requests": g(&self.requests), "in_flight": g(&self.in_flight),
            "max_in_flight_observed": g(&self.max_in_flight_observed), "rate_limited": g(&self.rate_limited),
            "errors": g(&self.errors), "garbage": g(&self.garbage), "completed": g(&self.completed),
        })
    }
}

struct Sim {
    cfg: SimConfig,
    rng: Mutex<StdRng>,
    stats: SimStats,
}

/// Decrements the in-flight count however the handler ends.
struct InFlight<'a>(&'a SimStats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The simulator's router.
pub fn router(cfg: SimConfig) -> Router {
    let rng = cfg
        .seed
        .map_or_else(StdRng::from_entropy, StdRng::seed_from_u64);
    let sim = Arc::new(Sim {
        cfg,
        rng: Mutex::new(rng),
        stats: SimStats::default(),
    });
    Router::new()
        .route("/v1/chat/completions", post(completions))
        .route("/chat/completions", post(completions))
        .route("/v1/models", get(models))
        .route("/stats", get(stats))
        .with_state(sim)
}

/// Serves the simulator on `listener` until `shutdown` resolves.
pub async fn serve(
    cfg: SimConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, ?cfg, "LLM simulator listening");
    axum::serve(listener, router(cfg))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn models() -> Json<Value> {
    Json(
        json!({"object": "list", "data": [{"id": "aduan-sim", "object": "model", "owned_by": "aduan"}]}),
    )
}

async fn stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(sim.stats.snapshot())
}

enum Fate {
    Normal,
    Error,
    Garbage(bool),
}

/// The parts of a chat-completions request the simulator reads. Everything else (the
/// schema, sampling options) is skipped unparsed: the simulator stands in for a remote
/// model and should cost as little CPU as it can beside the server it is measuring.
#[derive(Deserialize)]
struct ChatRequest<'a> {
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    messages: Vec<ChatMessage<'a>>,
}

#[derive(Deserialize)]
struct ChatMessage<'a> {
    #[serde(borrow)]
    role: Cow<'a, str>,
    /// Text content; content given as parts is not ours and reads as empty.
    #[serde(borrow, default, deserialize_with = "text_or_none")]
    content: Option<Cow<'a, str>>,
}

fn text_or_none<'de, D>(d: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Content<'a> {
        Text(#[serde(borrow)] Cow<'a, str>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Content::deserialize(d)? {
        Content::Text(t) => Some(t),
        Content::Other(_) => None,
    })
}

impl ChatRequest<'_> {
    fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.messages
            .iter()
            .filter_map(|m| Some((m.role.as_ref(), m.content.as_deref()?)))
    }
}

#[derive(Serialize)]
struct ChatCompletion<'a> {
    id: String,
    object: &'static str,
    created: i64,
    model: &'a str,
    choices: [Choice<'a>; 1],
    usage: Usage,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    message: AssistantMessage<'a>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct AssistantMessage<'a> {
    role: &'static str,
    content: &'a str,
    refusal: Option<&'a str>,
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: usize,
    completion_tokens: usize,
    total_tokens: usize,
}

fn error_body(message: &str, kind: &str) -> Json<Value> {
    Json(json!({"error": {"message": message, "type": kind}}))
}

async fn completions(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let req: ChatRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("request body is not a chat-completions request: {e}");
            return (
                StatusCode::BAD_REQUEST,
                error_body(&msg, "invalid_request_error"),
            )
                .into_response();
        }
    };
    let st = &sim.stats;
    st.requests.fetch_add(1, Ordering::Relaxed);
    let now = st.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _guard = InFlight(st);
    if now > sim.cfg.max_in_flight {
        st.rate_limited.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            error_body("simulated rate limit", "rate_limit_error"),
        )
            .into_response();
    }
    st.max_in_flight_observed.fetch_max(now, Ordering::Relaxed);
    let (latency, fate) = sim.draw();
    tokio::time::sleep(latency).await;
    let content = match fate {
        Fate::Error => {
            st.errors.fetch_add(1, Ordering::Relaxed);
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body("simulated server error", "server_error"),
            )
                .into_response();
        }
        Fate::Garbage(prose) => {
            st.garbage.fetch_add(1, Ordering::Relaxed);
            if prose {
                "Sure! The complaint seems to be about corruption.".to_owned()
            } else {
                bad_enrichment(&req)
            }
        }
        Fate::Normal => {
            st.completed.fetch_add(1, Ordering::Relaxed);
            enrichment_json(&req)
        }
    };
    let reply = serde_json::to_vec(&completion(&req, &content)).expect("completion serialises");
    ([(header::CONTENT_TYPE, "application/json")], reply).into_response()
}

impl Sim {
    fn draw(&self) -> (Duration, Fate) {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let LatencyRange { min, max } = self.cfg.latency_ms;
        let latency = Duration::from_millis(rng.gen_range(min..=max));
        let fate = if rng.gen::<f64>() < self.cfg.error_rate {
            Fate::Error
        } else if rng.gen::<f64>() < self.cfg.garbage_rate {
            Fate::Garbage(rng.gen::<bool>())
        } else {
            Fate::Normal
        };
        (latency, fate)
    }
}

/// The complaint and received date from the first user message carrying the delimiters
/// (a repair request repeats the original exchange, so the complaint is still there).
fn complaint(req: &ChatRequest) -> (String, chrono::NaiveDate) {
    let found = req
        .texts()
        .filter(|(role, _)| *role == "user")
        .find_map(|(_, text)| prompt::extract_complaint(text));
    let today = chrono::Utc::now().date_naive();
    match found {
        Some((text, date)) => (text.to_owned(), date.unwrap_or(today)),
        // Not our prompt: enrich the last user message as a whole.
        None => {
            let last = req
                .texts()
                .filter(|(role, _)| *role == "user")
                .last()
                .map_or("", |(_, text)| text);
            (last.to_owned(), today)
        }
    }
}

fn enrichment_json(req: &ChatRequest) -> String {
    let (text, received) = complaint(req);
    serde_json::to_string(&builtin::enrich(&text, received)).expect("enrichment serialises")
}

/// A well-formed JSON object that breaks the taxonomy, to exercise repair paths.
fn bad_enrichment(req: &ChatRequest) -> String {
    let (text, received) = complaint(req);
    let mut v =
        serde_json::to_value(builtin::enrich(&text, received)).expect("enrichment serialises");
    v["classification"]["category"] = json!("bribery_general");
    v["evidence_quotes"] = json!(["a quote that is not in the complaint"]);
    v.to_string()
}

fn completion<'a>(req: &'a ChatRequest, content: &'a str) -> ChatCompletion<'a> {
    let prompt_chars: usize = req.texts().map(|(_, text)| text.len()).sum();
    // Roughly four characters per token, as for English text with common tokenizers.
    let (prompt_tokens, completion_tokens) = (prompt_chars / 4, content.len() / 4);
    ChatCompletion {
        id: format!("chatcmpl-sim-{}", uuid::Uuid::new_v4().simple()),
        object: "chat.completion",
        created: chrono::Utc::now().timestamp(),
        model: req.model.as_deref().unwrap_or("aduan-sim"),
        choices: [Choice {
            index: 0,
            message: AssistantMessage {
                role: "assistant",
                content,
                refusal: None,
            },
            finish_reason: "stop",
        }],
        usage: Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{EnrichRequest, Enricher, LlmConfig};

    #[test]
    fn latency_range_parses() {
        assert_eq!(
            "2000-5000".parse::<LatencyRange>().unwrap(),
            LatencyRange {
                min: 2000,
                max: 5000
            }
        );
        assert_eq!(
            "5".parse::<LatencyRange>().unwrap(),
            LatencyRange { min: 5, max: 5 }
        );
        assert!("9-1".parse::<LatencyRange>().is_err());
    }

    #[test]
    fn requests_are_read_without_the_fields_the_simulator_ignores() {
        let body = br#"{"model": "m", "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}},
            "messages": [{"role": "system", "content": "rules"},
                         {"role": "user", "content": [{"type": "text", "text": "parts"}]},
                         {"role": "user", "content": "Complaint received on 2025-03-14. x\n<complaint>\nRM50 \"kopi\"\n</complaint>"}]}"#;
        let req: ChatRequest = serde_json::from_slice(body).unwrap();
        let texts: Vec<_> = req.texts().map(|(role, _)| role).collect();
        assert_eq!(texts, ["system", "user"], "content parts read as no text");
        let (text, date) = complaint(&req);
        assert_eq!(text, "RM50 \"kopi\"");
        assert_eq!(date, chrono::NaiveDate::from_ymd_opt(2025, 3, 14).unwrap());
        let reply: Value =
            serde_json::to_value(completion(&req, "{}")).expect("completion serialises");
        assert_eq!(reply["model"], "m");
        assert_eq!(reply["choices"][0]["message"]["content"], "{}");
        assert_eq!(reply["choices"][0]["message"]["refusal"], Value::Null);
        assert!(serde_json::from_slice::<ChatRequest>(b"[1]").is_err());
    }

    #[tokio::test]
    async fn openai_provider_gets_valid_results_from_the_simulator() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cfg = SimConfig {
            latency_ms: LatencyRange { min: 0, max: 5 },
            seed: Some(7),
            ..SimConfig::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(cfg, listener, async {
            rx.await.ok();
        }));
        let enricher = Enricher::from_config(LlmConfig {
            url: Some(format!("http://{addr}/v1")),
            model: Some("sim".into()),
            ..LlmConfig::default()
        })
        .unwrap();
        let req = EnrichRequest {
            complaint_id: uuid::Uuid::new_v4(),
            text: "Pegawai JPJ di Ipoh meminta RM300 supaya saya tidak disaman semalam.".into(),
            received: chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
        };
        let out = enricher.enrich(&req).await.unwrap();
        assert_eq!(out.provenance.provider, "openai");
        assert_eq!(out.provenance.fallback_reason, None);
        assert_eq!(out.result.classification.category, "solicit_accept_bribe");
        assert_eq!(out.result.five_w1h.when.date.as_deref(), Some("2025-03-14"));
        let stats: Value = reqwest::get(format!("http://{addr}/stats"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stats["requests"], 1);
        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
