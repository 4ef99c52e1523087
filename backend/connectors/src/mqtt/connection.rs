//! One broker connection per datasource, shared by every running subscription: a table of
//! topic filters with their subscribers (refcounted: SUBSCRIBE when a filter gets its first
//! subscriber, UNSUBSCRIBE when its last leaves), and a task that drives the rumqttc event
//! loop, reconnects with [`Backoff`], re-subscribes after each CONNACK and fans each PUBLISH
//! out to the subscribers whose filter matches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rumqttc::{TlsConfiguration, Transport};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::config::{MqttConfig, MqttProtocol};
use crate::broker::Backoff;
use crate::broker::fanout::Delivery;

/// Requests (SUBSCRIBE, UNSUBSCRIBE) queued towards the event loop.
const REQUEST_CAPACITY: usize = 1024;

/// The client half of either protocol version.
#[derive(Clone, Debug)]
enum Client {
    V4(rumqttc::AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

impl Client {
    fn subscribe_many(&self, filters: Vec<(String, u8)>) {
        if filters.is_empty() {
            return;
        }
        let result = match self {
            Client::V4(c) => c
                .try_subscribe_many(
                    filters
                        .into_iter()
                        .map(|(f, q)| rumqttc::SubscribeFilter::new(f, qos_v4(q))),
                )
                .map_err(|e| e.to_string()),
            Client::V5(c) => c
                .try_subscribe_many(
                    filters
                        .into_iter()
                        .map(|(f, q)| rumqttc::v5::mqttbytes::v5::Filter::new(f, qos_v5(q))),
                )
                .map_err(|e| e.to_string()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot queue MQTT SUBSCRIBE");
        }
    }

    fn unsubscribe(&self, filter: &str) {
        let result = match self {
            Client::V4(c) => c.try_unsubscribe(filter).map_err(|e| e.to_string()),
            Client::V5(c) => c.try_unsubscribe(filter).map_err(|e| e.to_string()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, filter, "cannot queue MQTT UNSUBSCRIBE");
        }
    }

    fn disconnect(&self) {
        let _ = match self {
            Client::V4(c) => c.try_disconnect().map_err(|e| e.to_string()),
            Client::V5(c) => c.try_disconnect().map_err(|e| e.to_string()),
        };
    }
}

fn qos_v4(q: u8) -> rumqttc::QoS {
    match q {
        0 => rumqttc::QoS::AtMostOnce,
        1 => rumqttc::QoS::AtLeastOnce,
        _ => rumqttc::QoS::ExactlyOnce,
    }
}

fn qos_v5(q: u8) -> rumqttc::v5::mqttbytes::QoS {
    match q {
        0 => rumqttc::v5::mqttbytes::QoS::AtMostOnce,
        1 => rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
        _ => rumqttc::v5::mqttbytes::QoS::ExactlyOnce,
    }
}

/// The event loop of either protocol version.
enum EventLoop {
    V4(Box<rumqttc::EventLoop>),
    V5(Box<rumqttc::v5::EventLoop>),
}

/// What the connection task acts on.
enum Incoming {
    ConnAck,
    Publish { topic: Arc<str>, payload: Bytes },
    Other,
}

impl EventLoop {
    async fn poll(&mut self) -> Result<Incoming, String> {
        match self {
            EventLoop::V4(ev) => match ev.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_))) => Ok(Incoming::ConnAck),
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) => {
                    Ok(Incoming::Publish {
                        topic: Arc::from(p.topic),
                        payload: p.payload,
                    })
                }
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::SubAck(ack))) => {
                    if ack
                        .return_codes
                        .iter()
                        .any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure))
                    {
                        tracing::warn!("the MQTT broker refused a subscription");
                    }
                    Ok(Incoming::Other)
                }
                Ok(_) => Ok(Incoming::Other),
                Err(e) => Err(e.to_string()),
            },
            EventLoop::V5(ev) => {
                use rumqttc::v5::mqttbytes::v5::Packet;
                match ev.poll().await {
                    Ok(rumqttc::v5::Event::Incoming(Packet::ConnAck(_))) => Ok(Incoming::ConnAck),
                    Ok(rumqttc::v5::Event::Incoming(Packet::Publish(p))) => {
                        match std::str::from_utf8(&p.topic) {
                            Ok(topic) => Ok(Incoming::Publish {
                                topic: Arc::from(topic),
                                payload: p.payload,
                            }),
                            Err(_) => Ok(Incoming::Other),
                        }
                    }
                    Ok(_) => Ok(Incoming::Other),
                    Err(e) => Err(e.to_string()),
                }
            }
        }
    }
}

