//! The store as its users see it: writes, queries, subscriptions, restart, torn tails,
//! retention and snapshots.

use std::path::Path;
use std::time::Duration;

use pulsegrid_ingest::{IngestConfig, IngestError, SeriesStore};
use pulsegrid_model::{Labels, Sample, SeriesKey, SeriesSelector, TimeRange};

const ALL: TimeRange = TimeRange {
    from_ms: i64::MIN,
    to_ms: i64::MAX,
};

fn key(name: &str, site: &str) -> SeriesKey {
    SeriesKey::new(name, [("site", site)].into_iter().collect::<Labels>())
}

fn batch(name: &str, site: &str, times: impl IntoIterator<Item = i64>) -> Vec<(SeriesKey, Sample)> {
    times
        .into_iter()
        .map(|t| {
            (
                key(name, site),
                Sample {
                    t,
                    v: t as f64 / 2.0,
                },
            )
        })
        .collect()
}

fn config(dir: &Path) -> IngestConfig {
    IngestConfig {
        dir: dir.to_owned(),
        max_age_ms: 0,
        ..IngestConfig::default()
    }
}

fn times(store: &SeriesStore, selector: &str) -> Vec<i64> {
    let sel = SeriesSelector::parse(selector).unwrap();
    store
        .query(&sel, ALL)
        .into_iter()
        .flat_map(|s| s.t)
        .collect()
}

fn segments(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn written_points_are_queryable_by_selector_and_stream() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(config(dir.path())).await.unwrap();
    store
        .write("plant", batch("line_pressure", "north", [1, 2, 3]))
        .await
        .unwrap();
    store
        .write("plant", batch("line_pressure", "south", [2]))
        .await
        .unwrap();
    store
        .write("lab", batch("line_pressure", "north", [9]))
        .await
        .unwrap();
    let sel = SeriesSelector::parse(r#"line_pressure{site="north"}"#).unwrap();
    let got = store.query(
        &sel,
        TimeRange {
            from_ms: 2,
            to_ms: 9,
        },
    );
    assert_eq!(got.len(), 2, "same key in two streams is two series");
    assert_eq!((got[0].t.clone(), got[1].t.clone()), (vec![9], vec![2, 3]));
    assert_eq!(got[1].v, [1.0, 1.5]);
    let plant = store.query_stream("plant", ALL);
    let sites: Vec<_> = plant
        .iter()
        .map(|s| s.labels.get("site").unwrap())
        .collect();
    assert_eq!(sites, ["north", "south"]);
    assert!(store.query_stream("nope", ALL).is_empty());
    let stats = store.stats();
    assert_eq!(
        (stats.series, stats.points, stats.batches_written),
        (3, 5, 3)
    );
    store.close().await;
}

#[tokio::test]
async fn subscribers_get_each_acknowledged_batch_after_it_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(config(dir.path())).await.unwrap();
    let mut rx = store.subscribe();
    let mut points = batch("m", "a", [5, 4]);
    points.extend(batch("m", "b", [7]));
    store.write("plant", points).await.unwrap();
    let got = rx.recv().await.unwrap();
    assert_eq!(got.stream, "plant");
    assert_eq!(got.series.len(), 2);
    assert_eq!(got.series[0].t, [4, 5], "grouped per series, ascending");
    assert_eq!(times(&store, "m"), [4, 5, 7], "applied before published");
    store.close().await;
}

#[tokio::test]
async fn writes_after_close_and_bad_streams_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(config(dir.path())).await.unwrap();
    let e = store.write("", batch("m", "a", [1])).await.unwrap_err();
    assert!(matches!(e, IngestError::InvalidStream { .. }), "{e}");
    store.write("s", Vec::new()).await.unwrap();
    store.close().await;
    store.close().await;
    let e = store.write("s", batch("m", "a", [1])).await.unwrap_err();
    assert!(matches!(e, IngestError::Closed), "{e}");
}

#[tokio::test]
async fn restart_keeps_history_and_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = IngestConfig {
        max_points_per_series: 5,
        ..config(dir.path())
    };
    let store = SeriesStore::open(cfg.clone()).await.unwrap();
    store.write("plant", batch("m", "a", 0..4)).await.unwrap();
    store
        .write("plant", batch("m", "a", [10, 2, 11]))
        .await
        .unwrap();
    store.close().await;
    drop(store);
    let store = SeriesStore::open(cfg.clone()).await.unwrap();
    assert_eq!(
        times(&store, "m"),
        [1, 2, 3, 10, 11],
        "2 replaced, 0 beyond the bound"
    );
    store.write("plant", batch("m", "a", [12])).await.unwrap();
    drop(store); // dropping the last handle also flushes
    tokio::time::sleep(Duration::from_millis(100)).await;
    let store = SeriesStore::open(cfg).await.unwrap();
    assert_eq!(times(&store, "m"), [2, 3, 10, 11, 12]);
    store.close().await;
}

