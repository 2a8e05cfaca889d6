//! Sums of money: "RM5,000", "RM 5k", "5 ribu", "RM2 juta", "RM 1.5 million",
//! "USD50,000", "10 juta rupiah", "2 juta baht".

use std::sync::LazyLock;

use regex::Regex;

/// A sum found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct AmountHit {
    pub currency: &'static str,
    pub value: f64,
    pub text: String,
    pub start: usize,
}

static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    let num = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";
    let scale = r"k|ribu|juta|million|mil|m|bilion|billion|bn|b";
    let pattern = format!(
        r"(?i)(?-u:\b)(?:(?P<cur>rm|myr|usd|us\$|sgd|s\$|idr|thb)\s?(?P<n1>{num})(?:\s?(?P<s1>{scale}))?|(?P<n2>{num})\s?(?P<s2>ribu|juta|million|billion|bilion)?\s?(?P<cur2>ringgit|rupiah|baht|dollars?|usd))(?-u:\b)|(?-u:\b)(?P<n3>{num})\s?(?P<s3>ribu|juta)(?-u:\b)"
    );
    Regex::new(&pattern).expect("amount pattern compiles")
});

/// All sums, in order of appearance.
pub fn find(text: &str) -> Vec<AmountHit> {
    PATTERN
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let (num, scale, cur) = if let Some(n) = c.name("n1") {
                (n, c.name("s1"), c.name("cur").map(|m| m.as_str()))
            } else if let Some(n) = c.name("n2") {
                (n, c.name("s2"), c.name("cur2").map(|m| m.as_str()))
            } else {
                // "5 ribu", "40 juta" with no currency: in a Malaysian complaint, ringgit.
                (c.name("n3")?, c.name("s3"), None)
            };
            let base: f64 = num.as_str().replace(',', "").parse().ok()?;
            let value = base * scale.map_or(1.0, |s| multiplier(s.as_str()));
            let text = whole.as_str().trim_end().to_owned();
            Some(AmountHit {
                currency: currency(cur),
                value,
                text,
                start: whole.start(),
            })
        })
        .collect()
}

fn multiplier(scale: &str) -> f64 {
    match scale.to_ascii_lowercase().as_str() {
        "k" | "ribu" => 1e3,
        "juta" | "million" | "mil" | "m" => 1e6,
        _ => 1e9,
    }
}

fn currency(cur: Option<&str>) -> &'static str {
    match cur.map(str::to_ascii_lowercase).as_deref() {
        Some("usd" | "us$" | "dollar" | "dollars") => "USD",
        Some("sgd" | "s$") => "SGD",
        Some("idr" | "rupiah") => "IDR",
        Some("thb" | "baht") => "THB",
        _ => "MYR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (&'static str, f64, String) {
        let v = find(text);
        assert_eq!(v.len(), 1, "{text}: {v:?}");
        (v[0].currency, v[0].value, v[0].text.clone())
    }

    #[test]
    fn ringgit_forms() {
        assert_eq!(
            one("meminta RM5,000 untuk"),
            ("MYR", 5000.0, "RM5,000".into())
        );
        assert_eq!(one("asked RM 5k."), ("MYR", 5000.0, "RM 5k".into()));
        assert_eq!(one("sebanyak 5 ribu"), ("MYR", 5000.0, "5 ribu".into()));
        assert_eq!(
            one("bernilai RM2 juta"),
            ("MYR", 2_000_000.0, "RM2 juta".into())
        );
        assert_eq!(
            one("about RM 1.5 million"),
            ("MYR", 1_500_000.0, "RM 1.5 million".into())
        );
        assert_eq!(
            one("RM40 ribu hilang"),
            ("MYR", 40_000.0, "RM40 ribu".into())
        );
        assert_eq!(
            one("bayar 300 ringgit"),
            ("MYR", 300.0, "300 ringgit".into())
        );
    }

    #[test]
    fn other_currencies_and_non_amounts() {
        assert_eq!(
            one("paid USD50,000 to"),
            ("USD", 50_000.0, "USD50,000".into())
        );
        assert_eq!(
            one("10 juta rupiah setiap"),
            ("IDR", 10_000_000.0, "10 juta rupiah".into())
        );
        assert!(find("pada 12 Januari 2025, 3 orang").is_empty());
        assert!(find("RM50 menunggu").iter().all(|a| a.value == 50.0));
    }
}
