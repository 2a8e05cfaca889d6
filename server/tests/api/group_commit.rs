//! The intake writer: submissions that arrive together are written in one statement, and
//! still each gets its own outcome.

use aduan_api::complaint::Channel;
use aduan_server::db::audit::Actor;
use aduan_server::db::intake::{Idempotency, InsertOutcome, Submission};
use aduan_server::domain::complaint::NewComplaint;
use aduan_server::service::group_commit::IntakeWriter;

use crate::helpers::spawn_app;

fn submission(description: &str, key: Option<&str>) -> Submission {
    Submission {
        complaint: NewComplaint {
            channel: Channel::WalkIn,
            description: description.to_string(),
            anonymous: false,
            complainant: None,
            incident_date: None,
            location: None,
            subject_agency: None,
        },
        files: Vec::new(),
        actor: Actor::default(),
        idempotency: key.map(|k| Idempotency {
            key: k.to_string(),
            content_hash: "same".into(),
        }),
        portal: None,
    }
}

#[tokio::test]
async fn a_refused_submission_does_not_take_its_batch_down_with_it() {
    let app = spawn_app().await;
    let writer = IntakeWriter::start(app.pool.clone(), 5);
    // PostgreSQL refuses NUL in text. The HTTP layer never lets one through; here it
    // stands for any submission the database refuses, sent together with 40 good ones.
    let mut subs: Vec<_> = (0..40)
        .map(|i| submission(&format!("Rasuah di kaunter #{i} group-commit"), None))
        .collect();
    subs.insert(20, submission("bad \0 text", None));
    let outcomes = futures::future::join_all(subs.into_iter().map(|s| writer.submit(s))).await;

    assert!(outcomes[20].is_err(), "the refused one gets its error");
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(InsertOutcome::Created(_))))
        .count();
    assert_eq!(
        created, 40,
        "every other submission is written: {outcomes:?}"
    );
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM complaints c JOIN enrichment_jobs j ON j.complaint_id = c.id
         WHERE c.description LIKE '%group-commit'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 40);
    app.stop().await;
}

#[tokio::test]
async fn the_same_key_submitted_together_is_written_once() {
    let app = spawn_app().await;
    let writer = IntakeWriter::start(app.pool.clone(), 5);
    let outcomes = futures::future::join_all(
        (0..12).map(|_| writer.submit(submission("Duit kopi di pejabat tanah", Some("k-1")))),
    )
    .await;
    let mut created = Vec::new();
    let mut repeated = Vec::new();
    for o in outcomes {
        match o.expect("no errors") {
            InsertOutcome::Created(a) => created.push(a),
            InsertOutcome::Repeated(a) => repeated.push(a),
            InsertOutcome::KeyReused => panic!("same content, same key"),
        }
    }
    assert_eq!(created.len(), 1);
    assert_eq!(repeated.len(), 11);
    assert!(repeated.iter().all(|a| a.id == created[0].id));
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM complaints WHERE idempotency_key = 'k-1'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, 1);
    app.stop().await;
}
