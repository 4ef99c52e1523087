//! [`PrometheusConfig`]: what a `type: prometheus` datasource's provisioning says.

use pulsegrid_model::DatasourceConfig;

use crate::error::{Result, SourceError};
use crate::http::HttpEndpoint;
use crate::settings::Settings;

/// Grafana's default scrape interval, for `$__rate_interval` when `timeInterval` is unset.
pub(crate) const DEFAULT_SCRAPE_INTERVAL_MS: i64 = 15_000;

/// How queries are sent (`jsonData.httpMethod`; Grafana's default is POST).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpMethod {
    /// Form-encoded body: long queries fit.
    #[default]
    Post,
    /// URL query parameters (for proxies that only allow GET).
    Get,
}

/// A Prometheus-compatible datasource's settings.
///
/// Read from `url`, `basicAuth`, `basicAuthUser`, `secureJsonData.basicAuthPassword`,
/// `jsonData.httpHeaderName1` + `secureJsonData.httpHeaderValue1` (and further numbers),
/// `jsonData.timeout` (seconds), `jsonData.timeInterval` and `jsonData.httpMethod`.
/// `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct PrometheusConfig {
    /// Base URL and authentication.
    pub(crate) endpoint: HttpEndpoint,
    /// The scrape interval (`jsonData.timeInterval`): the smallest query step, the basis of
    /// `$__rate_interval`, and the slowest sensible refresh.
    pub(crate) time_interval_ms: Option<i64>,
    /// GET or POST.
    pub(crate) method: HttpMethod,
}

impl PrometheusConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let endpoint = HttpEndpoint::from_settings(s, "http://localhost:9090")?;
        let time_interval_ms = s.json_duration_ms("timeInterval")?.filter(|ms| *ms > 0);
        let method = match s.json_str("httpMethod")? {
            None => HttpMethod::Post,
            Some(m) if m.eq_ignore_ascii_case("post") => HttpMethod::Post,
            Some(m) if m.eq_ignore_ascii_case("get") => HttpMethod::Get,
            Some(other) => {
                return Err(SourceError::Config {
                    name: ds.name.clone(),
                    message: format!("`jsonData.httpMethod` must be GET or POST, found {other:?}"),
                });
            }
        };
        Ok(PrometheusConfig {
            endpoint,
            time_interval_ms,
            method,
        })
    }

    /// The base URL (without credentials).
    pub fn base_url(&self) -> &str {
        &self.endpoint.base
    }

    /// `jsonData.timeInterval` in ms, if set.
    pub fn time_interval_ms(&self) -> Option<i64> {
        self.time_interval_ms
    }

    /// GET or POST.
    pub fn method(&self) -> HttpMethod {
        self.method
    }
}
