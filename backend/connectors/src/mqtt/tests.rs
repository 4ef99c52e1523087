//! MQTT source against a real Mosquitto (started per test on a free port): settings, decoding
//! with topic labels, MQTT 3.1.1 and 5, QoS 1, user/password, TLS, one upstream subscription
//! per filter however many subscribe, and reconnecting after the broker restarts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pulsegrid_model::TimeRange;
use pulsegrid_testkit::{Mosquitto, MosquittoOptions, TestCertificates};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::source::{QueryRequest, Source, SourceEvent};
use crate::testing::datasource;

fn source(json: Value) -> Arc<MqttSource> {
    Arc::new(MqttSource::new(&datasource(json)).expect("valid settings"))
}

/// A running `subscribe` call and what it sends.
struct Running {
    events: mpsc::Receiver<SourceEvent>,
    cancel: CancellationToken,
    task: JoinHandle<crate::Result<()>>,
}

impl Running {
    fn start(source: &Arc<MqttSource>, target: Value) -> Running {
        let (tx, events) = mpsc::channel(64);
        let cancel = CancellationToken::new();
        let (s, c) = (source.clone(), cancel.clone());
        let task = tokio::spawn(async move { s.subscribe(&target, tx, c).await });
        Running {
            events,
            cancel,
            task,
        }
    }

    /// The next event matching `pred` within `secs`.
    async fn next_where(&mut self, secs: u64, pred: impl Fn(&SourceEvent) -> bool) -> SourceEvent {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) if pred(&e) => return e,
                Ok(Some(_)) => {}
                Ok(None) => panic!("subscription ended"),
                Err(_) => panic!("no matching event within {secs}s"),
            }
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        let result = tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("subscription stops on cancel")
            .expect("task");
        assert!(result.is_ok(), "{result:?}");
    }
}

fn is_up(e: &SourceEvent) -> bool {
    matches!(e, SourceEvent::Status { up: true, .. })
}

fn is_down(e: &SourceEvent) -> bool {
    matches!(e, SourceEvent::Status { up: false, .. })
}

/// (name, labels as JSON, values) of a frame.
fn points(e: &SourceEvent) -> Vec<(String, Value, f64)> {
    match e {
        SourceEvent::Frame { series, .. } => series
            .iter()
            .flat_map(|s| {
                let labels = serde_json::to_value(&s.labels).unwrap_or_default();
                s.v.iter()
                    .map(move |v| (s.name.clone(), labels.clone(), *v))
            })
            .collect(),
        SourceEvent::Status { .. } => Vec::new(),
    }
}

fn has_value(e: &SourceEvent, v: f64) -> bool {
    points(e).iter().any(|(_, _, x)| *x == v)
}

/// Publishes every 300 ms (the upstream SUBSCRIBE may still be on its way) until `running`
/// sends a frame with `value`; returns that frame.
async fn publish_until(
    broker: &Mosquitto,
    running: &mut Running,
    topic: &str,
    payload: &str,
    value: f64,
) -> SourceEvent {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        broker.publish(topic, payload).expect("mosquitto_pub");
        let wait = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                match running.events.recv().await {
                    Some(e) if has_value(&e, value) => return e,
                    Some(_) => {}
                    None => panic!("subscription ended"),
                }
            }
        });
        if let Ok(frame) = wait.await {
            return frame;
        }
        assert!(Instant::now() < deadline, "{value} never arrived");
    }
}

fn all_time() -> TimeRange {
    TimeRange {
        from_ms: 0,
        to_ms: i64::MAX,
    }
}

