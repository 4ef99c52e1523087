//! The markdown report: one table row per system and scenario, Pulsegrid/Mosquitto ratios,
//! the targets, and the details needed to trust the numbers.

use std::fmt::Write;

use crate::scenarios::{Delivery, Settings, SystemReport};

/// Fan-out frames per second Pulsegrid must deliver on 2 cores.
const TARGET_FRAMES_PER_SECOND: f64 = 250_000.0;
/// Latency p99 Pulsegrid must stay under, µs.
const TARGET_P99_US: u64 = 5_000;
/// Server memory per idle connection Pulsegrid must stay under, KiB.
const TARGET_KIB_PER_CONNECTION: f64 = 8.0;

/// Renders the report.
pub(crate) fn markdown(reports: &[SystemReport], settings: &Settings, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Command: `{command}`\n");
    let _ = writeln!(
        out,
        "| system | scenario | clients | frames/s | points/s | p50 | p99 | max | server CPU µs/update | KiB/conn |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let latency_name = format!("latency ({}/s)", settings.rate);
    for report in reports {
        row_delivery(&mut out, report.name, "fan-out", &report.fanout);
        row_delivery(&mut out, report.name, &latency_name, &report.latency);
        match &report.idle {
            Ok(idle) => {
                let _ = writeln!(
                    out,
                    "| {} | idle memory | {} | | | | | | | {:.1} |",
                    report.name,
                    idle.clients,
                    idle.kib_per_connection()
                );
            }
            Err(_) => {
                let _ = writeln!(
                    out,
                    "| {} | idle memory | failed | | | | | | | |",
                    report.name
                );
            }
        }
    }
    if let [pulsegrid, mosquitto] = reports {
        ratio_rows(&mut out, pulsegrid, mosquitto, &latency_name);
    }
    let _ = writeln!(out);
    targets(&mut out, reports);
    details(&mut out, reports, settings);
    out
}

fn row_delivery(
    out: &mut String,
    system: &str,
    scenario: &str,
    delivery: &Result<Delivery, String>,
) {
    match delivery {
        Ok(d) => {
            let latency = |q| {
                if d.latencies_us.is_empty() {
                    String::new()
                } else {
                    d.latency_quantile_us(q).map(ms).unwrap_or_default()
                }
            };
            let _ = writeln!(
                out,
                "| {system} | {scenario} | {} | {} | {} | {} | {} | {} | {} | |",
                d.clients,
                thousands(d.frames_per_second()),
                thousands(d.points_per_second()),
                latency(0.5),
                latency(0.99),
                latency(1.0),
                d.cpu_us_per_update()
                    .map(|c| format!("{c:.2}"))
                    .unwrap_or_default(),
            );
        }
        Err(_) => {
            let _ = writeln!(out, "| {system} | {scenario} | failed | | | | | | | |");
        }
    }
}

fn ratio_rows(out: &mut String, p: &SystemReport, m: &SystemReport, latency_name: &str) {
    let name = format!("{} / {}", p.name, m.name);
    if let (Ok(a), Ok(b)) = (&p.fanout, &m.fanout) {
        let _ = writeln!(
            out,
            "| {name} | fan-out | | {} | {} | | | | {} | |",
            ratio(a.frames_per_second(), b.frames_per_second()),
            ratio(a.points_per_second(), b.points_per_second()),
            opt_ratio(a.cpu_us_per_update(), b.cpu_us_per_update()),
        );
    }
    if let (Ok(a), Ok(b)) = (&p.latency, &m.latency) {
        let q = |d: &Delivery, q| d.latency_quantile_us(q).map(|v| v as f64);
        let _ = writeln!(
            out,
            "| {name} | {latency_name} | | {} | {} | {} | {} | {} | {} | |",
            ratio(a.frames_per_second(), b.frames_per_second()),
            ratio(a.points_per_second(), b.points_per_second()),
            opt_ratio(q(a, 0.5), q(b, 0.5)),
            opt_ratio(q(a, 0.99), q(b, 0.99)),
            opt_ratio(q(a, 1.0), q(b, 1.0)),
            opt_ratio(a.cpu_us_per_update(), b.cpu_us_per_update()),
        );
    }
    if let (Ok(a), Ok(b)) = (&p.idle, &m.idle) {
        let _ = writeln!(
            out,
            "| {name} | idle memory | | | | | | | | {} |",
            ratio(a.kib_per_connection(), b.kib_per_connection())
        );
    }
}

fn targets(out: &mut String, reports: &[SystemReport]) {
    let Some(p) = reports.iter().find(|r| r.name == "Pulsegrid") else {
        return;
    };
    let m = reports.iter().find(|r| r.name == "Mosquitto");
    let _ = writeln!(out, "Targets (Pulsegrid):\n");
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    if let Ok(f) = &p.fanout {
        let _ = writeln!(
            out,
            "- fan-out >= 250,000 frames/s: {} frames/s, {}",
            thousands(f.frames_per_second()),
            check(f.frames_per_second() >= TARGET_FRAMES_PER_SECOND)
        );
    }
    if let Ok(l) = &p.latency
        && let Some(p99) = l.latency_quantile_us(0.99)
    {
        let _ = writeln!(
            out,
            "- p99 < 5 ms at {} clients: {}, {}",
            l.clients,
            ms(p99),
            check(p99 < TARGET_P99_US)
        );
        if let Some(Ok(ml)) = m.map(|m| &m.latency)
            && let Some(mp99) = ml.latency_quantile_us(0.99)
        {
            let _ = writeln!(
                out,
                "- p99 no worse than Mosquitto's ({}): {}",
                ms(mp99),
                check(p99 <= mp99)
            );
        }
    }
    if let Ok(i) = &p.idle {
        let _ = writeln!(
            out,
            "- <= 8 KiB per idle connection: {:.1} KiB, {}",
            i.kib_per_connection(),
            check(i.kib_per_connection() <= TARGET_KIB_PER_CONNECTION)
        );
    }
    for (scenario, pd, md) in [
        ("fan-out", &p.fanout, m.map(|m| &m.fanout)),
        ("latency", &p.latency, m.map(|m| &m.latency)),
    ] {
        if let (Ok(pd), Some(Ok(md))) = (pd, md)
            && let (Some(a), Some(b)) = (pd.cpu_us_per_update(), md.cpu_us_per_update())
        {
            let _ = writeln!(
                out,
                "- CPU per delivered update no worse than Mosquitto's ({scenario}): {a:.2} vs {b:.2} µs, {}",
                check(a <= b)
            );
        }
    }
    let _ = writeln!(out);
}

fn details(out: &mut String, reports: &[SystemReport], settings: &Settings) {
    let _ = writeln!(out, "Details:\n");
    for r in reports {
        if let Ok(i) = &r.idle {
            let _ = writeln!(
                out,
                "- {} idle: server RSS {} KiB before, {} KiB with {} subscribed connections.",
                r.name, i.rss_before_kib, i.rss_after_kib, i.clients
            );
        }
        for (scenario, d) in [("fan-out", &r.fanout), ("latency", &r.latency)] {
            match d {
                Ok(d) => {
                    let _ = writeln!(
                        out,
                        "- {} {scenario}: {} updates published ({} refused), {:.2}% of published x clients delivered, \
                         server CPU {:.0}%, load client CPU {:.0}% and other processes {:.0}% of one core over {:.1} s{}.",
                        r.name,
                        d.published.updates,
                        d.published.rejected,
                        d.completeness() * 100.0,
                        d.server_cpu / d.seconds * 100.0,
                        d.client_cpu / d.seconds * 100.0,
                        d.other_cpu / d.seconds * 100.0,
                        d.seconds,
                        if d.verified > 0 {
                            format!(", {} sampled frames matched a full JSON parse", d.verified)
                        } else {
                            String::new()
                        }
                    );
                    if !d.latencies_us.is_empty() && d.frames > 0 {
                        // The single load-client thread reads one update's frames one after
                        // another; this much of each latency is that queue, for both systems.
                        let per_frame_us = d.client_cpu * 1e6 / d.frames as f64;
                        let reading = ms((per_frame_us * d.clients as f64) as u64);
                        if scenario == "latency" && !settings.hold.is_zero() {
                            let _ = writeln!(
                                out,
                                "  The load client held off reading for {} after each update (as if the subscribers ran on \
                                 other machines; the kernel stamps each frame's arrival regardless), then spent \
                                 {per_frame_us:.1} µs of CPU per frame, about {reading} per update on its one thread.",
                                ms(settings.hold.as_micros() as u64),
                            );
                        } else {
                            let _ = writeln!(
                                out,
                                "  The load client spent {per_frame_us:.1} µs of CPU per frame, so reading one update's {} \
                                 frames takes it about {reading} on its one thread, on the cores the server needs; the same \
                                 for both systems.",
                                d.clients,
                            );
                        }
                    }
                    if let (Some(p50), Some(p99)) = (
                        d.read_latency_quantile_us(0.5),
                        d.read_latency_quantile_us(0.99),
                    ) {
                        let _ = writeln!(
                            out,
                            "  Latency columns are to the frame's arrival at the subscriber's socket (kernel receive \
                             timestamp, SO_TIMESTAMPNS); to when the load client had read and parsed it: p50 {}, p99 {}.",
                            ms(p50),
                            ms(p99)
                        );
                    }
                    if let (Some(p50), Some(p99)) = (
                        d.published.write_quantile_us(0.5),
                        d.published.write_quantile_us(0.99),
                    ) {
                        let _ = writeln!(
                            out,
                            "  Publisher writes until acknowledged: p50 {}, p99 {}{}.",
                            ms(p50),
                            ms(p99),
                            if d.history_frames > 0 {
                                format!(
                                    "; {} history (`replace`) frames replaced lagging subscribers' queues",
                                    d.history_frames
                                )
                            } else {
                                String::new()
                            }
                        );
                    }
                }
                Err(e) => {
                    let _ = writeln!(out, "- {} {scenario} FAILED: {e}", r.name);
                }
            }
        }
        if let Err(e) = &r.idle
            && r.fanout.is_err()
        {
            let _ = writeln!(out, "- {} idle memory FAILED: {e}", r.name);
        }
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        String::new()
    }
}

fn opt_ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => ratio(a, b),
        _ => String::new(),
    }
}

/// Microseconds as milliseconds with two decimals.
fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

/// A rate rounded to an integer with thousands separators.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234.0), "1,234");
        assert_eq!(thousands(312_456.7), "312,457");
    }
}
