//! The testdata source: scenarios, determinism across queries, and streaming.

use std::time::Duration;

use pulsegrid_model::TimeRange;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::TestdataSource;
use crate::source::{LiveMode, QueryRequest, Source, SourceEvent};

fn query(target: serde_json::Value, from_ms: i64, to_ms: i64, interval_ms: i64) -> QueryRequest {
    QueryRequest {
        target,
        range: TimeRange { from_ms, to_ms },
        interval_ms,
        max_data_points: 1000,
    }
}

/// Two queries over overlapping ranges agree on every shared timestamp, and a different
/// seed gives different values.
#[tokio::test]
async fn random_walk_is_deterministic_in_absolute_time() {
    let source = TestdataSource::new("td");
    let target = json!({"scenarioId": "random_walk", "seed": 7, "seriesCount": 2,
                        "labels": "site=north, unit=\"bar\""});
    let a = source
        .query_range(&query(target.clone(), 1_000_000, 1_600_000, 10_000))
        .await
        .unwrap();
    let b = source
        .query_range(&query(target, 1_300_000, 1_900_000, 10_000))
        .await
        .unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].name, "random_walk-0");
    assert_eq!(a[1].name, "random_walk-1");
    assert_eq!(a[0].labels.get("site"), Some("north"));
    assert_eq!(a[0].labels.get("unit"), Some("bar"));
    assert_eq!(a[0].t.first(), Some(&1_000_000));
    assert_eq!(a[0].t.last(), Some(&1_600_000));
    assert_eq!(a[0].len(), 61);
    for (sa, sb) in a.iter().zip(&b) {
        let shared: Vec<(i64, f64)> =
            sa.t.iter()
                .copied()
                .zip(sa.v.iter().copied())
                .filter(|(t, _)| *t >= 1_300_000)
                .collect();
        let from_b: Vec<(i64, f64)> =
            sb.t.iter()
                .copied()
                .zip(sb.v.iter().copied())
                .filter(|(t, _)| *t <= 1_600_000)
                .collect();
        assert_eq!(shared, from_b);
    }
    assert_ne!(a[0].v, a[1].v, "series differ");
    let other_seed = source
        .query_range(&query(
            json!({"scenarioId": "random_walk", "seed": 8}),
            1_000_000,
            1_600_000,
            10_000,
        ))
        .await
        .unwrap();
    assert_ne!(other_seed[0].v, a[0].v);
    // The walk moves: not a constant.
    assert!(a[0].v.iter().any(|v| (v - a[0].v[0]).abs() > 1e-6));
}

/// min/max clamp the walk.
#[tokio::test]
async fn random_walk_respects_min_and_max() {
    let source = TestdataSource::new("td");
    let target = json!({"scenarioId": "random_walk", "min": 10, "max": 12, "spread": 5});
    let s = source
        .query_range(&query(target, 0, 3_600_000, 5_000))
        .await
        .unwrap();
    assert!(s[0].v.iter().all(|v| (10.0..=12.0).contains(v)));
}

/// The pulse is on for onCount steps and off for offCount, on its own time step.
#[tokio::test]
async fn predictable_pulse() {
    let source = TestdataSource::new("td");
    let target = json!({"scenarioId": "predictable_pulse", "alias": "pulse",
        "pulseWave": {"timeStep": 10, "onCount": 2, "offCount": 3, "onValue": 5, "offValue": 1}});
    let s = source
        .query_range(&query(target, 0, 90_000, 1_000))
        .await
        .unwrap();
    assert_eq!(s[0].name, "pulse");
    assert_eq!(
        s[0].t,
        vec![
            0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000
        ]
    );
    assert_eq!(
        s[0].v,
        vec![5.0, 5.0, 1.0, 1.0, 1.0, 5.0, 5.0, 1.0, 1.0, 1.0]
    );
}

/// Sine and square waves follow their period.
#[tokio::test]
async fn waves() {
    let source = TestdataSource::new("td");
    let sine = json!({"scenarioId": "sine", "periodMs": 4000, "amplitude": 2, "offset": 10});
    let s = source
        .query_range(&query(sine, 0, 4_000, 1_000))
        .await
        .unwrap();
    let expected = [10.0, 12.0, 10.0, 8.0, 10.0];
    for (v, e) in s[0].v.iter().zip(expected) {
        assert!((v - e).abs() < 1e-9, "{v} vs {e}");
    }
    let square = json!({"scenarioId": "sine", "wave": "square", "timeStep": 2});
    let s = source
        .query_range(&query(square, 0, 3_000, 500))
        .await
        .unwrap();
    assert_eq!(s[0].v, vec![1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0]);
    let bad = json!({"scenarioId": "sine", "wave": "wobbly"});
    let err = source
        .query_range(&query(bad, 0, 1_000, 500))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("wave"), "{err}");
}

/// CSV values repeat, one per step, numbered by absolute time.
#[tokio::test]
async fn csv_metric_values_repeat() {
    let source = TestdataSource::new("td");
    let target = json!({"scenarioId": "csv_metric_values", "stringInput": "1,20,90,null"});
    let s = source
        .query_range(&query(target.clone(), 1_000, 6_500, 1_000))
        .await
        .unwrap();
    assert_eq!(s[0].t, vec![1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
    assert_eq!(&s[0].v[..2], &[20.0, 90.0]);
    assert!(s[0].v[2].is_nan());
    assert_eq!(&s[0].v[3..], &[1.0, 20.0, 90.0]);
    let bad = json!({"scenarioId": "csv_metric_values", "stringInput": "1,x"});
    let err = source
        .query_range(&query(bad, 0, 1_000, 500))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("stringInput"), "{err}");
}

/// An unknown scenario names the field and the known ones.
#[tokio::test]
async fn unknown_scenario_is_an_invalid_query() {
    let source = TestdataSource::new("td");
    let err = source
        .query_range(&query(json!({"scenarioId": "nope"}), 0, 1_000, 500))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("random_walk"), "{err}");
}

/// A subscription streams one new point per series each interval, continuing the same
/// function a query sees, and ends when cancelled.
#[tokio::test]
async fn subscription_streams_until_cancelled() {
    let source = TestdataSource::new("td");
    let target =
        json!({"scenarioId": "random_walk", "seed": 3, "seriesCount": 2, "intervalMs": 50});
    assert_eq!(source.live_mode(&target, 5_000), LiveMode::Subscribe);
    let (tx, mut rx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let task = {
        let source = source.clone();
        let target = target.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move { source.subscribe(&target, tx, cancel).await })
    };
    let mut times = Vec::new();
    for _ in 0..3 {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let SourceEvent::Frame { series, replace } = event else {
            panic!("expected a frame")
        };
        assert!(!replace);
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].len(), 1);
        let t = series[0].t[0];
        assert_eq!(t % 50, 0);
        let queried = source
            .generate(
                &target,
                TimeRange {
                    from_ms: t,
                    to_ms: t,
                },
                50,
            )
            .unwrap();
        assert_eq!(
            queried[1].v, series[1].v,
            "stream continues the queried function"
        );
        times.push(t);
    }
    assert!(times.windows(2).all(|w| w[1] > w[0]));
    cancel.cancel();
    let ended = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert!(ended.is_ok());
}
