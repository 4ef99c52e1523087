//! Validation that agrees with `promtool check rules` on what is valid (PromQL syntax,
//! durations, templates, duplicate groups, alert/record exclusivity, label and metric names,
//! fields a recording rule may not have), plus Pulsegrid's own rules, which promtool does not
//! know. [`check_paths`] is `pulsegrid check rules PATH...`: it walks directories for `*.yml` and
//! `*.yaml` and prints promtool's layout.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use super::file::{RawRule, RuleError, read_rule_file};
use super::rule::Rule;

/// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Checks PromQL syntax as Prometheus' parser does.
pub fn check_promql(expr: &str) -> Result<(), String> {
    promql_parser::parser::parse(expr)
        .map(|_| ())
        .map_err(|e| format!("could not parse expression: {e}"))
}

/// Label names that are invalid (`__name__` may not be set by a rule).
pub(crate) fn label_names(labels: &BTreeMap<String, String>) -> Vec<String> {
    labels
        .keys()
        .filter(|k| !is_valid_label_name(k) || *k == "__name__")
        .map(|k| format!("invalid label name: {k}"))
        .collect()
}

/// The structural checks of one rule, before conversion.
pub(crate) fn rule_structure(r: &RawRule) -> Vec<String> {
    let mut errs = Vec::new();
    let set = |v: &Option<super::file::Scalar>| v.as_ref().is_some_and(|s| !s.0.is_empty());
    let (alert, record) = (set(&r.alert), set(&r.record));
    if alert && record {
        errs.push("only one of 'record' and 'alert' must be set".into());
    } else if !alert && !record {
        errs.push("one of 'record' or 'alert' must be set".into());
    }
    if r.is_pulsegrid() {
        if set(&r.expr) {
            errs.push("set either 'expr' (PromQL) or 'query' (a Pulsegrid rule), not both".into());
        }
        if !set(&r.query) {
            errs.push(
                "field 'query' must be set in a Pulsegrid rule (it has reduce or condition)".into(),
            );
        }
        if !set(&r.source) {
            errs.push("field 'source' must be set in a Pulsegrid rule (a datasource uid)".into());
        }
        if alert && !set(&r.condition) {
            errs.push("field 'condition' must be set in a Pulsegrid alerting rule".into());
        }
        if record {
            for (field, v) in [
                ("condition", &r.condition),
                ("clear_condition", &r.clear_condition),
            ] {
                if v.is_some() {
                    errs.push(format!("invalid field '{field}' in recording rule"));
                }
            }
        }
    } else {
        match r.expr.as_ref().map(|s| s.0.as_str()) {
            None | Some("") => errs.push("field 'expr' must be set in rule".into()),
            Some(expr) => {
                if let Err(e) = check_promql(expr) {
                    errs.push(e);
                }
            }
        }
    }
    if record {
        if r.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
            errs.push("invalid field 'annotations' in recording rule".into());
        }
        for (field, v) in [("for", &r.r#for), ("keep_firing_for", &r.keep_firing_for)] {
            let nonzero = v
                .as_ref()
                .and_then(|s| super::duration::parse_duration(&s.0).ok())
                .is_some_and(|ms| ms != 0);
            if nonzero {
                errs.push(format!("invalid field '{field}' in recording rule"));
            }
        }
        if let Some(name) = r.record.as_ref().map(|s| s.0.as_str())
            && !is_valid_metric_name(name)
        {
            errs.push(format!("invalid recording rule name: {name}"));
        }
    }
    if let Some(labels) = &r.labels {
        for k in labels.keys() {
            if !is_valid_label_name(k) || k == "__name__" {
                errs.push(format!("invalid label name: {k}"));
            }
        }
    }
    if let Some(ann) = &r.annotations {
        for k in ann.keys() {
            if !is_valid_label_name(k) {
                errs.push(format!("invalid annotation name: {k}"));
            }
        }
    }
    errs
}

/// Indices of rules that repeat an earlier rule's name and labels in the same group (promtool's
/// `duplicate-rules` lint: reported, not fatal).
pub(crate) fn duplicate_rules(rules: &[Rule]) -> Vec<usize> {
    let mut seen = HashSet::new();
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !seen.insert((r.name.clone(), r.labels.clone())))
        .map(|(i, _)| i)
        .collect()
}

