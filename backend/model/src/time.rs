//! Time ranges as Grafana writes them: `now`, `now-5m`, `now-1h/h` (rounded), unix
//! milliseconds, or RFC 3339 text.

use std::fmt;

/// A closed interval of unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeRange {
    /// Start, unix ms.
    pub from_ms: i64,
    /// End, unix ms.
    pub to_ms: i64,
}

impl TimeRange {
    /// Resolves Grafana's `from`/`to` text against `now_ms`.
    pub fn parse(from: &str, to: &str, now_ms: i64) -> Result<Self, TimeError> {
        let from_ms = parse_time(from, now_ms)?;
        let to_ms = parse_time(to, now_ms)?;
        if from_ms > to_ms {
            return Err(TimeError(format!(
                "time range: from ({from}) is after to ({to})"
            )));
        }
        Ok(TimeRange { from_ms, to_ms })
    }

    /// Length in milliseconds.
    pub fn span_ms(&self) -> i64 {
        self.to_ms - self.from_ms
    }
}

/// A time that could not be read; the message quotes it and says what is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeError(pub String);

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TimeError {}

/// One time: `now[-+]N<unit>...[/unit]`, unix ms digits, or RFC 3339.
pub fn parse_time(text: &str, now_ms: i64) -> Result<i64, TimeError> {
    let text = text.trim();
    let bad = |why: &str| {
        TimeError(format!(
            "invalid time {text:?}: {why}; expected now, now-5m, now-1d/d, unix milliseconds or RFC 3339"
        ))
    };
    if let Some(rest) = text.strip_prefix("now") {
        // Grafana's date math: offsets and roundings applied left to right, so chained
        // offsets (`now-5m-1d`, what a time shift makes) and rounding before an offset
        // (`now/d-1d`) work as in Grafana.
        let mut at = now_ms;
        let mut rest = rest;
        while !rest.is_empty() {
            let op = rest.as_bytes()[0];
            rest = &rest[1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let n: Option<i64> = match op {
                b'-' | b'+' => Some(
                    rest[..digits]
                        .parse()
                        .map_err(|_| bad("expected a number"))?,
                ),
                b'/' => None,
                _ => return Err(bad("expected +, - or / after now")),
            };
            rest = &rest[digits..];
            let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
            let unit = unit_ms(&rest[..unit_len]).ok_or_else(|| match n {
                Some(_) => bad("unknown unit"),
                None => bad("unknown rounding unit"),
            })?;
            rest = &rest[unit_len..];
            at = match n {
                Some(n) if op == b'-' => at.saturating_sub(n.saturating_mul(unit)),
                Some(n) => at.saturating_add(n.saturating_mul(unit)),
                None => at.div_euclid(unit) * unit,
            };
        }
        return Ok(at);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad("number out of range"));
    }
    humantime::parse_rfc3339_weak(text)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .ok_or_else(|| bad("not a time"))
}

/// `text` (a `from` or `to` as written) moved back by `shift` (a duration such as `1d`), as
/// Grafana applies a panel's `timeShift`: relative times get the offset appended
/// (`now-5m` -> `now-5m-1d`), so the window keeps sliding; absolute times become unix ms.
pub fn shift_time(text: &str, shift: &str) -> Result<String, TimeError> {
    let shift_ms =
        parse_duration_ms(shift).map_err(|e| TimeError(format!("time shift {shift:?}: {e}")))?;
    let text = text.trim();
    if shift_ms == 0 {
        return Ok(text.to_owned());
    }
    if text.starts_with("now") {
        // Validate first, so an invalid time is reported as written.
        parse_time(text, 0)?;
        return Ok(format!("{text}-{}", shift.trim()));
    }
    Ok(parse_time(text, 0)?.saturating_sub(shift_ms).to_string())
}