/// One subscription's place in the table.
#[derive(Debug)]
struct Subscriber {
    id: u64,
    qos: u8,
    tx: mpsc::Sender<Delivery>,
}

/// Filters and their subscribers, and whether the broker session is up.
#[derive(Debug, Default)]
struct Table {
    filters: HashMap<String, Vec<Subscriber>>,
    connected: bool,
    status: Option<(bool, String)>,
}

impl Table {
    fn qos_of(&self, filter: &str) -> u8 {
        self.filters
            .get(filter)
            .and_then(|subs| subs.iter().map(|s| s.qos).max())
            .unwrap_or(0)
    }

    /// Sends `delivery` to every subscriber without waiting; the ones whose buffer is full
    /// are returned so the caller can wait for them outside the lock.
    fn broadcast(&self, delivery: &Delivery) -> Vec<mpsc::Sender<Delivery>> {
        let mut waiting = Vec::new();
        for sub in self.filters.values().flatten() {
            if let Err(mpsc::error::TrySendError::Full(_)) = sub.tx.try_send(delivery.clone()) {
                waiting.push(sub.tx.clone());
            }
        }
        waiting
    }
}

/// A shared broker connection.
#[derive(Debug)]
pub(crate) struct Connection {
    client: Client,
    table: Mutex<Table>,
    next_id: AtomicU64,
    cancel: CancellationToken,
}

impl Connection {
    /// Connects (in the background) with `config`; the task runs until [`Self::close`].
    pub(crate) fn start(config: &MqttConfig, source_name: &str) -> Result<Arc<Self>, String> {
        let transport = match &config.tls {
            Some(tls) => Transport::Tls(TlsConfiguration::Rustls(tls.client_config()?)),
            None => Transport::Tcp,
        };
        let (client, event_loop) = match config.protocol {
            MqttProtocol::V311 => {
                let mut options =
                    rumqttc::MqttOptions::new(&config.client_id, &config.host, config.port);
                options
                    .set_keep_alive(config.keep_alive)
                    .set_clean_session(true)
                    .set_max_packet_size(config.max_packet_size, config.max_packet_size)
                    .set_request_channel_capacity(REQUEST_CAPACITY)
                    .set_transport(transport);
                if let Some(user) = &config.username {
                    options.set_credentials(user, config.password.clone().unwrap_or_default());
                }
                let (client, mut ev) = rumqttc::AsyncClient::new(options, REQUEST_CAPACITY);
                ev.network_options.set_connection_timeout(10);
                (Client::V4(client), EventLoop::V4(Box::new(ev)))
            }
            MqttProtocol::V5 => {
                let mut options =
                    rumqttc::v5::MqttOptions::new(&config.client_id, &config.host, config.port);
                options
                    .set_keep_alive(config.keep_alive)
                    .set_clean_start(true)
                    .set_max_packet_size(u32::try_from(config.max_packet_size).ok())
                    .set_request_channel_capacity(REQUEST_CAPACITY)
                    .set_connection_timeout(10)
                    .set_transport(transport);
                if let Some(user) = &config.username {
                    options.set_credentials(user, config.password.clone().unwrap_or_default());
                }
                let (client, ev) = rumqttc::v5::AsyncClient::new(options, REQUEST_CAPACITY);
                (Client::V5(client), EventLoop::V5(Box::new(ev)))
            }
        };
        let connection = Arc::new(Connection {
            client,
            table: Mutex::new(Table::default()),
            next_id: AtomicU64::new(1),
            cancel: CancellationToken::new(),
        });
        let address = format!("{}:{}", config.host, config.port);
        tokio::spawn(drive(
            connection.clone(),
            event_loop,
            source_name.to_owned(),
            address,
        ));
        Ok(connection)
    }

