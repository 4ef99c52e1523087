//! Running one test group as promtool does: input series become samples at `interval` steps
//! from t=0; every rule is evaluated from t=0 to the largest `eval_time`, every
//! `evaluation_interval`, groups in `group_eval_order`; an `alert_rule_test` at `eval_time` T is
//! checked after the evaluation at the step `ts` with `ts <= T < ts + evaluation_interval`.
//!
//! A Pulsegrid rule's `query` selects input series by name and label matchers (its `source` does
//! not matter: the input series stand in for any source); its reduce sees the points up to the
//! evaluation time (within its window, or the 5-minute lookback), after the series' last `stale` marker;
//! a series whose last sample is a stale marker is not returned. [`evaluate`] and
//! [`RuleState::process`] do the rest, exactly as in the server. Recording rules write their
//! results back as series, so later rules and `promql_expr_test` see them.
//!
//! PromQL (`expr`) rules cannot run here: a test that needs one fails with a message saying so.
//! A `promql_expr_test` whose `expr` is a plain series selector is answered as PromQL would
//! (the newest sample within 5 minutes, unless stale); any other expression needs promtool.

use std::collections::{BTreeMap, HashMap, HashSet};

use pulsegrid_model::selector::NAME_LABEL;
use pulsegrid_model::{Labels, MatchOp, SeriesKey, SeriesSelector};

use super::format::{AlertView, alert_list, go_quote, indent_lines, sample_list};
use super::notation::SeriesValue;
use super::spec::{AlertTest, ExprTest, TestGroup};
use crate::rules::duration::format_duration;
use crate::rules::eval::{SeriesWindow, evaluate, lookback_ms};
use crate::rules::file::RuleFile;
use crate::rules::rule::{QueryKind, Rule, RuleKind};
use crate::rules::state::{AlertState, RuleState};

/// PromQL's default lookback for instant selectors (`--query.lookback-delta`).
const LOOKBACK_MS: i64 = crate::rules::eval::DEFAULT_LOOKBACK_MS;

/// Most evaluation steps one test group may take (`eval_time / evaluation_interval`).
pub(super) const MAX_STEPS: i64 = 1_000_000;

/// A rule ready for evaluation, with where it was defined.
#[derive(Debug)]
pub(super) struct LoadedRule {
    rule: Rule,
    /// `FILE:LINE`, for messages.
    location: String,
    how: How,
}

/// How a rule can be evaluated in a unit test.
#[derive(Debug)]
enum How {
    /// A Pulsegrid rule on a series selector.
    Select(SeriesSelector),
    /// A Prometheus rule: PromQL, which only promtool evaluates.
    PromQl,
    /// A Pulsegrid rule whose query is not a series selector (another source's language).
    NotSelector(String),
}

/// The rules of `files`, in evaluation order: the groups named in `order` first, in that
/// order, then the others in file order.
pub(super) fn load(files: Vec<RuleFile>, order: &[String]) -> Vec<LoadedRule> {
    let mut groups: Vec<(String, crate::rules::rule::RuleGroup)> = files
        .into_iter()
        .flat_map(|f| {
            let path = f.path;
            f.groups.into_iter().map(move |g| (path.clone(), g))
        })
        .collect();
    groups.sort_by_key(|(_, g)| {
        order
            .iter()
            .position(|name| *name == g.name)
            .unwrap_or(order.len())
    });
    let mut out = Vec::new();
    for (path, group) in groups {
        for rule in group.rules {
            let location = match rule.line.or(group.line) {
                Some(line) => format!("{path}:{line}"),
                None => path.clone(),
            };
            let how = match &rule.query {
                QueryKind::PromQl { .. } => How::PromQl,
                QueryKind::Pulsegrid { query, .. } => match SeriesSelector::parse(query) {
                    Ok(sel) => How::Select(sel),
                    Err(e) => How::NotSelector(e.to_string()),
                },
            };
            out.push(LoadedRule {
                rule,
                location,
                how,
            });
        }
    }
    out
}

/// One stored series: its samples (sorted by time) and its staleness markers.
#[derive(Debug)]
struct Stored {
    key: SeriesKey,
    /// The labels rules see: the series' labels and `__name__`.
    labels: Labels,
    points: Vec<(i64, f64)>,
    stale: Vec<i64>,
}

