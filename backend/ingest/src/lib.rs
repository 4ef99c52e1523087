//! Pulsegrid's ingest: points pushed with Influx line protocol or Grafana Live pushes, kept
//! durably in a write-ahead log and served from bounded in-memory ring buffers, so a
//! dashboard opened late still sees recent history and an acknowledged write survives a
//! crash.
//!
//! # Data model
//!
//! A point belongs to the *stream* it was written to (the `db`/`bucket` or push stream); the
//! same series key in two streams is two series. Each series is a ring buffer of samples in
//! ascending time; points arriving out of order are inserted in place, and a second point at
//! the same time replaces the first.
//!
//! # Bounds
//!
//! - `max_points_per_series`: the oldest points go first.
//! - `max_age_ms`: measured from the store's watermark, the newest timestamp accepted (capped
//!   at wall-clock now + 5 minutes so a mis-scaled timestamp cannot expire everything), not
//!   from the clock: replay rebuilds the same buffers, and a source that went quiet keeps its
//!   last hour visible. Expired points are hidden from queries at once and swept every second
//!   (series left empty are dropped and free their slot).
//! - `max_series`: a write that would create series beyond it is refused as a whole
//!   ([`IngestError::SeriesLimit`], counted), before it reaches the log.
//! - `max_pending_bytes`: a write that would queue more bytes for the log is refused at once
//!   with [`IngestError::Overloaded`] and a `Retry-After` hint.
//!
//! # Durability: write-ahead log, group commit, snapshots
//!
//! [`SeriesStore::write`] encodes its points into one CRC32-checked, length-prefixed record
//! (on the caller's task) and queues it. One writer thread takes every queued record,
//! appends them with a single `write` to the active log segment (`wal/<seq>.wal`), fsyncs
//! once, applies them to the ring buffers, publishes each to [`SeriesStore::subscribe`], and
//! then acknowledges each write. Concurrent writers therefore share fsyncs.
//!
//! Segments rotate past `segment_bytes`. A sealed segment is deleted once every point in it
//! is older than the age limit. To bound restart time when much is written, the writer takes
//! a snapshot once the log written since the last one exceeds both `snapshot_after_bytes`
//! and the last snapshot's size (so snapshots cost at most as much I/O as the log): it seals
//! the active segment `N`, writes every ring buffer to `snapshot-N.snap` (temp file, fsync,
//! rename), then deletes segments below `N` and older snapshots. Restart reads the newest
//! snapshot (at most the memory bounds' worth) plus the log after it (about
//! `snapshot_after_bytes`).
//!
//! On open, a record cut short or failing its CRC ends its segment, which is truncated there
//! with a warning naming the file and offset: a write torn by a crash was never acknowledged.
//! New writes always go to a fresh segment.

mod buffers;
mod codec;
mod config;
mod error;
mod snapshot;
mod store;
mod wal;
mod writer;

pub use config::IngestConfig;
pub use error::{IngestError, Result};
pub use store::{IngestBatch, IngestStats, SeriesStore};

/// Wall-clock unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
