//! CSV for spreadsheet users (Excel first): UTF-8 with a byte-order mark so Malay and other
//! non-ASCII text opens right, CRLF line ends, Malaysian dates, and no cell that a
//! spreadsheet would run as a formula (complaint text comes from the public).

use chrono::{DateTime, NaiveDate, Utc};

/// What Excel needs to read the file as UTF-8.
pub const BOM: &str = "\u{feff}";

/// Append one record to `out`.
pub fn record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f.as_ref());
    }
    out.push_str("\r\n");
}

/// One cell: quoted when it holds a separator, a quote or a line break; a leading `=`,
/// `+`, `-`, `@`, tab or carriage return (what spreadsheets take for a formula) is
/// neutralised with an apostrophe, as OWASP advises against CSV injection.
fn field(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// `dd/mm/yyyy HH:MM` in Malaysian time, as Malaysian users write it.
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&super::time::offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `dd/mm/yyyy`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: &[&str]) -> String {
        let mut out = String::new();
        record(&mut out, fields);
        out
    }

    #[test]
    fn plain_fields_are_left_alone_and_records_end_in_crlf() {
        assert_eq!(
            line(&["ADU-2026-000001", "walk_in", "12"]),
            "ADU-2026-000001,walk_in,12\r\n"
        );
    }

    #[test]
    fn separators_quotes_and_line_breaks_are_quoted() {
        assert_eq!(
            line(&["a,b", "he said \"RM500\"", "line\nbreak"]),
            "\"a,b\",\"he said \"\"RM500\"\"\",\"line\nbreak\"\r\n"
        );
    }

    #[test]
    fn formulas_are_not_formulas() {
        assert_eq!(
            line(&["=HYPERLINK(\"http://x\")", "+60 12", "-1", "@SUM(A1)"]),
            "\"'=HYPERLINK(\"\"http://x\"\")\",\"'+60 12\",\"'-1\",\"'@SUM(A1)\"\r\n"
        );
        assert_eq!(line(&["a=b"]), "a=b\r\n");
    }

    #[test]
    fn dates_are_malaysian() {
        let t: DateTime<Utc> = "2026-12-03T17:05:00Z".parse().unwrap();
        assert_eq!(date_time(t), "04/12/2026 01:05");
        assert_eq!(date("2026-01-09".parse().unwrap()), "09/01/2026");
    }
}
