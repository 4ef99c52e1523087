//! [`KafkaConfig`]: what a `type: kafka` datasource's provisioning says, and [`KafkaTarget`]:
//! what a panel target reads.

use std::fmt;

use pulsegrid_model::{DatasourceConfig, parse_time};
use serde_json::Value;

use crate::broker::tls::TlsSettings;
use crate::error::{Result, SourceError};
use crate::settings::{Settings, Target};

/// How long one request may keep retrying (including reconnects) before the connector calls
/// the broker down, when `jsonData.requestTimeout` is unset.
const DEFAULT_REQUEST_TIMEOUT_MS: i64 = 3_000;

/// The SASL mechanism used with `user` and `secureJsonData.password`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaslMechanism {
    /// `PLAIN` (the default): the password is sent as is, so use it with TLS.
    Plain,
    /// `SCRAM-SHA-256`.
    ScramSha256,
    /// `SCRAM-SHA-512`.
    ScramSha512,
}

/// A Kafka datasource's settings.
///
/// Read from `url` or `jsonData.bootstrapServers` (comma-separated `host:port`, optionally
/// with a `kafka://`, `tcp://`, `ssl://` or `kafka+ssl://` scheme), `user` (or `jsonData.user`)
/// with `secureJsonData.password` and `jsonData.saslMechanism`, `jsonData.tls` with Grafana's
/// TLS fields, `jsonData.clientId` and `jsonData.requestTimeout`. `Debug` shows no secret.
#[derive(Clone)]
pub struct KafkaConfig {
    /// The bootstrap brokers, `host:port` each.
    pub(crate) bootstrap: Vec<String>,
    /// User name for SASL authentication (none: no SASL).
    pub(crate) user: Option<String>,
    /// Password for SASL authentication (`secureJsonData.password`).
    pub(crate) password: Option<String>,
    /// The SASL mechanism (`jsonData.saslMechanism`: `PLAIN`, `SCRAM-SHA-256` or
    /// `SCRAM-SHA-512`; default `PLAIN`).
    pub(crate) sasl_mechanism: SaslMechanism,
    /// TLS settings when TLS is on (`jsonData.tls: true` or an `ssl://` URL).
    pub(crate) tls: Option<TlsSettings>,
    /// The client id the broker logs (`jsonData.clientId`, default `pulsegrid`).
    pub(crate) client_id: String,
    /// How long a request may retry before the broker counts as down
    /// (`jsonData.requestTimeout`, default 3s).
    pub(crate) request_timeout_ms: i64,
}

impl fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaConfig")
            .field("bootstrap", &self.bootstrap)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("sasl_mechanism", &self.sasl_mechanism)
            .field("tls", &self.tls)
            .field("client_id", &self.client_id)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .finish()
    }
}

impl KafkaConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let (field, list) = match s.json_str("bootstrapServers")? {
            Some(list) => ("jsonData.bootstrapServers", list),
            None => ("url", s.url("localhost:9092")?),
        };
        let mut bootstrap = Vec::new();
        let mut tls_url = false;
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (scheme, address) = match part.split_once("://") {
                Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
                None => (None, part),
            };
            match scheme.as_deref() {
                None | Some("kafka" | "tcp" | "plaintext") => {}
                Some("ssl" | "kafka+ssl" | "tls") => tls_url = true,
                Some(other) => {
                    return Err(s.error(format!(
                        "`{field}`: unknown scheme {other:?} in {part:?}; expected host:port, \
                         kafka://host:port or ssl://host:port"
                    )));
                }
            }
            let address = address.trim_end_matches('/');
            if address.contains('@') {
                return Err(s.error(format!(
                    "`{field}` must not carry credentials; use `user` and `secureJsonData.password`"
                )));
            }
            let valid = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(s.error(format!(
                    "`{field}`: {part:?} is not a broker address; expected host:port (e.g. localhost:9092)"
                )));
            }
            bootstrap.push(address.to_owned());
        }
        if bootstrap.is_empty() {
            return Err(s.error(format!(
                "`{field}` names no broker; expected host:port (e.g. localhost:9092)"
            )));
        }
        let user = ds
            .user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .or(s.json_str("user")?)
            .map(str::to_owned);
        let password = s.secret("password").map(str::to_owned);
        if password.is_some() && user.is_none() {
            return Err(s.error("`secureJsonData.password` is set but `user` is not"));
        }
        let sasl_mechanism = match s.json_str("saslMechanism")? {
            None => SaslMechanism::Plain,
            Some(m) => match m.to_ascii_uppercase().as_str() {
                "PLAIN" => SaslMechanism::Plain,
                "SCRAM-SHA-256" => SaslMechanism::ScramSha256,
                "SCRAM-SHA-512" => SaslMechanism::ScramSha512,
                _ => {
                    return Err(s.error(format!(
                        "`jsonData.saslMechanism`: expected PLAIN, SCRAM-SHA-256 or \
                         SCRAM-SHA-512, found {m:?}"
                    )));
                }
            },
        };
        let tls_on = match ds.json_data.get("tls") {
            None | Some(Value::Null) => tls_url,
            Some(Value::Bool(b)) => *b || tls_url,
            Some(other) => {
                return Err(s.error(format!(
                    "`jsonData.tls` must be true or false, found {other}"
                )));
            }
        };
        let tls = tls_on.then(|| TlsSettings::from_settings(s)).transpose()?;
        let client_id = s.json_str("clientId")?.unwrap_or("pulsegrid").to_owned();
        let request_timeout_ms = s
            .json_duration_ms("requestTimeout")?
            .filter(|ms| *ms > 0)
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS);
        Ok(KafkaConfig {
            bootstrap,
            user,
            password,
            sasl_mechanism,
            tls,
            client_id,
            request_timeout_ms,
        })
    }

    /// The bootstrap brokers, `host:port` each.
    pub fn bootstrap(&self) -> &[String] {
        &self.bootstrap
    }

    /// Whether connections use TLS.
    pub fn tls(&self) -> bool {
        self.tls.is_some()
    }
}

