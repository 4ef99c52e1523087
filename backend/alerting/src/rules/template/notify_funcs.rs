//! Alertmanager's notification template functions (its `template.DefaultFuncs`): `toUpper`,
//! `toLower`, `title`, `trimSpace`, `join`, `match`, `safeHtml`, `safeUrl`, `urlUnescape`,
//! `reReplaceAll`, `stringSlice`, `date`, `tz`, `since`, `humanizeDuration`, `toJson`; `len` and
//! `index` of its values; and `html/template`'s escaping of printed text.

use std::time::{SystemTime, UNIX_EPOCH};

use super::exec::Value;
use super::notify_values::go_type;

/// Alertmanager's functions, which notification templates may call beside Go's builtins.
const KNOWN: &[&str] = &[
    "toUpper",
    "toLower",
    "title",
    "trimSpace",
    "join",
    "match",
    "safeHtml",
    "safeUrl",
    "urlUnescape",
    "reReplaceAll",
    "stringSlice",
    "date",
    "tz",
    "since",
    "humanizeDuration",
    "toJson",
];

pub(crate) fn is_known_notify_function(name: &str) -> bool {
    super::funcs::GO_BUILTINS.contains(&name) || KNOWN.contains(&name)
}

type R = Result<Value, String>;

fn string(name: &str, v: &Value) -> Result<String, String> {
    match v {
        Value::Str(s) | Value::Html(s) => Ok(s.clone()),
        other => Err(format!(
            "wrong type for value; expected string; got {} (in {name})",
            go_type(other)
        )),
    }
}

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ))
    }
}

/// Calls a function that Alertmanager defines differently from Prometheus (or that only it
/// has); `None` hands the call to the shared builtins.
pub(crate) fn call(name: &str, args: &[Value]) -> Option<R> {
    let one = |f: fn(&str) -> String| -> R {
        arity(name, args, 1)?;
        Ok(Value::Str(f(&string(name, &args[0])?)))
    };
    Some(match name {
        "toUpper" => one(str::to_uppercase),
        "toLower" => one(str::to_lowercase),
        "title" => one(title),
        "trimSpace" => one(|s| s.trim().to_string()),
        "safeUrl" => one(str::to_string),
        "safeHtml" => one(str::to_string).map(|v| match v {
            Value::Str(s) => Value::Html(s),
            other => other,
        }),
        "urlUnescape" => arity(name, args, 1)
            .and_then(|()| query_unescape(&string(name, &args[0])?))
            .map(Value::Str),
        "join" => {
            if let Err(e) = arity(name, args, 2) {
                return Some(Err(e));
            }
            match (&args[0], &args[1]) {
                (Value::Str(sep), Value::Strings(items)) => Ok(Value::Str(items.join(sep))),
                (_, other) => Err(format!(
                    "wrong type for value; expected []string; got {}",
                    go_type(other)
                )),
            }
        }
        "stringSlice" => args
            .iter()
            .map(|a| string(name, a))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Strings),
        "date" => arity(name, args, 2).and_then(|()| match (&args[0], &args[1]) {
            (Value::Str(layout), t @ (Value::Time(_) | Value::Zoned(..))) => {
                Ok(Value::Str(super::notify_time::format_time(t, layout)))
            }
            (_, other) => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                go_type(other)
            )),
        }),
        "tz" => arity(name, args, 2).and_then(|()| match (&args[0], &args[1]) {
            (Value::Str(zone), Value::Time(ms) | Value::Zoned(ms, ..)) => {
                let (offset, abbrev) = super::notify_tz::offset_at(zone, *ms)?;
                Ok(Value::Zoned(*ms, offset, abbrev))
            }
            (_, other) => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                go_type(other)
            )),
        }),
        "since" => arity(name, args, 1).and_then(|()| match &args[0] {
            Value::Time(ms) | Value::Zoned(ms, ..) => {
                Ok(Value::Duration((now_ms() - ms).saturating_mul(1_000_000)))
            }
            other => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                go_type(other)
            )),
        }),
        "humanizeDuration" => match args {
            [Value::Duration(ns)] => Ok(Value::Str(super::funcs::humanize_duration(
                *ns as f64 / 1e9,
            ))),
            _ => return None,
        },
        "toJson" => arity(name, args, 1).map(|()| Value::Str(to_json(&args[0]).to_string())),
        "len" => match args {
            [Value::Kv(m)] => Ok(Value::Int(m.len() as i64)),
            [Value::Pairs(p)] => Ok(Value::Int(p.len() as i64)),
            [Value::Strings(s)] => Ok(Value::Int(s.len() as i64)),
            [Value::Alerts(a)] => Ok(Value::Int(a.len() as i64)),
            [Value::Html(s)] => Ok(Value::Int(s.len() as i64)),
            _ => return None,
        },
        "index" => match args {
            [Value::Kv(m), Value::Str(k)] => Ok(Value::Str(m.get(k).cloned().unwrap_or_default())),
            [list, Value::Int(i)] => {
                let items = super::notify_values::range_items(list)?;
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| items.into_iter().nth(i))
                    .map(|(_, v)| v)
                    .ok_or_else(|| format!("index out of range: {i}"))
            }
            _ => return None,
        },
        _ => return None,
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `cases.Title(language.AmericanEnglish)`: in each word the first letter upper case, the rest
/// lower case (`1st` -> `1St`). Letters, digits, `_` and an apostrophe or period between
/// letters are part of a word.
fn title(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    let mut cased = false;
    for (i, &c) in chars.iter().enumerate() {
        let joiner = matches!(c, '\'' | '.' | ':' | '’')
            && in_word
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || c == '_' || joiner {
            if !in_word {
                cased = false;
            }
            if c.is_alphabetic() && !cased {
                out.extend(c.to_uppercase());
                cased = true;
            } else {
                out.extend(c.to_lowercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// Go's `url.QueryUnescape`.
fn query_unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        let bad: String = s[i..].chars().take(3).collect();
                        format!("invalid URL escape {bad:?}")
                    })?;
                out.push(hex);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `html/template`'s escaping of text: `& ' < > " +` and NUL.
pub(crate) fn html_escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '+' => out.push_str("&#43;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// `json.Marshal` of a template value.
fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::json;
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Str(s) | Value::Html(s) => json!(s),
        Value::Map(m) | Value::Kv(m) => json!(m),
        Value::Strings(s) => json!(s),
        Value::Pairs(p) => json!(
            p.iter()
                .map(|(k, v)| json!({"Name": k, "Value": v}))
                .collect::<Vec<_>>()
        ),
        Value::Pair(k, v) => json!({"Name": k, "Value": v}),
        Value::Alerts(a) => json!(a),
        Value::Alert(a) => json!(a),
        Value::Data(d) => json!(d.as_ref()),
        Value::Duration(ns) => json!(ns),
        Value::Time(ms) | Value::Zoned(ms, ..) => {
            json!(crate::notify::timestamp::format_rfc3339(*ms))
        }
        other => json!(super::gofmt::format_value(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_unescaping() {
        assert_eq!(
            title("hello wORLD foo-bar o'neil x.y a_b 1st"),
            "Hello World Foo-Bar O'neil X.y A_b 1St"
        );
        assert_eq!(query_unescape("a%20b+c").as_deref(), Ok("a b c"));
        assert!(query_unescape("%zz").is_err());
    }
}
