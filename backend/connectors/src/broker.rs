//! What every subscribing (broker) connector shares: reconnect [`Backoff`] with jitter, and the
//! [`Emitter`] that turns raw messages into frames for the hub (decode, label from the topic,
//! batch, keep recent points for `query_range`, report bad messages without stopping).

pub mod fanout;
pub mod tls;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pulsegrid_model::{Labels, Sample, Series, SeriesKey, TimeRange};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::decode::{PayloadDecoder, TopicPattern};
use crate::source::{SourceEvent, canonical_target};

/// Capped exponential backoff with jitter (each delay is 50-100 % of the nominal one).
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `initial`, doubles up to `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            next: initial,
        }
    }

    /// The delay before the next attempt; each call doubles the following one.
    pub fn next_delay(&mut self) -> Duration {
        let nominal = self.next;
        self.next = (self.next * 2).min(self.max);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let fraction = 0.5 + f64::from(nanos % 1000) / 2000.0;
        nominal.mul_f64(fraction)
    }

    /// After a successful connection: start again from `initial`.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_millis(200), Duration::from_secs(30))
    }
}

/// Recent points of a subscription, per series, so `query_range` can answer while (and after)
/// a subscription runs. Bounded in series and points.
#[derive(Debug)]
pub struct RecentPoints {
    max_points: usize,
    max_series: usize,
    series: Mutex<BTreeMap<SeriesKey, VecDeque<Sample>>>,
}

impl RecentPoints {
    /// A buffer of at most `max_series` series of `max_points` each.
    pub fn new(max_series: usize, max_points: usize) -> Self {
        RecentPoints {
            max_points: max_points.max(1),
            max_series: max_series.max(1),
            series: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records samples; new series beyond the bound are dropped.
    pub fn record(&self, samples: &[(SeriesKey, Sample)]) {
        let mut map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        for (key, sample) in samples {
            // Look up before inserting: the key is cloned only for a series seen the first
            // time, not for every sample.
            if !map.contains_key(key) {
                if map.len() >= self.max_series {
                    continue;
                }
                map.insert(key.clone(), VecDeque::new());
            }
            let Some(points) = map.get_mut(key) else {
                continue;
            };
            points.push_back(*sample);
            while points.len() > self.max_points {
                points.pop_front();
            }
        }
    }

    /// The recorded points within `range`, one series per key, sorted by time.
    pub fn query(&self, range: TimeRange) -> Vec<Series> {
        let map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .filter_map(|(key, points)| {
                let mut series = Series::new(key.clone());
                let mut sorted: Vec<Sample> = points
                    .iter()
                    .filter(|s| s.t >= range.from_ms && s.t <= range.to_ms)
                    .copied()
                    .collect();
                sorted.sort_by_key(|s| s.t);
                for s in sorted {
                    series.push(s.t, s.v);
                }
                (!series.is_empty()).then_some(series)
            })
            .collect()
    }
}

/// Panel targets whose recent points a source keeps at most; beyond it, targets nobody
/// subscribes to any more are forgotten.
const RECENT_TARGETS: usize = 256;

/// Recent points per panel target (by canonical target text), for `query_range`: each
/// running subscription records into its target's [`RecentPoints`].
#[derive(Debug)]
pub struct RecentByTarget {
    max_series: usize,
    max_points: usize,
    map: Mutex<HashMap<String, Arc<RecentPoints>>>,
}

impl RecentByTarget {
    /// Keeps `max_series` series of `max_points` points per target.
    pub fn new(max_series: usize, max_points: usize) -> Self {
        RecentByTarget {
            max_series,
            max_points,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The buffer a subscription of `target` records into (created on first use).
    pub fn for_target(&self, target: &Value) -> Arc<RecentPoints> {
        let key = canonical_target(target);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if !map.contains_key(&key) && map.len() >= RECENT_TARGETS {
            // Forget the targets nobody is subscribed to any more.
            map.retain(|_, r| Arc::strong_count(r) > 1);
        }
        map.entry(key)
            .or_insert_with(|| Arc::new(RecentPoints::new(self.max_series, self.max_points)))
            .clone()
    }

    /// The recent points of `target` within `range` (none if it was never subscribed).
    pub fn query(&self, target: &Value, range: TimeRange) -> Vec<Series> {
        let recent = self
            .map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&canonical_target(target))
            .cloned();
        recent.map(|r| r.query(range)).unwrap_or_default()
    }
}

/// Counters a connector exposes.
#[derive(Debug, Default)]
pub struct BrokerStats {
    /// Messages received.
    pub messages: AtomicU64,
    /// Messages that did not decode.
    pub bad_messages: AtomicU64,
    /// Connections lost.
    pub disconnects: AtomicU64,
}

/// How often a bad message is written to the log and shown to subscribers at most.
const BAD_MESSAGE_REPORT_EVERY: Duration = Duration::from_secs(10);

/// Turns a subscription's raw messages into hub frames.
#[derive(Debug)]
pub struct Emitter {
    source_name: String,
    decoder: PayloadDecoder,
    pattern: TopicPattern,
    out: mpsc::Sender<SourceEvent>,
    recent: Arc<RecentPoints>,
    stats: Arc<BrokerStats>,
    pending: Vec<(SeriesKey, Sample)>,
    last_bad_report: Option<Instant>,
    up: Option<bool>,
}

impl Emitter {
    /// An emitter for one target of a source.
    pub fn new(
        source_name: &str,
        decoder: PayloadDecoder,
        pattern: TopicPattern,
        out: mpsc::Sender<SourceEvent>,
        recent: Arc<RecentPoints>,
        stats: Arc<BrokerStats>,
    ) -> Self {
        Emitter {
            source_name: source_name.to_owned(),
            decoder,
            pattern,
            out,
            recent,
            stats,
            pending: Vec::new(),
            last_bad_report: None,
            up: None,
        }
    }

    /// Decodes one message into the pending batch. A message on a topic the pattern does not
    /// match is ignored; one that does not decode is counted and reported (rate-limited).
    pub async fn message(&mut self, topic: &str, payload: &[u8]) {
        self.message_with(topic, &Labels::new(), payload, None)
            .await;
    }

    /// Like [`Self::message`], with `extra` labels added to the topic's (e.g. a Redis channel
    /// name) and `at_ms` as the time of samples that carry none (e.g. a Redis stream entry's
    /// id; now when `None`).
    pub async fn message_with(
        &mut self,
        topic: &str,
        extra: &Labels,
        payload: &[u8],
        at_ms: Option<i64>,
    ) {
        self.stats.messages.fetch_add(1, Ordering::Relaxed);
        let Some(mut labels) = self.pattern.labels(topic) else {
            return;
        };
        for (name, value) in extra.iter() {
            labels.insert(name, value);
        }
        let now = at_ms.unwrap_or_else(now_ms);
        if let Err(e) = self
            .decoder
            .decode(payload, &labels, now, &mut self.pending)
        {
            self.stats.bad_messages.fetch_add(1, Ordering::Relaxed);
            let due = self
                .last_bad_report
                .is_none_or(|t| t.elapsed() >= BAD_MESSAGE_REPORT_EVERY);
            if due {
                self.last_bad_report = Some(Instant::now());
                let message = format!("bad message on {topic}: {e}");
                tracing::warn!(source = self.source_name, topic, error = %e, "message does not decode");
                let _ = self
                    .out
                    .send(SourceEvent::Status { up: true, message })
                    .await;
            }
        }
    }

    /// Sends what is pending as one frame (call after a burst of messages, or on a short tick).
    /// Returns false when the hub has gone (the subscription should end).
    pub async fn flush(&mut self) -> bool {
        if self.pending.is_empty() {
            return !self.out.is_closed();
        }
        let samples = std::mem::take(&mut self.pending);
        self.recent.record(&samples);
        let mut by_key: BTreeMap<SeriesKey, Series> = BTreeMap::new();
        for (key, sample) in samples {
            by_key
                .entry(key)
                .or_insert_with_key(|k| Series::new(k.clone()))
                .push(sample.t, sample.v);
        }
        let series = by_key.into_values().collect();
        self.out
            .send(SourceEvent::Frame {
                series,
                replace: false,
            })
            .await
            .is_ok()
    }

    /// Points waiting to be flushed.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Reports the connection state to subscribers (only on a change).
    pub async fn status(&mut self, up: bool, message: impl Into<String>) {
        if self.up == Some(up) {
            return;
        }
        if !up && self.up.is_some() {
            self.stats.disconnects.fetch_add(1, Ordering::Relaxed);
        }
        self.up = Some(up);
        let _ = self
            .out
            .send(SourceEvent::Status {
                up,
                message: message.into(),
            })
            .await;
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::WildcardStyle;
    use pulsegrid_model::Labels;
    use serde_json::json;

    #[test]
    fn backoff_doubles_caps_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(400));
        let d: Vec<_> = (0..4).map(|_| b.next_delay().as_millis()).collect();
        assert!(
            (50..=100).contains(&d[0]) && (100..=200).contains(&d[1]),
            "{d:?}"
        );
        assert!(
            (200..=400).contains(&d[2]) && (200..=400).contains(&d[3]),
            "{d:?}"
        );
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn recent_points_are_bounded() {
        let recent = RecentPoints::new(1, 2);
        let key = |n: &str| SeriesKey::new(n, Labels::new());
        let s = |t| Sample { t, v: 1.0 };
        recent.record(&[
            (key("a"), s(1)),
            (key("a"), s(2)),
            (key("a"), s(3)),
            (key("b"), s(1)),
        ]);
        let out = recent.query(TimeRange {
            from_ms: 0,
            to_ms: 10,
        });
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].t, [2, 3]);
    }

    #[tokio::test]
    async fn emitter_batches_labels_and_reports_bad_messages() {
        let (tx, mut rx) = mpsc::channel(8);
        let decoder = PayloadDecoder::from_target(&json!({"field": "v"}), "temp").unwrap();
        let pattern = TopicPattern::parse("plant/+boiler/temp", WildcardStyle::Mqtt).unwrap();
        let recent = Arc::new(RecentPoints::new(10, 10));
        let stats = Arc::new(BrokerStats::default());
        let mut e = Emitter::new("mqtt", decoder, pattern, tx, recent.clone(), stats.clone());
        e.status(true, "connected").await;
        e.message("plant/b1/temp", br#"{"v": 1}"#).await;
        e.message("plant/b2/temp", br#"{"v": 2}"#).await;
        e.message("plant/b2/temp", b"oops").await;
        e.message("other/topic", b"3").await;
        assert!(e.flush().await);
        assert!(matches!(
            rx.recv().await,
            Some(SourceEvent::Status { up: true, .. })
        ));
        match rx.recv().await {
            Some(SourceEvent::Status { message, .. }) => assert!(
                message.contains("bad message on plant/b2/temp"),
                "{message}"
            ),
            other => panic!("{other:?}"),
        }
        match rx.recv().await {
            Some(SourceEvent::Frame { series, replace }) => {
                assert!(!replace);
                assert_eq!(series.len(), 2);
                assert_eq!(series[0].labels.get("boiler"), Some("b1"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(stats.bad_messages.load(Ordering::Relaxed), 1);
        assert_eq!(
            recent
                .query(TimeRange {
                    from_ms: 0,
                    to_ms: i64::MAX
                })
                .len(),
            2
        );
    }
}
