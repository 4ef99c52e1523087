//! The publisher: a thread of its own (pinned to a core when asked) with a current-thread
//! runtime, speaking to the broker with the client crate the connector itself uses (async-nats,
//! redis, amqprs), QoS 0 PUBLISH packets over plain TCP for MQTT (the bench crate's own
//! encoder, cheaper than any client), or, for the WebSocket feed, serving the connector's
//! connection with tokio-tungstenite.
//!
//! It first sends probes (value -1, 20 per second) until the receiving side says the pipeline
//! is live (the upstream subscription may still be on its way when the connector reports
//! `up`), then runs its [`Plan`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use amqprs::BasicProperties;
use amqprs::channel::{BasicPublishArguments, Channel, ExchangeDeclareArguments};
use amqprs::connection::{Connection, OpenConnectionArguments};
use anyhow::{Context, bail};
use futures_util::SinkExt;
use pulsegrid_bench::{mqtt, procstat};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::brokers::{Endpoint, Kind, payload};

/// Messages per write (or pipeline, or flush) when flooding.
const FLOOD_BATCH: u64 = 256;
/// Messages a flood may run ahead of what the receiver has counted. Brokers and clients that
/// drop for slow consumers (NATS core: the client's subscription buffer and the connector's
/// 4,096-deep feed; Mosquitto's queue limit) would otherwise measure their drop policy, not
/// the connector.
const FLOOD_WINDOW: u64 = 4096;
/// Time between probes while waiting for the pipeline.
const PROBE_EVERY: Duration = Duration::from_millis(50);
/// How long the pipeline may take to deliver the first probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
/// Pacing tick of a fixed-rate plan.
const TICK: Duration = Duration::from_millis(1);

/// What to publish once the pipeline is live.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Plan {
    /// As fast as the receiver keeps up (at most [`FLOOD_WINDOW`] ahead): `count` messages, or
    /// fewer when `max` passes first. Values are sequence numbers (0, 1, ...).
    Flood { count: u64, max: Duration },
    /// `rate` messages per second for `length`; each value is its send time in µs since
    /// `epoch`.
    Paced {
        rate: f64,
        length: Duration,
        epoch: Instant,
    },
}

/// State shared between the publisher and the receiving side.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Set by the receiver when the connector reported `up`.
    pub(crate) up: AtomicBool,
    /// Set by the receiver when a probe (or anything) arrived: start the plan.
    pub(crate) live: AtomicBool,
    /// Messages of the plan sent so far.
    pub(crate) sent: AtomicU64,
    /// Messages of the plan the receiver has counted so far (a flood stays within
    /// [`FLOOD_WINDOW`] of it).
    pub(crate) received: AtomicU64,
    /// Set when the plan is done (or failed).
    pub(crate) done: AtomicBool,
}

/// What the publisher thread ends with.
#[derive(Debug)]
pub(crate) struct Published {
    /// Messages of the plan sent.
    pub(crate) sent: u64,
    /// Wall time from the plan's first to its last send.
    pub(crate) elapsed: Duration,
}

