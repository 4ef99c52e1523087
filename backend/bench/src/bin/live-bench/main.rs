//! `live-bench`: measures Pulsegrid's live path against Mosquitto's WebSocket listener (MQTT
//! over WebSocket, what users run instead) with the same load client, in one run, and prints
//! a markdown table.
//!
//! Scenarios, each against both systems: fan-out throughput (10,000 subscribers of one stream,
//! the publisher as fast as delivery allows), latency (1,000 subscribers, 10 updates/s, each
//! update carrying its send time) and idle memory (server RSS per subscribed connection).
//! See `docs/benchmarks.md`, section "Live delivery".

mod fleet;
mod publisher;
mod report;
mod scenarios;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};

use crate::fleet::Target;
use crate::scenarios::{PublishTo, Settings, System, SystemReport};
use pulsegrid_bench::servers::{self, MosquittoServer, PulsegridServer};

/// File descriptors needed beyond one per connection (runtime, publisher, logs).
const SPARE_FDS: u64 = 256;

/// Measure Pulsegrid's live delivery against Mosquitto (MQTT over WebSocket).
#[derive(Debug, Parser)]
#[command(name = "live-bench")]
struct Args {
    /// Subscribers in the fan-out and idle-memory scenarios.
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// Subscribers in the latency scenario.
    #[arg(long, default_value_t = 1_000)]
    latency_clients: usize,
    /// Updates per second in the latency scenario.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Measured seconds of each throughput and latency scenario.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Unmeasured seconds of fan-out before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Updates the fan-out publisher may run ahead of the subscribers' average.
    #[arg(long, default_value_t = 8)]
    window: u64,
    /// Points per write (HTTP request or TCP write of PUBLISH packets) in the fan-out scenario.
    #[arg(long, default_value_t = 1)]
    batch: u64,
    /// Milliseconds the latency scenario's subscribers stay off the CPU after each update, as
    /// if they ran on other machines (0: they read at once and compete with the server).
    #[arg(long, default_value_t = 20.0)]
    hold_ms: f64,
    /// Measure only one system.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// The `pulsegrid` binary [default: target/release/pulsegrid, built if missing].
    #[arg(long)]
    pulsegrid_bin: Option<PathBuf>,
    /// Rebuild target/release/pulsegrid first even if it exists.
    #[arg(long)]
    rebuild: bool,
    /// The Mosquitto broker binary.
    #[arg(long, default_value = "/usr/sbin/mosquitto")]
    mosquitto_bin: PathBuf,
}

/// Which system to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Only {
    Pulsegrid,
    Mosquitto,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.clients == 0 || args.latency_clients == 0 || args.rate <= 0.0 || args.seconds <= 0.0 {
        bail!("--clients, --latency-clients, --rate and --seconds must be positive");
    }
    if args.hold_ms < 0.0 || args.hold_ms * args.rate >= 500.0 {
        bail!("--hold-ms must be at least 0 and under half the time between updates");
    }
    if args.batch == 0 || args.window == 0 {
        bail!("--batch and --window must be at least 1");
    }
    // Every connection is a file descriptor here and another one in the server (a child, which
    // inherits the raised limit).
    let needed = args.clients.max(args.latency_clients) as u64 + SPARE_FDS;
    let limit = rlimit::increase_nofile_limit(u64::MAX).context("raising RLIMIT_NOFILE")?;
    if limit < needed {
        bail!(
            "RLIMIT_NOFILE is {limit} (the hard limit), {needed} needed: raise the hard limit or lower --clients"
        );
    }
    let given: Vec<String> = std::env::args().skip(1).collect();
    let mut command = "cargo run --release -p pulsegrid-bench --bin live-bench".to_owned();
    if !given.is_empty() {
        command = format!("{command} -- {}", given.join(" "));
    }

    // One thread for all subscribers: the load client must leave the cores to the server.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let reports = runtime.block_on(async {
        tokio::select! {
            reports = run(&args) => reports,
            _ = tokio::signal::ctrl_c() => bail!("interrupted"),
        }
    })?;
    let settings = settings(&args);
    println!("{}", report::markdown(&reports, &settings, &command));
    println!(
        "Machine: {} cores, {} MiB memory, {} load-client thread for the subscribers.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        total_memory_mib().unwrap_or(0),
        1
    );
    Ok(())
}

fn settings(args: &Args) -> Settings {
    Settings {
        clients: args.clients,
        latency_clients: args.latency_clients,
        rate: args.rate,
        seconds: args.seconds,
        warmup: args.warmup,
        window: args.window,
        batch: args.batch,
        hold: std::time::Duration::from_secs_f64(args.hold_ms / 1000.0),
    }
}

async fn run(args: &Args) -> anyhow::Result<Vec<SystemReport>> {
    let settings = settings(args);
    let epoch = Instant::now();
    let mut reports = Vec::new();
    if args.only != Some(Only::Mosquitto) {
        reports.push(pulsegrid(args, &settings, epoch).await);
    }
    if args.only != Some(Only::Pulsegrid) {
        reports.push(mosquitto(args, &settings, epoch).await);
    }
    Ok(reports)
}

async fn pulsegrid(args: &Args, settings: &Settings, epoch: Instant) -> SystemReport {
    const NAME: &str = "Pulsegrid";
    let server = match servers::pulsegrid_binary(args.pulsegrid_bin.clone(), args.rebuild) {
        Ok(bin) => PulsegridServer::start(&bin).await,
        Err(e) => Err(e),
    };
    let mut server = match server {
        Ok(server) => server,
        Err(e) => return SystemReport::failed(NAME, format!("{e:#}")),
    };
    eprintln!("[{NAME}] listening on {}", server.addr);
    let system = System {
        name: NAME,
        pid: server.pid(),
        target: Target::Pulsegrid { addr: server.addr },
        publish_to: PublishTo::Pulsegrid {
            addr: server.addr,
            key: server.editor_key.clone(),
        },
    };
    let mut report = scenarios::run(&system, settings, epoch).await;
    if let Some(status) = server.exited() {
        report.note_exit(&status);
    }
    if report.fanout.is_err() || report.latency.is_err() {
        eprintln!("[{NAME}] server log tail:\n{}", server.log_tail());
    }
    report
}

async fn mosquitto(args: &Args, settings: &Settings, epoch: Instant) -> SystemReport {
    const NAME: &str = "Mosquitto";
    let mut server = match MosquittoServer::start(&args.mosquitto_bin) {
        Ok(server) => server,
        Err(e) => return SystemReport::failed(NAME, format!("{e:#}")),
    };
    eprintln!(
        "[{NAME}] listening on {} (MQTT) and {} (WebSocket)",
        server.tcp_addr, server.ws_addr
    );
    let system = System {
        name: NAME,
        pid: server.pid(),
        target: Target::Mosquitto {
            ws_addr: server.ws_addr,
        },
        publish_to: PublishTo::Mosquitto {
            tcp_addr: server.tcp_addr,
        },
    };
    let mut report = scenarios::run(&system, settings, epoch).await;
    if let Some(status) = server.exited() {
        report.note_exit(&status);
    }
    if report.fanout.is_err() || report.latency.is_err() {
        eprintln!("[{NAME}] broker log tail:\n{}", server.log_tail());
    }
    report
}

fn total_memory_mib() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_ascii_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
