//! `ms`, `en` or `mixed`, from lingua's Malay, Indonesian and English models (Indonesian
//! counts as Malay: the written languages overlap and complainants mix them).
//!
//! Code-switching is the rule in complaints, so each clause (split at sentence ends and
//! commas) is detected on its own, and a complaint is `mixed` when the minority language
//! holds a fair share of the words. One pass per clause costs about what one pass over the
//! whole text does; lingua's own multi-language mode reads the text three times over.

use std::sync::LazyLock;

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

/// Share of words in the minority language above which a complaint is `mixed`.
const MIXED_SHARE: f64 = 0.2;
/// Only this much of a long complaint is read: the language is settled in its first
/// sentences, and lingua costs about a microsecond a byte, the costliest step of the
/// builtin enricher (2,000 complaints/s a core needs it this short).
const MAX_BYTES: usize = 250;
/// Clauses shorter than this many words say too little to count.
const MIN_CLAUSE_WORDS: usize = 3;

static DETECTOR: LazyLock<LanguageDetector> = LazyLock::new(|| {
    LanguageDetectorBuilder::from_languages(&[
        Language::Malay,
        Language::Indonesian,
        Language::English,
    ])
    .with_preloaded_language_models()
    // Trigrams only: telling Malay from English needs no more, and it is several times
    // faster than all five n-gram models.
    .with_low_accuracy_mode()
    .build()
});

/// Loads the language models now rather than on the first complaint.
pub fn warm_up() {
    LazyLock::force(&DETECTOR);
}

/// The complaint's language code.
pub fn detect(text: &str) -> &'static str {
    let mut end = text.len().min(MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let (mut ms, mut en) = (0usize, 0usize);
    for clause in text[..end].split(['.', ',', ';', '!', '?', '\n']) {
        let words = clause.split_whitespace().count();
        if words < MIN_CLAUSE_WORDS {
            continue;
        }
        match DETECTOR.detect_language_of(clause) {
            Some(Language::English) => en += words,
            Some(_) => ms += words,
            None => {}
        }
    }
    let total = ms + en;
    if total == 0 {
        // Too short to split: the whole text is one clause.
        return match DETECTOR.detect_language_of(&text[..end]) {
            Some(Language::English) => "en",
            _ => "ms",
        };
    }
    let minority = ms.min(en) as f64 / total as f64;
    if minority >= MIXED_SHARE {
        "mixed"
    } else if ms >= en {
        "ms"
    } else {
        "en"
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn detects_malay_english_and_mixed() {
        assert_eq!(
            detect(
                "Pegawai itu telah meminta wang daripada saya untuk meluluskan lesen perniagaan"
            ),
            "ms"
        );
        assert_eq!(
            detect("The officer asked me for money and I paid him at the station last night"),
            "en"
        );
        assert_eq!(detect("The officer asked for money"), "en");
        assert_eq!(detect("Pegawai imigresen kat KLIA minta duit dari pekerja saya. The officer was masked and my worker was too scared to refuse, so he paid cash."), "mixed");
    }
}
