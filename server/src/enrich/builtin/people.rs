//! People and organisations: names after titles (Encik, Pn., Dato', Tan Sri, Mr, Insp. …),
//! companies ("… Sdn Bhd"), and unnamed officials ("seorang pegawai JPJ"), each with a
//! role guessed from the words around it.

use std::sync::LazyLock;

use regex::Regex;

use super::text::Doc;

/// A person or organisation found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonHit {
    pub name: String,
    pub role: &'static str,
    pub start: usize,
}

static TITLED: LazyLock<Regex> = LazyLock::new(|| {
    let titles = r"Tan Sri|Puan Sri|Dato' Seri|Datuk Seri|Dato'|Dato|Datuk|Datin|Tun|Encik|En\.|Puan|Pn\.|Cik|Tuan|Haji|Hj\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Inspektor|Insp\.|Sarjan|Sjn\.|Koperal|Kpl\.|Konstabel|ASP|DSP|Ustaz";
    let word = r"[A-Z][A-Za-z'@\-]*";
    let pattern =
        format!(r"(?-u:\b)(?:{titles})\s+{word}(?:\s+(?:bin|binti|bt|a/l|a/p|{word})){{0,4}}");
    Regex::new(&pattern).expect("name pattern compiles")
});

static COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    let word = r"[A-Z][A-Za-z0-9&'\-]*";
    let pattern = format!(
        r"(?:{word}\s+){{1,4}}(?:Sdn\.?\s*Bhd\.?|Berhad|Bhd\.?|Enterprise|Trading|Holdings|Ltd\.?)"
    );
    Regex::new(&pattern).expect("company pattern compiles")
});

static UNNAMED: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = r"(?i)(?-u:\b)(?:pegawai|anggota|penguatkuasa|kakitangan|pengarah|ketua|officer|official|inspector|director|manager|clerk|administrator|storekeeper|bendahari|treasurer)(?:\s+(?:[A-Z][A-Za-z]+|kanan|senior|trafik|kewangan|akaun|perolehan|imigresen|kastam|polis|tanah))?(?-u:\b)";
    Regex::new(pattern).expect("official pattern compiles")
});

const WITNESS: &[&str] = &["saksi", "witness", "witnesses"];
const VICTIM: &[&str] = &["mangsa", "victim", "victims"];
/// How many words before a name may say what the person is ("saksi kejadian, Encik Ali").
const ROLE_WINDOW: usize = 4;

/// Named and unnamed people and organisations, in order of appearance, without repeats.
pub fn find(doc: &Doc) -> Vec<PersonHit> {
    let mut out: Vec<PersonHit> = Vec::new();
    for m in TITLED.find_iter(doc.text) {
        push(&mut out, m.as_str(), role_near(doc, m.start()), m.start());
    }
    for m in COMPANY.find_iter(doc.text) {
        push(
            &mut out,
            strip_leading_function_words(m.as_str()),
            "organisation",
            m.start(),
        );
    }
    // Unnamed officials only when no one was named: "pegawai JPJ" beside "Encik Halim,
    // pegawai di Pejabat Tanah" would be the same person twice.
    if out.iter().all(|p| p.role == "organisation") {
        for m in UNNAMED.find_iter(doc.text).take(2) {
            push(&mut out, m.as_str(), role_near(doc, m.start()), m.start());
        }
    }
    out.sort_by_key(|p| p.start);
    out
}

fn push(out: &mut Vec<PersonHit>, name: &str, role: &'static str, start: usize) {
    let name = name.trim_end_matches(['.', ',', ' ']).trim();
    if !name.is_empty()
        && !out
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(name) || p.name.contains(name))
    {
        out.push(PersonHit {
            name: name.to_owned(),
            role,
            start,
        });
    }
}

fn strip_leading_function_words(s: &str) -> &str {
    let mut s = s;
    for w in ["The ", "A ", "An ", "Our ", "Syarikat kami, "] {
        s = s.strip_prefix(w).unwrap_or(s);
    }
    s
}

/// Witness or victim when the words just before the name say so; otherwise a suspect,
/// since complaints name people mostly to accuse them.
fn role_near(doc: &Doc, pos: usize) -> &'static str {
    let sentence = doc.sentence_of(pos);
    let wi = doc.word_index_at(pos);
    let before =
        (wi.saturating_sub(ROLE_WINDOW)..wi).filter(|&i| doc.words[i].start >= sentence.start);
    let mut role = "suspect";
    for i in before {
        let w = doc.word(i);
        if WITNESS.contains(&w) {
            role = "witness";
        } else if VICTIM.contains(&w) {
            role = "victim";
        }
    }
    role
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, &'static str)> {
        find(&Doc::new(text))
            .into_iter()
            .map(|p| (p.name, p.role))
            .collect()
    }

    #[test]
    fn titled_names_and_companies() {
        let v = names("Encik Ahmad bin Ali dari Syarikat Maju Jaya Sdn Bhd memberi wang kepada Dato' Seri Lim.");
        assert_eq!(v[0], ("Encik Ahmad bin Ali".into(), "suspect"));
        assert!(
            v.iter()
                .any(|(n, r)| n == "Syarikat Maju Jaya Sdn Bhd" && *r == "organisation"),
            "{v:?}"
        );
        assert!(v.iter().any(|(n, _)| n == "Dato' Seri Lim"), "{v:?}");
    }

    #[test]
    fn unnamed_official_when_nobody_named() {
        let v = names("Seorang pegawai JPJ meminta RM300 daripada saya.");
        assert_eq!(v, vec![("pegawai JPJ".into(), "suspect")]);
    }

    #[test]
    fn witness_role_from_context() {
        let v = names("Saksi kejadian, Encik Ali, nampak Mr. Tan menerima sampul surat.");
        assert_eq!(
            v,
            vec![
                ("Encik Ali".into(), "witness"),
                ("Mr. Tan".into(), "suspect")
            ]
        );
    }
}
