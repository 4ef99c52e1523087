//! The alert as the notification side sees it: labels, annotations, `startsAt`, `endsAt` and
//! the rule's URL, identified by Alertmanager's fingerprint of its labels (FNV-1a 64 over the
//! sorted label names and values, each followed by the byte 0xff; 16 hex digits).

use std::cmp::Ordering;
use std::fmt;

use pulsegrid_model::Labels;
use serde::{Deserialize, Serialize};

/// Alertmanager's (and Prometheus') label-set fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub u64);

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const SEPARATOR: u8 = 0xff;

impl Fingerprint {
    /// The fingerprint of a label set (labels are already sorted by name).
    pub fn of(labels: &Labels) -> Self {
        let mut hash = FNV_OFFSET;
        let mut add = |bytes: &[u8]| {
            for b in bytes {
                hash ^= u64::from(*b);
                hash = hash.wrapping_mul(FNV_PRIME);
            }
        };
        for (name, value) in labels.iter() {
            add(name.as_bytes());
            add(&[SEPARATOR]);
            add(value.as_bytes());
            add(&[SEPARATOR]);
        }
        Fingerprint(hash)
    }
}

impl fmt::Display for Fingerprint {
    /// 16 lower-case hex digits, as in the webhook payload.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Whether an alert is firing or resolved at some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Still firing.
    Firing,
    /// Its `endsAt` has passed.
    Resolved,
}

impl AlertStatus {
    /// `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }
}

/// An alert sent to the notification pipeline (by the rule engine or the v2 API). Serialised
/// (camelCase) into the durable outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Its identity; `alertname` by convention.
    pub labels: Labels,
    /// Summary, description, runbook...
    pub annotations: Labels,
    /// When it started firing, Unix ms.
    pub starts_at: i64,
    /// When it resolved (or will, if not refreshed), Unix ms; `None` until known.
    pub ends_at: Option<i64>,
    /// A link back to the rule (`generatorURL`).
    pub generator_url: String,
    /// When this alert was last received, Unix ms.
    pub updated_at: i64,
    /// Whether `ends_at` was set by the resolve timeout rather than by the sender.
    pub timeout: bool,
}

impl Alert {
    /// A firing alert with these labels, started at `starts_at`.
    pub fn firing(labels: Labels, starts_at: i64) -> Self {
        Alert {
            labels,
            annotations: Labels::new(),
            starts_at,
            ends_at: None,
            generator_url: String::new(),
            updated_at: starts_at,
            timeout: false,
        }
    }

    /// The same alert, resolved at `ends_at` (and updated then).
    pub fn resolved_at(mut self, ends_at: i64) -> Self {
        self.ends_at = Some(ends_at);
        self.updated_at = self.updated_at.max(ends_at);
        self.timeout = false;
        self
    }

    /// Its fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.labels)
    }

    /// Whether it is resolved at `now` (its `ends_at` is not after `now`).
    pub fn is_resolved_at(&self, now: i64) -> bool {
        self.ends_at.is_some_and(|e| e <= now)
    }

    /// Firing or resolved at `now`.
    pub fn status_at(&self, now: i64) -> AlertStatus {
        if self.is_resolved_at(now) {
            AlertStatus::Resolved
        } else {
            AlertStatus::Firing
        }
    }

    /// `alertname`, or `""`.
    pub fn name(&self) -> &str {
        self.labels.get("alertname").unwrap_or("")
    }

    /// Combines an update of the same alert into it, as Alertmanager's `Alert.Merge`: the newer
    /// update wins, the earliest `starts_at` is kept, an explicit end beats a timeout.
    pub fn merge(&self, newer: &Alert, now: i64) -> Alert {
        if newer.updated_at < self.updated_at {
            return newer.merge(self, now);
        }
        let mut out = newer.clone();
        out.starts_at = self.starts_at.min(newer.starts_at);
        let newer_resolved = newer.is_resolved_at(now);
        match (self.ends_at, newer.ends_at) {
            // Both resolved: the latest explicit end wins.
            (Some(old), Some(new)) if newer_resolved && self.is_resolved_at(now) && old > new => {
                out.ends_at = Some(old);
            }
            // Still firing: a later end that is not a timeout wins.
            (Some(old), new) if !newer_resolved && new.is_none_or(|n| old > n) && !self.timeout => {
                out.ends_at = Some(old);
                out.timeout = false;
            }
            _ => {}
        }
        out
    }
}

