//! The live crate's error type: why a subscription could not be made.

/// Why the hub refused a subscription.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The panel's or target's datasource reference matches no configured datasource.
    #[error("unknown datasource {0}; expected the uid or name of a configured datasource")]
    UnknownDatasource(String),
    /// `from`/`to` could not be read or are out of order.
    #[error("invalid time range: {0}")]
    InvalidRange(String),
    /// The hub was used outside a tokio runtime, so it cannot start the upstream task.
    #[error("the live hub needs a tokio runtime to start upstream queries")]
    NoRuntime,
}

/// Result with [`HubError`].
pub type Result<T, E = HubError> = std::result::Result<T, E>;
