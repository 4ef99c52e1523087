//! The webhook integration against a real HTTP server started in each test (axum on
//! 127.0.0.1:0) that records what it receives and answers with a chosen status: the version-4
//! payload, the headers (content type, user agent, basic and bearer credentials, the HMAC
//! signature), `max_alerts`, `send_resolved`, and which failures are retryable.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pulsegrid_alerting::notify::config::{
    Authorization, BasicAuth, HttpConfig, Secret, WebhookConfig,
};
use pulsegrid_alerting::notify::payload::{SIGNATURE_HEADER, verify_signature};
use pulsegrid_alerting::notify::{Alert, Notification};
use pulsegrid_alerting::send::{NotifyErrorKind, Receiver, WebhookReceiver};
use pulsegrid_model::Labels;
use serde_json::Value;

const T0: i64 = 1_714_557_600_000;
const EXTERNAL_URL: &str = "http://pulsegrid.example:8080";

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Recorded {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Debug, Default)]
struct Shared {
    requests: Mutex<Vec<Recorded>>,
    status: AtomicU16,
    delay_ms: AtomicU64,
}

/// A recording HTTP server on a free port, stopped when dropped.
struct HookServer {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl HookServer {
    async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        shared.status.store(200, Ordering::SeqCst);
        let app = axum::Router::new()
            .fallback(record)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        HookServer {
            url: format!("http://{addr}/hook"),
            shared,
            task,
        }
    }

    fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for HookServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delay = shared.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    shared
        .requests
        .lock()
        .unwrap()
        .push(Recorded { headers, body });
    let status = shared.status.load(Ordering::SeqCst);
    StatusCode::from_u16(status).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

fn alert(instance: &str) -> Alert {
    let mut a = Alert::firing(
        labels(&[
            ("alertname", "LinePressureHigh"),
            ("instance", instance),
            ("severity", "critical"),
        ]),
        T0,
    );
    a.annotations = labels(&[("summary", "Line pressure is 9.2 bar")]);
    a
}

fn notification(alerts: Vec<Alert>) -> Notification {
    Notification {
        receiver: "ops".into(),
        group_key: r#"{}:{alertname="LinePressureHigh"}"#.into(),
        group_labels: labels(&[("alertname", "LinePressureHigh")]),
        alerts,
        at: T0 + 30_000,
        unannounced: BTreeSet::new(),
    }
}

fn config(url: &str) -> WebhookConfig {
    WebhookConfig {
        send_resolved: true,
        url: Some(Secret::new(url)),
        url_file: None,
        http_config: HttpConfig::default(),
        max_alerts: 0,
        hmac_secret: None,
        timeout: None,
    }
}

fn receiver(config: WebhookConfig) -> WebhookReceiver {
    WebhookReceiver::new(config, EXTERNAL_URL).unwrap()
}

fn json(r: &Recorded) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn header<'a>(r: &'a Recorded, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The body is Alertmanager's version-4 JSON, sent as application/json by Pulsegrid, with
/// basic credentials.
#[tokio::test]
async fn posts_the_version_4_payload_with_basic_auth() {
    let server = HookServer::start().await;
    let mut c = config(&server.url);
    c.http_config.basic_auth = Some(BasicAuth {
        username: "alice".into(),
        password: Some(Secret::new("s3cret")),
        password_file: None,
    });
    receiver(c)
        .send(&notification(vec![alert("pump-1"), alert("pump-2")]))
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(header(r, "content-type"), "application/json");
    assert!(header(r, "user-agent").starts_with("Pulsegrid/"), "{r:?}");
    assert_eq!(header(r, "authorization"), "Basic YWxpY2U6czNjcmV0");
    assert!(r.headers.get(SIGNATURE_HEADER).is_none());
    let body = json(r);
    assert_eq!(body["version"], "4");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["receiver"], "ops");
    assert_eq!(body["externalURL"], EXTERNAL_URL);
    assert_eq!(body["truncatedAlerts"], 0);
    let alerts = body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["labels"]["instance"], "pump-1");
    assert_eq!(alerts[0]["status"], "firing");
    assert_eq!(alerts[0]["endsAt"], "0001-01-01T00:00:00Z");
    assert_eq!(body["commonLabels"]["severity"], "critical");
}

/// `authorization` sends `Bearer <credentials>` and `hmac_secret` a signature that verifies
/// against the exact body received.
#[tokio::test]
async fn sends_bearer_credentials_and_a_verifiable_signature() {
    let server = HookServer::start().await;
    let mut c = config(&server.url);
    c.http_config.authorization = Some(Authorization {
        scheme: "Bearer".into(),
        credentials: Some(Secret::new("tok-123")),
        credentials_file: None,
    });
    c.hmac_secret = Some(Secret::new("hook-key"));
    receiver(c)
        .send(&notification(vec![alert("pump-1")]))
        .await
        .unwrap();

    let r = &server.requests()[0];
    assert_eq!(header(r, "authorization"), "Bearer tok-123");
    let sig = header(r, SIGNATURE_HEADER);
    assert!(sig.starts_with("sha256="), "{sig}");
    assert!(verify_signature(b"hook-key", &r.body, sig));
    assert!(!verify_signature(b"other-key", &r.body, sig));
}

