//! [`NatsConfig`]: what a `type: nats` datasource's provisioning says, and [`NatsFeed`]: what
//! a panel target subscribes to.

use std::fmt;

use async_nats::ServerAddr;
use pulsegrid_model::{DatasourceConfig, parse_time};
use serde_json::Value;

use crate::decode::{TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::settings::{Settings, Target};

/// Connect timeout when `jsonData.connectTimeout` is unset.
const DEFAULT_CONNECT_TIMEOUT_MS: i64 = 5_000;

/// A NATS datasource's settings.
///
/// Read from `url` (one or more comma-separated `nats://host:4222`, `tls://host:4222` or
/// `host:port`), `user` (or `jsonData.user`) with `secureJsonData.password`,
/// `secureJsonData.token`, `jsonData.tls`, `jsonData.connectTimeout` and
/// `jsonData.connectionName`. `Debug` shows no secret.
#[derive(Clone)]
pub struct NatsConfig {
    /// The servers to connect to (the client fails over between them).
    pub(crate) servers: Vec<ServerAddr>,
    /// User name for user/password authentication.
    pub(crate) user: Option<String>,
    /// Password for user/password authentication (`secureJsonData.password`).
    pub(crate) password: Option<String>,
    /// Token authentication (`secureJsonData.token`).
    pub(crate) token: Option<String>,
    /// Whether TLS is required (`jsonData.tls: true` or a `tls://` URL).
    pub(crate) require_tls: bool,
    /// How long one connection attempt may take (`jsonData.connectTimeout`, default 5s).
    pub(crate) connect_timeout_ms: i64,
    /// The client name the server shows in its monitoring (`jsonData.connectionName`,
    /// default `pulsegrid`).
    pub(crate) connection_name: String,
}

impl fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self
            .servers
            .iter()
            .map(|s| format!("{}:{}", s.host(), s.port()))
            .collect();
        f.debug_struct("NatsConfig")
            .field("servers", &servers)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("require_tls", &self.require_tls)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("connection_name", &self.connection_name)
            .finish()
    }
}

impl NatsConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let url = s.url("nats://localhost:4222")?;
        let mut servers = Vec::new();
        let mut require_tls = matches!(ds.json_data.get("tls"), Some(Value::Bool(true)));
        for part in url.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let addr: ServerAddr = part.parse().map_err(|e| {
                s.error(format!(
                    "`url`: {part:?} is not a NATS server address ({e}); expected nats://host:4222"
                ))
            })?;
            if addr.has_user_pass() {
                return Err(s.error(
                    "`url` must not carry credentials; use `user` and `secureJsonData.password`",
                ));
            }
            require_tls |= addr.tls_required();
            servers.push(addr);
        }
        if servers.is_empty() {
            return Err(s.error("`url` is required (e.g. nats://localhost:4222)"));
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
        let token = s.secret("token").map(str::to_owned);
        let connect_timeout_ms = s
            .json_duration_ms("connectTimeout")?
            .filter(|ms| *ms > 0)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS);
        let connection_name = s
            .json_str("connectionName")?
            .unwrap_or("pulsegrid")
            .to_owned();
        Ok(NatsConfig {
            servers,
            user,
            password,
            token,
            require_tls,
            connect_timeout_ms,
            connection_name,
        })
    }
}

/// Where a JetStream consumer starts (`deliverPolicy`, with `startTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliverFrom {
    /// Only messages stored after the consumer starts (`new`, the default).
    New,
    /// Every message the stream holds (`all`).
    All,
    /// The last message, then new ones (`last`).
    Last,
    /// Messages stored at or after this unix ms (`startTime`, or `deliverPolicy: byStartTime`).
    StartTime(i64),
}

/// What a panel target subscribes to: one upstream subscription per distinct feed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NatsFeed {
    /// A core NATS subscription on a subject filter (`plant.*.speed`).
    Core {
        /// The subject filter, label names removed.
        subject: String,
    },
    /// A JetStream consumer on a stream.
    JetStream {
        /// The stream's name.
        stream: String,
        /// Only this subject filter within the stream (all subjects when absent).
        filter: Option<String>,
        /// A durable consumer's name (an ordered ephemeral consumer when absent).
        durable: Option<String>,
        /// Where delivery starts.
        deliver: DeliverFrom,
    },
}

