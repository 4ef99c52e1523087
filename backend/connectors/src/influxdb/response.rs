//! InfluxDB's `/query` JSON (`results[].series[]` with `columns` and `values`) as
//! [`Series`]: one per value column and tag set, tags as labels, null as NaN.

use std::collections::BTreeMap;

use pulsegrid_model::{Labels, Series, SeriesKey};
use serde::Deserialize;
use serde_json::Value;

/// The whole answer.
#[derive(Debug, Deserialize)]
pub(crate) struct QueryResponse {
    /// One result per statement.
    #[serde(default)]
    pub(crate) results: Vec<StatementResult>,
    /// A request-level error (bad auth, missing parameter).
    #[serde(default)]
    pub(crate) error: Option<String>,
}

/// The result of one statement.
#[derive(Debug, Deserialize)]
pub(crate) struct StatementResult {
    /// The rows, grouped by measurement and tag set.
    #[serde(default)]
    pub(crate) series: Vec<InfluxSeries>,
    /// The statement's error (a parse error, an unknown database).
    #[serde(default)]
    pub(crate) error: Option<String>,
}

/// One group of rows.
#[derive(Debug, Deserialize)]
pub(crate) struct InfluxSeries {
    /// The measurement.
    #[serde(default)]
    name: String,
    /// GROUP BY tags.
    #[serde(default)]
    tags: BTreeMap<String, String>,
    /// Column names; `time` among them.
    #[serde(default)]
    columns: Vec<String>,
    /// Rows.
    #[serde(default)]
    values: Vec<Vec<Value>>,
}

/// Converts the series of every statement; `alias` names them as Grafana's alias patterns
/// do (`$m`, `$measurement`, `$col`, `$tag_<name>`, also in `[[...]]` form).
pub(crate) fn to_series(results: Vec<StatementResult>, alias: Option<&str>) -> Vec<Series> {
    let mut out = Vec::new();
    for result in results {
        for group in result.series {
            let time_at = group.columns.iter().position(|c| c == "time");
            let labels: Labels = group
                .tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            for (col_at, column) in group.columns.iter().enumerate() {
                if Some(col_at) == time_at {
                    continue;
                }
                let name = match alias.map(str::trim).filter(|a| !a.is_empty()) {
                    Some(alias) => render_alias(alias, &group.name, column, &group.tags),
                    None => format!("{}.{column}", group.name),
                };
                let mut series = Series::new(SeriesKey::new(name, labels.clone()));
                for row in &group.values {
                    let t = time_at
                        .and_then(|i| row.get(i))
                        .and_then(Value::as_f64)
                        .map_or(0, |t| t as i64);
                    series.push(t, row.get(col_at).map_or(f64::NAN, number));
                }
                out.push(series);
            }
        }
    }
    out
}

/// A cell as a number: numbers, booleans as 0/1, numeric text; anything else is NaN.
fn number(cell: &Value) -> f64 {
    match cell {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// Grafana's InfluxQL alias patterns.
fn render_alias(
    alias: &str,
    measurement: &str,
    column: &str,
    tags: &BTreeMap<String, String>,
) -> String {
    let mut out = alias.replace("[[", "${").replace("]]", "}");
    let mut tag_names: Vec<&String> = tags.keys().collect();
    // Longer names first so `$tag_host_name` is not read as `$tag_host` + `_name`.
    tag_names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in tag_names {
        let value = &tags[name];
        out = out
            .replace(&format!("${{tag_{name}}}"), value)
            .replace(&format!("$tag_{name}"), value);
    }
    out.replace("${measurement}", measurement)
        .replace("$measurement", measurement)
        .replace("${m}", measurement)
        .replace("$m", measurement)
        .replace("${col}", column)
        .replace("$col", column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_columns_and_aliases() {
        let body = r#"{"results":[{"statement_id":0,"series":[
            {"name":"cpu","tags":{"host":"a"},"columns":["time","mean","max"],
             "values":[[1000,1.5,2],[2000,null,3]]}]},
            {"statement_id":1,"series":[{"name":"mem","columns":["time","used"],"values":[[1000,"7"]]}]}]}"#;
        let r: QueryResponse = serde_json::from_str(body).unwrap();
        let s = to_series(r.results, None);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].name.as_str(), s[0].labels.get("host")),
            ("cpu.mean", Some("a"))
        );
        assert_eq!(s[0].t, vec![1000, 2000]);
        assert!(s[0].v[1].is_nan());
        assert_eq!((s[1].name.as_str(), &s[1].v), ("cpu.max", &vec![2.0, 3.0]));
        assert_eq!((s[2].name.as_str(), s[2].v[0]), ("mem.used", 7.0));

        let r: QueryResponse = serde_json::from_str(body).unwrap();
        let s = to_series(r.results, Some("$m $col on [[tag_host]]"));
        assert_eq!(s[0].name, "cpu mean on a");
    }
}
