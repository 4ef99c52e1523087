//! The email integration against a real SMTP server: Debian's `python3-aiosmtpd`, started per
//! test on a free port with a small handler (written to the test's temp dir) that parses each
//! message with Python's `email` package and writes what it found as JSON. Checks the
//! envelope, headers, the multipart/alternative text and HTML bodies, STARTTLS with a
//! self-signed certificate, and which failures are retryable.
//!
//! Needs `/usr/bin/python3` with `aiosmtpd` (`apt-get install python3-aiosmtpd`) and `openssl`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pulsegrid_alerting::notify::config::{EmailConfig, HostPort, Secret};
use pulsegrid_alerting::notify::{Alert, Notification};
use pulsegrid_alerting::send::email::InlineImage;
use pulsegrid_alerting::send::{EmailReceiver, NotifyErrorKind, Receiver};
use pulsegrid_model::Labels;
use serde_json::Value;

const T0: i64 = 1_714_557_600_000;
const PYTHON: &str = "/usr/bin/python3";

/// Records every message as `<n>.json`; refuses recipients named `reject*` (550) and
/// `tempfail*` (451).
const HANDLER: &str = r#"
import email, email.policy, json, os, time, uuid
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == b'alice' and auth_data.password == b's3cret')
    # handled=False: let aiosmtpd answer 535 itself on failure.
    return AuthResult(success=ok, handled=False, auth_data=auth_data)

def serve_with_auth(host, port):
    """AUTH (PLAIN, LOGIN) required for mail, offered without TLS: alice / s3cret."""
    Controller(Handler(), hostname=host, port=port, authenticator=authenticator,
               auth_required=True, auth_require_tls=False).start()
    while True:
        time.sleep(3600)

