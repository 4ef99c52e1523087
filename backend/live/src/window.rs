//! A topic's current window of series, and the pure operations on it: diffing a fresh poll
//! result against what clients already have, merging appended points, and trimming to the
//! window length. No I/O and no locking here, so every rule is unit-tested directly.

use std::collections::HashMap;
use std::sync::Arc;

use pulsegrid_model::{Labels, Series};

/// What a fresh poll result means for clients that hold the previous window.
#[derive(Debug, PartialEq)]
pub(crate) enum PollDiff {
    /// Nothing new: no frame to send.
    Unchanged,
    /// Only new points, per series (series without new points are left out).
    Append(Vec<Series>),
    /// History was rewritten or the set of series changed: send the whole window.
    Replace,
}

/// Compares a poll result over a window starting at `from_ms` with the previous window.
///
/// The old points that fall inside the new window must reappear unchanged at the start of the
/// new series; whatever follows them is new. Anything else (a value changed, a point vanished
/// or was backfilled, a series came or went) is a rewrite and needs a replace.
pub(crate) fn diff_poll(old: &[Series], new: &[Series], from_ms: i64) -> PollDiff {
    if old.len() != new.len() {
        return PollDiff::Replace;
    }
    let by_key: HashMap<(&str, &Labels), &Series> = old
        .iter()
        .map(|s| ((s.name.as_str(), &s.labels), s))
        .collect();
    if by_key.len() != old.len() {
        // Duplicate identities: we cannot tell which is which, so be safe.
        return PollDiff::Replace;
    }
    let mut appended = Vec::new();
    for series in new {
        let Some(previous) = by_key.get(&(series.name.as_str(), &series.labels)) else {
            return PollDiff::Replace;
        };
        let start = previous.t.partition_point(|t| *t < from_ms);
        let kept_t = &previous.t[start..];
        let kept_v = &previous.v[start.min(previous.v.len())..];
        let n = kept_t.len();
        if series.t.len() < n
            || series.v.len() != series.t.len()
            || kept_v.len() != n
            || series.t[..n] != *kept_t
            || !series.v[..n]
                .iter()
                .zip(kept_v)
                .all(|(a, b)| same_value(*a, *b))
        {
            return PollDiff::Replace;
        }
        if series.t.len() > n {
            appended.push(Series {
                name: series.name.clone(),
                labels: series.labels.clone(),
                t: series.t[n..].to_vec(),
                v: series.v[n..].to_vec(),
            });
        }
    }
    if appended.is_empty() {
        PollDiff::Unchanged
    } else {
        PollDiff::Append(appended)
    }
}

