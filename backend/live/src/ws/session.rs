//! One connection's state machine: its subscriptions, its bounded outbox, and the single
//! poll that drives writes, client ops, topic events and pings.

use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use bytes::{Buf, Bytes};
use futures_util::task::{ArcWake, AtomicWaker};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::outbox::Outbox;
use super::protocol::{ClientOp, FramePrefix, Watch, error_frame, parse_client_op, status_frame};
use super::queries::query_specs;
use super::{MAX_SUBSCRIPTIONS, PanelResolver};
use crate::direct::DirectSocket;
use crate::hub::{Hub, Subscription};
use crate::inbox::{Inbox, InboxSubscription, TAG_BITS};
use crate::topic::LiveEvent;

/// Messages the session queues from ready topic events before it writes and flushes them
/// together. Bounded so one busy connection cannot hold a worker for long.
const WRITE_BATCH: usize = 32;

/// A topic event tagged with the subscription slot and the topic's index in it.
#[derive(Debug)]
struct Tagged {
    slot: u64,
    index: usize,
    event: LiveEvent,
}

/// One client subscription: one or more topics under the client's `sub` id.
struct Sub {
    id: String,
    prefix: FramePrefix,
    topics: Vec<TopicSlot>,
    /// Frames were dropped or missed: send a replace once the socket drains.
    resync: bool,
}

struct TopicSlot {
    /// Delivers the topic's events to the connection's inbox until dropped.
    link: InboxSubscription,
    /// The highest sequence number the client has (events up to it are skipped).
    seen: u64,
}

enum Step {
    Client(Message),
    Closed,
    Event(Tagged),
    Resync,
    Ping,
}

/// The waker the socket's read side gets: it notes that the socket woke the task.
#[derive(Debug, Default)]
struct ReadWaker {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl ArcWake for ReadWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.woken.store(true, Ordering::Release);
        arc_self.task.wake();
    }
}

pub(super) struct Session {
    socket: WebSocket,
    readable: Arc<ReadWaker>,
    hub: Hub,
    resolver: Arc<dyn PanelResolver>,
    inbox: Arc<Inbox>,
    /// The socket frames are written to directly while the session is idle, if known.
    direct: Option<DirectSocket>,
    /// The end of a frame a direct write could not finish: it goes out before anything else.
    raw_rest: Option<Bytes>,
    /// A tokio handle on the socket while `raw_rest` waits for room.
    raw_writer: Option<tokio::net::TcpStream>,
    subs: HashMap<u64, Sub>,
    slots: HashMap<String, u64>,
    next_slot: u64,
    outbox: Outbox,
    unflushed: bool,
    writer_idle: bool,
    resync_pending: usize,
    ping: Interval,
    awaiting_pong: bool,
    client_closed: bool,
    reported: (u64, u64),
    peak: u64,
    sent_unreported: u64,
}

impl Session {
    pub(super) fn new(
        socket: WebSocket,
        hub: Hub,
        resolver: Arc<dyn PanelResolver>,
        ping: Duration,
        direct: Option<DirectSocket>,
    ) -> Self {
        let ping_every = ping.max(Duration::from_millis(10));
        let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let queue = hub.config().client_queue;
        let inbox = Inbox::new(hub.config().topic_capacity.saturating_mul(4));
        inbox.set_direct(direct.clone());
        Session {
            socket,
            readable: Arc::new(ReadWaker {
                woken: AtomicBool::new(true),
                task: AtomicWaker::new(),
            }),
            hub,
            resolver,
            inbox,
            direct,
            raw_rest: None,
            raw_writer: None,
            subs: HashMap::new(),
            slots: HashMap::new(),
            next_slot: 1,
            outbox: Outbox::new(queue),
            unflushed: false,
            writer_idle: true,
            resync_pending: 0,
            ping,
            awaiting_pong: false,
            client_closed: false,
            reported: (0, 0),
            peak: 0,
            sent_unreported: 0,
        }
    }

    pub(super) async fn run(&mut self) {
        loop {
            match poll_fn(|cx| self.poll_step(cx)).await {
                Step::Closed => break,
                Step::Client(message) => {
                    self.awaiting_pong = false;
                    if !self.on_client(message) {
                        break;
                    }
                }
                Step::Event(tagged) => self.on_event(tagged),
                Step::Resync => self.resync(),
                Step::Ping => {
                    if self.awaiting_pong {
                        tracing::debug!("live client answered no ping; closing");
                        break;
                    }
                    self.awaiting_pong = true;
                    self.outbox.push_ping();
                }
            }
            self.report();
        }
        self.inbox.set_direct(None);
        if self.client_closed {
            // Complete the closing handshake, briefly; a vanished client is simply dropped.
            let _ = tokio::time::timeout(Duration::from_secs(1), self.socket.close()).await;
        }
    }

