//! Rendering a parsed template against one alert's data, with Go's semantics for truth, field
//! access on maps (a missing label is empty, as Prometheus' `missingkey=zero`), variables and
//! pipelines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::funcs::call;
use super::gofmt::{format_value, go_type};
use super::parse::{Arg, Command, Node, Pipeline};
use super::{TemplateData, TemplateError, notify_funcs, notify_values};
use crate::notify::payload::{self, TemplateAlert};

/// A sample as query results hold it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SampleValue {
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) value: f64,
}

/// A value during execution.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Map(BTreeMap<String, String>),
    Sample(SampleValue),
    List(Vec<SampleValue>),
    /// A time, in Unix milliseconds (from `toTime`).
    Time(i64),
    /// The template's root data (`.`): `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`.
    Root,
    /// Alertmanager's `template.KV` (labels, annotations), with its methods.
    Kv(BTreeMap<String, String>),
    /// `template.Pairs`, from `.SortedPairs`.
    Pairs(Vec<(String, String)>),
    /// One `template.Pair` (`.Name`, `.Value`).
    Pair(String, String),
    /// A `[]string` (`.Names`, `.Values`, `stringSlice`).
    Strings(Vec<String>),
    /// `template.Alerts`, with `.Firing` and `.Resolved`.
    Alerts(Vec<TemplateAlert>),
    /// One `template.Alert`.
    Alert(Box<TemplateAlert>),
    /// A notification template's root, `template.Data`.
    Data(Arc<payload::TemplateData>),
    /// `html/template`'s `HTML` (from `safeHtml`): printed without escaping.
    Html(String),
    /// A `time.Duration` in nanoseconds (`since`).
    Duration(i64),
    /// A time in a zone (`tz`): Unix milliseconds, offset in seconds, abbreviation.
    Zoned(i64, i32, String),
}

impl Value {
    /// Go's `template.IsTrue`.
    pub(crate) fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Sample(_) | Value::Time(_) | Value::Root => true,
            Value::Kv(m) => !m.is_empty(),
            Value::Pairs(p) => !p.is_empty(),
            Value::Strings(s) => !s.is_empty(),
            Value::Alerts(a) => !a.is_empty(),
            Value::Html(s) => !s.is_empty(),
            Value::Duration(d) => *d != 0,
            Value::Pair(..) | Value::Alert(_) | Value::Data(_) | Value::Zoned(..) => true,
        }
    }
}

enum Flow {
    Normal,
    Break,
    Continue,
}

/// Most output one render may produce; a runaway `range` stops here rather than eat memory.
const MAX_OUTPUT: usize = 1 << 20;

/// A named template of a notification template set.
#[derive(Clone, Debug)]
pub(crate) enum Def {
    /// Parsed from `{{define}}`/`{{block}}` or a file's body.
    Nodes(Arc<Vec<Node>>),
    /// Written in Rust (Pulsegrid's default email bodies); its output is never escaped again.
    Native(fn(&payload::TemplateData) -> String),
}

/// Named templates by name.
pub(crate) type Defs = BTreeMap<String, Def>;

/// How deep `{{template}}` calls may nest (a template calling itself stops here).
const MAX_TEMPLATE_DEPTH: usize = 100;

pub(crate) struct Exec<'a, 'd> {
    data: &'a TemplateData<'d>,
    vars: Vec<(String, Value)>,
    pub(crate) out: String,
    /// Notification templates: the named templates, and whether output is HTML-escaped.
    notify: Option<(&'a Defs, bool)>,
    depth: usize,
}

impl<'a, 'd> Exec<'a, 'd> {
    pub(crate) fn new(data: &'a TemplateData<'d>) -> Self {
        let labels: BTreeMap<_, _> = data
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ext: BTreeMap<_, _> = data
            .external_labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let vars = vec![
            (String::new(), Value::Root),
            ("labels".into(), Value::Map(labels)),
            ("externalLabels".into(), Value::Map(ext)),
            (
                "externalURL".into(),
                Value::Str(data.external_url.to_string()),
            ),
            ("value".into(), Value::Float(data.value)),
        ];
        Exec {
            data,
            vars,
            out: String::new(),
            notify: None,
            depth: 0,
        }
    }

    /// An executor of notification templates: `$` is `root`, `{{template}}` finds `defs`, and
    /// with `html` printed values are escaped as `html/template` escapes text.
    pub(crate) fn notify(
        data: &'a TemplateData<'d>,
        root: Value,
        defs: &'a Defs,
        html: bool,
    ) -> Self {
        Exec {
            data,
            vars: vec![(String::new(), root)],
            out: String::new(),
            notify: Some((defs, html)),
            depth: 0,
        }
    }

    fn call_fn(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        if self.notify.is_some()
            && let Some(r) = notify_funcs::call(name, &args)
        {
            return r;
        }
        call(name, args, self.data)
    }

