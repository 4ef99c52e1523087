//! WebSocket feed source against a small WebSocket server run by the test (the server is the
//! independent side here): subscribe message, JSON decoding with `field`, `path` and `url`
//! targets, one connection per feed however many subscribe, and down/up when the server
//! closes and comes back.

// The test server's handshake callback returns tungstenite's (large) error type.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pulsegrid_model::TimeRange;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::source::{QueryRequest, Source, SourceEvent};
use crate::testing::datasource;

/// A feed server: every connection gets what is broadcast; it records the path and the
/// first message of each connection.
struct FeedServer {
    port: u16,
    tx: broadcast::Sender<String>,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl FeedServer {
    async fn start(port: u16) -> FeedServer {
        let (tx, _) = broadcast::channel(64);
        let mut server = FeedServer {
            port,
            tx,
            connections: Arc::new(AtomicUsize::new(0)),
            seen: Arc::new(Mutex::new(Vec::new())),
            stop: CancellationToken::new(),
            task: None,
        };
        server.listen().await;
        server
    }

    async fn listen(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind");
        self.port = listener.local_addr().unwrap().port();
        self.stop = CancellationToken::new();
        let (tx, connections, seen, stop) = (
            self.tx.clone(),
            self.connections.clone(),
            self.seen.clone(),
            self.stop.clone(),
        );
        self.task = Some(tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    () = stop.cancelled() => return,
                    a = listener.accept() => a.expect("accept"),
                };
                let (tx, connections, seen, stop) =
                    (tx.clone(), connections.clone(), seen.clone(), stop.clone());
                tokio::spawn(async move {
                    let path = Arc::new(std::sync::Mutex::new(String::new()));
                    let p = path.clone();
                    let callback =
                        move |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                              resp| {
                            *p.lock().unwrap() = req.uri().to_string();
                            Ok(resp)
                        };
                    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await
                    else {
                        return;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let mut rx = tx.subscribe();
                    let path = path.lock().unwrap().clone();
                    let mut first = true;
                    loop {
                        tokio::select! {
                            () = stop.cancelled() => {
                                let _ = ws.close(None).await;
                                return;
                            }
                            m = ws.next() => match m {
                                Some(Ok(Message::Text(t))) if first => {
                                    first = false;
                                    seen.lock().await.push((path.clone(), t.to_string()));
                                }
                                Some(Ok(_)) => {}
                                _ => return,
                            },
                            m = rx.recv() => match m {
                                Ok(text) => {
                                    if ws.send(Message::text(text)).await.is_err() {
                                        return;
                                    }
                                }
                                Err(_) => return,
                            },
                        }
                    }
                });
            }
        }));
    }

    /// Closes every connection and stops listening.
    async fn stop(&mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    fn send(&self, text: &str) {
        let _ = self.tx.send(text.to_owned());
    }
}

struct Running {
    events: mpsc::Receiver<SourceEvent>,
    cancel: CancellationToken,
    task: JoinHandle<crate::Result<()>>,
}

impl Running {
    fn start(source: &Arc<WebSocketSource>, target: Value) -> Running {
        let (tx, events) = mpsc::channel(64);
        let cancel = CancellationToken::new();
        let (s, c) = (source.clone(), cancel.clone());
        let task = tokio::spawn(async move { s.subscribe(&target, tx, c).await });
        Running {
            events,
            cancel,
            task,
        }
    }

    async fn next_where(&mut self, secs: u64, pred: impl Fn(&SourceEvent) -> bool) -> SourceEvent {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) if pred(&e) => return e,
                Ok(Some(_)) => {}
                Ok(None) => panic!("subscription ended"),
                Err(_) => panic!("no matching event within {secs}s"),
            }
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        let result = tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("stops on cancel")
            .expect("task");
        assert!(result.is_ok(), "{result:?}");
    }
}

fn is_up(e: &SourceEvent) -> bool {
    matches!(e, SourceEvent::Status { up: true, .. })
}

fn is_down(e: &SourceEvent) -> bool {
    matches!(e, SourceEvent::Status { up: false, .. })
}

fn values(e: &SourceEvent) -> Vec<f64> {
    match e {
        SourceEvent::Frame { series, .. } => series.iter().flat_map(|s| s.v.clone()).collect(),
        SourceEvent::Status { .. } => Vec::new(),
    }
}

fn source(json: Value) -> Arc<WebSocketSource> {
    Arc::new(WebSocketSource::new(&datasource(json)).expect("valid settings"))
}

