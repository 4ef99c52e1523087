//! A WebSocket connection's queue of topic events. Topics push each event straight into the
//! inboxes of the connections watching them and wake each connection's task once; the task
//! drains its inbox. This replaces, per connection, a broadcast receiver per subscription
//! polled through a stream combinator: the same events, without a future per subscription
//! being re-created and woken through two layers for every frame.
//!
//! An idle connection's inbox may be *armed* ([`crate::direct`]): then a plain append frame
//! is written to the socket by the pushing thread and the task is not woken at all. Every
//! other event, or a socket that does not take the whole frame, disarms it; the session
//! disarms it too before it touches the socket itself, so exactly one side writes at a time.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::task::AtomicWaker;

use crate::direct::{DirectSocket, FrameCache};
use crate::hub::{Subscription, WatchGuard};
use crate::topic::{LiveEvent, Topic};

/// A subscription's topics are tagged `slot << TAG_BITS | index` in the connection's inbox.
pub(crate) const TAG_BITS: u32 = 16;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
pub(crate) struct Inbox {
    /// Distinguishes inboxes for sharding a topic's fan-out; stable for the inbox's life.
    pub(crate) id: u64,
    queue: Mutex<Queue>,
    waker: AtomicWaker,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Queue {
    events: VecDeque<(u64, LiveEvent)>,
    lagged: Vec<(u64, u64)>,
    direct: Option<Direct>,
}

/// The direct-write side of a connection: its socket and what a frame needs.
#[derive(Debug)]
struct Direct {
    socket: DirectSocket,
    /// Set by the idle session; cleared by any event that needs the session.
    armed: bool,
    /// The unwritten end of a directly written frame: the session writes it before anything.
    rest: Option<Bytes>,
    /// Per subscription slot: the append-frame prefix and, per topic, the newest sequence
    /// number the client has.
    subs: HashMap<u64, DirectSub>,
}

#[derive(Debug)]
struct DirectSub {
    prefix: Arc<str>,
    seen: Vec<u64>,
}

/// What a push did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued (or counted as lagged) and the task woken.
    Queued,
    /// Written to the socket; the client has it (or its start, the session sends the rest).
    Written,
}

