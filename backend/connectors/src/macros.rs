//! Grafana's query macros, expanded before a query is sent upstream.
//!
//! - PromQL: `$__interval`, `$__interval_ms`, `$__range`, `$__range_s`, `$__range_ms`,
//!   `$__rate_interval`.
//! - InfluxQL: those of time (`$__interval`, `$interval`, ...) and `$timeFilter` /
//!   `$__timeFilter` (`time >= 123ms and time <= 456ms`).
//! - SQL (PostgreSQL): `$__time(col)`, `$__timeEpoch(col)`, `$__timeFilter(col)`,
//!   `$__timeFrom()`, `$__timeTo()`, `$__timeGroup(col, interval[, fill])`,
//!   `$__timeGroupAlias(col, interval[, fill])`, `$__unixEpochFilter(col)`,
//!   `$__unixEpochFrom()`, `$__unixEpochTo()`, `$__unixEpochGroup(col, interval)`,
//!   `$__unixEpochGroupAlias(col, interval)`.
//!
//! Both `$name` and `${name}` spellings are recognised; names a language does not know are
//! left as written (they may be dashboard variables resolved elsewhere), except `$__`
//! functions in SQL, which are an error as in Grafana.

mod sql;

pub use sql::{SqlFill, SqlQuery, expand_sql};

use pulsegrid_model::TimeRange;

use crate::error::Result;

/// What the time macros are computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacroContext {
    /// The query's absolute range.
    pub range: TimeRange,
    /// The step in ms (`$__interval_ms`).
    pub interval_ms: i64,
}

