//! How a seal is computed from its entry and the seal before it.

use chrono::SecondsFormat;
use sha2::{Digest, Sha256};

use super::AuditKey;
use crate::db::audit::EntryRow;

/// The entry's content as the chain covers it: every column, in a fixed order.
fn content(r: &EntryRow) -> String {
    // serde_json's map is ordered by key, so `details` serialises the same way every time.
    serde_json::json!([
        r.id,
        r.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        r.actor_id,
        r.actor_name,
        r.action,
        r.target_type,
        r.target_id,
        r.ip,
        r.user_agent,
        r.details,
    ])
    .to_string()
}

/// The seal of `r` at position `seq` after `prev`: HMAC-SHA-256 with the installation's key.
pub fn keyed(key: &AuditKey, prev: &str, seq: i64, r: &EntryRow) -> String {
    key.mac(&[
        prev.as_bytes(),
        seq.to_string().as_bytes(),
        content(r).as_bytes(),
    ])
}

/// The unkeyed SHA-256 seal of the first versions, which sealed what they wrote that way.
/// Verification accepts it only before the first keyed seal.
pub fn unkeyed(prev: &str, seq: i64, r: &EntryRow) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"|");
    h.update(seq.to_string().as_bytes());
    h.update(b"|");
    h.update(content(r).as_bytes());
    hex::encode(h.finalize())
}
