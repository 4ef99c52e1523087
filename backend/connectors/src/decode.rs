//! Payload decoding shared by every broker connector: a plain number, JSON with a `field` path
//! (and optional label and time paths), or Influx line protocol; and topic patterns whose
//! named wildcard segments become labels (`plant/+boiler/temp`).
//!
//! A payload that does not decode is an error for that message only: the connector counts it,
//! samples it into the log and tells subscribers with a status frame, and goes on.

mod json_path;
#[cfg(test)]
mod tests;
mod topic;

use std::collections::BTreeMap;

use pulsegrid_model::lineproto::{Precision, line_to_samples, parse_lines};
use pulsegrid_model::{Labels, Sample, SeriesKey, parse_time};
use serde_json::Value;

pub use json_path::JsonPath;
pub use topic::{TopicPattern, WildcardStyle};

use crate::error::{Result, SourceError};

/// How a message's payload is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadFormat {
    /// JSON if it parses as JSON, else a plain number, else line protocol.
    Auto,
    /// The payload is a number (`7.25`, surrounding whitespace allowed).
    Number,
    /// A JSON document; `field` selects the value (a bare JSON number needs no field).
    Json,
    /// Influx line protocol, one or more lines.
    LineProtocol,
}

/// Why one message could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Decodes payloads of one target into samples.
#[derive(Clone, Debug)]
pub struct PayloadDecoder {
    format: PayloadFormat,
    name: String,
    field: Option<JsonPath>,
    labels: BTreeMap<String, JsonPath>,
    time: Option<JsonPath>,
    precision: Precision,
}

