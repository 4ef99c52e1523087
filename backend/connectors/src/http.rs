//! What HTTP sources (Prometheus, InfluxDB) share: the base URL without credentials, auth
//! from the datasource (basic auth, custom headers), and turning transport failures into
//! [`SourceError::Upstream`] messages that name the address but never a secret.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::error::{Result, SourceError};
use crate::settings::Settings;

/// Grafana's default data source HTTP timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where an HTTP source is and how to authenticate to it.
#[derive(Clone)]
pub(crate) struct HttpEndpoint {
    /// The datasource's name, for error messages.
    pub(crate) source_name: String,
    /// Base URL without user info and without a trailing `/`.
    pub(crate) base: String,
    /// Basic auth user and password.
    basic: Option<(String, Option<String>)>,
    /// Extra headers (`httpHeaderName1`/`httpHeaderValue1`, ...).
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Per-request timeout (`jsonData.timeout`, seconds).
    pub(crate) timeout: Duration,
}

impl fmt::Debug for HttpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpEndpoint")
            .field("base", &self.base)
            .field("basic_auth_user", &self.basic.as_ref().map(|(u, _)| u))
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpEndpoint {
    /// Reads the URL, `basicAuth`/`basicAuthUser`/`secureJsonData.basicAuthPassword`,
    /// `jsonData.httpHeaderNameN`/`secureJsonData.httpHeaderValueN` and `jsonData.timeout`.
    /// User info in the URL (`http://user:pass@host`) becomes basic auth.
    pub(crate) fn from_settings(s: Settings<'_>, example_url: &str) -> Result<Self> {
        let raw = s.url(example_url)?;
        let mut url = reqwest::Url::parse(raw).map_err(|e| {
            s.error(format!(
                "`url` is not a valid URL ({e}); expected e.g. {example_url}"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(s.error(format!(
                "`url` must start with http:// or https://, found scheme {:?}",
                url.scheme()
            )));
        }
        let mut basic = None;
        if !url.username().is_empty() {
            basic = Some((url.username().to_owned(), url.password().map(str::to_owned)));
            // Setting empty user info cannot fail on an http(s) URL.
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        if s.ds.basic_auth {
            let user = s.ds.basic_auth_user.clone().unwrap_or_default();
            basic = Some((user, s.secret("basicAuthPassword").map(str::to_owned)));
        }
        let mut headers = Vec::new();
        for n in 1.. {
            let Some(name) = s.json_str(&format!("httpHeaderName{n}"))? else {
                break;
            };
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                s.error(format!(
                    "`jsonData.httpHeaderName{n}` is not a valid header name: {name:?}"
                ))
            })?;
            let value = s.secret(&format!("httpHeaderValue{n}")).unwrap_or_default();
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                s.error(format!(
                    "`secureJsonData.httpHeaderValue{n}` is not a valid header value"
                ))
            })?;
            value.set_sensitive(true);
            headers.push((name, value));
        }
        let timeout = s
            .json_duration_ms("timeout")?
            .filter(|ms| *ms > 0)
            .map_or(DEFAULT_TIMEOUT, |ms| {
                Duration::from_millis(ms.unsigned_abs())
            });
        Ok(HttpEndpoint {
            source_name: s.ds.name.clone(),
            base: url.as_str().trim_end_matches('/').to_owned(),
            basic,
            headers,
            timeout,
        })
    }

    /// The full URL of `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds auth, headers and the timeout to a request.
    pub(crate) fn prepare(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut request = request.timeout(self.timeout);
        if let Some((user, password)) = &self.basic {
            request = request.basic_auth(user, password.as_deref());
        }
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        request
    }

    /// An upstream error with `message`.
    pub(crate) fn upstream(&self, message: impl Into<String>) -> SourceError {
        SourceError::Upstream {
            source_name: self.source_name.clone(),
            message: message.into(),
        }
    }

    /// A transport failure (connection refused, timeout, unreadable body) as an upstream
    /// error naming the base URL; the request URL (which may carry a query) is left out.
    pub(crate) fn transport_error(&self, err: reqwest::Error) -> SourceError {
        let what = if err.is_timeout() {
            format!(
                "request to {} timed out after {:?}",
                self.base, self.timeout
            )
        } else if err.is_decode() || err.is_body() {
            format!("cannot read the response from {}", self.base)
        } else {
            format!("cannot reach {}", self.base)
        };
        self.upstream(format!("{what}: {}", error_chain(&err.without_url())))
    }
}

/// An error and its causes, joined by `: `, skipping causes already in the text.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}

/// The first `max` characters of a response body, for messages.
pub(crate) fn snippet(body: &str, max: usize) -> String {
    let body = body.trim();
    match body.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &body[..at]),
        None => body.to_owned(),
    }
}