impl Inbox {
    /// An inbox holding at most `capacity` events; more are counted as lagged per tag.
    pub(crate) fn new(capacity: usize) -> Arc<Inbox> {
        Arc::new(Inbox {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            queue: Mutex::new(Queue::default()),
            waker: AtomicWaker::new(),
            capacity: capacity.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `event` under `tag` and wakes the task, or writes it straight to the socket
    /// when the inbox is armed and it is a plain append frame of a known subscription.
    pub(crate) fn push(&self, tag: u64, event: &LiveEvent, frames: &mut FrameCache) -> Pushed {
        let pushed = 'locked: {
            let mut guard = self.lock();
            let queue = &mut *guard;
            if let Some(direct) = queue.direct.as_mut().filter(|d| d.armed) {
                if queue.events.is_empty() && queue.lagged.is_empty() {
                    match direct.write(tag, event, frames) {
                        Some(Written::All) => return Pushed::Written,
                        // The session must send the rest: wake it.
                        Some(Written::Part) => break 'locked Pushed::Written,
                        None => {}
                    }
                }
                direct.armed = false;
            }
            if queue.events.len() < self.capacity {
                queue.events.push_back((tag, event.clone()));
            } else {
                match queue.lagged.iter_mut().find(|(t, _)| *t == tag) {
                    Some((_, missed)) => *missed += 1,
                    None => queue.lagged.push((tag, 1)),
                }
            }
            Pushed::Queued
        };
        self.waker.wake();
        pushed
    }

    /// Pushes several events of one topic under `tag`, in order: an armed inbox gets all of
    /// them in one write when they are all plain appends the client does not have yet.
    /// Returns how many were written directly.
    pub(crate) fn push_all(&self, tag: u64, events: &[&LiveEvent], frames: &mut FrameCache) -> u64 {
        {
            let mut guard = self.lock();
            let queue = &mut *guard;
            if let Some(direct) = queue.direct.as_mut().filter(|d| d.armed)
                && queue.events.is_empty()
                && queue.lagged.is_empty()
            {
                match direct.write_all(tag, events, frames) {
                    Some(Written::All) => return events.len() as u64,
                    Some(Written::Part) => {
                        drop(guard);
                        self.waker.wake();
                        return events.len() as u64;
                    }
                    None => {}
                }
            }
        }
        // One at a time: a frame cache serves one event (or one list of them).
        let mut written = 0;
        for event in events {
            if self.push(tag, event, &mut FrameCache::default()) == Pushed::Written {
                written += 1;
            }
        }
        written
    }

    fn pop(&self) -> Option<(u64, LiveEvent)> {
        let mut queue = self.lock();
        if let Some((tag, missed)) = queue.lagged.pop() {
            return Some((tag, LiveEvent::Lagged { missed }));
        }
        queue.events.pop_front()
    }

    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<(u64, LiveEvent)> {
        if let Some(next) = self.pop() {
            return Poll::Ready(next);
        }
        self.waker.register(cx.waker());
        match self.pop() {
            Some(next) => Poll::Ready(next),
            None => Poll::Pending,
        }
    }

    /// Lets frames be written to `socket` directly while armed; `None` stops that for good
    /// (before the session lets go of its socket).
    pub(crate) fn set_direct(&self, socket: Option<DirectSocket>) {
        self.lock().direct = socket.map(|socket| Direct {
            socket,
            armed: false,
            rest: None,
            subs: HashMap::new(),
        });
    }

    /// Registers a subscription slot's append-frame prefix and its topic count.
    pub(crate) fn add_direct_sub(&self, slot: u64, prefix: Arc<str>, topics: usize) {
        if let Some(direct) = self.lock().direct.as_mut() {
            let seen = vec![0; topics];
            direct.subs.insert(slot, DirectSub { prefix, seen });
        }
    }

    /// Forgets a subscription slot: its events are no longer written directly.
    pub(crate) fn remove_direct_sub(&self, slot: u64) {
        if let Some(direct) = self.lock().direct.as_mut() {
            direct.subs.remove(&slot);
        }
    }

    /// Stops direct writes; returns the unwritten end of a frame a direct write left, which
    /// must reach the socket before anything else.
    pub(crate) fn disarm(&self) -> Option<Bytes> {
        let mut queue = self.lock();
        let direct = queue.direct.as_mut()?;
        direct.armed = false;
        direct.rest.take()
    }

    /// Allows direct writes if nothing waits in the inbox; `seen(slot, index)` is the newest
    /// sequence number the session has sent for that topic. False if not armed.
    pub(crate) fn arm(&self, seen: impl Fn(u64, usize) -> u64) -> bool {
        let mut queue = self.lock();
        let queue = &mut *queue;
        let Some(direct) = queue.direct.as_mut() else {
            return false;
        };
        if !queue.events.is_empty() || !queue.lagged.is_empty() || direct.rest.is_some() {
            return false;
        }
        for (slot, sub) in &mut direct.subs {
            for (index, s) in sub.seen.iter_mut().enumerate() {
                *s = (*s).max(seen(*slot, index));
            }
        }
        direct.armed = true;
        true
    }
}

enum Written {
    All,
    Part,
}

impl Direct {
    /// Writes several append frames of one topic at once; `None` unless every one of them
    /// is a plain append newer than what the client has (then nothing was written).
    fn write_all(
        &mut self,
        tag: u64,
        events: &[&LiveEvent],
        frames: &mut FrameCache,
    ) -> Option<Written> {
        let sub = self.subs.get_mut(&(tag >> TAG_BITS))?;
        let seen = sub.seen.get_mut((tag & ((1 << TAG_BITS) - 1)) as usize)?;
        let mut last = *seen;
        for event in events {
            match event {
                LiveEvent::Frame {
                    seq,
                    replace: false,
                    ..
                } if *seq > last => last = *seq,
                _ => return None,
            }
        }
        let frame = frames.frames(&sub.prefix, events);
        match self.socket.write(&frame) {
            Ok(n) if n == frame.len() => {
                *seen = last;
                Some(Written::All)
            }
            Ok(n) if n > 0 => {
                *seen = last;
                self.rest = Some(frame.slice(n..));
                self.armed = false;
                Some(Written::Part)
            }
            _ => None,
        }
    }

    /// Writes an append frame of a known subscription; `None` when the event needs the
    /// session (or the socket took nothing).
    fn write(&mut self, tag: u64, event: &LiveEvent, frames: &mut FrameCache) -> Option<Written> {
        self.write_all(tag, &[event], frames)
    }
}

#[derive(Debug)]
pub(crate) struct InboxSubscription {
    topic: Arc<Topic>,
    inbox: Arc<Inbox>,
    tag: u64,
    /// Keeps the topic counted as watched; dropped after the inbox is unregistered.
    _watch: WatchGuard,
}

impl InboxSubscription {
    /// Moves `subscription`'s deliveries into `inbox` under `tag`: what it has not handed out
    /// yet (its first window, events since) goes first, in order, then every new event.
    pub(crate) fn new(subscription: Subscription, inbox: Arc<Inbox>, tag: u64) -> Self {
        let topic = subscription.topic();
        let watch = topic.add_inbox(&inbox, tag, |push| subscription.drain(push));
        InboxSubscription {
            topic,
            inbox,
            tag,
            _watch: watch,
        }
    }

    /// The topic.
    pub(crate) fn topic(&self) -> &Arc<Topic> {
        &self.topic
    }
}

impl Drop for InboxSubscription {
    fn drop(&mut self) {
        self.topic.remove_inbox(&self.inbox, self.tag);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn status(n: usize) -> LiveEvent {
        LiveEvent::Status {
            up: true,
            message: Arc::from(n.to_string()),
        }
    }

    fn message(event: &LiveEvent) -> String {
        match event {
            LiveEvent::Status { message, .. } => message.to_string(),
            LiveEvent::Lagged { missed } => format!("lagged {missed}"),
            other => format!("{other:?}"),
        }
    }

    /// Events come out in order with their tags; a full inbox counts what it drops per tag
    /// and reports that first; a push wakes the registered task.
    #[test]
    fn events_in_order_overflow_reported_per_tag() {
        let inbox = Inbox::new(2);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(inbox.poll_next(&mut cx).is_pending());
        inbox.push(1, &status(1), &mut FrameCache::default());
        assert_eq!(count.0.load(Ordering::Relaxed), 1, "the push woke the task");
        inbox.push(2, &status(2), &mut FrameCache::default());
        inbox.push(1, &status(3), &mut FrameCache::default());
        inbox.push(1, &status(4), &mut FrameCache::default());
        let mut out = Vec::new();
        while let Poll::Ready((tag, event)) = inbox.poll_next(&mut cx) {
            out.push((tag, message(&event)));
        }
        assert_eq!(
            out,
            [
                (1, "lagged 2".to_owned()),
                (1, "1".to_owned()),
                (2, "2".to_owned())
            ]
        );
    }
}
