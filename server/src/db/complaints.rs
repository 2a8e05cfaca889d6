//! The `complaints` table and everything written with a complaint.

use aduan_api::case::CaseRef;
use aduan_api::complaint::{
    Channel, Complainant, ComplaintDetail, ComplaintStatus, ComplaintSummary, EnrichmentRecord,
    StatusChange,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// A status column (see [`super::known`]).
pub fn parse_status(s: &str) -> Result<ComplaintStatus, sqlx::Error> {
    super::known(s, "complaint status", ComplaintStatus::parse)
}

/// A channel column (see [`super::known`]).
pub fn parse_channel(s: &str) -> Result<Channel, sqlx::Error> {
    super::known(s, "channel", Channel::parse)
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    id: Uuid,
    reference: String,
    channel: String,
    status: String,
    needs_review: bool,
    description: String,
    anonymous: bool,
    complainant: Option<serde_json::Value>,
    incident_date: Option<NaiveDate>,
    location: Option<String>,
    subject_agency: Option<String>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_error: Option<String>,
    case_id: Option<Uuid>,
    case_reference: Option<String>,
    case_assignee: Option<Uuid>,
}

/// Who may see what: `Some(user)` limits the lookup to complaints that user entered;
/// `raw_replies` includes the provider's raw replies (admins); `cases` names the case a
/// complaint belongs to (officers and admins, who work cases).
#[derive(Debug, Clone, Copy, Default)]
pub struct Visibility {
    pub only_created_by: Option<Uuid>,
    pub raw_replies: bool,
    pub cases: bool,
    /// Officers' corrections and their notes: internal work, not for intake staff.
    pub corrections: bool,
    /// The reader, for need-to-know: the complainant's identity is shown to the intake
    /// user who entered the complaint and to the officer assigned to its case.
    pub reader: Uuid,
    /// Every complainant's identity (admins).
    pub all_identities: bool,
}

impl Visibility {
    /// What `user` may see: intake staff only their own complaints, admins the raw replies.
    pub fn for_user(user: &crate::auth::AuthUser) -> Self {
        Visibility {
            only_created_by: user.only_own(),
            raw_replies: user.role == aduan_api::account::Role::Admin,
            cases: user.role != aduan_api::account::Role::Intake,
            corrections: user.role != aduan_api::account::Role::Intake,
            reader: user.id,
            all_identities: user.role == aduan_api::account::Role::Admin,
        }
    }
}

/// A complaint with its attachments, status timeline and case; `None` if it does not exist
/// or is not visible. The case comes from a join here only: lists stay a single-table scan.
pub async fn get(
    pool: &PgPool,
    id: Uuid,
    vis: Visibility,
) -> Result<Option<ComplaintDetail>, sqlx::Error> {
    let row: Option<DetailRow> = sqlx::query_as(
        "SELECT c.id, c.reference, c.channel, c.status, c.needs_review, c.description,
                c.anonymous, c.complainant, c.incident_date, c.location, c.subject_agency,
                c.created_by, c.created_at, c.updated_at, c.last_error,
                k.id AS case_id, k.reference AS case_reference, k.assignee_id AS case_assignee
         FROM complaints c
         LEFT JOIN case_complaints cc ON $3 AND cc.complaint_id = c.id
         LEFT JOIN cases k ON k.id = cc.case_id
         WHERE c.id = $1 AND ($2::uuid IS NULL OR c.created_by = $2)",
    )
    .bind(id)
    .bind(vis.only_created_by)
    .bind(vis.cases)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let attachments = super::attachments::list_for(pool, id).await?;
    let history = history(pool, id, r.created_at).await?;
    let enrichment = enrichment(pool, id, vis.raw_replies).await?.map(|mut e| {
        if !vis.corrections {
            e.corrections = None;
            e.corrected_by = None;
            e.corrected_at = None;
        }
        e
    });
    let complainant = r
        .complainant
        .and_then(|v| serde_json::from_value::<Complainant>(v).ok());
    let needs_to_know = vis.all_identities
        || r.created_by == Some(vis.reader)
        || r.case_assignee == Some(vis.reader);
    let complainant_withheld = complainant.is_some() && !needs_to_know;
    Ok(Some(ComplaintDetail {
        id: r.id,
        reference: r.reference,
        channel: parse_channel(&r.channel)?,
        status: parse_status(&r.status)?,
        needs_review: r.needs_review,
        description: r.description,
        anonymous: r.anonymous,
        complainant: complainant.filter(|_| needs_to_know),
        complainant_withheld,
        incident_date: r.incident_date,
        location: r.location,
        subject_agency: r.subject_agency,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        attachments,
        history,
        last_error: r.last_error,
        enrichment,
        case: r
            .case_id
            .zip(r.case_reference)
            .map(|(id, reference)| CaseRef { id, reference }),
    }))
}

async fn enrichment(
    pool: &PgPool,
    id: Uuid,
    raw_replies: bool,
) -> Result<Option<EnrichmentRecord>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        result: serde_json::Value,
        provenance: serde_json::Value,
        needs_review: bool,
        corrections: Option<serde_json::Value>,
        corrected_by: Option<Uuid>,
        corrected_at: Option<DateTime<Utc>>,
        updated_at: DateTime<Utc>,
        version: i64,
        raw_reply: Option<serde_json::Value>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT result, provenance, needs_review, corrections, corrected_by, corrected_at,
                updated_at, version, CASE WHEN $2 THEN raw_reply END AS raw_reply
         FROM enrichments WHERE complaint_id = $1",
    )
    .bind(id)
    .bind(raw_replies)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        // Results are written by this server from the same type; one that no longer
        // parses (an old schema) is shown as absent rather than failing the whole page.
        let result = serde_json::from_value(r.result).ok()?;
        Some(EnrichmentRecord {
            result,
            provenance: r.provenance,
            needs_review: r.needs_review,
            corrections: r.corrections,
            corrected_by: r.corrected_by,
            corrected_at: r.corrected_at,
            updated_at: r.updated_at,
            version: r.version,
            raw_reply: r.raw_reply,
        })
    }))
}

