//! The hub: one topic per distinct upstream query or stream, however many clients watch it.
//!
//! `subscribe_query` resolves the datasource, computes the topic key (datasource uid,
//! canonical target, relative window as written, so a time shift is part of it, step, and
//! whether it is polled only) and joins the existing topic or starts a new one
//! with its upstream task. Each [`Subscription`] holds a guard; when the last guard of a topic
//! drops, the topic is removed and its upstream task cancelled. Counters for `/metrics` live
//! here too and are shared with the topics and the WebSocket sessions.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use pulsegrid_connectors::{QueryRequest, Sources, canonical_target};
use pulsegrid_model::{Series, TimeRange};
use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::error::{HubError, Result};
use crate::fanout::Fanout;
use crate::topic::{LiveEvent, Snapshot, Topic, TopicKey};
use crate::upstream::{self, QueryJob};

/// Tuning of the hub; the defaults suit a dashboard server.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// Events a topic buffers for slow receivers before they lag and must resync.
    pub topic_capacity: usize,
    /// Outgoing frames queued per WebSocket connection before its frames are coalesced.
    pub client_queue: usize,
    /// Refresh interval for poll sources when the panel sets none, in ms.
    pub default_refresh_ms: i64,
    /// The longest window a topic keeps in memory, in ms; stream subscriptions (which carry
    /// no range) get this much history.
    pub max_window_ms: i64,
    /// The most points a topic keeps per series (the newest).
    pub max_window_points: usize,
    /// First retry delay after an upstream error, in ms; doubled per failure.
    pub backoff_initial_ms: i64,
    /// Longest retry delay after upstream errors, in ms.
    pub backoff_max_ms: i64,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            topic_capacity: 256,
            client_queue: 64,
            default_refresh_ms: 5_000,
            max_window_ms: 15 * 60_000,
            max_window_points: 10_000,
            backoff_initial_ms: 500,
            backoff_max_ms: 60_000,
        }
    }
}

/// Ingested history for stream topics (the ring buffer), so a late subscriber sees the
/// recent past.
pub trait StreamHistory: Send + Sync + fmt::Debug {
    /// The stream's series within `range`.
    fn window(&self, stream: &str, range: TimeRange) -> Vec<Series>;
}

/// A query to watch live: a panel target over a relative window.
#[derive(Clone, Debug)]
pub struct QuerySpec {
    /// The panel's or target's datasource reference (`{"uid": ...}`, a uid or name, or null
    /// for the default).
    pub datasource: Option<Value>,
    /// The panel target as Grafana stores it.
    pub target: Value,
    /// The window's start (`now-5m`).
    pub from: String,
    /// The window's end (`now`).
    pub to: String,
    /// Grafana's `maxDataPoints`.
    pub max_data_points: u32,
    /// The panel's refresh interval in ms, if it sets one.
    pub refresh_ms: Option<i64>,
    /// The window is shifted into the past (a panel's `timeShift` or a "compare with"
    /// subscription): re-query it on the refresh interval (or [`SHIFTED_REFRESH_MS`]),
    /// never follow a live subscription, whose new points would lie outside the window.
    pub poll_only: bool,
}

/// How often a shifted window is re-queried when the panel sets no refresh interval.
pub const SHIFTED_REFRESH_MS: i64 = 10_000;

/// A point-in-time view of the hub's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HubStats {
    /// Live topics.
    pub topics: u64,
    /// Subscriptions across all topics.
    pub subscribers: u64,
    /// Upstream `query_range` calls made by topics.
    pub upstream_queries_total: u64,
    /// Upstream calls that failed.
    pub upstream_errors_total: u64,
    /// Events published by topics (each serialized once).
    pub frames_published_total: u64,
    /// Open WebSocket connections.
    pub connections: u64,
    /// Messages written to WebSocket clients.
    pub frames_sent_total: u64,
    /// Frames queued for WebSocket clients right now, over all connections.
    pub queued_frames: u64,
    /// Bytes of those queued frames.
    pub queued_bytes: u64,
    /// The longest outgoing queue any connection has had.
    pub queued_frames_peak: u64,
    /// Append frames dropped for slow clients (replaced by a resync).
    pub frames_dropped_total: u64,
    /// Replace frames sent to resync slow or lagging clients.
    pub resyncs_total: u64,
}

