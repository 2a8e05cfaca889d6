//! Reading cases: the list with its filters, one case with its complaints, notes and
//! timeline. Writes are in [`super::case_writes`].

use aduan_api::case::{
    CaseDetail, CaseNote, CasePriority, CaseStatus, CaseSummary, TimelineEntry, UserRef,
};
use aduan_api::complaint::ComplaintSummary;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

/// When a case counts as overdue: not closed, and idle (no action of any kind) longer than
/// `idle_days`, or received more than `age_days` ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    pub idle_days: u32,
    pub age_days: u32,
    /// Days a portal complaint's reporter may wait for a first word (see `push_unanswered`).
    pub ack_days: u32,
}

impl Default for Sla {
    fn default() -> Self {
        Sla {
            idle_days: 14,
            age_days: 90,
            ack_days: 7,
        }
    }
}

/// Whose cases to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    User(Uuid),
    Nobody,
}

/// Filters of `GET /api/v1/cases`, already validated.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<CaseStatus>,
    pub priority: Option<CasePriority>,
    pub assignee: Option<AssigneeFilter>,
    pub overdue: Option<bool>,
    /// Cases where a reporter wrote last and waits for an answer.
    pub reporter_waiting: Option<bool>,
    /// Part of the title or reference.
    pub q: Option<String>,
    /// Keyset position: items strictly older than this.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    reference: String,
    title: String,
    status: String,
    priority: String,
    assignee_id: Option<Uuid>,
    assignee_name: Option<String>,
    complaint_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_action_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    age_days: i64,
    idle_days: i64,
    overdue: bool,
    reporter_waiting: bool,
    reporter_unanswered: bool,
    version: i64,
}

impl TryFrom<SummaryRow> for CaseSummary {
    type Error = sqlx::Error;

    fn try_from(r: SummaryRow) -> Result<Self, sqlx::Error> {
        Ok(CaseSummary {
            id: r.id,
            reference: r.reference,
            title: r.title,
            status: super::known(&r.status, "case status", CaseStatus::parse)?,
            priority: super::known(&r.priority, "case priority", CasePriority::parse)?,
            assignee: r
                .assignee_id
                .zip(r.assignee_name)
                .map(|(id, name)| UserRef { id, name }),
            complaint_count: r.complaint_count,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_action_at: r.last_action_at,
            received_at: r.received_at,
            age_days: r.age_days,
            idle_days: r.idle_days,
            overdue: r.overdue,
            reporter_waiting: r.reporter_waiting,
            reporter_unanswered: r.reporter_unanswered,
            version: r.version,
        })
    }
}

/// `SELECT <summary columns> FROM cases c ... WHERE true`, ready for more conditions.
fn summary_query(sla: Sla) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::new(
        "SELECT c.id, c.reference, c.title, c.status, c.priority, c.assignee_id,
                u.display_name AS assignee_name,
                (SELECT count(*) FROM case_complaints cc WHERE cc.case_id = c.id)
                    AS complaint_count,
                c.created_at, c.updated_at, c.last_action_at, c.received_at,
                floor(extract(epoch FROM now() - c.received_at) / 86400)::int8 AS age_days,
                floor(extract(epoch FROM now() - c.last_action_at) / 86400)::int8 AS idle_days,
                c.version, ",
    );
    push_overdue(&mut qb, sla);
    qb.push(" AS overdue, ");
    push_waiting(&mut qb);
    qb.push(" AS reporter_waiting, ");
    push_unanswered(&mut qb, sla);
    qb.push(
        " AS reporter_unanswered FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE true",
    );
    qb
}

/// The overdue condition; one definition for the column and the filter.
fn push_overdue(qb: &mut QueryBuilder<'static, Postgres>, sla: Sla) {
    qb.push("(c.status <> 'closed' AND (c.last_action_at < now() - make_interval(days => ")
        .push_bind(sla.idle_days as i32)
        .push(") OR c.received_at < now() - make_interval(days => ")
        .push_bind(sla.age_days as i32)
        .push(") OR ");
    push_unanswered(qb, sla);
    qb.push("))");
}

/// A reporter of one of the case's portal complaints wrote last.
fn push_waiting(qb: &mut QueryBuilder<'static, Postgres>) {
    qb.push(
        "EXISTS (SELECT 1 FROM case_complaints cc JOIN portal_reports p
             ON p.complaint_id = cc.complaint_id
         WHERE cc.case_id = c.id AND p.last_message_from = 'reporter')",
    );
}

