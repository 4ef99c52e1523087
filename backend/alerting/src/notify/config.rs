//! `alertmanager.yml` in Alertmanager's own format, read with the same strictness (unknown keys
//! are errors) and the same validation as `amtool check-config`: the global SMTP settings, the
//! route tree, receivers with `email_configs` and `webhook_configs`, inhibit rules and
//! templates. Errors name the YAML path and, where it can be found, the line.
//!
//! Pulsegrid extensions (a file using them is no longer accepted by Alertmanager):
//! - route `resolve_immediately: true` sends a resolved notification as soon as an alert
//!   resolves instead of at the group's next `group_interval` tick (off by default, inherited);
//! - webhook `hmac_secret: ...` signs each body with HMAC-SHA256, sent as the header
//!   `X-Pulsegrid-Signature: sha256=<hex>` (see [`super::payload::signature`]).
//!
//! Not supported, with a clear error: integrations other than email and webhook,
//! `time_intervals`/`mute_time_intervals` and a route's `mute_time_intervals`/
//! `active_time_intervals`, `oauth2`.
//!
//! `templates` globs are resolved from the directory of `alertmanager.yml` (as Alertmanager
//! does) and their files parsed at load ([`super::template::Templates`]): a syntax error names
//! the file and line. An email's `html`, `text`, `to`, `from` and header values are templates
//! too, checked at load and rendered per notification by the sender; without `html`, `text` or
//! a `Subject` header the default bodies of [`super::payload`] are used. A webhook's `timeout`
//! bounds each request (Pulsegrid's default of 10 s when unset or `0`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_yaml_ng::Value;

use super::error::{Error, Result};
use super::matchers::{
    MatchType, Matcher, Matchers, anchored_regex, is_valid_label_name, parse_matchers,
};
use super::template::Templates;

/// Alertmanager's default `group_wait`.
pub const DEFAULT_GROUP_WAIT_MS: i64 = 30_000;
/// Alertmanager's default `group_interval`.
pub const DEFAULT_GROUP_INTERVAL_MS: i64 = 5 * 60_000;
/// Alertmanager's default `repeat_interval`.
pub const DEFAULT_REPEAT_INTERVAL_MS: i64 = 4 * 3_600_000;
/// Alertmanager's default `resolve_timeout`.
pub const DEFAULT_RESOLVE_TIMEOUT_MS: i64 = 5 * 60_000;

/// A password, token or secret URL: its `Debug` and `Display` show `<secret>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the code that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// A `host:port` address such as an SMTP smarthost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    /// Host name or IP (without brackets).
    pub host: String,
    /// Port, as written (a number or a service name).
    pub port: String,
}

impl HostPort {
    /// Parses `host:port` or `[v6]:port`; the port must not be empty.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (h, p) = rest
                .split_once("]:")
                .ok_or_else(|| format!("address {text}: missing port in address"))?;
            (h, p)
        } else {
            let (h, p) = text
                .rsplit_once(':')
                .ok_or_else(|| format!("address {text}: missing port in address"))?;
            if h.contains(':') {
                return Err(format!("address {text}: too many colons in address"));
            }
            (h, p)
        };
        if port.is_empty() {
            return Err(format!("address {text:?}: port cannot be empty"));
        }
        Ok(HostPort {
            host: host.to_owned(),
            port: port.to_owned(),
        })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parses a Prometheus duration (`30s`, `1h30m`, `2d`, `500ms`, `0`) into milliseconds.
pub fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    if text.is_empty() {
        return Err("empty duration string".into());
    }
    if text == "0" {
        return Ok(0);
    }
    // Units in the only order Prometheus accepts, each at most once.
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let bad = || format!("not a valid duration string: {text:?}");
    let mut rest = text;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        rest = &rest[letters..];
        let idx = UNITS[next_unit..]
            .iter()
            .position(|(u, _)| *u == unit)
            .ok_or_else(bad)?
            + next_unit;
        total = n
            .checked_mul(UNITS[idx].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration out of range: {text:?}"))?;
        next_unit = idx + 1;
    }
    Ok(total)
}

/// Formats milliseconds as a Prometheus duration (`1h30m`, `0s`).
pub fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The validated configuration.

/// A parsed and validated `alertmanager.yml`.
#[derive(Clone, Debug)]
pub struct Config {
    /// The `global` block with its defaults.
    pub global: GlobalConfig,
    /// The root of the route tree (it has a receiver and no matchers).
    pub route: RouteConfig,
    /// Receivers by position; names are unique.
    pub receivers: Vec<Receiver>,
    /// Inhibit rules in file order.
    pub inhibit_rules: Vec<InhibitRuleConfig>,
    /// Template globs as listed.
    pub templates: Vec<String>,
    /// The templates parsed from those files, with Alertmanager's defaults (shared with every
    /// [`EmailConfig`]).
    pub parsed_templates: Arc<Templates>,
}

/// The `global` block: defaults for the receivers.
#[derive(Clone, Debug)]
pub struct GlobalConfig {
    /// How long an alert without `endsAt` stays firing after its last update.
    pub resolve_timeout_ms: i64,
    /// Default sender address.
    pub smtp_from: Option<String>,
    /// Default `HELO`/`EHLO` name (`localhost`).
    pub smtp_hello: String,
    /// Default SMTP server.
    pub smtp_smarthost: Option<HostPort>,
    /// Default SMTP user.
    pub smtp_auth_username: Option<String>,
    /// Default SMTP password.
    pub smtp_auth_password: Option<Secret>,
    /// Default file holding the SMTP password.
    pub smtp_auth_password_file: Option<String>,
    /// Default SMTP identity (PLAIN auth).
    pub smtp_auth_identity: Option<String>,
    /// Whether STARTTLS is required by default (true).
    pub smtp_require_tls: bool,
    /// Default HTTP settings of webhooks.
    pub http_config: HttpConfig,
}

impl Default for GlobalConfig {
    fn default() -> Self {
        GlobalConfig {
            resolve_timeout_ms: DEFAULT_RESOLVE_TIMEOUT_MS,
            smtp_from: None,
            smtp_hello: "localhost".into(),
            smtp_smarthost: None,
            smtp_auth_username: None,
            smtp_auth_password: None,
            smtp_auth_password_file: None,
            smtp_auth_identity: None,
            smtp_require_tls: true,
            http_config: HttpConfig::default(),
        }
    }
}

