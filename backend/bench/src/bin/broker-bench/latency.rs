//! Publish-to-WebSocket latency through the real server: `pulsegrid serve` (release build)
//! with the broker as a provisioned datasource and a dashboard whose panel 1 watches the
//! topic; one WebSocket client subscribes to that panel; the publisher sends `rate` messages
//! per second, each value its send time in µs since an `Instant` both sides share; per
//! received point, latency = receive − send.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pulsegrid_bench::live_frame::{self, Kind as FrameKind};
use pulsegrid_bench::servers::{PulsegridServer, PulsegridSetup};
use pulsegrid_bench::ws::{Handshake, Opcode, WsClient};
use serde_json::json;

use crate::brokers::Broker;
use crate::publish::{self, Plan, Progress};

/// After the publisher is done, the measurement ends when nothing arrives for this long.
const DRAIN_IDLE: Duration = Duration::from_secs(2);
/// Before that, a silence this long is a failure.
const STALL: Duration = Duration::from_secs(30);

/// What one latency run measured.
#[derive(Clone, Debug, Default)]
pub(crate) struct Latency {
    /// Messages published at the fixed rate.
    pub(crate) sent: u64,
    /// Latency of every point that arrived, µs, sorted.
    pub(crate) latencies_us: Vec<u64>,
    /// `replace: true` frames seen after the start (history resends).
    pub(crate) replace_frames: u64,
    /// The publisher's achieved rate.
    pub(crate) rate: f64,
}

impl Latency {
    /// The `q` quantile, µs (nearest rank).
    pub(crate) fn quantile_us(&self, q: f64) -> Option<u64> {
        let n = self.latencies_us.len();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.latencies_us.get(rank).copied()
    }
}

/// Runs the server against `broker` and measures.
pub(crate) async fn run(
    broker: &Broker,
    bin: &Path,
    rate: f64,
    length: Duration,
) -> anyhow::Result<Latency> {
    broker.forget_stale_connections()?;
    let kind = broker.kind();
    let mut target = kind.target();
    target["refId"] = "A".into();
    let datasources = json!({"apiVersion": 1, "datasources": [broker.datasource("latency")?]});
    let dashboard = json!({"uid": "bench", "title": "Broker bench", "panels": [
        {"id": 1, "type": "timeseries", "title": "bench",
         "datasource": {"type": kind.type_name(), "uid": "bench-src"},
         "targets": [target]}
    ]});
    let setup = PulsegridSetup {
        files: vec![
            ("datasources.yaml".into(), datasources.to_string()),
            ("dashboards/bench.json".into(), dashboard.to_string()),
        ],
        env: vec![(
            "PULSEGRID_DATASOURCES".into(),
            "{dir}/datasources.yaml".into(),
        )],
    };
    let mut server = PulsegridServer::start_with(bin, &setup).await?;
    let measured = measure(broker, &server, rate, length).await;
    if measured.is_err() || server.exited().is_some() {
        eprintln!("  pulsegrid log tail:\n{}", server.log_tail());
    }
    measured
}

async fn measure(
    broker: &Broker,
    server: &PulsegridServer,
    rate: f64,
    length: Duration,
) -> anyhow::Result<Latency> {
    let mut ws = WsClient::connect(server.addr, "/api/live/ws", &Handshake::default())
        .await
        .context("connecting the WebSocket client")?;
    ws.send(
        Opcode::Text,
        br#"{"op":"subscribe","sub":"b","dashboard":"bench","panel":1,"from":"now-5m","to":"now"}"#,
    )
    .await?;
    let epoch = Instant::now();
    let progress = Arc::new(Progress::default());
    let publisher = publish::spawn(
        broker.kind(),
        broker.endpoint()?,
        Plan::Paced {
            rate,
            length,
            epoch,
        },
        progress.clone(),
        None,
    );
    let mut result = Latency {
        latencies_us: Vec::with_capacity((rate * length.as_secs_f64()) as usize + 16),
        ..Latency::default()
    };
    let mut errors = Vec::new();
    loop {
        let done = progress.done.load(Ordering::Acquire);
        let wait = if done { DRAIN_IDLE } else { STALL };
        let frame = match tokio::time::timeout(wait, ws.read_frame()).await {
            Ok(frame) => frame?,
            Err(_) if done => break,
            Err(_) => bail!("no WebSocket frame for {STALL:?}"),
        };
        match frame.opcode {
            Opcode::Text => {}
            Opcode::Ping => {
                let payload = frame.payload.to_vec();
                ws.pong(&payload).await?;
                continue;
            }
            Opcode::Close => bail!("the server closed the WebSocket"),
            _ => continue,
        }
        let now_us = epoch.elapsed().as_micros() as f64;
        match live_frame::kind(frame.payload) {
            FrameKind::Frame { replace: false } => {
                let live = &progress.live;
                let latencies = &mut result.latencies_us;
                live_frame::for_each_value(frame.payload, |v| {
                    if v < 0.0 {
                        live.store(true, Ordering::Release);
                    } else if live.load(Ordering::Relaxed) {
                        latencies.push((now_us - v).max(0.0) as u64);
                    }
                });
            }
            // A history (re)send carries points already counted: not a delivery.
            FrameKind::Frame { replace: true } => {
                if progress.live.load(Ordering::Relaxed) {
                    result.replace_frames += 1;
                }
            }
            FrameKind::Error => errors.push(String::from_utf8_lossy(frame.payload).into_owned()),
            FrameKind::Status | FrameKind::Other => {}
        }
        if done && result.latencies_us.len() as u64 >= progress.sent.load(Ordering::Acquire) {
            break;
        }
    }
    let published = publisher
        .join()
        .map_err(|_| anyhow::anyhow!("the publisher panicked"))??;
    if result.latencies_us.is_empty() {
        bail!("no point arrived; server errors: {errors:?}");
    }
    result.sent = published.sent;
    result.rate = published.sent as f64 / published.elapsed.as_secs_f64().max(1e-9);
    result.latencies_us.sort_unstable();
    Ok(result)
}