def serve_implicit_tls(host, port, cert, key):
    """SMTP inside TLS from the first byte (port 465, "smtps")."""
    import ssl
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    Controller(Handler(), hostname=host, port=port, ssl_context=ctx).start()
    while True:
        time.sleep(3600)

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('reject'):
            return '550 5.1.1 no such user'
        if address.startswith('tempfail'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        plain = msg.get_body(preferencelist=('plain',))
        html = msg.get_body(preferencelist=('html',))
        record = {
            'helo': session.host_name,
            'tls': session.ssl is not None,
            'auth_login': session.auth_data.login.decode()
                if isinstance(session.auth_data, LoginPassword) else None,
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'content_type': msg.get_content_type(),
            'headers': {k: str(v) for k, v in msg.items()},
            'text': plain.get_content() if plain is not None else None,
            'html': html.get_content() if html is not None else None,
            'parts': [{
                'content_type': part.get_content_type(),
                'content_id': part.get('Content-ID'),
                'disposition': part.get_content_disposition(),
                'filename': part.get_filename(),
                'png': (part.get_payload(decode=True) or b'').startswith(b'\x89PNG'),
            } for part in msg.walk()],
        }
        out = os.environ['PULSEGRID_SMTP_OUT']
        name = os.path.join(out, uuid.uuid4().hex)
        with open(name + '.tmp', 'w') as f:
            json.dump(record, f)
        os.rename(name + '.tmp', name + '.json')
        return '250 Message accepted for delivery'
"#;

/// An aiosmtpd process on a free port, killed when dropped.
struct SmtpServer {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    /// Plain SMTP.
    fn start() -> Self {
        Self::spawn(&[])
    }

    /// STARTTLS required, with a fresh self-signed certificate.
    fn start_tls() -> Self {
        let certs = tempfile::tempdir().unwrap();
        let (cert, key) = self_signed(certs.path());
        let server = Self::spawn(&[
            "--tlscert".as_ref(),
            cert.as_os_str(),
            "--tlskey".as_ref(),
            key.as_os_str(),
        ]);
        // The files are read at start-up.
        drop(certs);
        server
    }

    /// Plain SMTP requiring AUTH (PLAIN or LOGIN) as `alice` / `s3cret`.
    fn start_auth() -> Self {
        Self::launch(|addr| {
            let mut command = Command::new(PYTHON);
            command.arg("-c").arg(format!(
                "import pulsegrid_smtp_handler as h; h.serve_with_auth('{}', {})",
                addr.ip(),
                addr.port()
            ));
            command
        })
    }

    /// SMTP inside TLS (Alertmanager and Pulsegrid use it on port 465) with a fresh
    /// self-signed certificate, on `addr`.
    fn start_implicit_tls(addr: SocketAddr) -> Self {
        let certs = tempfile::tempdir().unwrap();
        let (cert, key) = self_signed(certs.path());
        let server = Self::launch_at(addr, |addr| {
            let mut command = Command::new(PYTHON);
            command.arg("-c").arg(format!(
                "import pulsegrid_smtp_handler as h; h.serve_implicit_tls('{}', {}, '{}', '{}')",
                addr.ip(),
                addr.port(),
                cert.display(),
                key.display()
            ));
            command
        });
        drop(certs);
        server
    }

    fn spawn(extra: &[&std::ffi::OsStr]) -> Self {
        Self::launch(|addr| {
            let mut command = Command::new(PYTHON);
            command
                .args(["-m", "aiosmtpd", "-n", "-l", &addr.to_string()])
                .args(["-c", "pulsegrid_smtp_handler.Handler"])
                .args(extra);
            command
        })
    }

    fn launch(command: impl FnOnce(SocketAddr) -> Command) -> Self {
        Self::launch_at(free_addr(), command)
    }

    fn launch_at(addr: SocketAddr, command: impl FnOnce(SocketAddr) -> Command) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pulsegrid_smtp_handler.py"), HANDLER).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let child = command(addr)
            .env("PYTHONPATH", dir.path())
            .env("PULSEGRID_SMTP_OUT", &out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (apt-get install python3-aiosmtpd)");
        let mut server = SmtpServer { addr, dir, child };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("aiosmtpd exited: {status} (is python3-aiosmtpd installed?)");
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("aiosmtpd did not listen on {} within 15 s", self.addr);
    }

    /// The messages received so far.
    fn messages(&self) -> Vec<Value> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    (cert, key)
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

fn notification() -> Notification {
    let mut a = Alert::firing(
        labels(&[
            ("alertname", "LinePressureHigh"),
            ("instance", "pump-1"),
            ("severity", "critical"),
        ]),
        T0,
    );
    a.annotations = labels(&[("summary", "Line pressure <high> & rising")]);
    Notification {
        receiver: "ops".into(),
        group_key: r#"{}:{alertname="LinePressureHigh"}"#.into(),
        group_labels: labels(&[("alertname", "LinePressureHigh")]),
        alerts: vec![a],
        at: T0 + 30_000,
        unannounced: BTreeSet::new(),
    }
}

fn config(addr: SocketAddr, to: &str) -> EmailConfig {
    EmailConfig {
        send_resolved: false,
        to: to.into(),
        from: "Pulsegrid <alerts@pulsegrid.test>".into(),
        hello: "pulsegrid.test".into(),
        smarthost: HostPort {
            host: addr.ip().to_string(),
            port: addr.port().to_string(),
        },
        auth_username: None,
        auth_password: None,
        auth_password_file: None,
        auth_identity: None,
        require_tls: false,
        tls_insecure_skip_verify: false,
        html: None,
        text: None,
        headers: BTreeMap::new(),
        templates: Default::default(),
    }
}

fn receiver(config: EmailConfig) -> EmailReceiver {
    EmailReceiver::new(config, "http://pulsegrid.example:8080").with_timeout(Duration::from_secs(5))
}

/// `html`, `text` and a `Subject` header written as templates, calling templates of a
/// `templates:` file (globbed from the configuration's directory), arrive rendered: the subject
/// and text unescaped, the HTML with values escaped and `safeHtml` kept; other headers are
/// rendered too.
#[tokio::test]
async fn renders_custom_templates_from_files() {
    let server = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/pulsegrid.tmpl"),
        r#"{{ define "pg.subject" }}{{ .Alerts.Firing | len }} firing: {{ .CommonLabels.alertname }} on {{ .CommonLabels.instance | toUpper }}{{ end }}
{{ define "pg.text" }}{{ range .Alerts }}* {{ .Annotations.summary }} [{{ .Labels.SortedPairs.Values | join "," }}]
{{ end }}{{ end }}
{{ define "pg.html" }}<h1>{{ template "pg.subject" . }}</h1>{{ range .Alerts }}<p>{{ .Annotations.summary }}</p>{{ end }}{{ safeHtml "<hr>" }}{{ end }}
"#,
    )
    .unwrap();
    let yaml = format!(
        r#"templates: ['templates/*.tmpl']
route: {{receiver: ops}}
receivers:
- name: ops
  email_configs:
  - to: team@example.org
    from: Pulsegrid <alerts@pulsegrid.test>
    smarthost: {}
    require_tls: false
    headers:
      Subject: '{{{{ template "pg.subject" . }}}} ({{{{ template "__subject" . }}}})'
      X-Receiver: '{{{{ .Receiver | toUpper }}}}'
    text: '{{{{ template "pg.text" . }}}}'
    html: '{{{{ template "pg.html" . }}}}'
"#,
        server.addr
    );
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(&file, yaml).unwrap();
    let config = pulsegrid_alerting::notify::Config::load(&file).unwrap();
    let email = config.receivers[0].email_configs[0].clone();
    receiver(email).send(&notification()).await.unwrap();

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(
        m["headers"]["Subject"],
        "1 firing: LinePressureHigh on PUMP-1 ([FIRING:1] LinePressureHigh (pump-1 critical))"
    );
    assert_eq!(m["headers"]["X-Receiver"], "OPS");
    assert_eq!(
        m["text"].as_str().unwrap().trim_end(),
        "* Line pressure <high> & rising [LinePressureHigh,pump-1,critical]"
    );
    assert_eq!(
        m["html"].as_str().unwrap().trim_end(),
        "<h1>1 firing: LinePressureHigh on PUMP-1</h1><p>Line pressure &lt;high&gt; &amp; rising</p><hr>"
    );
}

/// A template that fails when rendered is a permanent error naming the receiver and field.
#[tokio::test]
async fn render_errors_are_permanent() {
    let server = SmtpServer::start();
    let mut c = config(server.addr, "team@example.org");
    c.html = Some(r#"{{ template "nowhere" . }}"#.into());
    let err = receiver(c).send(&notification()).await.unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Config, "{err}");
    assert!(!err.is_retryable());
    assert!(err.message.contains(r#"receiver "ops""#), "{err}");
    assert!(err.message.contains("cannot render html"), "{err}");
    assert!(
        err.message.contains(r#"template "nowhere" not defined"#),
        "{err}"
    );
    assert!(server.messages().is_empty());
}

/// A plain SMTP delivery: envelope, From/To/Subject, extra headers, and the text and HTML
/// alternatives of the default bodies.
#[tokio::test]
async fn delivers_a_multipart_message() {
    let server = SmtpServer::start();
    let mut c = config(server.addr, "team@example.org, oncall@example.org");
    c.headers.insert("X-Team".into(), "process".into());
    receiver(c).send(&notification()).await.unwrap();

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["helo"], "pulsegrid.test");
    assert_eq!(m["tls"], false);
    assert_eq!(m["auth_login"], Value::Null);
    assert_eq!(m["mail_from"], "alerts@pulsegrid.test");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["team@example.org", "oncall@example.org"])
    );
    assert_eq!(m["content_type"], "multipart/alternative");
    let h = &m["headers"];
    assert_eq!(
        h["Subject"],
        "[FIRING:1] LinePressureHigh (pump-1 critical)"
    );
    assert_eq!(h["From"], "Pulsegrid <alerts@pulsegrid.test>");
    assert_eq!(h["To"], "team@example.org, oncall@example.org");
    assert_eq!(h["X-Team"], "process");
    assert!(h["Date"].is_string());
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("Firing (1):"), "{text}");
    assert!(
        text.contains("summary: Line pressure <high> & rising"),
        "{text}"
    );
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("<h1>[FIRING:1] LinePressureHigh"), "{html}");
    assert!(
        html.contains("Line pressure &lt;high&gt; &amp; rising"),
        "{html}"
    );
}

