//! The three scenarios, run against one system: idle memory and fan-out throughput on the
//! same 10,000 connections, then latency on a fresh set of 1,000.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anyhow::Context;
use pulsegrid_bench::procstat;
use tokio::sync::Notify;

use crate::fleet::{Counters, Fleet, Target, Values, wait_ready};
use crate::publisher::{self, Pace, Published, Sink};

/// Time every subscription of a fleet may take to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Pause after subscribing before memory is read, so setup garbage is gone.
const SETTLE: Duration = Duration::from_secs(2);
/// How long the subscribers may keep receiving after the publisher stops.
const DRAIN: Duration = Duration::from_secs(3);

/// What to run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// Connections for the idle-memory and fan-out scenarios.
    pub(crate) clients: usize,
    /// Connections for the latency scenario.
    pub(crate) latency_clients: usize,
    /// Updates per second in the latency scenario.
    pub(crate) rate: f64,
    /// Measured seconds per scenario.
    pub(crate) seconds: f64,
    /// Unmeasured seconds of fan-out before the measurement starts.
    pub(crate) warmup: f64,
    /// Updates the fan-out publisher may run ahead of delivery.
    pub(crate) window: u64,
    /// Points per write in the fan-out scenario.
    pub(crate) batch: u64,
    /// How long the subscribers hold off reading after each update in the latency scenario
    /// (zero: they read at once).
    pub(crate) hold: Duration,
}

/// One system under test.
#[derive(Debug)]
pub(crate) struct System {
    /// Its name in the table.
    pub(crate) name: &'static str,
    /// The server process, for CPU and memory.
    pub(crate) pid: u32,
    /// Where subscribers connect.
    pub(crate) target: Target,
    /// Where the publisher sends.
    pub(crate) publish_to: PublishTo,
}

/// The publisher's side of a system.
#[derive(Clone, Debug)]
pub(crate) enum PublishTo {
    /// Pulsegrid's `/write` with an editor key.
    Pulsegrid {
        /// HTTP address.
        addr: std::net::SocketAddr,
        /// Editor API key.
        key: String,
    },
    /// Mosquitto's TCP listener.
    Mosquitto {
        /// TCP address.
        tcp_addr: std::net::SocketAddr,
    },
}

impl System {
    fn sink(&self, topic: &str) -> Sink {
        match &self.publish_to {
            PublishTo::Pulsegrid { addr, key } => Sink::Pulsegrid {
                addr: *addr,
                key: key.clone(),
                stream: topic.to_owned(),
            },
            PublishTo::Mosquitto { tcp_addr } => Sink::Mosquitto {
                tcp_addr: *tcp_addr,
                topic: topic.to_owned(),
            },
        }
    }

    /// A Pulsegrid stream exists once a point was written to it, and a subscription answers
    /// with its history; an MQTT subscription answers with SUBACK by itself.
    fn needs_priming(&self) -> bool {
        matches!(self.publish_to, PublishTo::Pulsegrid { .. })
    }

    async fn prime(&self, topic: &str) -> anyhow::Result<()> {
        if self.needs_priming() {
            publisher::prime(&self.sink(topic)).await?;
        }
        Ok(())
    }

    async fn subscribe(
        &self,
        topic: &str,
        count: usize,
        values: Values,
        epoch: Instant,
    ) -> anyhow::Result<Fleet> {
        self.prime(topic).await.context("priming the stream")?;
        let fleet = Fleet::connect(self.target, topic, count, values, epoch).await?;
        wait_ready(&fleet, READY_TIMEOUT, || self.prime(topic)).await?;
        Ok(fleet)
    }
}

/// Memory of idle subscribed connections.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Idle {
    /// Connections opened.
    pub(crate) clients: usize,
    /// Server RSS before, KiB.
    pub(crate) rss_before_kib: u64,
    /// Server RSS with the connections open and subscribed, KiB.
    pub(crate) rss_after_kib: u64,
}

impl Idle {
    /// KiB of server memory per connection.
    pub(crate) fn kib_per_connection(&self) -> f64 {
        self.rss_after_kib.saturating_sub(self.rss_before_kib) as f64 / self.clients as f64
    }
}

