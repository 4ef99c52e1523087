//! The alerting engine's persistence: rule states, transition history and notification log
//! (the outbox is in `outbox.rs`), and that all of it survives a reopen.

use pulsegrid_store::{
    HistoryEntry, HistoryFilter, NewHistoryEntry, Store, StoredNotifyLog, StoredRuleState,
};
use sqlx::AnyPool;

use crate::TestDb;
use crate::outbox::{ids_of_due, notification};

fn rule_state(rule_key: &str, fingerprint: &str, updated_at_ms: i64) -> StoredRuleState {
    StoredRuleState {
        rule_key: rule_key.to_owned(),
        fingerprint: fingerprint.to_owned(),
        body: format!(r#"{{"rule":"{rule_key}","fp":"{fingerprint}"}}"#),
        updated_at_ms,
    }
}

fn transition(rule_key: &str, instance: &str, to_state: &str, at_ms: i64) -> NewHistoryEntry {
    NewHistoryEntry {
        rule_key: rule_key.to_owned(),
        alertname: format!("{rule_key}-alert"),
        instance: instance.to_owned(),
        labels: format!(r#"{{"alertname":"{rule_key}-alert","instance":"{instance}"}}"#),
        from_state: "normal".to_owned(),
        to_state: to_state.to_owned(),
        value: Some(at_ms as f64 / 10.0),
        at_ms,
    }
}

fn notify_log(receiver: &str, group_key: &str, updated_at_ms: i64) -> StoredNotifyLog {
    StoredNotifyLog {
        receiver: receiver.to_owned(),
        group_key: group_key.to_owned(),
        body: format!(r#"{{"firing":["{group_key}"],"at":{updated_at_ms}}}"#),
        updated_at_ms,
    }
}

fn history_times(entries: &[HistoryEntry]) -> Vec<i64> {
    entries.iter().map(|entry| entry.at_ms).collect()
}

async fn history(store: &Store, filter: HistoryFilter) -> Vec<HistoryEntry> {
    store.list_history(&filter).await.expect("list history")
}

/// A put inserts or replaces states by rule key (many in one call); the list is by key.
pub(crate) async fn rule_states_are_put_replaced_and_listed(db: TestDb) {
    let store = db.open().await;
    assert!(store.list_rule_states().await.expect("list").is_empty());
    store.put_rule_states(&[]).await.expect("put nothing");

    let b = rule_state("b", "fp1", 1_000);
    let a = rule_state("a", "fp1", 1_000);
    store
        .put_rule_states(&[b.clone(), a.clone()])
        .await
        .expect("put");
    assert_eq!(
        store.list_rule_states().await.expect("list"),
        [a.clone(), b.clone()]
    );

    let b2 = rule_state("b", "fp2", 2_000);
    let c = rule_state("c", "fp1", 2_000);
    store
        .put_rule_states(&[b2.clone(), c.clone()])
        .await
        .expect("upsert");
    assert_eq!(store.list_rule_states().await.expect("list"), [a, b2, c]);
}

/// A state change and its transitions are written together (one commit), both as stored
/// separately.
pub(crate) async fn transitions_are_recorded_with_their_state(db: TestDb) {
    let store = db.open().await;
    store.record_transitions(&[], &[]).await.expect("nothing");
    let state = rule_state("r", "fp1", 5_000);
    let steps = [
        transition("r", "i1", "pending", 4_000),
        NewHistoryEntry {
            value: None,
            ..transition("r", "i1", "firing", 5_000)
        },
    ];
    store
        .record_transitions(std::slice::from_ref(&state), &steps)
        .await
        .expect("record");
    assert_eq!(store.list_rule_states().await.expect("list"), [state]);
    let got = history(&store, HistoryFilter::default()).await;
    let summary: Vec<(&str, Option<f64>)> =
        got.iter().map(|h| (h.to_state.as_str(), h.value)).collect();
    assert_eq!(summary, [("firing", None), ("pending", Some(400.0))]);
}

/// States of rules missing from `keep` are deleted (in chunks when there are many); an empty
/// `keep` deletes all.
pub(crate) async fn rule_states_of_removed_rules_are_deleted(db: TestDb) {
    let store = db.open().await;
    let states: Vec<_> = (0..1_200)
        .map(|i| rule_state(&format!("rule-{i:04}"), "fp", 1_000))
        .collect();
    store.put_rule_states(&states).await.expect("put");

    let mut keep: Vec<String> = (0..100).map(|i| format!("rule-{i:04}")).collect();
    keep.push("not-stored".to_owned());
    assert_eq!(
        store
            .delete_rule_states_except(&keep)
            .await
            .expect("delete"),
        1_100
    );
    let left = store.list_rule_states().await.expect("list");
    assert_eq!(left, states[..100]);
    assert_eq!(
        store
            .delete_rule_states_except(&keep)
            .await
            .expect("nothing stale"),
        0
    );

    assert_eq!(
        store
            .delete_rule_states_except(&[])
            .await
            .expect("delete all"),
        100
    );
    assert!(store.list_rule_states().await.expect("list").is_empty());
}

/// History is newest first and narrowed by rule, alertname, instance and a half-open time
/// window; the limit applies after the filter.
pub(crate) async fn history_is_filtered_and_listed_newest_first(db: TestDb) {
    let store = db.open().await;
    store.insert_history(&[]).await.expect("insert nothing");
    store
        .insert_history(&[
            transition("r1", "aa", "pending", 1_000),
            transition("r1", "aa", "firing", 2_000),
            transition("r1", "bb", "pending", 2_000),
            transition("r2", "aa", "firing", 3_000),
            transition("r1", "aa", "normal", 4_000),
        ])
        .await
        .expect("insert");

    let all = history(&store, HistoryFilter::default()).await;
    assert_eq!(history_times(&all), [4_000, 3_000, 2_000, 2_000, 1_000]);
    // Same time: the later insert first.
    assert_eq!(all[2].instance, "bb");
    assert!(all[2].id > all[3].id);
    assert_eq!(
        all[0],
        HistoryEntry {
            id: all[0].id,
            rule_key: "r1".to_owned(),
            alertname: "r1-alert".to_owned(),
            instance: "aa".to_owned(),
            labels: r#"{"alertname":"r1-alert","instance":"aa"}"#.to_owned(),
            from_state: "normal".to_owned(),
            to_state: "normal".to_owned(),
            value: Some(400.0),
            at_ms: 4_000,
        }
    );

    let r1 = history(
        &store,
        HistoryFilter {
            rule_key: Some("r1".to_owned()),
            ..HistoryFilter::default()
        },
    )
    .await;
    assert_eq!(history_times(&r1), [4_000, 2_000, 2_000, 1_000]);

    let by_alertname = history(
        &store,
        HistoryFilter {
            alertname: Some("r2-alert".to_owned()),
            ..HistoryFilter::default()
        },
    )
    .await;
    assert_eq!(history_times(&by_alertname), [3_000]);

    let one_instance = history(
        &store,
        HistoryFilter {
            rule_key: Some("r1".to_owned()),
            instance: Some("aa".to_owned()),
            since_ms: Some(2_000),
            until_ms: Some(4_000),
            ..HistoryFilter::default()
        },
    )
    .await;
    assert_eq!(history_times(&one_instance), [2_000]);
    assert_eq!(one_instance[0].to_state, "firing");

    let limited = history(
        &store,
        HistoryFilter {
            rule_key: Some("r1".to_owned()),
            limit: Some(2),
            ..HistoryFilter::default()
        },
    )
    .await;
    assert_eq!(history_times(&limited), [4_000, 2_000]);

    let unknown = history(
        &store,
        HistoryFilter {
            instance: Some("ff".to_owned()),
            ..HistoryFilter::default()
        },
    )
    .await;
    assert!(unknown.is_empty());
}

/// Without a limit a listing returns 500 rows; however many are asked for, at most 5000.
pub(crate) async fn history_listing_is_capped(db: TestDb) {
    let store = db.open().await;
    let rows: Vec<_> = (0..5_010)
        .map(|i| transition("r", "aa", "firing", i))
        .collect();
    store.insert_history(&rows).await.expect("insert");
    let default = history(&store, HistoryFilter::default()).await;
    assert_eq!(default.len(), 500);
    assert_eq!(default[0].at_ms, 5_009);
    let capped = history(
        &store,
        HistoryFilter {
            limit: Some(u32::MAX),
            ..HistoryFilter::default()
        },
    )
    .await;
    assert_eq!(capped.len(), 5_000);
}

/// NaN values are stored as NULL on both backends and read back as `None`, like no value.
/// The NULLs come first: a statement first run with a NULL value must still take numbers.
pub(crate) async fn history_nan_is_stored_as_null(db: TestDb) {
    let store = db.open().await;
    let mut nan = transition("r", "aa", "firing", 1_000);
    nan.value = Some(f64::NAN);
    let mut none = transition("r", "aa", "normal", 2_000);
    none.value = None;
    let mut number = transition("r", "aa", "pending", 3_000);
    number.value = Some(-0.25);
    store
        .insert_history(&[nan, none, number])
        .await
        .expect("insert");

    let values: Vec<_> = history(&store, HistoryFilter::default())
        .await
        .iter()
        .map(|entry| entry.value)
        .collect();
    assert_eq!(values, [Some(-0.25), None, None]);

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(db.url()).await.expect("raw connect");
    let nulls: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert_history WHERE value IS NULL")
        .fetch_one(&pool)
        .await
        .expect("count nulls");
    assert_eq!(nulls, 2);
    pool.close().await;
}

/// Pruning deletes the transitions before the cutoff and keeps the rest.
pub(crate) async fn history_is_pruned_by_age(db: TestDb) {
    let store = db.open().await;
    store
        .insert_history(&[
            transition("r", "aa", "pending", 1_000),
            transition("r", "aa", "firing", 2_000),
            transition("r", "aa", "normal", 3_000),
        ])
        .await
        .expect("insert");
    assert_eq!(store.prune_history(2_000).await.expect("prune"), 1);
    assert_eq!(store.prune_history(2_000).await.expect("prune again"), 0);
    let left = history(&store, HistoryFilter::default()).await;
    assert_eq!(history_times(&left), [3_000, 2_000]);
}

/// Log entries are put, replaced by receiver and group key, listed by them and pruned by age.
pub(crate) async fn notify_log_is_put_replaced_listed_and_pruned(db: TestDb) {
    let store = db.open().await;
    store.put_notify_log(&[]).await.expect("put nothing");
    let slack_b = notify_log("slack", "g-b", 1_000);
    let slack_a = notify_log("slack", "g-a", 2_000);
    let email_b = notify_log("email", "g-b", 3_000);
    store
        .put_notify_log(&[slack_b, slack_a.clone(), email_b.clone()])
        .await
        .expect("put");
    let slack_b2 = notify_log("slack", "g-b", 4_000);
    store
        .put_notify_log(std::slice::from_ref(&slack_b2))
        .await
        .expect("replace");
    assert_eq!(
        store.list_notify_log().await.expect("list"),
        [email_b.clone(), slack_a.clone(), slack_b2.clone()]
    );

    assert_eq!(store.prune_notify_log(3_000).await.expect("prune"), 1);
    assert_eq!(
        store.list_notify_log().await.expect("list"),
        [email_b.clone(), slack_b2]
    );

    // Outbox items and their log entries in one transaction.
    let slack_b3 = notify_log("slack", "g-b", 5_000);
    let ids = store
        .enqueue_notifications_with_log(
            &[notification("slack", "webhook[0]", 5_000)],
            std::slice::from_ref(&slack_b3),
        )
        .await
        .expect("enqueue with log");
    assert_eq!(super::outbox::ids_of_due(&store).await, ids);
    assert_eq!(
        store.list_notify_log().await.expect("list"),
        [email_b, slack_b3]
    );
}

/// What a call wrote is committed when it returns (another store sees it at once) and is
/// still there after the store is closed and opened again.
pub(crate) async fn alerting_state_survives_reopen(db: TestDb) {
    let store = db.open().await;
    let states = [rule_state("r1", "fp", 1_000), rule_state("r2", "fp", 1_000)];
    store.put_rule_states(&states).await.expect("states");
    store
        .insert_history(&[transition("r1", "aa", "firing", 1_000)])
        .await
        .expect("history");
    let log = [notify_log("ops", "g", 1_000)];
    store.put_notify_log(&log).await.expect("notify log");
    let ids = store
        .enqueue_notifications(&[notification("ops", "webhook[0]", 1_000)])
        .await
        .expect("enqueue");

    let other = db.open().await;
    assert_eq!(
        ids_of_due(&other).await,
        ids,
        "enqueued items are committed on return"
    );
    other.close().await;
    let history_before = history(&store, HistoryFilter::default()).await;
    store.close().await;

    let store = db.open().await;
    assert_eq!(store.list_rule_states().await.expect("states"), states);
    assert_eq!(
        history(&store, HistoryFilter::default()).await,
        history_before
    );
    assert_eq!(store.list_notify_log().await.expect("notify log"), log);
    assert_eq!(ids_of_due(&store).await, ids);
    store.close().await;
}
