//! Service configuration: defaults, then an optional TOML file, then `PULSEGRID_*` environment
//! variables (highest precedence). The struct is the documentation: every field's `///` line is
//! what the README's configuration table says, and a test keeps the two in step.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::auth::Role;

/// Prefix of every environment variable that overrides a configuration key.
pub const ENV_PREFIX: &str = "PULSEGRID_";

/// Everything `pulsegrid serve` can be told.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server listens on (`host:port`; port 0 picks a free one).
    pub http_addr: SocketAddr,
    /// Directory for the embedded database and other state.
    pub data_dir: PathBuf,
    /// Directory of provisioned dashboards (`*.json`, subfolders become folders).
    pub dashboards_dir: PathBuf,
    /// Directory of provisioned alert rules (`*.yml`) and `alertmanager.yml`.
    pub rules_dir: PathBuf,
    /// Database URL: empty for SQLite in the data dir, or `sqlite://PATH` or `postgres://...`.
    #[serde(deserialize_with = "lenient::string")]
    pub database_url: String,
    /// Grafana datasource provisioning YAML: a file or a directory of `*.yaml`/`*.yml` files.
    pub datasources: Option<PathBuf>,
    /// Password of the first admin user, used when the database has no user yet.
    #[serde(deserialize_with = "lenient::optional_string")]
    pub admin_password: Option<String>,
    /// What a request without credentials may do: none, viewer, editor or admin.
    pub anonymous_role: Role,
    /// How long a login session lasts, in hours.
    pub session_hours: u64,
    /// Failed logins allowed per client address and per login within 5 minutes.
    pub login_max_failures: u32,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Ingested points kept in memory per series (ring buffer length).
    pub ingest_max_points: usize,
    /// How long ingested points are kept (e.g. `1h`, `30m`); older ones are dropped.
    pub ingest_max_age: String,
    /// Ingested series kept at most; writes of new series beyond it are refused.
    pub ingest_max_series: usize,
    /// Bytes of writes queued for the write-ahead log before new writes get 503 + Retry-After.
    pub ingest_max_pending_bytes: usize,
    /// How often the service records its own metrics into the `pulsegrid` source (e.g. `5s`).
    pub own_metrics_interval: String,
    /// Log filter, in `tracing`'s `RUST_LOG` syntax (e.g. `info`, `pulsegrid=debug`).
    #[serde(deserialize_with = "lenient::string")]
    pub log: String,
    /// The URL users reach Pulsegrid at, for links in notifications (`externalURL`, an
    /// alert's `generatorURL`); empty means `http://` + `http_addr`.
    #[serde(deserialize_with = "lenient::string")]
    pub external_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("./data"),
            dashboards_dir: PathBuf::from("./dashboards"),
            rules_dir: PathBuf::from("./alert-rules"),
            database_url: String::new(),
            datasources: None,
            admin_password: None,
            anonymous_role: Role::Viewer,
            session_hours: 24 * 30,
            login_max_failures: 5,
            max_body_bytes: 16 * 1024 * 1024,
            ingest_max_points: 10_000,
            ingest_max_age: "1h".to_owned(),
            ingest_max_series: 100_000,
            ingest_max_pending_bytes: 64 * 1024 * 1024,
            own_metrics_interval: "5s".to_owned(),
            log: "info".to_owned(),
            external_url: String::new(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("http_addr", &self.http_addr)
            .field("data_dir", &self.data_dir)
            .field("dashboards_dir", &self.dashboards_dir)
            .field("rules_dir", &self.rules_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("datasources", &self.datasources)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<redacted>"),
            )
            .field("anonymous_role", &self.anonymous_role)
            .field("session_hours", &self.session_hours)
            .field("login_max_failures", &self.login_max_failures)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("ingest_max_points", &self.ingest_max_points)
            .field("ingest_max_age", &self.ingest_max_age)
            .field("ingest_max_series", &self.ingest_max_series)
            .field("ingest_max_pending_bytes", &self.ingest_max_pending_bytes)
            .field("own_metrics_interval", &self.own_metrics_interval)
            .field("log", &self.log)
            .field("external_url", &self.external_url)
            .finish()
    }
}

