//! [`RedisSource`]: parses a target, joins (or starts) the shared feed of its channel or
//! stream, and turns what the feed delivers into frames and status events. The connections
//! live in [`super::connection`].

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Labels, Series};
use serde_json::Value;
use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::config::{RedisConfig, RedisFeed, RedisTarget};
use super::connection::{Delivery, Feed, Feeds, Shared, read_streams, run_pubsub};
use crate::broker::{BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};

/// Messages a feed buffers per subscriber before the slowest one loses the oldest.
const FEED_BUFFER: usize = 4096;
/// Messages decoded into one frame at most.
const MAX_BATCH: usize = 1000;
/// How long the first connection may take before subscribers are told the source is down.
const CONNECT_GRACE: Duration = Duration::from_secs(2);
/// Series and points per series kept for `query_range`.
const RECENT_SERIES: usize = 1000;
const RECENT_POINTS: usize = 2000;

/// A Redis datasource (pub/sub channels and streams).
#[derive(Debug)]
pub struct RedisSource {
    uid: String,
    shared: Arc<Shared>,
}

impl RedisSource {
    /// A source for `ds`. Nothing connects until the first subscription.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        let config = RedisConfig::from_datasource(ds)?;
        let client =
            ::redis::Client::open(config.client_url()).map_err(|e| SourceError::Config {
                name: ds.name.clone(),
                message: format!("`url`: {}", e.detail().unwrap_or("invalid Redis address")),
            })?;
        Ok(RedisSource {
            uid: ds.uid_or_name().to_owned(),
            shared: Arc::new(Shared {
                name: ds.name.clone(),
                client,
                config,
                feeds: Mutex::new(Feeds::default()),
                pubsub_wake: Arc::new(Notify::new()),
                streams_wake: Arc::new(Notify::new()),
                pubsub_up: watch::Sender::new(false),
                streams_up: watch::Sender::new(false),
                recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
                stats: Arc::new(BrokerStats::default()),
            }),
        })
    }

    /// The source's message counters.
    pub fn stats(&self) -> &BrokerStats {
        &self.shared.stats
    }

    /// How many upstream feeds (channels, patterns and streams) are open now.
    pub fn open_feeds(&self) -> usize {
        let feeds = self.shared.feeds();
        feeds
            .channels
            .values()
            .filter(|f| f.strong_count() > 0)
            .count()
            + feeds
                .streams
                .values()
                .filter(|(f, _)| f.strong_count() > 0)
                .count()
    }

    /// The feed for `key`: the running one, or a new one (starting its connection task when
    /// none runs).
    fn feed(&self, key: &RedisFeed) -> Arc<Feed> {
        let shared = &self.shared;
        let mut feeds = shared.feeds();
        let is_stream = matches!(key, RedisFeed::Stream { .. });
        let existing = if is_stream {
            feeds.streams.get(key).and_then(|(f, _)| f.upgrade())
        } else {
            feeds.channels.get(key).and_then(Weak::upgrade)
        };
        if let Some(feed) = existing {
            return feed;
        }
        let wake = if is_stream {
            shared.streams_wake.clone()
        } else {
            shared.pubsub_wake.clone()
        };
        let (tx, _) = broadcast::channel(FEED_BUFFER);
        let feed = Arc::new(Feed {
            tx,
            wake: wake.clone(),
        });
        if is_stream {
            feeds
                .streams
                .insert(key.clone(), (Arc::downgrade(&feed), None));
            if !feeds.streams_running {
                feeds.streams_running = true;
                tokio::spawn(read_streams(shared.clone()));
            }
        } else {
            feeds.channels.insert(key.clone(), Arc::downgrade(&feed));
            if !feeds.pubsub_running {
                feeds.pubsub_running = true;
                tokio::spawn(run_pubsub(shared.clone()));
            }
        }
        wake.notify_one();
        feed
    }

    fn recent(&self, target: &Value) -> Arc<RecentPoints> {
        self.shared.recent.for_target(target)
    }

    async fn run(
        &self,
        target: &Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> Result<()> {
        let parsed = RedisTarget::parse(target, now_ms())?;
        let decoder = PayloadDecoder::from_target(&parsed.decoding, &parsed.name)?;
        let pattern = TopicPattern::parse(&parsed.name, WildcardStyle::Literal)
            .map_err(SourceError::InvalidQuery)?;
        let feed = self.feed(&parsed.feed);
        let mut rx = feed.tx.subscribe();
        let (mut up, what) = match parsed.feed {
            RedisFeed::Channel { .. } => (self.shared.pubsub_up.subscribe(), "pub/sub"),
            RedisFeed::Stream { .. } => (self.shared.streams_up.subscribe(), "stream"),
        };
        let address = self.shared.config.address();
        let mut emitter = Emitter::new(
            &self.shared.name,
            decoder,
            pattern,
            out,
            self.recent(target),
            self.shared.stats.clone(),
        );
        let label = parsed.channel_label;
        let mut extra = Labels::new();
        let mut emit = async |emitter: &mut Emitter, d: &Delivery| {
            if let Some(label) = &label {
                extra.insert(label.clone(), d.channel.clone());
            }
            emitter
                .message_with(&d.channel, &extra, &d.payload, d.at_ms)
                .await;
        };
        let grace = tokio::time::sleep(CONNECT_GRACE);
        tokio::pin!(grace);
        let mut grace_over = false;
        let mut report = true;
        loop {
            if report {
                report = false;
                let connected = *up.borrow_and_update();
                if connected {
                    emitter
                        .status(true, format!("connected to Redis at {address}"))
                        .await;
                } else if grace_over {
                    emitter
                        .status(
                            false,
                            format!("Redis at {address} unreachable ({what}); reconnecting"),
                        )
                        .await;
                }
            }
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                () = &mut grace, if !grace_over => {
                    grace_over = true;
                    report = true;
                }
                changed = up.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    grace_over |= *up.borrow();
                    report = true;
                }
                received = rx.recv() => match received {
                    Ok(first) => {
                        emit(&mut emitter, &first).await;
                        while emitter.pending() < MAX_BATCH {
                            match rx.try_recv() {
                                Ok(d) => emit(&mut emitter, &d).await,
                                Err(broadcast::error::TryRecvError::Lagged(n)) => lagged(&self.shared.name, n),
                                Err(_) => break,
                            }
                        }
                        if !emitter.flush().await {
                            return Ok(());
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => lagged(&self.shared.name, n),
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}

fn lagged(source: &str, n: u64) {
    tracing::warn!(
        source,
        skipped = n,
        "a slow panel subscription skipped Redis messages"
    );
}

impl Source for RedisSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Redis
    }

    /// The points the running subscriptions of this target have seen within the range.
    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            let parsed = RedisTarget::parse(&req.target, now_ms())?;
            PayloadDecoder::from_target(&parsed.decoding, &parsed.name)?;
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

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
