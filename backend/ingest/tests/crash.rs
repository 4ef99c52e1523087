//! An acknowledged write survives `kill -9`: a child process (this test binary, re-run with
//! an environment variable) writes from several tasks and prints `acked` after each
//! acknowledged write; the parent SIGKILLs it mid-stream, reopens the store and checks that
//! every acknowledged point is there.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use pulsegrid_ingest::{IngestConfig, SeriesStore};
use pulsegrid_model::{Labels, Sample, SeriesKey, SeriesSelector, TimeRange};

const CHILD_DIR: &str = "PULSEGRID_INGEST_CRASH_CHILD_DIR";
const WRITERS: usize = 4;
const POINTS: i64 = 100;

fn config(dir: &Path) -> IngestConfig {
    IngestConfig {
        dir: dir.to_owned(),
        max_age_ms: 0,
        max_points_per_series: 10_000_000,
        ..IngestConfig::default()
    }
}

fn key(writer: usize) -> SeriesKey {
    SeriesKey::new(
        "crash",
        [("writer", writer.to_string())]
            .into_iter()
            .collect::<Labels>(),
    )
}

/// Batch `i` of a writer: points `i*100 .. i*100+100`.
fn batch(writer: usize, i: i64) -> Vec<(SeriesKey, Sample)> {
    (i * POINTS..(i + 1) * POINTS)
        .map(|t| (key(writer), Sample { t, v: t as f64 }))
        .collect()
}

/// The child: runs only when the parent sets the environment variable.
#[test]
fn crash_child_writes_until_killed() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let store = SeriesStore::open(config(Path::new(&dir)))
            .await
            .expect("open");
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0.. {
                        store.write("crash", batch(w, i)).await.expect("write");
                        println!("acked {w} {i}");
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    });
}

#[test]
fn acked_writes_survive_kill_9() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child_writes_until_killed",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut acked = BTreeSet::new();
    let parse = |acked: &mut BTreeSet<(usize, i64)>, line: &str| {
        if let Some(rest) = line.strip_prefix("acked ") {
            let mut parts = rest.split(' ');
            let w: usize = parts.next().unwrap().parse().unwrap();
            let i: i64 = parts.next().unwrap().parse().unwrap();
            acked.insert((w, i));
        }
    };
    for line in lines.by_ref() {
        parse(&mut acked, &line.unwrap());
        if acked.len() >= 200 {
            break;
        }
    }
    // Kill right after an acknowledgement, while the other writers are mid-write.
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
    // Acks printed before the kill are still in the pipe: they count too.
    for line in lines {
        parse(&mut acked, &line.unwrap());
    }
    assert!(acked.len() >= 200, "child acked only {}", acked.len());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SeriesStore::open(config(dir.path())).await.unwrap();
        let all = TimeRange {
            from_ms: i64::MIN,
            to_ms: i64::MAX,
        };
        for w in 0..WRITERS {
            let sel = SeriesSelector::parse(&format!(r#"crash{{writer="{w}"}}"#)).unwrap();
            let got: BTreeSet<i64> = store
                .query(&sel, all)
                .into_iter()
                .flat_map(|s| s.t)
                .collect();
            for &(_, i) in acked.iter().filter(|(aw, _)| *aw == w) {
                for t in i * POINTS..(i + 1) * POINTS {
                    assert!(
                        got.contains(&t),
                        "writer {w} batch {i}: acked point {t} lost"
                    );
                }
            }
        }
        // Still writable after the crash.
        store.write("crash", batch(0, 1_000_000)).await.unwrap();
        store.close().await;
    });
}
