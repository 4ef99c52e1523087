//! `pulsegrid test rules` on the fixtures in `tests/fixtures/unittest/`: a passing file, a
//! failing one (its whole output is golden, `fail.out`), invalid files, a PromQL rule reported
//! as unsupported, and parity with `promtool test rules` on the same test file for a Pulsegrid
//! rule and its PromQL twin (`parity/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use pulsegrid_alerting::rules::unittest::{UnitTestReport, test_rule_file, test_rule_files};

const PROMTOOL: &str = "/usr/bin/promtool";

/// A fixture's path relative to the package root (the working directory of tests), so the
/// output names it the same way on every machine.
fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures/unittest").join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report(name: &str) -> (bool, String) {
    let report = test_rule_files(&[fixture(name)]);
    (report.is_success(), report.to_string())
}

#[test]
fn passing_file_prints_success() {
    let (ok, out) = report("pass.yml");
    assert_eq!(
        out,
        "Unit Testing:  tests/fixtures/unittest/pass.yml\n  SUCCESS\n\n"
    );
    assert!(ok);
}

/// The failing file's output is promtool's layout, byte for byte (golden file `fail.out`).
#[test]
fn failing_file_prints_the_diff() {
    let (ok, out) = report("fail.yml");
    assert!(!ok);
    assert_eq!(out, read(&fixture("fail.out")));
}

/// An unknown field and a bad series notation name the file, line, column and field path.
#[test]
fn invalid_test_files_name_file_line_and_field() {
    let unknown = test_rule_file(&fixture("bad_field.yml"));
    assert_eq!(
        unknown.failures,
        [
            "tests/fixtures/unittest/bad_field.yml:9:9: tests[0].alert_rule_test[0]: unknown field `exp_alert`, expected one of `eval_time`, `alertname`, `exp_alerts`"
        ]
    );
    let series = test_rule_file(&fixture("bad_series.yml"));
    assert_eq!(
        series.failures,
        [
            "tests/fixtures/unittest/bad_series.yml:5:17: tests[0].input_series[0].values: invalid series values \"1 2 3+1x2 4x\": column 13: expected a repetition count (a whole number) after \"x\", found the end of the item"
        ]
    );
    let missing = test_rule_file(&fixture("no_such_file.yml"));
    assert!(
        missing.failures[0]
            .starts_with("tests/fixtures/unittest/no_such_file.yml: cannot read the file:"),
        "{:?}",
        missing.failures
    );
}

/// A test of a PromQL rule fails saying so (once), instead of passing silently.
#[test]
fn promql_rule_is_reported_unsupported() {
    let out = test_rule_file(&fixture("promql.yml"));
    assert_eq!(
        out.failures,
        [
            "    alertname: LinePressureHighPromQL, time: 2m, err: rule LinePressureHighPromQL uses PromQL; run promtool test rules for it (tests/fixtures/unittest/rules.yml:27)"
        ]
    );
}

/// Several files: one entry each, in order, each with its verdict.
#[test]
fn several_files_in_one_report() {
    let report = test_rule_files(&[fixture("pass.yml"), fixture("fail.yml")]);
    assert!(!report.is_success());
    assert_eq!(report.files.len(), 2);
    assert!(report.files[0].is_success() && !report.files[1].is_success());
    let text = report.to_string();
    assert!(
        text.starts_with("Unit Testing:  tests/fixtures/unittest/pass.yml\n  SUCCESS\n\nUnit Testing:  tests/fixtures/unittest/fail.yml\n  FAILED:\n"),
        "{text}"
    );
    assert_eq!(UnitTestReport::default().to_string(), "");
}

