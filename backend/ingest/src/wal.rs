//! The write-ahead log: numbered segment files (`wal/00000000000000000042.wal`), each an
//! 8-byte magic followed by [`codec`] records. The writer appends whole group commits to the
//! active segment, fsyncs, and starts a new segment past `segment_bytes`. Sealed segments are
//! deleted once every point in them is past the age limit, or once a snapshot covers them.
//!
//! On open, segments are replayed in order; a record that is cut short or fails its CRC (a
//! write torn by a crash) ends the segment, which is truncated there with a warning.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pulsegrid_model::Series;

use crate::codec;
use crate::error::{IngestError, Result};

/// The first bytes of every segment.
const SEGMENT_MAGIC: &[u8; 8] = b"PGWAL\0\0\x01";

/// A segment file and what is known about its contents.
#[derive(Debug)]
pub(crate) struct Segment {
    seq: u64,
    path: PathBuf,
    len: u64,
    /// The newest point in it; `None` if it holds no points.
    max_t: Option<i64>,
}

/// The open log: sealed segments and the active one.
#[derive(Debug)]
pub(crate) struct Wal {
    dir: PathBuf,
    sealed: Vec<Segment>,
    active: Segment,
    file: File,
    /// A second handle on the active segment, for fsyncs on another thread.
    sync_file: Arc<File>,
    segment_bytes: u64,
    /// Bytes appended since the last snapshot.
    since_snapshot: u64,
    /// Size of the last snapshot (a new one is due after at least as many log bytes).
    last_snapshot: u64,
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.wal"))
}

/// Fsyncs a directory so that files created or renamed in it survive a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| IngestError::io("fsync directory", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Replays the segments in `dir` numbered `first_seq` or above, in order, passing every
/// batch to `apply`; deletes those below `first_seq` (covered by a snapshot) and those
/// holding nothing, and cuts a torn tail off. Returns the surviving segments and the next free
/// number. With `read_only` nothing is changed on disk (another process may own the log): a
/// torn tail, which may be a record being written right now, is just not read.
pub(crate) fn replay(
    dir: &Path,
    first_seq: u64,
    read_only: bool,
    mut apply: impl FnMut(String, Vec<Series>),
) -> Result<(Vec<Segment>, u64)> {
    let mut seqs = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| IngestError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| IngestError::io("list", dir, e))?;
        let name = entry.file_name();
        let Some(seq) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".wal"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        seqs.push(seq);
    }
    seqs.sort_unstable();
    let next_seq = seqs.last().map_or(first_seq, |&s| (s + 1).max(first_seq));
    let mut segments = Vec::new();
    for seq in seqs {
        let path = segment_path(dir, seq);
        if seq < first_seq {
            if !read_only {
                remove(&path);
            }
            continue;
        }
        let segment = replay_segment(seq, path, read_only, &mut apply)?;
        if segment.max_t.is_none() {
            if !read_only {
                remove(&segment.path);
            }
        } else {
            segments.push(segment);
        }
    }
    Ok((segments, next_seq))
}

fn replay_segment(
    seq: u64,
    path: PathBuf,
    read_only: bool,
    apply: &mut impl FnMut(String, Vec<Series>),
) -> Result<Segment> {
    let data = fs::read(&path).map_err(|e| IngestError::io("read", &path, e))?;
    let mut segment = Segment {
        seq,
        path,
        len: data.len() as u64,
        max_t: None,
    };
    if data.len() < SEGMENT_MAGIC.len() {
        // Created, but the crash came before its header was written: nothing in it.
        return Ok(segment);
    }
    if &data[..SEGMENT_MAGIC.len()] != SEGMENT_MAGIC {
        return Err(IngestError::Corrupt {
            path: segment.path,
            offset: 0,
            message: format!(
                "expected a Pulsegrid WAL segment (magic {SEGMENT_MAGIC:?}), found {:?}",
                &data[..SEGMENT_MAGIC.len()]
            ),
        });
    }
    let mut offset = SEGMENT_MAGIC.len();
    loop {
        let why = match codec::next_record(&data, offset) {
            Ok(None) => break,
            Ok(Some((payload, next))) => match codec::decode_payload(payload) {
                Ok((stream, series)) => {
                    let newest = series.iter().filter_map(|s| s.t.iter().max()).max();
                    segment.max_t = segment.max_t.max(newest.copied());
                    apply(stream, series);
                    offset = next;
                    continue;
                }
                Err(why) => why,
            },
            Err(why) => why,
        };
        if read_only {
            tracing::debug!(file = %segment.path.display(), offset, "read-only replay: stopping at an incomplete record ({why})");
            segment.len = offset as u64;
            break;
        }
        tracing::warn!(
            file = %segment.path.display(),
            offset,
            dropped_bytes = data.len() - offset,
            "write-ahead log: torn or damaged record ({why}); truncating the segment there"
        );
        truncate(&segment.path, offset as u64)?;
        segment.len = offset as u64;
        break;
    }
    Ok(segment)
}

fn truncate(path: &Path, len: u64) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| IngestError::io("open", path, e))?;
    file.set_len(len)
        .and_then(|()| file.sync_all())
        .map_err(|e| IngestError::io("truncate", path, e))
}

fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path) {
        tracing::warn!(file = %path.display(), error = %e, "could not delete a write-ahead log segment");
    }
}

