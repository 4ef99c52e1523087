//! [`KafkaSource`]: panel targets (`topic`, `startTime`, `labelFromKey` and the decoding
//! fields) become members of the datasource's shared [`Feed`]s, one per distinct (topic,
//! start), all on one client.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Labels, Series};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::config::{KafkaConfig, KafkaTarget, StartFrom};
use super::feed::{Feed, KafkaDelivery, Upstream};
use crate::broker::fanout::{DELIVERY_BUFFER, MAX_POINTS_PER_FRAME};
use crate::broker::{BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};

/// Series kept per target for `query_range`.
const RECENT_SERIES: usize = 500;
/// Points kept per series for `query_range`.
const RECENT_POINTS: usize = 4096;

/// A feed is shared by the subscriptions that read the same topic from the same start.
type FeedKey = (String, StartFrom);

/// What every `subscribe` call of one datasource shares.
#[derive(Debug)]
struct Shared {
    upstream: Arc<Upstream>,
    feeds: Mutex<HashMap<FeedKey, Weak<Feed>>>,
    recent: RecentByTarget,
    stats: Arc<BrokerStats>,
}

/// A Kafka datasource: one client shared by all its running subscriptions, one set of
/// partition consumers per distinct topic (and start).
#[derive(Debug)]
pub struct KafkaSource {
    uid: String,
    name: String,
    shared: Arc<Shared>,
}

impl KafkaSource {
    /// A source for `ds`; nothing connects until the first subscription.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        let config = KafkaConfig::from_datasource(ds)?;
        Ok(KafkaSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            shared: Arc::new(Shared {
                upstream: Arc::new(Upstream::new(config, &ds.name)),
                feeds: Mutex::new(HashMap::new()),
                recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
                stats: Arc::new(BrokerStats::default()),
            }),
        })
    }

    /// Its settings.
    pub fn config(&self) -> &KafkaConfig {
        self.shared.upstream.config()
    }

    /// Message counters over all subscriptions.
    pub fn stats(&self) -> &BrokerStats {
        &self.shared.stats
    }

    /// How many feeds (topics being read upstream) are open now.
    pub fn open_feeds(&self) -> usize {
        lock(&self.shared.feeds)
            .values()
            .filter(|f| f.strong_count() > 0)
            .count()
    }

    /// How many partition consumers run now, over all feeds.
    pub fn partition_consumers(&self) -> usize {
        lock(&self.shared.feeds)
            .values()
            .filter_map(Weak::upgrade)
            .map(|f| f.state.partitions.load(Ordering::Relaxed))
            .sum()
    }

    fn recent_for(&self, target: &Value) -> Arc<RecentPoints> {
        self.shared.recent.for_target(target)
    }

    /// Joins (or starts) the feed of each topic of `target`.
    fn join(&self, target: &KafkaTarget, tx: &mpsc::Sender<KafkaDelivery>) -> Membership {
        let mut feeds = lock(&self.shared.feeds);
        feeds.retain(|_, f| f.strong_count() > 0);
        let joined = target
            .topics
            .iter()
            .map(|topic| {
                let key = (topic.clone(), target.start);
                let feed = match feeds.get(&key).and_then(Weak::upgrade) {
                    Some(feed) => feed,
                    None => {
                        let feed = Arc::new(Feed::start(
                            self.shared.upstream.clone(),
                            topic,
                            target.start,
                        ));
                        feeds.insert(key, Arc::downgrade(&feed));
                        feed
                    }
                };
                let id = feed.state.join(tx.clone());
                (feed, id)
            })
            .collect();
        Membership {
            shared: self.shared.clone(),
            feeds: joined,
        }
    }

    async fn run(
        &self,
        target: &Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> Result<()> {
        let parsed = KafkaTarget::parse(target, now_ms())?;
        let decoder = PayloadDecoder::from_target(target, &parsed.name)?;
        let pattern = TopicPattern::parse(&parsed.name, WildcardStyle::Literal)
            .map_err(SourceError::InvalidQuery)?;
        let mut emitter = Emitter::new(
            &self.name,
            decoder,
            pattern,
            out,
            self.recent_for(target),
            self.shared.stats.clone(),
        );
        let (tx, mut rx) = mpsc::channel(DELIVERY_BUFFER);
        let membership = self.join(&parsed, &tx);
        drop(tx);
        let mut reader = Reader {
            target: &parsed,
            emitter: &mut emitter,
            topics: HashMap::new(),
        };
        'frames: loop {
            let first = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                d = rx.recv() => match d {
                    Some(d) => d,
                    None => break,
                },
            };
            let mut next = Some(first);
            while let Some(delivery) = next.take() {
                if !reader.handle(delivery).await {
                    break 'frames;
                }
                next = rx.try_recv().ok();
            }
            if !reader.emitter.flush().await {
                break;
            }
        }
        drop(membership);
        Ok(())
    }
}