/// Alertmanager's order of alerts in a notification: by `job`, then `instance`, then by label
/// set (a missing `job`/`instance` sorts last).
pub fn notification_order(a: &Alert, b: &Alert) -> Ordering {
    for key in ["job", "instance"] {
        match (a.labels.get(key), b.labels.get(key)) {
            (None, None) => continue,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {}
        }
    }
    a.labels.iter().cmp(b.labels.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_match_alertmanager() {
        // Fingerprints Alertmanager 0.25 reported for these labels (GET /api/v2/alerts).
        let ab: Labels = [("a", "b")].into_iter().collect();
        assert_eq!(Fingerprint::of(&ab).to_string(), "d2b371819297f98a");
        let five: Labels = [
            ("alertname", "LinePressureHigh"),
            ("instance", "pump-1"),
            ("job", "plc"),
            ("severity", "critical"),
            ("site", "north"),
        ]
        .into_iter()
        .collect();
        assert_eq!(Fingerprint::of(&five).to_string(), "1f31371f518b0b4e");
        // The empty set hashes to the FNV offset basis.
        assert_eq!(
            Fingerprint::of(&Labels::new()).to_string(),
            "cbf29ce484222325"
        );
        let one: Labels = [("alertname", "HighLatency")].into_iter().collect();
        let two: Labels = [("alertname", "HighLatency"), ("instance", "a:9090")]
            .into_iter()
            .collect();
        assert_ne!(Fingerprint::of(&one), Fingerprint::of(&two));
        assert_eq!(Fingerprint::of(&one).to_string().len(), 16);
    }

    #[test]
    fn fnv_of_known_input() {
        // FNV-1a 64 of "a\xffb\xff", computed independently.
        let ls: Labels = [("a", "b")].into_iter().collect();
        let mut h: u64 = 0xcbf29ce484222325;
        for b in [b'a', 0xff, b'b', 0xff] {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        assert_eq!(Fingerprint::of(&ls).0, h);
    }

    #[test]
    fn merge_keeps_earliest_start_and_newest_end() {
        let labels: Labels = [("alertname", "A")].into_iter().collect();
        let first = Alert::firing(labels.clone(), 1_000);
        let mut again = Alert::firing(labels, 2_000);
        again.updated_at = 2_000;
        let merged = first.merge(&again, 2_000);
        assert_eq!(merged.starts_at, 1_000);
        assert_eq!(merged.ends_at, None);
        let resolved = again.clone().resolved_at(3_000);
        let merged = merged.merge(&resolved, 3_000);
        assert_eq!((merged.starts_at, merged.ends_at), (1_000, Some(3_000)));
        assert_eq!(merged.status_at(3_000), AlertStatus::Resolved);
        assert_eq!(merged.status_at(2_999), AlertStatus::Firing);
    }

    #[test]
    fn order_by_job_then_instance() {
        let mk = |pairs: &[(&str, &str)]| Alert::firing(pairs.iter().copied().collect(), 0);
        let mut v = [
            mk(&[("alertname", "x")]),
            mk(&[("job", "b")]),
            mk(&[("job", "a"), ("instance", "2")]),
            mk(&[("job", "a"), ("instance", "1")]),
        ];
        v.sort_by(notification_order);
        let jobs: Vec<_> = v.iter().map(|a| format!("{}", a.labels)).collect();
        assert_eq!(
            jobs,
            [
                r#"{instance="1",job="a"}"#,
                r#"{instance="2",job="a"}"#,
                r#"{job="b"}"#,
                r#"{alertname="x"}"#
            ]
        );
    }
}
