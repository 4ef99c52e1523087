//! Pulsegrid's own metrics as series of the `pulsegrid` source: every few seconds the metrics
//! registry is sampled into the ingest store's `pulsegrid` stream, so the default dashboard
//! shows the service watching itself with no other server.

use std::sync::Arc;
use std::time::Duration;

use pulsegrid_ingest::SeriesStore;
use pulsegrid_model::{Labels, Sample, SeriesKey};

use crate::clock::now_ms;
use crate::metrics::Metrics;

/// The stream own metrics are written to.
pub const OWN_METRICS_STREAM: &str = "pulsegrid";

/// Samples the registry every `every` until `shutdown` fires.
pub fn spawn_sampler(
    metrics: Arc<Metrics>,
    store: SeriesStore,
    every: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = ticker.tick() => {}
            }
            let Ok(text) = metrics.render() else { continue };
            let samples = parse_exposition(&text, now_ms());
            if let Err(e) = store.write(OWN_METRICS_STREAM, samples).await {
                tracing::debug!(error = %e, "cannot record own metrics");
            }
        }
    })
}

/// Reads Prometheus/OpenMetrics text into samples (histogram buckets are left out: they are
/// many series and the dashboard uses the counts and sums).
pub fn parse_exposition(text: &str, now: i64) -> Vec<(SeriesKey, Sample)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(v) = value.parse::<f64>() else {
            continue;
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, parse_labels(rest.trim_end_matches('}'))),
            None => (series, Labels::new()),
        };
        if name.ends_with("_bucket") || name.ends_with("_created") {
            continue;
        }
        out.push((SeriesKey::new(name, labels), Sample { t: now, v }));
    }
    out
}

fn parse_labels(text: &str) -> Labels {
    let mut labels = Labels::new();
    let mut rest = text;
    while let Some((name, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => {}
                },
                '"' => {
                    end = i + 1;
                    break;
                }
                other => value.push(other),
            }
        }
        labels.insert(name.trim_start_matches(',').trim(), value);
        rest = &after[end..];
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exposition_lines() {
        let text = "# HELP x\n# TYPE x counter\npulsegrid_http_requests_total{route=\"/api/search\",method=\"GET\",status=\"200\"} 3\npulsegrid_websocket_connections 0\nx_bucket{le=\"1\"} 2\n# EOF\n";
        let samples = parse_exposition(text, 1000);
        assert_eq!(samples.len(), 2);
        assert_eq!(
            samples[0].0.to_string(),
            "pulsegrid_http_requests_total{method=\"GET\",route=\"/api/search\",status=\"200\"}"
        );
        assert_eq!(samples[0].1, Sample { t: 1000, v: 3.0 });
        assert_eq!(samples[1].0.name, "pulsegrid_websocket_connections");
    }
}
