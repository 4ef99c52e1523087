//! The subscribers: thousands of WebSocket connections on one thread, counting what arrives.
//!
//! Every connection is one task on the load client's single-threaded runtime. A task reads
//! frames into its connection's buffer, counts frames and points in shared atomic counters
//! (uncontended: one thread) and, depending on what the values mean, advances the stream
//! watermark the publisher paces itself by or records a latency sample.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pulsegrid_bench::live_frame::{self, Kind};
use pulsegrid_bench::mqtt::{self, Packet};
use pulsegrid_bench::ws::{Handshake, Opcode, WsClient};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Connections opened at once; the next batch starts when this one is subscribed.
const CONNECT_BATCH: usize = 500;
/// Pause between batches, so accept queues and the server's setup work never pile up.
const BATCH_PAUSE: Duration = Duration::from_millis(20);
/// Attempts per connection before the run fails.
const CONNECT_ATTEMPTS: u32 = 3;
/// Time one attempt (connect, handshake, subscribe request) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Every this-many-th client checks its first live frames against a full JSON parse.
const VERIFY_EVERY: usize = 500;
/// Live frames each verifying client checks.
const VERIFY_FRAMES: u32 = 3;

/// Where and how subscribers connect.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// Pulsegrid's `/api/live/ws`, subscribing to a stream.
    Pulsegrid {
        /// The HTTP address.
        addr: SocketAddr,
    },
    /// Mosquitto's WebSocket listener, MQTT 3.1.1 over WebSocket, subscribing to a topic.
    Mosquitto {
        /// The WebSocket listener's address.
        ws_addr: SocketAddr,
    },
}

/// What a published value means to the subscribers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Values {
    /// An update sequence number (1, 2, ...): subscribers advance the watermark.
    Sequence,
    /// The publisher's send time in microseconds since the shared epoch: subscribers record
    /// the latency.
    SentAtMicros,
}

/// What the subscribers have seen, summed over all of them.
#[derive(Debug)]
pub(crate) struct Counters {
    /// Clients whose subscription is in place (first frame or SUBACK arrived).
    pub(crate) ready: AtomicU64,
    /// Live messages: Pulsegrid frames with `replace: false`, MQTT PUBLISH packets.
    pub(crate) frames: AtomicU64,
    /// Points in those messages.
    pub(crate) points: AtomicU64,
    /// Pulsegrid frames with `replace: true` (history); not counted as delivered updates.
    pub(crate) history_frames: AtomicU64,
    /// Error frames, failed subscriptions, closed or broken connections.
    pub(crate) problems: AtomicU64,
    /// Sum over clients of the highest sequence number each has received.
    pub(crate) watermark_sum: AtomicU64,
    /// Sampled frames whose scan agreed with a full JSON parse.
    pub(crate) verified: AtomicU64,
    /// Latency samples are taken for values sent at or after this time (µs since the epoch);
    /// `u64::MAX` while not recording.
    pub(crate) record_from_us: AtomicU64,
    /// Latency samples in microseconds: from the publisher's send to the frame's arrival at
    /// the subscriber's socket (the kernel's receive timestamp).
    pub(crate) latencies_us: Mutex<Vec<u64>>,
    /// Latency samples in microseconds to when the load client read and parsed the frame.
    pub(crate) read_latencies_us: Mutex<Vec<u64>>,
    /// The first problem, for the report.
    pub(crate) first_problem: Mutex<Option<String>>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            ready: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            points: AtomicU64::new(0),
            history_frames: AtomicU64::new(0),
            problems: AtomicU64::new(0),
            watermark_sum: AtomicU64::new(0),
            verified: AtomicU64::new(0),
            record_from_us: AtomicU64::new(u64::MAX),
            latencies_us: Mutex::new(Vec::new()),
            read_latencies_us: Mutex::new(Vec::new()),
            first_problem: Mutex::new(None),
        }
    }
}

impl Counters {
    /// Counts a problem and keeps the first description.
    pub(crate) fn problem(&self, description: impl FnOnce() -> String) {
        if self.problems.fetch_add(1, Relaxed) == 0
            && let Ok(mut first) = self.first_problem.lock()
        {
            *first = Some(description());
        }
    }

    /// The first problem seen, if any.
    pub(crate) fn first_problem(&self) -> Option<String> {
        self.first_problem.lock().ok().and_then(|p| p.clone())
    }
}

