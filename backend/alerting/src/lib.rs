//! Pulsegrid's alerting engine, split as Prometheus' rule manager and Alertmanager are:
//!
//! - [`rules`]: rule files (Prometheus' format as is, and Pulsegrid rules on any source), their
//!   validation (what `promtool check rules` accepts), annotation templates, and the state
//!   machine of alert instances (`for`, `keep_firing_for`, hysteresis, no-data, flapping).
//! - [`notify`]: `alertmanager.yml` (route tree, receivers, inhibit rules), routing and grouping
//!   with their timers, silences, inhibition, and the notification payloads.
//!
//! Time is injected through [`Clock`], so every state machine is tested without sleeping.

pub mod clock;
pub mod notify;
pub mod rules;
pub mod send;

pub use clock::{Clock, ManualClock, SystemClock};
