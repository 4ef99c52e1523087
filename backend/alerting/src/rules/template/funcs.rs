//! The functions a template may call: Go's builtins (`printf`, `eq`, `and`, `len`, `index`…) and
//! Prometheus' (`humanize`, `humanizeDuration`, `reReplaceAll`, `query`, `first`, `label`…), with
//! the outputs Prometheus documents.

use std::cmp::Ordering;

use super::TemplateData;
use super::exec::{SampleValue, Value};
use super::gofmt::{format_value, go_type, sprintf};

/// Go's text/template builtins: every template knows them.
pub(crate) const GO_BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// The function names Prometheus 2.42's templates add to Go's; others fail at parse time, as
/// in promtool.
const KNOWN: &[&str] = &[
    // Prometheus.
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "stripPort",
];

pub(crate) fn is_known_function(name: &str) -> bool {
    GO_BUILTINS.contains(&name) || KNOWN.contains(&name)
}

type R = Result<Value, String>;

pub(crate) fn call(name: &str, args: Vec<Value>, data: &TemplateData<'_>) -> R {
    let n = args.len();
    let want = |k: usize| -> Result<(), String> {
        if n == k {
            Ok(())
        } else {
            Err(format!("wrong number of args for {name}: want {k} got {n}"))
        }
    };
    match name {
        "and" | "or" => {
            if n == 0 {
                return Err(format!(
                    "wrong number of args for {name}: want at least 1 got 0"
                ));
            }
            let stop_on = name == "or";
            let mut last = Value::Nil;
            for a in args {
                if a.truth() == stop_on {
                    return Ok(a);
                }
                last = a;
            }
            Ok(last)
        }
        "not" => {
            want(1)?;
            Ok(Value::Bool(!args[0].truth()))
        }
        "eq" => {
            if n < 2 {
                return Err("missing argument for comparison".into());
            }
            for b in &args[1..] {
                if compare(&args[0], b, true)? == Ordering::Equal {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        "ne" | "lt" | "le" | "gt" | "ge" => {
            want(2)?;
            let o = compare(&args[0], &args[1], name == "ne")?;
            Ok(Value::Bool(match name {
                "ne" => o != Ordering::Equal,
                "lt" => o == Ordering::Less,
                "le" => o != Ordering::Greater,
                "gt" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
        "len" => {
            want(1)?;
            match &args[0] {
                Value::Str(s) => Ok(Value::Int(s.len() as i64)),
                Value::Map(m) => Ok(Value::Int(m.len() as i64)),
                Value::List(l) => Ok(Value::Int(l.len() as i64)),
                other => Err(format!("len of type {}", go_type(other))),
            }
        }
        "index" => {
            let mut it = args.into_iter();
            let mut v = it.next().ok_or("index of untyped nil")?;
            for key in it {
                v = match (v, key) {
                    (Value::Map(m), Value::Str(k)) => {
                        Value::Str(m.get(&k).cloned().unwrap_or_default())
                    }
                    (Value::List(l), Value::Int(i)) => {
                        let s = usize::try_from(i).ok().and_then(|i| l.get(i).cloned());
                        Value::Sample(s.ok_or_else(|| format!("index out of range: {i}"))?)
                    }
                    (v, _) => return Err(format!("can't index item of type {}", go_type(&v))),
                };
            }
            Ok(v)
        }
        "print" => Ok(Value::Str(go_sprint(&args))),
        "println" => {
            let parts: Vec<_> = args.iter().map(format_value).collect();
            Ok(Value::Str(format!("{}\n", parts.join(" "))))
        }
        "printf" => {
            let Some((Value::Str(f), rest)) = args.split_first() else {
                return Err("printf needs a format string".into());
            };
            Ok(Value::Str(sprintf(f, rest)))
        }
        "html" => Ok(Value::Str(html_escape(&go_sprint(&args)))),
        "js" => Ok(Value::Str(js_escape(&go_sprint(&args)))),
        "urlquery" => Ok(Value::Str(query_escape(&go_sprint(&args)))),
        "call" | "slice" => Err(format!("{name} is not supported in rule templates")),
        "humanize" | "humanize1024" | "humanizeDuration" | "humanizePercentage"
        | "humanizeTimestamp" => {
            want(1)?;
            let v = to_float(&args[0])?;
            Ok(Value::Str(match name {
                "humanize" => humanize(v),
                "humanize1024" => humanize1024(v),
                "humanizeDuration" => humanize_duration(v),
                "humanizePercentage" => format!("{}%", g4(v * 100.0)),
                _ => humanize_timestamp(v),
            }))
        }
        "toTime" => {
            want(1)?;
            let v = to_float(&args[0])?;
            Ok(Value::Time((v * 1000.0) as i64))
        }
        "parseDuration" => {
            want(1)?;
            let s = to_str(&args[0])?;
            let ms = crate::rules::duration::parse_duration(&s).map_err(|e| e.to_string())?;
            Ok(Value::Float(ms as f64 / 1000.0))
        }
        "toUpper" | "toLower" | "title" | "safeHtml" | "stripPort" | "graphLink" | "tableLink" => {
            want(1)?;
            let s = to_str(&args[0])?;
            Ok(Value::Str(match name {
                "toUpper" => s.to_uppercase(),
                "toLower" => s.to_lowercase(),
                "title" => title(&s),
                "stripPort" => strip_port(&s),
                "graphLink" => format!("/graph?g0.expr={}&g0.tab=0", query_escape(&s)),
                "tableLink" => format!("/graph?g0.expr={}&g0.tab=1", query_escape(&s)),
                _ => s,
            }))
        }
        "match" => {
            want(2)?;
            let re = regex::Regex::new(&to_str(&args[0])?).map_err(|e| e.to_string())?;
            Ok(Value::Bool(re.is_match(&to_str(&args[1])?)))
        }
        "reReplaceAll" => {
            want(3)?;
            let re = regex::Regex::new(&to_str(&args[0])?).map_err(|e| e.to_string())?;
            let repl = to_str(&args[1])?;
            Ok(Value::Str(
                re.replace_all(&to_str(&args[2])?, repl.as_str())
                    .into_owned(),
            ))
        }
        "pathPrefix" => Ok(Value::Str(path_prefix(data.external_url))),
        "externalURL" => Ok(Value::Str(data.external_url.to_string())),
        "args" => Ok(Value::Map(
            args.iter()
                .enumerate()
                .map(|(i, a)| (format!("arg{i}"), format_value(a)))
                .collect(),
        )),
        "query" => {
            want(1)?;
            let q = to_str(&args[0])?;
            let Some(run) = data.query else {
                return Err("query is not available here".into());
            };
            let rows = run(&q)?;
            Ok(Value::List(
                rows.into_iter()
                    .map(|(labels, value)| SampleValue {
                        labels: labels
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        value,
                    })
                    .collect(),
            ))
        }
        "first" => {
            want(1)?;
            match &args[0] {
                Value::List(l) => l
                    .first()
                    .cloned()
                    .map(Value::Sample)
                    .ok_or_else(|| "first() called on vector with no elements".into()),
                other => Err(format!("first() of {}", go_type(other))),
            }
        }
        "label" | "strvalue" | "value" => {
            let s = match args.last() {
                Some(Value::Sample(s)) => s,
                Some(other) => return Err(format!("{name}() of {}", go_type(other))),
                None => return Err(format!("wrong number of args for {name}")),
            };
            Ok(match name {
                "label" => Value::Str(
                    s.labels
                        .get(&to_str(&args[0])?)
                        .cloned()
                        .unwrap_or_default(),
                ),
                "strvalue" => Value::Str(s.labels.get("__value__").cloned().unwrap_or_default()),
                _ => Value::Float(s.value),
            })
        }
        "sortByLabel" => {
            want(2)?;
            let key = to_str(&args[0])?;
            let Value::List(mut l) = args[1].clone() else {
                return Err(format!("sortByLabel of {}", go_type(&args[1])));
            };
            l.sort_by(|a, b| a.labels.get(&key).cmp(&b.labels.get(&key)));
            Ok(Value::List(l))
        }
        other => Err(format!("function {other:?} not defined")),
    }
}

/// Compares basic values; unlike Go, an int and a float compare by value (Go refuses
/// `gt $value 1`, which is a common surprise).
fn compare(a: &Value, b: &Value, equality: bool) -> Result<Ordering, String> {
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) if equality => Ok(if x == y {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        (Value::Nil, Value::Nil) if equality => Ok(Ordering::Equal),
        _ => match (num(a), num(b)) {
            // NaN equals nothing and orders below nothing: report it as "less" only for `ne`.
            (Some(x), Some(y)) => Ok(x.partial_cmp(&y).unwrap_or(Ordering::Less)),
            _ => Err("incompatible types for comparison".into()),
        },
    }
}

fn to_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
        other => Err(format!("can't convert {} to float", go_type(other))),
    }
}

fn to_str(v: &Value) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(format!("expected string; found {}", go_type(other))),
    }
}

/// Go's `fmt.Sprint`: a space between operands when neither is a string.
fn go_sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::Str(_)) && !matches!(args[i - 1], Value::Str(_)) {
            out.push(' ');
        }
        out.push_str(&format_value(a));
    }
    out
}