    /// One step of the connection: topic events already waiting are gathered first (up to
    /// [`WRITE_BATCH`] queued messages), then writes make progress, then the first ready
    /// input. Gathering before writing lets the frames that arrived together leave in one
    /// flush, one `send`, instead of one `send` each.
    ///
    /// Direct writes stop while the session works (it may write to the socket) and resume
    /// when it goes back to sleep with nothing left to write.
    fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Step> {
        if self.direct.is_some()
            && let Some(rest) = self.inbox.disarm()
        {
            self.raw_rest = Some(rest);
        }
        let step = self.poll_work(cx);
        if step.is_pending() {
            // Going to sleep: what this step wrote shows in the counters now.
            self.report();
            if self.direct.is_some() {
                self.arm();
            }
        }
        step
    }

    /// Allows direct writes if the socket is the session's to give: everything written and
    /// flushed, nothing to resync, the client still there.
    fn arm(&mut self) {
        let idle = self.outbox.is_empty()
            && !self.unflushed
            && self.writer_idle
            && self.resync_pending == 0
            && self.raw_rest.is_none()
            && !self.client_closed;
        if idle {
            let subs = &self.subs;
            self.inbox.arm(|slot, index| {
                subs.get(&slot)
                    .and_then(|sub| sub.topics.get(index))
                    .map_or(0, |topic| topic.seen)
            });
        }
    }

    fn poll_work(&mut self, cx: &mut Context<'_>) -> Poll<Step> {
        if self.outbox.len() < WRITE_BATCH
            && self.outbox.has_room()
            && let Poll::Ready(tagged) = self.poll_inbox(cx)
        {
            return Poll::Ready(Step::Event(tagged));
        }
        if let Err(e) = self.poll_writes(cx) {
            tracing::debug!(error = %e, "live socket write failed");
            return Poll::Ready(Step::Closed);
        }
        if self.writer_idle && self.resync_pending > 0 {
            return Poll::Ready(Step::Resync);
        }
        // The socket's read side is polled only when it woke the task (or may have more):
        // re-polling it for every outgoing frame costs a waker swap and a readiness check.
        self.readable.task.register(cx.waker());
        // Not while a frame's end is owed: reading can make tungstenite write (a pong).
        if self.raw_rest.is_none() && self.readable.woken.swap(false, Ordering::AcqRel) {
            let waker = futures_util::task::waker_ref(&self.readable);
            match self
                .socket
                .poll_next_unpin(&mut Context::from_waker(&waker))
            {
                Poll::Ready(Some(Ok(message))) => {
                    // More may be buffered: read again on the next step.
                    self.readable.woken.store(true, Ordering::Release);
                    return Poll::Ready(Step::Client(message));
                }
                Poll::Ready(Some(Err(_)) | None) => return Poll::Ready(Step::Closed),
                Poll::Pending => {}
            }
        }
        if let Poll::Ready(tagged) = self.poll_inbox(cx) {
            return Poll::Ready(Step::Event(tagged));
        }
        if self.ping.poll_tick(cx).is_ready() {
            return Poll::Ready(Step::Ping);
        }
        Poll::Pending
    }

    fn poll_inbox(&self, cx: &mut Context<'_>) -> Poll<Tagged> {
        self.inbox.poll_next(cx).map(|(tag, event)| Tagged {
            slot: tag >> TAG_BITS,
            index: (tag & ((1 << TAG_BITS) - 1)) as usize,
            event,
        })
    }

