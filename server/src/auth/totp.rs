//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits, as
//! every authenticator app expects) and one-time recovery codes.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Seconds per step.
pub const STEP: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps either side of now accepted, for clocks a little off.
const SKEW: i64 = 1;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Aduan";

/// A new 160-bit secret (RFC 4226's recommended length).
pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    OsRng.fill_bytes(&mut s);
    s
}

/// The code of `secret` at time step `step` (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key size");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!(
        "{:0width$}",
        bin % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The step a Unix time falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP)
}

/// The step whose code `code` is, within the skew around `now`, if it is later than
/// `after` (a code is good once: a replayed one is refused).
pub fn verify(secret: &[u8], code: &str, now_unix: i64, after: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(now_unix);
    (now - SKEW..=now + SKEW)
        .filter(|&s| s > after)
        .find(|&s| constant_time_eq(code_at(secret, s).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &[u8], username: &str) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "otpauth://totp/{issuer}:{user}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        issuer = enc(ISSUER),
        user = enc(username),
        secret = base32(secret),
    )
}

/// `n` new recovery codes: 80 random bits each, as four groups of four base32 characters.
pub fn new_recovery_codes(n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut b = [0u8; 10];
            OsRng.fill_bytes(&mut b);
            let s = base32(&b);
            format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
        })
        .collect()
}

/// What is stored of a recovery code: the SHA-256 of its normal form (upper case, no
/// separators), so a code typed in lower case or without dashes still counts. 80 random
/// bits need no slow hash.
pub fn recovery_code_hash(code: &str) -> Option<[u8; 32]> {
    let normal: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = normal.len() == 16
        && normal
            .bytes()
            .all(|b| matches!(b, b'A'..=b'Z' | b'2'..=b'7'));
    valid.then(|| Sha256::digest(normal.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, truncated to 6 digits.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(code_at(secret, step_of(t)), code, "t = {t}");
        }
    }

    #[test]
    fn a_code_is_good_near_its_time_and_only_once() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, step_of(now));
        let step = verify(&secret, &code, now, 0).unwrap();
        assert_eq!(
            verify(&secret, &code, now + STEP, 0),
            Some(step),
            "a step late is fine"
        );
        assert_eq!(verify(&secret, &code, now + 3 * STEP, 0), None, "too late");
        assert_eq!(verify(&secret, &code, now, step), None, "replayed");
        assert_eq!(verify(&secret, "12345", now, 0), None);
        assert_eq!(verify(&secret, "abcdef", now, 0), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(&secret, &spaced, now, 0), Some(step));
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes(RECOVERY_CODES);
        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        let c = &codes[0];
        assert_eq!(c.len(), 19);
        let h = recovery_code_hash(c).unwrap();
        assert_eq!(
            recovery_code_hash(&c.to_lowercase().replace('-', "")),
            Some(h)
        );
        assert_eq!(recovery_code_hash("not a code"), None);
    }

    #[test]
    fn the_uri_names_the_issuer_and_secret() {
        let uri = otpauth_uri(b"12345678901234567890", "siti.aminah");
        assert!(uri.starts_with("otpauth://totp/Aduan:siti%2Eaminah?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Aduan"));
    }
}
