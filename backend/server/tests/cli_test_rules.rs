//! `pulsegrid test rules FILE...`: promtool's unit test files, its output and exit codes (0 all
//! passed, 1 a test failed or a file is invalid), and `--help`.

use std::path::Path;
use std::process::Command;

fn pulsegrid(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pulsegrid"))
        .args(args)
        .output()
        .expect("run pulsegrid");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const RULES: &str = r#"groups:
  - name: pressure
    rules:
      - alert: LinePressureHigh
        source: pulsegrid
        query: 'line_pressure{site="north"}'
        reduce: last
        condition: '> 8'
        for: 2m
        labels: {severity: critical}
        annotations:
          summary: 'Line pressure at {{ $labels.site }} is {{ $value }} bar'
      - alert: LoadHigh
        expr: node_load1 > 4
"#;

/// A test file on the rules above, expecting the alert firing at `firing_at`.
fn test_file(firing_at: &str) -> String {
    format!(
        r#"rule_files: [rules.yml]
tests:
  - input_series:
      - series: 'line_pressure{{site="north"}}'
        values: '5 9 9 9 9'
    alert_rule_test:
      - eval_time: 2m
        alertname: LinePressureHigh
        exp_alerts: []
      - eval_time: {firing_at}
        alertname: LinePressureHigh
        exp_alerts:
          - exp_labels: {{site: north, severity: critical}}
            exp_annotations: {{summary: Line pressure at north is 9 bar}}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Every expectation met: promtool's `SUCCESS` on stdout, exit code 0.
#[test]
fn passing_tests_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rules.yml", RULES);
    let file = write(dir.path(), "test.yml", &test_file("3m"));
    let (code, stdout, stderr) = pulsegrid(&["test", "rules", &file]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, format!("Unit Testing:  {file}\n  SUCCESS\n\n"));
}

/// A failed expectation: `FAILED:` and promtool's diff, exit code 1; a passing file beside it
/// is still reported.
#[test]
fn failing_tests_exit_1_with_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rules.yml", RULES);
    let ok = write(dir.path(), "ok.yml", &test_file("3m"));
    // At 2m30s the alert is still pending (pending alerts are not listed).
    let bad = write(dir.path(), "bad.yml", &test_file("2m30s"));
    let (code, stdout, stderr) = pulsegrid(&["test", "rules", &ok, &bad]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "Unit Testing:  {ok}\n  SUCCESS\n\nUnit Testing:  {bad}\n  FAILED:\n"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "    alertname: LinePressureHigh, time: 2m30s, \n        exp:[\n            0:\n              Labels:{alertname=\"LinePressureHigh\", severity=\"critical\", site=\"north\"}\n              Annotations:{summary=\"Line pressure at north is 9 bar\"}\n            ], \n        got:[]\n"
        ),
        "{stderr}"
    );
}

/// An invalid test file names the file, line and column; a PromQL rule is reported as
/// unsupported; both exit 1.
#[test]
fn invalid_files_and_promql_rules_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rules.yml", RULES);
    let typo = write(
        dir.path(),
        "typo.yml",
        &test_file("3m").replace("exp_alerts: []", "exp_alert: []"),
    );
    let (code, _, stderr) = pulsegrid(&["test", "rules", &typo]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{typo}:9:9: tests[0].alert_rule_test[0]: unknown field `exp_alert`"
        )),
        "{stderr}"
    );
    let promql = write(
        dir.path(),
        "promql.yml",
        "rule_files: [rules.yml]\ntests:\n  - input_series: []\n    alert_rule_test:\n      - {eval_time: 1m, alertname: LoadHigh, exp_alerts: []}\n",
    );
    let (code, _, stderr) = pulsegrid(&["test", "rules", &promql]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("err: rule LoadHigh uses PromQL; run promtool test rules for it"),
        "{stderr}"
    );
    let (code, _, stderr) = pulsegrid(&["test", "rules", "/nonexistent/test.yml"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("/nonexistent/test.yml: cannot read the file"),
        "{stderr}"
    );
}

/// `--help` works on `test` and `test rules`; no file is a usage error.
#[test]
fn help_and_usage() {
    for args in [&["test", "--help"][..], &["test", "rules", "--help"]] {
        let (code, stdout, _) = pulsegrid(args);
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Usage"), "{args:?}: {stdout}");
    }
    let (_, stdout, _) = pulsegrid(&["test", "rules", "--help"]);
    assert!(stdout.contains("promtool test rules"), "{stdout}");
    let (code, _, stderr) = pulsegrid(&["test", "rules"]);
    assert_eq!(code, 2, "{stderr}");
}
