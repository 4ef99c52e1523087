//! The one writer thread and the state it shares with [`crate::SeriesStore`] handles.
//!
//! Group commit: callers queue framed records; the writer wakes, takes *every* queued
//! request, checks the series limit, appends them all to the log with one `write`, applies
//! them to the ring buffers and publishes them to live subscribers, then hands the group to
//! the syncer thread, which fsyncs (once for every group waiting) and only then acknowledges
//! each. Live delivery does not wait for the disk (the fsync dominates the write latency),
//! not even for the fsync of an earlier group: the writer takes the next group while the
//! syncer waits on the disk. Durability does wait: nothing is acknowledged before it is on
//! disk. If the fsync fails, the writes are refused and the clients retry; a retried point
//! has the same series and timestamp, so it replaces itself in the ring buffer rather than
//! doubling.
//! It is a plain thread (file I/O blocks), so it neither stalls the async runtime nor keeps
//! it from shutting down; it exits when the store is closed or its last handle dropped,
//! after writing what was queued.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use pulsegrid_model::Series;
use tokio::sync::{broadcast, oneshot, watch};

use crate::buffers::Buffers;
use crate::config::IngestConfig;
use crate::error::{IngestError, Result};
use crate::wal::{SyncHandle, Wal};
use crate::{IngestBatch, now_ms, snapshot};

/// How often expired points, empty series and expired log segments are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// One queued write.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) stream: String,
    /// Grouped per series, ascending time.
    pub(crate) series: Vec<Series>,
    /// The framed log record.
    pub(crate) record: Vec<u8>,
    pub(crate) points: usize,
    pub(crate) max_t: Option<i64>,
    pub(crate) ack: oneshot::Sender<Result<()>>,
}

/// What waits for the writer.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    pub(crate) requests: Vec<Request>,
    pub(crate) closing: bool,
}

/// Monotonic counters, read by `stats()`.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) batches_written: AtomicU64,
    pub(crate) points_written: AtomicU64,
    pub(crate) fsyncs: AtomicU64,
    pub(crate) overloaded: AtomicU64,
    pub(crate) series_refused: AtomicU64,
    pub(crate) snapshots: AtomicU64,
    pub(crate) wal_bytes: AtomicU64,
    pub(crate) wal_segments: AtomicU64,
    /// Recent log throughput, bytes per second, for `Retry-After`.
    pub(crate) bytes_per_sec: AtomicU64,
}

/// State shared by the handles and the writer.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: IngestConfig,
    pub(crate) queue: Mutex<Queue>,
    pub(crate) wake: Condvar,
    pub(crate) buffers: RwLock<Buffers>,
    /// Bytes of queued, not yet written records.
    pub(crate) pending_bytes: AtomicUsize,
    pub(crate) counters: Counters,
    pub(crate) batches: broadcast::Sender<Arc<IngestBatch>>,
    /// Held by the writer for each group commit; tests hold it to stall the writer.
    pub(crate) gate: Mutex<()>,
    pub(crate) stopped: watch::Sender<bool>,
}

/// Locks, ignoring poisoning: every critical section leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn read_buffers(&self) -> std::sync::RwLockReadGuard<'_, Buffers> {
        self.buffers.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_buffers(&self) -> std::sync::RwLockWriteGuard<'_, Buffers> {
        self.buffers.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the writer to finish what is queued and stop.
    pub(crate) fn begin_close(&self) {
        lock(&self.queue).closing = true;
        self.wake.notify_all();
    }

    /// Seconds the queued bytes take to write at the recent rate, 1 to 60.
    pub(crate) fn retry_after_secs(&self, pending: usize) -> u64 {
        let rate = self.counters.bytes_per_sec.load(Ordering::Relaxed).max(1);
        (pending as u64).div_ceil(rate).clamp(1, 60)
    }
}

/// Runs when the writer ends, normally or by a panic: refuses what is still queued (the
/// writers get `Closed` rather than waiting forever) and tells `close()` it is done.
struct Stopped<'a>(&'a Shared);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        let mut queue = lock(&shared.queue);
        queue.closing = true;
        queue.requests.clear();
        shared.pending_bytes.store(0, Ordering::Relaxed);
        drop(queue);
        shared.stopped.send_replace(true);
    }
}

/// A group appended and published, waiting for its fsync before it is acknowledged.
struct Unsynced {
    handle: SyncHandle,
    acks: Vec<oneshot::Sender<Result<()>>>,
    /// Its bytes, counted as pending until they are on disk.
    queued: usize,
    started: Instant,
}