/// Resolved alerts already announced and no `send_resolved`: nothing is sent (the server is
/// not even contacted).
#[tokio::test]
async fn send_resolved_false_sends_nothing_for_resolved() {
    let mut n = notification();
    n.alerts[0] = n.alerts[0].clone().resolved_at(T0 + 10_000);
    let addr = free_addr();
    receiver(config(addr, "team@example.org"))
        .send(&n)
        .await
        .unwrap();
}

/// STARTTLS with `require_tls` against a self-signed certificate: delivered with
/// `insecure_skip_verify`, a TLS error without it; plain SMTP is refused by the server.
#[tokio::test]
async fn starttls_with_a_self_signed_certificate() {
    let server = SmtpServer::start_tls();

    let mut c = config(server.addr, "team@example.org");
    c.require_tls = true;
    c.tls_insecure_skip_verify = true;
    receiver(c).send(&notification()).await.unwrap();
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["tls"], true);

    let mut verified = config(server.addr, "team@example.org");
    verified.require_tls = true;
    let err = receiver(verified).send(&notification()).await.unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Tls, "{err}");

    let err = receiver(config(server.addr, "team@example.org"))
        .send(&notification())
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Smtp(530), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(server.messages().len(), 1);
}

/// Port 465 is SMTP inside TLS from the first byte (Alertmanager's rule): delivered with
/// `insecure_skip_verify` to a self-signed certificate, a TLS error without it. The server
/// listens on port 465 of a random loopback address (127.x.y.z), which needs root.
#[tokio::test]
async fn implicit_tls_on_port_465() {
    let ip = std::net::Ipv4Addr::new(127, 46, (std::process::id() % 250) as u8 + 1, 5);
    let addr = SocketAddr::from((ip, 465));
    if let Err(e) = TcpListener::bind(addr) {
        eprintln!("skipping: cannot listen on {addr} ({e}); port 465 needs root");
        return;
    }
    let server = SmtpServer::start_implicit_tls(addr);

    let mut c = config(addr, "team@example.org");
    c.tls_insecure_skip_verify = true;
    receiver(c).send(&notification()).await.unwrap();
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["rcpt_tos"][0], "team@example.org");

    let err = receiver(config(addr, "team@example.org"))
        .send(&notification())
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Tls, "{err}");
    assert_eq!(server.messages().len(), 1);
}

