//! The state machine of alert instances, as Prometheus' `AlertingRule.Eval` and Grafana's
//! `state/manager.go` keep it: [`RuleState::process`] takes one evaluation's results and returns
//! the [`Transition`]s it caused, each with its time, old and new state and value, so the server
//! can keep a state history and notify.
//!
//! - Each result is an instance, keyed by its labels (series labels + rule labels + `alertname`).
//! - inactive → pending (held for `for`) → firing → resolved; `keep_firing_for` keeps an instance
//!   firing that long after its condition stops.
//! - Hysteresis: with a `clear_condition`, a firing instance resolves only when it holds.
//! - No data (the query returned nothing): the rule's [`NoDataPolicy`].
//! - Evaluation errors: one rule-level instance in the `error` state with the message; the other
//!   instances keep their state (as Prometheus keeps alerts on a failed evaluation).
//! - Flapping: an instance that has fired and whose condition changed [`FLAP_ENTER`] or more
//!   times in the last [`FLAP_WINDOW`] evaluations is flapping: it is held firing (no resolve, so no notification
//!   storm), a transition says so, and it is released once its condition changed at most
//!   [`FLAP_EXIT`] times in the window.
//! - [`RuleStateSnapshot`] persists everything with absolute times, so after a restart firing
//!   instances keep `active_at`/`fired_at`, `for` and `keep_firing_for` timers continue, and no
//!   transition (hence no notification) is produced for what was already so.

use std::collections::BTreeMap;

use pulsegrid_model::Labels;
use serde::{Deserialize, Serialize};

use super::eval::EvalResult;
use super::rule::{NoDataPolicy, Rule, RuleKind};
use super::template::TemplateData;

/// Evaluations looked at for flap detection.
pub const FLAP_WINDOW: u32 = 10;
/// Condition changes within the window that make an instance flapping.
pub const FLAP_ENTER: u32 = 4;
/// Condition changes within the window at or below which a flapping instance is released.
pub const FLAP_EXIT: u32 = 1;
/// How long a resolved instance is kept (for resending resolved notifications), as Prometheus.
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

/// The state of an alert instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// The condition does not hold.
    #[default]
    Inactive,
    /// The condition holds, for less than the rule's `for`.
    Pending,
    /// The condition has held for `for` (or is kept by `keep_firing_for` or flapping).
    Firing,
    /// Was firing, no longer is; kept a while for resolved notifications.
    Resolved,
    /// The query returned nothing and the rule's policy is `nodata`.
    #[serde(rename = "nodata")]
    NoData,
    /// The evaluation failed.
    Error,
}

/// One alert instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertInstance {
    /// Its labels: series labels, rule labels (rendered) and `alertname`.
    pub labels: Labels,
    /// Its annotations, rendered at the last evaluation where the condition held.
    pub annotations: BTreeMap<String, String>,
    /// Its state.
    pub state: AlertState,
    /// The value at the last evaluation (`None`: no data).
    pub value: Option<f64>,
    /// When the condition started to hold (Prometheus' `activeAt`, Alertmanager's `startsAt`).
    pub active_at_ms: Option<i64>,
    /// When it started firing.
    pub fired_at_ms: Option<i64>,
    /// When it resolved.
    pub resolved_at_ms: Option<i64>,
    /// Since when a firing instance's condition has not held (the `keep_firing_for` timer).
    pub keep_firing_since_ms: Option<i64>,
    /// The last evaluation that saw it.
    pub last_eval_ms: i64,
    /// Whether it is flapping (held firing).
    pub flapping: bool,
    /// The error message (state `error`).
    pub error: Option<String>,
    /// Whether its condition held, per evaluation, newest in bit 0.
    pub history: u32,
    /// How many evaluations `history` holds (at most 32).
    pub evaluations: u32,
}

