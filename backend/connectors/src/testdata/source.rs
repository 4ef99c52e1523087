//! [`TestdataSource`]: answers queries by evaluating the scenario at each step, and streams
//! one new point per series every `intervalMs`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pulsegrid_model::{DatasourceKind, Series, SeriesKey, TimeRange};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::metric_tree;
use super::scenario::Scenario;
use crate::error::{Result, SourceError};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};
use crate::variables::{VariableQuery, VariableValue};

/// The most points one series of a query may have; a finer step is coarsened.
const MAX_POINTS: i64 = 100_000;
/// The streaming interval when the target has no `intervalMs`.
const DEFAULT_STREAM_INTERVAL_MS: i64 = 1000;
/// The finest streaming interval accepted.
const MIN_STREAM_INTERVAL_MS: i64 = 10;

/// The built-in test data generator. It needs no configuration.
#[derive(Clone, Debug)]
pub struct TestdataSource {
    uid: String,
}

impl TestdataSource {
    /// A generator known by `uid`.
    pub fn new(uid: impl Into<String>) -> Self {
        TestdataSource { uid: uid.into() }
    }

    /// The series of `target` at every multiple of the step within `range`.
    pub fn generate(
        &self,
        target: &Value,
        range: TimeRange,
        interval_ms: i64,
    ) -> Result<Vec<Series>> {
        let scenario = Scenario::from_target(target)?;
        let mut step = scenario.step_ms(interval_ms);
        if range.span_ms() / step > MAX_POINTS {
            step = range.span_ms() / MAX_POINTS + 1;
        }
        let first = range.from_ms.div_euclid(step) * step
            + if range.from_ms.rem_euclid(step) == 0 {
                0
            } else {
                step
            };
        Ok((0..scenario.series_count)
            .map(|i| {
                let mut series = Series::new(SeriesKey::new(
                    scenario.series_name(i),
                    scenario.labels.clone(),
                ));
                let mut t = first;
                while t <= range.to_ms {
                    series.push(t, scenario.value(i, t, step));
                    t += step;
                }
                series
            })
            .collect())
    }
}

impl Source for TestdataSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Testdata
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move { self.generate(&req.target, req.range, req.interval_ms) })
    }

    fn live_mode(&self, _target: &Value, _default_every_ms: i64) -> LiveMode {
        LiveMode::Subscribe
    }

    /// Grafana TestData's name tree: `*` -> `A`, `B`, `C`; `A.*` -> `AA`, `AB`, `AC`.
    fn variable_values<'a>(
        &'a self,
        query: &'a VariableQuery,
    ) -> BoxFuture<'a, Result<Vec<VariableValue>>> {
        Box::pin(async move {
            Ok(metric_tree::query(&query.query)
                .into_iter()
                .map(VariableValue::new)
                .collect())
        })
    }

    fn subscribe<'a>(
        &'a self,
        target: &'a Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let scenario = Scenario::from_target(target)?;
            let every = Target(target)
                .f64("intervalMs")?
                .map_or(DEFAULT_STREAM_INTERVAL_MS, |ms| ms.round() as i64);
            if every < MIN_STREAM_INTERVAL_MS {
                return Err(SourceError::InvalidQuery(format!(
                    "target field `intervalMs` must be at least {MIN_STREAM_INTERVAL_MS}, \
                     found {every}"
                )));
            }
            let step = scenario.step_ms(every);
            let mut next = (now_ms() / step + 1) * step;
            loop {
                let wait = Duration::from_millis((next - now_ms()).max(0).unsigned_abs());
                tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    () = tokio::time::sleep(wait) => {}
                }
                let series = (0..scenario.series_count)
                    .map(|i| {
                        let mut s = Series::new(SeriesKey::new(
                            scenario.series_name(i),
                            scenario.labels.clone(),
                        ));
                        s.push(next, scenario.value(i, next, step));
                        s
                    })
                    .collect();
                let frame = SourceEvent::Frame {
                    series,
                    replace: false,
                };
                tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    sent = out.send(frame) => if sent.is_err() { return Ok(()) },
                }
                // After a stall (a suspended machine), continue from now rather than catch up.
                next = (next + step).max((now_ms() / step) * step);
            }
        })
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
