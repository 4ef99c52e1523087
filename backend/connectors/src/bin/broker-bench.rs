//! How many MQTT messages per second the subscribe path (rumqttc, fan-out, JSON decode with
//! topic labels, frames) handles on one core: starts a throwaway Mosquitto on a free
//! loopback port, publishes N JSON messages with `mosquitto_pub -l`, and prints a table.
//!
//! `cargo run --release -p pulsegrid-connectors --bin broker-bench [N]` (default 200000).
//! Needs the Debian packages `mosquitto` and `mosquitto-clients`.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pulsegrid_connectors::{MqttSource, Source, SourceEvent};
use pulsegrid_model::DatasourceConfig;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("pulsegrid-broker-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\nmax_queued_messages 0\n"
        ),
    )?;
    let mut broker = Command::new("/usr/sbin/mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::sleep(Duration::from_millis(300));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(run(port, n));
    let _ = broker.kill();
    let _ = broker.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let (received, elapsed) = result?;
    println!("| messages sent | received | seconds | messages/s (one core) |");
    println!("| ---: | ---: | ---: | ---: |");
    println!(
        "| {n} | {received} | {:.3} | {:.0} |",
        elapsed.as_secs_f64(),
        received as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

async fn run(port: u16, n: usize) -> Result<(usize, Duration), Box<dyn std::error::Error>> {
    let ds: DatasourceConfig = serde_json::from_value(
        json!({"name": "bench", "type": "mqtt", "url": format!("mqtt://127.0.0.1:{port}")}),
    )?;
    let source = Arc::new(MqttSource::new(&ds)?);
    let (tx, mut rx) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let target = json!({"topic": "bench/+dev/v", "field": "v"});
    let (s, c) = (source.clone(), cancel.clone());
    let task = tokio::spawn(async move { s.subscribe(&target, tx, c).await });
    // Wait until connected (and the SUBSCRIBE is on its way).
    while let Some(event) = rx.recv().await {
        if matches!(event, SourceEvent::Status { up: true, .. }) {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut publisher = Command::new("/usr/bin/mosquitto_pub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            "bench/d1/v",
            "-l",
        ])
        .stdin(Stdio::piped())
        .spawn()?;
    let mut stdin = publisher.stdin.take().ok_or("no stdin")?;
    std::thread::spawn(move || {
        let mut buf = String::with_capacity(n * 16);
        for i in 0..n {
            buf.push_str(&format!("{{\"v\": {i}}}\n"));
        }
        let _ = stdin.write_all(buf.as_bytes());
    });
    let mut received = 0;
    let mut started = None;
    let mut last = Instant::now();
    while received < n {
        match tokio::time::timeout(Duration::from_secs(3), rx.recv()).await {
            Ok(Some(SourceEvent::Frame { series, .. })) => {
                started.get_or_insert_with(Instant::now);
                received += series.iter().map(|s| s.v.len()).sum::<usize>();
                last = Instant::now();
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    cancel.cancel();
    let _ = task.await;
    let _ = publisher.wait();
    let elapsed = last.duration_since(started.unwrap_or(last));
    Ok((received, elapsed.max(Duration::from_micros(1))))
}