/// The acknowledgement clock: a portal complaint of the case has had no word from an
/// officer, and the case is still in evaluation (no stage the reporter sees has moved),
/// longer than `ack_days` after the report.
fn push_unanswered(qb: &mut QueryBuilder<'static, Postgres>, sla: Sla) {
    qb.push(
        "(c.status = 'evaluation' AND EXISTS (SELECT 1 FROM case_complaints cc
             JOIN portal_reports p ON p.complaint_id = cc.complaint_id
         WHERE cc.case_id = c.id AND p.acknowledged_at IS NULL
           AND p.created_at < now() - make_interval(days => ",
    )
    .push_bind(sla.ack_days as i32)
    .push(")))");
}

/// One page, newest first; `limit + 1` rows at most so the caller knows if there is more.
pub async fn list(
    db: &mut PgConnection,
    filter: &ListFilter,
    sla: Sla,
) -> Result<Vec<CaseSummary>, sqlx::Error> {
    let mut qb = summary_query(sla);
    if let Some(s) = filter.status {
        qb.push(" AND c.status = ").push_bind(s.as_str());
    }
    if let Some(p) = filter.priority {
        qb.push(" AND c.priority = ").push_bind(p.as_str());
    }
    match filter.assignee {
        Some(AssigneeFilter::User(id)) => {
            qb.push(" AND c.assignee_id = ").push_bind(id);
        }
        Some(AssigneeFilter::Nobody) => {
            qb.push(" AND c.assignee_id IS NULL");
        }
        None => {}
    }
    if let Some(overdue) = filter.overdue {
        qb.push(if overdue { " AND " } else { " AND NOT " });
        push_overdue(&mut qb, sla);
    }
    if let Some(waiting) = filter.reporter_waiting {
        qb.push(if waiting { " AND " } else { " AND NOT " });
        push_waiting(&mut qb);
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", q.replace(['\\', '%', '_'], ""));
        qb.push(" AND (c.title ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR c.reference ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some((at, id)) = filter.before {
        qb.push(" AND (c.created_at, c.id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ")
        .push_bind(filter.limit + 1);
    let rows: Vec<SummaryRow> = qb.build_query_as().fetch_all(db).await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// One case as listed, or `None`.
pub async fn summary(
    db: &mut PgConnection,
    id: Uuid,
    sla: Sla,
) -> Result<Option<CaseSummary>, sqlx::Error> {
    let mut qb = summary_query(sla);
    qb.push(" AND c.id = ").push_bind(id);
    let row: Option<SummaryRow> = qb.build_query_as().fetch_optional(db).await?;
    row.map(TryInto::try_into).transpose()
}

/// One case with its complaints, notes and timeline, or `None`.
pub async fn detail(
    db: &mut PgConnection,
    id: Uuid,
    sla: Sla,
) -> Result<Option<CaseDetail>, sqlx::Error> {
    let Some(summary) = summary(db, id, sla).await? else {
        return Ok(None);
    };
    let complaints = complaints(db, id).await?;
    let notes = notes(db, id).await?;
    let timeline = timeline(db, id).await?;
    Ok(Some(CaseDetail {
        allowed_transitions: summary.status.next().to_vec(),
        summary,
        complaints,
        notes,
        timeline,
    }))
}

/// Complaint summaries by id, in the order of `ids`' receipt (oldest first).
pub async fn complaint_summaries(
    db: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<ComplaintSummary>, sqlx::Error> {
    let rows: Vec<super::complaints::SummaryRow> = sqlx::query_as(
        "SELECT id, reference, channel, status, needs_review, left(description, 280) AS excerpt,
                anonymous, created_at, updated_at
         FROM complaints WHERE id = ANY($1) ORDER BY created_at, id",
    )
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

async fn complaints(db: &mut PgConnection, id: Uuid) -> Result<Vec<ComplaintSummary>, sqlx::Error> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT complaint_id FROM case_complaints WHERE case_id = $1")
            .bind(id)
            .fetch_all(&mut *db)
            .await?;
    complaint_summaries(db, &ids).await
}

async fn notes(db: &mut PgConnection, id: Uuid) -> Result<Vec<CaseNote>, sqlx::Error> {
    let rows: Vec<(Uuid, String, DateTime<Utc>, Uuid, String)> = sqlx::query_as(
        "SELECT n.id, n.body, n.created_at, n.author_id, u.display_name
         FROM case_notes n JOIN users u ON u.id = n.author_id
         WHERE n.case_id = $1 ORDER BY n.created_at, n.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, body, created_at, author, name)| CaseNote {
            id,
            author: UserRef { id: author, name },
            body,
            created_at,
        })
        .collect())
}

async fn timeline(db: &mut PgConnection, id: Uuid) -> Result<Vec<TimelineEntry>, sqlx::Error> {
    // A reporter's message has no user: it reads as the nil id named "reporter".
    let rows: Vec<(i64, DateTime<Utc>, Uuid, String, serde_json::Value)> = sqlx::query_as(
        "SELECT t.id, t.at, coalesce(t.actor_id, '00000000-0000-0000-0000-000000000000'),
                coalesce(u.display_name, 'reporter'), t.data
         FROM case_timeline t LEFT JOIN users u ON u.id = t.actor_id
         WHERE t.case_id = $1 ORDER BY t.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        // Entries are written by this server from the same type; one that no longer
        // parses (an older shape) is left out rather than failing the whole case.
        .filter_map(|(id, at, who, name, data)| {
            Some(TimelineEntry {
                id,
                at,
                who: UserRef { id: who, name },
                what: serde_json::from_value(data).ok()?,
            })
        })
        .collect())
}
