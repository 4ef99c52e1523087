//! The webhook integration: an HTTP POST of Alertmanager's version-4 JSON
//! ([`webhook_message`]) as `application/json`, with `max_alerts` truncation and
//! `send_resolved` applied, basic or `Authorization` credentials from `http_config`, and the
//! Pulsegrid `X-Pulsegrid-Signature: sha256=<hex>` header when `hmac_secret` is set. Each
//! request is bounded by the config's `timeout` (10 s when unset). The URL may hold a token, so
//! it never appears in logs or errors.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::{
    NotifyError, NotifyErrorKind, Receiver, SendFuture, USER_AGENT, read_secret, with_causes,
};
use crate::notify::Notification;
use crate::notify::config::{Secret, WebhookConfig};
use crate::notify::payload::{SIGNATURE_HEADER, signature, webhook_message};

/// How long a webhook request may take unless the config's `timeout` or
/// [`WebhookReceiver::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of an error answer's body goes into the error message.
const ERROR_BODY_LIMIT: usize = 256;

/// One `webhook_configs` entry, ready to send.
#[derive(Debug)]
pub struct WebhookReceiver {
    config: WebhookConfig,
    external_url: String,
    client: reqwest::Client,
    timeout: Duration,
}

impl WebhookReceiver {
    /// A receiver for this configuration; `external_url` is Pulsegrid's base URL for the
    /// payload's `externalURL`. Fails when the HTTP client cannot be built (a bad `proxy_url`).
    pub fn new(
        config: WebhookConfig,
        external_url: impl Into<String>,
    ) -> Result<Self, NotifyError> {
        let http = &config.http_config;
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .danger_accept_invalid_certs(http.tls_insecure_skip_verify);
        if http.follow_redirects == Some(false) {
            builder = builder.redirect(reqwest::redirect::Policy::none());
        }
        if let Some(proxy) = &http.proxy_url {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|e| NotifyError::config(format!("webhook proxy_url: {e}")))?;
            builder = builder.proxy(proxy);
        }
        let client = builder
            .build()
            .map_err(|e| NotifyError::config(format!("webhook HTTP client: {e}")))?;
        Ok(Self::with_client(config, external_url, client))
    }

    /// A receiver sending through this client (shared connection pools, tests).
    pub fn with_client(
        config: WebhookConfig,
        external_url: impl Into<String>,
        client: reqwest::Client,
    ) -> Self {
        WebhookReceiver {
            timeout: config.timeout.unwrap_or(DEFAULT_TIMEOUT),
            config,
            external_url: external_url.into(),
            client,
        }
    }

    /// Sets the request timeout (the config's `timeout`, else 10 s, by default).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn post(&self, n: &Notification) -> Result<(), NotifyError> {
        let Some(n) = n.for_integration(self.config.send_resolved) else {
            return Ok(());
        };
        let Some(message) = webhook_message(
            &n,
            self.config.send_resolved,
            self.config.max_alerts,
            &self.external_url,
        ) else {
            return Ok(());
        };
        let body = message.to_json();
        let url = self.url()?;
        let mut request = self
            .client
            .post(url.expose())
            .timeout(self.timeout)
            .header(CONTENT_TYPE, "application/json");
        let http = &self.config.http_config;
        if let Some(basic) = &http.basic_auth {
            let password = read_secret(
                basic.password.as_ref(),
                basic.password_file.as_deref(),
                "basic_auth password",
            )?;
            request = request.basic_auth(&basic.username, password.as_ref().map(Secret::expose));
        }
        if let Some(auth) = &http.authorization {
            let credentials = read_secret(
                auth.credentials.as_ref(),
                auth.credentials_file.as_deref(),
                "authorization credentials",
            )?
            .unwrap_or_else(|| Secret::new(""));
            request = request.header(
                AUTHORIZATION,
                format!("{} {}", auth.scheme, credentials.expose()),
            );
        }
        if let Some(secret) = &self.config.hmac_secret {
            request = request.header(
                SIGNATURE_HEADER,
                signature(secret.expose().as_bytes(), &body),
            );
        }
        let response = request.body(body).send().await.map_err(http_error)?;
        let status = response.status();
        if status.is_success() {
            tracing::debug!(receiver = %n.receiver, %status, "webhook delivered");
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let mut excerpt: String = text.chars().take(ERROR_BODY_LIMIT).collect();
        if excerpt.len() < text.len() {
            excerpt.push('…');
        }
        Err(NotifyError::new(
            NotifyErrorKind::Http(status.as_u16()),
            format!(
                "webhook for receiver {:?}: unexpected status {status}: {}",
                n.receiver,
                excerpt.trim()
            ),
        ))
    }

    /// The endpoint, from `url` or read from `url_file` at each send (as Alertmanager does).
    fn url(&self) -> Result<Secret, NotifyError> {
        read_secret(
            self.config.url.as_ref(),
            self.config.url_file.as_deref(),
            "webhook url",
        )?
        .ok_or_else(|| NotifyError::config("webhook has neither url nor url_file"))
    }
}

impl Receiver for WebhookReceiver {
    fn integration(&self) -> &'static str {
        "webhook"
    }

    fn send<'a>(&'a self, n: &'a Notification) -> SendFuture<'a> {
        Box::pin(self.post(n))
    }
}

/// Classifies a reqwest error, without its URL.
fn http_error(e: reqwest::Error) -> NotifyError {
    let kind = if e.is_timeout() {
        NotifyErrorKind::Timeout
    } else if e.is_connect() {
        NotifyErrorKind::Connect
    } else if e.is_builder() {
        NotifyErrorKind::Config
    } else {
        NotifyErrorKind::Network
    };
    NotifyError::new(
        kind,
        with_causes("webhook request failed", &e.without_url()),
    )
}
