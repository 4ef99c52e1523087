//! What a render is asked for: size, theme, time zone, time range and format.

use std::fmt;

use crate::error::{RenderError, Result};

/// The largest width or height of an image, in pixels.
pub const MAX_SIDE: u32 = 8192;

/// How one panel is rendered.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    /// Image width in pixels, `1..=`[`MAX_SIDE`].
    pub width: u32,
    /// Image height in pixels, `1..=`[`MAX_SIDE`].
    pub height: u32,
    /// Dark or light colors.
    pub theme: Theme,
    /// The zone the time axis is labelled in.
    pub tz: TimeZone,
    /// Start of the time axis, unix ms.
    pub from_ms: i64,
    /// End of the time axis, unix ms (after `from_ms`).
    pub to_ms: i64,
    /// PNG or SVG.
    pub format: Format,
}

impl RenderOptions {
    /// A 1000x500 dark PNG in UTC over `from_ms..to_ms` (the `/render` defaults).
    pub fn new(from_ms: i64, to_ms: i64) -> Self {
        RenderOptions {
            width: 1000,
            height: 500,
            theme: Theme::Dark,
            tz: TimeZone::utc(),
            from_ms,
            to_ms,
            format: Format::Png,
        }
    }

    /// Checks the size and the time range.
    pub fn validate(&self) -> Result<()> {
        check_size(self.width, self.height)?;
        if self.from_ms >= self.to_ms {
            return Err(RenderError::InvalidTimeRange {
                from_ms: self.from_ms,
                to_ms: self.to_ms,
            });
        }
        Ok(())
    }
}

/// `width` x `height` is a size this crate draws.
pub(crate) fn check_size(width: u32, height: u32) -> Result<()> {
    let ok = |side: u32| (1..=MAX_SIDE).contains(&side);
    if ok(width) && ok(height) {
        Ok(())
    } else {
        Err(RenderError::InvalidSize {
            width,
            height,
            max: MAX_SIDE,
        })
    }
}

/// Grafana's two themes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Theme {
    /// Dark panel background (Grafana's default).
    #[default]
    Dark,
    /// White panel background.
    Light,
}

impl Theme {
    /// `dark` or `light` (case-insensitive).
    pub fn parse(text: &str) -> Option<Theme> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            _ => None,
        }
    }

    /// `dark` or `light`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }
}

/// The image format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG (8-bit RGB).
    #[default]
    Png,
    /// SVG 1.1 text.
    Svg,
}

impl Format {
    /// The format of a file extension (`png`, `svg`, any case), if known.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Format::Png),
            "svg" => Some(Format::Svg),
            _ => None,
        }
    }

    /// `png` or `svg`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }
}