/// Counter readings at one moment.
#[derive(Clone, Copy, Debug)]
struct Snapshot {
    at: Instant,
    frames: u64,
    points: u64,
    history_frames: u64,
    server_cpu: f64,
    client_cpu: f64,
    machine_busy: f64,
}

impl Snapshot {
    fn take(counters: &Counters, pid: u32) -> anyhow::Result<Snapshot> {
        Ok(Snapshot {
            at: Instant::now(),
            frames: counters.frames.load(Relaxed),
            points: counters.points.load(Relaxed),
            history_frames: counters.history_frames.load(Relaxed),
            server_cpu: procstat::cpu_seconds(pid).context("reading the server's CPU time")?,
            client_cpu: procstat::own_cpu_seconds()?,
            machine_busy: procstat::machine_busy_seconds()?,
        })
    }
}

/// Deliveries measured between two snapshots.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    /// Subscribed connections.
    pub(crate) clients: usize,
    /// Measured wall time.
    pub(crate) seconds: f64,
    /// Live frames (messages) received, summed over clients.
    pub(crate) frames: u64,
    /// Points in them.
    pub(crate) points: u64,
    /// Pulsegrid `replace: true` frames in the window: a lagging subscriber's queued frames
    /// replaced by a fresh window. Their points are not counted as delivered.
    pub(crate) history_frames: u64,
    /// Server CPU seconds in the window.
    pub(crate) server_cpu: f64,
    /// Load-client CPU seconds in the window (both its threads).
    pub(crate) client_cpu: f64,
    /// CPU seconds all other processes of the machine used in the window: work that competed
    /// with the server and the load client for the two cores.
    pub(crate) other_cpu: f64,
    /// What the publisher sent over the whole run.
    pub(crate) published: Published,
    /// Points received over the whole run (including warm-up and drain).
    pub(crate) points_total: u64,
    /// Latency samples in µs to the frame's arrival at the subscriber's socket (kernel
    /// receive timestamp), sorted (latency scenario only).
    pub(crate) latencies_us: Vec<u64>,
    /// Latency samples in µs to when the load client had read the frame, sorted.
    pub(crate) read_latencies_us: Vec<u64>,
    /// Pulsegrid frames checked against a full JSON parse.
    pub(crate) verified: u64,
}

impl Delivery {
    fn between(a: Snapshot, b: Snapshot, clients: usize, published: Published) -> Delivery {
        Delivery {
            clients,
            seconds: b.at.duration_since(a.at).as_secs_f64(),
            frames: b.frames - a.frames,
            points: b.points - a.points,
            history_frames: b.history_frames - a.history_frames,
            server_cpu: b.server_cpu - a.server_cpu,
            client_cpu: b.client_cpu - a.client_cpu,
            other_cpu: ((b.machine_busy - a.machine_busy)
                - (b.server_cpu - a.server_cpu)
                - (b.client_cpu - a.client_cpu))
                .max(0.0),
            published,
            points_total: 0,
            latencies_us: Vec::new(),
            read_latencies_us: Vec::new(),
            verified: 0,
        }
    }

    /// Frames per second delivered.
    pub(crate) fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.seconds
    }

    /// Points per second delivered.
    pub(crate) fn points_per_second(&self) -> f64 {
        self.points as f64 / self.seconds
    }

    /// Server CPU µs per update delivered to one client.
    pub(crate) fn cpu_us_per_update(&self) -> Option<f64> {
        (self.points > 0).then(|| self.server_cpu * 1e6 / self.points as f64)
    }

    /// Share of the published points (times clients) that arrived.
    pub(crate) fn completeness(&self) -> f64 {
        let expected = self.published.updates as f64 * self.clients as f64;
        if expected == 0.0 {
            0.0
        } else {
            self.points_total as f64 / expected
        }
    }

    /// The `q` quantile (0..=1) of the latency samples (to the socket), in µs.
    pub(crate) fn latency_quantile_us(&self, q: f64) -> Option<u64> {
        quantile(&self.latencies_us, q)
    }

    /// The `q` quantile of the latencies to when the load client read the frame, in µs.
    pub(crate) fn read_latency_quantile_us(&self, q: f64) -> Option<u64> {
        quantile(&self.read_latencies_us, q)
    }
}

/// The `q` quantile (0..=1) of sorted samples.
fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
    sorted.get(rank).copied()
}

