//! Pure evaluation of a rule over series data: each series' points reduced over the rule's
//! window ([`Reduce`]), then judged by its [`Condition`] (and clear condition) into one
//! [`EvalResult`] per series. Querying is the caller's job (sources answer `query_range`); this
//! module only computes.
//!
//! [`StreamEval`] is the fast path for stream rules (evaluated on every arriving point, for
//! sub-second alerts): it keeps the reduction incrementally (running sums, a monotonic deque for
//! min/max, counter increases for rate), so a point costs O(1) amortised and, once its buffers
//! have grown to the window's size, no allocation.

use std::collections::VecDeque;

use pulsegrid_model::Labels;

use super::rule::{Condition, QueryKind, Reduce, ReduceFn, Rule};

/// How far back a rule without a reduce window looks for its points (Prometheus' lookback
/// delta): older points are not seen, so a series that stopped reporting ends its alert.
pub const DEFAULT_LOOKBACK_MS: i64 = 5 * 60_000;

/// The span of points a rule's evaluation at `t` sees: `(t - lookback, t]`, the reduce window
/// when it has one, else [`DEFAULT_LOOKBACK_MS`].
pub fn lookback_ms(rule: &Rule) -> i64 {
    match &rule.query {
        QueryKind::Pulsegrid { reduce, .. } => reduce.window_ms.unwrap_or(DEFAULT_LOOKBACK_MS),
        QueryKind::PromQl { .. } => DEFAULT_LOOKBACK_MS,
    }
}

/// One series' points in a time range, oldest first.
#[derive(Clone, Copy, Debug)]
pub struct SeriesWindow<'a> {
    /// The series' labels.
    pub labels: &'a Labels,
    /// `(unix ms, value)`, sorted by time.
    pub points: &'a [(i64, f64)],
}

/// One series' verdict: its reduced value and whether the rule's conditions hold.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalResult {
    /// The series' labels (the alert instance adds the rule's labels and `alertname`).
    pub labels: Labels,
    /// The reduced value; `None` when the series had no point in the window (no data).
    pub value: Option<f64>,
    /// Whether the condition holds (an inactive instance becomes pending/firing).
    pub active: bool,
    /// Whether a firing instance may resolve: the clear condition holds, or, without one, the
    /// condition does not.
    pub cleared: bool,
}

impl EvalResult {
    /// A sample returned by a PromQL alerting expression: returned means active.
    pub fn promql(labels: Labels, value: f64) -> Self {
        EvalResult {
            labels,
            value: Some(value),
            active: true,
            cleared: false,
        }
    }

    /// Judges `value` by a condition and an optional clear condition.
    pub fn judged(
        labels: Labels,
        value: Option<f64>,
        condition: Option<&Condition>,
        clear: Option<&Condition>,
    ) -> Self {
        let (active, cleared) = judge(value, condition, clear);
        EvalResult {
            labels,
            value,
            active,
            cleared,
        }
    }
}

#[inline]
fn judge(
    value: Option<f64>,
    condition: Option<&Condition>,
    clear: Option<&Condition>,
) -> (bool, bool) {
    match value {
        None => (false, true),
        Some(v) => {
            let active = condition.is_none_or(|c| c.holds(v));
            let cleared = clear.map_or(!active, |c| c.holds(v));
            (active, cleared)
        }
    }
}

