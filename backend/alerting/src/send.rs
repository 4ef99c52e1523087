//! The last stage of the notification pipeline: delivering a [`Notification`] to one
//! integration of a receiver. Every integration sits behind the one [`Receiver`] trait; a
//! failure is a [`NotifyError`] that knows whether trying again may help
//! ([`NotifyError::is_retryable`]), and [`Backoff`] says when to try again. The durable outbox
//! that owns retries calls [`Receiver::send`]; tests inject their own [`Receiver`] so the retry
//! logic needs no network.
//!
//! Integrations: [`webhook`] (HTTP POST of Alertmanager's version-4 JSON) and [`email`] (SMTP).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::time::Duration;

use crate::notify::Notification;
use crate::notify::config::Secret;

pub mod email;
pub mod webhook;

pub use email::EmailReceiver;
pub use webhook::WebhookReceiver;

/// The `User-Agent` of webhook requests (`Pulsegrid/<version>`).
pub const USER_AGENT: &str = concat!("Pulsegrid/", env!("CARGO_PKG_VERSION"));

/// What [`Receiver::send`] returns: a boxed future, so the trait stays object-safe.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), NotifyError>> + Send + 'a>>;

/// One integration of a receiver (a webhook endpoint, an email address list).
pub trait Receiver: Send + Sync + fmt::Debug {
    /// The integration's kind, `webhook` or `email`, for logs and metrics.
    fn integration(&self) -> &'static str;

    /// Delivers the notification. An integration with nothing to send (only resolved alerts
    /// and no `send_resolved`) succeeds without contacting anyone.
    fn send<'a>(&'a self, n: &'a Notification) -> SendFuture<'a>;
}

/// Why a delivery failed, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyErrorKind {
    /// The integration's configuration cannot work (a bad address, an unreadable
    /// `password_file`): never retried.
    Config,
    /// The server could not be reached (refused, unreachable, DNS).
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// The TLS handshake failed.
    Tls,
    /// The connection broke or the answer could not be understood.
    Network,
    /// The HTTP server answered with this non-2xx status.
    Http(u16),
    /// The SMTP server answered with this 4xx or 5xx reply code.
    Smtp(u16),
}

/// A failed delivery: its [`NotifyErrorKind`] and a message for logs (never a secret: URLs are
/// left out, passwords are never formatted).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotifyError {
    /// What kind of failure.
    pub kind: NotifyErrorKind,
    /// What happened, for logs.
    pub message: String,
}

impl NotifyError {
    /// An error of this kind.
    pub fn new(kind: NotifyErrorKind, message: impl Into<String>) -> Self {
        NotifyError {
            kind,
            message: message.into(),
        }
    }

    /// A configuration error (not retryable).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(NotifyErrorKind::Config, message)
    }

    /// Whether sending again later may succeed: connection failures, timeouts, TLS and network
    /// trouble, HTTP 408, 429 and 5xx, SMTP 4xx. HTTP 4xx otherwise, SMTP 5xx and configuration
    /// errors are permanent.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            NotifyErrorKind::Config => false,
            NotifyErrorKind::Connect
            | NotifyErrorKind::Timeout
            | NotifyErrorKind::Tls
            | NotifyErrorKind::Network => true,
            NotifyErrorKind::Http(status) => status == 408 || status == 429 || status >= 500,
            NotifyErrorKind::Smtp(code) => (400..500).contains(&code),
        }
    }
}

/// Capped exponential backoff with jitter: attempt `k` (0-based) waits
/// `min(max, initial * multiplier^k)`, less up to `jitter` of it at random so that many
/// failed notifications do not retry in lockstep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The delay after the first failure.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
    /// The growth factor per attempt (at least 1).
    pub multiplier: f64,
    /// The fraction of a delay taken off at random, in `[0, 1]`.
    pub jitter: f64,
}

