//! The audit trail against someone with more than the server's rights: the server's
//! database role cannot change it; the schema's owner can, and then `audit verify` says
//! what was done (an altered entry, a recomputed chain, deleted newest entries), from the
//! keyed seals and the anchors written outside the database.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use aduan_server::audit::anchor::{self, Anchor};
use aduan_server::audit::verify::{verify, Problem, Verdict};
use aduan_server::audit::{chain, AuditKey};
use aduan_server::db::{self, audit};
use sqlx::PgPool;

use crate::helpers::{spawn_app, TestApp};

/// The installation's key, as the server created it in its data dir.
fn key_of(app: &TestApp) -> AuditKey {
    AuditKey::read(&app.data_dir.join("audit.key")).unwrap()
}

/// Seal everything (the server's sealer may hold the lock: wait for it) and return the
/// number of sealed entries.
async fn sealed(app: &TestApp, key: &AuditKey) -> i64 {
    for _ in 0..500 {
        audit::seal(&app.pool, key).await.unwrap();
        if audit::pending_count(&app.pool).await.unwrap() == 0 {
            return audit::head(&app.pool).await.unwrap().unwrap().0;
        }
        tokio::task::yield_now().await;
    }
    panic!("the chain was never fully sealed");
}

fn anchors(app: &TestApp) -> Vec<Anchor> {
    anchor::read(&anchor::path(&app.data_dir)).unwrap().0
}

async fn verdict(app: &TestApp, key: &AuditKey) -> Verdict {
    verify(&app.pool, key, &anchors(app)).await.unwrap()
}

fn problem(v: &Verdict) -> (Problem, i64) {
    match v {
        Verdict::Broken { problem, seq, .. } => (*problem, *seq),
        v => panic!("tampering was not found: {v:?}"),
    }
}

