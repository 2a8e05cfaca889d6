//! Officer corrections to the `enrichments` table.

use aduan_api::event::EventKind;
use sqlx::PgConnection;
use uuid::Uuid;

/// The machine result and current corrections of a complaint, with the text it was made
/// from, locked until the transaction ends; `None` when the complaint has no enrichment.
#[derive(sqlx::FromRow)]
pub struct Current {
    pub result: serde_json::Value,
    pub corrections: Option<serde_json::Value>,
    pub version: i64,
    pub description: String,
    pub location: Option<String>,
    pub subject_agency: Option<String>,
}

pub async fn lock(
    db: &mut PgConnection,
    complaint_id: Uuid,
) -> Result<Option<Current>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.result, e.corrections, e.version, c.description, c.location, c.subject_agency
         FROM enrichments e JOIN complaints c ON c.id = e.complaint_id
         WHERE e.complaint_id = $1 FOR UPDATE OF e",
    )
    .bind(complaint_id)
    .fetch_optional(db)
    .await
}

/// Store the corrections (the whole merged set) with who made them. A corrected complaint
/// has been reviewed: `needs_review` is cleared. Emits `complaint.corrected` so open views
/// refresh.
pub async fn save_corrections(
    db: &mut PgConnection,
    complaint_id: Uuid,
    corrections: &serde_json::Value,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH e AS (
             UPDATE enrichments SET corrections = $2, corrected_by = $3, corrected_at = now(),
                 needs_review = false, version = version + 1, updated_at = now()
             WHERE complaint_id = $1 RETURNING complaint_id
         ), c AS (
             UPDATE complaints SET needs_review = false, updated_at = now()
             FROM e WHERE complaints.id = e.complaint_id
             RETURNING complaints.id, complaints.created_by, complaints.status
         )
         INSERT INTO events (kind, complaint_id, owner_id, data)
         SELECT $4, id, created_by, jsonb_build_object('id', id,
             'complaint_id', id, 'status', status, 'at', now())
         FROM c",
    )
    .bind(complaint_id)
    .bind(corrections)
    .bind(by)
    .bind(EventKind::ComplaintCorrected.as_str())
    .execute(db)
    .await?;
    Ok(())
}
