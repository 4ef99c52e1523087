//! The MQTT connector's own capacity, apart from the broker's delivery limit.
//!
//! Mosquitto is single-threaded and routes about as many messages per second as the connector
//! decodes, so the live figure measures whichever of the two is slower. Here the broker's
//! side is taken out without inventing any traffic: [`record`] subscribes to the real
//! Mosquitto with a plain TCP client (`bench/+/v`, QoS 0), runs the same flood through it and
//! writes every byte the broker sent on that connection to a capture file (CONNACK, SUBACK,
//! then the PUBLISH stream exactly as Mosquitto framed it). [`run`] then plays the broker:
//! a local listener answers the connector's CONNECT with the recorded CONNACK and its
//! SUBSCRIBE with the recorded SUBACK (only the packet identifier is set to the one the
//! connector asked with), and writes the recorded stream as fast as the socket takes it. The
//! connector (`Source::subscribe` on a current-thread runtime pinned to core 0, as in
//! [`throughput`](crate::throughput)) is measured the same way as against the live broker.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pulsegrid_bench::mqtt::{self, Packet};
use pulsegrid_bench::procstat;
use pulsegrid_model::DatasourceConfig;

use crate::brokers::{Broker, Endpoint, Kind};
use crate::publish::{self, Plan, Progress};
use crate::throughput::{self, PUBLISHER_CPU, Throughput};

/// The filter the recording subscriber uses: the connector's `bench/+dev/v` without the label.
const FILTER: &str = "bench/+/v";
/// Bytes per write when replaying.
const REPLAY_CHUNK: usize = 64 * 1024;
/// A recording that sees nothing new for this long has failed.
const STALL: Duration = Duration::from_secs(30);

/// A recorded subscriber connection.
#[derive(Debug)]
pub(crate) struct Capture {
    /// Where the bytes were written.
    pub(crate) path: PathBuf,
    /// The recorded CONNACK packet.
    connack: Vec<u8>,
    /// The recorded SUBACK packet.
    suback: Vec<u8>,
    /// Everything after the SUBACK: the PUBLISH packets as the broker framed them.
    stream: Vec<u8>,
    /// PUBLISH packets in `stream` (flood and probes).
    pub(crate) publishes: u64,
    /// Of those, the flood's (value >= 0), the ones the measurement counts.
    pub(crate) flood: u64,
}

impl Capture {
    /// Bytes of the PUBLISH stream.
    pub(crate) fn stream_bytes(&self) -> usize {
        self.stream.len()
    }
}

/// Records what the real Mosquitto sends a subscriber while `count` messages are flooded
/// through it (or for `max`), and writes it to `path`.
pub(crate) fn record(
    broker: &Broker,
    count: u64,
    max: Duration,
    path: &Path,
) -> anyhow::Result<Capture> {
    let Endpoint::Tcp(addr) = broker.endpoint()? else {
        bail!("recording needs the MQTT broker's TCP address");
    };
    let mut socket = TcpStream::connect(addr).context("connecting the recorder")?;
    socket.set_nodelay(true)?;
    socket.write_all(&mqtt::connect("pg-bench-recorder", 0))?;
    socket.write_all(&mqtt::subscribe(1, FILTER))?;
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let progress = Arc::new(Progress::default());
    for pid in procstat::descendants(std::process::id()) {
        let _ = procstat::pin(pid, PUBLISHER_CPU, true);
    }
    let publisher = publish::spawn(
        Kind::Mqtt,
        broker.endpoint()?,
        Plan::Flood { count, max },
        progress.clone(),
        Some(PUBLISHER_CPU),
    );
    let recorded = read_capture(&mut socket, &progress);
    // The publisher ends by itself (flood done or failed); `done` tells the recorder.
    let published = publisher
        .join()
        .map_err(|_| anyhow::anyhow!("the publisher panicked"))?;
    for pid in procstat::descendants(std::process::id()) {
        let _ = procstat::pin(pid, "0-1", true);
    }
    let _ = socket.shutdown(Shutdown::Both);
    let bytes = recorded?;
    published?;
    std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    split(path, &bytes)
}

