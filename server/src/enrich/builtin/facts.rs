//! The prose fields built from what was found: what, why, how, evidence quotes, the
//! summary and the rationale. Quotes and "what" are cut from the text itself, so they are
//! always exact substrings.

use std::ops::Range;

use aduan_api::taxonomy::Category;

use super::lexicon::{Cue, Hit, Scan};
use super::text::Doc;

/// Longest quote kept, in bytes; cut at a word boundary.
const MAX_QUOTE: usize = 220;
const MAX_QUOTES: usize = 3;

/// Sentences holding the strongest non-negated cues of `cat`, strongest first, distinct.
pub fn key_sentences(doc: &Doc, scan: &Scan, cat: usize) -> Vec<Range<usize>> {
    let mut hits: Vec<&Hit> = scan.category_hits(cat).collect();
    hits.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.start.cmp(&b.start)));
    let mut out: Vec<Range<usize>> = Vec::new();
    for h in hits {
        let s = doc.sentence_of(h.start);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Up to three quotes: the key sentences, shortened.
pub fn evidence(doc: &Doc, key: &[Range<usize>]) -> Vec<String> {
    key.iter()
        .take(MAX_QUOTES)
        .map(|r| shorten(doc.text, r.clone()).to_owned())
        .filter(|q| !q.is_empty())
        .collect()
}

/// A prefix of `text[r]` of at most [`MAX_QUOTE`] bytes ending at a word boundary.
pub fn shorten(text: &str, r: Range<usize>) -> &str {
    let s = &text[r];
    if s.len() <= MAX_QUOTE {
        return s;
    }
    let mut cut = MAX_QUOTE;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = s[..cut].rfind(' ').unwrap_or(cut);
    s[..cut].trim_end_matches([',', ' '])
}

const PURPOSE: &[&str] = &[
    "supaya",
    "agar",
    "untuk mempercepatkan",
    "untuk meluluskan",
    "untuk mendapatkan",
    "untuk memastikan",
    "untuk melepaskan",
    "bagi mengelak",
    "sebagai balasan",
    "so that",
    "in exchange for",
    "in return for",
    "to avoid",
    "to approve",
    "to win",
    "to renew",
    "to let",
    "to get",
    "to speed up",
    "for approving",
];

/// The motive: from a purpose marker to the end of its sentence, key sentences first.
pub fn why(doc: &Doc, key: &[Range<usize>]) -> Option<String> {
    let all = doc.sentences.iter().filter(|s| !key.contains(s));
    for s in key.iter().chain(all) {
        let lower = &doc.lower[s.clone()];
        let found = PURPOSE.iter().filter_map(|p| find_word(lower, p)).min();
        if let Some(at) = found {
            let clause = doc.text[s.start + at..s.end].trim_end_matches(['.', '!', '?', ';']);
            return Some(shorten(clause, 0..clause.len()).to_owned());
        }
    }
    None
}

fn find_word(hay: &str, needle: &str) -> Option<usize> {
    hay.match_indices(needle)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || !hay.as_bytes()[i - 1].is_ascii_alphanumeric())
}

const METHODS: &[(&[&str], &str, &str)] = &[
    (
        &["wang tunai", "tunai", "cash", "sampul"],
        "wang tunai",
        "cash",
    ),
    (
        &[
            "pindahan",
            "transfer",
            "transferred",
            "transfers",
            "memindahkan",
            "dipindahkan",
            "akaun bank",
            "bank account",
            "personal account",
            "duitnow",
        ],
        "pindahan wang",
        "bank transfer",
    ),
    (
        &[
            "hadiah",
            "gift",
            "gifts",
            "rolex",
            "jam tangan",
            "percutian",
            "holiday",
            "holidays",
            "hotel",
            "barang kemas",
            "luxury cars",
        ],
        "hadiah",
        "gifts",
    ),
    (
        &[
            "invois",
            "invoice",
            "resit",
            "receipt",
            "receipts",
            "tuntutan",
            "claims",
            "dipalsukan",
            "altered",
        ],
        "dokumen atau tuntutan palsu",
        "false documents or claims",
    ),
    (
        &[
            "proksi",
            "proxy",
            "shell company",
            "akaun keldai",
            "nama orang lain",
            "driver's name",
            "fake sales",
        ],
        "akaun atau syarikat proksi",
        "proxy accounts or companies",
    ),
    (
        &[
            "orang tengah",
            "middleman",
            "consultant",
            "perunding",
            "ejen",
        ],
        "orang tengah",
        "an intermediary",
    ),
];

