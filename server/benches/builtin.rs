//! Throughput of the builtin enricher on one thread for ~1 KB complaints, and what loading
//! its classifier and language models costs in time and resident memory.
//!
//! `cargo bench -p aduan-server --bench builtin`. The corpus is the labelled complaints,
//! each extended with the kind of background paragraph real complaints carry until it is
//! about 1 KB, so every lexicon, gazetteer, regex, n-gram and language pass runs over
//! realistic lengths.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aduan_server::enrich::builtin;
use chrono::NaiveDate;

const TARGET_BYTES: usize = 1000;
const MS_PAD: &str = " Saya telah cuba menghubungi pihak jabatan beberapa kali melalui telefon dan emel tetapi tidak mendapat sebarang maklum balas. Saya berharap pihak SPRM dapat menyiasat perkara ini dengan segera kerana ia menjejaskan kepercayaan orang ramai terhadap perkhidmatan awam. Saya sanggup memberi keterangan lanjut jika diperlukan.";
const EN_PAD: &str = " I have tried to contact the department several times by phone and email but received no response. I hope the Commission will investigate this matter quickly because it affects public trust in the service. I am willing to give further statements and documents if needed.";

fn corpus() -> Vec<String> {
    let raw = include_str!("../tests/data/labelled_complaints.json");
    let set: Vec<serde_json::Value> = serde_json::from_str(raw).expect("labelled set");
    set.iter()
        .map(|c| {
            let mut text = c["text"].as_str().expect("text").to_owned();
            let pad = if text.contains(" the ") {
                EN_PAD
            } else {
                MS_PAD
            };
            while text.len() < TARGET_BYTES {
                text.push_str(pad);
            }
            let mut cut = TARGET_BYTES.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(text[..cut].rfind(' ').unwrap_or(cut));
            text
        })
        .collect()
}

/// Resident memory of this process in MB, from /proc (Linux).
fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / 1e6
}

fn main() {
    let texts = corpus();
    let received = NaiveDate::from_ymd_opt(2025, 3, 15).unwrap();
    let avg = texts.iter().map(String::len).sum::<usize>() / texts.len();
    let before = rss_mb();
    let started = Instant::now();
    black_box(builtin::model::model());
    let model_load = started.elapsed();
    let after_model = rss_mb();
    let started = Instant::now();
    builtin::warm_up();
    let rest_load = started.elapsed();
    println!(
        "loading: classifier {:.1} ms (+{:.1} MB resident), language models, patterns and \
         first call {:.1} ms (+{:.1} MB resident)",
        model_load.as_secs_f64() * 1e3,
        after_model - before,
        rest_load.as_secs_f64() * 1e3,
        rss_mb() - after_model
    );
    // Warm up: builds the automata and regexes once, as the first real call would.
    for t in &texts {
        black_box(builtin::enrich(t, received));
    }
    let mut n = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        for t in &texts {
            black_box(builtin::enrich(black_box(t), received));
            n += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let (mut m, lang_started) = (0u64, Instant::now());
    while lang_started.elapsed() < Duration::from_secs(1) {
        for t in &texts {
            black_box(builtin::language::detect(black_box(t)));
            m += 1;
        }
    }
    let lang_secs = lang_started.elapsed().as_secs_f64();
    println!(
        "of which language detection alone: {:.1} µs each",
        lang_secs * 1e6 / m as f64
    );
    println!("builtin enricher: {n} complaints of ~{avg} bytes in {secs:.2} s on one thread = {:.0} complaints/s ({:.1} µs each)", n as f64 / secs, secs * 1e6 / n as f64);
}
