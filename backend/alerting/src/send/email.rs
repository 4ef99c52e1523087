//! The email integration: one message per notification over SMTP, as Alertmanager's
//! `email_configs` send it. The subject and the multipart/alternative text and HTML bodies are
//! the configured templates, or by default [`email_subject`], [`email_text`] and
//! [`email_html`]; `to` is a comma-separated list. Transport security follows
//! Alertmanager: implicit TLS when the smarthost's port is 465, else STARTTLS when
//! `require_tls` (the default) and plain SMTP otherwise. Certificates are checked against the
//! system roots unless `tls_config.insecure_skip_verify`. With an `auth_username`, PLAIN or
//! LOGIN authentication is used (the password inline or from `auth_password_file`).
//!
//! Like Alertmanager, `to`, `from`, `html`, `text` and every header value are templates
//! ([`crate::notify::template`]) rendered with the notification's data: a `Subject` header
//! replaces the default subject, `html` and `text` the default bodies (each one that is set;
//! the other keeps Pulsegrid's default, so both parts are always sent). A render error is a
//! permanent [`NotifyErrorKind::Config`] error naming the receiver and the field.
//!
//! [`EmailReceiver::send_with_images`] adds PNGs (the rule's graph): each is shown in the HTML
//! body (`<img src="cid:...">`, a `multipart/related` around the alternatives) and attached as
//! a file, in a `multipart/mixed` message; the text body stays readable on its own.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Mailboxes, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{NotifyError, NotifyErrorKind, Receiver, SendFuture, read_secret, with_causes};
use crate::notify::Notification;
use crate::notify::config::EmailConfig;
use crate::notify::payload::{EmailMessage, TemplateData, email_html, email_subject, email_text};

/// How long a whole SMTP delivery may take unless [`EmailReceiver::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The port on which SMTP speaks TLS from the first byte (SMTPS).
const IMPLICIT_TLS_PORT: u16 = 465;

/// A PNG shown in a notification's HTML body (`<img src="cid:{content_id}">`) and attached
/// as `filename`.
#[derive(Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// The `Content-ID` the HTML refers to (letters, digits and `.-_@` only).
    pub content_id: String,
    /// The attachment's file name (`LinePressureHigh.png`).
    pub filename: String,
    /// The PNG bytes.
    pub png: Vec<u8>,
}