fn same_value(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// Merges appended points into the window: into the series with the same identity, or as a
/// new series. Points older than a series' last point are inserted in time order.
pub(crate) fn merge_append(window: &mut Vec<Series>, new: &[Series]) {
    for incoming in new {
        let target = match window
            .iter()
            .position(|s| s.name == incoming.name && s.labels == incoming.labels)
        {
            Some(i) => &mut window[i],
            None => {
                window.push(Series {
                    name: incoming.name.clone(),
                    labels: incoming.labels.clone(),
                    t: Vec::new(),
                    v: Vec::new(),
                });
                let last = window.len() - 1;
                &mut window[last]
            }
        };
        for (t, v) in incoming.t.iter().zip(&incoming.v) {
            if target.t.last().is_none_or(|last| last <= t) {
                target.t.push(*t);
                target.v.push(*v);
            } else {
                let at = target.t.partition_point(|x| x <= t);
                target.t.insert(at, *t);
                target.v.insert(at, *v);
            }
        }
    }
}

/// Drops points older than `min_t`, keeps at most `max_points` per series (the newest), and
/// removes series left empty.
pub(crate) fn trim(window: &mut Vec<Series>, min_t: i64, max_points: usize) {
    for series in window.iter_mut() {
        let old = series.t.partition_point(|t| *t < min_t);
        let over = series
            .t
            .len()
            .saturating_sub(old)
            .saturating_sub(max_points);
        let cut = (old + over).min(series.t.len()).min(series.v.len());
        if cut > 0 {
            series.t.drain(..cut);
            series.v.drain(..cut);
        }
    }
    window.retain(|s| !s.t.is_empty());
}

/// Serializes series as the protocol's `series` array, once per topic event.
pub(crate) fn to_json(series: &[Series]) -> Arc<str> {
    match serde_json::to_string(series) {
        Ok(text) => Arc::from(text),
        Err(e) => {
            // Series hold plain strings and numbers; this cannot fail in practice.
            tracing::error!(error = %e, "could not serialize series");
            Arc::from("[]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsegrid_model::SeriesKey;

    fn series(name: &str, points: &[(i64, f64)]) -> Series {
        let mut s = Series::new(SeriesKey::new(name, Labels::new()));
        for (t, v) in points {
            s.push(*t, *v);
        }
        s
    }

    #[test]
    fn sliding_poll_with_new_points_is_an_append() {
        let old = vec![series("a", &[(10, 1.0), (20, 2.0), (30, 3.0)])];
        let new = vec![series(
            "a",
            &[(20, 2.0), (30, 3.0), (40, 4.0), (50, f64::NAN)],
        )];
        match diff_poll(&old, &new, 15) {
            PollDiff::Append(s) => {
                assert_eq!(s[0].t, vec![40, 50]);
                assert!(s[0].v[1].is_nan());
            }
            other => panic!("expected append, got {other:?}"),
        }
    }

    #[test]
    fn identical_poll_is_unchanged() {
        let old = vec![series("a", &[(10, 1.0), (20, f64::NAN)])];
        assert_eq!(diff_poll(&old, &old.clone(), 0), PollDiff::Unchanged);
    }

    #[test]
    fn rewritten_history_or_new_series_is_a_replace() {
        let old = vec![series("a", &[(10, 1.0), (20, 2.0)])];
        let changed = vec![series("a", &[(10, 1.0), (20, 2.5), (30, 3.0)])];
        assert_eq!(diff_poll(&old, &changed, 0), PollDiff::Replace);
        let renamed = vec![series("b", &[(10, 1.0), (20, 2.0)])];
        assert_eq!(diff_poll(&old, &renamed, 0), PollDiff::Replace);
        let more = vec![series("a", &[(10, 1.0)]), series("b", &[(10, 1.0)])];
        assert_eq!(diff_poll(&old, &more, 0), PollDiff::Replace);
        let backfilled = vec![series("a", &[(5, 0.0), (10, 1.0), (20, 2.0)])];
        assert_eq!(diff_poll(&old, &backfilled, 0), PollDiff::Replace);
    }

    #[test]
    fn merge_appends_in_order_and_adds_series() {
        let mut window = vec![series("a", &[(10, 1.0), (30, 3.0)])];
        merge_append(
            &mut window,
            &[
                series("a", &[(20, 2.0), (40, 4.0)]),
                series("b", &[(5, 9.0)]),
            ],
        );
        assert_eq!(window[0].t, vec![10, 20, 30, 40]);
        assert_eq!(window[0].v, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(window[1].t, vec![5]);
    }

    #[test]
    fn trim_by_time_and_count_drops_empty_series() {
        let mut window = vec![
            series("a", &[(10, 1.0), (20, 2.0), (30, 3.0), (40, 4.0)]),
            series("b", &[(5, 1.0)]),
        ];
        trim(&mut window, 15, 2);
        assert_eq!(window.len(), 1);
        assert_eq!(window[0].t, vec![30, 40]);
        assert_eq!(window[0].v, vec![3.0, 4.0]);
    }

    #[test]
    fn json_is_the_protocol_series_array() {
        let json = to_json(&[series("a", &[(1, 2.0)])]);
        assert_eq!(&*json, r#"[{"name":"a","labels":{},"t":[1],"v":[2.0]}]"#);
    }
}
