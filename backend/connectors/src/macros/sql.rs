//! Grafana's SQL macros for PostgreSQL (`$__timeFilter(col)`, `$__timeGroup(col, '5m')`, ...).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pulsegrid_model::parse_duration_ms;

use super::{MacroContext, scan, time_variable};
use crate::error::{Result, SourceError};

/// How `$__timeGroup(col, interval, fill)` fills buckets that have no row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SqlFill {
    /// `NULL`: a missing bucket is a gap (NaN).
    Null,
    /// `previous`: repeat the bucket before.
    Previous,
    /// A number: use that value.
    Value(f64),
}

/// A SQL query with its macros expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlQuery {
    /// The SQL to run.
    pub sql: String,
    /// The fill of a `$__timeGroup` with a third argument, and its bucket size in ms.
    pub fill: Option<(SqlFill, i64)>,
}

/// Expands the SQL macros of `sql` for PostgreSQL. An unknown `$__name(...)` call or a
/// malformed argument is an [`SourceError::InvalidQuery`].
pub fn expand_sql(sql: &str, cx: &MacroContext) -> Result<SqlQuery> {
    let mut fill = None;
    let expanded = scan(sql, &mut |name, args| {
        let Some(args) = args else {
            return Ok(time_variable(name, cx));
        };
        // Arguments may hold variables themselves (`$__timeGroup(t, $__interval)`).
        let args: Vec<String> = args
            .iter()
            .map(|a| scan(a, &mut |n, _| Ok(time_variable(n, cx))))
            .collect::<Result<_>>()?;
        let from = rfc3339(cx.range.from_ms);
        let to = rfc3339(cx.range.to_ms);
        let expansion = match name {
            "__time" => format!("{} AS \"time\"", one_arg(name, &args)?),
            "__timeEpoch" => format!("extract(epoch from {}) AS \"time\"", one_arg(name, &args)?),
            "__timeFilter" => format!("{} BETWEEN '{from}' AND '{to}'", one_arg(name, &args)?),
            "__timeFrom" => format!("'{from}'"),
            "__timeTo" => format!("'{to}'"),
            "__unixEpochFilter" => format!(
                "{col} >= {} AND {col} <= {}",
                cx.range.from_ms.div_euclid(1000),
                cx.range.to_ms.div_euclid(1000),
                col = one_arg(name, &args)?
            ),
            "__unixEpochFrom" => cx.range.from_ms.div_euclid(1000).to_string(),
            "__unixEpochTo" => cx.range.to_ms.div_euclid(1000).to_string(),
            "__timeGroup" | "__timeGroupAlias" | "__unixEpochGroup" | "__unixEpochGroupAlias" => {
                let (col, bucket_ms, bucket_fill) = group_args(name, &args)?;
                if let Some(f) = bucket_fill {
                    fill = Some((f, bucket_ms));
                }
                let secs = seconds_literal(bucket_ms);
                let epoch = if name.starts_with("__unixEpoch") {
                    col.to_owned()
                } else {
                    format!("extract(epoch from {col})")
                };
                let group = format!("floor({epoch}/{secs})*{secs}");
                if name.ends_with("Alias") {
                    format!("{group} AS \"time\"")
                } else {
                    group
                }
            }
            other if other.starts_with("__") => {
                return Err(SourceError::InvalidQuery(format!(
                    "unknown macro ${other}(...) in rawSql"
                )));
            }
            _ => return Ok(None),
        };
        Ok(Some(expansion))
    })?;
    Ok(SqlQuery {
        sql: expanded,
        fill,
    })
}

fn one_arg<'a>(name: &str, args: &'a [String]) -> Result<&'a str> {
    match args {
        [col] if !col.is_empty() => Ok(col),
        _ => Err(SourceError::InvalidQuery(format!(
            "${name}(...) takes one argument (a column), found {}",
            args.len()
        ))),
    }
}

