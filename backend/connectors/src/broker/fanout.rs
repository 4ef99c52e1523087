//! Sharing one upstream connection between concurrent subscriptions: a connection task sends
//! each [`Delivery`] to every subscription that wants it, and [`pump`] turns one
//! subscription's deliveries into frames through its [`Emitter`], one frame per burst.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Emitter;

/// Flush a frame at the latest after this many pending points, even inside a burst.
pub const MAX_POINTS_PER_FRAME: usize = 1000;

/// Deliveries buffered per subscription before the connection task waits for it.
pub const DELIVERY_BUFFER: usize = 4096;

/// What a shared connection hands to one subscription.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// A message on `topic` (the concrete topic, subject or feed URL).
    Message {
        /// Where the message came from (for topic labels and bad-message reports).
        topic: Arc<str>,
        /// The raw payload.
        payload: Bytes,
    },
    /// The connection went down or came back.
    Status {
        /// Whether the upstream is reachable now.
        up: bool,
        /// What happened.
        message: String,
    },
}

/// Feeds `rx` into `emitter` until `cancel` fires, the connection task goes away, or the hub
/// stops listening. Everything immediately available is decoded before one frame is sent
/// (at most [`MAX_POINTS_PER_FRAME`] points each), so a burst becomes a few frames, not one
/// per message; a status change flushes what came before it first.
pub async fn pump(
    rx: &mut mpsc::Receiver<Delivery>,
    emitter: &mut Emitter,
    cancel: &CancellationToken,
) {
    loop {
        let first = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            d = rx.recv() => match d {
                Some(d) => d,
                None => return,
            },
        };
        let mut next = Some(first);
        while let Some(delivery) = next.take() {
            match delivery {
                Delivery::Message { topic, payload } => {
                    emitter.message(&topic, &payload).await;
                    if emitter.pending() >= MAX_POINTS_PER_FRAME && !emitter.flush().await {
                        return;
                    }
                }
                Delivery::Status { up, message } => {
                    if !emitter.flush().await {
                        return;
                    }
                    emitter.status(up, message).await;
                }
            }
            next = rx.try_recv().ok();
        }
        if !emitter.flush().await {
            return;
        }
    }
}
