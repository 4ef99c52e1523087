//! Aggregation groups and the dispatcher, the heart of the notification pipeline, as a pure
//! state machine: alerts go in with [`Dispatcher::insert`], time goes forward with
//! [`Dispatcher::tick`], notifications come out. No tasks, no sleeping: the caller asks
//! [`Dispatcher::next_deadline`] when to tick next. The stages run in Alertmanager's order:
//! route -> group -> (at flush) inhibit -> silence -> dedup -> the caller's outbox.
//!
//! Timing, as Alertmanager's `dispatch/dispatch.go` and `notify.DedupStage`:
//! - A new group flushes first after `group_wait` (at once if its first alert started more
//!   than `group_wait` ago), then every `group_interval`.
//! - A flush notifies when a firing alert is new since the last notification, when all alerts
//!   of a notified group resolved, when a resolved alert is new and the receiver sends
//!   resolved, or when `repeat_interval` has passed since the last notification (at or after,
//!   not only strictly after as Alertmanager, so a repeat is not a whole `group_interval` late).
//! - Resolved alerts leave the group after the flush that saw them; an empty group is dropped.
//! - Silenced and inhibited alerts are left out of notifications.
//!
//! Pulsegrid's additions:
//! - `resolve_immediately` (a route option): when an alert that was notified as firing
//!   resolves, its group flushes at once instead of at the next `group_interval` tick.
//! - No alert is lost: one that fired and resolved before any notification about it (inside
//!   `group_wait`, or between two flushes) is notified once as a **resolved** alert carrying
//!   both its `startsAt` and `endsAt`, even when the receiver's integrations have
//!   `send_resolved: false` (see [`Notification::alerts_for`]). Alertmanager drops it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pulsegrid_model::Labels;
use serde::{Deserialize, Serialize};

use super::alert::{Alert, AlertStatus, Fingerprint, notification_order};
use super::config::Config;
use super::inhibit::{InhibitRule, Inhibitor};
use super::route::Route;
use super::silence::Silences;
use crate::clock::Clock;

/// What a receiver is to be told about one group: the output of the dispatcher, the input of
/// the outbox (serialised there as camelCase JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The receiver's name.
    pub receiver: String,
    /// The group key (`{}/{team="ops"}:{alertname="X"}`).
    pub group_key: String,
    /// The labels the group is grouped by.
    pub group_labels: Labels,
    /// Firing and resolved alerts, in Alertmanager's order.
    pub alerts: Vec<Alert>,
    /// When the group was flushed (Unix ms); statuses are as of this instant.
    pub at: i64,
    /// Resolved alerts that were never notified as firing: sent even without `send_resolved`.
    pub unannounced: BTreeSet<Fingerprint>,
}

impl Notification {
    /// `firing` if any alert fires, else `resolved`.
    pub fn status(&self) -> AlertStatus {
        if self.alerts.iter().any(|a| !a.is_resolved_at(self.at)) {
            AlertStatus::Firing
        } else {
            AlertStatus::Resolved
        }
    }

    /// The firing alerts.
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().filter(|a| !a.is_resolved_at(self.at))
    }

    /// The resolved alerts.
    pub fn resolved(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().filter(|a| a.is_resolved_at(self.at))
    }

    /// The alerts one integration sends: all of them with `send_resolved`, else the firing ones
    /// and the unannounced resolved ones. Empty means the integration sends nothing.
    pub fn alerts_for(&self, send_resolved: bool) -> Vec<&Alert> {
        self.alerts
            .iter()
            .filter(|a| {
                send_resolved
                    || !a.is_resolved_at(self.at)
                    || self.unannounced.contains(&a.fingerprint())
            })
            .collect()
    }

    /// The same notification restricted to what one integration sends, or `None` when that is
    /// nothing.
    pub fn for_integration(&self, send_resolved: bool) -> Option<Notification> {
        let alerts: Vec<Alert> = self
            .alerts_for(send_resolved)
            .into_iter()
            .cloned()
            .collect();
        if alerts.is_empty() {
            return None;
        }
        Some(Notification {
            alerts,
            ..self.clone()
        })
    }
}

