//! [`WebSocketConfig`]: what a `type: websocket` datasource's provisioning says, and
//! [`FeedTarget`]: which feed a panel target reads.

use std::fmt;

use pulsegrid_model::DatasourceConfig;
use serde_json::Value;

use crate::broker::tls::TlsSettings;
use crate::error::{Result, SourceError};
use crate::settings::{Settings, Target};

/// An upstream WebSocket feed datasource's settings.
///
/// Read from `url` (`ws://host:port/path` or `wss://...`), `jsonData.subscribeMessage` (text
/// sent after each connect), `jsonData.httpHeaderName1` + `secureJsonData.httpHeaderValue1`
/// (and further numbers; handshake headers such as `Authorization`), and the TLS fields of
/// [`TlsSettings`] for `wss://`. `Debug` shows no secret.
#[derive(Clone)]
pub struct WebSocketConfig {
    /// The feed URL; a target's `path` is appended to it.
    pub url: String,
    /// Text sent after connecting, for feeds that need to be asked (targets may override).
    pub subscribe_message: Option<String>,
    /// Extra handshake headers (name, value); values are secrets.
    pub(crate) headers: Vec<(String, String)>,
    /// TLS settings for `wss://` URLs.
    pub tls: TlsSettings,
}

impl fmt::Debug for WebSocketConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("WebSocketConfig")
            .field("url", &self.url)
            .field("subscribe_message", &self.subscribe_message)
            .field("headers", &header_names)
            .field("tls", &self.tls)
            .finish()
    }
}

impl WebSocketConfig {
    /// Reads the settings of `ds`; errors name the field.
    pub fn from_datasource(ds: &DatasourceConfig) -> Result<Self> {
        let s = Settings::new(ds);
        let url = s.url("ws://localhost:8080/feed")?;
        if !is_ws_url(url) {
            return Err(s.error(format!(
                "`url` must start with ws:// or wss://, found {url:?}"
            )));
        }
        let subscribe_message = match ds.json_data.get("subscribeMessage") {
            None | Some(Value::Null) => None,
            Some(v) => message_text(v).ok_or_else(|| {
                s.error("`jsonData.subscribeMessage` must be text or a JSON object".to_owned())
            })?,
        };
        let mut headers = Vec::new();
        for i in 1.. {
            let Some(name) = s.json_str(&format!("httpHeaderName{i}"))? else {
                break;
            };
            let value = s.secret(&format!("httpHeaderValue{i}")).unwrap_or_default();
            headers.push((name.to_owned(), value.to_owned()));
        }
        Ok(WebSocketConfig {
            url: url.to_owned(),
            subscribe_message,
            headers,
            tls: TlsSettings::from_settings(s)?,
        })
    }
}

fn is_ws_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("ws://") || lower.starts_with("wss://")
}

/// Text to send: a string as is, an object or array as its JSON; empty text is none.
fn message_text(v: &Value) -> Option<Option<String>> {
    match v {
        Value::String(s) if s.trim().is_empty() => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        Value::Object(_) | Value::Array(_) => Some(Some(v.to_string())),
        _ => None,
    }
}

/// Which feed a panel target reads: the URL and the subscribe message. Targets with the same
/// feed share one upstream connection, whatever their decoding fields.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeedTarget {
    /// The feed URL: the target's `url`, else the datasource's with the target's `path`.
    pub url: String,
    /// The text sent after connecting: the target's `subscribeMessage`, else the datasource's.
    pub subscribe_message: Option<String>,
}

impl FeedTarget {
    /// Reads `url`, `path` and `subscribeMessage` from a panel target.
    pub fn parse(target: &Value, config: &WebSocketConfig) -> Result<Self> {
        let t = Target(target);
        let url = match t.str("url")?.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) if is_ws_url(url) => url.to_owned(),
            Some(url) => {
                return Err(SourceError::InvalidQuery(format!(
                    "target field `url` must start with ws:// or wss://, found {url:?}"
                )));
            }
            None => join_path(
                &config.url,
                t.str("path")?.map(str::trim).unwrap_or_default(),
            ),
        };
        let subscribe_message = match target.get("subscribeMessage") {
            None | Some(Value::Null) => config.subscribe_message.clone(),
            Some(v) => message_text(v).ok_or_else(|| {
                SourceError::InvalidQuery(
                    "target field `subscribeMessage` must be text or a JSON object".into(),
                )
            })?,
        };
        Ok(FeedTarget {
            url,
            subscribe_message,
        })
    }
}

/// `base` + `path`, with exactly one `/` between them (a path starting with `?` is a query).
fn join_path(base: &str, path: &str) -> String {
    if path.is_empty() {
        return base.to_owned();
    }
    if path.starts_with('?') {
        return format!("{base}{path}");
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn paths_join_with_one_slash() {
        assert_eq!(join_path("ws://h/feed/", "/a"), "ws://h/feed/a");
        assert_eq!(join_path("ws://h", "a"), "ws://h/a");
        assert_eq!(join_path("ws://h/f", "?x=1"), "ws://h/f?x=1");
        assert_eq!(join_path("ws://h/f", ""), "ws://h/f");
    }
}
