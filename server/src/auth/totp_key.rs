//! TOTP secrets sealed at rest: XChaCha20-Poly1305 under a key derived from the audit key,
//! which lives outside the database, with the user's id as associated data. A copy of the
//! database alone (a dump, a read through an injection) does not give the secrets that make
//! sign-in codes, and a sealed secret copied into another user's row does not open.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use uuid::Uuid;

use crate::audit::AuditKey;

const NONCE: usize = 24;

/// The key TOTP secrets are sealed with, derived from the audit key
/// ([`AuditKey::subkey`]).
#[derive(Clone)]
pub struct TotpKey([u8; 32]);

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(..)")
    }
}

impl TotpKey {
    pub fn derive(audit: &AuditKey) -> Self {
        TotpKey(audit.subkey(b"aduan totp secrets v1"))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }

    /// `secret` sealed for `user`: a random nonce, then the ciphertext and its tag.
    pub fn seal(&self, user: Uuid, secret: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret,
            aad: user.as_bytes(),
        };
        let sealed = self
            .cipher()
            .encrypt(&nonce, payload)
            .expect("sealing a short secret cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    /// The secret sealed for `user`; `None` when it was sealed with another key (a database
    /// restored without its audit key) or for another user, or was altered.
    pub fn open(&self, user: Uuid, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE);
        let payload = Payload {
            msg: ciphertext,
            aad: user.as_bytes(),
        };
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), payload)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_under_its_key() {
        let key = TotpKey::derive(&AuditKey::generate());
        let (user, other) = (Uuid::new_v4(), Uuid::new_v4());
        let secret = b"12345678901234567890";
        let sealed = key.seal(user, secret);
        assert_eq!(sealed.len(), NONCE + secret.len() + 16);
        assert!(!sealed.windows(secret.len()).any(|w| w == secret));
        assert_eq!(key.open(user, &sealed).as_deref(), Some(&secret[..]));
        assert_ne!(sealed, key.seal(user, secret), "a new nonce each time");
        assert_eq!(key.open(other, &sealed), None, "moved to another user");
        let elsewhere = TotpKey::derive(&AuditKey::generate());
        assert_eq!(elsewhere.open(user, &sealed), None, "another installation");
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(user, &altered), None);
        assert_eq!(key.open(user, &sealed[..10]), None);
    }
}
