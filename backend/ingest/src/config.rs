//! [`IngestConfig`]: where the write-ahead log lives and how much the ring buffers hold.

use std::path::PathBuf;

use crate::error::{IngestError, Result};

/// Bounds and location of the series store. Defaults are in [`IngestConfig::default`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestConfig {
    /// Directory of the write-ahead log (`wal/`) and snapshots; created if missing.
    pub dir: PathBuf,
    /// Points kept per series; the oldest go first. Default 10 000.
    pub max_points_per_series: usize,
    /// Points older than this, relative to the newest point seen in the store (its
    /// watermark), are dropped; 0 or less keeps points regardless of age. Default 1 hour.
    pub max_age_ms: i64,
    /// Series kept in memory over all streams; a write that would create more is refused.
    /// Default 100 000.
    pub max_series: usize,
    /// Bytes queued for the write-ahead log beyond which writes are refused with
    /// `Overloaded`. Default 64 MiB.
    pub max_pending_bytes: usize,
    /// Whether each group commit is fsynced before it is acknowledged. Default true; turning
    /// it off trades durability on power loss for speed (a process crash loses nothing).
    pub fsync: bool,
    /// A log segment is closed and a new one started past this size. Default 16 MiB.
    pub segment_bytes: u64,
    /// Log bytes written since the last snapshot that trigger a new one (and at least the
    /// last snapshot's size, so snapshots never cost more than the log they replace).
    /// Default 64 MiB.
    pub snapshot_after_bytes: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            dir: PathBuf::from("./data/ingest"),
            max_points_per_series: 10_000,
            max_age_ms: 3_600_000,
            max_series: 100_000,
            max_pending_bytes: 64 * 1024 * 1024,
            fsync: true,
            segment_bytes: 16 * 1024 * 1024,
            snapshot_after_bytes: 64 * 1024 * 1024,
        }
    }
}

impl IngestConfig {
    /// Checks the bounds, naming the first one out of range.
    pub fn validate(&self) -> Result<()> {
        let bad =
            |what: &str, found: String| Err(IngestError::Config(format!("{what}, found {found}")));
        if self.max_points_per_series == 0 {
            return bad("max_points_per_series: expected at least 1", "0".into());
        }
        if self.max_series == 0 {
            return bad("max_series: expected at least 1", "0".into());
        }
        if self.max_pending_bytes == 0 {
            return bad("max_pending_bytes: expected at least 1", "0".into());
        }
        if self.segment_bytes < 4096 {
            return bad(
                "segment_bytes: expected at least 4096",
                self.segment_bytes.to_string(),
            );
        }
        if self.dir.as_os_str().is_empty() {
            return bad("dir: expected a directory", "an empty path".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let c = IngestConfig::default();
        c.validate().unwrap();
        assert_eq!(c.max_points_per_series, 10_000);
        assert_eq!(c.max_age_ms, 3_600_000);
        assert_eq!(c.max_series, 100_000);
        assert_eq!(c.max_pending_bytes, 64 << 20);
        assert!(c.fsync);
    }

    #[test]
    fn out_of_range_values_are_named() {
        let c = IngestConfig {
            max_series: 0,
            ..IngestConfig::default()
        };
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("max_series: expected at least 1, found 0"),
            "{e}"
        );
    }
}
