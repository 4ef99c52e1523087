//! Provisioner behaviour without a server: last good version, uid derivation, removals.

use std::sync::Arc;

use super::DashboardProvisioner;
use crate::metrics::Metrics;

fn provisioner(dir: &std::path::Path) -> DashboardProvisioner {
    DashboardProvisioner::new(dir, Arc::new(Metrics::new()))
}

#[test]
fn keeps_last_good_version_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.json");
    std::fs::write(&file, r#"{"uid": "d", "title": "One"}"#).unwrap();
    let p = provisioner(dir.path());
    p.rescan(true);
    assert_eq!(p.get("d").unwrap().dashboard.title(), "One");

    std::fs::write(&file, r#"{"uid": "d", "title": }"#).unwrap();
    p.rescan(true);
    assert_eq!(p.get("d").unwrap().dashboard.title(), "One");
    let errors = p.errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].serving_last_good);
    assert!(
        errors[0].message.starts_with("d.json:1:"),
        "{}",
        errors[0].message
    );

    std::fs::write(&file, r#"{"uid": "d", "title": "Two"}"#).unwrap();
    p.rescan(true);
    assert_eq!(p.get("d").unwrap().dashboard.title(), "Two");
    assert!(p.errors().is_empty());

    std::fs::remove_file(&file).unwrap();
    p.rescan(false);
    assert!(p.get("d").is_none());
}

#[test]
fn file_without_uid_gets_one_from_its_path_and_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ops")).unwrap();
    std::fs::write(dir.path().join("ops/cpu load.json"), r#"{"title": "CPU"}"#).unwrap();
    let p = provisioner(dir.path());
    p.rescan(false);
    let d = p.get("ops-cpu-load").expect("derived uid");
    assert_eq!(d.folder, "ops");
    assert_eq!(d.file, "ops/cpu load.json");
    assert_eq!(d.dashboard.uid(), Some("ops-cpu-load"));
}

#[test]
fn missing_directory_is_empty_not_an_error() {
    let p = provisioner(std::path::Path::new("/nonexistent/pulsegrid"));
    p.rescan(true);
    assert!(p.list().is_empty());
    assert!(p.errors().is_empty());
}