/// A time zone: an IANA zone (with its daylight saving rules) or a fixed UTC offset.
#[derive(Clone)]
pub struct TimeZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl TimeZone {
    /// UTC.
    pub fn utc() -> Self {
        TimeZone {
            name: "UTC".to_owned(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    /// Reads `UTC` (also empty, `Z`, `browser`: a server has no browser zone), an offset
    /// (`+02:00`, `-0530`, `+2`, `UTC+2`) or an IANA name (`Europe/Berlin`).
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        if matches!(lower.as_str(), "" | "utc" | "z" | "browser" | "gmt") {
            return Ok(TimeZone::utc());
        }
        let bad = || RenderError::InvalidTimeZone(trimmed.to_owned());
        let offset_text = lower
            .strip_prefix("utc")
            .or_else(|| lower.strip_prefix("gmt"))
            .unwrap_or(&lower);
        if offset_text.starts_with(['+', '-']) {
            let seconds = parse_offset(offset_text).ok_or_else(bad)?;
            let offset = jiff::tz::Offset::from_seconds(seconds).map_err(|_| bad())?;
            return Ok(TimeZone {
                name: format_offset(seconds),
                tz: jiff::tz::TimeZone::fixed(offset),
            });
        }
        let tz = jiff::tz::TimeZone::get(trimmed).map_err(|_| bad())?;
        Ok(TimeZone {
            name: tz.iana_name().unwrap_or(trimmed).to_owned(),
            tz,
        })
    }

    /// The name as understood: `UTC`, `+02:00` or the IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at `ms`, in seconds.
    pub(crate) fn offset_seconds(&self, ms: i64) -> i64 {
        jiff::Timestamp::from_millisecond(ms)
            .map(|ts| i64::from(self.tz.to_offset(ts).seconds()))
            .unwrap_or(0)
    }

    /// The wall-clock time at `ms`.
    pub(crate) fn civil(&self, ms: i64) -> Civil {
        let local = ms.saturating_add(self.offset_seconds(ms) * 1000);
        Civil::from_local_ms(local)
    }

    /// The instant of a wall-clock midnight (the earlier one when ambiguous).
    pub(crate) fn midnight(&self, year: i32, month: u32, day: u32) -> Option<i64> {
        let date = jiff::civil::Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()?;
        let ts = self
            .tz
            .to_ambiguous_timestamp(date.at(0, 0, 0, 0))
            .compatible()
            .ok()?;
        Some(ts.as_millisecond())
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({})", self.name)
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TimeZone {}

impl std::hash::Hash for TimeZone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// `+HH[:MM]`, `+HHMM` or `+H` to seconds east of UTC (at most 18 hours).
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() > 2 => rest.split_at(rest.len() - 2),
        None => (rest, "0"),
    };
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 18 || minutes >= 60 || (hours == 18 && minutes > 0) {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.abs();
    format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// A wall-clock date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) milli: u32,
}

impl Civil {
    /// From milliseconds since the epoch of the local clock (proleptic Gregorian).
    pub(crate) fn from_local_ms(ms: i64) -> Civil {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (in_day / 3_600_000) as u32,
            minute: (in_day / 60_000 % 60) as u32,
            second: (in_day / 1000 % 60) as u32,
            milli: (in_day % 1000) as u32,
        }
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
pub(crate) fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = y + i64::from(m <= 2);
    (i32::try_from(year).unwrap_or(i32::MAX), m, d)
}

/// Howard Hinnant's `days_from_civil`: (year, month, day) to days since 1970-01-01.
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones() {
        assert_eq!(TimeZone::parse("").unwrap().name(), "UTC");
        assert_eq!(TimeZone::parse("browser").unwrap().name(), "UTC");
        assert_eq!(TimeZone::parse("+02:00").unwrap().name(), "+02:00");
        assert_eq!(TimeZone::parse("UTC-0530").unwrap().name(), "-05:30");
        assert_eq!(TimeZone::parse("+2").unwrap().offset_seconds(0), 7200);
        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        // 2024-07-01T00:00:00Z is summer time (+2), 2024-01-01 winter (+1).
        assert_eq!(berlin.offset_seconds(1_719_792_000_000), 7200);
        assert_eq!(berlin.offset_seconds(1_704_067_200_000), 3600);
        for bad in ["Mars/Olympus", "+25:00", "+1:75", "utc+", "12"] {
            assert!(
                matches!(TimeZone::parse(bad), Err(RenderError::InvalidTimeZone(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn civil_dates() {
        let c = Civil::from_local_ms(1_719_792_000_000 + 3_723_004);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli),
            (2024, 7, 1, 1, 2, 3, 4)
        );
        assert_eq!(days_from_civil(2024, 7, 1), 19_905);
        assert_eq!(civil_from_days(19_905), (2024, 7, 1));
        let c = Civil::from_local_ms(-1);
        assert_eq!((c.year, c.month, c.day, c.hour), (1969, 12, 31, 23));
        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.civil(1_719_792_000_000).hour, 2);
        assert_eq!(berlin.midnight(2024, 7, 1), Some(1_719_784_800_000));
    }

    #[test]
    fn sizes() {
        assert!(check_size(1, 8192).is_ok());
        assert!(check_size(0, 10).is_err());
        assert!(check_size(10, 8193).is_err());
    }
}
