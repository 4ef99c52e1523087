//! Axis ticks: "nice" value steps (1, 2, 2.5, 5 x 10^n) and time ticks aligned to the wall clock
//! of the panel's time zone (whole minutes, hours, local midnights, first of the month), with
//! Grafana's label formats chosen from the step.

use crate::options::{TimeZone, civil_from_days, days_from_civil};

/// A value axis: its range (extended to whole steps unless fixed) and tick positions.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ValueAxis {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) step: f64,
    pub(crate) ticks: Vec<f64>,
}

/// The smallest of 1, 2, 2.5, 5, 10 x 10^n that is at least `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let residual = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|n| *n >= residual - 1e-9)
        .unwrap_or(10.0);
    nice * magnitude
}

/// An axis over the data range `lo..hi` with about `max_ticks` ticks; `fixed_min`/`fixed_max`
/// (the panel's min/max) are kept exactly.
pub(crate) fn value_axis(
    lo: f64,
    hi: f64,
    max_ticks: usize,
    fixed_min: Option<f64>,
    fixed_max: Option<f64>,
) -> ValueAxis {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if let Some(m) = fixed_min.filter(|m| m.is_finite()) {
        lo = m;
    }
    if let Some(m) = fixed_max.filter(|m| m.is_finite()) {
        hi = m;
    }
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        if lo == 0.0 {
            // A flat zero series: 0..1 rather than -1..1.
            if fixed_max.is_none() {
                hi = 1.0;
            } else if fixed_min.is_none() {
                lo = -1.0;
            }
        } else {
            let pad = lo.abs() * 0.1;
            if fixed_min.is_none() {
                lo -= pad;
            }
            if fixed_max.is_none() {
                hi += pad;
            }
        }
        if hi <= lo {
            hi = lo + 1.0;
        }
    }
    let step = nice_step((hi - lo) / max_ticks.max(1) as f64);
    let min = match fixed_min {
        Some(m) if m.is_finite() => m,
        _ => (lo / step).floor() * step,
    };
    let max = match fixed_max {
        Some(m) if m.is_finite() => m,
        _ => (hi / step).ceil() * step,
    };
    let mut ticks = Vec::new();
    let mut t = (min / step).ceil() * step;
    while t <= max + step * 1e-9 && ticks.len() < 100 {
        // Snap away float dust (0.30000000000000004).
        let snapped = (t / step).round() * step;
        ticks.push(if snapped.abs() < step * 1e-9 {
            0.0
        } else {
            snapped
        });
        t += step;
    }
    ValueAxis {
        min,
        max: if max > min { max } else { min + 1.0 },
        step,
        ticks,
    }
}

/// Decimals that show a tick step exactly (0.25 -> 2).
pub(crate) fn step_decimals(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    for d in 0..10 {
        let scaled = step * 10f64.powi(d);
        if (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0) {
            return d as usize;
        }
    }
    10
}

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// How a time tick is labelled (Grafana's formats by step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeFormat {
    /// HH:mm:ss.SSS
    Millis,
    /// HH:mm:ss
    Seconds,
    /// HH:mm
    Minutes,
    /// MM/DD HH:mm
    DayMinutes,
    /// MM/DD
    Day,
    /// YYYY-MM
    Month,
    /// YYYY
    Year,
}

/// The steps a time axis uses, in ms (months and years are calendar steps, see below).
const TIME_STEPS: [i64; 26] = [
    1,
    10,
    100,
    SECOND,
    2 * SECOND,
    5 * SECOND,
    10 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    30 * DAY,
    91 * DAY,
    182 * DAY,
];

