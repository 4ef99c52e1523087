//! [`InfluxDbConfig`]: what a `type: influxdb` (InfluxQL) datasource's provisioning says.

use std::fmt;

use pulsegrid_model::DatasourceConfig;

use crate::error::Result;
use crate::http::HttpEndpoint;
use crate::settings::Settings;

/// An InfluxDB 1.x datasource's settings.
///
/// Read from `url`, `database` (or `jsonData.dbName`), `user` and
/// `secureJsonData.password`, `jsonData.httpMode` (GET or POST, default GET),
/// `jsonData.timeInterval`, `jsonData.timeout`, and the HTTP auth settings every HTTP
/// source has. `Debug` shows no secret.
#[derive(Clone)]
pub struct InfluxDbConfig {
    /// Base URL and HTTP auth.
    pub(crate) endpoint: HttpEndpoint,
    /// The database queries run in.
    pub(crate) database: String,
    /// InfluxDB user name.
    pub(crate) user: Option<String>,
    /// InfluxDB password.
    pub(crate) password: Option<String>,
    /// Send the query in a POST body (needed for `SELECT ... INTO`) rather than the URL.
    pub(crate) post: bool,
    /// The smallest step (`jsonData.timeInterval`).
    pub(crate) time_interval_ms: Option<i64>,
}

impl fmt::Debug for InfluxDbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfluxDbConfig")
            .field("endpoint", &self.endpoint)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("post", &self.post)
            .field("time_interval_ms", &self.time_interval_ms)
            .finish()
    }
}

impl InfluxDbConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let endpoint = HttpEndpoint::from_settings(s, "http://localhost:8086")?;
        let database = ds
            .database
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .or(s.json_str("dbName")?)
            .ok_or_else(|| s.error("`database` (or `jsonData.dbName`) is required"))?
            .to_owned();
        if let Some(version) = s.json_str("version")?
            && !version.eq_ignore_ascii_case("influxql")
        {
            return Err(s.error(format!(
                "`jsonData.version` {version:?} is not supported; only InfluxQL is"
            )));
        }
        let post = match s.json_str("httpMode")? {
            None => false,
            Some(m) if m.eq_ignore_ascii_case("get") => false,
            Some(m) if m.eq_ignore_ascii_case("post") => true,
            Some(other) => {
                return Err(s.error(format!(
                    "`jsonData.httpMode` must be GET or POST, found {other:?}"
                )));
            }
        };
        Ok(InfluxDbConfig {
            endpoint,
            database,
            user: ds.user.clone().filter(|u| !u.is_empty()),
            password: s.secret("password").map(str::to_owned),
            post,
            time_interval_ms: s.json_duration_ms("timeInterval")?.filter(|ms| *ms > 0),
        })
    }

    /// The base URL (without credentials).
    pub fn base_url(&self) -> &str {
        &self.endpoint.base
    }

    /// The database queries run in.
    pub fn database(&self) -> &str {
        &self.database
    }
}
