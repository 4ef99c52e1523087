//! One poller per distinct (stream, start) of a datasource, shared by every concurrent
//! subscription through [`Lease`]s: started by the first, stopped when the last leaves.
//!
//! The poller keeps, per shard, where to resume: after the last sequence number read. After an
//! outage (or an expired iterator) it goes on from there (`AFTER_SEQUENCE_NUMBER`), so records
//! put meanwhile are read once; only shards never read (re)start at `LATEST` (or the target's
//! `startTime`), and a resume point the stream no longer has (trimmed, or the stream was
//! recreated) falls back to the shard's oldest record (`TRIM_HORIZON`), with a status saying
//! so. Shards are listed again every [`RELIST_EVERY`] and whenever one ends: shards that
//! appear later (a reshard's children) are read from their start, once their parents are
//! fully read.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::api::{ApiError, IteratorStart, KinesisApi, Shard};
use crate::broker::Backoff;

/// Records buffered per poller for slow subscriptions before they skip ahead.
const FANOUT_CAPACITY: usize = 4096;
/// How often the shards are listed again, to find a reshard's new shards.
const RELIST_EVERY: Duration = Duration::from_secs(30);

/// Where reading starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StreamFilter {
    /// The stream name.
    pub(crate) stream: String,
    /// Unix ms to start at (`AT_TIMESTAMP`); None for `LATEST`.
    pub(crate) start_ms: Option<i64>,
}

/// What a subscription hears.
#[derive(Clone, Debug)]
pub(crate) enum StreamEvent {
    /// A record.
    Record {
        /// Its partition key.
        partition_key: String,
        /// Its data.
        data: Arc<[u8]>,
    },
    /// Reading started (`up`) or failed.
    Status {
        /// Whether records flow now.
        up: bool,
        /// What happened.
        message: String,
    },
}

#[derive(Debug)]
struct Poller {
    tx: broadcast::Sender<StreamEvent>,
    refs: usize,
    cancel: CancellationToken,
}

/// The pollers of one datasource.
#[derive(Debug)]
pub(crate) struct Pollers {
    name: String,
    api: KinesisApi,
    poll_interval: Duration,
    /// The pause before reconnecting after a failure.
    backoff: Backoff,
    pollers: Mutex<HashMap<StreamFilter, Poller>>,
}

/// A subscription's hold on a poller.
#[derive(Debug)]
pub(crate) struct Lease {
    pollers: Arc<Pollers>,
    filter: StreamFilter,
    /// Records and status of the stream.
    pub(crate) events: broadcast::Receiver<StreamEvent>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut map = self.pollers.lock();
        if let Some(poller) = map.get_mut(&self.filter) {
            poller.refs = poller.refs.saturating_sub(1);
            if poller.refs == 0 {
                poller.cancel.cancel();
                map.remove(&self.filter);
            }
        }
    }
}

impl Pollers {
    /// No pollers yet.
    pub(crate) fn new(name: &str, api: KinesisApi, poll_interval: Duration) -> Self {
        Pollers {
            name: name.to_owned(),
            api,
            poll_interval,
            backoff: Backoff::default(),
            pollers: Mutex::new(HashMap::new()),
        }
    }

