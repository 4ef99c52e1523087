//! [`InfluxDbSource`]: expands the macros of a raw InfluxQL target, runs it on `/query`, and
//! converts the answer.

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;

use super::config::InfluxDbConfig;
use super::response::{QueryResponse, to_series};
use crate::error::{Result, SourceError};
use crate::http::snippet;
use crate::macros::{MacroContext, expand_influxql};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source};

/// An InfluxDB 1.x (InfluxQL) datasource.
#[derive(Debug)]
pub struct InfluxDbSource {
    uid: String,
    config: InfluxDbConfig,
    http: reqwest::Client,
}

impl InfluxDbSource {
    /// A source for `ds`, sending requests with `http`.
    pub fn new(ds: &DatasourceConfig, http: reqwest::Client) -> Result<Self> {
        Ok(InfluxDbSource {
            uid: ds.uid_or_name().to_owned(),
            config: InfluxDbConfig::from_datasource(ds)?,
            http,
        })
    }

    /// Runs InfluxQL text as is (no macros) and returns Influx's statement results.
    async fn run(&self, query: &str) -> Result<QueryResponse> {
        let endpoint = &self.config.endpoint;
        let url = endpoint.url("/query");
        let mut params: Vec<(&str, &str)> = vec![("db", &self.config.database), ("epoch", "ms")];
        if let Some(user) = &self.config.user {
            params.push(("u", user));
            params.push(("p", self.config.password.as_deref().unwrap_or_default()));
        }
        let request = if self.config.post {
            self.http.post(&url).query(&params).form(&[("q", query)])
        } else {
            params.push(("q", query));
            self.http.get(&url).query(&params)
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
        let parsed: QueryResponse = match serde_json::from_str(&body) {
            Ok(parsed) => parsed,
            Err(_) if !status.is_success() => {
                return Err(endpoint.upstream(format!("HTTP {status}: {}", snippet(&body, 300))));
            }
            Err(e) => {
                return Err(endpoint.upstream(format!(
                    "unexpected answer from /query: {e}: {}",
                    snippet(&body, 200)
                )));
            }
        };
        if let Some(error) = &parsed.error {
            return Err(endpoint.upstream(error.clone()));
        }
        if !status.is_success() {
            return Err(endpoint.upstream(format!("HTTP {status}: {}", snippet(&body, 300))));
        }
        if let Some(error) = parsed.results.iter().find_map(|r| r.error.as_deref()) {
            return Err(endpoint.upstream(error.to_owned()));
        }
        Ok(parsed)
    }
}

impl Source for InfluxDbSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Influxdb
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            let target = Target(&req.target);
            let raw = target.bool("rawQuery")?.unwrap_or(false);
            let builder = ["measurement", "select", "groupBy"]
                .iter()
                .any(|k| req.target.get(k).is_some_and(|v| !v.is_null()));
            if !raw && builder {
                return Err(SourceError::Unsupported(
                    "InfluxDB query builder targets are not supported; write the InfluxQL in \
                     `query` and set `rawQuery: true`"
                        .into(),
                ));
            }
            let Some(query) = target.str("query")? else {
                return Err(SourceError::InvalidQuery(
                    "InfluxDB target has no `query` (InfluxQL text with `rawQuery: true`)".into(),
                ));
            };
            if query.trim().is_empty() {
                return Ok(Vec::new());
            }
            let floor = target
                .duration_ms("interval")?
                .or(self.config.time_interval_ms)
                .unwrap_or(1);
            let cx = MacroContext {
                range: req.range,
                interval_ms: req.interval_ms.max(floor).max(1),
            };
            let response = self.run(&expand_influxql(query, &cx)).await?;
            Ok(to_series(response.results, target.str("alias")?))
        })
    }

    fn live_mode(&self, _target: &Value, default_every_ms: i64) -> LiveMode {
        LiveMode::Poll {
            every_ms: default_every_ms.max(self.config.time_interval_ms.unwrap_or(0)),
        }
    }
}