/// The modus operandi as a short list, in the complaint's language.
pub fn how(doc: &Doc, malay: bool) -> Option<String> {
    let words: Vec<&str> = METHODS
        .iter()
        .filter(|(cues, _, _)| cues.iter().any(|c| find_word(&doc.lower, c).is_some()))
        .map(|(_, ms, en)| if malay { *ms } else { *en })
        .collect();
    (!words.is_empty()).then(|| words.join(", "))
}

/// The facts the summary is made of.
pub struct SummaryFacts<'a> {
    pub category: &'a Category,
    pub subject: Option<&'a str>,
    pub agency: Option<&'a str>,
    pub amount: Option<&'a str>,
    pub place: Option<&'a str>,
    pub when: Option<&'a str>,
    pub first_sentence: &'a str,
}

/// One or two sentences in the complaint's language.
pub fn summary(f: &SummaryFacts, malay: bool) -> String {
    match (f.category.code, malay) {
        ("insufficient_information", true) => {
            return "Maklumat dalam aduan tidak mencukupi untuk dinilai.".into()
        }
        ("insufficient_information", false) => {
            return "The complaint does not give enough information to assess.".into()
        }
        ("not_corruption", true) => {
            return format!("Aduan bukan berkaitan rasuah: {}", f.first_sentence)
        }
        ("not_corruption", false) => {
            return format!("Not a corruption matter: {}", f.first_sentence)
        }
        _ => {}
    }
    let (label, by, of, inv, at, on, someone) = if malay {
        (
            f.category.label_ms,
            "oleh",
            "dari",
            "melibatkan",
            "di",
            "pada",
            "pihak yang tidak dinamakan",
        )
    } else {
        (
            f.category.label_en,
            "by",
            "of",
            "involving",
            "at",
            "on",
            "an unnamed party",
        )
    };
    let lead = if malay {
        "Pengadu mendakwa"
    } else {
        "The complainant alleges"
    };
    let mut s = format!(
        "{lead} {} {by} {}",
        label.to_lowercase(),
        f.subject.unwrap_or(someone)
    );
    let parts = [
        (of, f.agency.filter(|a| Some(*a) != f.subject)),
        (inv, f.amount),
        (at, f.place),
        (on, f.when),
    ];
    for (word, value) in parts {
        if let Some(v) = value {
            s.push_str(&format!(" {word} {v}"));
        }
    }
    s.push('.');
    s
}

/// Why the category: the classifier's probability, the rule cues for it, and the runner-up
/// by its label, as officers read it.
pub fn rationale(
    doc: &Doc,
    scan: &Scan,
    (cat, probability): (usize, f64),
    runner_up: Option<(&str, f32)>,
) -> String {
    let mut cues: Vec<&str> = Vec::new();
    for h in scan
        .hits
        .iter()
        .filter(|h| !h.negated && h.cue == Cue::Category(cat))
    {
        let c = &doc.text[h.start..h.end];
        if !cues.contains(&c) && cues.len() < 4 {
            cues.push(c);
        }
    }
    let negated = scan
        .hits
        .iter()
        .filter(|h| h.negated && matches!(h.cue, Cue::Category(_)))
        .count();
    let mut s = format!("Builtin classifier: probability {probability:.2}.");
    if !cues.is_empty() {
        s.push_str(&format!(
            " Cues \"{}\" (rule score {:.1}).",
            cues.join("\", \""),
            scan.scores[cat]
        ));
    }
    if let Some((label, p)) = runner_up {
        s.push_str(&format!(" Next: {label} ({p:.2})."));
    }
    if negated > 0 {
        s.push_str(&format!(" {negated} negated cue(s) ignored."));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_is_the_purpose_clause() {
        let doc = Doc::new("Pegawai itu meminta RM300 supaya saya tidak disaman. Saya bayar.");
        let key = vec![doc.sentences[0].clone()];
        assert_eq!(
            why(&doc, &key).as_deref(),
            Some("supaya saya tidak disaman")
        );
    }

    #[test]
    fn how_lists_methods() {
        let doc = Doc::new("He took cash and later a bank transfer into his personal account.");
        assert_eq!(how(&doc, false).as_deref(), Some("cash, bank transfer"));
    }

    #[test]
    fn shorten_stays_a_substring() {
        let long = "kata ".repeat(100);
        let s = shorten(&long, 0..long.len());
        assert!(s.len() <= MAX_QUOTE && long.contains(s));
    }
}
