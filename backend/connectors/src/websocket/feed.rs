//! One upstream WebSocket connection per distinct feed (URL + subscribe message), shared by
//! every subscription that reads it: connect, send the subscribe message, hand each text or
//! binary message to all subscribers; on close or error report down, reconnect with
//! [`Backoff`], report up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_util::sync::CancellationToken;

use super::config::{FeedTarget, WebSocketConfig};
use crate::broker::Backoff;
use crate::broker::fanout::Delivery;

/// How long a connection attempt (TCP, TLS, handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Subscribers of a feed and its last known state.
#[derive(Debug, Default)]
struct Subscribers {
    list: Vec<(u64, mpsc::Sender<Delivery>)>,
    next_id: u64,
    status: Option<(bool, String)>,
}

/// A shared feed connection.
#[derive(Debug)]
pub(crate) struct Feed {
    subscribers: Mutex<Subscribers>,
    cancel: CancellationToken,
}

impl Feed {
    /// Starts the connection task for `target`.
    pub(crate) fn start(
        config: &WebSocketConfig,
        target: &FeedTarget,
        source_name: &str,
    ) -> Arc<Feed> {
        let feed = Arc::new(Feed {
            subscribers: Mutex::new(Subscribers::default()),
            cancel: CancellationToken::new(),
        });
        tokio::spawn(run(
            feed.clone(),
            config.clone(),
            target.clone(),
            source_name.to_owned(),
        ));
        feed
    }

    /// Adds a subscriber; it gets the current state right away.
    pub(crate) fn join(&self, tx: mpsc::Sender<Delivery>) -> u64 {
        let mut subs = lock(&self.subscribers);
        subs.next_id += 1;
        let id = subs.next_id;
        if let Some((up, message)) = &subs.status {
            let _ = tx.try_send(Delivery::Status {
                up: *up,
                message: message.clone(),
            });
        }
        subs.list.push((id, tx));
        id
    }

    /// Removes a subscriber; returns how many are left.
    pub(crate) fn leave(&self, id: u64) -> usize {
        let mut subs = lock(&self.subscribers);
        subs.list.retain(|(i, _)| *i != id);
        subs.list.len()
    }

    /// Stops the connection task.
    pub(crate) fn close(&self) {
        self.cancel.cancel();
    }

    /// Sends `delivery` to every subscriber; waits (outside the lock) for those whose buffer
    /// is full, so a slow subscriber slows the feed rather than losing messages.
    async fn deliver(&self, delivery: Delivery) {
        let waiting: Vec<(mpsc::Sender<Delivery>, Delivery)> = {
            let mut subs = lock(&self.subscribers);
            if let Delivery::Status { up, message } = &delivery {
                subs.status = Some((*up, message.clone()));
            }
            subs.list
                .iter()
                .filter_map(|(_, tx)| match tx.try_send(delivery.clone()) {
                    Err(mpsc::error::TrySendError::Full(d)) => Some((tx.clone(), d)),
                    _ => None,
                })
                .collect()
        };
        for (tx, d) in waiting {
            let _ = tx.send(d).await;
        }
    }
}

fn lock(m: &Mutex<Subscribers>) -> std::sync::MutexGuard<'_, Subscribers> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The URL without user info, for messages and labels.
fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{tail}")
        }
        None => url.to_owned(),
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(config: &WebSocketConfig, target: &FeedTarget) -> Result<Socket, String> {
    let mut request = target
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("invalid URL: {e}"))?;
    for (name, value) in &config.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("header name {name:?}: {e}"))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| format!("header {name}: invalid value"))?;
        request.headers_mut().insert(name, value);
    }
    let connector = if target.url.to_ascii_lowercase().starts_with("wss://") {
        Some(tokio_tungstenite::Connector::Rustls(
            config.tls.client_config()?,
        ))
    } else {
        None
    };
    let connecting =
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, connector);
    let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| format!("no connection after {CONNECT_TIMEOUT:?}"))?
        .map_err(|e| e.to_string())?;
    if let Some(text) = &target.subscribe_message {
        socket
            .send(Message::text(text.clone()))
            .await
            .map_err(|e| format!("sending the subscribe message: {e}"))?;
    }
    Ok(socket)
}

/// The connection task: connect, read, reconnect, until closed.
async fn run(feed: Arc<Feed>, config: WebSocketConfig, target: FeedTarget, source_name: String) {
    let shown = redacted(&target.url);
    let topic: Arc<str> = Arc::from(shown.as_str());
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    let cancel = feed.cancel.clone();
    loop {
        let connected = tokio::select! {
            () = cancel.cancelled() => return,
            c = connect(&config, &target) => c,
        };
        let reason = match connected {
            Err(e) => format!("cannot connect to {shown}: {e}"),
            Ok(mut socket) => {
                backoff.reset();
                tracing::info!(
                    source = source_name,
                    url = shown,
                    "WebSocket feed connected"
                );
                feed.deliver(Delivery::Status {
                    up: true,
                    message: format!("connected to {shown}"),
                })
                .await;
                loop {
                    let next = tokio::select! {
                        () = cancel.cancelled() => {
                            let _ = socket.close(None).await;
                            return;
                        }
                        next = socket.next() => next,
                    };
                    let payload = match next {
                        Some(Ok(Message::Text(text))) => Bytes::from(text),
                        Some(Ok(Message::Binary(bytes))) => bytes,
                        Some(Ok(Message::Close(frame))) => {
                            break match frame {
                                Some(f) if !f.reason.is_empty() => {
                                    format!("{shown} closed the connection: {}", f.reason)
                                }
                                _ => format!("{shown} closed the connection"),
                            };
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => break format!("{shown}: {e}"),
                        None => break format!("{shown} closed the connection"),
                    };
                    feed.deliver(Delivery::Message {
                        topic: topic.clone(),
                        payload,
                    })
                    .await;
                }
            }
        };
        tracing::warn!(source = source_name, reason, "WebSocket feed down");
        feed.deliver(Delivery::Status {
            up: false,
            message: reason,
        })
        .await;
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}
