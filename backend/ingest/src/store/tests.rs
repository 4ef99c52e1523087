//! Store behaviours that need the writer held still: overload and group commit.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use pulsegrid_model::Labels;

use super::*;

fn points(n: usize, t0: i64) -> Vec<(SeriesKey, Sample)> {
    let labels: Labels = [("site", "north")].into_iter().collect();
    (0..n)
        .map(|i| {
            let key = SeriesKey::new("line_pressure", labels.clone());
            let sample = Sample {
                t: t0 + i as i64,
                v: i as f64,
            };
            (key, sample)
        })
        .collect()
}

/// Holds the writer's gate from another thread until dropped.
struct Pause {
    release: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Pause {
    fn new(store: &SeriesStore) -> Pause {
        let store = store.clone();
        let (held_tx, held_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let _gate = store.pause_writer();
            let _ = held_tx.send(());
            let _ = release_rx.recv();
        });
        held_rx.recv().expect("gate held");
        Pause {
            release: Some(release),
            thread: Some(thread),
        }
    }
}

impl Drop for Pause {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn queued(store: &SeriesStore) -> usize {
    lock(&store.handle.shared.queue).requests.len()
}

async fn wait_until(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in 5s");
}

fn config(dir: &tempfile::TempDir) -> IngestConfig {
    IngestConfig {
        dir: dir.path().to_owned(),
        max_age_ms: 0,
        ..IngestConfig::default()
    }
}

/// A write that would pass `max_pending_bytes` is refused at once, queuing nothing, and the
/// queue never holds more than the limit (plus the one write admitted into an empty queue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_refused_at_once_without_queuing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(IngestConfig {
        max_pending_bytes: 40_000,
        ..config(&dir)
    })
    .await
    .unwrap();
    let pause = Pause::new(&store);
    let mut admitted = Vec::new();
    let mut refused = 0;
    for i in 0..20 {
        let s = store.clone();
        let batch = points(1000, i * 1000);
        let (tx, rx) = oneshot::channel();
        admitted.push(tokio::spawn(async move {
            let result = s.write("plant", batch).await;
            let _ = tx.send(());
            result
        }));
        // A refused write returns without waiting for the (held) writer.
        let done = tokio::time::timeout(Duration::from_millis(200), rx)
            .await
            .is_ok();
        if done {
            refused += 1;
        }
        let pending = store.stats().pending_bytes;
        assert!(pending <= 40_000 + 20_000, "pending {pending}");
    }
    assert!(refused >= 17, "refused {refused}");
    let stats = store.stats();
    assert_eq!(stats.overloaded_total, refused);
    assert_eq!(queued(&store) as u64, 20 - refused);
    drop(pause);
    let mut overloaded = 0;
    for task in admitted {
        match task.await.unwrap() {
            Ok(()) => {}
            Err(IngestError::Overloaded { retry_after_secs }) => {
                assert!(retry_after_secs >= 1);
                overloaded += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(overloaded, refused);
    assert_eq!(store.stats().pending_bytes, 0);
    store.close().await;
}

/// Writers that queue while the log is busy share one write and one fsync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_are_group_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(config(&dir)).await.unwrap();
    let pause = Pause::new(&store);
    let writes: Vec<_> = (0..50)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move { s.write("plant", points(10, i * 10)).await })
        })
        .collect();
    wait_until(|| queued(&store) == 50).await;
    drop(pause);
    for w in writes {
        w.await.unwrap().unwrap();
    }
    let stats = store.stats();
    assert_eq!(stats.batches_written, 50);
    assert_eq!(stats.points_written, 500);
    assert!(stats.fsyncs < 50, "fsyncs {}", stats.fsyncs);
    assert_eq!(stats.fsyncs, 1);
    assert_eq!(stats.points, 500);
    store.close().await;
}

/// A write that would create series beyond `max_series` is refused whole, and counted;
/// writes to existing series go on.
#[tokio::test]
async fn series_limit_refuses_the_whole_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(IngestConfig {
        max_series: 2,
        ..config(&dir)
    })
    .await
    .unwrap();
    let key = |site: &str| SeriesKey::new("m", [("site", site)].into_iter().collect());
    let sample = Sample { t: 1, v: 1.0 };
    store
        .write("s", vec![(key("a"), sample), (key("b"), sample)])
        .await
        .unwrap();
    let e = store
        .write(
            "s",
            vec![(key("a"), Sample { t: 2, v: 2.0 }), (key("c"), sample)],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, IngestError::SeriesLimit { limit: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains(r#"new series m{site="c"}"#), "{e}");
    let stats = store.stats();
    assert_eq!(stats.series_refused_total, 1);
    assert_eq!(
        (stats.series, stats.points),
        (2, 2),
        "nothing of the refused write stored"
    );
    store
        .write("s", vec![(key("a"), Sample { t: 3, v: 3.0 })])
        .await
        .unwrap();
    store.close().await;
}

#[test]
fn grouping_sorts_by_key_then_time() {
    let k = |n: &str| SeriesKey::new(n, Labels::new());
    let s = |t| Sample { t, v: t as f64 };
    let grouped = group(vec![
        (k("b"), s(2)),
        (k("a"), s(5)),
        (k("b"), s(1)),
        (k("a"), s(3)),
    ]);
    let shape: Vec<_> = grouped
        .iter()
        .map(|s| (s.name.as_str(), s.t.clone()))
        .collect();
    assert_eq!(shape, [("a", vec![3, 5]), ("b", vec![1, 2])]);
}