impl Default for Backoff {
    /// 500 ms doubling up to 1 min, with 20 % jitter.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(60),
            multiplier: 2.0,
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay before retry `attempt` (0 after the first failure) with `random` in `[0, 1)`
    /// choosing the jitter: pure, so it is tested exactly. The result is within
    /// `[base * (1 - jitter), base]` where `base` is the capped exponential delay.
    pub fn delay_with(&self, attempt: u32, random: f64) -> Duration {
        let initial = self.initial.as_secs_f64();
        let max = self.max.as_secs_f64();
        let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
        let base = (initial * self.multiplier.max(1.0).powi(exponent)).min(max);
        let jitter = self.jitter.clamp(0.0, 1.0) * random.clamp(0.0, 1.0);
        Duration::from_secs_f64((base * (1.0 - jitter)).max(0.0))
    }

    /// The delay before retry `attempt`, with fresh randomness.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, random_unit())
    }
}

/// A random number in `[0, 1)` from the standard library's randomly keyed hasher (no RNG
/// dependency for a jitter).
fn random_unit() -> f64 {
    let bits = RandomState::new().build_hasher().finish() >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// A secret given inline or in a file (read now, surrounding whitespace trimmed).
fn read_secret(
    inline: Option<&Secret>,
    file: Option<&str>,
    what: &str,
) -> Result<Option<Secret>, NotifyError> {
    if let Some(secret) = inline {
        return Ok(Some(secret.clone()));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| NotifyError::config(format!("cannot read {what} file {path:?}: {e}")))?;
    Ok(Some(Secret::new(text.trim())))
}

/// `<what>: <error>` followed by the causes its message does not already include.
fn with_causes(what: &str, e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = format!("{what}: {e}");
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        let retry = |kind| NotifyError::new(kind, "x").is_retryable();
        assert!(retry(NotifyErrorKind::Connect));
        assert!(retry(NotifyErrorKind::Timeout));
        assert!(retry(NotifyErrorKind::Tls));
        assert!(retry(NotifyErrorKind::Network));
        for status in [408, 429, 500, 502, 503] {
            assert!(retry(NotifyErrorKind::Http(status)), "{status}");
        }
        for status in [400, 401, 403, 404, 413, 301] {
            assert!(!retry(NotifyErrorKind::Http(status)), "{status}");
        }
        assert!(retry(NotifyErrorKind::Smtp(421)));
        assert!(retry(NotifyErrorKind::Smtp(451)));
        assert!(!retry(NotifyErrorKind::Smtp(550)));
        assert!(!retry(NotifyErrorKind::Smtp(535)));
        assert!(!retry(NotifyErrorKind::Config));
    }

    /// A receiver that fails as told, standing in for the network in pipeline tests.
    #[derive(Debug)]
    struct Failing(NotifyErrorKind);

    impl Receiver for Failing {
        fn integration(&self) -> &'static str {
            "test"
        }

        fn send<'a>(&'a self, _n: &'a Notification) -> SendFuture<'a> {
            let kind = self.0;
            Box::pin(async move { Err(NotifyError::new(kind, "told to fail")) })
        }
    }

    #[test]
    fn receivers_are_objects() {
        let receivers: Vec<Box<dyn Receiver>> = vec![
            Box::new(Failing(NotifyErrorKind::Http(503))),
            Box::new(Failing(NotifyErrorKind::Smtp(550))),
        ];
        assert_eq!(receivers[0].integration(), "test");
        let kinds: Vec<_> = receivers.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(kinds, ["Failing(Http(503))", "Failing(Smtp(550))"]);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let b = Backoff::default();
        assert_eq!(b.delay_with(0, 0.0), Duration::from_millis(500));
        assert_eq!(b.delay_with(1, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay_with(3, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay_with(7, 0.0), Duration::from_secs(60));
        assert_eq!(b.delay_with(u32::MAX, 0.0), Duration::from_secs(60));
    }

    #[test]
    fn backoff_jitter_only_shortens() {
        let b = Backoff::default();
        assert_eq!(b.delay_with(1, 1.0), Duration::from_millis(800));
        assert_eq!(b.delay_with(20, 0.5), Duration::from_secs(54));
        for attempt in 0..30 {
            let d = b.delay(attempt);
            let base = b.delay_with(attempt, 0.0);
            assert!(d <= base && d >= base.mul_f64(0.8), "{attempt}: {d:?}");
        }
        let none = Backoff {
            jitter: 0.0,
            ..Backoff::default()
        };
        assert_eq!(none.delay_with(2, 0.9), Duration::from_secs(2));
    }
}
