//! Dates as written: "12 Januari 2025", "January 12, 2025", "12/1/2025", "2025-01-12",
//! and relative ones ("semalam", "minggu lepas", "last week", "3 hari lalu") resolved
//! against the date the complaint was received.

use std::sync::LazyLock;

use chrono::{Datelike, Months, NaiveDate};
use regex::Regex;

/// A date mention: the text as written and, when it names a day, the resolved date.
#[derive(Debug, Clone, PartialEq)]
pub struct DateHit {
    pub text: String,
    pub date: Option<NaiveDate>,
    pub start: usize,
}

const MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("january", 1),
    ("jan", 1),
    ("februari", 2),
    ("february", 2),
    ("feb", 2),
    ("mac", 3),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("may", 5),
    ("jun", 6),
    ("june", 6),
    ("julai", 7),
    ("july", 7),
    ("jul", 7),
    ("ogos", 8),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("oktober", 10),
    ("october", 10),
    ("okt", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("disember", 12),
    ("december", 12),
    ("dis", 12),
    ("dec", 12),
];

const MONTH_ALT: &str = "januari|january|jan|februari|february|feb|mac|march|mar|april|apr|mei|may|jun|june|julai|july|jul|ogos|august|aug|september|sept|sep|oktober|october|okt|oct|november|nov|disember|december|dis|dec";

static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    let rel_n = r"(?P<n>\d{1,2}|dua|tiga|empat|lima|two|three|four|five)\s+(?P<unit>hari|minggu|bulan|days?|weeks?|months?)\s+(?:lepas|lalu|yang lalu|ago)";
    let pattern = format!(
        r"(?i)(?-u:\b)(?:(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})|(?P<nd>\d{{1,2}})[/.\-](?P<nm>\d{{1,2}})[/.\-](?P<ny>\d{{4}}|\d{{2}})|(?P<dd>\d{{1,2}})(?:hb|th|st|nd|rd)?\s+(?P<dm>{m})\.?(?:\s*,?\s*(?P<dy>\d{{4}}))?|(?P<em>{m})\.?\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ey>\d{{4}})|(?:bulan\s+)?(?P<mm>{m})\s+(?P<my>\d{{4}})|{rel_n}|(?P<rel>semalam|kelmarin|hari ini|pagi tadi|malam tadi|minggu lepas|minggu lalu|bulan lepas|bulan lalu|tahun lepas|tahun lalu|yesterday|today|this morning|last night|last week|last month|last year))(?-u:\b)",
        m = MONTH_ALT
    );
    Regex::new(&pattern).expect("date pattern compiles")
});

/// All date mentions, in order of appearance.
pub fn find(text: &str, received: NaiveDate) -> Vec<DateHit> {
    PATTERNS
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let date = resolve(&c, received)?;
            Some(DateHit {
                text: whole.as_str().to_owned(),
                date,
                start: whole.start(),
            })
        })
        .collect()
}

/// `None`: not a date after all (e.g. 31/02); `Some(None)`: a date that names no day.
fn resolve(c: &regex::Captures, received: NaiveDate) -> Option<Option<NaiveDate>> {
    let num = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<i32>().ok());
    let month = |name: &str| c.name(name).and_then(|m| month_number(m.as_str()));
    if let (Some(y), Some(m), Some(d)) = (num("iy"), num("im"), num("id")) {
        return ymd(y, m as u32, d as u32).map(Some);
    }
    if let (Some(d), Some(m), Some(y)) = (num("nd"), num("nm"), num("ny")) {
        // Malaysian usage is day/month/year; two-digit years are this century.
        let y = if y < 100 { 2000 + y } else { y };
        return ymd(y, m as u32, d as u32).map(Some);
    }
    if let (Some(d), Some(m)) = (num("dd"), month("dm")) {
        return day_month(d as u32, m, num("dy"), received);
    }
    if let (Some(m), Some(d), Some(y)) = (month("em"), num("ed"), num("ey")) {
        return ymd(y, m, d as u32).map(Some);
    }
    if month("mm").is_some() && num("my").is_some() {
        return Some(None);
    }
    if let (Some(n), Some(unit)) = (c.name("n"), c.name("unit")) {
        return Some(relative_n(n.as_str(), unit.as_str(), received));
    }
    c.name("rel")
        .map(|r| relative(&r.as_str().to_ascii_lowercase(), received))
}

