//! Dashboards as code: files provisioned at start and on change, broken files reported without
//! harming the others, the Grafana corpus round-tripping unchanged.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{TestServer, client, eventually, grafana_corpus};
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    // Write then rename, as editors and config managers do, so readers never see half a file.
    let tmp = dir.join(format!(".{}.tmp", name.replace('/', "_")));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

fn dashboard(uid: &str, title: &str) -> String {
    json!({"uid": uid, "title": title, "panels": [{"id": 1, "type": "stat", "title": "x"}]})
        .to_string()
}

async fn title_of(server: &TestServer, uid: &str) -> Option<String> {
    let resp = client()
        .get(server.at(&format!("/api/dashboards/uid/{uid}")))
        .send()
        .await
        .ok()?;
    if resp.status() != 200 {
        return None;
    }
    let body: Value = resp.json().await.ok()?;
    body["dashboard"]["title"].as_str().map(str::to_owned)
}

async fn errors(server: &TestServer) -> Vec<Value> {
    let body: Value = client()
        .get(server.at("/api/provisioning/errors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["dashboards"].as_array().cloned().unwrap_or_default()
}

const RELOAD: Duration = Duration::from_secs(5);

/// Added, changed and removed files are applied without a restart.
#[tokio::test]
async fn hot_reload_add_change_remove() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.json", &dashboard("a", "Alpha"));
    let server = TestServer::builder().dashboards(dir.path()).start();
    assert_eq!(title_of(&server, "a").await.as_deref(), Some("Alpha"));

    write(dir.path(), "team/b.json", &dashboard("b", "Beta"));
    let added = eventually(RELOAD, || async { title_of(&server, "b").await }).await;
    assert_eq!(added.as_deref(), Some("Beta"));
    let hits: Value = client()
        .get(server.at("/api/search?query=beta"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hits[0]["folderTitle"], "team", "subfolder becomes a folder");

    write(dir.path(), "a.json", &dashboard("a", "Alpha 2"));
    let changed = eventually(RELOAD, || async {
        title_of(&server, "a").await.filter(|t| t == "Alpha 2")
    })
    .await;
    assert!(changed.is_some(), "change was not applied");

    std::fs::remove_file(dir.path().join("team/b.json")).unwrap();
    let removed = eventually(RELOAD, || async {
        title_of(&server, "b").await.is_none().then_some(())
    })
    .await;
    assert!(removed.is_some(), "removal was not applied");
}

/// A broken file is listed with file and line:column, counted in /metrics, and does not stop
/// the good files beside it.
#[tokio::test]
async fn broken_file_beside_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", &dashboard("good", "Good"));
    write(
        dir.path(),
        "broken.json",
        "{\n  \"title\": \"x\",\n  \"panels\": [\n}",
    );
    write(
        dir.path(),
        "invalid.json",
        &json!({"title": "Bad grid", "panels": [{"id": 1, "type": "stat", "gridPos": {"w": "wide"}}]})
            .to_string(),
    );
    let server = TestServer::builder().dashboards(dir.path()).start();
    assert_eq!(title_of(&server, "good").await.as_deref(), Some("Good"));

    let errs = errors(&server).await;
    assert_eq!(errs.len(), 2, "{errs:?}");
    let broken = errs.iter().find(|e| e["file"] == "broken.json").unwrap();
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .starts_with("broken.json:4:"),
        "{broken}"
    );
    let invalid = errs.iter().find(|e| e["file"] == "invalid.json").unwrap();
    assert!(
        invalid["message"]
            .as_str()
            .unwrap()
            .contains("panels[0].gridPos.w: expected an integer, found a string"),
        "{invalid}"
    );

    let metrics = client()
        .get(server.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("pulsegrid_provisioning_broken_files 2"),
        "{metrics}"
    );
    assert!(server.logs().contains("broken.json"), "the error is logged");
}

/// A file that was good and becomes broken keeps its last good version served.
#[tokio::test]
async fn good_file_turned_broken_keeps_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.json", &dashboard("d", "Served"));
    let server = TestServer::builder().dashboards(dir.path()).start();
    write(dir.path(), "d.json", "{ not json");
    let reported = eventually(RELOAD, || async {
        let errs = errors(&server).await;
        errs.into_iter().find(|e| e["file"] == "d.json")
    })
    .await
    .expect("error reported");
    assert_eq!(reported["serving_last_good"], true);
    assert_eq!(title_of(&server, "d").await.as_deref(), Some("Served"));

    write(dir.path(), "d.json", &dashboard("d", "Fixed"));
    let fixed = eventually(RELOAD, || async {
        title_of(&server, "d").await.filter(|t| t == "Fixed")
    })
    .await;
    assert!(fixed.is_some());
    assert!(errors(&server).await.is_empty());
}

/// Two files with the same uid: the first (by path) is served, the second is an error.
#[tokio::test]
async fn duplicate_uids_across_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.json", &dashboard("same", "First"));
    write(dir.path(), "2.json", &dashboard("same", "Second"));
    let server = TestServer::builder().dashboards(dir.path()).start();
    assert_eq!(title_of(&server, "same").await.as_deref(), Some("First"));
    let errs = errors(&server).await;
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap()
            .contains("duplicate dashboard uid")
    );
    assert_eq!(errs[0]["file"], "2.json");
}

/// Every dashboard of the shared Grafana corpus provisions and comes back with every field.
#[tokio::test]
async fn grafana_corpus_round_trips() {
    let Some(corpus) = grafana_corpus() else {
        eprintln!("shared/grafana-dashboards not found; skipping");
        return;
    };
    let server = TestServer::builder().dashboards(&corpus).start();
    assert!(
        errors(&server).await.is_empty(),
        "{:?}",
        errors(&server).await
    );
    let hits: Value = client()
        .get(server.at("/api/search"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let original: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let uid = original["uid"].as_str().unwrap();
        assert!(
            hits.as_array().unwrap().iter().any(|h| h["uid"] == uid),
            "{uid} not in search"
        );
        let got: Value = client()
            .get(server.at(&format!("/api/dashboards/uid/{uid}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            got["dashboard"],
            original,
            "{} changed in the round trip",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 8, "checked {checked} dashboards");
}

/// The repository's own default dashboards provision without error.
#[tokio::test]
async fn default_dashboards_provision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dashboards");
    let server = TestServer::builder().dashboards(&dir).start();
    assert!(errors(&server).await.is_empty());
    assert_eq!(
        title_of(&server, "pulsegrid-overview").await.as_deref(),
        Some("Pulsegrid overview")
    );
}
