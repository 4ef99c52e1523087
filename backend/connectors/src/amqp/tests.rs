//! AMQP source tests: settings, targets, and against a real RabbitMQ node: decoding with labels
//! from the routing key, one consumer per distinct target, reconnect after a broker restart.

use std::sync::Arc;
use std::time::Duration;

use amqprs::BasicProperties;
use amqprs::channel::{BasicPublishArguments, ExchangeDeclareArguments};
use amqprs::connection::{Connection, OpenConnectionArguments};
use pulsegrid_testkit::RabbitMq;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::target::{AmqpFilter, AmqpTarget};
use super::*;
use crate::source::{Source, SourceEvent};
use crate::testing::{datasource, request, unique};

fn source_for(server: &RabbitMq) -> Arc<AmqpSource> {
    Arc::new(
        AmqpSource::new(&datasource(
            json!({"name": "rabbit", "type": "amqp", "url": server.url()}),
        ))
        .expect("source"),
    )
}

/// Publishes `body` to `exchange` (declared as a topic exchange) with `key`.
async fn publish(server: &RabbitMq, exchange: &str, key: &str, body: &[u8]) {
    let args = OpenConnectionArguments::new("127.0.0.1", server.port(), "guest", "guest");
    let conn = Connection::open(&args).await.expect("publisher connects");
    let channel = conn.open_channel(None).await.expect("channel");
    if !exchange.is_empty() {
        channel
            .exchange_declare(ExchangeDeclareArguments::new(exchange, "topic"))
            .await
            .expect("declare exchange");
    }
    channel
        .basic_publish(
            BasicProperties::default(),
            body.to_vec(),
            BasicPublishArguments::new(exchange, key),
        )
        .await
        .expect("publish");
    let _ = channel.close().await;
    let _ = conn.close().await;
}

/// Starts `subscribe` in a task; returns its events and the token that ends it.
fn start(
    source: &Arc<AmqpSource>,
    target: Value,
) -> (mpsc::Receiver<SourceEvent>, CancellationToken) {
    let (tx, rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let (s, c) = (source.clone(), cancel.clone());
    tokio::spawn(async move { s.subscribe(&target, tx, c).await });
    (rx, cancel)
}

/// The next status whose `up` is `want`, skipping frames.
async fn status(rx: &mut mpsc::Receiver<SourceEvent>, want: bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SourceEvent::Status { up, message })) if up == want => return message,
            Ok(Some(_)) => {}
            Ok(None) => panic!("subscription ended"),
            Err(_) => panic!("no status up={want} within 30s"),
        }
    }
}

/// The next frame's series as (labels as JSON, values).
async fn frame(rx: &mut mpsc::Receiver<SourceEvent>) -> Vec<(Value, Vec<f64>)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SourceEvent::Frame { series, .. })) => {
                return series
                    .iter()
                    .map(|s| {
                        let labels: serde_json::Map<String, Value> = s
                            .labels
                            .iter()
                            .map(|(k, v)| (k.to_owned(), Value::from(v)))
                            .collect();
                        (Value::Object(labels), s.v.clone())
                    })
                    .collect();
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("subscription ended"),
            Err(_) => panic!("no frame within 15s"),
        }
    }
}

/// URL, vhost, credentials and heartbeat come from the provisioning; guest only on loopback.
#[test]
fn config_from_provisioning() {
    let c = AmqpConfig::from_datasource(&datasource(json!({
        "name": "r", "type": "amqp", "url": "amqp://broker:5673/%2fplant", "user": "bob",
        "secureJsonData": {"password": "s3cret"}, "jsonData": {"heartbeat": 5}
    })))
    .unwrap();
    assert_eq!(
        (c.host.as_str(), c.port, c.vhost.as_str(), c.user.as_str()),
        ("broker", 5673, "/plant", "bob")
    );
    assert_eq!((c.password.as_str(), c.heartbeat_s), ("s3cret", 5));
    assert!(!format!("{c:?}").contains("s3cret"));
    let local =
        AmqpConfig::from_datasource(&datasource(json!({"name": "r", "type": "amqp"}))).unwrap();
    assert_eq!((local.host.as_str(), local.port), ("localhost", 5672));
    assert_eq!((local.user.as_str(), local.vhost.as_str()), ("guest", "/"));
    let remote = AmqpConfig::from_datasource(&datasource(
        json!({"name": "r", "type": "amqp", "url": "rabbit.example:5672"}),
    ))
    .unwrap_err()
    .to_string();
    assert!(remote.contains("`user`"), "{remote}");
    let bad = AmqpConfig::from_datasource(&datasource(
        json!({"name": "r", "type": "amqp", "url": "http://x"}),
    ))
    .unwrap_err()
    .to_string();
    assert!(bad.contains("`url`"), "{bad}");
}