/// Time ticks between `from` and `to` (inclusive), about `max_ticks` of them, in `tz`.
pub(crate) fn time_ticks(
    from: i64,
    to: i64,
    tz: &TimeZone,
    max_ticks: usize,
) -> (Vec<i64>, TimeFormat) {
    let span = to.saturating_sub(from).max(1);
    let raw = span / max_ticks.max(1) as i64;
    let step = TIME_STEPS.iter().copied().find(|s| *s >= raw);
    let format = format_for(step.unwrap_or(365 * DAY), span);
    let ticks = match step {
        Some(step) if step < DAY => clock_ticks(from, to, tz, step),
        Some(step) if step < 30 * DAY => day_ticks(from, to, tz, step / DAY),
        Some(step) => month_ticks(from, to, tz, (step / (30 * DAY)).clamp(1, 6) as u32),
        None => {
            let years = (raw / (365 * DAY) + 1).max(1);
            year_ticks(from, to, tz, years)
        }
    };
    (ticks, format)
}

fn format_for(step: i64, span: i64) -> TimeFormat {
    if step < SECOND {
        TimeFormat::Millis
    } else if step < MINUTE {
        TimeFormat::Seconds
    } else if step < HOUR || (step < DAY && span <= DAY) {
        TimeFormat::Minutes
    } else if step < DAY {
        TimeFormat::DayMinutes
    } else if step < 28 * DAY {
        TimeFormat::Day
    } else if step < 365 * DAY {
        TimeFormat::Month
    } else {
        TimeFormat::Year
    }
}

const MAX_TICKS: usize = 500;

/// Ticks where the local clock is a multiple of `step` (sub-day steps).
fn clock_ticks(from: i64, to: i64, tz: &TimeZone, step: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut at = from;
    // Bounded by iterations, not ticks: at the end of the i64 range `at` stops moving.
    for _ in 0..MAX_TICKS * 2 {
        if out.len() >= MAX_TICKS {
            break;
        }
        let offset = tz.offset_seconds(at) * 1000;
        let local = at.saturating_add(offset);
        let up = i64::from(local.rem_euclid(step) != 0);
        let Some(aligned) = local
            .div_euclid(step)
            .checked_add(up)
            .and_then(|n| n.checked_mul(step))
        else {
            break;
        };
        let tick = aligned.saturating_sub(offset);
        if tick > to {
            break;
        }
        if out.last() != Some(&tick) && tick >= from {
            out.push(tick);
        }
        at = tick.saturating_add(step);
    }
    out
}

/// Local midnights every `days` days (weeks start on Monday).
fn day_ticks(from: i64, to: i64, tz: &TimeZone, days: i64) -> Vec<i64> {
    let start = tz.civil(from);
    let mut day = days_from_civil(start.year, start.month, start.day);
    let mut out = Vec::new();
    while out.len() < MAX_TICKS {
        let (y, m, d) = civil_from_days(day);
        let Some(midnight) = tz.midnight(y, m, d) else {
            break;
        };
        if midnight > to {
            break;
        }
        // Monday-based weeks: 1970-01-01 was a Thursday.
        let phase = if days == 7 {
            (day + 3).rem_euclid(7)
        } else {
            day.rem_euclid(days)
        };
        if midnight >= from && phase == 0 {
            out.push(midnight);
        }
        day += 1;
    }
    out
}

