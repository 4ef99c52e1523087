//! Messages per second a connector decodes into the hub on one core.
//!
//! The connector's `Source::subscribe` runs as the server runs it (the source built from a
//! `DatasourceConfig` by `build_source`, a 64-deep channel like the hub's) on a current-thread
//! runtime whose thread is pinned to core 0; everything the connector spawns (the broker
//! client's event loop, the fan-out) runs on that thread too, so its CPU time
//! (`/proc/thread-self/schedstat`) is the connector's whole cost. The publisher thread and the
//! broker processes are pinned to core 1. The points of every `SourceEvent::Frame` are counted
//! from the first frame of the flood to the last.
//!
//! [`decode_only`] measures the shared decode stage alone ([`Emitter`] without a broker), to
//! tell the connector's client library apart from the decoding.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pulsegrid_bench::procstat;
use pulsegrid_connectors::broker::{BrokerStats, Emitter, RecentPoints};
use pulsegrid_connectors::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use pulsegrid_connectors::{SourceEvent, build_source};
use pulsegrid_model::DatasourceConfig;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::brokers::{Broker, Kind, payload};
use crate::publish::{self, Plan, Progress};

/// The hub's channel depth per subscription (`pulsegrid-live`'s `SOURCE_BUFFER`).
const HUB_BUFFER: usize = 64;
/// The core the subscriber runs on; the publisher and the brokers get the other.
const SUBSCRIBER_CPU: &str = "0";
/// See [`SUBSCRIBER_CPU`].
pub(crate) const PUBLISHER_CPU: &str = "1";
/// After the publisher is done, the measurement ends when nothing arrives for this long.
const DRAIN_IDLE: Duration = Duration::from_secs(1);
/// Before that, a silence this long is a failure.
const STALL: Duration = Duration::from_secs(30);
/// Points per frame the `decode_only` emitter flushes at (the fan-out's `MAX_POINTS_PER_FRAME`).
const DECODE_ONLY_FLUSH: usize = 1000;

/// What one throughput run measured.
#[derive(Clone, Debug, Default)]
pub(crate) struct Throughput {
    /// Messages the publisher sent.
    pub(crate) published: u64,
    /// Seconds the publisher took.
    pub(crate) publish_seconds: f64,
    /// Flood points that arrived in frames.
    pub(crate) received: u64,
    /// Points counted in the window (after the window's first frame).
    pub(crate) measured: u64,
    /// The window: first frame to last frame.
    pub(crate) seconds: f64,
    /// CPU seconds of the subscriber thread in the window.
    pub(crate) cpu_seconds: f64,
    /// Frames in the window.
    pub(crate) frames: u64,
}

impl Throughput {
    /// Points decoded per second of wall time.
    pub(crate) fn per_second(&self) -> f64 {
        self.measured as f64 / self.seconds.max(1e-9)
    }

    /// Subscriber-thread CPU µs per message.
    pub(crate) fn cpu_us_per_message(&self) -> f64 {
        self.cpu_seconds * 1e6 / (self.measured.max(1) as f64)
    }

    /// The share of the window the subscriber thread was on a core.
    pub(crate) fn busy(&self) -> f64 {
        self.cpu_seconds / self.seconds.max(1e-9)
    }

    /// Messages per second one fully busy core would decode at this CPU cost.
    pub(crate) fn capacity(&self) -> f64 {
        1e6 / self.cpu_us_per_message().max(1e-9)
    }

    /// The publisher's rate.
    pub(crate) fn published_per_second(&self) -> f64 {
        self.published as f64 / self.publish_seconds.max(1e-9)
    }
}

