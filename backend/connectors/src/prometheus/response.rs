//! Prometheus' JSON answers (`matrix`, `vector`, `scalar`, errors) as [`Series`], named by
//! `legendFormat` as Grafana does.

use std::collections::BTreeMap;

use pulsegrid_model::{Labels, Series, SeriesKey};
use serde::Deserialize;

/// The envelope of every API answer: `data` is a query result ([`ApiData`]) or, for the
/// label endpoints, a list of strings.
#[derive(Debug, Deserialize)]
pub(crate) struct ApiResponse<T = ApiData> {
    /// `success` or `error`.
    pub(crate) status: String,
    /// The result on success.
    #[serde(default = "none")]
    pub(crate) data: Option<T>,
    /// `bad_data`, `execution`, `timeout`, ...
    #[serde(default, rename = "errorType")]
    pub(crate) error_type: Option<String>,
    /// Prometheus' message.
    #[serde(default)]
    pub(crate) error: Option<String>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> ApiResponse<T> {
    /// Prometheus' own error text: `bad_data: invalid parameter "query": ...`.
    pub(crate) fn error_message(&self) -> Option<String> {
        let error = self.error.as_deref()?;
        Some(match self.error_type.as_deref() {
            Some(kind) if !kind.is_empty() => format!("{kind}: {error}"),
            _ => error.to_owned(),
        })
    }
}

/// `data` by `resultType`.
#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub(crate) enum ApiData {
    /// Range query result.
    Matrix(Vec<MatrixEntry>),
    /// Instant query result.
    Vector(Vec<VectorEntry>),
    /// A number.
    Scalar(SamplePair),
    /// A string (not plottable).
    String(SamplePair),
}

/// One series of a matrix.
#[derive(Debug, Deserialize)]
pub(crate) struct MatrixEntry {
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<SamplePair>,
}

/// One series of a vector.
#[derive(Debug, Deserialize)]
pub(crate) struct VectorEntry {
    metric: BTreeMap<String, String>,
    value: SamplePair,
}

/// `[unix seconds, "value"]`.
#[derive(Debug, Deserialize)]
pub(crate) struct SamplePair(f64, String);

impl SamplePair {
    fn time_ms(&self) -> i64 {
        (self.0 * 1000.0).round() as i64
    }

    fn value(&self) -> f64 {
        // Prometheus writes NaN, +Inf and -Inf, which Rust's parser accepts.
        self.1.parse().unwrap_or(f64::NAN)
    }
}

/// The lines of a `query_result(expr)` variable query, as Grafana writes them: a vector's
/// entries as `name{label="value",...} value timestamp_ms`, a scalar's or string's value.
pub(crate) fn query_result_texts(data: ApiData) -> Result<Vec<String>, String> {
    match data {
        ApiData::Vector(entries) => Ok(entries
            .iter()
            .map(|e| {
                crate::variables::query_result_text(
                    e.metric.get("__name__").map(String::as_str),
                    e.metric
                        .iter()
                        .filter(|(k, _)| k.as_str() != "__name__")
                        .map(|(k, v)| (k.as_str(), v.as_str())),
                    &e.value.1,
                    e.value.time_ms(),
                )
            })
            .collect()),
        ApiData::Scalar(pair) | ApiData::String(pair) => Ok(vec![pair.1]),
        ApiData::Matrix(_) => Err(
            "query_result(expr) needs an instant vector, scalar or string; the expression \
             gave a range vector"
                .into(),
        ),
    }
}

