//! The same service on PostgreSQL: a real server (initdb + pg_ctl on a free port) per test.

mod common;

use common::{TestServer, client, token};
use pulsegrid_testkit::PgServer;
use serde_json::{Value, json};

/// Dashboards, versions, users and tokens work on PostgreSQL and survive a restart.
#[tokio::test]
async fn service_on_postgres() {
    let pg = PgServer::start().expect("start PostgreSQL");
    let url = pg.create_database("pulsegrid").expect("create database");
    let server = TestServer::builder()
        .env("PULSEGRID_DATABASE_URL", &url)
        .start();
    let health: Value = client()
        .get(server.at("/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], "ok");

    let editor = token(&server, "editor").await;
    for title in ["On PG", "On PG v2"] {
        let mut dashboard = json!({"uid": "pg-1", "title": title, "panels": []});
        if title.ends_with("v2") {
            dashboard["version"] = json!(1);
        }
        let resp = client()
            .post(server.at("/api/dashboards/db"))
            .bearer_auth(&editor)
            .json(&json!({"dashboard": dashboard}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }
    let stale = client()
        .post(server.at("/api/dashboards/db"))
        .bearer_auth(&editor)
        .json(&json!({"dashboard": {"uid": "pg-1", "title": "stale", "version": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    drop(server);

    let server = TestServer::builder()
        .env("PULSEGRID_DATABASE_URL", &url)
        .start();
    let got: Value = client()
        .get(server.at("/api/dashboards/uid/pg-1"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["dashboard"]["title"], "On PG v2");
    assert_eq!(got["meta"]["version"], 2);
    let versions: Value = client()
        .get(server.at("/api/dashboards/uid/pg-1/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
}
