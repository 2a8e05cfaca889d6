//! Deterministic randomness for training, and the noisy copies it trains on as well.

/// SplitMix64: tiny, and fixed forever, unlike a library's default generator.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// Short forms people type in messages, both ways round.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("yang", "yg"),
    ("dengan", "dgn"),
    ("untuk", "utk"),
    ("tidak", "tak"),
    ("saya", "sy"),
    ("sudah", "dah"),
    ("kepada", "kpd"),
    ("dekat", "kat"),
    ("boleh", "blh"),
    ("sahaja", "je"),
    ("macam", "mcm"),
    ("tetapi", "tapi"),
    ("bagi", "bg"),
    ("pegawai", "pgwai"),
    ("duit", "duet"),
    ("you", "u"),
    ("because", "bcos"),
    ("people", "ppl"),
    ("please", "pls"),
    ("already", "oredi"),
    ("the", "da"),
    ("officer", "ofcr"),
    ("money", "duit"),
];

/// A copy of `text` as someone typing quickly might have written it.
pub fn noisy_copy(text: &str, rng: &mut Rng) -> String {
    let lower = rng.below(2) == 0;
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let plain = word.trim_matches(|c: char| !c.is_alphanumeric());
        let short = SHORT_FORMS
            .iter()
            .find(|(long, _)| long.eq_ignore_ascii_case(plain))
            .map(|(_, s)| *s);
        let mut w = match short {
            Some(s) if rng.below(3) > 0 => word.replacen(plain, s, 1),
            _ => word.to_owned(),
        };
        if w.len() > 4 && w.is_ascii() && rng.below(12) == 0 {
            let at = 1 + rng.below(w.len() - 2);
            if rng.below(2) == 0 {
                w.remove(at);
            } else {
                let b = w.as_bytes();
                let swapped: String = [b[at], b[at - 1]].iter().map(|&c| c as char).collect();
                w.replace_range(at - 1..=at, &swapped);
            }
        }
        out.push_str(&if lower { w.to_lowercase() } else { w });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noisy_copies_are_reproducible_and_differ() {
        let t = "Saya sudah memberi wang kepada pegawai yang bertugas dengan segera.";
        let a = noisy_copy(t, &mut Rng(7));
        assert_eq!(a, noisy_copy(t, &mut Rng(7)));
        assert_ne!(a, t);
    }
}
