//! The evaluation report as text tables: the two enrichers side by side, then per
//! category, then each confusion matrix.

use std::fmt::Write;

use aduan_api::taxonomy::CATEGORIES;

use super::metrics::Summary;
use super::Report;

/// The report as plain-text tables.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let cols: Vec<&Summary> = std::iter::once(&r.builtin).chain(&r.provider).collect();
    let _ = writeln!(
        out,
        "Set: {} ({} complaints)\n",
        r.set, r.builtin.complaints
    );
    let row = |out: &mut String, name: &str, f: &dyn Fn(&Summary) -> String| {
        let _ = write!(out, "{name:<34}");
        for s in &cols {
            let _ = write!(out, "{:>24}", f(s));
        }
        out.push('\n');
    };
    row(&mut out, "", &|s| s.enricher.clone());
    row(&mut out, "category accuracy", &|s| {
        format!("{:.3}", s.category_accuracy)
    });
    row(&mut out, "macro F1", &|s| format!("{:.3}", s.macro_f1));
    row(&mut out, "primary section accuracy", &|s| {
        format!("{:.3}", s.section_accuracy)
    });
    row(&mut out, "sent to review", &|s| {
        format!(
            "{} ({:.0} %)",
            s.needs_review,
            100.0 * s.needs_review as f64 / s.complaints.max(1) as f64
        )
    });
    row(&mut out, "accuracy of those not reviewed", &|s| {
        s.precision_not_reviewed
            .map_or("-".into(), |p| format!("{p:.3}"))
    });
    row(&mut out, "latency mean / p95 (ms)", &|s| {
        format!("{:.2} / {:.2}", s.latency_mean_ms, s.latency_p95_ms)
    });
    row(&mut out, "tokens per complaint", &|s| {
        s.tokens_per_complaint
            .map_or("-".into(), |t| format!("{t:.0}"))
    });
    row(&mut out, "builtin fallbacks / failed calls", &|s| {
        format!("{} / {}", s.fallbacks, s.failed)
    });

    let _ = writeln!(out, "\nPer category: precision / recall / F1 (labelled)");
    for (i, c) in CATEGORIES.iter().enumerate() {
        let _ = write!(out, "{:<34}", c.code);
        for s in &cols {
            let p = &s.per_category[i];
            let _ = write!(
                out,
                "{:>24}",
                format!("{:.2} / {:.2} / {:.2}", p.precision, p.recall, p.f1)
            );
        }
        let _ = writeln!(out, "  ({})", r.builtin.per_category[i].support);
    }
    for s in &cols {
        let _ = writeln!(
            out,
            "\nReliability of {}: confidence band, complaints, accuracy",
            s.enricher
        );
        for (band, n, acc) in &s.reliability {
            let _ = writeln!(out, "  {band:.1}–{:.1}  {n:>6}  {acc:.3}", band + 0.1);
        }
        confusion(&mut out, s);
    }
    out
}

fn confusion(out: &mut String, s: &Summary) {
    let _ = writeln!(
        out,
        "\nConfusion matrix of {} (rows labelled, columns predicted):",
        s.enricher
    );
    let _ = write!(out, "{:<26}", "");
    for i in 0..CATEGORIES.len() {
        let _ = write!(out, "{:>5}", format!("c{i}"));
    }
    out.push('\n');
    for (i, c) in CATEGORIES.iter().enumerate() {
        let _ = write!(out, "{:<26}", format!("c{i} {}", short(c.code)));
        for n in &s.confusion[i] {
            let _ = write!(out, "{n:>5}");
        }
        out.push('\n');
    }
}

fn short(code: &str) -> &str {
    &code[..code.len().min(22)]
}
