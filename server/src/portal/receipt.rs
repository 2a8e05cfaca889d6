//! Receipts: 16 random digits, the reporter's only key to their report. Stored as an
//! argon2id hash, found by a keyed lookup value (HMAC-SHA256 under a key derived from the
//! audit key, truncated to 128 bits) that reveals nothing of the receipt without the key,
//! so signing in costs one table lookup and one argon2 check, and a wrong receipt finds no
//! row and costs no argon2 check at all.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

/// Digits in a receipt: 10^16 possible receipts.
pub const DIGITS: usize = 16;

/// A new receipt from the operating system's CSPRNG, uniform over 0..10^16.
pub fn generate() -> String {
    let n: u64 = rand::rngs::OsRng.gen_range(0..10u64.pow(DIGITS as u32));
    format!("{n:016}")
}

/// The receipt in `input` (spaces and dashes ignored), if it is 16 digits.
pub fn normalise(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The receipt grouped by four, as printed: `1234 5678 9012 3456`.
pub fn grouped(receipt: &str) -> String {
    receipt
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The portal's secret key, derived from the audit key ([`crate::audit::AuditKey::subkey`]).
#[derive(Clone)]
pub struct PortalKey([u8; 32]);

impl std::fmt::Debug for PortalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PortalKey(..)")
    }
}

impl PortalKey {
    pub fn derive(audit: &crate::audit::AuditKey) -> Self {
        PortalKey(audit.subkey(b"aduan reporter portal v1"))
    }

    /// A key of its own, for tests.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        PortalKey(key)
    }

    fn mac(&self, purpose: &[u8], value: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size");
        mac.update(purpose);
        mac.update(b"|");
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The lookup value stored beside a receipt's hash.
    pub fn lookup(&self, receipt: &str) -> [u8; 16] {
        let full = self.mac(b"receipt", receipt.as_bytes());
        full[..16].try_into().expect("16 of 32 bytes")
    }

    /// A throttle bucket for `purpose` and a client, without storing the client's address.
    pub fn bucket(&self, purpose: &str, client: &str) -> Vec<u8> {
        self.mac(purpose.as_bytes(), client.as_bytes()).to_vec()
    }
}

/// The address a throttle counts by: an IPv6 client by its /64 (one subscriber's
/// allocation, which a guesser could otherwise walk), an IPv4 client by its address.
pub fn client_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().expect("mapped").to_string(),
        _ => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_16_digits_and_normalise() {
        for _ in 0..100 {
            let r = generate();
            assert_eq!(r.len(), 16);
            assert_eq!(normalise(&grouped(&r)).as_deref(), Some(r.as_str()));
        }
        assert_eq!(
            normalise("1234-5678 9012-3456").as_deref(),
            Some("1234567890123456")
        );
        assert_eq!(normalise("123456789012345"), None);
        assert_eq!(normalise("12345678901234567"), None);
        assert_eq!(normalise("123456789012345x"), None);
        assert_eq!(grouped("1234567890123456"), "1234 5678 9012 3456");
    }

    #[test]
    fn lookups_differ_by_receipt_and_by_key() {
        let a = PortalKey::from_bytes([1; 32]);
        let b = PortalKey::from_bytes([2; 32]);
        assert_ne!(a.lookup("0000000000000001"), a.lookup("0000000000000002"));
        assert_ne!(a.lookup("0000000000000001"), b.lookup("0000000000000001"));
        assert_eq!(a.lookup("0000000000000001"), a.lookup("0000000000000001"));
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(client_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(client_key("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(client_key("10.0.0.1"), "10.0.0.1");
    }
}