/// Settings: schemes, default ports, TLS switches, credentials, protocol version; errors
/// name the field; Debug hides the password.
#[test]
fn reads_settings() {
    let c = MqttConfig::from_datasource(&datasource(json!({
        "name": "m", "type": "mqtt", "url": "mqtt://broker", "user": "bob",
        "secureJsonData": {"password": "s3cret"},
        "jsonData": {"protocolVersion": 5, "qos": 1, "keepAlive": "10s"}
    })))
    .unwrap();
    assert_eq!((c.host.as_str(), c.port), ("broker", 1883));
    assert_eq!(c.protocol, MqttProtocol::V5);
    assert_eq!((c.qos, c.keep_alive), (1, Duration::from_secs(10)));
    assert_eq!(c.username.as_deref(), Some("bob"));
    assert!(c.tls.is_none());
    assert!(!format!("{c:?}").contains("s3cret"));

    let tls = MqttConfig::from_datasource(&datasource(
        json!({"name": "m", "type": "mqtt", "url": "mqtts://broker"}),
    ))
    .unwrap();
    assert_eq!(tls.port, 8883);
    assert!(tls.tls.is_some());
    for flag in ["tls", "tlsAuth"] {
        let c = MqttConfig::from_datasource(&datasource(json!({
            "name": "m", "type": "mqtt", "url": "127.0.0.1:1999",
            "jsonData": {flag: true, "protocolVersion": "3.1.1"}
        })))
        .unwrap();
        assert!(c.tls.is_some(), "{flag}");
        assert_eq!((c.port, c.protocol), (1999, MqttProtocol::V311));
    }
    let skip = MqttConfig::from_datasource(&datasource(json!({
        "name": "m", "type": "mqtt", "url": "ssl://[::1]:8884",
        "jsonData": {"tlsSkipVerify": true}
    })))
    .unwrap();
    assert_eq!((skip.host.as_str(), skip.port), ("::1", 8884));
    assert!(skip.tls.as_ref().is_some_and(|t| t.skip_verify()));

    let cases = [
        (json!({"name": "m", "type": "mqtt"}), "`url`"),
        (
            json!({"name": "m", "type": "mqtt", "url": "http://x"}),
            "`url`",
        ),
        (
            json!({"name": "m", "type": "mqtt", "url": "mqtt://x:99999"}),
            "`url`",
        ),
        (
            json!({"name": "m", "type": "mqtt", "url": "x", "jsonData": {"protocolVersion": 3}}),
            "protocolVersion",
        ),
        (
            json!({"name": "m", "type": "mqtt", "url": "x", "jsonData": {"qos": 3}}),
            "qos",
        ),
        (
            json!({"name": "m", "type": "mqtt", "url": "x", "secureJsonData": {"password": "p"}}),
            "user",
        ),
        (
            json!({"name": "m", "type": "mqtt", "url": "mqtts://x", "secureJsonData": {"tlsCACert": "nope"}}),
            "tlsCACert",
        ),
    ];
    for (case, field) in cases {
        let err = MqttConfig::from_datasource(&datasource(case.clone())).expect_err("an error");
        assert!(err.to_string().contains(field), "{case}: {err}");
    }
}

/// A target needs a topic; `qos` must be 0-2. Invalid targets are errors, not retries.
#[tokio::test]
async fn invalid_targets_are_errors() {
    let s = source(json!({"name": "m", "type": "mqtt", "url": "mqtt://127.0.0.1:1"}));
    for target in [
        json!({}),
        json!({"topic": ""}),
        json!({"topic": "a/#/b"}),
        json!({"topic": "a", "qos": 5}),
        json!({"topic": "a", "format": "xml"}),
    ] {
        let (tx, _rx) = mpsc::channel(4);
        let err = s
            .subscribe(&target, tx, CancellationToken::new())
            .await
            .expect_err("invalid");
        assert!(
            matches!(err, crate::SourceError::InvalidQuery(_)),
            "{target}: {err}"
        );
    }
}