impl Stored {
    fn new(key: SeriesKey) -> Self {
        let mut labels = key.labels.clone();
        if !key.name.is_empty() {
            labels.insert(NAME_LABEL, key.name.clone());
        }
        Stored {
            key,
            labels,
            points: Vec::new(),
            stale: Vec::new(),
        }
    }

    /// The points a query at `ts` sees: those in `(ts - lookback, ts]` after the last stale
    /// marker (the service's rules see the same span).
    fn visible(&self, ts: i64, lookback: i64) -> &[(i64, f64)] {
        let end = self.points.partition_point(|p| p.0 <= ts);
        let after_stale = match self.stale[..self.stale.partition_point(|t| *t <= ts)].last() {
            Some(&marker) => self.points[..end].partition_point(|p| p.0 <= marker),
            None => 0,
        };
        let in_lookback = self.points[..end].partition_point(|p| p.0 <= ts - lookback);
        &self.points[after_stale.max(in_lookback)..end]
    }
}

/// The samples of a test group: input series, then what recording rules write.
#[derive(Debug, Default)]
struct Store {
    series: Vec<Stored>,
    index: HashMap<SeriesKey, usize>,
}

impl Store {
    fn load(group: &TestGroup, interval: i64) -> Result<Self, String> {
        let mut store = Store::default();
        for input in &group.input_series {
            if store.index.contains_key(&input.series) {
                return Err(format!(
                    "series {} is given twice in input_series",
                    input.series
                ));
            }
            let mut s = Stored::new(input.series.clone());
            for (i, v) in (0i64..).zip(&input.values) {
                let t = i.saturating_mul(interval);
                match v {
                    SeriesValue::Value(v) => s.points.push((t, *v)),
                    SeriesValue::Stale => s.stale.push(t),
                    SeriesValue::Missing => {}
                }
            }
            store.index.insert(input.series.clone(), store.series.len());
            store.series.push(s);
        }
        Ok(store)
    }

    /// The series a rule's selector returns at `ts`.
    fn select<'a>(&'a self, sel: &SeriesSelector, ts: i64, lookback: i64) -> Vec<SeriesWindow<'a>> {
        self.series
            .iter()
            .filter(|s| sel.matches(&s.key))
            .map(|s| SeriesWindow {
                labels: &s.labels,
                points: s.visible(ts, lookback),
            })
            .filter(|w| !w.points.is_empty())
            .collect()
    }

    /// PromQL's instant vector for a plain selector at `ts`.
    fn instant(&self, sel: &SeriesSelector, ts: i64) -> Vec<(Labels, f64)> {
        self.series
            .iter()
            .filter(|s| sel.matches(&s.key))
            .filter_map(|s| {
                let &(_, v) = s.visible(ts, LOOKBACK_MS).last()?;
                Some((s.labels.clone(), v))
            })
            .collect()
    }

    /// Writes a sample (or a stale marker) of a recorded series, keeping times sorted.
    fn write(&mut self, key: SeriesKey, ts: i64, value: Option<f64>) {
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.index.insert(key.clone(), self.series.len());
                self.series.push(Stored::new(key));
                self.series.len() - 1
            }
        };
        let s = &mut self.series[i];
        match value {
            Some(v) => {
                let at = s.points.partition_point(|p| p.0 <= ts);
                s.points.insert(at, (ts, v));
            }
            None => {
                let at = s.stale.partition_point(|t| *t <= ts);
                s.stale.insert(at, ts);
            }
        }
    }
}

/// The name a selector requires, if it requires one.
fn selector_name(sel: &SeriesSelector) -> Option<&str> {
    sel.name.as_deref().or_else(|| {
        sel.matchers
            .iter()
            .find(|m| m.name == NAME_LABEL && m.op == MatchOp::Eq)
            .map(|m| m.value.as_str())
    })
}