impl Config {
    /// Loads defaults, then `file` (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::from_figment(Self::figment(file))
    }

    /// Loads from a figment; split out so tests can feed their own environment.
    pub fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        figment
            .extract()
            .map_err(|e| ConfigError(e.to_string().replace('\n', "; ")))
    }

    /// The provider chain: defaults < TOML file < `PULSEGRID_*` env.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        // PULSEGRID_CONFIG names the file itself (read by the CLI), not a key in it.
        figment.merge(Env::prefixed(ENV_PREFIX).ignore(&["config"]))
    }

    /// A duration key's value in milliseconds; the error names the key.
    pub fn duration_ms(key: &str, text: &str) -> Result<i64, ConfigError> {
        pulsegrid_model::parse_duration_ms(text)
            .ok()
            .filter(|ms| *ms > 0)
            .ok_or_else(|| {
                ConfigError(format!(
                    "{key} = {text:?}: expected a positive duration such as 500ms, 5s, 1h"
                ))
            })
    }

    /// The base URL for links in notifications.
    pub fn effective_external_url(&self) -> String {
        if self.external_url.is_empty() {
            format!("http://{}", self.http_addr)
        } else {
            self.external_url.trim_end_matches('/').to_owned()
        }
    }

    /// The database URL, `None` for SQLite in the data dir.
    pub fn effective_database_url(&self) -> Option<&str> {
        (!self.database_url.is_empty()).then_some(self.database_url.as_str())
    }
}

/// A configuration that could not be loaded; the message names the key and the source.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

/// Hides the password part of a URL (`postgres://user:secret@host` -> `postgres://user:***@host`).
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

/// Environment values are parsed as TOML-like scalars, so `PULSEGRID_ADMIN_PASSWORD=123456`
/// arrives as a number: text keys take any scalar as its text.
mod lenient {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Uint(u64),
        Float(f64),
        Bool(bool),
    }

    impl Scalar {
        fn into_text(self) -> String {
            match self {
                Scalar::Text(s) => s,
                Scalar::Int(n) => n.to_string(),
                Scalar::Uint(n) => n.to_string(),
                Scalar::Float(n) => n.to_string(),
                Scalar::Bool(b) => b.to_string(),
            }
        }
    }

    pub(super) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Scalar::deserialize(d).map(Scalar::into_text)
    }

    pub(super) fn optional_string<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<String>, D::Error> {
        Option::<Scalar>::deserialize(d).map(|o| o.map(Scalar::into_text))
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return its large error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn default_config_round_trips_through_toml() {
        let text = toml::to_string(&Config::default()).expect("serialize");
        let back: Config = toml::from_str(&text).expect("parse");
        assert_eq!(
            serde_json::to_value(back).unwrap(),
            serde_json::to_value(Config::default()).unwrap()
        );
    }

    #[test]
    fn env_overrides_file() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "pulsegrid.toml",
                "http_addr = \"127.0.0.1:4000\"\nlog = \"debug\"\n",
            )?;
            jail.set_env("PULSEGRID_HTTP_ADDR", "127.0.0.1:5000");
            jail.set_env("PULSEGRID_ANONYMOUS_ROLE", "none");
            let config = Config::load(Some(Path::new("pulsegrid.toml"))).expect("load");
            assert_eq!(config.http_addr.port(), 5000);
            assert_eq!(config.log, "debug");
            assert_eq!(config.anonymous_role, Role::None);
            Ok(())
        });
    }

    #[test]
    fn numeric_env_values_are_text_for_text_keys() {
        Jail::expect_with(|jail| {
            jail.set_env("PULSEGRID_ADMIN_PASSWORD", "123456");
            jail.set_env("PULSEGRID_CONFIG", "ignored.toml");
            let config = Config::load(None).expect("load");
            assert_eq!(config.admin_password.as_deref(), Some("123456"));
            Ok(())
        });
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "http_adr = \"127.0.0.1:4000\"\n")?;
            let err = Config::load(Some(Path::new("bad.toml"))).unwrap_err();
            assert!(err.to_string().contains("http_adr"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn debug_hides_secrets() {
        let config = Config {
            admin_password: Some("hunter2".into()),
            database_url: "postgres://pg:s3cret@db/pulsegrid".into(),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn readme_documents_every_key() {
        let readme = include_str!("../../../README.md");
        let keys = serde_json::to_value(Config::default()).unwrap();
        for key in keys.as_object().unwrap().keys() {
            let env = format!("`{ENV_PREFIX}{}`", key.to_uppercase());
            assert!(readme.contains(&env), "README lacks {env}");
        }
    }
}
