//! The publisher: sends updates into the system under test from its own thread.
//!
//! Pulsegrid gets Influx line protocol on `POST /write?db=STREAM` (what Telegraf and the
//! Influx clients send); Mosquitto gets QoS 0 PUBLISH packets over plain TCP (what an MQTT
//! device sends). The publisher runs on a thread of its own so that the subscribers' work never
//! delays a send timestamp, and vice versa.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use pulsegrid_bench::mqtt::{self, Packet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Notify, oneshot};
use tokio::task::JoinSet;

use crate::fleet::Counters;

/// Where updates go.
#[derive(Clone, Debug)]
pub(crate) enum Sink {
    /// Pulsegrid's `/write?db=STREAM` with an editor token.
    Pulsegrid {
        /// The HTTP address.
        addr: SocketAddr,
        /// An editor API key.
        key: String,
        /// The stream (`db`); the measurement is named the same.
        stream: String,
    },
    /// Mosquitto's TCP listener.
    Mosquitto {
        /// The TCP listener's address.
        tcp_addr: SocketAddr,
        /// The topic.
        topic: String,
    },
}

/// How long before each fixed-rate update the subscribers are told to hold off reading.
const HOLD_LEAD: Duration = Duration::from_micros(500);

/// How fast to send.
#[derive(Clone, Debug)]
pub(crate) enum Pace {
    /// As fast as the system delivers: at most `window` updates ahead of the subscribers'
    /// average watermark. Values are sequence numbers.
    Closed {
        /// Updates allowed ahead of delivery.
        window: u64,
        /// Subscribers the watermark is summed over.
        clients: u64,
    },
    /// A fixed rate; values are send times in µs since the epoch.
    Fixed {
        /// Updates per second.
        per_second: f64,
        /// Told just before each update, so the subscribers can stay off the CPU while the
        /// system delivers it (see `--hold-ms`).
        hold: Option<Arc<Notify>>,
    },
}

/// What the publisher did.
#[derive(Clone, Debug, Default)]
pub(crate) struct Published {
    /// Updates (points) the system accepted.
    pub(crate) updates: u64,
    /// Writes that the system refused (Pulsegrid's 503 when overloaded).
    pub(crate) rejected: u64,
    /// How long each write took until acknowledged (for Pulsegrid, the `/write` round trip,
    /// which includes the write-ahead log's fsync; for MQTT QoS 0, the socket write), µs,
    /// sorted.
    pub(crate) write_us: Vec<u64>,
}

impl Published {
    /// The `q` quantile of the write times, µs.
    pub(crate) fn write_quantile_us(&self, q: f64) -> Option<u64> {
        let n = self.write_us.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
        self.write_us.get(rank).copied()
    }
}

/// Starts publishing on a new thread until `until`; the receiver yields the result.
pub(crate) fn spawn(
    sink: Sink,
    pace: Pace,
    batch: u64,
    until: Instant,
    epoch: Instant,
    counters: Arc<Counters>,
) -> oneshot::Receiver<anyhow::Result<Published>> {
    let (tx, rx) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("publisher".into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("building the publisher's runtime")
                .and_then(|rt| rt.block_on(publish(sink, pace, batch, until, epoch, &counters)));
            let _ = tx.send(result);
        });
    if let Err(e) = thread {
        // The sender went down with the closure; the receiver reports the publisher as gone.
        eprintln!("cannot start the publisher thread: {e}");
    }
    rx
}

