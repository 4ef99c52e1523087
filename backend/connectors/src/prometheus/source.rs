//! [`PrometheusSource`]: turns a target into a `query_range` (or instant `query`) request and
//! the answer into series.

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;

use super::config::{DEFAULT_SCRAPE_INTERVAL_MS, HttpMethod, PrometheusConfig};
use super::response::{ApiResponse, to_series};
use crate::error::{Result, SourceError};
use crate::http::snippet;
use crate::macros::{MacroContext, expand_promql};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source};

/// Prometheus refuses a range query of more points than this per series.
const MAX_POINTS: i64 = 11_000;

/// A Prometheus-compatible datasource.
#[derive(Debug)]
pub struct PrometheusSource {
    uid: String,
    config: PrometheusConfig,
    http: reqwest::Client,
}

impl PrometheusSource {
    /// A source for `ds`, sending requests with `http`.
    pub fn new(ds: &DatasourceConfig, http: reqwest::Client) -> Result<Self> {
        Ok(PrometheusSource {
            uid: ds.uid_or_name().to_owned(),
            config: PrometheusConfig::from_datasource(ds)?,
            http,
        })
    }

    /// The step in ms for a request: the request's step, at least the target's `interval`,
    /// the datasource's `timeInterval` (else 1s), rounded up to whole seconds from 1s on, and
    /// coarse enough to stay under Prometheus' 11,000 points.
    pub fn step_ms(&self, req: &QueryRequest) -> Result<i64> {
        let floor = Target(&req.target)
            .duration_ms("interval")?
            .filter(|ms| *ms > 0)
            .or(self.config.time_interval_ms)
            .unwrap_or(1_000);
        let mut step = req.interval_ms.max(floor).max(1);
        step = step.max(req.range.span_ms() / MAX_POINTS + 1);
        if step >= 1_000 {
            step = (step + 999) / 1_000 * 1_000;
        }
        Ok(step)
    }

    async fn call(&self, path: &str, params: &[(&str, String)]) -> Result<ApiResponse> {
        let endpoint = &self.config.endpoint;
        let url = endpoint.url(path);
        let request = match self.config.method {
            HttpMethod::Post => self.http.post(&url).form(params),
            HttpMethod::Get => self.http.get(&url).query(params),
        };
        let response = endpoint
            .prepare(request)
            .send()
            .await
            .map_err(|e| endpoint.transport_error(e))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| endpoint.transport_error(e))?;
        match serde_json::from_str::<ApiResponse>(&body) {
            Ok(parsed) if parsed.status == "success" && status.is_success() => Ok(parsed),
            Ok(parsed) => Err(endpoint.upstream(
                parsed
                    .error_message()
                    .unwrap_or_else(|| format!("HTTP {status}: {}", snippet(&body, 300))),
            )),
            Err(e) if status.is_success() => Err(endpoint.upstream(format!(
                "unexpected answer from {path}: {e}: {}",
                snippet(&body, 200)
            ))),
            Err(_) => Err(endpoint.upstream(format!("HTTP {status}: {}", snippet(&body, 300)))),
        }
    }
}

impl Source for PrometheusSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Prometheus
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            let target = Target(&req.target);
            let expr = target.str("expr")?.map(str::trim).unwrap_or_default();
            if expr.is_empty() {
                if req.target.get("expr").is_none() {
                    return Err(SourceError::InvalidQuery(
                        "Prometheus target has no `expr` (a PromQL expression)".into(),
                    ));
                }
                return Ok(Vec::new());
            }
            let step = self.step_ms(req)?;
            let scrape = self
                .config
                .time_interval_ms
                .unwrap_or(DEFAULT_SCRAPE_INTERVAL_MS);
            let cx = MacroContext {
                range: req.range,
                interval_ms: step,
            };
            let expr = expand_promql(expr, &cx, scrape);
            let legend = target.str("legendFormat")?;
            let response = if target.bool("instant")?.unwrap_or(false)
                && !target.bool("range")?.unwrap_or(false)
            {
                let params = [("query", expr.clone()), ("time", seconds(req.range.to_ms))];
                self.call("/api/v1/query", &params).await?
            } else {
                let start = req.range.from_ms.div_euclid(step) * step;
                let params = [
                    ("query", expr.clone()),
                    ("start", seconds(start)),
                    ("end", seconds(req.range.to_ms)),
                    ("step", seconds(step)),
                ];
                self.call("/api/v1/query_range", &params).await?
            };
            let data = response.data.ok_or_else(|| {
                self.config
                    .endpoint
                    .upstream("answer has status success but no data")
            })?;
            Ok(to_series(data, legend, &expr))
        })
    }

    fn live_mode(&self, _target: &Value, default_every_ms: i64) -> LiveMode {
        LiveMode::Poll {
            every_ms: default_every_ms.max(self.config.time_interval_ms.unwrap_or(0)),
        }
    }
}

/// Unix ms as Prometheus' decimal seconds (`1700000000.5`).
fn seconds(ms: i64) -> String {
    let (secs, frac) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    if frac == 0 {
        secs.to_string()
    } else {
        format!("{secs}.{frac:03}")
    }
}
