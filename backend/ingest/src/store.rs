//! [`SeriesStore`]: the handle writers, queries and live subscribers share.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};

use pulsegrid_model::{Sample, Series, SeriesKey, SeriesSelector, TimeRange};
use serde::Serialize;
use tokio::sync::{broadcast, oneshot, watch};

use crate::buffers::Buffers;
use crate::config::IngestConfig;
use crate::error::{IngestError, Result};
use crate::wal::{self, Wal};
use crate::writer::{self, Counters, Queue, Request, Shared, lock};
use crate::{codec, now_ms, snapshot};

/// Broadcast capacity: batches a slow subscriber may fall behind before it lags.
const BROADCAST_CAPACITY: usize = 1024;

/// Ingested series: durable (write-ahead logged), bounded, ring-buffered, per stream.
/// Cloning is cheap; all clones share one store, which closes when the last is dropped.
#[derive(Clone)]
pub struct SeriesStore {
    handle: Arc<Handle>,
}

/// Closes the store when the last [`SeriesStore`] clone goes.
struct Handle {
    shared: Arc<Shared>,
    stopped: watch::Receiver<bool>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.begin_close();
    }
}

/// One acknowledged write as live subscribers see it: only its new points, per series.
#[derive(Clone, Debug, PartialEq)]
pub struct IngestBatch {
    /// The stream written to.
    pub stream: String,
    /// The written points, grouped per series (sorted by key), ascending time.
    pub series: Vec<Series>,
}

/// What the store holds and has done, for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestStats {
    /// Series in memory.
    pub series: usize,
    /// Points in memory.
    pub points: usize,
    /// Bytes in live log segments.
    pub wal_bytes: u64,
    /// Live log segments.
    pub wal_segments: u64,
    /// Bytes queued for the log, not yet written.
    pub pending_bytes: usize,
    /// Writes acknowledged.
    pub batches_written: u64,
    /// Points acknowledged.
    pub points_written: u64,
    /// Group commits fsynced (fewer than writes when writers overlap).
    pub fsyncs: u64,
    /// Writes refused with `Overloaded`.
    pub overloaded_total: u64,
    /// Writes refused because they would exceed `max_series`.
    pub series_refused_total: u64,
    /// Snapshots written.
    pub snapshots_written: u64,
}

impl SeriesStore {
    /// Opens (creating if needed) the store in `config.dir`, replaying the last snapshot and
    /// the log after it into the ring buffers, and starts the writer.
    pub async fn open(config: IngestConfig) -> Result<SeriesStore> {
        config.validate()?;
        tokio::task::spawn_blocking(move || Self::open_blocking(config, false))
            .await
            .map_err(|e| IngestError::Config(format!("opening the store panicked: {e}")))?
    }

    /// Reads the store in `config.dir` as it is on disk (last snapshot and the log after it)
    /// without changing anything there, for a second process next to the service (`pulsegrid
    /// render`): queries work on what was read; writes get [`IngestError::Closed`]. A missing
    /// directory is an empty store.
    pub async fn open_read_only(config: IngestConfig) -> Result<SeriesStore> {
        config.validate()?;
        tokio::task::spawn_blocking(move || Self::open_blocking(config, true))
            .await
            .map_err(|e| IngestError::Config(format!("opening the store panicked: {e}")))?
    }

