//! Rows to series by Grafana's SQL rules: a `time` column; each numeric column is a series
//! named after it; a text `metric` column names the series instead; other text columns
//! become labels. `$__timeGroup` fill adds the buckets that have no row.

use std::collections::HashMap;

use pulsegrid_model::{Labels, Series, SeriesKey, TimeRange};

use super::decode::{Cell, ColumnKind};
use crate::error::{Result, SourceError};
use crate::macros::SqlFill;

/// How the rows are read (`format` of the target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A `time` column is required; points at its times.
    TimeSeries,
    /// No time column needed: each row's values are points at the time column's value, or at
    /// the end of the range (a stat of "now").
    Table,
}

/// Builds the series of a result.
pub(crate) fn to_series(
    columns: &[(String, ColumnKind)],
    rows: &[Vec<Cell>],
    format: Format,
    range: TimeRange,
    fill: Option<(SqlFill, i64)>,
) -> Result<Vec<Series>> {
    let time_at = columns
        .iter()
        .position(|(name, _)| name.eq_ignore_ascii_case("time"))
        .or_else(|| {
            columns
                .iter()
                .position(|(_, kind)| *kind == ColumnKind::Time)
        });
    if format == Format::TimeSeries && time_at.is_none() {
        let found: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        return Err(SourceError::InvalidQuery(format!(
            "format time_series needs a column named `time` (a timestamp or epoch number), \
             found columns {found:?}; use $__time(col) or `format: table`"
        )));
    }
    let metric_at = columns
        .iter()
        .position(|(name, kind)| name.eq_ignore_ascii_case("metric") && *kind == ColumnKind::Text);
    let value_cols: Vec<usize> = (0..columns.len())
        .filter(|i| Some(*i) != time_at && columns[*i].1 == ColumnKind::Number)
        .collect();
    let label_cols: Vec<usize> = (0..columns.len())
        .filter(|i| {
            Some(*i) != time_at && Some(*i) != metric_at && columns[*i].1 == ColumnKind::Text
        })
        .collect();
    if value_cols.is_empty() {
        let found: Vec<String> = columns
            .iter()
            .map(|(n, k)| format!("{n} ({k:?})"))
            .collect();
        return Err(SourceError::InvalidQuery(format!(
            "the query returns no numeric value column; found {}",
            found.join(", ")
        )));
    }

    let mut out: Vec<Series> = Vec::new();
    let mut index: HashMap<SeriesKey, usize> = HashMap::new();
    for row in rows {
        let t = match time_at.map(|i| &row[i]) {
            Some(Cell::Time(ms)) => *ms,
            Some(Cell::Number(n)) => epoch_to_ms(*n),
            Some(_) => continue,
            None => range.to_ms,
        };
        let labels: Labels = label_cols
            .iter()
            .filter_map(|i| match &row[*i] {
                Cell::Text(v) => Some((columns[*i].0.as_str(), v.as_str())),
                _ => None,
            })
            .collect();
        let metric = metric_at.and_then(|i| match &row[i] {
            Cell::Text(m) => Some(m.as_str()),
            _ => None,
        });
        for &col in &value_cols {
            let column = columns[col].0.as_str();
            let name = match metric {
                Some(m) if value_cols.len() == 1 => m.to_owned(),
                Some(m) => format!("{m} {column}"),
                None => column.to_owned(),
            };
            let key = SeriesKey::new(name, labels.clone());
            let at = *index.entry(key.clone()).or_insert_with(|| {
                out.push(Series::new(key));
                out.len() - 1
            });
            let v = match &row[col] {
                Cell::Number(v) => *v,
                _ => f64::NAN,
            };
            out[at].push(t, v);
        }
    }
    for series in &mut out {
        sort_by_time(series);
        if let (Format::TimeSeries, Some((how, bucket_ms))) = (format, fill) {
            fill_buckets(series, how, bucket_ms, range);
        }
    }
    Ok(out)
}

/// An epoch number in seconds, ms, µs or ns (by magnitude, as Grafana guesses) to unix ms.
pub(crate) fn epoch_to_ms(n: f64) -> i64 {
    let a = n.abs();
    let ms = if a < 1e11 {
        n * 1e3
    } else if a < 1e14 {
        n
    } else if a < 1e17 {
        n / 1e3
    } else {
        n / 1e6
    };
    ms.round() as i64
}

fn sort_by_time(series: &mut Series) {
    if series.t.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    let mut points: Vec<(i64, f64)> = series
        .t
        .iter()
        .copied()
        .zip(series.v.iter().copied())
        .collect();
    points.sort_by_key(|(t, _)| *t);
    series.t = points.iter().map(|(t, _)| *t).collect();
    series.v = points.iter().map(|(_, v)| *v).collect();
}

