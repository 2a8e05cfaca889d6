//! The sign-in throttle. Every attempt is counted before its password is checked, per
//! (account, client address), so a flood of parallel guesses gets the same few checks as
//! a slow one. Past a few free attempts each further one from that address must wait,
//! longer each time; an address that fails on many accounts is refused for all of them.
//! Attempts from one address never lock the account for another address, so a guesser
//! cannot lock the real user out. Password checks themselves (argon2id, ~19 MiB each) are
//! bounded on this instance.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::login_attempts::Seen;

/// Attempts per (account, address) before delays start.
pub const FREE_ATTEMPTS: i64 = 5;
/// The first delay once the free attempts are used; each further attempt doubles it.
pub const FIRST_DELAY: chrono::Duration = chrono::Duration::seconds(30);
/// The longest delay, and how long attempts are remembered.
pub const WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// Failed attempts one address may make on all accounts together within [`WINDOW`].
pub const MAX_PER_ADDRESS: i64 = 30;
/// How long a sign-in waits for a free password check before it is told to retry.
const CHECK_WAIT: Duration = Duration::from_secs(2);

/// The throttle's key for a typed name: never the name itself, which may be a password
/// typed into the wrong field.
pub fn account_key(username: &str) -> String {
    hex::encode(Sha256::digest(username.as_bytes()))
}

/// How long the caller must wait before this attempt may be made, or `None` if it may
/// be made now.
pub fn wait(seen: &Seen, now: DateTime<Utc>) -> Option<chrono::Duration> {
    if seen.from_address >= MAX_PER_ADDRESS {
        let until = seen.first_from_address.unwrap_or(now) + WINDOW;
        return Some((until - now).max(chrono::Duration::seconds(1)));
    }
    if seen.here < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (seen.here - FREE_ATTEMPTS).min(16) as i32;
    let delay = (FIRST_DELAY * 2i32.pow(doublings as u32)).min(WINDOW);
    let until = seen.last_here.unwrap_or(now) + delay;
    (until > now).then(|| until - now)
}

/// Bounds the argon2 checks running at once on this instance.
#[derive(Clone)]
pub struct PasswordChecks(Arc<Semaphore>);

impl PasswordChecks {
    pub fn new(at_once: usize) -> Self {
        PasswordChecks(Arc::new(Semaphore::new(at_once.max(1))))
    }

    /// A slot for one check, waiting a moment for one; `None` when the instance is busy
    /// checking passwords (the caller answers 429).
    pub async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(CHECK_WAIT, self.0.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(here: i64, from_address: i64, ago_s: i64) -> (Seen, DateTime<Utc>) {
        let now = Utc::now();
        let at = Some(now - chrono::Duration::seconds(ago_s));
        let seen = Seen {
            here,
            last_here: at,
            from_address,
            first_from_address: at,
        };
        (seen, now)
    }

    #[test]
    fn a_few_attempts_are_free_then_each_waits_longer() {
        let (s, now) = seen(4, 4, 0);
        assert_eq!(wait(&s, now), None);
        let (s, now) = seen(5, 5, 0);
        assert_eq!(wait(&s, now), Some(chrono::Duration::seconds(30)));
        let (s, now) = seen(6, 6, 10);
        assert_eq!(wait(&s, now), Some(chrono::Duration::seconds(50)));
        let (s, now) = seen(7, 7, 200);
        assert_eq!(wait(&s, now), None, "120 s had passed");
        let (s, now) = seen(20, 20, 0);
        assert_eq!(wait(&s, now), Some(WINDOW), "capped");
    }

    #[test]
    fn an_address_failing_on_many_accounts_waits_for_the_window() {
        let (s, now) = seen(0, MAX_PER_ADDRESS, 60);
        assert_eq!(wait(&s, now), Some(WINDOW - chrono::Duration::seconds(60)));
    }

    #[test]
    fn the_key_is_not_the_name() {
        let key = account_key("correct horse battery staple");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("horse"));
    }
}