/// Reduces `points` (sorted by time) over `reduce`'s window ending at `now_ms`; `None` when no
/// point falls in it (or `rate` has fewer than two).
pub fn reduce(reduce: &Reduce, points: &[(i64, f64)], now_ms: i64) -> Option<f64> {
    let end = points.partition_point(|p| p.0 <= now_ms);
    let start = reduce
        .window_ms
        .map_or(0, |w| points[..end].partition_point(|p| p.0 <= now_ms - w));
    let pts = &points[start..end];
    let (first, last) = (pts.first()?, pts.last()?);
    let values = pts.iter().map(|p| p.1);
    Some(match reduce.func {
        ReduceFn::Last => last.1,
        ReduceFn::Min => values.fold(f64::INFINITY, f64::min),
        ReduceFn::Max => values.fold(f64::NEG_INFINITY, f64::max),
        ReduceFn::Sum => values.sum(),
        ReduceFn::Avg => values.sum::<f64>() / pts.len() as f64,
        ReduceFn::Count => pts.len() as f64,
        ReduceFn::Rate => {
            let secs = (last.0 - first.0) as f64 / 1000.0;
            if pts.len() < 2 || secs <= 0.0 {
                return None;
            }
            let inc: f64 = pts
                .windows(2)
                .map(|w| counter_increase(w[0].1, w[1].1))
                .sum();
            inc / secs
        }
    })
}

/// A counter's increase between two samples; a drop is a reset (the counter restarted at 0).
#[inline]
fn counter_increase(prev: f64, next: f64) -> f64 {
    if next >= prev { next - prev } else { next }
}

/// Evaluates a rule over series windows at `now_ms`: one result per series. A PromQL rule's
/// series are its source's answer, so each one with a point is active with its newest value.
pub fn evaluate(rule: &Rule, series: &[SeriesWindow<'_>], now_ms: i64) -> Vec<EvalResult> {
    series
        .iter()
        .map(|s| match &rule.query {
            QueryKind::PromQl { .. } => {
                let value = s.points.iter().rev().find(|p| p.0 <= now_ms).map(|p| p.1);
                EvalResult {
                    labels: s.labels.clone(),
                    value,
                    active: value.is_some(),
                    cleared: value.is_none(),
                }
            }
            QueryKind::Pulsegrid {
                reduce: r,
                condition,
                clear_condition,
                ..
            } => EvalResult::judged(
                s.labels.clone(),
                reduce(r, s.points, now_ms),
                condition.as_ref(),
                clear_condition.as_ref(),
            ),
        })
        .collect()
}

/// What one point did to a stream rule's series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamUpdate {
    /// The reduced value after this point.
    pub value: f64,
    /// Whether the condition holds.
    pub active: bool,
    /// Whether a firing instance may resolve.
    pub cleared: bool,
    /// Whether `active` differs from the previous point's (the caller runs the state machine on
    /// changes, and on its timers for `for` and `keep_firing_for`).
    pub changed: bool,
}

/// Incremental evaluation of one stream rule on one series.
#[derive(Clone, Debug)]
pub struct StreamEval {
    reduce: Reduce,
    condition: Option<Condition>,
    clear: Option<Condition>,
    /// Points in the window (sum, avg, count, rate with a window).
    points: VecDeque<(i64, f64)>,
    /// Monotonic deque for min/max over a window: candidates, front is the answer.
    mono: VecDeque<(i64, f64)>,
    sum: f64,
    count: u64,
    /// Counter increases between consecutive points in `points` (rate).
    increase: f64,
    /// Running value without a window (min, max, last) and the first point (rate).
    running: f64,
    first: Option<(i64, f64)>,
    last: Option<(i64, f64)>,
    active: bool,
}

impl StreamEval {
    /// A stream evaluator for a Pulsegrid rule; `None` for PromQL rules (their source evaluates).
    pub fn new(rule: &Rule) -> Option<Self> {
        match &rule.query {
            QueryKind::Pulsegrid {
                reduce,
                condition,
                clear_condition,
                ..
            } => Some(Self::with(*reduce, *condition, *clear_condition)),
            QueryKind::PromQl { .. } => None,
        }
    }

    /// A stream evaluator from its parts.
    pub fn with(reduce: Reduce, condition: Option<Condition>, clear: Option<Condition>) -> Self {
        let running = match reduce.func {
            ReduceFn::Min => f64::INFINITY,
            ReduceFn::Max => f64::NEG_INFINITY,
            _ => 0.0,
        };
        StreamEval {
            reduce,
            condition,
            clear,
            points: VecDeque::new(),
            mono: VecDeque::new(),
            sum: 0.0,
            count: 0,
            increase: 0.0,
            running,
            first: None,
            last: None,
            active: false,
        }
    }

