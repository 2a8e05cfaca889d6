//! Checks an enrichment against the taxonomy and the complaint:
//! codes exist, sections belong to their Act, quotes are substrings of the complaint,
//! dates parse, confidences are in [0, 1], states are real. Errors name the field, so the
//! repair prompt can tell the model exactly what to fix.

use std::fmt;

use aduan_api::enrichment::Enrichment;
use aduan_api::taxonomy::{self, AREAS, LANGUAGES, ROLES, SECTORS};
use chrono::NaiveDate;

/// The largest amount taken (10^15, far above any sum a complaint names). Beyond it lie
/// values PostgreSQL keeps in `jsonb` but prints with hundreds of digits, which then no
/// longer read back as a double.
const MAX_AMOUNT: f64 = 1e15;

/// One problem with a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// JSON path of the field, e.g. `legal[0].section`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

struct Errors(Vec<ValidationError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn code(&mut self, path: &str, value: &str, codes: &[taxonomy::Code]) {
        if !taxonomy::has_code(codes, value) {
            let allowed: Vec<&str> = codes.iter().map(|c| c.code).collect();
            self.push(
                path,
                format!("unknown code {value:?}; allowed: {}", allowed.join(", ")),
            );
        }
    }

    fn confidence(&mut self, path: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.push(path, format!("confidence {value} is not between 0 and 1"));
        }
    }
}

/// All problems of `e` as a result for the complaint `text`; empty when valid.
pub fn validate(e: &Enrichment, text: &str) -> Vec<ValidationError> {
    let mut errs = Errors(Vec::new());
    if e.summary.trim().is_empty() {
        errs.push("summary", "must not be empty");
    }
    errs.code("language", &e.language, LANGUAGES);
    validate_5w1h(e, &mut errs);
    let c = &e.classification;
    if taxonomy::category(&c.category).is_none() {
        let allowed: Vec<&str> = taxonomy::CATEGORIES.iter().map(|c| c.code).collect();
        errs.push(
            "classification.category",
            format!(
                "unknown category {:?}; allowed: {}",
                c.category,
                allowed.join(", ")
            ),
        );
    }
    errs.confidence("classification.confidence", c.confidence);
    errs.code("sector.sector", &e.sector.sector, SECTORS);
    errs.code("sector.area", &e.sector.area, AREAS);
    for (i, l) in e.legal.iter().enumerate() {
        match taxonomy::act(&l.act) {
            None => {
                let acts: Vec<&str> = taxonomy::ACTS.iter().map(|a| a.code).collect();
                errs.push(
                    format!("legal[{i}].act"),
                    format!("unknown Act {:?}; allowed: {}", l.act, acts.join(", ")),
                );
            }
            Some(act) if taxonomy::section(&l.act, &l.section).is_none() => {
                let secs: Vec<&str> = act.sections.iter().map(|s| s.code).collect();
                errs.push(
                    format!("legal[{i}].section"),
                    format!(
                        "section {:?} is not a section of {} ({}); its sections: {}",
                        l.section,
                        l.act,
                        act.short_name,
                        secs.join(", ")
                    ),
                );
            }
            Some(_) => {}
        }
        errs.confidence(&format!("legal[{i}].confidence"), l.confidence);
    }
    for (i, a) in e.amounts.iter().enumerate() {
        if !a.value.is_finite() || !(0.0..=MAX_AMOUNT).contains(&a.value) {
            errs.push(
                format!("amounts[{i}].value"),
                "must be a number from 0 to 10^15",
            );
        }
        if a.currency.len() != 3 || !a.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errs.push(
                format!("amounts[{i}].currency"),
                format!("{:?} is not an ISO 4217 code such as MYR", a.currency),
            );
        }
    }
    let haystack = squash(text);
    for (i, q) in e.evidence_quotes.iter().enumerate() {
        let q = squash(q);
        if q.is_empty() || !haystack.contains(&q) {
            errs.push(
                format!("evidence_quotes[{i}]"),
                "is not an exact substring of the complaint; quote the complaint word for word",
            );
        }
    }
    errs.0
}

fn validate_5w1h(e: &Enrichment, errs: &mut Errors) {
    let f = &e.five_w1h;
    for (i, p) in f.who.iter().enumerate() {
        errs.code(&format!("five_w1h.who[{i}].role"), &p.role, ROLES);
    }
    if let Some(d) = &f.when.date {
        if NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            errs.push(
                "five_w1h.when.date",
                format!("{d:?} is not a date in YYYY-MM-DD form (use null if unknown)"),
            );
        }
    }
    if let Some(s) = &f.place.state {
        if !taxonomy::is_state(s) {
            errs.push(
                "five_w1h.where.state",
                format!(
                    "{s:?} is not one of: {} (use null if unknown)",
                    taxonomy::STATES.join(", ")
                ),
            );
        }
    }
}

