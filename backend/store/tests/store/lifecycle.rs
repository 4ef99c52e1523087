//! Opening, migrating, reopening and closing a store.

use pulsegrid_store::SaveDashboard;
use sqlx::AnyPool;

use crate::TestDb;

/// How many schema versions `migrations/` holds.
const SCHEMA_VERSIONS: i64 = 3;

/// Opening a migrated database again (while open, and after close) applies nothing twice.
pub(crate) async fn migrations_are_idempotent_on_reopen(db: TestDb) {
    let first = db.open().await;
    let second = db.open().await;
    second.ping().await.expect("ping");
    first.close().await;
    second.close().await;
    let third = db.open().await;
    third.ping().await.expect("ping after reopen");
    third.close().await;

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(db.url()).await.expect("raw connect");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .expect("count migrations");
    assert_eq!(applied, SCHEMA_VERSIONS, "{:?}", db.backend());
    pool.close().await;
}

/// Dashboards, versions, users, tokens and sessions are still there after a reopen.
pub(crate) async fn data_survives_reopen(db: TestDb) {
    let store = db.open().await;
    let tags = vec!["plant".to_owned()];
    let saved = store
        .save_dashboard(SaveDashboard {
            uid: "boiler",
            title: "Boiler",
            tags: &tags,
            folder: "Plant",
            json: r#"{"uid":"boiler","version":1}"#,
            message: "first",
            user: Some("alice"),
            expected_version: None,
            overwrite: false,
            now_ms: 1_000,
        })
        .await
        .expect("save");
    let alice = store
        .create_user("alice", "Alice", "hash", "admin")
        .await
        .expect("user");
    store
        .create_api_key("ci", "editor", "keyhash", None)
        .await
        .expect("key");
    store
        .create_session("tokenhash", alice.id, 10_000)
        .await
        .expect("session");
    store.close().await;

    let store = db.open().await;
    let dashboard = store
        .get_dashboard("boiler")
        .await
        .expect("get")
        .expect("still there");
    assert_eq!(dashboard.id, saved.id);
    assert_eq!(dashboard.json, saved.json);
    assert_eq!(dashboard.tags, tags);
    assert_eq!(
        store
            .dashboard_versions("boiler")
            .await
            .expect("versions")
            .len(),
        1
    );
    assert_eq!(
        store
            .user_by_login("alice")
            .await
            .expect("user")
            .map(|u| u.id),
        Some(alice.id)
    );
    assert!(
        store
            .api_key_by_hash("keyhash")
            .await
            .expect("key")
            .is_some()
    );
    let session = store
        .session_user("tokenhash", 5_000)
        .await
        .expect("session");
    assert_eq!(session.map(|u| u.login), Some("alice".to_owned()));
    store.close().await;
}

/// A closed store refuses work instead of hanging.
pub(crate) async fn ping_fails_after_close(db: TestDb) {
    let store = db.open().await;
    store.ping().await.expect("ping while open");
    store.close().await;
    assert!(store.ping().await.is_err());
}
