//! Opening the pool: telling the backends apart by URL scheme, the SQLite URL details
//! (create-if-missing, file paths as URLs) and the per-connection SQLite settings.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use crate::{Backend, Result, StoreError};

/// How long a SQLite writer waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a pool for `url`, without migrating.
pub(crate) async fn pool(url: &str) -> Result<(Backend, AnyPool)> {
    install_default_drivers();
    let backend = backend_of(url)?;
    let pool = match backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        // WAL lets readers run beside the one writer; the busy timeout makes
                        // a second writer wait instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        // FULL syncs the WAL on every commit, so a committed write (an outbox
                        // row written before its notification is sent) survives a power loss.
                        // It is SQLite's default; set here so no build's default can weaken it.
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute(
                            format!("PRAGMA busy_timeout = {}", SQLITE_BUSY_TIMEOUT.as_millis())
                                .as_str(),
                        )
                        .await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                })
                .connect(&sqlite_create_if_missing(url))
                .await?
        }
        Backend::Postgres => AnyPoolOptions::new().connect(url).await?,
    };
    Ok((backend, pool))
}

/// The backend a URL names, by its scheme.
pub(crate) fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        // Only the scheme: the rest may hold a password.
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        Err(StoreError::InvalidUrl(format!(
            "expected sqlite://PATH or postgres://..., found scheme {scheme:?}"
        )))
    }
}

/// Adds `mode=rwc` (create the file if missing) to a SQLite URL that sets no mode.
pub(crate) fn sqlite_create_if_missing(url: &str) -> String {
    let (database, params) = match url.split_once('?') {
        Some((database, params)) => (database, Some(params)),
        None => (url, None),
    };
    let database_name = database
        .trim_start_matches("sqlite:")
        .trim_start_matches("//");
    if database_name.is_empty() || database_name == ":memory:" {
        return url.to_owned();
    }
    match params {
        None => format!("{url}?mode=rwc"),
        Some(params) if params.split('&').any(|pair| pair.starts_with("mode=")) => url.to_owned(),
        Some("") => format!("{url}mode=rwc"),
        Some(_) => format!("{url}&mode=rwc"),
    }
}

/// The `sqlite://` URL of a file path, absolute and percent-encoded.
pub(crate) fn sqlite_file_url(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path).map_err(|err| {
        StoreError::InvalidUrl(format!("cannot resolve {}: {err}", path.display()))
    })?;
    let Some(text) = absolute.to_str() else {
        return Err(StoreError::InvalidUrl(format!(
            "path {} is not valid UTF-8",
            absolute.display()
        )));
    };
    let mut url = String::from("sqlite://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Schemes pick the backend; anything else is an invalid URL that hides the rest.
    #[test]
    fn backend_by_scheme() {
        assert_eq!(backend_of("sqlite:///tmp/x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("sqlite::memory:").ok(), Some(Backend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            backend_of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        let err = backend_of("mysql://root:secret@h/db").expect_err("mysql is not supported");
        assert!(matches!(err, StoreError::InvalidUrl(_)));
        assert!(!err.to_string().contains("secret"));
    }

    /// `mode=rwc` is added unless a mode is set or the database is in memory.
    #[test]
    fn create_if_missing() {
        assert_eq!(
            sqlite_create_if_missing("sqlite://a.db"),
            "sqlite://a.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite:///x/a.db?cache=shared"),
            "sqlite:///x/a.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite://a.db?mode=ro"),
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite::memory:"),
            "sqlite::memory:"
        );
    }

    /// Every SQLite connection runs in WAL mode with `synchronous = FULL` (2): a commit is on
    /// disk when it returns.
    #[tokio::test]
    async fn sqlite_commits_are_synced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = sqlite_file_url(&dir.path().join("sync.db")).expect("utf-8 path");
        let (_, pool) = pool(&url).await.expect("open");
        let mut conn = pool.acquire().await.expect("connection");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .expect("synchronous");
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .expect("journal_mode");
        assert_eq!((synchronous, journal_mode.as_str()), (2, "wal"));
        drop(conn);
        pool.close().await;
    }

    /// Paths become absolute URLs; characters that mean something in a URL are escaped.
    #[test]
    fn file_urls_escape_paths() {
        let url = sqlite_file_url(Path::new("/tmp/a b/x?#%.db")).expect("utf-8 path");
        assert_eq!(url, "sqlite:///tmp/a%20b/x%3F%23%25.db");
        let relative = sqlite_file_url(Path::new("data/pulsegrid.db")).expect("utf-8 path");
        assert!(relative.starts_with("sqlite:///"), "{relative}");
    }
}
