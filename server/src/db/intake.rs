//! Writing new complaints: one statement for a whole batch of submissions.

use aduan_api::account::AuditAction;
use aduan_api::complaint::ComplaintAccepted;
use aduan_api::event::EventKind;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::Actor;
use super::complaints::parse_status;
use crate::domain::complaint::NewComplaint;
use crate::storage::StoredBlob;

/// An attachment to be recorded with its complaint; its blob is already on disk.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub id: Uuid,
    pub filename: String,
    pub declared_type: Option<String>,
    pub blob: StoredBlob,
    /// On a copy with metadata removed: the attachment it was made from.
    pub original_of: Option<Uuid>,
    /// An original kept as evidence only (never listed or served as an attachment).
    pub hidden: bool,
    /// For a file from the reporter portal, what removing its metadata did.
    pub cleaning: Option<aduan_api::portal::Cleaning>,
}

impl NewAttachment {
    /// A file as staff intake stores it: itself, no cleaning.
    pub fn plain(
        id: Uuid,
        filename: String,
        declared_type: Option<String>,
        blob: StoredBlob,
    ) -> Self {
        NewAttachment {
            id,
            filename,
            declared_type,
            blob,
            original_of: None,
            hidden: false,
            cleaning: None,
        }
    }
}

/// An `Idempotency-Key` and the hash of the content submitted with it.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub content_hash: String,
}

/// A reporter portal receipt, written with its complaint: the keyed lookup value and the
/// argon2id hash (never the receipt).
#[derive(Clone)]
pub struct PortalReceipt {
    pub lookup: [u8; 16],
    pub hash: String,
}

impl std::fmt::Debug for PortalReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PortalReceipt(..)")
    }
}

/// One complaint as submitted, with its files and who submitted it.
#[derive(Debug, Clone)]
pub struct Submission {
    pub complaint: NewComplaint,
    pub files: Vec<NewAttachment>,
    pub actor: Actor,
    pub idempotency: Option<Idempotency>,
    /// For a report from the reporter portal: its receipt, in the same statement.
    pub portal: Option<PortalReceipt>,
}

#[derive(Debug, PartialEq)]
pub enum InsertOutcome {
    Created(ComplaintAccepted),
    /// The same key was used before with the same content: the first result.
    Repeated(ComplaintAccepted),
    /// The same key was used before with different content.
    KeyReused,
}

/// ONE statement writes the complaints of a batch with their attachments, search vectors,
/// enrichment jobs, audit entries and `complaint.created` events, so a busy intake pays for
/// one round trip and one commit per batch instead of per complaint. It does not NOTIFY: a
/// NOTIFY takes a global lock until commit and would serialise every intake; the caller
/// signals the event hub.
static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[], $5::jsonb[],
        $6::date[], $7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[],
        $13::text[], $14::text[], $15::int4[], $30::bytea[], $31::text[])
    AS t(id, channel, description, anonymous, complainant, incident_date, location,
        subject_agency, created_by, idempotency_key, idempotency_hash, actor_name, ip,
        user_agent, files, receipt_lookup, receipt_hash)
), c AS (
    INSERT INTO complaints (id, reference, channel, description, anonymous, complainant,
        incident_date, location, subject_agency, created_by, idempotency_key, idempotency_hash)
    SELECT i.id,
        'ADU-' || to_char(now() AT TIME ZONE $29, 'YYYY') || '-'
            || lpad(i.n::text, greatest(6, length(i.n::text)), '0'),
        i.channel, i.description, i.anonymous, i.complainant, i.incident_date, i.location,
        i.subject_agency, i.created_by, i.idempotency_key, i.idempotency_hash
    FROM (SELECT input.*, nextval('complaint_reference_seq') AS n FROM input) i
    ON CONFLICT (idempotency_key, coalesce(created_by, '00000000-0000-0000-0000-000000000000'::uuid))
        WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, reference, status, created_at, created_by
), a AS (
    INSERT INTO attachments (id, complaint_id, filename, declared_type, content_type,
        size_bytes, sha256, uploaded_by, original_of, hidden, cleaning)
    SELECT t.id, c.id, t.filename, t.declared_type, t.content_type, t.size_bytes, t.sha256,
        c.created_by, t.original_of, t.hidden, t.cleaning
    FROM unnest($16::uuid[], $17::uuid[], $18::text[], $19::text[], $20::text[], $21::int8[],
            $22::text[], $23::uuid[], $24::bool[], $25::text[])
        AS t(complaint_id, id, filename, declared_type, content_type, size_bytes, sha256,
            original_of, hidden, cleaning)
    JOIN c ON c.id = t.complaint_id
), j AS (
    {enqueue}
), e AS (
    INSERT INTO events (kind, complaint_id, owner_id, data)
    SELECT $27::text, c.id, c.created_by,
        jsonb_build_object('id', c.id, 'complaint_id', c.id, 'reference', c.reference,
                           'status', c.status, 'at', c.created_at)
    FROM c
), s AS (
    -- Malay has no stemmer in PostgreSQL: 'simple' matches Malay words as written,
    -- 'english' adds stemming for English text. Queries OR both.
    INSERT INTO complaint_search (complaint_id, search)
    SELECT c.id, to_tsvector('english', i.description) || to_tsvector('simple', i.description)
    FROM c JOIN input i ON i.id = c.id
), pr AS (
    INSERT INTO portal_reports (complaint_id, lookup, receipt_hash)
    SELECT c.id, i.receipt_lookup, i.receipt_hash
    FROM c JOIN input i ON i.id = c.id
    WHERE i.receipt_lookup IS NOT NULL
), au AS (
    INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, ip, user_agent,
        details)
    SELECT i.created_by, i.actor_name, $28::text, 'complaint', c.id::text, i.ip,
        i.user_agent, jsonb_build_object('reference', c.reference, 'attachments', i.files)
    FROM c JOIN input i ON i.id = c.id
)
SELECT c.id, c.reference, c.status, c.created_at FROM c
"#,
        enqueue = crate::queue::jobs::enqueue_new("c", "$26")
    )
});

