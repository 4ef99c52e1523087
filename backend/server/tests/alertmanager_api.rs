//! Alertmanager's v2 API for `amtool`: status, and silences added, queried and expired with the
//! real amtool, durable across restarts; plus the roles the silence endpoints need.

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestServer, client, token};
use serde_json::{Value, json};

const AMTOOL: &str = "/usr/bin/amtool";

/// Runs amtool against `server` with the bearer token in an `--http.config.file`; returns
/// stdout, failing the test (with stderr) when amtool fails.
fn amtool(server: &TestServer, http_config: &Path, args: &[&str]) -> String {
    let out = Command::new(AMTOOL)
        .arg(format!("--alertmanager.url={}", server.url))
        .arg(format!("--http.config.file={}", http_config.display()))
        .args(args)
        .output()
        .expect("run amtool");
    assert!(
        out.status.success(),
        "amtool {args:?} failed: {}\nserver logs:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.logs()
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `amtool silence query -o json [args]`, parsed (amtool prints `null` for none).
fn query(server: &TestServer, http_config: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["silence", "query", "-o", "json"];
    all.extend_from_slice(args);
    let out = amtool(server, http_config, &all);
    serde_json::from_str::<Option<Vec<Value>>>(&out)
        .unwrap_or_else(|e| panic!("amtool output is not JSON ({e}): {out}"))
        .unwrap_or_default()
}

fn ids(silences: &[Value]) -> Vec<&str> {
    silences.iter().filter_map(|s| s["id"].as_str()).collect()
}

/// amtool adds a silence with an editor token, finds it (also by filter), expires it; the
/// silence and its expiry survive restarts.
#[tokio::test]
async fn amtool_adds_queries_and_expires_durable_silences() {
    if !Path::new(AMTOOL).is_file() {
        eprintln!("skipping: {AMTOOL} is not installed (apt-get install prometheus-alertmanager)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let server = TestServer::builder().data_dir(&data_dir).start();
    let editor = token(&server, "editor").await;
    let http_config = dir.path().join("amtool-http.yml");
    std::fs::write(
        &http_config,
        format!("authorization:\n  type: Bearer\n  credentials: {editor}\n"),
    )
    .expect("write http config");

    let id = amtool(
        &server,
        &http_config,
        &[
            "silence",
            "add",
            "alertname=Foo",
            r#"instance=~"web-.*""#,
            "--comment=maintenance window",
            "--duration=1h",
        ],
    )
    .trim()
    .to_owned();
    assert_eq!(id.len(), 36, "a uuid: {id:?}");

    let found = query(&server, &http_config, &[]);
    assert_eq!(ids(&found), [id.as_str()]);
    let silence = &found[0];
    assert_eq!(silence["status"]["state"], "active");
    assert_eq!(silence["comment"], "maintenance window");
    let mut matchers = silence["matchers"].as_array().expect("matchers").clone();
    matchers.sort_by_key(|m| m["name"].as_str().unwrap_or("").to_owned());
    assert_eq!(
        matchers,
        [
            json!({"name": "alertname", "value": "Foo", "isRegex": false, "isEqual": true}),
            json!({"name": "instance", "value": "web-.*", "isRegex": true, "isEqual": true}),
        ]
    );
    assert_eq!(
        ids(&query(&server, &http_config, &["alertname=Foo"])),
        [id.as_str()]
    );
    assert!(query(&server, &http_config, &["alertname=Bar"]).is_empty());

    // A restart (SIGTERM, same data dir) keeps the silence active.
    assert!(server.terminate().success());
    let server = TestServer::builder().data_dir(&data_dir).start();
    let found = query(&server, &http_config, &[]);
    assert_eq!(ids(&found), [id.as_str()]);
    assert_eq!(found[0]["status"]["state"], "active");

    amtool(&server, &http_config, &["silence", "expire", &id]);
    assert!(query(&server, &http_config, &[]).is_empty());
    let expired = query(&server, &http_config, &["--expired"]);
    assert_eq!(ids(&expired), [id.as_str()]);
    assert_eq!(expired[0]["status"]["state"], "expired");

    // The expiry was durable before amtool got its answer: even SIGKILL keeps it.
    server.kill9();
    let server = TestServer::builder().data_dir(&data_dir).start();
    assert!(query(&server, &http_config, &[]).is_empty());
    let resp = client()
        .get(server.at(&format!("/api/v2/silence/{id}")))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"]["state"], "expired");
}

fn postable(alertname: &str) -> Value {
    json!({
        "matchers": [{"name": "alertname", "value": alertname, "isRegex": false}],
        "startsAt": "2020-01-01T00:00:00Z",
        "endsAt": "2999-01-01T00:00:00Z",
        "createdBy": "test",
        "comment": "c",
    })
}

/// Posting a silence needs the editor role: 401 without credentials, 403 with a viewer
/// token; a viewer (and anonymous, by default) may list them.
#[tokio::test]
async fn posting_silences_needs_the_editor_role() {
    let server = TestServer::start();
    let http = client();
    let url = server.at("/api/v2/silences");

    let resp = http.post(&url).json(&postable("A")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let viewer = token(&server, "viewer").await;
    let resp = http
        .post(&url)
        .bearer_auth(&viewer)
        .json(&postable("A"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = http
        .delete(server.at("/api/v2/silence/whatever"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let editor = token(&server, "editor").await;
    let resp = http
        .post(&url)
        .bearer_auth(&editor)
        .json(&postable("A"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let id = body["silenceID"].as_str().expect("silenceID").to_owned();

    let list: Vec<Value> = http
        .get(&url)
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&list), [id.as_str()]);
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 200);
}

/// Bad matchers and times are 400 with Alertmanager's body (a JSON string saying what is
/// wrong); an unknown id is 404; posting with an id updates in place.
#[tokio::test]
async fn bad_silences_are_refused_and_updates_keep_the_id() {
    let server = TestServer::start();
    let http = client();
    let editor = token(&server, "editor").await;
    let url = server.at("/api/v2/silences");
    let post = |body: Value| http.post(&url).bearer_auth(&editor).json(&body).send();

    let mut bad_regex = postable("A");
    bad_regex["matchers"][0] = json!({"name": "a", "value": "(", "isRegex": true});
    let mut empty = postable("A");
    empty["matchers"] = json!([]);
    let mut backwards = postable("A");
    backwards["endsAt"] = json!("2019-01-01T00:00:00Z");
    let mut bad_time = postable("A");
    bad_time["startsAt"] = json!("yesterday");
    for (body, want) in [
        (bad_regex, "invalid label matcher 0"),
        (empty, "at least one matcher"),
        (backwards, "start time must be before end time"),
        (bad_time, "bad timestamp \"yesterday\""),
    ] {
        let resp = post(body).await.unwrap();
        assert_eq!(resp.status(), 400);
        let message: String = resp.json().await.expect("a JSON string");
        assert!(message.contains(want), "{message:?} should say {want:?}");
    }
    let resp = http
        .get(format!("{url}?filter=alertname%3D~%22(%22"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    let resp = http
        .get(server.at("/api/v2/silence/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let mut unknown = postable("A");
    unknown["id"] = json!("nope");
    assert_eq!(post(unknown).await.unwrap().status(), 404);

    let created: Value = post(postable("A")).await.unwrap().json().await.unwrap();
    let id = created["silenceID"].as_str().unwrap().to_owned();
    let current: Value = http
        .get(server.at(&format!("/api/v2/silence/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut update = postable("A");
    update["id"] = json!(id);
    update["startsAt"] = current["startsAt"].clone();
    update["comment"] = json!("longer");
    let updated: Value = post(update).await.unwrap().json().await.unwrap();
    assert_eq!(updated["silenceID"], json!(id));
}

/// `GET /api/v2/status` has the fields amtool requires.
#[tokio::test]
async fn status_has_alertmanagers_shape() {
    let server = TestServer::start();
    let body: Value = client()
        .get(server.at("/api/v2/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["cluster"], json!({"status": "disabled", "peers": []}));
    assert_eq!(body["config"], json!({"original": ""}));
    for key in [
        "version",
        "revision",
        "branch",
        "buildUser",
        "buildDate",
        "goVersion",
    ] {
        assert!(body["versionInfo"][key].is_string(), "{key}: {body}");
    }
    assert!(
        body["uptime"].as_str().is_some_and(|u| u.ends_with('Z')),
        "{body}"
    );
}
