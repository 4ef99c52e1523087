//! Agreement with Alertmanager's own tool. When `/usr/bin/amtool` is installed (Debian package
//! `prometheus-alertmanager`), every file in `testdata/alertmanager/configs/` must get the same
//! verdict (valid or not) from `amtool check-config` and from [`Config::parse`], and every
//! alert in `testdata/alertmanager/routing/cases.txt` must be routed by
//! `amtool config routes test` to the same receivers as by [`Route::matching`]. Without
//! amtool the test says so and checks our verdicts against the file names (`valid-*`,
//! `invalid-*`) only.

use std::path::{Path, PathBuf};
use std::process::Command;

use pulsegrid_alerting::notify::matchers::parse_matcher;
use pulsegrid_alerting::notify::{Config, Route};
use pulsegrid_model::Labels;

const AMTOOL: &str = "/usr/bin/amtool";

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/alertmanager")
}

fn amtool_available() -> bool {
    Path::new(AMTOOL).exists()
}

#[test]
fn check_config_verdicts_agree() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata().join("configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "corpus too small: {}", files.len());
    let with_amtool = amtool_available();
    if !with_amtool {
        eprintln!(
            "{AMTOOL} not found: comparing with file names only (apt-get install prometheus-alertmanager)"
        );
    }
    let mut disagreements = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let ours = Config::load(file);
        let theirs = if with_amtool {
            Command::new(AMTOOL)
                .arg("check-config")
                .arg(file)
                .output()
                .unwrap()
                .status
                .success()
        } else {
            name.starts_with("valid-")
        };
        assert_eq!(
            name.starts_with("valid-"),
            theirs,
            "{name}: the file name does not match amtool's verdict"
        );
        if ours.is_ok() != theirs {
            disagreements.push(format!("{name}: amtool valid={theirs}, ours={ours:?}"));
        }
        if let Err(e) = &ours {
            // Errors name the file.
            assert!(e.to_string().contains(&name), "{e}");
            eprintln!("  {e}");
        }
    }
    eprintln!(
        "check-config: {}/{} verdicts agree ({})",
        files.len() - disagreements.len(),
        files.len(),
        if with_amtool { "amtool" } else { "file names" }
    );
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn routing_agrees() {
    let dir = testdata().join("routing");
    let config_path = dir.join("tree.yml");
    let route = Route::new(&Config::load(&config_path).unwrap().route);
    let cases = std::fs::read_to_string(dir.join("cases.txt")).unwrap();
    let with_amtool = amtool_available();
    let mut total = 0;
    let mut disagreements = Vec::new();
    for line in cases.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        total += 1;
        let args: Vec<&str> = line.split_whitespace().collect();
        let labels: Labels = args
            .iter()
            .map(|a| {
                let m = parse_matcher(a).unwrap();
                (m.name().to_owned(), m.value().to_owned())
            })
            .collect();
        let ours: Vec<&str> = route
            .matching(&labels)
            .iter()
            .map(|r| r.receiver.as_str())
            .collect();
        let ours = ours.join(",");
        if !with_amtool {
            assert!(!ours.is_empty(), "{line}");
            continue;
        }
        let out = Command::new(AMTOOL)
            .args(["config", "routes", "test"])
            .arg(format!("--config.file={}", config_path.display()))
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let theirs = stdout
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("");
        if theirs != ours {
            disagreements.push(format!("{line}: amtool {theirs:?}, ours {ours:?}"));
        }
    }
    assert!(total >= 20);
    eprintln!(
        "routes test: {}/{total} receiver lists agree{}",
        total - disagreements.len(),
        if with_amtool {
            ""
        } else {
            " (amtool missing: not compared)"
        }
    );
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