/// The first of every `months`-th month (January, then every `months`).
fn month_ticks(from: i64, to: i64, tz: &TimeZone, months: u32) -> Vec<i64> {
    let start = tz.civil(from);
    let (mut y, mut m) = (start.year, start.month);
    let mut out = Vec::new();
    while out.len() < MAX_TICKS {
        let Some(at) = tz.midnight(y, m, 1) else {
            break;
        };
        if at > to {
            break;
        }
        if at >= from && (m - 1) % months == 0 {
            out.push(at);
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    out
}

/// January 1st of every `years`-th year.
fn year_ticks(from: i64, to: i64, tz: &TimeZone, years: i64) -> Vec<i64> {
    let mut y = tz.civil(from).year;
    let mut out = Vec::new();
    while out.len() < MAX_TICKS {
        let Some(at) = tz.midnight(y, 1, 1) else {
            break;
        };
        if at > to {
            break;
        }
        if at >= from && i64::from(y).rem_euclid(years) == 0 {
            out.push(at);
        }
        y += 1;
    }
    out
}

/// A tick label.
pub(crate) fn format_time(ms: i64, tz: &TimeZone, format: TimeFormat) -> String {
    let c = tz.civil(ms);
    match format {
        TimeFormat::Millis => format!(
            "{:02}:{:02}:{:02}.{:03}",
            c.hour, c.minute, c.second, c.milli
        ),
        TimeFormat::Seconds => format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second),
        TimeFormat::Minutes => format!("{:02}:{:02}", c.hour, c.minute),
        TimeFormat::DayMinutes => {
            format!("{:02}/{:02} {:02}:{:02}", c.month, c.day, c.hour, c.minute)
        }
        TimeFormat::Day => format!("{:02}/{:02}", c.month, c.day),
        TimeFormat::Month => format!("{:04}-{:02}", c.year, c.month),
        TimeFormat::Year => format!("{:04}", c.year),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_719_792_000_000; // 2024-07-01T00:00:00Z

    #[test]
    fn nice_value_axes() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(31.0), 50.0);
        let a = value_axis(3.0, 97.0, 5, None, None);
        assert_eq!((a.min, a.max, a.step), (0.0, 100.0, 20.0));
        assert_eq!(a.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let flat = value_axis(5.0, 5.0, 5, None, None);
        assert!(flat.min < 5.0 && flat.max > 5.0, "{flat:?}");
        let zero = value_axis(0.0, 0.0, 5, None, None);
        assert_eq!((zero.min, zero.max), (0.0, 1.0));
        let fixed = value_axis(3.0, 97.0, 5, Some(0.0), Some(120.0));
        assert_eq!((fixed.min, fixed.max), (0.0, 120.0));
        let bad = value_axis(f64::NAN, f64::INFINITY, 5, None, None);
        assert_eq!((bad.min, bad.max), (0.0, 1.0));
        let tiny = value_axis(0.1, 0.3, 4, None, None);
        assert!(tiny.ticks.contains(&0.2), "{tiny:?}");
        assert_eq!(step_decimals(0.25), 2);
        assert_eq!(step_decimals(50.0), 0);
    }

    #[test]
    fn time_ticks_align_to_the_local_clock() {
        let utc = TimeZone::utc();
        let (ticks, format) = time_ticks(T0 + 7 * MINUTE, T0 + HOUR, &utc, 6);
        assert_eq!(format, TimeFormat::Minutes);
        assert_eq!(ticks[0], T0 + 10 * MINUTE);
        assert!(ticks.windows(2).all(|w| w[1] - w[0] == 10 * MINUTE));
        assert_eq!(format_time(ticks[0], &utc, format), "00:10");

        let india = TimeZone::parse("+05:30").unwrap();
        let (ticks, _) = time_ticks(T0, T0 + 6 * HOUR, &india, 6);
        // Whole local hours: 05:30 UTC is 11:00 in India.
        assert!(ticks.contains(&(T0 + 5 * HOUR + 30 * MINUTE)), "{ticks:?}");
        assert_eq!(
            format_time(T0 + 5 * HOUR + 30 * MINUTE, &india, TimeFormat::Minutes),
            "11:00"
        );

        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        let (ticks, format) = time_ticks(T0, T0 + 7 * DAY, &berlin, 8);
        assert_eq!(format, TimeFormat::Day);
        // Local midnight in Berlin (summer) is 22:00 UTC.
        assert_eq!(ticks[0], T0 + DAY - 2 * HOUR);
        assert_eq!(format_time(ticks[0], &berlin, format), "07/02");

        let (ticks, format) = time_ticks(T0, T0 + 400 * DAY, &utc, 6);
        assert_eq!(format, TimeFormat::Month);
        assert_eq!(format_time(ticks[0], &utc, format), "2024-07");
        let (ticks, format) = time_ticks(0, 50 * 365 * DAY, &utc, 6);
        assert_eq!(format, TimeFormat::Year);
        assert!(!ticks.is_empty());
        let (ticks, _) = time_ticks(T0, T0 + 10, &utc, 6);
        assert!(!ticks.is_empty());
    }
}
