//! Accuracy of the builtin enricher on labelled samples of realistic complaints (Malay,
//! English and mixed; every category at least twice; some with negation or more than
//! one offence). The category comes from the trained classifier (`enrich::builtin::model`),
//! trained on `src/enrich/builtin/corpus/`, which holds none of these sets
//! (`tests/builtin_corpus.rs` checks the blind set's wording is not in it). Three sets:
//!
//! - `labelled_complaints.json` (52, development) and `labelled_holdout.json` (26): the
//!   rule lexicons were written with them in view, and the classifier's settings (rule
//!   feature weight, epochs) were chosen on them and on the corpus's own cross-validation.
//!   The requirement is no loss here: both stay at 1.00.
//! - `labelled_blind.json` (23): never tuned on. The rules alone scored 0.30 / 0.39 on it;
//!   the classifier 0.91 / 0.91, measured once with the final model. It is the honest
//!   estimate; its threshold sits just under that so a drop is caught.

use aduan_api::taxonomy;
use aduan_server::enrich::{builtin, validate};
use chrono::NaiveDate;
use serde::Deserialize;

const MIN_CATEGORY_ACCURACY: f64 = 1.0;
const MIN_SECTION_ACCURACY: f64 = 1.0;
const MIN_HOLDOUT_CATEGORY_ACCURACY: f64 = 0.96;
const MIN_HOLDOUT_SECTION_ACCURACY: f64 = 0.96;
const MIN_BLIND_CATEGORY_ACCURACY: f64 = 0.86;
const MIN_BLIND_SECTION_ACCURACY: f64 = 0.86;

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