/// Everything measured for one system; a failed scenario leaves its error instead.
#[derive(Debug)]
pub(crate) struct SystemReport {
    /// The system's name.
    pub(crate) name: &'static str,
    /// Idle memory.
    pub(crate) idle: Result<Idle, String>,
    /// Fan-out throughput.
    pub(crate) fanout: Result<Delivery, String>,
    /// Latency at a fixed rate.
    pub(crate) latency: Result<Delivery, String>,
}

impl SystemReport {
    /// Adds to every failure that the server process had ended by itself.
    pub(crate) fn note_exit(&mut self, status: &str) {
        let note =
            |e: &mut String| e.push_str(&format!(" (the server process had exited: {status})"));
        if let Err(e) = &mut self.idle {
            note(e);
        }
        if let Err(e) = &mut self.fanout {
            note(e);
        }
        if let Err(e) = &mut self.latency {
            note(e);
        }
    }

    /// A report where nothing could run.
    pub(crate) fn failed(name: &'static str, error: String) -> SystemReport {
        SystemReport {
            name,
            idle: Err(error.clone()),
            fanout: Err(error.clone()),
            latency: Err(error),
        }
    }
}

/// Runs all scenarios against `system`.
pub(crate) async fn run(system: &System, settings: &Settings, epoch: Instant) -> SystemReport {
    eprintln!(
        "[{}] idle memory and fan-out with {} clients",
        system.name, settings.clients
    );
    let (idle, fanout) = match idle_and_fanout(system, settings, epoch).await {
        Ok((idle, fanout)) => (Ok(idle), fanout.map_err(|e| format!("{e:#}"))),
        Err(e) => (Err(format!("{e:#}")), Err(format!("not run: {e:#}"))),
    };
    // Let the server notice the closed connections before the next scenario.
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!(
        "[{}] latency with {} clients at {}/s",
        system.name, settings.latency_clients, settings.rate
    );
    let latency = latency(system, settings, epoch)
        .await
        .map_err(|e| format!("{e:#}"));
    SystemReport {
        name: system.name,
        idle,
        fanout,
        latency,
    }
}

