//! When a failed action is tried again, and after how long: the step's
//! [`RetryPolicy`] read against the kind of failure.

use std::time::Duration;

use hookline_model::{RetryOn, RetryPolicy};

use crate::components::FailureKind;

/// What to do after attempt `attempt` (1 for the first) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up: the failure is final. The reason is added to the step's
    /// error when it is not simply the policy's end.
    GiveUp(Option<String>),
}

/// Decides whether to retry and how long to wait. `jitter` in `[0, 1)` is
/// the random part, passed in so the schedule can be tested: each wait is
/// between half and all of the exponential backoff (spreading the retries of
/// many executions that failed together), and a longer `Retry-After` from
/// the service wins unless it is beyond `maxBackoffMs`, when retrying would
/// only be refused again.
pub fn next(policy: &RetryPolicy, attempt: u32, kind: FailureKind, jitter: f64) -> Next {
    if attempt >= policy.max_attempts || !retries(policy, kind) {
        return Next::GiveUp(None);
    }
    let exponent = attempt.saturating_sub(1).min(32);
    let backoff = policy.backoff_ms.saturating_mul(1u64 << exponent).min(policy.max_backoff_ms);
    let half = backoff / 2;
    let jittered = Duration::from_millis(half + ((backoff - half) as f64 * jitter.clamp(0.0, 1.0)) as u64);
    match kind {
        FailureKind::Http { retry_after: Some(asked), .. } => {
            if asked > Duration::from_millis(policy.max_backoff_ms) {
                Next::GiveUp(Some(format!(
                    "the service asked to wait {} s before retrying, longer than maxBackoffMs allows",
                    asked.as_secs()
                )))
            } else {
                Next::RetryAfter(jittered.max(asked))
            }
        }
        _ => Next::RetryAfter(jittered),
    }
}

/// Whether the policy tries this kind of failure again.
pub fn retries(policy: &RetryPolicy, kind: FailureKind) -> bool {
    let on = |what: RetryOn| policy.on.contains(&what);
    match kind {
        FailureKind::Permanent => false,
        FailureKind::Connection => on(RetryOn::Connection),
        FailureKind::Timeout => on(RetryOn::Timeout),
        FailureKind::Http { status: 429, .. } => on(RetryOn::TooManyRequests),
        FailureKind::Http { status, .. } if (500..600).contains(&status) => on(RetryOn::ServerError),
        FailureKind::Http { status, .. } if (400..500).contains(&status) => on(RetryOn::ClientError),
        FailureKind::Http { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy { max_attempts, backoff_ms: 100, max_backoff_ms: 1_000, on: RetryOn::defaults() }
    }

    fn http(status: u16) -> FailureKind {
        FailureKind::Http { status, retry_after: None }
    }

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_between_half_and_all() {
        let policy = policy(10);
        let waits: Vec<_> = (1..=6)
            .map(|attempt| match next(&policy, attempt, http(503), 0.999_999) {
                Next::RetryAfter(wait) => wait.as_millis(),
                other => panic!("attempt {attempt}: {other:?}"),
            })
            .collect();
        assert_eq!(waits, [99, 199, 399, 799, 999, 999], "the longest waits double to maxBackoffMs");
        assert_eq!(next(&policy, 3, http(503), 0.0), Next::RetryAfter(Duration::from_millis(200)), "half at least");
        assert_eq!(next(&policy, 40, FailureKind::Timeout, 0.0), Next::GiveUp(None), "beyond maxAttempts");
        let huge = RetryPolicy { backoff_ms: u64::MAX / 2, max_backoff_ms: u64::MAX, ..policy };
        assert!(matches!(next(&huge, 9, FailureKind::Connection, 0.5), Next::RetryAfter(_)), "no overflow");
    }

    #[test]
    fn only_passing_failures_are_retried_by_default() {
        let policy = policy(3);
        for kind in [http(500), http(503), http(429), FailureKind::Connection, FailureKind::Timeout] {
            assert!(retries(&policy, kind), "{kind:?}");
        }
        for kind in [http(400), http(404), http(409), http(302), FailureKind::Permanent] {
            assert!(!retries(&policy, kind), "{kind:?}");
        }
        let with_4xx = RetryPolicy { on: vec![RetryOn::ClientError], ..policy.clone() };
        assert!(retries(&with_4xx, http(409)));
        assert!(!retries(&with_4xx, http(503)), "only what the policy lists");
        assert_eq!(next(&policy, 1, http(400), 0.5), Next::GiveUp(None));
    }

    #[test]
    fn a_retry_after_is_honoured_unless_it_is_beyond_the_cap() {
        let policy = policy(3);
        let asked = |secs| FailureKind::Http { status: 429, retry_after: Some(Duration::from_millis(secs)) };
        assert_eq!(next(&policy, 1, asked(800), 0.0), Next::RetryAfter(Duration::from_millis(800)));
        assert_eq!(next(&policy, 1, asked(10), 0.0), Next::RetryAfter(Duration::from_millis(50)), "backoff is longer");
        assert!(matches!(next(&policy, 1, asked(5_000), 0.0), Next::GiveUp(Some(reason)) if reason.contains("5 s")));
        assert_eq!(next(&policy, 3, asked(10), 0.0), Next::GiveUp(None), "the last attempt is the last");
    }
}
