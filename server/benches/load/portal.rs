//! The reporter portal: submissions per second through the public listener with the proof
//! of work checked, and what a check costs the server.

use std::time::Instant;

use futures::StreamExt;
use serde_json::{json, Value};

use crate::procs::{free_port, server, Proc};

type Rows = Vec<(String, String, String)>;

/// Difficulty for the benchmark's own clients: the server's check is one hash whatever the
/// difficulty, and solving 18 bits per report here would make the client, not the server,
/// the limit on these two cores.
const BITS: u8 = 8;

async fn challenge(c: &reqwest::Client, base: &str) -> (Value, String, u8) {
    let ch: Value = c
        .get(format!("{base}/public/v1/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let prefix = ch["prefix"].as_str().unwrap().to_string();
    let bits = ch["difficulty"].as_u64().unwrap() as u8;
    (ch["id"].clone(), prefix, bits)
}

/// `n` answered challenges: solved ones, or (`wrong`) ones whose nonce fails.
async fn answers(c: &reqwest::Client, base: &str, n: usize, wrong: bool) -> Vec<Value> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, prefix, bits) = challenge(c, base).await;
        let nonce = if wrong {
            (0u64..)
                .map(|n| n.to_string())
                .find(|n| !aduan_server::portal::pow::check(&prefix, n, bits))
                .unwrap()
        } else {
            aduan_server::portal::pow::solve(&prefix, bits)
        };
        out.push(json!({"id": id, "nonce": nonce}));
    }
    out
}

fn form(pow: &Value) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("pow", pow.to_string())
        .text(
            "report",
            json!({"description": "Pegawai majlis meminta RM2,000 untuk permit gerai.", "anonymous": true})
                .to_string(),
        )
}

/// CPU seconds the process has used (user + system).
fn cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Send every answer as a report, `concurrency` at once; returns (statuses, seconds).
async fn send_all(
    c: &reqwest::Client,
    url: &str,
    pows: &[Value],
    concurrency: usize,
) -> (Vec<u16>, f64) {
    let started = Instant::now();
    let statuses = futures::stream::iter(pows)
        .map(|p| async move {
            c.post(url)
                .multipart(form(p))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<u16>>()
        .await;
    (statuses, started.elapsed().as_secs_f64())
}

pub async fn portal() -> Rows {
    let mut rows = Vec::new();
    // The check alone, in this process (release build).
    let prefix = aduan_server::portal::pow::new_prefix();
    let n = 1_000_000u64;
    let started = Instant::now();
    let mut ok = 0;
    for i in 0..n {
        ok += aduan_server::portal::pow::check(&prefix, &i.to_string(), 1) as u64;
    }
    let ns = started.elapsed().as_nanos() as f64 / n as f64;
    eprintln!("pow::check: {ns:.0} ns ({ok} of {n} passed 1 bit)");
    rows.push((
        "Portal: proof-of-work check alone (one SHA-256), one core".into(),
        format!("{ns:.0} ns per check"),
        "—".into(),
    ));

    let public = free_port();
    let p: Proc = server(&[
        ("ADUAN_PUBLIC_LISTEN", format!("127.0.0.1:{public}")),
        ("ADUAN_PUBLIC_POW_BITS", BITS.to_string()),
        ("ADUAN_PUBLIC_SUBMISSIONS_PER_MINUTE", "1000000".into()),
    ])
    .await;
    crate::scenarios::pause(&p, true).await;
    let base = format!("http://127.0.0.1:{public}");
    let url = format!("{base}/public/v1/reports");
    let c = reqwest::Client::new();

    // Refused proofs: what checking costs the server per request (challenge consumed from
    // PostgreSQL, hash checked, 400), measured as its CPU time over the run.
    let wrong = answers(&c, &base, 2_000, true).await;
    let cpu0 = cpu_s(p.pid());
    let (statuses, secs) = send_all(&c, &url, &wrong, 32).await;
    let cpu = cpu_s(p.pid()) - cpu0;
    assert!(statuses.iter().all(|s| *s == 400), "wrong proofs refused");
    rows.push((
        format!(
            "Portal: {} reports with a wrong proof of work, 32 clients",
            wrong.len()
        ),
        format!(
            "{:.0} refused/s; server CPU {:.2} ms per refused report",
            wrong.len() as f64 / secs,
            cpu * 1000.0 / wrong.len() as f64
        ),
        "—".into(),
    ));

    // Accepted reports: the proof checked, the complaint written, the receipt hashed with
    // argon2id (bounded by ADUAN_PASSWORD_CHECKS at once).
    for concurrency in [4, 16] {
        let good = answers(&c, &base, 300, false).await;
        let cpu0 = cpu_s(p.pid());
        let (statuses, secs) = send_all(&c, &url, &good, concurrency).await;
        let cpu = cpu_s(p.pid()) - cpu0;
        let created = statuses.iter().filter(|s| **s == 201).count();
        let busy = statuses.iter().filter(|s| **s == 429).count();
        rows.push((
            format!("Portal: {} reports with a valid proof, {concurrency} clients", good.len()),
            format!(
                "{:.1} accepted/s ({created} accepted, {busy} told to retry); server CPU {:.1} ms per report",
                created as f64 / secs,
                cpu * 1000.0 / good.len() as f64
            ),
            "—".into(),
        ));
    }
    p.stop().await;
    rows
}