fn g4(v: f64) -> String {
    super::gofmt::fmt_g(v, Some(4))
}

/// Prometheus' `humanize`: SI prefixes, 4 significant digits.
pub(crate) fn humanize(mut v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return g4(v);
    }
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", g4(v))
}

/// Prometheus' `humanize1024`: binary prefixes.
pub(crate) fn humanize1024(mut v: f64) -> String {
    if v.abs() <= 1.0 || !v.is_finite() {
        return g4(v);
    }
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", g4(v))
}

/// Prometheus' `humanizeDuration`: seconds as `1d 2h 3m 4s`, or `1.5ms` below a second.
pub(crate) fn humanize_duration(mut v: f64) -> String {
    if !v.is_finite() {
        return g4(v);
    }
    if v == 0.0 {
        return format!("{}s", g4(v));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        v = v.abs();
        let d = v as i64;
        let (s, m, h, days) = (d % 60, d / 60 % 60, d / 3600 % 24, d / 86_400);
        return if days != 0 {
            format!("{sign}{days}d {h}h {m}m {s}s")
        } else if h != 0 {
            format!("{sign}{h}h {m}m {s}s")
        } else if m != 0 {
            format!("{sign}{m}m {s}s")
        } else {
            format!("{sign}{}s", g4(v))
        };
    }
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", g4(v))
}

fn humanize_timestamp(v: f64) -> String {
    if !v.is_finite() {
        return g4(v);
    }
    super::gofmt::go_time((v * 1000.0) as i64)
}

/// Go's `strings.Title`: upper-cases the first letter of each word.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_');
    }
    out
}

fn strip_port(s: &str) -> String {
    if let Some((host, _)) = s.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        return host.to_string();
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host.to_string()
        }
        _ => s.to_string(),
    }
}

fn path_prefix(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    after_scheme.find('/').map_or(String::new(), |i| {
        after_scheme[i..].trim_end_matches('/').to_string()
    })
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