/// The syncer thread's body: fsyncs what the writer hands over, every group waiting at once,
/// then acknowledges them.
fn sync_loop(shared: Arc<Shared>, groups: std::sync::mpsc::Receiver<Unsynced>) {
    while let Ok(first) = groups.recv() {
        let mut waiting = vec![first];
        while let Ok(more) = groups.try_recv() {
            waiting.push(more);
        }
        // One fsync per segment covers every group appended to it so far.
        let mut results: Vec<(std::path::PathBuf, Result<()>)> = Vec::new();
        for group in waiting.iter().rev() {
            if results.iter().any(|(p, _)| *p == group.handle.path) {
                continue;
            }
            let result = group.handle.sync();
            if result.is_ok() {
                shared.counters.fsyncs.fetch_add(1, Ordering::Relaxed);
            }
            results.push((group.handle.path.clone(), result));
        }
        for group in waiting {
            acknowledge(&shared, group, &results);
        }
    }
}

/// Acknowledges a synced group with its segment's fsync result.
fn acknowledge(shared: &Shared, group: Unsynced, results: &[(std::path::PathBuf, Result<()>)]) {
    shared
        .pending_bytes
        .fetch_sub(group.queued, Ordering::Relaxed);
    let elapsed = group.started.elapsed().as_secs_f64().max(1e-6);
    let rate = (group.queued as f64 / elapsed) as u64;
    shared.counters.bytes_per_sec.store(rate, Ordering::Relaxed);
    let result = results
        .iter()
        .find(|(p, _)| *p == group.handle.path)
        .map(|(_, r)| r);
    match result {
        Some(Err(e)) => {
            tracing::error!(error = %e, requests = group.acks.len(), "write-ahead log fsync failed");
            for ack in group.acks {
                let _ = ack.send(Err(e.duplicate()));
            }
        }
        _ => {
            for ack in group.acks {
                let _ = ack.send(Ok(()));
            }
        }
    }
}

/// The writer thread's body.
pub(crate) fn run(shared: Arc<Shared>, mut wal: Wal) {
    let _stopped = Stopped(&shared);
    let (to_syncer, groups) = std::sync::mpsc::channel();
    let syncer = if shared.config.fsync {
        let syncer_shared = shared.clone();
        match std::thread::Builder::new()
            .name("ingest-fsync".into())
            .spawn(move || sync_loop(syncer_shared, groups))
        {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the fsync thread; fsyncing inline");
                None
            }
        }
    } else {
        None
    };
    let to_syncer = syncer.as_ref().map(|_| to_syncer);
    let mut last_sweep = Instant::now();
    let mut scratch = Vec::new();
    loop {
        {
            let mut queue = lock(&shared.queue);
            while queue.requests.is_empty() && !queue.closing {
                queue = shared
                    .wake
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if queue.requests.is_empty() {
                break;
            }
        }
        let _gate = lock(&shared.gate);
        let requests = std::mem::take(&mut lock(&shared.queue).requests);
        commit(
            &shared,
            &mut wal,
            requests,
            &mut scratch,
            to_syncer.as_ref(),
        );
        if let Err(e) = wal.rotate_if_full() {
            tracing::error!(error = %e, "could not start a new write-ahead log segment");
        }
        if wal.snapshot_due(shared.config.snapshot_after_bytes) {
            take_snapshot(&shared, &mut wal);
        }
        if last_sweep.elapsed() >= SWEEP_EVERY {
            last_sweep = Instant::now();
            shared.write_buffers().sweep();
            let cutoff = shared.read_buffers().cutoff();
            wal.delete_expired(cutoff);
        }
        publish_wal_stats(&shared, &wal);
    }
    // Let the syncer acknowledge what it holds before the store reports itself stopped.
    drop(to_syncer);
    if let Some(handle) = syncer {
        let _ = handle.join();
    }
    if !shared.config.fsync
        && let Err(e) = wal.sync()
    {
        tracing::error!(error = %e, "could not fsync the write-ahead log on close");
    }
}

fn publish_wal_stats(shared: &Shared, wal: &Wal) {
    let c = &shared.counters;
    c.wal_bytes.store(wal.bytes(), Ordering::Relaxed);
    c.wal_segments
        .store(wal.segments() as u64, Ordering::Relaxed);
}