impl AlertInstance {
    fn new(labels: Labels) -> Self {
        AlertInstance {
            labels,
            annotations: BTreeMap::new(),
            state: AlertState::Inactive,
            value: None,
            active_at_ms: None,
            fired_at_ms: None,
            resolved_at_ms: None,
            keep_firing_since_ms: None,
            last_eval_ms: 0,
            flapping: false,
            error: None,
            history: 0,
            evaluations: 0,
        }
    }

    /// Condition changes in the last [`FLAP_WINDOW`] evaluations.
    pub fn changes_in_window(&self) -> u32 {
        let n = self.evaluations.min(FLAP_WINDOW);
        if n < 2 {
            return 0;
        }
        let mask = (1u32 << (n - 1)) - 1;
        ((self.history ^ (self.history >> 1)) & mask).count_ones()
    }
}

/// A change of an instance's state (or of its flapping flag), for history and notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The instance's labels.
    pub labels: Labels,
    /// When, in Unix milliseconds.
    pub at_ms: i64,
    /// The state before.
    pub from: AlertState,
    /// The state after (equal to `from` when only flapping changed).
    pub to: AlertState,
    /// The value at that evaluation.
    pub value: Option<f64>,
    /// Whether the instance is flapping after this transition.
    pub flapping: bool,
    /// Why, when there is more to say (an error message, flapping).
    pub message: Option<String>,
}

/// One series' verdict on one point, for [`RuleState::process_series`].
#[derive(Clone, Copy, Debug)]
pub struct SeriesResult<'a> {
    /// The series' labels.
    pub labels: &'a Labels,
    /// The reduced value.
    pub value: f64,
    /// Whether the condition holds.
    pub active: bool,
    /// Whether a firing instance may resolve.
    pub cleared: bool,
}

/// The instances of one rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleState {
    fingerprint: u64,
    instances: BTreeMap<Labels, AlertInstance>,
    last_eval_ms: Option<i64>,
    /// The rule-level labels (no-data and error instance), rendered once.
    base: Labels,
    /// Whether the rule-level instance exists (in the error or no-data state).
    rule_level: bool,
}

/// A persisted [`RuleState`]: restorable after a restart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleStateSnapshot {
    /// The rule's fingerprint when saved; a changed rule starts afresh.
    pub fingerprint: u64,
    /// The last evaluation time.
    pub last_eval_ms: Option<i64>,
    /// The instances.
    pub instances: Vec<AlertInstance>,
}

impl RuleState {
    /// No instances, for `rule`.
    pub fn new(rule: &Rule) -> Self {
        RuleState {
            fingerprint: rule.fingerprint(),
            base: base_labels(rule),
            ..Default::default()
        }
    }

    /// The fingerprint of the rule this state belongs to.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The instances, by labels.
    pub fn instances(&self) -> impl Iterator<Item = &AlertInstance> {
        self.instances.values()
    }

    /// The instance with these labels.
    pub fn instance(&self, labels: &Labels) -> Option<&AlertInstance> {
        self.instances.get(labels)
    }

    /// Saves the state.
    pub fn snapshot(&self) -> RuleStateSnapshot {
        RuleStateSnapshot {
            fingerprint: self.fingerprint,
            last_eval_ms: self.last_eval_ms,
            instances: self.instances.values().cloned().collect(),
        }
    }

    /// Restores a saved state for `rule`: as saved when the rule is unchanged, empty otherwise.
    pub fn restore(rule: &Rule, snapshot: RuleStateSnapshot) -> Self {
        let fingerprint = rule.fingerprint();
        if snapshot.fingerprint != fingerprint {
            return RuleState::new(rule);
        }
        let mut state = RuleState {
            fingerprint,
            instances: snapshot
                .instances
                .into_iter()
                .map(|i| (i.labels.clone(), i))
                .collect(),
            last_eval_ms: snapshot.last_eval_ms,
            base: base_labels(rule),
            rule_level: false,
        };
        state.note_rule_level();
        state
    }

