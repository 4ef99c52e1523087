//! Time series as every part of the live path sees them: a label set, a series identity, and a
//! columnar [`Series`] (timestamps and values in two arrays), which is also the shape of the
//! WebSocket protocol's `series` entries.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// A series' labels, sorted by name (so equal sets compare, hash and print the same).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Labels(BTreeMap<String, String>);

impl Labels {
    /// No labels.
    pub fn new() -> Self {
        Labels(BTreeMap::new())
    }

    /// Sets a label, replacing any previous value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    /// The value of a label.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Labels in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Labels(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl fmt::Display for Labels {
    /// Prometheus style: `{site="north",unit="bar"}`; empty labels print nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}={v:?}")?;
        }
        f.write_str("}")
    }
}

/// The identity of a series: its name and labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// The metric or series name (`line_pressure`).
    pub name: String,
    /// Its labels (`site="north"`).
    pub labels: Labels,
}

impl SeriesKey {
    /// A key from a name and labels.
    pub fn new(name: impl Into<String>, labels: Labels) -> Self {
        SeriesKey {
            name: name.into(),
            labels,
        }
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name, self.labels)
    }
}

/// One sample: unix milliseconds and a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Unix milliseconds.
    pub t: i64,
    /// The value; NaN means "no value" and is sent as JSON `null`.
    pub v: f64,
}

/// A columnar series: `t[i]` is the time of `v[i]`, ascending. The WebSocket `series` shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Series name.
    pub name: String,
    /// Series labels.
    #[serde(default)]
    pub labels: Labels,
    /// Unix milliseconds, ascending.
    pub t: Vec<i64>,
    /// Values; NaN is written as `null` (JSON has no NaN).
    #[serde(serialize_with = "nan_as_null", deserialize_with = "null_as_nan")]
    pub v: Vec<f64>,
}

impl Series {
    /// An empty series with this identity.
    pub fn new(key: SeriesKey) -> Self {
        Series {
            name: key.name,
            labels: key.labels,
            t: Vec::new(),
            v: Vec::new(),
        }
    }

    /// Appends a sample.
    pub fn push(&mut self, t: i64, v: f64) {
        self.t.push(t);
        self.v.push(v);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether it has no samples.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// The identity of this series.
    pub fn key(&self) -> SeriesKey {
        SeriesKey::new(self.name.clone(), self.labels.clone())
    }
}

fn nan_as_null<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(
        values
            .iter()
            .map(|v| if v.is_finite() { Some(*v) } else { None }),
    )
}

fn null_as_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let values: Vec<Option<f64>> = Vec::deserialize(d)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_json_shape_with_nan_as_null() {
        let mut s = Series::new(SeriesKey::new(
            "line_pressure",
            [("site", "north")].into_iter().collect(),
        ));
        s.push(1000, 7.25);
        s.push(2000, f64::NAN);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"name":"line_pressure","labels":{"site":"north"},"t":[1000,2000],"v":[7.25,null]}"#
        );
        let back: Series = serde_json::from_str(&json).unwrap();
        assert!(back.v[1].is_nan());
        assert_eq!(s.key().to_string(), r#"line_pressure{site="north"}"#);
    }
}