/// Whitespace runs collapsed to one space and trimmed: the only difference allowed
/// between a quote and the complaint.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fixes harmless formatting differences before validation, so they do not cost a repair
/// call: code case and spaces, "s16(a)" / "Section 16(a)" / "seksyen 16(a)" for "16(a)",
/// state spellings such as "Kuala Lumpur" or "Penang", and empty strings for null.
pub fn normalize(e: &mut Enrichment) {
    let code = |s: &mut String| *s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    code(&mut e.language);
    code(&mut e.classification.category);
    code(&mut e.sector.sector);
    code(&mut e.sector.area);
    for p in &mut e.five_w1h.who {
        code(&mut p.role);
    }
    for l in &mut e.legal {
        code(&mut l.act);
        l.section = normalize_section(&l.section);
    }
    for a in &mut e.amounts {
        let c = a.currency.trim().to_ascii_uppercase();
        a.currency = if c == "RM" { "MYR".to_owned() } else { c };
    }
    let place = &mut e.five_w1h.place;
    place.state = place
        .state
        .take()
        .filter(|s| !s.trim().is_empty())
        .map(|s| normalize_state(&s));
    let when = &mut e.five_w1h.when;
    when.date = when
        .date
        .take()
        .filter(|s| !s.trim().is_empty() && s != "null");
}

fn normalize_section(s: &str) -> String {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let rest = ["section ", "seksyen ", "sec. ", "s. ", "s"]
        .iter()
        .find_map(|p| {
            lower
                .strip_prefix(p)
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                .map(|r| r.len())
        })
        .map_or(t, |len| &t[t.len() - len..]);
    let mut out = rest.replace(' ', "");
    // "17a" → "17A": a section letter without brackets is upper case in the Acts.
    if out.ends_with(|c: char| c.is_ascii_lowercase()) && !out.contains('(') {
        out = out.to_ascii_uppercase();
    }
    out
}

fn normalize_state(s: &str) -> String {
    let lower = s.trim().to_ascii_lowercase();
    let alias = match lower.as_str() {
        "kuala lumpur" | "wilayah persekutuan kuala lumpur" | "w.p. kuala lumpur" | "kl" => {
            "WP Kuala Lumpur"
        }
        "labuan" | "wilayah persekutuan labuan" => "WP Labuan",
        "putrajaya" | "wilayah persekutuan putrajaya" => "WP Putrajaya",
        "penang" => "Pulau Pinang",
        "malacca" => "Melaka",
        _ => "",
    };
    if !alias.is_empty() {
        return alias.to_owned();
    }
    taxonomy::STATES
        .iter()
        .find(|st| st.eq_ignore_ascii_case(s.trim()))
        .map_or_else(|| s.to_owned(), |st| (*st).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::builtin;

    const TEXT: &str =
        "Pada 12 Januari 2025 seorang pegawai JPJ meminta wang RM300 supaya saya tidak disaman.";

    fn good() -> Enrichment {
        builtin::enrich(TEXT, NaiveDate::from_ymd_opt(2025, 3, 15).unwrap())
    }

    fn paths(e: &Enrichment) -> Vec<String> {
        validate(e, TEXT).into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn builtin_result_is_valid() {
        assert_eq!(paths(&good()), Vec::<String>::new());
    }

    #[test]
    fn unknown_codes_are_named() {
        let mut e = good();
        e.classification.category = "bribery".into();
        e.sector.area = "roads".into();
        assert_eq!(paths(&e), ["classification.category", "sector.area"]);
    }

    #[test]
    fn section_under_the_wrong_act() {
        let mut e = good();
        e.legal[0].act = "penal_code".into();
        e.legal[0].section = "16(a)".into();
        let errs = validate(&e, TEXT);
        assert_eq!(errs[0].path, "legal[0].section");
        assert!(errs[0].message.contains("409"), "{}", errs[0].message);
    }

    #[test]
    fn invented_quote_and_bad_date() {
        let mut e = good();
        e.evidence_quotes
            .push("pegawai itu menerima RM3,000".into());
        e.evidence_quotes.push("seorang  pegawai\nJPJ".into()); // whitespace differences are fine
        e.five_w1h.when.date = Some("12/01/2025".into());
        e.classification.confidence = 1.5;
        let n = e.evidence_quotes.len();
        let expected = [
            "five_w1h.when.date".to_owned(),
            "classification.confidence".to_owned(),
            format!("evidence_quotes[{}]", n - 2),
        ];
        assert_eq!(paths(&e), expected);
    }

    #[test]
    fn normalize_fixes_formatting_only() {
        let mut e = good();
        e.legal[0].section = "Section 16(a)".into();
        e.legal.push(aduan_api::enrichment::LegalRef {
            act: "Akta_694".into(),
            section: "s17a".into(),
            confidence: 0.3,
        });
        e.five_w1h.place.state = Some("Kuala Lumpur".into());
        e.classification.category = "Solicit_Accept_Bribe".into();
        normalize(&mut e);
        assert_eq!(e.legal[0].section, "16(a)");
        assert_eq!(
            (e.legal[1].act.as_str(), e.legal[1].section.as_str()),
            ("akta_694", "17A")
        );
        assert_eq!(e.five_w1h.place.state.as_deref(), Some("WP Kuala Lumpur"));
        assert!(validate(&e, TEXT).is_empty());
    }
}
