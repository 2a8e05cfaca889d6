//! The category: the rules' reading of the lexicon scores ([`decide`]), which the trained
//! classifier takes among its inputs ([`decide_trained`]); then the Acts and sections.

use aduan_api::enrichment::LegalRef;
use aduan_api::taxonomy::{self, CATEGORIES};

use super::gazetteer::Found;
use super::lexicon::Scan;
use super::model::{features, Model};
use super::text::Doc;

/// A further corruption category the classifier gives at least this probability is
/// reported as a secondary offence.
const SECONDARY_PROBABILITY: f32 = 0.2;
/// The classifier's probability is reported at most this high: it reads text, not facts.
const MAX_CONFIDENCE: f64 = 0.99;

/// Below this, no corruption category has enough evidence to be named.
const MIN_EVIDENCE: f32 = 2.0;
/// A detailed complaint (this many words) is rarely "insufficient": with weaker cues we
/// still name the likeliest category, at a low confidence that sends it to review.
const DETAILED_WORDS: usize = 40;
const MIN_EVIDENCE_DETAILED: f32 = 1.0;
/// A second offence is reported when it scores this share of the first (and this much).
const SECONDARY_SHARE: f32 = 0.6;
const SECONDARY_MIN: f32 = 3.0;
/// Fewer words than this cannot carry 5W1H; such complaints need strong cues.
const THIN_WORDS: usize = 10;

/// The classification decision.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Index into `taxonomy::CATEGORIES`.
    pub category: usize,
    pub confidence: f64,
    /// Further corruption categories worth an officer's look, strongest first.
    pub secondary: Vec<usize>,
    pub corruption_related: bool,
    /// The runner-up and its score, for the rationale.
    pub runner_up: Option<(usize, f32)>,
}

fn idx(code: &str) -> usize {
    CATEGORIES
        .iter()
        .position(|c| c.code == code)
        .expect("category code in taxonomy")
}

/// The trained classifier's decision, given the rules' reading of the same document.
pub fn decide_trained(m: &Model, doc: &Doc, scan: &Scan, rules: &Decision) -> Decision {
    let view = features::RuleView {
        scan,
        rules,
        words: doc.words.len(),
    };
    let p = m.probabilities(&features::extract(doc, &view, m.bits));
    let mut ranked: Vec<(usize, f32)> = m.classes.iter().copied().zip(p).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (category, top) = ranked[0];
    let secondary = if CATEGORIES[category].corruption_related {
        ranked[1..]
            .iter()
            .filter(|r| CATEGORIES[r.0].corruption_related && r.1 >= SECONDARY_PROBABILITY)
            .map(|r| r.0)
            .collect()
    } else {
        Vec::new()
    };
    let alleged = scan.generic > 0.0 || scan.scores.iter().any(|&s| s > 0.0);
    Decision {
        category,
        confidence: f64::from(top).min(MAX_CONFIDENCE),
        secondary,
        corruption_related: CATEGORIES[category].corruption_related
            || (category == idx("insufficient_information") && alleged),
        runner_up: ranked.get(1).copied(),
    }
}