/// How alerts are grouped on a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// By these label names (none: one group for the route).
    Labels(Vec<String>),
    /// `group_by: ['...']`: by every label, so each alert is its own group.
    All,
}

/// One node of the route tree as written; unset options are inherited when the tree is built
/// ([`super::route::Route::new`]).
#[derive(Clone, Debug, Default)]
pub struct RouteConfig {
    /// Receiver name.
    pub receiver: Option<String>,
    /// Grouping; `None` inherits.
    pub group_by: Option<GroupBy>,
    /// `matchers`, `match` and `match_re` together, sorted.
    pub matchers: Matchers,
    /// `continue`: keep looking at the next siblings after a match.
    pub continue_matching: bool,
    /// `group_wait` in ms.
    pub group_wait_ms: Option<i64>,
    /// `group_interval` in ms.
    pub group_interval_ms: Option<i64>,
    /// `repeat_interval` in ms.
    pub repeat_interval_ms: Option<i64>,
    /// Pulsegrid: send resolved notifications at once.
    pub resolve_immediately: Option<bool>,
    /// Child routes in order.
    pub routes: Vec<RouteConfig>,
}

/// A receiver: a name and its integrations.
#[derive(Clone, Debug, Default)]
pub struct Receiver {
    /// Unique name routes refer to.
    pub name: String,
    /// Email integrations.
    pub email_configs: Vec<EmailConfig>,
    /// Webhook integrations.
    pub webhook_configs: Vec<WebhookConfig>,
}

impl Receiver {
    /// Whether any integration sends resolved notifications.
    pub fn sends_resolved(&self) -> bool {
        self.email_configs.iter().any(|e| e.send_resolved)
            || self.webhook_configs.iter().any(|w| w.send_resolved)
    }
}

/// An `email_configs` entry, with the global defaults applied.
#[derive(Clone, Debug)]
pub struct EmailConfig {
    /// Send resolved notifications too (default false).
    pub send_resolved: bool,
    /// Recipients, comma-separated as written.
    pub to: String,
    /// Sender.
    pub from: String,
    /// `HELO` name.
    pub hello: String,
    /// SMTP server.
    pub smarthost: HostPort,
    /// SMTP user.
    pub auth_username: Option<String>,
    /// SMTP password.
    pub auth_password: Option<Secret>,
    /// File holding the SMTP password.
    pub auth_password_file: Option<String>,
    /// SMTP identity.
    pub auth_identity: Option<String>,
    /// Whether STARTTLS is required.
    pub require_tls: bool,
    /// `tls_config.insecure_skip_verify`.
    pub tls_insecure_skip_verify: bool,
    /// A custom HTML body template, as written (rendered with HTML escaping).
    pub html: Option<String>,
    /// A custom text body template, as written.
    pub text: Option<String>,
    /// Extra headers, names in canonical case; values are templates (`Subject` replaces the
    /// default subject).
    pub headers: BTreeMap<String, String>,
    /// The configuration's templates, which `html`, `text` and headers may call.
    pub templates: Arc<Templates>,
}

/// A `webhook_configs` entry.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Send resolved notifications too (default true).
    pub send_resolved: bool,
    /// The endpoint (it may carry a token, so it is a secret).
    pub url: Option<Secret>,
    /// A file holding the endpoint.
    pub url_file: Option<String>,
    /// HTTP client settings.
    pub http_config: HttpConfig,
    /// At most this many alerts per message (0: all); the rest are counted in
    /// `truncatedAlerts`.
    pub max_alerts: u64,
    /// Pulsegrid: the key of the `X-Pulsegrid-Signature` HMAC-SHA256 header.
    pub hmac_secret: Option<Secret>,
    /// `timeout`: how long one request may take (`None`: the sender's default).
    pub timeout: Option<Duration>,
}

/// `http_config`: authentication and TLS of a webhook.
#[derive(Clone, Debug, Default)]
pub struct HttpConfig {
    /// `basic_auth`.
    pub basic_auth: Option<BasicAuth>,
    /// `authorization` (or the older `bearer_token`).
    pub authorization: Option<Authorization>,
    /// `tls_config.insecure_skip_verify`.
    pub tls_insecure_skip_verify: bool,
    /// `proxy_url`.
    pub proxy_url: Option<String>,
    /// `follow_redirects` (default true).
    pub follow_redirects: Option<bool>,
}

/// HTTP basic authentication.
#[derive(Clone, Debug)]
pub struct BasicAuth {
    /// User.
    pub username: String,
    /// Password.
    pub password: Option<Secret>,
    /// File holding the password.
    pub password_file: Option<String>,
}

/// An `Authorization: <type> <credentials>` header.
#[derive(Clone, Debug)]
pub struct Authorization {
    /// The scheme, `Bearer` by default.
    pub scheme: String,
    /// The credentials.
    pub credentials: Option<Secret>,
    /// File holding the credentials.
    pub credentials_file: Option<String>,
}

/// An inhibit rule: a firing alert matching `source` mutes alerts matching `target` that
/// have the same values for the `equal` labels.
#[derive(Clone, Debug)]
pub struct InhibitRuleConfig {
    /// Optional name.
    pub name: Option<String>,
    /// `source_matchers`, `source_match`, `source_match_re`.
    pub source: Matchers,
    /// `target_matchers`, `target_match`, `target_match_re`.
    pub target: Matchers,
    /// Labels that must be equal on both.
    pub equal: Vec<String>,
}

impl Config {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Config> {
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| Error::Config {
            file: file.clone(),
            path: String::new(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse_named(&src, &file)
    }

    /// Parses and validates YAML text.
    pub fn parse(src: &str) -> Result<Config> {
        Self::parse_named(src, "alertmanager.yml")
    }

    /// Parses YAML text, naming `file` in errors.
    pub fn parse_named(src: &str, file: &str) -> Result<Config> {
        let cx = Cx { src, file };
        let value: Value = serde_yaml_ng::from_str(src).map_err(|e| cx.yaml(e))?;
        if value.is_null() {
            return Err(cx.err("", None, "no route provided in config"));
        }
        let raw: RawConfig = serde_yaml_ng::from_str(src).map_err(|e| cx.yaml(e))?;
        cx.build(raw)
    }

    /// The receiver with this name.
    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.name == name)
    }
}

