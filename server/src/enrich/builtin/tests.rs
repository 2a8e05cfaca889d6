//! End-to-end checks of the builtin enricher on whole complaints.

use super::*;

fn received() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 15).unwrap()
}

#[test]
fn malay_solicitation_end_to_end() {
    let text = "Pada 12 Januari 2025 seorang pegawai JPJ di Sungai Besi meminta wang sebanyak RM300 supaya saya tidak disaman. Saya terpaksa memberi wang tunai.";
    let e = enrich(text, received());
    assert_eq!(e.language, "ms");
    assert_eq!(e.classification.category, "solicit_accept_bribe");
    assert_eq!(e.legal[0].act, "akta_694");
    assert_eq!(e.legal[0].section, "16(a)");
    assert_eq!(e.five_w1h.when.date.as_deref(), Some("2025-01-12"));
    assert_eq!(e.five_w1h.place.state.as_deref(), Some("WP Kuala Lumpur"));
    assert_eq!(e.sector.sector, "enforcement");
    assert_eq!(e.amounts[0].value, 300.0);
    assert_eq!(e.five_w1h.why.as_deref(), Some("supaya saya tidak disaman"));
    assert!(e.evidence_quotes.iter().all(|q| text.contains(q.as_str())));
    assert!(e.summary.starts_with("Pengadu mendakwa"), "{}", e.summary);
}

#[test]
fn negation_turns_a_bribe_word_into_a_service_complaint() {
    let e = enrich("Pegawai kaunter itu tidak meminta sebarang wang, cuma perkhidmatan sangat lambat dan dia kurang ajar kepada saya semalam.", received());
    assert_eq!(e.classification.category, "not_corruption");
    assert!(!e.classification.corruption_related);
    assert!(e.legal.is_empty());
    assert_eq!(e.five_w1h.when.date.as_deref(), Some("2025-03-14"));
    let e = enrich("The officer did not ask for any money and I did not offer anything. I am unhappy with the slow service at the counter and the staff were rude.", received());
    assert_eq!(e.classification.category, "not_corruption");
}

#[test]
fn english_amounts_and_relative_dates() {
    let text = "Last week the site supervisor demanded RM 1.5 million from our company before approving the variation order, and later asked for another RM50k in cash.";
    let e = enrich(text, received());
    assert_eq!(e.language, "en");
    let values: Vec<f64> = e.amounts.iter().map(|a| a.value).collect();
    assert_eq!(values, [1_500_000.0, 50_000.0]);
    assert_eq!(e.five_w1h.when.date.as_deref(), Some("2025-03-08"));
    assert_eq!(e.classification.category, "solicit_accept_bribe");
}

#[test]
fn thin_text_is_insufficient_and_flagged() {
    let e = enrich("Ada rasuah di sana.", received());
    assert_eq!(e.classification.category, "insufficient_information");
    assert!(e.classification.corruption_related);
    assert!(needs_review(&e));
    assert!(!e.evidence_quotes.is_empty());
}

#[test]
fn empty_text_does_not_panic() {
    let e = enrich("", received());
    assert_eq!(e.classification.category, "insufficient_information");
    assert!(e.evidence_quotes.is_empty());
}

#[test]
fn builtin_results_pass_validation() {
    let texts = [
        "Encik Ahmad dari Majlis Perbandaran Kajang meminta RM5,000 untuk meluluskan lesen perniagaan saya bulan lepas.",
        "Tender bekalan di sekolah diatur dan dua syarikat dibayar untuk menarik diri daripada tender.",
        "Saya dengar ada orang ambil duit.",
        "Pegawai imigresen kat KLIA minta duit RM500 from my worker, dia takut and paid cash semalam.",
    ];
    for t in texts {
        let e = enrich(t, received());
        let errors = crate::enrich::validate::validate(&e, t);
        assert!(errors.is_empty(), "{t}: {errors:?}");
    }
}