/// Settings and targets: ws/wss only, `path` joins the URL, a target `url` overrides it,
/// `subscribeMessage` from the datasource or the target; header values stay hidden.
#[test]
fn reads_settings_and_targets() {
    let ds = datasource(
        json!({"name": "w", "type": "websocket", "url": "wss://feed.example/v1",
        "jsonData": {"subscribeMessage": {"op": "sub"}, "httpHeaderName1": "Authorization"},
        "secureJsonData": {"httpHeaderValue1": "Bearer s3cret"}}),
    );
    let config = WebSocketConfig::from_datasource(&ds).unwrap();
    assert_eq!(config.subscribe_message.as_deref(), Some(r#"{"op":"sub"}"#));
    assert!(!format!("{config:?}").contains("s3cret"));
    let t = FeedTarget::parse(&json!({"path": "ticks"}), &config).unwrap();
    assert_eq!(t.url, "wss://feed.example/v1/ticks");
    let t = FeedTarget::parse(
        &json!({"url": "ws://other/x", "subscribeMessage": "hello"}),
        &config,
    )
    .unwrap();
    assert_eq!(
        (t.url.as_str(), t.subscribe_message.as_deref()),
        ("ws://other/x", Some("hello"))
    );
    assert!(FeedTarget::parse(&json!({"url": "http://x"}), &config).is_err());
    for (case, field) in [
        (json!({"name": "w", "type": "websocket"}), "`url`"),
        (
            json!({"name": "w", "type": "websocket", "url": "http://x"}),
            "`url`",
        ),
        (
            json!({"name": "w", "type": "websocket", "url": "ws://x", "jsonData": {"subscribeMessage": 5}}),
            "subscribeMessage",
        ),
    ] {
        let err = WebSocketConfig::from_datasource(&datasource(case.clone())).expect_err("error");
        assert!(err.to_string().contains(field), "{case}: {err}");
    }
}

/// The subscribe message is sent after connecting; JSON messages decode with `field` and
/// `labels`; a bad message does not stop the feed; `query_range` answers from what was seen.
#[tokio::test]
async fn decodes_feed_messages() {
    let server = FeedServer::start(0).await;
    let s = source(
        json!({"name": "w", "type": "websocket", "url": server.url(),
                          "jsonData": {"subscribeMessage": "{\"op\":\"subscribe\",\"ch\":\"ticks\"}"}}),
    );
    let target =
        json!({"path": "/ticks", "field": "price", "labels": {"sym": "s"}, "alias": "price"});
    let mut running = Running::start(&s, target.clone());
    running.next_where(10, is_up).await;
    // The server sees the subscribe message once the connection is up.
    for _ in 0..50 {
        if !server.seen.lock().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        server.seen.lock().await.first().cloned(),
        Some((
            "/ticks".to_owned(),
            r#"{"op":"subscribe","ch":"ticks"}"#.to_owned()
        ))
    );
    server.send(r#"{"s": "ACME", "price": 12.5}"#);
    let frame = running.next_where(10, |e| !values(e).is_empty()).await;
    let SourceEvent::Frame { series, .. } = &frame else {
        unreachable!()
    };
    assert_eq!(series[0].name, "price");
    assert_eq!(series[0].labels.get("sym"), Some("ACME"));
    assert_eq!(values(&frame), [12.5]);
    server.send("garbage");
    running
        .next_where(
            10,
            |e| matches!(e, SourceEvent::Status { message, .. } if message.contains("bad message")),
        )
        .await;
    server.send(r#"{"s": "ACME", "price": 13}"#);
    running.next_where(10, |e| values(e) == [13.0]).await;
    let answer = s
        .query_range(&QueryRequest {
            target,
            range: TimeRange {
                from_ms: 0,
                to_ms: i64::MAX,
            },
            interval_ms: 1000,
            max_data_points: 100,
        })
        .await
        .unwrap();
    assert_eq!(answer[0].v, [12.5, 13.0]);
    running.stop().await;
}

/// Two subscriptions on the same feed (different fields) share one upstream connection; a
/// different path is its own connection; the last to leave closes it.
#[tokio::test]
async fn one_connection_per_feed() {
    let server = FeedServer::start(0).await;
    let s = source(json!({"name": "w", "type": "websocket", "url": server.url()}));
    let mut a = Running::start(&s, json!({"field": "a"}));
    let mut b = Running::start(&s, json!({"field": "b"}));
    a.next_where(10, is_up).await;
    b.next_where(10, is_up).await;
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    assert_eq!(s.open_feeds(), 1);
    server.send(r#"{"a": 1, "b": 2}"#);
    a.next_where(10, |e| values(e) == [1.0]).await;
    b.next_where(10, |e| values(e) == [2.0]).await;
    let mut c = Running::start(&s, json!({"path": "other", "field": "a"}));
    c.next_where(10, is_up).await;
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
    a.stop().await;
    b.stop().await;
    c.stop().await;
    assert_eq!(s.open_feeds(), 0);
}

/// The server closes the connection and stops listening: `down`; it comes back on the same
/// port: `up`, and new messages arrive.
#[tokio::test]
async fn down_and_up_when_the_server_goes_and_returns() {
    let mut server = FeedServer::start(0).await;
    let s = source(json!({"name": "w", "type": "websocket", "url": server.url()}));
    let mut running = Running::start(&s, json!({"format": "number"}));
    running.next_where(10, is_up).await;
    server.stop().await;
    let down = running.next_where(10, is_down).await;
    assert!(
        matches!(&down, SourceEvent::Status { message, .. } if message.contains("closed")),
        "{down:?}"
    );
    server.listen().await;
    running.next_where(15, is_up).await;
    server.send("4.5");
    running.next_where(10, |e| values(e) == [4.5]).await;
    running.stop().await;
}
