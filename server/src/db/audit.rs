//! The append-only audit log and its hash chain (see the migration for the design).

use aduan_api::account::AuditEntry;
use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

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
    action: &str,
    target: Option<(&str, String)>,
    details: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, ip,
             user_agent, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.id)
    .bind(&actor.name)
    .bind(action)
    .bind(target.as_ref().map(|t| t.0))
    .bind(target.map(|t| t.1))
    .bind(&actor.ip)
    .bind(&actor.user_agent)
    .bind(details)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_name: Option<String>,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    details: Option<serde_json::Value>,
    seq: Option<i64>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

const COLUMNS: &str = "id, at, actor_id, actor_name, action, target_type, target_id, ip, \
                       user_agent, details, seq, prev_hash, hash";

/// The chained hash of a row at position `seq` after `prev`.
fn chain_hash(prev: &str, seq: i64, r: &Row) -> String {
    // serde_json's map is ordered by key, so `details` serialises the same way every time.
    let content = serde_json::json!([
        r.id,
        r.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        r.actor_id,
        r.actor_name,
        r.action,
        r.target_type,
        r.target_id,
        r.ip,
        r.user_agent,
        r.details,
    ]);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"|");
    h.update(seq.to_string().as_bytes());
    h.update(b"|");
    h.update(content.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Seal unsealed rows (one sealer at a time). Returns how many were sealed.
pub async fn seal(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(SEALER_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !got {
        return Ok(0);
    }
    let head: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let (mut seq, mut prev) = head.unwrap_or((0, String::new()));
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT $1"
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
        let hash = chain_hash(&prev, seq, r);
        ids.push(r.id);
        seqs.push(seq);
        prevs.push(prev.clone());
        hashes.push(hash.clone());
        prev = hash;
    }
    sqlx::query(
        "UPDATE audit_log a SET seq = t.seq, prev_hash = t.prev, hash = t.hash
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS t(id, seq, prev, hash)
         WHERE a.id = t.id",
    )
    .bind(ids)
    .bind(seqs)
    .bind(prevs)
    .bind(hashes)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        sealed: i64,
        unsealed: i64,
    },
    /// The first sealed position whose row no longer matches the chain.
    Broken {
        seq: i64,
        id: i64,
        reason: String,
    },
}

/// Walk the whole chain in order and report the first broken link.
pub async fn verify(pool: &PgPool) -> Result<Verdict, sqlx::Error> {
    let mut expected_seq = 0i64;
    let mut prev = String::new();
    loop {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 10000"
        ))
        .bind(expected_seq)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let seq = r.seq.unwrap_or_default();
            expected_seq += 1;
            let broken = |reason: &str| Verdict::Broken {
                seq: expected_seq,
                id: r.id,
                reason: reason.into(),
            };
            if seq != expected_seq {
                return Ok(broken("a sealed entry is missing (deleted)"));
            }
            if r.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(broken("the link to the previous entry does not match"));
            }
            let hash = chain_hash(&prev, seq, &r);
            if r.hash.as_deref() != Some(hash.as_str()) {
                return Ok(broken("the entry's content was altered"));
            }
            prev = hash;
        }
    }
    let unsealed: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE seq IS NULL")
        .fetch_one(pool)
        .await?;
    Ok(Verdict::Intact {
        sealed: expected_seq,
        unsealed,
    })
}

/// Filters of `GET /api/v1/admin/audit`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
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
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT {COLUMNS} FROM audit_log WHERE true"));
    if let Some(v) = f.actor_id {
        qb.push(" AND actor_id = ").push_bind(v);
    }
    if let Some(v) = &f.action {
        qb.push(" AND action = ").push_bind(v.clone());
    }
    if let Some(v) = &f.target_type {
        qb.push(" AND target_type = ").push_bind(v.clone());
    }
    if let Some(v) = &f.target_id {
        qb.push(" AND target_id = ").push_bind(v.clone());
    }
    if let Some(v) = f.from {
        qb.push(" AND at >= ").push_bind(v);
    }
    if let Some(v) = f.to {
        qb.push(" AND at < ").push_bind(v);
    }
    if let Some(v) = f.before_id {
        qb.push(" AND id < ").push_bind(v);
    }
    qb.push(" ORDER BY id DESC LIMIT ").push_bind(f.limit + 1);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            ip: r.ip,
            user_agent: r.user_agent,
            details: r.details,
            seq: r.seq,
            hash: r.hash,
        })
        .collect())
}
