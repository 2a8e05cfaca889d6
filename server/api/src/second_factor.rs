//! Two-factor sign-in: TOTP enrolment, the second step of a sign-in, and the roles that
//! must use it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::account::Role;

/// The `details` of a 401 `second_factor_required` from `POST /api/v1/auth/login`: the
/// password was right; send a code with this challenge to `POST /api/v1/auth/second-factor`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct SecondFactorChallenge {
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
    /// The account must set up an authenticator app first (its role requires one):
    /// `POST /api/v1/auth/second-factor/enrol` gives the secret to scan.
    pub enrol: bool,
}

/// `POST /api/v1/auth/second-factor`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct SecondFactorRequest {
    #[schema(max_length = 64)]
    pub challenge: String,
    /// Six digits from the authenticator app, or one of the recovery codes.
    #[schema(max_length = 32)]
    pub code: String,
}

/// `POST /api/v1/auth/second-factor/enrol`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct EnrolRequest {
    #[schema(max_length = 64)]
    pub challenge: String,
}

/// A TOTP secret to add to an authenticator app, by QR code or typed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct TotpEnrolment {
    /// Base32, for typing into the app.
    pub secret: String,
    /// `otpauth://totp/…`, for the app to show as a QR code.
    pub otpauth_uri: String,
}

/// `POST /api/v1/me/totp/confirm`: a code from the app just set up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct TotpConfirm {
    #[schema(max_length = 32)]
    pub code: String,
}

/// One-time recovery codes, shown once: each signs in once instead of a code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// Which roles must sign in with a second factor (`/api/v1/admin/sign-in-policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct SignInPolicy {
    pub totp_required: Vec<Role>,
}
