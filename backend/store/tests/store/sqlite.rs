//! What only the SQLite backend does: files, URLs and its connection settings.

use pulsegrid_store::{Backend, Store, StoreError};
use sqlx::AnyPool;

/// `connect` creates a missing database file and puts it in WAL mode.
#[tokio::test]
async fn connect_creates_the_file_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fresh.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(path.is_file());
    store.close().await;

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("raw");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    pool.close().await;
}

/// `open_in_dir` creates missing dirs, also with characters that mean something in URLs.
#[tokio::test]
async fn open_in_dir_creates_nested_dirs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("a b").join("c?#%");
    let store = Store::open_in_dir(&data_dir).await.expect("open");
    store
        .create_user("alice", "Alice", "hash", "admin")
        .await
        .expect("write");
    store.close().await;
    assert!(data_dir.join("pulsegrid.db").is_file());
}

/// A URL that is neither SQLite nor PostgreSQL is refused without echoing credentials.
#[tokio::test]
async fn unknown_scheme_is_an_invalid_url() {
    let err = Store::connect("mysql://root:secret@localhost/db")
        .await
        .expect_err("unsupported");
    assert!(matches!(err, StoreError::InvalidUrl(_)), "{err:?}");
    assert!(!err.to_string().contains("secret"));
}

/// Two stores on one file (two processes in real life) write without "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_share_one_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Store::open_in_dir(dir.path()).await.expect("open a");
    let b = Store::open_in_dir(dir.path()).await.expect("open b");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                store
                    .create_api_key(&format!("key{i}"), "viewer", &format!("hash{i}"), None)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("create key");
    }
    assert_eq!(a.list_api_keys().await.expect("list").len(), 20);
}
