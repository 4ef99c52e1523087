//! Failed-login rate limiting: a sliding window of failures per key (client address, login).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// How long a failure counts against its key.
const WINDOW: Duration = Duration::from_secs(300);
/// Keys tracked at most; beyond it the oldest are forgotten, so an attacker cannot grow memory.
const MAX_KEYS: usize = 100_000;

/// Counts failed logins per key and refuses a key that reached the limit within the window.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: u32,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// A limiter allowing `max_failures` per key per window.
    pub fn new(max_failures: u32) -> Self {
        LoginLimiter {
            max_failures: max_failures.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Err(429 with Retry-After) when `key` has used up its failures.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = map.get_mut(key) else {
            return Ok(());
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() < self.max_failures as usize {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        let retry = WINDOW
            .saturating_sub(now.duration_since(oldest))
            .as_secs()
            .max(1);
        Err(ApiError::too_many_requests(
            "too many failed logins: try again later",
            retry,
        ))
    }

    /// Counts one failure against `key`.
    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let times = map.entry(key.to_owned()).or_default();
        times.push_back(now);
        while times.len() > self.max_failures as usize {
            times.pop_front();
        }
    }

    /// Forgets the failures of `key` (after a successful login).
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_and_forgets_on_clear() {
        let limiter = LoginLimiter::new(2);
        assert!(limiter.check("ip:1").is_ok());
        limiter.record_failure("ip:1");
        assert!(limiter.check("ip:1").is_ok());
        limiter.record_failure("ip:1");
        assert!(limiter.check("ip:1").is_err());
        assert!(limiter.check("ip:2").is_ok());
        limiter.clear("ip:1");
        assert!(limiter.check("ip:1").is_ok());
    }
}
