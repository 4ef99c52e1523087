//! [`RedisConfig`]: what a `type: redis` datasource's provisioning says, and [`RedisFeed`]:
//! what a panel target reads.

use std::fmt;

use pulsegrid_model::{DatasourceConfig, parse_time};
use serde_json::{Map, Value};

use crate::error::{Result, SourceError};
use crate::settings::{Settings, Target};

/// Connect timeout when `jsonData.connectTimeout` is unset.
const DEFAULT_CONNECT_TIMEOUT_MS: i64 = 5_000;

/// A Redis datasource's settings.
///
/// Read from `url` (`redis://host:6379/0` or `host:port`), `user` (or `jsonData.user`, for
/// Redis 6 ACL users) with `secureJsonData.password`, `jsonData.db` and
/// `jsonData.connectTimeout`. `Debug` shows no secret.
#[derive(Clone)]
pub struct RedisConfig {
    /// Host name or address.
    pub(crate) host: String,
    /// TCP port (default 6379).
    pub(crate) port: u16,
    /// Database number (`jsonData.db`, or the URL path; default 0).
    pub(crate) db: i64,
    /// ACL user name (Redis 6+); with no user, the password is the `requirepass` one.
    pub(crate) user: Option<String>,
    /// Password (`secureJsonData.password`).
    pub(crate) password: Option<String>,
    /// How long one connection attempt may take (`jsonData.connectTimeout`, default 5s).
    pub(crate) connect_timeout_ms: i64,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("db", &self.db)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .finish()
    }
}