/// Reads the recorder's connection until the flood has arrived; returns every byte.
fn read_capture(socket: &mut TcpStream, progress: &Progress) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(64 << 20);
    let mut chunk = vec![0u8; REPLAY_CHUNK];
    let mut parsed = 0;
    let mut flood = 0u64;
    let mut last_data = Instant::now();
    loop {
        match socket.read(&mut chunk) {
            Ok(0) => bail!("Mosquitto closed the recording connection"),
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                last_data = Instant::now();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e.into()),
        }
        while let Some((packet, len)) = mqtt::parse(&bytes[parsed..])? {
            if let Packet::Publish { payload, .. } = packet {
                progress.live.store(true, Ordering::Release);
                if !is_probe(payload) {
                    flood += 1;
                }
            }
            parsed += len;
        }
        progress.received.store(flood, Ordering::Release);
        if progress.done.load(Ordering::Acquire) && flood >= progress.sent.load(Ordering::Acquire) {
            return Ok(bytes);
        }
        if last_data.elapsed() > STALL {
            bail!("the recording saw nothing for {STALL:?} ({flood} flood messages so far)");
        }
    }
}

/// The publisher's probes carry the value -1 (`{"dev":"d0","v":-1}`).
fn is_probe(payload: &[u8]) -> bool {
    pulsegrid_bench::ws::find(payload, b"\"v\":-").is_some()
}

/// Splits a recording into CONNACK, SUBACK and the PUBLISH stream, and counts the stream.
fn split(path: &Path, bytes: &[u8]) -> anyhow::Result<Capture> {
    let mut at = 0;
    let mut next = |what: &str| -> anyhow::Result<(Packet<'_>, std::ops::Range<usize>)> {
        let (packet, len) = mqtt::parse(&bytes[at..])?
            .with_context(|| format!("the capture ends before its {what}"))?;
        let range = at..at + len;
        at += len;
        Ok((packet, range))
    };
    let (packet, connack) = next("CONNACK")?;
    if !matches!(packet, Packet::ConnAck { code: 0 }) {
        bail!("the capture starts with {packet:?}, not an accepting CONNACK");
    }
    let (packet, suback) = next("SUBACK")?;
    if !matches!(packet, Packet::SubAck { .. }) {
        bail!("the capture's second packet is {packet:?}, not a SUBACK");
    }
    let start = at;
    let (mut publishes, mut flood) = (0u64, 0u64);
    let mut rest = &bytes[start..];
    while let Some((packet, len)) = mqtt::parse(rest)? {
        match packet {
            Packet::Publish { payload, .. } => {
                publishes += 1;
                flood += u64::from(!is_probe(payload));
            }
            other => bail!("the capture's stream holds {other:?}, not only PUBLISH packets"),
        }
        rest = &rest[len..];
    }
    if !rest.is_empty() {
        bail!(
            "the capture ends inside a packet ({} bytes left)",
            rest.len()
        );
    }
    Ok(Capture {
        path: path.to_owned(),
        connack: bytes[connack].to_vec(),
        suback: bytes[suback].to_vec(),
        stream: bytes[start..].to_vec(),
        publishes,
        flood,
    })
}

