//! [`MqttConfig`]: what a `type: mqtt` datasource's provisioning says.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pulsegrid_model::DatasourceConfig;
use serde_json::Value;

use crate::broker::tls::TlsSettings;
use crate::error::{Result, SourceError};
use crate::settings::Settings;

/// Which MQTT protocol version to speak (`jsonData.protocolVersion`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MqttProtocol {
    /// MQTT 3.1.1 (protocol level 4), the default.
    #[default]
    V311,
    /// MQTT 5.
    V5,
}

/// An MQTT datasource's settings.
///
/// Read from `url` (`mqtt://host:1883`, `tcp://`, `mqtts://host:8883`, `ssl://`, or
/// `host:port`), `user` (or `jsonData.username`) + `secureJsonData.password`,
/// `jsonData.protocolVersion` (`4`/`"3.1.1"` or `5`), `jsonData.qos` (0, 1 or 2),
/// `jsonData.tls`/`jsonData.tlsAuth` (TLS on a plain `mqtt://` url), the TLS fields of
/// [`TlsSettings`], `jsonData.clientId`, `jsonData.keepAlive` and `jsonData.maxPacketSize`.
/// `Debug` shows no secret.
#[derive(Clone)]
pub struct MqttConfig {
    /// Broker host name or address.
    pub host: String,
    /// Broker port (default 1883, or 8883 with TLS).
    pub port: u16,
    /// TLS settings when the connection is encrypted; `None` for plain TCP.
    pub tls: Option<TlsSettings>,
    /// User name for the CONNECT packet.
    pub username: Option<String>,
    /// Password for the CONNECT packet (`secureJsonData.password`).
    pub(crate) password: Option<String>,
    /// Protocol version.
    pub protocol: MqttProtocol,
    /// Client id: `jsonData.clientId` as given, else `pulsegrid-` and a random suffix.
    pub client_id: String,
    /// Quality of service for subscriptions whose target sets none (default 0).
    pub qos: u8,
    /// Keep-alive interval (default 30s).
    pub keep_alive: Duration,
    /// The largest packet accepted from the broker, in bytes (default 1 MiB).
    pub max_packet_size: usize,
}

impl fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("protocol", &self.protocol)
            .field("client_id", &self.client_id)
            .field("qos", &self.qos)
            .field("keep_alive", &self.keep_alive)
            .field("max_packet_size", &self.max_packet_size)
            .finish()
    }
}

/// Default keep-alive.
const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(30);
/// Default largest accepted packet.
const DEFAULT_MAX_PACKET_SIZE: usize = 1 << 20;

impl MqttConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let url = s.url("mqtt://localhost:1883")?;
        let (scheme, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
            None => (None, url),
        };
        let scheme_tls = match scheme.as_deref() {
            None | Some("mqtt" | "tcp") => false,
            Some("mqtts" | "ssl" | "tls") => true,
            Some(other) => {
                return Err(s.error(format!(
                    "`url` scheme must be mqtt://, tcp://, mqtts:// or ssl://, found {other}://"
                )));
            }
        };
        let json_tls = json_bool(s, "tls")? || json_bool(s, "tlsAuth")?;
        let tls_on = scheme_tls || json_tls;
        let authority = rest.split('/').next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)
            .ok_or_else(|| s.error(format!("`url`: expected host[:port], found {url:?}")))?;
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| s.error(format!("`url`: invalid port {p:?}")))?,
            None if tls_on => 8883,
            None => 1883,
        };
        let (url_user, url_password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pw)) => (Some(user.to_owned()), Some(pw.to_owned())),
                None => (Some(u.to_owned()), None),
            },
            None => (None, None),
        };
        let username = ds
            .user
            .clone()
            .filter(|u| !u.is_empty())
            .or(s.json_str("username")?.map(str::to_owned))
            .or(url_user);
        let password = s.secret("password").map(str::to_owned).or(url_password);
        if password.is_some() && username.is_none() {
            return Err(s.error("`secureJsonData.password` is set but `user` is not"));
        }
        let protocol = match ds.json_data.get("protocolVersion") {
            None | Some(Value::Null) => MqttProtocol::V311,
            Some(v) => match v.as_str().map(str::trim).unwrap_or(&v.to_string()) {
                "4" | "3.1.1" | "v4" | "311" | "" => MqttProtocol::V311,
                "5" | "5.0" | "v5" => MqttProtocol::V5,
                other => {
                    return Err(s.error(format!(
                        "`jsonData.protocolVersion` must be 4 (3.1.1) or 5, found {other}"
                    )));
                }
            },
        };
        let qos = match ds.json_data.get("qos") {
            None | Some(Value::Null) => 0,
            Some(v) => parse_qos(v)
                .ok_or_else(|| s.error(format!("`jsonData.qos` must be 0, 1 or 2, found {v}")))?,
        };
        let client_id = match s.json_str("clientId")? {
            Some(id) => id.to_owned(),
            None => random_client_id(),
        };
        let keep_alive = match s.json_duration_ms("keepAlive")? {
            Some(ms) if ms >= 1000 => Duration::from_millis(ms as u64),
            Some(ms) => {
                return Err(s.error(format!(
                    "`jsonData.keepAlive` must be at least 1s, found {ms}ms"
                )));
            }
            None => DEFAULT_KEEP_ALIVE,
        };
        let max_packet_size = match ds.json_data.get("maxPacketSize") {
            None | Some(Value::Null) => DEFAULT_MAX_PACKET_SIZE,
            Some(v) => v
                .as_u64()
                .filter(|n| (1024..=268_435_455).contains(n))
                .map(|n| n as usize)
                .ok_or_else(|| {
                    s.error(format!(
                        "`jsonData.maxPacketSize` must be bytes between 1024 and 268435455, found {v}"
                    ))
                })?,
        };
        let tls = if tls_on {
            Some(TlsSettings::from_settings(s)?)
        } else {
            None
        };
        Ok(MqttConfig {
            host: host.to_owned(),
            port,
            tls,
            username,
            password,
            protocol,
            client_id,
            qos,
            keep_alive,
            max_packet_size,
        })
    }
}

/// A QoS from a JSON number or string: 0, 1 or 2.
pub(crate) fn parse_qos(v: &Value) -> Option<u8> {
    let n = match v {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (n <= 2).then_some(n as u8)
}

fn json_bool(s: Settings<'_>, key: &str) -> Result<bool> {
    match s.ds.json_data.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(t)) if t.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(t)) if t.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(SourceError::Config {
            name: s.ds.name.clone(),
            message: format!("`jsonData.{key}` must be true or false, found {other}"),
        }),
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        return (!host.is_empty()).then_some((host, port));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    };
    (!host.is_empty() && !host.contains(':')).then_some((host, port))
}

/// `pulsegrid-` and 12 hex digits from the clock, the process id and a counter, so that two
/// processes (or two datasources) never take over each other's session.
fn random_client_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    format!("pulsegrid-{:012x}", h.finish() & 0xffff_ffff_ffff)
}