/// Credentials may come from files, read at send time.
#[tokio::test]
async fn reads_credentials_and_url_from_files() {
    let server = HookServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("url");
    let token_file = dir.path().join("token");
    std::fs::write(&url_file, format!("{}\n", server.url)).unwrap();
    std::fs::write(&token_file, "from-file\n").unwrap();
    let mut c = config(&server.url);
    c.url = None;
    c.url_file = Some(url_file.display().to_string());
    c.http_config.authorization = Some(Authorization {
        scheme: "Token".into(),
        credentials: None,
        credentials_file: Some(token_file.display().to_string()),
    });
    receiver(c)
        .send(&notification(vec![alert("pump-1")]))
        .await
        .unwrap();
    assert_eq!(
        header(&server.requests()[0], "authorization"),
        "Token from-file"
    );

    let mut missing = config(&server.url);
    missing.url = None;
    missing.url_file = Some(dir.path().join("nope").display().to_string());
    let err = receiver(missing)
        .send(&notification(vec![alert("pump-1")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Config);
    assert!(!err.is_retryable());
}

/// `max_alerts` keeps the first alerts and counts the rest in `truncatedAlerts`.
#[tokio::test]
async fn truncates_to_max_alerts() {
    let server = HookServer::start().await;
    let mut c = config(&server.url);
    c.max_alerts = 2;
    receiver(c)
        .send(&notification(vec![alert("a"), alert("b"), alert("c")]))
        .await
        .unwrap();
    let body = json(&server.requests()[0]);
    assert_eq!(body["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(body["truncatedAlerts"], 1);
}

/// Without `send_resolved`, a notification of announced resolved alerts sends nothing; with
/// it, the resolved alerts are sent.
#[tokio::test]
async fn send_resolved_filters_resolved_alerts() {
    let server = HookServer::start().await;
    let resolved = notification(vec![alert("a").resolved_at(T0 + 10_000)]);

    let mut quiet = config(&server.url);
    quiet.send_resolved = false;
    receiver(quiet).send(&resolved).await.unwrap();
    assert!(server.requests().is_empty());

    let mixed = notification(vec![alert("a").resolved_at(T0 + 10_000), alert("b")]);
    let mut firing_only = config(&server.url);
    firing_only.send_resolved = false;
    receiver(firing_only).send(&mixed).await.unwrap();
    let body = json(&server.requests()[0]);
    assert_eq!(body["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(body["alerts"][0]["labels"]["instance"], "b");

    receiver(config(&server.url)).send(&resolved).await.unwrap();
    let body = json(&server.requests()[1]);
    assert_eq!(body["status"], "resolved");
    assert_eq!(body["alerts"][0]["status"], "resolved");
}

/// 5xx, 408 and 429 answers are retryable; other 4xx are not. The URL (it may hold a token)
/// is not in the message.
#[tokio::test]
async fn error_statuses_are_classified() {
    let server = HookServer::start().await;
    let url = format!("{}?token=very-secret", server.url);
    let hook = receiver(config(&url));
    let n = notification(vec![alert("a")]);
    for (status, retryable) in [
        (500, true),
        (503, true),
        (429, true),
        (408, true),
        (400, false),
        (401, false),
        (404, false),
    ] {
        server.answer(status);
        let err = hook.send(&n).await.unwrap_err();
        assert_eq!(err.kind, NotifyErrorKind::Http(status));
        assert_eq!(err.is_retryable(), retryable, "{status}: {err}");
        assert!(!err.message.contains("very-secret"), "{err}");
        assert!(!format!("{err:?}").contains("very-secret"));
    }
}

/// Nothing listening on the port: a retryable connection error, without the URL.
#[tokio::test]
async fn closed_port_is_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = receiver(config(&format!("http://{addr}/hook?token=very-secret")))
        .send(&notification(vec![alert("a")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Connect, "{err}");
    assert!(err.is_retryable());
    assert!(!err.message.contains("very-secret"), "{err}");
}

/// A server slower than the timeout: a retryable timeout.
#[tokio::test]
async fn slow_server_times_out() {
    let server = HookServer::start().await;
    server.shared.delay_ms.store(3_000, Ordering::SeqCst);
    let err = receiver(config(&server.url))
        .with_timeout(Duration::from_millis(200))
        .send(&notification(vec![alert("a")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Timeout, "{err}");
    assert!(err.is_retryable());
}

/// `timeout: 1s` in `alertmanager.yml` bounds the request: a server answering after 5 s gives
/// a retryable timeout error, well before the server would have answered.
#[tokio::test]
async fn config_timeout_bounds_the_request() {
    let server = HookServer::start().await;
    server.shared.delay_ms.store(5_000, Ordering::SeqCst);
    let yaml = format!(
        "route: {{receiver: ops}}\nreceivers:\n- name: ops\n  webhook_configs:\n  - url: {}\n    timeout: 1s\n",
        server.url
    );
    let config = pulsegrid_alerting::notify::Config::parse(&yaml).unwrap();
    let hook = config.receivers[0].webhook_configs[0].clone();
    assert_eq!(hook.timeout, Some(Duration::from_secs(1)));
    let started = std::time::Instant::now();
    let err = receiver(hook)
        .send(&notification(vec![alert("a")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, NotifyErrorKind::Timeout, "{err}");
    assert!(err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

/// The receiver's `Debug` shows no secret: URL, passwords, tokens, HMAC key.
#[test]
fn debug_hides_secrets() {
    let mut c = config("http://hooks.example/very-secret-path");
    c.http_config.basic_auth = Some(BasicAuth {
        username: "alice".into(),
        password: Some(Secret::new("pw-secret")),
        password_file: None,
    });
    c.hmac_secret = Some(Secret::new("hmac-secret"));
    let dump = format!("{:?}", receiver(c));
    for secret in ["very-secret-path", "pw-secret", "hmac-secret"] {
        assert!(!dump.contains(secret), "{dump}");
    }
}
