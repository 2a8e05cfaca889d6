//! The complaint list as rows for an export: the list's filters, every match (no page),
//! newest first, with what the analysis (or an officer's correction) says of each. Read
//! in one REPEATABLE READ snapshot, so the count the audit entry records is the number
//! of rows sent.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::complaints::{push_filters, ListFilter, Visibility};

/// One exported complaint. The complainant's identity is never exported: it is shown
/// only on a need-to-know basis, one complaint at a time.
#[derive(Debug, sqlx::FromRow)]
pub struct ExportRow {
    pub reference: String,
    pub created_at: DateTime<Utc>,
    pub channel: String,
    pub status: String,
    pub needs_review: bool,
    pub anonymous: bool,
    pub category: Option<String>,
    pub sector: Option<String>,
    pub state: Option<String>,
    pub acts: Option<Vec<String>>,
    pub description: String,
}

/// Start the snapshot the export reads from (the first statement of `conn`'s transaction).
pub async fn begin_snapshot(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(conn)
        .await?;
    Ok(())
}

/// How many complaints the export will hold.
pub async fn count(
    conn: &mut PgConnection,
    filter: &ListFilter,
    vis: &Visibility,
) -> Result<i64, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT count(*) FROM complaints WHERE true");
    push_filters(&mut qb, filter, vis);
    qb.build_query_scalar().fetch_one(conn).await
}

/// Send every matching complaint to `out`, newest first, as it arrives from the database
/// (the channel's bound keeps memory flat whatever the count). Returns how many were
/// sent: fewer than matched when the receiver went away (the client disconnected).
pub async fn send_rows(
    conn: &mut PgConnection,
    filter: &ListFilter,
    vis: &Visibility,
    out: tokio::sync::mpsc::Sender<ExportRow>,
) -> Result<u64, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
        "WITH c AS (SELECT id, reference, created_at, channel, status, needs_review, anonymous,
             description FROM complaints WHERE true",
    );
    push_filters(&mut qb, filter, vis);
    // Officer corrections win over the machine's codes, as in the list and the dashboard.
    qb.push(
        ") SELECT c.reference, c.created_at, c.channel, c.status, c.needs_review, c.anonymous,
            CASE WHEN e.corrections ? 'classification'
                THEN e.corrections #>> '{classification,category}' ELSE e.category END
                AS category,
            CASE WHEN e.corrections ? 'sector'
                THEN e.corrections #>> '{sector,sector}' ELSE e.sector END AS sector,
            CASE WHEN e.corrections ? 'five_w1h'
                THEN e.corrections #>> '{five_w1h,where,state}' ELSE e.state END AS state,
            CASE WHEN e.corrections ? 'legal'
                THEN enrichment_acts(e.corrections) ELSE e.acts END AS acts,
            c.description
        FROM c LEFT JOIN enrichments e ON e.complaint_id = c.id
        ORDER BY c.created_at DESC, c.id DESC",
    );
    let mut rows = qb.build_query_as::<ExportRow>().fetch(conn);
    let mut sent = 0;
    while let Some(row) = rows.try_next().await? {
        if out.send(row).await.is_err() {
            break;
        }
        sent += 1;
    }
    Ok(sent)
}
