//! The rules a dashboard document must follow, checked in one pass that collects every
//! problem (not just the first) with its JSON path.
//!
//! The rules are those of Grafana's dashboard JSON model, kept lenient where real exports
//! vary: unknown fields are never an error, `null` counts as absent for optional fields,
//! and an integer may be written as a float without fraction (`12.0`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{as_integer, is_valid_uid};
use crate::error::ValidationError;

/// Every problem in `root`, in document order; empty when it is a valid dashboard.
pub(super) fn validate(root: &Value) -> Vec<ValidationError> {
    let mut v = Validator::default();
    v.dashboard(root);
    v.errors
}

/// The article and name of a JSON value's type, for "expected ..., found ..." messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `parent.key`, or `key` at the root.
fn field_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `obj[key]`, treating `null` as absent (Grafana's Go model does the same).
fn present<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|value| !value.is_null())
}

/// Walks a document, recording problems.
#[derive(Debug, Default)]
struct Validator {
    errors: Vec<ValidationError>,
    /// Each panel id seen so far and the path of the panel that has it.
    panel_ids: HashMap<i64, String>,
}

impl Validator {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError::new(path, message));
    }

    fn mismatch(&mut self, path: &str, expected: &str, found: &Value) {
        self.error(
            path,
            format!("expected {expected}, found {}", describe(found)),
        );
    }

    fn object<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Map<String, Value>> {
        let obj = value.as_object();
        if obj.is_none() {
            self.mismatch(path, "an object", value);
        }
        obj
    }

    fn array<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Vec<Value>> {
        let array = value.as_array();
        if array.is_none() {
            self.mismatch(path, "an array", value);
        }
        array
    }

    fn string<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v str> {
        let s = value.as_str();
        if s.is_none() {
            self.mismatch(path, "a string", value);
        }
        s
    }

    fn integer(&mut self, path: &str, value: &Value) -> Option<i64> {
        let i = as_integer(value);
        if i.is_none() {
            self.mismatch(path, "an integer", value);
        }
        i
    }

    /// `obj[key]`, or an "is required" error when it is absent or null.
    fn required<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Option<&'v Value> {
        let value = present(obj, key);
        if value.is_none() {
            self.error(field_path(parent, key), "is required");
        }
        value
    }

    /// Checks `obj[key]`, when present, with `check(self, path, value)`.
    fn optional<'v, T>(
        &mut self,
        obj: &'v Map<String, Value>,
        parent: &str,
        key: &str,
        check: impl FnOnce(&mut Self, &str, &'v Value) -> Option<T>,
    ) -> Option<T> {
        let value = present(obj, key)?;
        check(self, &field_path(parent, key), value)
    }

    /// Checks that the array `obj[key]` (when present) holds objects, and visits each one
    /// with its path, in document order.
    fn each_object(
        &mut self,
        obj: &Map<String, Value>,
        parent: &str,
        key: &str,
        mut visit: impl FnMut(&mut Self, &str, &Map<String, Value>),
    ) {
        let Some(items) = self.optional(obj, parent, key, Self::array) else {
            return;
        };
        let base = field_path(parent, key);
        for (i, item) in items.iter().enumerate() {
            let path = format!("{base}[{i}]");
            if let Some(item) = self.object(&path, item) {
                visit(self, &path, item);
            }
        }
    }

    fn dashboard(&mut self, root: &Value) {
        let Some(obj) = self.object("", root) else {
            return;
        };

        if let Some(title) = self.required(obj, "", "title")
            && self.string("title", title).is_some_and(str::is_empty)
        {
            self.error("title", "must not be empty");
        }
        if let Some(uid) = self.optional(obj, "", "uid", Self::string)
            && !uid.is_empty()
            && !is_valid_uid(uid)
        {
            let expected = "expected 1 to 40 characters of A-Z, a-z, 0-9, '-' and '_'";
            self.error("uid", format!("invalid uid {uid:?}: {expected}"));
        }
        if let Some(tags) = self.optional(obj, "", "tags", Self::array) {
            for (i, tag) in tags.iter().enumerate() {
                self.string(&format!("tags[{i}]"), tag);
            }
        }
        for key in ["version", "id", "schemaVersion"] {
            self.optional(obj, "", key, Self::integer);
        }
        if let Some(time) = self.optional(obj, "", "time", Self::object) {
            for key in ["from", "to"] {
                if let Some(value) = self.required(time, "time", key) {
                    self.string(&field_path("time", key), value);
                }
            }
        }
        if let Some(refresh) = present(obj, "refresh")
            && !refresh.is_string()
            && !refresh.is_boolean()
        {
            self.mismatch("refresh", "a string or a boolean", refresh);
        }
        if let Some(templating) = self.optional(obj, "", "templating", Self::object) {
            self.each_object(templating, "templating", "list", |v, path, variable| {
                if let Some(name) = v.required(variable, path, "name") {
                    v.string(&field_path(path, "name"), name);
                }
            });
        }
        if let Some(annotations) = self.optional(obj, "", "annotations", Self::object) {
            self.each_object(annotations, "annotations", "list", |_, _, _| {});
        }
        // Legacy (schemaVersion < 16) rows: Grafana migrates them; we only keep them.
        self.optional(obj, "", "rows", Self::array);
        self.each_object(obj, "", "panels", Self::panel);
    }

    fn panel(&mut self, path: &str, panel: &Map<String, Value>) {
        let id_path = field_path(path, "id");
        if let Some(id) = self.required(panel, path, "id")
            && let Some(id) = self.integer(&id_path, id)
        {
            if let Some(first) = self.panel_ids.get(&id) {
                let message = format!("duplicate panel id {id} (also at {first})");
                self.error(id_path, message);
            } else {
                self.panel_ids.insert(id, path.to_owned());
            }
        }

        // A library panel reference takes its type from the library panel it names.
        let is_library_ref = panel.get("libraryPanel").is_some_and(Value::is_object);
        let kind = if is_library_ref {
            self.optional(panel, path, "type", Self::string)
        } else {
            self.required(panel, path, "type")
                .and_then(|kind| self.string(&field_path(path, "type"), kind))
        };
        self.optional(panel, path, "title", Self::string);

        if let Some(grid) = self.optional(panel, path, "gridPos", Self::object) {
            self.grid_pos(&field_path(path, "gridPos"), grid);
        }
        self.each_object(panel, path, "targets", |_, _, _| {});
        if let Some(ds) = present(panel, "datasource")
            && !ds.is_object()
            && !ds.is_string()
        {
            self.mismatch(&field_path(path, "datasource"), "an object or a string", ds);
        }
        self.optional(panel, path, "fieldConfig", Self::object);
        self.optional(panel, path, "options", Self::object);
        self.optional(panel, path, "transformations", Self::array);

        if kind == Some("row") {
            self.each_object(panel, path, "panels", Self::panel);
        }
    }

    /// `gridPos`: a 24-column grid; each coordinate is checked when present.
    fn grid_pos(&mut self, path: &str, grid: &Map<String, Value>) {
        let bounds: [(&str, i64, Option<i64>); 4] = [
            ("h", 1, None),
            ("w", 1, Some(24)),
            ("x", 0, Some(23)),
            ("y", 0, None),
        ];
        for (key, min, max) in bounds {
            let Some(n) = self.optional(grid, path, key, Self::integer) else {
                continue;
            };
            let message = match max {
                Some(max) if n < min || n > max => {
                    format!("must be between {min} and {max}, found {n}")
                }
                None if n < min => format!("must be at least {min}, found {n}"),
                _ => continue,
            };
            self.error(field_path(path, key), message);
        }
    }
}
