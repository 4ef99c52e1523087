//! Graphs for alert emails: for each rule with alerts in a notification, its series over the
//! last hour with the threshold drawn, rendered natively (`pulsegrid-render`, no browser) and
//! sent inline in the HTML body and as an attachment.

use std::collections::BTreeSet;

use pulsegrid_alerting::notify::{Alert, Notification};
use pulsegrid_alerting::rules::{Condition, QueryKind};
use pulsegrid_alerting::send::email::InlineImage;
use pulsegrid_connectors::{QueryRequest, Sources};
use pulsegrid_model::{DatasourceKind, Series, TimeRange};
use serde_json::json;

use super::engine::{RuleEngine, RuleEntry, rule_target};
use crate::clock::now_ms;

/// The span each graph shows.
const SPAN_MS: i64 = 3_600_000;
/// Most graphs per email (one per rule).
const MAX_GRAPHS: usize = 3;
/// Graph size in pixels.
const WIDTH: u32 = 800;
const HEIGHT: u32 = 300;

/// Draws the graphs of a notification's rules.
#[derive(Clone, Debug)]
pub struct AlertGraphs {
    engine: RuleEngine,
    sources: Sources,
}

impl AlertGraphs {
    /// Graphs for the rules of `engine`, querying `sources`.
    pub fn new(engine: RuleEngine, sources: Sources) -> Self {
        AlertGraphs { engine, sources }
    }

    /// One PNG per rule behind the notification's alerts (at most [`MAX_GRAPHS`]); a rule
    /// whose data cannot be read gets no graph (the email goes out without it).
    pub async fn for_notification(&self, n: &Notification) -> Vec<InlineImage> {
        let to = now_ms();
        let from = to - SPAN_MS;
        let mut seen = BTreeSet::new();
        let mut images = Vec::new();
        for alert in &n.alerts {
            if images.len() >= MAX_GRAPHS {
                break;
            }
            let Some(entry) = rule_key(alert).and_then(|k| self.engine.rule(&k)) else {
                continue;
            };
            if !seen.insert(entry.def.key.clone()) {
                continue;
            }
            let alerts: Vec<&Alert> = n
                .alerts
                .iter()
                .filter(|a| rule_key(a).as_deref() == Some(entry.def.key.as_str()))
                .collect();
            let series = match self.series(&entry, &alerts, from, to).await {
                Ok(series) => series,
                Err(e) => {
                    tracing::warn!(rule = %entry.def.key, error = %e, "no graph for the email");
                    continue;
                }
            };
            let threshold = entry.def.rule.condition().map(|c| match c {
                Condition::Compare(_, t) => *t,
                Condition::Outside(lo, _) | Condition::Inside(lo, _) => *lo,
            });
            let rendered = tokio::task::spawn_blocking(move || {
                pulsegrid_render::render_alert_graph(&series, threshold, from, to, WIDTH, HEIGHT)
            })
            .await;
            match rendered {
                Ok(Ok(png)) => images.push(InlineImage {
                    content_id: format!("graph{}@pulsegrid", images.len() + 1),
                    filename: format!("{}.png", file_safe(&entry.def.rule.name)),
                    png,
                }),
                Ok(Err(e)) => {
                    tracing::warn!(rule = %entry.def.key, error = %e, "graph not rendered")
                }
                Err(e) => tracing::warn!(rule = %entry.def.key, error = %e, "graph task failed"),
            }
        }
        images
    }

    /// The rule's series over `from..to` that belong to `alerts`.
    async fn series(
        &self,
        entry: &RuleEntry,
        alerts: &[&Alert],
        from: i64,
        to: i64,
    ) -> Result<Vec<Series>, String> {
        let rule = &entry.def.rule;
        let (source, target) = match &rule.query {
            QueryKind::PromQl { expr } => {
                let source = match &rule.source {
                    Some(uid) => self.sources.get(uid),
                    None => self.sources.resolve(Some(&json!({"type": "prometheus"}))),
                };
                (source, json!({"expr": expr, "refId": "A"}))
            }
            QueryKind::Pulsegrid { query, .. } => {
                let source = match &rule.source {
                    Some(uid) => self.sources.get(uid),
                    None => self.sources.default_source(),
                };
                let kind = source
                    .as_ref()
                    .map_or(DatasourceKind::Pulsegrid, |s| s.kind());
                (source, rule_target(kind, query))
            }
        };
        let source = source.ok_or_else(|| "the rule's source is not configured".to_owned())?;
        let request = QueryRequest::new(
            target,
            TimeRange {
                from_ms: from,
                to_ms: to,
            },
            WIDTH,
            0,
        );
        let series = source
            .query_range(&request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(series
            .into_iter()
            .filter(|s| alerts.iter().any(|a| belongs(s, a)))
            .collect())
    }
}

/// Whether a series is the one behind an alert: each of its labels (but `__name__`) is on the
/// alert with the same value.
fn belongs(series: &Series, alert: &Alert) -> bool {
    series
        .labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .all(|(k, v)| alert.labels.get(k) == Some(v))
}

/// The rule key in an alert's `generatorURL` (`.../alerting?rule=KEY`).
fn rule_key(alert: &Alert) -> Option<String> {
    let query = alert.generator_url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == "rule").then_some(v))
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsegrid_model::Labels;

    #[test]
    fn rule_keys_round_trip_through_the_generator_url() {
        let mut a = Alert::firing(Labels::new(), 0);
        a.generator_url = "http://x/alerting?rule=plant.yml%3Aplant%3AHot%231".into();
        assert_eq!(rule_key(&a).as_deref(), Some("plant.yml:plant:Hot#1"));
    }

    #[test]
    fn a_series_belongs_to_the_alert_with_its_labels() {
        let mut alert = Alert::firing(
            [("alertname", "Hot"), ("site", "north"), ("severity", "x")]
                .into_iter()
                .collect(),
            0,
        );
        alert.generator_url = String::new();
        let s = |site: &str| Series {
            name: "t".into(),
            labels: [("site", site), ("__name__", "t")].into_iter().collect(),
            t: vec![],
            v: vec![],
        };
        assert!(belongs(&s("north"), &alert));
        assert!(!belongs(&s("south"), &alert));
    }
}