// ---------------------------------------------------------------------------------------------
// Raw YAML shapes.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    global: Option<RawGlobal>,
    #[serde(default)]
    route: Option<RawRoute>,
    #[serde(default)]
    inhibit_rules: Option<Vec<RawInhibit>>,
    #[serde(default)]
    receivers: Option<Vec<RawReceiver>>,
    #[serde(default)]
    templates: Option<Vec<String>>,
    #[serde(default)]
    mute_time_intervals: Option<Value>,
    #[serde(default)]
    time_intervals: Option<Value>,
}

#[derive(Deserialize)]
struct RawGlobal {
    resolve_timeout: Option<Value>,
    smtp_from: Option<String>,
    smtp_hello: Option<String>,
    smtp_smarthost: Option<String>,
    smtp_auth_username: Option<String>,
    smtp_auth_password: Option<String>,
    smtp_auth_password_file: Option<String>,
    smtp_auth_identity: Option<String>,
    smtp_auth_secret: Option<String>,
    smtp_auth_secret_file: Option<String>,
    smtp_require_tls: Option<bool>,
    smtp_tls_config: Option<RawTls>,
    http_config: Option<RawHttp>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

/// Global keys of Alertmanager's other integrations: accepted and ignored.
const OTHER_GLOBAL_KEYS: &[&str] = &[
    "slack_api_url",
    "slack_api_url_file",
    "pagerduty_url",
    "opsgenie_api_url",
    "opsgenie_api_key",
    "opsgenie_api_key_file",
    "wechat_api_url",
    "wechat_api_secret",
    "wechat_api_corp_id",
    "victorops_api_url",
    "victorops_api_key",
    "victorops_api_key_file",
    "telegram_api_url",
    "webex_api_url",
    "jira_api_url",
    "rocketchat_api_url",
    "rocketchat_token",
    "rocketchat_token_file",
    "rocketchat_token_id",
    "rocketchat_token_id_file",
];

// Accepted because Alertmanager accepts them; only `insecure_skip_verify` is used so far.
#[allow(dead_code)]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    #[serde(default)]
    insecure_skip_verify: bool,
    ca_file: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    server_name: Option<String>,
    min_version: Option<String>,
    max_version: Option<String>,
    ca: Option<String>,
    cert: Option<String>,
    key: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    receiver: Option<String>,
    group_by: Option<Vec<String>>,
    #[serde(rename = "match")]
    match_eq: Option<BTreeMap<String, String>>,
    match_re: Option<BTreeMap<String, String>>,
    matchers: Option<Vec<String>>,
    mute_time_intervals: Option<Vec<String>>,
    active_time_intervals: Option<Vec<String>>,
    #[serde(rename = "continue", default)]
    continue_matching: bool,
    routes: Option<Vec<RawRoute>>,
    group_wait: Option<Value>,
    group_interval: Option<Value>,
    repeat_interval: Option<Value>,
    resolve_immediately: Option<bool>,
}

#[derive(Deserialize)]
struct RawReceiver {
    name: Option<String>,
    email_configs: Option<Vec<RawEmail>>,
    webhook_configs: Option<Vec<RawWebhook>>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    send_resolved: Option<bool>,
    to: Option<String>,
    from: Option<String>,
    hello: Option<String>,
    smarthost: Option<String>,
    auth_username: Option<String>,
    auth_password: Option<String>,
    auth_password_file: Option<String>,
    auth_secret: Option<String>,
    auth_identity: Option<String>,
    require_tls: Option<bool>,
    tls_config: Option<RawTls>,
    html: Option<String>,
    text: Option<String>,
    headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    send_resolved: Option<bool>,
    url: Option<String>,
    url_file: Option<String>,
    http_config: Option<RawHttp>,
    max_alerts: Option<u64>,
    timeout: Option<Value>,
    hmac_secret: Option<String>,
}

