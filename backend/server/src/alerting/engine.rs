//! The rule engine: one task per rule, fed the way dashboards are fed.
//!
//! - A Pulsegrid alerting rule on ingested data (the `pulsegrid` source, a series selector) is a
//!   stream rule: all of them share one subscription to the ingest stream ([`super::stream`]),
//!   which evaluates every arriving point incrementally and steps only the alert instances it
//!   can change. A tick on the group interval runs the full evaluation, so `for` timers and
//!   ageing windows advance without new data.
//! - Any other Pulsegrid rule (`source`, `query`, `reduce`, `condition`) subscribes to its
//!   query through the live hub, so it shares the upstream query with any dashboard panel
//!   watching the same thing, and it evaluates on every frame the hub delivers (every poll of
//!   a polled source, every message of a broker) and on the tick.
//! - A Prometheus rule (`expr`) runs an instant query on its group interval, as Prometheus does.
//!
//! Each evaluation goes through the rule's [`RuleState`]; its transitions are written to the
//! store (state snapshot and history) before the alerts they cause reach the notifier, so a
//! restart continues from them: firing alerts stay firing with their `startsAt`, pending `for`
//! and `keep_firing_for` timers continue, and nothing already notified is notified again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pulsegrid_alerting::notify::Alert;
use pulsegrid_alerting::rules::{
    AlertInstance, AlertState, EvalResult, QueryKind, RuleKind, RuleState, RuleStateSnapshot,
    SeriesWindow, Transition, evaluate, format_duration, lookback_ms,
};
use pulsegrid_connectors::{QueryRequest, Sources};
use pulsegrid_ingest::SeriesStore;
use pulsegrid_live::{Hub, LiveEvent, QuerySpec};
use pulsegrid_model::{DatasourceKind, Labels, Sample, Series, SeriesKey, TimeRange};
use pulsegrid_store::{NewHistoryEntry, Store, StoredRuleState};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::rule_files::RuleDef;
use super::stream::{StreamSet, stream_selector};
use crate::clock::now_ms;

/// Firing alerts are re-sent to the notifier this often (Prometheus' `resend-delay`).
const RESEND_MS: i64 = 60_000;
/// The stream recording rules write to.
pub const RECORDING_STREAM: &str = "rules";

/// A rule's health, as `/api/v1/rules` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Not evaluated yet.
    Unknown,
    /// The last evaluation worked.
    Ok,
    /// The last evaluation failed.
    Err,
}

impl Health {
    /// `unknown`, `ok` or `err`.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Ok => "ok",
            Health::Err => "err",
        }
    }
}

/// What a rule's task keeps between evaluations.
#[derive(Debug)]
pub struct RuleRuntime {
    /// The alert instances.
    pub state: RuleState,
    /// The last evaluation's health.
    pub health: Health,
    /// The last error, while health is `err`.
    pub last_error: Option<String>,
    /// The last evaluation, Unix ms.
    pub last_eval_ms: Option<i64>,
    /// How long it took, seconds.
    pub eval_seconds: f64,
    /// When firing alerts were last sent to the notifier.
    last_sent_ms: i64,
}

/// A loaded rule and its running state.
#[derive(Debug)]
pub struct RuleEntry {
    /// The rule's definition and place.
    pub def: RuleDef,
    runtime: Mutex<RuleRuntime>,
    cancel: CancellationToken,
}

impl RuleEntry {
    /// The rule's running state (briefly locked; never across an await).
    pub fn runtime(&self) -> MutexGuard<'_, RuleRuntime> {
        self.runtime.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running rules.
#[derive(Clone, Debug)]
pub struct RuleEngine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    hub: Hub,
    sources: Sources,
    ingest: SeriesStore,
    store: Store,
    alerts: mpsc::Sender<Vec<Alert>>,
    rules: Mutex<BTreeMap<String, Arc<RuleEntry>>>,
    /// States read from the store at start, taken by the rules as they load.
    restored: Mutex<BTreeMap<String, RuleStateSnapshot>>,
    external_url: String,
    shutdown: CancellationToken,
    /// The stream rules and the task evaluating them on the ingest stream.
    stream: Mutex<(Arc<StreamSet>, CancellationToken)>,
}