/// What was last notified to a receiver about a group (Alertmanager's notification log entry),
/// as persisted: restored with [`Dispatcher::restore_logs`] after a restart, it keeps the
/// dispatcher from notifying again what was already notified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupLog {
    /// The receiver's name.
    pub receiver: String,
    /// The group key.
    pub group_key: String,
    /// Alerts notified as firing.
    pub firing: Vec<Fingerprint>,
    /// Alerts notified as resolved.
    pub resolved: Vec<Fingerprint>,
    /// When, Unix ms.
    pub at: i64,
}

impl GroupLog {
    /// The log entry a notification leaves (its alerts are exactly the ones the flush counted).
    pub fn of(n: &Notification) -> Self {
        let (resolved, firing): (Vec<&Alert>, Vec<&Alert>) =
            n.alerts.iter().partition(|a| a.is_resolved_at(n.at));
        GroupLog {
            receiver: n.receiver.clone(),
            group_key: n.group_key.clone(),
            firing: firing.iter().map(|a| a.fingerprint()).collect(),
            resolved: resolved.iter().map(|a| a.fingerprint()).collect(),
            at: n.at,
        }
    }
}

/// What was last notified for a group (Alertmanager's notification log entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NotifyLog {
    firing: BTreeSet<Fingerprint>,
    resolved: BTreeSet<Fingerprint>,
    at: i64,
}

#[derive(Clone, Debug)]
struct AggregationGroup {
    receiver: String,
    group_key: String,
    group_labels: Labels,
    group_interval_ms: i64,
    repeat_interval_ms: i64,
    resolve_immediately: bool,
    send_resolved: bool,
    alerts: BTreeMap<Fingerprint, Alert>,
    next_flush: i64,
    has_flushed: bool,
    log: Option<NotifyLog>,
    /// Alerts notified as firing (or muted at a flush): their resolution is not "unannounced".
    announced: BTreeSet<Fingerprint>,
}

impl AggregationGroup {
    fn resolved_since_notified(&self, now: i64) -> bool {
        self.alerts
            .iter()
            .any(|(fp, a)| a.is_resolved_at(now) && self.announced.contains(fp))
    }

    fn is_due(&self, now: i64) -> bool {
        self.next_flush <= now
            || (self.resolve_immediately && self.has_flushed && self.resolved_since_notified(now))
    }

    fn needs_update(
        &self,
        firing: &BTreeSet<Fingerprint>,
        resolved: &BTreeSet<Fingerprint>,
        unannounced: &BTreeSet<Fingerprint>,
        now: i64,
    ) -> bool {
        let Some(log) = &self.log else {
            return !firing.is_empty() || !unannounced.is_empty();
        };
        if !firing.is_subset(&log.firing) {
            return true;
        }
        if !unannounced.is_empty() {
            return true;
        }
        if firing.is_empty() {
            return !log.firing.is_empty();
        }
        if self.send_resolved && !resolved.is_subset(&log.resolved) {
            return true;
        }
        log.at + self.repeat_interval_ms <= now
    }

