//! The crate's one error type. Messages say what was expected, what was found and where (the
//! file and, for damaged data, the byte offset).

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// `Result` with [`IngestError`].
pub type Result<T, E = IngestError> = std::result::Result<T, E>;

/// Why a write, or opening the store, failed.
#[derive(Debug, Error)]
pub enum IngestError {
    /// More bytes wait for the write-ahead log than `max_pending_bytes`; nothing was queued.
    /// The HTTP layer answers 503 with `Retry-After`.
    #[error(
        "ingest is overloaded: expected at most max_pending_bytes waiting for the write-ahead log, found the queue full; retry after {retry_after_secs}s"
    )]
    Overloaded {
        /// A hint for `Retry-After`: how long the queued bytes take to write, at least 1.
        retry_after_secs: u64,
    },
    /// The write would create more series than `max_series`; none of its points were stored.
    #[error(
        "stream {stream:?}: expected at most {limit} series in memory (max_series), found new series {series} beyond it; the whole write was refused"
    )]
    SeriesLimit {
        /// The stream written to.
        stream: String,
        /// The first series that did not fit.
        series: String,
        /// The configured `max_series`.
        limit: usize,
    },
    /// A stream name that cannot be stored.
    #[error("expected a non-empty stream name, found {stream:?}")]
    InvalidStream {
        /// The name given.
        stream: String,
    },
    /// A configuration value out of range.
    #[error("ingest config: {0}")]
    Config(String),
    /// A file operation failed.
    #[error("could not {op} {}: {source}", path.display())]
    Io {
        /// What was being done: "write", "fsync", "open", ...
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A file of the store is not in the expected format (not a torn tail, which is repaired).
    #[error("{}: at byte {offset}: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where in it.
        offset: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// The store was closed (or its writer stopped); nothing was written.
    #[error("the series store is closed: expected an open store, found it shut down")]
    Closed,
}

impl IngestError {
    /// An I/O error with the operation and path it happened on.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        IngestError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// The HTTP status this error maps to: 503 when retrying later can help, 400 or 500
    /// otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            IngestError::Overloaded { .. } | IngestError::Closed => 503,
            IngestError::SeriesLimit { .. } | IngestError::InvalidStream { .. } => 400,
            IngestError::Config(_) | IngestError::Io { .. } | IngestError::Corrupt { .. } => 500,
        }
    }

    /// A copy for each request of a group that failed together (`io::Error` is not `Clone`).
    pub(crate) fn duplicate(&self) -> IngestError {
        match self {
            IngestError::Io { op, path, source } => IngestError::Io {
                op,
                path: path.clone(),
                source: io::Error::new(source.kind(), source.to_string()),
            },
            IngestError::Overloaded { retry_after_secs } => IngestError::Overloaded {
                retry_after_secs: *retry_after_secs,
            },
            IngestError::SeriesLimit {
                stream,
                series,
                limit,
            } => IngestError::SeriesLimit {
                stream: stream.clone(),
                series: series.clone(),
                limit: *limit,
            },
            IngestError::InvalidStream { stream } => IngestError::InvalidStream {
                stream: stream.clone(),
            },
            IngestError::Config(m) => IngestError::Config(m.clone()),
            IngestError::Corrupt {
                path,
                offset,
                message,
            } => IngestError::Corrupt {
                path: path.clone(),
                offset: *offset,
                message: message.clone(),
            },
            IngestError::Closed => IngestError::Closed,
        }
    }
}