/// `(col, interval[, fill])` of the group macros.
fn group_args<'a>(name: &str, args: &'a [String]) -> Result<(&'a str, i64, Option<SqlFill>)> {
    let bad = |why: String| {
        SourceError::InvalidQuery(format!(
            "${name}(column, interval[, fill]): {why}; e.g. ${name}(time, '5m', NULL)"
        ))
    };
    let (col, interval, fill) = match args {
        [col, interval] => (col, interval, None),
        [col, interval, fill] => (col, interval, Some(fill)),
        _ => {
            return Err(bad(format!(
                "expected 2 or 3 arguments, found {}",
                args.len()
            )));
        }
    };
    let interval = interval.trim_matches(|c| c == '\'' || c == '"');
    let bucket_ms = parse_duration_ms(interval)
        .map_err(|e| bad(e.to_string()))
        .and_then(|ms| {
            if ms > 0 {
                Ok(ms)
            } else {
                Err(bad("the interval must be positive".into()))
            }
        })?;
    let fill = match fill.map(|f| f.trim_matches('\'')) {
        None => None,
        Some(f) if f.eq_ignore_ascii_case("null") => Some(SqlFill::Null),
        Some(f) if f.eq_ignore_ascii_case("previous") => Some(SqlFill::Previous),
        Some(f) => Some(SqlFill::Value(f.parse().map_err(|_| {
            bad(format!(
                "fill must be NULL, previous or a number, found {f:?}"
            ))
        })?)),
    };
    Ok((col, bucket_ms, fill))
}

/// Seconds as a SQL number literal: `300`, `0.5`.
fn seconds_literal(ms: i64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        (ms as f64 / 1000.0).to_string()
    }
}

/// Unix ms as RFC 3339 UTC with milliseconds (`2023-11-14T22:13:20.000Z`).
fn rfc3339(ms: i64) -> String {
    let at = if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_millis(ms.unsigned_abs()))
            .unwrap_or(SystemTime::UNIX_EPOCH)
    };
    humantime::format_rfc3339_millis(at).to_string()
}

#[cfg(test)]
mod tests {
    use pulsegrid_model::TimeRange;

    use super::*;

    fn cx() -> MacroContext {
        MacroContext {
            range: TimeRange {
                from_ms: 1_700_000_000_000,
                to_ms: 1_700_003_600_500,
            },
            interval_ms: 60_000,
        }
    }

    #[test]
    fn time_filter_and_bounds() {
        let q = expand_sql(
            "SELECT $__time(ts), v FROM t WHERE $__timeFilter(ts) AND ts < $__timeTo() \
             AND ts > $__timeFrom() AND $__unixEpochFilter(epoch)",
            &cx(),
        )
        .unwrap();
        assert_eq!(
            q.sql,
            "SELECT ts AS \"time\", v FROM t WHERE ts BETWEEN '2023-11-14T22:13:20.000Z' AND \
             '2023-11-14T23:13:20.500Z' AND ts < '2023-11-14T23:13:20.500Z' \
             AND ts > '2023-11-14T22:13:20.000Z' AND epoch >= 1700000000 AND epoch <= 1700003600"
        );
        assert_eq!(q.fill, None);
    }

    #[test]
    fn time_group_with_fill_and_variables() {
        let q = expand_sql(
            "SELECT $__timeGroupAlias(ts, $__interval, previous), avg(v) FROM t \
             GROUP BY $__timeGroup(ts, '5m') ORDER BY 1",
            &cx(),
        )
        .unwrap();
        assert_eq!(
            q.sql,
            "SELECT floor(extract(epoch from ts)/60)*60 AS \"time\", avg(v) FROM t \
             GROUP BY floor(extract(epoch from ts)/300)*300 ORDER BY 1"
        );
        assert_eq!(q.fill, Some((SqlFill::Previous, 60_000)));
        let q = expand_sql("$__timeGroup(ts, '500ms', 0)", &cx()).unwrap();
        assert_eq!(q.sql, "floor(extract(epoch from ts)/0.5)*0.5");
        assert_eq!(q.fill, Some((SqlFill::Value(0.0), 500)));
        let q = expand_sql("$__unixEpochGroupAlias(e, 1h)", &cx()).unwrap();
        assert_eq!(q.sql, "floor(e/3600)*3600 AS \"time\"");
    }

    #[test]
    fn bad_macros_are_invalid_queries() {
        for sql in [
            "$__timeFilter()",
            "$__timeGroup(ts)",
            "$__timeGroup(ts, 'soon')",
            "$__timeGroup(ts, '1m', sideways)",
            "$__nope(x)",
        ] {
            let err = expand_sql(sql, &cx()).unwrap_err();
            assert!(matches!(err, SourceError::InvalidQuery(_)), "{sql}: {err}");
        }
        // A `$` that is no macro (a positional parameter, a dollar-quoted string) stays.
        assert_eq!(
            expand_sql("SELECT $1, $$x$$", &cx()).unwrap().sql,
            "SELECT $1, $$x$$"
        );
    }
}