    /// Applies one evaluation's results at `now_ms` and returns the transitions.
    pub fn process(&mut self, rule: &Rule, results: &[EvalResult], now_ms: i64) -> Vec<Transition> {
        let mut out = Vec::new();
        if rule.kind == RuleKind::Recording {
            return out;
        }
        let base = base_labels(rule);
        let has_data = results.iter().any(|r| r.value.is_some());
        if !has_data && rule.no_data == NoDataPolicy::KeepLast {
            self.last_eval_ms = Some(now_ms);
            return out;
        }
        // A successful evaluation ends the rule-level error/no-data instance.
        if let Some(inst) = self.instances.get(&base) {
            let stale =
                inst.state == AlertState::Error || (inst.state == AlertState::NoData && has_data);
            if stale && let Some(inst) = self.instances.remove(&base) {
                out.push(transition(&inst, AlertState::Inactive, now_ms, None));
            }
        }
        // With the `alerting` policy, no data is one active rule-level result.
        let synthetic = EvalResult {
            labels: Labels::new(),
            value: None,
            active: true,
            cleared: false,
        };
        // Each result, keyed by its alert labels.
        let mut seen: BTreeMap<Labels, (&EvalResult, Labels)> = BTreeMap::new();
        for r in results.iter().filter(|r| r.value.is_some()) {
            seen.insert(alert_labels(rule, r), (r, r.labels.clone()));
        }
        if !has_data && rule.no_data == NoDataPolicy::Alerting {
            seen.insert(base.clone(), (&synthetic, Labels::new()));
        }
        let mut keys: Vec<Labels> = self.instances.keys().cloned().collect();
        keys.extend(
            seen.keys()
                .filter(|k| !self.instances.contains_key(*k))
                .cloned(),
        );
        for key in keys {
            let inst = self
                .instances
                .entry(key.clone())
                .or_insert_with(|| AlertInstance::new(key.clone()));
            if matches!(inst.state, AlertState::NoData | AlertState::Error) {
                continue;
            }
            let found = seen.get(&key);
            let holds = match found {
                Some((r, _)) if inst.state == AlertState::Firing => !r.cleared,
                Some((r, _)) => r.active,
                None => false,
            };
            if let Some((r, series)) = found {
                inst.value = r.value;
                if holds {
                    inst.annotations = render_annotations(rule, series, r.value);
                }
            } else {
                inst.value = None;
            }
            step(rule, inst, holds, now_ms, &mut out);
        }
        self.instances.retain(|_, i| keep(i, now_ms));
        if !has_data && rule.no_data == NoDataPolicy::NoData {
            let inst = self
                .instances
                .entry(base.clone())
                .or_insert_with(|| AlertInstance::new(base));
            if inst.state != AlertState::NoData {
                out.push(transition(
                    inst,
                    AlertState::NoData,
                    now_ms,
                    Some("the query returned no data".into()),
                ));
                inst.state = AlertState::NoData;
                inst.active_at_ms = Some(now_ms);
            }
            inst.last_eval_ms = now_ms;
        }
        self.last_eval_ms = Some(now_ms);
        self.note_rule_level();
        out
    }

    /// Applies one series' result, for stream rules evaluated on every arriving point: only
    /// that series' instance (keyed `key`, its [`alert_key`]) steps, the others are left for the
    /// next full [`Self::process`]. A result that is not active creates no instance.
    /// Annotations are rendered when the instance changes state or has none yet, not on every
    /// point. Returns the transitions and whether the instance exists afterwards (the caller
    /// can skip inactive series that have none).
    pub fn process_series(
        &mut self,
        rule: &Rule,
        key: &Labels,
        result: &SeriesResult<'_>,
        now_ms: i64,
    ) -> (Vec<Transition>, bool) {
        let mut out = Vec::new();
        if rule.kind == RuleKind::Recording {
            return (out, false);
        }
        self.last_eval_ms = Some(now_ms);
        // Data ends the rule-level error/no-data instance, as in `process`.
        if self.rule_level {
            self.rule_level = false;
            if let Some(inst) = self.instances.remove(&self.base) {
                out.push(transition(&inst, AlertState::Inactive, now_ms, None));
            }
        }
        let inst = match self.instances.get_mut(key) {
            Some(inst) => inst,
            None if !result.active => return (out, false),
            None => self
                .instances
                .entry(key.clone())
                .or_insert_with(|| AlertInstance::new(key.clone())),
        };
        if matches!(inst.state, AlertState::NoData | AlertState::Error) {
            return (out, true);
        }
        let holds = if inst.state == AlertState::Firing {
            !result.cleared
        } else {
            result.active
        };
        inst.value = Some(result.value);
        let before = out.len();
        step(rule, inst, holds, now_ms, &mut out);
        if holds && (out.len() > before || inst.annotations.is_empty()) {
            inst.annotations = render_annotations(rule, result.labels, Some(result.value));
        }
        let kept = keep(inst, now_ms);
        if !kept {
            self.instances.remove(key);
        }
        (out, kept)
    }

