//! The training corpus of the builtin classifier: well-formed, covering every category,
//! and disjoint from the evaluation sets — above all the blind set, which must stay blind.
//!
//! "Disjoint" is checked on wording, not just on identity: a complaint is normalised to
//! lowercase words, and (a) no six consecutive words of a blind complaint may appear in
//! any corpus complaint, (b) no corpus complaint may share more than a tenth of a blind
//! complaint's four-word sequences. A paraphrase that keeps the phrasing fails (a) or (b);
//! a new complaint about the same kind of offence does not, which is what we want.

use std::collections::HashSet;
use std::path::Path;

use aduan_api::taxonomy::CATEGORIES;
use aduan_server::enrich::builtin::model::{self, train};
use serde::Deserialize;

const MAX_SHARED_RUN: usize = 6;
const MAX_CONTAINMENT: f64 = 0.10;

#[derive(Deserialize)]
struct Labelled {
    id: u32,
    text: String,
}

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/enrich/builtin/corpus")
}

fn corpus() -> Vec<train::Labelled> {
    train::read_corpus(&corpus_dir()).expect("corpus reads").0
}

fn words(t: &str) -> Vec<String> {
    t.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn grams(t: &str, n: usize) -> HashSet<Vec<String>> {
    let w = words(t);
    w.windows(n).map(<[String]>::to_vec).collect()
}

/// Fails if any complaint of `set` has its wording in the corpus.
fn assert_disjoint(set_file: &str, max_run: usize, max_containment: f64) {
    let raw = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(set_file))
        .expect("set file");
    let set: Vec<Labelled> = serde_json::from_str(&raw).expect("set parses");
    let corpus = corpus();
    let runs: HashSet<Vec<String>> = corpus
        .iter()
        .flat_map(|c| grams(&c.text, max_run))
        .collect();
    let fours: Vec<HashSet<Vec<String>>> = corpus.iter().map(|c| grams(&c.text, 4)).collect();
    for l in &set {
        let mine = grams(&l.text, max_run);
        let shared: Vec<_> = mine.intersection(&runs).collect();
        assert!(
            shared.is_empty(),
            "{set_file} #{}: corpus repeats {shared:?}",
            l.id
        );
        let four = grams(&l.text, 4);
        if four.is_empty() {
            continue;
        }
        for (c, theirs) in corpus.iter().zip(&fours) {
            let containment = four.intersection(theirs).count() as f64 / four.len() as f64;
            assert!(
                containment <= max_containment,
                "{set_file} #{} shares {:.0} % of its phrasing with corpus complaint {:?}",
                l.id,
                containment * 100.0,
                c.text
            );
        }
    }
}

#[test]
fn no_blind_complaint_is_in_the_training_corpus() {
    assert_disjoint(
        "tests/data/labelled_blind.json",
        MAX_SHARED_RUN,
        MAX_CONTAINMENT,
    );
}

#[test]
fn development_sets_are_not_copied_into_the_corpus() {
    // The development sets may be used to choose settings, so they are held to a looser
    // standard: no corpus complaint repeats a third of one of them.
    for set in [
        "tests/data/labelled_complaints.json",
        "tests/data/labelled_holdout.json",
    ] {
        assert_disjoint(set, 12, 0.34);
    }
}

#[test]
fn the_checks_catch_a_paraphrase() {
    // The same test applied to a corpus complaint with a few words changed must fail, or
    // the thresholds above prove nothing.
    let c = &corpus()[0].text;
    let mut w = words(c);
    for i in (0..w.len()).step_by(9) {
        w[i] = "lain".into();
    }
    let edited = w.join(" ");
    let shared = grams(&edited, MAX_SHARED_RUN)
        .intersection(&grams(c, MAX_SHARED_RUN))
        .count();
    assert!(shared > 0, "a light edit of {c:?} keeps six-word runs");
}

#[test]
fn corpus_covers_every_category_and_both_agent_sections() {
    let corpus = corpus();
    assert!(corpus.len() >= 400, "{} complaints", corpus.len());
    for c in CATEGORIES {
        let n = corpus.iter().filter(|l| l.category == c.code).count();
        assert!(n >= 20, "{} has {n} examples", c.code);
    }
    for s in ["16(a)", "17(a)", "16(b)", "17(b)", "17A"] {
        assert!(
            corpus.iter().any(|l| l.section.as_deref() == Some(s)),
            "{s}"
        );
    }
    let texts: HashSet<&str> = corpus.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts.len(), corpus.len(), "a complaint appears twice");
}

/// The committed model.bin was written by an earlier, separate run of the trainer: equal
/// weights here mean training is reproducible and the model is up to date with the corpus.
#[test]
fn the_committed_model_is_what_the_corpus_trains() {
    let (model, _) = train::train_dir(&corpus_dir()).expect("training");
    let committed = model::model();
    assert_eq!(
        &model, committed,
        "model.bin is not what the corpus trains: run `aduan-server train-enricher`"
    );
}
