//! The `openai` provider: any OpenAI-compatible chat-completions endpoint (OpenAI,
//! OpenRouter, vLLM, Ollama, llama.cpp, LM Studio) over reqwest.
//!
//! One structured call with a strict `json_schema`; a truncated reply is retried once with
//! more tokens; an invalid one is repaired once by naming its errors. Only transport
//! failures (429, timeout, 5xx, connection) are returned as errors, for the queue to retry.
//! Everything else ends in the builtin fallback, flagged for review, raw replies kept.

use std::time::{Duration, Instant, SystemTime};

use aduan_api::enrichment::Enrichment;
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::parse::{self, ReplyProblem};
use super::prompt::Message;
use super::{
    prompt, schema, validate, EnrichOutcome, EnrichRequest, LlmConfig, Provenance, ProviderError,
};

/// `max_tokens` of the first call unless `extra` sets one.
const DEFAULT_MAX_TOKENS: u64 = 4096;
/// The length retry asks for this many times more tokens.
const LENGTH_RETRY_FACTOR: u64 = 4;
/// Longest piece of an error body kept in a reason.
const SNIPPET: usize = 300;

/// An OpenAI-compatible provider.
#[derive(Debug)]
pub struct OpenAiProvider {
    client: reqwest::Client,
    endpoint: String,
    model: Option<String>,
    api_key: Option<SecretString>,
    timeout: Duration,
    /// `max_tokens`, or `max_completion_tokens` when `extra` names that one.
    tokens_key: &'static str,
    /// `max_tokens` of the first call: from `extra`, else [`DEFAULT_MAX_TOKENS`].
    initial_max_tokens: u64,
    /// Every field of the request body but the token limit and the messages, serialised
    /// once: the schema and `extra` are the same in every call, and re-serialising them
    /// per call cost more CPU than the rest of a job's cycle.
    body_head: String,
}

/// What one HTTP exchange produced, short of a transport error.
enum Reply {
    /// A completion body, parsed, and as it came.
    Body(Value, Box<RawValue>),
    /// A 4xx other than 429, or a body that is not JSON: retrying will not help.
    Rejected(String),
}

/// Calls, tokens and raw replies of one enrichment, across retries and repair.
#[derive(Default)]
struct Log {
    calls: u32,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    raw: Vec<Box<RawValue>>,
}

impl Log {
    /// The replies so far as one JSON array, each body as it came.
    fn raw_reply(&self) -> Box<RawValue> {
        serde_json::value::to_raw_value(&self.raw).expect("raw JSON serialises")
    }

    fn add_usage(&mut self, c: &parse::Completion) {
        let add = |a: Option<u32>, b: Option<u32>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.prompt_tokens = add(self.prompt_tokens, c.prompt_tokens);
        self.completion_tokens = add(self.completion_tokens, c.completion_tokens);
    }
}

/// The outcome of one call as far as content goes.
enum Content {
    Valid(Box<Enrichment>),
    /// Unusable for a reason that a repair call may fix: the reply text and the errors.
    Invalid(String, Vec<String>),
    /// Unusable for good (refusal, rejected request, truncated twice).
    Fatal(String),
    Truncated,
}

