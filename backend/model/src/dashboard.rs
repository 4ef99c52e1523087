//! Grafana dashboard JSON: parse, validate, and read the parts Pulsegrid needs (uid, title,
//! tags, panels and their targets), while keeping the whole document so that every field,
//! known or not, round-trips unchanged.
//!
//! The rules themselves live in `dashboard/validate.rs`; this module holds the model.

mod validate;

use serde_json::{Map, Value};

pub use crate::error::ValidationError;
use crate::error::{ModelError, Result, strip_location};

/// A Grafana dashboard JSON model, validated; the full document is kept so unknown fields round-trip unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// The document; always an object that passed [`validate::validate`].
    json: Value,
}

impl Dashboard {
    /// Parse + validate text. Syntax errors carry origin:line:column (from serde_json's error line/column).
    ///
    /// A leading UTF-8 byte order mark (as some editors write) is ignored.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Dashboard> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| ModelError::Syntax {
            origin: origin.to_owned(),
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string(), e.line(), e.column()),
        })?;
        Self::from_value(value, origin)
    }

    /// Validate an already-parsed value (the API's request body `dashboard` field).
    pub fn from_value(value: Value, origin: &str) -> Result<Dashboard> {
        let errors = validate::validate(&value);
        if errors.is_empty() {
            Ok(Dashboard { json: value })
        } else {
            Err(ModelError::Invalid {
                origin: origin.to_owned(),
                errors,
            })
        }
    }

    /// The dashboard's uid; `None` if the document has no uid (or it is null or "").
    pub fn uid(&self) -> Option<&str> {
        self.json
            .get("uid")
            .and_then(Value::as_str)
            .filter(|uid| !uid.is_empty())
    }

    /// Set the uid (the caller checks it with [`is_valid_uid`] if it comes from outside).
    pub fn set_uid(&mut self, uid: &str) {
        self.insert("uid", Value::from(uid));
    }

    /// The title (validation guarantees a non-empty string).
    pub fn title(&self) -> &str {
        self.json
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The tags, in document order (empty when there are none).
    pub fn tags(&self) -> Vec<String> {
        self.json
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The "version" field if it is an integer (`12.0` counts, as everywhere in this module).
    pub fn version(&self) -> Option<i64> {
        self.json.get("version").and_then(as_integer)
    }

    /// Set the "version" field.
    pub fn set_version(&mut self, v: i64) {
        self.insert("version", Value::from(v));
    }

    /// Set the "id" field (`null` for `None`, as Grafana exports it).
    pub fn set_id(&mut self, id: Option<i64>) {
        self.insert("id", id.map_or(Value::Null, Value::from));
    }

    /// The whole document.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The whole document, owned.
    pub fn into_json(self) -> Value {
        self.json
    }

    /// Every panel, rows' nested `panels` flattened in document order (row panels included).
    pub fn panels(&self) -> Vec<PanelRef<'_>> {
        let mut out = Vec::new();
        if let Some(panels) = self.json.get("panels").and_then(Value::as_array) {
            for panel in panels {
                let Some(top) = PanelRef::new(panel) else {
                    continue;
                };
                out.push(top);
                if top.is_row() {
                    let nested = panel.get("panels").and_then(Value::as_array);
                    out.extend(nested.into_iter().flatten().filter_map(PanelRef::new));
                }
            }
        }
        out
    }

    /// The panel (at any depth) whose id is `id`.
    pub fn panel(&self, id: i64) -> Option<PanelRef<'_>> {
        self.panels().into_iter().find(|panel| panel.id == id)
    }

    /// Set a top-level field. Validation guarantees the document is an object; should that
    /// ever break, the field becomes the document's only one rather than a panic.
    fn insert(&mut self, key: &str, value: Value) {
        match &mut self.json {
            Value::Object(map) => {
                map.insert(key.to_owned(), value);
            }
            other => *other = Value::Object(Map::from_iter([(key.to_owned(), value)])),
        }
    }
}

impl serde::Serialize for Dashboard {
    /// Serializes as the document itself.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

/// Is this a valid dashboard uid (Grafana: 1..=40 chars of [A-Za-z0-9_-])?
pub fn is_valid_uid(uid: &str) -> bool {
    (1..=40).contains(&uid.len())
        && uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A view of one panel of a [`Dashboard`].
#[derive(Debug, Clone, Copy)]
pub struct PanelRef<'a> {
    /// The panel's `id`, unique within the dashboard.
    pub id: i64,
    /// The panel's `type` (`timeseries`, `stat`, `row`, ...); empty for a library panel
    /// reference, which has a `libraryPanel` instead.
    pub kind: &'a str,
    /// The panel's `title`; empty when absent.
    pub title: &'a str,
    /// The panel's whole JSON object.
    pub raw: &'a Value,
}

impl<'a> PanelRef<'a> {
    /// A view of `raw`, if it has an integer id (validated panels always do).
    fn new(raw: &'a Value) -> Option<Self> {
        let field = |key| raw.get(key).and_then(Value::as_str).unwrap_or_default();
        Some(PanelRef {
            id: raw.get("id").and_then(as_integer)?,
            kind: field("type"),
            title: field("title"),
            raw,
        })
    }

    /// Is this a row (a panel that groups, and when collapsed holds, other panels)?
    pub fn is_row(&self) -> bool {
        self.kind == "row"
    }

    /// The panel's queries (`targets`), in order; empty when it has none.
    pub fn targets(&self) -> Vec<&'a Value> {
        self.raw
            .get("targets")
            .and_then(Value::as_array)
            .map(|targets| targets.iter().collect())
            .unwrap_or_default()
    }

    /// The panel's datasource reference: Grafana allows an object {type, uid}, a string (name or uid, or a `${var}`), or null/absent (use the dashboard default).
    ///
    /// `None` for null or absent.
    pub fn datasource(&self) -> Option<&'a Value> {
        self.raw.get("datasource").filter(|ds| !ds.is_null())
    }
}

/// `value` as an integer: a JSON integer, or a float without fraction (`12.0`, as some
/// exported dashboards have) that fits an `i64`.
pub(crate) fn as_integer(value: &Value) -> Option<i64> {
    if let Some(i) = value.as_i64() {
        return Some(i);
    }
    let f = value.as_f64()?;
    // 2^63 is exactly representable; every float in [-2^63, 2^63) fits an i64.
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f);
    // The cast is exact: `f` is integral and in range.
    (f.fract() == 0.0 && in_range).then_some(f as i64)
}

#[cfg(test)]
mod tests;