/// A parsed NATS panel target.
#[derive(Clone, Debug)]
pub(crate) struct NatsTarget {
    /// The upstream feed.
    pub(crate) feed: NatsFeed,
    /// The subject pattern whose named wildcards become labels.
    pub(crate) pattern: TopicPattern,
    /// The default series name: the subject (or stream) as written.
    pub(crate) name: String,
}

impl NatsTarget {
    /// Reads `subject`, `stream`, `durable`, `deliverPolicy` and `startTime` of a target.
    pub(crate) fn parse(target: &Value, now_ms: i64) -> Result<Self> {
        let t = Target(target);
        let text = |key: &str| -> Result<Option<&str>> {
            Ok(t.str(key)?.map(str::trim).filter(|s| !s.is_empty()))
        };
        let subject = text("subject")?;
        let stream = text("stream")?;
        let pattern = TopicPattern::parse(subject.unwrap_or(">"), WildcardStyle::Nats)
            .map_err(|e| SourceError::InvalidQuery(format!("subject: {e}")))?;
        if let Some(subject) = subject
            && (pattern.filter().split('.').any(str::is_empty)
                || subject.contains(char::is_whitespace))
        {
            return Err(SourceError::InvalidQuery(format!(
                "subject {subject:?}: expected dot-separated tokens such as plant.*line.speed"
            )));
        }
        let Some(stream) = stream else {
            let Some(subject) = subject else {
                return Err(SourceError::InvalidQuery(
                    "NATS target needs a `subject` (e.g. plant.*line.speed) or a JetStream `stream`"
                        .into(),
                ));
            };
            for key in ["durable", "deliverPolicy", "startTime"] {
                if text(key)?.is_some() {
                    return Err(SourceError::InvalidQuery(format!(
                        "`{key}` needs a JetStream `stream`"
                    )));
                }
            }
            return Ok(NatsTarget {
                feed: NatsFeed::Core {
                    subject: pattern.filter().to_owned(),
                },
                name: subject.to_owned(),
                pattern,
            });
        };
        if stream.contains(['.', '*', '>', ' ']) {
            return Err(SourceError::InvalidQuery(format!(
                "stream {stream:?}: a JetStream stream name has no `.`, `*`, `>` or spaces"
            )));
        }
        let durable = text("durable")?;
        if let Some(d) = durable
            && d.contains(['.', '*', '>', ' '])
        {
            return Err(SourceError::InvalidQuery(format!(
                "durable {d:?}: a consumer name has no `.`, `*`, `>` or spaces"
            )));
        }
        let start = text("startTime")?
            .map(|s| {
                parse_time(s, now_ms)
                    .map_err(|e| SourceError::InvalidQuery(format!("startTime: {e}")))
            })
            .transpose()?;
        let deliver = match (text("deliverPolicy")?, start) {
            (None | Some("byStartTime" | "by_start_time"), Some(ms)) => DeliverFrom::StartTime(ms),
            (None | Some("new"), None) => DeliverFrom::New,
            (Some("all"), None) => DeliverFrom::All,
            (Some("last"), None) => DeliverFrom::Last,
            (Some("byStartTime" | "by_start_time"), None) => {
                return Err(SourceError::InvalidQuery(
                    "deliverPolicy byStartTime needs `startTime`".into(),
                ));
            }
            (Some(p @ ("new" | "all" | "last")), Some(_)) => {
                return Err(SourceError::InvalidQuery(format!(
                    "deliverPolicy {p:?} and startTime exclude each other"
                )));
            }
            (Some(other), _) => {
                return Err(SourceError::InvalidQuery(format!(
                    "deliverPolicy: expected new, all, last or byStartTime, found {other:?}"
                )));
            }
        };
        Ok(NatsTarget {
            feed: NatsFeed::JetStream {
                stream: stream.to_owned(),
                filter: subject.map(|_| pattern.filter().to_owned()),
                durable: durable.map(str::to_owned),
                deliver,
            },
            name: subject.unwrap_or(stream).to_owned(),
            pattern,
        })
    }
}
