//! The values of Alertmanager's notification templates: `template.Data` (`.Receiver`,
//! `.Alerts`, `.GroupLabels`…), `Alerts` with `.Firing`/`.Resolved`, `Alert`, and `KV` with its
//! methods `.SortedPairs`, `.Names`, `.Values`, `.Remove`, printed as Go prints them (a `KV` and
//! `Pairs` through their `String` methods: `a=b, c=d`).

use std::collections::BTreeMap;

use super::exec::Value;
use super::gofmt::{format_value, go_time};
use crate::notify::payload::TemplateAlert;
use crate::notify::timestamp::parse_rfc3339;

/// A `KV`'s pairs sorted by name, `alertname` first (Alertmanager's `KV.SortedPairs`).
pub(crate) fn sorted_pairs(kv: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = kv
        .get_key_value("alertname")
        .map(|(k, v)| (k.clone(), v.clone()))
        .into_iter()
        .collect();
    out.extend(
        kv.iter()
            .filter(|(k, _)| *k != "alertname")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    out
}

fn kv(labels: &pulsegrid_model::Labels) -> Value {
    Value::Kv(
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn time(rfc3339: &str) -> Value {
    Value::Time(parse_rfc3339(rfc3339).unwrap_or(ZERO_TIME_MS))
}

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in Unix milliseconds.
const ZERO_TIME_MS: i64 = -62_135_596_800_000;

fn pairs_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Field or argument-less method `name` of a notification value; `Err` when it has none.
pub(crate) fn field(v: Value, name: &str) -> Result<Value, String> {
    Ok(match (v, name) {
        (Value::Data(d), _) => match name {
            "Receiver" => Value::Str(d.receiver.clone()),
            "Status" => Value::Str(d.status.clone()),
            "Alerts" => Value::Alerts(d.alerts.clone()),
            "GroupLabels" => kv(&d.group_labels),
            "CommonLabels" => kv(&d.common_labels),
            "CommonAnnotations" => kv(&d.common_annotations),
            "ExternalURL" => Value::Str(d.external_url.clone()),
            _ => return Err(no_field(name, "template.Data")),
        },
        (Value::Alerts(a), "Firing" | "Resolved") => {
            let want = if name == "Firing" {
                "firing"
            } else {
                "resolved"
            };
            Value::Alerts(a.into_iter().filter(|a| a.status == want).collect())
        }
        (Value::Alert(a), _) => match name {
            "Status" => Value::Str(a.status.clone()),
            "Labels" => kv(&a.labels),
            "Annotations" => kv(&a.annotations),
            "StartsAt" => time(&a.starts_at),
            "EndsAt" => time(&a.ends_at),
            "GeneratorURL" => Value::Str(a.generator_url.clone()),
            "Fingerprint" => Value::Str(a.fingerprint.clone()),
            _ => return Err(no_field(name, "template.Alert")),
        },
        (Value::Kv(m), "SortedPairs") => Value::Pairs(sorted_pairs(&m)),
        (Value::Kv(m), "Names") => {
            Value::Strings(sorted_pairs(&m).into_iter().map(|(k, _)| k).collect())
        }
        (Value::Kv(m), "Values") => {
            Value::Strings(sorted_pairs(&m).into_iter().map(|(_, v)| v).collect())
        }
        (Value::Kv(m), "String") => Value::Str(pairs_string(&sorted_pairs(&m))),
        (Value::Kv(_), "Remove") => {
            return Err("wrong number of args for Remove: want 1 got 0".into());
        }
        // Go's `missingkey=zero`: a missing key of a map[string]string is "".
        (Value::Kv(m), key) => Value::Str(m.get(key).cloned().unwrap_or_default()),
        (Value::Pairs(p), "Names") => Value::Strings(p.into_iter().map(|(k, _)| k).collect()),
        (Value::Pairs(p), "Values") => Value::Strings(p.into_iter().map(|(_, v)| v).collect()),
        (Value::Pairs(p), "String") => Value::Str(pairs_string(&p)),
        (Value::Pair(n, _), "Name") => Value::Str(n),
        (Value::Pair(_, v), "Value") => Value::Str(v),
        (Value::Time(ms), "Unix") => Value::Int(ms.div_euclid(1000)),
        (Value::Zoned(ms, ..), "Unix") => Value::Int(ms.div_euclid(1000)),
        (other, _) => return Err(no_field(name, go_type(&other))),
    })
}

fn no_field(name: &str, ty: &str) -> String {
    format!("can't evaluate field {name} in type {ty}")
}

/// A method called with arguments: `.CommonLabels.Remove .GroupLabels.Names`,
/// `.StartsAt.Format "15:04"`.
pub(crate) fn method(recv: Value, name: &str, args: Vec<Value>) -> Result<Value, String> {
    match (recv, name, args.as_slice()) {
        (Value::Kv(mut m), "Remove", [Value::Strings(keys)]) => {
            for k in keys {
                m.remove(k);
            }
            Ok(Value::Kv(m))
        }
        (Value::Kv(_), "Remove", [other]) => Err(format!(
            "wrong type for value; expected []string; got {}",
            go_type(other)
        )),
        (t @ (Value::Time(_) | Value::Zoned(..)), "Format", [Value::Str(layout)]) => {
            Ok(Value::Str(super::notify_time::format_time(&t, layout)))
        }
        (recv, name, args) => Err(format!(
            "can't call method {name} of {} with {} arguments",
            go_type(&recv),
            args.len()
        )),
    }
}

/// What `range` iterates over for notification values: (key or index, element).
pub(crate) fn range_items(v: &Value) -> Option<Vec<(Value, Value)>> {
    let indexed = |items: Vec<Value>| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::Int(i as i64), v))
            .collect()
    };
    Some(match v {
        // Go ranges over a map in key order.
        Value::Kv(m) => m
            .iter()
            .map(|(k, v)| (Value::Str(k.clone()), Value::Str(v.clone())))
            .collect(),
        Value::Pairs(p) => indexed(
            p.iter()
                .map(|(k, v)| Value::Pair(k.clone(), v.clone()))
                .collect(),
        ),
        Value::Strings(s) => indexed(s.iter().cloned().map(Value::Str).collect()),
        Value::Alerts(a) => indexed(
            a.iter()
                .cloned()
                .map(|a| Value::Alert(Box::new(a)))
                .collect(),
        ),
        _ => return None,
    })
}

