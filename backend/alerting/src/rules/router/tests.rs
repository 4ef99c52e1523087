use super::*;
use crate::rules::eval::{SeriesWindow, evaluate};
use crate::rules::file::parse_rule_file;
use crate::rules::state::{AlertState, RuleState, Transition};

fn rule(body: &str) -> Arc<Rule> {
    let text = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    source: pulsegrid\n{body}");
    let file = parse_rule_file("t.yml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    Arc::new(file.groups[0].rules[0].clone())
}

fn sel(text: &str) -> SeriesSelector {
    SeriesSelector::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

/// Feeds one point through the router, stepping `state`; returns the transitions.
fn feed(
    router: &mut StreamRouter,
    state: &mut RuleState,
    name: &str,
    l: &Labels,
    t: i64,
    v: f64,
) -> Vec<Transition> {
    let mut out = Vec::new();
    router.on_points(name, l, &[t], &[v], &mut |verdict| {
        let (tr, kept) = state.process_series(verdict.def, verdict.key, &verdict.result, t);
        out.extend(tr);
        kept
    });
    out
}

fn states(tr: &[Transition]) -> Vec<(AlertState, AlertState)> {
    tr.iter().map(|t| (t.from, t.to)).collect()
}

/// For one series, stepping per point agrees with evaluating the whole window per point.
#[test]
fn per_point_steps_agree_with_full_evaluations() {
    let def = rule(
        "    query: p\n    reduce: max(30s)\n    condition: '> 8'\n    clear_condition: '< 7'\n    for: 20s\n",
    );
    let mut router = StreamRouter::new();
    let id = router.add(def.clone(), sel("p")).expect("pulsegrid rule");
    let l = labels(&[("site", "a")]);
    let mut stream = RuleState::new(&def);
    let mut batch = RuleState::new(&def);
    let mut points = Vec::new();
    let values = [
        1.0, 9.0, 9.5, 7.5, 9.0, 9.0, 9.0, 2.0, 7.5, 6.0, 1.0, 1.0, 1.0, 1.0, 9.0, 1.0,
    ];
    for (i, v) in values.into_iter().enumerate() {
        let t = 10_000 * (i as i64 + 1);
        points.push((t, v));
        let got = feed(&mut router, &mut stream, "p", &l, t, v);
        let window = [SeriesWindow {
            labels: &l,
            points: &points,
        }];
        let want = batch.process(&def, &evaluate(&def, &window, t), t);
        assert_eq!(states(&got), states(&want), "point {i} ({v})");
        let (a, b) = (stream.instances().next(), batch.instances().next());
        assert_eq!(a.map(|i| i.state), b.map(|i| i.state), "point {i}");
    }
    assert_eq!(router.evaluations(), values.len() as u64);
    assert_eq!(id, 0);
}

#[test]
fn series_reach_only_the_rules_that_select_them() {
    let mut router = StreamRouter::new();
    let a = rule("    query: p\n    condition: '> 1'\n");
    let by_label = rule("    query: '{__name__=\"p\", site=\"b\"}'\n    condition: '> 1'\n");
    let by_regex = rule("    query: '{__name__=~\"p|q\"}'\n    condition: '> 1'\n");
    router.add(a.clone(), sel("p"));
    router.add(by_label.clone(), sel("{__name__=\"p\", site=\"b\"}"));
    router.add(by_regex.clone(), sel("{__name__=~\"p|q\"}"));
    let mut seen = Vec::new();
    let mut step = |v: Verdict<'_>| {
        seen.push((v.rule, v.result.labels.get("site").unwrap_or("").to_owned()));
        false
    };
    for (name, site) in [("p", "a"), ("p", "b"), ("q", "a"), ("r", "a")] {
        router.on_points(name, &labels(&[("site", site)]), &[1], &[5.0], &mut step);
    }
    seen.sort();
    let want: Vec<(RuleId, String)> = vec![
        (0, "a".into()),
        (0, "b".into()),
        (1, "b".into()),
        (2, "a".into()),
        (2, "a".into()),
        (2, "b".into()),
    ];
    assert_eq!(seen, want);
    // Inactive points on series without an instance do not reach the state machine.
    let mut calls = 0;
    router.on_points("p", &labels(&[("site", "a")]), &[2], &[0.5], &mut |_| {
        calls += 1;
        false
    });
    assert_eq!(calls, 0);
    assert_eq!(router.evaluations(), 8);
}

#[test]
fn full_evaluations_age_series_that_stopped() {
    let def = rule("    query: p\n    reduce: last(10s)\n    condition: '> 8'\n");
    let mut router = StreamRouter::new();
    let id = router.add(def.clone(), sel("p")).expect("rule");
    let mut state = RuleState::new(&def);
    let l = labels(&[("site", "a")]);
    let fired = feed(&mut router, &mut state, "p", &l, 1_000, 9.0);
    assert_eq!(states(&fired), [(AlertState::Inactive, AlertState::Firing)]);
    let results = router.results_at(id, 5_000);
    assert_eq!(results.len(), 1);
    assert!(state.process(&def, &results, 5_000).is_empty());
    // Ten seconds after its last point the series has left the window: the alert resolves.
    let results = router.results_at(id, 11_000);
    assert!(results.is_empty());
    let tr = state.process(&def, &results, 11_000);
    assert_eq!(states(&tr), [(AlertState::Firing, AlertState::Resolved)]);
}

#[test]
fn backfill_loads_the_window_without_stepping() {
    let def = rule("    query: p\n    reduce: max(1m)\n    condition: '> 8'\n");
    let mut router = StreamRouter::new();
    let id = router.add(def.clone(), sel("p")).expect("rule");
    let l = labels(&[("site", "a")]);
    router.backfill(id, "p", &l, &[1_000, 2_000], &[9.0, 3.0]);
    let mut state = RuleState::new(&def);
    // The window still holds 9 from the backfill: the next point's max fires.
    let tr = feed(&mut router, &mut state, "p", &l, 3_000, 1.0);
    assert_eq!(states(&tr), [(AlertState::Inactive, AlertState::Firing)]);
    assert_eq!(state.instances().next().and_then(|i| i.value), Some(9.0));
}

#[test]
fn promql_rules_are_not_stream_rules() {
    let file = parse_rule_file(
        "t.yml",
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut router = StreamRouter::new();
    assert_eq!(
        router.add(Arc::new(file.groups[0].rules[0].clone()), sel("up")),
        None
    );
    assert!(router.is_empty());
}

#[test]
fn series_that_stopped_are_forgotten() {
    let def = rule("    query: p\n    reduce: max(10s)\n    condition: '> 8'\n");
    let mut router = StreamRouter::new();
    let id = router.add(def.clone(), sel("p")).expect("rule");
    let mut state = RuleState::new(&def);
    let (quiet, loud) = (labels(&[("site", "q")]), labels(&[("site", "l")]));
    feed(&mut router, &mut state, "p", &quiet, 1_000, 1.0);
    feed(&mut router, &mut state, "p", &loud, 1_000, 9.0);
    assert_eq!(router.series(), 2);
    // Within the window nothing goes.
    assert_eq!(router.prune(5_000), 0);
    // After it, the quiet series goes; the loud one has a firing instance and stays.
    assert_eq!(router.prune(20_000), 1);
    assert_eq!(router.series(), 1);
    // Once resolved and retained no longer, it goes too.
    let tr = state.process(&def, &router.results_at(id, 20_000), 20_000);
    assert_eq!(states(&tr), [(AlertState::Firing, AlertState::Resolved)]);
    // (kept for its retention and its last 10 evaluations, which remember it was active).
    let later = 20_000 + crate::rules::state::RESOLVED_RETENTION_MS;
    for tick in 0..crate::rules::state::FLAP_WINDOW {
        let now = later + i64::from(tick);
        state.process(&def, &router.results_at(id, now), now);
    }
    assert_eq!(state.instances().count(), 0);
    let later = later + 100;
    assert_eq!(router.prune(later), 1);
    assert_eq!(router.series(), 0);
    // A series that comes back reuses a freed slot and starts afresh.
    let tr = feed(&mut router, &mut state, "p", &quiet, later + 1, 9.5);
    assert_eq!(states(&tr), [(AlertState::Inactive, AlertState::Firing)]);
    assert_eq!(router.series(), 1);
}
