//! The unit test file as promtool reads it (`unitTestFile` in `cmd/promtool/unittest.go`): strict
//! (an unknown field is an error), with durations, series and values parsed while reading, so
//! every error carries the line and column of the offending value and its path in the file
//! (`tests[0].input_series[1].values`).

use std::collections::BTreeMap;
use std::fmt;

use pulsegrid_model::SeriesKey;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::notation::{SeriesValue, parse_series_labels, parse_series_values};
use crate::rules::duration::parse_duration;

/// A whole test file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TestFile {
    /// Rule files, relative to the test file; globs allowed.
    #[serde(default, deserialize_with = "nullable")]
    pub(super) rule_files: Vec<String>,
    /// How often rules are evaluated, in ms (default 1m).
    #[serde(default, deserialize_with = "duration")]
    pub(super) evaluation_interval: Option<i64>,
    /// Groups evaluated first, in this order.
    #[serde(default, deserialize_with = "nullable")]
    pub(super) group_eval_order: Vec<String>,
    /// The test groups.
    #[serde(default, deserialize_with = "nullable")]
    pub(super) tests: Vec<TestGroup>,
}

/// One entry of `tests:`: input series and what to expect from them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TestGroup {
    /// The step of the input series, in ms (default: the evaluation interval).
    #[serde(default, deserialize_with = "duration")]
    pub(super) interval: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) input_series: Vec<InputSeries>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) alert_rule_test: Vec<AlertTest>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) promql_expr_test: Vec<ExprTest>,
    /// Accepted as promtool does; Pulsegrid's templates have no `$externalLabels` yet.
    #[serde(default, rename = "external_labels")]
    pub(super) _external_labels: Option<BTreeMap<String, String>>,
    /// Accepted as promtool does.
    #[serde(default, rename = "external_url")]
    pub(super) _external_url: Option<String>,
    /// The group's name, shown in its failures.
    #[serde(default)]
    pub(super) name: Option<String>,
}

/// One input series: `series: 'name{l="v"}'`, `values: '1+1x3 _ stale'`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InputSeries {
    #[serde(deserialize_with = "series_key")]
    pub(super) series: SeriesKey,
    #[serde(deserialize_with = "series_values")]
    pub(super) values: Vec<SeriesValue>,
}

/// `alert_rule_test:` entries: the firing alerts of `alertname` at `eval_time`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AlertTest {
    #[serde(default, deserialize_with = "duration")]
    pub(super) eval_time: Option<i64>,
    #[serde(default)]
    pub(super) alertname: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) exp_alerts: Vec<ExpAlert>,
}

/// One expected alert: its labels (without `alertname`, which is added) and annotations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExpAlert {
    #[serde(default, deserialize_with = "nullable")]
    pub(super) exp_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) exp_annotations: BTreeMap<String, String>,
}

/// `promql_expr_test:` entries: an expression's samples at `eval_time`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExprTest {
    #[serde(default)]
    pub(super) expr: String,
    #[serde(default, deserialize_with = "duration")]
    pub(super) eval_time: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) exp_samples: Vec<ExpSample>,
}

/// One expected sample: `labels: 'name{l="v"}'` and its value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExpSample {
    #[serde(deserialize_with = "series_key")]
    pub(super) labels: SeriesKey,
    #[serde(default)]
    pub(super) value: f64,
}

impl AlertTest {
    /// `eval_time`, 0 when absent (as promtool).
    pub(super) fn at(&self) -> i64 {
        self.eval_time.unwrap_or(0)
    }
}

impl ExprTest {
    /// `eval_time`, 0 when absent (as promtool).
    pub(super) fn at(&self) -> i64 {
        self.eval_time.unwrap_or(0)
    }
}

/// Reads a test file's text (its first YAML document); an empty file has no tests. An error
/// reads `FILE:LINE:COLUMN: path: message` (the position when serde_yaml knows it).
pub(super) fn parse(file: &str, text: &str) -> Result<TestFile, String> {
    let Some(doc) = serde_yaml_ng::Deserializer::from_str(text).next() else {
        return Ok(TestFile::default());
    };
    match Option::<TestFile>::deserialize(doc) {
        Ok(found) => Ok(found.unwrap_or_default()),
        Err(e) => {
            let msg = e.to_string();
            let msg = match msg.find(" at line ") {
                Some(i) => &msg[..i],
                None => &msg,
            };
            Err(match e.location() {
                Some(l) => format!("{file}:{}:{}: {msg}", l.line(), l.column()),
                None => format!("{file}: {msg}"),
            })
        }
    }
}

