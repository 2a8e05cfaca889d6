//! User administration: accounts created and changed with their audit entry in the same
//! transaction, from the admin API and from the command line alike.

use aduan_api::account::{AuditAction, Role, User, UserChange};
use serde_json::json;
use uuid::Uuid;

use super::{Caller, Error, Result, Services};
use crate::auth;
use crate::db::{self, audit::Actor};
use crate::domain::FieldError;

/// An account to create, as given.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: String,
}

impl Services {
    /// Create an account; `actor` is the admin, or the command line.
    pub async fn create_user(&self, actor: &Actor, new: NewAccount<'_>) -> Result<User> {
        let mut errors = Vec::new();
        let username = check_username(new.username)
            .map_err(|m| errors.push(FieldError::new("username", m)))
            .ok();
        if let Err(m) = auth::check_password(&new.password) {
            errors.push(FieldError::new("password", m));
        }
        let display_name = check_display_name(new.display_name)
            .map_err(|m| errors.push(FieldError::new("display_name", m)))
            .unwrap_or_default();
        let Some(username) = username.filter(|_| errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        let hash = hash(new.password).await;
        let mut tx = self.pool.begin().await?;
        let user = db::users::create(&mut tx, &username, display_name, new.role, &hash)
            .await?
            .ok_or_else(|| Error::conflict("username_taken", "That username is already in use."))?;
        let details = json!({"username": user.username, "role": user.role});
        let target = Some(("user", user.id.to_string()));
        db::audit::record(
            &mut *tx,
            actor,
            AuditAction::UserCreate,
            target,
            Some(details),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Change role, name, disabled state or password. Disabling, a role change or a new
    /// password ends the user's sessions at once, on every instance.
    pub async fn change_user(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        change: UserChange,
    ) -> Result<User> {
        let admin = caller.user;
        let nothing = change.display_name.is_none()
            && change.role.is_none()
            && change.disabled.is_none()
            && change.password.is_none();
        if nothing {
            return Err(Error::invalid(
                "body",
                "names nothing to change (display_name, role, disabled or password)",
            ));
        }
        let display_name = match change.display_name.as_deref() {
            Some(name) => {
                Some(check_display_name(name).map_err(|m| Error::invalid("display_name", m))?)
            }
            None => None,
        };
        if id == admin.id
            && (change.disabled == Some(true) || change.role.is_some_and(|r| r != admin.role))
        {
            return Err(Error::conflict(
                "cannot_demote_self",
                "Admins cannot disable or demote their own account.",
            ));
        }
        let hash = match change.password.clone() {
            Some(p) => {
                auth::check_password(&p).map_err(|m| Error::invalid("password", m))?;
                Some(hash(p).await)
            }
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let user = db::users::update(
            &mut tx,
            id,
            display_name,
            change.role,
            change.disabled,
            hash.as_deref(),
        )
        .await?
        .ok_or(Error::NotFound("user"))?;
        let revoke =
            change.disabled == Some(true) || change.role.is_some() || change.password.is_some();
        if revoke {
            db::sessions::revoke_user(&mut tx, id).await?;
        }
        let details = json!({
            "display_name": change.display_name, "role": change.role, "disabled": change.disabled,
            "password_reset": change.password.is_some(),
        });
        let target = Some(("user", id.to_string()));
        let action = AuditAction::UserUpdate;
        db::audit::record(&mut *tx, &caller.actor, action, target, Some(details)).await?;
        tx.commit().await?;
        if revoke {
            self.sessions.forget_user(id);
        }
        Ok(user)
    }
}

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Validate a display name: 1–100 characters once trimmed, no control characters.
fn check_display_name(name: &str) -> std::result::Result<&str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("is required".into());
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(format!(
            "must be at most {MAX_DISPLAY_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name)
}

/// Validate a username: lowercase letters, digits, `.`, `_`, `-`; 2–64 characters.
pub fn check_username(name: &str) -> std::result::Result<String, String> {
    let name = name.trim().to_lowercase();
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    ok.then_some(name)
        .ok_or_else(|| "must be 2–64 of a-z, 0-9, '.', '_' or '-'".to_string())
}

/// argon2id is deliberately slow: hash off the async workers.
async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .expect("password hashing does not panic")
}
