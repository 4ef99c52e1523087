//! Keeps the rule engine and the notifier in step with the rules directory: a cheap stamp
//! (names, sizes, modification times) is compared every second, and a change reloads
//! everything. A file that breaks keeps its last good rules running until it is fixed; a broken
//! `alertmanager.yml` keeps the last good routing. Errors are logged, counted in `/metrics` and
//! listed by `GET /api/alerting/errors`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use pulsegrid_alerting::rules::AlertState;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::AlertingState;
use super::engine::RuleEngine;
use super::notifier::Notifier;
use super::rule_files::{self, RuleDef, RuleFileError};
use crate::metrics::{AlertStateLabels, Metrics};

/// How often the directory's stamp is compared.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// How often expired silences past their retention are dropped.
const SILENCE_GC_EVERY_MS: i64 = 60_000;

/// The running alerting: rules, notifier, and what the last load found.
#[derive(Debug)]
pub struct RulesRuntime {
    /// The rule engine.
    pub engine: RuleEngine,
    /// The notification pipeline.
    pub notifier: Notifier,
    dir: PathBuf,
    metrics: Arc<Metrics>,
    silences: Arc<AlertingState>,
    errors: RwLock<Vec<RuleFileError>>,
    last: Mutex<LastLoad>,
}

#[derive(Debug, Default)]
struct LastLoad {
    stamp: Option<String>,
    files: BTreeMap<String, Vec<RuleDef>>,
    routing_loaded: bool,
}

impl RulesRuntime {
    /// A runtime over `dir` (and the silences, whose expired entries it drops); call
    /// [`Self::reload`] to load it.
    pub fn new(
        engine: RuleEngine,
        notifier: Notifier,
        dir: PathBuf,
        metrics: Arc<Metrics>,
        silences: Arc<AlertingState>,
    ) -> Self {
        RulesRuntime {
            engine,
            notifier,
            dir,
            metrics,
            silences,
            errors: RwLock::new(Vec::new()),
            last: Mutex::new(LastLoad::default()),
        }
    }

    /// Files that did not load at the last scan.
    pub fn errors(&self) -> Vec<RuleFileError> {
        self.errors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the directory again if it changed (or always, with `force`) and applies it.
    pub async fn reload(&self, force: bool) {
        let mut last = self.last.lock().await;
        let dir = self.dir.clone();
        let stamp = tokio::task::spawn_blocking(move || rule_files::stamp(&dir))
            .await
            .unwrap_or_default();
        if !force && last.stamp.as_deref() == Some(stamp.as_str()) {
            return;
        }
        let dir = self.dir.clone();
        let Ok(scan) = tokio::task::spawn_blocking(move || rule_files::scan(&dir)).await else {
            return;
        };
        let mut files = scan.files;
        for error in &scan.errors {
            tracing::warn!(file = %error.file, error = %error.message, "rule file not loaded");
            // A file that was good keeps its last good rules until it is fixed.
            if let Some(kept) = last.files.get(&error.file) {
                files.insert(error.file.clone(), kept.clone());
            }
        }
        let defs: Vec<RuleDef> = files.values().flatten().cloned().collect();
        tracing::info!(
            rules = defs.len(),
            files = files.len(),
            broken = scan.errors.len(),
            "alert rules loaded"
        );
        self.engine.apply(defs).await;
        match (scan.routing, scan.routing_present) {
            (Some(config), _) => {
                self.notifier.reload(&config).await;
                last.routing_loaded = true;
            }
            (None, false) if last.routing_loaded || last.stamp.is_none() => {
                self.notifier.reload(&Notifier::default_config()).await;
                last.routing_loaded = false;
            }
            // Broken: the last good routing stays.
            (None, _) => {}
        }
        self.metrics
            .rule_file_errors
            .set(i64::try_from(scan.errors.len()).unwrap_or(i64::MAX));
        *self.errors.write().unwrap_or_else(|p| p.into_inner()) = scan.errors;
        last.files = files;
        last.stamp = Some(stamp);
    }

    /// Sets the alert gauges from the rules' states, and counts stream evaluations.
    fn update_gauges(&self, stream_seen: &mut u64) {
        // The router restarts its count when the rule set changes.
        let evaluations = self.engine.stream_evaluations();
        let delta = evaluations.checked_sub(*stream_seen).unwrap_or(evaluations);
        self.metrics.rule_stream_evaluations.inc_by(delta);
        *stream_seen = evaluations;
        let mut counts: BTreeMap<&'static str, i64> =
            [("pending", 0), ("firing", 0), ("nodata", 0), ("error", 0)]
                .into_iter()
                .collect();
        for entry in self.engine.rules() {
            for inst in entry.runtime().state.instances() {
                let key = match inst.state {
                    AlertState::Pending => "pending",
                    AlertState::Firing => "firing",
                    AlertState::NoData => "nodata",
                    AlertState::Error => "error",
                    AlertState::Inactive | AlertState::Resolved => continue,
                };
                *counts.entry(key).or_default() += 1;
            }
        }
        for (state, n) in counts {
            self.metrics
                .alerts
                .get_or_create(&AlertStateLabels {
                    state: state.into(),
                })
                .set(n);
        }
    }

    /// Reloads on changes until `shutdown`.
    pub fn spawn(self: Arc<Self>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut last_gc = 0;
            let mut stream_seen = 0;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(POLL_EVERY) => {}
                }
                self.reload(false).await;
                self.update_gauges(&mut stream_seen);
                let now = crate::clock::now_ms();
                if now - last_gc >= SILENCE_GC_EVERY_MS {
                    last_gc = now;
                    if let Err(e) = self.silences.gc_silences(now).await {
                        tracing::warn!(error = %e, "cannot drop expired silences");
                    }
                }
            }
        })
    }
}