/// MQTT 3.1.1: JSON payloads decode with `field`, named wildcards become labels, a bad
/// message is reported and does not stop the subscription, and `query_range` answers from
/// what the subscription saw.
#[tokio::test]
async fn decodes_json_with_topic_labels_v311() {
    let broker = Mosquitto::start().expect("start mosquitto");
    let s = source(json!({"name": "m", "type": "mqtt", "url": broker.url()}));
    let target =
        json!({"refId": "A", "topic": "plant/+boiler/temp", "field": "v", "alias": "temp"});
    let mut running = Running::start(&s, target.clone());
    running.next_where(10, is_up).await;
    let frame = publish_until(
        &broker,
        &mut running,
        "plant/b1/temp",
        r#"{"v": 71.5}"#,
        71.5,
    )
    .await;
    assert_eq!(
        points(&frame)[0],
        ("temp".to_owned(), json!({"boiler": "b1"}), 71.5)
    );
    broker.publish("plant/b2/temp", "not json").unwrap();
    let bad = running
        .next_where(10, |e| matches!(e, SourceEvent::Status { .. }))
        .await;
    assert!(
        matches!(&bad, SourceEvent::Status { message, .. } if message.contains("plant/b2/temp")),
        "{bad:?}"
    );
    broker.publish("plant/b2/temp", r#"{"v": 3}"#).unwrap();
    let next = running.next_where(10, |e| has_value(e, 3.0)).await;
    assert_eq!(points(&next)[0].1, json!({"boiler": "b2"}));
    assert_eq!(
        s.stats()
            .bad_messages
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );

    let answer = s
        .query_range(&QueryRequest {
            target: json!({"refId": "B", "topic": "plant/+boiler/temp", "field": "v", "alias": "temp"}),
            range: all_time(),
            interval_ms: 1000,
            max_data_points: 100,
        })
        .await
        .unwrap();
    assert_eq!(answer.len(), 2, "{answer:?}");
    running.stop().await;
}

/// MQTT 5 with QoS 1 and a `#` filter whose rest becomes a label; plain numbers decode.
#[tokio::test]
async fn mqtt5_qos1_multi_level_wildcard() {
    let broker = Mosquitto::start().expect("start mosquitto");
    let s = source(json!({"name": "m5", "type": "mqtt", "url": broker.url(),
                          "jsonData": {"protocolVersion": 5, "clientId": "pg-v5-test"}}));
    let mut running = Running::start(&s, json!({"topic": "site/#path", "qos": 1}));
    running.next_where(10, is_up).await;
    let frame = publish_until(&broker, &mut running, "site/north/line1", "7.25", 7.25).await;
    assert_eq!(points(&frame)[0].1, json!({"path": "north/line1"}));
    assert!(
        broker.log().contains("pg-v5-test 1 site/#"),
        "subscribed at QoS 1: {}",
        broker.log()
    );
    running.stop().await;
}

/// User and password against a broker with a password file; a wrong password is a `down`
/// status naming the refusal, not an error.
#[tokio::test]
async fn user_and_password() {
    let broker = Mosquitto::start_with(MosquittoOptions {
        users: vec![("reader".into(), "good-pw".into())],
        ..Default::default()
    })
    .expect("start mosquitto");
    let good = source(
        json!({"name": "m", "type": "mqtt", "url": broker.url(), "user": "reader",
                             "secureJsonData": {"password": "good-pw"}}),
    );
    let mut running = Running::start(&good, json!({"topic": "auth/value"}));
    running.next_where(10, is_up).await;
    publish_until(&broker, &mut running, "auth/value", "42", 42.0).await;
    running.stop().await;

    let bad = source(
        json!({"name": "m", "type": "mqtt", "url": broker.url(), "user": "reader",
                            "secureJsonData": {"password": "wrong"}}),
    );
    let mut refused = Running::start(&bad, json!({"topic": "auth/value"}));
    let down = refused.next_where(10, is_down).await;
    assert!(
        matches!(&down, SourceEvent::Status { message, .. } if message.contains("refused") || message.contains("NotAuthorized") || message.contains("BadUserNamePassword")),
        "{down:?}"
    );
    refused.stop().await;
}

/// MQTT over TLS: the server is checked against `tlsCACert`; without that CA the
/// handshake fails and is reported as down.
#[tokio::test]
async fn tls_with_ca_certificate() {
    let certs = TestCertificates::generate().expect("openssl");
    let broker = Mosquitto::start_with(MosquittoOptions {
        tls: Some(certs.clone()),
        ..Default::default()
    })
    .expect("start mosquitto with TLS");
    let s = source(json!({"name": "t", "type": "mqtt", "url": broker.url(),
                          "secureJsonData": {"tlsCACert": certs.ca_pem}}));
    let mut running = Running::start(&s, json!({"topic": "secure/v"}));
    running.next_where(10, is_up).await;
    publish_until(&broker, &mut running, "secure/v", "5.5", 5.5).await;
    running.stop().await;

    let untrusted = source(json!({"name": "t", "type": "mqtt", "url": broker.url()}));
    let mut refused = Running::start(&untrusted, json!({"topic": "secure/v"}));
    refused.next_where(10, is_down).await;
    refused.stop().await;
}

/// Two subscriptions on the same filter (different decoding) share one connection and one
/// upstream SUBSCRIBE, as the broker's log and `$SYS` count show; both get each message;
/// the filter is unsubscribed when the last leaves.
#[tokio::test]
async fn one_upstream_subscription_per_filter() {
    let broker = Mosquitto::start().expect("start mosquitto");
    let s = source(json!({"name": "m", "type": "mqtt", "url": broker.url(),
                          "jsonData": {"clientId": "pg-share-test"}}));
    let mut a = Running::start(&s, json!({"topic": "share/+dev/v", "field": "a"}));
    a.next_where(10, is_up).await;
    let mut b = Running::start(
        &s,
        json!({"topic": "share/+dev/v", "field": "b", "alias": "b"}),
    );
    b.next_where(10, is_up).await;
    publish_until(&broker, &mut a, "share/d1/v", r#"{"a": 1, "b": 2}"#, 1.0).await;
    b.next_where(10, |e| has_value(e, 2.0)).await;

    let subscribe_lines = |log: &str| {
        log.lines()
            .filter(|l| l.contains("pg-share-test ") && l.ends_with(" share/+/v"))
            .count()
    };
    assert_eq!(subscribe_lines(&broker.log()), 1, "{}", broker.log());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if broker.subscription_count().expect("$SYS") == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "$SYS count never 1");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    a.stop().await;
    broker.publish("share/d2/v", r#"{"a": 5, "b": 6}"#).unwrap();
    b.next_where(10, |e| has_value(e, 6.0)).await;
    b.stop().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !broker.log().contains("pg-share-test disconnected")
        && !broker
            .log()
            .contains("Client pg-share-test closed its connection")
    {
        assert!(
            Instant::now() < deadline,
            "not disconnected: {}",
            broker.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The broker goes away under a live subscription: a `down` status; it comes back on the
/// same port: `up`, re-subscribed, and new messages arrive.
#[tokio::test]
async fn reconnects_after_broker_restart() {
    let mut broker = Mosquitto::start().expect("start mosquitto");
    let s = source(json!({"name": "m", "type": "mqtt", "url": broker.url()}));
    let mut running = Running::start(&s, json!({"topic": "re/+/v"}));
    running.next_where(10, is_up).await;
    publish_until(&broker, &mut running, "re/x/v", "1", 1.0).await;
    broker.stop();
    running.next_where(15, is_down).await;
    broker.restart().expect("restart mosquitto");
    running.next_where(20, is_up).await;
    publish_until(&broker, &mut running, "re/x/v", "2", 2.0).await;
    assert!(
        s.stats()
            .disconnects
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    );
    running.stop().await;
}

#[test]
fn filters_match_topics() {
    use super::connection::filter_matches;
    assert!(filter_matches("a/+/c", "a/b/c"));
    assert!(!filter_matches("a/+/c", "a/b/d"));
    assert!(filter_matches("a/#", "a"));
    assert!(filter_matches("a/#", "a/b/c"));
    assert!(!filter_matches("#", "$SYS/x"));
    assert!(filter_matches("$SYS/#", "$SYS/x"));
    assert!(!filter_matches("a/b", "a/b/c"));
}
