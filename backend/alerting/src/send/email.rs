//! The email integration: one message per notification over SMTP, as Alertmanager's
//! `email_configs` send it. The subject and the multipart/alternative text and HTML bodies come
//! from [`email_message`]; `to` is a comma-separated list. Transport security follows
//! Alertmanager: implicit TLS when the smarthost's port is 465, else STARTTLS when
//! `require_tls` (the default) and plain SMTP otherwise. Certificates are checked against the
//! system roots unless `tls_config.insecure_skip_verify`. With an `auth_username`, PLAIN or
//! LOGIN authentication is used (the password inline or from `auth_password_file`).
//!
//! `headers` are added as written, except `From`, `To` and `Subject`, which Pulsegrid sets
//! itself (templates are not rendered, see [`crate::notify::config`]).

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{NotifyError, NotifyErrorKind, Receiver, SendFuture, read_secret, with_causes};
use crate::notify::Notification;
use crate::notify::config::EmailConfig;
use crate::notify::payload::{EmailMessage, email_message};

/// How long a whole SMTP delivery may take unless [`EmailReceiver::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The port on which SMTP speaks TLS from the first byte (SMTPS).
const IMPLICIT_TLS_PORT: u16 = 465;

/// One `email_configs` entry, ready to send.
#[derive(Debug)]
pub struct EmailReceiver {
    config: EmailConfig,
    external_url: String,
    timeout: Duration,
}

impl EmailReceiver {
    /// A receiver for this configuration; `external_url` is Pulsegrid's base URL, linked from
    /// the bodies.
    pub fn new(config: EmailConfig, external_url: impl Into<String>) -> Self {
        EmailReceiver {
            config,
            external_url: external_url.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets how long a delivery may take, from connecting to the server's last answer (10 s by
    /// default).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn deliver(&self, n: &Notification) -> Result<(), NotifyError> {
        let Some(n) = n.for_integration(self.config.send_resolved) else {
            return Ok(());
        };
        let Some(content) = email_message(&n, self.config.send_resolved, &self.external_url) else {
            return Ok(());
        };
        let message = self.message(&content)?;
        let transport = self.transport()?;
        // lettre's own timeout does not bound every read of the conversation (a server that
        // stops answering would hold the send for minutes), so the whole delivery has one.
        tokio::time::timeout(self.timeout, transport.send(message))
            .await
            .map_err(|_| {
                NotifyError::new(
                    NotifyErrorKind::Timeout,
                    format!(
                        "smtp: no answer from {} within {:?}",
                        self.config.smarthost, self.timeout
                    ),
                )
            })?
            .map_err(smtp_error)?;
        tracing::debug!(receiver = %n.receiver, smarthost = %self.config.smarthost, "email delivered");
        Ok(())
    }

    /// The message: From, To, Subject, Date, the extra headers and both bodies.
    fn message(&self, content: &EmailMessage) -> Result<Message, NotifyError> {
        let c = &self.config;
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|e| NotifyError::config(format!("email from {:?}: {e}", c.from)))?;
        let to: Mailboxes =
            c.to.parse()
                .map_err(|e| NotifyError::config(format!("email to {:?}: {e}", c.to)))?;
        let mut builder = Message::builder()
            .from(from)
            .subject(content.subject.clone())
            .date_now();
        for mailbox in to {
            builder = builder.to(mailbox);
        }
        for (name, value) in &c.headers {
            if ["from", "to", "subject"].contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let header = HeaderName::new_from_ascii(name.clone())
                .map_err(|e| NotifyError::config(format!("email header {name:?}: {e}")))?;
            builder = builder.raw_header(HeaderValue::new(header, value.clone()));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                content.text.clone(),
                content.html.clone(),
            ))
            .map_err(|e| NotifyError::config(format!("email message: {e}")))
    }

    /// An SMTP connection to the smarthost with the configured security and credentials.
    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
        let c = &self.config;
        let host = c.smarthost.host.clone();
        let port = smtp_port(&c.smarthost.port)?;
        let tls = if port == IMPLICIT_TLS_PORT || c.require_tls {
            let parameters = TlsParameters::builder(host.clone())
                .dangerous_accept_invalid_certs(c.tls_insecure_skip_verify)
                .dangerous_accept_invalid_hostnames(c.tls_insecure_skip_verify)
                .build_rustls()
                .map_err(|e| NotifyError::config(format!("email TLS settings: {e}")))?;
            if port == IMPLICIT_TLS_PORT {
                Tls::Wrapper(parameters)
            } else {
                Tls::Required(parameters)
            }
        } else {
            Tls::None
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .hello_name(ClientId::Domain(c.hello.clone()))
            .timeout(Some(self.timeout));
        if let Some(user) = &c.auth_username {
            let password = read_secret(
                c.auth_password.as_ref(),
                c.auth_password_file.as_deref(),
                "smtp auth_password",
            )?
            .map(|p| p.expose().to_owned())
            .unwrap_or_default();
            builder = builder
                .credentials(Credentials::new(user.clone(), password))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(builder.build())
    }
}

impl Receiver for EmailReceiver {
    fn integration(&self) -> &'static str {
        "email"
    }

    fn send<'a>(&'a self, n: &'a Notification) -> SendFuture<'a> {
        Box::pin(self.deliver(n))
    }
}

/// A smarthost port: a number or one of the usual SMTP service names.
fn smtp_port(port: &str) -> Result<u16, NotifyError> {
    match port {
        "smtp" => Ok(25),
        "submission" => Ok(587),
        "smtps" | "submissions" => Ok(465),
        _ => port
            .parse()
            .map_err(|_| NotifyError::config(format!("smarthost port {port:?} is not a number"))),
    }
}

/// Classifies an SMTP error: reply codes as they are, the rest by where it happened.
fn smtp_error(e: lettre::transport::smtp::Error) -> NotifyError {
    let code = e.status().and_then(|c| c.to_string().parse::<u16>().ok());
    let kind = match code {
        Some(code) if e.is_transient() || e.is_permanent() => NotifyErrorKind::Smtp(code),
        _ if e.is_timeout() => NotifyErrorKind::Timeout,
        _ if e.is_tls() || caused_by_tls(&e) => NotifyErrorKind::Tls,
        _ if e.is_client() => NotifyErrorKind::Config,
        _ if e.is_response() => NotifyErrorKind::Network,
        _ => NotifyErrorKind::Connect,
    };
    NotifyError::new(kind, with_causes("smtp", &e))
}

/// Whether a rustls error (a failed handshake, a refused certificate) is among the causes:
/// lettre reports those as connection errors.
fn caused_by_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && inner.is::<rustls::Error>()
        {
            return true;
        }
        next = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(smtp_port("587").unwrap(), 587);
        assert_eq!(smtp_port("smtps").unwrap(), 465);
        assert!(!smtp_port("nope").unwrap_err().is_retryable());
    }
}
