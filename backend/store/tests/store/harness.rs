//! One database per test: a SQLite file in a temp dir, or a fresh PostgreSQL server.

use pulsegrid_store::{Backend, Store};
use pulsegrid_testkit::PgServer;
use tempfile::TempDir;

/// A database that lives as long as the test; reopen it as often as needed.
pub(crate) struct TestDb {
    backend: Backend,
    url: String,
    /// The SQLite data dir (kept alive until the test ends).
    sqlite_dir: Option<TempDir>,
    /// The PostgreSQL server (stopped when the test ends).
    _postgres: Option<PgServer>,
}

impl TestDb {
    /// An empty data dir for `pulsegrid.db`.
    pub(crate) async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/pulsegrid.db", dir.path().display());
        TestDb {
            backend: Backend::Sqlite,
            url,
            sqlite_dir: Some(dir),
            _postgres: None,
        }
    }

    /// A new PostgreSQL server of its own (its `postgres` database is empty; a `createdb`
    /// would add ~0.3 s per test for no extra coverage).
    pub(crate) async fn postgres() -> TestDb {
        let server = tokio::task::spawn_blocking(PgServer::start)
            .await
            .expect("start task")
            .expect("start PostgreSQL (is postgresql-15 installed?)");
        let url = server.url();
        TestDb {
            backend: Backend::Postgres,
            url,
            sqlite_dir: None,
            _postgres: Some(server),
        }
    }

    /// Which backend this is.
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// The database URL, for raw checks with sqlx.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Opens the store as the server would: `open_in_dir` for SQLite, `connect` for PostgreSQL.
    pub(crate) async fn open(&self) -> Store {
        let store = match &self.sqlite_dir {
            Some(dir) => Store::open_in_dir(dir.path()).await,
            None => Store::connect(&self.url).await,
        };
        let store = store.expect("open store");
        assert_eq!(store.backend(), self.backend);
        store
    }
}
