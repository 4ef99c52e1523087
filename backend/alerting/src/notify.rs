//! The notification side, as Alertmanager: `alertmanager.yml` ([`config`]), label matchers
//! ([`matchers`]), the routing tree ([`route`]), aggregation groups and their timers in a pure
//! [`group::Dispatcher`], silences ([`silence`]), inhibition ([`inhibit`]) and what receivers
//! get ([`payload`]: the version-4 webhook payload, its HMAC signature, email bodies).
//!
//! The stages follow Alertmanager's pipeline: route -> group -> inhibit -> silence -> dedup.
//! What comes out is a [`Notification`]; writing it to the durable outbox and sending it (SMTP,
//! HTTP) is the caller's part, so everything here is deterministic and tested without network
//! or sleeping.

pub mod alert;
pub mod config;
pub mod error;
pub mod group;
pub mod inhibit;
pub mod matchers;
pub mod payload;
pub mod route;
pub mod silence;
pub mod template;
pub mod timestamp;

pub use alert::{Alert, AlertStatus, Fingerprint};
pub use config::Config;
pub use error::{Error, Result};
pub use group::{Dispatcher, GroupLog, Notification};
pub use inhibit::Inhibitor;
pub use matchers::{Matcher, Matchers};
pub use route::Route;
pub use silence::{Silence, Silences};
