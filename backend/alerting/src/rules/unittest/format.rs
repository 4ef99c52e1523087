//! promtool's failure text, character for character (`cmd/promtool/unittest.go`): label sets as
//! Prometheus prints them (`{a="x", b="y"}`, Go-quoted values), alert lists with their indices
//! and indentation, and sample values in Go's `%E` shortest form (`2E+00`).

use std::collections::BTreeMap;
use std::fmt::Write;

use pulsegrid_model::Labels;

/// An alert as compared: its labels and annotations.
pub(super) type AlertView = (Labels, BTreeMap<String, String>);

/// `{name="value", ...}` as Prometheus' `labels.Labels.String()`.
pub(super) fn label_set<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&go_quote(v));
    }
    out.push('}');
    out
}

/// A string as Go's `strconv.Quote` writes it.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if c.is_control() => {
                let n = c as u32;
                let _ = match n {
                    0..0x80 => write!(out, "\\x{n:02x}"),
                    0x80..0x10000 => write!(out, "\\u{n:04x}"),
                    _ => write!(out, "\\U{n:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float as Go's `strconv.FormatFloat(v, 'E', -1, 64)`: `2E+00`, `1.5E+03`, `+Inf`, `NaN`.
pub(super) fn go_float_e(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let s = format!("{v:E}");
    match s.split_once('E') {
        Some((mantissa, exp)) => {
            let exp: i32 = exp.parse().unwrap_or(0);
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{mantissa}E{sign}{:02}", exp.unsigned_abs())
        }
        None => s,
    }
}

/// Prefixes every line but the first with `indent` (promtool's `indentLines`).
pub(super) fn indent_lines(lines: &str, indent: &str) -> String {
    let mut out = String::with_capacity(lines.len());
    for (i, line) in lines.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out
}

/// An alert list as promtool's `labelsAndAnnotations.String()`.
pub(super) fn alert_list(alerts: &[AlertView]) -> String {
    if alerts.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for (i, (labels, annotations)) in alerts.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let item = format!(
            "\nLabels:{}\nAnnotations:{}",
            label_set(labels.iter()),
            label_set(annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        );
        let _ = write!(out, "{i}:{}", indent_lines(&item, "  "));
    }
    out.push_str("\n]");
    out
}

/// Samples as promtool's `parsedSamplesString`: `{…} 2E+00, {…} 3E+00`, or `nil`.
pub(super) fn sample_list(samples: &[(Labels, f64)]) -> String {
    if samples.is_empty() {
        return "nil".into();
    }
    samples
        .iter()
        .map(|(l, v)| format!("{} {}", label_set(l.iter()), go_float_e(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go() {
        let cases = [
            (2.0, "2E+00"),
            (1500.0, "1.5E+03"),
            (-2.0, "-2E+00"),
            (0.0, "0E+00"),
            (1e-7, "1E-07"),
            (1.2345e100, "1.2345E+100"),
            (0.1, "1E-01"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(go_float_e(v), want, "{v}");
        }
    }

    #[test]
    fn quotes_as_go() {
        assert_eq!(go_quote("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\x01é\"");
    }

    /// The layout promtool 2.42 prints (checked against its output).
    #[test]
    fn alert_lists_as_promtool() {
        let labels: Labels = [("alertname", "A"), ("site", "north")]
            .into_iter()
            .collect();
        let ann: BTreeMap<String, String> = [("summary".to_string(), "hi".to_string())].into();
        let list = alert_list(&[(labels.clone(), ann), (labels, BTreeMap::new())]);
        assert_eq!(
            indent_lines(&list, "            "),
            "[\n            0:\n              Labels:{alertname=\"A\", site=\"north\"}\n              Annotations:{summary=\"hi\"},\n            1:\n              Labels:{alertname=\"A\", site=\"north\"}\n              Annotations:{}\n            ]"
        );
        assert_eq!(alert_list(&[]), "[]");
        assert_eq!(sample_list(&[]), "nil");
    }
}