/// A 5xx reply is permanent, a 4xx reply transient.
#[tokio::test]
async fn smtp_replies_are_classified() {
    let server = SmtpServer::start();
    let err = receiver(config(server.addr, "reject@example.org"))
        .send(&notification())
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Smtp(550), "{err}");
    assert!(!err.is_retryable());

    let err = receiver(config(server.addr, "tempfail@example.org"))
        .send(&notification())
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Smtp(451), "{err}");
    assert!(err.is_retryable());
    assert!(server.messages().is_empty());
}

/// No SMTP server listening: retryable.
#[tokio::test]
async fn server_down_is_retryable() {
    let err = receiver(config(free_addr(), "team@example.org"))
        .send(&notification())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

/// A bad address is a configuration error, not retried.
#[tokio::test]
async fn bad_address_is_a_config_error() {
    let err = receiver(config(free_addr(), "not an address"))
        .send(&notification())
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Config, "{err}");
    assert!(!err.is_retryable());
}

/// `auth_username` with the password inline or from `auth_password_file`; a wrong password is
/// a permanent 535.
#[tokio::test]
async fn authenticates_with_the_configured_credentials() {
    let server = SmtpServer::start_auth();

    let mut c = config(server.addr, "team@example.org");
    c.auth_username = Some("alice".into());
    c.auth_password = Some(Secret::new("s3cret"));
    receiver(c).send(&notification()).await.unwrap();
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["auth_login"], "alice");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, "s3cret\n").unwrap();
    let mut from_file = config(server.addr, "team@example.org");
    from_file.auth_username = Some("alice".into());
    from_file.auth_password_file = Some(file.display().to_string());
    receiver(from_file).send(&notification()).await.unwrap();
    assert_eq!(server.messages().len(), 2);

    let mut wrong = config(server.addr, "team@example.org");
    wrong.auth_username = Some("alice".into());
    wrong.auth_password = Some(Secret::new("wrong"));
    let receiver = receiver(wrong);
    assert!(!format!("{receiver:?}").contains("wrong\""));
    let err = receiver.send(&notification()).await.unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Smtp(535), "{err}");
    assert!(!err.is_retryable());
    assert!(!err.message.contains("wrong"), "{err}");

    let err = crate::receiver(config(server.addr, "team@example.org"))
        .send(&notification())
        .await
        .unwrap_err();
    assert!(
        !err.is_retryable(),
        "unauthenticated mail is refused: {err}"
    );
    assert_eq!(server.messages().len(), 2);
}