    fn open_blocking(config: IngestConfig, read_only: bool) -> Result<SeriesStore> {
        let wal_dir = config.dir.join("wal");
        if !read_only {
            std::fs::create_dir_all(&wal_dir)
                .map_err(|e| IngestError::io("create", &wal_dir, e))?;
        }
        let mut buffers = Buffers::new(
            config.max_points_per_series,
            config.max_age_ms,
            config.max_series,
        );
        let now = now_ms();
        let mut refused = 0;
        let mut apply = |stream: String, series: Vec<Series>| {
            buffers.advance(&series, now);
            refused += buffers.apply(&stream, &series);
        };
        let latest = if read_only && !config.dir.is_dir() {
            None
        } else {
            snapshot::latest(&config.dir, read_only)?
        };
        let (first_seq, snapshot_bytes) = match latest {
            Some((path, seq)) => {
                snapshot::load(&path, &mut apply)?;
                let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
                (seq, bytes)
            }
            None => (0, 0),
        };
        let (segments, next_seq) = if read_only && !wal_dir.is_dir() {
            (Vec::new(), first_seq)
        } else {
            wal::replay(&wal_dir, first_seq, read_only, &mut apply)?
        };
        if refused > 0 {
            tracing::warn!(
                refused,
                max_series = config.max_series,
                "replay: series beyond max_series were not restored"
            );
        }
        buffers.sweep();
        tracing::info!(
            dir = %config.dir.display(),
            series = buffers.series(),
            points = buffers.points(),
            segments = segments.len(),
            "ingest store opened"
        );
        if read_only {
            // No writer: writes are refused from the start, and it counts as stopped.
            let (shared, stopped) = Shared::new(config, buffers, true);
            return Ok(SeriesStore {
                handle: Arc::new(Handle { shared, stopped }),
            });
        }
        let wal = Wal::open(
            wal_dir,
            segments,
            next_seq,
            config.segment_bytes,
            snapshot_bytes,
        )?;
        let (shared, stopped) = Shared::new(config, buffers, false);
        shared
            .counters
            .wal_bytes
            .store(wal.bytes(), Ordering::Relaxed);
        shared
            .counters
            .wal_segments
            .store(wal.segments() as u64, Ordering::Relaxed);
        let writer_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("ingest-wal".into())
            .spawn(move || writer::run(writer_shared, wal))
            .map_err(|e| IngestError::io("start the writer thread for", &shared.config.dir, e))?;
        Ok(SeriesStore {
            handle: Arc::new(Handle { shared, stopped }),
        })
    }

    /// Durable write: returns `Ok` only after the group commit holding these points is in the
    /// log and fsynced, and applied to the ring buffers. Refuses at once, queuing nothing, with
    /// [`IngestError::Overloaded`] when the queued bytes would pass `max_pending_bytes` (a
    /// write is always admitted into an empty queue, so an oversized one is not refused
    /// forever), and with [`IngestError::SeriesLimit`] when it would create series beyond
    /// `max_series` (then none of its points are stored).
    pub async fn write(&self, stream: &str, points: Vec<(SeriesKey, Sample)>) -> Result<()> {
        if stream.is_empty() {
            return Err(IngestError::InvalidStream {
                stream: stream.to_owned(),
            });
        }
        if points.is_empty() {
            return Ok(());
        }
        let shared = &self.handle.shared;
        let count = points.len();
        let series = group(points);
        let max_t = series.iter().filter_map(|s| s.t.last().copied()).max();
        let mut record = Vec::with_capacity(codec::record_size(stream, &series));
        codec::encode_record(stream, &series, &mut record);
        let bytes = record.len();
        let (ack, acked) = oneshot::channel();
        {
            let mut queue = lock(&shared.queue);
            if queue.closing {
                return Err(IngestError::Closed);
            }
            let pending = shared.pending_bytes.load(Ordering::Relaxed);
            if pending > 0 && pending + bytes > shared.config.max_pending_bytes {
                shared.counters.overloaded.fetch_add(1, Ordering::Relaxed);
                return Err(IngestError::Overloaded {
                    retry_after_secs: shared.retry_after_secs(pending + bytes),
                });
            }
            shared.pending_bytes.fetch_add(bytes, Ordering::Relaxed);
            queue.requests.push(Request {
                stream: stream.to_owned(),
                series,
                record,
                points: count,
                max_t,
                ack,
            });
        }
        shared.wake.notify_one();
        acked.await.map_err(|_| IngestError::Closed)?
    }

