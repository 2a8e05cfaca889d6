//! The trained category classifier: multinomial logistic regression over hashed features
//! ([`features`]), trained from the labelled corpus in `corpus/` by [`train`] and shipped
//! inside the binary as `model.bin`.
//!
//! File format (little-endian): magic `ADUANLM1`, `u32` format version, `u32` hash bits,
//! `u32` class count, each class code as `u8` length + bytes, `f32` weight scale, `f32`
//! softmax temperature, `f32` review threshold, the 32-byte SHA-256 of the corpus it was
//! trained from, one `f32` bias per class, then `2^bits × classes` `i16` weights (bucket
//! major). Quantised weights keep the file small and the scoring loop cache-friendly.

mod corpus;
pub mod features;
mod noise;
pub mod train;

use std::sync::LazyLock;

use aduan_api::taxonomy::CATEGORIES;
use anyhow::{bail, ensure, Context};

use features::Features;

const MAGIC: &[u8; 8] = b"ADUANLM1";
const FORMAT: u32 = 1;

/// The committed model, read once on first use.
static EMBEDDED: &[u8] = include_bytes!("model.bin");
static MODEL: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(EMBEDDED).expect("embedded model.bin is valid"));

/// The model the builtin enricher uses.
pub fn model() -> &'static Model {
    &MODEL
}

/// A loaded classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub bits: u32,
    /// Index into `taxonomy::CATEGORIES` of each output class.
    pub classes: Vec<usize>,
    pub scale: f32,
    /// Divides the scores before the softmax; fitted on held-out folds so that a stated
    /// probability matches the observed accuracy.
    pub temperature: f32,
    /// A calibrated probability below this sends the result to review.
    pub review_below: f32,
    pub corpus_sha256: [u8; 32],
    pub bias: Vec<f32>,
    pub weights: Vec<i16>,
}

impl Model {
    /// Parses a model file, checking its shape and its class codes against the taxonomy.
    pub fn from_bytes(b: &[u8]) -> anyhow::Result<Model> {
        let mut r = Reader { b, at: 0 };
        ensure!(r.take(8)? == MAGIC, "not an Aduan model file");
        let format = r.u32()?;
        ensure!(format == FORMAT, "model format {format}, expected {FORMAT}");
        let bits = r.u32()?;
        ensure!((8..=24).contains(&bits), "hash bits {bits} out of range");
        let n = r.u32()? as usize;
        ensure!((2..=64).contains(&n), "class count {n} out of range");
        let mut classes = Vec::with_capacity(n);
        for _ in 0..n {
            let len = usize::from(r.take(1)?[0]);
            let code = std::str::from_utf8(r.take(len)?).context("class code")?;
            let Some(i) = CATEGORIES.iter().position(|c| c.code == code) else {
                bail!("class {code} is not a category");
            };
            classes.push(i);
        }
        let (scale, temperature, review_below) = (r.f32()?, r.f32()?, r.f32()?);
        let corpus_sha256 = r.take(32)?.try_into().expect("32 bytes");
        let bias = (0..n).map(|_| r.f32()).collect::<anyhow::Result<_>>()?;
        let count = (1usize << bits) * n;
        let raw = r.take(count * 2)?;
        ensure!(r.at == b.len(), "trailing bytes after the weights");
        let weights = raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(Model {
            bits,
            classes,
            scale,
            temperature,
            review_below,
            corpus_sha256,
            bias,
            weights,
        })
    }

    /// The file bytes of this model (what [`Model::from_bytes`] reads).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.weights.len() * 2 + 256);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&self.bits.to_le_bytes());
        out.extend_from_slice(&(self.classes.len() as u32).to_le_bytes());
        for &c in &self.classes {
            let code = CATEGORIES[c].code.as_bytes();
            out.push(code.len() as u8);
            out.extend_from_slice(code);
        }
        for x in [self.scale, self.temperature, self.review_below] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend_from_slice(&self.corpus_sha256);
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Raw class scores (before temperature and softmax).
    pub fn scores(&self, f: &Features) -> Vec<f32> {
        let n = self.classes.len();
        let mut acc = vec![0f32; n];
        for &(bucket, value) in &f.items {
            let row = &self.weights[bucket as usize * n..][..n];
            for (a, &w) in acc.iter_mut().zip(row) {
                *a += value * f32::from(w);
            }
        }
        acc.iter()
            .zip(&self.bias)
            .map(|(a, b)| a * self.scale + b)
            .collect()
    }

    /// Calibrated class probabilities, in the order of `classes`.
    pub fn probabilities(&self, f: &Features) -> Vec<f32> {
        softmax(&self.scores(f), self.temperature)
    }
}

/// Softmax of `scores / temperature`.
pub fn softmax(scores: &[f32], temperature: f32) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = scores
        .iter()
        .map(|s| ((s - max) / temperature).exp())
        .collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        let end = self.at.checked_add(n).context("length overflow")?;
        ensure!(end <= self.b.len(), "model file truncated");
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self) -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }

    fn f32(&mut self) -> anyhow::Result<f32> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
}
