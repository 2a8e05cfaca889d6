//! The reporter portal's domain: proof of work, receipts, the reporter's view of a
//! complaint's status, and removing identifying metadata from the public's files. The
//! HTTP side is `crate::http::portal`, the SQL `crate::db::portal`.

pub mod pow;
pub mod receipt;
pub mod status;
pub mod strip;

use std::time::Duration;

/// The portal's settings (see the `--public-…` options).
#[derive(Debug, Clone, Copy)]
pub struct PortalConfig {
    pub pow_bits: u8,
    pub submissions_per_minute: u32,
    /// Wrong receipts per client address per hour.
    pub signin_failures: u32,
    /// Wrong receipts per hour from everywhere.
    pub signin_failures_global: u32,
    pub session: Duration,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            pow_bits: pow::DEFAULT_BITS,
            submissions_per_minute: 10,
            signin_failures: 10,
            signin_failures_global: 1000,
            session: Duration::from_secs(30 * 60),
        }
    }
}
