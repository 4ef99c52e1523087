//! Fake sources and a fake panel resolver for the live tests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pulsegrid_connectors::{
    BoxFuture, LiveMode, QueryRequest, Result, Source, SourceError, SourceEvent,
};
use pulsegrid_live::{PanelQuery, PanelResolver};
use pulsegrid_model::{DatasourceKind, Labels, Series, SeriesKey};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio_util::sync::CancellationToken;

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A series named `name` with these points.
pub(crate) fn series(name: &str, points: &[(i64, f64)]) -> Series {
    let mut s = Series::new(SeriesKey::new(name, Labels::new()));
    for (t, v) in points {
        s.push(*t, *v);
    }
    s
}

/// A poll source that counts its queries. Query `k` adds the point `(now, k)`; each answer
/// holds the points inside the requested window. Queries can be gated (each needs a permit),
/// made to fail (upstream down), and a target with `"invalid": true` is an invalid query.
#[derive(Debug)]
pub(crate) struct PollSource {
    uid: String,
    pub(crate) calls: AtomicU64,
    pub(crate) fail: AtomicBool,
    gate: Semaphore,
    points: Mutex<Vec<(i64, f64)>>,
}

impl PollSource {
    /// Ungated: every query runs at once.
    pub(crate) fn new(uid: &str) -> Self {
        let source = Self::gated(uid);
        source.release(Semaphore::MAX_PERMITS / 2);
        source
    }

    /// Each query waits for a [`PollSource::release`].
    pub(crate) fn gated(uid: &str) -> Self {
        PollSource {
            uid: uid.to_owned(),
            calls: AtomicU64::new(0),
            fail: AtomicBool::new(false),
            gate: Semaphore::new(0),
            points: Mutex::new(Vec::new()),
        }
    }

    /// Lets `n` more queries through.
    pub(crate) fn release(&self, n: usize) {
        self.gate.add_permits(n);
    }

    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Source for PollSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Testdata
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            if let Ok(permit) = self.gate.acquire().await {
                permit.forget();
            }
            let k = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if req.target.get("invalid").is_some() {
                return Err(SourceError::InvalidQuery("field \"invalid\" is set".into()));
            }
            if self.fail.load(Ordering::SeqCst) {
                return Err(SourceError::Upstream {
                    source_name: self.uid.clone(),
                    message: "connection refused".into(),
                });
            }
            let name = req
                .target
                .get("series")
                .and_then(Value::as_str)
                .unwrap_or("counter");
            let mut points = self.points.lock().unwrap();
            let t = now_ms().max(points.last().map_or(0, |p| p.0 + 1));
            points.push((t, k as f64));
            let inside: Vec<(i64, f64)> = points
                .iter()
                .copied()
                .filter(|(t, _)| *t >= req.range.from_ms)
                .collect();
            Ok(vec![series(name, &inside)])
        })
    }
}

/// A subscribing source driven by the test through [`ManualSource::push`].
#[derive(Debug)]
pub(crate) struct ManualSource {
    uid: String,
    tx: broadcast::Sender<SourceEvent>,
    pub(crate) initial: Mutex<Vec<Series>>,
    /// How long `query_range` takes after reading `initial` (a slow window load).
    pub(crate) query_delay_ms: std::sync::atomic::AtomicU64,
}

impl ManualSource {
    pub(crate) fn new(uid: &str) -> Self {
        ManualSource {
            uid: uid.to_owned(),
            tx: broadcast::channel(4096).0,
            initial: Mutex::new(Vec::new()),
            query_delay_ms: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Sends an event to every running subscription.
    pub(crate) fn push(&self, event: SourceEvent) {
        let _ = self.tx.send(event);
    }

    /// Running subscriptions (upstream connections).
    pub(crate) fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

impl Source for ManualSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Mqtt
    }

    fn query_range<'a>(&'a self, _req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            let window = self.initial.lock().unwrap().clone();
            let delay = self
                .query_delay_ms
                .load(std::sync::atomic::Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            Ok(window)
        })
    }

    fn live_mode(&self, _target: &Value, _default_every_ms: i64) -> LiveMode {
        LiveMode::Subscribe
    }

    fn subscribe<'a>(
        &'a self,
        _target: &'a Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<()>> {
        let mut rx = self.tx.subscribe();
        Box::pin(async move {
            loop {
                tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    event = rx.recv() => match event {
                        Ok(event) => {
                            if out.send(event).await.is_err() {
                                return Ok(());
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return Ok(()),
                    },
                }
            }
        })
    }
}

/// Dashboards as a map from (uid, panel id) to queries.
#[derive(Debug, Default)]
pub(crate) struct Panels(pub HashMap<(String, i64), Vec<PanelQuery>>);

impl Panels {
    /// Adds panel `id` of dashboard `uid` with targets on datasource `ds`.
    pub(crate) fn with(mut self, uid: &str, id: i64, ds: &str, targets: &[Value]) -> Self {
        let queries = targets
            .iter()
            .map(|t| PanelQuery {
                datasource: Some(json!({"uid": ds})),
                target: t.clone(),
                max_data_points: 100,
                refresh_ms: Some(20),
            })
            .collect();
        self.0.insert((uid.to_owned(), id), queries);
        self
    }
}

impl PanelResolver for Panels {
    fn resolve(
        &self,
        dashboard_uid: &str,
        panel_id: i64,
    ) -> std::result::Result<Vec<PanelQuery>, String> {
        self.0
            .get(&(dashboard_uid.to_owned(), panel_id))
            .cloned()
            .ok_or_else(|| format!("dashboard {dashboard_uid:?} has no panel {panel_id}"))
    }
}
