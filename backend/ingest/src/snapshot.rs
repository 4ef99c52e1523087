//! Snapshots (checkpoints) of the ring buffers, so restart time stays bounded by the memory
//! bounds rather than by how much was ever written.
//!
//! `snapshot-<N>.snap` holds every ring buffer as it was when log segment `N` was started:
//! an 8-byte magic, `N` (u64 LE), [`codec`] records of up to [`CHUNK_SERIES`] series, and an
//! empty record as the end marker. It is written to a `.tmp` file, fsynced and renamed, so a
//! crash leaves either the old snapshot or the new one; only then are segments below `N` and
//! older snapshots deleted.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use pulsegrid_model::Series;

use crate::buffers::Buffers;
use crate::codec;
use crate::error::{IngestError, Result};
use crate::wal::sync_dir;

const SNAPSHOT_MAGIC: &[u8; 8] = b"PGSNAP01";
/// Series per record.
const CHUNK_SERIES: usize = 1024;

fn snapshot_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("snapshot-{seq:020}.snap"))
}

/// Writes a snapshot of `buffers` covering the log before segment `seq`; returns its size.
pub(crate) fn write(dir: &Path, seq: u64, buffers: &Buffers) -> Result<u64> {
    let path = snapshot_path(dir, seq);
    let tmp = path.with_extension("snap.tmp");
    let io = |e| IngestError::io("write snapshot", &tmp, e);
    let file = File::create(&tmp).map_err(io)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(SNAPSHOT_MAGIC).map_err(io)?;
    out.write_all(&seq.to_le_bytes()).map_err(io)?;
    let mut bytes = 16u64;
    let mut record = Vec::new();
    let mut failed = None;
    buffers.for_each_chunk(CHUNK_SERIES, |stream, series| {
        if failed.is_some() {
            return;
        }
        record.clear();
        codec::encode_record(stream, series, &mut record);
        bytes += record.len() as u64;
        if let Err(e) = out.write_all(&record) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(io(e));
    }
    // The end marker: an empty record (length 0, CRC of nothing).
    out.write_all(&[0; codec::RECORD_HEADER]).map_err(io)?;
    bytes += codec::RECORD_HEADER as u64;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    fs::rename(&tmp, &path).map_err(|e| IngestError::io("rename snapshot", &path, e))?;
    sync_dir(dir)?;
    Ok(bytes)
}

/// The newest snapshot in `dir` and the log segment it covers up to; deletes leftover
/// `.tmp` files of interrupted snapshots (unless `read_only`).
pub(crate) fn latest(dir: &Path, read_only: bool) -> Result<Option<(PathBuf, u64)>> {
    let mut best: Option<(PathBuf, u64)> = None;
    let entries = fs::read_dir(dir).map_err(|e| IngestError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| IngestError::io("list", dir, e))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with("snapshot-") && name.ends_with(".snap.tmp") {
            // A snapshot that was never finished; a reader leaves it to the owner (who may be
            // writing it right now).
            if !read_only {
                let _ = fs::remove_file(&path);
            }
            continue;
        }
        let Some(seq) = name
            .strip_prefix("snapshot-")
            .and_then(|n| n.strip_suffix(".snap"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(_, s)| seq > *s) {
            best = Some((path, seq));
        }
    }
    Ok(best)
}

/// Deletes snapshots older than the one for segment `seq`.
pub(crate) fn delete_older(dir: &Path, seq: u64) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let older = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("snapshot-")?.strip_suffix(".snap"))
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|s| s < seq);
        if older && let Err(e) = fs::remove_file(&path) {
            tracing::warn!(file = %path.display(), error = %e, "could not delete an old snapshot");
        }
    }
}

/// Reads a snapshot, passing each batch to `apply`. Damage stops the read with a warning;
/// what was read before it is kept (each record is checked on its own).
pub(crate) fn load(path: &Path, mut apply: impl FnMut(String, Vec<Series>)) -> Result<()> {
    let file = File::open(path).map_err(|e| IngestError::io("open", path, e))?;
    let mut input = BufReader::with_capacity(1 << 20, file);
    let mut header = [0u8; 16];
    let mut offset = 0u64;
    let warn = |offset: u64, why: &str| {
        tracing::warn!(
            file = %path.display(),
            offset,
            "snapshot damaged ({why}); keeping what was read before it"
        );
    };
    if input.read_exact(&mut header).is_err() || &header[..8] != SNAPSHOT_MAGIC {
        return Err(IngestError::Corrupt {
            path: path.to_owned(),
            offset: 0,
            message: format!("expected a Pulsegrid snapshot (magic {SNAPSHOT_MAGIC:?})"),
        });
    }
    offset += 16;
    let mut frame = vec![0; codec::RECORD_HEADER];
    loop {
        frame.truncate(codec::RECORD_HEADER);
        if input.read_exact(&mut frame).is_err() {
            warn(offset, "expected an end marker, found the end of the file");
            return Ok(());
        }
        let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        if len == 0 {
            return Ok(());
        }
        if len > codec::MAX_RECORD {
            warn(offset, &format!("expected a record length, found {len}"));
            return Ok(());
        }
        frame.resize(codec::RECORD_HEADER + len, 0);
        if input
            .read_exact(&mut frame[codec::RECORD_HEADER..])
            .is_err()
        {
            warn(offset, "expected a whole record, found the end of the file");
            return Ok(());
        }
        let decoded = codec::next_record(&frame, 0)
            .and_then(|r| r.ok_or_else(|| "expected a record".to_owned()))
            .and_then(|(payload, _)| codec::decode_payload(payload));
        match decoded {
            Ok((stream, series)) => apply(stream, series),
            Err(why) => {
                warn(offset, &why);
                return Ok(());
            }
        }
        offset += frame.len() as u64;
    }
}
