//! The upstream side: one rskafka [`Client`] per datasource ([`Upstream`]), and one
//! [`Feed`] per distinct (topic, start): a task that reads every partition of the topic
//! (one partition consumer each, resolving the start offset with ListOffsets, by time when
//! asked) and hands each record to every subscription that joined the feed. The task stops
//! when the last subscription drops the feed; it reconnects with [`Backoff`] and resumes
//! after the last offset it delivered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::select_all;
use rskafka::chrono::{TimeZone as _, Utc};
use rskafka::client::error::{Error as KafkaError, ProtocolError};
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder, Credentials, SaslConfig};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::config::{KafkaConfig, SaslMechanism, StartFrom};
use crate::broker::Backoff;

/// Bytes one Fetch may return per partition at most.
const FETCH_MAX_BYTES: i32 = 4 * 1024 * 1024;
/// How long the broker may hold a Fetch open while it has nothing new.
const FETCH_WAIT_MS: i32 = 500;
/// An empty Fetch answered faster than this is followed by a pause (a broker that does not
/// hold the request open would otherwise be asked in a tight loop).
const MIN_EMPTY_FETCH: Duration = Duration::from_millis(50);

/// What a feed hands to the subscriptions that joined it.
#[derive(Clone, Debug)]
pub(crate) enum KafkaDelivery {
    /// A record of the feed's topic.
    Record(Arc<KafkaRecord>),
    /// The feed's topic became readable, or stopped being readable.
    Status {
        /// The feed's topic.
        topic: Arc<str>,
        /// Whether it is read now.
        up: bool,
        /// What happened.
        message: String,
    },
}

/// One record as the subscriptions see it.
#[derive(Debug)]
pub(crate) struct KafkaRecord {
    /// Its topic.
    pub(crate) topic: Arc<str>,
    /// Its key, if any.
    pub(crate) key: Option<Vec<u8>>,
    /// Its value (a tombstone's is empty).
    pub(crate) value: Vec<u8>,
    /// Its timestamp, unix ms.
    pub(crate) at_ms: i64,
}

/// The datasource's one client, connected on first use and dropped when no feed runs.
#[derive(Debug)]
pub(crate) struct Upstream {
    config: KafkaConfig,
    source_name: String,
    client: Mutex<Option<Arc<Client>>>,
    connecting: tokio::sync::Mutex<()>,
}

impl Upstream {
    pub(crate) fn new(config: KafkaConfig, source_name: &str) -> Self {
        Upstream {
            config,
            source_name: source_name.to_owned(),
            client: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn config(&self) -> &KafkaConfig {
        &self.config
    }

    /// The client, connecting (bootstrap + metadata) when there is none.
    async fn client(&self) -> Result<Arc<Client>, String> {
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(client) = lock(&self.client).clone() {
            return Ok(client);
        }
        let c = &self.config;
        let timeout = Duration::from_millis(u64::try_from(c.request_timeout_ms).unwrap_or(3_000));
        let mut builder = ClientBuilder::new(c.bootstrap.clone())
            .client_id(c.client_id.as_str())
            .backoff_config(rskafka::BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
                deadline: Some(timeout),
            });
        if let (Some(user), Some(password)) = (&c.user, &c.password) {
            let credentials = Credentials::new(user.clone(), password.clone());
            builder = builder.sasl_config(match c.sasl_mechanism {
                SaslMechanism::Plain => SaslConfig::Plain(credentials),
                SaslMechanism::ScramSha256 => SaslConfig::ScramSha256(credentials),
                SaslMechanism::ScramSha512 => SaslConfig::ScramSha512(credentials),
            });
        }
        if let Some(tls) = &c.tls {
            builder = builder.tls_config(tls.client_config()?);
        }
        let client = Arc::new(builder.build().await.map_err(|e| describe(&e))?);
        tracing::info!(source = self.source_name, brokers = ?c.bootstrap, "Kafka client connected");
        *lock(&self.client) = Some(client.clone());
        Ok(client)
    }

    /// Forgets `client` (after it failed) so the next session connects afresh.
    fn forget(&self, client: &Arc<Client>) {
        let mut current = lock(&self.client);
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, client)) {
            *current = None;
        }
    }

    /// Drops the client (its connections close) when no feed needs it.
    pub(crate) fn close(&self) {
        *lock(&self.client) = None;
    }
}

