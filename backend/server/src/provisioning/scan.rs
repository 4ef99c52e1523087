//! Reading a dashboards directory: which files, whether they changed, and derived names.
//! Also the `pulsegrid check dashboards` logic, which applies the same rules as the server.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pulsegrid_model::Dashboard;

/// Size and modification time: a cheap "did it change" test before reading a file.
pub(super) type Fingerprint = (u64, SystemTime);

/// Every `*.json` file below `dir` as (relative path with `/`, full path), sorted. Hidden files
/// and directories (`.git`, Kubernetes' `..data`) are skipped; symlinked files are followed.
pub(super) fn list_json_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    walk(dir, "", &mut out, 0);
    out.sort();
    out
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, &rel, out, depth + 1);
        } else if meta.is_file() && name.ends_with(".json") {
            out.push((rel, path));
        }
    }
}

pub(super) fn fingerprint(path: &Path) -> Option<Fingerprint> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

pub(super) fn hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    // 0 marks "never read"; keep real hashes away from it.
    hasher.finish() | 1
}

/// A uid for a file that has none: its path, made uid-safe, stable across restarts.
pub(super) fn uid_from_path(rel: &str) -> String {
    let stem = rel.strip_suffix(".json").unwrap_or(rel);
    let mut uid: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if uid.len() > 40 {
        let tail = format!("-{:08x}", stable_hash(rel) as u32);
        uid.truncate(40 - tail.len());
        uid.push_str(&tail);
    }
    uid
}

/// Numeric ids of provisioned dashboards: derived from the uid, above any database id.
pub(super) fn id_from_uid(uid: &str) -> i64 {
    const BASE: i64 = 1 << 40;
    BASE + (stable_hash(uid) % (1 << 40)) as i64
}

/// FNV-1a: stable across Rust versions and processes, unlike `DefaultHasher`.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The outcome of `pulsegrid check dashboards`.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Files read.
    pub files: usize,
    /// One line per problem: `file:line:col: message` or `file: path: message`.
    pub errors: Vec<String>,
}

/// Validates files and directories as the server would provision them, including duplicate
/// uids across all of them.
pub fn check_paths(paths: &[PathBuf]) -> CheckReport {
    let mut report = CheckReport::default();
    let mut uids: HashMap<String, String> = HashMap::new();
    for path in paths {
        let files = if path.is_dir() {
            list_json_files(path)
                .into_iter()
                .map(|(_, full)| (full.display().to_string(), full))
                .collect()
        } else if path.is_file() {
            vec![(path.display().to_string(), path.clone())]
        } else {
            report
                .errors
                .push(format!("{}: no such file or directory", path.display()));
            continue;
        };
        for (name, full) in files {
            report.files += 1;
            let text = match std::fs::read_to_string(&full) {
                Ok(text) => text,
                Err(e) => {
                    report.errors.push(format!("{name}: cannot read: {e}"));
                    continue;
                }
            };
            match Dashboard::from_json_str(&text, &name) {
                Ok(dashboard) => {
                    let Some(uid) = dashboard.uid() else { continue };
                    if let Some(first) = uids.get(uid) {
                        report.errors.push(format!(
                            "{name}: duplicate dashboard uid {uid:?}, also used by {first}"
                        ));
                    } else {
                        uids.insert(uid.to_owned(), name);
                    }
                }
                Err(e) => report.errors.push(e.to_string()),
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_uids_are_valid_and_stable() {
        assert_eq!(uid_from_path("team a/cpu.json"), "team-a-cpu");
        let long = uid_from_path(&format!("{}.json", "x".repeat(80)));
        assert_eq!(long.len(), 40);
        assert!(pulsegrid_model::dashboard::is_valid_uid(&long));
        assert_eq!(long, uid_from_path(&format!("{}.json", "x".repeat(80))));
        assert_eq!(id_from_uid("abc"), id_from_uid("abc"));
        assert!(id_from_uid("abc") >= 1 << 40);
    }
}
