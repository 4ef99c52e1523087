//! Roles and credentials: anonymous viewers, 401/403 on writes, API tokens as Bearer, Token
//! and Basic, session login, failed-login rate limiting, user and token management.

mod common;

use common::{ADMIN_PASSWORD, TestServer, admin, client, token};
use serde_json::{Value, json};

fn new_dashboard(uid: &str) -> Value {
    json!({"dashboard": {"uid": uid, "title": uid, "panels": []}})
}

/// Writes without credentials are 401, with a viewer token 403; an editor token may write.
#[tokio::test]
async fn writes_need_the_editor_role() {
    let server = TestServer::start();
    let http = client();
    let url = server.at("/api/dashboards/db");

    let resp = http
        .post(&url)
        .json(&new_dashboard("w1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("editor"),
        "{body}"
    );

    let viewer = token(&server, "viewer").await;
    let resp = http
        .post(&url)
        .bearer_auth(&viewer)
        .json(&new_dashboard("w1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let editor = token(&server, "editor").await;
    // Influx clients send `Authorization: Token ...`.
    let resp = http
        .post(&url)
        .header("Authorization", format!("Token {editor}"))
        .json(&new_dashboard("w1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Grafana style: Basic with user `api_key`.
    let resp = http
        .delete(server.at("/api/dashboards/uid/w1"))
        .basic_auth("api_key", Some(&editor))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // An editor may not manage tokens.
    let resp = http
        .post(server.at("/api/auth/keys"))
        .bearer_auth(&editor)
        .json(&json!({"name": "x", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

/// A wrong token is refused outright, never downgraded to anonymous.
#[tokio::test]
async fn bad_credentials_are_401() {
    let server = TestServer::start();
    let http = client();
    for req in [
        http.get(server.at("/api/search")).bearer_auth("pgt_nope"),
        http.get(server.at("/api/search"))
            .basic_auth("admin", Some("wrong")),
        http.get(server.at("/api/search"))
            .header("Authorization", "Digest x"),
    ] {
        assert_eq!(req.send().await.unwrap().status(), 401);
    }
}

/// `PULSEGRID_ANONYMOUS_ROLE=none` makes reads need credentials too.
#[tokio::test]
async fn anonymous_role_none_closes_reads() {
    let server = TestServer::builder()
        .env("PULSEGRID_ANONYMOUS_ROLE", "none")
        .start();
    let http = client();
    assert_eq!(
        http.get(server.at("/api/search"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let resp = admin(http.get(server.at("/api/search")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Health stays open for load balancers.
    assert_eq!(
        http.get(server.at("/api/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Login sets an HttpOnly session cookie that authorizes writes; logout ends it.
#[tokio::test]
async fn session_login_and_logout() {
    let server = TestServer::start();
    let http = reqwest::Client::builder().build().unwrap();
    let resp = http
        .post(server.at("/api/login"))
        .json(&json!({"user": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"));
    let session = cookie.split(';').next().unwrap().to_owned();

    let me: Value = http
        .get(server.at("/api/user"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "admin");
    assert_eq!(me["role"], "admin");

    let resp = http
        .post(server.at("/api/dashboards/db"))
        .header("Cookie", &session)
        .json(&new_dashboard("s1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // A cross-site form post riding on the cookie is refused.
    let resp = http
        .post(server.at("/api/dashboards/db"))
        .header("Cookie", &session)
        .header("Origin", "http://evil.example")
        .json(&new_dashboard("s2"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let resp = http
        .post(server.at("/api/logout"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .get(server.at("/api/user"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

/// Repeated failed logins are answered 429 with Retry-After, even with the right password.
#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let server = TestServer::builder()
        .env("PULSEGRID_LOGIN_MAX_FAILURES", "3")
        .start();
    let http = client();
    for _ in 0..3 {
        let resp = http
            .post(server.at("/api/login"))
            .json(&json!({"user": "admin", "password": "guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    let resp = http
        .post(server.at("/api/login"))
        .json(&json!({"user": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let metrics = http
        .get(server.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("pulsegrid_login_failures_total 3"),
        "{metrics}"
    );
}

/// Admins create users and tokens; tokens are shown once and listed without the secret;
/// a deleted token stops working; secrets never reach the log.
#[tokio::test]
async fn user_and_token_management() {
    let server = TestServer::start();
    let http = client();
    let resp = admin(http.post(server.at("/api/admin/users")))
        .json(&json!({"login": "ed", "name": "Ed", "password": "ed-password-1", "role": "editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .post(server.at("/api/dashboards/db"))
        .basic_auth("ed", Some("ed-password-1"))
        .json(&new_dashboard("by-ed"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = admin(http.post(server.at("/api/admin/users")))
        .json(&json!({"login": "ed", "password": "again-1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);

    let key = token(&server, "viewer").await;
    assert!(key.starts_with("pgt_"));
    let keys: Value = admin(http.get(server.at("/api/auth/keys")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!keys.to_string().contains(&key), "keys are never listed");
    let id = keys[0]["id"].as_i64().unwrap();
    let resp = admin(http.delete(server.at(&format!("/api/auth/keys/{id}"))))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .get(server.at("/api/search"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let users: Value = admin(http.get(server.at("/api/users")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !users.to_string().contains("argon2"),
        "hashes are never shown"
    );
    let logs = server.logs();
    for secret in [ADMIN_PASSWORD, "ed-password-1", key.as_str()] {
        assert!(!logs.contains(secret), "secret {secret} in logs");
    }
}

/// With no admin password configured, one is generated and printed once.
#[tokio::test]
async fn generated_admin_password_is_printed_once() {
    let server = TestServer::builder()
        .env("PULSEGRID_ADMIN_PASSWORD", "")
        .start();
    let logs = server.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("generated password"))
        .expect("password printed");
    let password = line.rsplit(' ').next().unwrap();
    let resp = client()
        .get(server.at("/api/users"))
        .basic_auth("admin", Some(password))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// A token's `lastUsedAt` is kept to the minute: the first use sets it, a use right after does
/// not write it again (a commit per request would slow every token-authenticated write).
#[tokio::test]
async fn token_last_used_is_recorded_to_the_minute() {
    let server = TestServer::start();
    let token = token(&server, "viewer").await;
    let last_used = || async {
        let keys: Value = admin(client().get(server.at("/api/auth/keys")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["role"] == "Viewer" || k["role"] == "viewer")
            .map(|k| k["lastUsedAt"].clone())
            .unwrap()
    };
    assert!(last_used().await.is_null());
    let get = || {
        client()
            .get(server.at("/api/search"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);
    let first = last_used().await;
    assert!(first.is_string(), "{first}");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(get().await.unwrap().status(), 200);
    assert_eq!(last_used().await, first);
}
