//! Golden files of what receivers get: Alertmanager's version-4 webhook payload
//! (`testdata/alertmanager/webhook-*.json`) and the email subject and bodies
//! (`testdata/alertmanager/email-*`). Set `UPDATE_GOLDEN=1` to rewrite them after a deliberate
//! change, then review the diff.

use std::collections::BTreeSet;
use std::path::PathBuf;

use pulsegrid_alerting::notify::payload::{
    SIGNATURE_HEADER, email_message, signature, verify_signature, webhook_message,
};
use pulsegrid_alerting::notify::{Alert, Notification};
use pulsegrid_model::Labels;

const T0: i64 = 1_714_557_600_000;
const URL: &str = "http://pulsegrid.example:8080";

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/alertmanager")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, want, "{name} differs from the golden file");
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

fn alert(instance: &str, started: i64) -> Alert {
    let mut a = Alert::firing(
        labels(&[
            ("alertname", "LinePressureHigh"),
            ("instance", instance),
            ("job", "plc"),
            ("severity", "critical"),
            ("site", "north"),
        ]),
        started,
    );
    a.annotations = labels(&[
        (
            "summary",
            &format!("Line pressure at {instance} is 9.2 bar"),
        ),
        ("runbook", "https://wiki.example/pressure?a=1&b=<2>"),
    ]);
    a.generator_url = format!("{URL}/alerting/rule/line-pressure");
    a.ends_at = Some(started + 3_600_000);
    a
}

fn notification(receiver: &str, alerts: Vec<Alert>, at: i64) -> Notification {
    Notification {
        receiver: receiver.into(),
        group_key: r#"{}/{site="north"}:{alertname="LinePressureHigh"}"#.into(),
        group_labels: labels(&[("alertname", "LinePressureHigh")]),
        alerts,
        at,
        unannounced: BTreeSet::new(),
    }
}

fn pretty(bytes: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

#[test]
fn webhook_firing() {
    let n = notification(
        "ops",
        vec![alert("pump-1", T0), alert("pump-2", T0 + 250)],
        T0 + 30_000,
    );
    let msg = webhook_message(&n, true, 0, URL).unwrap();
    golden("webhook-firing.json", &pretty(&msg.to_json()));
}

#[test]
fn webhook_resolved() {
    let a = alert("pump-1", T0).resolved_at(T0 + 600_000);
    let n = notification("ops", vec![a], T0 + 900_000);
    let msg = webhook_message(&n, true, 0, URL).unwrap();
    assert_eq!(msg.data.status, "resolved");
    golden("webhook-resolved.json", &pretty(&msg.to_json()));
    // A receiver without send_resolved sends nothing...
    assert!(webhook_message(&n, false, 0, URL).is_none());
    // ...unless the alert was never announced as firing.
    let mut fleeting = n.clone();
    fleeting
        .unannounced
        .insert(fleeting.alerts[0].fingerprint());
    assert!(webhook_message(&fleeting, false, 0, URL).is_some());
}

#[test]
fn webhook_mixed_and_truncated() {
    let mut other = alert("pump-3", T0);
    other.labels.insert("site", "south");
    other.annotations = Labels::new();
    let alerts = vec![
        alert("pump-1", T0),
        alert("pump-2", T0).resolved_at(T0 + 60_000),
        other,
    ];
    let n = notification("team.ops (night)", alerts, T0 + 300_000);
    let msg = webhook_message(&n, true, 2, URL).unwrap();
    assert_eq!(msg.truncated_alerts, 1);
    assert_eq!(msg.data.receiver, r"team\.ops \(night\)");
    golden("webhook-truncated.json", &pretty(&msg.to_json()));
}

#[test]
fn webhook_field_order_is_alertmanagers() {
    let n = notification("ops", vec![alert("pump-1", T0)], T0);
    let json = String::from_utf8(webhook_message(&n, true, 0, URL).unwrap().to_json()).unwrap();
    let keys = [
        "\"receiver\"",
        "\"status\"",
        "\"alerts\"",
        "\"groupLabels\"",
        "\"commonLabels\"",
        "\"commonAnnotations\"",
        "\"externalURL\"",
        "\"version\"",
        "\"groupKey\"",
        "\"truncatedAlerts\"",
    ];
    let positions: Vec<usize> = keys.iter().map(|k| json.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    assert!(json.contains(r#""endsAt":"0001-01-01T00:00:00Z""#));
    assert!(json.contains(r#""version":"4""#));
}

#[test]
fn webhook_signature() {
    let n = notification("ops", vec![alert("pump-1", T0)], T0);
    let body = webhook_message(&n, true, 0, URL).unwrap().to_json();
    let sig = signature(b"topsecret", &body);
    assert_eq!(SIGNATURE_HEADER, "X-Pulsegrid-Signature");
    assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
    assert!(verify_signature(b"topsecret", &body, &sig));
    assert!(!verify_signature(b"other", &body, &sig));
}

#[test]
fn email_bodies() {
    let mut other = alert("pump-2", T0 + 1_000).resolved_at(T0 + 120_000);
    other
        .annotations
        .insert("summary", "<b>not bold</b> & fine");
    let n = notification("ops", vec![alert("pump-1", T0), other], T0 + 300_000);
    let mail = email_message(&n, true, URL).unwrap();
    assert_eq!(
        mail.subject,
        "[FIRING:1] LinePressureHigh (plc critical north)"
    );
    assert!(!mail.html.contains("<b>not bold</b>"));
    assert!(mail.html.contains("&lt;b&gt;not bold&lt;/b&gt; &amp; fine"));
    golden(
        "email-mixed.txt",
        &format!("Subject: {}\n\n{}", mail.subject, mail.text),
    );
    golden("email-mixed.html", &mail.html);

    let resolved = notification("ops", vec![alert("pump-1", T0).resolved_at(T0 + 1)], T0 + 2);
    let mail = email_message(&resolved, true, URL).unwrap();
    assert_eq!(
        mail.subject,
        "[RESOLVED] LinePressureHigh (pump-1 plc critical north)"
    );
    assert!(email_message(&resolved, false, URL).is_none());
}