    /// Records a failed evaluation: a rule-level instance in the `error` state carries the
    /// message; other instances are left as they are.
    pub fn process_error(&mut self, rule: &Rule, message: &str, now_ms: i64) -> Vec<Transition> {
        let base = base_labels(rule);
        let inst = self
            .instances
            .entry(base.clone())
            .or_insert_with(|| AlertInstance::new(base));
        let mut out = Vec::new();
        if inst.state != AlertState::Error || inst.error.as_deref() != Some(message) {
            out.push(transition(
                inst,
                AlertState::Error,
                now_ms,
                Some(message.to_string()),
            ));
            inst.state = AlertState::Error;
            inst.error = Some(message.to_string());
            inst.active_at_ms.get_or_insert(now_ms);
        }
        inst.last_eval_ms = now_ms;
        self.last_eval_ms = Some(now_ms);
        self.rule_level = true;
        out
    }

    fn note_rule_level(&mut self) {
        self.rule_level = self
            .instances
            .get(&self.base)
            .is_some_and(|i| matches!(i.state, AlertState::Error | AlertState::NoData));
    }
}

/// One instance's step for one evaluation.
fn step(rule: &Rule, inst: &mut AlertInstance, holds: bool, now: i64, out: &mut Vec<Transition>) {
    inst.history = (inst.history << 1) | u32::from(holds);
    inst.evaluations = (inst.evaluations + 1).min(32);
    inst.last_eval_ms = now;
    let changes = inst.changes_in_window();
    let was_flapping = inst.flapping;
    if !inst.flapping
        && changes >= FLAP_ENTER
        && matches!(inst.state, AlertState::Firing | AlertState::Resolved)
    {
        inst.flapping = true;
    } else if inst.flapping && changes <= FLAP_EXIT {
        inst.flapping = false;
    }
    let before = inst.state;
    match (inst.state, holds) {
        (AlertState::Inactive | AlertState::Resolved, true) => {
            inst.active_at_ms = Some(now);
            inst.resolved_at_ms = None;
            inst.keep_firing_since_ms = None;
            if rule.for_ms == 0 || inst.flapping {
                fire(inst, now, out);
            } else {
                out.push(transition(inst, AlertState::Pending, now, None));
                inst.state = AlertState::Pending;
            }
        }
        (AlertState::Pending, true) => {
            if now - inst.active_at_ms.unwrap_or(now) >= rule.for_ms {
                fire(inst, now, out);
            }
        }
        (AlertState::Pending, false) => {
            out.push(transition(inst, AlertState::Inactive, now, None));
            inst.state = AlertState::Inactive;
            inst.active_at_ms = None;
        }
        (AlertState::Firing, true) => inst.keep_firing_since_ms = None,
        (AlertState::Firing, false) => {
            let since = *inst.keep_firing_since_ms.get_or_insert(now);
            let kept = rule.keep_firing_for_ms > 0 && now - since < rule.keep_firing_for_ms;
            if !kept && !inst.flapping {
                let msg = was_flapping.then(|| "no longer flapping".to_string());
                out.push(transition(inst, AlertState::Resolved, now, msg));
                inst.state = AlertState::Resolved;
                inst.resolved_at_ms = Some(now);
                inst.keep_firing_since_ms = None;
            }
        }
        (AlertState::Inactive | AlertState::Resolved, false)
        | (AlertState::NoData | AlertState::Error, _) => {}
    }
    if inst.flapping && !was_flapping {
        if inst.state != AlertState::Firing {
            // A flapping instance is held firing.
            fire(inst, now, out);
        }
        let msg = format!(
            "flapping: its condition changed {changes} times in the last {FLAP_WINDOW} evaluations; held firing until it settles"
        );
        out.push(transition(inst, inst.state, now, Some(msg)));
    } else if was_flapping
        && !inst.flapping
        && inst.state == before
        && inst.state == AlertState::Firing
    {
        out.push(transition(
            inst,
            AlertState::Firing,
            now,
            Some("no longer flapping".into()),
        ));
    }
}

