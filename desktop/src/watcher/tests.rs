use super::*;

fn event(kind: &str, data: &str) -> SseEvent {
    SseEvent {
        kind: kind.into(),
        data: data.into(),
        id: Some("1".into()),
    }
}

const ID: &str = "0190f5f0-0000-7000-8000-000000000001";

#[test]
fn enriched_is_analysed() {
    let e = event(
        "complaint.enriched",
        &format!(r#"{{"complaint_id":"{ID}","status":"enriched"}}"#),
    );
    assert_eq!(classify(&e), Some((ID.parse().unwrap(), Outcome::Analysed)));
}

#[test]
fn status_change_to_failed_is_failed() {
    let e = event(
        "complaint.status_changed",
        &format!(r#"{{"complaint_id":"{ID}","status":"failed"}}"#),
    );
    assert_eq!(classify(&e), Some((ID.parse().unwrap(), Outcome::Failed)));
}

#[test]
fn other_events_are_ignored() {
    let running = format!(r#"{{"complaint_id":"{ID}","status":"processing"}}"#);
    assert_eq!(classify(&event("complaint.status_changed", &running)), None);
    assert_eq!(classify(&event("complaint.created", &running)), None);
    assert_eq!(classify(&event("processing.stats", "{}")), None);
    // Malformed or id-less data is skipped, not a crash.
    assert_eq!(classify(&event("complaint.enriched", "not json")), None);
    assert_eq!(classify(&event("complaint.enriched", "{}")), None);
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let secs: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
    assert_eq!(secs, vec![1, 2, 4, 8, 16, 30, 30, 30]);
}