    /// Takes one point (times non-decreasing; an older point is ignored) and returns the verdict.
    #[inline]
    pub fn on_point(&mut self, t: i64, v: f64) -> Option<StreamUpdate> {
        if self.last.is_some_and(|(lt, _)| t < lt) {
            return None;
        }
        let value = match self.reduce.window_ms {
            None => self.unwindowed(t, v),
            Some(w) => self.windowed(t, v, w),
        };
        self.last = Some((t, v));
        let value = value?;
        let (active, cleared) = judge(Some(value), self.condition.as_ref(), self.clear.as_ref());
        let changed = active != self.active;
        self.active = active;
        Some(StreamUpdate {
            value,
            active,
            cleared,
            changed,
        })
    }

    #[inline]
    fn unwindowed(&mut self, t: i64, v: f64) -> Option<f64> {
        self.count += 1;
        Some(match self.reduce.func {
            ReduceFn::Last => v,
            ReduceFn::Min => {
                self.running = self.running.min(v);
                self.running
            }
            ReduceFn::Max => {
                self.running = self.running.max(v);
                self.running
            }
            ReduceFn::Sum => {
                self.sum += v;
                self.sum
            }
            ReduceFn::Avg => {
                self.sum += v;
                self.sum / self.count as f64
            }
            ReduceFn::Count => self.count as f64,
            ReduceFn::Rate => {
                if let Some((_, lv)) = self.last {
                    self.increase += counter_increase(lv, v);
                }
                let (ft, _) = *self.first.get_or_insert((t, v));
                let secs = (t - ft) as f64 / 1000.0;
                if secs <= 0.0 {
                    return None;
                }
                self.increase / secs
            }
        })
    }

    #[inline]
    fn windowed(&mut self, t: i64, v: f64, w: i64) -> Option<f64> {
        let cutoff = t - w;
        match self.reduce.func {
            ReduceFn::Last => Some(v),
            ReduceFn::Min | ReduceFn::Max => {
                let min = self.reduce.func == ReduceFn::Min;
                while self
                    .mono
                    .back()
                    .is_some_and(|b| if min { b.1 >= v } else { b.1 <= v })
                {
                    self.mono.pop_back();
                }
                self.mono.push_back((t, v));
                while self.mono.front().is_some_and(|f| f.0 <= cutoff) {
                    self.mono.pop_front();
                }
                self.mono.front().map(|f| f.1)
            }
            _ => {
                if let Some(&(_, lv)) = self.points.back() {
                    self.increase += counter_increase(lv, v);
                }
                self.points.push_back((t, v));
                self.sum += v;
                self.evict(cutoff);
                self.window_value()
            }
        }
    }

    /// Drops the points at or before `cutoff` from the window's sums.
    #[inline]
    fn evict(&mut self, cutoff: i64) {
        while self.points.front().is_some_and(|f| f.0 <= cutoff) {
            if let Some((_, fv)) = self.points.pop_front() {
                self.sum -= fv;
                if let Some(&(_, nv)) = self.points.front() {
                    self.increase -= counter_increase(fv, nv);
                }
            }
        }
        if self.points.is_empty() {
            // Nothing left to drift: start the running sums afresh.
            self.sum = 0.0;
            self.increase = 0.0;
        }
    }

    /// Sum, avg, count or rate of the points in the window.
    #[inline]
    fn window_value(&self) -> Option<f64> {
        let n = self.points.len() as f64;
        let (&(ft, _), &(lt, _)) = (self.points.front()?, self.points.back()?);
        match self.reduce.func {
            ReduceFn::Sum => Some(self.sum),
            ReduceFn::Avg => Some(self.sum / n),
            ReduceFn::Count => Some(n),
            _ => {
                let secs = (lt - ft) as f64 / 1000.0;
                (secs > 0.0).then(|| self.increase / secs)
            }
        }
    }