/// What a feed's task and its holders share.
#[derive(Debug, Default)]
pub(crate) struct FeedState {
    subscribers: Mutex<Subscribers>,
    next_id: AtomicU64,
    /// Partition consumers running now.
    pub(crate) partitions: AtomicUsize,
}

#[derive(Debug, Default)]
struct Subscribers {
    list: Vec<(u64, mpsc::Sender<KafkaDelivery>)>,
    status: Option<KafkaDelivery>,
}

impl FeedState {
    /// Adds a subscriber; it gets the feed's current status right away.
    pub(crate) fn join(&self, tx: mpsc::Sender<KafkaDelivery>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut subs = lock(&self.subscribers);
        if let Some(status) = &subs.status {
            let _ = tx.try_send(status.clone());
        }
        subs.list.push((id, tx));
        id
    }

    /// Removes a subscriber.
    pub(crate) fn leave(&self, id: u64) {
        lock(&self.subscribers).list.retain(|(i, _)| *i != id);
    }

    /// Hands `delivery` to every subscriber; a full one holds the feed back (and so the
    /// Fetch requests) rather than losing records.
    async fn send(&self, delivery: KafkaDelivery) {
        let waiting: Vec<mpsc::Sender<KafkaDelivery>> = {
            let subs = lock(&self.subscribers);
            subs.list
                .iter()
                .filter(|(_, tx)| {
                    matches!(
                        tx.try_send(delivery.clone()),
                        Err(mpsc::error::TrySendError::Full(_))
                    )
                })
                .map(|(_, tx)| tx.clone())
                .collect()
        };
        for tx in waiting {
            let _ = tx.send(delivery.clone()).await;
        }
    }

    /// Records and sends a status change.
    async fn status(&self, topic: &Arc<str>, up: bool, message: String) {
        let delivery = KafkaDelivery::Status {
            topic: topic.clone(),
            up,
            message,
        };
        {
            let mut subs = lock(&self.subscribers);
            if let Some(KafkaDelivery::Status { up: was, .. }) = &subs.status
                && *was == up
            {
                return;
            }
            subs.status = Some(delivery.clone());
        }
        self.send(delivery).await;
    }
}

/// One upstream reader of a topic, shared by the subscriptions that hold it.
#[derive(Debug)]
pub(crate) struct Feed {
    pub(crate) state: Arc<FeedState>,
    _stop: DropGuard,
}

impl Feed {
    /// Starts reading `topic` from `start` in the background.
    pub(crate) fn start(upstream: Arc<Upstream>, topic: &str, start: StartFrom) -> Feed {
        let state = Arc::new(FeedState::default());
        let stop = CancellationToken::new();
        let task = FeedTask {
            upstream,
            topic: Arc::from(topic),
            start,
            state: state.clone(),
        };
        let cancel = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = task.run() => {}
            }
        });
        Feed {
            state,
            _stop: stop.drop_guard(),
        }
    }
}

struct FeedTask {
    upstream: Arc<Upstream>,
    topic: Arc<str>,
    start: StartFrom,
    state: Arc<FeedState>,
}