/// Measures `broker`'s connector: the publisher floods `count` messages (or for `max`).
pub(crate) fn run(broker: &Broker, count: u64, max: Duration) -> anyhow::Result<Throughput> {
    broker.forget_stale_connections()?;
    let kind = broker.kind();
    let ds: DatasourceConfig = serde_json::from_value(broker.datasource("throughput")?)?;
    let progress = Arc::new(Progress::default());
    // The subscriber first: it connects (the WebSocket feed's publisher accepts that).
    let subscriber = {
        let progress = progress.clone();
        std::thread::spawn(move || subscribe(ds, kind.target(), &progress))
    };
    for pid in procstat::descendants(std::process::id()) {
        let _ = procstat::pin(pid, PUBLISHER_CPU, true);
    }
    // Publish once the connector says it is consuming (the WebSocket feed's publisher is the
    // server the connector waits for, so it starts at once). With RabbitMQ, a publisher that
    // declared the exchange before the connector subscribed never reached it (see
    // docs/benchmarks.md); waiting for `up` is also what a real deployment looks like.
    if kind != Kind::Websocket {
        let deadline = Instant::now() + STALL;
        while !progress.up.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let publisher = publish::spawn(
        kind,
        broker.endpoint()?,
        Plan::Flood { count, max },
        progress.clone(),
        Some(PUBLISHER_CPU),
    );
    let published = publisher
        .join()
        .map_err(|_| anyhow::anyhow!("the publisher panicked"));
    // A failed publisher never lets the subscriber see the end: `done` is set either way.
    let received = subscriber
        .join()
        .map_err(|_| anyhow::anyhow!("the subscriber panicked"))?;
    for pid in procstat::descendants(std::process::id()) {
        let _ = procstat::pin(pid, "0-1", true);
    }
    let published = published??;
    let mut result = received?;
    result.published = published.sent;
    result.publish_seconds = published.elapsed.as_secs_f64();
    Ok(result)
}

/// The subscriber thread: pinned, its own runtime, the connector's `subscribe`.
pub(crate) fn subscribe(
    ds: DatasourceConfig,
    target: Value,
    progress: &Progress,
) -> anyhow::Result<Throughput> {
    procstat::pin(procstat::current_thread_id()?, SUBSCRIBER_CPU, false)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let source = build_source(&ds, &reqwest::Client::new())?
            .with_context(|| format!("no connector for type {}", ds.type_name))?;
        let (tx, mut rx) = mpsc::channel(HUB_BUFFER);
        let cancel = CancellationToken::new();
        let task = tokio::spawn({
            let cancel = cancel.clone();
            let source = source.clone();
            async move { source.subscribe(&target, tx, cancel).await }
        });
        let mut result = Throughput::default();
        let mut window: Option<(Instant, f64)> = None;
        let mut last = Instant::now();
        loop {
            let done = progress.done.load(Ordering::Acquire);
            let wait = if done { DRAIN_IDLE } else { STALL };
            match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(SourceEvent::Frame { series, .. })) => {
                    let mut flood = 0u64;
                    let mut any = false;
                    for value in series.iter().flat_map(|s| s.v.iter()) {
                        any = true;
                        if *value >= 0.0 {
                            flood += 1;
                        }
                    }
                    if any {
                        progress.live.store(true, Ordering::Release);
                    }
                    if flood == 0 {
                        continue;
                    }
                    result.received += flood;
                    progress.received.store(result.received, Ordering::Release);
                    match window {
                        None => window = Some((Instant::now(), procstat::thread_cpu_seconds()?)),
                        Some(_) => {
                            result.measured += flood;
                            result.frames += 1;
                            last = Instant::now();
                        }
                    }
                    if done && result.received >= progress.sent.load(Ordering::Acquire) {
                        break;
                    }
                }
                Ok(Some(SourceEvent::Status { up: false, message })) => {
                    eprintln!("  [{}] connector down: {message}", ds.type_name);
                }
                Ok(Some(SourceEvent::Status { .. })) => progress.up.store(true, Ordering::Release),
                Ok(None) => bail!("the subscription ended"),
                Err(_) if done => break,
                Err(_) => bail!("nothing arrived for {STALL:?}"),
            }
        }
        let cpu_end = procstat::thread_cpu_seconds()?;
        let Some((start, cpu_start)) = window else {
            bail!("no published message arrived");
        };
        result.seconds = last.duration_since(start).as_secs_f64();
        // The CPU after the last frame is the drain's idle wait: next to nothing.
        result.cpu_seconds = cpu_end - cpu_start;
        cancel.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        Ok(result)
    })
}

/// The decode stage alone on one pinned thread: `count` MQTT-shaped messages through an
/// [`Emitter`] (topic labels, JSON `field`, batching, recent points, frames to a channel
/// drained by a task on the same thread), no broker and no client library.
pub(crate) fn decode_only(count: u64) -> anyhow::Result<Throughput> {
    std::thread::spawn(move || {
        procstat::pin(procstat::current_thread_id()?, SUBSCRIBER_CPU, false)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let kind = Kind::Mqtt;
            let target = kind.target();
            let decoder = PayloadDecoder::from_target(&target, "bench/+/v")?;
            let pattern = TopicPattern::parse("bench/+dev/v", WildcardStyle::Mqtt)
                .map_err(|e| anyhow::anyhow!(e))?;
            let (tx, mut rx) = mpsc::channel(HUB_BUFFER);
            let counter = tokio::spawn(async move {
                let mut points = 0u64;
                while let Some(event) = rx.recv().await {
                    if let SourceEvent::Frame { series, .. } = event {
                        points += series.iter().map(|s| s.v.len() as u64).sum::<u64>();
                    }
                }
                points
            });
            let mut emitter = Emitter::new(
                "bench",
                decoder,
                pattern,
                tx,
                Arc::new(RecentPoints::new(500, 4096)),
                Arc::new(BrokerStats::default()),
            );
            let topics: Vec<String> = (0..crate::brokers::DEVICES)
                .map(|d| kind.topic(d))
                .collect();
            let mut body = Vec::with_capacity(64);
            let cpu_start = procstat::thread_cpu_seconds()?;
            let start = Instant::now();
            for seq in 0..count {
                body.clear();
                payload(seq, seq as f64, &mut body);
                let topic = &topics[(seq % crate::brokers::DEVICES) as usize];
                emitter.message(topic, &body).await;
                if emitter.pending() >= DECODE_ONLY_FLUSH {
                    emitter.flush().await;
                }
            }
            emitter.flush().await;
            drop(emitter);
            let points = counter.await?;
            let seconds = start.elapsed().as_secs_f64();
            let cpu_seconds = procstat::thread_cpu_seconds()? - cpu_start;
            Ok(Throughput {
                published: count,
                publish_seconds: seconds,
                received: points,
                measured: points,
                seconds,
                cpu_seconds,
                frames: points.div_ceil(DECODE_ONLY_FLUSH as u64),
            })
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the decode thread panicked"))?
}