/// Measures the MQTT connector against a replay of `capture` at full speed.
pub(crate) fn run(broker: &Broker, capture: &Arc<Capture>) -> anyhow::Result<Throughput> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the replay listener")?;
    let addr = listener.local_addr()?;
    let mut ds = broker.datasource("replay")?;
    ds["url"] = format!("mqtt://{addr}").into();
    let ds: DatasourceConfig = serde_json::from_value(ds)?;
    let progress = Arc::new(Progress::default());
    let subscriber = {
        let progress = progress.clone();
        std::thread::spawn(move || throughput::subscribe(ds, Kind::Mqtt.target(), &progress))
    };
    let replayer = {
        let progress = progress.clone();
        let capture = capture.clone();
        std::thread::spawn(move || replay(&listener, &capture, &progress))
    };
    let replayed = replayer
        .join()
        .map_err(|_| anyhow::anyhow!("the replay thread panicked"));
    // A failed replay never lets the subscriber see the end: `done` is set either way.
    let received = subscriber
        .join()
        .map_err(|_| anyhow::anyhow!("the subscriber panicked"))?;
    let elapsed = replayed??;
    let mut result = received?;
    result.published = capture.flood;
    result.publish_seconds = elapsed.as_secs_f64();
    Ok(result)
}

/// Plays the broker for one connection: handshake from the capture, then the stream.
/// Returns the time the stream took to write.
fn replay(
    listener: &TcpListener,
    capture: &Capture,
    progress: &Progress,
) -> anyhow::Result<Duration> {
    let result = (|| {
        procstat::pin(procstat::current_thread_id()?, PUBLISHER_CPU, false)?;
        let (mut socket, _) = listener.accept().context("accepting the connector")?;
        socket.set_nodelay(true)?;
        socket.set_read_timeout(Some(STALL))?;
        let mut inbox = Vec::new();
        expect_packet(&mut socket, &mut inbox, 1, "CONNECT")?;
        socket.write_all(&capture.connack)?;
        let subscribe = expect_packet(&mut socket, &mut inbox, 8, "SUBSCRIBE")?;
        let packet_id = subscribe
            .get(..2)
            .context("SUBSCRIBE without a packet identifier")?;
        let mut suback = capture.suback.clone();
        let id_at = suback.len() - 3;
        suback[id_at..id_at + 2].copy_from_slice(packet_id);
        socket.write_all(&suback)?;
        // The connector may send PINGREQ (or more SUBSCRIBEs); nobody needs them answered
        // within the replay, but its socket buffer must not fill.
        let mut drain = socket.try_clone()?;
        std::thread::spawn(move || {
            let mut sink = [0u8; 4096];
            while matches!(drain.read(&mut sink), Ok(n) if n > 0) {}
        });
        let started = Instant::now();
        for chunk in capture.stream.chunks(REPLAY_CHUNK) {
            socket.write_all(chunk)?;
        }
        let elapsed = started.elapsed();
        progress.sent.store(capture.flood, Ordering::Release);
        progress.done.store(true, Ordering::Release);
        // Keep the connection until the connector has counted everything (or gives up).
        let deadline = Instant::now() + STALL;
        while progress.received.load(Ordering::Acquire) < capture.flood && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = socket.shutdown(Shutdown::Both);
        Ok(elapsed)
    })();
    progress.done.store(true, Ordering::Release);
    result
}

/// Reads until one whole packet is in `inbox`, checks its type, and returns its variable
/// header and payload (the bytes after the fixed header).
fn expect_packet(
    socket: &mut TcpStream,
    inbox: &mut Vec<u8>,
    packet_type: u8,
    what: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut chunk = [0u8; 1024];
    loop {
        if let Some((_, len)) = mqtt::parse(inbox)? {
            let first = inbox[0];
            let header_len = 1 + inbox[1..].iter().take_while(|b| *b & 0x80 != 0).count() + 1;
            let body = inbox[header_len..len].to_vec();
            inbox.drain(..len);
            if first >> 4 != packet_type {
                bail!(
                    "expected {what} from the connector, got packet type {}",
                    first >> 4
                );
            }
            return Ok(body);
        }
        let n = socket
            .read(&mut chunk)
            .with_context(|| format!("waiting for the connector's {what}"))?;
        if n == 0 {
            bail!("the connector closed the connection before its {what}");
        }
        inbox.extend_from_slice(&chunk[..n]);
    }
}