async fn publish(
    sink: Sink,
    pace: Pace,
    batch: u64,
    until: Instant,
    epoch: Instant,
    counters: &Counters,
) -> anyhow::Result<Published> {
    let mut sender = Sender::open(sink).await?;
    let mut published = Published::default();
    // Writes run concurrently (a Pulsegrid write waits for its group commit's fsync), so a
    // slow acknowledgement never holds back delivery; Closed pacing bounds how many.
    let mut in_flight: JoinSet<SendResult> = JoinSet::new();
    let mut sent = 0u64;
    let mut values = Vec::with_capacity(batch as usize);
    let mut next_send = Instant::now();
    while Instant::now() < until {
        while let Some(done) = in_flight.try_join_next() {
            account(&mut published, batch, done)?;
        }
        values.clear();
        match pace {
            Pace::Closed { window, clients } => {
                let delivered = counters.watermark_sum.load(Relaxed) / clients.max(1);
                if sent >= delivered + window || in_flight.len() as u64 >= window {
                    // tokio's timer ticks in milliseconds; finer polling would buy nothing at
                    // the update rates 10,000 subscribers allow.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
                values.extend((1..=batch).map(|i| sent + i));
            }
            Pace::Fixed {
                per_second,
                ref hold,
            } => {
                if Instant::now() < next_send {
                    tokio::time::sleep_until(next_send.min(until).into()).await;
                    continue;
                }
                next_send += Duration::from_secs_f64(1.0 / per_second);
                if let Some(hold) = hold {
                    hold.notify_one();
                    // Lets the subscriber thread get into its hold before the update leaves
                    // (not part of the measured latency: the send time is taken after).
                    std::thread::sleep(HOLD_LEAD);
                }
                let sent_us = epoch.elapsed().as_micros() as u64;
                values.extend(std::iter::repeat_n(sent_us, batch as usize));
            }
        }
        in_flight.spawn(sender.send(&values));
        sent += batch;
        sender.keep_alive().await?;
    }
    while let Some(done) = in_flight.join_next().await {
        account(&mut published, batch, done)?;
    }
    published.write_us.sort_unstable();
    Ok(published)
}

fn account(
    published: &mut Published,
    batch: u64,
    done: Result<SendResult, tokio::task::JoinError>,
) -> anyhow::Result<()> {
    let (accepted, took) = done.context("a publishing task failed")??;
    if accepted {
        published.updates += batch;
    } else {
        published.rejected += 1;
    }
    published.write_us.push(took.as_micros() as u64);
    Ok(())
}

/// Whether the system accepted a write, and how long it took.
type SendResult = anyhow::Result<(bool, Duration)>;

/// An open connection to the system under test.
enum Sender {
    Pulsegrid {
        http: reqwest::Client,
        url: Arc<str>,
        key: Arc<str>,
        measurement: String,
        last_ms: u64,
    },
    Mosquitto {
        /// Shared with the in-flight sends; tokio's mutex is fair, so writes keep their order.
        tcp: Arc<Mutex<tokio::net::tcp::OwnedWriteHalf>>,
        topic: Arc<str>,
        last_ping: Instant,
    },
}

impl Sender {
    async fn open(sink: Sink) -> anyhow::Result<Sender> {
        match sink {
            Sink::Pulsegrid { addr, key, stream } => Ok(Sender::Pulsegrid {
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()?,
                url: format!("http://{addr}/write?db={stream}&precision=ms").into(),
                key: key.into(),
                measurement: stream,
                last_ms: 0,
            }),
            Sink::Mosquitto { tcp_addr, topic } => {
                let mut tcp = TcpStream::connect(tcp_addr)
                    .await
                    .with_context(|| format!("connecting to Mosquitto at {tcp_addr}"))?;
                tcp.set_nodelay(true)?;
                // Client ids must be unique: the broker drops the older of two equal ones.
                static PUBLISHERS: AtomicU64 = AtomicU64::new(0);
                let id = format!("bench-publisher-{}", PUBLISHERS.fetch_add(1, Relaxed));
                tcp.write_all(&mqtt::connect(&id, 60)).await?;
                let mut answer = [0; 4];
                tcp.read_exact(&mut answer).await?;
                if !matches!(
                    mqtt::parse(&answer)?,
                    Some((Packet::ConnAck { code: 0 }, _))
                ) {
                    bail!("Mosquitto refused the publisher: {answer:?}");
                }
                let (mut read, write) = tcp.into_split();
                // PINGRESPs (and nothing else) come back; read them so the socket never fills.
                tokio::spawn(async move {
                    let mut sink = [0; 64];
                    while matches!(read.read(&mut sink).await, Ok(n) if n > 0) {}
                });
                Ok(Sender::Mosquitto {
                    tcp: Arc::new(Mutex::new(write)),
                    topic: topic.into(),
                    last_ping: Instant::now(),
                })
            }
        }
    }

    /// Starts sending `values` as one write (one HTTP request, or one TCP write of several
    /// PUBLISH packets).
    fn send(&mut self, values: &[u64]) -> Pin<Box<dyn Future<Output = SendResult> + Send>> {
        match self {
            Sender::Pulsegrid {
                http,
                url,
                key,
                measurement,
                last_ms,
            } => {
                use std::fmt::Write;
                let mut body = String::with_capacity(values.len() * 48);
                for value in values {
                    // Strictly increasing timestamps, so no point replaces another.
                    *last_ms = unix_ms().max(*last_ms + 1);
                    let _ = writeln!(body, "{measurement} value={value} {last_ms}");
                }
                let request = http.post(&**url).bearer_auth(&**key).body(body);
                Box::pin(async move {
                    let started = Instant::now();
                    let response = request.send().await.context("POST /write")?;
                    let status = response.status();
                    if status.is_success() {
                        return Ok((true, started.elapsed()));
                    }
                    if status.as_u16() == 503 || status.as_u16() == 429 {
                        return Ok((false, started.elapsed()));
                    }
                    let text = response.text().await.unwrap_or_default();
                    bail!("POST /write answered {status}: {text}")
                })
            }
            Sender::Mosquitto { tcp, topic, .. } => {
                let mut out = Vec::with_capacity(values.len() * (topic.len() + 24));
                for value in values {
                    mqtt::publish(topic, value.to_string().as_bytes(), &mut out);
                }
                let tcp = tcp.clone();
                Box::pin(async move {
                    let started = Instant::now();
                    tcp.lock()
                        .await
                        .write_all(&out)
                        .await
                        .context("publishing to Mosquitto")?;
                    Ok((true, started.elapsed()))
                })
            }
        }
    }

    /// Sends PINGREQ on the MQTT connection every 30 s (its keep-alive is 60 s).
    async fn keep_alive(&mut self) -> anyhow::Result<()> {
        if let Sender::Mosquitto { tcp, last_ping, .. } = self
            && last_ping.elapsed() > Duration::from_secs(30)
        {
            tcp.lock().await.write_all(&mqtt::PINGREQ).await?;
            *last_ping = Instant::now();
        }
        Ok(())
    }
}

/// Sends one update with value 0 (which no watermark and no latency window counts), so a
/// stream exists and new subscribers have history to answer with.
pub(crate) async fn prime(sink: &Sink) -> anyhow::Result<()> {
    let mut sender = Sender::open(sink.clone()).await?;
    if !sender.send(&[0]).await?.0 {
        bail!("the system refused the priming write");
    }
    Ok(())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
