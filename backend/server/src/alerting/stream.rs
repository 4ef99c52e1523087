//! Stream rules: Pulsegrid alerting rules whose query is a series selector on the `pulsegrid`
//! source (ingested data) do not each subscribe through the hub. One task reads the ingest
//! stream for all of them through a [`StreamRouter`] (rules indexed by series name, one
//! incremental evaluator per rule and series), steps only the alert instances a point can
//! change, and persists and notifies the transitions at once. Each rule's task still runs the
//! full evaluation on its group interval, from the router's windows, for `for` timers, series
//! that stopped reporting and no-data.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pulsegrid_alerting::rules::{
    EvalResult, QueryKind, RuleId, RuleKind, StreamRouter, Transition, lookback_ms,
};
use pulsegrid_ingest::SeriesStore;
use pulsegrid_model::selector::SeriesSelector;
use pulsegrid_model::{DatasourceKind, TimeRange};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::engine::RuleEntry;
use crate::clock::now_ms;

/// How often series that no rule has a use for any more are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The stream rules of one configuration and their router.
#[derive(Debug, Default)]
pub struct StreamSet {
    router: Mutex<StreamRouter>,
    entries: Vec<Arc<RuleEntry>>,
    ids: HashMap<String, RuleId>,
}

/// The selector a rule is evaluated on as a stream rule, or `None` when it is not one: only
/// alerting rules on the `pulsegrid` source whose query is a plain series selector (recording
/// rules keep the hub path; they write into the store the router reads).
pub fn stream_selector(
    entry: &RuleEntry,
    source_kind: Option<DatasourceKind>,
) -> Option<SeriesSelector> {
    let rule = &entry.def.rule;
    let QueryKind::Pulsegrid { query, .. } = &rule.query else {
        return None;
    };
    if rule.kind != RuleKind::Alerting || source_kind != Some(DatasourceKind::Pulsegrid) {
        return None;
    }
    SeriesSelector::parse(query.trim()).ok()
}

impl StreamSet {
    /// A router over `rules` (entry and selector), their windows loaded from the store.
    pub fn new(rules: Vec<(Arc<RuleEntry>, SeriesSelector)>, ingest: &SeriesStore) -> Self {
        let mut router = StreamRouter::new();
        let mut entries = Vec::with_capacity(rules.len());
        let mut ids = HashMap::with_capacity(rules.len());
        let now = now_ms();
        for (entry, selector) in rules {
            let def = Arc::new(entry.def.rule.clone());
            let Some(id) = router.add(def.clone(), selector.clone()) else {
                continue;
            };
            let range = TimeRange {
                from_ms: now - lookback_ms(&def) + 1,
                to_ms: now,
            };
            for s in ingest.query(&selector, range) {
                router.backfill(id, &s.name, &s.labels, &s.t, &s.v);
            }
            ids.insert(entry.def.key.clone(), id);
            entries.push(entry);
        }
        StreamSet {
            router: Mutex::new(router),
            entries,
            ids,
        }
    }

    /// Whether the rule with this key is one of the set's.
    pub fn contains(&self, key: &str) -> bool {
        self.ids.contains_key(key)
    }

    /// Whether there are no stream rules.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Points evaluated so far.
    pub fn evaluations(&self) -> u64 {
        self.lock().evaluations()
    }

    /// The full evaluation of one rule at `now` (its periodic tick).
    pub fn results_at(&self, key: &str, now: i64) -> Option<Vec<EvalResult>> {
        let id = *self.ids.get(key)?;
        Some(self.lock().results_at(id, now))
    }

    fn lock(&self) -> MutexGuard<'_, StreamRouter> {
        self.router.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Evaluates every ingested batch until `cancel`; `changed` gets each rule's transitions
    /// (they are already applied to its state) to persist and notify.
    pub async fn run<F, Fut>(&self, ingest: &SeriesStore, cancel: CancellationToken, changed: F)
    where
        F: Fn(Arc<RuleEntry>, Vec<Transition>, i64) -> Fut,
        Fut: Future<Output = ()>,
    {
        if self.entries.is_empty() {
            return;
        }
        let mut batches = ingest.subscribe();
        let mut pruned = Instant::now();
        loop {
            let batch = tokio::select! {
                () = cancel.cancelled() => return,
                batch = batches.recv() => batch,
            };
            let batch = match batch {
                Ok(batch) => batch,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "stream rules fell behind the ingest stream; their windows miss those batches"
                    );
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let now = now_ms();
            let mut out: BTreeMap<RuleId, Vec<Transition>> = BTreeMap::new();
            {
                let mut router = self.lock();
                if pruned.elapsed() >= PRUNE_EVERY {
                    pruned = Instant::now();
                    let forgotten = router.prune(now);
                    tracing::debug!(forgotten, "stream rules forgot series that stopped");
                }
                for s in &batch.series {
                    router.on_points(&s.name, &s.labels, &s.t, &s.v, &mut |v| {
                        let mut rt = self.entries[v.rule as usize].runtime();
                        let (transitions, kept) =
                            rt.state.process_series(v.def, v.key, &v.result, now);
                        if !transitions.is_empty() {
                            out.entry(v.rule).or_default().extend(transitions);
                        }
                        kept
                    });
                }
            }
            for (id, transitions) in out {
                changed(self.entries[id as usize].clone(), transitions, now).await;
            }
        }
    }
}
