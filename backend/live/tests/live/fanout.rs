//! Many connections on one stream: frames are written to idle connections directly and the
//! fan-out is split over helper threads, yet every client gets every point once, in order,
//! and the sent-frame count includes the direct writes.

use std::sync::Arc;

use serde_json::json;

use crate::fakes::{Panels, now_ms, series};
use crate::harness::{Client, eventually, start, values};
use crate::{hub_with, test_config};

/// More than a topic needs to split its fan-out (64).
const CLIENTS: usize = 80;
const POINTS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_get_every_point_once_in_order() {
    let hub = hub_with(vec![], test_config());
    let server = start(hub.clone(), Arc::new(Panels::default())).await;
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let mut client = Client::connect(server.addr).await;
        // Half share one subscription id (one encoded frame for all), half have their own.
        let sub = if i % 2 == 0 {
            "shared".to_owned()
        } else {
            format!("own-{i}")
        };
        client
            .send(json!({"op": "subscribe", "sub": sub, "stream": "plant"}))
            .await;
        assert_eq!(client.recv_op("frame", &sub).await["replace"], true);
        clients.push((client, sub));
    }

    let base = now_ms();
    for k in 1..=POINTS {
        hub.publish_stream("plant", vec![series("p", &[(base + k as i64, k as f64)])]);
        if k % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }

    let mut appends = 0;
    for (client, sub) in &mut clients {
        let mut next = 1.0;
        while next <= POINTS as f64 {
            let frame = client.recv_op("frame", sub).await;
            let got = values(&frame);
            if frame["replace"] == true {
                // A resync (the client fell behind): the window, up to date.
                assert!(got.is_sorted(), "{sub}: {got:?}");
                next = got.last().copied().unwrap_or(0.0) + 1.0;
                continue;
            }
            appends += 1;
            for value in got {
                assert_eq!(value, next, "{sub}: point out of order, repeated or lost");
                next += 1.0;
            }
        }
    }
    // Direct writes are counted too (sessions count theirs when they go idle).
    eventually("every received frame counted as sent", || {
        hub.stats().frames_sent_total >= appends
    })
    .await;
}

/// Connections that vanish (closed without a WebSocket close) while frames are written to
/// them directly are dropped; the others keep getting every point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vanished_clients_are_dropped_and_the_rest_keep_receiving() {
    let hub = hub_with(vec![], test_config());
    let server = start(hub.clone(), Arc::new(Panels::default())).await;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut client = Client::connect(server.addr).await;
        client
            .send(json!({"op": "subscribe", "sub": "s", "stream": "plant"}))
            .await;
        assert_eq!(client.recv_op("frame", "s").await["replace"], true);
        clients.push(client);
    }
    let base = now_ms();
    hub.publish_stream("plant", vec![series("p", &[(base, 1.0)])]);
    // A quarter vanish: their sockets close under the server's direct writes.
    let vanished = CLIENTS / 4;
    drop(clients.drain(..vanished));
    for k in 2..=50 {
        hub.publish_stream("plant", vec![series("p", &[(base + k, k as f64)])]);
    }
    for client in &mut clients {
        let mut next = 1.0;
        while next <= 50.0 {
            let frame = client.recv_op("frame", "s").await;
            let got = values(&frame);
            if frame["replace"] == true {
                next = got.last().copied().unwrap_or(0.0) + 1.0;
                continue;
            }
            for value in got {
                assert_eq!(value, next, "point out of order, repeated or lost");
                next += 1.0;
            }
        }
    }
    eventually("the vanished connections closed", || {
        hub.stats().connections == (CLIENTS - vanished) as u64
    })
    .await;
}
