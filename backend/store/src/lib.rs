//! Pulsegrid's persistence: dashboards saved through the API and their versions, users, API
//! tokens, login sessions, alert silences and the alerting engine's state (rule states,
//! transition history, notification log, notification outbox), in SQLite (the embedded
//! default) or PostgreSQL (shared by replicas).
//!
//! One code path serves both backends: queries go through [`sqlx::AnyPool`] with `$1, $2`
//! placeholders (SQLite reads `$N` as the N-th argument) and use only the types both share:
//! `i64`, `f64`, `String` and `bool`. Timestamps are unix milliseconds, JSON is `TEXT`.
//! Each backend has its own migrations dir (`migrations/sqlite/`, `migrations/postgres/`),
//! applied on connect.

mod alerting;
mod api_keys;
mod connect;
mod dashboards;
pub mod error;
mod migrations;
mod sessions;
mod silences;
mod users;

pub use alerting::{
    DEFAULT_LIST_LIMIT, HistoryEntry, HistoryFilter, MAX_LIST_LIMIT, NewHistoryEntry,
    NewOutboxItem, OutboxCounts, OutboxFilter, OutboxItem, StoredNotifyLog, StoredRuleState,
};
pub use api_keys::ApiKey;
pub use dashboards::{DashboardVersion, SaveDashboard, StoredDashboard};
pub use error::{Result, StoreError};
pub use silences::StoredSilence;
pub use users::User;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;

/// The database engine behind a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A handle to the database; cheap to clone (clones share one connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `sqlite://PATH` (the file is created if missing; WAL journal synced on
    /// every commit, 5 s busy timeout, foreign keys on) or `postgres://...`, and applies
    /// pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        let (backend, pool) = connect::pool(url).await?;
        migrations::migrator(backend).await?.run(&pool).await?;
        tracing::debug!(?backend, "store connected and migrated");
        Ok(Store { pool, backend })
    }

    /// Opens (or creates) the SQLite file `pulsegrid.db` in `data_dir`, creating the dir if
    /// missing.
    pub async fn open_in_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|err| {
            StoreError::InvalidUrl(format!(
                "cannot create data dir {}: {err}",
                data_dir.display()
            ))
        })?;
        let url = connect::sqlite_file_url(&data_dir.join("pulsegrid.db"))?;
        Store::connect(&url).await
    }

    /// Which engine this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail. Waits for connections in use to return.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Now as unix milliseconds, for rows whose API takes no timestamp.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// `true` when a statement changed at least one row.
fn changed(result: &sqlx::any::AnyQueryResult) -> bool {
    result.rows_affected() > 0
}