    /// Adds a subscriber of `filter` at `qos`: SUBSCRIBE upstream when it is the first (or
    /// asks a higher QoS). The current connection state is delivered to it right away.
    pub(crate) fn join(&self, filter: &str, qos: u8, tx: mpsc::Sender<Delivery>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut table = lock(&self.table);
        let before = table.filters.get(filter).map(|_| table.qos_of(filter));
        if let Some((up, message)) = &table.status {
            let _ = tx.try_send(Delivery::Status {
                up: *up,
                message: message.clone(),
            });
        }
        table
            .filters
            .entry(filter.to_owned())
            .or_default()
            .push(Subscriber { id, qos, tx });
        let needs_subscribe = before.is_none_or(|q| q < qos);
        if needs_subscribe && table.connected {
            self.client.subscribe_many(vec![(filter.to_owned(), qos)]);
        }
        id
    }

    /// Removes a subscriber; UNSUBSCRIBE upstream when it was its filter's last.
    pub(crate) fn leave(&self, filter: &str, id: u64) {
        let mut table = lock(&self.table);
        let Some(subs) = table.filters.get_mut(filter) else {
            return;
        };
        subs.retain(|s| s.id != id);
        if subs.is_empty() {
            table.filters.remove(filter);
            if table.connected {
                self.client.unsubscribe(filter);
            }
        }
    }

    /// Stops the connection task (it sends DISCONNECT first).
    pub(crate) fn close(&self) {
        self.cancel.cancel();
    }
}

fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether an MQTT topic filter matches a concrete topic (`+` one level, `#` the rest; a
/// topic starting with `$` only matches a filter that names that first level).
pub(crate) fn filter_matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && !filter.starts_with('$') {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// The connection task: polls the event loop until closed.
async fn drive(
    connection: Arc<Connection>,
    mut event_loop: EventLoop,
    source_name: String,
    address: String,
) {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    let cancel = connection.cancel.clone();
    loop {
        let polled = tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            polled = event_loop.poll() => polled,
        };
        match polled {
            Ok(Incoming::Publish { topic, payload }) => {
                let waiting = {
                    let table = lock(&connection.table);
                    let mut waiting = Vec::new();
                    for (filter, subs) in &table.filters {
                        if !filter_matches(filter, &topic) {
                            continue;
                        }
                        for sub in subs {
                            let delivery = Delivery::Message {
                                topic: topic.clone(),
                                payload: payload.clone(),
                            };
                            if let Err(mpsc::error::TrySendError::Full(d)) =
                                sub.tx.try_send(delivery)
                            {
                                waiting.push((sub.tx.clone(), d));
                            }
                        }
                    }
                    waiting
                };
                // A slow subscriber holds the connection back (TCP backpressure to the
                // broker) rather than losing its messages.
                for (tx, delivery) in waiting {
                    let _ = tx.send(delivery).await;
                }
            }
            Ok(Incoming::ConnAck) => {
                backoff.reset();
                tracing::info!(source = source_name, address, "MQTT connected");
                let status = Delivery::Status {
                    up: true,
                    message: format!("connected to MQTT broker {address}"),
                };
                let waiting = {
                    let mut table = lock(&connection.table);
                    table.connected = true;
                    table.status = Some((true, status_message(&status)));
                    let filters: Vec<(String, u8)> = table
                        .filters
                        .keys()
                        .map(|f| (f.clone(), table.qos_of(f)))
                        .collect();
                    connection.client.subscribe_many(filters);
                    table.broadcast(&status)
                };
                for tx in waiting {
                    let _ = tx.send(status.clone()).await;
                }
            }
            Ok(Incoming::Other) => {}
            Err(error) => {
                let message = format!("MQTT broker {address}: {error}");
                tracing::warn!(
                    source = source_name,
                    error = message,
                    "MQTT connection lost"
                );
                let status = Delivery::Status {
                    up: false,
                    message: message.clone(),
                };
                let waiting = {
                    let mut table = lock(&connection.table);
                    table.connected = false;
                    table.status = Some((false, message));
                    table.broadcast(&status)
                };
                for tx in waiting {
                    let _ = tx.send(status.clone()).await;
                }
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(backoff.next_delay()) => {}
                }
            }
        }
    }
    // Say goodbye politely when connected; give the event loop a moment to send DISCONNECT.
    if lock(&connection.table).connected {
        connection.client.disconnect();
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while event_loop.poll().await.is_ok() {}
        })
        .await;
    }
}

fn status_message(status: &Delivery) -> String {
    match status {
        Delivery::Status { message, .. } => message.clone(),
        Delivery::Message { .. } => String::new(),
    }
}
