use super::*;

fn event(kind: &str, data: &str) -> SseEvent {
    SseEvent {
        kind: kind.into(),
        data: data.into(),
        id: Some("1".into()),
    }
}

const ID: &str = "0190f5f0-0000-7000-8000-000000000001";

/// The data of a complaint event as the server sends it.
fn complaint(status: &str) -> String {
    format!(
        r#"{{"id":"{ID}","complaint_id":"{ID}","status":"{status}","at":"2026-12-04T01:02:03Z"}}"#
    )
}

#[test]
fn enriched_is_analysed() {
    let e = event("complaint.enriched", &complaint("enriched"));
    assert_eq!(classify(&e), Some((ID.parse().unwrap(), Outcome::Analysed)));
}

#[test]
fn status_change_to_failed_is_failed() {
    let e = event("complaint.status_changed", &complaint("failed"));
    assert_eq!(classify(&e), Some((ID.parse().unwrap(), Outcome::Failed)));
}

#[test]
fn other_events_are_ignored() {
    let running = complaint("processing");
    assert_eq!(classify(&event("complaint.status_changed", &running)), None);
    assert_eq!(
        classify(&event("complaint.created", &complaint("queued"))),
        None
    );
    // A correction of an analysed complaint is not a second "analysed".
    assert_eq!(
        classify(&event("complaint.corrected", &complaint("enriched"))),
        None
    );
    // Malformed data, unknown kinds and id-less data are skipped, not a crash.
    assert_eq!(classify(&event("processing.stats", "{}")), None);
    assert_eq!(classify(&event("complaint.enriched", "not json")), None);
    assert_eq!(classify(&event("complaint.enriched", "{}")), None);
    assert_eq!(
        classify(&event("complaint.deleted", &complaint("enriched"))),
        None
    );
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let secs: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
    assert_eq!(secs, vec![1, 2, 4, 8, 16, 30, 30, 30]);
}

#[test]
fn a_reporter_reply_notifies_the_officer_of_the_case_only() {
    let me: Uuid = "0190f5f0-0000-7000-8000-0000000000aa".parse().unwrap();
    let data = |from: &str, assignee: &str| {
        format!(
            r#"{{"id":"{ID}","complaint_id":"{ID}","reference":"ADU-2026-000007","from":"{from}","case_id":null,"assignee_id":{assignee},"at":"2026-12-04T01:02:03Z"}}"#
        )
    };
    let mine = event("complaint.message", &data("reporter", &format!("\"{me}\"")));
    let got = reporter_reply(&mine, me).unwrap();
    assert_eq!(got.outcome, Outcome::ReporterReplied);
    assert_eq!(got.reference, "ADU-2026-000007");
    let notice = crate::notify::summarise(&[got]).unwrap();
    assert_eq!(notice.title, "Reporter replied");
    // Someone else's case, no case, or the officer's own message: nothing.
    let other = event("complaint.message", &data("reporter", "null"));
    assert!(reporter_reply(&other, me).is_none());
    let own = event("complaint.message", &data("officer", &format!("\"{me}\"")));
    assert!(reporter_reply(&own, me).is_none());
    assert_eq!(classify(&mine), None);
}
