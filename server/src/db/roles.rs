//! The database roles: the schema's owner migrates, the server serves as a role that owns
//! nothing and may only insert into and read the audit tables, so neither a request nor
//! the queue can change or delete an audit entry, or switch off the triggers that refuse it.

use sqlx::{PgConnection, PgPool};

/// The role the server uses inside the private cluster (`aduan` owns the schema).
pub const APP_ROLE: &str = "aduan_app";

/// The audit tables nobody but their owner may change.
const AUDIT_TABLES: &str = "audit_log, audit_seals";

fn quoted(role: &str) -> String {
    format!("\"{}\"", role.replace('"', "\"\""))
}

/// Create `role` (able to log in, nothing more) if the cluster lacks it.
pub async fn ensure_role(owner: &mut PgConnection, role: &str) -> Result<(), sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role)
            .fetch_one(&mut *owner)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE ROLE {} LOGIN", quoted(role)))
            .execute(&mut *owner)
            .await?;
    }
    Ok(())
}

/// The statements that give `role` what the server needs, run by the schema's owner after
/// every migration (so new tables are covered). The README shows them for an external
/// database.
pub fn grant_statements(role: &str) -> Vec<String> {
    let r = quoted(role);
    vec![
        format!("GRANT USAGE ON SCHEMA public TO {r}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}"),
        format!("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {r}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLES} FROM {r}"),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {r}"),
    ]
}

/// Grant `role` its rights, in one transaction.
pub async fn grant(owner: &mut PgConnection, role: &str) -> Result<(), sqlx::Error> {
    let mut tx = sqlx::Connection::begin(owner).await?;
    for sql in grant_statements(role) {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// What the pool's role may do to the audit tables that it should not: owning them,
/// changing or deleting their rows. Empty when the roles are split as they should be.
pub async fn excess_audit_rights(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String, bool, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, pg_has_role(c.relowner, 'USAGE'),
                has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE'),
                has_table_privilege(c.oid, 'TRUNCATE')
         FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace
           AND c.relname IN ('audit_log', 'audit_seals')
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut excess = Vec::new();
    for (table, owns, changes, truncates) in rows {
        if owns {
            excess.push(format!("owns {table}"));
        } else if changes || truncates {
            excess.push(format!("may change or delete rows of {table}"));
        }
    }
    Ok(excess)
}