impl Wal {
    /// Opens the log for appending in a new segment numbered `next_seq`, after replay found
    /// `sealed` segments and a snapshot of `snapshot_bytes` (0 if none).
    pub(crate) fn open(
        dir: PathBuf,
        sealed: Vec<Segment>,
        next_seq: u64,
        segment_bytes: u64,
        snapshot_bytes: u64,
    ) -> Result<Wal> {
        let (active, file) = create_segment(&dir, next_seq)?;
        let sync_file = clone_handle(&file, &active.path)?;
        let since_snapshot = sealed.iter().map(|s| s.len).sum();
        Ok(Wal {
            dir,
            sealed,
            active,
            file,
            sync_file,
            segment_bytes,
            since_snapshot,
            last_snapshot: snapshot_bytes,
        })
    }

    /// Appends records (already framed, in `buf`) holding points up to `max_t`. On failure
    /// the segment is cut back to where it was, so a failed group leaves nothing behind.
    pub(crate) fn append(&mut self, buf: &[u8], max_t: Option<i64>) -> Result<()> {
        if let Err(e) = self.file.write_all(buf) {
            let before = self.active.len;
            let path = &self.active.path;
            if let Err(e2) = self
                .file
                .set_len(before)
                .and_then(|()| self.file.seek(SeekFrom::Start(before)).map(drop))
            {
                tracing::error!(file = %path.display(), error = %e2, "could not cut back a failed write-ahead log append");
            }
            return Err(IngestError::io("write", path, e));
        }
        self.active.len += buf.len() as u64;
        self.active.max_t = self.active.max_t.max(max_t);
        self.since_snapshot += buf.len() as u64;
        Ok(())
    }

    /// Makes everything appended durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(|e| IngestError::io("fsync", &self.active.path, e))
    }

    /// What another thread needs to fsync everything appended so far: the active segment
    /// (sealed segments were synced when they were sealed).
    pub(crate) fn sync_handle(&self) -> SyncHandle {
        SyncHandle {
            file: self.sync_file.clone(),
            path: self.active.path.clone(),
        }
    }

    /// Starts a new segment if the active one is past `segment_bytes`.
    pub(crate) fn rotate_if_full(&mut self) -> Result<()> {
        if self.active.len >= self.segment_bytes {
            self.rotate()?;
        }
        Ok(())
    }

    /// Seals the active segment and starts the next; returns the new segment's number.
    pub(crate) fn rotate(&mut self) -> Result<u64> {
        self.sync()?;
        let (active, file) = create_segment(&self.dir, self.active.seq + 1)?;
        self.sync_file = clone_handle(&file, &active.path)?;
        let sealed = std::mem::replace(&mut self.active, active);
        self.file = file;
        if sealed.max_t.is_some() {
            self.sealed.push(sealed);
        } else {
            remove(&sealed.path);
        }
        Ok(self.active.seq)
    }

    /// Deletes sealed segments numbered below `seq` (a snapshot holds their points).
    pub(crate) fn delete_before(&mut self, seq: u64) {
        self.sealed.retain(|s| {
            let keep = s.seq >= seq;
            if !keep {
                remove(&s.path);
            }
            keep
        });
    }

    /// Deletes sealed segments whose every point is older than `cutoff`.
    pub(crate) fn delete_expired(&mut self, cutoff: i64) {
        self.sealed.retain(|s| {
            let keep = s.max_t.is_some_and(|t| t >= cutoff);
            if !keep {
                remove(&s.path);
            }
            keep
        });
    }

    /// Whether enough log was written since the last snapshot to take another.
    pub(crate) fn snapshot_due(&self, after_bytes: u64) -> bool {
        self.since_snapshot >= after_bytes.max(self.last_snapshot).max(1)
    }

    /// Records that a snapshot of `bytes` was written (or failed, with 0, to back off).
    pub(crate) fn snapshot_taken(&mut self, bytes: u64) {
        self.since_snapshot = 0;
        self.last_snapshot = bytes;
    }

    /// Bytes on disk in live segments.
    pub(crate) fn bytes(&self) -> u64 {
        self.active.len + self.sealed.iter().map(|s| s.len).sum::<u64>()
    }

    /// Live segments, the active one included.
    pub(crate) fn segments(&self) -> usize {
        self.sealed.len() + 1
    }

    /// The active segment's file, for error messages.
    pub(crate) fn active_path(&self) -> &Path {
        &self.active.path
    }
}

/// A handle to fsync a segment from another thread.
#[derive(Clone, Debug)]
pub(crate) struct SyncHandle {
    file: Arc<File>,
    /// The segment's path, for errors and to tell segments apart.
    pub(crate) path: PathBuf,
}

impl SyncHandle {
    /// Makes everything written to the segment so far durable.
    pub(crate) fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .map_err(|e| IngestError::io("fsync", &self.path, e))
    }
}

fn clone_handle(file: &File, path: &Path) -> Result<Arc<File>> {
    file.try_clone()
        .map(Arc::new)
        .map_err(|e| IngestError::io("duplicate the handle of", path, e))
}

fn create_segment(dir: &Path, seq: u64) -> Result<(Segment, File)> {
    let path = segment_path(dir, seq);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| IngestError::io("create", &path, e))?;
    file.write_all(SEGMENT_MAGIC)
        .and_then(|()| file.sync_data())
        .map_err(|e| IngestError::io("write", &path, e))?;
    sync_dir(dir)?;
    let segment = Segment {
        seq,
        path,
        len: SEGMENT_MAGIC.len() as u64,
        max_t: None,
    };
    Ok((segment, file))
}