impl RedisConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let url = s.url("redis://localhost:6379")?;
        let bad = |why: &str| {
            s.error(format!(
                "`url`: {url:?} {why}; expected redis://host:6379/0"
            ))
        };
        if url.starts_with("rediss://") {
            return Err(s.error("`url`: TLS (rediss://) is not supported; use redis://"));
        }
        let rest = url.strip_prefix("redis://").unwrap_or(url);
        if rest.contains("://") {
            return Err(bad("has an unknown scheme"));
        }
        if rest.contains('@') {
            return Err(s.error(
                "`url` must not carry credentials; use `user` and `secureJsonData.password`",
            ));
        }
        let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h, p.parse::<u16>().map_err(|_| bad("has an invalid port"))?)
            }
            _ => (hostport, 6379),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let mut db = if path.is_empty() {
            0
        } else {
            path.parse::<i64>()
                .map_err(|_| bad("has an invalid database number"))?
        };
        match ds.json_data.get("db") {
            None | Some(Value::Null) => {}
            Some(v) => {
                db = v
                    .as_i64()
                    .or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()))
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| {
                        s.error(format!(
                            "`jsonData.db` must be a database number, found {v}"
                        ))
                    })?;
            }
        }
        let user = ds
            .user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .or(s.json_str("user")?)
            .map(str::to_owned);
        let password = s.secret("password").map(str::to_owned);
        let connect_timeout_ms = s
            .json_duration_ms("connectTimeout")?
            .filter(|ms| *ms > 0)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS);
        Ok(RedisConfig {
            host: host.to_owned(),
            port,
            db,
            user,
            password,
            connect_timeout_ms,
        })
    }

    /// The connection URL for the client, credentials percent-encoded (never logged).
    pub(crate) fn client_url(&self) -> String {
        let auth = match (&self.user, &self.password) {
            (Some(u), Some(p)) => format!("{}:{}@", encode(u), encode(p)),
            (None, Some(p)) => format!(":{}@", encode(p)),
            (Some(u), None) => format!("{}@", encode(u)),
            (None, None) => String::new(),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("redis://{auth}{host}:{}/{}", self.port, self.db)
    }

    /// `host:port`, for messages.
    pub(crate) fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a panel target reads: one upstream subscription per distinct feed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RedisFeed {
    /// A pub/sub channel (SUBSCRIBE) or channel pattern (PSUBSCRIBE).
    Channel {
        /// The channel name or glob-style pattern.
        name: String,
        /// Whether `name` is a pattern.
        pattern: bool,
    },
    /// A stream read with XREAD from now, or from a start time.
    Stream {
        /// The stream's key.
        key: String,
        /// Entries after this unix ms (`startTime`); only new entries when `None`.
        start_ms: Option<i64>,
    },
}

/// A parsed Redis panel target.
#[derive(Clone, Debug)]
pub(crate) struct RedisTarget {
    /// The upstream feed.
    pub(crate) feed: RedisFeed,
    /// The label that carries the channel (or stream) name (`labelFromChannel`).
    pub(crate) channel_label: Option<String>,
    /// The target as the payload decoder reads it: for streams, `field` defaults to `value`
    /// and a `labels` list of entry fields becomes a map.
    pub(crate) decoding: Value,
    /// The default series name: the channel or stream.
    pub(crate) name: String,
}

impl RedisTarget {
    /// Reads `channel` or `stream`, `startTime` and `labelFromChannel` of a target.
    pub(crate) fn parse(target: &Value, now_ms: i64) -> Result<Self> {
        let t = Target(target);
        let text = |key: &str| -> Result<Option<&str>> {
            Ok(t.str(key)?.filter(|s| !s.trim().is_empty()))
        };
        let channel_label = text("labelFromChannel")?.map(|s| s.trim().to_owned());
        let mut decoding = target.clone();
        match (text("channel")?, text("stream")?) {
            (Some(_), Some(_)) => Err(SourceError::InvalidQuery(
                "a Redis target has a `channel` or a `stream`, not both".into(),
            )),
            (None, None) => Err(SourceError::InvalidQuery(
                "Redis target needs a pub/sub `channel` (e.g. plant:line1:speed or plant:*) or a `stream`"
                    .into(),
            )),
            (Some(channel), None) => {
                if text("startTime")?.is_some() {
                    return Err(SourceError::InvalidQuery(
                        "`startTime` needs a `stream`; pub/sub channels have no history".into(),
                    ));
                }
                Ok(RedisTarget {
                    feed: RedisFeed::Channel {
                        name: channel.to_owned(),
                        pattern: channel.contains(['*', '?', '[']),
                    },
                    channel_label,
                    decoding,
                    name: channel.to_owned(),
                })
            }
            (None, Some(stream)) => {
                let start_ms = text("startTime")?
                    .map(|s| {
                        parse_time(s, now_ms)
                            .map_err(|e| SourceError::InvalidQuery(format!("startTime: {e}")))
                    })
                    .transpose()?;
                if let Some(object) = decoding.as_object_mut() {
                    stream_decoding(object)?;
                }
                Ok(RedisTarget {
                    feed: RedisFeed::Stream {
                        key: stream.to_owned(),
                        start_ms,
                    },
                    channel_label,
                    decoding,
                    name: stream.to_owned(),
                })
            }
        }
    }
}

/// A stream entry is decoded as a JSON object of its fields: `field` defaults to `value`, and
/// `labels: ["site", "line"]` (entry fields) means `labels: {"site": "site", "line": "line"}`.
fn stream_decoding(target: &mut Map<String, Value>) -> Result<()> {
    if target
        .get("field")
        .and_then(Value::as_str)
        .is_none_or(|f| f.trim().is_empty())
    {
        target.insert("field".into(), Value::String("value".into()));
    }
    if let Some(Value::Array(names)) = target.get("labels") {
        let mut map = Map::new();
        for name in names {
            let name = name.as_str().ok_or_else(|| {
                SourceError::InvalidQuery(format!(
                    "labels: expected entry field names, found {name}"
                ))
            })?;
            map.insert(name.to_owned(), Value::String(name.to_owned()));
        }
        target.insert("labels".into(), Value::Object(map));
    }
    target
        .entry("format")
        .or_insert_with(|| Value::String("json".into()));
    Ok(())
}