/// Adds a point for every bucket of the range that has none.
fn fill_buckets(series: &mut Series, how: SqlFill, bucket_ms: i64, range: TimeRange) {
    let mut filled = Series::new(series.key());
    let mut at = 0;
    let mut previous = f64::NAN;
    let keep = |filled: &mut Series, previous: &mut f64, at: usize| {
        *previous = series.v[at];
        filled.push(series.t[at], series.v[at]);
    };
    let mut t = range.from_ms.div_euclid(bucket_ms) * bucket_ms;
    while t <= range.to_ms {
        // Rows off the bucket grid are kept as they are.
        while at < series.len() && series.t[at] < t {
            keep(&mut filled, &mut previous, at);
            at += 1;
        }
        if at < series.len() && series.t[at] == t {
            keep(&mut filled, &mut previous, at);
            at += 1;
        } else {
            let v = match how {
                SqlFill::Null => f64::NAN,
                SqlFill::Previous => previous,
                SqlFill::Value(v) => v,
            };
            filled.push(t, v);
        }
        t += bucket_ms;
    }
    while at < series.len() {
        keep(&mut filled, &mut previous, at);
        at += 1;
    }
    *series = filled;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(spec: &[(&str, ColumnKind)]) -> Vec<(String, ColumnKind)> {
        spec.iter().map(|(n, k)| ((*n).to_owned(), *k)).collect()
    }

    #[test]
    fn metric_column_and_labels() {
        let c = cols(&[
            ("time", ColumnKind::Time),
            ("metric", ColumnKind::Text),
            ("v", ColumnKind::Number),
            ("site", ColumnKind::Text),
        ]);
        let rows = vec![
            vec![
                Cell::Time(2000),
                Cell::Text("p".into()),
                Cell::Number(2.0),
                Cell::Text("n".into()),
            ],
            vec![
                Cell::Time(1000),
                Cell::Text("p".into()),
                Cell::Null,
                Cell::Text("n".into()),
            ],
            vec![
                Cell::Time(1000),
                Cell::Text("q".into()),
                Cell::Number(3.0),
                Cell::Null,
            ],
        ];
        let s = to_series(
            &c,
            &rows,
            Format::TimeSeries,
            TimeRange {
                from_ms: 0,
                to_ms: 3000,
            },
            None,
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].name.as_str(), s[0].labels.get("site")),
            ("p", Some("n"))
        );
        assert_eq!(s[0].t, vec![1000, 2000]);
        assert!(s[0].v[0].is_nan());
        assert_eq!((s[1].name.as_str(), s[1].labels.is_empty()), ("q", true));
    }

    #[test]
    fn epoch_numbers_and_fill() {
        assert_eq!(epoch_to_ms(1_700_000_000.5), 1_700_000_000_500);
        assert_eq!(epoch_to_ms(1_700_000_000_000.0), 1_700_000_000_000);
        let c = cols(&[("time", ColumnKind::Number), ("v", ColumnKind::Number)]);
        let rows = vec![vec![Cell::Number(2.0), Cell::Number(5.0)]];
        let range = TimeRange {
            from_ms: 0,
            to_ms: 4000,
        };
        let s = to_series(
            &c,
            &rows,
            Format::TimeSeries,
            range,
            Some((SqlFill::Previous, 1000)),
        )
        .unwrap();
        assert_eq!(s[0].t, vec![0, 1000, 2000, 3000, 4000]);
        assert_eq!(&s[0].v[2..], &[5.0, 5.0, 5.0]);
        assert!(s[0].v[0].is_nan());
        let s = to_series(
            &c,
            &rows,
            Format::TimeSeries,
            range,
            Some((SqlFill::Value(0.0), 1000)),
        )
        .unwrap();
        assert_eq!(s[0].v, vec![0.0, 0.0, 5.0, 0.0, 0.0]);
    }

    #[test]
    fn table_without_time_and_errors() {
        let c = cols(&[("site", ColumnKind::Text), ("n", ColumnKind::Number)]);
        let rows = vec![vec![Cell::Text("a".into()), Cell::Number(4.0)]];
        let range = TimeRange {
            from_ms: 0,
            to_ms: 9000,
        };
        let s = to_series(&c, &rows, Format::Table, range, None).unwrap();
        assert_eq!(
            (s[0].name.as_str(), s[0].t[0], s[0].labels.get("site")),
            ("n", 9000, Some("a"))
        );
        let err = to_series(&c, &rows, Format::TimeSeries, range, None).unwrap_err();
        assert!(err.to_string().contains("`time`"), "{err}");
        let only_text = cols(&[("time", ColumnKind::Time), ("s", ColumnKind::Text)]);
        assert!(to_series(&only_text, &[], Format::TimeSeries, range, None).is_err());
    }
}
