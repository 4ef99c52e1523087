//! The hub without WebSockets: topic sharing, teardown, stream topics and lag.

use std::sync::Arc;

use pulsegrid_connectors::SourceEvent;
use pulsegrid_live::{HubConfig, HubError, LiveEvent, QuerySpec};
use serde_json::{Value, json};

use crate::fakes::{ManualSource, PollSource, now_ms, series};
use crate::{hub_with, test_config};

fn spec(target: Value) -> QuerySpec {
    QuerySpec {
        datasource: Some(json!({"uid": "poll"})),
        target,
        from: "now-5m".into(),
        to: "now".into(),
        max_data_points: 100,
        refresh_ms: Some(3_600_000),
        poll_only: false,
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

/// A rule's query joins a panel's topic on the same query whose window covers its own, even
/// with another legend and step; never a narrower window, another query, or its own topic.
#[tokio::test]
async fn a_covering_topic_is_joined() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source.clone()], test_config());
    let rule = spec(json!({"expr": "up"}));
    assert!(hub.join_covering(&rule).is_none(), "nothing to join yet");
    let own = hub.subscribe_query(rule.clone()).unwrap();
    assert!(hub.join_covering(&rule).is_none(), "not its own topic");

    let mut narrow = spec(json!({"expr": "up", "legendFormat": "{{job}}"}));
    narrow.from = "now-1m".into();
    let _narrow = hub.subscribe_query(narrow).unwrap();
    let mut other = spec(json!({"expr": "down"}));
    other.from = "now-1h".into();
    let _other = hub.subscribe_query(other).unwrap();
    assert!(
        hub.join_covering(&rule).is_none(),
        "narrower or other queries"
    );

    let mut panel = spec(json!({"refId": "A", "expr": "up", "legendFormat": "{{job}}"}));
    panel.from = "now-1h".into();
    panel.max_data_points = 1_000;
    let _panel = hub.subscribe_query(panel).unwrap();
    assert_eq!(hub.stats().topics, 4);
    let joined = hub.join_covering(&rule).expect("joins the panel's topic");
    drop(own);
    assert_eq!(hub.stats().topics, 3, "the rule's own topic ended");
    assert_eq!(hub.stats().subscribers, 4);
    drop(joined);
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

/// A point that arrives while a streaming topic loads its window is not lost, and a point the
/// window already holds is not sent twice: the stream starts before the window is queried.
#[tokio::test]
async fn points_arriving_while_the_window_loads_are_kept_once() {
    let source = Arc::new(ManualSource::new("stream"));
    let t0 = now_ms() - 1_000;
    *source.initial.lock().unwrap() = vec![series("p", &[(t0, 1.0)])];
    source
        .query_delay_ms
        .store(300, std::sync::atomic::Ordering::SeqCst);
    let hub = hub_with(vec![source.clone()], test_config());
    let live = QuerySpec {
        datasource: Some(json!({"uid": "stream"})),
        ..spec(json!({"expr": "p"}))
    };
    let mut sub = hub.subscribe_query(live).unwrap();
    // While the window loads: the point it already holds again, and a new one.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        source.subscribers(),
        1,
        "the stream starts before the window loads"
    );
    source.push(SourceEvent::Frame {
        series: vec![series("p", &[(t0, 1.0), (t0 + 500, 2.0)])],
        replace: false,
    });
    let mut frames = Vec::new();
    while frames.len() < 2 {
        match tokio::time::timeout(std::time::Duration::from_secs(5), sub.recv()).await {
            Ok(Some(LiveEvent::Frame {
                replace, series, ..
            })) => frames.push((replace, series)),
            Ok(Some(_)) => {}
            other => panic!("expected two frames, got {frames:?} then {other:?}"),
        }
    }
    assert!(frames[0].0, "{frames:?}");
    assert!(frames[0].1.contains(&t0.to_string()), "{frames:?}");
    assert!(!frames[1].0, "{frames:?}");
    assert!(frames[1].1.contains(&(t0 + 500).to_string()), "{frames:?}");
    assert!(!frames[1].1.contains(&t0.to_string()), "{frames:?}");
}

/// A shifted ("compare with") window is polled even on a streaming source, never followed
/// live, and is a topic of its own.
#[tokio::test]
async fn shifted_window_is_polled_not_streamed() {
    let source = Arc::new(ManualSource::new("stream"));
    let day_ago = now_ms() - 86_400_000;
    *source.initial.lock().unwrap() = vec![series("p", &[(day_ago - 60_000, 1.0)])];
    let hub = hub_with(vec![source.clone()], test_config());
    let shifted = QuerySpec {
        datasource: Some(json!({"uid": "stream"})),
        from: "now-5m-1d".into(),
        to: "now-1d".into(),
        refresh_ms: Some(20),
        poll_only: true,
        ..spec(json!({"expr": "p"}))
    };
    let mut sub = hub.subscribe_query(shifted).unwrap();
    match sub.recv().await {
        Some(LiveEvent::Frame {
            replace: true,
            series,
            ..
        }) => assert!(series.contains(&(day_ago - 60_000).to_string()), "{series}"),
        other => panic!("expected the shifted window, got {other:?}"),
    }
    // A new point inside the shifted window arrives by the next poll.
    source
        .initial
        .lock()
        .unwrap()
        .push(series("q", &[(day_ago - 30_000, 2.0)]));
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), sub.recv())
        .await
        .expect("a polled frame");
    assert!(matches!(next, Some(LiveEvent::Frame { .. })), "{next:?}");
    assert_eq!(source.subscribers(), 0, "no live upstream subscription");
    let live = QuerySpec {
        datasource: Some(json!({"uid": "stream"})),
        ..spec(json!({"expr": "p"}))
    };
    let _live = hub.subscribe_query(live).unwrap();
    assert_eq!(hub.stats().topics, 2);
}
