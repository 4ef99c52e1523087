//! Users, API tokens and login sessions.

use pulsegrid_store::StoreError;

use crate::TestDb;

/// Users are created with db ids, found by login and id, changed, counted and listed by login.
pub(crate) async fn users_are_created_found_changed_and_listed(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.count_users().await.expect("count"), 0);
    let bob = store
        .create_user("bob", "Bob", "hash-b", "viewer")
        .await
        .expect("bob");
    let alice = store
        .create_user("alice", "Alice", "hash-a", "admin")
        .await
        .expect("alice");
    assert_ne!(alice.id, bob.id);
    assert_eq!(
        (alice.login.as_str(), alice.name.as_str()),
        ("alice", "Alice")
    );
    assert_eq!(
        (alice.password_hash.as_str(), alice.role.as_str()),
        ("hash-a", "admin")
    );
    assert!(alice.created_at_ms > 1_600_000_000_000, "unix milliseconds");
    assert_eq!(store.count_users().await.expect("count"), 2);

    let found = store
        .user_by_login("alice")
        .await
        .expect("by login")
        .expect("alice");
    assert_eq!(found.id, alice.id);
    let found = store.user_by_id(bob.id).await.expect("by id").expect("bob");
    assert_eq!(found.login, "bob");
    assert!(
        store
            .user_by_login("carol")
            .await
            .expect("by login")
            .is_none()
    );
    assert!(store.user_by_id(-1).await.expect("by id").is_none());

    assert!(
        store
            .set_user_password(bob.id, "hash-b2")
            .await
            .expect("password")
    );
    assert!(store.set_user_role(bob.id, "editor").await.expect("role"));
    let bob = store.user_by_id(bob.id).await.expect("by id").expect("bob");
    assert_eq!(
        (bob.password_hash.as_str(), bob.role.as_str()),
        ("hash-b2", "editor")
    );
    assert!(!store.set_user_password(-1, "x").await.expect("password"));
    assert!(!store.set_user_role(-1, "admin").await.expect("role"));

    let logins: Vec<String> = store
        .list_users()
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.login)
        .collect();
    assert_eq!(logins, ["alice", "bob"]);
}

/// A taken login is a conflict that names it; the first user is untouched.
pub(crate) async fn duplicate_login_is_a_conflict(db: TestDb) {
    let store = db.open().await;
    store
        .create_user("alice", "Alice", "hash", "admin")
        .await
        .expect("alice");
    let err = store
        .create_user("alice", "Other", "hash2", "viewer")
        .await
        .expect_err("taken");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m == "user alice already exists"),
        "{err:?}"
    );
    assert_eq!(store.count_users().await.expect("count"), 1);
    let alice = store
        .user_by_login("alice")
        .await
        .expect("get")
        .expect("alice");
    assert_eq!(alice.name, "Alice");
}

/// Deleting a user deletes their sessions; deleting again reports nothing deleted.
pub(crate) async fn deleting_a_user_ends_their_sessions(db: TestDb) {
    let store = db.open().await;
    let alice = store
        .create_user("alice", "Alice", "hash", "admin")
        .await
        .expect("alice");
    let bob = store
        .create_user("bob", "Bob", "hash", "viewer")
        .await
        .expect("bob");
    store
        .create_session("alice-token", alice.id, 10_000)
        .await
        .expect("session");
    store
        .create_session("bob-token", bob.id, 10_000)
        .await
        .expect("session");

    assert!(store.delete_user(alice.id).await.expect("delete"));
    assert!(store.user_by_id(alice.id).await.expect("get").is_none());
    assert!(
        store
            .session_user("alice-token", 0)
            .await
            .expect("session")
            .is_none()
    );
    assert_eq!(
        store.prune_sessions(i64::MAX).await.expect("prune"),
        1,
        "only bob's is left"
    );
    assert!(!store.delete_user(alice.id).await.expect("delete again"));
}

