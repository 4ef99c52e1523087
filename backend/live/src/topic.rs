//! One topic: a distinct upstream query (or an ingested stream) shared by all who watch it.
//!
//! A topic keeps its current window, a sequence number that every published frame bumps, and
//! a broadcast sender. Each frame's `series` JSON is serialized once, here, and shared as an
//! `Arc<str>` by every receiver. Attaching a receiver and reading the window happen under the
//! same lock as publishing, so a new subscriber's snapshot (at sequence `n`) and the events
//! it then receives (sequence `> n`) fit together without gaps or duplicates.

use std::sync::{Arc, Mutex, MutexGuard};

use pulsegrid_model::Series;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::direct::FrameCache;
use crate::fanout::{Fanout, InboxList, SPLIT_AT, deliver};
use crate::hub::Counters;
use crate::inbox::Inbox;
use crate::window::{self, PollDiff};

/// What identifies a topic: equal keys share one upstream task.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TopicKey {
    /// A datasource query over a relative window.
    Query {
        /// The datasource's uid.
        uid: String,
        /// `canonical_target` of the panel target.
        target: String,
        /// The window's start as written (`now-5m`).
        from: String,
        /// The window's end as written (`now`).
        to: String,
        /// The step in ms, from the window and `maxDataPoints`.
        step_ms: i64,
        /// Polled even where the source could stream (a shifted window).
        poll_only: bool,
    },
    /// An ingested or pushed stream, by name.
    Stream(String),
}

/// What a subscriber receives from its topic.
#[derive(Clone, Debug)]
pub enum LiveEvent {
    /// Points: new ones (`replace: false`) or the whole current window (`replace: true`).
    Frame {
        /// The topic's sequence number for this frame; later frames have larger numbers.
        seq: u64,
        /// Whether this replaces everything sent before.
        replace: bool,
        /// The protocol's `series` array as JSON text, serialized once for all receivers.
        series: Arc<str>,
    },
    /// The upstream went down or came back.
    Status {
        /// Whether the upstream is reachable now.
        up: bool,
        /// What happened.
        message: Arc<str>,
    },
    /// The query itself is invalid; no data will come.
    Error {
        /// Why, naming the field where possible.
        message: Arc<str>,
    },
    /// This receiver fell behind and missed frames; take a [`Snapshot`] to resync.
    Lagged {
        /// How many events were missed.
        missed: u64,
    },
}

/// A topic's current window as protocol JSON, and the sequence number it reflects.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Frames with this sequence number or lower are contained in `series`.
    pub seq: u64,
    /// The `series` array as JSON text.
    pub series: Arc<str>,
}

/// A shared topic.
#[derive(Debug)]
pub(crate) struct Topic {
    pub(crate) key: TopicKey,
    pub(crate) cancel: CancellationToken,
    tx: broadcast::Sender<LiveEvent>,
    /// Connections' inboxes and their subscription tags, by fan-out shard: each event is
    /// pushed to them too.
    inboxes: Mutex<Inboxes>,
    state: Mutex<TopicState>,
    counters: Arc<Counters>,
    fanout: Arc<Fanout>,
}

/// A topic's connections, split by inbox id into the hub's fan-out shards.
#[derive(Debug)]
struct Inboxes {
    shards: Vec<InboxList>,
    /// Set once the topic has [`SPLIT_AT`] connections: from then on every shard goes to its
    /// helper thread (even if connections leave), so a connection's events never take two
    /// paths at once.
    split: bool,
}

#[derive(Debug, Default)]
struct TopicState {
    seq: u64,
    /// `None` until the first data arrived.
    window: Option<Vec<Series>>,
    /// The window serialized, cached until the window changes.
    snapshot: Option<Snapshot>,
    /// The last status published, kept so new subscribers learn the upstream is down.
    status: Option<(bool, Arc<str>)>,
    /// The query error, kept for new subscribers.
    error: Option<Arc<str>>,
}

impl Topic {
    /// A topic with an empty (not yet loaded) window, or with `initial` as its window.
    pub(crate) fn new(
        key: TopicKey,
        capacity: usize,
        initial: Option<Vec<Series>>,
        counters: Arc<Counters>,
        fanout: Arc<Fanout>,
    ) -> Topic {
        let (tx, _) = broadcast::channel(capacity.max(1));
        let state = TopicState {
            seq: u64::from(initial.is_some()),
            window: initial,
            ..TopicState::default()
        };
        Topic {
            key,
            cancel: CancellationToken::new(),
            tx,
            inboxes: Mutex::new(Inboxes {
                shards: vec![InboxList::default(); fanout.shards()],
                split: false,
            }),
            state: Mutex::new(state),
            counters,
            fanout,
        }
    }