    /// The series of every stream that `selector` matches, with their points in `range`;
    /// sorted by key (a key written to two streams appears twice, in stream order).
    pub fn query(&self, selector: &SeriesSelector, range: TimeRange) -> Vec<Series> {
        self.handle
            .shared
            .read_buffers()
            .query(None, Some(selector), range)
    }

    /// Every series of one stream with its points in `range`, sorted by key.
    pub fn query_stream(&self, stream: &str, range: TimeRange) -> Vec<Series> {
        self.handle
            .shared
            .read_buffers()
            .query(Some(stream), None, range)
    }

    /// Every acknowledged batch, after it is in the ring buffers. A receiver that falls more
    /// than 1024 batches behind gets `Lagged` and continues with newer ones.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<IngestBatch>> {
        self.handle.shared.batches.subscribe()
    }

    /// Current sizes and counters.
    pub fn stats(&self) -> IngestStats {
        let shared = &self.handle.shared;
        let (series, points) = {
            let b = shared.read_buffers();
            (b.series(), b.points())
        };
        let c = &shared.counters;
        let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        IngestStats {
            series,
            points,
            wal_bytes: get(&c.wal_bytes),
            wal_segments: get(&c.wal_segments),
            pending_bytes: shared.pending_bytes.load(Ordering::Relaxed),
            batches_written: get(&c.batches_written),
            points_written: get(&c.points_written),
            fsyncs: get(&c.fsyncs),
            overloaded_total: get(&c.overloaded),
            series_refused_total: get(&c.series_refused),
            snapshots_written: get(&c.snapshots),
        }
    }

    /// Writes what is queued, fsyncs, and stops the writer; later writes get
    /// [`IngestError::Closed`]. Queries keep working on what is in memory.
    pub async fn close(&self) {
        self.handle.shared.begin_close();
        let mut stopped = self.handle.stopped.clone();
        // An error means the writer is gone already.
        let _ = stopped.wait_for(|s| *s).await;
    }

    /// Holds the writer between group commits until the guard is dropped (tests use it to
    /// make writes pile up deterministically).
    #[cfg(test)]
    pub(crate) fn pause_writer(&self) -> std::sync::MutexGuard<'_, ()> {
        lock(&self.handle.shared.gate)
    }
}

impl fmt::Debug for SeriesStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeriesStore")
            .field("dir", &self.handle.shared.config.dir)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Shared {
    /// The state of a store holding `buffers`; `closed` for one without a writer (read-only),
    /// which refuses writes and counts as stopped.
    fn new(
        config: IngestConfig,
        buffers: Buffers,
        closed: bool,
    ) -> (Arc<Shared>, watch::Receiver<bool>) {
        let (stopped_tx, stopped) = watch::channel(closed);
        let shared = Arc::new(Shared {
            config,
            queue: Mutex::new(Queue {
                requests: Vec::new(),
                closing: closed,
            }),
            wake: Condvar::new(),
            buffers: RwLock::new(buffers),
            pending_bytes: AtomicUsize::new(0),
            counters: Counters::default(),
            batches: broadcast::channel(BROADCAST_CAPACITY).0,
            gate: Mutex::new(()),
            stopped: stopped_tx,
        });
        (shared, stopped)
    }
}

/// Groups points per series (sorted by key), each ascending in time; of points with the
/// same key and time, the last written wins when applied.
fn group(mut points: Vec<(SeriesKey, Sample)>) -> Vec<Series> {
    let ordered =
        |a: &(SeriesKey, Sample), b: &(SeriesKey, Sample)| a.0.cmp(&b.0).then(a.1.t.cmp(&b.1.t));
    if !points.is_sorted_by(|a, b| ordered(a, b).is_le()) {
        points.sort_by(ordered);
    }
    let mut out: Vec<Series> = Vec::new();
    for (key, sample) in points {
        match out.last_mut() {
            Some(last) if last.name == key.name && last.labels == key.labels => {
                last.push(sample.t, sample.v);
            }
            _ => {
                let mut s = Series::new(key);
                s.push(sample.t, sample.v);
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
