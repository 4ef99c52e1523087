//! The connectors' error type.

/// Why a source could not answer.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The target is malformed or lacks a field; the message names the field.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The upstream server could not be reached or answered with an error.
    #[error("{source_name}: {message}")]
    Upstream {
        /// The datasource's name.
        source_name: String,
        /// What went wrong (never contains credentials).
        message: String,
    },
    /// The source does not support this operation (e.g. subscribe on a poll source).
    #[error("{0}")]
    Unsupported(String),
    /// The datasource configuration is invalid; the message names the field.
    #[error("datasource {name}: {message}")]
    Config {
        /// The datasource's name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// Result with [`SourceError`].
pub type Result<T, E = SourceError> = std::result::Result<T, E>;