    fn lock(&self) -> MutexGuard<'_, TopicState> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A receiver for future events plus what a new subscriber should see first: the
    /// current window (as a replace frame), and the upstream's trouble if it has any.
    pub(crate) fn attach(&self) -> (broadcast::Receiver<LiveEvent>, Vec<LiveEvent>) {
        let mut state = self.lock();
        let rx = self.tx.subscribe();
        let mut initial = Vec::new();
        if let Some(snapshot) = snapshot_locked(&mut state) {
            initial.push(LiveEvent::Frame {
                seq: snapshot.seq,
                replace: true,
                series: snapshot.series,
            });
        }
        if let Some(message) = &state.error {
            initial.push(LiveEvent::Error {
                message: message.clone(),
            });
        }
        if let Some((false, message)) = &state.status {
            initial.push(LiveEvent::Status {
                up: false,
                message: message.clone(),
            });
        }
        (rx, initial)
    }

    /// The current window as JSON, serialized at most once per change; `None` before the
    /// first data.
    pub(crate) fn snapshot(&self) -> Option<Snapshot> {
        snapshot_locked(&mut self.lock())
    }

    /// Sends to the broadcast receivers and the inboxes; callers hold the state lock, so
    /// events go out in order and [`Self::add_inbox`] sees none half-sent. A topic with many
    /// connections hands each shard of them to its fan-out helper thread instead.
    fn send(&self, event: LiveEvent) {
        self.counters.frame_published();
        let mut inboxes = self.lock_inboxes();
        if !inboxes.split && inboxes.shards.iter().map(|s| s.len()).sum::<usize>() >= SPLIT_AT {
            inboxes.split = true;
        }
        if inboxes.split {
            for (shard, list) in inboxes.shards.iter().enumerate() {
                if !list.is_empty() {
                    let counters = self.counters.clone();
                    self.fanout
                        .spawn(shard, list.clone(), event.clone(), counters);
                }
            }
        } else {
            let written = inboxes.shards.iter().map(|l| deliver(l, &event)).sum();
            self.counters.frames_written(written);
        }
        drop(inboxes);
        // No receivers is fine: the last subscriber may be leaving right now.
        let _ = self.tx.send(event);
    }

    fn lock_inboxes(&self) -> MutexGuard<'_, Inboxes> {
        self.inboxes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `inbox` for events under `tag`, after `drain` has handed it what a
    /// subscription still held; no event is published in between.
    pub(crate) fn add_inbox<T>(
        &self,
        inbox: &Arc<Inbox>,
        tag: u64,
        drain: impl FnOnce(&mut dyn FnMut(LiveEvent)) -> T,
    ) -> T {
        let _state = self.lock();
        let mut frames = FrameCache::default();
        let out = drain(&mut |event| {
            inbox.push(tag, &event, &mut frames);
        });
        let mut inboxes = self.lock_inboxes();
        let shard = (inbox.id % inboxes.shards.len() as u64) as usize;
        // Copies the list only while a helper still holds it for an earlier event.
        Arc::make_mut(&mut inboxes.shards[shard]).push((inbox.clone(), tag));
        out
    }

    /// Stops delivering to `inbox` under `tag`.
    pub(crate) fn remove_inbox(&self, inbox: &Arc<Inbox>, tag: u64) {
        let mut inboxes = self.lock_inboxes();
        let shard = (inbox.id % inboxes.shards.len() as u64) as usize;
        Arc::make_mut(&mut inboxes.shards[shard])
            .retain(|(i, t)| !(Arc::ptr_eq(i, inbox) && *t == tag));
    }

    /// Replaces the whole window and tells subscribers.
    pub(crate) fn publish_replace(&self, series: Vec<Series>) {
        let json = window::to_json(&series);
        let mut state = self.lock();
        state.seq += 1;
        let seq = state.seq;
        state.window = Some(series);
        state.snapshot = Some(Snapshot {
            seq,
            series: json.clone(),
        });
        self.send(LiveEvent::Frame {
            seq,
            replace: true,
            series: json,
        });
    }

