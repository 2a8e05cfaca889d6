//! The append-only audit log and its hash chain. Entries are written once; a sealer
//! (one at a time across instances) takes the entries named in `audit_pending`, chains
//! them in `audit_seals` (`hash = HMAC(key, prev_hash | seq | content)`, see
//! `crate::audit`) and removes them from `audit_pending`, so altering, deleting or slipping
//! in an entry breaks the chain.

use aduan_api::account::{AuditAction, AuditEntry};
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::audit::{chain, AuditKey};
use crate::auth::AuthUser;

/// Advisory lock key: one sealer at a time across instances.
const SEALER_LOCK: i64 = 0x4164_7561_6e41_7564; // "AduanAud"
const SEAL_BATCH: i64 = 5_000;

/// Who did it, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    pub fn user(user: &AuthUser, ip: Option<String>, user_agent: Option<String>) -> Self {
        Actor {
            id: Some(user.id),
            name: Some(user.username.clone()),
            ip,
            user_agent,
        }
    }
}

/// Append one entry.
pub async fn record<'e>(
    db: impl PgExecutor<'e>,
    actor: &Actor,
    action: AuditAction,
    target: Option<(&str, String)>,
    details: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, ip,
             user_agent, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.id)
    .bind(&actor.name)
    .bind(action.as_str())
    .bind(target.as_ref().map(|t| t.0))
    .bind(target.map(|t| t.1))
    .bind(&actor.ip)
    .bind(&actor.user_agent)
    .bind(details)
    .execute(db)
    .await?;
    Ok(())
}

/// An entry's columns, as the chain covers them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Option<serde_json::Value>,
}

const COLUMNS: &str = "a.id, a.at, a.actor_id, a.actor_name, a.action, a.target_type, \
                       a.target_id, a.ip, a.user_agent, a.details";

/// An entry with its seal, if sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
struct SealedRow {
    #[sqlx(flatten)]
    row: EntryRow,
    seq: Option<i64>,
    hash: Option<String>,
}

/// Seal a batch of pending entries (one sealer at a time). Returns how many were sealed; 0
/// also when another sealer holds the lock, as the periodic sealer does not wait for it.
pub async fn seal(pool: &PgPool, key: &AuditKey) -> Result<u64, sqlx::Error> {
    seal_batch(pool, key, false).await
}

/// Seal everything pending, waiting for a sealer that holds the lock: what must be sealed
/// now (a stop's last anchor, a command's own entry, a verify) cannot take "someone else
/// is sealing" for "nothing to seal".
pub async fn seal_all(pool: &PgPool, key: &AuditKey) -> Result<(), sqlx::Error> {
    while seal_batch(pool, key, true).await? > 0 {}
    Ok(())
}

async fn seal_batch(pool: &PgPool, key: &AuditKey, wait: bool) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if wait {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SEALER_LOCK)
            .execute(&mut *tx)
            .await?;
    } else {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(SEALER_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !got {
            return Ok(0);
        }
    }
    let (mut seq, mut prev) = head(&mut *tx).await?.unwrap_or((0, String::new()));
    // Index lookups by id: as a join, the planner (with `audit_pending`'s fast-changing
    // statistics) may choose to walk all of `audit_log`, a cost that grows with the log.
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log a
         WHERE a.id = ANY(ARRAY(SELECT audit_id FROM audit_pending ORDER BY audit_id LIMIT $1))
         ORDER BY a.id"
    ))
    .bind(SEAL_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let (mut ids, mut seqs, mut prevs, mut hashes) = (vec![], vec![], vec![], vec![]);
    for r in &rows {
        seq += 1;
        let hash = chain::keyed(key, &prev, seq, r);
        ids.push(r.id);
        seqs.push(seq);
        prevs.push(prev.clone());
        hashes.push(hash.clone());
        prev = hash;
    }
    sqlx::query(
        "WITH s AS (
             INSERT INTO audit_seals (seq, audit_id, prev_hash, hash, keyed)
             SELECT *, true FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])
         )
         DELETE FROM audit_pending WHERE audit_id = ANY($2)",
    )
    .bind(seqs)
    .bind(ids)
    .bind(prevs)
    .bind(hashes)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// The newest seal: position and hash.
