//! Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture
//! Blog, 2015): the n-th retry waits a uniformly random time in `[0, min(cap, base · 2ⁿ)]`.
//!
//! A server's own hint wins when it is longer: HTTP `Retry-After` (RFC 9110 §10.2.3) and
//! ActiveSync's `ServerBusy { retry_after }` are lower bounds for the next wait (clamped to
//! [`Backoff::max_server_wait`] so a broken header cannot park an account for a day).
//! [`Backoff::reset`] after a success starts the sequence again.
//!
//! Pure: no clock, no sleeping. The caller sleeps for what [`Backoff::next_delay`] returns
//! (`tokio::time::sleep`), so this is tested with a seeded random generator.

use std::time::Duration;

/// Backoff state for one job (one folder, one account's connection, one outbox item…).
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    max_server_wait: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Default for Backoff {
    /// 2 s base, 5 min cap, server hints up to 1 h.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(2), Duration::from_secs(300))
    }
}

impl Backoff {
    /// `base` is the first ceiling, `cap` the largest ceiling. Seeded from the OS.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base: base.max(Duration::from_millis(1)),
            cap: cap.max(base),
            max_server_wait: Duration::from_secs(3600),
            attempt: 0,
            rng: fastrand::Rng::new(),
        }
    }

    /// The same with a fixed random seed (tests, and fault-injection runs that must repeat).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = fastrand::Rng::with_seed(seed);
        self
    }

    /// The longest server-requested wait that is honoured (default 1 h).
    pub fn with_max_server_wait(mut self, max: Duration) -> Self {
        self.max_server_wait = max;
        self
    }

    /// Continues a sequence after `attempt` earlier failures (kept in the store).
    pub fn with_attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }

    /// Failures since the last success.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The ceiling of the next wait before jitter: `min(cap, base · 2^attempt)`.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Records a failure and returns how long to wait before the next try. `server_hint` is
    /// a Retry-After / ServerBusy value; the wait is never shorter than it (up to
    /// `max_server_wait`).
    pub fn next_delay(&mut self, server_hint: Option<Duration>) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let jittered = Duration::from_nanos(self.rng.u64(0..=nanos));
        match server_hint {
            Some(hint) => jittered.max(hint.min(self.max_server_wait)),
            None => jittered,
        }
    }

    /// A success: the next failure starts from `base` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let mut b = Backoff::new(S(1), S(10)).with_seed(7);
        let mut ceilings = Vec::new();
        for _ in 0..6 {
            ceilings.push(b.ceiling());
            b.next_delay(None);
        }
        assert_eq!(ceilings, [S(1), S(2), S(4), S(8), S(10), S(10)]);
        assert_eq!(b.attempt(), 6);
    }

    #[test]
    fn delays_are_full_jitter_within_the_ceiling_and_repeatable_by_seed() {
        let run = |seed| {
            let mut b = Backoff::new(S(1), S(60)).with_seed(seed);
            (0..20)
                .map(|_| {
                    let ceiling = b.ceiling();
                    let d = b.next_delay(None);
                    assert!(d <= ceiling, "{d:?} > {ceiling:?}");
                    d
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
        // Full jitter spreads: with a 60 s ceiling not every wait is near the top.
        let late = run(42);
        assert!(late[10..].iter().any(|d| *d < S(30)), "{late:?}");
    }

    #[test]
    fn a_server_hint_is_a_lower_bound_but_clamped() {
        let mut b = Backoff::new(S(1), S(4)).with_seed(1);
        assert_eq!(b.next_delay(Some(S(30))), S(30));
        let mut b = Backoff::new(S(1), S(4))
            .with_seed(1)
            .with_max_server_wait(S(120));
        assert_eq!(b.next_delay(Some(S(86_400))), S(120));
        // A hint shorter than the jittered wait does not shorten it.
        let mut a = Backoff::new(S(100), S(100)).with_seed(9);
        let mut c = Backoff::new(S(100), S(100)).with_seed(9);
        let plain = a.next_delay(None);
        assert_eq!(c.next_delay(Some(Duration::ZERO)), plain);
    }

    #[test]
    fn reset_starts_over_and_huge_attempts_do_not_overflow() {
        let mut b = Backoff::new(S(2), S(300)).with_seed(3);
        for _ in 0..100 {
            b.next_delay(None);
        }
        assert_eq!(b.ceiling(), S(300));
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.ceiling(), S(2));
        assert!(b.next_delay(None) <= S(2));
    }
}
