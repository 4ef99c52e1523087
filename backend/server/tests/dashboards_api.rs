//! The Grafana-compatible dashboard API over real HTTP: search, get, save with versions and
//! conflicts, delete, and the rules for provisioned dashboards.

mod common;

use common::{TestServer, admin, client, token};
use serde_json::{Value, json};

fn dash(uid: &str, title: &str) -> Value {
    json!({
        "uid": uid,
        "title": title,
        "tags": ["team-a"],
        "panels": [{"id": 1, "type": "timeseries", "title": "CPU",
                    "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                    "targets": [{"refId": "A", "expr": "up"}],
                    "customField": {"kept": true}}],
        "unknownTopLevel": [1, 2, 3]
    })
}

/// Saving creates version 1, updating bumps it, and the document round-trips unknown fields.
#[tokio::test]
async fn save_get_update_and_versions() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let http = client();

    let resp = http
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"dashboard": dash("ops-1", "Ops"), "message": "first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.unwrap();
    assert_eq!(saved["status"], "success");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["url"], "/d/ops-1/ops");

    let got: Value = http
        .get(server.at("/api/dashboards/uid/ops-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["dashboard"]["title"], "Ops");
    assert_eq!(got["dashboard"]["unknownTopLevel"], json!([1, 2, 3]));
    assert_eq!(
        got["dashboard"]["panels"][0]["customField"],
        json!({"kept": true})
    );
    assert_eq!(got["meta"]["provisioned"], false);
    assert_eq!(got["meta"]["version"], 1);

    let mut changed = got["dashboard"].clone();
    changed["title"] = json!("Ops v2");
    let resp = http
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"dashboard": changed, "message": "rename"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["version"], 2);

    let versions: Value = http
        .get(server.at("/api/dashboards/uid/ops-1/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["message"], "rename");
    assert!(
        versions[0]["createdBy"]
            .as_str()
            .unwrap()
            .starts_with("token:")
    );

    let v1: Value = http
        .get(server.at("/api/dashboards/uid/ops-1/versions/1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v1["data"]["title"], "Ops");

    let hits: Value = http
        .get(server.at("/api/search?query=ops&tag=team-a"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["uid"], "ops-1");
    assert_eq!(hits[0]["type"], "dash-db");
    let none: Value = http
        .get(server.at("/api/search?tag=other"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!([]));
}

/// A stale version is refused with 412 unless `overwrite` is set; a new dashboard without a
/// version never silently replaces an existing uid.
#[tokio::test]
async fn version_conflict_is_412_unless_overwrite() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let http = client();
    let save = |body: Value| {
        http.post(server.at("/api/dashboards/db"))
            .bearer_auth(&editor)
            .json(&body)
            .send()
    };
    assert_eq!(
        save(json!({"dashboard": dash("c1", "C")}))
            .await
            .unwrap()
            .status(),
        200
    );
    let mut d = dash("c1", "C");
    d["version"] = json!(1);
    assert_eq!(
        save(json!({"dashboard": d.clone()}))
            .await
            .unwrap()
            .status(),
        200
    );

    // Someone still holding version 1 saves: conflict.
    let resp = save(json!({"dashboard": d.clone()})).await.unwrap();
    assert_eq!(resp.status(), 412);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "version-mismatch");
    // No version at all on an existing uid: conflict too.
    assert_eq!(
        save(json!({"dashboard": dash("c1", "C")}))
            .await
            .unwrap()
            .status(),
        412
    );
    // Overwrite wins.
    let resp = save(json!({"dashboard": d, "overwrite": true}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["version"], 3);
}

/// A dashboard without uid gets one; delete removes it; unknown uids are 404 with a message.
#[tokio::test]
async fn generated_uid_delete_and_404() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let http = client();
    let mut d = dash("x", "No uid");
    d.as_object_mut().unwrap().remove("uid");
    let saved: Value = http
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"dashboard": d}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uid = saved["uid"].as_str().unwrap().to_owned();
    assert_eq!(uid.len(), 14);

    let resp = http
        .delete(server.at(&format!("/api/dashboards/uid/{uid}")))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["title"], "No uid");

    let resp = http
        .get(server.at(&format!("/api/dashboards/uid/{uid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains(&uid));

    let resp = http
        .delete(server.at("/api/dashboards/uid/nope"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

/// Model errors name the JSON path; syntax errors name line and column.
#[tokio::test]
async fn invalid_dashboards_are_400_with_paths() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let http = client();
    let mut d = dash("bad", "Bad");
    d["panels"][0]["gridPos"]["w"] = json!("wide");
    let resp = http
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"dashboard": d}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["path"], "panels[0].gridPos.w");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("panels[0].gridPos.w: expected an integer, found a string"),
        "{body}"
    );

    let resp = http
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .header("content-type", "application/json")
        .body("{\n  \"dashboard\": {\"title\": \"x\",}\n}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("request body:2:"),
        "{body}"
    );

    let resp = http
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"overwrite": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

/// A provisioned dashboard can be read but not overwritten or deleted through the API.
#[tokio::test]
async fn provisioned_dashboards_are_read_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prov.json"),
        serde_json::to_string(&dash("prov-1", "From file")).unwrap(),
    )
    .unwrap();
    let server = TestServer::builder().dashboards(dir.path()).start();
    let http = client();
    let got: Value = http
        .get(server.at("/api/dashboards/uid/prov-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["meta"]["provisioned"], true);
    assert_eq!(got["meta"]["provisionedExternalId"], "prov.json");
    assert_eq!(got["meta"]["canSave"], false);

    let resp = admin(http.post(server.at("/api/dashboards/db")))
        .json(&json!({"dashboard": dash("prov-1", "Hijack"), "overwrite": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("provisioned"),
        "{body}"
    );

    let resp = admin(http.delete(server.at("/api/dashboards/uid/prov-1")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}
