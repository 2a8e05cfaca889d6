//! `aduan-server eval`: the real binary scores the builtin enricher and an OpenAI-compatible
//! provider (the fake one) on a labelled JSONL set, side by side.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_llm::{FakeLlm, Mode};

/// Four labelled complaints; the last label is deliberately one no enricher will give, so
/// that accuracy is below 1 and the confusion matrix has an off-diagonal cell.
fn write_set(dir: &std::path::Path) -> std::path::PathBuf {
    let rows = [
        json!({"id": 1, "category": "solicit_accept_bribe", "act": "akta_694", "section": "16(a)", "received": "2025-03-15",
               "text": "Pada 12 Januari 2025 seorang pegawai JPJ di Sungai Besi meminta wang sebanyak RM300 supaya saya tidak disaman. Saya terpaksa memberi wang tunai."}),
        json!({"id": 2, "category": "not_corruption",
               "text": "The officer did not ask for any money and I did not offer anything. I am unhappy with the slow service at the counter and the staff were rude."}),
        json!({"id": 3, "category": "insufficient_information", "text": "Ada rasuah di sana."}),
        json!({"id": 4, "category": "foreign_official", "act": "akta_694", "section": "22",
               "text": "Jalan di taman kami berlubang sejak enam bulan dan majlis tidak membaikinya walaupun sudah diadu."}),
    ];
    let path = dir.join("set.jsonl");
    let body: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, body).unwrap();
    path
}

async fn eval(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"))
        .arg("eval")
        .args(args)
        .env_remove("ADUAN_LLM_URL")
        .env_remove("ADUAN_LLM_MODEL")
        .env_remove("ADUAN_LLM_API_KEY")
        .output()
        .await
        .expect("aduan-server runs")
}

/// `eval … --json` that succeeds: its report.
async fn eval_json(args: &[&str]) -> Value {
    let out = eval(args).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn category<'a>(summary: &'a Value, code: &str) -> &'a Value {
    summary["per_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == code)
        .unwrap()
}

#[tokio::test]
async fn eval_scores_the_builtin_enricher_and_the_provider_side_by_side() {
    let llm = FakeLlm::start(Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let set = write_set(dir.path());
    let set = set.to_str().unwrap();
    let report = eval_json(&[
        "--set",
        set,
        "--llm-url",
        &llm.url,
        "--llm-model",
        "fake-model",
        "--json",
    ])
    .await;
    let (builtin, provider) = (&report["builtin"], &report["provider"]);
    assert_eq!(llm.requests(), 4, "one call per complaint");
    assert_eq!(builtin["complaints"], 4);
    assert_eq!(provider["enricher"], "openai:fake-model");
    // The fake provider answers with the builtin reading, so their scores agree, and the
    // one impossible label is missed by both.
    for s in [builtin, provider] {
        assert_eq!(s["category_accuracy"], 0.75, "{s}");
        assert_eq!(s["section_accuracy"], 0.75, "{s}");
        let foreign = category(s, "foreign_official");
        assert_eq!(
            (foreign["support"].as_u64(), foreign["recall"].as_f64()),
            (Some(1), Some(0.0))
        );
        let cells: u64 = s["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap())
            .map(|c| c.as_u64().unwrap())
            .sum();
        assert_eq!(cells, 4);
    }
    assert_eq!(
        provider["tokens_per_complaint"], 1200.0,
        "900 prompt + 300 completion"
    );
    assert_eq!(builtin["tokens_per_complaint"], Value::Null);
    assert_eq!(
        (provider["failed"].as_u64(), provider["fallbacks"].as_u64()),
        (Some(0), Some(0))
    );

    let text = eval(&[
        "--set",
        set,
        "--llm-url",
        &llm.url,
        "--llm-model",
        "fake-model",
    ])
    .await;
    let text = String::from_utf8(text.stdout).unwrap();
    for needle in [
        "category accuracy",
        "openai:fake-model",
        "Per category",
        "Confusion matrix of builtin",
        "Reliability of openai:fake-model",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[tokio::test]
async fn eval_without_a_provider_scores_the_builtin_enricher_alone() {
    let dir = tempfile::tempdir().unwrap();
    let set = write_set(dir.path());
    let report = eval_json(&["--set", set.to_str().unwrap(), "--json"]).await;
    assert_eq!(report["provider"], Value::Null);
    assert_eq!(report["builtin"]["complaints"], 4);
}

#[tokio::test]
async fn a_failing_provider_is_reported_not_hidden() {
    let llm = FakeLlm::start(Duration::ZERO).await;
    llm.set_mode(Mode::ServerError);
    let dir = tempfile::tempdir().unwrap();
    let set = write_set(dir.path());
    let report = eval_json(&[
        "--set",
        set.to_str().unwrap(),
        "--llm-url",
        &llm.url,
        "--json",
    ])
    .await;
    assert_eq!(report["provider"]["failed"], 4);
    assert_eq!(report["provider"]["category_accuracy"], 0.0);
    assert_eq!(report["builtin"]["category_accuracy"], 0.75);
}

#[tokio::test]
async fn a_malformed_set_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"text\": \"ok\", \"category\": \"false_claim\", \"act\": \"akta_694\", \"section\": \"18\"}\n{\"text\": \"x\", \"category\": \"bribery\"}\n",
    )
    .unwrap();
    let out = eval(&["--set", path.to_str().unwrap()]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(":2: unknown category bribery"), "{err}");
    let out = eval(&[
        "--set",
        path.to_str().unwrap(),
        "--concurrency",
        "0",
        "--llm-url",
        "http://127.0.0.1:9/v1",
    ])
    .await;
    assert!(!out.status.success());
}