/// A duration in the largest unit that represents it exactly (`90s`, `1m`, `1500ms`, `2h`,
/// `1d`): valid in PromQL, InfluxQL and Grafana's SQL macros alike.
pub fn format_duration(ms: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
        (1, "ms"),
    ];
    if ms == 0 {
        return "0s".to_owned();
    }
    for (size, unit) in UNITS {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Expands the PromQL macros; `scrape_interval_ms` is the datasource's `timeInterval`
/// (Grafana's default 15s), used by `$__rate_interval`.
pub fn expand_promql(expr: &str, cx: &MacroContext, scrape_interval_ms: i64) -> String {
    let rate_interval = (cx.interval_ms + scrape_interval_ms).max(4 * scrape_interval_ms);
    let out = scan(expr, &mut |name, _args| {
        Ok(match name {
            "__rate_interval" => Some(format_duration(rate_interval)),
            "__rate_interval_ms" => Some(rate_interval.to_string()),
            _ => time_variable(name, cx),
        })
    });
    // The handler never fails.
    out.unwrap_or_else(|_| expr.to_owned())
}

/// Expands the InfluxQL macros.
pub fn expand_influxql(query: &str, cx: &MacroContext) -> String {
    let out = scan(query, &mut |name, _args| {
        Ok(match name {
            "timeFilter" | "__timeFilter" => Some(format!(
                "time >= {}ms and time <= {}ms",
                cx.range.from_ms, cx.range.to_ms
            )),
            "interval" => Some(format_duration(cx.interval_ms)),
            _ => time_variable(name, cx),
        })
    });
    out.unwrap_or_else(|_| query.to_owned())
}

/// The variables every language shares: interval and range.
fn time_variable(name: &str, cx: &MacroContext) -> Option<String> {
    let span = cx.range.span_ms();
    Some(match name {
        "__interval" => format_duration(cx.interval_ms),
        "__interval_ms" => cx.interval_ms.to_string(),
        "__range" => format!("{}s", span / 1000),
        "__range_s" => (span / 1000).to_string(),
        "__range_ms" => span.to_string(),
        _ => return None,
    })
}

/// A macro handler: the name (without `$`), the arguments when the name is followed by a
/// parenthesised list; returns the replacement, or `None` to leave the text as written.
type Handler<'h> = dyn FnMut(&str, Option<&[String]>) -> Result<Option<String>> + 'h;

/// Replaces every `$name`, `${name}` and `$name(args)` that `handler` knows.
fn scan(text: &str, handler: &mut Handler<'_>) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let braced = bytes.get(i + 1) == Some(&b'{');
        let start = if braced { i + 2 } else { i + 1 };
        let end = start
            + bytes[start.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
        if end == start || (braced && bytes.get(end) != Some(&b'}')) {
            i += 1;
            continue;
        }
        let name = &text[start..end];
        let after = if braced { end + 1 } else { end };
        let call = if braced {
            None
        } else {
            parse_args(text, after)
        };
        let replacement = match &call {
            Some((args, _)) => handler(name, Some(args))?,
            None => handler(name, None)?,
        };
        match replacement {
            Some(r) => {
                out.push_str(&text[copied..i]);
                out.push_str(&r);
                i = call.map_or(after, |(_, next)| next);
                copied = i;
            }
            None => i = after,
        }
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// The arguments of a call starting at `at` (which must be `(`, possibly after spaces):
/// top-level comma-separated and trimmed, with the index after the closing `)`.
fn parse_args(text: &str, at: usize) -> Option<(Vec<String>, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'(') {
        return None;
    }
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut arg_start = at + 1;
    for (offset, &b) in bytes[at + 1..].iter().enumerate() {
        let j = at + 1 + offset;
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'(') => depth += 1,
            (None, b')') if depth > 0 => depth -= 1,
            (None, b')') => {
                let last = text[arg_start..j].trim();
                if !(args.is_empty() && last.is_empty()) {
                    args.push(last.to_owned());
                }
                return Some((args, j + 1));
            }
            (None, b',') if depth == 0 => {
                args.push(text[arg_start..j].trim().to_owned());
                arg_start = j + 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> MacroContext {
        MacroContext {
            range: TimeRange {
                from_ms: 1_700_000_000_000,
                to_ms: 1_700_003_600_000,
            },
            interval_ms: 15_000,
        }
    }

    #[test]
    fn durations_use_the_largest_exact_unit() {
        assert_eq!(format_duration(15_000), "15s");
        assert_eq!(format_duration(90_000), "90s");
        assert_eq!(format_duration(60_000), "1m");
        assert_eq!(format_duration(1_500), "1500ms");
        assert_eq!(format_duration(7_200_000), "2h");
        assert_eq!(format_duration(86_400_000), "1d");
    }

    #[test]
    fn promql_macros() {
        let expr = "rate(x[$__rate_interval]) * $__interval_ms / ${__interval} + $__range_s \
                    + count_over_time(y[$__range]) + $unknown";
        assert_eq!(
            expand_promql(expr, &cx(), 15_000),
            "rate(x[1m]) * 15000 / 15s + 3600 + count_over_time(y[3600s]) + $unknown"
        );
        // interval + scrape interval wins over 4 x scrape when the step is large.
        let wide = MacroContext {
            interval_ms: 60_000,
            ..cx()
        };
        assert_eq!(expand_promql("$__rate_interval", &wide, 15_000), "75s");
    }

    #[test]
    fn influxql_macros() {
        let q = "SELECT mean(\"value\") FROM \"cpu\" WHERE $timeFilter GROUP BY time($__interval)";
        assert_eq!(
            expand_influxql(q, &cx()),
            "SELECT mean(\"value\") FROM \"cpu\" WHERE time >= 1700000000000ms and \
             time <= 1700003600000ms GROUP BY time(15s)"
        );
        assert_eq!(
            expand_influxql("WHERE $__timeFilter AND $interval", &cx()),
            "WHERE time >= 1700000000000ms and time <= 1700003600000ms AND 15s"
        );
    }

    #[test]
    fn dollar_signs_that_are_not_macros_stay() {
        assert_eq!(expand_influxql("a $ b $1 ${x", &cx()), "a $ b $1 ${x");
        assert_eq!(expand_promql("x$", &cx(), 15_000), "x$");
    }
}