/// One group commit: append, apply, publish, then the fsync and the acknowledgements, by the
/// syncer thread when there is one.
fn commit(
    shared: &Shared,
    wal: &mut Wal,
    requests: Vec<Request>,
    scratch: &mut Vec<u8>,
    syncer: Option<&std::sync::mpsc::Sender<Unsynced>>,
) {
    let queued: usize = requests.iter().map(|r| r.record.len()).sum();
    let refusals = check_series_limit(shared, &requests);
    let mut accepted = Vec::with_capacity(requests.len());
    for (request, refusal) in requests.into_iter().zip(refusals) {
        match refusal {
            None => accepted.push(request),
            Some(e) => {
                shared
                    .counters
                    .series_refused
                    .fetch_add(1, Ordering::Relaxed);
                let _ = request.ack.send(Err(e));
            }
        }
    }

    let started = Instant::now();
    let written = append_group(wal, &accepted, scratch);
    if let Err(e) = written {
        shared.pending_bytes.fetch_sub(queued, Ordering::Relaxed);
        tracing::error!(error = %e, requests = accepted.len(), "write-ahead log append failed");
        for r in accepted {
            let _ = r.ack.send(Err(e.duplicate()));
        }
        return;
    }

    let now = now_ms();
    {
        let mut buffers = shared.write_buffers();
        for r in &accepted {
            buffers.advance(&r.series, now);
            buffers.apply(&r.stream, &r.series);
        }
    }
    let c = &shared.counters;
    c.batches_written
        .fetch_add(accepted.len() as u64, Ordering::Relaxed);
    c.points_written.fetch_add(
        accepted.iter().map(|r| r.points as u64).sum(),
        Ordering::Relaxed,
    );
    let mut acks = Vec::with_capacity(accepted.len());
    for r in accepted {
        let batch = IngestBatch {
            stream: r.stream,
            series: r.series,
        };
        // No receivers is fine: nobody is watching live.
        let _ = shared.batches.send(Arc::new(batch));
        acks.push(r.ack);
    }

    let group = Unsynced {
        handle: wal.sync_handle(),
        acks,
        queued,
        started,
    };
    let group = match syncer {
        Some(syncer) => match syncer.send(group) {
            Ok(()) => return,
            Err(std::sync::mpsc::SendError(group)) => group,
        },
        None => group,
    };
    let (acks, queued) = (group.acks, group.queued);
    let synced = if shared.config.fsync {
        wal.sync()
            .map(|()| shared.counters.fsyncs.fetch_add(1, Ordering::Relaxed))
            .map(drop)
    } else {
        Ok(())
    };
    // The group counts as pending (held in memory) until it is on disk.
    shared.pending_bytes.fetch_sub(queued, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64().max(1e-6);
    let rate = (queued as f64 / elapsed) as u64;
    shared.counters.bytes_per_sec.store(rate, Ordering::Relaxed);
    match synced {
        Ok(()) => {
            for ack in acks {
                let _ = ack.send(Ok(()));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, requests = acks.len(), "write-ahead log fsync failed");
            for ack in acks {
                let _ = ack.send(Err(e.duplicate()));
            }
        }
    }
}

/// Appends every accepted record with one write (the fsync follows in [`commit`]).
fn append_group(wal: &mut Wal, accepted: &[Request], scratch: &mut Vec<u8>) -> Result<()> {
    if accepted.is_empty() {
        return Ok(());
    }
    let max_t = accepted.iter().filter_map(|r| r.max_t).max();
    if let [only] = accepted {
        wal.append(&only.record, max_t)?;
    } else {
        scratch.clear();
        for r in accepted {
            scratch.extend_from_slice(&r.record);
        }
        let result = wal.append(scratch, max_t);
        if scratch.capacity() > 8 << 20 {
            *scratch = Vec::new();
        }
        result?;
    }
    Ok(())
}

/// For each request, the error if it would take the store past `max_series`.
fn check_series_limit(shared: &Shared, requests: &[Request]) -> Vec<Option<IngestError>> {
    let buffers = shared.read_buffers();
    let total: usize = requests.iter().map(|r| r.series.len()).sum();
    if buffers.has_room_for(total) {
        return requests.iter().map(|_| None).collect();
    }
    let mut reserved = HashSet::new();
    requests
        .iter()
        .map(|r| {
            buffers
                .admit(&r.stream, &r.series, &mut reserved)
                .map(|s| IngestError::SeriesLimit {
                    stream: r.stream.clone(),
                    series: s.key().to_string(),
                    limit: shared.config.max_series,
                })
        })
        .collect()
}

/// Seals the active segment, snapshots the buffers, and deletes what the snapshot covers.
fn take_snapshot(shared: &Shared, wal: &mut Wal) {
    let result = wal.rotate().and_then(|seq| {
        let bytes = snapshot::write(&shared.config.dir, seq, &shared.read_buffers())?;
        Ok((seq, bytes))
    });
    match result {
        Ok((seq, bytes)) => {
            wal.delete_before(seq);
            snapshot::delete_older(&shared.config.dir, seq);
            wal.snapshot_taken(bytes);
            shared.counters.snapshots.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(seq, bytes, "ingest snapshot written");
        }
        Err(e) => {
            // Back off until as much log again has been written.
            wal.snapshot_taken(0);
            tracing::error!(error = %e, file = %wal.active_path().display(), "could not write an ingest snapshot");
        }
    }
}