/// `null` reads as the default, as Go's yaml reads it into a slice or map.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A scalar parsed by a function; its error is raised inside the visitor, so serde_yaml gives
/// it the scalar's position and path.
struct ParseWith<T> {
    parse: fn(&str) -> Result<T, String>,
    expecting: &'static str,
}

impl<T> Visitor<'_> for ParseWith<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Optional;
    impl<'de> Visitor<'de> for Optional {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let parse = |text: &str| {
                parse_duration(text)
                    .map_err(|e| format!("expected a duration like 1m or 1h30m: {e}"))
            };
            d.deserialize_str(ParseWith {
                parse,
                expecting: "a duration",
            })
            .map(Some)
        }
    }
    d.deserialize_option(Optional)
}

fn series_key<'de, D: Deserializer<'de>>(d: D) -> Result<SeriesKey, D::Error> {
    let parse =
        |text: &str| parse_series_labels(text).map_err(|e| format!("invalid series {text:?}: {e}"));
    d.deserialize_str(ParseWith {
        parse,
        expecting: "a series like name{label=\"value\"}",
    })
}

fn series_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SeriesValue>, D::Error> {
    let parse = |text: &str| {
        parse_series_values(text).map_err(|e| format!("invalid series values {text:?}: {e}"))
    };
    d.deserialize_str(ParseWith {
        parse,
        expecting: "series values like '1+1x3 _ stale'",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_promtools_format() {
        let file = parse(
            "t.yml",
            "rule_files: [a.yml, 'r/*.yml']\nevaluation_interval: 30s\ngroup_eval_order: [g1]\ntests:\n- interval: 0\n  name: t\n  external_labels: {cluster: eu}\n  external_url: http://x\n  input_series:\n  - series: 'up{job=\"a\"}'\n    values: 1x2\n  alert_rule_test:\n  - eval_time: 1m\n    alertname: A\n    exp_alerts:\n    - exp_labels: {code: 500}\n      exp_annotations:\n  - alertname: B\n    exp_alerts:\n  promql_expr_test:\n  - expr: up\n    eval_time: 2m\n    exp_samples: [{labels: 'up{job=\"a\"}', value: 1}]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.rule_files, ["a.yml", "r/*.yml"]);
        assert_eq!(file.evaluation_interval, Some(30_000));
        let t = &file.tests[0];
        assert_eq!((t.interval, t.name.as_deref()), (Some(0), Some("t")));
        assert_eq!(t.input_series[0].values.len(), 3);
        assert_eq!(t.alert_rule_test[0].at(), 60_000);
        assert_eq!(
            t.alert_rule_test[0].exp_alerts[0]
                .exp_labels
                .get("code")
                .map(String::as_str),
            Some("500")
        );
        assert_eq!(t.alert_rule_test[1].at(), 0);
        assert!(t.alert_rule_test[1].exp_alerts.is_empty());
        assert_eq!(t.promql_expr_test[0].exp_samples[0].value, 1.0);
        assert!(parse("t.yml", "").is_ok_and(|f| f.tests.is_empty()));
        assert!(parse("t.yml", "# nothing\n").is_ok_and(|f| f.tests.is_empty()));
    }

    #[test]
    fn errors_have_line_column_and_path() {
        let cases = [
            (
                "tests:\n- interval: 1m\n  foo: 1\n",
                "t.yml:3:3: tests[0]: unknown field `foo`, expected one of",
            ),
            (
                "tests:\n- input_series:\n  - series: up\n    values: '1 2 x'\n",
                "4:13: tests[0].input_series[0].values: invalid series values \"1 2 x\": column 5: expected a number, \"_\" or \"stale\", found \"x\"",
            ),
            (
                "evaluation_interval: 1.5m\n",
                "1:22: evaluation_interval: expected a duration like 1m or 1h30m: not a valid duration string: \"1.5m\"",
            ),
            (
                "tests:\n- input_series:\n  - series: 'up{a=~\"x\"}'\n    values: '1'\n",
                "3:13: tests[0].input_series[0].series: invalid series \"up{a=~\\\"x\\\"}\": column 5: expected label=\"value\"",
            ),
            (
                "tests:\n- input_series:\n  - values: '1'\n",
                "tests[0].input_series[0]: missing field `series`",
            ),
            (
                "tests: 3\n",
                "1:8: tests: invalid type: integer `3`, expected a sequence",
            ),
        ];
        for (text, want) in cases {
            let err = parse("t.yml", text).err().unwrap_or_default();
            assert!(err.contains(want), "{text}:\n got {err}\nwant {want}");
        }
    }
}
