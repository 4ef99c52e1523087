//! Alerting end to end, on the real binary: rules provisioned from a rules directory evaluate
//! on pushed data (and on a real Prometheus), and notifications reach a real HTTP receiver and
//! a real SMTP server (Debian's `python3-aiosmtpd`) through the durable outbox.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use common::{TestServer, admin, client, eventually};
use pulsegrid_testkit::{PrometheusServer, free_port};
use serde_json::{Value, json};

/// `(alertname, status, site)` of one alert in a payload.
type AlertSummary = (String, String, String);
/// `(status, alerts)` of one payload.
type Payload = (String, Vec<AlertSummary>);

/// A webhook receiver on a port of our choosing, recording every payload.
struct Hook {
    received: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Hook {
    async fn start(port: u16) -> Hook {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route(
                "/hook",
                post(
                    |State(r): State<Arc<Mutex<Vec<Value>>>>, Json(body): Json<Value>| async move {
                        r.lock().unwrap().push(body);
                        "ok"
                    },
                ),
            )
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .expect("bind the hook");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Hook { received, task }
    }

    /// Every payload received so far.
    fn summary(&self) -> Vec<Payload> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|b| {
                let alerts = b["alerts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| {
                        (
                            a["labels"]["alertname"].as_str().unwrap_or("").to_owned(),
                            a["status"].as_str().unwrap_or("").to_owned(),
                            a["labels"]["site"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect();
                (b["status"].as_str().unwrap_or("").to_owned(), alerts)
            })
            .collect()
    }

    fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    async fn wait_for(&self, n: usize) -> Vec<Payload> {
        eventually(Duration::from_secs(15), || async {
            (self.count() >= n).then_some(())
        })
        .await
        .unwrap_or_else(|| panic!("expected {n} notifications, got {:?}", self.summary()));
        self.summary()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const PRESSURE_RULE: &str = r#"groups:
  - name: plant
    interval: 1s
    rules:
      - alert: LinePressureHigh
        source: pulsegrid
        query: 'line_pressure'
        reduce: last
        condition: '> 8'
        clear_condition: '< 7'
        labels: {severity: critical}
        annotations:
          summary: 'Line pressure at {{ $labels.site }} is {{ $value }} bar'
"#;

fn routing(port: u16, extra_route: &str, send_resolved: bool) -> String {
    format!(
        "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n{extra_route}\
         receivers:\n  - name: hook\n    webhook_configs:\n      - url: http://127.0.0.1:{port}/hook\n        send_resolved: {send_resolved}\n"
    )
}

fn rules_dir(root: &Path, rules: &str, routing: &str) -> std::path::PathBuf {
    let dir = root.join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plant.yml"), rules).unwrap();
    std::fs::write(dir.join("alertmanager.yml"), routing).unwrap();
    dir
}

async fn write(server: &TestServer, lines: &str) {
    let resp = admin(client().post(server.at("/write?db=plant")))
        .body(lines.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204, "write {lines}");
}

async fn get(server: &TestServer, path: &str) -> Value {
    let resp = client().get(server.at(path)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.json().await.unwrap()
}

fn firing(site: &str) -> AlertSummary {
    ("LinePressureHigh".into(), "firing".into(), site.into())
}

fn resolved(site: &str) -> AlertSummary {
    ("LinePressureHigh".into(), "resolved".into(), site.into())
}

#[tokio::test]
async fn fires_and_resolves_with_hysteresis_and_shows_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook = Hook::start(port).await;
    let rules = rules_dir(tmp.path(), PRESSURE_RULE, &routing(port, "", true));
    let server = TestServer::builder().rules(&rules).start();

    write(&server, "line_pressure,site=north value=9.5").await;
    let got = hook.wait_for(1).await;
    assert_eq!(got[0], ("firing".into(), vec![firing("north")]));
    let body = hook.received.lock().unwrap()[0].clone();
    assert_eq!(body["version"], "4");
    assert_eq!(body["receiver"], "hook");
    assert_eq!(body["groupKey"], r#"{}:{alertname="LinePressureHigh"}"#);
    assert_eq!(
        body["alerts"][0]["annotations"]["summary"],
        "Line pressure at north is 9.5 bar"
    );
    assert_eq!(body["alerts"][0]["labels"]["severity"], "critical");

    // Prometheus' and Alertmanager's views.
    let alerts = get(&server, "/api/v1/alerts").await;
    let a = &alerts["data"]["alerts"][0];
    assert_eq!(a["state"], "firing");
    assert_eq!(a["value"], "9.5e+00");
    let rules_api = get(&server, "/api/v1/rules").await;
    let rule = &rules_api["data"]["groups"][0]["rules"][0];
    assert_eq!(rule["state"], "firing");
    assert_eq!(rule["type"], "alerting");
    assert_eq!(rule["health"], "ok");
    let am = get(&server, "/api/v2/alerts").await;
    assert_eq!(am[0]["status"]["state"], "active");
    assert_eq!(am[0]["receivers"][0]["name"], "hook");

    // Hysteresis: 7.5 is below the condition but not below the clear condition.
    write(&server, "line_pressure,site=north value=7.5").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(hook.count(), 1, "no resolve at 7.5: {:?}", hook.summary());
    write(&server, "line_pressure,site=north value=6.5").await;
    let got = hook.wait_for(2).await;
    assert_eq!(got[1], ("resolved".into(), vec![resolved("north")]));

    // History, outbox and metrics tell the same story.
    let history = get(&server, "/api/alerting/history").await;
    let steps: Vec<(String, String)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|i| {
            (
                i["from"].as_str().unwrap().to_owned(),
                i["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("inactive".to_owned(), "firing".to_owned()),
            ("firing".to_owned(), "resolved".to_owned())
        ]
    );
    let outbox = eventually(Duration::from_secs(5), || async {
        let o = get(&server, "/api/alerting/outbox").await;
        (o["counts"]["delivered"] == 2).then_some(o)
    })
    .await
    .expect("two delivered notifications in the outbox");
    assert_eq!(outbox["items"][0]["status"], "delivered");
    let metrics = client()
        .get(server.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"pulsegrid_notifications_total{receiver="hook",integration="webhook[0]",outcome="delivered"} 2"#
        ),
        "{metrics}"
    );
    // The rule ran on the stream path: every pushed point was evaluated as it arrived.
    let stream_evaluations: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("pulsegrid_rule_stream_evaluations_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no stream evaluation counter in {metrics}"));
    assert!(
        stream_evaluations >= 3,
        "{stream_evaluations} stream evaluations"
    );
}

#[tokio::test]
async fn fire_and_resolve_inside_group_wait_is_still_notified() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook = Hook::start(port).await;
    let routing = routing(port, "", false).replace("group_wait: 1s", "group_wait: 3s");
    let rules = rules_dir(tmp.path(), PRESSURE_RULE, &routing);
    let server = TestServer::builder().rules(&rules).start();
    write(&server, "line_pressure,site=east value=9").await;
    eventually(Duration::from_secs(5), || async {
        let a = get(&server, "/api/v1/alerts").await;
        (a["data"]["alerts"][0]["state"] == "firing").then_some(())
    })
    .await
    .expect("firing");
    write(&server, "line_pressure,site=east value=5").await;
    let got = hook.wait_for(1).await;
    // Alertmanager would drop it (send_resolved is false); Pulsegrid tells it once, resolved.
    assert_eq!(got[0], ("resolved".into(), vec![resolved("east")]));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(hook.count(), 1);
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_the_notification_when_back() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let rules = rules_dir(tmp.path(), PRESSURE_RULE, &routing(port, "", true));
    let server = TestServer::builder().rules(&rules).start();
    write(&server, "line_pressure,site=west value=12").await;
    // Nothing listens: the notification waits in the outbox with its error.
    let pending = eventually(Duration::from_secs(10), || async {
        let o = get(&server, "/api/alerting/outbox?status=pending").await;
        let item = o["items"][0].clone();
        (item["attempts"].as_u64().unwrap_or(0) >= 2).then_some(item)
    })
    .await
    .expect("a pending notification retried");
    assert!(
        pending["lastError"]
            .as_str()
            .unwrap_or("")
            .contains("connect")
            || !pending["lastError"].is_null(),
        "{pending}"
    );
    let hook = Hook::start(port).await;
    let got = hook.wait_for(1).await;
    assert_eq!(got[0], ("firing".into(), vec![firing("west")]));
    let o = get(&server, "/api/alerting/outbox").await;
    assert_eq!(o["counts"]["pending"], 0, "{o}");
    assert_eq!(o["counts"]["delivered"], 1, "{o}");
}

#[tokio::test]
async fn a_restart_while_firing_does_not_notify_again() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook = Hook::start(port).await;
    let rules = rules_dir(tmp.path(), PRESSURE_RULE, &routing(port, "", true));
    let data = tmp.path().join("data");
    let server = TestServer::builder().rules(&rules).data_dir(&data).start();
    write(&server, "line_pressure,site=north value=9.5").await;
    hook.wait_for(1).await;
    let before = get(&server, "/api/v1/alerts").await["data"]["alerts"][0].clone();
    assert!(server.terminate().success());

    let server = TestServer::builder().rules(&rules).data_dir(&data).start();
    let after = get(&server, "/api/v1/alerts").await["data"]["alerts"][0].clone();
    assert_eq!(after["state"], "firing", "{after}");
    assert_eq!(after["activeAt"], before["activeAt"]);
    // Past group_wait and several group_intervals: still the one notification.
    write(&server, "line_pressure,site=north value=9.7").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(hook.count(), 1, "{:?}", hook.summary());
    // It still resolves, once.
    write(&server, "line_pressure,site=north value=1").await;
    let got = hook.wait_for(2).await;
    assert_eq!(got[1], ("resolved".into(), vec![resolved("north")]));
}

#[tokio::test]
async fn grouping_repeat_silence_and_inhibition() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook = Hook::start(port).await;
    let rules = format!(
        "{PRESSURE_RULE}      - alert: LinePressureWarning\n        source: pulsegrid\n        query: 'line_pressure'\n        reduce: last\n        condition: '> 5'\n        labels: {{severity: warning}}\n"
    );
    let routing = routing(port, "", true).replace("repeat_interval: 1h", "repeat_interval: 3s")
        + "inhibit_rules:\n  - source_matchers: [severity=\"critical\"]\n    target_matchers: [severity=\"warning\"]\n    equal: [site]\n";
    let rules = rules_dir(tmp.path(), &rules, &routing);
    let server = TestServer::builder().rules(&rules).start();

    // Two sites fire together: one notification for the group, with both.
    write(
        &server,
        "line_pressure,site=north value=9\nline_pressure,site=south value=9.5",
    )
    .await;
    let got = hook.wait_for(1).await;
    let mut alerts = got[0].1.clone();
    alerts.sort();
    assert_eq!(alerts, vec![firing("north"), firing("south")]);
    // The warnings (> 5) are inhibited by the criticals at the same site.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        hook.summary()
            .iter()
            .all(|(_, a)| a.iter().all(|x| x.0 == "LinePressureHigh")),
        "{:?}",
        hook.summary()
    );
    let am = get(
        &server,
        "/api/v2/alerts?filter=alertname%3D%22LinePressureWarning%22",
    )
    .await;
    assert_eq!(am.as_array().unwrap().len(), 2, "{am}");
    assert_eq!(am[0]["status"]["state"], "suppressed");

