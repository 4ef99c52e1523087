//! `pulsegrid test rules FILE...`: unit tests for alert rules in promtool's test file format
//! (`rule_files`, `evaluation_interval`, `group_eval_order`, `tests:` with `interval`,
//! `input_series`, `alert_rule_test`, `promql_expr_test`, `external_labels`, `external_url`,
//! `name`), with promtool's output and exit status.
//!
//! - `notation`: promtool's series notation (`1+1x3 _ stale`): [`parse_series_values`] and
//!   [`parse_series_labels`].
//! - `spec`: the strict test file model; errors carry `FILE:LINE:COLUMN` and the field's path.
//! - `glob`: `rule_files` globs, as Go's `filepath.Glob`.
//! - `run`: the evaluation of a test group with the engine's own [`evaluate`](super::evaluate)
//!   and [`RuleState`](super::RuleState), and the comparisons.
//! - `format`: promtool's failure text (`alertname: X, time: 10m, exp:[...], got:[...]`).
//!
//! Pulsegrid rules are evaluated here; Prometheus rules (PromQL) are not, and a test that needs
//! one fails saying "rule X uses PromQL; run promtool test rules for it". Where a Pulsegrid rule
//! differs from its PromQL twin: its reduce sees every point up to the evaluation time (no
//! 5-minute lookback; a series ends with `stale`), and `$externalLabels` renders empty, as in
//! the server.

mod format;
mod glob;
mod notation;
mod run;
mod spec;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use notation::{
    MAX_VALUES, NotationError, SeriesValue, parse_series_labels, parse_series_values,
};

use super::file::read_rule_file;

/// The default `evaluation_interval`, as promtool's.
pub const DEFAULT_EVALUATION_INTERVAL_MS: i64 = 60_000;

/// The verdict on one test file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitTestOutcome {
    /// The test file, as given.
    pub path: PathBuf,
    /// Problems that do not fail the file (a `rule_files` glob that matches nothing).
    pub warnings: Vec<String>,
    /// Failed expectations and errors, each in promtool's layout (possibly several lines);
    /// empty when every test passed.
    pub failures: Vec<String>,
}

impl UnitTestOutcome {
    /// Whether every test of the file passed.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The verdicts of `pulsegrid test rules FILE...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitTestReport {
    /// One entry per file, in the order given.
    pub files: Vec<UnitTestOutcome>,
}

impl UnitTestReport {
    /// Whether every file passed (the exit status: 0 if so, 1 otherwise, as promtool).
    pub fn is_success(&self) -> bool {
        self.files.iter().all(UnitTestOutcome::is_success)
    }
}

impl fmt::Display for UnitTestReport {
    /// promtool's output, stdout and stderr as a terminal shows them: `Unit Testing:  FILE`,
    /// then `  SUCCESS` or `  FAILED:` and each failure followed by a blank line; a blank line
    /// after each file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            writeln!(f, "Unit Testing:  {}", file.path.display())?;
            for w in &file.warnings {
                writeln!(f, "  WARNING: {w}")?;
            }
            if file.is_success() {
                writeln!(f, "  SUCCESS")?;
            } else {
                writeln!(f, "  FAILED:")?;
                for failure in &file.failures {
                    writeln!(f, "{failure}\n")?;
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Runs the unit tests of each file.
pub fn test_rule_files(paths: &[PathBuf]) -> UnitTestReport {
    UnitTestReport {
        files: paths.iter().map(|p| test_rule_file(p)).collect(),
    }
}

/// Runs the unit tests of one file. An unreadable or invalid test file or rule file is a
/// failure naming the file (and the line, where known), never a panic.
pub fn test_rule_file(path: &Path) -> UnitTestOutcome {
    let mut out = UnitTestOutcome {
        path: path.to_path_buf(),
        warnings: Vec::new(),
        failures: Vec::new(),
    };
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            out.failures
                .push(format!("{shown}: cannot read the file: {e}"));
            return out;
        }
    };
    let file = match spec::parse(&shown, &text) {
        Ok(f) => f,
        Err(e) => {
            out.failures.push(e);
            return out;
        }
    };
    let eval_interval = file
        .evaluation_interval
        .filter(|i| *i > 0)
        .unwrap_or(DEFAULT_EVALUATION_INTERVAL_MS);
    let mut seen = HashSet::new();
    if let Some(g) = file.group_eval_order.iter().find(|g| !seen.insert(*g)) {
        out.failures.push(format!(
            "{shown}: group name repeated in evaluation order: {g}"
        ));
        return out;
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let mut rule_paths = Vec::new();
    for (i, pattern) in file.rule_files.iter().enumerate() {
        if !glob::has_meta(pattern) {
            rule_paths.push(base.join(pattern));
            continue;
        }
        match glob::glob(base, Path::new(pattern)) {
            Ok(found) if found.is_empty() => out.warnings.push(format!(
                "no file match pattern {}",
                base.join(pattern).display()
            )),
            Ok(found) => rule_paths.extend(found),
            Err(e) => out.failures.push(format!("{shown}: rule_files[{i}]: {e}")),
        }
    }
    let mut rule_files = Vec::new();
    for p in &rule_paths {
        match read_rule_file(p) {
            Ok(f) => rule_files.push(f),
            Err(errors) => out.failures.extend(errors.iter().map(ToString::to_string)),
        }
    }
    if !out.failures.is_empty() {
        return out;
    }
    let rules = run::load(rule_files, &file.group_eval_order);
    for group in &file.tests {
        out.failures.extend(run::run(group, &rules, eval_interval));
    }
    out
}