impl RuleEngine {
    /// An engine with no rules yet; it reads the persisted rule states, which the rules take
    /// over as [`Self::apply`] loads them.
    pub async fn new(
        hub: Hub,
        sources: Sources,
        ingest: SeriesStore,
        store: Store,
        alerts: mpsc::Sender<Vec<Alert>>,
        external_url: String,
        shutdown: CancellationToken,
    ) -> Result<Self, pulsegrid_store::StoreError> {
        let mut restored = BTreeMap::new();
        for row in store.list_rule_states().await? {
            match serde_json::from_str::<RuleStateSnapshot>(&row.body) {
                Ok(snapshot) => {
                    restored.insert(row.rule_key, snapshot);
                }
                Err(e) => tracing::warn!(
                    rule = %row.rule_key,
                    error = %e,
                    "ignoring a stored rule state that does not parse"
                ),
            }
        }
        Ok(RuleEngine {
            inner: Arc::new(Inner {
                hub,
                sources,
                ingest,
                store,
                alerts,
                rules: Mutex::new(BTreeMap::new()),
                restored: Mutex::new(restored),
                stream: Mutex::new((Arc::default(), shutdown.child_token())),
                external_url,
                shutdown,
            }),
        })
    }

    /// One loaded rule by key.
    pub fn rule(&self, key: &str) -> Option<Arc<RuleEntry>> {
        self.inner.lock_rules().get(key).cloned()
    }

    /// The loaded rules, in key order.
    pub fn rules(&self) -> Vec<Arc<RuleEntry>> {
        self.inner.lock_rules().values().cloned().collect()
    }

    /// Replaces the running rules with `defs`. A rule whose key, fingerprint and interval are
    /// unchanged keeps running with its state; a changed one starts afresh (its old alerts
    /// resolve); a removed one stops and its firing alerts resolve.
    pub async fn apply(&self, defs: Vec<RuleDef>) {
        let now = now_ms();
        let mut resolved = Vec::new();
        let keys: Vec<String> = defs.iter().map(|d| d.key.clone()).collect();
        let mut started = Vec::new();
        {
            let mut rules = self.inner.lock_rules();
            let mut old = std::mem::take(&mut *rules);
            for def in defs {
                if let Some(entry) = old.remove(&def.key) {
                    if entry.def.rule.fingerprint() == def.rule.fingerprint()
                        && entry.def.interval_ms == def.interval_ms
                    {
                        rules.insert(def.key.clone(), entry);
                        continue;
                    }
                    resolved.extend(stop(&entry, now, &self.inner.external_url));
                }
                let snapshot = self.inner.restored_lock().remove(&def.key);
                let state = match snapshot {
                    Some(s) => RuleState::restore(&def.rule, s),
                    None => RuleState::new(&def.rule),
                };
                let entry = Arc::new(RuleEntry {
                    cancel: self.inner.shutdown.child_token(),
                    runtime: Mutex::new(RuleRuntime {
                        state,
                        health: Health::Unknown,
                        last_error: None,
                        last_eval_ms: None,
                        eval_seconds: 0.0,
                        last_sent_ms: 0,
                    }),
                    def,
                });
                rules.insert(entry.def.key.clone(), entry.clone());
                started.push(entry);
            }
            for entry in old.into_values() {
                resolved.extend(stop(&entry, now, &self.inner.external_url));
            }
        }
        // The stream rules get one router (rebuilt with the rule set, windows reloaded from the
        // store) before the new rules' tasks start, so they know which path is theirs.
        self.restart_stream();
        for entry in started {
            tokio::spawn(run_rule(self.inner.clone(), entry));
        }
        if !resolved.is_empty() {
            let _ = self.inner.alerts.send(resolved).await;
        }
        if let Err(e) = self.inner.store.delete_rule_states_except(&keys).await {
            tracing::warn!(error = %e, "cannot drop the states of removed rules");
        }
    }
}

