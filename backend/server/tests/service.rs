//! The service itself: health, metrics, datasources, graceful shutdown, restart persistence.

mod common;

use common::{TestServer, client, token};
use serde_json::{Value, json};

/// `/api/health` answers Grafana's shape; `/metrics` has request counts and build info.
#[tokio::test]
async fn health_and_metrics() {
    let server = TestServer::start();
    let http = client();
    let health: Value = http
        .get(server.at("/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    let _ = http
        .get(server.at("/api/dashboards/uid/none"))
        .send()
        .await
        .unwrap();
    let metrics = http
        .get(server.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("pulsegrid_build_info{version=\""),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "pulsegrid_http_requests_total{route=\"/api/dashboards/uid/{uid}\",method=\"GET\",status=\"404\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("pulsegrid_websocket_connections 0"));
    assert!(metrics.contains("pulsegrid_provisioning_errors_total"));
}

/// Datasources come from Grafana's provisioning YAML; secrets are never shown; the built-in
/// testdata and pulsegrid sources always exist.
#[tokio::test]
async fn datasources_from_provisioning_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ds.yaml");
    std::fs::write(
        &file,
        "apiVersion: 1\ndatasources:\n  - name: Prom\n    type: prometheus\n    uid: prom\n    url: http://127.0.0.1:9090\n    isDefault: true\n    jsonData:\n      timeInterval: 15s\n    secureJsonData:\n      httpHeaderValue1: $PROM_SECRET\n",
    )
    .unwrap();
    let server = TestServer::builder()
        .env("PULSEGRID_DATASOURCES", file.to_str().unwrap())
        .env("PROM_SECRET", "very-secret-value")
        .start();
    let body = client()
        .get(server.at("/api/datasources"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains("very-secret-value"), "secret leaked: {body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    let uids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["uid"].as_str())
        .collect();
    assert_eq!(uids, ["prom", "testdata", "pulsegrid"]);
    assert_eq!(list[0]["jsonData"]["timeInterval"], "15s");
    assert_eq!(list[0]["secureJsonFields"]["httpHeaderValue1"], true);
    assert!(!server.logs().contains("very-secret-value"));
}

/// A broken datasource file is reported and the service runs on with the built-ins.
#[tokio::test]
async fn broken_datasource_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ds.yaml");
    std::fs::write(
        &file,
        "apiVersion: 1\ndatasources:\n  - name: X\n    type: nosuchdb\n",
    )
    .unwrap();
    let server = TestServer::builder()
        .env("PULSEGRID_DATASOURCES", file.to_str().unwrap())
        .start();
    let errors: Value = client()
        .get(server.at("/api/provisioning/errors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = errors["datasources"][0]["message"].as_str().unwrap();
    assert!(message.contains("datasources[0].type"), "{message}");
    let list: Value = client()
        .get(server.at("/api/datasources"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

/// SIGTERM stops the server cleanly (exit 0), and saved dashboards survive a restart.
#[tokio::test]
async fn graceful_shutdown_and_restart_keeps_data() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(data.path()).start();
    let editor = token(&server, "editor").await;
    let resp = client()
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"dashboard": {"uid": "keep", "title": "Kept", "panels": []}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");

    let server = TestServer::builder().data_dir(data.path()).start();
    let got: Value = client()
        .get(server.at("/api/dashboards/uid/keep"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["dashboard"]["title"], "Kept");
    // The token made before the restart still works.
    let resp = client()
        .delete(server.at("/api/dashboards/uid/keep"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(std::fs::metadata(data.path().join("pulsegrid.db")).is_ok());
}

/// Unknown routes are JSON 404s; huge bodies are refused with 413.
#[tokio::test]
async fn unknown_routes_and_huge_bodies() {
    let server = TestServer::builder()
        .env("PULSEGRID_MAX_BODY_BYTES", "1024")
        .start();
    let editor = token(&server, "editor").await;
    let resp = client().get(server.at("/api/nope")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("/api/nope"));
    let big = json!({"dashboard": {"title": "x".repeat(4096)}});
    let resp = client()
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

/// The UI pages are served: every UI route answers with the app's page under a strict
/// content security policy, and the hashed bundles it loads come gzipped with a long cache.
#[tokio::test]
async fn ui_pages_and_assets_are_served() {
    let server = TestServer::start();
    let mut page = String::new();
    for path in [
        "/",
        "/d/anything",
        "/d/anything/slug",
        "/login",
        "/alerting",
    ] {
        let resp = client().get(server.at(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        page = resp.text().await.unwrap();
        assert!(page.contains("<title>Pulsegrid</title>"), "{page}");
    }
    let script = page
        .split("src=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|s| s.starts_with("/assets/") && s.ends_with(".js"))
        .unwrap_or_else(|| panic!("no bundle in {page}"))
        .to_owned();
    let gz = client();
    let resp = gz
        .get(server.at(&script))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let zipped = resp.bytes().await.unwrap().len();
    let resp = gz.get(server.at(&script)).send().await.unwrap();
    assert!(resp.headers().get("content-encoding").is_none());
    let plain = resp.bytes().await.unwrap().len();
    assert!(zipped * 2 < plain, "gzip {zipped} vs plain {plain}");
    let missing = client()
        .get(server.at("/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