/// Runs one test group; each failure is one message in promtool's layout.
pub(super) fn run(group: &TestGroup, rules: &[LoadedRule], eval_interval: i64) -> Vec<String> {
    let prefix = group
        .name
        .as_ref()
        .map(|n| format!("    name: {n},\n"))
        .unwrap_or_default();
    if let Some(t) = group
        .alert_rule_test
        .iter()
        .find(|t| t.alertname.as_deref().unwrap_or("").is_empty())
    {
        let within = group
            .name
            .as_ref()
            .map(|n| format!(" (in TestGroup {n})"))
            .unwrap_or_default();
        return vec![format!(
            "an item under alert_rule_test misses required attribute alertname at eval_time {}{within}",
            format_duration(t.at())
        )];
    }
    let interval = group.interval.filter(|i| *i > 0).unwrap_or(eval_interval);
    let mut store = match Store::load(group, interval) {
        Ok(s) => s,
        Err(e) => return vec![format!("{prefix}    {e}")],
    };
    let max = group
        .alert_rule_test
        .iter()
        .map(AlertTest::at)
        .chain(group.promql_expr_test.iter().map(ExprTest::at))
        .max()
        .unwrap_or(0);
    if max / eval_interval > MAX_STEPS {
        return vec![format!(
            "{prefix}    eval_time {} at evaluation_interval {} needs more than {MAX_STEPS} evaluations",
            format_duration(max),
            format_duration(eval_interval)
        )];
    }
    let promql_records: HashSet<&str> = rules
        .iter()
        .filter(|r| matches!(r.how, How::PromQl) && r.rule.kind == RuleKind::Recording)
        .map(|r| r.rule.name.as_str())
        .collect();
    let mut times: Vec<i64> = group.alert_rule_test.iter().map(AlertTest::at).collect();
    times.sort_unstable();
    times.dedup();

    let mut runner = Runner {
        rules,
        states: rules.iter().map(|r| RuleState::new(&r.rule)).collect(),
        recorded: vec![HashSet::new(); rules.len()],
        promql_records,
    };
    let mut failures = Vec::new();
    let mut reported = HashSet::new();
    let mut next = 0;
    let mut ts = 0;
    while ts <= max {
        runner.step(&mut store, ts);
        while next < times.len()
            && ts <= times[next]
            && times[next] < ts.saturating_add(eval_interval)
        {
            let t = times[next];
            for test in group.alert_rule_test.iter().filter(|a| a.at() == t) {
                if let Some(f) = runner.check_alerts(test, &mut reported) {
                    failures.push(format!("{prefix}{f}"));
                }
            }
            next += 1;
        }
        match ts.checked_add(eval_interval) {
            Some(t) => ts = t,
            None => break,
        }
    }
    for test in &group.promql_expr_test {
        if let Some(f) = runner.check_expr(test, &store) {
            failures.push(format!("{prefix}{f}"));
        }
    }
    failures
}

/// The evaluation state of one test group.
struct Runner<'a> {
    rules: &'a [LoadedRule],
    states: Vec<RuleState>,
    /// Per recording rule, the series it wrote at its last evaluation (they go stale when gone).
    recorded: Vec<HashSet<SeriesKey>>,
    /// Series written by PromQL recording rules, which are not evaluated here.
    promql_records: HashSet<&'a str>,
}