    /// Reconnects after failures with `backoff` instead of the default (tests make it long, to
    /// put records while the poller is away).
    #[cfg(test)]
    pub(crate) fn set_backoff(&mut self, backoff: Backoff) {
        self.backoff = backoff;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StreamFilter, Poller>> {
        self.pollers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many pollers run (one per distinct stream and start).
    pub(crate) fn running(&self) -> usize {
        self.lock().len()
    }

    /// Joins (or starts) the poller of `filter`.
    pub(crate) fn acquire(self: &Arc<Self>, filter: StreamFilter) -> Lease {
        let mut map = self.lock();
        let poller = map.entry(filter.clone()).or_insert_with(|| {
            let tx = broadcast::channel(FANOUT_CAPACITY).0;
            let cancel = CancellationToken::new();
            tokio::spawn(poll(
                self.clone(),
                filter.clone(),
                tx.clone(),
                cancel.clone(),
            ));
            Poller {
                tx,
                refs: 0,
                cancel,
            }
        });
        poller.refs += 1;
        let events = poller.tx.subscribe();
        drop(map);
        Lease {
            pollers: self.clone(),
            filter,
            events,
        }
    }
}

/// Where a shard's reading starts again.
#[derive(Clone, Debug)]
enum Resume {
    /// Listed when the poller started, never read: `LATEST` (None) or `AT_TIMESTAMP`. (Not
    /// `AT_TIMESTAMP` of the first iterator after an outage either: kinesalite never answers
    /// it on a shard without a record since that time.)
    Start(Option<i64>),
    /// Appeared after the poller started (a reshard's child), or lost its resume point: from
    /// its oldest record (`TRIM_HORIZON`).
    Oldest,
    /// Just after the last record read (`AFTER_SEQUENCE_NUMBER`).
    After(String),
}

/// A shard's reading state, kept across outages.
#[derive(Debug)]
struct Cursor {
    resume: Resume,
    /// The shards it came from: it is read once they are (Kinesis' order per partition key).
    parents: Vec<String>,
    /// The current iterator; None until taken, and after an outage or expiry.
    iterator: Option<String>,
    /// Closed (after a reshard) and read to its end.
    finished: bool,
}

/// Every shard the poller has seen, by id.
#[derive(Debug, Default)]
struct Cursors {
    shards: BTreeMap<String, Cursor>,
    /// Whether a listing has succeeded: shards appearing after it start at their oldest record.
    listed: bool,
}

impl Cursors {
    /// Adds the shards of `listing` not seen before.
    fn merge(&mut self, listing: Vec<Shard>, start_ms: Option<i64>) {
        for shard in listing {
            let resume = if self.listed {
                Resume::Oldest
            } else {
                Resume::Start(start_ms)
            };
            self.shards.entry(shard.id).or_insert(Cursor {
                resume,
                parents: shard.parents,
                iterator: None,
                finished: false,
            });
        }
        self.listed = true;
    }

    /// Shards not yet read to their end.
    fn open(&self) -> usize {
        self.shards.values().filter(|c| !c.finished).count()
    }

    /// Shards that need an iterator now: unfinished, none held, parents read (or gone).
    fn to_open(&self) -> Vec<String> {
        self.shards
            .iter()
            .filter(|(_, c)| !c.finished && c.iterator.is_none())
            .filter(|(_, c)| {
                c.parents
                    .iter()
                    .all(|p| self.shards.get(p).is_none_or(|parent| parent.finished))
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// After a failure: every iterator is taken again from its resume point.
    fn forget_iterators(&mut self) {
        for cursor in self.shards.values_mut() {
            cursor.iterator = None;
        }
    }
}

/// Reads every shard of the stream in rounds until cancelled; on trouble, reports it and
/// starts again with backoff, from where each shard stopped.
async fn poll(
    pollers: Arc<Pollers>,
    filter: StreamFilter,
    tx: broadcast::Sender<StreamEvent>,
    cancel: CancellationToken,
) {
    let stream = filter.stream.as_str();
    let mut backoff = pollers.backoff.clone();
    let mut cursors = Cursors::default();
    let mut up = false;
    loop {
        let e = tokio::select! {
            () = cancel.cancelled() => return,
            e = read_rounds(&pollers, &filter, &tx, &mut backoff, &mut up, &mut cursors) => e,
        };
        tracing::warn!(source = pollers.name, stream, error = %e, "reading the stream failed");
        up = false;
        cursors.forget_iterators();
        let _ = tx.send(StreamEvent::Status {
            up: false,
            message: format!("reading Kinesis stream {stream} failed: {e}"),
        });
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}

/// Lists the shards, takes iterators, then reads them in rounds, listing again every
/// [`RELIST_EVERY`] and when a shard ends. Returns only on failure.
async fn read_rounds(
    pollers: &Pollers,
    filter: &StreamFilter,
    tx: &broadcast::Sender<StreamEvent>,
    backoff: &mut Backoff,
    up: &mut bool,
    cursors: &mut Cursors,
) -> ApiError {
    let api = &pollers.api;
    let stream = filter.stream.as_str();
    let mut listed_at: Option<Instant> = None;
    let mut throttle = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
    loop {
        if listed_at.is_none_or(|at| at.elapsed() >= RELIST_EVERY) {
            match api.list_shards(stream).await {
                Ok(listing) => cursors.merge(listing, filter.start_ms),
                Err(e) => return e,
            }
            listed_at = Some(Instant::now());
        }
        for id in cursors.to_open() {
            let Some(cursor) = cursors.shards.get_mut(&id) else {
                continue;
            };
            match open_iterator(api, stream, &id, cursor, tx).await {
                Ok(iterator) => cursor.iterator = Some(iterator),
                Err(e) => return e,
            }
        }
        if !*up {
            backoff.reset();
            *up = true;
            let _ = tx.send(StreamEvent::Status {
                up: true,
                message: format!(
                    "reading Kinesis stream {stream} ({} shards)",
                    cursors.open()
                ),
            });
        }
        for cursor in cursors.shards.values_mut() {
            let Some(iterator) = &cursor.iterator else {
                continue;
            };
            match api.get_records(iterator).await {
                Ok((records, next)) => {
                    for r in records {
                        let _ = tx.send(StreamEvent::Record {
                            partition_key: r.partition_key,
                            data: r.data.into(),
                        });
                        cursor.resume = Resume::After(r.sequence);
                    }
                    cursor.iterator = next;
                    if cursor.iterator.is_none() {
                        // Closed by a reshard and read to its end: its children come next.
                        cursor.finished = true;
                        listed_at = None;
                    }
                    throttle.reset();
                }
                Err(ApiError::Throttled(_)) => {
                    tokio::time::sleep(throttle.next_delay()).await;
                }
                // Taken again from the resume point in the next round.
                Err(ApiError::ExpiredIterator) => cursor.iterator = None,
                Err(e) => return e,
            }
        }
        tokio::time::sleep(pollers.poll_interval).await;
    }
}

/// An iterator for `shard` at its resume point. A resume point the stream no longer has
/// falls back to the shard's oldest record, and says so.
async fn open_iterator(
    api: &KinesisApi,
    stream: &str,
    shard: &str,
    cursor: &mut Cursor,
    tx: &broadcast::Sender<StreamEvent>,
) -> Result<String, ApiError> {
    match &cursor.resume {
        Resume::Start(None) => {
            api.shard_iterator(stream, shard, IteratorStart::Latest)
                .await
        }
        Resume::Start(Some(ms)) => {
            api.shard_iterator(stream, shard, IteratorStart::AtTimestamp(*ms))
                .await
        }
        Resume::Oldest => {
            api.shard_iterator(stream, shard, IteratorStart::TrimHorizon)
                .await
        }
        Resume::After(sequence) => {
            match api
                .shard_iterator(stream, shard, IteratorStart::AfterSequence(sequence))
                .await
            {
                Err(ApiError::InvalidArgument(why)) => {
                    tracing::warn!(stream, shard, reason = why, "resume point no longer valid");
                    let _ = tx.send(StreamEvent::Status {
                        up: true,
                        message: format!(
                            "Kinesis stream {stream}, shard {shard}: the last record read is no \
                             longer in the stream ({why}); reading the shard from its oldest \
                             record (TRIM_HORIZON), records may be missing or repeated"
                        ),
                    });
                    cursor.resume = Resume::Oldest;
                    api.shard_iterator(stream, shard, IteratorStart::TrimHorizon)
                        .await
                }
                other => other,
            }
        }
    }
}
