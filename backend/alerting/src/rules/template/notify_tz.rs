//! Time zones for the `tz` function, as Go's `time.LoadLocation` finds them: `UTC` (or an empty
//! name), `Local` (the system's zone), or an IANA name from the system's tz database (jiff,
//! with its bundled copy when the system has none).

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The UTC offset (seconds) and abbreviation of zone `name` at `ms` (Unix milliseconds).
pub(crate) fn offset_at(name: &str, ms: i64) -> Result<(i32, String), String> {
    let unknown = || format!("unknown time zone {name}");
    let zone = match name {
        "" | "UTC" => return Ok((0, "UTC".into())),
        "Local" => TimeZone::system(),
        // Go refuses names that could leave the zoneinfo directory.
        _ if name.starts_with('/') || name.split('/').any(|part| part == "..") => {
            return Err(unknown());
        }
        _ => TimeZone::get(name).map_err(|_| unknown())?,
    };
    let at = Timestamp::from_millisecond(ms).map_err(|e| e.to_string())?;
    let info = zone.to_offset_info(at);
    Ok((info.offset().seconds(), info.abbreviation().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_from_the_tz_database() {
        assert_eq!(offset_at("UTC", 0), Ok((0, "UTC".into())));
        assert!(offset_at("../etc/passwd", 0).is_err());
        assert!(offset_at("Nowhere/Atlantis", 0).is_err());
        // 2024-05-01T10:00:00Z is summer time in Berlin, 2024-01-15 is not.
        assert_eq!(
            offset_at("Europe/Berlin", 1_714_557_600_000),
            Ok((7200, "CEST".into()))
        );
        assert_eq!(
            offset_at("Europe/Berlin", 1_705_312_800_000),
            Ok((3600, "CET".into()))
        );
        // After the last transition listed in the files (2037), the rules still apply.
        assert_eq!(
            offset_at("Europe/Berlin", 2_224_000_000_000).map(|o| o.0),
            Ok(7200)
        );
    }
}