    /// Hands queued messages to the socket while it accepts them, then flushes. Sets
    /// `writer_idle` once everything is on the wire.
    fn poll_writes(&mut self, cx: &mut Context<'_>) -> Result<(), axum::Error> {
        self.writer_idle = false;
        match self.poll_raw_rest(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Err(axum::Error::new(e)),
            Poll::Pending => return Ok(()),
        }
        while !self.outbox.is_empty() {
            match self.socket.poll_ready_unpin(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(()),
            }
            let Some(message) = self.outbox.pop() else {
                break;
            };
            self.socket.start_send_unpin(message)?;
            self.unflushed = true;
            self.sent_unreported += 1;
        }
        if self.unflushed {
            match self.socket.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(()),
            }
        }
        self.writer_idle = true;
        Ok(())
    }

    /// Writes the end of a frame a direct write left half-sent, straight to the socket (the
    /// WebSocket's own writer has nothing buffered then: the inbox was armed only when it
    /// was flushed).
    fn poll_raw_rest(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(rest) = &mut self.raw_rest {
            let writer = match &self.raw_writer {
                Some(writer) => writer,
                None => {
                    let Some(direct) = &self.direct else {
                        return Poll::Ready(Err(io::Error::other("no direct socket")));
                    };
                    self.raw_writer.insert(direct.tokio_handle()?)
                }
            };
            if writer.poll_write_ready(cx)?.is_pending() {
                return Poll::Pending;
            }
            match writer.try_write(rest) {
                Ok(n) => {
                    rest.advance(n);
                    if rest.is_empty() {
                        self.raw_rest = None;
                        // Its own registration (a second descriptor) is not kept idle.
                        self.raw_writer = None;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Handles a client message; false ends the session.
    fn on_client(&mut self, message: Message) -> bool {
        match message {
            Message::Text(text) => match parse_client_op(text.as_str()) {
                Ok(ClientOp::Subscribe { sub, what }) => self.subscribe(sub, what),
                Ok(ClientOp::Unsubscribe { sub }) => {
                    if !self.unsubscribe(&sub) {
                        self.reply_error(&sub, &format!("unsubscribe: no subscription {sub:?}"));
                    }
                }
                Err(e) => self.reply_error(&e.sub, &e.message),
            },
            Message::Binary(_) => {
                self.reply_error("", "binary messages are not supported; send JSON text")
            }
            // tungstenite queues the pong; make sure it gets flushed.
            Message::Ping(_) => self.unflushed = true,
            Message::Pong(_) => {}
            Message::Close(_) => {
                self.client_closed = true;
                return false;
            }
        }
        true
    }

    fn reply_error(&mut self, sub: &str, message: &str) {
        self.outbox.push_control(error_frame(sub, message));
    }

    fn subscribe(&mut self, id: String, what: Watch) {
        self.unsubscribe(&id);
        if self.subs.len() >= MAX_SUBSCRIPTIONS {
            let message =
                format!("subscribe: at most {MAX_SUBSCRIPTIONS} subscriptions per connection");
            return self.reply_error(&id, &message);
        }
        let mut subscriptions: Vec<Subscription> = Vec::new();
        match what {
            Watch::Stream(stream) => subscriptions.push(self.hub.subscribe_stream(&stream)),
            what @ (Watch::Panel(_) | Watch::Inline(_)) => {
                let specs = match query_specs(self.resolver.as_ref(), &what) {
                    Ok(specs) => specs.unwrap_or_default(),
                    Err(message) => return self.reply_error(&id, &message),
                };
                for spec in specs {
                    let ref_id = spec
                        .target
                        .get("refId")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    match self.hub.subscribe_query(spec) {
                        Ok(subscription) => subscriptions.push(subscription),
                        Err(e) => {
                            let message = match ref_id {
                                Some(r) => format!("query {r}: {e}"),
                                None => e.to_string(),
                            };
                            self.reply_error(&id, &message);
                        }
                    }
                }
                if subscriptions.is_empty() {
                    return;
                }
            }
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        let prefix = FramePrefix::new(&id);
        self.inbox
            .add_direct_sub(slot, prefix.append(), subscriptions.len());
        let mut sub = Sub {
            prefix,
            id: id.clone(),
            topics: Vec::with_capacity(subscriptions.len()),
            resync: false,
        };
        for (index, subscription) in subscriptions.into_iter().enumerate() {
            let tag = (slot << TAG_BITS) | index as u64;
            sub.topics.push(TopicSlot {
                link: InboxSubscription::new(subscription, self.inbox.clone(), tag),
                seen: 0,
            });
        }
        self.subs.insert(slot, sub);
        self.slots.insert(id, slot);
    }

    /// Ends subscription `id`; false if there is none.
    fn unsubscribe(&mut self, id: &str) -> bool {
        let Some(slot) = self.slots.remove(id) else {
            return false;
        };
        self.inbox.remove_direct_sub(slot);
        if let Some(sub) = self.subs.remove(&slot) {
            // Dropping the links stops the deliveries (events already in the inbox find no
            // subscription and are ignored); the last subscription of a topic stops it.
            if sub.resync {
                self.resync_pending -= 1;
            }
        }
        self.outbox.forget(slot);
        true
    }

    fn on_event(&mut self, Tagged { slot, index, event }: Tagged) {
        let Some(sub) = self.subs.get_mut(&slot) else {
            return;
        };
        match event {
            LiveEvent::Frame {
                seq,
                replace,
                series,
            } => {
                let Some(topic) = sub.topics.get_mut(index) else {
                    return;
                };
                if sub.resync || seq <= topic.seen {
                    return;
                }
                if replace {
                    // A fresh window supersedes whatever of this subscription still waits.
                    self.outbox.drop_frames(slot);
                    if let Some(frame) = build_replace(sub)
                        && self.outbox.push_frame(slot, frame).is_err()
                    {
                        mark_resync(sub, &mut self.resync_pending);
                    }
                } else if self.outbox.has_room() {
                    topic.seen = seq;
                    let frame = sub.prefix.frame(false, &series);
                    let _ = self.outbox.push_frame(slot, frame);
                } else {
                    // Full: coalesce this subscription into one replace once the socket drains.
                    let dropped = 1 + self.outbox.drop_frames(slot) as u64;
                    let counters = self.hub.counters();
                    counters
                        .frames_dropped
                        .fetch_add(dropped, Ordering::Relaxed);
                    mark_resync(sub, &mut self.resync_pending);
                }
            }
            LiveEvent::Status { up, message } => {
                self.outbox
                    .push_status(slot, status_frame(&sub.id, up, &message));
            }
            LiveEvent::Error { message } => {
                self.outbox
                    .push_status(slot, error_frame(&sub.id, &message));
            }
            LiveEvent::Lagged { missed } => {
                let counters = self.hub.counters();
                counters.frames_dropped.fetch_add(missed, Ordering::Relaxed);
                mark_resync(sub, &mut self.resync_pending);
            }
        }
    }

    /// The socket has drained: send each subscription marked for resync one replace frame.
    fn resync(&mut self) {
        for (slot, sub) in self.subs.iter_mut().filter(|(_, s)| s.resync) {
            if !self.outbox.has_room() {
                break;
            }
            sub.resync = false;
            self.resync_pending -= 1;
            if let Some(frame) = build_replace(sub) {
                let _ = self.outbox.push_frame(*slot, frame);
                self.hub.counters().resyncs.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Publishes this connection's queue gauges and sent count to the hub's counters.
    fn report(&mut self) {
        let counters = self.hub.counters();
        let now = (self.outbox.len() as u64, self.outbox.bytes() as u64);
        if now != self.reported {
            adjust(&counters.queued_frames, self.reported.0, now.0);
            adjust(&counters.queued_bytes, self.reported.1, now.1);
            self.reported = now;
            if now.0 > self.peak {
                self.peak = now.0;
                counters
                    .queued_frames_peak
                    .fetch_max(now.0, Ordering::Relaxed);
            }
        }
        if self.sent_unreported >= 64 || (self.writer_idle && self.sent_unreported > 0) {
            counters
                .frames_sent
                .fetch_add(self.sent_unreported, Ordering::Relaxed);
            self.sent_unreported = 0;
        }
    }

    /// Takes this connection out of the gauges.
    fn finish(&mut self) {
        // No direct write may reach the socket once the session lets go of it.
        self.inbox.set_direct(None);
        let counters = self.hub.counters();
        adjust(&counters.queued_frames, self.reported.0, 0);
        adjust(&counters.queued_bytes, self.reported.1, 0);
        counters
            .frames_sent
            .fetch_add(self.sent_unreported, Ordering::Relaxed);
        self.reported = (0, 0);
        self.sent_unreported = 0;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.finish();
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("subscriptions", &self.subs.len())
            .field("queued", &self.outbox.len())
            .finish_non_exhaustive()
    }
}

fn mark_resync(sub: &mut Sub, pending: &mut usize) {
    if !sub.resync {
        sub.resync = true;
        *pending += 1;
    }
}

fn adjust(gauge: &AtomicU64, from: u64, to: u64) {
    if to > from {
        gauge.fetch_add(to - from, Ordering::Relaxed);
    } else if from > to {
        gauge.fetch_sub(from - to, Ordering::Relaxed);
    }
}

/// A replace frame of all the subscription's topics, from their current windows; marks the
/// client as having everything up to each snapshot. `None` while no topic has data yet.
fn build_replace(sub: &mut Sub) -> Option<String> {
    let snapshots: Vec<_> = sub
        .topics
        .iter()
        .map(|t| t.link.topic().snapshot())
        .collect();
    if snapshots.iter().all(Option::is_none) {
        return None;
    }
    for (topic, snapshot) in sub.topics.iter_mut().zip(&snapshots) {
        if let Some(snapshot) = snapshot {
            topic.seen = topic.seen.max(snapshot.seq);
        }
    }
    Some(match snapshots.as_slice() {
        [Some(only)] => sub.prefix.frame(true, &only.series),
        _ => sub
            .prefix
            .replace_of(snapshots.iter().flatten().map(|s| &*s.series)),
    })
}
