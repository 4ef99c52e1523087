//! `pulsegrid render`: a provisioned testdata panel written as PNG and SVG with the options
//! applied, and the exit codes and messages of bad arguments and unknown dashboards.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::json;

/// Runs `pulsegrid render ARGS` with dashboards from `dashboards` and a fresh data dir.
fn render(dashboards: &Path, data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pulsegrid"))
        .arg("render")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PULSEGRID_DASHBOARDS_DIR", dashboards)
        .env("PULSEGRID_DATA_DIR", data)
        .output()
        .expect("run pulsegrid");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dashboards = dir.path().join("dashboards");
    std::fs::create_dir_all(&dashboards).unwrap();
    let dashboard = json!({
        "uid": "cli-render", "title": "CLI render",
        "templating": {"list": [{"name": "line", "type": "custom", "current": {"value": "a"}}]},
        "panels": [{"id": 7, "type": "timeseries", "title": "Line $line",
                    "datasource": {"uid": "testdata"},
                    "targets": [{"refId": "A", "scenarioId": "random_walk", "alias": "walk-$line"}]}]
    });
    std::fs::write(dashboards.join("d.json"), dashboard.to_string()).unwrap();
    dir
}

/// A PNG of the requested size, and an SVG with the variable applied.
#[test]
fn writes_png_and_svg() {
    let dir = fixture();
    let (dashboards, data) = (dir.path().join("dashboards"), dir.path().join("data"));
    let png_path = dir.path().join("out.png");
    let (code, stdout, stderr) = render(
        &dashboards,
        &data,
        &[
            "cli-render",
            "7",
            "-o",
            png_path.to_str().unwrap(),
            "--from",
            "now-30m",
            "--to",
            "now",
            "--width",
            "320",
            "--height",
            "160",
            "--theme",
            "light",
            "--tz",
            "+02:00",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("wrote "), "{stdout}");
    let bytes = std::fs::read(&png_path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes[..]));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (320, 160));

    let svg_path = dir.path().join("out.svg");
    let (code, _, stderr) = render(
        &dashboards,
        &data,
        &[
            "cli-render",
            "7",
            "-o",
            svg_path.to_str().unwrap(),
            "--var",
            "line=b",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"Line b"), "{texts:?}");
    assert!(texts.contains(&"walk-b"), "{texts:?}");
}

/// Unknown dashboards and panels exit 1; bad arguments exit 2, naming the argument.
#[test]
fn errors_and_exit_codes() {
    let dir = fixture();
    let (dashboards, data) = (dir.path().join("dashboards"), dir.path().join("data"));
    let out = dir.path().join("x.png");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], i32, &str); 6] = [
        (&["nope", "1", "-o", out], 1, "dashboard \"nope\" not found"),
        (&["cli-render", "99", "-o", out], 1, "has no panel 99"),
        (&["cli-render", "7", "-o", "x.gif"], 2, "--output"),
        (
            &["cli-render", "7", "-o", out, "--var", "novalue"],
            2,
            "--var",
        ),
        (
            &["cli-render", "7", "-o", out, "--tz", "Nowhere/Land"],
            2,
            "tz:",
        ),
        (&["cli-render", "7", "-o", out, "--width", "0"], 2, "width:"),
    ];
    for (args, expected, message) in cases {
        let (code, _, stderr) = render(&dashboards, &data, args);
        assert_eq!(code, expected, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(!Path::new(out).exists());
}

/// `render --help` documents the command.
#[test]
fn help() {
    let out = Command::new(env!("CARGO_BIN_EXE_pulsegrid"))
        .args(["render", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["--output", "--from", "--var", "--tz", "--theme"] {
        assert!(text.contains(word), "{word}: {text}");
    }
}

/// Series ingested by a running service are drawn by the CLI from the same data dir (read
/// as they are on disk; the service keeps running and writing).
#[tokio::test]
async fn renders_ingested_series_of_a_running_service() {
    let dir = tempfile::tempdir().unwrap();
    let dashboards = dir.path().join("dashboards");
    std::fs::create_dir_all(&dashboards).unwrap();
    let dashboard = json!({
        "uid": "ingested", "title": "Ingested",
        "panels": [{"id": 1, "type": "timeseries", "title": "Pressure",
                    "datasource": {"uid": "pulsegrid"},
                    "targets": [{"refId": "A", "expr": "cli_pressure"}]}]
    });
    std::fs::write(dashboards.join("d.json"), dashboard.to_string()).unwrap();
    let data = dir.path().join("data");
    let server = common::TestServer::builder()
        .dashboards(&dashboards)
        .data_dir(&data)
        .start();
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let lines: String = (0..30)
        .map(|i| {
            format!(
                "cli_pressure,site=north value={} {}\n",
                i % 7,
                now_s - 60 + i
            )
        })
        .collect();
    let resp = common::admin(common::client().post(server.at("/write?db=plant&precision=s")))
        .body(lines)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let svg_path = dir.path().join("ingested.svg");
    let (code, _, stderr) = render(
        &dashboards,
        &data,
        &[
            "ingested",
            "1",
            "-o",
            svg_path.to_str().unwrap(),
            "--from",
            "now-5m",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let legend: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        legend.iter().any(|t| t.contains("north")),
        "the ingested series is drawn: {legend:?}"
    );
    // The service is unaffected and keeps accepting writes.
    let resp = common::admin(common::client().post(server.at("/write?db=plant")))
        .body("cli_pressure,site=north value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}
