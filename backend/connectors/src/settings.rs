//! Reading a datasource's provisioned settings (`url`, `jsonData`, `secureJsonData`) with
//! errors that name the datasource and the field, shared by every source kind's config.

use pulsegrid_model::{DatasourceConfig, parse_duration_ms};
use serde_json::Value;

use crate::error::{Result, SourceError};

/// A view of one datasource's settings that reports problems as [`SourceError::Config`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings<'a> {
    /// The datasource being read.
    pub(crate) ds: &'a DatasourceConfig,
}

impl<'a> Settings<'a> {
    /// Settings of `ds`.
    pub(crate) fn new(ds: &'a DatasourceConfig) -> Self {
        Settings { ds }
    }

    /// A configuration error for this datasource.
    pub(crate) fn error(&self, message: impl Into<String>) -> SourceError {
        SourceError::Config {
            name: self.ds.name.clone(),
            message: message.into(),
        }
    }

    /// The `url`, required and non-empty.
    pub(crate) fn url(&self, example: &str) -> Result<&'a str> {
        self.ds
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| self.error(format!("`url` is required (e.g. {example})")))
    }

    /// A `jsonData` string field; an empty string counts as absent.
    pub(crate) fn json_str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.ds.json_data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(other) => {
                Err(self.error(format!("`jsonData.{key}` must be a string, found {other}")))
            }
        }
    }

    /// A `jsonData` duration such as `"15s"`; a bare number counts as seconds (Grafana's
    /// `timeout`).
    pub(crate) fn json_duration_ms(&self, key: &str) -> Result<Option<i64>> {
        match self.ds.json_data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Some((s * 1000.0).round() as i64))
                .ok_or_else(|| {
                    self.error(format!(
                        "`jsonData.{key}` must be a positive number of seconds, found {n}"
                    ))
                }),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => {
                let text = s.trim();
                if let Ok(secs) = text.parse::<f64>() {
                    return Ok(Some((secs * 1000.0).round() as i64));
                }
                parse_duration_ms(text)
                    .map(Some)
                    .map_err(|e| self.error(format!("`jsonData.{key}`: {e}")))
            }
            Some(other) => Err(self.error(format!(
                "`jsonData.{key}` must be a duration such as \"15s\", found {other}"
            ))),
        }
    }

    /// A `secureJsonData` secret, if set and non-empty.
    pub(crate) fn secret(&self, key: &str) -> Option<&'a str> {
        self.ds
            .secure_json_data
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// Fields of a panel target, with [`SourceError::InvalidQuery`] errors naming the field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a>(pub(crate) &'a Value);

impl<'a> Target<'a> {
    /// A string field; absent or null is `None`.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(SourceError::InvalidQuery(format!(
                "target field `{key}` must be a string, found {other}"
            ))),
        }
    }

    /// A boolean field (also `"true"`/`"false"`); absent or null is `None`.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(SourceError::InvalidQuery(format!(
                "target field `{key}` must be true or false, found {other}"
            ))),
        }
    }

    /// A number field (also a string spelling one, as Grafana's UI often stores them).
    pub(crate) fn f64(&self, key: &str) -> Result<Option<f64>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| {
                SourceError::InvalidQuery(format!(
                    "target field `{key}` must be a number, found {s:?}"
                ))
            }),
            Some(other) => Err(SourceError::InvalidQuery(format!(
                "target field `{key}` must be a number, found {other}"
            ))),
        }
    }

    /// A duration field such as `"30s"` (Grafana's per-query `interval`); a number is ms.
    pub(crate) fn duration_ms(&self, key: &str) -> Result<Option<i64>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64().map(|ms| ms.round() as i64)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => parse_duration_ms(s)
                .map(Some)
                .map_err(|e| SourceError::InvalidQuery(format!("target field `{key}`: {e}"))),
            Some(other) => Err(SourceError::InvalidQuery(format!(
                "target field `{key}` must be a duration such as \"30s\", found {other}"
            ))),
        }
    }
}
