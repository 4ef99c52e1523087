//! Reading one provisioning document (already env-expanded) into the model, checking each
//! field's type with its path and collecting every problem.
//!
//! Field types are checked here rather than left to serde so that each problem names its
//! path (`datasources[1].orgId`) and all of them are reported at once; the checked fields
//! then go through `DatasourceConfig`'s own `Deserialize`.

use serde_yaml_ng::{Mapping, Value};

use super::{DatasourceConfig, DatasourceProvisioning};
use crate::error::ValidationError;

/// Optional fields that hold text; a number or boolean is taken as its text (`uid: 42`).
const STRING_FIELDS: [&str; 6] = ["uid", "url", "access", "user", "database", "basicAuthUser"];
/// Fields that hold a boolean.
const BOOL_FIELDS: [&str; 4] = ["isDefault", "basicAuth", "withCredentials", "editable"];
/// Fields that hold an integer.
const INT_FIELDS: [&str; 2] = ["orgId", "version"];
/// Legacy top-level secrets that Grafana moves into `secureJsonData`.
const LEGACY_SECRETS: [&str; 2] = ["password", "basicAuthPassword"];

/// The provisioning file `root`, or every problem found in it.
pub(super) fn read_file(root: &Value) -> Result<DatasourceProvisioning, Vec<ValidationError>> {
    let mut reader = Reader::default();
    let out = reader.file(root);
    if reader.errors.is_empty() {
        Ok(out)
    } else {
        Err(reader.errors)
    }
}

/// The article and name of a YAML value's type, for "expected ..., found ..." messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// `value` without YAML tags (`!!str x` reads as `x`).
fn untagged(mut value: &Value) -> &Value {
    while let Value::Tagged(tagged) = value {
        value = &tagged.value;
    }
    value
}

/// Collects problems while reading.
#[derive(Debug, Default)]
struct Reader {
    errors: Vec<ValidationError>,
}

