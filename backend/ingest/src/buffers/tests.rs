//! Ring buffer bounds, out-of-order inserts, ages, series limits and query ranges.

use pulsegrid_model::{Labels, SeriesKey, SeriesSelector};

use super::*;

fn series(name: &str, site: &str, points: &[(i64, f64)]) -> Series {
    let labels: Labels = [("site", site)].into_iter().collect();
    let mut s = Series::new(SeriesKey::new(name, labels));
    for &(t, v) in points {
        s.push(t, v);
    }
    s
}

fn all() -> TimeRange {
    TimeRange {
        from_ms: i64::MIN,
        to_ms: i64::MAX,
    }
}

fn apply(b: &mut Buffers, stream: &str, batch: &[Series]) -> usize {
    b.advance(batch, i64::MAX / 2);
    b.apply(stream, batch)
}

#[test]
fn keeps_at_most_max_points_dropping_the_oldest() {
    let mut b = Buffers::new(3, 0, 10);
    let points: Vec<_> = (1..=5).map(|t| (t, t as f64)).collect();
    apply(&mut b, "s", &[series("m", "a", &points)]);
    let got = b.query(None, None, all());
    assert_eq!(got[0].t, [3, 4, 5]);
    assert_eq!(b.points(), 3);
}

#[test]
fn out_of_order_points_are_inserted_in_place_and_same_time_replaces() {
    let mut b = Buffers::new(10, 0, 10);
    apply(&mut b, "s", &[series("m", "a", &[(10, 1.0), (30, 3.0)])]);
    apply(&mut b, "s", &[series("m", "a", &[(20, 2.0), (5, 0.5)])]);
    apply(&mut b, "s", &[series("m", "a", &[(20, 2.5)])]);
    let got = &b.query(None, None, all())[0];
    assert_eq!(got.t, [5, 10, 20, 30]);
    assert_eq!(got.v, [0.5, 1.0, 2.5, 3.0]);
    assert_eq!(b.points(), 4);
}

#[test]
fn a_late_point_older_than_a_full_ring_is_dropped() {
    let mut b = Buffers::new(2, 0, 10);
    apply(&mut b, "s", &[series("m", "a", &[(10, 1.0), (20, 2.0)])]);
    apply(&mut b, "s", &[series("m", "a", &[(5, 0.5)])]);
    assert_eq!(b.query(None, None, all())[0].t, [10, 20]);
    assert_eq!(b.points(), 2);
}

#[test]
fn age_is_measured_from_the_newest_point_in_the_store() {
    let mut b = Buffers::new(100, 1_000, 10);
    apply(
        &mut b,
        "s",
        &[series("old", "a", &[(100, 1.0), (900, 2.0)])],
    );
    // Another series moves the watermark; the old series' first point is now expired.
    apply(&mut b, "s", &[series("new", "a", &[(1_500, 3.0)])]);
    let got = b.query(None, None, all());
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].name, "old");
    assert_eq!(got[1].t, [900]);
    // Points already too old are not stored at all.
    apply(&mut b, "s", &[series("new", "a", &[(10, 9.0)])]);
    assert_eq!(b.query(None, None, all())[0].t, [1_500]);
    // The sweep drops expired points and then empty series.
    apply(&mut b, "s", &[series("new", "a", &[(2_000, 4.0)])]);
    b.sweep();
    assert_eq!(b.series(), 1);
    assert_eq!(b.points(), 2);
}

#[test]
fn watermark_is_capped_near_now() {
    let mut b = Buffers::new(100, 1_000, 10);
    let now = 10_000;
    b.advance(&[series("m", "a", &[(5_000, 1.0)])], now);
    b.apply("s", &[series("m", "a", &[(5_000, 1.0)])]);
    let far_future = [series("m", "a", &[(now * 1_000_000, 2.0)])];
    b.advance(&far_future, now);
    b.apply("s", &far_future);
    assert_eq!(b.cutoff(), now + MAX_FUTURE_MS - 1_000);
}

#[test]
fn series_limit_refuses_new_series_only() {
    let mut b = Buffers::new(10, 0, 2);
    let first = [series("m", "a", &[(1, 1.0)]), series("m", "b", &[(1, 1.0)])];
    let mut reserved = HashSet::new();
    assert!(b.admit("s", &first, &mut reserved).is_none());
    assert_eq!(apply(&mut b, "s", &first), 0);
    let mut reserved = HashSet::new();
    // Known series still fit; a third one does not, in this stream or another.
    assert!(b.admit("s", &first, &mut reserved).is_none());
    let third = [series("m", "a", &[(2, 1.0)]), series("m", "c", &[(2, 1.0)])];
    let refused = b.admit("s", &third, &mut reserved).expect("over the limit");
    assert_eq!(refused.labels.get("site"), Some("c"));
    assert!(b.admit("other", &first[..1], &mut reserved).is_some());
    assert!(!b.has_room_for(1));
    // `apply` enforces the limit too (replay with a lowered limit).
    assert_eq!(apply(&mut b, "s", &third), 1);
    assert_eq!(b.series(), 2);
}

#[test]
fn admit_counts_new_series_reserved_by_earlier_requests_in_the_group() {
    let b = Buffers::new(10, 0, 1);
    let one = [series("m", "a", &[(1, 1.0)])];
    let two = [series("m", "b", &[(1, 1.0)])];
    let mut reserved = HashSet::new();
    assert!(b.admit("s", &one, &mut reserved).is_none());
    assert!(
        b.admit("s", &one, &mut reserved).is_none(),
        "same series again fits"
    );
    assert!(b.admit("s", &two, &mut reserved).is_some());
}

#[test]
fn queries_select_ranges_streams_and_sort_by_key() {
    let mut b = Buffers::new(100, 0, 10);
    let points: Vec<_> = (0..10).map(|i| (i * 10, i as f64)).collect();
    apply(
        &mut b,
        "plant",
        &[series("p", "north", &points), series("p", "east", &points)],
    );
    apply(&mut b, "other", &[series("p", "north", &[(50, 5.0)])]);
    let range = TimeRange {
        from_ms: 20,
        to_ms: 50,
    };
    let got = b.query(Some("plant"), None, range);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].labels.get("site"), Some("east"));
    assert_eq!(got[0].t, [20, 30, 40, 50]);
    let sel = SeriesSelector::parse(r#"p{site="north"}"#).unwrap();
    let got = b.query(None, Some(&sel), range);
    assert_eq!(got.len(), 2, "one per stream, in stream order");
    assert_eq!(got[0].t, [50], "stream other");
    assert_eq!(got[1].t, [20, 30, 40, 50], "stream plant");
    let empty = TimeRange {
        from_ms: 1_000,
        to_ms: 2_000,
    };
    assert!(b.query(None, None, empty).is_empty());
}
