//! [`NatsSource`]: one NATS connection per datasource (opened on the first subscription,
//! reconnecting by itself with [`Backoff`] delays), one upstream subscription or JetStream
//! consumer per distinct [`NatsFeed`], fanned out to every `subscribe` call that wants it and
//! dropped (unsubscribed upstream) when the last one leaves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt as _;
use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;
use tokio::sync::{OnceCell, broadcast, mpsc, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::config::{DeliverFrom, NatsConfig, NatsFeed, NatsTarget};
use crate::broker::{Backoff, BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::decode::PayloadDecoder;
use crate::error::Result;
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

/// A message as fanned out to subscribers.
#[derive(Debug)]
struct Delivery {
    subject: String,
    payload: Vec<u8>,
}

/// One upstream subscription, shared by the `subscribe` calls that hold it.
#[derive(Debug)]
struct Feed {
    tx: broadcast::Sender<Arc<Delivery>>,
    /// `Some(why)` while the feed cannot read (e.g. the JetStream stream does not exist).
    trouble: watch::Receiver<Option<String>>,
    /// Stops the upstream task (and so unsubscribes) when the last holder drops the feed.
    _stop: DropGuard,
}

/// What every `subscribe` call of one datasource shares.
#[derive(Debug)]
struct Shared {
    client: OnceCell<async_nats::Client>,
    connected: watch::Sender<bool>,
    feeds: Mutex<HashMap<NatsFeed, Weak<Feed>>>,
    recent: RecentByTarget,
    stats: Arc<BrokerStats>,
}

/// A NATS datasource (core subjects and JetStream streams).
#[derive(Debug)]
pub struct NatsSource {
    uid: String,
    name: String,
    config: NatsConfig,
    shared: Arc<Shared>,
}

impl NatsSource {
    /// A source for `ds`. Nothing connects until the first subscription.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        Ok(NatsSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            config: NatsConfig::from_datasource(ds)?,
            shared: Arc::new(Shared {
                client: OnceCell::new(),
                connected: watch::Sender::new(false),
                feeds: Mutex::new(HashMap::new()),
                recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
                stats: Arc::new(BrokerStats::default()),
            }),
        })
    }

    /// The datasource's settings.
    pub fn config(&self) -> &NatsConfig {
        &self.config
    }

    /// The source's message counters.
    pub fn stats(&self) -> &BrokerStats {
        &self.shared.stats
    }

    /// How many upstream feeds (subscriptions or consumers) are open now.
    pub fn open_feeds(&self) -> usize {
        let feeds = self.shared.feeds.lock().unwrap_or_else(|e| e.into_inner());
        feeds.values().filter(|f| f.strong_count() > 0).count()
    }

    /// The one client of this datasource, connecting in the background on first use.
    async fn client(&self) -> Result<async_nats::Client> {
        let client = self
            .shared
            .client
            .get_or_try_init(|| async {
                let c = &self.config;
                let connected = self.shared.connected.clone();
                let name = self.name.clone();
                let mut options = async_nats::ConnectOptions::new()
                    .name(&c.connection_name)
                    .retry_on_initial_connect()
                    .max_reconnects(None)
                    .connection_timeout(duration_ms(c.connect_timeout_ms))
                    .reconnect_delay_callback(reconnect_delay)
                    .require_tls(c.require_tls)
                    .event_callback(move |event| {
                        let connected = connected.clone();
                        let name = name.clone();
                        async move {
                            match event {
                                async_nats::Event::Connected => {
                                    connected.send_replace(true);
                                }
                                async_nats::Event::Disconnected => {
                                    connected.send_replace(false);
                                }
                                other => {
                                    tracing::info!(source = name, event = %other, "NATS event");
                                }
                            }
                        }
                    });
                if let (Some(user), Some(password)) = (&c.user, &c.password) {
                    options = options.user_and_password(user.clone(), password.clone());
                }
                if let Some(token) = &c.token {
                    options = options.token(token.clone());
                }
                options.connect(c.servers.clone()).await.map_err(|e| {
                    crate::error::SourceError::Upstream {
                        source_name: self.name.clone(),
                        message: format!("cannot set up the NATS client: {e}"),
                    }
                })
            })
            .await?;
        Ok(client.clone())
    }

    /// The feed for `key`: the running one, or a new upstream subscription.
    fn feed(&self, client: &async_nats::Client, key: &NatsFeed) -> Arc<Feed> {
        let mut feeds = self.shared.feeds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(feed) = feeds.get(key).and_then(Weak::upgrade) {
            return feed;
        }
        feeds.retain(|_, f| f.strong_count() > 0);
        let (tx, _) = broadcast::channel(FEED_BUFFER);
        let (trouble_tx, trouble) = watch::channel(None);
        let stop = CancellationToken::new();
        let task = FeedTask {
            client: client.clone(),
            key: key.clone(),
            tx: tx.clone(),
            trouble: trouble_tx,
            source_name: self.name.clone(),
        };
        let cancel = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = task.run() => {}
            }
        });
        let feed = Arc::new(Feed {
            tx,
            trouble,
            _stop: stop.drop_guard(),
        });
        feeds.insert(key.clone(), Arc::downgrade(&feed));
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
        let parsed = NatsTarget::parse(target, now_ms())?;
        let decoder = PayloadDecoder::from_target(target, &parsed.name)?;
        let client = self.client().await?;
        let feed = self.feed(&client, &parsed.feed);
        let mut rx = feed.tx.subscribe();
        let mut trouble = feed.trouble.clone();
        let mut connected = self.shared.connected.subscribe();
        let mut emitter = Emitter::new(
            &self.name,
            decoder,
            parsed.pattern,
            out,
            self.recent(target),
            self.shared.stats.clone(),
        );
        let where_ = self
            .config
            .servers
            .iter()
            .map(|s| format!("{}:{}", s.host(), s.port()))
            .collect::<Vec<_>>()
            .join(",");
        let grace = tokio::time::sleep(CONNECT_GRACE);
        tokio::pin!(grace);
        let mut grace_over = false;
        let mut report = true;
        loop {
            if report {
                report = false;
                let up = *connected.borrow_and_update();
                let problem = trouble.borrow_and_update().clone();
                match (up, problem) {
                    (true, None) => {
                        emitter
                            .status(true, format!("connected to NATS at {where_}"))
                            .await
                    }
                    (true, Some(why)) => emitter.status(false, why).await,
                    (false, _) if grace_over => {
                        emitter
                            .status(false, format!("NATS at {where_} unreachable; reconnecting"))
                            .await;
                    }
                    (false, _) => {}
                }
            }
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                () = &mut grace, if !grace_over => {
                    grace_over = true;
                    report = true;
                }
                changed = connected.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    grace_over |= *connected.borrow();
                    report = true;
                }
                changed = trouble.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    report = true;
                }
                received = rx.recv() => {
                    match received {
                        Ok(first) => {
                            emitter.message(&first.subject, &first.payload).await;
                            while emitter.pending() < MAX_BATCH {
                                match rx.try_recv() {
                                    Ok(d) => emitter.message(&d.subject, &d.payload).await,
                                    Err(broadcast::error::TryRecvError::Lagged(n)) => lagged(&self.name, n),
                                    Err(_) => break,
                                }
                            }
                            if !emitter.flush().await {
                                return Ok(());
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(n)) => lagged(&self.name, n),
                        Err(broadcast::error::RecvError::Closed) => return Ok(()),
                    }
                }
            }
        }
    }
}

