//! Table tests of the state machine, driven by a [`ManualClock`] (no sleeps).

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::rules::file::parse_rule_file;

fn rule(extra: &str) -> Rule {
    let text = format!(
        "groups:\n- name: g\n  rules:\n  - alert: Pressure\n    source: pg\n    query: p\n    condition: '> 8'\n    labels: {{severity: page}}\n    annotations: {{summary: 'at {{{{ $labels.site }}}}: {{{{ $value }}}}'}}\n{extra}"
    );
    parse_rule_file("t.yml", &text)
        .map(|f| f.groups[0].rules[0].clone())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn site(s: &str) -> Labels {
    [("site", s)].into_iter().collect()
}

fn results(rule: &Rule, value: Option<f64>) -> Vec<EvalResult> {
    match value {
        None => Vec::new(),
        Some(v) => vec![EvalResult::judged(
            site("n"),
            Some(v),
            rule.condition(),
            rule.clear_condition(),
        )],
    }
}

/// Runs `steps` of (seconds since start, value or no data) and returns, per step, the
/// transitions as `from>to` strings (with `~` when flapping).
fn run(rule: &Rule, steps: &[(i64, Option<f64>)]) -> Vec<String> {
    let clock = ManualClock::new(0);
    let mut state = RuleState::new(rule);
    steps
        .iter()
        .map(|&(secs, v)| {
            clock.set(secs * 1000);
            let ts = state.process(rule, &results(rule, v), clock.now_ms());
            ts.iter()
                .map(|t| {
                    format!(
                        "{:?}>{:?}{}",
                        t.from,
                        t.to,
                        if t.flapping { "~" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

#[test]
fn state_machine_table() {
    let s = Some;
    /// (name, extra rule YAML, steps, transitions per step)
    type Case<'a> = (&'a str, &'a str, &'a [(i64, Option<f64>)], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (
            "fires at once without for",
            "",
            &[(0, s(9.0)), (10, s(9.0)), (20, s(1.0))],
            &["Inactive>Firing", "", "Firing>Resolved"],
        ),
        (
            "for: pending, then firing once for has passed",
            "    for: 1m\n",
            &[(0, s(9.0)), (30, s(9.0)), (60, s(9.0)), (90, s(2.0))],
            &["Inactive>Pending", "", "Pending>Firing", "Firing>Resolved"],
        ),
        (
            "pending drops back when the condition stops",
            "    for: 1m\n",
            &[(0, s(9.0)), (30, s(2.0)), (40, s(9.0))],
            &["Inactive>Pending", "Pending>Inactive", "Inactive>Pending"],
        ),
        (
            "keep_firing_for holds it firing, then resolves",
            "    keep_firing_for: 2m\n",
            &[(0, s(9.0)), (30, s(1.0)), (120, s(1.0)), (150, s(1.0))],
            &["Inactive>Firing", "", "", "Firing>Resolved"],
        ),
        (
            "keep_firing_for restarts when the condition returns",
            "    keep_firing_for: 1m\n",
            &[
                (0, s(9.0)),
                (30, s(1.0)),
                (60, s(9.0)),
                (100, s(1.0)),
                (150, s(1.0)),
                (160, s(1.0)),
            ],
            &["Inactive>Firing", "", "", "", "", "Firing>Resolved"],
        ),
        (
            "hysteresis: resolves only below the clear condition",
            "    clear_condition: '< 7'\n",
            &[
                (0, s(9.0)),
                (10, s(7.5)),
                (20, s(8.5)),
                (30, s(7.2)),
                (40, s(6.9)),
            ],
            &["Inactive>Firing", "", "", "", "Firing>Resolved"],
        ),
        (
            "without hysteresis the same values flap",
            "",
            &[(0, s(9.0)), (10, s(7.5)), (20, s(8.5))],
            &["Inactive>Firing", "Firing>Resolved", "Resolved>Firing"],
        ),
        (
            "hysteresis does not make a pending instance fire below the condition",
            "    clear_condition: '< 7'\n    for: 20s\n",
            &[(0, s(9.0)), (10, s(7.5))],
            &["Inactive>Pending", "Pending>Inactive"],
        ),
        (
            "no_data ok: a firing instance resolves",
            "",
            &[(0, s(9.0)), (10, None)],
            &["Inactive>Firing", "Firing>Resolved"],
        ),
        (
            "no_data nodata: resolves and shows a nodata instance until data returns",
            "    no_data: nodata\n",
            &[(0, s(9.0)), (10, None), (20, None), (30, s(1.0))],
            &[
                "Inactive>Firing",
                "Firing>Resolved,Inactive>NoData",
                "",
                "NoData>Inactive",
            ],
        ),
        (
            "no_data alerting: the rule alerts, honouring for",
            "    no_data: alerting\n    for: 10s\n",
            &[(0, None), (10, None), (20, s(1.0))],
            &["Inactive>Pending", "Pending>Firing", "Firing>Resolved"],
        ),
        (
            "no_data keep_last: nothing changes",
            "    no_data: keep_last\n",
            &[(0, s(9.0)), (10, None), (20, None), (30, s(1.0))],
            &["Inactive>Firing", "", "", "Firing>Resolved"],
        ),
        (
            "flapping: held firing after 4 changes in 10 evaluations, released once settled",
            "",
            &[
                (0, s(9.0)),
                (1, s(1.0)),
                (2, s(9.0)),
                (3, s(1.0)),
                (4, s(9.0)),
                (5, s(1.0)),
                (6, s(9.0)),
                (7, s(1.0)),
                (8, s(1.0)),
                (9, s(1.0)),
                (10, s(1.0)),
                (11, s(1.0)),
                (12, s(1.0)),
                (13, s(1.0)),
                (14, s(1.0)),
                (15, s(1.0)),
            ],
            &[
                "Inactive>Firing",
                "Firing>Resolved",
                "Resolved>Firing",
                "Firing>Resolved",
                "Resolved>Firing~,Firing>Firing~",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "Firing>Resolved",
            ],
        ),
    ];
    for (name, extra, steps, want) in cases {
        let r = rule(extra);
        assert_eq!(run(&r, steps), *want, "{name}");
    }
}

#[test]
fn instances_carry_series_and_rule_labels_and_rendered_annotations() {
    let r = rule("");
    let mut state = RuleState::new(&r);
    let res = [
        EvalResult::judged(site("north"), Some(9.5), r.condition(), None),
        EvalResult::judged(site("south"), Some(3.0), r.condition(), None),
    ];
    let ts = state.process(&r, &res, 1_000);
    assert_eq!(ts.len(), 1);
    let want: Labels = [
        ("alertname", "Pressure"),
        ("severity", "page"),
        ("site", "north"),
    ]
    .into_iter()
    .collect();
    assert_eq!(ts[0].labels, want);
    assert_eq!(ts[0].value, Some(9.5));
    assert_eq!(ts[0].at_ms, 1_000);
    let inst = state
        .instance(&want)
        .unwrap_or_else(|| panic!("no instance"));
    assert_eq!(
        inst.annotations.get("summary").map(String::as_str),
        Some("at north: 9.5")
    );
    assert_eq!(
        (inst.active_at_ms, inst.fired_at_ms),
        (Some(1_000), Some(1_000))
    );
}

#[test]
fn templated_labels_key_instances() {
    let r = parse_rule_file(
        "t.yml",
        "groups:\n- name: g\n  rules:\n  - alert: Up\n    expr: up == 0\n    labels: {sev: '{{ if gt $value 1.0 }}page{{ else }}ticket{{ end }}'}\n",
    )
    .map(|f| f.groups[0].rules[0].clone())
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut state = RuleState::new(&r);
    let mut series = site("a");
    series.insert("__name__", "up");
    let ts = state.process(&r, &[EvalResult::promql(series, 0.0)], 0);
    let want: Labels = [("alertname", "Up"), ("sev", "ticket"), ("site", "a")]
        .into_iter()
        .collect();
    assert_eq!(ts.iter().map(|t| &t.labels).collect::<Vec<_>>(), [&want]);
    // A PromQL instance absent from the next result resolves.
    let ts = state.process(&r, &[], 10);
    assert_eq!(
        ts.iter().map(|t| t.to).collect::<Vec<_>>(),
        [AlertState::Resolved]
    );
}

#[test]
fn errors_are_a_rule_level_state_and_leave_instances_alone() {
    let r = rule("");
    let mut state = RuleState::new(&r);
    state.process(&r, &results(&r, Some(9.0)), 0);
    let ts = state.process_error(&r, "connection refused", 10);
    assert_eq!(ts.len(), 1);
    assert_eq!(
        (ts[0].from, ts[0].to, ts[0].message.as_deref()),
        (
            AlertState::Inactive,
            AlertState::Error,
            Some("connection refused")
        )
    );
    assert!(
        state.process_error(&r, "connection refused", 20).is_empty(),
        "same error, no new transition"
    );
    assert!(state.instances().any(|i| i.state == AlertState::Firing));
    let ts = state.process(&r, &results(&r, Some(9.0)), 30);
    assert_eq!(
        ts.iter().map(|t| (t.from, t.to)).collect::<Vec<_>>(),
        [(AlertState::Error, AlertState::Inactive)]
    );
}

#[test]
fn resolved_instances_are_dropped_after_retention() {
    let r = rule("");
    let mut state = RuleState::new(&r);
    state.process(&r, &results(&r, Some(9.0)), 0);
    state.process(&r, &results(&r, Some(1.0)), 1_000);
    assert_eq!(state.instances().count(), 1);
    let mut t = 1_000;
    while t < RESOLVED_RETENTION_MS + 2_000 {
        t += 60_000;
        assert!(state.process(&r, &results(&r, Some(1.0)), t).is_empty());
    }
    assert_eq!(state.instances().count(), 0);
}

/// A restart (snapshot → JSON → restore) keeps firing instances firing with their times,
/// continues `for` and `keep_firing_for` timers, and produces no transition for what was so.
#[test]
fn snapshot_restore_survives_a_restart() {
    let r = rule("    for: 1m\n    keep_firing_for: 2m\n");
    let clock = ManualClock::new(0);
    let mut state = RuleState::new(&r);
    let north = EvalResult::judged(site("north"), Some(9.0), r.condition(), None);
    let south = EvalResult::judged(site("south"), Some(9.0), r.condition(), None);
    let south_low = EvalResult::judged(site("south"), Some(1.0), r.condition(), None);
    // north pending from 0 and firing from 60 s; south pending from 90 s.
    state.process(&r, std::slice::from_ref(&north), clock.now_ms());
    clock.set(60_000);
    state.process(&r, std::slice::from_ref(&north), clock.now_ms());
    clock.set(90_000);
    state.process(&r, &[north.clone(), south.clone()], clock.now_ms());
    // north stops at 100 s: keep_firing_for until 220 s.
    clock.set(100_000);
    state.process(&r, std::slice::from_ref(&south), clock.now_ms());

    let json = serde_json::to_string(&state.snapshot()).unwrap_or_else(|e| panic!("{e}"));
    let snap: RuleStateSnapshot = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let mut restored = RuleState::restore(&r, snap);
    assert_eq!(restored, state);

    // After the restart: south's `for` completes at 150 s (90 + 60), not 60 s after the restart.
    clock.set(150_000);
    let ts = restored.process(&r, std::slice::from_ref(&south), clock.now_ms());
    let key = |s: &str| -> Labels {
        [("alertname", "Pressure"), ("severity", "page"), ("site", s)]
            .into_iter()
            .collect()
    };
    assert_eq!(
        ts.iter()
            .map(|t| (t.labels.clone(), t.to))
            .collect::<Vec<_>>(),
        [(key("south"), AlertState::Firing)]
    );
    let north_inst = restored
        .instance(&key("north"))
        .unwrap_or_else(|| panic!("north lost"));
    assert_eq!(
        (
            north_inst.state,
            north_inst.active_at_ms,
            north_inst.fired_at_ms
        ),
        (AlertState::Firing, Some(0), Some(60_000))
    );
    // north's keep_firing_for ends at 220 s.
    clock.set(210_000);
    assert!(
        restored
            .process(&r, std::slice::from_ref(&south_low), clock.now_ms())
            .iter()
            .all(|t| t.labels != key("north"))
    );
    clock.set(220_000);
    let ts = restored.process(&r, std::slice::from_ref(&south_low), clock.now_ms());
    assert!(
        ts.iter()
            .any(|t| t.labels == key("north") && t.to == AlertState::Resolved),
        "{ts:?}"
    );
}

#[test]
fn a_changed_rule_starts_afresh() {
    let r = rule("");
    let mut state = RuleState::new(&r);
    state.process(&r, &results(&r, Some(9.0)), 0);
    let changed = rule("    for: 5m\n");
    assert_ne!(r.fingerprint(), changed.fingerprint());
    assert_eq!(
        RuleState::restore(&changed, state.snapshot())
            .instances()
            .count(),
        0
    );
    assert_eq!(
        RuleState::restore(&rule(""), state.snapshot())
            .instances()
            .count(),
        1
    );
}

#[test]
fn recording_rules_have_no_instances() {
    let r = parse_rule_file(
        "t.yml",
        "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: up\n",
    )
    .map(|f| f.groups[0].rules[0].clone())
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut state = RuleState::new(&r);
    assert!(
        state
            .process(&r, &[EvalResult::promql(Labels::new(), 1.0)], 0)
            .is_empty()
    );
}