/// The series of `data`; `expr` names a result without labels.
pub(crate) fn to_series(data: ApiData, legend_format: Option<&str>, expr: &str) -> Vec<Series> {
    let mut out = Vec::new();
    let mut push = |metric: BTreeMap<String, String>,
                    samples: &mut dyn Iterator<Item = &SamplePair>| {
        let mut series = Series::new(series_key(&metric, legend_format, expr));
        for s in samples {
            series.push(s.time_ms(), s.value());
        }
        out.push(series);
    };
    match data {
        ApiData::Matrix(entries) => {
            for e in entries {
                push(e.metric, &mut e.values.iter());
            }
        }
        ApiData::Vector(entries) => {
            for e in entries {
                push(e.metric, &mut std::iter::once(&e.value));
            }
        }
        ApiData::Scalar(pair) => push(BTreeMap::new(), &mut std::iter::once(&pair)),
        ApiData::String(_) => {}
    }
    out
}

/// The name (legend, else `__name__`, else the label set, else the expression) and labels
/// (without `__name__`) of a result series.
fn series_key(
    metric: &BTreeMap<String, String>,
    legend_format: Option<&str>,
    expr: &str,
) -> SeriesKey {
    let labels: Labels = metric
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let name = match legend_format.map(str::trim) {
        Some(legend) if !legend.is_empty() && legend != "__auto" => render_legend(legend, metric),
        _ => match metric.get("__name__") {
            Some(name) => name.clone(),
            None if labels.is_empty() => expr.to_owned(),
            None => labels.to_string(),
        },
    };
    SeriesKey::new(name, labels)
}

/// Replaces `{{label}}` (spaces allowed inside) with the label's value, empty if absent.
pub(crate) fn render_legend(legend: &str, metric: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(legend.len());
    let mut rest = legend;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = rest[open + 2..open + 2 + close].trim();
        out.push_str(metric.get(name).map_or("", String::as_str));
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_names_and_labels() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"up","job":"a"},"values":[[1.5,"1"],[3,"NaN"]]},
            {"metric":{"job":"b"},"values":[[1,"+Inf"]]},
            {"metric":{},"values":[[1,"2"]]}]}}"#;
        let r: ApiResponse = serde_json::from_str(body).unwrap();
        let texts = query_result_texts(
            serde_json::from_str::<ApiResponse>(
                r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"__name__":"up","job":"a","instance":"h:1"},"value":[1.5,"1"]},
                {"metric":{},"value":[2,"3"]}]}}"#,
            )
            .unwrap()
            .data
            .unwrap(),
        )
        .unwrap();
        assert_eq!(texts, [r#"up{instance="h:1",job="a"} 1 1500"#, "{} 3 2000"]);
        let s = to_series(r.data.unwrap(), None, "sum(up)");
        assert_eq!(s[0].name, "up");
        assert_eq!(s[0].labels.get("job"), Some("a"));
        assert_eq!(s[0].labels.get("__name__"), None);
        assert_eq!(s[0].t, vec![1500, 3000]);
        assert!(s[0].v[1].is_nan());
        assert_eq!(s[1].name, r#"{job="b"}"#);
        assert!(s[1].v[0].is_infinite());
        assert_eq!(s[2].name, "sum(up)");
    }

    #[test]
    fn legend_templates() {
        let m: BTreeMap<String, String> = [
            ("job".to_owned(), "api".to_owned()),
            ("__name__".to_owned(), "up".to_owned()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            render_legend("{{ job }} - {{__name__}} {{missing}}!", &m),
            "api - up !"
        );
        assert_eq!(render_legend("{{job", &m), "{{job");
    }

    #[test]
    fn errors_and_scalars() {
        let r: ApiResponse = serde_json::from_str(
            r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
        )
        .unwrap();
        assert_eq!(r.error_message().as_deref(), Some("bad_data: parse error"));
        let r: ApiResponse = serde_json::from_str(
            r#"{"status":"success","data":{"resultType":"scalar","result":[10,"4.5"]}}"#,
        )
        .unwrap();
        let s = to_series(r.data.unwrap(), Some("four"), "4.5");
        assert_eq!(
            (s[0].name.as_str(), s[0].t[0], s[0].v[0]),
            ("four", 10_000, 4.5)
        );
    }
}
