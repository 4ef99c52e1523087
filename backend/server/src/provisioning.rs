//! Dashboards as code: every `*.json` under the dashboards directory is validated and served;
//! subdirectories become folders. A watcher applies adds, changes and removals without a
//! restart. A broken file is reported (log, `/metrics`, `/api/provisioning/errors`) and never
//! takes anything else down; a file that was good and becomes broken keeps its last good
//! version served until it is fixed.

mod scan;
mod watcher;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use pulsegrid_model::Dashboard;
use serde::Serialize;

use crate::clock::now_ms;
use crate::metrics::Metrics;

pub use scan::{CheckReport, check_paths};
pub use watcher::spawn_watcher;

/// A dashboard served from a file.
#[derive(Debug, Clone)]
pub struct ProvisionedDashboard {
    /// The validated document (a uid derived from the path is filled in if the file had none).
    pub dashboard: Dashboard,
    /// The file, relative to the dashboards directory, with `/` separators.
    pub file: String,
    /// The folder title: the file's directory relative to the dashboards directory; "" = General.
    pub folder: String,
    /// A stable numeric id (Grafana clients expect one), derived from the uid.
    pub id: i64,
    /// When this version was loaded, unix ms.
    pub updated_ms: i64,
}

/// A file that could not be provisioned, as `/api/provisioning/errors` lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProvisioningError {
    /// The file, relative to the dashboards directory.
    pub file: String,
    /// What is wrong, with line:column or JSON path.
    pub message: String,
    /// When the error was found, unix ms.
    pub since_ms: i64,
    /// Whether an older good version of the file is still being served.
    pub serving_last_good: bool,
}

/// What the provisioner knows of one file.
#[derive(Debug, Default)]
struct FileState {
    fingerprint: Option<scan::Fingerprint>,
    content_hash: u64,
    last_good: Option<(Dashboard, i64)>,
    error: Option<(String, i64)>,
}

/// What is served right now: replaced whole after each scan, read without waiting on a scan.
#[derive(Debug, Default)]
struct Snapshot {
    by_uid: HashMap<String, Arc<ProvisionedDashboard>>,
    errors: Vec<ProvisioningError>,
}

/// Holds the provisioned dashboards of one directory and rescans it on demand.
#[derive(Debug)]
pub struct DashboardProvisioner {
    dir: PathBuf,
    files: Mutex<BTreeMap<String, FileState>>,
    snapshot: RwLock<Arc<Snapshot>>,
    metrics: Arc<Metrics>,
}

impl DashboardProvisioner {
    /// A provisioner for `dir`; nothing is read until [`rescan`](Self::rescan).
    pub fn new(dir: impl Into<PathBuf>, metrics: Arc<Metrics>) -> Self {
        DashboardProvisioner {
            dir: dir.into(),
            files: Mutex::new(BTreeMap::new()),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            metrics,
        }
    }

    /// The watched directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The provisioned dashboard with this uid.
    pub fn get(&self, uid: &str) -> Option<Arc<ProvisionedDashboard>> {
        self.current().by_uid.get(uid).cloned()
    }

    /// Every provisioned dashboard.
    pub fn list(&self) -> Vec<Arc<ProvisionedDashboard>> {
        self.current().by_uid.values().cloned().collect()
    }

    /// Files that are broken right now.
    pub fn errors(&self) -> Vec<ProvisioningError> {
        self.current().errors.clone()
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads the directory and applies what changed. With `force`, files are re-read even if
    /// their size and modification time look unchanged. Blocking: call from a blocking thread.
    pub fn rescan(&self, force: bool) {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let found = scan::list_json_files(&self.dir);
        files.retain(|rel, _| found.iter().any(|(r, _)| r == rel));
        for (rel, path) in &found {
            let state = files.entry(rel.clone()).or_default();
            self.refresh_file(rel, path, state, force);
        }
        let snapshot = self.build_snapshot(&files);
        drop(files);
        self.metrics
            .provisioned_dashboards
            .set(snapshot.by_uid.len() as i64);
        self.metrics
            .provisioning_errors
            .set(snapshot.errors.len() as i64);
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
    }

    fn refresh_file(&self, rel: &str, path: &Path, state: &mut FileState, force: bool) {
        let fingerprint = scan::fingerprint(path);
        if !force && fingerprint.is_some() && fingerprint == state.fingerprint {
            return;
        }
        state.fingerprint = fingerprint;
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                self.set_error(rel, state, 0, format!("{rel}: cannot read: {e}"));
                return;
            }
        };
        let hash = scan::hash(&text);
        if hash == state.content_hash && (state.last_good.is_some() || state.error.is_some()) {
            return;
        }
        state.content_hash = hash;
        match Dashboard::from_json_str(&text, rel) {
            Ok(dashboard) => {
                if state.error.take().is_some() {
                    tracing::info!(file = rel, "dashboard file fixed");
                }
                tracing::info!(
                    file = rel,
                    title = dashboard.title(),
                    "provisioned dashboard"
                );
                state.last_good = Some((dashboard, now_ms()));
            }
            Err(e) => self.set_error(rel, state, hash, e.to_string()),
        }
    }

    fn set_error(&self, rel: &str, state: &mut FileState, hash: u64, message: String) {
        state.content_hash = hash;
        tracing::warn!(
            file = rel,
            error = %message,
            serving_last_good = state.last_good.is_some(),
            "dashboard file is broken"
        );
        self.metrics.provisioning_errors_total.inc();
        state.error = Some((message, now_ms()));
    }

    fn build_snapshot(&self, files: &BTreeMap<String, FileState>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut owner: HashMap<String, &str> = HashMap::new();
        for (rel, state) in files {
            if let Some((message, since_ms)) = &state.error {
                snapshot.errors.push(ProvisioningError {
                    file: rel.clone(),
                    message: message.clone(),
                    since_ms: *since_ms,
                    serving_last_good: state.last_good.is_some(),
                });
            }
            let Some((dashboard, loaded_ms)) = &state.last_good else {
                continue;
            };
            let mut dashboard = dashboard.clone();
            let uid = match dashboard.uid() {
                Some(uid) => uid.to_owned(),
                None => {
                    let uid = scan::uid_from_path(rel);
                    dashboard.set_uid(&uid);
                    uid
                }
            };
            if let Some(first) = owner.get(&uid) {
                let message =
                    format!("{rel}: duplicate dashboard uid {uid:?}, also used by {first}");
                tracing::warn!(file = rel, error = %message, "dashboard file is broken");
                snapshot.errors.push(ProvisioningError {
                    file: rel.clone(),
                    message,
                    since_ms: *loaded_ms,
                    serving_last_good: false,
                });
                continue;
            }
            owner.insert(uid.clone(), rel);
            let folder = rel.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
            snapshot.by_uid.insert(
                uid.clone(),
                Arc::new(ProvisionedDashboard {
                    id: scan::id_from_uid(&uid),
                    dashboard,
                    file: rel.clone(),
                    folder,
                    updated_ms: *loaded_ms,
                }),
            );
        }
        snapshot
    }
}

#[cfg(test)]
mod tests;