    /// Appends points (pushed or streamed), trims the window, and sends only the new points.
    pub(crate) fn publish_append(&self, new: Vec<Series>, min_t: i64, max_points: usize) {
        if new.iter().all(Series::is_empty) {
            return;
        }
        let json = window::to_json(&new);
        let mut state = self.lock();
        let window = state.window.get_or_insert_with(Vec::new);
        window::merge_append(window, &new);
        window::trim(window, min_t, max_points);
        state.seq += 1;
        state.snapshot = None;
        let seq = state.seq;
        self.send(LiveEvent::Frame {
            seq,
            replace: false,
            series: json,
        });
    }

    /// Takes a fresh poll result over a window starting at `from_ms`: publishes only what is
    /// new, or a replace when history was rewritten. Only the topic's own task calls this, so
    /// the diff may be computed outside the lock.
    pub(crate) fn publish_poll(&self, series: Vec<Series>, from_ms: i64) {
        let diff = match &self.lock().window {
            None => PollDiff::Replace,
            Some(old) => window::diff_poll(old, &series, from_ms),
        };
        match diff {
            PollDiff::Replace => self.publish_replace(series),
            PollDiff::Unchanged => {
                // Old points may have slid out of the window; keep the stored copy exact.
                let mut state = self.lock();
                state.window = Some(series);
                state.snapshot = None;
            }
            PollDiff::Append(new) => {
                let json = window::to_json(&new);
                let mut state = self.lock();
                state.window = Some(series);
                state.snapshot = None;
                state.seq += 1;
                let seq = state.seq;
                self.send(LiveEvent::Frame {
                    seq,
                    replace: false,
                    series: json,
                });
            }
        }
    }

    /// Publishes an upstream status change (callers publish transitions only).
    pub(crate) fn publish_status(&self, up: bool, message: &str) {
        let message: Arc<str> = Arc::from(message);
        let mut state = self.lock();
        state.status = Some((up, message.clone()));
        self.send(LiveEvent::Status { up, message });
    }

    /// Publishes that the query is invalid.
    pub(crate) fn publish_error(&self, message: &str) {
        let message: Arc<str> = Arc::from(message);
        let mut state = self.lock();
        state.error = Some(message.clone());
        self.send(LiveEvent::Error { message });
    }
}

fn snapshot_locked(state: &mut TopicState) -> Option<Snapshot> {
    if let Some(snapshot) = &state.snapshot {
        return Some(snapshot.clone());
    }
    let series = window::to_json(state.window.as_deref()?);
    let snapshot = Snapshot {
        seq: state.seq,
        series,
    };
    state.snapshot = Some(snapshot.clone());
    Some(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsegrid_model::{Labels, SeriesKey};

    fn point(t: i64, v: f64) -> Vec<Series> {
        let mut s = Series::new(SeriesKey::new("x", Labels::new()));
        s.push(t, v);
        vec![s]
    }

    #[test]
    fn attach_sees_snapshot_then_only_later_events() {
        let topic = Topic::new(
            TopicKey::Stream("s".into()),
            8,
            Some(point(1, 1.0)),
            Arc::default(),
            Arc::default(),
        );
        topic.publish_append(point(2, 2.0), 0, 100);
        let (mut rx, initial) = topic.attach();
        let LiveEvent::Frame {
            seq,
            replace,
            series,
        } = &initial[0]
        else {
            panic!("expected a frame first: {initial:?}");
        };
        assert!(*replace);
        assert_eq!(*seq, 2);
        assert!(series.contains("[1,2]"), "{series}");
        topic.publish_append(point(3, 3.0), 0, 100);
        match rx.try_recv() {
            Ok(LiveEvent::Frame {
                seq: 3,
                replace: false,
                series,
            }) => {
                assert!(series.contains("[3]"), "{series}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn status_and_error_are_kept_for_new_subscribers() {
        let topic = Topic::new(
            TopicKey::Stream("s".into()),
            8,
            None,
            Arc::default(),
            Arc::default(),
        );
        topic.publish_status(false, "connection refused");
        topic.publish_error("invalid query: expr");
        let (_rx, initial) = topic.attach();
        assert!(matches!(&initial[0], LiveEvent::Error { .. }));
        assert!(matches!(&initial[1], LiveEvent::Status { up: false, .. }));
        assert!(topic.snapshot().is_none());
    }
}
