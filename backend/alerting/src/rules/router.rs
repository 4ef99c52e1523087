//! The stream path of the rule engine: every Pulsegrid rule on ingested data behind one
//! subscription, evaluated on every arriving point.
//!
//! A [`StreamRouter`] indexes its rules by the series name their selector asks for (rules
//! without one are tried on every series), and remembers for each series which rules match it,
//! so an arriving batch costs a hash lookup per series, not a selector match per rule. Each
//! (rule, series) pair has a [`StreamEval`] over the rule's lookback window, so a point costs
//! O(1). The state machine only runs for a point that can change an alert: its condition
//! holds, or the series already has an alert instance. A periodic full evaluation
//! ([`StreamRouter::results_at`]) ages the windows between points for `for` timers, series that
//! stopped reporting, and no-data; [`StreamRouter::prune`] then forgets series no rule has a
//! use for, so memory follows the live series, not every series ever seen.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use pulsegrid_model::Labels;
use pulsegrid_model::selector::{MatchOp, SeriesSelector};

use super::eval::{EvalResult, StreamEval, lookback_ms};
use super::rule::{QueryKind, Reduce, Rule};
use super::state::{SeriesResult, alert_key, labels_are_static};

/// A rule's place in a [`StreamRouter`].
pub type RuleId = u32;

/// What one point did to one (rule, series) pair, handed to the state machine.
#[derive(Debug)]
pub struct Verdict<'a> {
    /// The rule.
    pub rule: RuleId,
    /// The rule's definition.
    pub def: &'a Rule,
    /// The alert instance's labels ([`alert_key`]).
    pub key: &'a Labels,
    /// The series' result.
    pub result: SeriesResult<'a>,
}

/// Stream rules indexed by series name; see the module docs.
#[derive(Debug, Default)]
pub struct StreamRouter {
    rules: Vec<RouteRule>,
    by_name: HashMap<String, Vec<RuleId>>,
    any_name: Vec<RuleId>,
    /// Which (rule, slot) pairs each series seen so far feeds, by a hash of its identity.
    routes: HashMap<u64, Vec<Routes>, BuildHasherDefault<Prehashed>>,
    evaluations: u64,
}

#[derive(Debug)]
struct RouteRule {
    def: Arc<Rule>,
    selector: SeriesSelector,
    reduce: Reduce,
    static_key: bool,
    /// Slots by index; `None` once pruned, its index kept in `free` for reuse.
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
}

/// One series of one rule.
#[derive(Debug)]
struct Slot {
    labels: Labels,
    /// The alert key, kept when the rule's labels do not depend on the value.
    key: Option<Labels>,
    eval: StreamEval,
    /// Whether the series may have an alert instance (a stale `true` costs one state step).
    tracked: bool,
}

#[derive(Debug)]
struct Routes {
    name: String,
    labels: Labels,
    to: Box<[(RuleId, u32)]>,
}

impl StreamRouter {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a Pulsegrid rule whose query is `selector`; `None` for a PromQL rule.
    pub fn add(&mut self, def: Arc<Rule>, selector: SeriesSelector) -> Option<RuleId> {
        let QueryKind::Pulsegrid { reduce, .. } = &def.query else {
            return None;
        };
        // The window is the rule's lookback, as the batch path sees it.
        let reduce = Reduce {
            func: reduce.func,
            window_ms: Some(lookback_ms(&def)),
        };
        let id = self.rules.len() as RuleId;
        let name = selector.name.clone().or_else(|| {
            selector
                .matchers
                .iter()
                .find(|m| m.name == "__name__" && m.op == MatchOp::Eq)
                .map(|m| m.value.clone())
        });
        match name {
            Some(name) => self.by_name.entry(name).or_default().push(id),
            None => self.any_name.push(id),
        }
        self.rules.push(RouteRule {
            static_key: labels_are_static(&def),
            def,
            selector,
            reduce,
            slots: Vec::new(),
            free: Vec::new(),
        });
        self.routes.clear();
        Some(id)
    }

    /// How many rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// A rule's definition.
    pub fn rule(&self, id: RuleId) -> Option<&Arc<Rule>> {
        self.rules.get(id as usize).map(|r| &r.def)
    }

    /// Points evaluated so far (one per point per matching rule).
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// A rule's selector, to load its window from the store.
    pub fn selector(&self, id: RuleId) -> Option<&SeriesSelector> {
        self.rules.get(id as usize).map(|r| &r.selector)
    }