/// A set of subscribed connections; dropping it closes them all.
#[derive(Debug)]
pub(crate) struct Fleet {
    clients: Vec<JoinHandle<()>>,
    /// What they have seen.
    pub(crate) counters: Arc<Counters>,
}

impl Fleet {
    /// Opens `count` connections in batches and sends each one's subscription. Returns when
    /// every subscription request is sent; [`Counters::ready`] tells when they are in place.
    pub(crate) async fn connect(
        target: Target,
        topic: &str,
        count: usize,
        values: Values,
        epoch: Instant,
    ) -> anyhow::Result<Fleet> {
        let counters = Arc::new(Counters::default());
        let topic: Arc<str> = topic.into();
        // The epoch on the wall clock, to compare kernel receive timestamps with send times.
        let epoch_unix_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64)
            - epoch.elapsed().as_nanos() as i64;
        let mut fleet = Fleet {
            clients: Vec::with_capacity(count),
            counters: counters.clone(),
        };
        let mut index = 0;
        while index < count {
            let batch_end = (index + CONNECT_BATCH).min(count);
            let mut setups = Vec::with_capacity(batch_end - index);
            for i in index..batch_end {
                let (tx, rx) = oneshot::channel();
                let client = Client {
                    index: i,
                    target,
                    topic: topic.clone(),
                    values,
                    epoch,
                    epoch_unix_ns,
                    counters: counters.clone(),
                };
                fleet.clients.push(tokio::spawn(client.run(tx)));
                setups.push(rx);
            }
            for (i, setup) in (index..).zip(setups) {
                match setup.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        bail!("client {i} of {count} could not connect and subscribe: {e}")
                    }
                    Err(_) => bail!("client {i} of {count} ended during setup"),
                }
            }
            index = batch_end;
            tokio::time::sleep(BATCH_PAUSE).await;
        }
        Ok(fleet)
    }

    /// How many connections the fleet holds.
    pub(crate) fn len(&self) -> usize {
        self.clients.len()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for client in &self.clients {
            client.abort();
        }
    }
}

/// One subscriber.
struct Client {
    index: usize,
    target: Target,
    topic: Arc<str>,
    values: Values,
    epoch: Instant,
    epoch_unix_ns: i64,
    counters: Arc<Counters>,
}