impl Runner<'_> {
    /// Evaluates every rule at `ts`, in order.
    fn step(&mut self, store: &mut Store, ts: i64) {
        for (i, loaded) in self.rules.iter().enumerate() {
            let How::Select(sel) = &loaded.how else {
                continue;
            };
            let rule = &loaded.rule;
            let results = evaluate(rule, &store.select(sel, ts, lookback_ms(rule)), ts);
            match rule.kind {
                RuleKind::Alerting => {
                    self.states[i].process(rule, &results, ts);
                }
                RuleKind::Recording => {
                    let mut written = HashSet::new();
                    for r in &results {
                        let Some(v) = r.value else { continue };
                        let mut labels: Labels =
                            r.labels.iter().filter(|(k, _)| *k != NAME_LABEL).collect();
                        for (k, v) in &rule.labels {
                            labels.insert(k.as_str(), v.as_str());
                        }
                        let key = SeriesKey::new(rule.name.clone(), labels);
                        store.write(key.clone(), ts, Some(v));
                        written.insert(key);
                    }
                    for gone in self.recorded[i].difference(&written) {
                        store.write(gone.clone(), ts, None);
                    }
                    self.recorded[i] = written;
                }
            }
        }
    }

    /// Why a rule cannot be evaluated here, if it cannot.
    fn unsupported(&self, loaded: &LoadedRule) -> Option<String> {
        let name = &loaded.rule.name;
        let at = &loaded.location;
        match &loaded.how {
            How::PromQl => Some(format!(
                "rule {name} uses PromQL; run promtool test rules for it ({at})"
            )),
            How::NotSelector(e) => Some(format!(
                "rule {name}: its query is not a series selector ({e}); unit tests feed input series to series selectors only ({at})"
            )),
            How::Select(sel) => selector_name(sel)
                .filter(|n| self.promql_records.contains(n))
                .map(|n| {
                    format!(
                        "rule {name} reads {n}, which a PromQL rule records; run promtool test rules for it ({at})"
                    )
                }),
        }
    }

    /// Compares the firing alerts of the test's alertname with its expectation.
    fn check_alerts(&self, test: &AlertTest, reported: &mut HashSet<String>) -> Option<String> {
        let name = test.alertname.as_deref().unwrap_or("");
        let time = format_duration(test.at());
        let mut got: Vec<AlertView> = Vec::new();
        for (i, loaded) in self.rules.iter().enumerate() {
            if loaded.rule.kind != RuleKind::Alerting || loaded.rule.name != name {
                continue;
            }
            if let Some(why) = self.unsupported(loaded) {
                // Once per alert name: the same reason holds at every eval_time.
                return reported
                    .insert(name.to_string())
                    .then(|| format!("    alertname: {name}, time: {time}, err: {why}"));
            }
            got.extend(
                self.states[i]
                    .instances()
                    .filter(|a| a.state == AlertState::Firing)
                    .map(|a| (a.labels.clone(), a.annotations.clone())),
            );
        }
        let mut exp: Vec<AlertView> = test
            .exp_alerts
            .iter()
            .map(|a| {
                let mut labels: Labels = a
                    .exp_labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                labels.insert("alertname", name);
                let annotations: BTreeMap<String, String> = a.exp_annotations.clone();
                (labels, annotations)
            })
            .collect();
        got.sort();
        exp.sort();
        if got == exp {
            return None;
        }
        let indent = "            ";
        Some(format!(
            "    alertname: {name}, time: {time}, \n        exp:{}, \n        got:{}",
            indent_lines(&alert_list(&exp), indent),
            indent_lines(&alert_list(&got), indent)
        ))
    }

    /// Answers a `promql_expr_test` whose expression is a plain series selector.
    fn check_expr(&self, test: &ExprTest, store: &Store) -> Option<String> {
        let head = format!(
            "    expr: {}, time: {}",
            go_quote(&test.expr),
            format_duration(test.at())
        );
        let needs_promql = |what: &str| {
            Some(format!(
                "{head}, err: {what}; run promtool test rules for it"
            ))
        };
        let Ok(sel) = SeriesSelector::parse(&test.expr) else {
            return needs_promql("the expression is PromQL, not a plain series selector");
        };
        if let Some(n) = selector_name(&sel).filter(|n| self.promql_records.contains(n)) {
            return needs_promql(&format!("{n} is recorded by a PromQL rule"));
        }
        let mut got = store.instant(&sel, test.at());
        let mut exp: Vec<(Labels, f64)> = test
            .exp_samples
            .iter()
            .map(|s| (Stored::new(s.labels.clone()).labels, s.value))
            .collect();
        let by_labels =
            |a: &(Labels, f64), b: &(Labels, f64)| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1));
        got.sort_by(by_labels);
        exp.sort_by(by_labels);
        let same = got.len() == exp.len()
            && got
                .iter()
                .zip(&exp)
                .all(|(g, e)| g.0 == e.0 && (g.1 == e.1 || (g.1.is_nan() && e.1.is_nan())));
        (!same).then(|| {
            format!(
                "{head},\n        exp: {}\n        got: {}",
                sample_list(&exp),
                sample_list(&got)
            )
        })
    }
}
