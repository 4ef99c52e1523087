//! The command line: `check dashboards` and `check rules` messages and exit codes,
//! `--version`, `--help`.

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

/// A syntax error names file:line:column; a model error names the JSON path; exit code 1.
#[test]
fn check_dashboards_reports_every_error() {
    let dir = tempfile::tempdir().unwrap();
    let syntax = dir.path().join("syntax.json");
    std::fs::write(&syntax, "{\n  \"title\": \"x\"\n  \"panels\": []\n}").unwrap();
    let model = dir.path().join("model.json");
    std::fs::write(
        &model,
        r#"{"title": "m", "panels": [{"id": 1, "type": "stat", "gridPos": {"w": "wide"}}, {"id": 1, "type": "text"}]}"#,
    )
    .unwrap();
    let (code, _, stderr) = pulsegrid(&["check", "dashboards", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3:", syntax.display())),
        "syntax error with line: {stderr}"
    );
    assert!(
        stderr.contains("panels[0].gridPos.w: expected an integer, found a string"),
        "{stderr}"
    );
    assert!(stderr.contains("duplicate panel id 1"), "{stderr}");
}

/// Valid files (the repository's defaults) pass with exit code 0.
#[test]
fn check_dashboards_accepts_valid_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards");
    let (code, stdout, stderr) = pulsegrid(&["check", "dashboards", dir]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("OK"));
}

/// Duplicate uids across files are an error, as in provisioning.
#[test]
fn check_dashboards_finds_duplicate_uids() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.json", "b.json"] {
        std::fs::write(dir.path().join(name), r#"{"uid": "u", "title": "t"}"#).unwrap();
    }
    let (code, _, stderr) = pulsegrid(&["check", "dashboards", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("duplicate dashboard uid \"u\""), "{stderr}");
}

/// `--version` and `--help` work on every command.
#[test]
fn version_and_help() {
    let (code, stdout, _) = pulsegrid(&["--version"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("pulsegrid "));
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["check", "dashboards", "--help"],
    ] {
        let (code, stdout, _) = pulsegrid(args);
        assert_eq!(code, 0, "{args:?}");
        assert!(stdout.contains("Usage"), "{args:?}: {stdout}");
    }
}

/// A bad configuration file is refused with the key named, before anything starts.
#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pulsegrid.toml");
    std::fs::write(&config, "http_adr = \"127.0.0.1:1\"\n").unwrap();
    let (code, _, stderr) = pulsegrid(&["serve", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("http_adr"), "{stderr}");
}

/// `check rules` accepts a valid Prometheus rule file and a Pulsegrid rule, exit code 0.
#[test]
fn check_rules_accepts_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.yml"),
        r#"groups:
  - name: node
    rules:
      - alert: HighLoad
        expr: node_load1 > 4
        for: 5m
        annotations:
          summary: 'Load is {{ $value | humanize }} on {{ $labels.instance }}'
      - alert: LinePressureHigh
        source: pulsegrid
        query: 'line_pressure{site="north"}'
        reduce: last
        condition: '> 8'
        clear_condition: '< 7'
"#,
    )
    .unwrap();
    let (code, stdout, stderr) = pulsegrid(&["check", "rules", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("SUCCESS: 2 rules found"), "{stdout}");
}

/// The repository's example rules pass `check rules`.
#[test]
fn check_rules_accepts_the_example_rules() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../alert-rules");
    let (code, stdout, stderr) = pulsegrid(&["check", "rules", dir]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("SUCCESS"), "{stdout}");
}

/// `check rules` names the file and the rule of each error, exit code 1.
#[test]
fn check_rules_names_file_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yml");
    std::fs::write(
        &file,
        "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: 'rate(x[5m]'\n",
    )
    .unwrap();
    let (code, stdout, stderr) = pulsegrid(&["check", "rules", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("FAILED"), "{stderr}");
    assert!(stderr.contains("bad.yml"), "{stderr}");
    assert!(stderr.contains("Broken"), "{stderr}");
}
