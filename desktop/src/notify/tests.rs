use super::*;

fn done(reference: &str, outcome: Outcome) -> Finished {
    Finished {
        id: uuid::Uuid::nil(),
        reference: reference.into(),
        outcome,
    }
}

#[test]
fn one_analysed_names_the_reference() {
    let n = summarise(&[done("ADU-2026-000123", Outcome::Analysed)]).unwrap();
    assert_eq!(n.title, "Complaint analysed");
    assert_eq!(n.body, "ADU-2026-000123 is ready to review.");
}

#[test]
fn one_failed_says_it_can_be_reprocessed() {
    let n = summarise(&[done("ADU-1", Outcome::Failed)]).unwrap();
    assert_eq!(n.title, "Complaint analysis failed");
    assert!(n.body.starts_with("ADU-1 could not be analysed"));
}

#[test]
fn many_are_counted_and_listed_with_the_rest_summed() {
    let items: Vec<_> = (1..=12)
        .map(|i| done(&format!("ADU-{i}"), Outcome::Analysed))
        .collect();
    let n = summarise(&items).unwrap();
    assert_eq!(n.title, "12 complaints analysed");
    assert_eq!(n.body, "ADU-1, ADU-2, ADU-3, ADU-4, ADU-5 and 7 more");
}

#[test]
fn mixed_outcomes_list_failures_first() {
    let items = [
        done("ADU-1", Outcome::Analysed),
        done("ADU-2", Outcome::Failed),
        done("ADU-3", Outcome::Analysed),
    ];
    let n = summarise(&items).unwrap();
    assert_eq!(n.title, "2 complaints analysed, 1 failed");
    assert_eq!(n.body, "ADU-2 (failed), ADU-1, ADU-3");
}

#[test]
fn only_failures() {
    let items = [
        done("ADU-1", Outcome::Failed),
        done("ADU-2", Outcome::Failed),
    ];
    assert_eq!(summarise(&items).unwrap().title, "2 complaints failed");
}

#[test]
fn empty_group_has_no_notice() {
    assert_eq!(summarise(&[]), None);
}

#[test]
fn items_within_the_window_form_one_group() {
    let t0 = Instant::now();
    let mut g = Grouper::new();
    assert_eq!(g.due(), None);
    let due = g.push(t0, done("ADU-1", Outcome::Analysed));
    assert_eq!(due, t0 + GROUP_WINDOW);
    // A later item joins the open group without pushing its deadline back.
    assert_eq!(
        g.push(
            t0 + Duration::from_millis(1500),
            done("ADU-2", Outcome::Failed)
        ),
        due
    );
    assert_eq!(g.take_due(t0 + Duration::from_millis(1999)), None);
    let group = g.take_due(due).unwrap();
    assert_eq!(group.len(), 2);
    assert_eq!(g.due(), None);
    assert_eq!(g.take_due(due + GROUP_WINDOW), None);
}

#[test]
fn an_item_after_the_flush_starts_a_new_group() {
    let t0 = Instant::now();
    let mut g = Grouper::new();
    g.push(t0, done("ADU-1", Outcome::Analysed));
    assert_eq!(g.take_due(t0 + GROUP_WINDOW).unwrap().len(), 1);
    let t1 = t0 + Duration::from_secs(3);
    assert_eq!(
        g.push(t1, done("ADU-2", Outcome::Analysed)),
        t1 + GROUP_WINDOW
    );
    assert_eq!(
        g.take_due(t1 + GROUP_WINDOW).unwrap(),
        vec![done("ADU-2", Outcome::Analysed)]
    );
}