fn fire(inst: &mut AlertInstance, now: i64, out: &mut Vec<Transition>) {
    out.push(transition(inst, AlertState::Firing, now, None));
    inst.state = AlertState::Firing;
    inst.fired_at_ms = Some(now);
    inst.active_at_ms.get_or_insert(now);
}

/// Whether an instance is still worth keeping after an evaluation.
fn keep(i: &AlertInstance, now: i64) -> bool {
    let recent_activity = i.history & ((1 << FLAP_WINDOW) - 1) != 0;
    match i.state {
        AlertState::Inactive => recent_activity,
        AlertState::Resolved => {
            recent_activity || now - i.resolved_at_ms.unwrap_or(now) < RESOLVED_RETENTION_MS
        }
        _ => true,
    }
}

fn transition(
    inst: &AlertInstance,
    to: AlertState,
    at_ms: i64,
    message: Option<String>,
) -> Transition {
    Transition {
        labels: inst.labels.clone(),
        at_ms,
        from: inst.state,
        to,
        value: inst.value,
        flapping: inst.flapping,
        message,
    }
}

/// The rule-level labels (rule labels rendered without a series, and `alertname`), used for
/// the no-data and error instances.
fn base_labels(rule: &Rule) -> Labels {
    let empty = Labels::new();
    let data = TemplateData::new(&empty, 0.0);
    let mut map: BTreeMap<String, String> = rule
        .label_templates
        .iter()
        .map(|(k, t)| (k.clone(), t.render_or_error(&data)))
        .collect();
    map.insert("alertname".into(), rule.name.clone());
    map.into_iter().collect()
}

/// An instance's labels ([`alert_key`]) for one result.
fn alert_labels(rule: &Rule, r: &EvalResult) -> Labels {
    alert_key(rule, &r.labels, r.value)
}

/// The labels of the alert instance a series' result belongs to: the series' labels (without
/// `__name__`), then the rule's, rendered with the series' labels and value, then `alertname`,
/// as Prometheus builds them. When [`labels_are_static`], the value does not matter.
pub fn alert_key(rule: &Rule, series: &Labels, value: Option<f64>) -> Labels {
    let data = TemplateData::new(series, value.unwrap_or(f64::NAN));
    let mut map: BTreeMap<String, String> = series
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, t) in &rule.label_templates {
        map.insert(k.clone(), t.render_or_error(&data));
    }
    map.insert("alertname".into(), rule.name.clone());
    map.into_iter().collect()
}

/// Whether a rule's labels are plain text (no template action), so a series' [`alert_key`]
/// can be kept instead of rendered for every value.
pub fn labels_are_static(rule: &Rule) -> bool {
    rule.label_templates
        .iter()
        .all(|(_, t)| !t.source().contains("{{"))
}

fn render_annotations(
    rule: &Rule,
    series: &Labels,
    value: Option<f64>,
) -> BTreeMap<String, String> {
    let data = TemplateData::new(series, value.unwrap_or(f64::NAN));
    rule.annotation_templates
        .iter()
        .map(|(k, t)| (k.clone(), t.render_or_error(&data)))
        .collect()
}

#[cfg(test)]
#[path = "state/tests.rs"]
mod tests;