    fn flush(
        &mut self,
        now: i64,
        inhibitor: &Inhibitor,
        silences: &Silences,
    ) -> Option<Notification> {
        let mut firing = BTreeSet::new();
        let mut resolved = BTreeSet::new();
        let mut unannounced = BTreeSet::new();
        let mut alerts = Vec::new();
        for (fp, alert) in &self.alerts {
            if inhibitor.is_inhibited(&alert.labels, now)
                || silences.is_silenced(&alert.labels, now)
            {
                self.announced.insert(*fp);
                continue;
            }
            if alert.is_resolved_at(now) {
                resolved.insert(*fp);
                if !self.announced.contains(fp) {
                    unannounced.insert(*fp);
                }
            } else {
                firing.insert(*fp);
            }
            alerts.push(alert.clone());
        }
        let notification =
            if !alerts.is_empty() && self.needs_update(&firing, &resolved, &unannounced, now) {
                alerts.sort_by(notification_order);
                self.announced.extend(firing.iter().copied());
                self.log = Some(NotifyLog {
                    firing,
                    resolved,
                    at: now,
                });
                Some(Notification {
                    receiver: self.receiver.clone(),
                    group_key: self.group_key.clone(),
                    group_labels: self.group_labels.clone(),
                    alerts,
                    at: now,
                    unannounced,
                })
            } else {
                None
            };
        let done: Vec<Fingerprint> = self
            .alerts
            .iter()
            .filter(|(_, a)| a.is_resolved_at(now))
            .map(|(fp, _)| *fp)
            .collect();
        for fp in done {
            self.alerts.remove(&fp);
            self.announced.remove(&fp);
        }
        self.has_flushed = true;
        self.next_flush = now + self.group_interval_ms;
        notification
    }
}

/// Routes alerts into aggregation groups and decides, tick by tick, what to notify.
#[derive(Debug)]
pub struct Dispatcher {
    route: Route,
    send_resolved: BTreeMap<String, bool>,
    resolve_timeout_ms: i64,
    clock: Arc<dyn Clock>,
    inhibitor: Inhibitor,
    silences: Silences,
    /// By (route id, group key).
    groups: BTreeMap<(String, String), AggregationGroup>,
    /// Persisted logs by (receiver, group key), taken by the group when it is created again.
    restored: BTreeMap<(String, String), NotifyLog>,
}

impl Dispatcher {
    /// A dispatcher for a validated configuration, reading "now" for inserts from `clock`.
    pub fn new(config: &Config, clock: Arc<dyn Clock>) -> Self {
        Dispatcher {
            route: Route::new(&config.route),
            send_resolved: config
                .receivers
                .iter()
                .map(|r| (r.name.clone(), r.sends_resolved()))
                .collect(),
            resolve_timeout_ms: config.global.resolve_timeout_ms,
            clock,
            inhibitor: Inhibitor::new(config.inhibit_rules.iter().map(InhibitRule::from).collect()),
            silences: Silences::new(),
            groups: BTreeMap::new(),
            restored: BTreeMap::new(),
        }
    }

    /// Restores persisted notification logs: a group created later with the same receiver
    /// and key starts from its log, so alerts already notified are not notified again (until
    /// `repeat_interval` has passed since the logged notification).
    pub fn restore_logs(&mut self, logs: impl IntoIterator<Item = GroupLog>) {
        for log in logs {
            self.restored.insert(
                (log.receiver, log.group_key),
                NotifyLog {
                    firing: log.firing.into_iter().collect(),
                    resolved: log.resolved.into_iter().collect(),
                    at: log.at,
                },
            );
        }
    }

    /// Replaces the silences (for example with ones restored from the store).
    pub fn with_silences(mut self, silences: Silences) -> Self {
        self.silences = silences;
        self
    }

    /// The routing tree.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The silences, to read.
    pub fn silences(&self) -> &Silences {
        &self.silences
    }

    /// The silences, to create, update and expire.
    pub fn silences_mut(&mut self) -> &mut Silences {
        &mut self.silences
    }

    /// Whether `labels` are inhibited now.
    pub fn is_inhibited(&self, labels: &Labels, now: i64) -> bool {
        self.inhibitor.is_inhibited(labels, now)
    }

