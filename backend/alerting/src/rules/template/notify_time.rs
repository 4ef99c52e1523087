//! Go's printing of times and durations for notification templates: `time.Time.Format` with a
//! reference-time layout (`date`, `.Format`) and `time.Duration.String()` (`since`).

use super::exec::Value;
use super::gofmt::civil_from_days;

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
pub(crate) fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let body = if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}µs", frac(u, 1_000))
    } else if u < 1_000_000_000 {
        format!("{}ms", frac(u, 1_000_000))
    } else {
        let secs = u / 1_000_000_000;
        let (h, m) = (secs / 3600, secs / 60 % 60);
        let s = frac(u % 60_000_000_000, 1_000_000_000);
        if h > 0 {
            format!("{h}h{m}m{s}s")
        } else if m > 0 {
            format!("{m}m{s}s")
        } else {
            format!("{s}s")
        }
    };
    if neg { format!("-{body}") } else { body }
}

/// `v / unit` with its fraction, trailing zeros trimmed.
fn frac(v: u64, unit: u64) -> String {
    let whole = v / unit;
    let rest = v % unit;
    if rest == 0 {
        return whole.to_string();
    }
    let width = unit.ilog10() as usize;
    let digits = format!("{rest:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Go's `time.Time.Format` with a reference-time layout (`2006-01-02 15:04:05 MST`).
pub(crate) fn format_time(t: &Value, layout: &str) -> String {
    let (ms, offset, zone) = match t {
        Value::Zoned(ms, offset, zone) => (*ms, *offset, zone.as_str()),
        Value::Time(ms) => (*ms, 0, "UTC"),
        _ => return String::new(),
    };
    let local = ms + i64::from(offset) * 1000;
    let days = local.div_euclid(86_400_000);
    let rem = local.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (hour, min, sec) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60);
    let nanos = rem % 1000 * 1_000_000;
    let weekday = (days + 4).rem_euclid(7) as usize;
    let month_name = MONTHS[(month - 1).clamp(0, 11) as usize];
    let yday = days - days_before_year(year) + 1;
    let mut out = String::new();
    let mut rest = layout;
    while let Some(c) = rest.chars().next() {
        let (text, len) = if rest.starts_with("January") {
            (month_name.to_string(), 7)
        } else if rest.starts_with("Jan") {
            (month_name[..3].to_string(), 3)
        } else if rest.starts_with("Monday") {
            (DAYS[weekday].to_string(), 6)
        } else if rest.starts_with("Mon") {
            (DAYS[weekday][..3].to_string(), 3)
        } else if rest.starts_with("MST") {
            (zone.to_string(), 3)
        } else if rest.starts_with("2006") {
            (format!("{year:04}"), 4)
        } else if rest.starts_with("002") {
            (format!("{yday:03}"), 3)
        } else if rest.starts_with("__2") {
            (format!("{yday:>3}"), 3)
        } else if rest.starts_with("_2") {
            (format!("{day:>2}"), 2)
        } else if rest.starts_with("01") {
            (format!("{month:02}"), 2)
        } else if rest.starts_with("02") {
            (format!("{day:02}"), 2)
        } else if rest.starts_with("03") {
            (format!("{:02}", hour12(hour)), 2)
        } else if rest.starts_with("04") {
            (format!("{min:02}"), 2)
        } else if rest.starts_with("05") {
            (format!("{sec:02}"), 2)
        } else if rest.starts_with("06") {
            (format!("{:02}", year.rem_euclid(100)), 2)
        } else if rest.starts_with("15") {
            (format!("{hour:02}"), 2)
        } else if let Some(zone_len) = zone_layout(rest) {
            (format_offset(offset, &rest[..zone_len]), zone_len)
        } else if let Some((digits, trim)) = fraction_layout(rest) {
            let all = format!("{nanos:09}");
            let mut f = all[..digits.min(9)].to_string();
            if trim {
                f = f.trim_end_matches('0').to_string();
            }
            let sep = &rest[..1];
            (
                if f.is_empty() {
                    String::new()
                } else {
                    format!("{sep}{f}")
                },
                digits + 1,
            )
        } else {
            match c {
                '1' => (month.to_string(), 1),
                '2' => (day.to_string(), 1),
                '3' => (hour12(hour).to_string(), 1),
                '4' => (min.to_string(), 1),
                '5' => (sec.to_string(), 1),
                'P' if rest.starts_with("PM") => (am_pm(hour).to_string(), 2),
                'p' if rest.starts_with("pm") => (am_pm(hour).to_lowercase(), 2),
                c => (c.to_string(), c.len_utf8()),
            }
        };
        out.push_str(&text);
        rest = &rest[len..];
    }
    out
}

fn hour12(h: i64) -> i64 {
    match h % 12 {
        0 => 12,
        x => x,
    }
}

fn am_pm(h: i64) -> &'static str {
    if h >= 12 { "PM" } else { "AM" }
}

fn days_before_year(year: i64) -> i64 {
    // Days from 1970-01-01 to January 1st of `year`.
    let y = year - 1;
    let days = |y: i64| y * 365 + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400);
    days(y) - days(1969)
}

/// The length of a zone-offset layout at the start (`-07:00`, `Z0700`…).
fn zone_layout(s: &str) -> Option<usize> {
    [
        "Z07:00:00",
        "-07:00:00",
        "Z070000",
        "-070000",
        "Z07:00",
        "-07:00",
        "Z0700",
        "-0700",
        "Z07",
        "-07",
    ]
    .iter()
    .find(|l| s.starts_with(*l))
    .map(|l| l.len())
}

fn format_offset(offset: i32, layout: &str) -> String {
    if layout.starts_with('Z') && offset == 0 {
        return "Z".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    let body = &layout[1..];
    match body {
        "07:00:00" => format!("{sign}{h:02}:{m:02}:{s:02}"),
        "070000" => format!("{sign}{h:02}{m:02}{s:02}"),
        "07:00" => format!("{sign}{h:02}:{m:02}"),
        "0700" => format!("{sign}{h:02}{m:02}"),
        _ => format!("{sign}{h:02}"),
    }
}

/// `.000` (fixed digits) or `.999` (trailing zeros dropped), with `.` or `,`, not followed by
/// a digit: (digits, trim).
fn fraction_layout(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) {
        return None;
    }
    let d = *b.get(1)?;
    if d != b'0' && d != b'9' {
        return None;
    }
    let n = b[1..].iter().take_while(|&&c| c == d).count();
    if b.get(1 + n).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((n, d == b'9'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(go_duration(-90_000_000_000), "-1m30s");
        assert_eq!(go_duration(999), "999ns");
    }

    #[test]
    fn times_format_with_go_layouts() {
        // 2024-05-01T10:03:04.25Z, a Wednesday.
        let t = Value::Time(1_714_557_784_250);
        assert_eq!(
            format_time(&t, "2006-01-02 15:04:05.000 MST"),
            "2024-05-01 10:03:04.250 UTC"
        );
        assert_eq!(
            format_time(&t, "Mon Jan _2 3:4:5.999 PM -07:00 Z0700 002"),
            "Wed May  1 10:3:4.25 AM +00:00 Z 122"
        );
        let cest = Value::Zoned(1_714_557_784_250, 7200, "CEST".into());
        assert_eq!(
            format_time(&cest, "Monday, 02-Jan-06 15:04:05 MST Z07:00"),
            "Wednesday, 01-May-24 12:03:04 CEST +02:00"
        );
    }
}