impl RuleEngine {
    fn restart_stream(&self) {
        let inner = &self.inner;
        let rules: Vec<(Arc<RuleEntry>, _)> = inner
            .lock_rules()
            .values()
            .filter_map(|entry| {
                let kind = source_of(inner, entry).map(|s| s.kind());
                stream_selector(entry, kind).map(|sel| (entry.clone(), sel))
            })
            .collect();
        let set = Arc::new(StreamSet::new(rules, &inner.ingest));
        let cancel = inner.shutdown.child_token();
        {
            let mut stream = inner.stream.lock().unwrap_or_else(|p| p.into_inner());
            stream.1.cancel();
            *stream = (set.clone(), cancel.clone());
        }
        if set.is_empty() {
            return;
        }
        let inner = inner.clone();
        tokio::spawn(async move {
            let shared: &Inner = &inner;
            set.run(
                &shared.ingest,
                cancel,
                |entry, transitions, now| async move {
                    publish(shared, &entry, transitions, now, false).await;
                },
            )
            .await;
        });
    }

    /// Points evaluated by stream rules since the rule set last changed.
    pub fn stream_evaluations(&self) -> u64 {
        self.inner.stream_set().evaluations()
    }
}

/// The datasource a Pulsegrid rule queries: its `source`, else the default one.
fn source_of(inner: &Inner, entry: &RuleEntry) -> Option<Arc<dyn pulsegrid_connectors::Source>> {
    match &entry.def.rule.source {
        Some(uid) => inner.sources.get(uid),
        None => inner.sources.default_source(),
    }
}

