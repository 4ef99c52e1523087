//! The `pulsegrid` source: series written to `/write`, `/api/v2/write` and
//! `/api/live/push/{stream}`, and Pulsegrid's own metrics, selected with a Prometheus-style
//! selector (`line_pressure{site="north"}`) in the target's `expr` (or `selector`, `query`).
//! Its variable queries take Grafana's Prometheus forms over the ingested series:
//! `label_values(...)`, `label_names(...)`, `metrics(regex)` and `query_result(selector)`.

use pulsegrid_connectors::variables::{metrics_regex, query_result_text};
use pulsegrid_connectors::{
    BoxFuture, LiveMode, MetricFindQuery, QueryRequest, Source, SourceError, SourceEvent,
    VariableQuery, VariableValue,
};
use pulsegrid_ingest::SeriesStore;
use pulsegrid_model::selector::SeriesSelector;
use pulsegrid_model::{DatasourceKind, Series, TimeRange};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::datasources::PULSEGRID_UID;

/// How far back a subscription re-reads after it fell behind the ingest stream.
const RESYNC_WINDOW_MS: i64 = 3_600_000;

/// Reads the ingest store's ring buffers; streams what arrives.
#[derive(Debug)]
pub struct PulsegridSource {
    store: SeriesStore,
}

impl PulsegridSource {
    /// A source over `store`.
    pub fn new(store: SeriesStore) -> Self {
        PulsegridSource { store }
    }
}

/// The selector of a target.
fn selector(target: &Value) -> Result<SeriesSelector, SourceError> {
    let text = ["expr", "selector", "query"]
        .iter()
        .find_map(|k| target.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            SourceError::InvalidQuery(
                "expr: a series selector is required, e.g. line_pressure{site=\"north\"}".into(),
            )
        })?;
    SeriesSelector::parse(text)
        .map_err(|e| SourceError::InvalidQuery(format!("expr {text:?}: {e}")))
}

/// A selector read from a variable query; the error names it.
fn parse_selector(text: &str) -> Result<SeriesSelector, SourceError> {
    SeriesSelector::parse(text)
        .map_err(|e| SourceError::InvalidQuery(format!("selector {text:?}: {e}")))
}

impl PulsegridSource {
    /// The series matching `selector` (every series without one) with points in `range`.
    fn series(&self, selector: Option<&str>, range: TimeRange) -> Result<Vec<Series>, SourceError> {
        let selector = match selector {
            Some(text) => parse_selector(text)?,
            None => parse_selector(r#"{__name__=~".+"}"#)?,
        };
        let mut series = self.store.query(&selector, range);
        series.retain(|s| !s.is_empty());
        Ok(series)
    }

    /// Answers a variable query over the ingested series.
    fn find(&self, query: &VariableQuery) -> Result<Vec<VariableValue>, SourceError> {
        let range = query.range;
        let values: Vec<String> = match MetricFindQuery::parse(&query.query)? {
            MetricFindQuery::LabelNames { selector } => {
                let series = self.series(selector.as_deref(), range)?;
                let mut names = vec!["__name__".to_owned()];
                for s in &series {
                    names.extend(s.labels.iter().map(|(k, _)| k.to_owned()));
                }
                names
            }
            MetricFindQuery::LabelValues { selector, label } => self
                .series(selector.as_deref(), range)?
                .iter()
                .filter_map(|s| match label.as_str() {
                    "__name__" => Some(s.name.clone()),
                    other => s.labels.get(other).map(str::to_owned),
                })
                .filter(|v| !v.is_empty())
                .collect(),
            MetricFindQuery::Metrics { regex } => {
                let regex = metrics_regex(&regex)?;
                self.series(None, range)?
                    .into_iter()
                    .map(|s| s.name)
                    .filter(|name| regex.is_match(name))
                    .collect()
            }
            MetricFindQuery::QueryResult { expr } => self
                .series(Some(&expr), range)?
                .iter()
                .filter_map(|s| {
                    let (t, v) = (s.t.last()?, s.v.last()?);
                    Some(query_result_text(
                        Some(&s.name),
                        s.labels.iter(),
                        &v.to_string(),
                        *t,
                    ))
                })
                .collect(),
        };
        Ok(values.into_iter().map(VariableValue::new).collect())
    }
}

impl Source for PulsegridSource {
    fn uid(&self) -> &str {
        PULSEGRID_UID
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Pulsegrid
    }

    fn query_range<'a>(
        &'a self,
        req: &'a QueryRequest,
    ) -> BoxFuture<'a, Result<Vec<Series>, SourceError>> {
        Box::pin(async move {
            let selector = selector(&req.target)?;
            Ok(self.store.query(&selector, req.range))
        })
    }

    fn live_mode(&self, _target: &Value, _default_every_ms: i64) -> LiveMode {
        LiveMode::Subscribe
    }

    /// `label_values(label)`, `label_values(selector, label)`, `label_names()`,
    /// `label_names(selector)`, `metrics(regex)` and `query_result(selector)` (each series'
    /// latest point) over the series ingested within the range.
    fn variable_values<'a>(
        &'a self,
        query: &'a VariableQuery,
    ) -> BoxFuture<'a, Result<Vec<VariableValue>, SourceError>> {
        Box::pin(async move { self.find(query) })
    }

    fn subscribe<'a>(
        &'a self,
        target: &'a Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<(), SourceError>> {
        Box::pin(async move {
            let selector = selector(target)?;
            let mut batches = self.store.subscribe();
            loop {
                let event = tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    batch = batches.recv() => match batch {
                        Ok(batch) => {
                            let series: Vec<Series> = batch
                                .series
                                .iter()
                                .filter(|s| selector.matches(&s.key()))
                                .cloned()
                                .collect();
                            if series.is_empty() {
                                continue;
                            }
                            SourceEvent::Frame { series, replace: false }
                        }
                        Err(RecvError::Lagged(missed)) => {
                            tracing::debug!(missed, "pulsegrid subscription fell behind; resyncing");
                            let now = now_ms();
                            let range = TimeRange { from_ms: now - RESYNC_WINDOW_MS, to_ms: now };
                            SourceEvent::Frame { series: self.store.query(&selector, range), replace: true }
                        }
                        Err(RecvError::Closed) => return Ok(()),
                    },
                };
                if out.send(event).await.is_err() {
                    return Ok(());
                }
            }
        })
    }
}
