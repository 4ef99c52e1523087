//! Dashboard variables and their interpolation into query text, as Grafana does it.
//!
//! A placeholder is `$var`, `${var}`, `${var:format}`, `[[var]]` or `[[var:format]]`.
//! A variable holds one value or several (a multi-value or "include All" variable); the
//! format says how they are written: `csv`, `pipe`, `regex`, `glob`, `json`, `singlequote`,
//! `doublequote`, `sqlstring`, `raw`, `text`, `queryparam`, `lucene`, `percentencode`.
//! Without a format the datasource's default applies ([`TemplateFormat::default_for`]):
//! Prometheus-style sources write several values as the regex `(a|b)` with metacharacters
//! escaped for a PromQL string, others as the glob `{a,b}`. "All" (`$__all`) stands for the
//! variable's custom `allValue`, written verbatim, else for all of its options' values.
//! Unknown variables and Grafana's `$__` macros are left for the source.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::DatasourceKind;

/// The value Grafana stores when "All" is selected.
pub const ALL_VALUE: &str = "$__all";

/// How a variable's values are written into query text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateFormat {
    /// `a,b`.
    Csv,
    /// `a|b`.
    Pipe,
    /// `(a|b)`, each value regex-escaped.
    Regex,
    /// `{a,b}` (one value as is).
    Glob,
    /// `["a","b"]` (one value: `"a"`).
    Json,
    /// `'a','b'` (`'` escaped as `\'`).
    SingleQuote,
    /// `"a","b"` (`"` escaped as `\"`).
    DoubleQuote,
    /// `'a','b'` (`'` doubled, as SQL does).
    SqlString,
    /// `a,b`, nothing escaped.
    Raw,
    /// The display text: `a + b`, `All` for "All".
    Text,
    /// `var-name=a&var-name=b`, URL-encoded.
    QueryParam,
    /// `("a" OR "b")`, Lucene-escaped (one value: escaped, unquoted).
    Lucene,
    /// URL-encoded (several values as `{a,b}` first).
    PercentEncode,
    /// The Prometheus datasource's default: one value of a single-value variable with `\`
    /// and `'` escaped; a multi-value variable as `(a|b)` with regex metacharacters escaped
    /// for a PromQL string (`a\\.b`).
    Prometheus,
}

impl TemplateFormat {
    /// The format a placeholder names (`${var:csv}`); `None` if unknown.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Self::Csv,
            "pipe" => Self::Pipe,
            "regex" => Self::Regex,
            "glob" => Self::Glob,
            "json" => Self::Json,
            "singlequote" => Self::SingleQuote,
            "doublequote" => Self::DoubleQuote,
            "sqlstring" => Self::SqlString,
            "raw" => Self::Raw,
            "text" => Self::Text,
            "queryparam" => Self::QueryParam,
            "lucene" => Self::Lucene,
            "percentencode" => Self::PercentEncode,
            _ => return None,
        })
    }

    /// The format of placeholders without one for a datasource kind: Prometheus and the
    /// `pulsegrid` source (whose selectors are PromQL's) write regexes, others globs.
    pub fn default_for(kind: Option<DatasourceKind>) -> Self {
        match kind {
            Some(DatasourceKind::Prometheus | DatasourceKind::Pulsegrid) => Self::Prometheus,
            _ => Self::Glob,
        }
    }
}

/// One variable's current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variable {
    /// The selected values; with "All" and no custom all value, all of the options' values.
    pub values: Vec<String>,
    /// Whether the variable holds a list (multi-value or "include All"): formats then write
    /// a list even for one value (`(a)` stays `a` in regex, but JSON is `["a"]`).
    pub multi: bool,
    /// "All" is selected.
    pub all: bool,
    /// The custom value "All" stands for (`allValue`), written verbatim.
    pub all_value: Option<String>,
    /// The values of the variable's options, for "All".
    pub options: Vec<String>,
}

impl Variable {
    /// A single value.
    pub fn single(value: impl Into<String>) -> Self {
        Variable {
            values: vec![value.into()],
            ..Variable::default()
        }
    }

    /// Several values.
    pub fn multi(values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Variable {
            values: values.into_iter().map(Into::into).collect(),
            multi: true,
            ..Variable::default()
        }
    }

    /// Selects "All": the custom all value, else every option.
    fn select_all(&mut self) {
        self.all = true;
        self.multi = true;
        self.values = self.options.clone();
    }

    /// The variable written in `format`; `name` is for `queryparam`.
    pub fn format(&self, name: &str, format: TemplateFormat) -> String {
        if self.all {
            if let Some(custom) = &self.all_value
                && !matches!(format, TemplateFormat::Text | TemplateFormat::PercentEncode)
            {
                return custom.clone();
            }
            if format == TemplateFormat::Text {
                return "All".to_owned();
            }
        }
        if !self.multi {
            let one = self.values.first().map_or("", String::as_str);
            return format_one(one, name, format);
        }
        format_many(&self.values, name, format)
    }
}