impl Inner {
    fn stream_set(&self) -> Arc<StreamSet> {
        self.stream
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    fn lock_rules(&self) -> MutexGuard<'_, BTreeMap<String, Arc<RuleEntry>>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn restored_lock(&self) -> MutexGuard<'_, BTreeMap<String, RuleStateSnapshot>> {
        self.restored.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Stops a rule's task; returns its firing alerts, resolved now.
fn stop(entry: &RuleEntry, now: i64, external_url: &str) -> Vec<Alert> {
    entry.cancel.cancel();
    let rt = entry.runtime();
    rt.state
        .instances()
        .filter(|i| i.state == AlertState::Firing)
        .map(|i| to_alert(&entry.def, i, now, external_url).resolved_at(now))
        .collect()
}

/// The alert the notifier gets for an instance.
fn to_alert(def: &RuleDef, inst: &AlertInstance, now: i64, external_url: &str) -> Alert {
    let starts = inst.fired_at_ms.or(inst.active_at_ms).unwrap_or(now);
    let mut alert = Alert::firing(inst.labels.clone(), starts);
    alert.annotations = inst
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    alert.generator_url = format!(
        "{}/alerting?{}",
        external_url.trim_end_matches('/'),
        serde_urlencoded::to_string([("rule", &def.key)]).unwrap_or_default()
    );
    alert.updated_at = now;
    match inst.state {
        AlertState::Resolved => alert.resolved_at(inst.resolved_at_ms.unwrap_or(now)),
        _ => {
            // Valid until refreshed, as Prometheus' 4 x resend delay.
            alert.ends_at = Some(now + 4 * RESEND_MS.max(def.interval_ms));
            alert
        }
    }
}

async fn run_rule(inner: Arc<Inner>, entry: Arc<RuleEntry>) {
    // Restored firing alerts go to the notifier at once (its log keeps them from being
    // notified again).
    {
        let now = now_ms();
        let alerts = firing_alerts(&entry, now, &inner.external_url);
        if !alerts.is_empty() {
            entry.runtime().last_sent_ms = now;
            let _ = inner.alerts.send(alerts).await;
        }
    }
    let cancel = entry.cancel.clone();
    tokio::select! {
        () = cancel.cancelled() => {}
        () = async {
            match &entry.def.rule.query {
                QueryKind::PromQl { expr } => run_promql(&inner, &entry, expr).await,
                QueryKind::Pulsegrid { .. } if inner.stream_set().contains(&entry.def.key) => {
                    run_stream_ticks(&inner, &entry).await;
                }
                QueryKind::Pulsegrid { query, .. } => run_windowed(&inner, &entry, query).await,
            }
        } => {}
    }
}

fn firing_alerts(entry: &RuleEntry, now: i64, external_url: &str) -> Vec<Alert> {
    let rt = entry.runtime();
    rt.state
        .instances()
        .filter(|i| i.state == AlertState::Firing)
        .map(|i| to_alert(&entry.def, i, now, external_url))
        .collect()
}

/// A ticker on the group interval, offset by a hash of the rule's key so that rules spread
/// over the interval instead of all querying at once (Prometheus' `EvalTimestamp` offset).
fn ticker(entry: &RuleEntry) -> tokio::time::Interval {
    let every = entry.def.interval_ms.max(100);
    let offset = (entry.def.rule.fingerprint() % every as u64) as i64;
    let first = tokio::time::Instant::now() + Duration::from_millis(offset as u64);
    let mut t = tokio::time::interval_at(first, Duration::from_millis(every as u64));
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    t
}

/// Prometheus rules: an instant query on every tick.
async fn run_promql(inner: &Inner, entry: &RuleEntry, expr: &str) {
    let mut tick = ticker(entry);
    loop {
        tick.tick().await;
        let started = Instant::now();
        let now = now_ms();
        let source = match &entry.def.rule.source {
            Some(uid) => inner.sources.get(uid),
            None => inner.sources.resolve(Some(&json!({"type": "prometheus"}))),
        }
        .filter(|s| s.kind() == DatasourceKind::Prometheus);
        let Some(source) = source else {
            let msg = match &entry.def.rule.source {
                Some(uid) => format!("source {uid:?}: no such Prometheus datasource"),
                None => "no Prometheus datasource is configured for this PromQL rule".to_owned(),
            };
            finish(inner, entry, Err(msg), now, started).await;
            continue;
        };
        let request = QueryRequest::new(
            json!({"expr": expr, "instant": true, "refId": "A"}),
            TimeRange {
                from_ms: now,
                to_ms: now,
            },
            1,
            0,
        );
        let outcome = match source.query_range(&request).await {
            Ok(series) => Ok(series
                .into_iter()
                .filter_map(|s| {
                    let v = *s.v.last()?;
                    (!v.is_nan()).then(|| EvalResult::promql(s.labels, v))
                })
                .collect()),
            Err(e) => Err(e.to_string()),
        };
        finish(inner, entry, outcome, now, started).await;
    }
}

/// The series a windowed rule holds: points within its lookback, per series.
#[derive(Debug, Default)]
struct Window {
    series: BTreeMap<(String, Labels), Vec<(i64, f64)>>,
}

impl Window {
    fn apply(&mut self, replace: bool, series: Vec<Series>) {
        if replace {
            self.series.clear();
        }
        for s in series {
            let points = self.series.entry((s.name, s.labels)).or_default();
            for (t, v) in s.t.into_iter().zip(s.v) {
                if v.is_nan() {
                    continue;
                }
                if points.last().is_none_or(|p| p.0 <= t) {
                    points.push((t, v));
                } else {
                    let at = points.partition_point(|p| p.0 <= t);
                    points.insert(at, (t, v));
                }
            }
        }
    }

    fn trim(&mut self, oldest: i64) {
        for points in self.series.values_mut() {
            let cut = points.partition_point(|p| p.0 < oldest);
            points.drain(..cut);
        }
        self.series.retain(|_, p| !p.is_empty());
    }
}

/// The panel-style target of a Pulsegrid rule's query on a source of `kind`: the query text
/// goes in the field that source reads (`expr`, `query`, `rawSql`, `topic`...). A query that
/// is a JSON object is the whole target.
pub fn rule_target(kind: DatasourceKind, query: &str) -> Value {
    let trimmed = query.trim();
    if trimmed.starts_with('{')
        && let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(trimmed)
    {
        return v;
    }
    match kind {
        DatasourceKind::Prometheus | DatasourceKind::Pulsegrid => json!({"expr": query}),
        DatasourceKind::Influxdb => json!({"query": query, "rawQuery": true}),
        DatasourceKind::Postgres => json!({"rawSql": query, "format": "time_series"}),
        DatasourceKind::Testdata => json!({"scenarioId": query}),
        DatasourceKind::Mqtt | DatasourceKind::Kafka => json!({"topic": query}),
        DatasourceKind::Nats => json!({"subject": query}),
        DatasourceKind::Redis => json!({"channel": query}),
        DatasourceKind::Amqp => json!({"queue": query}),
        DatasourceKind::Kinesis => json!({"stream": query}),
        DatasourceKind::Websocket => json!({"path": query}),
    }
}

/// Stream rules: their points are evaluated by the stream set's task; this is the full
/// evaluation on the group interval.
async fn run_stream_ticks(inner: &Inner, entry: &RuleEntry) {
    let mut tick = ticker(entry);
    loop {
        tick.tick().await;
        let started = Instant::now();
        let now = now_ms();
        if let Some(results) = inner.stream_set().results_at(&entry.def.key, now) {
            finish(inner, entry, Ok(results), now, started).await;
        }
    }
}

/// Pulsegrid rules: a hub subscription, evaluated on each frame and each tick.
async fn run_windowed(inner: &Inner, entry: &RuleEntry, query: &str) {
    let rule = &entry.def.rule;
    let lookback = lookback_ms(rule);
    let mut tick = ticker(entry);
    loop {
        let source = match &rule.source {
            Some(uid) => inner.sources.get(uid),
            None => inner.sources.default_source(),
        };
        let Some(source) = source else {
            let msg = format!(
                "source {:?}: no such datasource",
                rule.source.as_deref().unwrap_or("(default)")
            );
            tick.tick().await;
            finish(inner, entry, Err(msg), now_ms(), Instant::now()).await;
            continue;
        };
        let spec = QuerySpec {
            datasource: Some(Value::String(source.uid().to_owned())),
            target: rule_target(source.kind(), query),
            from: format!("now-{}", format_duration(lookback)),
            to: "now".into(),
            max_data_points: 11_000,
            refresh_ms: Some(entry.def.interval_ms),
            poll_only: false,
        };
        // A dashboard panel already watching this query (over a window that covers the
        // rule's) is joined rather than queried a second time.
        let (mut sub, mut own) = match inner.hub.join_covering(&spec) {
            Some(sub) => (sub, false),
            None => match inner.hub.subscribe_query(spec.clone()) {
                Ok(sub) => (sub, true),
                Err(e) => {
                    tick.tick().await;
                    finish(inner, entry, Err(e.to_string()), now_ms(), Instant::now()).await;
                    continue;
                }
            },
        };
        let mut window = Window::default();
        let mut trouble: Option<String> = None;
        let mut loaded = false;
        loop {
            let evaluate_now = tokio::select! {
                event = sub.recv() => match event {
                    None => break,
                    Some(LiveEvent::Frame { replace, series, .. }) => {
                        match serde_json::from_str::<Vec<Series>>(&series) {
                            Ok(series) => window.apply(replace, series),
                            Err(e) => tracing::warn!(rule = %entry.def.key, error = %e, "unreadable frame"),
                        }
                        loaded = true;
                        true
                    }
                    Some(LiveEvent::Status { up, message }) => {
                        trouble = (!up).then(|| message.to_string());
                        true
                    }
                    Some(LiveEvent::Error { message }) => {
                        trouble = Some(message.to_string());
                        true
                    }
                    Some(LiveEvent::Lagged { .. }) => {
                        if let Some(snapshot) = sub.snapshot()
                            && let Ok(series) = serde_json::from_str::<Vec<Series>>(&snapshot.series)
                        {
                            window.apply(true, series);
                        }
                        true
                    }
                },
                _ = tick.tick() => {
                    // A panel opened on the same query since: share its upstream query (its
                    // first frame replaces the window); this topic stops if nobody else
                    // watches it.
                    if own && let Some(shared) = inner.hub.join_covering(&spec) {
                        sub = shared;
                        own = false;
                    }
                    loaded || trouble.is_some()
                }
            };
            if !evaluate_now {
                continue;
            }
            let started = Instant::now();
            let now = now_ms();
            window.trim(now - lookback);
            let outcome = match &trouble {
                Some(message) => Err(message.clone()),
                None => {
                    let windows: Vec<SeriesWindow<'_>> = window
                        .series
                        .iter()
                        .map(|((_, labels), points)| SeriesWindow { labels, points })
                        .collect();
                    let mut results = evaluate(rule, &windows, now);
                    // Recording rules name their series after the rule; keep the source's
                    // series name as a label for them.
                    if rule.kind == RuleKind::Recording {
                        for (r, ((name, _), _)) in results.iter_mut().zip(&window.series) {
                            if r.labels.get("__name__").is_none() && !name.is_empty() {
                                r.labels.insert("__name__", name.clone());
                            }
                        }
                    }
                    Ok(results)
                }
            };
            finish(inner, entry, outcome, now, started).await;
        }
        // The topic ended (the hub was reset): subscribe again after a tick.
        tick.tick().await;
    }
}

/// Applies one evaluation: state, persistence, history, alerts, recording.
async fn finish(
    inner: &Inner,
    entry: &RuleEntry,
    outcome: Result<Vec<EvalResult>, String>,
    now: i64,
    started: Instant,
) {
    let def = &entry.def;
    if def.rule.kind == RuleKind::Recording {
        record(inner, entry, outcome, now, started).await;
        return;
    }
    let transitions = {
        let mut rt = entry.runtime();
        let transitions = match &outcome {
            Ok(results) => {
                rt.health = Health::Ok;
                rt.last_error = None;
                rt.state.process(&def.rule, results, now)
            }
            Err(message) => {
                rt.health = Health::Err;
                rt.last_error = Some(message.clone());
                rt.state.process_error(&def.rule, message, now)
            }
        };
        rt.last_eval_ms = Some(now);
        rt.eval_seconds = started.elapsed().as_secs_f64();
        transitions
    };
    publish(inner, entry, transitions, now, true).await;
}

/// Persists a rule's transitions with its state, then sends the alerts they changed to the
/// notifier (with `may_resend`, every firing alert when the resend delay has passed).
async fn publish(
    inner: &Inner,
    entry: &RuleEntry,
    transitions: Vec<Transition>,
    now: i64,
    may_resend: bool,
) {
    let def = &entry.def;
    let (snapshot, alerts) = {
        let mut rt = entry.runtime();
        let changed: Vec<&Labels> = transitions.iter().map(|t| &t.labels).collect();
        let resend = may_resend && now - rt.last_sent_ms >= RESEND_MS;
        let alerts: Vec<Alert> = rt
            .state
            .instances()
            .filter(|i| {
                let fired_or_resolved = matches!(i.state, AlertState::Firing)
                    || (i.state == AlertState::Resolved && changed.contains(&&i.labels));
                fired_or_resolved && (resend || changed.contains(&&i.labels))
            })
            .map(|i| to_alert(def, i, now, &inner.external_url))
            .collect();
        if resend {
            rt.last_sent_ms = now;
        }
        let snapshot = (!transitions.is_empty()).then(|| rt.state.snapshot());
        (snapshot, alerts)
    };
    if let Some(snapshot) = snapshot {
        persist(inner, def, &snapshot, &transitions, now).await;
    }
    if !alerts.is_empty() {
        let _ = inner.alerts.send(alerts).await;
    }
}

/// Writes the rule's state and its transitions before anything is notified.
async fn persist(
    inner: &Inner,
    def: &RuleDef,
    snapshot: &RuleStateSnapshot,
    transitions: &[Transition],
    now: i64,
) {
    let body = match serde_json::to_string(snapshot) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(rule = %def.key, error = %e, "cannot serialise the rule state");
            return;
        }
    };
    let state = StoredRuleState {
        rule_key: def.key.clone(),
        fingerprint: format!("{:016x}", snapshot.fingerprint),
        body,
        updated_at_ms: now,
    };
    let rows: Vec<NewHistoryEntry> = transitions
        .iter()
        .map(|t| NewHistoryEntry {
            rule_key: def.key.clone(),
            alertname: def.rule.name.clone(),
            instance: pulsegrid_alerting::notify::Fingerprint::of(&t.labels).to_string(),
            labels: serde_json::to_string(&t.labels).unwrap_or_default(),
            from_state: state_name(t.from).to_owned(),
            to_state: state_name(t.to).to_owned(),
            value: t.value,
            at_ms: t.at_ms,
        })
        .collect();
    // One commit for the state and its history: it comes before the notification.
    if let Err(e) = inner.store.record_transitions(&[state], &rows).await {
        tracing::error!(rule = %def.key, error = %e, "cannot persist the rule state and history");
    }
}

/// The state's name in APIs and history.
pub fn state_name(s: AlertState) -> &'static str {
    match s {
        AlertState::Inactive => "inactive",
        AlertState::Pending => "pending",
        AlertState::Firing => "firing",
        AlertState::Resolved => "resolved",
        AlertState::NoData => "nodata",
        AlertState::Error => "error",
    }
}

