//! `GET /render/d/{uid}/{panelId}.png|svg` against the real binary: a provisioned dashboard
//! with testdata panels rendered as PNG (decoded) and SVG (parsed), variables, the cache
//! header, 404s for unknown dashboards and panels, 400s naming the bad parameter, and auth.

mod common;

use common::{TestServer, client};
use serde_json::json;

const DASHBOARD_UID: &str = "render-test";

/// A dashboard with a testdata time series (two series named after `$site`), a stat and a
/// table panel.
fn dashboard() -> serde_json::Value {
    json!({
        "uid": DASHBOARD_UID,
        "title": "Render test",
        "refresh": "1m",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [
            {"name": "site", "type": "custom", "query": "north,south", "current": {"value": "north"}}
        ]},
        "panels": [
            {"id": 1, "type": "timeseries", "title": "Pressure at $site",
             "datasource": {"uid": "testdata"},
             "fieldConfig": {"defaults": {"unit": "pressurebar"}},
             "targets": [{"refId": "A", "scenarioId": "random_walk", "seriesCount": 2,
                          "alias": "pressure-$site"}]},
            {"id": 2, "type": "stat", "title": "Now", "datasource": {"uid": "testdata"},
             "targets": [{"refId": "A", "scenarioId": "random_walk"}]},
            {"id": 3, "type": "table", "title": "Table", "targets": []}
        ]
    })
}

/// A server provisioning [`dashboard`]; the directory lives as long as the server.
struct Served {
    server: TestServer,
    _dashboards: tempfile::TempDir,
}

impl std::ops::Deref for Served {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.server
    }
}

fn server_with(env: &[(&str, &str)]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("render.json"), dashboard().to_string()).unwrap();
    let mut builder = TestServer::builder().dashboards(dir.path());
    for (k, v) in env {
        builder = builder.env(k, v);
    }
    Served {
        server: builder.start(),
        _dashboards: dir,
    }
}

fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    client().get(server.at(path)).send().await.expect("request")
}

/// A PNG of the requested size with the series drawn in palette colors; the same request
/// again is answered from the cache.
#[tokio::test]
async fn renders_a_png_and_caches_it() {
    let server = server_with(&[]);
    let path = format!("/render/d/{DASHBOARD_UID}/1.png?from=now-1h&to=now&width=600&height=300");
    let resp = get(&server, &path).await;
    assert_eq!(resp.status(), 200, "{}", server.logs());
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["x-pulsegrid-render-cache"], "miss");
    let bytes = resp.bytes().await.unwrap();
    let (w, h, rgb) = decode_png(&bytes);
    assert_eq!((w, h), (600, 300));
    // The first two palette colors (green, yellow) draw the two series.
    for color in [[0x73, 0xBF, 0x69], [0xF2, 0xCC, 0x0C]] {
        let n = rgb.chunks(3).filter(|p| *p == color).count();
        assert!(n > 100, "{n} pixels of {color:?}");
    }

    let again = get(&server, &path).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["x-pulsegrid-render-cache"], "hit");
    assert_eq!(again.bytes().await.unwrap(), bytes);
    // Another size is another image.
    let other = get(
        &server,
        &format!("/render/d/{DASHBOARD_UID}/1.png?width=300&height=200"),
    )
    .await;
    assert_eq!(other.headers()["x-pulsegrid-render-cache"], "miss");
    assert_eq!(decode_png(&other.bytes().await.unwrap()).0, 300);
}

/// The SVG has a line per series and the legend; `var-site` changes the queries and the title.
#[tokio::test]
async fn renders_an_svg_with_variables() {
    let server = server_with(&[]);
    let resp = get(
        &server,
        &format!("/render/d/{DASHBOARD_UID}/1.svg?var-site=south&theme=light&tz=Europe/Berlin"),
    )
    .await;
    assert_eq!(resp.status(), 200, "{}", server.logs());
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    let text = resp.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(lines >= 2, "{lines} polylines");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"Pressure at south"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.starts_with("pressure-south")),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.contains("north")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.ends_with(" bar")),
        "unit on the axis: {texts:?}"
    );
}

/// Stat panels render; other panel types are a placeholder image, not an error.
#[tokio::test]
async fn other_panel_kinds() {
    let server = server_with(&[]);
    let stat = get(&server, &format!("/render/d/{DASHBOARD_UID}/2.png")).await;
    assert_eq!(stat.status(), 200);
    assert_eq!(decode_png(&stat.bytes().await.unwrap()).0, 1000);
    let table = get(&server, &format!("/render/d/{DASHBOARD_UID}/3.svg")).await;
    assert_eq!(table.status(), 200);
    let text = table.text().await.unwrap();
    assert!(
        text.contains("table panels are not rendered server-side"),
        "{text}"
    );
}

/// Unknown dashboards and panels are 404 with a message.
#[tokio::test]
async fn unknown_dashboard_or_panel_is_404() {
    let server = server_with(&[]);
    let resp = get(&server, "/render/d/nope/1.png").await;
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("\"nope\""),
        "{body}"
    );
    let resp = get(&server, &format!("/render/d/{DASHBOARD_UID}/99.png")).await;
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("no panel 99"),
        "{body}"
    );
}

/// Bad parameters are 400 and the message names the parameter.
#[tokio::test]
async fn bad_parameters_are_400() {
    let server = server_with(&[]);
    for (query, param) in [
        ("1.gif", "panel"),
        ("1.png?width=0", "width"),
        ("1.png?height=100000", "height"),
        ("1.png?width=wide", "width"),
        ("1.png?theme=sepia", "theme"),
        ("1.png?tz=Mars/Olympus", "tz"),
        ("1.png?from=yesterday", "from"),
        ("1.png?from=now&to=now-1h", "from/to"),
    ] {
        let resp = get(&server, &format!("/render/d/{DASHBOARD_UID}/{query}")).await;
        assert_eq!(resp.status(), 400, "{query}");
        let body: serde_json::Value = resp.json().await.unwrap();
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{param}:")),
            "{query}: {message}"
        );
    }
}

/// Rendering needs the viewer role: anonymous requests are refused when the anonymous role is
/// none, and an API token with the viewer role works.
#[tokio::test]
async fn needs_the_viewer_role() {
    let server = server_with(&[("PULSEGRID_ANONYMOUS_ROLE", "none")]);
    let path = format!("/render/d/{DASHBOARD_UID}/1.png?width=200&height=100");
    assert_eq!(get(&server, &path).await.status(), 401);
    let token = common::token(&server, "Viewer").await;
    let resp = client()
        .get(server.at(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