/// Opens the fan-out fleet, reads idle memory, then measures fan-out on the same fleet.
async fn idle_and_fanout(
    system: &System,
    settings: &Settings,
    epoch: Instant,
) -> anyhow::Result<(Idle, anyhow::Result<Delivery>)> {
    let topic = "bench";
    system.prime(topic).await.context("priming the stream")?;
    let rss_before_kib = procstat::rss_kib(system.pid)?;
    let started = Instant::now();
    let fleet = system
        .subscribe(topic, settings.clients, Values::Sequence, epoch)
        .await?;
    eprintln!(
        "[{}] {} clients subscribed in {:.1} s",
        system.name,
        fleet.len(),
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(SETTLE).await;
    let idle = Idle {
        clients: fleet.len(),
        rss_before_kib,
        rss_after_kib: procstat::rss_kib(system.pid)?,
    };
    let fanout = fanout(system, settings, epoch, &fleet).await;
    Ok((idle, fanout))
}

async fn fanout(
    system: &System,
    settings: &Settings,
    epoch: Instant,
    fleet: &Fleet,
) -> anyhow::Result<Delivery> {
    let counters = &fleet.counters;
    let warmup = Duration::from_secs_f64(settings.warmup);
    let measured = Duration::from_secs_f64(settings.seconds);
    let start = Instant::now();
    let points_at_start = counters.points.load(Relaxed);
    let problems_at_start = counters.problems.load(Relaxed);
    let publishing = publisher::spawn(
        system.sink("bench"),
        Pace::Closed {
            window: settings.window,
            clients: fleet.len() as u64,
        },
        settings.batch,
        start + warmup + measured,
        epoch,
        counters.clone(),
    );
    tokio::time::sleep_until((start + warmup).into()).await;
    let a = Snapshot::take(counters, system.pid)?;
    tokio::time::sleep_until((start + warmup + measured).into()).await;
    let b = Snapshot::take(counters, system.pid)?;
    let published = finish(publishing, settings.seconds).await?;
    drain(
        counters,
        published.updates * fleet.len() as u64 + points_at_start,
    )
    .await;
    if counters.problems.load(Relaxed) > problems_at_start {
        anyhow::bail!(
            "subscribers failed during fan-out: {}",
            counters.first_problem().unwrap_or_default()
        );
    }
    let mut delivery = Delivery::between(a, b, fleet.len(), published);
    delivery.points_total = counters.points.load(Relaxed) - points_at_start;
    delivery.verified = counters.verified.load(Relaxed);
    Ok(delivery)
}

async fn latency(system: &System, settings: &Settings, epoch: Instant) -> anyhow::Result<Delivery> {
    let topic = "bench_latency";
    let fleet = system
        .subscribe(topic, settings.latency_clients, Values::SentAtMicros, epoch)
        .await?;
    let counters = &fleet.counters;
    let points_at_start = counters.points.load(Relaxed);
    counters
        .record_from_us
        .store(epoch.elapsed().as_micros() as u64 + 1, Relaxed);
    let a = Snapshot::take(counters, system.pid)?;
    // The load client shares the two cores with the server; in use, subscribers are browsers
    // on other machines. Holding this thread off the CPU while an update is delivered takes
    // its reading out of the server's way; the kernel's receive timestamps still say when
    // each frame reached its socket.
    let hold = (!settings.hold.is_zero()).then(|| Arc::new(Notify::new()));
    let holder = hold.clone().map(|notify| {
        let pause = settings.hold;
        tokio::spawn(async move {
            loop {
                notify.notified().await;
                // Blocks the whole subscriber thread on purpose.
                std::thread::sleep(pause);
            }
        })
    });
    let publishing = publisher::spawn(
        system.sink(topic),
        Pace::Fixed {
            per_second: settings.rate,
            hold,
        },
        1,
        Instant::now() + Duration::from_secs_f64(settings.seconds),
        epoch,
        counters.clone(),
    );
    let published = finish(publishing, settings.seconds).await;
    if let Some(holder) = holder {
        holder.abort();
    }
    let published = published?;
    drain(
        counters,
        published.updates * fleet.len() as u64 + points_at_start,
    )
    .await;
    let b = Snapshot::take(counters, system.pid)?;
    counters.record_from_us.store(u64::MAX, Relaxed);
    if counters.problems.load(Relaxed) > 0 {
        anyhow::bail!(
            "subscribers failed during the latency run: {}",
            counters.first_problem().unwrap_or_default()
        );
    }
    let mut delivery = Delivery::between(a, b, fleet.len(), published);
    // The rate is what was offered; the window includes the drain, so use the send time.
    delivery.seconds = settings.seconds;
    delivery.points_total = counters.points.load(Relaxed) - points_at_start;
    delivery.verified = counters.verified.load(Relaxed);
    let mut samples = std::mem::take(
        &mut *counters
            .latencies_us
            .lock()
            .map_err(|_| anyhow::anyhow!("latency samples poisoned"))?,
    );
    samples.sort_unstable();
    delivery.latencies_us = samples;
    let mut read = std::mem::take(
        &mut *counters
            .read_latencies_us
            .lock()
            .map_err(|_| anyhow::anyhow!("latency samples poisoned"))?,
    );
    read.sort_unstable();
    delivery.read_latencies_us = read;
    Ok(delivery)
}

/// Waits for the publisher thread's result.
async fn finish(
    publishing: tokio::sync::oneshot::Receiver<anyhow::Result<Published>>,
    seconds: f64,
) -> anyhow::Result<Published> {
    let limit = Duration::from_secs_f64(seconds) + Duration::from_secs(60);
    tokio::time::timeout(limit, publishing)
        .await
        .context("publisher did not stop")?
        .context("publisher thread ended without a result")?
}

/// Gives the subscribers up to [`DRAIN`] to receive the last updates: returns once `expected`
/// points arrived or nothing arrived for 300 ms.
async fn drain(counters: &Counters, expected: u64) {
    let deadline = Instant::now() + DRAIN;
    let mut last = counters.points.load(Relaxed);
    let mut last_change = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = counters.points.load(Relaxed);
        if now >= expected {
            return;
        }
        if now != last {
            last = now;
            last_change = Instant::now();
        } else if last_change.elapsed() > Duration::from_millis(300) {
            return;
        }
    }
}
