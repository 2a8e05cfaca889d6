//! Tolerant reading of a chat-completions reply: the JSON object is dug out of code
//! fences, `<think>` blocks and prose; truncation and refusals are told apart from
//! plain bad output, because they are handled differently (retry longer / fall back).

use serde_json::Value;

/// Why a reply did not yield a JSON object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplyProblem {
    /// `finish_reason: "length"`, or the object never closes.
    #[error("reply truncated")]
    Truncated,
    /// The model declined (`message.refusal`, `content_filter`, or refusal prose).
    #[error("model refused: {0}")]
    Refusal(String),
    /// No JSON object anywhere in the reply.
    #[error("no JSON object in reply")]
    NoJson,
    /// The reply is not a chat completion at all.
    #[error("malformed completion: {0}")]
    Malformed(String),
}

/// The parts of a chat completion that matter here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    pub content: String,
    pub finish_reason: Option<String>,
    pub refusal: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// Reads `choices[0]` and `usage` of a completion body. `reasoning_content` is ignored.
pub fn completion(body: &Value) -> Result<Completion, ReplyProblem> {
    let choice = body
        .pointer("/choices/0")
        .ok_or_else(|| ReplyProblem::Malformed("no choices[0]".into()))?;
    let message = choice.get("message").unwrap_or(&Value::Null);
    let content = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        // Some servers send content as parts: [{"type": "text", "text": "..."}].
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    };
    let token = |k: &str| {
        body.pointer(&format!("/usage/{k}"))
            .and_then(Value::as_u64)
            .map(|n| n as u32)
    };
    Ok(Completion {
        content,
        finish_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_owned),
        refusal: message
            .get("refusal")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned),
        prompt_tokens: token("prompt_tokens"),
        completion_tokens: token("completion_tokens"),
    })
}

/// The JSON object in a completion, or why there is none.
pub fn json_object(c: &Completion) -> Result<Value, ReplyProblem> {
    if let Some(r) = &c.refusal {
        return Err(ReplyProblem::Refusal(r.clone()));
    }
    match c.finish_reason.as_deref() {
        Some("content_filter") => return Err(ReplyProblem::Refusal("content_filter".into())),
        Some("length") => return Err(ReplyProblem::Truncated),
        _ => {}
    }
    let text = strip_think(&c.content);
    match find_object(text) {
        Found::Object(v) => Ok(v),
        Found::Unclosed => Err(ReplyProblem::Truncated),
        Found::Nothing if looks_like_refusal(text) => Err(ReplyProblem::Refusal(snippet(text))),
        Found::Nothing => Err(ReplyProblem::NoJson),
    }
}

/// Removes `<think>…</think>` blocks; an unclosed one swallows the rest of the text.
fn strip_think(s: &str) -> &str {
    let mut rest = s;
    while let Some(open) = rest.find("<think>") {
        match rest[open..].find("</think>") {
            Some(close) if open == 0 || rest[..open].trim().is_empty() => {
                rest = &rest[open + close + "</think>".len()..]
            }
            Some(_) => break,
            None => return &rest[..open],
        }
    }
    // A reasoning model may also emit only the closing tag when the opening was a prefill.
    rest.rsplit_once("</think>")
        .map_or(rest, |(_, after)| after)
}

enum Found {
    Object(Value),
    Unclosed,
    Nothing,
}

/// The first balanced top-level `{…}` that parses as a JSON object, string-aware, so
/// braces inside strings and prose like "see {below}" do not confuse it. Code fences
/// need no special case: the object inside them is found the same way.
fn find_object(s: &str) -> Found {
    let bytes = s.as_bytes();
    let mut from = 0;
    let mut unclosed = false;
    while let Some(off) = s[from..].find('{') {
        let start = from + off;
        match balanced_end(&bytes[start..]) {
            Some(len) => {
                if let Ok(v @ Value::Object(_)) =
                    serde_json::from_str::<Value>(&s[start..start + len])
                {
                    return Found::Object(v);
                }
            }
            None => unclosed = true,
        }
        from = start + 1;
    }
    if unclosed {
        Found::Unclosed
    } else {
        Found::Nothing
    }
}

fn balanced_end(b: &[u8]) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

const REFUSALS: &[&str] = &[
    "i can't",
    "i cannot",
    "i can not",
    "i'm sorry",
    "i am sorry",
    "i'm unable",
    "i am unable",
    "unable to assist",
    "cannot help with",
    "cannot comply",
    "i won't",
    "saya tidak dapat",
    "maaf, saya",
    "tidak boleh membantu",
];

fn looks_like_refusal(text: &str) -> bool {
    let lower = text.to_lowercase();
    REFUSALS.iter().any(|r| lower.contains(r))
}

fn snippet(s: &str) -> String {
    s.trim().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(content: &str, finish: &str) -> Value {
        json!({"choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": finish}], "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
    }

    fn parse(content: &str) -> Result<Value, ReplyProblem> {
        json_object(&completion(&body(content, "stop")).unwrap())
    }

    #[test]
    fn plain_fenced_and_prose_wrapped() {
        assert_eq!(parse(r#"{"a": 1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(
            parse("```json\n{\"a\": \"}\"}\n```").unwrap(),
            json!({"a": "}"})
        );
        assert_eq!(
            parse("Here is the result {see below}:\n{\"a\": [1, {\"b\": 2}]}\nHope it helps!")
                .unwrap(),
            json!({"a": [1, {"b": 2}]})
        );
    }

    #[test]
    fn think_blocks_are_ignored() {
        assert_eq!(
            parse("<think>maybe {\"a\": 0} or not</think>\n{\"a\": 1}").unwrap(),
            json!({"a": 1})
        );
        assert_eq!(
            parse("reasoning... {\"x\": 0}</think>{\"a\": 2}").unwrap(),
            json!({"a": 2})
        );
        let with_reasoning = json!({"choices": [{"message": {"content": "{\"a\": 3}", "reasoning_content": "{\"a\": 9}"}, "finish_reason": "stop"}]});
        assert_eq!(
            json_object(&completion(&with_reasoning).unwrap()).unwrap(),
            json!({"a": 3})
        );
    }

    #[test]
    fn truncation_is_detected() {
        let c = completion(&body("{\"a\": 1, \"b\": ", "length")).unwrap();
        assert_eq!(json_object(&c), Err(ReplyProblem::Truncated));
        assert_eq!(
            parse("{\"summary\": \"cut off here"),
            Err(ReplyProblem::Truncated)
        );
        assert_eq!(
            parse("<think>still thinking about {"),
            Err(ReplyProblem::NoJson)
        );
    }

    #[test]
    fn refusals_are_detected() {
        let b = json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}]});
        assert!(matches!(
            json_object(&completion(&b).unwrap()),
            Err(ReplyProblem::Refusal(_))
        ));
        let c = completion(&body("", "content_filter")).unwrap();
        assert!(matches!(json_object(&c), Err(ReplyProblem::Refusal(_))));
        assert!(matches!(
            parse("I'm sorry, but I cannot assist with this request."),
            Err(ReplyProblem::Refusal(_))
        ));
        assert_eq!(
            parse("The complaint is about a bribe."),
            Err(ReplyProblem::NoJson)
        );
    }

    #[test]
    fn usage_is_read() {
        let c = completion(&body("{}", "stop")).unwrap();
        assert_eq!((c.prompt_tokens, c.completion_tokens), (Some(10), Some(5)));
        assert!(completion(&json!({"error": "x"})).is_err());
    }
}
