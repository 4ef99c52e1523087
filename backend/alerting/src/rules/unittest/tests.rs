//! Whole test files against the engine: `for`, `keep_firing_for`, hysteresis, staleness,
//! recording rules, PromQL rules, and the failure text.

use std::path::Path;

use super::*;

/// Pulsegrid rules on `temp{room=...}`; the source name does not matter in unit tests.
const RULES: &str = r#"
groups:
  - name: rooms
    rules:
      - alert: Hot
        source: somewhere
        query: 'temp'
        reduce: last
        condition: '> 8'
        for: 5m
        labels: {severity: page}
        annotations:
          summary: 'temp {{ $value }} in {{ $labels.room }}'
      - alert: HotKept
        source: somewhere
        query: 'temp'
        condition: '> 8'
        keep_firing_for: 2m
      - alert: HotHysteresis
        source: somewhere
        query: 'temp'
        condition: '> 8'
        clear_condition: '< 7'
      - alert: Legacy
        expr: temp > 8
"#;

/// Writes `rules.yml` and `test.yml` into a temp dir and runs the test file.
fn run_with(rules: &str, tests: &str) -> UnitTestOutcome {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"))
    };
    write("rules.yml", rules);
    write("test.yml", tests);
    let mut out = test_rule_file(&dir.path().join("test.yml"));
    // Messages name the temp dir; make them stable.
    let shown = format!("{}/", dir.path().display());
    for f in &mut out.failures {
        *f = f.replace(&shown, "");
    }
    out
}

fn run(tests: &str) -> UnitTestOutcome {
    run_with(RULES, tests)
}

fn assert_passes(out: &UnitTestOutcome) {
    assert!(out.is_success(), "{}", out.failures.join("\n\n"));
}