/// Run `sql` with the audit tables' triggers off, as the schema's owner could.
async fn as_owner_bypassing_triggers(owner: &PgPool, sql: &str) {
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// Rewrite every seal from position `from` on, sealing with `seal` (as someone who changed
/// an entry and covers it up would).
async fn recompute_from(
    owner: &PgPool,
    from: i64,
    seal: impl Fn(&str, i64, &audit::EntryRow) -> String,
) {
    let links = audit::links_after(owner, from - 1, 100_000).await.unwrap();
    let mut prev = links[0].prev_hash.clone();
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    for link in links {
        let hash = seal(&prev, link.seq, link.row.as_ref().unwrap());
        sqlx::query("UPDATE audit_seals SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(link.seq)
            .execute(&mut *tx)
            .await
            .unwrap();
        prev = hash;
    }
    tx.commit().await.unwrap();
}

const ALTER_FOURTH: &str = "UPDATE audit_log SET actor_name = 'mallory'
    WHERE id = (SELECT audit_id FROM audit_seals WHERE seq = 4)";

#[tokio::test]
async fn the_servers_role_may_only_add_and_read_audit_entries() {
    let app = spawn_app().await;
    app.submit_many("rights", 2).await;
    let key = key_of(&app);
    sealed(&app, &key).await;
    for refused in [
        "UPDATE audit_log SET actor_name = 'mallory' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 2",
        "TRUNCATE audit_log",
        "DELETE FROM audit_seals WHERE seq = 2",
        "UPDATE audit_seals SET hash = 'x' WHERE seq = 2",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update",
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "DROP TABLE audit_log",
        "SET session_replication_role = replica",
    ] {
        let err = sqlx::query(refused).execute(&app.pool).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("permission denied") || text.contains("must be owner"),
            "{refused}: {text}"
        );
    }
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(
        role, "aduan",
        "the server must not serve as the schema's owner"
    );
    assert_eq!(
        db::roles::excess_audit_rights(&app.pool).await.unwrap(),
        Vec::<String>::new()
    );
    // The owner, which migrates, is what the start-up check warns about.
    let owner = app.owner_pool().await;
    assert!(db::roles::excess_audit_rights(&owner)
        .await
        .unwrap()
        .contains(&"owns audit_log".to_string()));
    app.stop().await;
}

#[tokio::test]
async fn verify_tells_an_altered_entry_from_a_recomputed_chain() {
    let app = spawn_app().await;
    app.submit_many("tamper", 3).await;
    let key = key_of(&app);
    let head = sealed(&app, &key).await;
    assert!(head >= 6);
    let file = anchor::path(&app.data_dir);
    anchor::anchor_now(&app.pool, &key, &file, None)
        .await
        .unwrap()
        .expect("the head is anchored");
    assert!(
        matches!(verdict(&app, &key).await, Verdict::Intact { anchored: Some((s, _)), .. } if s == head)
    );

    let owner = app.owner_pool().await;
    let original: String =
        sqlx::query_scalar("SELECT actor_name FROM audit_log a JOIN audit_seals s ON s.audit_id = a.id WHERE s.seq = 4")
            .fetch_one(&owner)
            .await
            .unwrap();

    // An entry changed behind the triggers: its seal no longer matches.
    as_owner_bypassing_triggers(&owner, ALTER_FOURTH).await;
    assert_eq!(problem(&verdict(&app, &key).await), (Problem::Altered, 4));

    // The seals rewritten to match, without the key (plain SHA-256, or another key).
    recompute_from(&owner, 4, chain::unkeyed).await;
    assert_eq!(
        problem(&verdict(&app, &key).await),
        (Problem::Recomputed, 4)
    );
    let other = AuditKey::generate();
    recompute_from(&owner, 4, |p, s, r| chain::keyed(&other, p, s, r)).await;
    assert_eq!(
        problem(&verdict(&app, &key).await),
        (Problem::Recomputed, 4)
    );

    // With the stolen key the seals agree again, but not with the anchor of the head.
    recompute_from(&owner, 4, |p, s, r| chain::keyed(&key, p, s, r)).await;
    assert_eq!(
        problem(&verdict(&app, &key).await),
        (Problem::Recomputed, head)
    );
    // Without anchors, nothing would show: that is what they are for.
    assert!(matches!(
        verify(&app.pool, &key, &[]).await.unwrap(),
        Verdict::Intact { .. }
    ));

    // Undone entirely (entry and seals), the chain verifies again.
    as_owner_bypassing_triggers(
        &owner,
        &format!(
            "UPDATE audit_log SET actor_name = '{original}'
             WHERE id = (SELECT audit_id FROM audit_seals WHERE seq = 4)"
        ),
    )
    .await;
    recompute_from(&owner, 4, |p, s, r| chain::keyed(&key, p, s, r)).await;
    assert!(matches!(verdict(&app, &key).await, Verdict::Intact { .. }));

    // A forged anchor (not signed with the key) is itself reported.
    let forged = Anchor::sign(
        &AuditKey::generate(),
        head,
        "00".repeat(32),
        chrono::Utc::now(),
    );
    anchor::append(&file, &forged).unwrap();
    assert_eq!(
        problem(&verdict(&app, &key).await),
        (Problem::ForgedAnchor, head)
    );
    app.stop().await;
}

#[tokio::test]
async fn deleted_newest_entries_are_found_from_the_anchors_also_in_a_journal_export() {
    let app = spawn_app().await;
    app.submit_many("newest", 3).await;
    let key = key_of(&app);
    let head = sealed(&app, &key).await;
    let file = anchor::path(&app.data_dir);
    anchor::anchor_now(&app.pool, &key, &file, None)
        .await
        .unwrap();
    // The journal holds the same anchors as the server's log lines.
    let line = std::fs::read_to_string(&file).unwrap();
    let journal = app.data_dir.join("journal.txt");
    std::fs::write(
        &journal,
        format!("Dec 04 10:00:00 host aduan-server[7]: INFO audit.anchor: audit chain anchored anchor={line}"),
    )
    .unwrap();

    // The newest two entries and their seals go, as a clean chain two entries shorter.
    let owner = app.owner_pool().await;
    as_owner_bypassing_triggers(
        &owner,
        &format!(
            "WITH gone AS (DELETE FROM audit_seals WHERE seq > {} RETURNING audit_id)
             DELETE FROM audit_log WHERE id IN (SELECT audit_id FROM gone)",
            head - 2
        ),
    )
    .await;
    assert!(
        matches!(
            verify(&app.pool, &key, &[]).await.unwrap(),
            Verdict::Intact { .. }
        ),
        "the chain alone cannot tell"
    );
    assert_eq!(
        problem(&verdict(&app, &key).await),
        (Problem::DeletedNewest, head - 1)
    );

    // The command line says so too, from the anchor file or from the journal alone.
    let (url, data_dir) = (app.database_url.clone().unwrap(), app.data_dir.clone());
    let _kept = app.stop().await;
    std::fs::remove_file(&file).unwrap();
    let out = verify_command(&url, &data_dir, &[]).await;
    assert_eq!(out.0, Some(0), "no anchors, nothing to compare: {}", out.1);
    let out = verify_command(&url, &data_dir, &[&journal]).await;
    assert_eq!(out.0, Some(1), "{}", out.1);
    assert!(out.1.contains("deleted newest entries"), "{}", out.1);
    assert!(
        out.1.contains(&format!("reached position {head}")),
        "{}",
        out.1
    );
}

#[tokio::test]
async fn the_server_anchors_the_head_when_it_stops() {
    let app = spawn_app().await;
    app.submit_many("anchor", 1).await;
    let key = key_of(&app);
    let (pool, data_dir) = (app.owner_pool().await, app.data_dir.clone());
    let _kept = app.stop().await;
    let head = audit::head(&pool).await.unwrap().unwrap();
    let written = anchor::read(&anchor::path(&data_dir)).unwrap().0;
    let last = written.last().expect("an anchor was written at shutdown");
    assert_eq!((last.seq, &last.hash), (head.0, &head.1));
    assert!(last.is_signed_by(&key));
    assert_eq!(
        std::fs::metadata(anchor::path(&data_dir))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

/// `aduan-server audit verify [--anchors F]…`: exit code and output.
async fn verify_command(url: &str, data_dir: &Path, extra: &[&Path]) -> (Option<i32>, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"));
    cmd.args(["audit", "verify"]);
    for f in extra {
        cmd.arg("--anchors").arg(f);
    }
    let out = cmd
        .env("DATABASE_URL", url)
        .env("ADUAN_DATA_DIR", data_dir)
        .output()
        .await
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
