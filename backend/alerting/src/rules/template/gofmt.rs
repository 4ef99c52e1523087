//! Go's formatting, as Prometheus templates print: `%v` of a float64 (shortest digits, exponent
//! form from 1e6 on: `1.234567e+06`, as `strconv.FormatFloat(v, 'g', -1, 64)`), `%.4g` (what the
//! humanize functions use), `printf` verbs, and `time.Time.String()` in UTC.

use std::collections::BTreeMap;

use super::exec::{SampleValue, Value};

/// Go's name for a value's type, for `%!d(float64=1.5)` and error messages.
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::Map(_) => "map[string]string",
        Value::Sample(_) => "template.sample",
        Value::List(_) => "template.queryResult",
        Value::Time(_) => "time.Time",
        Value::Root => "*template.tmplData",
        other => super::notify_values::go_type(other),
    }
}

/// `%v`.
pub(crate) fn format_value(v: &Value) -> String {
    match v {
        Value::Nil => "<no value>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => fmt_g(*f, None),
        Value::Str(s) => s.clone(),
        Value::Map(m) => format_map(m),
        Value::Sample(s) => format_sample(s),
        Value::List(l) => {
            let items: Vec<_> = l.iter().map(format_sample).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Time(ms) => go_time(*ms),
        Value::Root => "{}".into(),
        other => super::notify_values::format(other),
    }
}

fn format_map(m: &BTreeMap<String, String>) -> String {
    let items: Vec<_> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("map[{}]", items.join(" "))
}

fn format_sample(s: &SampleValue) -> String {
    format!("{{{} {}}}", format_map(&s.labels), fmt_g(s.value, None))
}

/// Decimal digits of `v` (positive, finite) without trailing zeros, and the decimal point's
/// position: `v = 0.d1d2d3… × 10^dp`. `prec` rounds to that many significant digits.
fn digits(v: f64, prec: Option<usize>) -> (Vec<u8>, i32) {
    if v == 0.0 {
        return (Vec::new(), 0);
    }
    let s = match prec {
        None => format!("{v:e}"),
        Some(p) => format!("{:.*e}", p.saturating_sub(1), v),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    (d, exp + 1)
}

fn special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".into())
    } else if v.is_infinite() {
        Some(if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        })
    } else {
        None
    }
}

/// Go's `%g` (`prec` = `None` is the shortest representation, as `%v`).
pub(crate) fn fmt_g(v: f64, prec: Option<usize>) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    let neg = v.is_sign_negative();
    let p = prec.map(|p| p.max(1));
    let (d, dp) = digits(v.abs(), p);
    let nd = d.len() as i32;
    let shortest = p.is_none();
    let p = p.map_or(nd, |p| p as i32);
    let mut eprec = p;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    let body = if exp < -4 || exp >= eprec {
        fmt_e_digits(&d, dp, (p.min(nd) - 1).max(0) as usize)
    } else {
        let prec2 = if p > dp { nd } else { p };
        fmt_f_digits(&d, dp, (prec2 - dp).max(0) as usize)
    };
    if neg { format!("-{body}") } else { body }
}

fn fmt_e_digits(d: &[u8], dp: i32, decimals: usize) -> String {
    let mut out = String::new();
    out.push(d.first().map_or('0', |c| *c as char));
    if decimals > 0 {
        out.push('.');
        for i in 1..=decimals {
            out.push(d.get(i).map_or('0', |c| *c as char));
        }
    }
    let exp = if d.is_empty() { 0 } else { dp - 1 };
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
    out
}

fn fmt_f_digits(d: &[u8], dp: i32, decimals: usize) -> String {
    let mut out = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            out.push(d.get(i).map_or('0', |c| *c as char));
        }
    } else {
        out.push('0');
    }
    if decimals > 0 {
        out.push('.');
        for i in 0..decimals as i32 {
            let idx = dp + i;
            let c = if idx < 0 {
                b'0'
            } else {
                d.get(idx as usize).copied().unwrap_or(b'0')
            };
            out.push(c as char);
        }
    }
    out
}

/// Go's `%e` with `prec` decimals (default 6).
fn fmt_e(v: f64, prec: usize) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    let (d, dp) = digits(v.abs(), Some(prec + 1));
    let body = fmt_e_digits(&d, dp, prec);
    if v.is_sign_negative() {
        format!("-{body}")
    } else {
        body
    }
}

/// Go's `%f` with `prec` decimals (default 6).
fn fmt_f(v: f64, prec: usize) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    format!("{v:.prec$}")
}