impl OpenAiProvider {
    /// A provider for `cfg.url` (base URL, e.g. `http://127.0.0.1:11434/v1`).
    pub fn new(cfg: &LlmConfig) -> anyhow::Result<Self> {
        let url = cfg
            .url
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("no LLM URL configured"))?;
        let base = reqwest::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid LLM URL: {e}"))?;
        let extra = match &cfg.extra {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => anyhow::bail!("LLM extra request fields must be a JSON object"),
        };
        let client = reqwest::Client::builder().timeout(cfg.timeout).build()?;
        // Newer OpenAI models take `max_completion_tokens` and reject `max_tokens`.
        let tokens_key = if extra.contains_key("max_completion_tokens") {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        let initial_max_tokens = extra
            .get("max_completion_tokens")
            .or_else(|| extra.get("max_tokens"))
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_MAX_TOKENS);
        Ok(OpenAiProvider {
            client,
            endpoint: format!("{}/chat/completions", base.as_str().trim_end_matches('/')),
            model: cfg.model.clone(),
            api_key: cfg.api_key.clone(),
            timeout: cfg.timeout,
            tokens_key,
            initial_max_tokens,
            body_head: body_head(cfg.model.as_deref(), extra, tokens_key),
        })
    }

    /// Enriches one complaint; see the module docs for what is retried where.
    #[tracing::instrument(skip_all, fields(complaint_id = %req.complaint_id, model = self.model.as_deref().unwrap_or("")))]
    pub async fn enrich(&self, req: &EnrichRequest) -> Result<EnrichOutcome, ProviderError> {
        let started = Instant::now();
        let mut log = Log::default();
        let first_max = self.initial_max_tokens;
        let messages = prompt::messages(req);
        let mut content = self.attempt(&messages, first_max, req, &mut log).await?;
        if matches!(content, Content::Truncated) {
            tracing::info!("reply truncated; retrying once with more tokens");
            content = self
                .attempt(&messages, first_max * LENGTH_RETRY_FACTOR, req, &mut log)
                .await?;
        }
        let mut repaired = false;
        if let Content::Invalid(reply, errors) = &content {
            tracing::info!(
                errors = errors.len(),
                "reply invalid; asking for one repair"
            );
            let repair = prompt::repair_messages(req, reply, errors);
            repaired = true;
            content = match self.attempt(&repair, first_max, req, &mut log).await? {
                Content::Invalid(_, errors) => Content::Fatal(format!(
                    "still invalid after one repair: {}",
                    errors.join("; ")
                )),
                Content::Truncated => Content::Fatal("repair reply truncated".into()),
                other => other,
            };
        }
        let (kind, reason) = match content {
            Content::Valid(e) => {
                let needs_review = repaired || super::llm_needs_review(&e);
                let provenance = self.provenance(&log, started);
                return Ok(EnrichOutcome {
                    result: *e,
                    provenance,
                    needs_review,
                    raw_reply: Some(log.raw_reply()),
                });
            }
            Content::Truncated => (
                "truncated",
                "reply truncated even with more tokens".to_owned(),
            ),
            Content::Invalid(_, errors) => ("invalid", format!("invalid: {}", errors.join("; "))),
            Content::Fatal(reason) => ("unusable", reason),
        };
        Ok(self.fallback_after(req, kind, reason, log, started))
    }

    /// One call and the reading of its reply.
    async fn attempt(
        &self,
        messages: &[Message],
        max_tokens: u64,
        req: &EnrichRequest,
        log: &mut Log,
    ) -> Result<Content, ProviderError> {
        log.calls += 1;
        tracing::debug!(call = log.calls, max_tokens, "calling provider");
        let body = match self.post(self.body(messages, max_tokens)).await? {
            Reply::Rejected(reason) => {
                let entry = json!({ "rejected": reason });
                log.raw
                    .push(serde_json::value::to_raw_value(&entry).expect("JSON serialises"));
                return Ok(Content::Fatal(reason));
            }
            Reply::Body(parsed, raw) => {
                log.raw.push(raw);
                parsed
            }
        };
        let completion = parse::completion(&body);
        let completion = match completion {
            Ok(c) => c,
            Err(p) => return Ok(Content::Fatal(p.to_string())),
        };
        log.add_usage(&completion);
        Ok(match parse::json_object(&completion) {
            Ok(value) => check(value, &req.text, &completion.content),
            Err(ReplyProblem::Truncated) => Content::Truncated,
            Err(ReplyProblem::NoJson) => Content::Invalid(
                completion.content,
                vec!["the reply contains no JSON object".into()],
            ),
            Err(p) => Content::Fatal(p.to_string()),
        })
    }

    /// The request body: [`body_head`], then the token limit and the messages.
    fn body(&self, messages: &[Message], max_tokens: u64) -> String {
        let messages = prompt::to_json(messages);
        format!(
            "{}\"{}\":{max_tokens},\"messages\":{messages}}}",
            self.body_head, self.tokens_key
        )
    }

    /// POSTs the body and sorts the outcome into retryable errors and final answers.
    async fn post(&self, body: String) -> Result<Reply, ProviderError> {
        let mut request = self
            .client
            .post(&self.endpoint)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let resp = request.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = retry_after(resp.headers(), SystemTime::now());
            tracing::info!(?retry_after, "provider rate limited");
            return Err(ProviderError::RateLimited { retry_after });
        }
        let text = resp.text().await.map_err(|e| self.transport(e))?;
        // 408 is the server giving up on a slow request: as retryable as a 5xx.
        if status.is_server_error() || status == reqwest::StatusCode::REQUEST_TIMEOUT {
            return Err(ProviderError::Transient(format!(
                "HTTP {status}: {}",
                self.snippet(&text)
            )));
        }
        if !status.is_success() {
            tracing::warn!(%status, "provider rejected the request");
            return Ok(Reply::Rejected(format!(
                "HTTP {status}: {}",
                self.snippet(&text)
            )));
        }
        match serde_json::from_str(&text) {
            Ok(parsed) => {
                // The same parser accepted the text just above; were it ever to refuse
                // it here, the parsed form is kept instead (never a panic in a job).
                let raw = match RawValue::from_string(text) {
                    Ok(raw) => raw,
                    Err(_) => serde_json::value::to_raw_value(&parsed).expect("a value prints"),
                };
                Ok(Reply::Body(parsed, raw))
            }
            Err(_) => Ok(Reply::Rejected(format!(
                "reply body is not JSON: {}",
                self.snippet(&text)
            ))),
        }
    }

    fn transport(&self, e: reqwest::Error) -> ProviderError {
        if e.is_timeout() {
            return ProviderError::Timeout(self.timeout);
        }
        // The URL is dropped in case a backend takes its key as a query parameter.
        let e = e.without_url();
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        ProviderError::Transient(self.scrub(msg))
    }

    /// A short piece of a reply body, with the key removed should a proxy echo it.
    fn snippet(&self, text: &str) -> String {
        self.scrub(text.chars().take(SNIPPET).collect())
    }

    fn scrub(&self, text: String) -> String {
        match &self.api_key {
            Some(k) if !k.expose_secret().is_empty() && text.contains(k.expose_secret()) => {
                text.replace(k.expose_secret(), "[redacted]")
            }
            _ => text,
        }
    }

    fn provenance(&self, log: &Log, started: Instant) -> Provenance {
        Provenance {
            provider: "openai".into(),
            model: self.model.clone(),
            prompt_version: prompt::PROMPT_VERSION.into(),
            schema_hash: schema::schema_hash().into(),
            latency_ms: started.elapsed().as_millis() as u64,
            prompt_tokens: log.prompt_tokens,
            completion_tokens: log.completion_tokens,
            calls: log.calls,
            fallback_reason: None,
        }
    }

    /// The builtin result standing in, with the LLM's calls, tokens and replies recorded.
    /// The reason is stored with the result; the log gets its `kind` only, since the
    /// reason may quote the complaint or the model's reply.
    fn fallback_after(
        &self,
        req: &EnrichRequest,
        kind: &'static str,
        reason: String,
        log: Log,
        started: Instant,
    ) -> EnrichOutcome {
        tracing::warn!(
            kind,
            calls = log.calls,
            "LLM result unusable; using the builtin fallback"
        );
        let mut out = super::builtin_outcome(req, Some(reason));
        let p = &mut out.provenance;
        (p.calls, p.prompt_tokens, p.completion_tokens) =
            (log.calls, log.prompt_tokens, log.completion_tokens);
        p.latency_ms = started.elapsed().as_millis() as u64;
        out.raw_reply = Some(log.raw_reply());
        out
    }
}