/// A record cut short by a crash, or garbage after the last record, is cut off with a
/// warning; everything before it is kept and new writes go on.
#[tokio::test]
async fn torn_tail_is_truncated_at_the_last_good_record() {
    for damage in ["cut", "garbage", "flipped"] {
        let dir = tempfile::tempdir().unwrap();
        let store = SeriesStore::open(config(dir.path())).await.unwrap();
        for t in 0..3 {
            store.write("plant", batch("m", "a", [t])).await.unwrap();
        }
        store.close().await;
        drop(store);
        let segment = segments(dir.path()).pop().unwrap();
        let good = std::fs::metadata(&segment).unwrap().len();
        let mut bytes = std::fs::read(&segment).unwrap();
        // Three records of the same size after the 8-byte segment header.
        let record_len = (good - 8) / 3;
        match damage {
            "cut" => bytes.truncate(bytes.len() - 5),
            "garbage" => bytes.extend_from_slice(&[0x55; 11]),
            _ => {
                let n = bytes.len();
                bytes[n - 3] ^= 0x40;
            }
        }
        std::fs::write(&segment, &bytes).unwrap();

        let store = SeriesStore::open(config(dir.path())).await.unwrap();
        let expected: &[i64] = if damage == "garbage" {
            &[0, 1, 2]
        } else {
            &[0, 1]
        };
        assert_eq!(times(&store, "m"), expected, "{damage}");
        let repaired = std::fs::metadata(&segment).unwrap().len();
        if damage == "garbage" {
            assert_eq!(repaired, good);
        } else {
            assert_eq!(repaired, good - record_len, "{damage}");
        }
        store.write("plant", batch("m", "a", [7])).await.unwrap();
        store.close().await;
        drop(store);
        let store = SeriesStore::open(config(dir.path())).await.unwrap();
        assert_eq!(times(&store, "m").last(), Some(&7), "{damage}");
        store.close().await;
    }
}

/// A segment that is not a Pulsegrid log is an error naming the file, not silently dropped.
#[tokio::test]
async fn foreign_file_in_the_log_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("wal")).unwrap();
    std::fs::write(
        dir.path().join("wal/00000000000000000001.wal"),
        b"not a wal file",
    )
    .unwrap();
    let e = SeriesStore::open(config(dir.path())).await.unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("00000000000000000001.wal: at byte 0: expected a Pulsegrid WAL segment"),
        "{message}"
    );
}

/// Segments whose every point is past the age limit are deleted.
#[tokio::test]
async fn expired_segments_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(IngestConfig {
        max_age_ms: 1_000,
        segment_bytes: 4096,
        ..config(dir.path())
    })
    .await
    .unwrap();
    for i in 0..40 {
        store
            .write("plant", batch("m", "a", i * 20..i * 20 + 20))
            .await
            .unwrap();
    }
    let before = store.stats().wal_segments;
    assert!(before >= 3, "{before} segments");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // Move the watermark far ahead; the next commit sweeps.
    store
        .write("plant", batch("m", "a", [100_000]))
        .await
        .unwrap();
    // The sweep runs right after that commit is acknowledged.
    let mut stats = store.stats();
    for _ in 0..200 {
        if stats.wal_segments < before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        stats = store.stats();
    }
    assert!(
        stats.wal_segments < before,
        "{} of {before} segments left",
        stats.wal_segments
    );
    assert_eq!(stats.points, 1);
    assert_eq!(segments(dir.path()).len() as u64, stats.wal_segments);
    store.close().await;
}

/// Snapshots replace the log they cover, and a restart reads snapshot plus log.
#[tokio::test]
async fn snapshots_bound_the_log_and_restore_everything() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = IngestConfig {
        segment_bytes: 4096,
        snapshot_after_bytes: 8192,
        ..config(dir.path())
    };
    let store = SeriesStore::open(cfg.clone()).await.unwrap();
    for i in 0..100 {
        store
            .write("plant", batch("m", "a", i * 10..i * 10 + 10))
            .await
            .unwrap();
        store
            .write("lab", batch("m", &format!("s{i}"), [i]))
            .await
            .unwrap();
    }
    let stats = store.stats();
    assert!(stats.snapshots_written >= 1, "{stats:?}");
    let snapshots: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".snap"))
        .collect();
    assert_eq!(snapshots.len(), 1, "older snapshots are deleted");
    // About 30 KB were logged; a snapshot replaced most of it.
    assert!(stats.wal_bytes < 20_000, "log bounded: {stats:?}");
    store.close().await;
    drop(store);
    let store = SeriesStore::open(cfg).await.unwrap();
    assert_eq!(
        times(&store, r#"m{site="a"}"#),
        (0..1000).collect::<Vec<_>>()
    );
    assert_eq!(store.query_stream("lab", ALL).len(), 100);
    store.close().await;
}

/// A second process (`pulsegrid render`) reads what the service wrote, while the service keeps
/// the log open, and changes nothing on disk: not even a torn tail, which may be a record
/// being written.
#[tokio::test]
async fn read_only_open_sees_acknowledged_points_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SeriesStore::open(config(dir.path())).await.unwrap();
    store
        .write("plant", batch("temp", "north", [1_000, 2_000]))
        .await
        .unwrap();
    let reader = SeriesStore::open_read_only(config(dir.path()))
        .await
        .unwrap();
    assert_eq!(times(&reader, "temp"), [1_000, 2_000]);
    // Writes are refused; the owner goes on.
    assert!(matches!(
        reader.write("plant", batch("temp", "north", [3_000])).await,
        Err(IngestError::Closed)
    ));
    store
        .write("plant", batch("temp", "north", [3_000]))
        .await
        .unwrap();
    // A half-written record at the end of the active segment is left alone.
    let active = segments(dir.path()).pop().unwrap();
    let before = std::fs::metadata(&active).unwrap().len();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&active)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &[0x01, 0x02, 0x03]))
        .unwrap();
    let files = segments(dir.path());
    let reader = SeriesStore::open_read_only(config(dir.path()))
        .await
        .unwrap();
    assert_eq!(times(&reader, "temp"), [1_000, 2_000, 3_000]);
    reader.close().await;
    assert_eq!(segments(dir.path()), files);
    assert_eq!(std::fs::metadata(&active).unwrap().len(), before + 3);
    store.close().await;
    // A directory that does not exist is an empty store, and is not created.
    let missing = dir.path().join("nothing-here");
    let reader = SeriesStore::open_read_only(config(&missing)).await.unwrap();
    assert!(times(&reader, "temp").is_empty());
    assert!(!missing.exists());
}