/// A queue, or an exchange with a binding key whose named wildcards become labels.
#[test]
fn targets_name_a_queue_or_an_exchange() {
    let t =
        AmqpTarget::parse(&json!({"exchange": "plant", "routingKey": "site.*site.#rest"})).unwrap();
    assert_eq!(
        t.filter,
        AmqpFilter::Exchange {
            exchange: "plant".into(),
            binding_key: "site.*.#".into()
        }
    );
    let labels = t.pattern.labels("site.north.boiler.temp").unwrap();
    assert_eq!(labels.get("site"), Some("north"));
    assert_eq!(labels.get("rest"), Some("boiler.temp"));
    let q = AmqpTarget::parse(&json!({"queue": "readings"})).unwrap();
    assert_eq!(q.filter, AmqpFilter::Queue("readings".into()));
    for bad in [
        json!({}),
        json!({"queue": "a", "exchange": "b"}),
        json!({"queue": 3}),
    ] {
        assert!(AmqpTarget::parse(&bad).is_err(), "{bad}");
    }
}

/// Messages decode with labels from the routing key; a bad one is reported and skipped;
/// `query_range` answers from what the subscription saw.
#[tokio::test]
async fn decodes_messages_with_routing_key_labels() {
    let server = RabbitMq::shared();
    let source = source_for(server);
    let exchange = unique("plant");
    let target = json!({"exchange": exchange, "routingKey": "plant.*boiler.temp", "field": "v"});
    let (mut rx, cancel) = start(&source, target.clone());
    status(&mut rx, true).await;
    publish(server, &exchange, "plant.b1.temp", br#"{"v": 1.5}"#).await;
    assert_eq!(frame(&mut rx).await, [(json!({"boiler": "b1"}), vec![1.5])]);
    publish(server, &exchange, "plant.b2.temp", b"not json").await;
    let bad = status(&mut rx, true).await;
    assert!(bad.contains("bad message on plant.b2.temp"), "{bad}");
    publish(server, &exchange, "plant.b2.temp", br#"{"v": 2}"#).await;
    assert_eq!(frame(&mut rx).await, [(json!({"boiler": "b2"}), vec![2.0])]);
    let answer = source
        .query_range(&request(target, 0, i64::MAX, 1000))
        .await
        .unwrap();
    assert_eq!(answer.len(), 2);
    cancel.cancel();
}

/// A named queue is consumed directly (declared when missing).
#[tokio::test]
async fn consumes_a_queue() {
    let server = RabbitMq::shared();
    let source = source_for(server);
    let queue = unique("readings");
    let (mut rx, cancel) = start(&source, json!({"queue": queue, "alias": "reading"}));
    status(&mut rx, true).await;
    publish(server, "", &queue, b"42").await;
    assert_eq!(frame(&mut rx).await, [(json!({}), vec![42.0])]);
    cancel.cancel();
}

/// Two subscriptions of one binding share one consumer on one connection; the queue goes
/// when the last leaves.
#[tokio::test]
async fn shares_one_consumer_per_binding() {
    let server = RabbitMq::shared();
    let source = source_for(server);
    let exchange = unique("shared");
    let target = json!({"exchange": exchange, "routingKey": "a.*", "field": "v"});
    let other = json!({"exchange": exchange, "routingKey": "a.*", "field": "w"});
    let (mut rx1, cancel1) = start(&source, target);
    let (mut rx2, cancel2) = start(&source, other);
    status(&mut rx1, true).await;
    status(&mut rx2, true).await;
    let before = server.queue_consumers().unwrap();
    publish(server, &exchange, "a.x", br#"{"v": 1, "w": 2}"#).await;
    assert_eq!(frame(&mut rx1).await, [(json!({}), vec![1.0])]);
    assert_eq!(frame(&mut rx2).await, [(json!({}), vec![2.0])]);
    // Other tests share the node: find this source's queue by its binding.
    let bindings = server
        .ctl(&[
            "list_bindings",
            "--no-table-headers",
            "source_name",
            "destination_name",
        ])
        .unwrap();
    let ours: Vec<&str> = bindings
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(src, _)| *src == exchange)
        .map(|(_, dest)| dest)
        .collect();
    assert_eq!(ours.len(), 1, "one queue bound: {bindings}");
    let consumers = before
        .iter()
        .find(|(name, _)| name == ours[0])
        .map(|(_, c)| *c);
    assert_eq!(consumers, Some(1), "{before:?}");
    cancel1.cancel();
    cancel2.cancel();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server
        .queue_consumers()
        .unwrap()
        .iter()
        .any(|(name, _)| name == ours[0])
    {
        assert!(std::time::Instant::now() < deadline, "queue not deleted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Broker stopped: status down; back: status up and messages flow again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_broker_restart() {
    let mut server = RabbitMq::start().expect("start rabbitmq");
    let source = source_for(&server);
    let target = json!({"exchange": "restart", "routingKey": "#"});
    let (mut rx, cancel) = start(&source, target);
    status(&mut rx, true).await;
    assert_eq!(server.connection_count().unwrap(), 1);
    tokio::task::block_in_place(|| server.stop());
    let down = status(&mut rx, false).await;
    assert!(down.contains("amqp://127.0.0.1"), "{down}");
    tokio::task::block_in_place(|| server.restart()).expect("restart");
    status(&mut rx, true).await;
    publish(&server, "restart", "any.key", b"7").await;
    assert_eq!(frame(&mut rx).await, [(json!({}), vec![7.0])]);
    assert_eq!(
        source
            .stats()
            .disconnects
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    cancel.cancel();
}

/// `jsonData.prefetch` bounds the unacknowledged deliveries (default 1000, 1..=65535).
#[test]
fn prefetch_from_provisioning() {
    let config = |json_data: Value| {
        AmqpConfig::from_datasource(&datasource(
            json!({"name": "r", "type": "amqp", "jsonData": json_data}),
        ))
    };
    assert_eq!(config(json!({})).unwrap().prefetch, 1000);
    assert_eq!(config(json!({"prefetch": 50})).unwrap().prefetch, 50);
    for bad in [json!(0), json!(70000), json!("many"), json!(2.5)] {
        let e = config(json!({"prefetch": bad})).unwrap_err().to_string();
        assert!(e.contains("`jsonData.prefetch`"), "{e}");
    }
}

/// Publishes `count` messages `0`, `1`, ... to queue `queue` with pika, in one connection.
fn pika_publish_many(server: &RabbitMq, queue: &str, count: usize) {
    const SCRIPT: &str = r#"
import sys, pika
port, queue, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = conn.channel()
for i in range(count):
    ch.basic_publish("", queue, str(i).encode())
conn.close()
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", SCRIPT, &server.port().to_string(), queue])
        .arg(count.to_string())
        .output()
        .expect("python3 with pika (pip install pika; scripts/test.sh does)");
    assert!(
        out.status.success(),
        "pika: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// (ready, unacknowledged) messages of `queue`, from rabbitmqctl.
fn queue_depth(server: &RabbitMq, queue: &str) -> Option<(u64, u64)> {
    let out = server
        .ctl(&[
            "list_queues",
            "--no-table-headers",
            "name",
            "messages_ready",
            "messages_unacknowledged",
        ])
        .ok()?;
    out.lines().find_map(|line| {
        let mut fields = line.split('\t');
        if fields.next()?.trim() != queue {
            return None;
        }
        let ready = fields.next()?.trim().parse().ok()?;
        let unacked = fields.next()?.trim().parse().ok()?;
        Some((ready, unacked))
    })
}

/// A flood into a slow panel stays in RabbitMQ: the broker never has more than the prefetch
/// unacknowledged to us, and every message still arrives, in order, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetch_bounds_what_is_in_flight() {
    const PREFETCH: u64 = 50;
    const COUNT: usize = 2000;
    let server = RabbitMq::shared();
    let source = Arc::new(
        AmqpSource::new(&datasource(json!({
            "name": "rabbit", "type": "amqp", "url": server.url(),
            "jsonData": {"prefetch": PREFETCH}
        })))
        .expect("source"),
    );
    let queue = unique("flood");
    // A hub that holds one frame: the panel's pace is the subscription's pace.
    let (tx, mut rx) = mpsc::channel(1);
    let cancel = CancellationToken::new();
    let (s, c, target) = (source.clone(), cancel.clone(), json!({"queue": queue}));
    tokio::spawn(async move { s.subscribe(&target, tx, c).await });
    status(&mut rx, true).await;
    let publisher = {
        let (server, queue) = (server, queue.clone());
        tokio::task::spawn_blocking(move || pika_publish_many(server, &queue, COUNT))
    };
    let sampler = {
        let (server, queue, done) = (server, queue.clone(), cancel.clone());
        tokio::task::spawn_blocking(move || {
            let mut samples = Vec::new();
            while !done.is_cancelled() {
                if let Some(depth) = queue_depth(server, &queue) {
                    samples.push(depth);
                }
            }
            samples
        })
    };
    let mut got = Vec::with_capacity(COUNT);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while got.len() < COUNT {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SourceEvent::Frame { series, .. })) => {
                got.extend(series.iter().flat_map(|s| s.v.iter().copied()));
                // A slow panel.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("subscription ended"),
            Err(_) => panic!("only {} of {COUNT} messages within 120s", got.len()),
        }
    }
    publisher.await.expect("publisher");
    cancel.cancel();
    let samples = sampler.await.expect("sampler");
    eprintln!("(ready, unacknowledged) at RabbitMQ: {samples:?}");
    let expected: Vec<f64> = (0..COUNT).map(|i| i as f64).collect();
    assert_eq!(got, expected, "every message once, in order");
    assert!(
        samples.iter().all(|(_, unacked)| *unacked <= PREFETCH),
        "unacknowledged above the prefetch: {samples:?}"
    );
    assert!(
        samples.iter().any(|(ready, _)| *ready > 0),
        "the backlog waited in RabbitMQ: {samples:?}"
    );
}

/// An exchange that exists before the subscription (declared by the publisher) delivers at
/// once: the binding is made and messages arrive within seconds, not after ~30 s.
#[tokio::test]
async fn existing_exchange_delivers_at_once() {
    let server = RabbitMq::shared();
    let exchange = unique("predeclared");
    // Declares the exchange (and publishes to nobody).
    publish(server, &exchange, "early.key", b"0").await;
    let source = source_for(server);
    let (mut rx, cancel) = start(&source, json!({"exchange": exchange, "routingKey": "#"}));
    status(&mut rx, true).await;
    let started = tokio::time::Instant::now();
    publish(server, &exchange, "any.key", b"3").await;
    let got = tokio::time::timeout(Duration::from_secs(5), frame(&mut rx))
        .await
        .expect("a delivery within 5s");
    assert_eq!(
        got,
        [(json!({}), vec![3.0])],
        "after {:?}",
        started.elapsed()
    );
    cancel.cancel();
}

/// A publisher already flooding an existing exchange when the subscription starts (the
/// broker bench's first layout, on a current-thread runtime as there): messages reach the panel
/// within seconds of `up`.
#[tokio::test]
async fn flooded_existing_exchange_delivers_at_once() {
    let server = RabbitMq::shared();
    let exchange = unique("flooded");
    let stop = CancellationToken::new();
    let port = server.port();
    let flood = {
        let (stop, exchange) = (stop.clone(), exchange.clone());
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(async move {
                    let args = OpenConnectionArguments::new("127.0.0.1", port, "guest", "guest");
                    let conn = Connection::open(&args).await.expect("publisher connects");
                    let channel = conn.open_channel(None).await.expect("channel");
                    channel
                        .exchange_declare(ExchangeDeclareArguments::new(&exchange, "topic"))
                        .await
                        .expect("declare exchange");
                    let mut sent = 0u64;
                    while !stop.is_cancelled() {
                        channel
                            .basic_publish(
                                BasicProperties::default(),
                                b"1".to_vec(),
                                BasicPublishArguments::new(&exchange, "k"),
                            )
                            .await
                            .expect("publish");
                        sent += 1;
                    }
                    let _ = conn.close().await;
                    sent
                })
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let source = source_for(server);
    let (mut rx, cancel) = start(&source, json!({"exchange": exchange, "routingKey": "#"}));
    status(&mut rx, true).await;
    let started = tokio::time::Instant::now();
    let got = tokio::time::timeout(Duration::from_secs(5), frame(&mut rx)).await;
    stop.cancel();
    let sent = flood.join().expect("flood");
    assert!(
        got.is_ok(),
        "no delivery within 5s of up ({sent} published)"
    );
    eprintln!("first frame {:?} after up", started.elapsed());
    cancel.cancel();
}
