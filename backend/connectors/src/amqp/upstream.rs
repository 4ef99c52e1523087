//! The shared side of an AMQP source: one connection per datasource, opened when the first
//! subscription arrives and closed when the last leaves, and one consumer per distinct
//! [`AmqpFilter`], refcounted by [`Lease`]s. Messages and connection state fan out to the
//! subscriptions through a bounded broadcast channel per filter.
//!
//! Flow control: each consumer's channel has a prefetch (`basic.qos`) and manual acks, and a
//! delivery is acknowledged (in batches, `multiple`) only once every subscription of the filter
//! has taken it from the broadcast channel and handed it to its emitter. So the broker never
//! has more than the prefetch outstanding to us, the fan-out never overflows (its capacity is
//! above the prefetch), and a flood or a stalled panel leaves the backlog in RabbitMQ.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amqprs::channel::{
    BasicAckArguments, BasicConsumeArguments, BasicQosArguments, Channel, ConsumerMessage,
    ExchangeDeclareArguments, QueueBindArguments, QueueDeclareArguments,
};
use amqprs::connection::{Connection, OpenConnectionArguments};
use tokio::sync::{Notify, broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::config::AmqpConfig;
use super::target::AmqpFilter;
use crate::broker::Backoff;

/// Room in a filter's fan-out beyond the prefetch, for status events: deliveries alone never
/// fill it, so a subscription never skips messages.
const STATUS_HEADROOM: usize = 256;
/// How often a consumer checks what its subscriptions have taken, when not told.
const ACK_CHECK: Duration = Duration::from_millis(100);
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Delay before retrying a consumer that failed while the connection stayed up.
const CONSUMER_RETRY: Duration = Duration::from_secs(1);

/// What a subscription hears from upstream.
#[derive(Clone, Debug)]
pub(crate) enum UpstreamEvent {
    /// A delivered message.
    Message {
        /// Its routing key (labels come from it).
        routing_key: String,
        /// Its body.
        payload: Arc<[u8]>,
    },
    /// The consumer started (`up`) or the connection or consumer was lost.
    Status {
        /// Whether messages flow now.
        up: bool,
        /// What happened.
        message: String,
    },
}

#[derive(Debug)]
struct FilterEntry {
    tx: broadcast::Sender<UpstreamEvent>,
    /// Woken when a subscription has taken messages, so the consumer acknowledges them.
    taken: Arc<Notify>,
    refs: usize,
}

#[derive(Debug)]
struct TaskHandle {
    cancel: CancellationToken,
    changed: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Inner {
    filters: HashMap<AmqpFilter, FilterEntry>,
    task: Option<TaskHandle>,
}

/// One datasource's connection and consumers.
#[derive(Debug)]
pub(crate) struct Upstream {
    name: String,
    config: AmqpConfig,
    inner: Mutex<Inner>,
}

/// A subscription's hold on a filter: its events, and the consumer kept alive until dropped.
#[derive(Debug)]
pub(crate) struct Lease {
    upstream: Arc<Upstream>,
    filter: AmqpFilter,
    taken: Arc<Notify>,
    /// Messages and status for this filter.
    pub(crate) events: broadcast::Receiver<UpstreamEvent>,
}

impl Lease {
    /// Tells the consumer that this subscription has handed what it received to its emitter:
    /// once every subscription has, those deliveries are acknowledged.
    pub(crate) fn taken(&self) {
        self.taken.notify_one();
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut inner = self.upstream.lock();
        if let Some(entry) = inner.filters.get_mut(&self.filter) {
            entry.refs = entry.refs.saturating_sub(1);
            if entry.refs == 0 {
                inner.filters.remove(&self.filter);
            }
        }
        if inner.filters.is_empty() {
            if let Some(task) = inner.task.take() {
                task.cancel.cancel();
            }
        } else if let Some(task) = &inner.task {
            task.changed.notify_one();
        }
    }
}

impl Upstream {
    /// The upstream of datasource `name`; connects only when a filter is first acquired.
    pub(crate) fn new(name: &str, config: AmqpConfig) -> Self {
        Upstream {
            name: name.to_owned(),
            config,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Joins (or starts) the consumer of `filter`, connecting first if needed.
    pub(crate) fn acquire(self: &Arc<Self>, filter: AmqpFilter) -> Lease {
        let capacity = usize::from(self.config.prefetch) + STATUS_HEADROOM;
        let mut inner = self.lock();
        let entry = inner
            .filters
            .entry(filter.clone())
            .or_insert_with(|| FilterEntry {
                tx: broadcast::channel(capacity).0,
                taken: Arc::new(Notify::new()),
                refs: 0,
            });
        entry.refs += 1;
        let events = entry.tx.subscribe();
        let taken = entry.taken.clone();
        match &inner.task {
            Some(task) => task.changed.notify_one(),
            None => {
                let task = TaskHandle {
                    cancel: CancellationToken::new(),
                    changed: Arc::new(Notify::new()),
                };
                tokio::spawn(run(self.clone(), task.cancel.clone(), task.changed.clone()));
                inner.task = Some(task);
            }
        }
        drop(inner);
        Lease {
            upstream: self.clone(),
            filter,
            taken,
            events,
        }
    }

    /// The filters wanted now.
    fn wanted(&self) -> Vec<AmqpFilter> {
        self.lock().filters.keys().cloned().collect()
    }

    fn send(&self, filter: &AmqpFilter, event: UpstreamEvent) {
        if let Some(entry) = self.lock().filters.get(filter) {
            let _ = entry.tx.send(event);
        }
    }

    fn sender(
        &self,
        filter: &AmqpFilter,
    ) -> Option<(broadcast::Sender<UpstreamEvent>, Arc<Notify>)> {
        self.lock()
            .filters
            .get(filter)
            .map(|e| (e.tx.clone(), e.taken.clone()))
    }

    fn status_all(&self, up: bool, message: &str) {
        for entry in self.lock().filters.values() {
            let _ = entry.tx.send(UpstreamEvent::Status {
                up,
                message: message.to_owned(),
            });
        }
    }

    async fn connect(&self) -> Result<Connection, String> {
        let c = &self.config;
        let mut args = OpenConnectionArguments::new(&c.host, c.port, &c.user, &c.password);
        args.virtual_host(&c.vhost)
            .heartbeat(c.heartbeat_s)
            .connection_name(&format!("pulsegrid {}", self.name));
        match tokio::time::timeout(CONNECT_TIMEOUT, Connection::open(&args)).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {CONNECT_TIMEOUT:?}")),
        }
    }
}

/// A running consumer: its channel (closed on drop of the task) and the forwarding task.
struct ActiveConsumer {
    channel: Channel,
    forward: JoinHandle<()>,
}

/// The connection task: connect, keep one consumer per wanted filter, reconnect with backoff.
async fn run(upstream: Arc<Upstream>, cancel: CancellationToken, changed: Arc<Notify>) {
    let mut backoff = Backoff::default();
    let where_ = upstream.config.display_url();
    loop {
        let conn = tokio::select! {
            () = cancel.cancelled() => return,
            conn = upstream.connect() => conn,
        };
        let conn = match conn {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(source = upstream.name, error = %e, "cannot connect to {where_}");
                upstream.status_all(false, &format!("cannot connect to {where_}: {e}"));
                if sleep_or_cancel(backoff.next_delay(), &cancel).await {
                    return;
                }
                continue;
            }
        };
        backoff.reset();
        tracing::info!(source = upstream.name, "connected to {where_}");
        let outcome = serve(&upstream, &conn, &cancel, &changed).await;
        match outcome {
            Served::Cancelled => {
                let _ = conn.close().await;
                return;
            }
            Served::Lost => {
                tracing::warn!(source = upstream.name, "connection to {where_} lost");
                upstream.status_all(false, &format!("connection to {where_} lost"));
                if sleep_or_cancel(backoff.next_delay(), &cancel).await {
                    return;
                }
            }
        }
    }
}

enum Served {
    Cancelled,
    Lost,
}

/// Keeps the consumers of one connection in line with the wanted filters until it is lost.
async fn serve(
    upstream: &Arc<Upstream>,
    conn: &Connection,
    cancel: &CancellationToken,
    changed: &Notify,
) -> Served {
    let mut active: HashMap<AmqpFilter, ActiveConsumer> = HashMap::new();
    let (ended_tx, mut ended_rx) = mpsc::channel::<AmqpFilter>(64);
    let lost = conn.listen_network_io_failure();
    tokio::pin!(lost);
    let mut check = tokio::time::interval(Duration::from_secs(1));
    let outcome = loop {
        // Reconcile: stop consumers nobody wants, start the missing ones.
        let wanted = upstream.wanted();
        let unwanted: Vec<AmqpFilter> = active
            .keys()
            .filter(|f| !wanted.contains(f))
            .cloned()
            .collect();
        for filter in unwanted {
            if let Some(consumer) = active.remove(&filter) {
                consumer.forward.abort();
                // Closing the channel cancels the consumer (and deletes an exclusive queue).
                let _ = consumer.channel.close().await;
            }
        }
        let mut failed = false;
        for filter in wanted {
            if active.contains_key(&filter) {
                continue;
            }
            let Some((tx, taken)) = upstream.sender(&filter) else {
                continue;
            };
            match start_consumer(conn, &filter, upstream.config.prefetch).await {
                Ok((channel, rx)) => {
                    let ended = ended_tx.clone();
                    let f = filter.clone();
                    let acks = channel.clone();
                    let name = upstream.name.clone();
                    let forward = tokio::spawn(async move {
                        forward(&name, &acks, rx, &tx, &taken).await;
                        let _ = ended.send(f).await;
                    });
                    upstream.send(
                        &filter,
                        UpstreamEvent::Status {
                            up: true,
                            message: format!("consuming from {}", filter.describe()),
                        },
                    );
                    active.insert(filter, ActiveConsumer { channel, forward });
                }
                Err(e) => {
                    if !conn.is_open() {
                        break;
                    }
                    failed = true;
                    tracing::warn!(source = upstream.name, error = %e, "cannot consume from {}", filter.describe());
                    upstream.send(
                        &filter,
                        UpstreamEvent::Status {
                            up: false,
                            message: format!("cannot consume from {}: {e}", filter.describe()),
                        },
                    );
                }
            }
        }
        if !conn.is_open() {
            break Served::Lost;
        }
        tokio::select! {
            () = cancel.cancelled() => break Served::Cancelled,
            () = changed.notified() => {}
            _ = &mut lost => break Served::Lost,
            Some(filter) = ended_rx.recv() => {
                active.remove(&filter);
                if conn.is_open() {
                    tokio::time::sleep(CONSUMER_RETRY).await;
                }
            }
            () = tokio::time::sleep(CONSUMER_RETRY), if failed => {}
            _ = check.tick() => {}
        }
    };
    for (_, consumer) in active {
        consumer.forward.abort();
        if matches!(outcome, Served::Cancelled) {
            let _ = consumer.channel.close().await;
        }
    }
    outcome
}

/// Hands a consumer's deliveries to the filter's subscriptions and acknowledges them once
/// every subscription has taken them; returns when the consumer or its channel ends.
async fn forward(
    name: &str,
    channel: &Channel,
    mut rx: mpsc::UnboundedReceiver<ConsumerMessage>,
    tx: &broadcast::Sender<UpstreamEvent>,
    taken: &Notify,
) {
    // Delivery tags handed to the fan-out and not yet acknowledged, oldest first. The broker
    // sends at most the prefetch before we acknowledge, so this (and the amqprs channel)
    // holds at most that many.
    let mut unacked: VecDeque<u64> = VecDeque::new();
    let mut check = tokio::time::interval(ACK_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = rx.recv() => {
                let Some(message) = message else { return };
                if let (Some(deliver), Some(content)) = (message.deliver, message.content) {
                    let tag = deliver.delivery_tag();
                    let _ = tx.send(UpstreamEvent::Message {
                        routing_key: deliver.routing_key().clone(),
                        payload: content.into(),
                    });
                    unacked.push_back(tag);
                }
                // Subscriptions tell us when they take a burst; no ack per message.
                continue;
            }
            () = taken.notified() => {}
            _ = check.tick() => {}
        }
        // The fan-out still queues the newest `tx.len()` events for some subscription (status
        // events among them only make this conservative); everything older has been taken.
        let taken_count = unacked.len().saturating_sub(tx.len());
        let Some(&last) = taken_count.checked_sub(1).and_then(|i| unacked.get(i)) else {
            continue;
        };
        if let Err(e) = channel.basic_ack(BasicAckArguments::new(last, true)).await {
            tracing::warn!(source = name, error = %e, "cannot acknowledge deliveries");
            return;
        }
        unacked.drain(..taken_count);
    }
}

/// Opens a channel with a prefetch of `prefetch` and starts consuming `filter` with manual
/// acks (declaring what is missing).
async fn start_consumer(
    conn: &Connection,
    filter: &AmqpFilter,
    prefetch: u16,
) -> Result<(Channel, mpsc::UnboundedReceiver<ConsumerMessage>), String> {
    let e = |e: amqprs::error::Error| e.to_string();
    let mut channel = conn.open_channel(None).await.map_err(e)?;
    let queue = match filter {
        AmqpFilter::Queue(queue) => {
            let passive = QueueDeclareArguments::new(queue).passive(true).finish();
            if channel.queue_declare(passive).await.is_err() {
                // A failed passive declare closes the channel: declare on a fresh one.
                channel = conn.open_channel(None).await.map_err(e)?;
                channel
                    .queue_declare(QueueDeclareArguments::new(queue))
                    .await
                    .map_err(e)?;
            }
            queue.clone()
        }
        AmqpFilter::Exchange {
            exchange,
            binding_key,
        } => {
            let passive = ExchangeDeclareArguments::new(exchange, "topic")
                .passive(true)
                .finish();
            if channel.exchange_declare(passive).await.is_err() {
                channel = conn.open_channel(None).await.map_err(e)?;
                channel
                    .exchange_declare(ExchangeDeclareArguments::new(exchange, "topic"))
                    .await
                    .map_err(e)?;
            }
            let declare = QueueDeclareArguments::exclusive_server_named()
                .auto_delete(true)
                .finish();
            let (queue, _, _) = channel
                .queue_declare(declare)
                .await
                .map_err(e)?
                .ok_or_else(|| "the broker named no queue".to_owned())?;
            channel
                .queue_bind(QueueBindArguments::new(&queue, exchange, binding_key))
                .await
                .map_err(e)?;
            queue
        }
    };
    channel
        .basic_qos(BasicQosArguments::new(0, prefetch, false))
        .await
        .map_err(e)?;
    let consume = BasicConsumeArguments::new(&queue, "")
        .manual_ack(true)
        .finish();
    let (_tag, rx) = channel.basic_consume_rx(consume).await.map_err(e)?;
    Ok((channel, rx))
}

/// Sleeps `delay`; true when cancelled first.
async fn sleep_or_cancel(delay: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        () = cancel.cancelled() => true,
        () = tokio::time::sleep(delay) => false,
    }
}
