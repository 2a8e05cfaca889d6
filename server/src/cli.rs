//! The administrative sub-commands: `user add` and `audit verify`.

use std::io::BufRead;

use aduan_api::account::Role;
use anyhow::{bail, Context};

use crate::config::DbArgs;
use crate::db::{self, audit::Verdict, Database};

/// `aduan-server user add NAME --role ROLE`, password from stdin.
pub async fn user_add(
    db_args: &DbArgs,
    name: &str,
    role: &str,
    display: Option<&str>,
) -> anyhow::Result<()> {
    let username =
        crate::http::users::check_username(name).map_err(|m| anyhow::anyhow!("username {m}"))?;
    let role = Role::parse(role).context("unknown role")?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    crate::auth::check_password(&password).map_err(|m| anyhow::anyhow!("password {m}"))?;
    let db = Database::open(db_args).await?;
    let hash = crate::auth::hash_password(&password);
    let created = db::users::create(
        &db.pool,
        &username,
        display.unwrap_or(&username),
        role,
        &hash,
    )
    .await?;
    let actor = db::audit::Actor {
        name: Some("command line".into()),
        ..Default::default()
    };
    if let Some(u) = &created {
        let details = serde_json::json!({"username": u.username, "role": u.role});
        db::audit::record(
            &db.pool,
            &actor,
            "user.create",
            Some(("user", u.id.to_string())),
            Some(details),
        )
        .await?;
        db::audit::seal(&db.pool).await?;
    }
    db.close_tool().await;
    match created {
        Some(u) => {
            println!("created {} ({})", u.username, u.role.as_str());
            Ok(())
        }
        None => bail!("a user named {username} already exists"),
    }
}

/// `aduan-server audit verify`: seals what is pending, then walks the chain.
pub async fn audit_verify(db_args: &DbArgs) -> anyhow::Result<bool> {
    let db = Database::open(db_args).await?;
    while db::audit::seal(&db.pool).await? > 0 {}
    let verdict = db::audit::verify(&db.pool).await?;
    db.close_tool().await;
    Ok(match verdict {
        Verdict::Intact { sealed, unsealed } => {
            println!("audit log intact: {sealed} entries chained, {unsealed} not yet sealed");
            true
        }
        Verdict::Broken { seq, id, reason } => {
            println!("audit log BROKEN at position {seq} (entry id {id}): {reason}");
            false
        }
    })
}