// `no_proxy`, `proxy_from_environment` and `enable_http2` are accepted and ignored.
#[allow(dead_code)]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    basic_auth: Option<RawBasicAuth>,
    authorization: Option<RawAuthorization>,
    bearer_token: Option<String>,
    bearer_token_file: Option<String>,
    oauth2: Option<Value>,
    tls_config: Option<RawTls>,
    proxy_url: Option<String>,
    no_proxy: Option<String>,
    proxy_from_environment: Option<bool>,
    follow_redirects: Option<bool>,
    enable_http2: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBasicAuth {
    username: Option<String>,
    username_file: Option<String>,
    password: Option<String>,
    password_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthorization {
    #[serde(rename = "type")]
    scheme: Option<String>,
    credentials: Option<String>,
    credentials_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInhibit {
    name: Option<String>,
    source_match: Option<BTreeMap<String, String>>,
    source_match_re: Option<BTreeMap<String, String>>,
    source_matchers: Option<Vec<String>>,
    target_match: Option<BTreeMap<String, String>>,
    target_match_re: Option<BTreeMap<String, String>>,
    target_matchers: Option<Vec<String>>,
    equal: Option<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// Validation.

struct Cx<'a> {
    src: &'a str,
    file: &'a str,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

impl Cx<'_> {
    fn err(&self, path: &str, line: Option<usize>, message: impl Into<String>) -> Error {
        Error::Config {
            file: self.file.to_owned(),
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }

    fn yaml(&self, e: serde_yaml_ng::Error) -> Error {
        let line = e.location().map(|l| l.line());
        let mut message = e.to_string();
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        // serde_yaml_ng prefixes the path it knows: split it out.
        let (path, message) = match message.split_once(": ") {
            Some((p, m)) if !p.contains(' ') => (p.to_owned(), m.to_owned()),
            _ => (String::new(), message),
        };
        self.err(&path, line, message)
    }

    /// The first line where `key:` is followed by `value` (or any value): at the start of a
    /// line first, then anywhere (flow mappings like `{key: value}`).
    fn line_of(&self, key: &str, value: Option<&str>) -> Option<usize> {
        self.line_of_block(key, value).or_else(|| {
            self.src
                .lines()
                .position(|line| {
                    line.match_indices(key).any(|(i, _)| {
                        let before = line[..i].chars().next_back();
                        let after = line[i + key.len()..].trim_start_matches(['"', '\'']);
                        before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                            && after.starts_with(':')
                            && value.is_none_or(|v| after.contains(v))
                    })
                })
                .map(|i| i + 1)
        })
    }

    fn line_of_block(&self, key: &str, value: Option<&str>) -> Option<usize> {
        self.src
            .lines()
            .position(|line| {
                let t = line.trim_start().trim_start_matches("- ").trim_start();
                let Some(rest) = t.strip_prefix(key) else {
                    return false;
                };
                let rest = rest.trim_start_matches(['"', '\'']);
                let Some(rest) = rest.trim_start().strip_prefix(':') else {
                    return false;
                };
                value.is_none_or(|v| rest.contains(v))
            })
            .map(|i| i + 1)
    }

    fn at(&self, path: &str, key: &str, value: Option<&str>, message: impl Into<String>) -> Error {
        self.err(path, self.line_of(key, value), message)
    }

    fn duration(&self, path: &str, key: &str, v: &Option<Value>) -> Result<Option<i64>> {
        let Some(v) = v else { return Ok(None) };
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Null => return Ok(None),
            other => {
                return Err(self.at(
                    path,
                    key,
                    None,
                    format!("expected a duration like 30s, found {other:?}"),
                ));
            }
        };
        parse_duration(&text)
            .map(Some)
            .map_err(|m| self.at(&format!("{path}.{key}"), key, Some(&text), m))
    }

    /// The old `match` and `match_re` maps and the new `matchers` list, each with its key.
    fn matchers(
        &self,
        path: &str,
        (key_eq, eq): (&str, Option<BTreeMap<String, String>>),
        (key_re, re): (&str, Option<BTreeMap<String, String>>),
        (key_list, list): (&str, Option<Vec<String>>),
    ) -> Result<Matchers> {
        let mut out = Vec::new();
        for (name, value) in eq.unwrap_or_default() {
            if !is_valid_label_name(&name) {
                return Err(self.at(
                    &format!("{path}.{key_eq}"),
                    &name,
                    None,
                    format!("invalid label name {name:?}"),
                ));
            }
            out.push(
                Matcher::new(MatchType::Equal, name, value)
                    .map_err(|e| self.err(path, None, e.to_string()))?,
            );
        }
        for (name, value) in re.unwrap_or_default() {
            if !is_valid_label_name(&name) {
                return Err(self.at(
                    &format!("{path}.{key_re}"),
                    &name,
                    None,
                    format!("invalid label name {name:?}"),
                ));
            }
            if let Err(e) = anchored_regex(&value) {
                return Err(self.at(
                    &format!("{path}.{key_re}.{name}"),
                    &name,
                    None,
                    format!(
                        "invalid regular expression {value:?}: {}",
                        super::matchers::regex_reason(&e)
                    ),
                ));
            }
            out.push(
                Matcher::new(MatchType::Regex, name, value)
                    .map_err(|e| self.err(path, None, e.to_string()))?,
            );
        }
        for (i, text) in list.unwrap_or_default().iter().enumerate() {
            let parsed = parse_matchers(text).map_err(|e| {
                let needle = text.split(['=', '!']).next().unwrap_or(text).trim();
                let line = self
                    .src
                    .lines()
                    .position(|l| {
                        l.contains(text.as_str()) || l.contains(needle) && l.contains('=')
                    })
                    .map(|n| n + 1);
                self.err(&format!("{path}.{key_list}[{i}]"), line, e.to_string())
            })?;
            out.extend(parsed);
        }
        Ok(Matchers::new(out))
    }

    fn tls(&self, raw: Option<RawTls>) -> bool {
        raw.unwrap_or_default().insecure_skip_verify
    }

    fn http(&self, path: &str, raw: RawHttp) -> Result<HttpConfig> {
        if raw.oauth2.is_some() {
            return Err(self.at(path, "oauth2", None, "oauth2 is not supported by Pulsegrid"));
        }
        if non_empty(raw.bearer_token.clone()).is_some()
            && non_empty(raw.bearer_token_file.clone()).is_some()
        {
            return Err(self.at(
                path,
                "bearer_token",
                None,
                "at most one of bearer_token & bearer_token_file must be configured",
            ));
        }
        let has_bearer = raw.bearer_token.is_some() || raw.bearer_token_file.is_some();
        if raw.basic_auth.is_some() && has_bearer {
            return Err(self.at(
                path,
                "basic_auth",
                None,
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
            ));
        }
        if raw.authorization.is_some() && has_bearer {
            return Err(self.at(
                path,
                "authorization",
                None,
                "authorization is not compatible with bearer_token & bearer_token_file",
            ));
        }
        if raw.authorization.is_some() && raw.basic_auth.is_some() {
            return Err(self.at(
                path,
                "authorization",
                None,
                "at most one of basic_auth, oauth2 & authorization must be configured",
            ));
        }
        let basic_auth = match raw.basic_auth {
            None => None,
            Some(b) => {
                if non_empty(b.password.clone()).is_some()
                    && non_empty(b.password_file.clone()).is_some()
                {
                    return Err(self.at(
                        path,
                        "password_file",
                        None,
                        "at most one of basic_auth password & password_file must be configured",
                    ));
                }
                if b.username_file.is_some() {
                    return Err(self.at(
                        path,
                        "username_file",
                        None,
                        "basic_auth username_file is not supported by Pulsegrid",
                    ));
                }
                Some(BasicAuth {
                    username: b.username.unwrap_or_default(),
                    password: non_empty(b.password).map(Secret),
                    password_file: non_empty(b.password_file),
                })
            }
        };
        let authorization = match (raw.authorization, raw.bearer_token, raw.bearer_token_file) {
            (Some(a), _, _) => {
                let scheme = non_empty(a.scheme).unwrap_or_else(|| "Bearer".into());
                if scheme.eq_ignore_ascii_case("basic") {
                    return Err(self.at(
                        path,
                        "type",
                        None,
                        "authorization type cannot be set to \"basic\", use \"basic_auth\" instead",
                    ));
                }
                if non_empty(a.credentials.clone()).is_some()
                    && non_empty(a.credentials_file.clone()).is_some()
                {
                    return Err(self.at(
                        path,
                        "credentials_file",
                        None,
                        "at most one of authorization credentials & credentials_file must be configured",
                    ));
                }
                Some(Authorization {
                    scheme,
                    credentials: non_empty(a.credentials).map(Secret),
                    credentials_file: non_empty(a.credentials_file),
                })
            }
            (None, token, file) if token.is_some() || file.is_some() => Some(Authorization {
                scheme: "Bearer".into(),
                credentials: non_empty(token).map(Secret),
                credentials_file: non_empty(file),
            }),
            _ => None,
        };
        Ok(HttpConfig {
            basic_auth,
            authorization,
            tls_insecure_skip_verify: self.tls(raw.tls_config),
            proxy_url: non_empty(raw.proxy_url),
            follow_redirects: raw.follow_redirects,
        })
    }

    fn global(&self, raw: Option<RawGlobal>) -> Result<GlobalConfig> {
        let mut g = GlobalConfig::default();
        let Some(raw) = raw else { return Ok(g) };
        for key in raw.rest.keys() {
            if !OTHER_GLOBAL_KEYS.contains(&key.as_str()) {
                return Err(self.at("global", key, None, format!("unknown field `{key}`")));
            }
        }
        if let Some(ms) = self.duration("global", "resolve_timeout", &raw.resolve_timeout)? {
            g.resolve_timeout_ms = ms;
        }
        if non_empty(raw.smtp_auth_password.clone()).is_some()
            && non_empty(raw.smtp_auth_password_file.clone()).is_some()
        {
            return Err(self.at(
                "global",
                "smtp_auth_password_file",
                None,
                "at most one of smtp_auth_password & smtp_auth_password_file must be configured",
            ));
        }
        if non_empty(raw.smtp_auth_secret.clone()).is_some()
            && non_empty(raw.smtp_auth_secret_file.clone()).is_some()
        {
            return Err(self.at(
                "global",
                "smtp_auth_secret_file",
                None,
                "at most one of smtp_auth_secret & smtp_auth_secret_file must be configured",
            ));
        }
        g.smtp_from = non_empty(raw.smtp_from);
        if let Some(h) = non_empty(raw.smtp_hello) {
            g.smtp_hello = h;
        }
        if let Some(sh) = non_empty(raw.smtp_smarthost) {
            g.smtp_smarthost = Some(
                HostPort::parse(&sh)
                    .map_err(|m| self.at("global.smtp_smarthost", "smtp_smarthost", None, m))?,
            );
        }
        g.smtp_auth_username = non_empty(raw.smtp_auth_username);
        g.smtp_auth_password = non_empty(raw.smtp_auth_password).map(Secret);
        g.smtp_auth_password_file = non_empty(raw.smtp_auth_password_file);
        g.smtp_auth_identity = non_empty(raw.smtp_auth_identity);
        if let Some(t) = raw.smtp_require_tls {
            g.smtp_require_tls = t;
        }
        let _ = raw.smtp_tls_config;
        if let Some(h) = raw.http_config {
            g.http_config = self.http("global.http_config", h)?;
        }
        Ok(g)
    }

    fn route(&self, path: &str, raw: RawRoute) -> Result<RouteConfig> {
        if raw
            .mute_time_intervals
            .as_ref()
            .is_some_and(|v| !v.is_empty())
        {
            return Err(self.at(
                path,
                "mute_time_intervals",
                None,
                "mute_time_intervals is not supported by Pulsegrid",
            ));
        }
        if raw
            .active_time_intervals
            .as_ref()
            .is_some_and(|v| !v.is_empty())
        {
            return Err(self.at(
                path,
                "active_time_intervals",
                None,
                "active_time_intervals is not supported by Pulsegrid",
            ));
        }
        let group_by = match raw.group_by {
            None => None,
            Some(list) => {
                let all = list.iter().any(|l| l == "...");
                let mut seen = BTreeSet::new();
                for l in list.iter().filter(|l| *l != "...") {
                    if !is_valid_label_name(l) {
                        return Err(self.at(
                            &format!("{path}.group_by"),
                            "group_by",
                            None,
                            format!("invalid label name {l:?} in group_by list"),
                        ));
                    }
                    if !seen.insert(l.clone()) {
                        return Err(self.at(
                            &format!("{path}.group_by"),
                            "group_by",
                            None,
                            format!("duplicated label {l:?} in group_by"),
                        ));
                    }
                }
                if all && !seen.is_empty() {
                    return Err(self.at(
                        &format!("{path}.group_by"),
                        "group_by",
                        None,
                        "cannot have wildcard group_by (`...`) and other labels at the same time",
                    ));
                }
                if all {
                    Some(GroupBy::All)
                } else if seen.is_empty() {
                    None
                } else {
                    Some(GroupBy::Labels(
                        list.into_iter().filter(|l| l != "...").collect(),
                    ))
                }
            }
        };
        let group_wait_ms = self.duration(path, "group_wait", &raw.group_wait)?;
        let group_interval_ms = self.duration(path, "group_interval", &raw.group_interval)?;
        let repeat_interval_ms = self.duration(path, "repeat_interval", &raw.repeat_interval)?;
        if group_interval_ms == Some(0) {
            return Err(self.at(
                path,
                "group_interval",
                None,
                "group_interval cannot be zero",
            ));
        }
        if repeat_interval_ms == Some(0) {
            return Err(self.at(
                path,
                "repeat_interval",
                None,
                "repeat_interval cannot be zero",
            ));
        }
        let matchers = self.matchers(
            path,
            ("match", raw.match_eq),
            ("match_re", raw.match_re),
            ("matchers", raw.matchers),
        )?;
        let mut routes = Vec::new();
        for (i, child) in raw.routes.unwrap_or_default().into_iter().enumerate() {
            routes.push(self.route(&format!("{path}.routes[{i}]"), child)?);
        }
        Ok(RouteConfig {
            receiver: non_empty(raw.receiver),
            group_by,
            matchers,
            continue_matching: raw.continue_matching,
            group_wait_ms,
            group_interval_ms,
            repeat_interval_ms,
            resolve_immediately: raw.resolve_immediately,
            routes,
        })
    }

    fn check_receivers(
        &self,
        route: &RouteConfig,
        path: &str,
        names: &BTreeSet<&str>,
    ) -> Result<()> {
        for (i, child) in route.routes.iter().enumerate() {
            self.check_receivers(child, &format!("{path}.routes[{i}]"), names)?;
        }
        if let Some(r) = &route.receiver
            && !names.contains(r.as_str())
        {
            let known: Vec<_> = names.iter().copied().collect();
            return Err(self.at(
                &format!("{path}.receiver"),
                "receiver",
                Some(r),
                format!(
                    "undefined receiver {r:?} used in route (defined: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        Ok(())
    }

    fn email(
        &self,
        path: &str,
        raw: RawEmail,
        g: &GlobalConfig,
        templates: &Arc<Templates>,
    ) -> Result<EmailConfig> {
        let to = non_empty(raw.to)
            .ok_or_else(|| self.err(path, None, "missing to address in email config"))?;
        // Every templated field parses now, so a typo fails the load, not a notification.
        let fields = [
            ("html", &raw.html),
            ("text", &raw.text),
            ("from", &raw.from),
        ];
        let headers = raw.headers.iter().flatten().map(|(k, v)| (k.as_str(), v));
        let fields = fields
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .chain([("to", &to)])
            .chain(headers);
        for (key, text) in fields {
            templates.check(text).map_err(|e| {
                self.at(
                    &format!("{path}.{key}"),
                    key,
                    None,
                    format!("template does not parse: {e}"),
                )
            })?;
        }
        let mut headers = BTreeMap::new();
        for (k, v) in raw.headers.unwrap_or_default() {
            let canon = canonical_header(&k);
            if headers.insert(canon.clone(), v).is_some() {
                return Err(self.at(
                    &format!("{path}.headers"),
                    &k,
                    None,
                    format!("duplicate header {canon:?} in email config"),
                ));
            }
        }
        let smarthost = match non_empty(raw.smarthost) {
            Some(s) => HostPort::parse(&s)
                .map_err(|m| self.at(&format!("{path}.smarthost"), "smarthost", None, m))?,
            None => g
                .smtp_smarthost
                .clone()
                .ok_or_else(|| self.err(path, None, "no global SMTP smarthost set"))?,
        };
        let from = non_empty(raw.from)
            .or_else(|| g.smtp_from.clone())
            .ok_or_else(|| self.err(path, None, "no global SMTP from set"))?;
        let (auth_password, auth_password_file) = match (
            non_empty(raw.auth_password),
            non_empty(raw.auth_password_file),
        ) {
            (Some(_), Some(_)) => {
                return Err(self.at(
                    path,
                    "auth_password_file",
                    None,
                    "at most one of auth_password & auth_password_file must be configured",
                ));
            }
            (None, None) => (
                g.smtp_auth_password.clone(),
                g.smtp_auth_password_file.clone(),
            ),
            (p, f) => (p.map(Secret), f),
        };
        let _ = raw.auth_secret;
        Ok(EmailConfig {
            send_resolved: raw.send_resolved.unwrap_or(false),
            to,
            from,
            hello: non_empty(raw.hello).unwrap_or_else(|| g.smtp_hello.clone()),
            smarthost,
            auth_username: non_empty(raw.auth_username).or_else(|| g.smtp_auth_username.clone()),
            auth_password,
            auth_password_file,
            auth_identity: non_empty(raw.auth_identity).or_else(|| g.smtp_auth_identity.clone()),
            require_tls: raw.require_tls.unwrap_or(g.smtp_require_tls),
            tls_insecure_skip_verify: self.tls(raw.tls_config),
            html: raw.html,
            text: raw.text,
            headers,
            templates: Arc::clone(templates),
        })
    }

    fn webhook(&self, path: &str, raw: RawWebhook, g: &GlobalConfig) -> Result<WebhookConfig> {
        let url = non_empty(raw.url);
        let url_file = non_empty(raw.url_file);
        match (&url, &url_file) {
            (None, None) => {
                return Err(self.err(path, None, "one of url or url_file must be configured"));
            }
            (Some(_), Some(_)) => {
                return Err(self.at(
                    path,
                    "url_file",
                    None,
                    "at most one of url & url_file must be configured",
                ));
            }
            _ => {}
        }
        if let Some(u) = &url {
            check_url(u).map_err(|m| self.at(&format!("{path}.url"), "url", Some(u), m))?;
        }
        let timeout = self
            .duration(path, "timeout", &raw.timeout)?
            .filter(|ms| *ms > 0)
            .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
        let http_config = match raw.http_config {
            Some(h) => self.http(&format!("{path}.http_config"), h)?,
            None => g.http_config.clone(),
        };
        Ok(WebhookConfig {
            send_resolved: raw.send_resolved.unwrap_or(true),
            url: url.map(Secret),
            url_file,
            http_config,
            max_alerts: raw.max_alerts.unwrap_or(0),
            hmac_secret: non_empty(raw.hmac_secret).map(Secret),
            timeout,
        })
    }

    /// The `templates` files, globs taken from the directory of the configuration file.
    fn templates(&self, globs: &[String]) -> Result<Templates> {
        let base = Path::new(self.file).parent().unwrap_or(Path::new(""));
        Templates::from_globs(globs, base).map_err(|e| Error::Config {
            file: e.file,
            path: "templates".into(),
            line: e.line,
            message: e.message,
        })
    }

    fn inhibit(&self, path: &str, raw: RawInhibit) -> Result<InhibitRuleConfig> {
        let source = self.matchers(
            path,
            ("source_match", raw.source_match),
            ("source_match_re", raw.source_match_re),
            ("source_matchers", raw.source_matchers),
        )?;
        let target = self.matchers(
            path,
            ("target_match", raw.target_match),
            ("target_match_re", raw.target_match_re),
            ("target_matchers", raw.target_matchers),
        )?;
        let equal = raw.equal.unwrap_or_default();
        for l in &equal {
            if !is_valid_label_name(l) {
                return Err(self.at(
                    &format!("{path}.equal"),
                    "equal",
                    None,
                    format!("invalid label name {l:?} in equal list"),
                ));
            }
        }
        Ok(InhibitRuleConfig {
            name: non_empty(raw.name),
            source,
            target,
            equal,
        })
    }

    fn build(&self, raw: RawConfig) -> Result<Config> {
        let global = self.global(raw.global)?;
        if raw
            .mute_time_intervals
            .as_ref()
            .is_some_and(|v| !v.is_null())
            || raw.time_intervals.as_ref().is_some_and(|v| !v.is_null())
        {
            let key = if raw.time_intervals.is_some() {
                "time_intervals"
            } else {
                "mute_time_intervals"
            };
            return Err(self.at(
                key,
                key,
                None,
                format!("{key} is not supported by Pulsegrid"),
            ));
        }
        let globs = raw.templates.unwrap_or_default();
        let templates = Arc::new(self.templates(&globs)?);
        let mut receivers = Vec::new();
        let mut names = BTreeSet::new();
        for (i, r) in raw.receivers.unwrap_or_default().into_iter().enumerate() {
            let path = format!("receivers[{i}]");
            let name = non_empty(r.name)
                .ok_or_else(|| self.err(&path, None, "missing name in receiver"))?;
            if let Some(key) = r.rest.keys().next() {
                let message = if key.ends_with("_configs") {
                    format!(
                        "{key} is not supported by Pulsegrid (email_configs and webhook_configs are)"
                    )
                } else {
                    format!("unknown field `{key}`")
                };
                return Err(self.at(&format!("{path}.{key}"), key, None, message));
            }
            if !names.insert(name.clone()) {
                return Err(self.at(
                    &path,
                    "name",
                    Some(&name),
                    format!("notification config name {name:?} is not unique"),
                ));
            }
            let mut rec = Receiver {
                name: name.clone(),
                ..Receiver::default()
            };
            for (j, w) in r
                .webhook_configs
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                rec.webhook_configs.push(self.webhook(
                    &format!("{path}.webhook_configs[{j}]"),
                    w,
                    &global,
                )?);
            }
            for (j, e) in r.email_configs.unwrap_or_default().into_iter().enumerate() {
                rec.email_configs.push(self.email(
                    &format!("{path}.email_configs[{j}]"),
                    e,
                    &global,
                    &templates,
                )?);
            }
            receivers.push(rec);
        }
        let raw_route = raw
            .route
            .ok_or_else(|| self.err("", None, "no route provided in config"))?;
        let root_has_matchers = raw_route.match_eq.as_ref().is_some_and(|m| !m.is_empty())
            || raw_route.match_re.as_ref().is_some_and(|m| !m.is_empty())
            || raw_route.matchers.as_ref().is_some_and(|m| !m.is_empty());
        if raw_route
            .mute_time_intervals
            .as_ref()
            .is_some_and(|v| !v.is_empty())
        {
            return Err(self.at(
                "route",
                "mute_time_intervals",
                None,
                "root route must not have any mute time intervals",
            ));
        }
        if raw_route
            .active_time_intervals
            .as_ref()
            .is_some_and(|v| !v.is_empty())
        {
            return Err(self.at(
                "route",
                "active_time_intervals",
                None,
                "root route must not have any active time intervals",
            ));
        }
        let route = self.route("route", raw_route)?;
        if route.receiver.is_none() {
            return Err(self.at(
                "route",
                "route",
                None,
                "root route must specify a default receiver",
            ));
        }
        if root_has_matchers {
            return Err(self.at(
                "route",
                "route",
                None,
                "root route must not have any matchers",
            ));
        }
        let name_refs: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        self.check_receivers(&route, "route", &name_refs)?;
        if route.continue_matching {
            return Err(self.at(
                "route",
                "continue",
                None,
                "cannot have continue in root route",
            ));
        }
        let mut inhibit_rules = Vec::new();
        for (i, r) in raw
            .inhibit_rules
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            inhibit_rules.push(self.inhibit(&format!("inhibit_rules[{i}]"), r)?);
        }
        Ok(Config {
            global,
            route,
            receivers,
            inhibit_rules,
            templates: globs,
            parsed_templates: templates,
        })
    }
}

/// `content-type` -> `Content-Type`, as Go's `textproto.CanonicalMIMEHeaderKey`.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// An http or https URL with a host.
fn check_url(url: &str) -> std::result::Result<(), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        format!("unsupported scheme \"\" for URL (expected http or https): {url:?}")
    })?;
    if scheme != "http" && scheme != "https" {
        return Err(format!("unsupported scheme {scheme:?} for URL"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host.is_empty() {
        return Err("missing host for URL".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
global:
  resolve_timeout: 1m
  smtp_from: alerts@example.org
  smtp_smarthost: smtp.example.org:587
  smtp_auth_username: alerts
  smtp_auth_password: hunter2
  smtp_require_tls: true
route:
  receiver: team
  group_by: [alertname, site]
  group_wait: 10s
  routes:
    - matchers: ['severity="critical"', 'site=~"north|south"']
      receiver: pager
      continue: true
      resolve_immediately: true
    - match: {team: db}
      match_re: {service: "pg.*"}
      receiver: team
      group_by: ['...']
receivers:
  - name: team
    email_configs:
      - to: team@example.org
        headers: {x-team: db}
  - name: pager
    webhook_configs:
      - url: http://127.0.0.1:9999/hook
        max_alerts: 10
        hmac_secret: s3cr3t
        http_config:
          authorization: {credentials: tok}
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname]
  - source_match: {severity: critical}
    target_match_re: {severity: "info|warning"}
"#;

    #[test]
    fn parses_a_full_config() {
        let c = Config::parse(FULL).unwrap();
        assert_eq!(c.global.resolve_timeout_ms, 60_000);
        assert_eq!(c.route.receiver.as_deref(), Some("team"));
        assert_eq!(c.route.group_wait_ms, Some(10_000));
        assert_eq!(c.route.routes.len(), 2);
        assert_eq!(
            c.route.routes[0].matchers.to_string(),
            r#"{severity="critical",site=~"north|south"}"#
        );
        assert!(c.route.routes[0].continue_matching);
        assert_eq!(c.route.routes[0].resolve_immediately, Some(true));
        assert_eq!(c.route.routes[1].group_by, Some(GroupBy::All));
        assert_eq!(
            c.route.routes[1].matchers.to_string(),
            r#"{service=~"pg.*",team="db"}"#
        );
        let email = &c.receiver("team").unwrap().email_configs[0];
        assert_eq!(email.from, "alerts@example.org");
        assert_eq!(email.smarthost.to_string(), "smtp.example.org:587");
        assert_eq!(email.auth_password.as_ref().unwrap().expose(), "hunter2");
        assert_eq!(email.headers.get("X-Team").map(String::as_str), Some("db"));
        assert!(!email.send_resolved);
        let hook = &c.receiver("pager").unwrap().webhook_configs[0];
        assert!(hook.send_resolved);
        assert_eq!(hook.max_alerts, 10);
        let auth = hook.http_config.authorization.as_ref().unwrap();
        assert_eq!(auth.scheme, "Bearer");
        assert_eq!(c.inhibit_rules.len(), 2);
        assert_eq!(
            c.inhibit_rules[1].target.to_string(),
            r#"{severity=~"info|warning"}"#
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Config::parse(FULL).unwrap();
        let dump = format!("{c:?}");
        assert!(!dump.contains("hunter2"), "{dump}");
        assert!(!dump.contains("s3cr3t"));
        assert!(!dump.contains("tok\""));
        assert!(!dump.contains("9999"));
        assert!(dump.contains("<secret>"));
    }

    #[test]
    fn rejects_like_alertmanager() {
        let base = "receivers: [{name: a}]\n";
        let cases: &[(&str, &str)] = &[
            ("", "no route provided"),
            ("receivers: [{name: a}]", "no route provided"),
            (
                "route: {}\nreceivers: [{name: a}]",
                "root route must specify a default receiver",
            ),
            (
                "route: {receiver: b}\nreceivers: [{name: a}]",
                "undefined receiver \"b\"",
            ),
            (
                "route: {receiver: a, matchers: ['x=y']}\nreceivers: [{name: a}]",
                "root route must not have any matchers",
            ),
            (
                "route: {receiver: a, continue: true}\nreceivers: [{name: a}]",
                "cannot have continue in root route",
            ),
            (
                "route: {receiver: a}\nreceivers: [{name: a}, {name: a}]",
                "is not unique",
            ),
            (
                "route: {receiver: a, routes: [{matchers: ['x=~\"(\"']}]}\nreceivers: [{name: a}]",
                "bad matcher",
            ),
            (
                "route: {receiver: a, routes: [{match_re: {x: \"(\"}}]}\nreceivers: [{name: a}]",
                "invalid regular expression",
            ),
            (
                "route: {receiver: a, group_by: ['...', x]}\nreceivers: [{name: a}]",
                "wildcard group_by",
            ),
            (
                "route: {receiver: a, group_interval: 0s}\nreceivers: [{name: a}]",
                "group_interval cannot be zero",
            ),
            (
                "route: {receiver: a, group_wait: 5x}\nreceivers: [{name: a}]",
                "not a valid duration",
            ),
            (
                "route: {receiver: a, bogus: 1}\nreceivers: [{name: a}]",
                "unknown field `bogus`",
            ),
            (
                "route: {receiver: a}\nreceivers: [{name: a, email_configs: [{to: x@y}]}]",
                "no global SMTP smarthost set",
            ),
            (
                "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{}]}]",
                "one of url or url_file",
            ),
            (
                "route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'ftp://x'}]}]",
                "unsupported scheme",
            ),
            (
                "route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{}]}]",
                "not supported by Pulsegrid",
            ),
            (
                "route: {receiver: a, routes: [{receiver: a, mute_time_intervals: [x]}]}\nreceivers: [{name: a}]",
                "not supported",
            ),
            (
                "route: {receiver: a}\nreceivers: [{}]",
                "missing name in receiver",
            ),
        ];
        let _ = base;
        for (src, want) in cases {
            let err = Config::parse(src).expect_err(src).to_string();
            assert!(err.contains(want), "{src:?}: got {err:?}, want {want:?}");
        }
    }

    #[test]
    fn errors_name_path_and_line() {
        let src = "route:\n  receiver: a\n  routes:\n    - receiver: a\n    - receiver: nope\nreceivers:\n  - name: a\n";
        let err = Config::parse(src).unwrap_err();
        let Error::Config { path, line, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(path, "route.routes[1].receiver");
        assert_eq!(*line, Some(5));
        let src = "route:\n  receiver: a\n  group_wait: soon\nreceivers:\n  - name: a\n";
        let err = Config::parse(src).unwrap_err().to_string();
        assert!(err.contains("route.group_wait (line 3)"), "{err}");
    }

    #[test]
    fn durations() {
        let ok = [
            ("0", 0),
            ("30s", 30_000),
            ("1h30m", 5_400_000),
            ("2d", 172_800_000),
            ("1w", 604_800_000),
            ("500ms", 500),
            ("1m500ms", 60_500),
        ];
        for (t, ms) in ok {
            assert_eq!(parse_duration(t), Ok(ms), "{t}");
        }
        for bad in ["", "1.5h", "30", "1m1h", "s", "1x", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn numeric_durations_and_host_ports() {
        let c =
            Config::parse("route: {receiver: a, group_wait: 0}\nreceivers: [{name: a}]").unwrap();
        assert_eq!(c.route.group_wait_ms, Some(0));
        assert!(HostPort::parse("localhost").is_err());
        assert!(HostPort::parse("localhost:").is_err());
        assert_eq!(HostPort::parse("[::1]:25").unwrap().to_string(), "[::1]:25");
    }
}
