//! The store's one error type: what went wrong talking to the database, in terms the server
//! can map to HTTP statuses (`VersionMismatch` -> 412, `Conflict` -> 409, the rest -> 500).

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or was unreachable (details for the log, not for clients).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A schema migration failed at startup.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A save named a dashboard version that is no longer the current one.
    #[error("version mismatch: the dashboard has version {current}")]
    VersionMismatch {
        /// The version stored now.
        current: i64,
    },
    /// A unique name is taken, e.g. `user alice already exists`.
    #[error("{0}")]
    Conflict(String),
    /// The database URL is neither `sqlite:...` nor `postgres://...`, or a path cannot be
    /// written as one.
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Turns a unique-constraint violation into [`StoreError::Conflict`] with `message`; any other
/// error stays a database error.
pub(crate) fn conflict_on_unique(err: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(err),
    }
}