fn format_one(v: &str, name: &str, format: TemplateFormat) -> String {
    use TemplateFormat as F;
    match format {
        F::Csv | F::Pipe | F::Glob | F::Raw | F::Text => v.to_owned(),
        F::Regex => regex_escape(v),
        F::Json => Value::String(v.to_owned()).to_string(),
        F::SingleQuote => format!("'{}'", v.replace('\'', "\\'")),
        F::DoubleQuote => format!("\"{}\"", v.replace('"', "\\\"")),
        F::SqlString => format!("'{}'", v.replace('\'', "''")),
        F::QueryParam => format!("var-{}={}", percent_encode(name), percent_encode(v)),
        F::Lucene => lucene_escape(v),
        F::PercentEncode => percent_encode(v),
        F::Prometheus => v.replace('\\', "\\\\").replace('\'', "\\\\'"),
    }
}

fn format_many(values: &[String], name: &str, format: TemplateFormat) -> String {
    use TemplateFormat as F;
    let each = |f: &dyn Fn(&str) -> String, sep: &str| {
        values.iter().map(|v| f(v)).collect::<Vec<_>>().join(sep)
    };
    let alternation = |f: &dyn Fn(&str) -> String| match values {
        [one] => f(one),
        _ => format!("({})", each(f, "|")),
    };
    match format {
        F::Csv | F::Raw => values.join(","),
        F::Pipe => values.join("|"),
        F::Text => values.join(" + "),
        F::Glob => match values {
            [one] => one.clone(),
            [] => String::new(),
            _ => format!("{{{}}}", values.join(",")),
        },
        F::Regex => alternation(&regex_escape),
        F::Prometheus => alternation(&prometheus_regex_escape),
        F::Json => Value::Array(values.iter().cloned().map(Value::String).collect()).to_string(),
        F::SingleQuote | F::DoubleQuote | F::SqlString => {
            each(&|v: &str| format_one(v, name, format), ",")
        }
        F::QueryParam => each(&|v: &str| format_one(v, name, format), "&"),
        F::Lucene => match values {
            [] => "__empty__".to_owned(),
            _ => format!(
                "({})",
                each(&|v: &str| format!("\"{}\"", lucene_escape(v)), " OR ")
            ),
        },
        F::PercentEncode => percent_encode(&format!("{{{}}}", values.join(","))),
    }
}

/// Escapes regex metacharacters with one backslash (Grafana's `regexEscape`).
fn regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "\\^$*+?.()|[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes regex metacharacters for a regex inside a PromQL string: `\\.` (Grafana's
/// `prometheusSpecialRegexEscape`).
fn prometheus_regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c == '\\' {
            out.push_str("\\\\\\\\");
            continue;
        }
        if "$^*{}[]'+?.()|".contains(c) {
            out.push_str("\\\\");
        }
        out.push(c);
    }
    out
}

fn lucene_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "!*+-=<>&|()[]{}^~?:\\/\"".contains(c) || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `encodeURIComponent` with `!'()*` escaped too.
fn percent_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Variables by name, with their current values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateVars {
    by_name: HashMap<String, Variable>,
}

impl TemplateVars {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable.
    pub fn insert(&mut self, name: impl Into<String>, variable: Variable) {
        self.by_name.insert(name.into(), variable);
    }

    /// A variable by name.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.by_name.get(name)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The variables of a dashboard (`templating.list`) with their saved `current` values.
    /// Variables without one take their first option, or (constants, text boxes) their
    /// `query`; datasource variables without one are left out.
    pub fn from_dashboard(dashboard: &Value) -> Self {
        let mut vars = TemplateVars::new();
        let list = dashboard
            .pointer("/templating/list")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for def in list {
            let Some(name) = def.get("name").and_then(Value::as_str) else {
                continue;
            };
            if let Some(var) = saved_variable(def) {
                vars.insert(name, var);
            }
        }
        vars
    }