    fn print(&mut self, v: &Value) {
        match (self.notify, v) {
            (Some((_, true)), Value::Html(h)) => self.out.push_str(h),
            (Some((_, true)), v) => {
                let text = notify_values::format(v);
                notify_funcs::html_escape_into(&mut self.out, &text);
            }
            (Some(_), v) => self.out.push_str(&notify_values::format(v)),
            (None, v) => {
                let _ = write!(self.out, "{}", format_value(v));
            }
        }
    }

    fn template(
        &mut self,
        name: &str,
        dot: Value,
        pos: (usize, usize),
    ) -> Result<(), TemplateError> {
        let fail = |message: String| TemplateError {
            line: pos.0,
            column: pos.1,
            message,
        };
        let def = self
            .notify
            .and_then(|(defs, _)| defs.get(name).cloned())
            .ok_or_else(|| fail(format!("template {name:?} not defined")))?;
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return Err(fail(format!(
                "template {name:?}: exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"
            )));
        }
        match def {
            Def::Native(render) => match &dot {
                Value::Data(d) => self.out.push_str(&render(d)),
                other => {
                    return Err(fail(format!(
                        "template {name:?} needs the notification data, got {}",
                        notify_values::go_type(other)
                    )));
                }
            },
            Def::Nodes(nodes) => {
                let vars = std::mem::replace(&mut self.vars, vec![(String::new(), dot.clone())]);
                self.depth += 1;
                let result = self.list(&nodes, &dot);
                self.depth -= 1;
                self.vars = vars;
                result?;
            }
        }
        Ok(())
    }

    pub(crate) fn run(&mut self, nodes: &[Node], dot: &Value) -> Result<(), TemplateError> {
        self.list(nodes, dot).map(|_| ())
    }

