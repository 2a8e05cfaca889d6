//! Two-factor sign-in: enrolment (from the app, or during a sign-in its role requires),
//! the code that completes a sign-in, an admin's reset and the roles that must use it.
//! Each change is written with its audit entry in one transaction.

use aduan_api::account::{AuditAction, Role};
use aduan_api::second_factor::{RecoveryCodes, SignInPolicy, TotpEnrolment};
use serde_json::json;
use uuid::Uuid;

use super::{Error, Result, Services};
use crate::auth::totp;
use crate::db::{self, audit::Actor};

/// How a sign-in's second step was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    RecoveryCode,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Totp => "totp",
            Factor::RecoveryCode => "recovery_code",
        }
    }
}

/// The result of checking a second factor.
#[derive(Debug)]
pub enum Checked {
    /// Accepted; recovery codes when this confirmed a new enrolment.
    Accepted(Factor, Option<Vec<String>>),
    Refused,
}

impl Services {
    /// A new secret for `user` to scan; refused when one is set up already (an admin
    /// resets it).
    pub async fn begin_totp(&self, user: Uuid, username: &str) -> Result<TotpEnrolment> {
        let secret = totp::new_secret();
        let sealed = self.totp_key.seal(user, &secret);
        let mut conn = self.pool.acquire().await?;
        if !db::second_factor::begin(&mut conn, user, &sealed).await? {
            return Err(Error::conflict(
                "totp_already_enabled",
                "An authenticator app is already set up for this account; an admin can reset it.",
            ));
        }
        Ok(TotpEnrolment {
            secret: totp::base32(&secret),
            otpauth_uri: totp::otpauth_uri(&secret, username),
        })
    }

    /// Check `code` for `user`: a TOTP code (which also confirms an enrolment in progress)
    /// or, once enrolled, a recovery code. A confirmed enrolment gets its recovery codes
    /// and an audit entry, in the same transaction.
    pub async fn check_second_factor(
        &self,
        actor: &Actor,
        user: Uuid,
        code: &str,
    ) -> Result<Checked> {
        let mut tx = self.pool.begin().await?;
        let Some(state) = db::second_factor::totp(&mut tx, user).await? else {
            return Ok(Checked::Refused);
        };
        let now = chrono::Utc::now().timestamp();
        let secret = state.secret.open(&self.totp_key, user);
        if secret.is_none() {
            // Restored without its audit key, or altered: no code can match; recovery codes
            // still work, and an admin's reset starts afresh.
            tracing::error!(%user, "the TOTP secret does not open with this installation's key");
        }
        let step = secret.and_then(|s| totp::verify(&s, code, now, state.last_step));
        if let Some(step) = step {
            db::second_factor::accepted(&mut tx, user, step).await?;
            let codes = if state.confirmed {
                None
            } else {
                let codes = totp::new_recovery_codes(totp::RECOVERY_CODES);
                let hashes: Vec<[u8; 32]> = codes
                    .iter()
                    .map(|c| totp::recovery_code_hash(c).expect("a generated code is valid"))
                    .collect();
                db::second_factor::set_recovery_codes(&mut tx, user, &hashes).await?;
                let target = Some(("user", user.to_string()));
                db::audit::record(&mut *tx, actor, AuditAction::TotpEnrol, target, None).await?;
                Some(codes)
            };
            tx.commit().await?;
            return Ok(Checked::Accepted(Factor::Totp, codes));
        }
        let recovered = match totp::recovery_code_hash(code).filter(|_| state.confirmed) {
            Some(hash) => db::second_factor::use_recovery_code(&mut tx, user, &hash).await?,
            None => false,
        };
        tx.commit().await?;
        Ok(if recovered {
            Checked::Accepted(Factor::RecoveryCode, None)
        } else {
            Checked::Refused
        })
    }

    /// Confirm the signed-in user's new authenticator app with a code from it.
    pub async fn confirm_totp(
        &self,
        actor: &Actor,
        user: Uuid,
        code: &str,
    ) -> Result<RecoveryCodes> {
        let mut conn = self.pool.acquire().await?;
        let state = db::second_factor::totp(&mut conn, user).await?;
        drop(conn);
        match state {
            None => Err(Error::conflict(
                "totp_not_started",
                "Start setting up an authenticator app first.",
            )),
            Some(s) if s.confirmed => Err(Error::conflict(
                "totp_already_enabled",
                "An authenticator app is already set up for this account.",
            )),
            Some(_) => match self.check_second_factor(actor, user, code).await? {
                Checked::Accepted(_, Some(codes)) => Ok(RecoveryCodes { codes }),
                _ => Err(Error::invalid(
                    "code",
                    "is not the app's current code: check the phone's clock and try the next one",
                )),
            },
        }
    }

    /// An admin removes `user`'s authenticator app and recovery codes (a lost phone).
    pub async fn reset_totp(&self, actor: &Actor, user: Uuid) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if db::users::get(&mut *tx, user).await?.is_none() {
            return Err(Error::NotFound("user"));
        }
        let had = db::second_factor::remove(&mut tx, user).await?;
        let target = Some(("user", user.to_string()));
        let details = json!({"had_second_factor": had});
        db::audit::record(
            &mut *tx,
            actor,
            AuditAction::TotpReset,
            target,
            Some(details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn sign_in_policy(&self) -> Result<SignInPolicy> {
        Ok(SignInPolicy {
            totp_required: db::second_factor::required_roles(&self.pool).await?,
        })
    }

    /// Set which roles must sign in with a second factor.
    pub async fn set_sign_in_policy(
        &self,
        actor: &Actor,
        policy: SignInPolicy,
    ) -> Result<SignInPolicy> {
        let mut roles: Vec<Role> = policy.totp_required;
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        let mut tx = self.pool.begin().await?;
        let before = db::second_factor::required_roles(&mut *tx).await?;
        db::second_factor::set_required_roles(&mut tx, &roles).await?;
        let details = json!({"totp_required": roles, "before": before});
        db::audit::record(
            &mut *tx,
            actor,
            AuditAction::SignInPolicyUpdate,
            None,
            Some(details),
        )
        .await?;
        tx.commit().await?;
        Ok(SignInPolicy {
            totp_required: roles,
        })
    }
}