impl Client {
    async fn run(self, setup: oneshot::Sender<io::Result<()>>) {
        let mut attempt = 1;
        let ws = loop {
            let result = tokio::time::timeout(CONNECT_TIMEOUT, self.open())
                .await
                .unwrap_or_else(|_| Err(io::Error::other("timed out")));
            match result {
                Ok(ws) => break ws,
                Err(e) if attempt >= CONNECT_ATTEMPTS => {
                    let _ = setup.send(Err(e));
                    return;
                }
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        let _ = setup.send(Ok(()));
        let result = match self.target {
            Target::Pulsegrid { .. } => self.read_pulsegrid(ws).await,
            Target::Mosquitto { .. } => self.read_mqtt(ws).await,
        };
        if let Err(e) = result {
            self.counters
                .problem(|| format!("client {}: {e}", self.index));
        }
    }

    /// Connects and sends the subscription request (for MQTT, CONNECT first).
    async fn open(&self) -> io::Result<WsClient> {
        match self.target {
            Target::Pulsegrid { addr } => {
                let mut ws = WsClient::connect(addr, "/api/live/ws", &Handshake::default()).await?;
                if self.values == Values::SentAtMicros {
                    ws.enable_rx_timestamps()?;
                }
                let subscribe = format!(
                    r#"{{"op":"subscribe","sub":"b","stream":"{}"}}"#,
                    self.topic
                );
                ws.send(Opcode::Text, subscribe.as_bytes()).await?;
                Ok(ws)
            }
            Target::Mosquitto { ws_addr } => {
                let handshake = Handshake {
                    subprotocol: Some("mqtt"),
                    authorization: None,
                };
                let mut ws = WsClient::connect(ws_addr, "/mqtt", &handshake).await?;
                if self.values == Values::SentAtMicros {
                    ws.enable_rx_timestamps()?;
                }
                // Keep-alive 0: the broker never expects a PINGREQ from an idle subscriber.
                let connect = mqtt::connect(&format!("bench-{}", self.index), 0);
                ws.send(Opcode::Binary, &connect).await?;
                let frame = ws.read_frame().await?;
                match mqtt::parse(frame.payload)? {
                    Some((Packet::ConnAck { code: 0 }, _)) => {}
                    other => {
                        return Err(io::Error::other(format!(
                            "expected CONNACK accepted, got {other:?}"
                        )));
                    }
                }
                ws.send(Opcode::Binary, &mqtt::subscribe(1, &self.topic))
                    .await?;
                Ok(ws)
            }
        }
    }

    async fn read_pulsegrid(&self, mut ws: WsClient) -> io::Result<()> {
        let mut state = PulsegridState {
            ready: false,
            last_seq: 0,
            verify_left: if self.index.is_multiple_of(VERIFY_EVERY) {
                VERIFY_FRAMES
            } else {
                0
            },
        };
        let mut fragments = Vec::new();
        loop {
            let frame = ws.read_frame().await?;
            match frame.opcode {
                Opcode::Text | Opcode::Continuation => {
                    let arrived = self.arrived_us(frame.rx_unix_ns);
                    if frame.fin && fragments.is_empty() {
                        state.on_message(self, frame.payload, arrived);
                    } else {
                        fragments.extend_from_slice(frame.payload);
                        if frame.fin {
                            state.on_message(self, &fragments, arrived);
                            fragments.clear();
                        }
                    }
                }
                Opcode::Ping => {
                    let payload = frame.payload.to_vec();
                    ws.pong(&payload).await?;
                }
                Opcode::Close => return Err(closed_by_server(frame.payload)),
                Opcode::Binary | Opcode::Pong => {}
            }
        }
    }

    async fn read_mqtt(&self, mut ws: WsClient) -> io::Result<()> {
        let mut state = MqttState {
            ready: false,
            last_seq: 0,
        };
        // MQTT packets may span WebSocket frames; bytes of an incomplete packet wait here.
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let frame = ws.read_frame().await?;
            match frame.opcode {
                Opcode::Binary | Opcode::Continuation => {
                    let arrived = self.arrived_us(frame.rx_unix_ns);
                    if pending.is_empty() {
                        let used = state.on_bytes(self, frame.payload, arrived)?;
                        pending.extend_from_slice(&frame.payload[used..]);
                    } else {
                        pending.extend_from_slice(frame.payload);
                        let used = state.on_bytes(self, &pending, arrived)?;
                        pending.drain(..used);
                    }
                }
                Opcode::Ping => {
                    let payload = frame.payload.to_vec();
                    ws.pong(&payload).await?;
                }
                Opcode::Close => return Err(closed_by_server(frame.payload)),
                Opcode::Text | Opcode::Pong => {}
            }
        }
    }

    /// A kernel receive timestamp as µs since the epoch.
    fn arrived_us(&self, rx_unix_ns: Option<i64>) -> Option<u64> {
        rx_unix_ns.map(|ns| (ns - self.epoch_unix_ns).max(0) as u64 / 1_000)
    }

    /// Handles one received value: `received_us` is when it was read, `arrived_us` when it
    /// reached the socket (when known).
    fn on_value(&self, value: f64, last_seq: &mut u64, received_us: u64, arrived_us: Option<u64>) {
        match self.values {
            Values::Sequence => {
                let seq = value as u64;
                if seq > *last_seq {
                    self.counters
                        .watermark_sum
                        .fetch_add(seq - *last_seq, Relaxed);
                    *last_seq = seq;
                }
            }
            Values::SentAtMicros => {
                let sent_us = value as u64;
                if sent_us >= self.counters.record_from_us.load(Relaxed) {
                    if let Ok(mut samples) = self.counters.latencies_us.lock() {
                        samples.push(arrived_us.unwrap_or(received_us).saturating_sub(sent_us));
                    }
                    if let Ok(mut samples) = self.counters.read_latencies_us.lock() {
                        samples.push(received_us.saturating_sub(sent_us));
                    }
                }
            }
        }
    }

    fn now_us(&self) -> u64 {
        match self.values {
            Values::SentAtMicros => self.epoch.elapsed().as_micros() as u64,
            Values::Sequence => 0,
        }
    }

    fn mark_ready(&self, ready: &mut bool) {
        if !*ready {
            *ready = true;
            self.counters.ready.fetch_add(1, Relaxed);
        }
    }
}

/// Per-connection state of a Pulsegrid subscriber.
struct PulsegridState {
    ready: bool,
    last_seq: u64,
    verify_left: u32,
}

impl PulsegridState {
    fn on_message(&mut self, client: &Client, text: &[u8], arrived_us: Option<u64>) {
        let received_us = client.now_us();
        let counters = &client.counters;
        match live_frame::kind(text) {
            Kind::Frame { replace: false } => {
                client.mark_ready(&mut self.ready);
                let last_seq = &mut self.last_seq;
                let points = live_frame::for_each_value(text, |v| {
                    client.on_value(v, last_seq, received_us, arrived_us);
                });
                counters.frames.fetch_add(1, Relaxed);
                counters.points.fetch_add(points as u64, Relaxed);
                if self.verify_left > 0 {
                    self.verify_left -= 1;
                    match live_frame::verify(text) {
                        Ok(()) => {
                            counters.verified.fetch_add(1, Relaxed);
                        }
                        Err(e) => counters.problem(|| {
                            format!(
                                "frame scan disagrees with JSON ({e}): {}",
                                String::from_utf8_lossy(text)
                            )
                        }),
                    }
                }
            }
            Kind::Frame { replace: true } => {
                client.mark_ready(&mut self.ready);
                counters.history_frames.fetch_add(1, Relaxed);
            }
            Kind::Error | Kind::Other => counters.problem(|| {
                format!(
                    "client {} got {}",
                    client.index,
                    String::from_utf8_lossy(&text[..text.len().min(300)])
                )
            }),
            Kind::Status => {}
        }
    }
}

/// Per-connection state of an MQTT subscriber.
struct MqttState {
    ready: bool,
    last_seq: u64,
}

impl MqttState {
    /// Handles every complete packet at the start of `bytes`; returns the bytes used.
    fn on_bytes(
        &mut self,
        client: &Client,
        bytes: &[u8],
        arrived_us: Option<u64>,
    ) -> io::Result<usize> {
        let mut used = 0;
        let mut received_us = None;
        while let Some((packet, len)) = mqtt::parse(&bytes[used..])? {
            used += len;
            match packet {
                Packet::Publish { payload, .. } => {
                    let received_us = *received_us.get_or_insert_with(|| client.now_us());
                    client.counters.frames.fetch_add(1, Relaxed);
                    client.counters.points.fetch_add(1, Relaxed);
                    if let Some(value) = std::str::from_utf8(payload)
                        .ok()
                        .and_then(|s| s.parse::<f64>().ok())
                    {
                        client.on_value(value, &mut self.last_seq, received_us, arrived_us);
                    }
                }
                Packet::SubAck { codes, .. } => {
                    if codes.iter().any(|c| *c >= 0x80) {
                        return Err(io::Error::other("subscription refused by the broker"));
                    }
                    client.mark_ready(&mut self.ready);
                }
                Packet::ConnAck { .. } | Packet::PingResp | Packet::Other(_) => {}
            }
        }
        Ok(used)
    }
}

fn closed_by_server(payload: &[u8]) -> io::Error {
    let reason = payload.get(2..).map(String::from_utf8_lossy);
    io::Error::other(format!(
        "server closed the WebSocket: {}",
        reason.as_deref().unwrap_or("")
    ))
}

/// Waits until every client of `fleet` is subscribed, calling `nudge` every couple of
/// seconds meanwhile (a Pulsegrid stream subscription may answer only once a point arrives).
pub(crate) async fn wait_ready<F, Fut>(
    fleet: &Fleet,
    timeout: Duration,
    mut nudge: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let start = Instant::now();
    let mut last_nudge = Instant::now();
    let expected = fleet.len() as u64;
    loop {
        let counters = &fleet.counters;
        if counters.problems.load(Relaxed) > 0 {
            bail!(
                "subscribing failed: {}",
                counters.first_problem().unwrap_or_default()
            );
        }
        let ready = counters.ready.load(Relaxed);
        if ready >= expected {
            return Ok(());
        }
        if start.elapsed() > timeout {
            bail!("only {ready} of {expected} subscriptions answered within {timeout:?}");
        }
        if last_nudge.elapsed() > Duration::from_secs(2) {
            nudge().await.context("nudging the stream")?;
            last_nudge = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
