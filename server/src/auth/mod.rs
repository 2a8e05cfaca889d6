//! Passwords, session tokens and the authenticated user.

pub mod cache;
pub mod throttle;
pub mod totp;
pub mod totp_key;

use aduan_api::account::Role;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long sessions last: `idle` after their last use (sliding), `lifetime` at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: chrono::Duration,
    pub lifetime: chrono::Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: chrono::Duration::hours(12),
            lifetime: chrono::Duration::days(7),
        }
    }
}

/// Event tickets one session may ask for in a minute (a reconnecting stream needs one
/// each time).
pub const TICKETS_PER_MINUTE: i64 = 20;
/// EventSource tickets are good for one connection within this time.
pub const TICKET_TTL: chrono::Duration = chrono::Duration::seconds(60);
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The user a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// SHA-256 of the session token (or ticket) used.
    pub session: [u8; 32],
}

impl AuthUser {
    /// Intake staff see only what they entered; everyone else sees everything.
    pub fn only_own(&self) -> Option<Uuid> {
        (self.role == Role::Intake).then_some(self.id)
    }
}

/// argon2id with the crate's recommended parameters and a random salt. CPU-heavy: call
/// from a blocking task.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid parameters")
        .to_string()
}

/// Constant-time verification against a stored PHC string. CPU-heavy, like hashing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so a wrong username takes as
/// long as a wrong password and does not reveal which usernames exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password, only for timing"))
}

/// A new 256-bit random token, URL-safe base64, and the SHA-256 stored for it.
pub fn new_token() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Password rules: long enough to resist guessing; no composition rules (NIST 800-63B).
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if password.len() > 1024 {
        return Err("is too long".into());
    }
    Ok(())
}

/// A random password for demo users, printed once.
pub fn random_password() -> String {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("kata laluan panjang");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("kata laluan panjang", &h));
        assert!(!verify_password("kata laluan salah", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn tokens_are_256_bit_and_hashed() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(t1.len(), 43);
        assert_eq!(token_hash(&t1), h1);
    }
}
