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
/// From this age on, one request revalidates the entry in the background while the others
/// go on using it. Without it, every client of a busy session (a kiosk, a load test) missed
/// at once at expiry and queued on the same session row.
const REFRESH_AFTER: Duration = Duration::from_secs(10);
const MAX_ENTRIES: usize = 50_000;

struct Entry {
    user: AuthUser,
    at: Instant,
    refreshing: bool,
}

/// The answer of the cache.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    Hit(AuthUser),
    /// Still valid, and this caller is the one to revalidate it (see `REFRESH_AFTER`).
    Refresh(AuthUser),
    Miss,
}

pub struct SessionCache {
    map: Mutex<HashMap<[u8; 32], Entry>>,
    /// Every revocation this instance learns of, for what must end with a session (event
    /// streams).
    revoked: tokio::sync::broadcast::Sender<Revoked>,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            map: Mutex::default(),
            revoked: tokio::sync::broadcast::channel(256).0,
        }
    }
}

/// A session, or all of a user's sessions, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    User(Uuid),
    Session([u8; 32]),
}

impl Revoked {
    /// Whether this ends `user`'s session.
    pub fn ends(&self, user: &AuthUser) -> bool {
        match self {
            Revoked::User(id) => *id == user.id,
            Revoked::Session(hash) => *hash == user.session,
        }
    }
}

impl SessionCache {
    pub fn get(&self, hash: &[u8; 32]) -> Lookup {
        self.get_at(hash, Instant::now())
    }

    fn get_at(&self, hash: &[u8; 32], now: Instant) -> Lookup {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(hash) {
            Some(e) if now.duration_since(e.at) < TTL => {
                if now.duration_since(e.at) >= REFRESH_AFTER && !e.refreshing {
                    e.refreshing = true;
                    Lookup::Refresh(e.user.clone())
                } else {
                    Lookup::Hit(e.user.clone())
                }
            }
            _ => Lookup::Miss,
        }
    }

    pub fn put(&self, user: AuthUser) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, e| e.at.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        let entry = Entry {
            user,
            at: Instant::now(),
            refreshing: false,
        };
        map.insert(entry.user.session, entry);
    }

    pub fn forget_session(&self, hash: &[u8; 32]) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(hash);
        let _ = self.revoked.send(Revoked::Session(*hash));
    }

    /// Revocations from now on.
    pub fn revocations(&self) -> tokio::sync::broadcast::Receiver<Revoked> {
        self.revoked.subscribe()
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
            .retain(|_, e| e.user.id != user);
        let _ = self.revoked.send(Revoked::User(user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_api::account::Role;

    fn user() -> AuthUser {
        AuthUser {
            id: Uuid::now_v7(),
            username: "officer".into(),
            display_name: "Officer".into(),
            role: Role::Officer,
            session: [7; 32],
        }
    }

    #[test]
    fn one_caller_revalidates_an_ageing_entry_while_others_keep_using_it() {
        let cache = SessionCache::default();
        let u = user();
        cache.put(u.clone());
        let now = Instant::now();
        assert_eq!(cache.get_at(&u.session, now), Lookup::Hit(u.clone()));
        let ageing = now + REFRESH_AFTER + Duration::from_secs(1);
        assert_eq!(cache.get_at(&u.session, ageing), Lookup::Refresh(u.clone()));
        assert_eq!(cache.get_at(&u.session, ageing), Lookup::Hit(u.clone()));
        assert_eq!(cache.get_at(&u.session, now + TTL), Lookup::Miss);
        // A revalidation puts the entry back as new.
        cache.put(u.clone());
        assert_eq!(
            cache.get_at(&u.session, Instant::now()),
            Lookup::Hit(u.clone())
        );
    }

    #[test]
    fn revoked_sessions_and_users_are_dropped() {
        let cache = SessionCache::default();
        let u = user();
        cache.put(u.clone());
        cache.apply_notice(&format!("session:{}", hex::encode(u.session)));
        assert_eq!(cache.get(&u.session), Lookup::Miss);
        cache.put(u.clone());
        cache.apply_notice(&format!("user:{}", u.id));
        assert_eq!(cache.get(&u.session), Lookup::Miss);
    }
}