/// The opening of every request body, up to and including the comma before the token
/// limit: our fields, then `extra` over them, less the two fields each call sets.
fn body_head(
    model: Option<&str>,
    mut extra: serde_json::Map<String, Value>,
    tokens_key: &str,
) -> String {
    let mut head = serde_json::Map::new();
    if let Some(m) = model {
        head.insert("model".into(), json!(m));
    }
    head.insert("temperature".into(), json!(0));
    let format = json!({"type": "json_schema", "json_schema": {"name": schema::SCHEMA_NAME, "strict": true, "schema": schema::enrichment_schema()}});
    head.insert("response_format".into(), format);
    extra.remove(tokens_key);
    extra.remove("messages");
    head.extend(extra);
    let mut text = serde_json::to_string(&head).expect("request fields serialise");
    text.pop(); // the closing brace: the per-call fields follow
    text.push(',');
    text
}

/// Deserialises, normalises and validates one JSON object against the complaint.
fn check(value: Value, text: &str, reply: &str) -> Content {
    let mut e: Enrichment = match serde_json::from_value(value) {
        Ok(e) => e,
        Err(err) => {
            return Content::Invalid(
                reply.to_owned(),
                vec![format!("the JSON does not match the schema: {err}")],
            )
        }
    };
    validate::normalize(&mut e);
    let errors = validate::validate(&e, text);
    if errors.is_empty() {
        Content::Valid(Box::new(e))
    } else {
        Content::Invalid(reply.to_owned(), prompt::describe(&errors))
    }
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn body_puts_extra_over_our_fields_and_names_each_field_once() {
        let cfg = LlmConfig {
            url: Some("http://127.0.0.1:9/v1".into()),
            model: Some("m".into()),
            extra: Some(json!({
                "temperature": 0.3, "max_completion_tokens": 900, "messages": "not these", "seed": 4
            })),
            ..LlmConfig::default()
        };
        let p = OpenAiProvider::new(&cfg).unwrap();
        assert_eq!(p.initial_max_tokens, 900);
        let req = EnrichRequest {
            complaint_id: uuid::Uuid::nil(),
            text: "Pegawai meminta \"duit kopi\" RM50.".into(),
            received: chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
        };
        let text = p.body(&prompt::messages(&req), 3600);
        for key in [
            "\"temperature\"",
            "\"max_completion_tokens\"",
            "\"messages\"",
            "\"model\"",
        ] {
            assert_eq!(text.matches(key).count(), 1, "{key} in {text}");
        }
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["model"], "m");
        assert_eq!(body["temperature"], 0.3);
        assert_eq!(body["seed"], 4);
        assert_eq!(body["max_completion_tokens"], 3600);
        assert!(body.get("max_tokens").is_none());
        assert_eq!(body["response_format"]["json_schema"]["strict"], true);
        let messages = body["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0]["role"], "system");
        assert!(messages[1]["content"]
            .as_str()
            .unwrap()
            .contains("\"duit kopi\""));
    }

    #[test]
    fn retry_after_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }
}
