//! Durations as Prometheus writes them (`model.ParseDuration`): units `y w d h m s ms` in that
//! order, each at most once, integers only, no sign; `0` alone is the only bare number. Rule files
//! use them for `interval`, `for`, `keep_firing_for` and `query_offset`, and reductions for their
//! window (`min(5m)`).

use std::fmt;

/// Milliseconds per unit, in the order Prometheus requires them.
const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Why a duration was refused; the message is promtool's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

/// Parses a Prometheus duration (`1h30m`, `5m`, `500ms`, `0`) into milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    if text.is_empty() {
        return Err(DurationError("empty duration string".into()));
    }
    if text == "0" {
        return Ok(0);
    }
    let invalid = || DurationError(format!("not a valid duration string: {text:?}"));
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    while pos < bytes.len() {
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return Err(invalid());
        }
        let digits = &text[start..pos];
        let unit_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
            pos += 1;
        }
        let unit = &text[unit_start..pos];
        let Some(idx) = UNITS[next_unit..]
            .iter()
            .position(|(u, _)| *u == unit)
            .map(|i| i + next_unit)
        else {
            return Err(invalid());
        };
        next_unit = idx + 1;
        let out_of_range = || DurationError("duration out of range".into());
        let n: i64 = digits.parse().map_err(|_| out_of_range())?;
        let ms = n.checked_mul(UNITS[idx].1).ok_or_else(out_of_range)?;
        total = total.checked_add(ms).ok_or_else(out_of_range)?;
    }
    Ok(total)
}

/// Writes milliseconds back as Prometheus does (`1h30m`, `0s`).
pub fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms.unsigned_abs();
    if ms < 0 {
        out.push('-');
    }
    for (unit, size) in UNITS {
        let size = size.unsigned_abs();
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_prometheus_parses() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0", Some(0)),
            ("0s", Some(0)),
            ("0m", Some(0)),
            ("5m", Some(300_000)),
            ("1h30m", Some(5_400_000)),
            ("500ms", Some(500)),
            ("1d2h", Some(93_600_000)),
            ("1y2w3d", Some((365 + 14 + 3) * 86_400_000)),
            ("90s", Some(90_000)),
            ("5", None),
            ("1m30", None),
            ("1m1h", None),
            ("-5m", None),
            ("5x", None),
            ("1.5h", None),
            ("", None),
            ("5m5m", None),
            ("99999999999999999999y", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text).ok(), *want, "{text}");
        }
    }

    #[test]
    fn formats_like_prometheus() {
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1_500), "1s500ms");
    }
}