impl Reader {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError::new(path, message));
    }

    fn mismatch(&mut self, path: &str, expected: &str, found: &Value) {
        self.error(
            path,
            format!("expected {expected}, found {}", describe(found)),
        );
    }

    fn file(&mut self, root: &Value) -> DatasourceProvisioning {
        let mut out = DatasourceProvisioning::default();
        let root = untagged(root);
        if root.is_null() {
            return out; // an empty file provisions nothing
        }
        let Some(root) = root.as_mapping() else {
            self.mismatch("", "a mapping", root);
            return out;
        };
        if let Some(version) = present(root, "apiVersion") {
            match self.integer("apiVersion", version) {
                Some(v) if v != 1 => self.error("apiVersion", format!("expected 1, found {v}")),
                _ => {}
            }
        }
        self.each_mapping(root, "datasources", |reader, path, item| {
            if let Some(datasource) = reader.datasource(path, item) {
                out.datasources.push(datasource);
            }
        });
        self.each_mapping(root, "deleteDatasources", |reader, path, item| {
            let name = reader.required_string(item, path, "name");
            let org_id = present(item, "orgId")
                .and_then(|org| reader.integer(&format!("{path}.orgId"), org));
            if let Some(name) = name {
                out.delete_datasources.push((name, org_id));
            }
        });
        out
    }

    /// Visits, in order and with their paths, the elements of the list `root[key]`
    /// (absent or null: none), reporting those that are not mappings.
    fn each_mapping(
        &mut self,
        root: &Mapping,
        key: &str,
        mut visit: impl FnMut(&mut Self, &str, &Mapping),
    ) {
        let Some(list) = present(root, key) else {
            return;
        };
        let Some(list) = list.as_sequence() else {
            self.mismatch(key, "a list", list);
            return;
        };
        for (i, item) in list.iter().enumerate() {
            let path = format!("{key}[{i}]");
            match untagged(item).as_mapping() {
                Some(item) => visit(self, &path, item),
                None => self.mismatch(&path, "a mapping", item),
            }
        }
    }

    /// One datasource: its fields checked and coerced, then deserialized.
    fn datasource(&mut self, path: &str, item: &Mapping) -> Option<DatasourceConfig> {
        let errors_before = self.errors.len();
        let mut clean = Mapping::new();
        for key in ["name", "type"] {
            if let Some(value) = self.required_string(item, path, key) {
                clean.insert(Value::from(key), Value::String(value));
            }
        }
        let mut secrets = Mapping::new();
        for (key, value) in item {
            let (Some(key), value) = (key.as_str(), untagged(value)) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let field = format!("{path}.{key}");
            let checked = if key == "name" || key == "type" {
                None // checked above
            } else if STRING_FIELDS.contains(&key) {
                self.string(&field, value).map(Value::String)
            } else if BOOL_FIELDS.contains(&key) {
                self.boolean(&field, value).map(Value::Bool)
            } else if INT_FIELDS.contains(&key) {
                self.integer(&field, value).map(Value::from)
            } else if key == "jsonData" {
                value.as_mapping().map(|_| value.clone()).or_else(|| {
                    self.mismatch(&field, "a mapping", value);
                    None
                })
            } else if key == "secureJsonData" {
                self.secrets(&field, value, &mut secrets);
                None
            } else {
                None // unknown keys: Grafana has many, and ignores what it does not use
            };
            if let Some(checked) = checked {
                clean.insert(Value::from(key), checked);
            }
        }
        for legacy in LEGACY_SECRETS {
            let Some(value) = present(item, legacy) else {
                continue;
            };
            if let Some(secret) = self.string(&format!("{path}.{legacy}"), value) {
                secrets
                    .entry(Value::from(legacy))
                    .or_insert(Value::String(secret));
            }
        }
        clean.insert(Value::from("secureJsonData"), Value::Mapping(secrets));

        if self.errors.len() > errors_before {
            return None;
        }
        match serde_yaml_ng::from_value(Value::Mapping(clean)) {
            Ok(datasource) => Some(datasource),
            Err(e) => {
                self.error(path, e.to_string());
                None
            }
        }
    }

    /// `secureJsonData`: a mapping of secrets, each kept as text.
    fn secrets(&mut self, path: &str, value: &Value, into: &mut Mapping) {
        let Some(map) = value.as_mapping() else {
            self.mismatch(path, "a mapping", value);
            return;
        };
        for (key, secret) in map {
            let Some(key) = key.as_str() else { continue };
            let secret = untagged(secret);
            if secret.is_null() {
                continue;
            }
            if let Some(secret) = self.string(&format!("{path}.{key}"), secret) {
                into.insert(Value::from(key), Value::String(secret));
            }
        }
    }

    fn required_string(&mut self, item: &Mapping, path: &str, key: &str) -> Option<String> {
        let field = format!("{path}.{key}");
        match present(item, key) {
            None => {
                self.error(field, "is required");
                None
            }
            Some(value) => {
                let s = self.string(&field, value)?;
                if s.is_empty() {
                    self.error(field, "is required");
                    return None;
                }
                Some(s)
            }
        }
    }

    /// Text; a number or boolean is taken as its text, as Go's YAML decoder does.
    fn string(&mut self, path: &str, value: &Value) -> Option<String> {
        match untagged(value) {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.mismatch(path, "a string", other);
                None
            }
        }
    }

    /// A boolean, or a string spelling one as Go's `strconv.ParseBool` accepts.
    fn boolean(&mut self, path: &str, value: &Value) -> Option<bool> {
        match untagged(value) {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.as_str() {
                "true" | "True" | "TRUE" | "t" | "T" | "1" => Some(true),
                "false" | "False" | "FALSE" | "f" | "F" | "0" => Some(false),
                _ => {
                    self.error(path, format!("expected a boolean, found {s:?}"));
                    None
                }
            },
            other => {
                self.mismatch(path, "a boolean", other);
                None
            }
        }
    }

    /// An integer, or a string spelling one (`orgId: ${ORG}`).
    fn integer(&mut self, path: &str, value: &Value) -> Option<i64> {
        match untagged(value) {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::String(s) => s.trim().parse().ok().or_else(|| {
                self.error(path, format!("expected an integer, found {s:?}"));
                None
            }),
            other => {
                self.mismatch(path, "an integer", other);
                None
            }
        }
    }
}

/// `map[key]` without tags, treating null as absent.
fn present<'v>(map: &'v Mapping, key: &str) -> Option<&'v Value> {
    map.get(key).map(untagged).filter(|value| !value.is_null())
}
