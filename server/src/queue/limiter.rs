//! The adaptive concurrency limit of this instance: AIMD. A 429 or a timeout halves it
//! (at most once per cool-down, since the calls already in flight fail together); each
//! success adds one back, never above the shared bound. The hard bound across instances is
//! enforced by the claim (see `jobs::claim`); this limit is how one instance backs off when
//! the provider says it is overloaded.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::futures::Notified;
use tokio::sync::Notify;

const DECREASE_COOLDOWN: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct State {
    bound: u32,
    limit: f64,
    in_flight: u32,
    last_decrease: Option<Instant>,
}

#[derive(Debug)]
pub struct AdaptiveLimit {
    state: Mutex<State>,
    released: Notify,
}

/// One slot; frees itself when dropped.
#[derive(Debug)]
pub struct Permit {
    limit: Arc<AdaptiveLimit>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.limit.lock().in_flight -= 1;
        self.limit.released.notify_waiters();
    }
}

impl AdaptiveLimit {
    pub fn new(bound: u32) -> Arc<Self> {
        let bound = bound.max(1);
        Arc::new(AdaptiveLimit {
            state: Mutex::new(State {
                bound,
                limit: f64::from(bound),
                in_flight: 0,
                last_decrease: None,
            }),
            released: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Slots free right now.
    pub fn available(&self) -> u32 {
        let s = self.lock();
        (s.limit.floor() as u32).saturating_sub(s.in_flight)
    }

    /// Take a slot if one is free.
    pub fn try_acquire(self: &Arc<Self>) -> Option<Permit> {
        let mut s = self.lock();
        if s.in_flight < s.limit.floor() as u32 {
            s.in_flight += 1;
            Some(Permit {
                limit: Arc::clone(self),
            })
        } else {
            None
        }
    }

    /// Resolves when a slot may have been freed after this call. Call it BEFORE counting
    /// free slots: the future sees every release from its creation on, even before it is
    /// first polled, so a slot freed between the count and the wait cannot be missed.
    pub fn released(&self) -> Notified<'_> {
        self.released.notified()
    }

    pub fn on_success(&self) {
        let mut s = self.lock();
        s.limit = (s.limit + 1.0).min(f64::from(s.bound));
    }

    /// The provider is overloaded (429) or not answering (timeout).
    pub fn on_overload(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        if s.last_decrease.is_some_and(|t| now - t < DECREASE_COOLDOWN) {
            return;
        }
        s.last_decrease = Some(now);
        s.limit = (s.limit / 2.0).max(1.0);
    }

    /// A new shared bound (admin change). An unconstrained limit follows it up; a reduced
    /// one keeps earning its way back.
    pub fn set_bound(&self, bound: u32) {
        let bound = bound.max(1);
        let mut s = self.lock();
        let unconstrained = s.limit >= f64::from(s.bound);
        let before = s.limit.floor();
        s.bound = bound;
        s.limit = if unconstrained {
            f64::from(bound)
        } else {
            s.limit.min(f64::from(bound))
        };
        let more_slots = s.limit.floor() > before;
        drop(s);
        // Only new slots are news for the dispatcher. It sets the bound after every claim,
        // with a `released` future already armed: waking it then for nothing made an idle
        // dispatcher claim again every few milliseconds, a locked read each time.
        if more_slots {
            self.released.notify_waiters();
        }
    }

    /// (bound, current limit, in flight)
    pub fn snapshot(&self) -> (u32, u32, u32) {
        let s = self.lock();
        (s.bound, s.limit.floor() as u32, s.in_flight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slot_freed_between_the_count_and_the_wait_still_wakes_the_waiter() {
        let l = AdaptiveLimit::new(1);
        let permit = l.try_acquire().unwrap();
        let released = l.released();
        assert_eq!(l.available(), 0);
        drop(permit); // freed before the waiter is first polled
        tokio::time::timeout(std::time::Duration::from_secs(1), released)
            .await
            .expect("the release is not lost");
    }

    #[tokio::test]
    async fn only_a_raised_bound_wakes_the_waiter() {
        let l = AdaptiveLimit::new(4);
        let released = l.released();
        l.set_bound(4); // what every claim does: the same bound again
        l.set_bound(2);
        let wait = std::time::Duration::from_millis(100);
        tokio::pin!(released);
        assert!(
            tokio::time::timeout(wait, &mut released).await.is_err(),
            "no new slot, no wake-up"
        );
        l.set_bound(8);
        tokio::time::timeout(wait, released)
            .await
            .expect("a raised bound is a freed slot");
    }

    #[test]
    fn halves_on_overload_and_recovers_on_success() {
        let l = AdaptiveLimit::new(16);
        l.on_overload();
        assert_eq!(l.snapshot().1, 8);
        l.on_overload(); // within the cool-down: the same overload event
        assert_eq!(l.snapshot().1, 8);
        for _ in 0..20 {
            l.on_success();
        }
        assert_eq!(l.snapshot().1, 16, "never above the bound");
    }

    #[test]
    fn permits_respect_the_limit_and_free_on_drop() {
        let l = AdaptiveLimit::new(2);
        let a = l.try_acquire().unwrap();
        let _b = l.try_acquire().unwrap();
        assert!(l.try_acquire().is_none());
        drop(a);
        assert!(l.try_acquire().is_some());
    }

    #[test]
    fn bound_changes_apply() {
        let l = AdaptiveLimit::new(4);
        l.set_bound(10);
        assert_eq!(l.snapshot(), (10, 10, 0));
        l.on_overload();
        l.set_bound(3);
        assert_eq!(l.snapshot().1, 3);
    }
}
