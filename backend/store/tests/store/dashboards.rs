//! Saving, versioning, listing and deleting dashboards.

use pulsegrid_store::{SaveDashboard, Store, StoreError, StoredDashboard};

use crate::TestDb;

/// A save of `uid` as the server does it: the next version written into the JSON first.
async fn save(
    store: &Store,
    uid: &str,
    title: &str,
    expected_version: Option<i64>,
    overwrite: bool,
    now_ms: i64,
) -> Result<StoredDashboard, StoreError> {
    let version = store.next_dashboard_version(uid).await?;
    let json = format!(r#"{{"uid":"{uid}","title":"{title}","version":{version}}}"#);
    store
        .save_dashboard(SaveDashboard {
            uid,
            title,
            tags: &[],
            folder: "",
            json: &json,
            message: &format!("save at {now_ms}"),
            user: Some("alice"),
            expected_version,
            overwrite,
            now_ms,
        })
        .await
}

/// A new uid is stored as given with version 1 and a database id.
pub(crate) async fn new_dashboard_gets_version_one_and_an_id(db: TestDb) {
    let store = db.open().await;
    assert!(store.get_dashboard("boiler").await.expect("get").is_none());

    let saved = save(&store, "boiler", "Boiler", None, false, 1_000)
        .await
        .expect("save");
    assert_eq!(saved.uid, "boiler");
    assert_eq!(saved.version, 1);
    assert!(saved.id > 0);
    assert_eq!(
        saved.json,
        r#"{"uid":"boiler","title":"Boiler","version":1}"#
    );
    assert_eq!((saved.created_at_ms, saved.updated_at_ms), (1_000, 1_000));
    assert_eq!(saved.updated_by.as_deref(), Some("alice"));

    let got = store
        .get_dashboard("boiler")
        .await
        .expect("get")
        .expect("stored");
    assert_eq!((got.id, got.version, got.json), (saved.id, 1, saved.json));
}

/// Updates keep the id and creation time, bump the version and record who saved when.
pub(crate) async fn update_keeps_the_id_and_bumps_the_version(db: TestDb) {
    let store = db.open().await;
    let first = save(&store, "boiler", "Boiler", None, false, 1_000)
        .await
        .expect("create");
    let second = save(&store, "boiler", "Boiler 2", Some(1), false, 2_000)
        .await
        .expect("update");
    let third = save(&store, "boiler", "Boiler 3", None, false, 3_000)
        .await
        .expect("update");

    assert_eq!((second.id, second.version), (first.id, 2));
    assert_eq!((third.id, third.version), (first.id, 3));
    assert_eq!(third.title, "Boiler 3");
    assert_eq!(
        third.json,
        r#"{"uid":"boiler","title":"Boiler 3","version":3}"#
    );
    assert_eq!((third.created_at_ms, third.updated_at_ms), (1_000, 3_000));
}

/// A save against a version that is no longer current changes nothing and names the current one.
pub(crate) async fn stale_expected_version_is_rejected(db: TestDb) {
    let store = db.open().await;
    save(&store, "boiler", "Boiler", None, false, 1_000)
        .await
        .expect("create");
    save(&store, "boiler", "Boiler", Some(1), false, 2_000)
        .await
        .expect("update");

    let err = save(&store, "boiler", "Stale", Some(1), false, 3_000)
        .await
        .expect_err("stale");
    assert!(
        matches!(err, StoreError::VersionMismatch { current: 2 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "version mismatch: the dashboard has version 2"
    );

    let current = store
        .get_dashboard("boiler")
        .await
        .expect("get")
        .expect("stored");
    assert_eq!((current.version, current.title.as_str()), (2, "Boiler"));
    assert_eq!(
        store
            .dashboard_versions("boiler")
            .await
            .expect("versions")
            .len(),
        2
    );
    // The store stays usable after the rolled-back transaction.
    save(&store, "boiler", "Fresh", Some(2), false, 4_000)
        .await
        .expect("save current");
}

/// `overwrite` saves over a stale version as the next version.
pub(crate) async fn overwrite_saves_over_a_stale_version(db: TestDb) {
    let store = db.open().await;
    save(&store, "boiler", "Boiler", None, false, 1_000)
        .await
        .expect("create");
    save(&store, "boiler", "Boiler", Some(1), false, 2_000)
        .await
        .expect("update");

    let saved = save(&store, "boiler", "Forced", Some(1), true, 3_000)
        .await
        .expect("overwrite");
    assert_eq!((saved.version, saved.title.as_str()), (3, "Forced"));
}

/// The next version is 1 for a new uid and current + 1 afterwards.
pub(crate) async fn next_version_counts_from_one(db: TestDb) {
    let store = db.open().await;
    assert_eq!(
        store.next_dashboard_version("boiler").await.expect("next"),
        1
    );
    save(&store, "boiler", "Boiler", None, false, 1_000)
        .await
        .expect("create");
    assert_eq!(
        store.next_dashboard_version("boiler").await.expect("next"),
        2
    );
    save(&store, "boiler", "Boiler", None, false, 2_000)
        .await
        .expect("update");
    assert_eq!(
        store.next_dashboard_version("boiler").await.expect("next"),
        3
    );
}

/// Every save is kept as a version with its JSON, message, author and time; newest first.
pub(crate) async fn versions_are_listed_newest_first(db: TestDb) {
    let store = db.open().await;
    for (i, title) in ["One", "Two", "Three"].into_iter().enumerate() {
        let now = 1_000 * (i as i64 + 1);
        save(&store, "boiler", title, None, false, now)
            .await
            .expect("save");
    }
    save(&store, "other", "Other", None, false, 5_000)
        .await
        .expect("save other");

    let versions = store.dashboard_versions("boiler").await.expect("versions");
    let numbers: Vec<i64> = versions.iter().map(|v| v.version).collect();
    assert_eq!(numbers, [3, 2, 1]);
    let newest = &versions[0];
    assert_eq!(newest.uid, "boiler");
    assert_eq!(
        newest.json,
        r#"{"uid":"boiler","title":"Three","version":3}"#
    );
    assert_eq!(newest.message, "save at 3000");
    assert_eq!(newest.created_by.as_deref(), Some("alice"));
    assert_eq!(newest.created_at_ms, 3_000);

    let first = store
        .dashboard_version("boiler", 1)
        .await
        .expect("get")
        .expect("version 1");
    assert_eq!(first.json, r#"{"uid":"boiler","title":"One","version":1}"#);
    assert!(
        store
            .dashboard_version("boiler", 4)
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        store
            .dashboard_versions("missing")
            .await
            .expect("versions")
            .is_empty()
    );
}

/// Deleting removes the dashboard and its history; saving the uid again starts afresh.
pub(crate) async fn delete_removes_the_dashboard_and_its_versions(db: TestDb) {
    let store = db.open().await;
    let first = save(&store, "boiler", "Boiler", None, false, 1_000)
        .await
        .expect("create");
    save(&store, "boiler", "Boiler", None, false, 2_000)
        .await
        .expect("update");

    assert!(store.delete_dashboard("boiler").await.expect("delete"));
    assert!(store.get_dashboard("boiler").await.expect("get").is_none());
    assert!(
        store
            .dashboard_versions("boiler")
            .await
            .expect("versions")
            .is_empty()
    );
    assert!(
        !store
            .delete_dashboard("boiler")
            .await
            .expect("delete again")
    );

    let again = save(&store, "boiler", "Boiler", Some(2), false, 3_000)
        .await
        .expect("recreate");
    assert_eq!(again.version, 1);
    assert_ne!(again.id, first.id, "ids are not reused");
    assert_eq!(
        store
            .dashboard_versions("boiler")
            .await
            .expect("versions")
            .len(),
        1
    );
}

/// The list holds every saved dashboard by title, with tags and folder as saved.
pub(crate) async fn list_is_sorted_by_title_and_keeps_tags_and_folder(db: TestDb) {
    let store = db.open().await;
    let tags = vec!["plant".to_owned(), "north \"site\"".to_owned()];
    for (uid, title, folder) in [
        ("c", "Compressor", "Plant"),
        ("a", "Boiler", ""),
        ("b", "Air", ""),
    ] {
        store
            .save_dashboard(SaveDashboard {
                uid,
                title,
                tags: &tags,
                folder,
                json: "{}",
                message: "",
                user: None,
                expected_version: None,
                overwrite: false,
                now_ms: 1_000,
            })
            .await
            .expect("save");
    }

    let list = store.list_dashboards().await.expect("list");
    let titles: Vec<&str> = list.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["Air", "Boiler", "Compressor"]);
    assert_eq!(list[2].folder, "Plant");
    assert_eq!(list[0].folder, "");
    assert_eq!(list[0].tags, tags);
    assert_eq!(list[0].updated_by, None);
}

/// Concurrent saves of one uid all succeed, each as its own version (none is lost).
pub(crate) async fn concurrent_saves_each_get_their_own_version(db: TestDb) {
    const SAVES: i64 = 12;
    let store = db.open().await;
    let tasks: Vec<_> = (0..SAVES)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let title = format!("Save {i}");
                save(&store, "boiler", &title, None, false, i)
                    .await
                    .map(|d| d.version)
            })
        })
        .collect();
    let mut versions = Vec::new();
    for task in tasks {
        versions.push(task.await.expect("task").expect("save"));
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=SAVES).collect::<Vec<_>>());
    let current = store
        .get_dashboard("boiler")
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(current.version, SAVES);
    assert_eq!(
        store
            .dashboard_versions("boiler")
            .await
            .expect("versions")
            .len(),
        SAVES as usize
    );
}