    /// Applies the values a client picked (`{"name": "value" | ["a", "b"]}`), which override
    /// the saved ones; `$__all` selects "All". Variables the dashboard does not define are
    /// added. An error names the field (`vars.name`).
    pub fn apply_overrides(&mut self, overrides: &Map<String, Value>) -> Result<(), String> {
        for (name, value) in overrides {
            let picked: Vec<String> = match value {
                Value::String(s) => vec![s.clone()],
                Value::Number(n) => vec![n.to_string()],
                Value::Bool(b) => vec![b.to_string()],
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s.clone()),
                        Value::Number(n) => Ok(n.to_string()),
                        other => Err(format!(
                            "vars.{name}: expected a string or an array of strings, found an \
                             array holding {other}"
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                other => {
                    return Err(format!(
                        "vars.{name}: expected a string or an array of strings, found {other}"
                    ));
                }
            };
            let var = self.by_name.entry(name.clone()).or_default();
            if picked.iter().any(|v| v == ALL_VALUE) {
                var.select_all();
            } else {
                var.all = false;
                var.multi = var.multi || value.is_array();
                var.values = picked;
            }
        }
        Ok(())
    }

    /// The first value of a variable (for datasource references).
    pub fn first_value(&self, name: &str) -> Option<&str> {
        let var = self.by_name.get(name)?;
        match (&var.all_value, var.all) {
            (Some(custom), true) => Some(custom.as_str()),
            _ => var.values.first().map(String::as_str),
        }
    }

    /// Replaces `$var`, `${var}`, `${var:format}`, `[[var]]` and `[[var:format]]` of known
    /// variables; `default` applies where no format is named (an unknown format is a glob,
    /// as in Grafana). Unknown variables and `$__` macros are left as written.
    pub fn interpolate(&self, text: &str, default: TemplateFormat) -> String {
        if self.by_name.is_empty() || !(text.contains('$') || text.contains("[[")) {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find(['$', '[']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let (placeholder, len) = placeholder(tail);
            let replaced = placeholder.and_then(|(name, format)| {
                let var = self.by_name.get(name)?;
                let format = match format {
                    None => default,
                    Some(f) => TemplateFormat::parse(f).unwrap_or(TemplateFormat::Glob),
                };
                Some(var.format(name, format))
            });
            match replaced {
                Some(value) => out.push_str(&value),
                None => out.push_str(&tail[..len]),
            }
            rest = &tail[len..];
        }
        out.push_str(rest);
        out
    }

    /// [`Self::interpolate`] on every string of a JSON value (a panel target).
    pub fn interpolate_json(&self, value: &Value, default: TemplateFormat) -> Value {
        match value {
            Value::String(s) => Value::String(self.interpolate(s, default)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.interpolate_json(v, default))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.interpolate_json(v, default)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The placeholder at the start of `tail` (which starts with `$` or `[`): its variable name
/// and format, and its length; `(None, 1)` when there is none.
fn placeholder(tail: &str) -> (Option<(&str, Option<&str>)>, usize) {
    let name_and_format = |inner: &str| -> (usize, Option<usize>) {
        match inner.find(':') {
            Some(c) => (c, Some(c + 1)),
            None => (inner.len(), None),
        }
    };
    if let Some(inner) = tail.strip_prefix("${") {
        if let Some(end) = inner.find('}') {
            let body = &inner[..end];
            let (name_end, format_start) = name_and_format(body);
            let name = &body[..name_end];
            if is_name(name) {
                return (Some((name, format_start.map(|s| &body[s..]))), end + 3);
            }
        }
        return (None, 1);
    }
    if let Some(inner) = tail.strip_prefix("[[") {
        if let Some(end) = inner.find("]]") {
            let body = &inner[..end];
            let (name_end, format_start) = name_and_format(body);
            let name = &body[..name_end];
            if is_name(name) {
                return (Some((name, format_start.map(|s| &body[s..]))), end + 4);
            }
        }
        return (None, 1);
    }
    if let Some(inner) = tail.strip_prefix('$') {
        let n = inner
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        if n > 0 {
            return (Some((&inner[..n], None)), n + 1);
        }
    }
    (None, 1)
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A variable from its saved definition.
fn saved_variable(def: &Value) -> Option<Variable> {
    let kind = def.get("type").and_then(Value::as_str).unwrap_or_default();
    let flag = |key| def.get(key).and_then(Value::as_bool).unwrap_or(false);
    let mut var = Variable {
        multi: flag("multi") || flag("includeAll"),
        all_value: def
            .get("allValue")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        options: options(def, kind),
        ..Variable::default()
    };
    let current: Vec<String> = match def.pointer("/current/value") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if current.iter().any(|v| v == ALL_VALUE) {
        var.select_all();
        return Some(var);
    }
    if !current.is_empty() {
        var.multi = var.multi || current.len() > 1;
        var.values = current;
        return Some(var);
    }
    // No saved value: the first option, else (constants, text boxes) the query itself. A
    // datasource variable's `query` is a plugin type, not a value.
    let fallback = match (var.options.first(), kind) {
        (Some(first), _) => first.clone(),
        (None, "datasource") => return None,
        (None, _) => def.get("query").and_then(Value::as_str)?.to_owned(),
    };
    var.values = vec![fallback];
    Some(var)
}

/// The values of a variable's options: saved `options`, else a custom variable's
/// comma-separated `query` (`text : value` pairs allowed).
fn options(def: &Value, kind: &str) -> Vec<String> {
    let saved: Vec<String> = def
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| o.get("value").and_then(Value::as_str))
        .filter(|v| *v != ALL_VALUE)
        .map(str::to_owned)
        .collect();
    if !saved.is_empty() || kind != "custom" {
        return saved;
    }
    def.get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(',')
        .map(|item| item.rsplit_once(" : ").map_or(item, |(_, v)| v).trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests;
