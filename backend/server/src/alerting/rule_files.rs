//! Rules as code: every `*.yml`/`*.yaml` under the rules directory (except
//! `alertmanager.yml`) is a rule file, and `alertmanager.yml` routes the notifications. The
//! directory is read again when it changes; a broken file is reported and, until it is fixed,
//! its rules keep running as they were last loaded, as dashboards do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pulsegrid_alerting::notify::Config as NotifyConfig;
use pulsegrid_alerting::rules::{Rule, read_rule_file};
use serde::Serialize;

/// The evaluation interval of a group that sets none (Prometheus' default is 1m; Pulsegrid's
/// rules are cheap, and stream rules evaluate on every point anyway).
pub const DEFAULT_INTERVAL_MS: i64 = 15_000;

/// The routing file's names, tried in order.
pub const ROUTING_FILES: [&str; 2] = ["alertmanager.yml", "alertmanager.yaml"];

/// One rule ready to run.
#[derive(Clone, Debug)]
pub struct RuleDef {
    /// Stable identity across reloads and restarts: `file:group:name#n` (n counts rules of
    /// the same name in the group, from 1).
    pub key: String,
    /// The file, relative to the rules directory.
    pub file: String,
    /// The group's name.
    pub group: String,
    /// The group's evaluation interval.
    pub interval_ms: i64,
    /// The rule.
    pub rule: Rule,
}

/// A file that could not be loaded.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RuleFileError {
    /// The file, relative to the rules directory.
    pub file: String,
    /// What is wrong, with the line where known.
    pub message: String,
}

/// What one scan of the rules directory found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Rules by file (relative path), for files that loaded.
    pub files: BTreeMap<String, Vec<RuleDef>>,
    /// Files that did not load.
    pub errors: Vec<RuleFileError>,
    /// The routing configuration, when the file exists and is valid.
    pub routing: Option<NotifyConfig>,
    /// Whether a routing file exists.
    pub routing_present: bool,
    /// A fingerprint of everything read (file names, sizes and modification times), to skip
    /// reloads when nothing changed.
    pub stamp: String,
}

/// Reads the directory's stamp only (cheap: no file is parsed).
pub fn stamp(dir: &Path) -> String {
    let mut out = String::new();
    for path in yaml_files(dir) {
        let meta = std::fs::metadata(&path).ok();
        let modified = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let len = meta.map_or(0, |m| m.len());
        out.push_str(&format!("{}:{len}:{modified};", path.display()));
    }
    out
}

/// Reads and parses every rule file and the routing file.
pub fn scan(dir: &Path) -> ScanResult {
    let mut result = ScanResult {
        stamp: stamp(dir),
        ..ScanResult::default()
    };
    for path in yaml_files(dir) {
        let rel = relative(dir, &path);
        if ROUTING_FILES.contains(&rel.as_str()) {
            result.routing_present = true;
            match NotifyConfig::load(&path) {
                Ok(config) => result.routing = Some(config),
                Err(e) => result.errors.push(RuleFileError {
                    file: rel,
                    message: e.to_string(),
                }),
            }
            continue;
        }
        match read_rule_file(&path) {
            Ok(file) => {
                let mut defs = Vec::new();
                for group in file.groups {
                    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                    for rule in group.rules {
                        let n = seen.entry(rule.name.clone()).or_default();
                        *n += 1;
                        defs.push(RuleDef {
                            key: format!("{rel}:{}:{}#{n}", group.name, rule.name),
                            file: rel.clone(),
                            group: group.name.clone(),
                            interval_ms: group.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS),
                            rule,
                        });
                    }
                }
                result.files.insert(rel, defs);
            }
            Err(errors) => {
                let message = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n");
                result.errors.push(RuleFileError { file: rel, message });
            }
        }
    }
    result
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every YAML file under `dir`, sorted; hidden files and directories are skipped.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".yml") || name.ends_with(".yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_rules_routing_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.yml"),
            "groups:\n- name: g\n  interval: 5s\n  rules:\n  - alert: Hot\n    source: pulsegrid\n    query: temp\n    condition: '> 8'\n  - alert: Hot\n    source: pulsegrid\n    query: temp2\n    condition: '> 8'\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("bad.yaml"), "groups: [").unwrap();
        std::fs::write(
            dir.path().join("alertmanager.yml"),
            "route: {receiver: r}\nreceivers: [{name: r}]\n",
        )
        .unwrap();
        let r = scan(dir.path());
        let defs = &r.files["a.yml"];
        assert_eq!(defs.len(), 2);
        assert_eq!(defs[0].key, "a.yml:g:Hot#1");
        assert_eq!(defs[1].key, "a.yml:g:Hot#2");
        assert_eq!(defs[0].interval_ms, 5_000);
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].file, "bad.yaml");
        assert!(r.routing.is_some());
        assert_eq!(stamp(dir.path()), r.stamp);
    }
}