/// API tokens are stored by hash, found by hash, listed by name, touched and deleted.
pub(crate) async fn api_keys_are_created_found_touched_and_deleted(db: TestDb) {
    let store = db.open().await;
    let ci = store
        .create_api_key("ci", "editor", "hash-ci", Some(90_000))
        .await
        .expect("ci");
    let bot = store
        .create_api_key("bot", "viewer", "hash-bot", None)
        .await
        .expect("bot");
    assert_eq!(
        (ci.name.as_str(), ci.role.as_str(), ci.key_hash.as_str()),
        ("ci", "editor", "hash-ci")
    );
    assert_eq!((ci.expires_at_ms, ci.last_used_at_ms), (Some(90_000), None));
    assert_eq!(bot.expires_at_ms, None);
    assert!(ci.created_at_ms > 1_600_000_000_000, "unix milliseconds");

    let found = store
        .api_key_by_hash("hash-ci")
        .await
        .expect("by hash")
        .expect("ci");
    assert_eq!(found.id, ci.id);
    assert!(
        store
            .api_key_by_hash("nope")
            .await
            .expect("by hash")
            .is_none()
    );

    store.touch_api_key(ci.id, 12_345).await.expect("touch");
    store
        .touch_api_key(-1, 12_345)
        .await
        .expect("touching a missing key is fine");
    let found = store
        .api_key_by_hash("hash-ci")
        .await
        .expect("by hash")
        .expect("ci");
    assert_eq!(found.last_used_at_ms, Some(12_345));

    let names: Vec<String> = store
        .list_api_keys()
        .await
        .expect("list")
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, ["bot", "ci"]);

    assert!(store.delete_api_key(ci.id).await.expect("delete"));
    assert!(!store.delete_api_key(ci.id).await.expect("delete again"));
    assert!(
        store
            .api_key_by_hash("hash-ci")
            .await
            .expect("by hash")
            .is_none()
    );
}

/// A taken token name is a conflict.
pub(crate) async fn duplicate_api_key_name_is_a_conflict(db: TestDb) {
    let store = db.open().await;
    store
        .create_api_key("ci", "editor", "hash-1", None)
        .await
        .expect("ci");
    let err = store
        .create_api_key("ci", "admin", "hash-2", None)
        .await
        .expect_err("taken");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("ci")),
        "{err:?}"
    );
    assert_eq!(store.list_api_keys().await.expect("list").len(), 1);
}

/// A session yields its user until it expires; prune deletes exactly the expired ones.
pub(crate) async fn sessions_expire_and_are_pruned(db: TestDb) {
    let store = db.open().await;
    let alice = store
        .create_user("alice", "Alice", "hash", "admin")
        .await
        .expect("alice");
    store
        .create_session("short", alice.id, 1_000)
        .await
        .expect("session");
    store
        .create_session("long", alice.id, 5_000)
        .await
        .expect("session");

    let user = store
        .session_user("short", 999)
        .await
        .expect("lookup")
        .expect("valid");
    assert_eq!(user.login, "alice");
    assert!(
        store
            .session_user("short", 1_000)
            .await
            .expect("lookup")
            .is_none(),
        "expired"
    );
    assert!(
        store
            .session_user("unknown", 0)
            .await
            .expect("lookup")
            .is_none()
    );

    let dup = store
        .create_session("long", alice.id, 9_000)
        .await
        .expect_err("taken");
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup:?}");

    assert_eq!(store.prune_sessions(1_000).await.expect("prune"), 1);
    assert_eq!(store.prune_sessions(1_000).await.expect("prune"), 0);
    assert!(
        store
            .session_user("long", 1_000)
            .await
            .expect("lookup")
            .is_some()
    );

    store.delete_session("long").await.expect("logout");
    store
        .delete_session("long")
        .await
        .expect("logout twice is fine");
    assert!(
        store
            .session_user("long", 1_000)
            .await
            .expect("lookup")
            .is_none()
    );
}

/// Sessions must belong to an existing user (foreign keys are enforced).
pub(crate) async fn session_for_an_unknown_user_is_rejected(db: TestDb) {
    let store = db.open().await;
    let err = store
        .create_session("token", 4_242, 10_000)
        .await
        .expect_err("no such user");
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
}