fn lagged(source: &str, n: u64) {
    tracing::warn!(
        source,
        skipped = n,
        "a slow panel subscription skipped NATS messages"
    );
}

impl Source for NatsSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Nats
    }

    /// The points the running subscriptions of this target have seen within the range.
    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            NatsTarget::parse(&req.target, now_ms())?;
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

/// The upstream side of a feed: a core subscription or a JetStream consumer, retried with
/// backoff when it fails.
struct FeedTask {
    client: async_nats::Client,
    key: NatsFeed,
    tx: broadcast::Sender<Arc<Delivery>>,
    trouble: watch::Sender<Option<String>>,
    source_name: String,
}

impl FeedTask {
    async fn run(self) {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
        let mut resume_after: Option<u64> = None;
        loop {
            let outcome = match &self.key {
                NatsFeed::Core { subject } => self.core(subject).await,
                NatsFeed::JetStream { .. } => self.jetstream(&mut resume_after, &mut backoff).await,
            };
            if let Err(why) = outcome {
                tracing::warn!(source = self.source_name, feed = ?self.key, error = why, "NATS feed failed; retrying");
                self.trouble.send_replace(Some(why));
            }
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }

    /// A core subscription; the client re-subscribes by itself after a reconnect.
    async fn core(&self, subject: &str) -> Result<(), String> {
        let mut subscriber = self
            .client
            .subscribe(subject.to_owned())
            .await
            .map_err(|e| format!("cannot subscribe to {subject}: {e}"))?;
        self.trouble.send_replace(None);
        while let Some(message) = subscriber.next().await {
            let _ = self.tx.send(Arc::new(Delivery {
                subject: message.subject.to_string(),
                payload: message.payload.to_vec(),
            }));
        }
        Err(format!("the subscription to {subject} ended"))
    }

    /// A JetStream consumer: ordered and ephemeral, or durable with explicit acks. After a
    /// failure an ordered consumer resumes after the last stream sequence it delivered.
    async fn jetstream(
        &self,
        resume_after: &mut Option<u64>,
        backoff: &mut Backoff,
    ) -> Result<(), String> {
        let NatsFeed::JetStream {
            stream,
            filter,
            durable,
            deliver,
        } = &self.key
        else {
            return Ok(());
        };
        let js = jetstream::new(self.client.clone());
        let handle = js
            .get_stream(stream)
            .await
            .map_err(|e| format!("JetStream stream {stream:?}: {e}"))?;
        let policy = match (*resume_after, deliver) {
            (Some(seq), _) if durable.is_none() => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: seq + 1,
            },
            (_, DeliverFrom::New) => consumer::DeliverPolicy::New,
            (_, DeliverFrom::All) => consumer::DeliverPolicy::All,
            (_, DeliverFrom::Last) => consumer::DeliverPolicy::Last,
            (_, DeliverFrom::StartTime(ms)) => consumer::DeliverPolicy::ByStartTime {
                start_time: time::OffsetDateTime::from_unix_timestamp_nanos(
                    i128::from(*ms) * 1_000_000,
                )
                .map_err(|e| format!("startTime: {e}"))?,
            },
        };
        let filter_subject = filter.clone().unwrap_or_default();
        let forward = |message: &jetstream::Message| {
            let _ = self.tx.send(Arc::new(Delivery {
                subject: message.subject.to_string(),
                payload: message.payload.to_vec(),
            }));
        };
        match durable {
            None => {
                let config = consumer::pull::OrderedConfig {
                    filter_subject,
                    deliver_policy: policy,
                    ..Default::default()
                };
                let mut messages = handle
                    .create_consumer(config)
                    .await
                    .map_err(|e| format!("JetStream consumer on {stream:?}: {e}"))?
                    .messages()
                    .await
                    .map_err(|e| format!("JetStream consumer on {stream:?}: {e}"))?;
                self.trouble.send_replace(None);
                backoff.reset();
                while let Some(message) = messages.next().await {
                    let message = message.map_err(|e| format!("JetStream {stream:?}: {e}"))?;
                    if let Ok(info) = message.info() {
                        *resume_after = Some(info.stream_sequence);
                    }
                    forward(&message);
                }
            }
            Some(name) => {
                let config = consumer::pull::Config {
                    durable_name: Some(name.clone()),
                    filter_subject,
                    deliver_policy: policy,
                    ack_policy: consumer::AckPolicy::Explicit,
                    ..Default::default()
                };
                let messages = handle
                    .get_or_create_consumer::<consumer::pull::Config>(name, config)
                    .await
                    .map_err(|e| format!("JetStream consumer {name:?} on {stream:?}: {e}"))?
                    .messages()
                    .await
                    .map_err(|e| format!("JetStream consumer {name:?} on {stream:?}: {e}"))?;
                tokio::pin!(messages);
                self.trouble.send_replace(None);
                backoff.reset();
                while let Some(message) = messages.next().await {
                    let message = message.map_err(|e| format!("JetStream {stream:?}: {e}"))?;
                    forward(&message);
                    if let Err(e) = message.ack().await {
                        tracing::debug!(source = self.source_name, error = %e, "JetStream ack failed");
                    }
                }
            }
        }
        Err(format!("the JetStream consumer on {stream:?} ended"))
    }
}

/// The client's delay before reconnect attempt `attempts`: [`Backoff`] from 100 ms to 5 s.
fn reconnect_delay(attempts: usize) -> Duration {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    let mut delay = Duration::ZERO;
    for _ in 0..attempts.clamp(1, 16) {
        delay = backoff.next_delay();
    }
    delay
}

fn duration_ms(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
