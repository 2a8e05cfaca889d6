//! Exponential backoff with full jitter, and `Retry-After` handling.

use std::time::Duration;

use rand::Rng;

/// Delay before retry number `attempt` (1-based): uniformly random in
/// `[base·2^(attempt-1) / 2, base·2^(attempt-1)]`, capped. Jitter spreads a burst of failures
/// so they do not all return at the same instant.
pub fn delay(attempt: i32, base: Duration, cap: Duration) -> Duration {
    let exp = base.as_secs_f64() * 2f64.powi((attempt - 1).clamp(0, 20));
    let top = exp.min(cap.as_secs_f64());
    let secs = rand::thread_rng().gen_range(top / 2.0..=top.max(f64::EPSILON));
    Duration::from_secs_f64(secs)
}

/// The wait for a 429: the provider's `Retry-After` when given (bounded so a bad header
/// cannot park work for a day), else a short jittered pause.
pub fn rate_limit_delay(retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(d) => d.min(Duration::from_secs(300)),
        None => Duration::from_millis(rand::thread_rng().gen_range(500..=2000)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_and_cap() {
        let base = Duration::from_secs(2);
        let cap = Duration::from_secs(60);
        for _ in 0..100 {
            let d1 = delay(1, base, cap).as_secs_f64();
            assert!((1.0..=2.0).contains(&d1), "{d1}");
            let d3 = delay(3, base, cap).as_secs_f64();
            assert!((4.0..=8.0).contains(&d3), "{d3}");
            let d10 = delay(10, base, cap).as_secs_f64();
            assert!((30.0..=60.0).contains(&d10), "{d10}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        assert_eq!(
            rate_limit_delay(Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            rate_limit_delay(Some(Duration::from_secs(86_400))),
            Duration::from_secs(300)
        );
    }
}
