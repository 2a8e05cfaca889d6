//! What the classifier sees of a complaint: hashed character 3–5-grams (robust to Malay
//! affixes, spelling variants and typos), word unigrams and bigrams, and the rule layer's
//! reading (lexicon scores, cue types, its own decision, the length), as one sparse vector.
//!
//! Feature hashing keeps the model a fixed size whatever the vocabulary: a bucket is
//! `fnv1a(namespace, bytes) mod 2^bits`. Text features are scaled by 1/√(occurrences) so a
//! long complaint and a short one weigh alike; rule features keep their own scale.

use aduan_api::taxonomy::CATEGORIES;

use super::super::classify::{self, Decision};
use super::super::lexicon::{Cue, Scan};
use super::super::text::Doc;

/// Character n-gram lengths.
const CHAR_MIN: usize = 3;
const CHAR_MAX: usize = 5;
/// Scale of the rule layer's features against the text's (whose vector has norm 1): chosen
/// by held-out accuracy on the corpus with the development sets kept at 1.00.
const RULE_WEIGHT: f32 = 0.7;
/// Only the first this many bytes are read for n-grams: the allegation is stated early,
/// and it bounds the cost of a very long complaint.
const MAX_BYTES: usize = 4096;

/// A sparse feature vector: (bucket, value) pairs; a bucket may repeat (values add).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Features {
    pub items: Vec<(u32, f32)>,
}

/// The rule layer's reading of a document, computed once and shared with the extraction.
pub struct RuleView<'a> {
    pub scan: &'a Scan,
    pub rules: &'a Decision,
    pub words: usize,
}

/// Namespaces keep the same bytes in different roles apart.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Ns {
    Char = 1,
    Word = 2,
    Bigram = 3,
    Lexicon = 4,
    Cue = 5,
    Rule = 6,
    Length = 7,
}

fn fnv1a(ns: Ns, parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ (ns as u32);
    h = h.wrapping_mul(0x0100_0193);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0193);
        }
        for &b in *part {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// Lowercase letters kept, digits folded to `0` (so RM300 and RM450 look alike), every
/// other ASCII byte a single space; bytes of non-ASCII characters kept as they are.
fn normalise(lower: &str) -> Vec<u8> {
    let src = lower.as_bytes();
    let src = &src[..src.len().min(MAX_BYTES)];
    let mut out = Vec::with_capacity(src.len() + 2);
    out.push(b' ');
    for &b in src {
        let c = if b.is_ascii_alphabetic() || b >= 0x80 {
            b
        } else if b.is_ascii_digit() {
            b'0'
        } else {
            b' '
        };
        if c == b' ' && out.last() == Some(&b' ') {
            continue;
        }
        out.push(c);
    }
    if out.last() != Some(&b' ') {
        out.push(b' ');
    }
    out
}

/// The features of `doc` given the rule layer's reading, for a model of `2^bits` buckets.
pub fn extract(doc: &Doc, view: &RuleView, bits: u32) -> Features {
    let mask = (1u32 << bits) - 1;
    let norm = normalise(&doc.lower);
    let mut items: Vec<(u32, f32)> = Vec::with_capacity(norm.len() * 3 + 64);
    for n in CHAR_MIN..=CHAR_MAX {
        for g in norm.windows(n) {
            items.push((fnv1a(Ns::Char, &[g]) & mask, 1.0));
        }
    }
    let words: Vec<&[u8]> = norm
        .split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        items.push((fnv1a(Ns::Word, &[w]) & mask, 1.0));
        if let Some(next) = words.get(i + 1) {
            items.push((fnv1a(Ns::Bigram, &[w, next]) & mask, 1.0));
        }
    }
    let scale = 1.0 / (items.len().max(1) as f32).sqrt();
    for it in &mut items {
        it.1 = scale;
    }
    rule_features(view, mask, &mut items);
    Features { items }
}

fn rule_features(view: &RuleView, mask: u32, items: &mut Vec<(u32, f32)>) {
    let mut push = |ns: Ns, name: &[u8], value: f32| {
        if value != 0.0 {
            items.push((fnv1a(ns, &[name]) & mask, RULE_WEIGHT * value));
        }
    };
    for (i, c) in CATEGORIES.iter().enumerate() {
        let s = view.scan.scores[i];
        if s > 0.0 {
            push(Ns::Lexicon, c.code.as_bytes(), (s / 8.0).min(1.0));
        }
    }
    let cues: [(&[u8], bool); 9] = [
        (b"generic", view.scan.generic > 0.0),
        (b"private_agent", view.scan.private_agent),
        (b"foreign", view.scan.foreign > 0.0),
        (b"official_and_money", view.scan.official_and_money),
        (b"demand", has_cue(view.scan, Cue::Demand)),
        (b"give", has_cue(view.scan, Cue::Give)),
        (b"family", has_cue(view.scan, Cue::Family)),
        (b"approval", has_cue(view.scan, Cue::Approval)),
        (
            b"negated",
            view.scan
                .hits
                .iter()
                .any(|h| h.negated && matches!(h.cue, Cue::Category(_))),
        ),
    ];
    for (name, on) in cues {
        push(Ns::Cue, name, if on { 0.5 } else { 0.0 });
    }
    let rule = CATEGORIES[view.rules.category].code.as_bytes();
    push(Ns::Rule, rule, view.rules.confidence as f32);
    // Word-count band: thin complaints are what "insufficient information" is about.
    let band = (usize::BITS - view.words.leading_zeros()).min(9) as u8;
    push(Ns::Length, &[b'0' + band], 1.0);
}

fn has_cue(scan: &Scan, cue: Cue) -> bool {
    scan.hits.iter().any(|h| !h.negated && h.cue == cue)
}

/// The rule layer's reading of `doc` (the same calls the enricher makes).
pub fn rules_of(doc: &Doc) -> (Scan, Decision) {
    let scan = super::super::lexicon::scan(doc);
    let decision = classify::decide(&scan, doc.words.len());
    (scan, decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(text: &str) -> Features {
        let doc = Doc::new(text);
        let (scan, rules) = rules_of(&doc);
        let view = RuleView {
            scan: &scan,
            rules: &rules,
            words: doc.words.len(),
        };
        extract(&doc, &view, 16)
    }

    #[test]
    fn digits_fold_and_case_does_not_matter() {
        assert_eq!(
            feats("Dia minta RM300 tunai"),
            feats("DIA MINTA RM450 TUNAI")
        );
    }

    #[test]
    fn buckets_stay_in_range_and_text_is_normalised() {
        let f = feats("Pegawai itu minta duit kopi RM50, kalau tak saman.");
        assert!(f.items.iter().all(|&(b, _)| b < 1 << 16));
        assert!(f.items.len() > 100);
    }
}
