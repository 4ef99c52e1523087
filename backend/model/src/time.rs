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
        let (offsets, round) = match rest.split_once('/') {
            Some((o, r)) => (o, Some(r)),
            None => (rest, None),
        };
        let mut at = now_ms;
        let mut rest = offsets;
        while !rest.is_empty() {
            let sign = match rest.as_bytes()[0] {
                b'-' => -1,
                b'+' => 1,
                _ => return Err(bad("expected + or - after now")),
            };
            rest = &rest[1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let n: i64 = rest[..digits]
                .parse()
                .map_err(|_| bad("expected a number"))?;
            rest = &rest[digits..];
            let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
            let unit = unit_ms(&rest[..unit_len]).ok_or_else(|| bad("unknown unit"))?;
            rest = &rest[unit_len..];
            at = at.saturating_add(sign * n.saturating_mul(unit));
        }
        if let Some(unit) = round {
            let unit = unit_ms(unit).ok_or_else(|| bad("unknown rounding unit"))?;
            at = at.div_euclid(unit) * unit;
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
    fn durations() {
        assert_eq!(parse_duration_ms("15s"), Ok(15_000));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert!(parse_duration_ms("5 parsecs").is_err());
    }
}