/// One subscription's side: decodes records and merges the feeds' states into one status.
struct Reader<'a> {
    target: &'a KafkaTarget,
    emitter: &'a mut Emitter,
    /// Each topic's last state: up, and what its feed said.
    topics: HashMap<Arc<str>, (bool, String)>,
}

impl Reader<'_> {
    /// Returns false when the hub has gone.
    async fn handle(&mut self, delivery: KafkaDelivery) -> bool {
        match delivery {
            KafkaDelivery::Record(record) => {
                if record.value.is_empty() {
                    // A tombstone (a deleted key in a compacted topic) carries no value.
                    return true;
                }
                let mut extra = Labels::new();
                if self.target.topics.len() > 1 {
                    extra.insert("topic", &*record.topic);
                }
                if let (Some(label), Some(key)) = (&self.target.key_label, &record.key) {
                    extra.insert(label.as_str(), String::from_utf8_lossy(key));
                }
                let at = (record.at_ms > 0).then_some(record.at_ms);
                self.emitter
                    .message_with(&record.topic, &extra, &record.value, at)
                    .await;
                self.emitter.pending() < MAX_POINTS_PER_FRAME || self.emitter.flush().await
            }
            KafkaDelivery::Status { topic, up, message } => {
                if !self.emitter.flush().await {
                    return false;
                }
                self.topics.insert(topic, (up, message));
                let down = self.topics.values().find(|(up, _)| !up);
                if let Some((_, why)) = down {
                    let why = why.clone();
                    self.emitter.status(false, why).await;
                } else if self.topics.len() == self.target.topics.len() {
                    let message = match self.topics.values().next() {
                        Some((_, m)) if self.topics.len() == 1 => m.clone(),
                        _ => format!("reading Kafka topics {}", self.target.name),
                    };
                    self.emitter.status(true, message).await;
                }
                true
            }
        }
    }
}

/// One subscription's place in its feeds; leaving happens on drop, so a subscription that is
/// cancelled or simply dropped by the hub cleans up the same way. The client is dropped with
/// the last feed.
#[derive(Debug)]
struct Membership {
    shared: Arc<Shared>,
    feeds: Vec<(Arc<Feed>, u64)>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut feeds = lock(&self.shared.feeds);
        for (feed, id) in std::mem::take(&mut self.feeds) {
            feed.state.leave(id);
        }
        feeds.retain(|_, f| f.strong_count() > 0);
        if feeds.is_empty() {
            self.shared.upstream.close();
        }
    }
}

impl Source for KafkaSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Kafka
    }

    /// The points the running subscriptions of this target have seen within the range.
    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            KafkaTarget::parse(&req.target, now_ms())?;
            PayloadDecoder::from_target(&req.target, "")?;
            Ok(self.shared.recent.query(&req.target, req.range))
        })
    }

    fn live_mode(&self, _target: &Value, _default_every_ms: i64) -> LiveMode {
        LiveMode::Subscribe
    }

    fn subscribe<'a>(
        &'a self,
        target: &'a Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.run(target, out, cancel))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
