//! One pass over the complaint: an ASCII-lowercased copy (same byte offsets as the
//! original, so every match can be quoted back exactly), word spans and sentence spans.

use std::ops::Range;

/// A complaint prepared for scanning.
pub struct Doc<'a> {
    /// The complaint as written.
    pub text: &'a str,
    /// `text` with ASCII letters lowercased; byte offsets are identical to `text`.
    pub lower: String,
    /// Byte ranges of words (letters, digits, apostrophes inside words).
    pub words: Vec<Range<usize>>,
    /// Byte ranges of sentences (split on `.`, `!`, `?`, `;` and newlines).
    pub sentences: Vec<Range<usize>>,
}

impl<'a> Doc<'a> {
    /// Scans `text` once for words and sentences.
    pub fn new(text: &'a str) -> Self {
        let lower = text.to_ascii_lowercase();
        let words = word_spans(&lower);
        let sentences = sentence_spans(text);
        Doc {
            text,
            lower,
            words,
            sentences,
        }
    }

    /// The word at index `i`, lowercased.
    pub fn word(&self, i: usize) -> &str {
        &self.lower[self.words[i].clone()]
    }

    /// Index of the first word starting at or after byte `pos`.
    pub fn word_index_at(&self, pos: usize) -> usize {
        self.words.partition_point(|w| w.start < pos)
    }

    /// The sentence range containing byte `pos`.
    pub fn sentence_of(&self, pos: usize) -> Range<usize> {
        let i = self.sentences.partition_point(|s| s.end <= pos);
        self.sentences.get(i).cloned().unwrap_or(0..self.text.len())
    }

    /// Index of the sentence containing byte `pos` (0 if none).
    pub fn sentence_index(&self, pos: usize) -> usize {
        self.sentences
            .partition_point(|s| s.end <= pos)
            .min(self.sentences.len().saturating_sub(1))
    }

    /// Whether `start..end` of `lower` starts and ends on word boundaries.
    pub fn is_word_at(&self, start: usize, end: usize, prefix: bool) -> bool {
        let b = self.lower.as_bytes();
        let left = start == 0 || !is_word_byte(b[start - 1]);
        let right = prefix || end >= b.len() || !is_word_byte(b[end]);
        left && right
    }
}

/// Letters, digits and any byte of a multi-byte character count as word characters, so
/// offsets never fall inside a UTF-8 sequence.
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

fn word_spans(lower: &str) -> Vec<Range<usize>> {
    let b = lower.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 5);
    let mut i = 0;
    while i < b.len() {
        if !is_word_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        // An apostrophe inside a word (didn't, Dato') belongs to it.
        while i < b.len()
            && (is_word_byte(b[i]) || (b[i] == b'\'' && i + 1 < b.len() && is_word_byte(b[i + 1])))
        {
            i += 1;
        }
        out.push(start..i);
    }
    out
}

fn sentence_spans(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..b.len() {
        let end_here = match b[i] {
            b'!' | b'?' | b';' | b'\n' => true,
            // A full stop ends a sentence unless it is inside a number or an abbreviation
            // such as "En." or "Sdn." (next character is not a space + capital/digit).
            b'.' => i + 1 >= b.len() || (b[i + 1] == b' ' && !is_abbrev_before(b, i)),
            _ => false,
        };
        if end_here {
            push_trimmed(text, start, i + 1, &mut out);
            start = i + 1;
        }
    }
    push_trimmed(text, start, b.len(), &mut out);
    out
}

fn is_abbrev_before(b: &[u8], dot: usize) -> bool {
    let word_start = b[..dot]
        .iter()
        .rposition(|c| !c.is_ascii_alphabetic())
        .map_or(0, |p| p + 1);
    let word = &b[word_start..dot];
    const ABBREV: &[&[u8]] = &[
        b"En", b"Pn", b"Mr", b"Mrs", b"Ms", b"Dr", b"Sdn", b"Insp", b"Kpl", b"Sjn", b"Hj", b"No",
        b"Jln", b"Tkt",
    ];
    ABBREV.contains(&word)
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Range<usize>>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if start + lead < end - trail {
        out.push(start + lead..end - trail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_original() {
        let d = Doc::new("Encik ALI minta RM300. En. Abu tak.");
        assert_eq!(&d.text[d.words[1].clone()], "ALI");
        assert_eq!(d.word(1), "ali");
        assert_eq!(d.sentences.len(), 2, "{:?}", d.sentences);
    }
}
