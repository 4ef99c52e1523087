//! Alert silences: stored as opaque JSON by id.

use pulsegrid_store::StoredSilence;

use crate::TestDb;

fn silence(id: &str, body: &str, updated_at_ms: i64) -> StoredSilence {
    StoredSilence {
        id: id.to_owned(),
        body: body.to_owned(),
        updated_at_ms,
    }
}

/// A put inserts or replaces by id; the list is by id; a delete removes one.
pub(crate) async fn silences_are_put_replaced_listed_and_deleted(db: TestDb) {
    let store = db.open().await;
    assert!(store.list_silences().await.expect("list").is_empty());
    let b = silence("b", r#"{"id":"b","comment":"first"}"#, 1_000);
    let a = silence("a", r#"{"id":"a"}"#, 2_000);
    store.put_silence(&b).await.expect("put b");
    store.put_silence(&a).await.expect("put a");
    assert_eq!(
        store.list_silences().await.expect("list"),
        [a.clone(), b.clone()]
    );

    let b2 = silence("b", r#"{"id":"b","comment":"second"}"#, 3_000);
    store.put_silence(&b2).await.expect("replace b");
    assert_eq!(
        store.list_silences().await.expect("list"),
        [a.clone(), b2.clone()]
    );

    assert!(store.delete_silence("a").await.expect("delete"));
    assert!(!store.delete_silence("a").await.expect("delete again"));
    assert_eq!(store.list_silences().await.expect("list"), [b2]);
}

/// Silences are still there after the store is closed and opened again.
pub(crate) async fn silences_survive_reopen(db: TestDb) {
    let store = db.open().await;
    let s = silence("x", r#"{"id":"x"}"#, 5_000);
    store.put_silence(&s).await.expect("put");
    store.close().await;
    let store = db.open().await;
    assert_eq!(store.list_silences().await.expect("list"), [s]);
    store.close().await;
}
