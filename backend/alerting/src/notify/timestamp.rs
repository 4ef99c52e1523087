//! RFC 3339 timestamps as Alertmanager writes them: Go's `time.Time` JSON (nanosecond precision,
//! trailing zeros trimmed, `0001-01-01T00:00:00Z` for "never") in webhook payloads, and
//! millisecond precision (`2024-05-01T10:00:00.000Z`) in the v2 API's silences. Internally every
//! time is Unix milliseconds.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::{Error, Result};

/// Go's zero `time.Time`, which Alertmanager shows as the `endsAt` of a firing alert.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn utc(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn date_time(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Formats Unix milliseconds as Go's `RFC3339Nano` in UTC: `2024-05-01T10:00:00.25Z`.
pub fn format_rfc3339(ms: i64) -> String {
    let t = utc(ms);
    let millis = t.millisecond();
    if millis == 0 {
        format!("{}Z", date_time(t))
    } else {
        let frac = format!("{millis:03}");
        format!("{}.{}Z", date_time(t), frac.trim_end_matches('0'))
    }
}

/// Formats Unix milliseconds with exactly three fractional digits: `2024-05-01T10:00:00.000Z`
/// (go-openapi's `strfmt.DateTime`, the v2 API's format).
pub fn format_rfc3339_millis(ms: i64) -> String {
    let t = utc(ms);
    format!("{}.{:03}Z", date_time(t), t.millisecond())
}

/// Parses an RFC 3339 timestamp (any offset, any fraction) into Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Result<i64> {
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map_err(|_| Error::Timestamp(text.to_owned()))?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| Error::Timestamp(text.to_owned()))
}

/// Serde helpers for an `i64` of Unix milliseconds written as an RFC 3339 string (millisecond
/// precision, as the v2 API).
pub mod serde_millis {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `ms` as `2024-05-01T10:00:00.000Z`.
    pub fn serialize<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_rfc3339_millis(*ms))
    }

    /// Reads an RFC 3339 string into Unix milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let cases = [
            (0, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
            (
                1_714_557_600_000,
                "2024-05-01T10:00:00Z",
                "2024-05-01T10:00:00.000Z",
            ),
            (
                1_714_557_600_250,
                "2024-05-01T10:00:00.25Z",
                "2024-05-01T10:00:00.250Z",
            ),
            (
                1_714_557_600_001,
                "2024-05-01T10:00:00.001Z",
                "2024-05-01T10:00:00.001Z",
            ),
        ];
        for (ms, nano, millis) in cases {
            assert_eq!(format_rfc3339(ms), nano);
            assert_eq!(format_rfc3339_millis(ms), millis);
            assert_eq!(parse_rfc3339(nano).unwrap(), ms);
            assert_eq!(parse_rfc3339(millis).unwrap(), ms);
        }
        assert_eq!(
            parse_rfc3339("2024-05-01T12:00:00+02:00").unwrap(),
            1_714_557_600_000
        );
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