fn day_month(d: u32, m: u32, year: Option<i32>, received: NaiveDate) -> Option<Option<NaiveDate>> {
    match year {
        Some(y) => ymd(y, m, d).map(Some),
        None => {
            // "pada 3 Mac" without a year: the most recent such day not after receipt.
            let this = ymd(received.year(), m, d)?;
            Some(if this > received {
                ymd(received.year() - 1, m, d)
            } else {
                Some(this)
            })
        }
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_number(s: &str) -> Option<u32> {
    let lower = s.to_ascii_lowercase();
    MONTHS.iter().find(|(n, _)| *n == lower).map(|(_, m)| *m)
}

fn relative(word: &str, received: NaiveDate) -> Option<NaiveDate> {
    let days = |n: u64| received.checked_sub_days(chrono::Days::new(n));
    match word {
        "hari ini" | "pagi tadi" | "malam tadi" | "today" | "this morning" => Some(received),
        "semalam" | "yesterday" | "last night" => days(1),
        // Standard Malay "kelmarin" is the day before yesterday.
        "kelmarin" => days(2),
        "minggu lepas" | "minggu lalu" | "last week" => days(7),
        "bulan lepas" | "bulan lalu" | "last month" => received.checked_sub_months(Months::new(1)),
        // A year back names no day worth recording.
        _ => None,
    }
}

fn relative_n(n: &str, unit: &str, received: NaiveDate) -> Option<NaiveDate> {
    let n: u32 = match n.to_ascii_lowercase().as_str() {
        "dua" | "two" => 2,
        "tiga" | "three" => 3,
        "empat" | "four" => 4,
        "lima" | "five" => 5,
        digits => digits.parse().ok()?,
    };
    let unit = unit.to_ascii_lowercase();
    if unit.starts_with("bulan") || unit.starts_with("month") {
        received.checked_sub_months(Months::new(n))
    } else {
        let per = if unit.starts_with("minggu") || unit.starts_with("week") {
            7
        } else {
            1
        };
        received.checked_sub_days(chrono::Days::new(u64::from(n) * per))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn first(text: &str) -> (String, Option<NaiveDate>) {
        let h = find(text, d("2025-03-15"))
            .into_iter()
            .next()
            .expect("a date");
        (h.text, h.date)
    }

    #[test]
    fn absolute_dates() {
        assert_eq!(
            first("Pada 12 Januari 2025 saya"),
            ("12 Januari 2025".into(), Some(d("2025-01-12")))
        );
        assert_eq!(
            first("on January 5, 2025 he"),
            ("January 5, 2025".into(), Some(d("2025-01-05")))
        );
        assert_eq!(
            first("berlaku pada 8/3/2025."),
            ("8/3/2025".into(), Some(d("2025-03-08")))
        );
        assert_eq!(
            first("tarikh 2024-12-01"),
            ("2024-12-01".into(), Some(d("2024-12-01")))
        );
        assert_eq!(
            first("pada 12hb Ogos"),
            ("12hb Ogos".into(), Some(d("2024-08-12")))
        );
        assert_eq!(first("sejak Mac 2024"), ("Mac 2024".into(), None));
    }

    #[test]
    fn relative_dates() {
        assert_eq!(
            first("Ini berlaku semalam."),
            ("semalam".into(), Some(d("2025-03-14")))
        );
        assert_eq!(
            first("kelmarin"),
            ("kelmarin".into(), Some(d("2025-03-13")))
        );
        assert_eq!(
            first("It happened last week"),
            ("last week".into(), Some(d("2025-03-08")))
        );
        assert_eq!(
            first("bulan lepas"),
            ("bulan lepas".into(), Some(d("2025-02-15")))
        );
        assert_eq!(
            first("3 hari lalu"),
            ("3 hari lalu".into(), Some(d("2025-03-12")))
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(find("31/02/2025 and RM5,000", d("2025-03-15")).is_empty());
    }
}
