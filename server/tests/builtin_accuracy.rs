//! Accuracy of the builtin enricher on labelled samples of realistic complaints (Malay,
//! English and mixed; every category at least twice; some with negation or more than
//! one offence). Three sets, and what each number means:
//!
//! - `labelled_complaints.json` (52, development): written first, then the lexicons were
//!   built with it in view. In-sample: 1.00 / 1.00. A regression guard only.
//! - `labelled_holdout.json` (26): written after the first lexicon was frozen, deliberately
//!   paraphrased ("saguhati", "settle it with him", "left an envelope"). First look:
//!   category 0.27, section 0.35. Its misses were then used to add general vocabulary and
//!   sentence-level patterns (official + money + asking), so it is now in-sample too.
//! - `labelled_blind.json` (23): written after that, never tuned on. Measured: category
//!   0.30, primary section 0.39. THIS is the honest estimate for paraphrased complaints:
//!   keyword rules miss what they have no word for, and mostly answer
//!   `insufficient_information` (confidence low, `needs_review`) rather than a wrong offence.
//!
//! Thresholds: in-sample sets 0.85 category / 0.80 section (bounded by category accuracy
//! and the s16/s17 agent distinction) so any regression in negation, scoring or section
//! mapping fails; the blind set sits just under its measured value so it catches a drop
//! without pretending the rules are better than they are.

use aduan_api::taxonomy;
use aduan_server::enrich::{builtin, validate};
use chrono::NaiveDate;
use serde::Deserialize;

const MIN_CATEGORY_ACCURACY: f64 = 0.85;
const MIN_SECTION_ACCURACY: f64 = 0.80;
const MIN_HOLDOUT_CATEGORY_ACCURACY: f64 = 0.85;
const MIN_HOLDOUT_SECTION_ACCURACY: f64 = 0.80;
const MIN_BLIND_CATEGORY_ACCURACY: f64 = 0.25;
const MIN_BLIND_SECTION_ACCURACY: f64 = 0.30;

#[derive(Deserialize)]
struct Labelled {
    id: u32,
    text: String,
    category: String,
    act: Option<String>,
    section: Option<String>,
}

const DEV: &str = include_str!("data/labelled_complaints.json");
const HOLDOUT: &str = include_str!("data/labelled_holdout.json");
const BLIND: &str = include_str!("data/labelled_blind.json");

fn load(raw: &str) -> Vec<Labelled> {
    serde_json::from_str(raw).expect("labelled set parses")
}

#[test]
fn labelled_set_is_well_formed() {
    let set = load(DEV);
    assert!(set.len() >= 40);
    for c in taxonomy::CATEGORIES {
        let n = set.iter().filter(|l| l.category == c.code).count();
        assert!(n >= 2, "{} has {n} examples", c.code);
    }
    for l in &set {
        if let (Some(a), Some(s)) = (&l.act, &l.section) {
            assert!(taxonomy::section(a, s).is_some(), "#{}: {a} {s}", l.id);
        }
    }
}

/// Category and primary-section accuracy over a set, printing every miss.
fn evaluate(name: &str, set: &[Labelled]) -> (f64, f64) {
    let received = NaiveDate::from_ymd_opt(2025, 3, 15).unwrap();
    let (mut cat_ok, mut sec_ok) = (0usize, 0usize);
    for l in set {
        let e = builtin::enrich(&l.text, received);
        let errors = validate::validate(&e, &l.text);
        assert!(
            errors.is_empty(),
            "#{} builtin output invalid: {errors:?}",
            l.id
        );
        let got_cat = e.classification.category.as_str();
        let primary = e
            .legal
            .first()
            .map(|r| (r.act.as_str(), r.section.as_str()));
        let want = l.act.as_deref().zip(l.section.as_deref());
        cat_ok += usize::from(got_cat == l.category);
        sec_ok += usize::from(primary == want);
        if got_cat != l.category || primary != want {
            println!(
                "{name} #{:>3} want {} {:?}, got {} {:?} ({})",
                l.id, l.category, want, got_cat, primary, e.classification.rationale
            );
        }
    }
    let n = set.len() as f64;
    let (cat_acc, sec_acc) = (cat_ok as f64 / n, sec_ok as f64 / n);
    println!("{name}: {} complaints, category accuracy {cat_acc:.3}, primary section accuracy {sec_acc:.3}", set.len());
    (cat_acc, sec_acc)
}

#[test]
fn builtin_accuracy_on_labelled_set() {
    let (cat, sec) = evaluate("development set", &load(DEV));
    assert!(cat >= MIN_CATEGORY_ACCURACY, "category accuracy {cat:.3}");
    assert!(sec >= MIN_SECTION_ACCURACY, "section accuracy {sec:.3}");
}

#[test]
fn builtin_accuracy_on_holdout_set() {
    let (cat, sec) = evaluate("holdout set", &load(HOLDOUT));
    assert!(
        cat >= MIN_HOLDOUT_CATEGORY_ACCURACY,
        "category accuracy {cat:.3}"
    );
    assert!(
        sec >= MIN_HOLDOUT_SECTION_ACCURACY,
        "section accuracy {sec:.3}"
    );
}

#[test]
fn builtin_accuracy_on_blind_set() {
    let (cat, sec) = evaluate("blind set", &load(BLIND));
    assert!(
        cat >= MIN_BLIND_CATEGORY_ACCURACY,
        "category accuracy {cat:.3}"
    );
    assert!(
        sec >= MIN_BLIND_SECTION_ACCURACY,
        "section accuracy {sec:.3}"
    );
}