/// The window start a panel's `timeFrom` gives (Grafana's relative time override): `1h` ->
/// `now-1h`; text that already starts with `now` (`now/d`) is kept. The window then ends `now`.
pub fn time_from_override(time_from: &str) -> Result<String, TimeError> {
    let text = time_from.trim();
    let from = if text.starts_with("now") {
        text.to_owned()
    } else {
        parse_duration_ms(text).map_err(|e| TimeError(format!("relative time {text:?}: {e}")))?;
        format!("now-{text}")
    };
    parse_time(&from, 0)?;
    Ok(from)
}

/// A duration such as `15s`, `1m30s`, `500ms` or `2h`, in milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, TimeError> {
    let mut total: i64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(TimeError(
            "empty duration: expected e.g. 15s, 1m, 2h".into(),
        ));
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = rest[..digits].parse().map_err(|_| {
            TimeError(format!(
                "invalid duration {text:?}: expected e.g. 15s, 1m, 2h"
            ))
        })?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit = unit_ms(&rest[..unit_len])
            .ok_or_else(|| TimeError(format!("invalid duration {text:?}: unknown unit")))?;
        rest = &rest[unit_len..];
        total = total.saturating_add(n.saturating_mul(unit));
    }
    Ok(total)
}

fn unit_ms(unit: &str) -> Option<i64> {
    Some(match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" => 30 * 86_400_000,
        "y" => 365 * 86_400_000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn relative_and_absolute_times() {
        assert_eq!(parse_time("now", NOW), Ok(NOW));
        assert_eq!(parse_time("now-5m", NOW), Ok(NOW - 300_000));
        assert_eq!(parse_time("now-1h+30m", NOW), Ok(NOW - 1_800_000));
        assert_eq!(parse_time("now/h", NOW), Ok(NOW / 3_600_000 * 3_600_000));
        assert_eq!(parse_time("1500", NOW), Ok(1500));
        assert_eq!(parse_time("1970-01-01T00:00:01Z", NOW), Ok(1000));
        assert!(
            parse_time("yesterday", NOW)
                .unwrap_err()
                .0
                .contains("yesterday")
        );
        assert!(TimeRange::parse("now", "now-1h", NOW).is_err());
    }

    #[test]
    fn chained_offsets_and_rounding_in_any_order() {
        const DAY: i64 = 86_400_000;
        assert_eq!(parse_time("now-5m-1d", NOW), Ok(NOW - 300_000 - DAY));
        assert_eq!(parse_time("now-1d/d", NOW), Ok((NOW - DAY) / DAY * DAY));
        assert_eq!(parse_time("now/d-1d", NOW), Ok(NOW / DAY * DAY - DAY));
        assert_eq!(parse_time("now-1h-30m+15m", NOW), Ok(NOW - 4_500_000));
        assert!(parse_time("now/q", NOW).unwrap_err().0.contains("rounding"));
        assert!(parse_time("now*2", NOW).is_err());
    }

    #[test]
    fn time_shift_and_relative_time_override() {
        assert_eq!(shift_time("now-5m", "1d").as_deref(), Ok("now-5m-1d"));
        assert_eq!(shift_time("now", "1d").as_deref(), Ok("now-1d"));
        assert_eq!(shift_time(" now ", "0s").as_deref(), Ok("now"));
        assert_eq!(shift_time("1500", "1s").as_deref(), Ok("500"));
        assert_eq!(
            shift_time("1970-01-01T00:00:10Z", "2s").as_deref(),
            Ok("8000")
        );
        assert!(
            shift_time("now", "yesterday")
                .unwrap_err()
                .0
                .contains("time shift")
        );
        assert!(shift_time("soon", "1d").is_err());
        let shifted = shift_time("now-5m", "1d").unwrap();
        assert_eq!(parse_time(&shifted, NOW), Ok(NOW - 300_000 - 86_400_000));
        assert_eq!(time_from_override("1h").as_deref(), Ok("now-1h"));
        assert_eq!(time_from_override("now/d").as_deref(), Ok("now/d"));
        assert!(
            time_from_override("an hour")
                .unwrap_err()
                .0
                .contains("relative time")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("15s"), Ok(15_000));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert!(parse_duration_ms("5 parsecs").is_err());
    }
}