/// Copies a parity test file into `dir/<kind>/` beside that kind's `rules.yml`.
fn parity_dir(dir: &Path, kind: &str) -> PathBuf {
    let to = dir.join(kind);
    std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
    let parity = fixture("parity");
    for (from, name) in [
        (parity.join(kind).join("rules.yml"), "rules.yml"),
        (parity.join("test.yml"), "test.yml"),
        (parity.join("wrong.yml"), "wrong.yml"),
    ] {
        std::fs::copy(&from, to.join(name)).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    to
}

/// The same test file, with the PromQL rule under promtool and the Pulsegrid rule under
/// `pulsegrid test rules`: both pass; the wrong expectations fail under both, with the same
/// failure text.
#[test]
fn parity_with_promtool() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ours = parity_dir(dir.path(), "pulsegrid");
    let pass = test_rule_file(&ours.join("test.yml"));
    assert!(pass.is_success(), "{}", pass.failures.join("\n\n"));
    let wrong = test_rule_file(&ours.join("wrong.yml"));
    assert_eq!(wrong.failures.len(), 3, "{}", wrong.failures.join("\n\n"));

    if !Path::new(PROMTOOL).exists() {
        eprintln!("SKIPPED the promtool half: {PROMTOOL} is missing (apt-get install prometheus)");
        return;
    }
    let theirs = parity_dir(dir.path(), "prometheus");
    let promtool = |file: &str| {
        let out = Command::new(PROMTOOL)
            .args(["test", "rules", file])
            .current_dir(&theirs)
            .output()
            .unwrap_or_else(|e| panic!("running promtool: {e}"));
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = promtool("test.yml");
    assert_eq!(code, Some(0), "promtool on test.yml:\n{stdout}{stderr}");
    let (code, stdout, stderr) = promtool("wrong.yml");
    assert_eq!(code, Some(1), "promtool on wrong.yml:\n{stdout}{stderr}");
    // promtool writes `  FAILED:` and each failure to stderr (the blank lines to stdout).
    let ours_text: String = wrong.failures.iter().map(|f| format!("{f}\n")).collect();
    assert_eq!(stderr, format!("  FAILED:\n{ours_text}"));
}

/// A tiny deterministic generator (xorshift64), so the random scenarios are the same every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Random input series: runs of 3 to 5 steps above 8, at or below 8, or gone (`stale`, then
/// `_`), with `_` gaps inside runs. Runs of at least 3 minutes keep Pulsegrid's flap detection
/// (4 changes in 10 evaluations) out of the way, and gaps stay within PromQL's lookback.
fn random_values(rng: &mut Rng, steps: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    while out.len() < steps {
        let class = rng.below(3);
        let len = 3 + rng.below(3) as usize;
        for i in 0..len {
            let item = match class {
                2 if i == 0 => "stale".to_string(),
                2 => "_".to_string(),
                _ if i > 0 && rng.below(5) == 0 => "_".to_string(),
                0 => ["9", "8.5", "12", "1e3"][rng.below(4) as usize].to_string(),
                _ => ["5", "8", "-1", "0"][rng.below(4) as usize].to_string(),
            };
            out.push(item);
        }
    }
    out.truncate(steps);
    out.join(" ")
}

/// Random scenarios where every expectation is "no alert": both tools then print every firing
/// alert at every evaluation, so equal failure text means equal alerts at every step, for
/// `for`, `keep_firing_for`, gaps and staleness.
#[test]
fn random_scenarios_agree_with_promtool() {
    if !Path::new(PROMTOOL).exists() {
        eprintln!("SKIPPED: {PROMTOOL} is missing (apt-get install prometheus)");
        return;
    }
    let alerts = [
        ("Now", "0s", "0s"),
        ("Held", "2m", "0s"),
        ("Kept", "1m", "2m"),
    ];
    let mut promql = String::from("groups:\n  - name: g\n    rules:\n");
    let mut pulsegrid = promql.clone();
    for (name, for_, keep) in alerts {
        let common = format!(
            "        for: {for_}\n        keep_firing_for: {keep}\n        labels: {{severity: page}}\n        annotations: {{summary: 'at {{{{ $labels.site }}}}'}}\n"
        );
        promql.push_str(&format!(
            "      - alert: {name}\n        expr: line_pressure > 8\n{common}"
        ));
        pulsegrid.push_str(&format!(
            "      - alert: {name}\n        source: pulsegrid\n        query: line_pressure\n        reduce: last\n        condition: '> 8'\n{common}"
        ));
    }
    let steps = 20;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tests = String::from("rule_files: [rules.yml]\nevaluation_interval: 30s\ntests:\n");
    for group in 0..25 {
        tests.push_str(&format!(
            "  - name: scenario {group}\n    interval: 1m\n    input_series:\n"
        ));
        for site in ["north", "south", "west"] {
            tests.push_str(&format!(
                "      - series: 'line_pressure{{site=\"{site}\"}}'\n        values: '{}'\n",
                random_values(&mut rng, steps)
            ));
        }
        tests.push_str("    alert_rule_test:\n");
        for half_minutes in 0..(2 * steps - 1) {
            for (name, _, _) in alerts {
                tests.push_str(&format!(
                    "      - {{eval_time: {}s, alertname: {name}, exp_alerts: []}}\n",
                    half_minutes * 30
                ));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |sub: &str, rules: &str| {
        let d = dir.path().join(sub);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join("rules.yml"), rules).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join("test.yml"), &tests).unwrap_or_else(|e| panic!("{e}"));
        d
    };
    let ours = test_rule_file(&write("pulsegrid", &pulsegrid).join("test.yml"));
    let theirs = Command::new(PROMTOOL)
        .args(["test", "rules", "test.yml"])
        .current_dir(write("prometheus", &promql))
        .output()
        .unwrap_or_else(|e| panic!("running promtool: {e}"));
    let stderr = String::from_utf8_lossy(&theirs.stderr);
    assert!(
        ours.failures.len() > 100,
        "the scenarios fire too little to compare: {}",
        ours.failures.len()
    );
    let ours_text: String = ours.failures.iter().map(|f| format!("{f}\n")).collect();
    assert!(
        stderr == format!("  FAILED:\n{ours_text}"),
        "promtool and pulsegrid disagree; first difference near:\n{}",
        first_difference(&stderr, &format!("  FAILED:\n{ours_text}"))
    );
}

/// The lines around the first line where two texts differ.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = i.saturating_sub(12);
    format!(
        "promtool:\n{}\n---\npulsegrid:\n{}",
        a[from..(i + 3).min(a.len())].join("\n"),
        b[from..(i + 3).min(b.len())].join("\n")
    )
}
