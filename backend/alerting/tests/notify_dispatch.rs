//! The dispatcher's timing, table-driven on a manual clock: group_wait, group_interval,
//! repeat_interval, send_resolved, resolve_immediately, an alert that fires and resolves inside
//! group_wait, silences and inhibition.

use std::sync::Arc;

use pulsegrid_alerting::ManualClock;
use pulsegrid_alerting::notify::silence::{PostableSilence, SilenceMatcher};
use pulsegrid_alerting::notify::{Alert, Config, Dispatcher, GroupLog, Notification};
use pulsegrid_model::Labels;

const S: i64 = 1_000;
const T0: i64 = 1_714_557_600_000;

const CONFIG: &str = r#"
global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
  routes:
    - matchers: [fast="yes"]
      receiver: hook
      resolve_immediately: true
    - matchers: [quiet="yes"]
      receiver: quiet
receivers:
  - name: hook
    webhook_configs: [{url: "http://127.0.0.1:1/hook"}]
  - name: quiet
    webhook_configs: [{url: "http://127.0.0.1:1/quiet", send_resolved: false}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [site]
"#;

enum Step {
    /// At `t` seconds, an alert with these labels fires (started at `t`).
    Fire(i64, &'static [(&'static str, &'static str)]),
    /// At `t`, the alert with these labels resolves at `t`.
    Resolve(i64, &'static [(&'static str, &'static str)]),
    /// At `t`, a silence for `name=value` for an hour.
    Silence(i64, &'static str, &'static str),
    /// Tick at `t`, expecting notifications: per notification, the statuses of its alerts as
    /// `alertname:status` strings.
    Tick(i64, &'static [&'static [&'static str]]),
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

fn describe(n: &Notification) -> Vec<String> {
    n.alerts
        .iter()
        .map(|a| format!("{}:{}", a.name(), a.status_at(n.at).as_str()))
        .collect()
}

fn run(name: &str, steps: &[Step]) {
    let clock = ManualClock::new(T0);
    let config = Config::parse(CONFIG).unwrap();
    let mut d = Dispatcher::new(&config, Arc::new(clock.clone()));
    // Alerts as the rule engine keeps them, so a resolve carries the original start.
    let mut open: Vec<Alert> = Vec::new();
    for step in steps {
        match step {
            Step::Fire(t, ls) => {
                clock.set(T0 + t * S);
                let mut a = Alert::firing(labels(ls), T0 + t * S);
                // The rule engine re-sends with a horizon, like Prometheus.
                a.ends_at = Some(T0 + t * S + 24 * 3600 * S);
                open.push(a.clone());
                d.insert(a);
            }
            Step::Resolve(t, ls) => {
                clock.set(T0 + t * S);
                let l = labels(ls);
                let a = open
                    .iter()
                    .find(|a| a.labels == l)
                    .expect("fired before")
                    .clone();
                d.insert(a.resolved_at(T0 + t * S));
            }
            Step::Silence(t, n, v) => {
                clock.set(T0 + t * S);
                d.silences_mut()
                    .set(
                        PostableSilence {
                            id: None,
                            matchers: vec![SilenceMatcher {
                                name: (*n).into(),
                                value: (*v).into(),
                                is_regex: false,
                                is_equal: true,
                            }],
                            starts_at: T0 + t * S,
                            ends_at: T0 + t * S + 3600 * S,
                            created_by: "test".into(),
                            comment: "test".into(),
                        },
                        T0 + t * S,
                    )
                    .unwrap();
            }
            Step::Tick(t, want) => {
                clock.set(T0 + t * S);
                let got: Vec<Vec<String>> = d.tick(T0 + t * S).iter().map(describe).collect();
                let want: Vec<Vec<String>> = want
                    .iter()
                    .map(|n| n.iter().map(|s| (*s).to_owned()).collect())
                    .collect();
                assert_eq!(got, want, "{name}: tick at {t}s");
            }
        }
    }
}

#[test]
fn group_wait_then_group_interval() {
    run(
        "grouping",
        &[
            Step::Fire(0, &[("alertname", "A"), ("i", "1")]),
            Step::Tick(29, &[]),
            Step::Fire(10, &[("alertname", "A"), ("i", "2")]),
            Step::Tick(30, &[&["A:firing", "A:firing"]]),
            Step::Fire(40, &[("alertname", "A"), ("i", "3")]),
            Step::Tick(100, &[]),
            Step::Tick(330, &[&["A:firing", "A:firing", "A:firing"]]),
            // Nothing changed: no notification until repeat_interval.
            Step::Tick(630, &[]),
            Step::Tick(3330, &[]),
            // Last notified at 330: the repeat is due at 3930, the flush tick of that instant.
            Step::Tick(3630, &[]),
            Step::Tick(3930, &[&["A:firing", "A:firing", "A:firing"]]),
        ],
    );
}

#[test]
fn separate_groups_per_group_by_label() {
    run(
        "two groups",
        &[
            Step::Fire(0, &[("alertname", "A")]),
            Step::Fire(0, &[("alertname", "B")]),
            Step::Tick(30, &[&["A:firing"], &["B:firing"]]),
        ],
    );
}

#[test]
fn resolved_waits_for_group_interval() {
    run(
        "resolve",
        &[
            Step::Fire(0, &[("alertname", "A")]),
            Step::Tick(30, &[&["A:firing"]]),
            Step::Resolve(60, &[("alertname", "A")]),
            Step::Tick(61, &[]),
            Step::Tick(330, &[&["A:resolved"]]),
            // The group is gone.
            Step::Tick(630, &[]),
        ],
    );
}

#[test]
fn resolve_immediately_sends_at_once() {
    run(
        "resolve_immediately",
        &[
            Step::Fire(0, &[("alertname", "A"), ("fast", "yes")]),
            Step::Tick(30, &[&["A:firing"]]),
            Step::Resolve(60, &[("alertname", "A"), ("fast", "yes")]),
            Step::Tick(60, &[&["A:resolved"]]),
            Step::Tick(330, &[]),
        ],
    );
}

#[test]
fn fire_and_resolve_inside_group_wait_is_still_notified() {
    run(
        "fleeting",
        &[
            Step::Fire(0, &[("alertname", "Blip")]),
            Step::Resolve(5, &[("alertname", "Blip")]),
            Step::Tick(30, &[&["Blip:resolved"]]),
            Step::Tick(330, &[]),
        ],
    );
    // Even to a receiver without send_resolved.
    run(
        "fleeting quiet",
        &[
            Step::Fire(0, &[("alertname", "Blip"), ("quiet", "yes")]),
            Step::Resolve(5, &[("alertname", "Blip"), ("quiet", "yes")]),
            Step::Tick(30, &[&["Blip:resolved"]]),
        ],
    );
    // Between two flushes of a group already notified.
    run(
        "fleeting later",
        &[
            Step::Fire(0, &[("alertname", "A"), ("i", "1")]),
            Step::Tick(30, &[&["A:firing"]]),
            Step::Fire(40, &[("alertname", "A"), ("i", "2")]),
            Step::Resolve(50, &[("alertname", "A"), ("i", "2")]),
            Step::Tick(330, &[&["A:firing", "A:resolved"]]),
        ],
    );
}

#[test]
fn send_resolved_false_still_clears_a_group() {
    run(
        "quiet",
        &[
            Step::Fire(0, &[("alertname", "Q"), ("quiet", "yes"), ("i", "1")]),
            Step::Fire(0, &[("alertname", "Q"), ("quiet", "yes"), ("i", "2")]),
            Step::Tick(30, &[&["Q:firing", "Q:firing"]]),
            // One resolves: nothing new fires and the receiver does not want resolved.
            Step::Resolve(60, &[("alertname", "Q"), ("quiet", "yes"), ("i", "1")]),
            Step::Tick(330, &[]),
            // The last resolves: the group is notified (the integration will filter it).
            Step::Resolve(400, &[("alertname", "Q"), ("quiet", "yes"), ("i", "2")]),
            Step::Tick(630, &[&["Q:resolved"]]),
        ],
    );
}

#[test]
fn silences_and_inhibition_mute() {
    run(
        "silence",
        &[
            Step::Silence(0, "site", "north"),
            Step::Fire(0, &[("alertname", "A"), ("site", "north")]),
            Step::Fire(0, &[("alertname", "A"), ("site", "south")]),
            Step::Tick(30, &[&["A:firing"]]),
        ],
    );
    run(
        "inhibit",
        &[
            Step::Fire(
                0,
                &[
                    ("alertname", "Down"),
                    ("severity", "critical"),
                    ("site", "n"),
                ],
            ),
            Step::Fire(
                0,
                &[
                    ("alertname", "Slow"),
                    ("severity", "warning"),
                    ("site", "n"),
                ],
            ),
            Step::Fire(
                0,
                &[
                    ("alertname", "Slow"),
                    ("severity", "warning"),
                    ("site", "s"),
                ],
            ),
            Step::Tick(30, &[&["Down:firing"], &["Slow:firing"]]),
        ],
    );
}

#[test]
fn old_alert_flushes_at_once_and_deadline_is_known() {
    let clock = ManualClock::new(T0);
    let config = Config::parse(CONFIG).unwrap();
    let mut d = Dispatcher::new(&config, Arc::new(clock.clone()));
    assert_eq!(d.next_deadline(), None);
    d.insert(Alert::firing(labels(&[("alertname", "New")]), T0));
    assert_eq!(d.next_deadline(), Some(T0 + 30 * S));
    // An alert that started long ago skips group_wait.
    d.insert(Alert::firing(
        labels(&[("alertname", "Old")]),
        T0 - 3600 * S,
    ));
    assert_eq!(d.next_deadline(), Some(T0));
    let n = d.tick(T0);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].alerts[0].name(), "Old");
    assert_eq!(n[0].group_key, r#"{}:{alertname="Old"}"#);
    assert_eq!(d.receivers_for(&labels(&[("quiet", "yes")])), ["quiet"]);
    assert_eq!(d.alerts().len(), 2);
    // Without ends_at, an alert resolves after resolve_timeout (5m) unless re-sent.
    assert_eq!(d.tick(T0 + 30 * S).len(), 1);
    let n: Vec<_> = d.tick(T0 + 330 * S).iter().map(describe).collect();
    assert_eq!(n, [["New:resolved"], ["Old:resolved"]]);
    assert_eq!(d.group_count(), 0);
}

#[test]
fn restored_logs_keep_a_restart_from_notifying_again() {
    let clock = ManualClock::new(T0);
    let config = Config::parse(CONFIG).unwrap();
    let firing = |t: i64| {
        let mut a = Alert::firing(labels(&[("alertname", "Hot")]), T0);
        a.ends_at = Some(T0 + t * S + 3600 * S);
        a
    };
    let mut before = Dispatcher::new(&config, Arc::new(clock.clone()));
    before.insert(firing(0));
    clock.set(T0 + 30 * S);
    let sent = before.tick(T0 + 30 * S);
    assert_eq!(sent.len(), 1);
    let logs: Vec<GroupLog> = sent.iter().map(GroupLog::of).collect();
    // The log survives as JSON (the store keeps it so).
    let logs: Vec<GroupLog> = serde_json::from_str(&serde_json::to_string(&logs).unwrap()).unwrap();
    assert_eq!(logs[0].firing.len(), 1);

    // "Restart": a new dispatcher with the logs, the rule engine re-sends the firing alert.
    clock.set(T0 + 100 * S);
    let mut after = Dispatcher::new(&config, Arc::new(clock.clone()));
    after.restore_logs(logs);
    after.insert(firing(100));
    for t in [100, 130, 400, 700] {
        clock.set(T0 + t * S);
        assert!(after.tick(T0 + t * S).is_empty(), "nothing new at {t}s");
    }
    // Without the logs the same alert is notified again.
    let mut fresh = Dispatcher::new(&config, Arc::new(clock.clone()));
    fresh.insert(firing(700));
    assert_eq!(fresh.tick(T0 + 700 * S).len(), 1);
    // And a new alert in the restored group is still notified, with the old one.
    let mut more = Dispatcher::new(&config, Arc::new(clock.clone()));
    more.restore_logs(sent.iter().map(GroupLog::of));
    more.insert(firing(700));
    let mut other = Alert::firing(labels(&[("alertname", "Hot"), ("i", "2")]), T0 + 700 * S);
    other.ends_at = Some(T0 + 7200 * S);
    more.insert(other);
    clock.set(T0 + 730 * S);
    let n: Vec<_> = more.tick(T0 + 730 * S).iter().map(describe).collect();
    assert_eq!(n, [["Hot:firing", "Hot:firing"]]);
}
