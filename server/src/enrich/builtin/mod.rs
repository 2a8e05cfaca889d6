//! The builtin enricher: deterministic, offline, Malay + English (+ mixed).
//!
//! One ASCII-lowercased copy of the text is scanned by two Aho-Corasick automata
//! (category lexicon, gazetteer) and a handful of precompiled regexes (dates, amounts,
//! names). The category comes from a trained linear classifier ([`model`]) over character
//! n-grams, words and that rule layer's reading; its calibrated probability is the
//! confidence, and below the model's review threshold the result goes to review.

mod amounts;
mod classify;
mod dates;
mod facts;
mod gazetteer;
pub mod language;
mod lexicon;
pub mod model;
mod people;
mod text;

use aduan_api::enrichment::{
    Amount, Classification, Enrichment, FiveW1H, Person, Place, SectorInfo, When,
};
use aduan_api::taxonomy::CATEGORIES;
use chrono::NaiveDate;

use classify::Decision;
use gazetteer::Found;
use text::Doc;

/// Loads the model and the language models and compiles the patterns now, so that the
/// first complaint is not the one that waits for them.
pub fn warm_up() {
    language::warm_up();
    model::model();
    enrich("", NaiveDate::default());
}

/// Enriches `text`, resolving relative dates against `received`.
pub fn enrich(text: &str, received: NaiveDate) -> Enrichment {
    enrich_with(model::model(), text, received)
}

/// [`enrich`] with a given model (a freshly trained one, when training checks itself).
pub fn enrich_with(model: &model::Model, text: &str, received: NaiveDate) -> Enrichment {
    let doc = Doc::new(text);
    let language = language::detect(text);
    let malay = language != "en";
    let scan = lexicon::scan(&doc);
    let rules = classify::decide(&scan, doc.words.len());
    let decision = classify::decide_trained(model, &doc, &scan, &rules);
    let found = gazetteer::scan(&doc);
    let legal = classify::legal(&decision, &scan, &found);
    let key = facts::key_sentences(&doc, &scan, decision.category);

    let amounts: Vec<Amount> = dedup_amounts(amounts::find(text));
    let date_hits = dates::find(text, received);
    let when_hit = date_hits
        .iter()
        .find(|d| d.date.is_none_or(|d| d <= received))
        .or(date_hits.first());
    let when = When {
        text: when_hit.map(|d| d.text.clone()),
        date: when_hit.and_then(|d| d.date).map(|d| d.to_string()),
    };
    let place = Place {
        text: found.places.first().map(|p| p.text.clone()),
        state: found.places.first().map(|p| p.state.to_owned()),
    };
    let people = people::find(&doc);
    let company = people
        .iter()
        .find(|p| p.role == "organisation")
        .map(|p| p.name.clone());
    let sector = sector(&decision, &scan, &found, company);
    let who = who(people, sector.agency.as_deref());

    let subject = who
        .iter()
        .find(|p| p.role == "suspect")
        .map(|p| p.name.as_str());
    let first_sentence = doc
        .sentences
        .first()
        .map_or("", |s| facts::shorten(text, s.clone()));
    let summary = facts::summary(
        &facts::SummaryFacts {
            category: &CATEGORIES[decision.category],
            subject,
            agency: sector.agency.as_deref(),
            amount: amounts.first().map(|a| a.text.as_str()),
            place: place.text.as_deref(),
            when: when.text.as_deref(),
            first_sentence,
        },
        malay,
    );
    let what = key
        .first()
        .or(doc.sentences.first())
        .map_or_else(String::new, |s| facts::shorten(text, s.clone()).to_owned());
    let runner_up = decision.runner_up.map(|(i, p)| (CATEGORIES[i].label_en, p));
    let mut evidence = facts::evidence(&doc, &key);
    if evidence.is_empty() && !first_sentence.is_empty() {
        evidence.push(first_sentence.to_owned());
    }
    Enrichment {
        summary,
        language: language.to_owned(),
        five_w1h: FiveW1H {
            who,
            what,
            when,
            place,
            why: facts::why(&doc, &key),
            how: facts::how(&doc, malay),
        },
        classification: Classification {
            category: CATEGORIES[decision.category].code.to_owned(),
            corruption_related: decision.corruption_related,
            confidence: (decision.confidence * 100.0).round() / 100.0,
            rationale: facts::rationale(
                &doc,
                &scan,
                (decision.category, decision.confidence),
                runner_up,
            ),
        },
        sector,
        legal,
        amounts,
        evidence_quotes: evidence,
    }
}

/// Whether a builtin result should be looked at by an officer before it is relied on.
pub fn needs_review(e: &Enrichment) -> bool {
    needs_review_with(model::model(), e)
}

/// [`needs_review`] for a result of `model`.
pub fn needs_review_with(model: &model::Model, e: &Enrichment) -> bool {
    e.classification.confidence < f64::from(model.review_below)
        || e.classification.category == "insufficient_information"
}

fn dedup_amounts(hits: Vec<amounts::AmountHit>) -> Vec<Amount> {
    let mut out: Vec<Amount> = Vec::new();
    for h in hits {
        if !out.iter().any(|a| a.text == h.text) {
            out.push(Amount {
                currency: h.currency.to_owned(),
                value: h.value,
                text: h.text,
            });
        }
    }
    out
}

fn sector(
    d: &Decision,
    scan: &lexicon::Scan,
    found: &Found,
    company: Option<String>,
) -> SectorInfo {
    let code = CATEGORIES[d.category].code;
    let agency = found.agencies.first();
    let sector = if code == "corporate_liability" || (scan.private_agent && agency.is_none()) {
        "private"
    } else if let Some(a) = agency {
        a.sector
    } else if scan
        .hits
        .iter()
        .any(|h| h.cue == lexicon::Cue::Official && !h.negated)
    {
        "public"
    } else {
        "public_member"
    };
    SectorInfo {
        sector: sector.to_owned(),
        area: area(code, found).to_owned(),
        agency: agency.map(|a| a.name.clone()).or(company),
    }
}

fn area(category: &str, found: &Found) -> &'static str {
    let mut scores = found.areas.clone();
    let mut bump = |area: &str, by: f32| {
        if let Some(s) = scores.iter_mut().find(|s| s.0 == area) {
            s.1 += by;
        }
    };
    if let Some(a) = found.agencies.first() {
        bump(a.area, 1.5);
    }
    match category {
        "tender_procurement" => bump("procurement", 3.0),
        "false_claim" | "criminal_breach_of_trust" => bump("finance_claims", 1.5),
        _ => {}
    }
    scores
        .iter()
        .filter(|s| s.1 > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or("other", |s| s.0)
}

fn who(people: Vec<people::PersonHit>, agency: Option<&str>) -> Vec<Person> {
    people
        .into_iter()
        .take(6)
        .map(|p| {
            let organisation = if p.role == "organisation" {
                None
            } else {
                agency.map(str::to_owned)
            };
            Person {
                name: p.name,
                role: p.role.to_owned(),
                organisation,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
