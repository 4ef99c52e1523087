//! [`AmqpConfig`]: what a `type: amqp` datasource's provisioning says.

use std::fmt;

use pulsegrid_model::DatasourceConfig;
use reqwest::Url;

use crate::error::Result;
use crate::settings::Settings;

/// The AMQP port when the URL names none.
const DEFAULT_PORT: u16 = 5672;
/// The heartbeat when `jsonData.heartbeat` is unset: a dead broker is noticed within ~2x this.
const DEFAULT_HEARTBEAT_S: u16 = 10;
/// Unacknowledged deliveries per consumer when `jsonData.prefetch` is unset: what the broker may
/// have in flight to us, and so what a flood or a stalled panel can hold in memory.
pub(crate) const DEFAULT_PREFETCH: u16 = 1000;

/// A RabbitMQ datasource's settings.
///
/// Read from `url` (`amqp://host:port/vhost`, or `host:port`; default `amqp://localhost:5672`),
/// `user` + `secureJsonData.password` (`guest`/`guest` when unset, allowed only for a loopback
/// broker, as RabbitMQ itself does), `jsonData.vhost`, `jsonData.heartbeat` (seconds) and
/// `jsonData.prefetch` (unacknowledged deliveries per consumer, default 1000).
/// `Debug` shows no password.
#[derive(Clone)]
pub struct AmqpConfig {
    /// Broker host name or address.
    pub(crate) host: String,
    /// Broker port (5672 by default).
    pub(crate) port: u16,
    /// Virtual host: `jsonData.vhost`, else the URL's path (`%2f` is `/`), else `/`.
    pub(crate) vhost: String,
    /// User name (`user`, or the URL's user).
    pub(crate) user: String,
    /// Password (`secureJsonData.password`, or the URL's password). Never logged.
    pub(crate) password: String,
    /// AMQP heartbeat in seconds (`jsonData.heartbeat`, default 10; 0 turns it off).
    pub(crate) heartbeat_s: u16,
    /// Deliveries the broker may have unacknowledged per consumer (`jsonData.prefetch`, default
    /// 1000, 1..=65535): messages are acknowledged once every subscription of the consumer has
    /// taken them, so a slow panel holds the broker back instead of growing a queue here.
    pub(crate) prefetch: u16,
}

impl fmt::Debug for AmqpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmqpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("vhost", &self.vhost)
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .field("heartbeat_s", &self.heartbeat_s)
            .field("prefetch", &self.prefetch)
            .finish()
    }
}

impl AmqpConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let raw = ds
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or("amqp://localhost:5672");
        let with_scheme = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("amqp://{raw}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| s.error(format!("`url` {raw:?} is not an AMQP URL: {e}")))?;
        if url.scheme() != "amqp" {
            return Err(s.error(format!(
                "`url` must start with amqp:// (TLS is not supported), found {:?}",
                url.scheme()
            )));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| s.error(format!("`url` {raw:?} names no host")))?
            .trim_matches(|c| c == '[' || c == ']')
            .to_owned();
        let port = url.port().unwrap_or(DEFAULT_PORT);
        let path_vhost = url.path().strip_prefix('/').unwrap_or_default();
        let vhost = match s.json_str("vhost")? {
            Some(v) => v.to_owned(),
            None if path_vhost.is_empty() => "/".to_owned(),
            None => percent_decode(path_vhost),
        };
        let url_user = (!url.username().is_empty()).then(|| percent_decode(url.username()));
        let user = ds
            .user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .or(url_user);
        let password = s
            .secret("password")
            .map(str::to_owned)
            .or_else(|| url.password().map(percent_decode));
        let (user, password) = match (user, password) {
            (Some(u), p) => (u, p.unwrap_or_default()),
            (None, _) if is_loopback(&host) => ("guest".to_owned(), "guest".to_owned()),
            (None, _) => {
                return Err(s.error(format!(
                    "`user` is required for the non-loopback broker {host} \
                     (guest/guest is only accepted on loopback)"
                )));
            }
        };
        let heartbeat_s = match s.json_duration_ms("heartbeat")? {
            None => DEFAULT_HEARTBEAT_S,
            Some(ms) => u16::try_from(ms / 1000).map_err(|_| {
                s.error("`jsonData.heartbeat` must be at most 65535 seconds".to_owned())
            })?,
        };
        let prefetch = match ds.json_data.get("prefetch") {
            None | Some(serde_json::Value::Null) => DEFAULT_PREFETCH,
            Some(value) => value
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    s.error(format!(
                        "`jsonData.prefetch` must be a whole number from 1 to 65535, found {value}"
                    ))
                })?,
        };
        Ok(AmqpConfig {
            host,
            port,
            vhost,
            user,
            password,
            heartbeat_s,
            prefetch,
        })
    }

    /// `amqp://host:port/vhost`, without credentials, for messages.
    pub fn display_url(&self) -> String {
        let vhost = if self.vhost == "/" {
            String::new()
        } else {
            self.vhost.clone()
        };
        format!("amqp://{}:{}/{vhost}", self.host, self.port)
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Decodes `%XX` escapes (URL user, password and vhost).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
