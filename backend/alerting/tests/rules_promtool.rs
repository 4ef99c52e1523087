//! The rule file corpus (`testdata/rules/`) against `promtool check rules`: on every
//! Prometheus-format file our verdict (valid or invalid) must equal promtool's, and each file
//! must sit in the folder of its verdict. Pulsegrid rules (`pulsegrid/`), which promtool does not
//! know, and Prometheus 3 fields (`prometheus3/`), which the Debian promtool 2.42 predates, are
//! judged by their folder alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use pulsegrid_alerting::rules::check::check_file;

const PROMTOOL: &str = "/usr/bin/promtool";

fn corpus(sub: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/rules")
        .join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    files
}

/// Our verdict on every corpus file matches its folder.
#[test]
fn corpus_files_sit_in_the_folder_of_their_verdict() {
    let mut wrong = Vec::new();
    for (sub, valid) in [
        ("valid", true),
        ("invalid", false),
        ("pulsegrid/valid", true),
        ("pulsegrid/invalid", false),
        ("prometheus3", true),
    ] {
        let files = corpus(sub);
        assert!(!files.is_empty(), "{sub} is empty");
        for f in files {
            let report = check_file(&f);
            if report.is_valid() != valid {
                wrong.push(format!(
                    "{}: {:?}",
                    f.display(),
                    report
                        .errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                ));
            }
            // Every error names its file.
            assert!(
                report
                    .errors
                    .iter()
                    .all(|e| e.to_string().starts_with(&f.display().to_string()))
            );
        }
    }
    assert!(wrong.is_empty(), "misplaced:\n{}", wrong.join("\n"));
}

/// Our verdict equals promtool's on every Prometheus-format file.
#[test]
fn verdicts_agree_with_promtool() {
    if !Path::new(PROMTOOL).exists() {
        eprintln!("SKIPPED: {PROMTOOL} is missing (apt-get install prometheus)");
        return;
    }
    let mut disagree = Vec::new();
    let mut n = 0;
    for f in corpus("valid").into_iter().chain(corpus("invalid")) {
        let out = Command::new(PROMTOOL)
            .args(["check", "rules"])
            .arg(&f)
            .output()
            .unwrap_or_else(|e| panic!("running promtool: {e}"));
        let theirs = out.status.success();
        let report = check_file(&f);
        n += 1;
        if theirs != report.is_valid() {
            disagree.push(format!(
                "{}: promtool {} ({}), we {} ({:?})",
                f.display(),
                if theirs { "valid" } else { "invalid" },
                String::from_utf8_lossy(&out.stdout).trim(),
                if report.is_valid() {
                    "valid"
                } else {
                    "invalid"
                },
                report
                    .errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
        }
    }
    eprintln!("promtool agreement: {}/{n} files", n - disagree.len());
    assert!(
        disagree.is_empty(),
        "disagreements:\n{}",
        disagree.join("\n")
    );
}