/// The status timeline. Its first entry, `queued` at the moment of receipt, is not stored:
/// it is the complaint's `created_at` (one row fewer written per intake).
async fn history(
    pool: &PgPool,
    id: Uuid,
    created_at: DateTime<Utc>,
) -> Result<Vec<StatusChange>, sqlx::Error> {
    let rows: Vec<(String, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT status, at, detail FROM complaint_status_history
         WHERE complaint_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let received = StatusChange {
        status: ComplaintStatus::Queued,
        at: created_at,
        detail: None,
    };
    let mut history = vec![received];
    for (status, at, detail) in rows {
        let status = parse_status(&status)?;
        history.push(StatusChange { status, at, detail });
    }
    Ok(history)
}

/// Filters of `GET /api/v1/complaints`, already validated.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<ComplaintStatus>,
    pub channel: Option<Channel>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub q: Option<String>,
    pub category: Option<String>,
    pub sector: Option<String>,
    /// Keyset position: items strictly older than this.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    id: Uuid,
    reference: String,
    channel: String,
    status: String,
    needs_review: bool,
    excerpt: String,
    anonymous: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<SummaryRow> for ComplaintSummary {
    type Error = sqlx::Error;

    fn try_from(r: SummaryRow) -> Result<Self, sqlx::Error> {
        Ok(ComplaintSummary {
            id: r.id,
            reference: r.reference,
            channel: parse_channel(&r.channel)?,
            status: parse_status(&r.status)?,
            needs_review: r.needs_review,
            excerpt: r.excerpt,
            anonymous: r.anonymous,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// One page, newest first. Returns `limit + 1` rows at most so the caller knows whether
/// there is a next page.
pub async fn list(
    pool: &PgPool,
    filter: &ListFilter,
    vis: Visibility,
) -> Result<Vec<ComplaintSummary>, sqlx::Error> {
    let few = match &filter.q {
        Some(q) => few_matches(pool, q).await?,
        None => None,
    };
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT id, reference, channel, status, needs_review, left(description, 280) AS excerpt,
                anonymous, created_at, updated_at FROM complaints WHERE true",
    );
    match few {
        Some(ids) => {
            let rest = ListFilter {
                q: None,
                ..filter.clone()
            };
            push_filters(&mut qb, &rest, &vis);
            qb.push(" AND id = ANY(").push_bind(ids).push(")");
        }
        None => push_filters(&mut qb, filter, &vis),
    }
    if let Some((at, id)) = filter.before {
        qb.push(" AND (created_at, id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(filter.limit + 1);
    let rows: Vec<SummaryRow> = qb.build_query_as().fetch_all(pool).await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// A search that matches at most this many complaints is listed from its matches.
const FEW_MATCHES: i64 = 5_000;
/// How many of the newest complaints are checked first, and how many of them must match
/// for a search to count as common.
const SAMPLE: i64 = 100;
const COMMON_IN_SAMPLE: i64 = 5;

const TSQUERY: &str = "(websearch_to_tsquery('english', $1) || websearch_to_tsquery('simple', $1))";

/// The complaints a search matches, if they are few. The planner cannot tell a search for
/// a name or an amount (a handful of complaints) from one for a word most complaints use:
/// it guesses the same share for both, and for a page of the newest it walks the complaints
/// newest first, checking each against the search, which for a rare term means reading
/// every complaint. So the search is sized first: common (a twentieth of the newest
/// complaints match), and walking the newest meets a page of matches soon; else its
/// matches are looked up through the full-text index, at most `FEW_MATCHES + 1` of them,
/// and if they are few the page is sorted from them by key.
async fn few_matches(pool: &PgPool, q: &str) -> Result<Option<Vec<Uuid>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let in_sample: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM (SELECT id FROM complaints ORDER BY created_at DESC, id DESC
                               LIMIT $2) c
         WHERE EXISTS (SELECT 1 FROM complaint_search s
                       WHERE s.complaint_id = c.id AND s.search @@ {TSQUERY})"
    ))
    .bind(q)
    .bind(SAMPLE)
    .fetch_one(&mut *tx)
    .await?;
    if in_sample >= COMMON_IN_SAMPLE {
        return Ok(None);
    }
    // With a LIMIT and the same guess, a sequential scan of every search entry can look
    // cheaper than the index; for a rare term it is the whole table.
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await?;
    let ids: Vec<Uuid> = sqlx::query_scalar(&format!(
        "SELECT complaint_id FROM complaint_search WHERE search @@ {TSQUERY} LIMIT $2"
    ))
    .bind(q)
    .bind(FEW_MATCHES + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((ids.len() as i64 <= FEW_MATCHES).then_some(ids))
}

/// The list's conditions on `complaints` (its columns unqualified), after a `WHERE`; the
/// keyset position and the limit are the caller's.
pub fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, filter: &ListFilter, vis: &Visibility) {
    if let Some(user) = vis.only_created_by {
        qb.push(" AND created_by = ").push_bind(user);
    }
    if let Some(s) = filter.status {
        qb.push(" AND status = ").push_bind(s.as_str());
    }
    if let Some(c) = filter.channel {
        qb.push(" AND channel = ").push_bind(c.as_str());
    }
    if let Some(from) = filter.from {
        qb.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        qb.push(" AND created_at < ").push_bind(to);
    }
    if let Some(q) = &filter.q {
        qb.push(
            " AND id IN (SELECT complaint_id FROM complaint_search \
             WHERE search @@ (websearch_to_tsquery('english', ",
        )
        .push_bind(q.clone())
        .push(") || websearch_to_tsquery('simple', ")
        .push_bind(q.clone())
        .push(")))");
    }
    // Officer corrections win over the machine's codes. The expressions are those of the
    // `enrichments_effective_*_idx` indexes, character for character, or the planner
    // neither uses them nor knows how many complaints a code has.
    if let Some(c) = &filter.category {
        qb.push(
            " AND id IN (SELECT complaint_id FROM enrichments \
             WHERE coalesce(corrections #>> '{classification,category}', category) = ",
        )
        .push_bind(c.clone())
        .push(")");
    }
    if let Some(c) = &filter.sector {
        qb.push(
            " AND id IN (SELECT complaint_id FROM enrichments \
             WHERE coalesce(corrections #>> '{sector,sector}', sector) = ",
        )
        .push_bind(c.clone())
        .push(")");
    }
}

/// The owner of a complaint, to check access before adding attachments.
pub async fn owner(pool: &PgPool, id: Uuid) -> Result<Option<Option<Uuid>>, sqlx::Error> {
    sqlx::query_scalar("SELECT created_by FROM complaints WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The complainant of a complaint visible under `vis`, whoever needs to know: for a reveal.
/// `Ok(None)` when the complaint is not visible; `Ok(Some(None))` when it names nobody.
pub async fn complainant(
    pool: &PgPool,
    id: Uuid,
    vis: Visibility,
) -> Result<Option<Option<Complainant>>, sqlx::Error> {
    let row: Option<Option<serde_json::Value>> = sqlx::query_scalar(
        "SELECT complainant FROM complaints
         WHERE id = $1 AND ($2::uuid IS NULL OR created_by = $2)",
    )
    .bind(id)
    .bind(vis.only_created_by)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|c| c.and_then(|v| serde_json::from_value(v).ok())))
}

/// Delete the complaints whose description starts with `marker` (a load test's), with
/// their jobs, results, history, search and feature rows and events. Those being analysed
/// right now, linked to a case or holding files are left alone. Returns how many went.
pub async fn purge_marked(pool: &sqlx::PgPool, marker: &str) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM complaints c WHERE starts_with(description, $1)
           AND NOT EXISTS (SELECT 1 FROM enrichment_jobs j
                           WHERE j.complaint_id = c.id AND j.state = 'running')
           AND NOT EXISTS (SELECT 1 FROM case_complaints k WHERE k.complaint_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.complaint_id = c.id)
         FOR UPDATE",
    )
    .bind(marker)
    .fetch_all(&mut *tx)
    .await?;
    for table in [
        "enrichment_jobs",
        "enrichments",
        "complaint_status_history",
        "complaint_search",
        "complaint_features",
        "events",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE complaint_id = ANY($1)"))
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
    }
    let gone = sqlx::query("DELETE FROM complaints WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(gone)
}
