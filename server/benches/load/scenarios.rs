//! The scenarios. Each returns rows of (scenario, measured result, target).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::paced;
use crate::procs::{llm_sim, server, Proc};

type Rows = Vec<(String, String, String)>;

pub const COMPLAINT: &str = "Pada 12 Januari 2025, seorang pegawai JPJ di Shah Alam meminta RM500 \
    duit kopi daripada saya untuk meluluskan lesen memandu. Dia berkata lesen tidak akan \
    diluluskan tanpa bayaran. Saya membayar secara tunai di pejabat JPJ.";

pub async fn pause(p: &Proc, paused: bool) {
    let r = p
        .client()
        .patch(format!("{}/api/v1/admin/processing", p.base))
        .json(&json!({ "paused": paused }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

async fn processing(p: &Proc) -> Value {
    p.client()
        .get(format!("{}/api/v1/admin/processing", p.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Submit `n` complaints with `concurrency` requests in flight.
async fn submit(p: &Proc, n: usize, concurrency: usize) {
    let client = p.client();
    let url = format!("{}/api/v1/complaints", p.base);
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"channel": "walk_in", "description": format!("{COMPLAINT} (#{i})")});
            let r = client.post(url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 202);
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Wait until nothing is queued, running or retrying; returns when that happened.
async fn drained(p: &Proc, timeout: Duration) -> Instant {
    let deadline = Instant::now() + timeout;
    loop {
        let q = &processing(p).await["queue"];
        let left = q["queued"].as_i64().unwrap()
            + q["running"].as_i64().unwrap()
            + q["retrying"].as_i64().unwrap();
        if left == 0 {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "queue did not drain: {q}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One 100 MB attachment, streamed, into the data dir and into an S3 bucket (SeaweedFS);
/// the server's peak RSS against its RSS before.
pub async fn upload() -> Rows {
    let bucket = crate::seaweed::fresh_location().await.to_string();
    vec![
        upload_into("data dir", None).await,
        upload_into("S3 (SeaweedFS)", Some(bucket)).await,
    ]
}

async fn upload_into(store: &str, blob_store: Option<String>) -> (String, String, String) {
    let mut env = vec![("ADUAN_MAX_FILE_BYTES", (200u64 << 20).to_string())];
    env.extend(blob_store.map(|b| ("ADUAN_BLOB_STORE", b)));
    let p = server(&env).await;
    pause(&p, true).await;
    submit(&p, 50, 8).await; // warm up allocator and pools
    let before = p.mem_kib("VmRSS");
    let total: u64 = 100 << 20;
    let chunk = bytes::Bytes::from(vec![0x5au8; 1 << 20]);
    let stream = futures::stream::iter(
        (0..total / (1 << 20)).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    );
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), total)
            .file_name("rakaman.bin")
            .mime_str("application/octet-stream")
            .unwrap();
    let form = reqwest::multipart::Form::new()
        .text(
            "complaint",
            json!({"channel": "walk_in", "description": COMPLAINT}).to_string(),
        )
        .part("file", part);
    let started = Instant::now();
    let r = p
        .client()
        .post(format!("{}/api/v1/complaints", p.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let secs = started.elapsed().as_secs_f64();
    let peak = p.mem_kib("VmHWM");
    p.stop().await;
    let delta_mb = peak.saturating_sub(before) as f64 / 1024.0;
    (
        format!("100 MB upload into the {store}: server memory"),
        format!(
            "+{delta_mb:.1} MB peak RSS over {:.0} MB before ({secs:.1} s, {:.0} MB/s)",
            before as f64 / 1024.0,
            100.0 / secs
        ),
        "≤ 20 MB".into(),
    )
}

/// JSON complaints from 64 clients, processing paused (intake alone) and running (the
/// builtin enricher draining on the same two cores): first as fast as the server answers
/// (`wrk`, closed loop: the most it takes), then at the target rate on a fixed schedule
/// (open loop: the latency clients see at that load, stalls included).
pub async fn intake() -> Rows {
    let mut rows = Vec::new();
    for paused in [true, false] {
        let p = server(&[]).await;
        pause(&p, paused).await;
        let script = intake_script(&p);
        let url = format!("{}/api/v1/complaints", p.base);
        let body = json!({"channel": "walk_in", "description": COMPLAINT}).to_string();
        wrk_intake(&p, &script, "3s"); // warm-up
        let text = wrk_intake(&p, &script, "20s");
        eprintln!("{text}");
        let rps = field(&text, "Requests/sec:").unwrap_or_default();
        let p50 = percentile(&text, "50%");
        let p99 = percentile(&text, "99%");
        let errors = if text.contains("Non-2xx") {
            " (with non-2xx answers!)"
        } else {
            ""
        };
        let mode = if paused {
            "processing paused"
        } else {
            "builtin enricher draining alongside"
        };
        rows.push((
            format!("JSON intake, 64 clients as fast as answered (wrk), {mode}"),
            format!("{rps} req/s, p50 {p50}, p99 {p99}{errors}"),
            "≥ 1,500 req/s".into(),
        ));
        let rate = 1500.0;
        let r = paced::post(&url, &p.token, &body, 64, rate, 20.0).await;
        let ms = |q: f64| format!("{:.1} ms", r.percentile(q).as_secs_f64() * 1000.0);
        rows.push((
            format!("JSON intake, 64 clients sending {rate:.0}/s in all (open loop), {mode}"),
            format!(
                "{:.0} req/s, p50 {}, p99 {}, p99.9 {}, max {}; {} failed",
                r.rate(),
                ms(50.0),
                ms(99.0),
                ms(99.9),
                ms(100.0),
                r.failed
            ),
            "p99 ≤ 50 ms".into(),
        ));
        p.stop().await;
    }
    rows
}

/// wrk's script posting one JSON complaint with the server's token (removed when dropped).
pub fn intake_script(p: &Proc) -> tempfile::TempPath {
    let file = tempfile::NamedTempFile::new().unwrap();
    let body = json!({"channel": "walk_in", "description": COMPLAINT}).to_string();
    std::fs::write(
        file.path(),
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"Authorization\"] = \"Bearer {}\"\nwrk.body = [[{body}]]\n",
            p.token
        ),
    )
    .unwrap();
    file.into_temp_path()
}

/// JSON intake for `secs` from 64 clients as fast as answered: wrk's report.
pub fn wrk_intake(p: &Proc, script: &std::path::Path, secs: &str) -> String {
    let out = std::process::Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{secs}"), "--latency", "-s"])
        .arg(script)
        .arg(format!("{}/api/v1/complaints", p.base))
        .output()
        .expect("wrk is needed: apt-get install wrk");
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string()))
}

pub fn percentile(text: &str, p: &str) -> String {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(p).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| "?".into())
}

/// 50 complaints within 6 s, provider latency 2–5 s allowing 64 in flight, 64 workers.
pub async fn burst() -> Rows {
    let sim = llm_sim(&["--latency-ms", "2000-5000", "--max-in-flight", "64"]).await;
    let p = server(&[
        ("ADUAN_LLM_URL", format!("{}/v1", sim.base)),
        ("ADUAN_WORKERS", "64".into()),
    ])
    .await;
    let client = p.client();
    let started = Instant::now();
    for i in 0..50 {
        let body = json!({"channel": "web", "description": format!("{COMPLAINT} (#{i})")});
        let r = client
            .post(format!("{}/api/v1/complaints", p.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        tokio::time::sleep(Duration::from_millis(118)).await;
    }
    let submitted = started.elapsed().as_secs_f64();
    let done = drained(&p, Duration::from_secs(120)).await;
    let total = (done - started).as_secs_f64();
    let enriched: Value = client
        .get(format!(
            "{}/api/v1/complaints?status=enriched&limit=200",
            p.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n = enriched["items"].as_array().unwrap().len();
    let stats: Value = reqwest::get(format!("{}/stats", sim.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    p.stop().await;
    sim.stop().await;
    vec![(
        "Burst: 50 complaints in 6 s, LLM 2–5 s/call".into(),
        format!("{n}/50 enriched {total:.1} s after the first submission (submitting took {submitted:.1} s; simulator saw {} calls, {} in flight at most)", stats["requests"], stats["max_in_flight_observed"]),
        "all within 15 s".into(),
    )]
}

/// 20,000 queued jobs drained by a zero-latency provider: the builtin enricher in process,
/// and the simulator over HTTP with 0 ms latency.
pub async fn overhead() -> Rows {
    let mut rows = Vec::new();
    let n = 20_000;
    // The worker bound is the most jobs between claim and completion. Each job's cycle is
    // a few database round trips even at 0 ms of provider time, so the bound, not the
    // provider, sets the pace here: measured at the burst scenario's 64 and at 128.
    for workers in [64, 128] {
        for via_sim in [false, true] {
            let sim = if via_sim {
                Some(llm_sim(&["--latency-ms", "0-0", "--max-in-flight", "100000"]).await)
            } else {
                None
            };
            let mut env = vec![("ADUAN_WORKERS", workers.to_string())];
            if let Some(s) = &sim {
                env.push(("ADUAN_LLM_URL", format!("{}/v1", s.base)));
            }
            let p = server(&env).await;
            pause(&p, true).await;
            submit(&p, n, 32).await;
            let started = Instant::now();
            pause(&p, false).await;
            let done = drained(&p, Duration::from_secs(600)).await;
            let secs = (done - started).as_secs_f64();
            let provider = if via_sim {
                "llm-sim over HTTP, 0 ms"
            } else {
                "builtin, in process"
            };
            rows.push((
                format!("Queue overhead: {n} jobs, {provider}, {workers} workers"),
                format!(
                    "{:.0} jobs/s claimed, enriched and completed ({secs:.1} s)",
                    n as f64 / secs
                ),
                "≥ 2,000 jobs/s".into(),
            ));
            p.stop().await;
            if let Some(s) = sim {
                s.stop().await;
            }
        }
    }
    rows
}

/// 1,000 enrichments in flight at once (provider latency 30 s): the server's RSS.
pub async fn memory() -> Rows {
    let sim = llm_sim(&["--latency-ms", "30000-30000", "--max-in-flight", "2000"]).await;
    let p = server(&[
        ("ADUAN_LLM_URL", format!("{}/v1", sim.base)),
        ("ADUAN_WORKERS", "1000".into()),
    ])
    .await;
    submit(&p, 1000, 32).await;
    let deadline = Instant::now() + Duration::from_secs(25);
    let mut in_flight = 0;
    while Instant::now() < deadline {
        in_flight = processing(&p).await["workers"]["in_flight"]
            .as_i64()
            .unwrap();
        if in_flight >= 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rss = p.mem_kib("VmRSS") as f64 / 1024.0;
    p.stop().await;
    sim.stop().await;
    vec![(
        "Memory: 1,000 enrichments in flight (LLM 30 s/call)".into(),
        format!("{rss:.0} MB server RSS with {in_flight} in flight"),
        "≤ 200 MB".into(),
    )]
}