/// The hub's shared counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) upstream_queries: AtomicU64,
    pub(crate) upstream_errors: AtomicU64,
    pub(crate) frames_published: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) frames_sent: AtomicU64,
    pub(crate) queued_frames: AtomicU64,
    pub(crate) queued_bytes: AtomicU64,
    pub(crate) queued_frames_peak: AtomicU64,
    pub(crate) frames_dropped: AtomicU64,
    pub(crate) resyncs: AtomicU64,
}

impl Counters {
    pub(crate) fn frame_published(&self) {
        self.frames_published.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts frames written straight to sockets, bypassing the sessions.
    pub(crate) fn frames_written(&self, n: u64) {
        if n > 0 {
            self.frames_sent.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// The live hub; cheap to clone (all clones share the same topics).
#[derive(Clone, Debug)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    config: HubConfig,
    sources: RwLock<Sources>,
    history: RwLock<Option<Arc<dyn StreamHistory>>>,
    topics: Mutex<HashMap<TopicKey, TopicEntry>>,
    counters: Arc<Counters>,
    fanout: Arc<Fanout>,
}

impl fmt::Debug for HubInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubInner")
            .field("config", &self.config)
            .field("topics", &self.topics.try_lock().map(|t| t.len()).ok())
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct TopicEntry {
    topic: Arc<Topic>,
    subscribers: usize,
}

impl HubInner {
    fn lock_topics(&self) -> MutexGuard<'_, HashMap<TopicKey, TopicEntry>> {
        self.topics.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Hub {
    /// A hub over these datasources.
    pub fn new(sources: Sources, config: HubConfig) -> Hub {
        Hub {
            inner: Arc::new(HubInner {
                config,
                sources: RwLock::new(sources),
                history: RwLock::new(None),
                topics: Mutex::new(HashMap::new()),
                counters: Arc::default(),
                fanout: Arc::default(),
            }),
        }
    }

    /// The hub's configuration.
    pub fn config(&self) -> &HubConfig {
        &self.inner.config
    }

    pub(crate) fn counters(&self) -> &Arc<Counters> {
        &self.inner.counters
    }

    /// Swaps the datasources (after a reload). Running topics keep their source until they
    /// end; new topics use the new ones.
    pub fn set_sources(&self, sources: Sources) {
        *self
            .inner
            .sources
            .write()
            .unwrap_or_else(|p| p.into_inner()) = sources;
    }

    /// Sets where stream topics take their initial window from.
    pub fn set_stream_history(&self, history: Arc<dyn StreamHistory>) {
        *self
            .inner
            .history
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(history);
    }

    /// Watches a query: joins the topic with the same key or starts it.
    pub fn subscribe_query(&self, spec: QuerySpec) -> Result<Subscription> {
        let source = self
            .inner
            .sources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .resolve(spec.datasource.as_ref())
            .ok_or_else(|| {
                HubError::UnknownDatasource(match &spec.datasource {
                    None | Some(Value::Null) => "(default: none configured)".to_owned(),
                    Some(other) => other.to_string(),
                })
            })?;
        let range = TimeRange::parse(&spec.from, &spec.to, now_ms())
            .map_err(|e| HubError::InvalidRange(e.to_string()))?;
        let step_ms = QueryRequest::new(Value::Null, range, spec.max_data_points, 0).interval_ms;
        let key = TopicKey::Query {
            uid: source.uid().to_owned(),
            target: canonical_target(&spec.target),
            from: spec.from.clone(),
            to: spec.to.clone(),
            step_ms,
            poll_only: spec.poll_only,
        };
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| HubError::NoRuntime)?;
        let mut topics = self.inner.lock_topics();
        if let Some(entry) = topics.get_mut(&key) {
            entry.subscribers += 1;
            return Ok(self.attach(entry.topic.clone()));
        }
        let config = &self.inner.config;
        let topic = Arc::new(Topic::new(
            key.clone(),
            config.topic_capacity,
            None,
            self.inner.counters.clone(),
            self.inner.fanout.clone(),
        ));
        let job = QueryJob {
            target: spec.target,
            from: spec.from,
            to: spec.to,
            max_data_points: spec.max_data_points,
            refresh_ms: spec.refresh_ms.unwrap_or(if spec.poll_only {
                SHIFTED_REFRESH_MS
            } else {
                config.default_refresh_ms
            }),
            poll_only: spec.poll_only,
        };
        runtime.spawn(upstream::run(
            topic.clone(),
            source,
            job,
            config.clone(),
            self.inner.counters.clone(),
        ));
        topics.insert(
            key,
            TopicEntry {
                topic: topic.clone(),
                subscribers: 1,
            },
        );
        Ok(self.attach(topic))
    }

    /// Joins a running topic of the same datasource and query whose window ends now and
    /// covers at least `spec`'s window, whatever its step and legend (a dashboard panel's
    /// topic), other than the topic `spec` itself would make. A rule watching a panel's query this way rides
    /// the panel's upstream query instead of running its own. `None` when there is none.
    pub fn join_covering(&self, spec: &QuerySpec) -> Option<Subscription> {
        let source = self
            .inner
            .sources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .resolve(spec.datasource.as_ref())?;
        let now = now_ms();
        let wanted = TimeRange::parse(&spec.from, &spec.to, now).ok()?;
        let exact = canonical_target(&spec.target);
        let target = query_identity(&exact);
        let own_step = QueryRequest::new(Value::Null, wanted, spec.max_data_points, 0).interval_ms;
        let mut topics = self.inner.lock_topics();
        let (_, entry) = topics
            .iter_mut()
            .filter_map(|(key, entry)| match key {
                TopicKey::Query {
                    uid,
                    target: t,
                    from,
                    to,
                    step_ms,
                    poll_only: false,
                } if *uid == source.uid()
                    && to == "now"
                    && query_identity(t) == target
                    && !(*t == exact
                        && *from == spec.from
                        && *to == spec.to
                        && *step_ms == own_step) =>
                {
                    let range = TimeRange::parse(from, to, now).ok()?;
                    (range.from_ms <= wanted.from_ms)
                        .then_some((range.to_ms - range.from_ms, entry))
                }
                _ => None,
            })
            .min_by_key(|(span, _)| *span)?;
        entry.subscribers += 1;
        let topic = entry.topic.clone();
        drop(topics);
        Some(self.attach(topic))
    }

    /// Watches an ingested or pushed stream; its initial window comes from the history.
    pub fn subscribe_stream(&self, stream: &str) -> Subscription {
        let key = TopicKey::Stream(stream.to_owned());
        if let Some(entry) = self.inner.lock_topics().get_mut(&key) {
            entry.subscribers += 1;
            return self.attach(entry.topic.clone());
        }
        // Read the history outside the topics lock: it may copy a lot.
        let now = now_ms();
        let range = TimeRange {
            from_ms: now - self.inner.config.max_window_ms,
            to_ms: now,
        };
        let history = self
            .inner
            .history
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let initial = history.map_or_else(Vec::new, |h| h.window(stream, range));
        let mut topics = self.inner.lock_topics();
        let entry = topics.entry(key.clone()).or_insert_with(|| TopicEntry {
            topic: Arc::new(Topic::new(
                key,
                self.inner.config.topic_capacity,
                Some(initial),
                self.inner.counters.clone(),
                self.inner.fanout.clone(),
            )),
            subscribers: 0,
        });
        entry.subscribers += 1;
        let topic = entry.topic.clone();
        drop(topics);
        self.attach(topic)
    }

    /// Publishes new points of a stream to its subscribers; a no-op when nobody watches it.
    pub fn publish_stream(&self, stream: &str, series: Vec<Series>) {
        let key = TopicKey::Stream(stream.to_owned());
        let topic = match self.inner.lock_topics().get(&key) {
            Some(entry) => entry.topic.clone(),
            None => return,
        };
        let config = &self.inner.config;
        topic.publish_append(
            series,
            now_ms() - config.max_window_ms,
            config.max_window_points,
        );
    }

    /// Counters and gauges for `/metrics`.
    pub fn stats(&self) -> HubStats {
        let (topics, subscribers) = {
            let topics = self.inner.lock_topics();
            (
                topics.len() as u64,
                topics.values().map(|e| e.subscribers as u64).sum(),
            )
        };
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        HubStats {
            topics,
            subscribers,
            upstream_queries_total: get(&c.upstream_queries),
            upstream_errors_total: get(&c.upstream_errors),
            frames_published_total: get(&c.frames_published),
            connections: get(&c.connections),
            frames_sent_total: get(&c.frames_sent),
            queued_frames: get(&c.queued_frames),
            queued_bytes: get(&c.queued_bytes),
            queued_frames_peak: get(&c.queued_frames_peak),
            frames_dropped_total: get(&c.frames_dropped),
            resyncs_total: get(&c.resyncs),
        }
    }

    fn attach(&self, topic: Arc<Topic>) -> Subscription {
        let (rx, initial) = topic.attach();
        Subscription {
            rx,
            initial: initial.into_iter().rev().collect(),
            guard: SubscriberGuard {
                hub: self.inner.clone(),
                topic,
            },
        }
    }
}

/// One subscriber's view of a topic: its events, starting with a replace frame of the
/// current window when there is one. Dropping the last subscription of a topic stops it.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<LiveEvent>,
    /// Events to hand out before the receiver's, in reverse order (popped from the end).
    initial: Vec<LiveEvent>,
    guard: SubscriberGuard,
}

impl Subscription {
    /// The next event; `None` once the topic has ended.
    pub async fn recv(&mut self) -> Option<LiveEvent> {
        if let Some(event) = self.initial.pop() {
            return Some(event);
        }
        match self.rx.recv().await {
            Ok(event) => Some(event),
            Err(RecvError::Lagged(missed)) => Some(LiveEvent::Lagged { missed }),
            Err(RecvError::Closed) => None,
        }
    }

    /// Hands everything not handed out yet to `push`, in order (the first window, then what
    /// arrived since), and keeps only the guard that counts the topic as watched. The topic
    /// holds its lock meanwhile ([`Topic::add_inbox`]), so nothing is missed or doubled.
    pub(crate) fn drain(mut self, push: &mut dyn FnMut(LiveEvent)) -> WatchGuard {
        while let Some(event) = self.initial.pop() {
            push(event);
        }
        loop {
            match self.rx.try_recv() {
                Ok(event) => push(event),
                Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                    push(LiveEvent::Lagged { missed });
                }
                Err(_) => break,
            }
        }
        WatchGuard { _guard: self.guard }
    }

    /// The topic's current window, to resync after [`LiveEvent::Lagged`].
    pub fn snapshot(&self) -> Option<Snapshot> {
        self.guard.topic.snapshot()
    }

    pub(crate) fn topic(&self) -> Arc<Topic> {
        self.guard.topic.clone()
    }
}

/// Keeps a topic counted as watched (the rest of a [`Subscription`] after
/// [`Subscription::drain`]).
#[derive(Debug)]
pub(crate) struct WatchGuard {
    _guard: SubscriberGuard,
}

#[derive(Debug)]
struct SubscriberGuard {
    hub: Arc<HubInner>,
    topic: Arc<Topic>,
}

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        let mut topics = self.hub.lock_topics();
        let Some(entry) = topics.get_mut(&self.topic.key) else {
            return;
        };
        if !Arc::ptr_eq(&entry.topic, &self.topic) {
            return;
        }
        entry.subscribers = entry.subscribers.saturating_sub(1);
        if entry.subscribers == 0 {
            topics.remove(&self.topic.key);
            self.topic.cancel.cancel();
        }
    }
}

/// Unix milliseconds now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A canonical target without what only changes how its series are named or edited
/// (`legendFormat`, `editorMode`, `exemplar`): the same upstream query.
fn query_identity(canonical: &str) -> String {
    match serde_json::from_str::<Value>(canonical) {
        Ok(Value::Object(mut map)) => {
            for key in ["legendFormat", "editorMode", "exemplar"] {
                map.remove(key);
            }
            canonical_target(&Value::Object(map))
        }
        _ => canonical.to_owned(),
    }
}