    /// Receives a new or updated alert. Without `ends_at` it resolves after the global
    /// `resolve_timeout` unless updated again (Alertmanager's rule: senders re-send firing
    /// alerts, as Prometheus does).
    pub fn insert(&mut self, mut alert: Alert) {
        let now = self.clock.now_ms();
        if alert.ends_at.is_none() {
            alert.ends_at = Some(alert.updated_at.max(now) + self.resolve_timeout_ms);
            alert.timeout = true;
        }
        self.inhibitor.observe(&alert);
        let fp = alert.fingerprint();
        let restored = &mut self.restored;
        for route in self.route.matching(&alert.labels) {
            let id = (route.id().to_owned(), route.group_key(&alert.labels));
            let group = self.groups.entry(id).or_insert_with(|| {
                let log =
                    restored.remove(&(route.receiver.clone(), route.group_key(&alert.labels)));
                AggregationGroup {
                    receiver: route.receiver.clone(),
                    group_key: route.group_key(&alert.labels),
                    group_labels: route.group_labels(&alert.labels),
                    group_interval_ms: route.group_interval_ms,
                    repeat_interval_ms: route.repeat_interval_ms,
                    resolve_immediately: route.resolve_immediately,
                    send_resolved: self
                        .send_resolved
                        .get(&route.receiver)
                        .copied()
                        .unwrap_or(false),
                    alerts: BTreeMap::new(),
                    next_flush: now + route.group_wait_ms,
                    has_flushed: false,
                    announced: log.as_ref().map(|l| l.firing.clone()).unwrap_or_default(),
                    log,
                }
            });
            let merged = match group.alerts.get(&fp) {
                Some(old)
                    if !old.is_resolved_at(now)
                        || alert.starts_at <= old.ends_at.unwrap_or(i64::MAX) =>
                {
                    old.merge(&alert, now)
                }
                _ => alert.clone(),
            };
            if !group.has_flushed && merged.starts_at + route.group_wait_ms <= now {
                group.next_flush = group.next_flush.min(now);
            }
            group.alerts.insert(fp, merged);
        }
    }

    /// Flushes every group that is due at `now` and returns the notifications to send.
    pub fn tick(&mut self, now: i64) -> Vec<Notification> {
        let silences = std::mem::take(&mut self.silences);
        let out = self.tick_with(now, &silences);
        self.silences = silences;
        self.silences.gc(now);
        out
    }

    /// [`Self::tick`] with silences kept elsewhere (the service keeps them beside its store).
    pub fn tick_with(&mut self, now: i64, silences: &Silences) -> Vec<Notification> {
        let mut out = Vec::new();
        for group in self.groups.values_mut() {
            if group.is_due(now)
                && let Some(n) = group.flush(now, &self.inhibitor, silences)
            {
                out.push(n);
            }
        }
        self.groups.retain(|_, g| !g.alerts.is_empty());
        self.inhibitor.gc(now);
        out
    }

    /// When [`Self::tick`] next has something to do: the earliest group flush, or the earliest
    /// resolution on a `resolve_immediately` route.
    pub fn next_deadline(&self) -> Option<i64> {
        let mut next: Option<i64> = None;
        let mut consider = |t: i64| next = Some(next.map_or(t, |n| n.min(t)));
        for g in self.groups.values() {
            consider(g.next_flush);
            if g.resolve_immediately && g.has_flushed {
                for (fp, a) in &g.alerts {
                    if g.announced.contains(fp)
                        && let Some(end) = a.ends_at
                    {
                        consider(end);
                    }
                }
            }
        }
        next
    }

    /// Every alert currently held, once each, by fingerprint.
    pub fn alerts(&self) -> Vec<&Alert> {
        let mut seen = BTreeMap::new();
        for g in self.groups.values() {
            for (fp, a) in &g.alerts {
                seen.entry(*fp).or_insert(a);
            }
        }
        seen.into_values().collect()
    }

    /// The receivers an alert with these labels is routed to.
    pub fn receivers_for(&self, labels: &Labels) -> Vec<&str> {
        self.route
            .matching(labels)
            .into_iter()
            .map(|r| r.receiver.as_str())
            .collect()
    }

    /// How many groups are open.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
}
