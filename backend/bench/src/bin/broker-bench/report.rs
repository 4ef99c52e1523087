//! The markdown report: one row per connector (throughput on one core, latency through the
//! server), the decode stage alone, the targets, and the details to trust the numbers.

use std::fmt::Write;

use crate::brokers::Kind;
use crate::latency::Latency;
use crate::replay::Capture;
use crate::throughput::Throughput;

/// Messages per second per core MQTT and NATS must decode.
const TARGET_PER_SECOND: f64 = 200_000.0;
/// Publish-to-WebSocket p99 every connector must stay under, µs.
const TARGET_P99_US: u64 = 10_000;

/// One connector's results.
#[derive(Debug)]
pub(crate) struct Row {
    /// Which connector.
    pub(crate) kind: Kind,
    /// Throughput on one core, or why it failed.
    pub(crate) throughput: Result<Throughput, String>,
    /// MQTT only: throughput on one core against a replay of a real Mosquitto capture (the
    /// connector's own capacity, without the broker's routing limit).
    pub(crate) replay: Option<Result<(std::sync::Arc<Capture>, Throughput), String>>,
    /// Latency through the server (None when skipped), or why it failed.
    pub(crate) latency: Option<Result<Latency, String>>,
}

/// What the run was asked to do.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The command line.
    pub(crate) command: String,
    /// Messages per throughput flood.
    pub(crate) messages: u64,
    /// Longest flood, seconds.
    pub(crate) flood_seconds: f64,
    /// Latency publish rate.
    pub(crate) rate: f64,
    /// Latency run length, seconds.
    pub(crate) seconds: f64,
}