/// The rules' category from the lexicon scores.
pub fn decide(scan: &Scan, word_count: usize) -> Decision {
    let scores = adjusted(scan);
    let (nc, ins) = (idx("not_corruption"), idx("insufficient_information"));
    let mut ranked: Vec<(usize, f32)> = scores
        .iter()
        .copied()
        .enumerate()
        .filter(|&(i, s)| CATEGORIES[i].corruption_related && s > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (best, top) = ranked.first().copied().unwrap_or((ins, 0.0));
    let second = ranked.get(1).map_or(0.0, |r| r.1);
    let not_corr = scores[nc];

    let thin = word_count < THIN_WORDS && top < 2.0 * MIN_EVIDENCE;
    let min_evidence = if word_count >= DETAILED_WORDS {
        MIN_EVIDENCE_DETAILED
    } else {
        MIN_EVIDENCE
    };
    let (category, confidence) = if not_corr >= 1.5 && not_corr > top {
        (nc, margin_confidence(not_corr, top))
    } else if (top < min_evidence || thin)
        && word_count >= DETAILED_WORDS
        && scan.official_and_money
    {
        // A detailed complaint about an official and money, in words we do not know:
        // the commonest corruption complaint, named at a confidence that forces review.
        (idx("solicit_accept_bribe"), 0.25)
    } else if top < min_evidence || thin {
        // The less text there is, the surer we are that it cannot be assessed.
        (ins, if word_count < THIN_WORDS { 0.7 } else { 0.45 })
    } else {
        (best, margin_confidence(top, second.max(not_corr)))
    };
    let secondary = if CATEGORIES[category].corruption_related {
        ranked
            .iter()
            .skip(1)
            .filter(|r| r.1 >= SECONDARY_MIN && r.1 >= SECONDARY_SHARE * top)
            .map(|r| r.0)
            .collect()
    } else {
        Vec::new()
    };
    let corruption_related = CATEGORIES[category].corruption_related
        || (category == ins && (scan.generic > 0.0 || top > 0.0));
    let runner_up = if category == best {
        ranked.get(1).copied()
    } else {
        ranked.first().copied()
    };
    Decision {
        category,
        confidence,
        secondary,
        corruption_related,
        runner_up,
    }
}

/// Scores with the interactions that single phrases cannot express.
fn adjusted(scan: &Scan) -> Vec<f32> {
    let mut s = scan.scores.clone();
    let (solicit, offer, corporate) = (
        idx("solicit_accept_bribe"),
        idx("offer_give_bribe"),
        idx("corporate_liability"),
    );
    let (foreign, ml) = (idx("foreign_official"), idx("money_laundering"));
    // Company-side signals only make corporate liability when someone also gave something.
    if s[corporate] > 0.0 && s[offer] > 0.0 {
        s[corporate] += 0.5 * s[offer];
    } else {
        s[corporate] *= 0.5;
    }
    // Bribing a foreign official is also giving a bribe; the foreign element decides.
    if s[foreign] >= 3.0 {
        s[foreign] += 0.5 * s[offer].max(s[solicit]);
    }
    // Laundering is about the proceeds: the underlying bribe is usually mentioned too.
    if s[ml] >= 4.0 {
        s[ml] += 0.3 * s[solicit].max(s[offer]);
    }
    s
}

/// Confidence from how far the winner is ahead and how much evidence it has. The builtin
/// enricher never claims more than 0.85: it reads words, not meaning.
fn margin_confidence(top: f32, second: f32) -> f64 {
    let margin = f64::from((top - second) / top.max(1e-3)).clamp(0.0, 1.0);
    let strength = (f64::from(top) / 8.0).min(1.0);
    (0.3 + 0.55 * margin * strength.max(0.5)).clamp(0.2, 0.85)
}

/// The Acts and sections for the decision, primary first.
pub fn legal(d: &Decision, scan: &Scan, found: &Found) -> Vec<LegalRef> {
    let mut out: Vec<LegalRef> = Vec::new();
    let mut add = |act: &str, section: &str, confidence: f64| {
        debug_assert!(taxonomy::section(act, section).is_some(), "{act} {section}");
        if !out.iter().any(|l| l.act == act && l.section == section) {
            out.push(LegalRef {
                act: act.to_owned(),
                section: section.to_owned(),
                confidence: round2(confidence),
            });
        }
    };
    // s17 is for agents of private principals: a company person, and no public body named.
    let private = scan.private_agent && found.agencies.iter().all(|a| a.sector == "private");
    let sections_of = |cat: usize| {
        let secs = CATEGORIES[cat].sections;
        let pick = usize::from(private && secs.len() > 1 && secs[1].1.starts_with("17("));
        secs.get(pick).or(secs.first()).copied()
    };
    if let Some((act, sec)) = sections_of(d.category) {
        add(act, sec, d.confidence * 0.9);
    }
    if CATEGORIES[d.category].code == "corporate_liability" {
        add(
            taxonomy::MACC_ACT,
            if private { "17(b)" } else { "16(b)" },
            d.confidence * 0.5,
        );
    }
    for &cat in &d.secondary {
        if let Some((act, sec)) = sections_of(cat) {
            add(act, sec, d.confidence * 0.5);
        }
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::builtin::{gazetteer, lexicon, text::Doc};

    fn run(text: &str) -> (&'static str, Vec<String>) {
        let doc = Doc::new(text);
        let scan = lexicon::scan(&doc);
        let d = decide(&scan, doc.words.len());
        let legal = legal(&d, &scan, &gazetteer::scan(&doc));
        (
            CATEGORIES[d.category].code,
            legal
                .into_iter()
                .map(|l| format!("{} {}", l.act, l.section))
                .collect(),
        )
    }

    #[test]
    fn thin_text_is_insufficient() {
        assert_eq!(
            run("Ada rasuah. Tolong siasat.").0,
            "insufficient_information"
        );
    }

    #[test]
    fn private_agent_gets_section_17() {
        let (cat, legal) = run("The purchasing manager of Mega Retail Sdn Bhd asked me for 5% of every invoice and demanded payment into his personal account before approving orders.");
        assert_eq!(cat, "solicit_accept_bribe");
        assert_eq!(legal[0], "akta_694 17(a)");
    }

    #[test]
    fn public_officer_gets_section_16() {
        let (cat, legal) = run(
            "Seorang pegawai JPJ meminta wang RM300 supaya saya tidak disaman di Ipoh semalam.",
        );
        assert_eq!(cat, "solicit_accept_bribe");
        assert_eq!(legal[0], "akta_694 16(a)");
    }
}