impl FeedTask {
    async fn run(self) {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        // The next offset to read per partition, kept across reconnects.
        let next = Mutex::new(HashMap::new());
        loop {
            let why = self.session(&next, &mut backoff).await;
            self.state.partitions.store(0, Ordering::Relaxed);
            tracing::warn!(
                source = self.upstream.source_name,
                topic = &*self.topic,
                error = why,
                "Kafka feed failed; retrying"
            );
            self.state
                .status(
                    &self.topic,
                    false,
                    format!("Kafka topic {}: {why}", self.topic),
                )
                .await;
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }

    /// Connects, resolves where each partition starts, and reads until something fails.
    async fn session(&self, next: &Mutex<HashMap<i32, i64>>, backoff: &mut Backoff) -> String {
        let client = match self.upstream.client().await {
            Ok(c) => c,
            Err(why) => return format!("cannot connect: {why}"),
        };
        let partitions = match client.list_topics().await {
            Ok(topics) => topics
                .into_iter()
                .find(|t| *t.name == *self.topic)
                .map(|t| t.partitions),
            Err(e) => {
                self.upstream.forget(&client);
                return format!("cannot read the cluster's metadata: {}", describe(&e));
            }
        };
        let Some(partitions) = partitions.filter(|p| !p.is_empty()) else {
            return "the topic does not exist".into();
        };
        let mut consumers = Vec::with_capacity(partitions.len());
        for partition in partitions {
            let consumer = match client
                .partition_client(&*self.topic, partition, UnknownTopicHandling::Error)
                .await
            {
                Ok(c) => c,
                Err(e) => return format!("partition {partition}: {}", describe(&e)),
            };
            let known = lock(next).get(&partition).copied();
            let offset = match known {
                Some(o) => o,
                None => match start_offset(&consumer, self.start).await {
                    Ok(o) => o,
                    Err(e) => return format!("partition {partition}: {}", describe(&e)),
                },
            };
            lock(next).insert(partition, offset);
            consumers.push((consumer, offset));
        }
        self.state
            .partitions
            .store(consumers.len(), Ordering::Relaxed);
        backoff.reset();
        self.state
            .status(
                &self.topic,
                true,
                format!(
                    "reading Kafka topic {} ({} partitions) from {}",
                    self.topic,
                    consumers.len(),
                    self.upstream.config.bootstrap.join(",")
                ),
            )
            .await;
        let readers = consumers
            .into_iter()
            .map(|(consumer, offset)| Box::pin(self.read_partition(consumer, offset, next)));
        let (why, _, _) = select_all(readers).await;
        why
    }

    /// Fetches one partition from `offset` until a request fails.
    async fn read_partition(
        &self,
        consumer: PartitionClient,
        mut offset: i64,
        next: &Mutex<HashMap<i32, i64>>,
    ) -> String {
        let partition = consumer.partition();
        loop {
            let asked = Instant::now();
            match consumer
                .fetch_records(offset, 1..FETCH_MAX_BYTES, FETCH_WAIT_MS)
                .await
            {
                Ok((records, high_watermark)) => {
                    if records.is_empty() {
                        if offset > high_watermark {
                            // The log is shorter than where we were (a broker that lost its
                            // data): go on from its end.
                            offset = high_watermark;
                            lock(next).insert(partition, offset);
                        }
                        let elapsed = asked.elapsed();
                        if elapsed < MIN_EMPTY_FETCH {
                            tokio::time::sleep(MIN_EMPTY_FETCH - elapsed).await;
                        }
                        continue;
                    }
                    for r in records {
                        if r.offset < offset {
                            continue;
                        }
                        offset = r.offset + 1;
                        let record = KafkaRecord {
                            topic: self.topic.clone(),
                            key: r.record.key,
                            value: r.record.value.unwrap_or_default(),
                            at_ms: r.record.timestamp.timestamp_millis(),
                        };
                        self.state
                            .send(KafkaDelivery::Record(Arc::new(record)))
                            .await;
                    }
                    lock(next).insert(partition, offset);
                }
                Err(KafkaError::ServerError {
                    protocol_error: ProtocolError::OffsetOutOfRange,
                    ..
                }) => {
                    // Records were deleted or the log was reset: go on from the nearest end.
                    let latest = consumer.get_offset(OffsetAt::Latest).await;
                    let earliest = consumer.get_offset(OffsetAt::Earliest).await;
                    match (earliest, latest) {
                        (Ok(earliest), Ok(latest)) => {
                            offset = offset.clamp(earliest, latest.max(earliest));
                            lock(next).insert(partition, offset);
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            return format!("partition {partition}: {}", describe(&e));
                        }
                    }
                }
                Err(e) => return format!("partition {partition}: {}", describe(&e)),
            }
        }
    }
}

/// The first offset to read: the end of the log, or the first record at or after a time
/// (ListOffsets by timestamp; the end when there is none).
async fn start_offset(consumer: &PartitionClient, start: StartFrom) -> Result<i64, KafkaError> {
    match start {
        StartFrom::Latest => consumer.get_offset(OffsetAt::Latest).await,
        StartFrom::Time(ms) => {
            let Some(at) = Utc.timestamp_millis_opt(ms).single() else {
                return consumer.get_offset(OffsetAt::Latest).await;
            };
            match consumer.get_offset(OffsetAt::Timestamp(at)).await? {
                offset if offset >= 0 => Ok(offset),
                _ => consumer.get_offset(OffsetAt::Latest).await,
            }
        }
    }
}

/// An rskafka error for a status frame: the protocol error and the broker's message, not the
/// whole request and response.
pub(crate) fn describe(error: &KafkaError) -> String {
    match error {
        KafkaError::ServerError {
            protocol_error,
            error_message,
            ..
        } => match error_message {
            Some(m) => format!("{protocol_error}: {m}"),
            None => protocol_error.to_string(),
        },
        other => other.to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