/// A recording rule writes each result as a point of the series named by the rule, into the
/// `pulsegrid` source's `rules` stream.
async fn record(
    inner: &Inner,
    entry: &RuleEntry,
    outcome: Result<Vec<EvalResult>, String>,
    now: i64,
    started: Instant,
) {
    let def = &entry.def;
    let results = match outcome {
        Ok(results) => results,
        Err(message) => {
            let mut rt = entry.runtime();
            rt.health = Health::Err;
            rt.last_error = Some(message);
            rt.last_eval_ms = Some(now);
            return;
        }
    };
    let points: Vec<(SeriesKey, Sample)> = results
        .into_iter()
        .filter_map(|r| {
            let value = r.value?;
            let mut labels: BTreeMap<String, String> = r
                .labels
                .iter()
                .filter(|(k, _)| *k != "__name__")
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            for (k, v) in &def.rule.labels {
                labels.insert(k.clone(), v.clone());
            }
            Some((
                SeriesKey::new(def.rule.name.clone(), labels.into_iter().collect()),
                Sample { t: now, v: value },
            ))
        })
        .collect();
    let written = inner.ingest.write(RECORDING_STREAM, points).await;
    let mut rt = entry.runtime();
    rt.last_eval_ms = Some(now);
    rt.eval_seconds = started.elapsed().as_secs_f64();
    match written {
        Ok(()) => {
            rt.health = Health::Ok;
            rt.last_error = None;
        }
        Err(e) => {
            rt.health = Health::Err;
            rt.last_error = Some(format!("cannot write the recorded series: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_put_the_query_where_the_source_reads_it() {
        assert_eq!(
            rule_target(DatasourceKind::Pulsegrid, "temp{a=\"b\"}"),
            json!({"expr": "temp{a=\"b\"}"})
        );
        assert_eq!(
            rule_target(DatasourceKind::Postgres, "SELECT 1"),
            json!({"rawSql": "SELECT 1", "format": "time_series"})
        );
        assert_eq!(
            rule_target(DatasourceKind::Mqtt, r#"{"topic": "a/b", "field": "t"}"#),
            json!({"topic": "a/b", "field": "t"})
        );
    }

    #[test]
    fn window_keeps_order_and_trims() {
        let mut w = Window::default();
        let s = |t: Vec<i64>, v: Vec<f64>| Series {
            name: "x".into(),
            labels: Labels::new(),
            t,
            v,
        };
        w.apply(true, vec![s(vec![1, 3], vec![1.0, 3.0])]);
        w.apply(false, vec![s(vec![2, 4], vec![2.0, f64::NAN])]);
        let points = w.series.values().next().unwrap().clone();
        assert_eq!(points, vec![(1, 1.0), (2, 2.0), (3, 3.0)]);
        w.trim(3);
        assert_eq!(w.series.values().next().unwrap(), &vec![(3, 3.0)]);
        w.trim(10);
        assert!(w.series.is_empty());
    }
}