/// Starts the publisher thread; it connects (or accepts), probes, runs `plan`, and sets
/// `progress.done`.
pub(crate) fn spawn(
    kind: Kind,
    endpoint: Endpoint,
    plan: Plan,
    progress: Arc<Progress>,
    pin_to: Option<&'static str>,
) -> JoinHandle<anyhow::Result<Published>> {
    std::thread::spawn(move || {
        if let Some(cpus) = pin_to {
            procstat::pin(procstat::current_thread_id()?, cpus, false)?;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let result = runtime.block_on(run(kind, endpoint, plan, &progress));
        progress.done.store(true, Ordering::Release);
        result
    })
}

async fn run(
    kind: Kind,
    endpoint: Endpoint,
    plan: Plan,
    progress: &Progress,
) -> anyhow::Result<Published> {
    let mut client = Client::connect(kind, endpoint).await?;
    let mut values = Vec::with_capacity(FLOOD_BATCH as usize);
    let probing_since = Instant::now();
    while !progress.live.load(Ordering::Acquire) {
        if probing_since.elapsed() > PROBE_TIMEOUT {
            bail!("no probe reached the receiver within {PROBE_TIMEOUT:?}");
        }
        client.send(0, &[-1.0], true).await?;
        tokio::time::sleep(PROBE_EVERY).await;
    }
    let started = Instant::now();
    let mut seq = 0u64;
    match plan {
        Plan::Flood { count, max } => {
            while seq < count && started.elapsed() < max {
                if seq >= progress.received.load(Ordering::Acquire) + FLOOD_WINDOW {
                    tokio::time::sleep(Duration::from_micros(200)).await;
                    continue;
                }
                let n = FLOOD_BATCH.min(count - seq);
                values.clear();
                values.extend((seq..seq + n).map(|s| s as f64));
                client.send(seq, &values, false).await?;
                seq += n;
                progress.sent.store(seq, Ordering::Release);
            }
        }
        Plan::Paced {
            rate,
            length,
            epoch,
        } => {
            let total = (rate * length.as_secs_f64()).round() as u64;
            let mut next_tick = tokio::time::Instant::now();
            while seq < total {
                let due = ((started.elapsed().as_secs_f64() * rate) as u64).min(total);
                if due > seq {
                    let now_us = epoch.elapsed().as_micros() as f64;
                    values.clear();
                    values.resize((due - seq) as usize, now_us);
                    client.send(seq, &values, true).await?;
                    seq = due;
                    progress.sent.store(seq, Ordering::Release);
                }
                next_tick += TICK;
                tokio::time::sleep_until(next_tick).await;
            }
        }
    }
    let elapsed = started.elapsed();
    client.finish().await?;
    Ok(Published { sent: seq, elapsed })
}

/// A connected publisher of one kind.
enum Client {
    Mqtt {
        stream: TcpStream,
        buf: Vec<u8>,
        payload: Vec<u8>,
    },
    Nats {
        client: async_nats::Client,
        buf: Vec<u8>,
    },
    Redis {
        connection: redis::aio::MultiplexedConnection,
        buf: Vec<u8>,
    },
    Amqp {
        connection: Connection,
        channel: Channel,
        buf: Vec<u8>,
    },
    Websocket {
        socket: Box<WebSocketStream<TcpStream>>,
        buf: Vec<u8>,
    },
}

impl Client {
    async fn connect(kind: Kind, endpoint: Endpoint) -> anyhow::Result<Client> {
        Ok(match (kind, endpoint) {
            (Kind::Mqtt, Endpoint::Tcp(addr)) => {
                let mut stream = TcpStream::connect(addr).await?;
                stream.set_nodelay(true)?;
                let client_id = format!("pg-bench-pub-{}", std::process::id());
                stream.write_all(&mqtt::connect(&client_id, 0)).await?;
                let mut answer = [0; 64];
                let mut have = 0;
                loop {
                    let n = stream.read(&mut answer[have..]).await?;
                    if n == 0 {
                        bail!("mosquitto closed the connection before CONNACK");
                    }
                    have += n;
                    match mqtt::parse(&answer[..have])? {
                        Some((mqtt::Packet::ConnAck { code: 0 }, _)) => break,
                        Some((other, _)) => bail!("expected CONNACK 0, got {other:?}"),
                        None => {}
                    }
                }
                Client::Mqtt {
                    stream,
                    buf: Vec::with_capacity(64 << 10),
                    payload: Vec::with_capacity(64),
                }
            }
            (Kind::Nats, Endpoint::Url(url)) => Client::Nats {
                client: async_nats::connect(url.as_str())
                    .await
                    .with_context(|| format!("connecting to {url}"))?,
                buf: Vec::with_capacity(64),
            },
            (Kind::Redis, Endpoint::Url(url)) => Client::Redis {
                connection: redis::Client::open(url.as_str())?
                    .get_multiplexed_async_connection()
                    .await
                    .with_context(|| format!("connecting to {url}"))?,
                buf: Vec::with_capacity(64),
            },
            (Kind::Amqp, Endpoint::Tcp(addr)) => {
                let args = OpenConnectionArguments::new(
                    &addr.ip().to_string(),
                    addr.port(),
                    "guest",
                    "guest",
                );
                let connection = Connection::open(&args).await?;
                let channel = connection.open_channel(None).await?;
                channel
                    .exchange_declare(ExchangeDeclareArguments::new("bench", "topic"))
                    .await?;
                Client::Amqp {
                    connection,
                    channel,
                    buf: Vec::with_capacity(64),
                }
            }
            (Kind::Websocket, Endpoint::Listener(listener)) => {
                listener.set_nonblocking(true)?;
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let (tcp, _) = tokio::time::timeout(PROBE_TIMEOUT, listener.accept())
                    .await
                    .context("the connector never connected to the feed")??;
                tcp.set_nodelay(true)?;
                let socket = tokio_tungstenite::accept_async(tcp)
                    .await
                    .context("WebSocket handshake with the connector")?;
                Client::Websocket {
                    socket: Box::new(socket),
                    buf: Vec::with_capacity(64),
                }
            }
            (kind, endpoint) => bail!("no publisher for {kind:?} at {endpoint:?}"),
        })
    }

    /// Sends one message per value, sequence numbers from `first_seq` (they pick the topic);
    /// with `flush`, waits until the client library has written them out.
    async fn send(&mut self, first_seq: u64, values: &[f64], flush: bool) -> anyhow::Result<()> {
        let kind = self.kind();
        let seqs = first_seq..;
        match self {
            Client::Mqtt {
                stream,
                buf,
                payload: body,
            } => {
                buf.clear();
                for (seq, value) in seqs.zip(values) {
                    body.clear();
                    payload(seq, *value, body);
                    mqtt::publish(&kind.topic(seq), body, buf);
                }
                stream.write_all(buf).await?;
            }
            Client::Nats { client, buf } => {
                for (seq, value) in seqs.zip(values) {
                    buf.clear();
                    payload(seq, *value, buf);
                    client
                        .publish(kind.topic(seq), bytes::Bytes::copy_from_slice(buf))
                        .await?;
                }
                if flush {
                    client.flush().await?;
                }
            }
            Client::Redis { connection, buf } => {
                let mut pipe = redis::pipe();
                for (seq, value) in seqs.zip(values) {
                    buf.clear();
                    payload(seq, *value, buf);
                    pipe.cmd("PUBLISH")
                        .arg(kind.topic(seq))
                        .arg(buf.as_slice())
                        .ignore();
                }
                pipe.query_async::<()>(connection).await?;
            }
            Client::Amqp { channel, buf, .. } => {
                for (seq, value) in seqs.zip(values) {
                    buf.clear();
                    payload(seq, *value, buf);
                    channel
                        .basic_publish(
                            BasicProperties::default(),
                            buf.clone(),
                            BasicPublishArguments::new("bench", &kind.topic(seq)),
                        )
                        .await?;
                }
            }
            Client::Websocket { socket, buf } => {
                for (seq, value) in seqs.zip(values) {
                    buf.clear();
                    payload(seq, *value, buf);
                    let text = String::from_utf8_lossy(buf).into_owned();
                    socket.feed(Message::text(text)).await?;
                }
                socket.flush().await?;
            }
        }
        Ok(())
    }

    /// Waits until what was sent has left (NATS flush), then says goodbye where it is cheap.
    async fn finish(self) -> anyhow::Result<()> {
        match self {
            Client::Mqtt { mut stream, .. } => {
                stream.write_all(&[0xE0, 0x00]).await?; // DISCONNECT
            }
            Client::Nats { client, .. } => client.flush().await?,
            Client::Redis { .. } => {}
            Client::Amqp {
                connection,
                channel,
                ..
            } => {
                let _ = channel.close().await;
                let _ = connection.close().await;
            }
            // Dropping the socket closes the feed after everything sent (the connector then
            // reports `down`, after the last message).
            Client::Websocket { .. } => {}
        }
        Ok(())
    }

    fn kind(&self) -> Kind {
        match self {
            Client::Mqtt { .. } => Kind::Mqtt,
            Client::Nats { .. } => Kind::Nats,
            Client::Redis { .. } => Kind::Redis,
            Client::Amqp { .. } => Kind::Amqp,
            Client::Websocket { .. } => Kind::Websocket,
        }
    }
}