    /// Feeds one series' new points (`t` ascending; NaN values are skipped) to every rule that
    /// matches it. `step` runs the state machine for each verdict that can change an alert
    /// and returns whether the series has an alert instance afterwards.
    pub fn on_points(
        &mut self,
        name: &str,
        labels: &Labels,
        t: &[i64],
        v: &[f64],
        step: &mut impl FnMut(Verdict<'_>) -> bool,
    ) {
        let routes = self.routes_of(name, labels);
        let Self {
            rules,
            routes: table,
            evaluations,
            ..
        } = self;
        let Some(to) = table
            .get(&routes.0)
            .and_then(|list| list.get(routes.1))
            .map(|r| &r.to)
        else {
            return;
        };
        for &(id, slot) in to.iter() {
            let rule = &mut rules[id as usize];
            let Some(s) = rule.slots[slot as usize].as_mut() else {
                continue;
            };
            for (&t, &v) in t.iter().zip(v) {
                if v.is_nan() {
                    continue;
                }
                *evaluations += 1;
                let Some(u) = s.eval.on_point(t, v) else {
                    continue;
                };
                if !(u.active || s.tracked) {
                    continue;
                }
                let owned;
                let key = match &s.key {
                    Some(k) => k,
                    None => {
                        owned = alert_key(&rule.def, &s.labels, Some(u.value));
                        if rule.static_key {
                            s.key = Some(owned.clone());
                        }
                        &owned
                    }
                };
                s.tracked = step(Verdict {
                    rule: id,
                    def: &rule.def,
                    key,
                    result: SeriesResult {
                        labels: &s.labels,
                        value: u.value,
                        active: u.active,
                        cleared: u.cleared,
                    },
                });
            }
        }
    }

    /// Feeds a rule's stored history for one series without running the state machine: its
    /// window after a (re)start. The series counts as having an instance until a step says not.
    pub fn backfill(&mut self, id: RuleId, name: &str, labels: &Labels, t: &[i64], v: &[f64]) {
        let Some(slot) = self.slot_of(id, name, labels) else {
            return;
        };
        let Some(s) = self.rules[id as usize].slots[slot as usize].as_mut() else {
            return;
        };
        s.tracked = true;
        for (&t, &v) in t.iter().zip(v) {
            if !v.is_nan() {
                s.eval.on_point(t, v);
            }
        }
    }

    /// A rule's full evaluation at `now`: each of its series with a value in the window, for
    /// [`super::RuleState::process`]. Every series counts as tracked afterwards.
    pub fn results_at(&mut self, id: RuleId, now: i64) -> Vec<EvalResult> {
        let Some(rule) = self.rules.get_mut(id as usize) else {
            return Vec::new();
        };
        rule.slots
            .iter_mut()
            .flatten()
            .filter_map(|s| {
                let (value, active, cleared) = s.eval.verdict_at(now);
                s.tracked = value.is_some();
                value.map(|_| EvalResult {
                    labels: s.labels.clone(),
                    value,
                    active,
                    cleared,
                })
            })
            .collect()
    }

    /// The index of the routes of a series in `routes[hash]`, made on its first batch.
    fn routes_of(&mut self, name: &str, labels: &Labels) -> (u64, usize) {
        let hash = series_hash(name, labels);
        if let Some(at) = self.routes.get(&hash).and_then(|list| {
            list.iter()
                .position(|r| r.name == name && r.labels == *labels)
        }) {
            return (hash, at);
        }
        let key = pulsegrid_model::SeriesKey::new(name, labels.clone());
        let candidates: Vec<RuleId> = self
            .by_name
            .get(name)
            .into_iter()
            .flatten()
            .chain(&self.any_name)
            .copied()
            .filter(|&id| self.rules[id as usize].selector.matches(&key))
            .collect();
        let mut to = Vec::with_capacity(candidates.len());
        for id in candidates {
            let rule = &mut self.rules[id as usize];
            let (condition, clear) = condition_of(&rule.def);
            let new = Slot {
                labels: labels.clone(),
                key: None,
                eval: StreamEval::with(rule.reduce, condition, clear),
                tracked: false,
            };
            let slot = match rule.free.pop() {
                Some(free) => {
                    rule.slots[free as usize] = Some(new);
                    free
                }
                None => {
                    rule.slots.push(Some(new));
                    (rule.slots.len() - 1) as u32
                }
            };
            to.push((id, slot));
        }
        let list = self.routes.entry(hash).or_default();
        list.push(Routes {
            name: name.to_owned(),
            labels: labels.clone(),
            to: to.into_boxed_slice(),
        });
        (hash, list.len() - 1)
    }

    /// Forgets the series that no rule has a use for at `now`: none of their points is left in
    /// any matching rule's window and none has an alert instance. Their evaluators and routes
    /// are freed (a series that comes back starts afresh), so series that stop reporting do not
    /// hold memory. Returns how many series were forgotten.
    pub fn prune(&mut self, now: i64) -> usize {
        let Self { rules, routes, .. } = self;
        let mut forgotten = 0;
        routes.retain(|_, list| {
            list.retain(|r| {
                let idle = r.to.iter().all(|&(id, slot)| {
                    rules[id as usize].slots[slot as usize]
                        .as_mut()
                        .is_none_or(|s| !s.tracked && s.eval.value_at(now).is_none())
                });
                if idle {
                    for &(id, slot) in r.to.iter() {
                        let rule = &mut rules[id as usize];
                        if rule.slots[slot as usize].take().is_some() {
                            rule.free.push(slot);
                        }
                    }
                    forgotten += 1;
                }
                !idle
            });
            !list.is_empty()
        });
        forgotten
    }

    /// Series the router knows (has routes for).
    pub fn series(&self) -> usize {
        self.routes.values().map(Vec::len).sum()
    }

    fn slot_of(&mut self, id: RuleId, name: &str, labels: &Labels) -> Option<u32> {
        let (hash, at) = self.routes_of(name, labels);
        let routes = self.routes.get(&hash)?.get(at)?;
        routes.to.iter().find(|(r, _)| *r == id).map(|(_, s)| *s)
    }
}

fn condition_of(
    rule: &Rule,
) -> (
    Option<super::rule::Condition>,
    Option<super::rule::Condition>,
) {
    match &rule.query {
        QueryKind::Pulsegrid {
            condition,
            clear_condition,
            ..
        } => (*condition, *clear_condition),
        QueryKind::PromQl { .. } => (None, None),
    }
}

/// A series' identity hashed word by word (FxHash's mixing): it runs once per series per
/// batch, where SipHash's flood resistance buys nothing (a colliding series only costs a
/// comparison).
fn series_hash(name: &str, labels: &Labels) -> u64 {
    let mut h = WordHasher(0);
    name.hash(&mut h);
    labels.hash(&mut h);
    h.finish()
}

struct WordHasher(u64);

impl WordHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word: [u8; 8] = c.try_into().unwrap_or_default();
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let word = rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i));
            self.mix(word ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The table's keys are hashes already: passed through.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
#[path = "router/tests.rs"]
mod tests;