#[derive(sqlx::FromRow)]
struct AcceptedRow {
    id: Uuid,
    reference: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<AcceptedRow> for ComplaintAccepted {
    type Error = sqlx::Error;

    fn try_from(r: AcceptedRow) -> Result<Self, sqlx::Error> {
        Ok(ComplaintAccepted {
            id: r.id,
            reference: r.reference,
            status: parse_status(&r.status)?,
            created_at: r.created_at,
        })
    }
}

/// Write one new complaint with everything that belongs to it, or find the first submission
/// with the same idempotency key.
pub async fn insert(
    pool: &PgPool,
    submission: &Submission,
    max_attempts: i32,
) -> Result<InsertOutcome, sqlx::Error> {
    let mut outcomes = insert_many(pool, std::slice::from_ref(submission), max_attempts).await?;
    Ok(outcomes.remove(0))
}

/// Write a batch of new complaints in one statement (one transaction: all or none), and give
/// each submission its outcome, in order.
#[tracing::instrument(skip_all, fields(batch = submissions.len()))]
pub async fn insert_many(
    pool: &PgPool,
    submissions: &[Submission],
    max_attempts: i32,
) -> Result<Vec<InsertOutcome>, sqlx::Error> {
    let ids: Vec<Uuid> = submissions.iter().map(|_| Uuid::now_v7()).collect();
    // One array per column, in submission order, borrowing from the submissions.
    fn column<'a, T>(submissions: &'a [Submission], f: impl Fn(&'a Submission) -> T) -> Vec<T> {
        submissions.iter().map(f).collect()
    }
    let s = submissions;
    let query = sqlx::query_as(INSERT_SQL.as_str())
        .bind(&ids)
        .bind(column(s, |s| s.complaint.channel.as_str()))
        .bind(column(s, |s| s.complaint.description.as_str()))
        .bind(column(s, |s| s.complaint.anonymous))
        .bind(column(s, |s| {
            s.complaint
                .complainant
                .as_ref()
                .map(|c| serde_json::to_value(c).expect("complainant serialises"))
        }))
        .bind(column(s, |s| s.complaint.incident_date))
        .bind(column(s, |s| s.complaint.location.as_deref()))
        .bind(column(s, |s| s.complaint.subject_agency.as_deref()))
        .bind(column(s, |s| s.actor.id))
        .bind(column(s, |s| {
            s.idempotency.as_ref().map(|i| i.key.as_str())
        }))
        .bind(column(s, |s| {
            s.idempotency.as_ref().map(|i| i.content_hash.as_str())
        }))
        .bind(column(s, |s| s.actor.name.as_deref()))
        .bind(column(s, |s| s.actor.ip.as_deref()))
        .bind(column(s, |s| s.actor.user_agent.as_deref()))
        .bind(column(s, |s| s.files.len() as i32));
    // Attachments are flattened, each carrying the id of its complaint.
    let owners: Vec<Uuid> = submissions
        .iter()
        .zip(&ids)
        .flat_map(|(s, id)| s.files.iter().map(move |_| *id))
        .collect();
    let files = submissions.iter().flat_map(|s| &s.files);
    let rows: Vec<AcceptedRow> = super::attachments::bind_files(query.bind(owners), files)
        .bind(max_attempts)
        .bind(EventKind::ComplaintCreated.as_str())
        .bind(AuditAction::ComplaintCreate.as_str())
        .bind(crate::domain::time::SQL_TIME_ZONE)
        .bind(column(s, |s| s.portal.as_ref().map(|p| p.lookup.to_vec())))
        .bind(column(s, |s| s.portal.as_ref().map(|p| p.hash.as_str())))
        .fetch_all(pool)
        .await?;

    let mut created: std::collections::HashMap<Uuid, AcceptedRow> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    let mut outcomes = Vec::with_capacity(submissions.len());
    for (submission, id) in submissions.iter().zip(&ids) {
        let outcome = match (created.remove(id), &submission.idempotency) {
            (Some(row), _) => InsertOutcome::Created(row.try_into()?),
            (None, Some(idem)) => earlier_submission(pool, idem, submission.actor.id).await?,
            // Only an idempotency conflict skips a row.
            (None, None) => return Err(sqlx::Error::RowNotFound),
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The outcome for a submission whose idempotency key was used before (by the same user).
async fn earlier_submission(
    pool: &PgPool,
    idem: &Idempotency,
    created_by: Option<Uuid>,
) -> Result<InsertOutcome, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        accepted: AcceptedRow,
        idempotency_hash: Option<String>,
    }
    let first: Row = sqlx::query_as(
        "SELECT id, reference, status, created_at, idempotency_hash FROM complaints
         WHERE idempotency_key = $1
           AND coalesce(created_by, '00000000-0000-0000-0000-000000000000'::uuid)
             = coalesce($2, '00000000-0000-0000-0000-000000000000'::uuid)",
    )
    .bind(&idem.key)
    .bind(created_by)
    .fetch_one(pool)
    .await?;
    Ok(
        if first.idempotency_hash.as_deref() == Some(idem.content_hash.as_str()) {
            InsertOutcome::Repeated(first.accepted.try_into()?)
        } else {
            InsertOutcome::KeyReused
        },
    )
}