impl PayloadDecoder {
    /// Reads the decoding fields of a panel target: `format` (`auto`, `number`, `json`,
    /// `influx`), `field` (JSON path of the value), `labels` (label name -> JSON path),
    /// `timeField` (JSON path of the time: unix ms, seconds with a fraction, or RFC 3339),
    /// `alias` (series name; else `default_name`) and `precision` (line protocol).
    pub fn from_target(target: &Value, default_name: &str) -> Result<Self> {
        let text = |key: &str| {
            target
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let format = match text("format").unwrap_or("auto") {
            "auto" => PayloadFormat::Auto,
            "number" | "plain" => PayloadFormat::Number,
            "json" => PayloadFormat::Json,
            "influx" | "line" | "lineprotocol" | "line_protocol" => PayloadFormat::LineProtocol,
            other => {
                return Err(SourceError::InvalidQuery(format!(
                    "format: expected auto, number, json or influx, found {other:?}"
                )));
            }
        };
        let path = |key: &str, text: &str| {
            JsonPath::parse(text).map_err(|e| SourceError::InvalidQuery(format!("{key}: {e}")))
        };
        let field = text("field").map(|f| path("field", f)).transpose()?;
        let time = text("timeField")
            .map(|f| path("timeField", f))
            .transpose()?;
        let mut labels = BTreeMap::new();
        if let Some(map) = target.get("labels").and_then(Value::as_object) {
            for (name, p) in map {
                let p = p.as_str().ok_or_else(|| {
                    SourceError::InvalidQuery(format!("labels.{name}: expected a JSON path string"))
                })?;
                labels.insert(name.clone(), path(&format!("labels.{name}"), p)?);
            }
        }
        let precision = match text("precision") {
            Some(p) => Precision::parse(p).ok_or_else(|| {
                SourceError::InvalidQuery(format!(
                    "precision: expected ns, us, ms or s, found {p:?}"
                ))
            })?,
            None => Precision::Ns,
        };
        Ok(PayloadDecoder {
            format,
            name: text("alias").unwrap_or(default_name).to_owned(),
            field,
            labels,
            time,
            precision,
        })
    }

    /// Decodes one message into `out`. `topic_labels` (from the topic pattern) are added to
    /// every sample's labels; `now_ms` is the time of samples that carry none.
    pub fn decode(
        &self,
        payload: &[u8],
        topic_labels: &Labels,
        now_ms: i64,
        out: &mut Vec<(SeriesKey, Sample)>,
    ) -> Result<(), DecodeError> {
        let text = std::str::from_utf8(payload)
            .map_err(|_| DecodeError("payload is not UTF-8 text".into()))?;
        match self.format {
            PayloadFormat::Number => self.number(text, topic_labels, now_ms, out),
            PayloadFormat::Json => self.json(text, topic_labels, now_ms, out),
            PayloadFormat::LineProtocol => self.line_protocol(text, topic_labels, now_ms, out),
            PayloadFormat::Auto => {
                let trimmed = text.trim_start();
                if trimmed.starts_with('{') || trimmed.starts_with('[') {
                    self.json(text, topic_labels, now_ms, out)
                } else if trimmed.trim_end().parse::<f64>().is_ok() {
                    self.number(text, topic_labels, now_ms, out)
                } else {
                    self.line_protocol(text, topic_labels, now_ms, out)
                }
            }
        }
    }

    fn number(
        &self,
        text: &str,
        topic_labels: &Labels,
        now_ms: i64,
        out: &mut Vec<(SeriesKey, Sample)>,
    ) -> Result<(), DecodeError> {
        let v: f64 = text
            .trim()
            .parse()
            .map_err(|_| DecodeError(format!("expected a number, found {:?}", excerpt(text))))?;
        out.push((
            SeriesKey::new(self.name.clone(), topic_labels.clone()),
            Sample { t: now_ms, v },
        ));
        Ok(())
    }

    fn json(
        &self,
        text: &str,
        topic_labels: &Labels,
        now_ms: i64,
        out: &mut Vec<(SeriesKey, Sample)>,
    ) -> Result<(), DecodeError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| {
            DecodeError(format!("invalid JSON at {}:{}: {e}", e.line(), e.column()))
        })?;
        // A JSON array of objects is a batch of messages.
        if let Value::Array(items) = &doc
            && items.iter().all(Value::is_object)
            && self.field.as_ref().is_none_or(|f| !f.starts_with_index())
        {
            for item in items {
                self.json_value(item, topic_labels, now_ms, out)?;
            }
            return Ok(());
        }
        self.json_value(&doc, topic_labels, now_ms, out)
    }

    fn json_value(
        &self,
        doc: &Value,
        topic_labels: &Labels,
        now_ms: i64,
        out: &mut Vec<(SeriesKey, Sample)>,
    ) -> Result<(), DecodeError> {
        let value = match &self.field {
            Some(path) => path
                .get(doc)
                .ok_or_else(|| DecodeError(format!("field {path} not found in the message")))?,
            None => doc,
        };
        let v = number_of(value).ok_or_else(|| match &self.field {
            Some(path) => DecodeError(format!(
                "field {path}: expected a number, found {}",
                kind(value)
            )),
            None => DecodeError(format!(
                "expected a number, found {}; set `field` to the JSON path of the value",
                kind(value)
            )),
        })?;
        let mut labels = topic_labels.clone();
        for (name, path) in &self.labels {
            match path.get(doc) {
                Some(Value::String(s)) => labels.insert(name.clone(), s.clone()),
                Some(Value::Null) | None => {}
                Some(other) => labels.insert(name.clone(), other.to_string()),
            }
        }
        let t = match &self.time {
            Some(path) => {
                let raw = path.get(doc).ok_or_else(|| {
                    DecodeError(format!("timeField {path} not found in the message"))
                })?;
                time_of(raw).ok_or_else(|| {
                    DecodeError(format!(
                        "timeField {path}: expected unix ms, seconds or RFC 3339, found {}",
                        excerpt(&raw.to_string())
                    ))
                })?
            }
            None => now_ms,
        };
        out.push((SeriesKey::new(self.name.clone(), labels), Sample { t, v }));
        Ok(())
    }

    fn line_protocol(
        &self,
        text: &str,
        topic_labels: &Labels,
        now_ms: i64,
        out: &mut Vec<(SeriesKey, Sample)>,
    ) -> Result<(), DecodeError> {
        let start = out.len();
        for line in parse_lines(text) {
            let line = line.map_err(|e| DecodeError(format!("line protocol: {e}")))?;
            line_to_samples(&line, self.precision, now_ms, out);
        }
        if out.len() == start {
            return Err(DecodeError(
                "line protocol: no numeric field in the message".into(),
            ));
        }
        if !topic_labels.is_empty() {
            for (key, _) in &mut out[start..] {
                for (name, value) in topic_labels.iter() {
                    if key.labels.get(name).is_none() {
                        key.labels.insert(name, value);
                    }
                }
            }
        }
        Ok(())
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn time_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => {
            let f = n.as_f64()?;
            // Seconds (with a fraction) up to the year 5138, else milliseconds.
            Some(if f.abs() < 1e11 {
                (f * 1000.0) as i64
            } else {
                f as i64
            })
        }
        Value::String(s) => parse_time(s, 0).ok(),
        _ => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The first 40 characters of a payload, for messages.
fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}