/// `time.Time.String()` of a UTC time: `2020-09-13 12:26:40.5 +0000 UTC`.
pub(crate) fn go_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, frac) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    let mut out = format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if frac != 0 {
        let f = format!("{frac:03}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%v %s %d %f %e %g %x %X %q %t %%`, with
/// flags `- + 0 space`, width and precision. Mismatches print as Go does (`%!d(float64=1.5)`).
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut minus, mut plus, mut zero, mut space) = (false, false, false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => minus = true,
                '+' => plus = true,
                '0' => zero = true,
                ' ' => space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = None;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = Some(width.unwrap_or(0) * 10 + d as usize);
            chars.next();
        }
        let mut prec = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = 0;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                p = p * 10 + d as usize;
                chars.next();
            }
            prec = Some(p);
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let bad = || format!("%!{verb}({}={})", go_type(arg), format_value(arg));
        let num = |v: f64| -> String {
            match verb {
                'f' | 'F' => fmt_f(v, prec.unwrap_or(6)),
                'e' => fmt_e(v, prec.unwrap_or(6)),
                'E' => fmt_e(v, prec.unwrap_or(6)).to_uppercase(),
                'g' | 'v' => fmt_g(v, prec),
                'G' => fmt_g(v, prec).to_uppercase(),
                _ => String::new(),
            }
        };
        let (mut s, numeric) = match (verb, arg) {
            ('v', v @ (Value::Float(_) | Value::Int(_))) if prec.is_none() => {
                (format_value(v), true)
            }
            ('v', Value::Float(f)) => (num(*f), true),
            ('v', v) => (format_value(v), false),
            ('s', Value::Str(s)) => (
                prec.map_or(s.clone(), |p| s.chars().take(p).collect()),
                false,
            ),
            ('s', v @ (Value::Map(_) | Value::Time(_) | Value::Sample(_) | Value::List(_))) => {
                (format_value(v), false)
            }
            ('s', v)
                if !matches!(
                    v,
                    Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Root
                ) =>
            {
                (format_value(v), false)
            }
            ('d', Value::Duration(ns)) => (ns.to_string(), true),
            ('d', Value::Int(i)) => (i.to_string(), true),
            ('f' | 'F' | 'e' | 'E' | 'g' | 'G', Value::Float(f)) => (num(*f), true),
            ('x', Value::Int(i)) => (format!("{i:x}"), true),
            ('X', Value::Int(i)) => (format!("{i:X}"), true),
            ('x', Value::Str(s)) => (s.bytes().map(|b| format!("{b:02x}")).collect(), false),
            ('X', Value::Str(s)) => (s.bytes().map(|b| format!("{b:02X}")).collect(), false),
            ('q', Value::Str(s)) => (format!("{s:?}"), false),
            ('t', Value::Bool(b)) => (b.to_string(), false),
            _ => (bad(), false),
        };
        if numeric && !s.starts_with('-') {
            if plus {
                s.insert(0, '+');
            } else if space {
                s.insert(0, ' ');
            }
        }
        if let Some(w) = width {
            let len = s.chars().count();
            if len < w {
                let pad = w - len;
                if minus {
                    s.push_str(&" ".repeat(pad));
                } else if zero && numeric {
                    let sign = usize::from(s.starts_with(['-', '+', ' ']));
                    s.insert_str(sign, &"0".repeat(pad));
                } else {
                    s.insert_str(0, &" ".repeat(pad));
                }
            }
        }
        out.push_str(&s);
    }
    if next < args.len() {
        let extra: Vec<_> = args[next..]
            .iter()
            .map(|a| format!("{}={}", go_type(a), format_value(a)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_does() {
        let cases: &[(f64, Option<usize>, &str)] = &[
            (1234567.0, None, "1.234567e+06"),
            (123456.0, None, "123456"),
            (0.5, None, "0.5"),
            (8.0, None, "8"),
            (0.0, None, "0"),
            (0.00001, None, "1e-05"),
            (-2.5, None, "-2.5"),
            (1.234567, Some(4), "1.235"),
            (1234567.0, Some(4), "1.235e+06"),
            (100.0, Some(4), "100"),
            (12.34, Some(4), "12.34"),
            (1.5, Some(4), "1.5"),
            (1234.0, Some(4), "1234"),
            (12345.0, Some(4), "1.234e+04"),
            (0.0, Some(4), "0"),
            (f64::INFINITY, None, "+Inf"),
            (f64::NAN, Some(4), "NaN"),
        ];
        for (v, p, want) in cases {
            assert_eq!(fmt_g(*v, *p), *want, "{v} %.{p:?}g");
        }
    }

    #[test]
    fn printf_verbs() {
        let f = Value::Float(1.23456);
        let cases: &[(&str, Vec<Value>, &str)] = &[
            ("%.2f", vec![f.clone()], "1.23"),
            ("%f", vec![f.clone()], "1.234560"),
            ("%v", vec![f.clone()], "1.23456"),
            ("%s", vec![Value::Str("x".into())], "x"),
            ("%d", vec![Value::Int(42)], "42"),
            (
                "%5d|%-5d|%05d",
                vec![Value::Int(1), Value::Int(2), Value::Int(3)],
                "    1|2    |00003",
            ),
            ("%d", vec![f.clone()], "%!d(float64=1.23456)"),
            ("%d %d", vec![Value::Int(1)], "1 %!d(MISSING)"),
            ("%e", vec![Value::Float(1234.5)], "1.234500e+03"),
            ("100%%", vec![], "100%"),
            (
                "%s",
                vec![Value::Str("a".into()), Value::Int(1)],
                "a%!(EXTRA int=1)",
            ),
        ];
        for (fmt, args, want) in cases {
            assert_eq!(sprintf(fmt, args), *want, "{fmt}");
        }
    }

    #[test]
    fn times_print_as_go_does() {
        assert_eq!(go_time(1_600_000_000_000), "2020-09-13 12:26:40 +0000 UTC");
        assert_eq!(go_time(1_500), "1970-01-01 00:00:01.5 +0000 UTC");
    }
}
