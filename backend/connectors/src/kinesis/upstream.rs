//! One poller per distinct (stream, start) of a datasource, shared by every concurrent
//! subscription through [`Lease`]s: started by the first, stopped when the last leaves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::api::{ApiError, KinesisApi};
use crate::broker::Backoff;

/// Records buffered per poller for slow subscriptions before they skip ahead.
const FANOUT_CAPACITY: usize = 4096;

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
            pollers: Mutex::new(HashMap::new()),
        }
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

/// Reads every shard of the stream in rounds until cancelled; on trouble, reports it and
/// starts again with backoff, from where it stopped.
async fn poll(
    pollers: Arc<Pollers>,
    filter: StreamFilter,
    tx: broadcast::Sender<StreamEvent>,
    cancel: CancellationToken,
) {
    let stream = filter.stream.as_str();
    let mut backoff = Backoff::default();
    let start_ms = filter.start_ms;
    let mut up = false;
    loop {
        let result = tokio::select! {
            () = cancel.cancelled() => return,
            r = read_rounds(&pollers, &filter, start_ms, &tx, &mut backoff, &mut up) => r,
        };
        if let Err((e, _resume_ms)) = result {
            tracing::warn!(source = pollers.name, stream, error = %e, "reading the stream failed");
            up = false;
            let _ = tx.send(StreamEvent::Status {
                up: false,
                message: format!("reading Kinesis stream {stream} failed: {e}"),
            });
            // After an outage the stream may be a new one (recreated): an earlier resume
            // point is only used within one stream's life (expired iterators, below).
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(backoff.next_delay()) => {}
            }
        }
    }
}

/// Gets an iterator per shard, then reads them in rounds. Returns the error and the time to
/// resume from (the last round that succeeded).
async fn read_rounds(
    pollers: &Pollers,
    filter: &StreamFilter,
    start_ms: Option<i64>,
    tx: &broadcast::Sender<StreamEvent>,
    backoff: &mut Backoff,
    up: &mut bool,
) -> Result<(), (ApiError, i64)> {
    let api = &pollers.api;
    let stream = filter.stream.as_str();
    let mut good_until = now_ms();
    let fail = |e: ApiError, at: i64| (e, at);
    let shards = api
        .list_shards(stream)
        .await
        .map_err(|e| fail(e, start_ms.unwrap_or(good_until)))?;
    let mut iterators: Vec<(String, String)> = Vec::with_capacity(shards.len());
    for shard in shards {
        let it = api
            .shard_iterator(stream, &shard, start_ms)
            .await
            .map_err(|e| fail(e, start_ms.unwrap_or(good_until)))?;
        iterators.push((shard, it));
    }
    backoff.reset();
    if !*up {
        *up = true;
        let _ = tx.send(StreamEvent::Status {
            up: true,
            message: format!(
                "reading Kinesis stream {stream} ({} shards)",
                iterators.len()
            ),
        });
    }
    let mut throttle = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
    loop {
        let round_start = now_ms();
        let mut i = 0;
        while i < iterators.len() {
            let (shard, iterator) = &iterators[i];
            match api.get_records(iterator).await {
                Ok((records, next)) => {
                    for r in records {
                        let _ = tx.send(StreamEvent::Record {
                            partition_key: r.partition_key,
                            data: r.data.into(),
                        });
                    }
                    match next {
                        Some(next) => {
                            iterators[i].1 = next;
                            i += 1;
                        }
                        // A closed shard, fully read (after a reshard): drop it.
                        None => {
                            iterators.remove(i);
                        }
                    }
                    throttle.reset();
                }
                Err(ApiError::Throttled(_)) => {
                    tokio::time::sleep(throttle.next_delay()).await;
                    i += 1;
                }
                Err(ApiError::ExpiredIterator) => {
                    let fresh = api
                        .shard_iterator(stream, shard, Some(good_until))
                        .await
                        .map_err(|e| fail(e, good_until))?;
                    iterators[i].1 = fresh;
                }
                Err(e) => return Err(fail(e, good_until)),
            }
        }
        good_until = round_start;
        tokio::time::sleep(pollers.poll_interval).await;
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
