//! The hub without WebSockets: topic sharing, teardown, stream topics and lag.

use std::sync::Arc;

use pulsegrid_live::{HubConfig, HubError, LiveEvent, QuerySpec};
use serde_json::{Value, json};

use crate::fakes::{PollSource, now_ms, series};
use crate::{hub_with, test_config};

fn spec(target: Value) -> QuerySpec {
    QuerySpec {
        datasource: Some(json!({"uid": "poll"})),
        target,
        from: "now-5m".into(),
        to: "now".into(),
        max_data_points: 100,
        refresh_ms: Some(3_600_000),
    }
}

/// Same datasource, canonical target, window and step share one topic; it ends with its
/// last subscription.
#[tokio::test]
async fn identical_queries_share_one_topic() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source.clone()], test_config());
    let a = hub
        .subscribe_query(spec(json!({"refId": "A", "expr": "up"})))
        .unwrap();
    let b = hub
        .subscribe_query(spec(json!({"expr": "up", "refId": "B"})))
        .unwrap();
    let c = hub.subscribe_query(spec(json!({"expr": "down"}))).unwrap();
    let stats = hub.stats();
    assert_eq!((stats.topics, stats.subscribers), (2, 3));
    drop(a);
    assert_eq!(hub.stats().topics, 2);
    drop(b);
    drop(c);
    assert_eq!((hub.stats().topics, hub.stats().subscribers), (0, 0));
}

/// Unknown datasources and unreadable ranges are refused up front.
#[tokio::test]
async fn bad_specs_are_refused() {
    let hub = hub_with(vec![Arc::new(PollSource::new("poll"))], test_config());
    let mut unknown = spec(json!({}));
    unknown.datasource = Some(json!({"uid": "nope"}));
    assert!(matches!(
        hub.subscribe_query(unknown),
        Err(HubError::UnknownDatasource(_))
    ));
    let mut backwards = spec(json!({}));
    backwards.from = "yesterday".into();
    assert!(matches!(
        hub.subscribe_query(backwards),
        Err(HubError::InvalidRange(_))
    ));
    assert_eq!(hub.stats().topics, 0);
}

/// A receiver that falls behind the topic's buffer is told so, and the snapshot has it all.
#[tokio::test]
async fn lagging_subscriber_is_told_and_can_resync() {
    let config = HubConfig {
        topic_capacity: 2,
        ..test_config()
    };
    let hub = hub_with(vec![], config);
    let mut sub = hub.subscribe_stream("plant");
    match sub.recv().await {
        Some(LiveEvent::Frame {
            replace: true,
            series,
            ..
        }) => assert_eq!(&*series, "[]"),
        other => panic!("expected the (empty) window first, got {other:?}"),
    }
    let now = now_ms();
    for i in 0..5 {
        hub.publish_stream("plant", vec![series("p", &[(now + i, i as f64)])]);
    }
    assert!(matches!(
        sub.recv().await,
        Some(LiveEvent::Lagged { missed: 3 })
    ));
    let snapshot = sub.snapshot().unwrap();
    assert_eq!(snapshot.seq, 6);
    let window: Value = serde_json::from_str(&snapshot.series).unwrap();
    assert_eq!(window[0]["v"], json!([0.0, 1.0, 2.0, 3.0, 4.0]));
    hub.publish_stream("elsewhere", vec![series("p", &[(now, 1.0)])]);
    assert_eq!(hub.stats().topics, 1);
}