    /// The reduced value at `now` without a new point: points that left the window are
    /// dropped, so a series that stopped reporting ends with no value (`None`). For the
    /// periodic evaluation of stream rules, between points.
    pub fn value_at(&mut self, now: i64) -> Option<f64> {
        let (lt, lv) = self.last?;
        let Some(w) = self.reduce.window_ms else {
            return Some(match self.reduce.func {
                ReduceFn::Last => lv,
                ReduceFn::Min | ReduceFn::Max => self.running,
                ReduceFn::Sum => self.sum,
                ReduceFn::Avg => self.sum / self.count as f64,
                ReduceFn::Count => self.count as f64,
                ReduceFn::Rate => {
                    let (ft, _) = self.first?;
                    let secs = (lt - ft) as f64 / 1000.0;
                    if secs <= 0.0 {
                        return None;
                    }
                    self.increase / secs
                }
            });
        };
        let cutoff = now - w;
        match self.reduce.func {
            ReduceFn::Last => (lt > cutoff).then_some(lv),
            ReduceFn::Min | ReduceFn::Max => {
                while self.mono.front().is_some_and(|f| f.0 <= cutoff) {
                    self.mono.pop_front();
                }
                self.mono.front().map(|f| f.1)
            }
            _ => {
                self.evict(cutoff);
                self.window_value()
            }
        }
    }