    fn list(&mut self, nodes: &[Node], dot: &Value) -> Result<Flow, TemplateError> {
        for node in nodes {
            if self.out.len() > MAX_OUTPUT {
                return Err(TemplateError {
                    line: 0,
                    column: 0,
                    message: "output exceeds 1 MiB".into(),
                });
            }
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipeline(p, dot)?;
                    if p.decl.is_empty() {
                        self.print(&v);
                    }
                }
                Node::Template(name, p, pos) => {
                    let v = match p {
                        Some(p) => self.pipeline(p, dot)?,
                        None => Value::Nil,
                    };
                    self.template(name, v, *pos)?;
                }
                Node::If(p, then, els) => {
                    let saved = self.vars.len();
                    let v = self.pipeline(p, dot)?;
                    let flow = self.list(if v.truth() { then } else { els }, dot)?;
                    self.vars.truncate(saved);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::With(p, body, els) => {
                    let saved = self.vars.len();
                    let v = self.pipeline(p, dot)?;
                    let flow = if v.truth() {
                        self.list(body, &v)?
                    } else {
                        self.list(els, dot)?
                    };
                    self.vars.truncate(saved);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range(p, body, els) => {
                    let saved = self.vars.len();
                    let mut decl = p.clone();
                    let names = std::mem::take(&mut decl.decl);
                    let v = self.pipeline(&decl, dot)?;
                    let items: Vec<(Value, Value)> = match v {
                        Value::Map(m) => m
                            .into_iter()
                            .map(|(k, v)| (Value::Str(k), Value::Str(v)))
                            .collect(),
                        Value::List(l) => l
                            .into_iter()
                            .enumerate()
                            .map(|(i, s)| (Value::Int(i as i64), Value::Sample(s)))
                            .collect(),
                        Value::Nil => Vec::new(),
                        other if notify_values::range_items(&other).is_some() => {
                            notify_values::range_items(&other).unwrap_or_default()
                        }
                        other => {
                            return Err(self.fail(
                                p,
                                &format!("range can't iterate over {}", format_value(&other)),
                            ));
                        }
                    };
                    if items.is_empty() {
                        let flow = self.list(els, dot)?;
                        if !matches!(flow, Flow::Normal) {
                            return Ok(flow);
                        }
                    }
                    for (key, item) in items {
                        self.vars.truncate(saved);
                        match names.as_slice() {
                            [one] => self.vars.push((one.clone(), item.clone())),
                            [k, e] => {
                                self.vars.push((k.clone(), key));
                                self.vars.push((e.clone(), item.clone()));
                            }
                            _ => {}
                        }
                        if let Flow::Break = self.list(body, &item)? {
                            break;
                        }
                    }
                    self.vars.truncate(saved);
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn fail(&self, p: &Pipeline, msg: &str) -> TemplateError {
        TemplateError {
            line: p.pos.0,
            column: p.pos.1,
            message: msg.to_string(),
        }
    }

    fn pipeline(&mut self, p: &Pipeline, dot: &Value) -> Result<Value, TemplateError> {
        let mut last: Option<Value> = None;
        for cmd in &p.cmds {
            last = Some(self.command(p, cmd, dot, last)?);
        }
        let v = last.unwrap_or(Value::Nil);
        for name in &p.decl {
            // `$x := v` declares; `$x = v` assigns the innermost existing `$x`.
            match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                Some(slot) if p.assign => slot.1 = v.clone(),
                _ => self.vars.push((name.clone(), v.clone())),
            }
        }
        Ok(v)
    }

    fn command(
        &mut self,
        p: &Pipeline,
        cmd: &Command,
        dot: &Value,
        piped: Option<Value>,
    ) -> Result<Value, TemplateError> {
        match cmd.args.first() {
            Some(Arg::Func(name)) => {
                let mut args = Vec::with_capacity(cmd.args.len());
                for a in &cmd.args[1..] {
                    args.push(self.arg(p, a, dot)?);
                }
                args.extend(piped);
                self.call_fn(name, args)
                    .map_err(|e| self.fail(p, &format!("error calling {name}: {e}")))
            }
            // `.CommonLabels.Remove .GroupLabels.Names`: a method with arguments.
            Some(first @ (Arg::Field(path) | Arg::Var(_, path) | Arg::Sub(_, path)))
                if self.notify.is_some()
                    && !path.is_empty()
                    && (cmd.args.len() > 1 || piped.is_some()) =>
            {
                let (name, prefix) = path.split_last().unwrap_or((&path[0], &[]));
                let recv = match first {
                    Arg::Field(_) => Arg::Field(prefix.to_vec()),
                    Arg::Var(v, _) => Arg::Var(v.clone(), prefix.to_vec()),
                    Arg::Sub(inner, _) => Arg::Sub(inner.clone(), prefix.to_vec()),
                    other => other.clone(),
                };
                let recv = self.arg(p, &recv, dot)?;
                let mut args = Vec::with_capacity(cmd.args.len());
                for a in &cmd.args[1..] {
                    args.push(self.arg(p, a, dot)?);
                }
                args.extend(piped);
                notify_values::method(recv, name, args)
                    .map_err(|e| self.fail(p, &format!("error calling {name}: {e}")))
            }
            Some(first) => {
                if cmd.args.len() > 1 || piped.is_some() {
                    return Err(self.fail(
                        p,
                        &format!("can't give argument to non-function {}", describe(first)),
                    ));
                }
                self.arg(p, first, dot)
            }
            None => Ok(Value::Nil),
        }
    }

    fn arg(&mut self, p: &Pipeline, a: &Arg, dot: &Value) -> Result<Value, TemplateError> {
        Ok(match a {
            Arg::Field(path) => self.walk(p, dot.clone(), path)?,
            Arg::Var(name, path) => {
                let v = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::Nil);
                self.walk(p, v, path)?
            }
            Arg::Func(name) => self
                .call_fn(name, Vec::new())
                .map_err(|e| self.fail(p, &format!("error calling {name}: {e}")))?,
            Arg::Str(s) => Value::Str(s.clone()),
            Arg::Int(i) => Value::Int(*i),
            Arg::Float(f) => Value::Float(*f),
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Nil => Value::Nil,
            Arg::Sub(inner, path) => {
                let v = self.pipeline(inner, dot)?;
                self.walk(p, v, path)?
            }
        })
    }

    fn walk(&self, p: &Pipeline, mut v: Value, path: &[String]) -> Result<Value, TemplateError> {
        for field in path {
            v = match (v, field.as_str()) {
                (Value::Root, "Labels") => Value::Map(
                    self.data
                        .labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                (Value::Root, "ExternalLabels") => Value::Map(
                    self.data
                        .external_labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                (Value::Root, "ExternalURL") => Value::Str(self.data.external_url.to_string()),
                (Value::Root, "Value") => Value::Float(self.data.value),
                (Value::Map(m), key) => Value::Str(m.get(key).cloned().unwrap_or_default()),
                (Value::Sample(s), "Labels") => Value::Map(s.labels),
                (Value::Sample(s), "Value") => Value::Float(s.value),
                (other, f) if self.notify.is_some() => {
                    notify_values::field(other, f).map_err(|e| self.fail(p, &e))?
                }
                (other, f) => {
                    return Err(self.fail(
                        p,
                        &format!("can't evaluate field {f} in type {}", go_type(&other)),
                    ));
                }
            };
        }
        Ok(v)
    }
}

fn describe(a: &Arg) -> String {
    match a {
        Arg::Field(p) if p.is_empty() => ".".into(),
        Arg::Field(p) => format!(".{}", p.join(".")),
        Arg::Var(n, _) => format!("${n}"),
        Arg::Str(s) => format!("{s:?}"),
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => f.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Nil => "nil".into(),
        Arg::Func(f) => f.clone(),
        Arg::Sub(..) => "(...)".into(),
    }
}
