//! The `attachments` table.

use aduan_api::complaint::AttachmentInfo;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgConnection, PgPool, Postgres};
use uuid::Uuid;

use super::intake::NewAttachment;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    complaint_id: Uuid,
    filename: String,
    declared_type: Option<String>,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    created_at: DateTime<Utc>,
    original_of: Option<Uuid>,
    cleaning: Option<String>,
    message_id: Option<Uuid>,
}

impl From<Row> for AttachmentInfo {
    fn from(r: Row) -> Self {
        AttachmentInfo {
            id: r.id,
            complaint_id: r.complaint_id,
            filename: r.filename,
            declared_type: r.declared_type,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            created_at: r.created_at,
            original_id: r.original_of,
            cleaning: r
                .cleaning
                .as_deref()
                .and_then(aduan_api::portal::Cleaning::parse),
            message_id: r.message_id,
        }
    }
}

const COLUMNS: &str = "id, complaint_id, filename, declared_type, content_type, size_bytes, \
                       sha256, created_at, original_of, cleaning, message_id";

pub async fn list_for(
    pool: &PgPool,
    complaint_id: Uuid,
) -> Result<Vec<AttachmentInfo>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE complaint_id = $1 AND NOT hidden
         ORDER BY created_at, id"
    ))
    .bind(complaint_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// An attachment and the user who entered its complaint (for access checks).
pub async fn get(
    pool: &PgPool,
    id: Uuid,
) -> Result<Option<(AttachmentInfo, Option<Uuid>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct WithOwner {
        #[sqlx(flatten)]
        row: Row,
        owner: Option<Uuid>,
    }
    let r: Option<WithOwner> = sqlx::query_as(&format!(
        "SELECT a.{}, c.created_by AS owner FROM attachments a
         JOIN complaints c ON c.id = a.complaint_id WHERE a.id = $1 AND NOT a.hidden",
        COLUMNS.replace(", ", ", a.")
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| (r.row.into(), r.owner)))
}

/// Add attachments to an existing complaint in one statement.
pub async fn add(
    db: &mut PgConnection,
    complaint_id: Uuid,
    files: &[NewAttachment],
    uploaded_by: Option<Uuid>,
    message_id: Option<Uuid>,
) -> Result<Vec<AttachmentInfo>, sqlx::Error> {
    let sql = format!(
        "INSERT INTO attachments (id, complaint_id, filename, declared_type, content_type,
             size_bytes, sha256, original_of, hidden, cleaning, uploaded_by, message_id)
         SELECT t.id, $1, t.filename, t.declared_type, t.content_type, t.size_bytes, t.sha256,
             t.original_of, t.hidden, t.cleaning, $11, $12
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[],
                 $8::uuid[], $9::bool[], $10::text[])
             AS t(id, filename, declared_type, content_type, size_bytes, sha256, original_of,
                 hidden, cleaning)
         RETURNING {COLUMNS}, hidden"
    );
    #[derive(sqlx::FromRow)]
    struct Added {
        #[sqlx(flatten)]
        row: Row,
        hidden: bool,
    }
    let query = sqlx::query_as(&sql).bind(complaint_id);
    let rows: Vec<Added> = bind_files(query, files)
        .bind(uploaded_by)
        .bind(message_id)
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|a| !a.hidden)
        .map(|a| a.row.into())
        .collect())
}

/// The original a cleaned copy was made from (hidden evidence), with the owner of its
/// complaint; `None` when `copy_id` is no cleaned copy.
pub async fn original_of(
    pool: &PgPool,
    copy_id: Uuid,
) -> Result<Option<AttachmentInfo>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT o.{} FROM attachments a JOIN attachments o ON o.id = a.original_of
         WHERE a.id = $1 AND NOT a.hidden",
        COLUMNS.replace(", ", ", o.")
    ))
    .bind(copy_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Into::into))
}

/// The reporter's own files of a complaint (uploaded by no user), as they sent them.
pub async fn reporters_files(
    pool: &PgPool,
    complaint_id: Uuid,
) -> Result<Vec<AttachmentInfo>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM attachments
         WHERE complaint_id = $1 AND uploaded_by IS NULL AND NOT hidden
         ORDER BY created_at, id"
    ))
    .bind(complaint_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Bind the nine arrays a statement `unnest`s new attachments from, in this order: ids,
/// filenames, declared types, content types, sizes, SHA-256 hashes, originals, hidden,
/// cleaning.
pub(super) fn bind_files<'q, 'f, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    files: impl IntoIterator<Item = &'f NewAttachment, IntoIter: Clone>,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    let files = files.into_iter();
    let column = |f: fn(&NewAttachment) -> String| files.clone().map(f).collect::<Vec<_>>();
    query
        .bind(files.clone().map(|f| f.id).collect::<Vec<_>>())
        .bind(column(|f| f.filename.clone()))
        .bind(
            files
                .clone()
                .map(|f| f.declared_type.clone())
                .collect::<Vec<_>>(),
        )
        .bind(column(|f| f.blob.content_type.clone()))
        .bind(
            files
                .clone()
                .map(|f| f.blob.size as i64)
                .collect::<Vec<_>>(),
        )
        .bind(column(|f| f.blob.sha256.clone()))
        .bind(files.clone().map(|f| f.original_of).collect::<Vec<_>>())
        .bind(files.clone().map(|f| f.hidden).collect::<Vec<_>>())
        .bind(
            files
                .clone()
                .map(|f| f.cleaning.map(|c| c.as_str()))
                .collect::<Vec<_>>(),
        )
}

/// Every blob an attachment or a desktop release names, with its size.
pub async fn all_named_blobs(pool: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sha256, max(size_bytes) FROM (
             SELECT sha256, size_bytes FROM attachments
             UNION ALL SELECT sha256, size_bytes FROM desktop_releases) n
         GROUP BY sha256 ORDER BY sha256",
    )
    .fetch_all(pool)
    .await
}

/// Which of these blobs a record names: an attachment or a desktop release (both stored
/// in the blob store).
pub async fn named_blobs(
    pool: &PgPool,
    sha256s: &[String],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let named: Vec<String> = sqlx::query_scalar(
        "SELECT s FROM unnest($1::text[]) s
         WHERE EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = s)
            OR EXISTS (SELECT 1 FROM desktop_releases d WHERE d.sha256 = s)",
    )
    .bind(sha256s)
    .fetch_all(pool)
    .await?;
    Ok(named.into_iter().collect())
}
