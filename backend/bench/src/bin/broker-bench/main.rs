//! `broker-bench`: measures Pulsegrid's broker connectors (MQTT, NATS core, Redis pub/sub,
//! RabbitMQ, upstream WebSocket feeds) against real brokers on loopback and prints a markdown
//! table.
//!
//! Per connector: how many JSON messages per second `Source::subscribe` decodes into the hub
//! on one core ([`throughput`]), and the publish-to-WebSocket latency through the real
//! `pulsegrid serve` binary at a fixed rate ([`latency`]). See `docs/benchmarks.md`, section
//! "Brokers".

mod brokers;
mod latency;
mod publish;
mod replay;
mod report;
mod throughput;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::Parser;
use pulsegrid_bench::servers;

use crate::brokers::{Broker, Kind};
use crate::report::{Row, Settings};

/// Measure the broker connectors: decode throughput on one core, and latency through the
/// server.
#[derive(Debug, Parser)]
#[command(name = "broker-bench")]
struct Args {
    /// Connectors to measure, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Kind::Mqtt, Kind::Nats, Kind::Redis, Kind::Amqp, Kind::Websocket])]
    only: Vec<Kind>,
    /// Messages each throughput flood publishes (fewer when --flood-seconds passes first).
    #[arg(long, default_value_t = 1_000_000)]
    messages: u64,
    /// Longest a throughput flood publishes, seconds.
    #[arg(long, default_value_t = 5.0)]
    flood_seconds: f64,
    /// Messages per second in the latency run.
    #[arg(long, default_value_t = 10_000.0)]
    rate: f64,
    /// Seconds of the latency run.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Skip the latency runs (no pulsegrid binary needed).
    #[arg(long)]
    no_latency: bool,
    /// The `pulsegrid` binary [default: target/release/pulsegrid, built if missing].
    #[arg(long)]
    pulsegrid_bin: Option<PathBuf>,
    /// Rebuild target/release/pulsegrid first even if it exists.
    #[arg(long)]
    rebuild: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.messages == 0 || args.rate <= 0.0 || args.seconds <= 0.0 || args.flood_seconds <= 0.0 {
        bail!("--messages, --rate, --seconds and --flood-seconds must be positive");
    }
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        bail!("broker-bench pins the subscriber and the publisher to two different cores");
    }
    let given: Vec<String> = std::env::args().skip(1).collect();
    let mut command = "cargo run --release -p pulsegrid-bench --bin broker-bench".to_owned();
    if !given.is_empty() {
        command = format!("{command} -- {}", given.join(" "));
    }
    let bin = if args.no_latency {
        None
    } else {
        Some(servers::pulsegrid_binary(
            args.pulsegrid_bin.clone(),
            args.rebuild,
        )?)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    eprintln!("[decode stage] {} messages", args.messages);
    let decode = throughput::decode_only(args.messages).map_err(|e| format!("{e:#}"));
    let mut rows = Vec::new();
    for &kind in &args.only {
        eprintln!("[{}] starting the broker", kind.label());
        let broker = match Broker::start(kind) {
            Ok(broker) => broker,
            Err(e) => {
                let failed = format!("{e:#}");
                rows.push(Row {
                    kind,
                    throughput: Err(failed.clone()),
                    replay: None,
                    latency: bin.as_ref().map(|_| Err(failed)),
                });
                continue;
            }
        };
        eprintln!("[{}] throughput", kind.label());
        let throughput = throughput::run(
            &broker,
            args.messages,
            Duration::from_secs_f64(args.flood_seconds),
        )
        .map_err(|e| format!("{e:#}"));
        if let Err(e) = &throughput {
            eprintln!("  failed: {e}");
        }
        let replay = (kind == Kind::Mqtt).then(|| {
            eprintln!("[{}] recording a subscriber connection", kind.label());
            let path = std::env::temp_dir().join("pulsegrid-broker-bench-mosquitto.capture");
            replay::record(
                &broker,
                args.messages,
                Duration::from_secs_f64(args.flood_seconds),
                &path,
            )
            .and_then(|capture| {
                eprintln!(
                    "[{}] replaying {} ({} bytes, {} PUBLISH)",
                    kind.label(),
                    capture.path.display(),
                    capture.stream_bytes(),
                    capture.publishes
                );
                let capture = std::sync::Arc::new(capture);
                let result = replay::run(&broker, &capture)?;
                Ok((capture, result))
            })
            .map_err(|e| format!("{e:#}"))
            .inspect_err(|e| eprintln!("  failed: {e}"))
        });
        let latency = bin.as_ref().map(|bin| {
            eprintln!("[{}] latency at {}/s", kind.label(), args.rate);
            runtime
                .block_on(latency::run(
                    &broker,
                    bin,
                    args.rate,
                    Duration::from_secs_f64(args.seconds),
                ))
                .map_err(|e| format!("{e:#}"))
                .inspect_err(|e| eprintln!("  failed: {e}"))
        });
        rows.push(Row {
            kind,
            throughput,
            replay,
            latency,
        });
    }
    let settings = Settings {
        command,
        messages: args.messages,
        flood_seconds: args.flood_seconds,
        rate: args.rate,
        seconds: args.seconds,
    };
    println!("{}", report::markdown(&rows, &decode, &settings));
    Ok(())
}