/// The verdict on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    /// The file checked.
    pub path: PathBuf,
    /// Rules found (when valid).
    pub rules: usize,
    /// Why the file is invalid; empty when valid.
    pub errors: Vec<RuleError>,
    /// Lint findings that do not make it invalid.
    pub warnings: Vec<RuleError>,
}

impl FileReport {
    /// Whether the file is valid.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The verdicts of `pulsegrid check rules PATH...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// One entry per file, in the order walked.
    pub files: Vec<FileReport>,
}

impl CheckReport {
    /// Whether every file is valid (the command's exit status: 0 if so, 1 otherwise).
    pub fn is_success(&self) -> bool {
        self.files.iter().all(FileReport::is_valid)
    }

    /// How many files failed.
    pub fn failed(&self) -> usize {
        self.files.iter().filter(|f| !f.is_valid()).count()
    }
}

impl fmt::Display for CheckReport {
    /// promtool's layout: `Checking FILE`, then `  SUCCESS: N rules found` or `  FAILED:` and
    /// the errors, a blank line after each file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            writeln!(f, "Checking {}", file.path.display())?;
            for w in &file.warnings {
                writeln!(f, "  WARNING: {w}")?;
            }
            if file.is_valid() {
                writeln!(f, "  SUCCESS: {} rules found", file.rules)?;
            } else {
                writeln!(f, "  FAILED:")?;
                for e in &file.errors {
                    writeln!(f, "{e}")?;
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Checks one rule file.
pub fn check_file(path: &Path) -> FileReport {
    match read_rule_file(path) {
        Ok(file) => FileReport {
            path: path.to_path_buf(),
            rules: file.rule_count(),
            errors: Vec::new(),
            warnings: file.warnings,
        },
        Err(errors) => FileReport {
            path: path.to_path_buf(),
            rules: 0,
            errors,
            warnings: Vec::new(),
        },
    }
}

/// Checks files and directories (walked recursively for `*.yml` and `*.yaml`, sorted by name).
/// A path that cannot be read is a failed entry, never a panic.
pub fn check_paths(paths: &[PathBuf]) -> CheckReport {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files, true);
    }
    CheckReport {
        files: files.iter().map(|p| check_file(p)).collect(),
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>, given: bool) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => {
                out.push(path.to_path_buf());
                return;
            }
        };
        entries.sort();
        for e in entries {
            collect(&e, out, false);
        }
    } else if given || path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
        out.push(path.to_path_buf());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::file::parse_rule_file;

    fn errors(rules_yaml: &str) -> Vec<String> {
        let text = format!("groups:\n- name: g\n  rules:\n{rules_yaml}");
        match parse_rule_file("t.yml", &text) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.message).collect(),
        }
    }

    #[test]
    fn names() {
        assert!(
            is_valid_label_name("_a1") && !is_valid_label_name("1a") && !is_valid_label_name("a-b")
        );
        assert!(
            is_valid_metric_name(":a:b_c")
                && !is_valid_metric_name("a-b")
                && !is_valid_metric_name("")
        );
    }

    /// Each case: rule YAML and the error it must give (empty: valid).
    #[test]
    fn rule_checks_agree_with_promtool_messages() {
        let cases: &[(&str, &str)] = &[
            ("  - alert: A\n    expr: up == 0\n    for: 5m\n", ""),
            (
                "  - alert: A\n    record: b\n    expr: up\n",
                "only one of 'record' and 'alert' must be set",
            ),
            ("  - expr: up\n", "one of 'record' or 'alert' must be set"),
            (
                "  - alert: A\n    expr: ''\n",
                "field 'expr' must be set in rule",
            ),
            (
                "  - alert: A\n    expr: sum(up\n",
                "could not parse expression",
            ),
            (
                "  - record: a\n    expr: up\n    for: 5m\n",
                "invalid field 'for' in recording rule",
            ),
            ("  - record: a\n    expr: up\n    for: 0s\n", ""),
            (
                "  - record: a\n    expr: up\n    keep_firing_for: 1m\n",
                "invalid field 'keep_firing_for' in recording rule",
            ),
            (
                "  - record: a\n    expr: up\n    annotations: {x: y}\n",
                "invalid field 'annotations' in recording rule",
            ),
            (
                "  - record: a-b\n    expr: up\n",
                "invalid recording rule name: a-b",
            ),
            (
                "  - alert: A\n    expr: up\n    labels: {1x: y}\n",
                "invalid label name: 1x",
            ),
            (
                "  - alert: A\n    expr: up\n    labels: {__name__: y}\n",
                "invalid label name: __name__",
            ),
            (
                "  - alert: A\n    expr: up\n    annotations: {1x: y}\n",
                "invalid annotation name: 1x",
            ),
            (
                "  - alert: A\n    expr: up\n    annotations: {x: '{{ foo }}'}\n",
                "annotation \"x\": template: 1:4: function \"foo\" not defined",
            ),
            (
                "  - alert: A\n    expr: up\n    labels: {x: '{{ $value '}\n",
                "label \"x\": template: 1:1: unclosed action",
            ),
            (
                "  - alert: A\n    expr: up\n    for: 1m30\n",
                "for: not a valid duration string: \"1m30\"",
            ),
            (
                "  - alert: A\n    source: pg\n    query: x\n    condition: '> 8'\n",
                "",
            ),
            (
                "  - alert: A\n    source: pg\n    query: x\n",
                "field 'condition' must be set in a Pulsegrid alerting rule",
            ),
            (
                "  - alert: A\n    source: pg\n    condition: '> 8'\n",
                "field 'query' must be set",
            ),
            (
                "  - alert: A\n    query: x\n    condition: '> 8'\n",
                "field 'source' must be set",
            ),
            (
                "  - alert: A\n    source: pg\n    expr: up\n    query: x\n    condition: '> 8'\n",
                "not both",
            ),
            (
                "  - alert: A\n    source: pg\n    query: x\n    condition: '8'\n",
                "condition: condition \"8\"",
            ),
            (
                "  - alert: A\n    source: pg\n    query: x\n    condition: '> 8'\n    reduce: median\n",
                "unknown reduce function",
            ),
            (
                "  - alert: A\n    source: pg\n    query: x\n    condition: '> 8'\n    no_data: maybe\n",
                "no_data: expected",
            ),
            (
                "  - record: a\n    source: pg\n    query: x\n    condition: '> 8'\n",
                "invalid field 'condition' in recording rule",
            ),
        ];
        for (yaml, want) in cases {
            let errs = errors(yaml);
            if want.is_empty() {
                assert!(errs.is_empty(), "{yaml}: {errs:?}");
            } else {
                assert!(
                    errs.iter().any(|e| e.contains(want)),
                    "{yaml}: want {want:?}, got {errs:?}"
                );
            }
        }
    }

    #[test]
    fn duplicate_groups_and_empty_names() {
        let dup = "groups:\n- name: g\n  rules: []\n- name: g\n  rules: []\n";
        let errs = parse_rule_file("d.yml", dup).err().unwrap_or_default();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "d.yml:4: group \"g\": groupname: \"g\" is repeated in the same file"
        );
        let empty = parse_rule_file("e.yml", "groups:\n- name: ''\n")
            .err()
            .unwrap_or_default();
        assert_eq!(empty[0].to_string(), "e.yml:2: Groupname must not be empty");
    }

    #[test]
    fn duplicate_rules_are_warnings() {
        let f = parse_rule_file(
            "w.yml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n  - alert: A\n    expr: up\n",
        );
        assert_eq!(f.map(|f| f.warnings.len()), Ok(1));
    }

    #[test]
    fn report_prints_like_promtool() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ok = dir.path().join("a.yml");
        let bad = dir.path().join("b.yaml");
        let skip = dir.path().join("notes.txt");
        let write = |p: &Path, t: &str| std::fs::write(p, t).unwrap_or_else(|e| panic!("{e}"));
        write(
            &ok,
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n",
        );
        write(
            &bad,
            "groups:\n- name: g\n  rules:\n  - alert: HighLoad\n    expr: 'sum(up'\n",
        );
        write(&skip, "not rules");
        let report = check_paths(&[dir.path().to_path_buf()]);
        assert_eq!(report.files.len(), 2);
        assert!(!report.is_success());
        assert_eq!(report.failed(), 1);
        let text = report.to_string();
        assert!(
            text.contains(&format!(
                "Checking {}\n  SUCCESS: 1 rules found\n\n",
                ok.display()
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("Checking {}\n  FAILED:\n{}:4: group \"g\", rule 1 (\"HighLoad\"): could not parse expression", bad.display(), bad.display())),
            "{text}"
        );
        let missing = check_paths(&[dir.path().join("nope.yml")]);
        assert!(!missing.is_success() && missing.to_string().contains("cannot read the file"));
    }
}