/// Renders the report.
pub(crate) fn markdown(
    rows: &[Row],
    decode: &Result<Throughput, String>,
    settings: &Settings,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Command: `{}`\n", settings.command);
    let _ = writeln!(
        out,
        "| connector | msg/s decoded, 1 core | CPU µs/msg | core busy | msg/s at 100 % core | published msg/s | received | p50 | p99 | max | arrived at {}/s |",
        thousands(settings.rate)
    );
    let _ = writeln!(
        out,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for row in rows {
        let mut cells = match &row.throughput {
            Ok(t) => format!(
                "| {} | {} | {:.2} | {:.0} % | {} | {} | {} |",
                row.kind.label(),
                thousands(t.per_second()),
                t.cpu_us_per_message(),
                t.busy() * 100.0,
                thousands(t.capacity()),
                thousands(t.published_per_second()),
                percent(t.received, t.published),
            ),
            Err(_) => format!("| {} | failed | | | | | |", row.kind.label()),
        };
        cells.push_str(&match &row.latency {
            Some(Ok(l)) => format!(
                " {} | {} | {} | {} |",
                opt_ms(l.quantile_us(0.5)),
                opt_ms(l.quantile_us(0.99)),
                opt_ms(l.quantile_us(1.0)),
                percent(l.latencies_us.len() as u64, l.sent),
            ),
            Some(Err(_)) => " failed | | | |".to_owned(),
            None => " | | | |".to_owned(),
        });
        let _ = writeln!(out, "{cells}");
        match &row.replay {
            Some(Ok((_, t))) => {
                let _ = writeln!(
                    out,
                    "| {} connector capacity (replayed from a real Mosquitto capture) | {} | {:.2} | {:.0} % | {} | {} | {} | | | | |",
                    row.kind.label(),
                    thousands(t.per_second()),
                    t.cpu_us_per_message(),
                    t.busy() * 100.0,
                    thousands(t.capacity()),
                    thousands(t.published_per_second()),
                    percent(t.received, t.published),
                );
            }
            Some(Err(_)) => {
                let _ = writeln!(
                    out,
                    "| {} connector capacity (replayed capture) | failed | | | | | | | | | |",
                    row.kind.label()
                );
            }
            None => {}
        }
    }
    match decode {
        Ok(t) => {
            let _ = writeln!(
                out,
                "| decode stage alone (`Emitter`, no broker) | {} | {:.2} | {:.0} % | {} | | | | | | |",
                thousands(t.per_second()),
                t.cpu_us_per_message(),
                t.busy() * 100.0,
                thousands(t.capacity()),
            );
        }
        Err(_) => {
            let _ = writeln!(out, "| decode stage alone | failed | | | | | | | | | |");
        }
    }
    let _ = writeln!(out);
    targets(&mut out, rows);
    details(&mut out, rows, decode, settings);
    out
}

fn targets(out: &mut String, rows: &[Row]) {
    let _ = writeln!(out, "Targets:\n");
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    for row in rows {
        if matches!(row.kind, Kind::Mqtt | Kind::Nats)
            && let Ok(t) = &row.throughput
        {
            let _ = writeln!(
                out,
                "- {} >= 200,000 msg/s per core: {} msg/s measured ({:.0} % of the core busy), {} msg/s at a fully busy core: {}",
                row.kind.label(),
                thousands(t.per_second()),
                t.busy() * 100.0,
                thousands(t.capacity()),
                check(t.per_second() >= TARGET_PER_SECOND || t.capacity() >= TARGET_PER_SECOND)
            );
        }
        if let Some(Ok((_, t))) = &row.replay {
            let _ = writeln!(
                out,
                "- {} connector alone (replayed Mosquitto capture) >= 200,000 msg/s per core: {} msg/s measured ({:.0} % of the core busy): {}",
                row.kind.label(),
                thousands(t.per_second()),
                t.busy() * 100.0,
                check(t.per_second() >= TARGET_PER_SECOND)
            );
        }
    }
    for row in rows {
        if let Some(Ok(l)) = &row.latency
            && let Some(p99) = l.quantile_us(0.99)
        {
            let _ = writeln!(
                out,
                "- {} p99 < 10 ms: {}, {}",
                row.kind.label(),
                ms(p99),
                check(p99 < TARGET_P99_US)
            );
        }
    }
    let _ = writeln!(out);
}

fn details(
    out: &mut String,
    rows: &[Row],
    decode: &Result<Throughput, String>,
    settings: &Settings,
) {
    let _ = writeln!(out, "Details:\n");
    for row in rows {
        match &row.throughput {
            Ok(t) => {
                let _ = writeln!(
                    out,
                    "- {} throughput: published {} messages in {:.2} s; {} arrived; window {:.2} s, {} points in {} frames ({:.0} points/frame); subscriber thread {:.3} CPU s.",
                    row.kind.label(),
                    t.published,
                    t.publish_seconds,
                    t.received,
                    t.seconds,
                    t.measured,
                    t.frames,
                    t.measured as f64 / t.frames.max(1) as f64,
                    t.cpu_seconds
                );
            }
            Err(e) => {
                let _ = writeln!(out, "- {} throughput failed: {e}", row.kind.label());
            }
        }
        match &row.replay {
            Some(Ok((capture, t))) => {
                let _ = writeln!(
                    out,
                    "- {} replay: capture {} recorded from Mosquitto in this run ({} bytes, {} PUBLISH packets, {} of the flood), written in {:.3} s; {} arrived; window {:.2} s, {} points in {} frames ({:.0} points/frame); subscriber thread {:.3} CPU s.",
                    row.kind.label(),
                    capture.path.display(),
                    capture.stream_bytes(),
                    capture.publishes,
                    capture.flood,
                    t.publish_seconds,
                    t.received,
                    t.seconds,
                    t.measured,
                    t.frames,
                    t.measured as f64 / t.frames.max(1) as f64,
                    t.cpu_seconds
                );
            }
            Some(Err(e)) => {
                let _ = writeln!(out, "- {} replay failed: {e}", row.kind.label());
            }
            None => {}
        }
        match &row.latency {
            Some(Ok(l)) => {
                let _ = writeln!(
                    out,
                    "- {} latency: {} sent at {:.0}/s for {} s, {} arrived, {} history resends.",
                    row.kind.label(),
                    l.sent,
                    l.rate,
                    settings.seconds,
                    l.latencies_us.len(),
                    l.replace_frames
                );
            }
            Some(Err(e)) => {
                let _ = writeln!(out, "- {} latency failed: {e}", row.kind.label());
            }
            None => {}
        }
    }
    if let Err(e) = decode {
        let _ = writeln!(out, "- decode stage alone failed: {e}");
    }
    let _ = writeln!(
        out,
        "- Flood: up to {} messages or {} s per connector.",
        settings.messages, settings.flood_seconds
    );
}

/// `value` with thousands separators, no decimals.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return String::new();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn opt_ms(us: Option<u64>) -> String {
    us.map(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
