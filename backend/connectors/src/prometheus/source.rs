//! [`PrometheusSource`]: turns a target into a `query_range` (or instant `query`) request and
//! the answer into series.

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::{DEFAULT_SCRAPE_INTERVAL_MS, HttpMethod, PrometheusConfig};
use super::response::{ApiData, ApiResponse, query_result_texts, to_series};
use crate::error::{Result, SourceError};
use crate::http::snippet;
use crate::macros::{MacroContext, expand_promql};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source};
use crate::variables::{MetricFindQuery, VariableQuery, VariableValue, metrics_regex};

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
        self.call_with(self.config.method, path, params).await
    }

    /// A request with `method`, its answer's envelope read with `data` as `T`.
    async fn call_with<T: DeserializeOwned>(
        &self,
        method: HttpMethod,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<ApiResponse<T>> {
        let endpoint = &self.config.endpoint;
        let url = endpoint.url(path);
        let request = match method {
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
        match serde_json::from_str::<ApiResponse<T>>(&body) {
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

impl PrometheusSource {
    /// The names from `/api/v1/labels` or `/api/v1/label/<label>/values` (GET: the values
    /// endpoint has no POST form), for series matching `selector` within the range.
    async fn names(
        &self,
        path: &str,
        selector: Option<&str>,
        query: &VariableQuery,
    ) -> Result<Vec<String>> {
        let mut params = vec![
            ("start", seconds(query.range.from_ms)),
            ("end", seconds(query.range.to_ms)),
        ];
        if let Some(selector) = selector {
            params.push(("match[]", selector.to_owned()));
        }
        let response: ApiResponse<Vec<String>> =
            self.call_with(HttpMethod::Get, path, &params).await?;
        Ok(response.data.unwrap_or_default())
    }

    /// Answers a variable query in Grafana's Prometheus forms.
    async fn find(&self, query: &VariableQuery) -> Result<Vec<VariableValue>> {
        let values = match MetricFindQuery::parse(&query.query)? {
            MetricFindQuery::LabelNames { selector } => {
                self.names("/api/v1/labels", selector.as_deref(), query)
                    .await?
            }
            MetricFindQuery::LabelValues { selector, label } => {
                let path = format!("/api/v1/label/{label}/values");
                self.names(&path, selector.as_deref(), query).await?
            }
            MetricFindQuery::Metrics { regex } => {
                let regex = metrics_regex(&regex)?;
                let mut names = self
                    .names("/api/v1/label/__name__/values", None, query)
                    .await?;
                names.retain(|n| regex.is_match(n));
                names
            }
            MetricFindQuery::QueryResult { expr } => {
                let params = [("query", expr), ("time", seconds(query.range.to_ms))];
                let response: ApiResponse<ApiData> = self.call("/api/v1/query", &params).await?;
                let data = response.data.ok_or_else(|| {
                    self.config
                        .endpoint
                        .upstream("answer has status success but no data")
                })?;
                query_result_texts(data).map_err(SourceError::InvalidQuery)?
            }
        };
        Ok(values.into_iter().map(VariableValue::new).collect())
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

    /// `label_values(label)`, `label_values(selector, label)`, `label_names()`,
    /// `label_names(selector)`, `metrics(regex)` and `query_result(expr)`, as Grafana's
    /// Prometheus datasource answers them.
    fn variable_values<'a>(
        &'a self,
        query: &'a VariableQuery,
    ) -> BoxFuture<'a, Result<Vec<VariableValue>>> {
        Box::pin(async move {
            // Prometheus' `bad_data` (a malformed selector or expression) is the query's fault.
            self.find(query).await.map_err(|e| match e {
                SourceError::Upstream { message, .. } if message.starts_with("bad_data") => {
                    SourceError::InvalidQuery(format!(
                        "variable query {:?}: {message}",
                        query.query
                    ))
                }
                other => other,
            })
        })
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
