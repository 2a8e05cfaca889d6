//! Intake through the load balancer as the desktop outbox does it: each complaint has an
//! `Idempotency-Key`, and a request that got no answer (its instance died) is sent again
//! with the same key until one comes, so nothing is entered twice or lost.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use futures::StreamExt;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// An acknowledged complaint.
#[derive(Debug, Clone)]
pub struct Entered {
    pub id: String,
    /// The first line of its text (what the provider simulator counts by).
    pub tag: String,
    /// SHA-256 (hex) of its attachment, when it has one.
    pub attachment: Option<String>,
}

#[derive(Default)]
pub struct Tally {
    /// Requests that got no answer or a 502/503 and were sent again.
    pub resent: AtomicUsize,
    /// Answers that were neither 202 nor a repeat's 200: must stay 0.
    pub refused: AtomicUsize,
}

/// The attachment of complaint `i`: 1 MB that differs per complaint.
pub fn attachment(i: usize) -> Vec<u8> {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A run of complaints entered through `base` as `token`'s user, their first lines
/// starting with `run`.
pub struct Load {
    base: String,
    token: String,
    run: String,
    concurrency: usize,
    files: bool,
    resend: bool,
}

impl Load {
    pub fn new(base: &str, token: &str, run: &str) -> Load {
        Load {
            base: base.to_string(),
            token: token.to_string(),
            run: run.to_string(),
            concurrency: 1,
            files: false,
            resend: false,
        }
    }

    /// Requests in flight at once.
    pub fn concurrency(mut self, n: usize) -> Load {
        self.concurrency = n;
        self
    }

    /// One complaint in ten gets a 1 MB attachment.
    pub fn with_files(mut self) -> Load {
        self.files = true;
        self
    }

    /// Unanswered requests are sent again (same key) instead of counting as refused.
    pub fn resending(mut self) -> Load {
        self.resend = true;
        self
    }

    /// Enter complaints `range`; returns those acknowledged.
    pub async fn enter(&self, range: std::ops::Range<usize>, tally: Arc<Tally>) -> Vec<Entered> {
        let client = crate::helpers::client_with(Some(&self.token));
        futures::stream::iter(range)
            .map(|i| {
                let client = client.clone();
                let tally = tally.clone();
                async move { self.enter_one(&client, i, &tally).await }
            })
            .buffer_unordered(self.concurrency)
            .filter_map(|e| async move { e })
            .collect()
            .await
    }

    async fn enter_one(
        &self,
        client: &reqwest::Client,
        i: usize,
        tally: &Tally,
    ) -> Option<Entered> {
        let (base, run, files, resend) = (&self.base, &self.run, self.files, self.resend);
        let tag = format!("{run} #{i}");
        let complaint = json!({
            "channel": "walk_in",
            "description": format!("{tag}\nPegawai kastam di Pelabuhan Klang meminta wang RM{} untuk melepaskan kontena.", 100 + i),
        });
        let file = (files && i.is_multiple_of(10)).then(|| attachment(i));
        let key = format!("{run}-{i}");
        for _attempt in 0..50 {
            let mut form = Form::new().text("complaint", complaint.to_string());
            if let Some(bytes) = &file {
                form = form.part(
                    "file",
                    Part::bytes(bytes.clone()).file_name(format!("bukti-{i}.bin")),
                );
            }
            let sent = client
                .post(format!("{base}/api/v1/complaints"))
                .header("Idempotency-Key", &key)
                .multipart(form)
                .send()
                .await;
            let status = sent.as_ref().map(|r| r.status().as_u16()).ok();
            match (sent, status) {
                (Ok(r), Some(202 | 200)) => {
                    let body: Value = r.json().await.ok()?;
                    return Some(Entered {
                        id: body["id"].as_str()?.to_string(),
                        tag,
                        attachment: file.as_ref().map(|b| hex::encode(Sha256::digest(b))),
                    });
                }
                (_, None | Some(502 | 503)) if resend => {
                    tally.resent.fetch_add(1, SeqCst);
                }
                (r, _) => {
                    let detail = match r {
                        Ok(r) => format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
                        Err(e) => e.to_string(),
                    };
                    eprintln!("complaint {tag} refused: {detail}");
                    tally.refused.fetch_add(1, SeqCst);
                    return None;
                }
            }
        }
        panic!("complaint {tag}: no answer in 50 attempts");
    }
}
