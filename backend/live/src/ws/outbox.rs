//! A connection's bounded outgoing queue.
//!
//! Data frames count against the capacity; when it is full the session drops the waiting
//! frames of the subscription at hand and resyncs it later with one replace frame, so a
//! stalled client costs at most `capacity` frames. Status and error frames are few: a
//! subscription's newer status replaces its older queued one, and replies to the client's own
//! mistakes are dropped past a small slack.

use std::collections::VecDeque;

use axum::extract::ws::Message;

/// Control messages (error replies, pings) allowed beyond the frame capacity.
const CONTROL_SLACK: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A data frame of subscription slot `n`.
    Frame(u64),
    /// A status or error frame of subscription slot `n`.
    Status(u64),
    /// Anything else.
    Control,
}

#[derive(Debug)]
struct Queued {
    kind: Kind,
    message: Message,
    len: usize,
}

/// The outgoing queue of one connection.
#[derive(Debug)]
pub(crate) struct Outbox {
    items: VecDeque<Queued>,
    frames: usize,
    bytes: usize,
    capacity: usize,
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> Outbox {
        Outbox {
            items: VecDeque::new(),
            frames: 0,
            bytes: 0,
            capacity: capacity.max(1),
        }
    }

    /// Messages waiting.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Bytes waiting.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether another data frame fits.
    pub(crate) fn has_room(&self) -> bool {
        self.frames < self.capacity
    }

    fn push(&mut self, kind: Kind, text: String) {
        let len = text.len();
        self.bytes += len;
        if let Kind::Frame(_) = kind {
            self.frames += 1;
        }
        self.items.push_back(Queued {
            kind,
            message: Message::Text(text.into()),
            len,
        });
    }

    /// Queues a data frame of `slot`; gives it back when the queue is full.
    pub(crate) fn push_frame(&mut self, slot: u64, text: String) -> Result<(), String> {
        if !self.has_room() {
            return Err(text);
        }
        self.push(Kind::Frame(slot), text);
        Ok(())
    }

    /// Queues a status or error frame of `slot`, replacing one still waiting.
    pub(crate) fn push_status(&mut self, slot: u64, text: String) {
        if let Some(i) = self.items.iter().position(|q| q.kind == Kind::Status(slot))
            && let Some(old) = self.items.remove(i)
        {
            self.bytes -= old.len;
        }
        self.push(Kind::Status(slot), text);
    }

    /// Queues a reply that belongs to no subscription; dropped (false) past the slack.
    pub(crate) fn push_control(&mut self, text: String) -> bool {
        if self.items.len() >= self.capacity + CONTROL_SLACK {
            return false;
        }
        self.push(Kind::Control, text);
        true
    }

    /// Puts a ping first in line, so liveness checks do not wait behind data.
    pub(crate) fn push_ping(&mut self) {
        self.items.push_front(Queued {
            kind: Kind::Control,
            message: Message::Ping(bytes::Bytes::new()),
            len: 0,
        });
    }

    /// Drops the data frames of `slot` still waiting; returns how many.
    pub(crate) fn drop_frames(&mut self, slot: u64) -> usize {
        self.remove_where(|kind| kind == Kind::Frame(slot))
    }

    /// Drops everything of `slot` (it was unsubscribed or replaced).
    pub(crate) fn forget(&mut self, slot: u64) {
        self.remove_where(|kind| matches!(kind, Kind::Frame(s) | Kind::Status(s) if s == slot));
    }

    fn remove_where(&mut self, doomed: impl Fn(Kind) -> bool) -> usize {
        let before = self.items.len();
        let (mut frames, mut bytes) = (0, 0);
        self.items.retain(|q| {
            let gone = doomed(q.kind);
            if gone {
                bytes += q.len;
                frames += usize::from(matches!(q.kind, Kind::Frame(_)));
            }
            !gone
        });
        self.frames -= frames;
        self.bytes -= bytes;
        before - self.items.len()
    }

    /// The next message to write.
    pub(crate) fn pop(&mut self) -> Option<Message> {
        let q = self.items.pop_front()?;
        self.bytes -= q.len;
        if let Kind::Frame(_) = q.kind {
            self.frames -= 1;
        }
        Some(q.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_bounded_and_dropped_per_subscription() {
        let mut outbox = Outbox::new(3);
        assert!(outbox.push_frame(1, "a".into()).is_ok());
        assert!(outbox.push_frame(2, "b".into()).is_ok());
        assert!(outbox.push_frame(1, "c".into()).is_ok());
        assert_eq!(outbox.push_frame(2, "d".into()), Err("d".to_owned()));
        assert_eq!(outbox.drop_frames(1), 2);
        assert_eq!((outbox.len(), outbox.bytes()), (1, 1));
        assert!(outbox.has_room());
    }

    #[test]
    fn status_coalesces_and_control_has_a_limit() {
        let mut outbox = Outbox::new(1);
        outbox.push_status(7, "down".into());
        outbox.push_status(7, "up!".into());
        assert_eq!((outbox.len(), outbox.bytes()), (1, 3));
        let accepted = (0..100).filter(|_| outbox.push_control("e".into())).count();
        assert_eq!(accepted, CONTROL_SLACK);
        outbox.push_ping();
        assert!(matches!(outbox.pop(), Some(Message::Ping(_))));
        outbox.forget(7);
        assert_eq!(outbox.len(), CONTROL_SLACK);
    }
}
