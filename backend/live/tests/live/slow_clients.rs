//! Backpressure: a client that stops reading costs a bounded queue, never slows the others,
//! and is resynced with one replace frame when it reads again.

use std::sync::Arc;

use pulsegrid_connectors::SourceEvent;
use serde_json::json;

use crate::fakes::{ManualSource, Panels, now_ms, series};
use crate::harness::{Client, eventually, start, values};
use crate::{hub_with, test_config};

#[tokio::test]
async fn stalled_client_is_coalesced_while_a_healthy_one_keeps_up() {
    stall(300, 400).await;
}

/// Frames of about 110 KB: a direct write to the stalled client's socket takes only part of
/// one, and the session must finish it before anything else (a broken frame would fail the
/// resync below).
#[tokio::test]
async fn a_half_written_large_frame_is_finished_before_anything_else() {
    stall(30, 6_000).await;
}

/// A healthy and a stalled client on one panel; `frames` frames of `per_frame` points each.
async fn stall(frames: i64, per_frame: i64) {
    let source = Arc::new(ManualSource::new("feed"));
    *source.initial.lock().unwrap() = vec![series("bulk", &[(now_ms(), 0.0)])];
    let config = test_config();
    let queue = config.client_queue as u64;
    let hub = hub_with(vec![source.clone()], config);
    let panels = Panels::default().with("d", 1, "feed", &[json!({"refId": "A", "topic": "x"})]);
    let server = start(hub.clone(), Arc::new(panels)).await;

    let subscribe = json!({"op": "subscribe", "sub": "s", "dashboard": "d", "panel": 1});
    let mut healthy = Client::connect(server.addr).await;
    let mut stalled = Client::connect_small(server.addr).await;
    healthy.send(subscribe.clone()).await;
    stalled.send(subscribe).await;
    assert_eq!(healthy.recv_op("frame", "s").await["replace"], true);
    assert_eq!(stalled.recv_op("frame", "s").await["replace"], true);
    eventually("the upstream subscription", || source.subscribers() == 1).await;
    assert_eq!(hub.stats().subscribers, 2);

    // From here on the stalled client reads nothing. The healthy one must get every frame,
    // in order, as appends (never a resync), while the stalled one backs up.
    let base = now_ms();
    let mut largest = 0;
    for k in 1..=frames {
        let points: Vec<(i64, f64)> = (0..per_frame)
            .map(|i| (base + k * per_frame + i, k as f64))
            .collect();
        source.push(SourceEvent::Frame {
            series: vec![series("bulk", &points)],
            replace: false,
        });
        let frame = healthy.recv_op("frame", "s").await;
        assert_eq!(
            frame["replace"], false,
            "healthy client resynced at frame {k}"
        );
        assert_eq!(values(&frame).len() as i64, per_frame);
        assert_eq!(
            values(&frame).last(),
            Some(&(k as f64)),
            "frame {k} out of order"
        );
        largest = largest.max(frame.to_string().len() as u64);
    }

    let stats = hub.stats();
    assert!(
        stats.frames_dropped_total > 0,
        "the stalled client never backed up: {stats:?}"
    );
    // Bounded: never more than the queue (plus a ping or status) waiting for it.
    assert!(stats.queued_frames_peak <= queue + 2, "{stats:?}");
    assert!(stats.queued_frames <= queue + 2, "{stats:?}");
    assert!(
        stats.queued_bytes <= (queue + 2) * (largest + 256),
        "{stats:?}"
    );

    // The stalled client reads again: after what was already on the wire, one replace frame
    // brings it up to date.
    loop {
        let frame = stalled.recv_op("frame", "s").await;
        if frame["replace"] == true {
            assert_eq!(
                values(&frame).last(),
                Some(&(frames as f64)),
                "stale resync"
            );
            break;
        }
    }
    assert!(hub.stats().resyncs_total >= 1);
    // And it is live again.
    let points: Vec<(i64, f64)> = vec![(base + (frames + 1) * per_frame, -1.0)];
    source.push(SourceEvent::Frame {
        series: vec![series("bulk", &points)],
        replace: false,
    });
    let next = stalled.recv_op("frame", "s").await;
    assert_eq!(
        (next["replace"].as_bool(), values(&next)),
        (Some(false), vec![-1.0])
    );
    healthy.close().await;
}