    /// The verdict at `now` without a new point ([`Self::value_at`] judged); later points
    /// report `changed` against it.
    pub fn verdict_at(&mut self, now: i64) -> (Option<f64>, bool, bool) {
        let value = self.value_at(now);
        let (active, cleared) = judge(value, self.condition.as_ref(), self.clear.as_ref());
        self.active = active;
        (value, active, cleared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Reduce {
        Reduce::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Points at 0, 10, 20 … 60 s with values 1, 5, 3, 9, 2, 8, 4.
    const PTS: [(i64, f64); 7] = [
        (0, 1.0),
        (10_000, 5.0),
        (20_000, 3.0),
        (30_000, 9.0),
        (40_000, 2.0),
        (50_000, 8.0),
        (60_000, 4.0),
    ];

    #[test]
    fn reductions_over_windows() {
        let now = 60_000;
        let cases: &[(&str, Option<f64>)] = &[
            ("last", Some(4.0)),
            ("min", Some(1.0)),
            ("max", Some(9.0)),
            ("sum", Some(32.0)),
            ("count", Some(7.0)),
            ("min(30s)", Some(2.0)),
            ("max(30s)", Some(8.0)),
            ("avg(20s)", Some(6.0)),
            ("count(1m)", Some(6.0)),
            ("last(5s)", Some(4.0)),
        ];
        for (text, want) in cases {
            assert_eq!(reduce(&r(text), &PTS, now), *want, "{text}");
        }
        assert_eq!(
            reduce(&r("last(5s)"), &PTS, 66_000),
            None,
            "nothing in the window"
        );
        // Points after `now` are not seen.
        assert_eq!(reduce(&r("last"), &PTS, 35_000), Some(9.0));
        assert_eq!(reduce(&r("last"), &[], now), None);
    }

    #[test]
    fn rate_accounts_for_counter_resets() {
        let counter = [(0, 10.0), (10_000, 20.0), (20_000, 5.0), (30_000, 15.0)];
        // Increases 10 + 5 (reset) + 10 = 25 over 30 s.
        assert_eq!(reduce(&r("rate(1h)"), &counter, 30_000), Some(25.0 / 30.0));
        assert_eq!(reduce(&r("rate(1m)"), &counter[..1], 30_000), None);
    }

    #[test]
    fn evaluate_judges_each_series_with_hysteresis() {
        let rule = crate::rules::file::parse_rule_file(
            "t.yml",
            "groups:\n- name: g\n  rules:\n  - alert: P\n    source: pg\n    query: p\n    reduce: max(40s)\n    condition: '> 8'\n    clear_condition: '< 7'\n",
        )
        .map(|f| f.groups[0].rules[0].clone())
        .unwrap_or_else(|e| panic!("{e:?}"));
        let a: Labels = [("site", "a")].into_iter().collect();
        let b: Labels = [("site", "b")].into_iter().collect();
        let low = [(50_000, 7.5)];
        let series = [
            SeriesWindow {
                labels: &a,
                points: &PTS,
            },
            SeriesWindow {
                labels: &b,
                points: &low,
            },
            SeriesWindow {
                labels: &b,
                points: &[],
            },
        ];
        let res = evaluate(&rule, &series, 60_000);
        assert_eq!(
            res[0],
            EvalResult {
                labels: a,
                value: Some(9.0),
                active: true,
                cleared: false
            }
        );
        // 7.5: not above 8, not below 7: neither fires nor clears.
        assert_eq!((res[1].active, res[1].cleared), (false, false));
        assert_eq!(
            (res[2].value, res[2].active, res[2].cleared),
            (None, false, true)
        );
    }

    /// Every reduction, with and without a window.
    const REDUCES: [&str; 14] = [
        "last",
        "min",
        "max",
        "sum",
        "avg",
        "count",
        "rate",
        "min(25s)",
        "max(25s)",
        "sum(25s)",
        "avg(25s)",
        "count(25s)",
        "rate(25s)",
        "last(25s)",
    ];

    /// The stream path agrees with the batch path on every point.
    #[test]
    fn stream_matches_batch() {
        for text in REDUCES {
            let red = r(text);
            let mut s = StreamEval::with(
                red,
                Some(Condition::Compare(super::super::rule::CmpOp::Gt, 4.0)),
                None,
            );
            for (i, &(t, v)) in PTS.iter().enumerate() {
                let got = s.on_point(t, v).map(|u| u.value);
                let want = reduce(&red, &PTS[..=i], t);
                match (got, want) {
                    (Some(g), Some(w)) => {
                        assert!((g - w).abs() < 1e-9, "{text} at {t}: {g} vs {w}")
                    }
                    (g, w) => assert_eq!(g, w, "{text} at {t}"),
                }
            }
        }
    }

    /// Between points, the stream path agrees with the batch path at any time.
    #[test]
    fn value_at_ages_the_window() {
        for text in REDUCES {
            let red = r(text);
            let mut s = StreamEval::with(red, None, None);
            for &(t, v) in &PTS {
                s.on_point(t, v);
            }
            for now in [60_000, 70_000, 84_000, 86_000, 200_000] {
                let got = s.value_at(now);
                let want = reduce(&red, &PTS, now);
                match (got, want) {
                    (Some(g), Some(w)) => {
                        assert!((g - w).abs() < 1e-9, "{text} at {now}: {g} vs {w}")
                    }
                    (g, w) => assert_eq!(g, w, "{text} at {now}"),
                }
            }
        }
        let mut s = StreamEval::with(r("max(10s)"), Condition::parse("> 8").ok(), None);
        s.on_point(0, 9.0);
        assert_eq!(s.verdict_at(5_000), (Some(9.0), true, false));
        assert_eq!(s.verdict_at(10_000), (None, false, true));
        assert!(s.on_point(11_000, 9.5).is_some_and(|u| u.changed));
    }

    #[test]
    fn stream_reports_changes() {
        let mut s = StreamEval::with(
            Reduce::default(),
            Some(Condition::Compare(super::super::rule::CmpOp::Gt, 8.0)),
            None,
        );
        let changes: Vec<bool> = [1.0, 9.0, 9.5, 2.0]
            .iter()
            .enumerate()
            .filter_map(|(i, v)| s.on_point(i as i64, *v))
            .map(|u| u.changed)
            .collect();
        assert_eq!(changes, [false, true, false, true]);
        assert_eq!(s.on_point(0, 1.0), None, "older points are ignored");
    }
}
