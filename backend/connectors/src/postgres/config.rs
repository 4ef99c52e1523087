//! [`PostgresConfig`]: what a `type: postgres` datasource's provisioning says.

use std::fmt;
use std::time::Duration;

use pulsegrid_model::DatasourceConfig;
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::error::Result;
use crate::settings::Settings;

/// Connections per datasource when `jsonData.maxOpenConns` is unset.
const DEFAULT_MAX_CONNECTIONS: u32 = 4;
/// How long to wait for a connection when `jsonData.connectTimeout` is unset.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The statement timeout when `jsonData.queryTimeout` is unset.
const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// A PostgreSQL datasource's settings.
///
/// Read from `url` (`host:port`, `host`, or a unix socket dir such as
/// `/var/run/postgresql`), `database` (or `jsonData.database`), `user`,
/// `secureJsonData.password`, `jsonData.sslmode` (disable, allow, prefer, require,
/// verify-ca, verify-full; default prefer), `jsonData.maxOpenConns` (default 4),
/// `jsonData.connectTimeout` and `jsonData.queryTimeout` (seconds or durations; default 5s
/// and 30s), `jsonData.timeInterval`. `Debug` shows no secret.
#[derive(Clone)]
pub struct PostgresConfig {
    /// `host:port` (or the socket dir), for messages.
    pub(crate) address: String,
    /// Database name.
    pub(crate) database: String,
    /// How to connect (holds the password).
    pub(crate) options: PgConnectOptions,
    /// TLS mode as written.
    pub(crate) ssl_mode: String,
    /// Pool size.
    pub(crate) max_connections: u32,
    /// How long to wait for a connection.
    pub(crate) connect_timeout: Duration,
    /// Statement timeout of every query.
    pub(crate) query_timeout: Duration,
    /// The smallest step (`jsonData.timeInterval`).
    pub(crate) time_interval_ms: Option<i64>,
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("address", &self.address)
            .field("database", &self.database)
            .field("user", &self.options.get_username())
            .field("ssl_mode", &self.ssl_mode)
            .field("max_connections", &self.max_connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("query_timeout", &self.query_timeout)
            .field("time_interval_ms", &self.time_interval_ms)
            .finish_non_exhaustive()
    }
}

impl PostgresConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let url = s.url("localhost:5432")?;
        let url = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .unwrap_or(url)
            .trim_end_matches('/');
        let mut options = PgConnectOptions::new_without_pgpass().application_name("pulsegrid");
        let address = if url.starts_with('/') {
            options = options.socket(url);
            url.to_owned()
        } else {
            let (host, port) = split_host_port(url).ok_or_else(|| {
                s.error(format!(
                    "`url` must be host:port (e.g. localhost:5432), found {url:?}"
                ))
            })?;
            options = options.host(host).port(port);
            format!("{host}:{port}")
        };
        let database = ds
            .database
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .or(s.json_str("database")?)
            .ok_or_else(|| s.error("`database` (or `jsonData.database`) is required"))?
            .to_owned();
        let user = ds
            .user
            .as_deref()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| s.error("`user` is required"))?;
        options = options.database(&database).username(user);
        if let Some(password) = s.secret("password") {
            options = options.password(password);
        }
        let ssl_mode = s.json_str("sslmode")?.unwrap_or("prefer").to_owned();
        let mode = match ssl_mode.as_str() {
            "disable" => PgSslMode::Disable,
            "allow" => PgSslMode::Allow,
            "prefer" => PgSslMode::Prefer,
            "require" => PgSslMode::Require,
            "verify-ca" => PgSslMode::VerifyCa,
            "verify-full" => PgSslMode::VerifyFull,
            other => {
                return Err(s.error(format!(
                    "`jsonData.sslmode` must be disable, allow, prefer, require, verify-ca or \
                     verify-full, found {other:?}"
                )));
            }
        };
        options = options.ssl_mode(mode);
        if let Some(root) = s.json_str("sslRootCertFile")? {
            options = options.ssl_root_cert(root);
        }
        let max_connections = match ds.json_data.get("maxOpenConns").and_then(|v| v.as_u64()) {
            Some(0) | None => DEFAULT_MAX_CONNECTIONS,
            Some(n) => u32::try_from(n).unwrap_or(u32::MAX).min(100),
        };
        let duration = |key: &str, default: Duration| -> Result<Duration> {
            Ok(s.json_duration_ms(key)?
                .filter(|ms| *ms > 0)
                .map_or(default, |ms| Duration::from_millis(ms.unsigned_abs())))
        };
        Ok(PostgresConfig {
            address,
            database,
            options,
            ssl_mode,
            max_connections,
            connect_timeout: duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT)?,
            query_timeout: duration("queryTimeout", DEFAULT_QUERY_TIMEOUT)?,
            time_interval_ms: s.json_duration_ms("timeInterval")?.filter(|ms| *ms > 0),
        })
    }

    /// `host:port` (or the socket dir).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The database name.
    pub fn database(&self) -> &str {
        &self.database
    }
}

/// `host`, `host:port`, `[v6]:port`; the port defaults to 5432.
fn split_host_port(text: &str) -> Option<(&str, u16)> {
    if text.is_empty() {
        return None;
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => 5432,
            None => return None,
        };
        return Some((host, port));
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !host.contains(':') => {
            Some((host, port.parse().ok()?))
        }
        Some(_) => None,
        None => Some((text, 5432)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(split_host_port("db:5433"), Some(("db", 5433)));
        assert_eq!(split_host_port("db"), Some(("db", 5432)));
        assert_eq!(split_host_port("[::1]:6000"), Some(("::1", 6000)));
        assert_eq!(split_host_port("db:x"), None);
        assert_eq!(split_host_port(""), None);
    }
}