/// `for: 5m`: pending (not listed) for five minutes, then firing, with rule labels and the
/// annotation rendered from the series' labels and the reduced value.
#[test]
fn for_holds_pending_then_fires() {
    let out = run(r#"
rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'temp{room="a"}'
        values: '9x10'
      - series: 'temp{room="b"}'
        values: '1x10'
    alert_rule_test:
      - {eval_time: 0m, alertname: Hot, exp_alerts: []}
      - {eval_time: 4m59s, alertname: Hot, exp_alerts: []}
      - eval_time: 5m
        alertname: Hot
        exp_alerts:
          - exp_labels: {room: a, severity: page}
            exp_annotations: {summary: 'temp 9 in a'}
"#);
    assert_passes(&out);
}

/// `keep_firing_for: 2m` keeps an alert firing two minutes after its condition stops.
#[test]
fn keep_firing_for_holds_the_alert() {
    let out = run(r#"
rule_files: [rules.yml]
tests:
  - input_series:
      - series: 'temp{room="a"}'
        values: '9 1 1 1 1'
    alert_rule_test:
      - {eval_time: 0m, alertname: HotKept, exp_alerts: [{exp_labels: {room: a}}]}
      - {eval_time: 1m, alertname: HotKept, exp_alerts: [{exp_labels: {room: a}}]}
      - {eval_time: 2m, alertname: HotKept, exp_alerts: [{exp_labels: {room: a}}]}
      - {eval_time: 3m, alertname: HotKept, exp_alerts: []}
"#);
    assert_passes(&out);
}

/// With `clear_condition: '< 7'`, a firing alert stays firing at 7.5 and resolves below 7; at
/// 7.5 again it does not fire (the condition is `> 8`).
#[test]
fn hysteresis_resolves_only_on_the_clear_condition() {
    let out = run(r#"
rule_files: [rules.yml]
tests:
  - input_series:
      - series: 'temp{room="a"}'
        values: '9 7.5 7.5 6 7.5'
    alert_rule_test:
      - {eval_time: 0m, alertname: HotHysteresis, exp_alerts: [{exp_labels: {room: a}}]}
      - {eval_time: 2m, alertname: HotHysteresis, exp_alerts: [{exp_labels: {room: a}}]}
      - {eval_time: 3m, alertname: HotHysteresis, exp_alerts: []}
      - {eval_time: 4m, alertname: HotHysteresis, exp_alerts: []}
"#);
    assert_passes(&out);
}

/// A stale marker ends the series (the alert resolves); `_` is only a missing step.
#[test]
fn stale_ends_a_series_and_gaps_do_not() {
    let out = run(r#"
rule_files: [rules.yml]
tests:
  - input_series:
      - series: 'temp{room="a"}'
        values: '9 _ stale _ 9'
    alert_rule_test:
      - {eval_time: 1m, alertname: HotHysteresis, exp_alerts: [{exp_labels: {room: a}}]}
      - {eval_time: 2m, alertname: HotHysteresis, exp_alerts: []}
      - {eval_time: 3m, alertname: HotHysteresis, exp_alerts: []}
      - {eval_time: 4m, alertname: HotHysteresis, exp_alerts: [{exp_labels: {room: a}}]}
"#);
    assert_passes(&out);
}

/// A wrong expectation fails with promtool's text: test name, alertname, time, exp and got,
/// sorted, with every later failure too.
#[test]
fn failures_print_promtools_diff() {
    let out = run(r#"
rule_files: [rules.yml]
tests:
  - name: hot rooms
    input_series:
      - series: 'temp{room="a"}'
        values: '9x10'
      - series: 'temp{room="c"}'
        values: '10x10'
    alert_rule_test:
      - eval_time: 4m
        alertname: Hot
        exp_alerts: [{exp_labels: {room: a, severity: page}}]
      - eval_time: 6m
        alertname: Hot
        exp_alerts:
          - exp_labels: {room: a, severity: page}
            exp_annotations: {summary: 'temp 9 in a'}
"#);
    assert_eq!(
        out.failures,
        [
            "    name: hot rooms,\n    alertname: Hot, time: 4m, \n        exp:[\n            0:\n              Labels:{alertname=\"Hot\", room=\"a\", severity=\"page\"}\n              Annotations:{}\n            ], \n        got:[]",
            "    name: hot rooms,\n    alertname: Hot, time: 6m, \n        exp:[\n            0:\n              Labels:{alertname=\"Hot\", room=\"a\", severity=\"page\"}\n              Annotations:{summary=\"temp 9 in a\"}\n            ], \n        got:[\n            0:\n              Labels:{alertname=\"Hot\", room=\"a\", severity=\"page\"}\n              Annotations:{summary=\"temp 9 in a\"},\n            1:\n              Labels:{alertname=\"Hot\", room=\"c\", severity=\"page\"}\n              Annotations:{summary=\"temp 10 in c\"}\n            ]",
        ]
    );
    let report = UnitTestReport { files: vec![out] };
    let text = report.to_string();
    assert!(text.contains("  FAILED:\n    name: hot rooms,\n"), "{text}");
    assert!(text.ends_with("            ]\n\n\n"), "{text:?}");
    assert!(!report.is_success());
}

/// An alert of a PromQL rule is an error that says so, once, not a silent pass; so is a
/// `promql_expr_test` that is not a plain selector.
#[test]
fn promql_is_reported_as_unsupported() {
    let out = run(r#"
rule_files: [rules.yml]
tests:
  - input_series:
      - series: 'temp{room="a"}'
        values: '9x3'
    alert_rule_test:
      - {eval_time: 1m, alertname: Legacy, exp_alerts: []}
      - {eval_time: 2m, alertname: Legacy, exp_alerts: []}
    promql_expr_test:
      - expr: 'max(temp)'
        eval_time: 1m
        exp_samples: [{labels: '{}', value: 9}]
"#);
    assert_eq!(
        out.failures,
        [
            "    alertname: Legacy, time: 1m, err: rule Legacy uses PromQL; run promtool test rules for it (rules.yml:24)",
            "    expr: \"max(temp)\", time: 1m, err: the expression is PromQL, not a plain series selector; run promtool test rules for it",
        ]
    );
}

/// Recording rules write series that later groups (`group_eval_order`) and selectors in
/// `promql_expr_test` read; a selector sees the newest sample within five minutes.
#[test]
fn recording_rules_feed_later_rules_and_expressions() {
    let rules = r#"
groups:
  - name: alerts
    rules:
      - alert: PeakHigh
        source: pg
        query: 'temp:max2m'
        condition: '> 8'
  - name: records
    rules:
      - record: 'temp:max2m'
        source: pg
        query: 'temp'
        reduce: max(2m)
        labels: {kind: peak}
"#;
    let out = run_with(
        rules,
        r#"
rule_files: ['rules.*']
group_eval_order: [records, alerts]
tests:
  - input_series:
      - series: 'temp{room="a"}'
        values: '9 1 1 1'
    alert_rule_test:
      - {eval_time: 0m, alertname: PeakHigh, exp_alerts: [{exp_labels: {room: a, kind: peak}}]}
      - {eval_time: 2m, alertname: PeakHigh, exp_alerts: []}
    promql_expr_test:
      - expr: 'temp:max2m{room="a"}'
        eval_time: 1m
        exp_samples: [{labels: 'temp:max2m{room="a", kind="peak"}', value: 9}]
      - expr: temp
        eval_time: 9m
        exp_samples: []
      - expr: temp
        eval_time: 7m
        exp_samples: [{labels: 'temp{room="a"}', value: 1}]
"#,
    );
    assert_passes(&out);
}

/// `no_data: alerting` fires a rule-level alert when the query returns nothing.
#[test]
fn no_data_alerting_fires_without_series() {
    let rules = "groups:\n- name: g\n  rules:\n  - alert: Silent\n    source: pg\n    query: heartbeat\n    condition: '> 0'\n    no_data: alerting\n    labels: {team: ops}\n";
    let out = run_with(
        rules,
        "rule_files: [rules.yml]\ntests:\n- input_series: []\n  alert_rule_test:\n  - {eval_time: 1m, alertname: Silent, exp_alerts: [{exp_labels: {team: ops}}]}\n",
    );
    assert_passes(&out);
}

/// Invalid test and rule files fail naming the file and line; so does an unreadable file.
#[test]
fn invalid_files_name_file_and_line() {
    let out = run(
        "tests:\n  - interval: 1m\n    input_series:\n      - series: up\n        values: '1 2 3x'\n",
    );
    assert_eq!(out.failures.len(), 1);
    assert!(
        out.failures[0].ends_with("test.yml:5:17: tests[0].input_series[0].values: invalid series values \"1 2 3x\": column 7: expected a repetition count (a whole number) after \"x\", found the end of the item"),
        "{}",
        out.failures[0]
    );
    let out = run_with(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: 'sum(x'\n",
        "rule_files: [rules.yml]\n",
    );
    assert_eq!(out.failures.len(), 1);
    assert!(
        out.failures[0]
            .starts_with("rules.yml:4: group \"g\", rule 1 (\"A\"): could not parse expression"),
        "{}",
        out.failures[0]
    );
    let out = run("rule_files: [missing.yml]\n");
    assert!(
        out.failures[0].starts_with("missing.yml: cannot read the file"),
        "{:?}",
        out.failures
    );
    let out = run("rule_files: ['none/*.yml']\ntests: []\n");
    assert!(out.is_success() && out.warnings[0].starts_with("no file match pattern"));
    let out = run("group_eval_order: [a, a]\n");
    assert!(out.failures[0].ends_with("group name repeated in evaluation order: a"));
    let missing = test_rule_file(Path::new("/nonexistent/t.yml"));
    assert!(missing.failures[0].starts_with("/nonexistent/t.yml: cannot read the file"));
    let out = run("tests:\n  - alert_rule_test:\n    - eval_time: 5m\n");
    assert_eq!(
        out.failures,
        ["an item under alert_rule_test misses required attribute alertname at eval_time 5m"]
    );
}

/// Huge durations neither overflow nor run forever.
#[test]
fn huge_durations_are_safe() {
    let out = run(
        "evaluation_interval: 200000000y\ntests:\n- alert_rule_test:\n  - {eval_time: 280000000y, alertname: Hot}\n",
    );
    assert_passes(&out);
    let out = run(
        "evaluation_interval: 1s\ntests:\n- alert_rule_test:\n  - {eval_time: 1y, alertname: Hot}\n",
    );
    assert_eq!(
        out.failures,
        ["    eval_time 1y at evaluation_interval 1s needs more than 1000000 evaluations"]
    );
}

#[test]
fn report_prints_like_promtool() {
    let report = UnitTestReport {
        files: vec![UnitTestOutcome {
            path: "t.yml".into(),
            warnings: vec!["no file match pattern x/*.yml".into()],
            failures: Vec::new(),
        }],
    };
    assert_eq!(
        report.to_string(),
        "Unit Testing:  t.yml\n  WARNING: no file match pattern x/*.yml\n  SUCCESS\n\n"
    );
    assert!(report.is_success());
}
