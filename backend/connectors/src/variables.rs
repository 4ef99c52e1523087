//! Dashboard variable queries: what a query variable asks a source for its options, the
//! answer, and the query forms Grafana's Prometheus datasource understands
//! ([`MetricFindQuery`]), which the Prometheus and `pulsegrid` sources share.

use pulsegrid_model::TimeRange;
use serde::Serialize;

use crate::error::{Result, SourceError};

/// A variable query over a time range.
#[derive(Clone, Debug)]
pub struct VariableQuery {
    /// The query text as the variable stores it (variables already substituted).
    pub query: String,
    /// The dashboard's time range.
    pub range: TimeRange,
}

/// One option of a variable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VariableValue {
    /// What the picker shows.
    pub text: String,
    /// What is substituted into queries.
    pub value: String,
}

impl VariableValue {
    /// An option whose text is its value.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        VariableValue {
            text: value.clone(),
            value,
        }
    }
}

/// Sorts options by value and drops repeated values (the first text wins).
pub fn sorted_unique(mut values: Vec<VariableValue>) -> Vec<VariableValue> {
    values.sort_by(|a, b| a.value.cmp(&b.value).then_with(|| a.text.cmp(&b.text)));
    values.dedup_by(|b, a| a.value == b.value);
    values
}

/// What the accepted forms are, for error messages.
const EXPECTED: &str = "expected label_values(label), label_values(selector, label), \
     label_names(), label_names(selector), metrics(regex) or query_result(expr)";

/// A variable query in Grafana's Prometheus syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricFindQuery {
    /// `label_names()` or `label_names(selector)`: label names (of matching series).
    LabelNames {
        /// Only series matching this selector.
        selector: Option<String>,
    },
    /// `label_values(label)` or `label_values(selector, label)`: the label's values.
    LabelValues {
        /// Only series matching this selector.
        selector: Option<String>,
        /// The label (`__name__` for metric names).
        label: String,
    },
    /// `metrics(regex)`: metric names matching the (unanchored) regex.
    Metrics {
        /// The regex.
        regex: String,
    },
    /// `query_result(expr)`: each result of an instant query, written
    /// `name{label="value",...} value timestamp_ms`.
    QueryResult {
        /// The expression.
        expr: String,
    },
}

impl MetricFindQuery {
    /// Reads a query; an error says which forms are accepted.
    pub fn parse(text: &str) -> Result<Self> {
        let query = text.trim();
        let bad = |why: &str| {
            SourceError::InvalidQuery(format!("variable query {query:?}: {why}; {EXPECTED}"))
        };
        let Some((function, inner)) = query
            .strip_suffix(')')
            .and_then(|q| q.split_once('('))
            .map(|(f, inner)| (f.trim(), inner.trim()))
        else {
            return Err(bad("not a function call"));
        };
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        match function {
            "label_names" => Ok(Self::LabelNames {
                selector: some(inner),
            }),
            "label_values" => {
                let (selector, label) = match inner.rsplit_once(',') {
                    Some((selector, label)) => (some(selector), label.trim()),
                    None => (None, inner),
                };
                if !is_label_name(label) {
                    return Err(bad(&format!("{label:?} is not a label name")));
                }
                Ok(Self::LabelValues {
                    selector,
                    label: label.to_owned(),
                })
            }
            "metrics" => Ok(Self::Metrics {
                regex: some(inner).ok_or_else(|| bad("metrics() needs a regex"))?,
            }),
            "query_result" => Ok(Self::QueryResult {
                expr: some(inner).ok_or_else(|| bad("query_result() needs an expression"))?,
            }),
            other => Err(bad(&format!("unknown function {other:?}"))),
        }
    }
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Compiles the regex of `metrics(regex)`; an error names it.
pub fn metrics_regex(regex: &str) -> Result<regex::Regex> {
    regex::Regex::new(regex)
        .map_err(|e| SourceError::InvalidQuery(format!("metrics({regex}): invalid regex: {e}")))
}

/// One `query_result` line as Grafana writes it: `name{a="x",b="y"} value timestamp_ms`.
pub fn query_result_text<'a>(
    name: Option<&str>,
    labels: impl Iterator<Item = (&'a str, &'a str)>,
    value: &str,
    t_ms: i64,
) -> String {
    let labels: Vec<String> = labels.map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!(
        "{}{{{}}} {value} {t_ms}",
        name.unwrap_or_default(),
        labels.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grafana_prometheus_forms() {
        let p = |q: &str| MetricFindQuery::parse(q).unwrap();
        assert_eq!(
            p(" label_values(instance) "),
            MetricFindQuery::LabelValues {
                selector: None,
                label: "instance".into()
            }
        );
        assert_eq!(
            p(r#"label_values(up{job="x",env=~"a|b"}, instance)"#),
            MetricFindQuery::LabelValues {
                selector: Some(r#"up{job="x",env=~"a|b"}"#.into()),
                label: "instance".into()
            }
        );
        assert_eq!(
            p("label_names()"),
            MetricFindQuery::LabelNames { selector: None }
        );
        assert_eq!(
            p("label_names(up)"),
            MetricFindQuery::LabelNames {
                selector: Some("up".into())
            }
        );
        assert_eq!(
            p("metrics(^go_.*)"),
            MetricFindQuery::Metrics {
                regex: "^go_.*".into()
            }
        );
        assert_eq!(
            p("query_result(sum by (job) (up))"),
            MetricFindQuery::QueryResult {
                expr: "sum by (job) (up)".into()
            }
        );
    }

    #[test]
    fn bad_queries_say_what_is_expected() {
        for q in [
            "up",
            "label_values(up{a=\"b\"})",
            "metrics()",
            "values(x)",
            "",
        ] {
            let e = MetricFindQuery::parse(q).unwrap_err().to_string();
            assert!(e.contains("expected label_values(label)"), "{q}: {e}");
        }
    }

    #[test]
    fn options_are_sorted_and_unique() {
        let v = sorted_unique(
            ["b", "a", "b", "c"]
                .into_iter()
                .map(VariableValue::new)
                .collect(),
        );
        let values: Vec<&str> = v.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["a", "b", "c"]);
        assert_eq!(
            query_result_text(Some("up"), [("job", "x")].into_iter(), "1", 1500),
            r#"up{job="x"} 1 1500"#
        );
    }
}
