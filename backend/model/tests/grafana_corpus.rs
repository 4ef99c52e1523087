//! Real Grafana dashboards (`/work/shared/grafana-dashboards`, see its README) load as users
//! have them: each parses, validates, and comes back unchanged, unknown fields included.

use std::fs;
use std::path::{Path, PathBuf};

use pulsegrid_model::{Dashboard, ModelError, is_valid_uid};
use serde_json::Value;

/// The corpus's `*.json` files, sorted; `None` (with a note) when the corpus is absent.
fn corpus() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/grafana-dashboards");
    let Ok(entries) = fs::read_dir(&dir) else {
        eprintln!(
            "note: {} not found; skipping the Grafana corpus",
            dir.display()
        );
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json in {}", dir.display());
    Some(files)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The number of panels in `panels`, counting those nested in rows.
fn count_panels(panels: &Value) -> usize {
    panels.as_array().map_or(0, |panels| {
        panels
            .iter()
            .map(|panel| 1 + count_panels(&panel["panels"]))
            .sum()
    })
}

#[test]
fn every_dashboard_round_trips_unchanged() {
    let Some(files) = corpus() else { return };
    for path in files {
        let origin = path.display().to_string();
        let text = read(&path);
        let original: Value = serde_json::from_str(&text).expect("corpus file is JSON");
        let dashboard = Dashboard::from_json_str(&text, &origin)
            .unwrap_or_else(|e| panic!("{origin} must load: {e}"));
        assert_eq!(dashboard.json(), &original, "{origin}");
        assert_eq!(dashboard.into_json(), original, "{origin}");
    }
}

#[test]
fn every_dashboard_exposes_uid_title_and_panels() {
    let Some(files) = corpus() else { return };
    for path in files {
        let origin = path.display().to_string();
        let dashboard = Dashboard::from_json_str(&read(&path), &origin).expect("loads");
        let uid = dashboard
            .uid()
            .unwrap_or_else(|| panic!("{origin} has a uid"));
        assert!(is_valid_uid(uid), "{origin}: {uid}");
        assert!(!dashboard.title().is_empty(), "{origin}");

        let panels = dashboard.panels();
        assert_eq!(
            panels.len(),
            count_panels(&dashboard.json()["panels"]),
            "{origin}"
        );
        assert!(!panels.is_empty(), "{origin}");
        for panel in &panels {
            let found = dashboard
                .panel(panel.id)
                .expect("each panel is found by id");
            assert!(
                std::ptr::eq(found.raw, panel.raw),
                "{origin}: panel {}",
                panel.id
            );
            assert!(!panel.kind.is_empty(), "{origin}: panel {}", panel.id);
        }
    }
}

#[test]
fn nested_row_panels_are_listed_after_their_row() {
    let Some(files) = corpus() else { return };
    let mut rows_with_children = 0;
    for path in files {
        let dashboard = Dashboard::from_json_str(&read(&path), "corpus").expect("loads");
        let panels = dashboard.panels();
        for (i, panel) in panels.iter().enumerate() {
            let nested = panel.raw["panels"].as_array().filter(|_| panel.is_row());
            let Some(nested) = nested.filter(|nested| !nested.is_empty()) else {
                continue;
            };
            rows_with_children += 1;
            for (j, child) in nested.iter().enumerate() {
                assert!(std::ptr::eq(panels[i + 1 + j].raw, child));
            }
        }
    }
    assert!(rows_with_children > 0, "the corpus has collapsed rows");
}

#[test]
fn syntax_error_in_a_real_dashboard_points_at_the_line() {
    let Some(files) = corpus() else { return };
    let text = read(&files[0]);
    // Break line 10 (1-based) by putting a stray token at its end.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[9].push_str(" @");
    let column = lines[9].len();
    let broken = lines.join("\n");
    match Dashboard::from_json_str(&broken, "broken.json") {
        Err(ModelError::Syntax {
            origin,
            line,
            column: found,
            ..
        }) => {
            assert_eq!(origin, "broken.json");
            assert_eq!((line, found), (10, column));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}
