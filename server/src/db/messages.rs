//! `complaint_messages`: the thread between a portal complaint's reporter and the officers,
//! and what a new message updates with it (the portal report's clocks, the case timeline,
//! the event log).

use aduan_api::event::EventKind;
use aduan_api::portal::MessageAuthor;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A message as stored, with its author's display name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub author: String,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The thread of a complaint, oldest first.
pub async fn list(pool: &PgPool, complaint_id: Uuid) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.complaint_id, m.author, u.display_name AS author_name, m.body,
                m.created_at
         FROM complaint_messages m LEFT JOIN users u ON u.id = m.author_id
         WHERE m.complaint_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(complaint_id)
    .fetch_all(pool)
    .await
}

/// The case holding a complaint: id, reference, status and assignee.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseOf {
    pub id: Uuid,
    pub reference: String,
    pub status: String,
    pub assignee_id: Option<Uuid>,
}

pub async fn case_of(
    db: &mut PgConnection,
    complaint_id: Uuid,
) -> Result<Option<CaseOf>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.reference, k.status, k.assignee_id
         FROM case_complaints cc JOIN cases k ON k.id = cc.case_id
         WHERE cc.complaint_id = $1",
    )
    .bind(complaint_id)
    .fetch_optional(db)
    .await
}

/// One new message and everything written with it.
pub struct Insert<'a> {
    pub id: Uuid,
    pub complaint_id: Uuid,
    pub reference: &'a str,
    pub author: MessageAuthor,
    pub author_id: Option<Uuid>,
    pub body: &'a str,
    pub case: Option<&'a CaseOf>,
}

/// Write the message, move the report's clocks, add the case timeline entry and the
/// `complaint.message` event, in the caller's transaction. Returns when it was written.
pub async fn insert(db: &mut PgConnection, m: &Insert<'_>) -> Result<DateTime<Utc>, sqlx::Error> {
    let at: DateTime<Utc> = sqlx::query_scalar(
        "WITH msg AS (
             INSERT INTO complaint_messages (id, complaint_id, author, author_id, body)
             VALUES ($1, $2, $3, $4, $5) RETURNING created_at
         ), report AS (
             UPDATE portal_reports SET last_message_from = $3,
                 last_message_at = (SELECT created_at FROM msg),
                 acknowledged_at = CASE WHEN $3 = 'officer'
                     THEN coalesce(acknowledged_at, (SELECT created_at FROM msg))
                     ELSE acknowledged_at END
             WHERE complaint_id = $2
         )
         SELECT created_at FROM msg",
    )
    .bind(m.id)
    .bind(m.complaint_id)
    .bind(m.author.as_str())
    .bind(m.author_id)
    .bind(m.body)
    .fetch_one(&mut *db)
    .await?;
    if let Some(case) = m.case {
        let what = aduan_api::case::TimelineWhat::Message {
            complaint_id: m.complaint_id,
            reference: m.reference.to_string(),
            message_id: m.id,
            from: m.author,
        };
        sqlx::query(
            "INSERT INTO case_timeline (case_id, actor_id, kind, data) VALUES ($1, $2, 'message', $3)",
        )
        .bind(case.id)
        .bind(m.author_id)
        .bind(serde_json::to_value(&what).expect("timeline entries serialise"))
        .execute(&mut *db)
        .await?;
    }
    let data = aduan_api::event::MessageEvent {
        id: m.id,
        complaint_id: m.complaint_id,
        reference: m.reference.to_string(),
        from: m.author,
        case_id: m.case.map(|c| c.id),
        assignee_id: m.case.and_then(|c| c.assignee_id),
        at,
    };
    sqlx::query("INSERT INTO events (kind, complaint_id, case_id, data) VALUES ($1, $2, $3, $4)")
        .bind(EventKind::ComplaintMessage.as_str())
        .bind(m.complaint_id)
        .bind(m.case.map(|c| c.id))
        .bind(serde_json::to_value(&data).expect("events serialise"))
        .execute(&mut *db)
        .await?;
    Ok(at)
}