/// Where reading a topic starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StartFrom {
    /// Records produced after the subscription starts (the default).
    Latest,
    /// Records whose timestamp is at or after this unix ms (`startTime`), then new ones.
    Time(i64),
}

/// A parsed Kafka panel target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaTarget {
    /// The topics read (all partitions of each).
    pub topics: Vec<String>,
    /// Where reading starts.
    pub start: StartFrom,
    /// The label that carries each record's key (`labelFromKey`), if any.
    pub key_label: Option<String>,
    /// The default series name: the topics as written.
    pub name: String,
}

impl KafkaTarget {
    /// Reads `topic` (a name, a comma-separated list, or a JSON list, also as a string),
    /// `startTime` (`now-5m`, RFC 3339 or unix ms) and `labelFromKey`.
    pub fn parse(target: &Value, now_ms: i64) -> Result<Self> {
        let t = Target(target);
        let names: Vec<String> = match target.get("topic") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        SourceError::InvalidQuery(format!(
                            "target field `topic`: expected a list of topic names, found {v}"
                        ))
                    })
                })
                .collect::<Result<_>>()?,
            Some(Value::String(text)) if text.trim_start().starts_with('[') => {
                serde_json::from_str::<Vec<String>>(text).map_err(|e| {
                    SourceError::InvalidQuery(format!(
                        "target field `topic`: {text:?} is not a JSON list of names: {e}"
                    ))
                })?
            }
            Some(Value::String(text)) => text.split(',').map(str::to_owned).collect(),
            Some(other) => {
                return Err(SourceError::InvalidQuery(format!(
                    "target field `topic` must be a topic name or a list of them, found {other}"
                )));
            }
        };
        let mut topics: Vec<String> = Vec::new();
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let valid = name.len() <= 249
                && name != "."
                && name != ".."
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !valid {
                return Err(SourceError::InvalidQuery(format!(
                    "topic {name:?}: a Kafka topic name has only letters, digits, `.`, `_` \
                     and `-` (at most 249)"
                )));
            }
            if !topics.iter().any(|t| t == name) {
                topics.push(name.to_owned());
            }
        }
        if topics.is_empty() {
            return Err(SourceError::InvalidQuery(
                "target field `topic` is required (a topic name, \"a,b\" or [\"a\", \"b\"])".into(),
            ));
        }
        let start = match t.str("startTime")?.map(str::trim).filter(|s| !s.is_empty()) {
            None => StartFrom::Latest,
            Some(text) => StartFrom::Time(
                parse_time(text, now_ms)
                    .map_err(|e| SourceError::InvalidQuery(format!("startTime: {e}")))?,
            ),
        };
        let key_label = t
            .str("labelFromKey")?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if let Some(label) = &key_label
            && (label.starts_with(|c: char| c.is_ascii_digit())
                || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(SourceError::InvalidQuery(format!(
                "labelFromKey {label:?}: expected a label name (letters, digits and `_`)"
            )));
        }
        Ok(KafkaTarget {
            name: topics.join(","),
            topics,
            start,
            key_label,
        })
    }
}