    // repeat_interval (3s): the same group is notified again.
    let got = hook.wait_for(2).await;
    assert_eq!(got[1].1.len(), 2);

    // A silence on north: south alone in the next notifications.
    let resp = admin(client().post(server.at("/api/v2/silences")))
        .json(&json!({
            "matchers": [{"name": "site", "value": "north", "isRegex": false, "isEqual": true}],
            "startsAt": "2020-01-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z",
            "createdBy": "test",
            "comment": "maintenance"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let n = hook.count();
    let got = hook.wait_for(n + 1).await;
    assert_eq!(got[n].1, vec![firing("south")], "{got:?}");
    let am = get(&server, "/api/v2/alerts?filter=site%3D%22north%22").await;
    let high = am
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["alertname"] == "LinePressureHigh")
        .unwrap();
    assert_eq!(high["status"]["state"], "suppressed");
    assert_eq!(high["status"]["silencedBy"].as_array().unwrap().len(), 1);

    // amtool reads the same alerts from Pulsegrid as from Alertmanager.
    let out = Command::new("/usr/bin/amtool")
        .arg(format!("--alertmanager.url={}", server.url))
        .args(["alert", "query", "-o", "json", "alertname=LinePressureHigh"])
        .output()
        .expect("amtool (apt-get install prometheus-alertmanager)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    // amtool shows active alerts by default: south (north is silenced).
    let sites: Vec<&str> = listed
        .iter()
        .map(|a| a["labels"]["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ["south"], "{listed:?}");
}

#[tokio::test]
async fn broken_rule_files_are_reported_and_reloads_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let rules = rules_dir(tmp.path(), PRESSURE_RULE, &routing(port, "", true));
    std::fs::write(
        rules.join("broken.yml"),
        "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: 'up =='\n",
    )
    .unwrap();
    let server = TestServer::builder().rules(&rules).start();
    let errors = get(&server, "/api/alerting/errors").await;
    assert_eq!(errors["errors"][0]["file"], "broken.yml", "{errors}");
    assert!(
        errors["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("broken.yml"),
        "{errors}"
    );
    // Editing the good file reloads it.
    std::fs::write(
        rules.join("plant.yml"),
        PRESSURE_RULE.replace("LinePressureHigh", "LinePressureVeryHigh"),
    )
    .unwrap();
    let names = eventually(Duration::from_secs(10), || async {
        let r = get(&server, "/api/v1/rules").await;
        let name = r["data"]["groups"][0]["rules"][0]["name"].clone();
        (name == "LinePressureVeryHigh").then_some(name)
    })
    .await;
    assert!(names.is_some(), "the edited rule is loaded");
    // A broken alertmanager.yml is reported with its line; the last good routing stays.
    std::fs::write(
        rules.join("alertmanager.yml"),
        "route:\n  receiver: nobody\nreceivers:\n  - name: hook\n",
    )
    .unwrap();
    let errors = eventually(Duration::from_secs(10), || async {
        let e = get(&server, "/api/alerting/errors").await;
        let listed = e["errors"].as_array().unwrap().clone();
        listed.into_iter().find(|x| x["file"] == "alertmanager.yml")
    })
    .await
    .expect("the broken routing file is reported");
    assert!(
        errors["message"].as_str().unwrap().contains("nobody"),
        "{errors}"
    );
    assert_eq!(
        client()
            .get(server.at("/api/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// `python3 -m aiosmtpd` with its default (debugging) handler prints each message.
struct Smtp {
    child: Child,
    out: std::path::PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn email_receiver_gets_the_alert_from_a_real_smtp_server() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp_port = free_port();
    let out = tmp.path().join("smtp.out");
    let child = Command::new("/usr/bin/python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{smtp_port}"),
        ])
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd (apt-get install python3-aiosmtpd)");
    let smtp = Smtp { child, out };
    eventually(Duration::from_secs(10), || async {
        std::net::TcpStream::connect(("127.0.0.1", smtp_port))
            .ok()
            .map(|_| ())
    })
    .await
    .expect("aiosmtpd listens");
    let routing = format!(
        "global:\n  smtp_smarthost: '127.0.0.1:{smtp_port}'\n  smtp_from: 'pulsegrid@example.org'\n  smtp_require_tls: false\n\
         route:\n  receiver: mail\n  group_wait: 0s\n  group_interval: 1s\n\
         receivers:\n  - name: mail\n    email_configs:\n      - to: 'ops@example.org'\n        send_resolved: true\n"
    );
    let rules = rules_dir(tmp.path(), PRESSURE_RULE, &routing);
    let server = TestServer::builder().rules(&rules).start();
    write(&server, "line_pressure,site=north value=10").await;
    let text = eventually(Duration::from_secs(15), || async {
        let text = std::fs::read_to_string(&smtp.out).unwrap_or_default();
        text.contains("ops@example.org").then_some(text)
    })
    .await
    .unwrap_or_else(|| panic!("no mail; server logs:\n{}", server.logs()));
    assert!(text.contains("LinePressureHigh"), "{text}");
    assert!(text.contains("pulsegrid@example.org"), "{text}");
    assert!(text.contains("FIRING"), "{text}");
    // The rule's graph: inline in the HTML (cid) and attached, as a PNG.
    assert!(text.contains("cid:graph1@pulsegrid"), "{text}");
    assert!(text.contains("Content-ID: <graph1@pulsegrid>"), "{text}");
    assert!(text.contains("image/png"), "{text}");
    assert!(text.contains("LinePressureHigh.png"), "{text}");
    // And the resolution.
    write(&server, "line_pressure,site=north value=1").await;
    let text = eventually(Duration::from_secs(15), || async {
        let text = std::fs::read_to_string(&smtp.out).unwrap_or_default();
        text.contains("RESOLVED").then_some(text)
    })
    .await
    .unwrap_or_else(|| panic!("no resolved mail; server logs:\n{}", server.logs()));
    assert!(text.matches("ops@example.org").count() >= 2, "{text}");
}

#[tokio::test]
async fn recording_rules_write_a_series_dashboards_can_query() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = rules_dir(
        tmp.path(),
        "groups:\n  - name: rec\n    interval: 1s\n    rules:\n      - record: line_pressure:max1m\n        source: pulsegrid\n        query: line_pressure\n        reduce: max(1m)\n        labels: {derived: 'yes'}\n",
        "route: {receiver: r}\nreceivers: [{name: r}]\n",
    );
    let server = TestServer::builder().rules(&rules).start();
    write(
        &server,
        "line_pressure,site=north value=4\nline_pressure,site=north value=6",
    )
    .await;
    let series = eventually(Duration::from_secs(10), || async {
        let resp = client()
            .post(server.at("/api/ds/query"))
            .json(&json!({"from": "now-5m", "to": "now", "queries": [
                {"refId": "A", "datasource": {"uid": "pulsegrid"}, "expr": "line_pressure:max1m"}
            ]}))
            .send()
            .await
            .unwrap();
        let body: Value = resp.json().await.unwrap();
        let s = body["results"]["A"]["series"][0].clone();
        s.is_object().then_some(s)
    })
    .await
    .expect("the recorded series is queryable");
    assert_eq!(series["labels"]["site"], "north", "{series}");
    assert_eq!(series["labels"]["derived"], "yes", "{series}");
    assert_eq!(series["v"].as_array().unwrap().last().unwrap(), 6.0);
}

#[tokio::test]
async fn promql_rule_on_a_real_prometheus() {
    let prometheus = PrometheusServer::start(None).expect("start prometheus");
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("datasources.yaml");
    std::fs::write(
        &ds,
        format!(
            "apiVersion: 1\ndatasources:\n  - name: Prom\n    type: prometheus\n    uid: prom\n    url: {}\n",
            prometheus.url()
        ),
    )
    .unwrap();
    let port = free_port();
    let hook = Hook::start(port).await;
    let rules = rules_dir(
        tmp.path(),
        "groups:\n  - name: prom\n    interval: 1s\n    rules:\n      - alert: PrometheusUp\n        expr: up{job=\"prometheus\"} == 1\n        labels: {severity: info}\n        annotations: {summary: '{{ $labels.job }} is up ({{ $value }})'}\n",
        &routing(port, "", true),
    );
    let server = TestServer::builder()
        .rules(&rules)
        .env("PULSEGRID_DATASOURCES", ds.to_str().unwrap())
        .start();
    hook.wait_for(1).await;
    let body = hook.received.lock().unwrap()[0].clone();
    let alert = &body["alerts"][0];
    assert_eq!(alert["labels"]["alertname"], "PrometheusUp");
    assert_eq!(alert["labels"]["job"], "prometheus");
    assert_eq!(alert["annotations"]["summary"], "prometheus is up (1)");
    assert!(alert["labels"].get("__name__").is_none());
    let rules = get(&server, "/api/v1/rules").await;
    assert_eq!(rules["data"]["groups"][0]["rules"][0]["health"], "ok");
}

/// A stream rule whose selector does not parse is not a stream rule: it reports the query's
/// error (naming the selector and column) as its health, and the good rule beside it still
/// fires on pushed data.
#[tokio::test]
async fn a_rule_with_a_malformed_selector_reports_its_error() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let broken = format!(
        "{PRESSURE_RULE}      - alert: Broken\n        source: pulsegrid\n        query: 'line_pressure{{site='\n        condition: '> 1'\n"
    );
    let rules = rules_dir(tmp.path(), &broken, &routing(port, "", true));
    let hook = Hook::start(port).await;
    let server = TestServer::builder().rules(&rules).start();
    let rule = eventually(Duration::from_secs(10), || async {
        let r = get(&server, "/api/v1/rules").await;
        let rules = r["data"]["groups"][0]["rules"].as_array().cloned()?;
        let broken = rules.into_iter().find(|r| r["name"] == "Broken")?;
        (broken["health"] == "err").then_some(broken)
    })
    .await
    .expect("the broken rule reports err");
    let message = rule["lastError"].as_str().unwrap_or("");
    assert!(
        message.contains("line_pressure{site=") && message.contains("column"),
        "{rule}"
    );
    write(&server, "line_pressure,site=east value=9").await;
    let got = hook.wait_for(1).await;
    assert_eq!(got[0].0, "firing");
}
