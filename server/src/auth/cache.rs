//! A short-lived in-process cache of verified sessions, so an authenticated request does
//! not cost a database round trip every time. Logout, disabling a user and password
//! changes NOTIFY every instance, which drops the affected entries at once; the TTL bounds
//! staleness if a notification is missed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::AuthUser;

const TTL: Duration = Duration::from_secs(15);
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub struct SessionCache {
    map: Mutex<HashMap<[u8; 32], (AuthUser, Instant)>>,
}

impl SessionCache {
    pub fn get(&self, hash: &[u8; 32]) -> Option<AuthUser> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(u, _)| u.clone())
    }

    pub fn put(&self, user: AuthUser) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, at)| at.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(user.session, (user, Instant::now()));
    }

    pub fn forget_session(&self, hash: &[u8; 32]) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(hash);
    }

    /// Apply a revocation notice: `user:<uuid>` or `session:<hex sha256>`.
    pub fn apply_notice(&self, payload: &str) {
        if let Some(id) = payload.strip_prefix("user:").and_then(|s| s.parse().ok()) {
            self.forget_user(id);
        } else if let Some(hash) = payload
            .strip_prefix("session:")
            .and_then(|s| hex::decode(s).ok())
        {
            if let Ok(hash) = <[u8; 32]>::try_from(hash.as_slice()) {
                self.forget_session(&hash);
            }
        }
    }

    pub fn forget_user(&self, user: Uuid) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, (u, _)| u.id != user);
    }
}