impl std::fmt::Debug for InlineImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineImage")
            .field("content_id", &self.content_id)
            .field("filename", &self.filename)
            .field("png_bytes", &self.png.len())
            .finish()
    }
}

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

    /// Delivers `n` as [`Receiver::send`] does, with `images` in the HTML body and attached.
    /// Without images the message is the same as `send`'s.
    pub async fn send_with_images(
        &self,
        n: &Notification,
        images: &[InlineImage],
    ) -> Result<(), NotifyError> {
        self.deliver(n, images).await
    }

    async fn deliver(&self, n: &Notification, images: &[InlineImage]) -> Result<(), NotifyError> {
        let Some(n) = n.for_integration(self.config.send_resolved) else {
            return Ok(());
        };
        let alerts = n.alerts_for(self.config.send_resolved);
        if alerts.is_empty() {
            return Ok(());
        }
        let data = TemplateData::new(&n, &alerts, &self.external_url);
        let rendered = self.render(&data, &n.receiver)?;
        let message = self.message(&rendered, images)?;
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

    /// The addresses, headers and bodies of the message: the configured templates rendered
    /// with `data`, Pulsegrid's defaults for what is not configured.
    fn render(&self, data: &TemplateData, receiver: &str) -> Result<Rendered, NotifyError> {
        let c = &self.config;
        let t = &c.templates;
        let fail = |field: &str, e: crate::rules::template::TemplateError| {
            NotifyError::config(format!(
                "email for receiver {receiver:?}: cannot render {field}: {e}"
            ))
        };
        let text = |field: &str, src: &str| t.render_text(src, data).map_err(|e| fail(field, e));
        let subject = match c.headers.get("Subject") {
            Some(src) => text("headers.Subject", src)?,
            None => email_subject(data),
        };
        let html = match &c.html {
            Some(src) => t.render_html(src, data).map_err(|e| fail("html", e))?,
            None => email_html(data),
        };
        let body = match &c.text {
            Some(src) => text("text", src)?,
            None => email_text(data),
        };
        let mut headers = Vec::new();
        for (name, src) in &c.headers {
            if !["from", "to", "subject"].contains(&name.to_ascii_lowercase().as_str()) {
                headers.push((name.clone(), text(&format!("headers.{name}"), src)?));
            }
        }
        Ok(Rendered {
            from: text("from", &c.from)?,
            to: text("to", &c.to)?,
            headers,
            content: EmailMessage {
                subject,
                text: body,
                html,
            },
        })
    }

    /// The message: From, To, Subject, Date, the extra headers, both bodies and the images.
    fn message(&self, r: &Rendered, images: &[InlineImage]) -> Result<Message, NotifyError> {
        let content = &r.content;
        let from: Mailbox = r
            .from
            .parse()
            .map_err(|e| NotifyError::config(format!("email from {:?}: {e}", r.from)))?;
        let to: Mailboxes =
            r.to.parse()
                .map_err(|e| NotifyError::config(format!("email to {:?}: {e}", r.to)))?;
        let mut builder = Message::builder()
            .from(from)
            .subject(content.subject.clone())
            .date_now();
        for mailbox in to {
            builder = builder.to(mailbox);
        }
        for (name, value) in &r.headers {
            let header = HeaderName::new_from_ascii(name.clone())
                .map_err(|e| NotifyError::config(format!("email header {name:?}: {e}")))?;
            builder = builder.raw_header(HeaderValue::new(header, value.clone()));
        }
        let body = if images.is_empty() {
            MultiPart::alternative_plain_html(content.text.clone(), content.html.clone())
        } else {
            with_images(content, images)?
        };
        builder
            .multipart(body)
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

/// A message's rendered addresses, extra headers (not From, To or Subject) and content.
struct Rendered {
    from: String,
    to: String,
    headers: Vec<(String, String)>,
    content: EmailMessage,
}

impl Receiver for EmailReceiver {
    fn integration(&self) -> &'static str {
        "email"
    }

    fn send<'a>(&'a self, n: &'a Notification) -> SendFuture<'a> {
        Box::pin(self.deliver(n, &[]))
    }
}

/// `multipart/mixed` [ `multipart/related` [ `multipart/alternative` [text, HTML with the
/// images], the images inline ], the images as attachments ].
fn with_images(content: &EmailMessage, images: &[InlineImage]) -> Result<MultiPart, NotifyError> {
    let png = ContentType::parse("image/png")
        .map_err(|e| NotifyError::config(format!("email image content type: {e}")))?;
    let mut figures = String::new();
    for image in images {
        let valid = !image.content_id.is_empty()
            && image
                .content_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_@".contains(&b));
        if !valid {
            return Err(NotifyError::config(format!(
                "email image content id {:?}: expected letters, digits and .-_@ only",
                image.content_id
            )));
        }
        figures.push_str(&format!(
            "<p><img src=\"cid:{}\" alt=\"{}\" style=\"max-width:100%\"></p>\n",
            image.content_id,
            escape_html(&image.filename)
        ));
    }
    let html = match content.html.rfind("</body>") {
        Some(at) => format!("{}{figures}{}", &content.html[..at], &content.html[at..]),
        None => format!("{}{figures}", content.html),
    };
    let mut related = MultiPart::related().multipart(MultiPart::alternative_plain_html(
        content.text.clone(),
        html,
    ));
    for image in images {
        related = related.singlepart(
            Attachment::new_inline(image.content_id.clone()).body(image.png.clone(), png.clone()),
        );
    }
    let mut mixed = MultiPart::mixed().multipart(related);
    for image in images {
        mixed = mixed.singlepart(
            Attachment::new(image.filename.clone()).body(image.png.clone(), png.clone()),
        );
    }
    Ok(mixed)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
