//! The administrative sub-commands: `user add` and `audit verify`.

use std::io::BufRead;

use aduan_api::account::Role;
use anyhow::{bail, Context};

use crate::config::DbArgs;
use crate::db::{self, audit::Verdict, Database};
use crate::service::users::NewAccount;
use crate::service::{Error as ServiceError, Services};

/// `aduan-server user add NAME --role ROLE`, password from stdin.
pub async fn user_add(
    db_args: &DbArgs,
    name: &str,
    role: &str,
    display: Option<&str>,
) -> anyhow::Result<()> {
    let role = Role::parse(role).context("unknown role")?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let db = Database::open(db_args).await?;
    let services = Services::for_tool(db.pool.clone());
    let actor = db::audit::Actor {
        name: Some("command line".into()),
        ..Default::default()
    };
    let account = NewAccount {
        username: name,
        display_name: display.unwrap_or(name),
        role,
        password,
    };
    let created = services.create_user(&actor, account).await;
    if created.is_ok() {
        db::audit::seal(&db.pool).await?;
    }
    db.close_tool().await;
    match created {
        Ok(u) => {
            println!("created {} ({})", u.username, u.role.as_str());
            Ok(())
        }
        Err(ServiceError::Invalid(fields)) => {
            let why: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {}", f.field, f.message))
                .collect();
            bail!("{}", why.join("; "))
        }
        Err(ServiceError::Conflict { .. }) => bail!("a user named {name} already exists"),
        Err(e) => Err(e.into()),
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
