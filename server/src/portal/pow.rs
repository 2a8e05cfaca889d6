//! Proof of work instead of a CAPTCHA: the sender finds a decimal `nonce` such that
//! SHA-256(`prefix:nonce`) starts with `difficulty` zero bits (2^difficulty hashes on
//! average); the server checks an answer with one hash.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// About a second of work on a mid-range phone in the portal's own solver (docs in the
/// README's portal section say what was measured).
pub const DEFAULT_BITS: u8 = 18;

/// How long a challenge may be answered.
pub const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The longest nonce accepted: any u64 in decimal.
pub const MAX_NONCE_DIGITS: usize = 20;

/// A fresh random prefix: 128 bits in hex.
pub fn new_prefix() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Leading zero bits of a hash.
pub fn leading_zero_bits(hash: &[u8]) -> u32 {
    let mut bits = 0;
    for b in hash {
        if *b == 0 {
            bits += 8;
        } else {
            return bits + b.leading_zeros();
        }
    }
    bits
}

/// Whether `nonce` (1–20 ASCII digits) answers `prefix` at `difficulty`.
pub fn check(prefix: &str, nonce: &str, difficulty: u8) -> bool {
    let digits = !nonce.is_empty()
        && nonce.len() <= MAX_NONCE_DIGITS
        && nonce.bytes().all(|b| b.is_ascii_digit());
    if !digits {
        return false;
    }
    let hash = Sha256::new()
        .chain_update(prefix.as_bytes())
        .chain_update(b":")
        .chain_update(nonce.as_bytes())
        .finalize();
    leading_zero_bits(&hash) >= u32::from(difficulty)
}

/// Find an answer by brute force (tests, benchmarks and tools; the portal solves in JS).
pub fn solve(prefix: &str, difficulty: u8) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| check(prefix, n, difficulty))
        .expect("an answer exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0xff]), 0);
        assert_eq!(leading_zero_bits(&[0x00, 0x10]), 11);
        assert_eq!(leading_zero_bits(&[0x00, 0x00]), 16);
    }

    #[test]
    fn a_solved_nonce_checks_and_others_do_not() {
        let prefix = new_prefix();
        let nonce = solve(&prefix, 12);
        assert!(check(&prefix, &nonce, 12));
        assert!(!check(&prefix, "", 0));
        assert!(!check(&prefix, "12a", 0));
        assert!(!check(&prefix, "-1", 0));
        assert!(!check(&prefix, &"9".repeat(21), 0));
        // 64 zero bits: never found by chance.
        assert!(!check(&prefix, "0", 64));
    }
}