/// Go's type names of notification values.
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Kv(_) => "template.KV",
        Value::Pairs(_) => "template.Pairs",
        Value::Pair(..) => "template.Pair",
        Value::Strings(_) => "[]string",
        Value::Alerts(_) => "template.Alerts",
        Value::Alert(_) => "template.Alert",
        Value::Data(_) => "*template.Data",
        Value::Html(_) => "template.HTML",
        Value::Duration(_) => "time.Duration",
        Value::Zoned(..) => "time.Time",
        other => super::gofmt::go_type(other),
    }
}

fn alert_string(a: &TemplateAlert) -> String {
    format!(
        "{{{} {} {} {} {} {} {}}}",
        a.status,
        pairs_string(&sorted_pairs(&to_map(&a.labels))),
        pairs_string(&sorted_pairs(&to_map(&a.annotations))),
        format_value(&time(&a.starts_at)),
        format_value(&time(&a.ends_at)),
        a.generator_url,
        a.fingerprint
    )
}

fn to_map(labels: &pulsegrid_model::Labels) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `%v` of notification values.
pub(crate) fn format(v: &Value) -> String {
    match v {
        Value::Kv(m) => pairs_string(&sorted_pairs(m)),
        Value::Pairs(p) => pairs_string(p),
        Value::Pair(k, v) => format!("{{{k} {v}}}"),
        Value::Strings(s) => format!("[{}]", s.join(" ")),
        Value::Alerts(a) => format!(
            "[{}]",
            a.iter().map(alert_string).collect::<Vec<_>>().join(" ")
        ),
        Value::Alert(a) => alert_string(a),
        Value::Data(d) => format!(
            "{{{} {} [{}] {} {} {} {}}}",
            d.receiver,
            d.status,
            d.alerts
                .iter()
                .map(alert_string)
                .collect::<Vec<_>>()
                .join(" "),
            pairs_string(&sorted_pairs(&to_map(&d.group_labels))),
            pairs_string(&sorted_pairs(&to_map(&d.common_labels))),
            pairs_string(&sorted_pairs(&to_map(&d.common_annotations))),
            d.external_url
        ),
        Value::Html(s) => s.clone(),
        Value::Duration(ns) => super::notify_time::go_duration(*ns),
        Value::Zoned(ms, offset, zone) => zoned_time(*ms, *offset, zone),
        other => format_value(other),
    }
}

/// `time.Time.String()` in a zone: `2024-05-01 12:00:00 +0200 CEST`.
fn zoned_time(ms: i64, offset: i32, zone: &str) -> String {
    let local = go_time(ms + i64::from(offset) * 1000);
    let base = local.trim_end_matches(" +0000 UTC");
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    format!("{base} {sign}{:02}{:02} {zone}", a / 3600, a / 60 % 60)
}
