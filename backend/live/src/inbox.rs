//! A WebSocket connection's queue of topic events. Topics push each event straight into the
//! inboxes of the connections watching them and wake each connection's task once; the task
//! drains its inbox. This replaces, per connection, a broadcast receiver per subscription
//! polled through a stream combinator: the same events, without a future per subscription
//! being re-created and woken through two layers for every frame.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

use crate::hub::{Subscription, WatchGuard};
use crate::topic::{LiveEvent, Topic};

/// Events waiting for one connection, each tagged with the subscription it is for.
#[derive(Debug)]
pub(crate) struct Inbox {
    queue: Mutex<Queue>,
    waker: AtomicWaker,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Queue {
    events: VecDeque<(u64, LiveEvent)>,
    /// Events dropped because the inbox was full, per tag: delivered as
    /// [`LiveEvent::Lagged`] before anything else, so the connection resyncs them.
    lagged: Vec<(u64, u64)>,
}

impl Inbox {
    /// An inbox holding at most `capacity` events; more are counted as lagged per tag.
    pub(crate) fn new(capacity: usize) -> Arc<Inbox> {
        Arc::new(Inbox {
            queue: Mutex::new(Queue::default()),
            waker: AtomicWaker::new(),
            capacity: capacity.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an event for subscription `tag` and wakes the connection.
    pub(crate) fn push(&self, tag: u64, event: LiveEvent) {
        {
            let mut queue = self.lock();
            if queue.events.len() < self.capacity {
                queue.events.push_back((tag, event));
            } else {
                match queue.lagged.iter_mut().find(|(t, _)| *t == tag) {
                    Some((_, missed)) => *missed += 1,
                    None => queue.lagged.push((tag, 1)),
                }
            }
        }
        self.waker.wake();
    }

    fn pop(&self) -> Option<(u64, LiveEvent)> {
        let mut queue = self.lock();
        if let Some((tag, missed)) = queue.lagged.pop() {
            return Some((tag, LiveEvent::Lagged { missed }));
        }
        queue.events.pop_front()
    }

    /// The next event, or `Pending` with the task registered to be woken by the next push.
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
}

/// A subscription delivering into an [`Inbox`]; dropping it stops the deliveries (and, as
/// for any subscription, the last one of a topic stops the topic).
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
        inbox.push(1, status(1));
        assert_eq!(count.0.load(Ordering::Relaxed), 1, "the push woke the task");
        inbox.push(2, status(2));
        inbox.push(1, status(3));
        inbox.push(1, status(4));
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
