//! Scores of one enricher over a labelled set: per-category precision, recall and F1, the
//! confusion matrix, section accuracy, review counts, latency and tokens.

use std::time::Duration;

use aduan_api::taxonomy::CATEGORIES;
use serde::Serialize;

/// What one enricher said about one labelled complaint.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// Category code, `None` when the call failed.
    pub category: Option<String>,
    /// The first (act, section), if any.
    pub primary: Option<(String, String)>,
    pub confidence: f64,
    pub needs_review: bool,
    pub latency: Duration,
    /// Prompt plus completion tokens, when the provider reports them.
    pub tokens: Option<u32>,
    /// The provider's result was replaced by the builtin fallback.
    pub fallback: bool,
    /// The call failed (transport error after no retry).
    pub failed: bool,
}

/// One category's row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryScore {
    pub category: &'static str,
    pub support: usize,
    pub predicted: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The summary of one enricher on one set.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub enricher: String,
    pub complaints: usize,
    pub category_accuracy: f64,
    pub macro_f1: f64,
    pub section_accuracy: f64,
    pub per_category: Vec<CategoryScore>,
    /// `confusion[labelled][predicted]`, both in taxonomy order; a failed call is counted
    /// in no column.
    pub confusion: Vec<Vec<usize>>,
    pub needs_review: usize,
    /// Category accuracy of the results not sent to review (`None` if all were).
    pub precision_not_reviewed: Option<f64>,
    /// (lower bound of the confidence band, complaints, category accuracy).
    pub reliability: Vec<(f64, usize, f64)>,
    pub latency_mean_ms: f64,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub tokens_per_complaint: Option<f64>,
    pub fallbacks: usize,
    pub failed: usize,
}

/// The label of one complaint: category and primary (act, section).
pub struct Truth<'a> {
    pub category: &'a str,
    pub primary: Option<(&'a str, &'a str)>,
}

fn index(code: &str) -> Option<usize> {
    CATEGORIES.iter().position(|c| c.code == code)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores predictions against labels (same order, same length).
pub fn summarise(enricher: &str, truth: &[Truth], preds: &[Prediction]) -> Summary {
    assert_eq!(truth.len(), preds.len(), "one prediction per label");
    let k = CATEGORIES.len();
    let mut confusion = vec![vec![0usize; k]; k];
    let (mut cat_ok, mut sec_ok) = (0, 0);
    let (mut kept, mut kept_ok) = (0, 0);
    let mut bands = [(0usize, 0usize); 10];
    for (t, p) in truth.iter().zip(preds) {
        let right = p.category.as_deref() == Some(t.category);
        cat_ok += usize::from(right);
        let primary = p.primary.as_ref().map(|(a, s)| (a.as_str(), s.as_str()));
        sec_ok += usize::from(!p.failed && primary == t.primary);
        if let (Some(l), Some(c)) = (index(t.category), p.category.as_deref().and_then(index)) {
            confusion[l][c] += 1;
        }
        if !p.failed && !p.needs_review {
            kept += 1;
            kept_ok += usize::from(right);
        }
        if !p.failed {
            let band = ((p.confidence * 10.0) as usize).min(9);
            bands[band].0 += 1;
            bands[band].1 += usize::from(right);
        }
    }
    let per_category: Vec<CategoryScore> = (0..k)
        .map(|c| {
            let tp = confusion[c][c];
            let support = confusion[c].iter().sum::<usize>()
                + truth
                    .iter()
                    .zip(preds)
                    .filter(|(t, p)| p.failed && index(t.category) == Some(c))
                    .count();
            let predicted = (0..k).map(|l| confusion[l][c]).sum();
            let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            CategoryScore {
                category: CATEGORIES[c].code,
                support,
                predicted,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    let present: Vec<&CategoryScore> = per_category.iter().filter(|c| c.support > 0).collect();
    let macro_f1 = present.iter().map(|c| c.f1).sum::<f64>() / present.len().max(1) as f64;
    let mut ms: Vec<f64> = preds
        .iter()
        .map(|p| p.latency.as_secs_f64() * 1e3)
        .collect();
    ms.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        ms.get(((ms.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    let tokens: Vec<u32> = preds.iter().filter_map(|p| p.tokens).collect();
    Summary {
        enricher: enricher.to_owned(),
        complaints: truth.len(),
        category_accuracy: ratio(cat_ok, truth.len()),
        macro_f1,
        section_accuracy: ratio(sec_ok, truth.len()),
        per_category,
        confusion,
        needs_review: preds.iter().filter(|p| !p.failed && p.needs_review).count(),
        precision_not_reviewed: (kept > 0).then(|| ratio(kept_ok, kept)),
        reliability: bands
            .iter()
            .enumerate()
            .filter(|(_, b)| b.0 > 0)
            .map(|(i, b)| (i as f64 / 10.0, b.0, ratio(b.1, b.0)))
            .collect(),
        latency_mean_ms: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
        latency_p50_ms: pct(0.5),
        latency_p95_ms: pct(0.95),
        tokens_per_complaint: (!tokens.is_empty())
            .then(|| tokens.iter().map(|&t| f64::from(t)).sum::<f64>() / tokens.len() as f64),
        fallbacks: preds.iter().filter(|p| p.fallback).count(),
        failed: preds.iter().filter(|p| p.failed).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(cat: &str, review: bool) -> Prediction {
        Prediction {
            category: Some(cat.into()),
            primary: None,
            confidence: 0.9,
            needs_review: review,
            latency: Duration::from_millis(1),
            tokens: None,
            fallback: false,
            failed: false,
        }
    }

    #[test]
    fn precision_recall_and_confusion() {
        let truth = [
            Truth {
                category: "false_claim",
                primary: None,
            },
            Truth {
                category: "false_claim",
                primary: None,
            },
            Truth {
                category: "not_corruption",
                primary: None,
            },
        ];
        let preds = [
            pred("false_claim", false),
            pred("not_corruption", true),
            pred("not_corruption", false),
        ];
        let s = summarise("builtin", &truth, &preds);
        let fc = s
            .per_category
            .iter()
            .find(|c| c.category == "false_claim")
            .unwrap();
        assert_eq!((fc.support, fc.predicted), (2, 1));
        assert_eq!((fc.precision, fc.recall), (1.0, 0.5));
        let nc = s
            .per_category
            .iter()
            .find(|c| c.category == "not_corruption")
            .unwrap();
        assert_eq!((nc.precision, nc.recall), (0.5, 1.0));
        assert!((s.category_accuracy - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(s.needs_review, 1);
        assert_eq!(s.precision_not_reviewed, Some(1.0));
        assert_eq!(
            s.confusion[index("false_claim").unwrap()][index("not_corruption").unwrap()],
            1
        );
        assert_eq!(s.section_accuracy, 1.0);
    }
}