/// A server that accepts the connection and never answers: a retryable timeout, within the
/// configured timeout.
#[tokio::test]
async fn silent_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let (_socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    let started = Instant::now();
    let err = EmailReceiver::new(config(addr, "team@example.org"), "")
        .with_timeout(Duration::from_millis(300))
        .send(&notification())
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Timeout, "{err}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
    hold.abort();
}

/// A 1x1 PNG.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// `send_with_images`: the HTML body shows the image by `cid:`, the image/png part carries that
/// Content-ID inline, the same PNG is attached under its file name, and the text body is
/// still there on its own.
#[tokio::test]
async fn sends_inline_images_and_attachments() {
    let server = SmtpServer::start();
    let image = InlineImage {
        content_id: "graph-1@pulsegrid".into(),
        filename: "LinePressureHigh.png".into(),
        png: PNG_1X1.to_vec(),
    };
    receiver(config(server.addr, "team@example.org"))
        .send_with_images(&notification(), &[image])
        .await
        .unwrap();

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["content_type"], "multipart/mixed");
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("src=\"cid:graph-1@pulsegrid\""), "{html}");
    assert!(html.contains("<h1>[FIRING:1] LinePressureHigh"), "{html}");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("Firing (1):"), "{text}");
    assert!(!text.contains("cid:"), "{text}");

    let parts = m["parts"].as_array().unwrap();
    let types: Vec<&str> = parts
        .iter()
        .map(|p| p["content_type"].as_str().unwrap())
        .collect();
    for t in [
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let inline = parts
        .iter()
        .find(|p| p["content_type"] == "image/png" && p["disposition"] == "inline")
        .unwrap_or_else(|| panic!("an inline image part: {parts:?}"));
    assert_eq!(inline["content_id"], "<graph-1@pulsegrid>");
    assert_eq!(inline["png"], true);
    let attached = parts
        .iter()
        .find(|p| p["content_type"] == "image/png" && p["disposition"] == "attachment")
        .unwrap_or_else(|| panic!("an attached image part: {parts:?}"));
    assert_eq!(attached["filename"], "LinePressureHigh.png");
    assert_eq!(attached["png"], true);
}

/// Without images `send_with_images` sends what `send` sends; a content id that could break
/// the message is a configuration error.
#[tokio::test]
async fn images_are_optional_and_content_ids_checked() {
    let server = SmtpServer::start();
    receiver(config(server.addr, "team@example.org"))
        .send_with_images(&notification(), &[])
        .await
        .unwrap();
    assert_eq!(
        server.messages()[0]["content_type"],
        "multipart/alternative"
    );

    let bad = InlineImage {
        content_id: "a>b".into(),
        filename: "x.png".into(),
        png: PNG_1X1.to_vec(),
    };
    let err = receiver(config(server.addr, "team@example.org"))
        .send_with_images(&notification(), &[bad])
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Config, "{err}");
    assert_eq!(server.messages().len(), 1);
}
