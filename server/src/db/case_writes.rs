//! Writing cases. Each change runs in one transaction: lock the case row, check the
//! version the client saw, apply the change, append its timeline entries and the
//! `case.updated` event, bump the version. `service::cases` composes these steps.

use aduan_api::account::Role;
use aduan_api::case::{CasePriority, CaseStatus, TimelineWhat, UserRef};
use aduan_api::event::EventKind;
use sqlx::PgConnection;
use uuid::Uuid;

/// The editable state of a case, locked (`FOR UPDATE`) until the transaction ends, so a
/// concurrent change waits and then sees the new version.
#[derive(Debug, Clone)]
pub struct Locked {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee: Option<UserRef>,
    pub version: i64,
}

pub async fn lock(db: &mut PgConnection, id: Uuid) -> Result<Option<Locked>, sqlx::Error> {
    type Row = (
        Uuid,
        String,
        String,
        String,
        String,
        Option<Uuid>,
        Option<String>,
        i64,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT c.id, c.reference, c.title, c.status, c.priority, c.assignee_id,
                u.display_name, c.version
         FROM cases c LEFT JOIN users u ON u.id = c.assignee_id
         WHERE c.id = $1 FOR UPDATE OF c",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(
        |(id, reference, title, status, priority, assignee_id, name, version)| {
            Ok(Locked {
                id,
                reference,
                title,
                status: super::known(&status, "case status", CaseStatus::parse)?,
                priority: super::known(&priority, "case priority", CasePriority::parse)?,
                assignee: assignee_id.zip(name).map(|(id, name)| UserRef { id, name }),
                version,
            })
        },
    )
    .transpose()
}

/// A user who may be assigned a case: exists, is not disabled, and is an officer or admin.
/// `Err(reason)` says why not.
pub async fn assignable(
    db: &mut PgConnection,
    id: Uuid,
) -> Result<Result<UserRef, &'static str>, sqlx::Error> {
    let row: Option<(String, String, bool)> =
        sqlx::query_as("SELECT display_name, role, disabled FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(match row {
        None => Err("is not a known user"),
        Some((_, _, true)) => Err("is a disabled account"),
        Some((_, role, _)) if Role::parse(&role) == Some(Role::Intake) => {
            Err("must be an officer or admin")
        }
        Some((name, _, _)) => Ok(UserRef { id, name }),
    })
}

/// Write a new case (status `evaluation`, version 1); returns its reference such as
/// `KES-2026-000042`. Its received time is the earliest of `complaint_ids`' receipt.
pub async fn insert(
    db: &mut PgConnection,
    id: Uuid,
    title: &str,
    priority: CasePriority,
    assignee: Option<Uuid>,
    created_by: Uuid,
    complaint_ids: &[Uuid],
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO cases (id, reference, title, priority, assignee_id, created_by, received_at)
         SELECT $1,
             'KES-' || to_char(now() AT TIME ZONE $7, 'YYYY') || '-'
                 || lpad(s.n::text, greatest(6, length(s.n::text)), '0'),
             $2, $3, $4, $5,
             coalesce((SELECT min(created_at) FROM complaints WHERE id = ANY($6)), now())
         FROM (SELECT nextval('case_reference_seq') AS n) s
         RETURNING reference",
    )
    .bind(id)
    .bind(title)
    .bind(priority.as_str())
    .bind(assignee)
    .bind(created_by)
    .bind(complaint_ids)
    .bind(crate::domain::time::SQL_TIME_ZONE)
    .fetch_one(db)
    .await
}

/// Set the editable fields; bumps the version. Returns the new version.
pub async fn update(db: &mut PgConnection, new: &Locked) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE cases SET title = $2, status = $3, priority = $4, assignee_id = $5,
             version = version + 1, updated_at = now(), last_action_at = now()
         WHERE id = $1 RETURNING version",
    )
    .bind(new.id)
    .bind(&new.title)
    .bind(new.status.as_str())
    .bind(new.priority.as_str())
    .bind(new.assignee.as_ref().map(|a| a.id))
    .fetch_one(db)
    .await
}

/// Record an action that changes no field (a note, a link): bumps the version and the
/// last action time, and recomputes the received time from the linked complaints.
pub async fn touch(db: &mut PgConnection, id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE cases SET version = version + 1, updated_at = now(), last_action_at = now(),
             received_at = coalesce((SELECT min(c.created_at) FROM case_complaints cc
                 JOIN complaints c ON c.id = cc.complaint_id WHERE cc.case_id = $1), created_at)
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .fetch_one(db)
    .await
}

/// References of the given complaints that exist, by id.
pub async fn complaint_references(
    db: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, reference FROM complaints WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(db)
        .await
}

/// The case each of `ids` already belongs to: (complaint, case id, case reference).
pub async fn cases_of(
    db: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT cc.complaint_id, c.id, c.reference FROM case_complaints cc
         JOIN cases c ON c.id = cc.case_id WHERE cc.complaint_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Link complaints to a case. A complaint already in a case violates
/// `case_complaints_complaint_key` (a race the caller's check lost).
pub async fn link(
    db: &mut PgConnection,
    case_id: Uuid,
    complaint_ids: &[Uuid],
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_complaints (case_id, complaint_id, linked_by)
         SELECT $1, unnest($2::uuid[]), $3",
    )
    .bind(case_id)
    .bind(complaint_ids)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

/// Unlink a complaint; `false` if it was not linked to this case.
pub async fn unlink(
    db: &mut PgConnection,
    case_id: Uuid,
    complaint_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM case_complaints WHERE case_id = $1 AND complaint_id = $2")
        .bind(case_id)
        .bind(complaint_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many complaints a case has.
pub async fn complaint_count(db: &mut PgConnection, case_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM case_complaints WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(db)
        .await
}

pub async fn add_note(
    db: &mut PgConnection,
    case_id: Uuid,
    author: Uuid,
    body: &str,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO case_notes (id, case_id, author_id, body) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(case_id)
        .bind(author)
        .bind(body)
        .execute(db)
        .await?;
    Ok(id)
}

/// Append timeline entries (one per change, in order) and the `case.updated` event that
/// tells every open view to refresh. The event has no owner: intake staff do not see it.
pub async fn record(
    db: &mut PgConnection,
    case: &Locked,
    actor: Uuid,
    version: i64,
    changes: &[TimelineWhat],
) -> Result<(), sqlx::Error> {
    let data: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| serde_json::to_value(c).expect("timeline entries serialise"))
        .collect();
    let kinds: Vec<String> = data
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or("").to_string())
        .collect();
    sqlx::query(
        "WITH t AS (
             INSERT INTO case_timeline (case_id, actor_id, kind, data)
             SELECT $1, $2, k, d FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS x(k, d, n)
             ORDER BY n
         )
         INSERT INTO events (kind, case_id, data)
         VALUES ($7, $1, jsonb_build_object('id', $1, 'case_id', $1,
             'reference', $5::text, 'version', $6::int8, 'changes', to_jsonb($3::text[]),
             'by', $2, 'at', now()))",
    )
    .bind(case.id)
    .bind(actor)
    .bind(&kinds)
    .bind(&data)
    .bind(&case.reference)
    .bind(version)
    .bind(EventKind::CaseUpdated.as_str())
    .execute(db)
    .await?;
    Ok(())
}
