//! The durable notification outbox: enqueue, due, retry, deliver, fail, list, count, prune,
//! and two senders racing for the same items.

use pulsegrid_store::{NewOutboxItem, OutboxCounts, OutboxFilter, OutboxItem, Store};

use crate::TestDb;

pub(crate) fn notification(receiver: &str, integration: &str, created_at_ms: i64) -> NewOutboxItem {
    NewOutboxItem {
        receiver: receiver.to_owned(),
        integration: integration.to_owned(),
        group_key: format!("{{}}:{{alertname=\"{receiver}\"}}"),
        body: format!(r#"{{"receiver":"{receiver}","at":{created_at_ms}}}"#),
        created_at_ms,
        next_attempt_at_ms: created_at_ms,
    }
}

fn ids(items: &[OutboxItem]) -> Vec<i64> {
    items.iter().map(|item| item.id).collect()
}

pub(crate) async fn ids_of_due(store: &Store) -> Vec<i64> {
    ids(&store.due_notifications(i64::MAX, 100).await.expect("due"))
}

/// An item goes pending -> due -> retried (not due until its next attempt) -> due again ->
/// delivered; marks apply only to pending items, so a late retry cannot revive it.
pub(crate) async fn outbox_item_is_retried_then_delivered(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.next_notification_due().await.expect("due"), None);
    assert!(
        store
            .enqueue_notifications(&[])
            .await
            .expect("nothing")
            .is_empty()
    );
    let first = notification("ops", "webhook[0]", 1_000);
    let second = notification("ops", "email[1]", 1_500);
    let enqueued = store
        .enqueue_notifications(&[first.clone(), second])
        .await
        .expect("enqueue");
    let [id1, id2] = enqueued[..] else {
        panic!("two ids expected, got {enqueued:?}");
    };
    assert!(id1 < id2);
    assert_eq!(
        store.next_notification_due().await.expect("due"),
        Some(1_000)
    );

    let due = store.due_notifications(1_200, 10).await.expect("due");
    assert_eq!(
        due,
        [OutboxItem {
            id: id1,
            receiver: first.receiver.clone(),
            integration: first.integration.clone(),
            group_key: first.group_key.clone(),
            body: first.body.clone(),
            status: OutboxItem::PENDING.to_owned(),
            attempts: 0,
            next_attempt_at_ms: 1_000,
            last_error: None,
            created_at_ms: 1_000,
            delivered_at_ms: None,
            failed_at_ms: None,
        }]
    );
    assert_eq!(
        ids(&store.due_notifications(2_000, 10).await.expect("due")),
        [id1, id2]
    );
    assert_eq!(
        ids(&store.due_notifications(2_000, 1).await.expect("due")),
        [id1]
    );

    assert!(
        store
            .mark_retry(id1, 1, 5_000, "HTTP 503")
            .await
            .expect("retry")
    );
    assert_eq!(
        ids(&store.due_notifications(2_000, 10).await.expect("due")),
        [id2]
    );
    assert!(store.mark_delivered(id2, 2_100).await.expect("deliver"));
    assert_eq!(
        store.next_notification_due().await.expect("due"),
        Some(5_000)
    );
    assert!(
        store
            .due_notifications(4_999, 10)
            .await
            .expect("due")
            .is_empty()
    );
    let due = store.due_notifications(5_000, 10).await.expect("due");
    assert_eq!(ids(&due), [id1]);
    assert_eq!(due[0].attempts, 1);
    assert_eq!(due[0].last_error.as_deref(), Some("HTTP 503"));

    assert!(store.mark_delivered(id1, 5_050).await.expect("deliver"));
    assert_eq!(store.next_notification_due().await.expect("due"), None);
    assert!(!store.mark_delivered(id1, 6_000).await.expect("again"));
    assert!(!store.mark_retry(id1, 3, 7_000, "late").await.expect("late"));
    assert!(
        !store
            .mark_failed(id1, 3, "late", 7_000)
            .await
            .expect("late")
    );
    assert!(!store.mark_delivered(9_999, 6_000).await.expect("unknown"));

    let delivered = store
        .list_outbox(&OutboxFilter::default())
        .await
        .expect("list");
    assert_eq!(ids(&delivered), [id2, id1]);
    let item = &delivered[1];
    assert_eq!(item.status, OutboxItem::DELIVERED);
    assert_eq!(item.attempts, 2);
    assert_eq!(item.delivered_at_ms, Some(5_050));
    assert_eq!(item.next_attempt_at_ms, 5_000);
    assert_eq!(item.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(item.failed_at_ms, None);
    assert_eq!(
        store.outbox_counts().await.expect("counts"),
        OutboxCounts {
            pending: 0,
            delivered: 2,
            failed: 0,
        }
    );
}

/// A permanent error settles the item as failed: kept and visible with its error, not due.
pub(crate) async fn outbox_failed_item_is_kept_and_not_retried(db: TestDb) {
    let store = db.open().await;
    let ids = store
        .enqueue_notifications(&[
            notification("ops", "webhook[0]", 1_000),
            notification("ops", "webhook[1]", 1_000),
        ])
        .await
        .expect("enqueue");
    assert!(
        store
            .mark_failed(ids[0], 1, "HTTP 400: bad payload", 1_100)
            .await
            .expect("fail")
    );
    assert_eq!(
        store
            .due_notifications(i64::MAX, 10)
            .await
            .expect("due")
            .iter()
            .map(|item| item.id)
            .collect::<Vec<_>>(),
        [ids[1]]
    );
    let failed = store
        .list_outbox(&OutboxFilter {
            status: Some(OutboxItem::FAILED.to_owned()),
            ..OutboxFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, ids[0]);
    assert_eq!(failed[0].attempts, 1);
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("HTTP 400: bad payload")
    );
    assert_eq!(failed[0].failed_at_ms, Some(1_100));
    assert_eq!(failed[0].delivered_at_ms, None);
    assert!(!store.mark_delivered(ids[0], 1_200).await.expect("settled"));
    assert_eq!(
        store.outbox_counts().await.expect("counts"),
        OutboxCounts {
            pending: 1,
            delivered: 0,
            failed: 1,
        }
    );
}

/// The outbox listing is newest first, narrowed by status and receiver, and limited.
pub(crate) async fn outbox_list_is_filtered_and_newest_first(db: TestDb) {
    let store = db.open().await;
    assert_eq!(
        store.outbox_counts().await.expect("counts"),
        OutboxCounts::default()
    );
    let ids = store
        .enqueue_notifications(&[
            notification("ops", "webhook[0]", 1_000),
            notification("dev", "email[0]", 2_000),
            notification("ops", "email[1]", 3_000),
            notification("ops", "webhook[0]", 4_000),
        ])
        .await
        .expect("enqueue");
    store.mark_delivered(ids[0], 1_100).await.expect("deliver");
    store.mark_delivered(ids[1], 2_100).await.expect("deliver");

    let list = |filter: OutboxFilter| {
        let store = store.clone();
        async move { store.list_outbox(&filter).await.expect("list") }
    };
    let everything = list(OutboxFilter::default()).await;
    assert_eq!(self::ids(&everything), [ids[3], ids[2], ids[1], ids[0]]);
    let ops = list(OutboxFilter {
        receiver: Some("ops".to_owned()),
        ..OutboxFilter::default()
    })
    .await;
    assert_eq!(self::ids(&ops), [ids[3], ids[2], ids[0]]);
    let ops_pending = list(OutboxFilter {
        status: Some(OutboxItem::PENDING.to_owned()),
        receiver: Some("ops".to_owned()),
        limit: Some(1),
    })
    .await;
    assert_eq!(self::ids(&ops_pending), [ids[3]]);
    let unknown_status = list(OutboxFilter {
        status: Some("sent".to_owned()),
        ..OutboxFilter::default()
    })
    .await;
    assert!(unknown_status.is_empty());
    assert_eq!(
        store.outbox_counts().await.expect("counts"),
        OutboxCounts {
            pending: 2,
            delivered: 2,
            failed: 0,
        }
    );
}

/// Pruning deletes delivered and failed items settled before the cutoff; pending items stay
/// whatever their age.
pub(crate) async fn outbox_prune_keeps_pending_and_recent(db: TestDb) {
    let store = db.open().await;
    let ids = store
        .enqueue_notifications(&[
            notification("ops", "webhook[0]", 1_000),
            notification("ops", "webhook[0]", 1_000),
            notification("ops", "webhook[0]", 1_000),
            notification("ops", "webhook[0]", 1_000),
            notification("ops", "webhook[0]", 1_000),
        ])
        .await
        .expect("enqueue");
    store.mark_delivered(ids[0], 2_000).await.expect("old");
    store
        .mark_failed(ids[1], 3, "gone", 2_000)
        .await
        .expect("old");
    store.mark_delivered(ids[2], 9_000).await.expect("recent");
    store
        .mark_failed(ids[3], 3, "gone", 9_000)
        .await
        .expect("recent");
    // ids[4] stays pending since 1_000.

    assert_eq!(store.prune_outbox(5_000).await.expect("prune"), 2);
    assert_eq!(store.prune_outbox(5_000).await.expect("prune again"), 0);
    let left = store
        .list_outbox(&OutboxFilter::default())
        .await
        .expect("list");
    assert_eq!(self::ids(&left), [ids[4], ids[3], ids[2]]);
    assert_eq!(
        store.outbox_counts().await.expect("counts"),
        OutboxCounts {
            pending: 1,
            delivered: 1,
            failed: 1,
        }
    );
}

/// Two senders (two stores, as two replicas) that both fetch due items and mark them
/// delivered settle every item exactly once: none lost, none delivered twice in the store.
pub(crate) async fn concurrent_senders_settle_each_item_once(db: TestDb) {
    const ITEMS: usize = 60;
    let first = db.open().await;
    let second = db.open().await;
    let items: Vec<_> = (0..ITEMS)
        .map(|i| notification("ops", "webhook[0]", 1_000 + i as i64))
        .collect();
    let enqueued = first.enqueue_notifications(&items).await.expect("enqueue");
    assert_eq!(enqueued.len(), ITEMS);

    let sender = |store: Store| {
        tokio::spawn(async move {
            let mut settled = Vec::new();
            loop {
                let due = store.due_notifications(10_000, 7).await.expect("due");
                if due.is_empty() {
                    return settled;
                }
                for item in due {
                    if store.mark_delivered(item.id, 20_000).await.expect("mark") {
                        settled.push(item.id);
                    }
                }
            }
        })
    };
    let a = sender(first.clone());
    let b = sender(second.clone());
    let mut settled = a.await.expect("sender a");
    settled.extend(b.await.expect("sender b"));
    settled.sort_unstable();
    assert_eq!(settled, enqueued, "each item settled by exactly one sender");

    assert_eq!(
        first.outbox_counts().await.expect("counts"),
        OutboxCounts {
            pending: 0,
            delivered: ITEMS as u64,
            failed: 0,
        }
    );
    let listed = second
        .list_outbox(&OutboxFilter::default())
        .await
        .expect("list");
    assert_eq!(listed.len(), ITEMS);
    assert!(listed.iter().all(|item| item.attempts == 1));
    first.close().await;
    second.close().await;
}