pub async fn head<'e>(db: impl PgExecutor<'e>) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_seals ORDER BY seq DESC LIMIT 1")
        .fetch_optional(db)
        .await
}

/// One link of the chain as stored: the seal and, unless deleted, its entry.
#[derive(Debug)]
pub struct Link {
    pub seq: i64,
    pub audit_id: i64,
    pub prev_hash: String,
    pub hash: String,
    pub keyed: bool,
    pub row: Option<EntryRow>,
}

impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Link {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        // The entry's columns are all NULL when the LEFT JOIN found no entry.
        let present: Option<i64> = r.try_get("id")?;
        Ok(Link {
            seq: r.try_get("seq")?,
            audit_id: r.try_get("audit_id")?,
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
            keyed: r.try_get("keyed")?,
            row: present.map(|_| EntryRow::from_row(r)).transpose()?,
        })
    }
}

/// Up to `limit` links after position `after`, in order.
pub async fn links_after(pool: &PgPool, after: i64, limit: i64) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT s.seq, s.audit_id, s.prev_hash, s.hash, s.keyed, {COLUMNS}
         FROM audit_seals s LEFT JOIN audit_log a ON a.id = s.audit_id
         WHERE s.seq > $1 ORDER BY s.seq LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The stored seals at these positions.
pub async fn seals_at(pool: &PgPool, seqs: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_seals WHERE seq = ANY($1)")
        .bind(seqs)
        .fetch_all(pool)
        .await
}

/// The first entry that is neither sealed nor pending: slipped in past the trigger.
pub async fn first_stray(pool: &PgPool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.id FROM audit_log a
         WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.audit_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.audit_id = a.id)
         ORDER BY a.id LIMIT 1",
    )
    .fetch_optional(pool)
    .await
}

pub async fn pending_count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM audit_pending")
        .fetch_one(pool)
        .await
}

/// Filters of `GET /api/v1/admin/audit`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<AuditAction>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset: entries with a smaller id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first; `limit + 1` rows at most.
pub async fn list(pool: &PgPool, f: &AuditFilter) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, s.seq, s.hash FROM audit_log a
         LEFT JOIN audit_seals s ON s.audit_id = a.id WHERE true"
    ));
    if let Some(v) = f.actor_id {
        qb.push(" AND a.actor_id = ").push_bind(v);
    }
    if let Some(v) = &f.action {
        qb.push(" AND a.action = ").push_bind(v.as_str());
    }
    if let Some(v) = &f.target_type {
        qb.push(" AND a.target_type = ").push_bind(v.clone());
    }
    if let Some(v) = &f.target_id {
        qb.push(" AND a.target_id = ").push_bind(v.clone());
    }
    if let Some(v) = f.from {
        qb.push(" AND a.at >= ").push_bind(v);
    }
    if let Some(v) = f.to {
        qb.push(" AND a.at < ").push_bind(v);
    }
    if let Some(v) = f.before_id {
        qb.push(" AND a.id < ").push_bind(v);
    }
    qb.push(" ORDER BY a.id DESC LIMIT ").push_bind(f.limit + 1);
    let rows: Vec<SealedRow> = qb.build_query_as().fetch_all(pool).await?;
    rows.into_iter()
        .map(|SealedRow { row: r, seq, hash }| {
            let action = AuditAction::parse(&r.action).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown audit action {:?}", r.action).into())
            })?;
            Ok(AuditEntry {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                action,
                target_type: r.target_type,
                target_id: r.target_id,
                ip: r.ip,
                user_agent: r.user_agent,
                details: r.details,
                seq,
                hash,
            })
        })
        .collect()
}
